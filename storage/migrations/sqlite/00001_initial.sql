-- The schema as releasebot created it before migrations were versioned
-- (gorm AutoMigrate plus the append-only audit triggers), statement for
-- statement. Every statement is IF NOT EXISTS so that a database that
-- code created is adopted as version 1 without change.

-- +goose Up
CREATE TABLE IF NOT EXISTS `releases` (`id` integer PRIMARY KEY AUTOINCREMENT,`service` text NOT NULL,`version` text NOT NULL,`environment` text NOT NULL,`type` text NOT NULL,`risk` text NOT NULL,`title` text NOT NULL DEFAULT "",`impact` text NOT NULL DEFAULT "",`rollback_plan` text NOT NULL DEFAULT "",`owner_id` text NOT NULL,`created_by` text NOT NULL,`channel` text NOT NULL,`announcement_ts` text NOT NULL DEFAULT "",`start_at` datetime NOT NULL,`end_at` datetime NOT NULL,`status` text NOT NULL,`freeze_reason` text NOT NULL DEFAULT "",`retro_review` numeric NOT NULL DEFAULT false,`revision` integer NOT NULL DEFAULT 1,`started_at` datetime,`finished_at` datetime,`created_at` datetime NOT NULL,`updated_at` datetime NOT NULL,CONSTRAINT `chk_releases_type` CHECK (type IN ('standard','normal','emergency')),CONSTRAINT `chk_releases_status` CHECK (status IN ('planned','approved','rejected','in_progress','completed','failed','rolled_back','cancelled')),CONSTRAINT `chk_releases_risk` CHECK (risk IN ('low','medium','high')));
CREATE TABLE IF NOT EXISTS `release_components` (`id` integer PRIMARY KEY AUTOINCREMENT,`release_id` integer NOT NULL,`name` text NOT NULL,`version` text NOT NULL,CONSTRAINT `fk_releases_components` FOREIGN KEY (`release_id`) REFERENCES `releases`(`id`));
CREATE TABLE IF NOT EXISTS `approval_policies` (`id` integer PRIMARY KEY AUTOINCREMENT,`type` text NOT NULL,`environment` text NOT NULL DEFAULT "",`approvers` text NOT NULL,`required` text NOT NULL,`updated_by` text NOT NULL,`updated_at` datetime NOT NULL,CONSTRAINT `chk_policies_type` CHECK (type IN ('standard','normal','emergency')));
CREATE TABLE IF NOT EXISTS `approval_rounds` (`id` integer PRIMARY KEY AUTOINCREMENT,`release_id` integer NOT NULL,`number` integer NOT NULL,`revision` integer NOT NULL,`status` text NOT NULL,`required` text NOT NULL,`needed` integer NOT NULL,`policy_source` text NOT NULL,`progress_ts` text NOT NULL DEFAULT "",`opened_at` datetime NOT NULL,`requested_by` text NOT NULL DEFAULT "",`closed_at` datetime,CONSTRAINT `fk_approval_rounds_release` FOREIGN KEY (`release_id`) REFERENCES `releases`(`id`) ON DELETE CASCADE,CONSTRAINT `chk_rounds_status` CHECK (status IN ('open','approved','rejected','superseded','cancelled')));
CREATE TABLE IF NOT EXISTS `round_approvers` (`id` integer PRIMARY KEY AUTOINCREMENT,`round_id` integer NOT NULL,`user_id` text NOT NULL,`dm_channel` text NOT NULL DEFAULT "",`dmts` text NOT NULL DEFAULT "",`last_nudge` datetime,CONSTRAINT `fk_approval_rounds_approvers` FOREIGN KEY (`round_id`) REFERENCES `approval_rounds`(`id`));
CREATE TABLE IF NOT EXISTS `approval_decisions` (`id` integer PRIMARY KEY AUTOINCREMENT,`round_id` integer NOT NULL,`approver_id` text NOT NULL,`decision` text NOT NULL,`reason` text NOT NULL DEFAULT "",`decided_at` datetime NOT NULL,CONSTRAINT `fk_approval_rounds_decisions` FOREIGN KEY (`round_id`) REFERENCES `approval_rounds`(`id`),CONSTRAINT `chk_decisions_decision` CHECK (decision IN ('approve','reject')));
CREATE TABLE IF NOT EXISTS `freeze_windows` (`id` integer PRIMARY KEY AUTOINCREMENT,`environment` text NOT NULL DEFAULT "",`start_at` datetime NOT NULL,`end_at` datetime NOT NULL,`reason` text NOT NULL,`created_by` text NOT NULL,`created_at` datetime NOT NULL,CONSTRAINT `chk_freezes_reason` CHECK (reason <> ''),CONSTRAINT `chk_freezes_order` CHECK (end_at > start_at));
CREATE TABLE IF NOT EXISTS `subscriptions` (`id` integer PRIMARY KEY AUTOINCREMENT,`service` text NOT NULL,`environment` text NOT NULL DEFAULT "",`target` text NOT NULL,`target_kind` text NOT NULL,`created_by` text NOT NULL,`created_at` datetime NOT NULL,CONSTRAINT `chk_subscriptions_kind` CHECK (target_kind IN ('channel','user')));
CREATE TABLE IF NOT EXISTS `stakeholders` (`id` integer PRIMARY KEY AUTOINCREMENT,`service` text NOT NULL,`user_id` text NOT NULL,`added_by` text NOT NULL,`created_at` datetime NOT NULL);
CREATE TABLE IF NOT EXISTS `outbox_messages` (`id` integer PRIMARY KEY AUTOINCREMENT,`key` text NOT NULL,`kind` text NOT NULL,`release_id` integer,`ref_id` integer,`channel` text NOT NULL DEFAULT "",`op` text NOT NULL,`target_ts` text NOT NULL DEFAULT "",`payload` text NOT NULL DEFAULT "",`due_at` datetime NOT NULL,`status` text NOT NULL,`attempts` integer NOT NULL DEFAULT 0,`last_error` text NOT NULL DEFAULT "",`claimed_by` text NOT NULL DEFAULT "",`claimed_until` datetime,`sent_ts` text NOT NULL DEFAULT "",`sent_channel` text NOT NULL DEFAULT "",`sent_at` datetime,`created_at` datetime NOT NULL,CONSTRAINT `fk_outbox_messages_release` FOREIGN KEY (`release_id`) REFERENCES `releases`(`id`) ON DELETE RESTRICT,CONSTRAINT `chk_outbox_op` CHECK (op IN ('post','update','thread')),CONSTRAINT `chk_outbox_status` CHECK (status IN ('pending','sending','sent','failed','dropped')));
CREATE TABLE IF NOT EXISTS `audit_entries` (`id` integer PRIMARY KEY AUTOINCREMENT,`at` datetime NOT NULL,`actor` text NOT NULL,`action` text NOT NULL,`release_id` integer,`details` text NOT NULL DEFAULT "",CONSTRAINT `fk_audit_entries_release` FOREIGN KEY (`release_id`) REFERENCES `releases`(`id`) ON DELETE RESTRICT);
CREATE TABLE IF NOT EXISTS `processed_envelopes` (`key` text,`created_at` datetime NOT NULL,PRIMARY KEY (`key`));
CREATE TABLE IF NOT EXISTS `user_profiles` (`user_id` text,`name` text NOT NULL DEFAULT "",`tz` text NOT NULL DEFAULT "",`fetched_at` datetime NOT NULL,PRIMARY KEY (`user_id`));
CREATE INDEX IF NOT EXISTS `idx_releases_status` ON `releases`(`status`);
CREATE INDEX IF NOT EXISTS `idx_releases_end` ON `releases`(`end_at`);
CREATE INDEX IF NOT EXISTS `idx_releases_start` ON `releases`(`start_at`);
CREATE INDEX IF NOT EXISTS `idx_releases_owner_id` ON `releases`(`owner_id`);
CREATE INDEX IF NOT EXISTS `idx_releases_env_start` ON `releases`(`environment`,`start_at`);
CREATE INDEX IF NOT EXISTS `idx_releases_service_start` ON `releases`(`service`,`start_at`);
CREATE UNIQUE INDEX IF NOT EXISTS `idx_components_release_name` ON `release_components`(`release_id`,`name`);
CREATE UNIQUE INDEX IF NOT EXISTS `idx_policies_type_env` ON `approval_policies`(`type`,`environment`);
CREATE INDEX IF NOT EXISTS `idx_approval_rounds_status` ON `approval_rounds`(`status`);
CREATE UNIQUE INDEX IF NOT EXISTS `idx_rounds_release_number` ON `approval_rounds`(`release_id`,`number`);
CREATE UNIQUE INDEX IF NOT EXISTS `idx_round_approvers` ON `round_approvers`(`round_id`,`user_id`);
CREATE UNIQUE INDEX IF NOT EXISTS `idx_decisions_round_approver` ON `approval_decisions`(`round_id`,`approver_id`);
CREATE INDEX IF NOT EXISTS `idx_freeze_windows_end_at` ON `freeze_windows`(`end_at`);
CREATE INDEX IF NOT EXISTS `idx_freeze_windows_start_at` ON `freeze_windows`(`start_at`);
CREATE UNIQUE INDEX IF NOT EXISTS `idx_subscriptions_key` ON `subscriptions`(`service`,`environment`,`target`);
CREATE UNIQUE INDEX IF NOT EXISTS `idx_stakeholders_key` ON `stakeholders`(`service`,`user_id`);
CREATE INDEX IF NOT EXISTS `idx_outbox_messages_claimed_until` ON `outbox_messages`(`claimed_until`);
CREATE INDEX IF NOT EXISTS `idx_outbox_due` ON `outbox_messages`(`status`,`due_at`);
CREATE UNIQUE INDEX IF NOT EXISTS `idx_outbox_messages_key` ON `outbox_messages`(`key`);
CREATE INDEX IF NOT EXISTS `idx_outbox_chain` ON `outbox_messages`(`release_id`,`kind`,`channel`,`id`);
CREATE INDEX IF NOT EXISTS `idx_audit_entries_release_id` ON `audit_entries`(`release_id`);
CREATE INDEX IF NOT EXISTS `idx_audit_entries_at` ON `audit_entries`(`at`);
CREATE INDEX IF NOT EXISTS `idx_processed_envelopes_created_at` ON `processed_envelopes`(`created_at`);
-- +goose StatementBegin
CREATE TRIGGER IF NOT EXISTS audit_entries_no_update BEFORE UPDATE ON audit_entries
BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER IF NOT EXISTS audit_entries_no_delete BEFORE DELETE ON audit_entries
BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END;
-- +goose StatementEnd
-- Replaced by idx_outbox_chain; left, it misleads the planner.
DROP INDEX IF EXISTS idx_outbox_release_kind;
