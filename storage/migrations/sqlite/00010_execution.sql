-- Release execution with evidence (issue 12): pipeline tokens, readiness
-- checks, incidents and hotfix links, what is live where, and the answers
-- the pipeline API keeps for its Idempotency-Key.

-- +goose Up
ALTER TABLE `releases` ADD COLUMN `downtime_minutes` integer NOT NULL DEFAULT 0;
ALTER TABLE `releases` ADD COLUMN `pipeline_url` varchar(500) NOT NULL DEFAULT '';
ALTER TABLE `releases` ADD COLUMN `commit_sha` varchar(64) NOT NULL DEFAULT '';
ALTER TABLE `releases` ADD COLUMN `fixes_id` integer REFERENCES `releases`(`id`);
ALTER TABLE `approval_policies` ADD COLUMN `checks` varchar(500) NOT NULL DEFAULT '';

CREATE TABLE `api_tokens` (
    `id` integer PRIMARY KEY AUTOINCREMENT,
    `name` varchar(64) NOT NULL,
    `hash` varchar(64) NOT NULL,
    `services` varchar(2000) NOT NULL DEFAULT '',
    `created_by` varchar(32) NOT NULL,
    `created_at` datetime NOT NULL
);
CREATE UNIQUE INDEX `idx_api_tokens_name` ON `api_tokens`(`name`);
CREATE UNIQUE INDEX `idx_api_tokens_hash` ON `api_tokens`(`hash`);

CREATE TABLE `readiness_checks` (
    `id` integer PRIMARY KEY AUTOINCREMENT,
    `release_id` integer NOT NULL REFERENCES `releases`(`id`) ON DELETE CASCADE,
    `name` varchar(64) NOT NULL,
    `status` varchar(16) NOT NULL CHECK (`status` IN ('passed','failed')),
    `url` varchar(500) NOT NULL DEFAULT '',
    `actor` varchar(64) NOT NULL,
    `updated_at` datetime NOT NULL
);
CREATE UNIQUE INDEX `idx_checks_release_name` ON `readiness_checks`(`release_id`, `name`);

CREATE TABLE `incidents` (
    `id` integer PRIMARY KEY AUTOINCREMENT,
    `release_id` integer NOT NULL REFERENCES `releases`(`id`) ON DELETE CASCADE,
    `summary` varchar(500) NOT NULL,
    `severity` varchar(16) NOT NULL DEFAULT '',
    `url` varchar(500) NOT NULL DEFAULT '',
    `reported_by` varchar(64) NOT NULL,
    `created_at` datetime NOT NULL
);
CREATE INDEX `idx_incidents_release` ON `incidents`(`release_id`);

CREATE TABLE `live_versions` (
    `id` integer PRIMARY KEY AUTOINCREMENT,
    `service` varchar(64) NOT NULL,
    `environment` varchar(32) NOT NULL,
    `version` varchar(64) NOT NULL,
    `components` varchar(3000) NOT NULL DEFAULT '',
    `release_id` integer NOT NULL REFERENCES `releases`(`id`),
    `since` datetime NOT NULL,
    `until` datetime
);
CREATE INDEX `idx_live_service_env` ON `live_versions`(`service`, `environment`, `id`);

CREATE TABLE `idempotency_keys` (
    `key` varchar(300) PRIMARY KEY,
    `request_hash` varchar(64) NOT NULL,
    `status` integer NOT NULL,
    `body` text NOT NULL,
    `created_at` datetime NOT NULL
);
