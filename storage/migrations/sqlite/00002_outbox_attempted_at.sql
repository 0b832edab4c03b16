-- When the earliest try to post a message began whose outcome is unknown
-- (a crash, a lost answer, a record given up). A row claimed again with it
-- set is looked for in Slack before it is posted again: see docs/outbox.md.

-- +goose Up
ALTER TABLE `outbox_messages` ADD COLUMN `attempted_at` datetime;
