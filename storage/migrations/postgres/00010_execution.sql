-- Release execution with evidence (issue 12): pipeline tokens, readiness
-- checks, incidents and hotfix links, what is live where, and the answers
-- the pipeline API keeps for its Idempotency-Key.

-- +goose Up
ALTER TABLE releases ADD COLUMN downtime_minutes bigint NOT NULL DEFAULT 0;
ALTER TABLE releases ADD COLUMN pipeline_url character varying(500) NOT NULL DEFAULT '';
ALTER TABLE releases ADD COLUMN commit_sha character varying(64) NOT NULL DEFAULT '';
ALTER TABLE releases ADD COLUMN fixes_id bigint REFERENCES releases(id);
ALTER TABLE approval_policies ADD COLUMN checks character varying(500) NOT NULL DEFAULT '';

CREATE TABLE api_tokens (
    id bigserial PRIMARY KEY,
    name character varying(64) NOT NULL,
    hash character varying(64) NOT NULL,
    services character varying(2000) NOT NULL DEFAULT '',
    created_by character varying(32) NOT NULL,
    created_at timestamp with time zone NOT NULL
);
CREATE UNIQUE INDEX idx_api_tokens_name ON api_tokens (name);
CREATE UNIQUE INDEX idx_api_tokens_hash ON api_tokens (hash);

CREATE TABLE readiness_checks (
    id bigserial PRIMARY KEY,
    release_id bigint NOT NULL REFERENCES releases(id) ON DELETE CASCADE,
    name character varying(64) NOT NULL,
    status character varying(16) NOT NULL CHECK (status IN ('passed','failed')),
    url character varying(500) NOT NULL DEFAULT '',
    actor character varying(64) NOT NULL,
    updated_at timestamp with time zone NOT NULL
);
CREATE UNIQUE INDEX idx_checks_release_name ON readiness_checks (release_id, name);

CREATE TABLE incidents (
    id bigserial PRIMARY KEY,
    release_id bigint NOT NULL REFERENCES releases(id) ON DELETE CASCADE,
    summary character varying(500) NOT NULL,
    severity character varying(16) NOT NULL DEFAULT '',
    url character varying(500) NOT NULL DEFAULT '',
    reported_by character varying(64) NOT NULL,
    created_at timestamp with time zone NOT NULL
);
CREATE INDEX idx_incidents_release ON incidents (release_id);

CREATE TABLE live_versions (
    id bigserial PRIMARY KEY,
    service character varying(64) NOT NULL,
    environment character varying(32) NOT NULL,
    version character varying(64) NOT NULL,
    components character varying(3000) NOT NULL DEFAULT '',
    release_id bigint NOT NULL REFERENCES releases(id),
    since timestamp with time zone NOT NULL,
    until timestamp with time zone
);
CREATE INDEX idx_live_service_env ON live_versions (service, environment, id);

CREATE TABLE idempotency_keys (
    key character varying(300) PRIMARY KEY,
    request_hash character varying(64) NOT NULL,
    status bigint NOT NULL,
    body text NOT NULL,
    created_at timestamp with time zone NOT NULL
);
