-- The schema as releasebot created it before migrations were versioned
-- (gorm AutoMigrate plus the append-only audit trigger), object for object:
-- same names, types, defaults, constraints and indexes. Every statement is
-- IF NOT EXISTS (or replaces its object) so that a database that code
-- created is adopted as version 1 without change.

-- +goose Up
CREATE TABLE IF NOT EXISTS releases (
    id bigserial CONSTRAINT releases_pkey PRIMARY KEY,
    service character varying(64) NOT NULL,
    version character varying(64) NOT NULL,
    environment character varying(32) NOT NULL,
    type character varying(16) NOT NULL,
    risk character varying(16) NOT NULL,
    title character varying(150) DEFAULT ''::character varying NOT NULL,
    impact character varying(3000) DEFAULT ''::character varying NOT NULL,
    rollback_plan character varying(3000) DEFAULT ''::character varying NOT NULL,
    owner_id character varying(32) NOT NULL,
    created_by character varying(32) NOT NULL,
    channel character varying(32) NOT NULL,
    announcement_ts character varying(32) DEFAULT ''::character varying NOT NULL,
    start_at timestamp with time zone NOT NULL,
    end_at timestamp with time zone NOT NULL,
    status character varying(16) NOT NULL,
    freeze_reason character varying(500) DEFAULT ''::character varying NOT NULL,
    retro_review boolean DEFAULT false NOT NULL,
    revision bigint DEFAULT 1 NOT NULL,
    started_at timestamp with time zone,
    finished_at timestamp with time zone,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    CONSTRAINT chk_releases_type CHECK (type IN ('standard','normal','emergency')),
    CONSTRAINT chk_releases_status CHECK (status IN ('planned','approved','rejected','in_progress','completed','failed','rolled_back','cancelled')),
    CONSTRAINT chk_releases_risk CHECK (risk IN ('low','medium','high'))
);
CREATE INDEX IF NOT EXISTS idx_releases_status ON releases USING btree (status);
CREATE INDEX IF NOT EXISTS idx_releases_end ON releases USING btree (end_at);
CREATE INDEX IF NOT EXISTS idx_releases_start ON releases USING btree (start_at);
CREATE INDEX IF NOT EXISTS idx_releases_owner_id ON releases USING btree (owner_id);
CREATE INDEX IF NOT EXISTS idx_releases_env_start ON releases USING btree (environment, start_at);
CREATE INDEX IF NOT EXISTS idx_releases_service_start ON releases USING btree (service, start_at);

CREATE TABLE IF NOT EXISTS release_components (
    id bigserial CONSTRAINT release_components_pkey PRIMARY KEY,
    release_id bigint NOT NULL,
    name character varying(64) NOT NULL,
    version character varying(64) NOT NULL,
    CONSTRAINT fk_releases_components FOREIGN KEY (release_id) REFERENCES releases(id)
);
CREATE UNIQUE INDEX IF NOT EXISTS idx_components_release_name ON release_components USING btree (release_id, name);

CREATE TABLE IF NOT EXISTS approval_policies (
    id bigserial CONSTRAINT approval_policies_pkey PRIMARY KEY,
    type character varying(16) NOT NULL,
    environment character varying(32) DEFAULT ''::character varying NOT NULL,
    approvers character varying(2000) NOT NULL,
    required character varying(16) NOT NULL,
    updated_by character varying(32) NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    CONSTRAINT chk_policies_type CHECK (type IN ('standard','normal','emergency'))
);
CREATE UNIQUE INDEX IF NOT EXISTS idx_policies_type_env ON approval_policies USING btree (type, environment);

