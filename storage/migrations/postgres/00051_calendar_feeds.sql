-- Calendar feed tokens (issue 15): one per person, kept as its SHA-256.

-- +goose Up
CREATE TABLE calendar_feeds (
    id bigserial PRIMARY KEY,
    user_id character varying(32) NOT NULL,
    hash character varying(64) NOT NULL,
    created_at timestamp with time zone NOT NULL
);
CREATE UNIQUE INDEX idx_calendar_feeds_user ON calendar_feeds (user_id);
CREATE UNIQUE INDEX idx_calendar_feeds_hash ON calendar_feeds (hash);
