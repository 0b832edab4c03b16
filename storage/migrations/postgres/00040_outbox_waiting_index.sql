-- The messages of a release waiting for one just sent (a thread line for
-- its announcement, an update for its request) are woken by release and
-- status (markSent). Without this index the planner may read them through
-- idx_outbox_due, i.e. every pending reminder of every release.

-- +goose Up
CREATE INDEX IF NOT EXISTS idx_outbox_release_status ON outbox_messages USING btree (release_id, status, due_at);