CREATE TABLE IF NOT EXISTS approval_rounds (
    id bigserial CONSTRAINT approval_rounds_pkey PRIMARY KEY,
    release_id bigint NOT NULL,
    number bigint NOT NULL,
    revision bigint NOT NULL,
    status character varying(16) NOT NULL,
    required character varying(16) NOT NULL,
    needed bigint NOT NULL,
    policy_source character varying(200) NOT NULL,
    progress_ts character varying(32) DEFAULT ''::character varying NOT NULL,
    opened_at timestamp with time zone NOT NULL,
    requested_by character varying(32) DEFAULT ''::character varying NOT NULL,
    closed_at timestamp with time zone,
    CONSTRAINT fk_approval_rounds_release FOREIGN KEY (release_id) REFERENCES releases(id) ON DELETE CASCADE,
    CONSTRAINT chk_rounds_status CHECK (status IN ('open','approved','rejected','superseded','cancelled'))
);
CREATE INDEX IF NOT EXISTS idx_approval_rounds_status ON approval_rounds USING btree (status);
CREATE UNIQUE INDEX IF NOT EXISTS idx_rounds_release_number ON approval_rounds USING btree (release_id, number);

CREATE TABLE IF NOT EXISTS round_approvers (
    id bigserial CONSTRAINT round_approvers_pkey PRIMARY KEY,
    round_id bigint NOT NULL,
    user_id character varying(32) NOT NULL,
    dm_channel character varying(32) DEFAULT ''::character varying NOT NULL,
    dmts character varying(32) DEFAULT ''::character varying NOT NULL,
    last_nudge timestamp with time zone,
    CONSTRAINT fk_approval_rounds_approvers FOREIGN KEY (round_id) REFERENCES approval_rounds(id)
);
CREATE UNIQUE INDEX IF NOT EXISTS idx_round_approvers ON round_approvers USING btree (round_id, user_id);

CREATE TABLE IF NOT EXISTS approval_decisions (
    id bigserial CONSTRAINT approval_decisions_pkey PRIMARY KEY,
    round_id bigint NOT NULL,
    approver_id character varying(32) NOT NULL,
    decision character varying(16) NOT NULL,
    reason character varying(3000) DEFAULT ''::character varying NOT NULL,
    decided_at timestamp with time zone NOT NULL,
    CONSTRAINT fk_approval_rounds_decisions FOREIGN KEY (round_id) REFERENCES approval_rounds(id),
    CONSTRAINT chk_decisions_decision CHECK (decision IN ('approve','reject'))
);
CREATE UNIQUE INDEX IF NOT EXISTS idx_decisions_round_approver ON approval_decisions USING btree (round_id, approver_id);

CREATE TABLE IF NOT EXISTS freeze_windows (
    id bigserial CONSTRAINT freeze_windows_pkey PRIMARY KEY,
    environment character varying(32) DEFAULT ''::character varying NOT NULL,
    start_at timestamp with time zone NOT NULL,
    end_at timestamp with time zone NOT NULL,
    reason character varying(500) NOT NULL,
    created_by character varying(32) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT chk_freezes_reason CHECK (reason <> ''),
    CONSTRAINT chk_freezes_order CHECK (end_at > start_at)
);
CREATE INDEX IF NOT EXISTS idx_freeze_windows_end_at ON freeze_windows USING btree (end_at);
CREATE INDEX IF NOT EXISTS idx_freeze_windows_start_at ON freeze_windows USING btree (start_at);

CREATE TABLE IF NOT EXISTS subscriptions (
    id bigserial CONSTRAINT subscriptions_pkey PRIMARY KEY,
    service character varying(64) NOT NULL,
    environment character varying(32) DEFAULT ''::character varying NOT NULL,
    target character varying(32) NOT NULL,
    target_kind character varying(16) NOT NULL,
    created_by character varying(32) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT chk_subscriptions_kind CHECK (target_kind IN ('channel','user'))
);
CREATE UNIQUE INDEX IF NOT EXISTS idx_subscriptions_key ON subscriptions USING btree (service, environment, target);

