-- Stakeholder satisfaction surveys and post-release reviews (issue 13).
-- One survey per release and one answer per person and survey: the unique
-- keys are what keep replicas and restarts from asking twice.

-- +goose Up
CREATE TABLE `surveys` (`id` integer PRIMARY KEY AUTOINCREMENT,`release_id` integer NOT NULL,`opened_at` datetime NOT NULL,`closes_at` datetime NOT NULL,`public` numeric NOT NULL DEFAULT false,CONSTRAINT `fk_surveys_release` FOREIGN KEY (`release_id`) REFERENCES `releases`(`id`) ON DELETE CASCADE);
CREATE UNIQUE INDEX `idx_surveys_release` ON `surveys`(`release_id`);
CREATE TABLE `survey_invites` (`id` integer PRIMARY KEY AUTOINCREMENT,`survey_id` integer NOT NULL,`user_id` text NOT NULL,CONSTRAINT `fk_survey_invites_survey` FOREIGN KEY (`survey_id`) REFERENCES `surveys`(`id`) ON DELETE CASCADE);
CREATE UNIQUE INDEX `idx_survey_invites_key` ON `survey_invites`(`survey_id`,`user_id`);
CREATE TABLE `survey_responses` (`id` integer PRIMARY KEY AUTOINCREMENT,`survey_id` integer NOT NULL,`user_id` text NOT NULL,`score` integer NOT NULL DEFAULT 0,`adoption` text NOT NULL DEFAULT "",`follow_up` text NOT NULL DEFAULT "",`comment` text NOT NULL DEFAULT "",`changes` integer NOT NULL DEFAULT 0,`answered_at` datetime NOT NULL,`updated_at` datetime NOT NULL,CONSTRAINT `fk_survey_responses_survey` FOREIGN KEY (`survey_id`) REFERENCES `surveys`(`id`) ON DELETE CASCADE,CONSTRAINT `chk_survey_responses_score` CHECK (score BETWEEN 0 AND 5),CONSTRAINT `chk_survey_responses_adoption` CHECK (adoption IN ('','yes','not_yet','no')),CONSTRAINT `chk_survey_responses_follow_up` CHECK (follow_up IN ('','yes','not_yet','no')));
CREATE UNIQUE INDEX `idx_survey_responses_key` ON `survey_responses`(`survey_id`,`user_id`);
CREATE TABLE `reviews` (`id` integer PRIMARY KEY AUTOINCREMENT,`release_id` integer NOT NULL,`author_id` text NOT NULL,`criteria` text NOT NULL,`went_well` text NOT NULL DEFAULT "",`went_wrong` text NOT NULL DEFAULT "",`final` numeric NOT NULL DEFAULT false,`revision` integer NOT NULL DEFAULT 1,`created_at` datetime NOT NULL,`updated_at` datetime NOT NULL,CONSTRAINT `fk_reviews_release` FOREIGN KEY (`release_id`) REFERENCES `releases`(`id`) ON DELETE CASCADE,CONSTRAINT `chk_reviews_criteria` CHECK (criteria IN ('yes','partly','no')));
CREATE UNIQUE INDEX `idx_reviews_release` ON `reviews`(`release_id`);
CREATE INDEX `idx_reviews_created_at` ON `reviews`(`created_at`);
CREATE TABLE `review_actions` (`id` integer PRIMARY KEY AUTOINCREMENT,`review_id` integer NOT NULL,`release_id` integer NOT NULL,`service` text NOT NULL,`text` text NOT NULL,`owner_id` text NOT NULL,`due_on` text NOT NULL,`done_at` datetime,`done_by` text NOT NULL DEFAULT "",CONSTRAINT `fk_review_actions_review` FOREIGN KEY (`review_id`) REFERENCES `reviews`(`id`) ON DELETE CASCADE);
CREATE INDEX `idx_review_actions_open` ON `review_actions`(`service`,`done_at`);
CREATE INDEX `idx_review_actions_owner` ON `review_actions`(`owner_id`);
