-- The messages of a release waiting for one just sent (a thread line for
-- its announcement, an update for its request) are woken by release and
-- status (markSent). Without this index SQLite reads them through
-- idx_outbox_due, i.e. every pending reminder of every release: at a few
-- thousand planned releases that one statement was half the bot's CPU.

-- +goose Up
CREATE INDEX IF NOT EXISTS `idx_outbox_release_status` ON `outbox_messages`(`release_id`,`status`,`due_at`);