CREATE TABLE IF NOT EXISTS stakeholders (
    id bigserial CONSTRAINT stakeholders_pkey PRIMARY KEY,
    service character varying(64) NOT NULL,
    user_id character varying(32) NOT NULL,
    added_by character varying(32) NOT NULL,
    created_at timestamp with time zone NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS idx_stakeholders_key ON stakeholders USING btree (service, user_id);

CREATE TABLE IF NOT EXISTS outbox_messages (
    id bigserial CONSTRAINT outbox_messages_pkey PRIMARY KEY,
    key character varying(200) NOT NULL,
    kind character varying(32) NOT NULL,
    release_id bigint,
    ref_id bigint,
    channel character varying(32) DEFAULT ''::character varying NOT NULL,
    op character varying(16) NOT NULL,
    target_ts character varying(32) DEFAULT ''::character varying NOT NULL,
    payload text DEFAULT ''::text NOT NULL,
    due_at timestamp with time zone NOT NULL,
    status character varying(16) NOT NULL,
    attempts bigint DEFAULT 0 NOT NULL,
    last_error character varying(500) DEFAULT ''::character varying NOT NULL,
    claimed_by character varying(64) DEFAULT ''::character varying NOT NULL,
    claimed_until timestamp with time zone,
    sent_ts character varying(32) DEFAULT ''::character varying NOT NULL,
    sent_channel character varying(32) DEFAULT ''::character varying NOT NULL,
    sent_at timestamp with time zone,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT fk_outbox_messages_release FOREIGN KEY (release_id) REFERENCES releases(id) ON DELETE RESTRICT,
    CONSTRAINT chk_outbox_op CHECK (op IN ('post','update','thread')),
    CONSTRAINT chk_outbox_status CHECK (status IN ('pending','sending','sent','failed','dropped'))
);
CREATE INDEX IF NOT EXISTS idx_outbox_messages_claimed_until ON outbox_messages USING btree (claimed_until);
CREATE INDEX IF NOT EXISTS idx_outbox_due ON outbox_messages USING btree (status, due_at);
CREATE UNIQUE INDEX IF NOT EXISTS idx_outbox_messages_key ON outbox_messages USING btree (key);
CREATE INDEX IF NOT EXISTS idx_outbox_chain ON outbox_messages USING btree (release_id, kind, channel, id);
-- Replaced by idx_outbox_chain; left, it misleads the planner.
DROP INDEX IF EXISTS idx_outbox_release_kind;

CREATE TABLE IF NOT EXISTS audit_entries (
    id bigserial CONSTRAINT audit_entries_pkey PRIMARY KEY,
    at timestamp with time zone NOT NULL,
    actor character varying(32) NOT NULL,
    action character varying(64) NOT NULL,
    release_id bigint,
    details character varying(4000) DEFAULT ''::character varying NOT NULL,
    CONSTRAINT fk_audit_entries_release FOREIGN KEY (release_id) REFERENCES releases(id) ON DELETE RESTRICT
);
CREATE INDEX IF NOT EXISTS idx_audit_entries_release_id ON audit_entries USING btree (release_id);
CREATE INDEX IF NOT EXISTS idx_audit_entries_at ON audit_entries USING btree (at);

-- The audit log is append-only in the database itself, not only by
-- convention in Go.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'audit_entries is append-only';
END $$;
-- +goose StatementEnd
DROP TRIGGER IF EXISTS audit_entries_append_only ON audit_entries;
CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries
    FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only();

CREATE TABLE IF NOT EXISTS processed_envelopes (
    key character varying(200) CONSTRAINT processed_envelopes_pkey PRIMARY KEY,
    created_at timestamp with time zone NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_processed_envelopes_created_at ON processed_envelopes USING btree (created_at);

CREATE TABLE IF NOT EXISTS user_profiles (
    user_id character varying(32) CONSTRAINT user_profiles_pkey PRIMARY KEY,
    name character varying(200) DEFAULT ''::character varying NOT NULL,
    tz character varying(64) DEFAULT ''::character varying NOT NULL,
    fetched_at timestamp with time zone NOT NULL
);
