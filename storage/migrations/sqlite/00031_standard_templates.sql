-- The standard-change catalogue: changes admins approved once as templates,
-- which standard releases name and must fit.

-- +goose Up
CREATE TABLE `standard_templates` (`id` integer PRIMARY KEY AUTOINCREMENT,`name` text NOT NULL,`service` text NOT NULL,`environment` text NOT NULL DEFAULT "",`max_risk` text NOT NULL,`covers` text NOT NULL,`created_by` text NOT NULL,`created_at` datetime NOT NULL,CONSTRAINT `chk_templates_risk` CHECK (max_risk IN ('low','medium','high')),CONSTRAINT `chk_templates_covers` CHECK (covers <> ''));
CREATE UNIQUE INDEX `idx_templates_name` ON `standard_templates`(`name`);
ALTER TABLE `releases` ADD COLUMN `template` text NOT NULL DEFAULT "";
