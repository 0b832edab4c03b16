-- A releasebot database as the pre-versioned code (commit 0fb012c, gorm AutoMigrate)
-- created it on PostgreSQL, with rows in every table: pg_dump --inserts of a
-- fresh schema, with the schema name removed. Loaded by TestUpgradeFromAutoMigrate.

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;
CREATE FUNCTION audit_entries_append_only() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
	RAISE EXCEPTION 'audit_entries is append-only';
END $$;
SET default_tablespace = '';
SET default_table_access_method = heap;
CREATE TABLE approval_decisions (
    id bigint NOT NULL,
    round_id bigint NOT NULL,
    approver_id character varying(32) NOT NULL,
    decision character varying(16) NOT NULL,
    reason character varying(3000) DEFAULT ''::character varying NOT NULL,
    decided_at timestamp with time zone NOT NULL,
    CONSTRAINT chk_decisions_decision CHECK (((decision)::text = ANY ((ARRAY['approve'::character varying, 'reject'::character varying])::text[])))
);
CREATE SEQUENCE approval_decisions_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE approval_decisions_id_seq OWNED BY approval_decisions.id;
CREATE TABLE approval_policies (
    id bigint NOT NULL,
    type character varying(16) NOT NULL,
    environment character varying(32) DEFAULT ''::character varying NOT NULL,
    approvers character varying(2000) NOT NULL,
    required character varying(16) NOT NULL,
    updated_by character varying(32) NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    CONSTRAINT chk_policies_type CHECK (((type)::text = ANY ((ARRAY['standard'::character varying, 'normal'::character varying, 'emergency'::character varying])::text[])))
);
CREATE SEQUENCE approval_policies_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE approval_policies_id_seq OWNED BY approval_policies.id;
CREATE TABLE approval_rounds (
    id bigint NOT NULL,
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
    CONSTRAINT chk_rounds_status CHECK (((status)::text = ANY ((ARRAY['open'::character varying, 'approved'::character varying, 'rejected'::character varying, 'superseded'::character varying, 'cancelled'::character varying])::text[])))
);
CREATE SEQUENCE approval_rounds_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE approval_rounds_id_seq OWNED BY approval_rounds.id;
CREATE TABLE audit_entries (
    id bigint NOT NULL,
    at timestamp with time zone NOT NULL,
    actor character varying(32) NOT NULL,
    action character varying(64) NOT NULL,
    release_id bigint,
    details character varying(4000) DEFAULT ''::character varying NOT NULL
);
CREATE SEQUENCE audit_entries_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE audit_entries_id_seq OWNED BY audit_entries.id;
CREATE TABLE freeze_windows (
    id bigint NOT NULL,
    environment character varying(32) DEFAULT ''::character varying NOT NULL,
    start_at timestamp with time zone NOT NULL,
    end_at timestamp with time zone NOT NULL,
    reason character varying(500) NOT NULL,
    created_by character varying(32) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT chk_freezes_order CHECK ((end_at > start_at)),
    CONSTRAINT chk_freezes_reason CHECK (((reason)::text <> ''::text))
);
CREATE SEQUENCE freeze_windows_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE freeze_windows_id_seq OWNED BY freeze_windows.id;
CREATE TABLE outbox_messages (
    id bigint NOT NULL,
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
    CONSTRAINT chk_outbox_op CHECK (((op)::text = ANY ((ARRAY['post'::character varying, 'update'::character varying, 'thread'::character varying])::text[]))),
    CONSTRAINT chk_outbox_status CHECK (((status)::text = ANY ((ARRAY['pending'::character varying, 'sending'::character varying, 'sent'::character varying, 'failed'::character varying, 'dropped'::character varying])::text[])))
);
CREATE SEQUENCE outbox_messages_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE outbox_messages_id_seq OWNED BY outbox_messages.id;
CREATE TABLE processed_envelopes (
    key character varying(200) NOT NULL,
    created_at timestamp with time zone NOT NULL
);
CREATE TABLE release_components (
    id bigint NOT NULL,
    release_id bigint NOT NULL,
    name character varying(64) NOT NULL,
    version character varying(64) NOT NULL
);
CREATE SEQUENCE release_components_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE release_components_id_seq OWNED BY release_components.id;
CREATE TABLE releases (
    id bigint NOT NULL,
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
    CONSTRAINT chk_releases_risk CHECK (((risk)::text = ANY ((ARRAY['low'::character varying, 'medium'::character varying, 'high'::character varying])::text[]))),
    CONSTRAINT chk_releases_status CHECK (((status)::text = ANY ((ARRAY['planned'::character varying, 'approved'::character varying, 'rejected'::character varying, 'in_progress'::character varying, 'completed'::character varying, 'failed'::character varying, 'rolled_back'::character varying, 'cancelled'::character varying])::text[]))),
    CONSTRAINT chk_releases_type CHECK (((type)::text = ANY ((ARRAY['standard'::character varying, 'normal'::character varying, 'emergency'::character varying])::text[])))
);
CREATE SEQUENCE releases_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE releases_id_seq OWNED BY releases.id;
CREATE TABLE round_approvers (
    id bigint NOT NULL,
    round_id bigint NOT NULL,
    user_id character varying(32) NOT NULL,
    dm_channel character varying(32) DEFAULT ''::character varying NOT NULL,
    dmts character varying(32) DEFAULT ''::character varying NOT NULL,
    last_nudge timestamp with time zone
);
CREATE SEQUENCE round_approvers_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE round_approvers_id_seq OWNED BY round_approvers.id;
CREATE TABLE stakeholders (
    id bigint NOT NULL,
    service character varying(64) NOT NULL,
    user_id character varying(32) NOT NULL,
    added_by character varying(32) NOT NULL,
    created_at timestamp with time zone NOT NULL
);
CREATE SEQUENCE stakeholders_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE stakeholders_id_seq OWNED BY stakeholders.id;
CREATE TABLE subscriptions (
    id bigint NOT NULL,
    service character varying(64) NOT NULL,
    environment character varying(32) DEFAULT ''::character varying NOT NULL,
    target character varying(32) NOT NULL,
    target_kind character varying(16) NOT NULL,
    created_by character varying(32) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT chk_subscriptions_kind CHECK (((target_kind)::text = ANY ((ARRAY['channel'::character varying, 'user'::character varying])::text[])))
);
CREATE SEQUENCE subscriptions_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE subscriptions_id_seq OWNED BY subscriptions.id;
CREATE TABLE user_profiles (
    user_id character varying(32) NOT NULL,
    name character varying(200) DEFAULT ''::character varying NOT NULL,
    tz character varying(64) DEFAULT ''::character varying NOT NULL,
    fetched_at timestamp with time zone NOT NULL
);
ALTER TABLE ONLY approval_decisions ALTER COLUMN id SET DEFAULT nextval('approval_decisions_id_seq'::regclass);
ALTER TABLE ONLY approval_policies ALTER COLUMN id SET DEFAULT nextval('approval_policies_id_seq'::regclass);
ALTER TABLE ONLY approval_rounds ALTER COLUMN id SET DEFAULT nextval('approval_rounds_id_seq'::regclass);
ALTER TABLE ONLY audit_entries ALTER COLUMN id SET DEFAULT nextval('audit_entries_id_seq'::regclass);
ALTER TABLE ONLY freeze_windows ALTER COLUMN id SET DEFAULT nextval('freeze_windows_id_seq'::regclass);
ALTER TABLE ONLY outbox_messages ALTER COLUMN id SET DEFAULT nextval('outbox_messages_id_seq'::regclass);
ALTER TABLE ONLY release_components ALTER COLUMN id SET DEFAULT nextval('release_components_id_seq'::regclass);
ALTER TABLE ONLY releases ALTER COLUMN id SET DEFAULT nextval('releases_id_seq'::regclass);
ALTER TABLE ONLY round_approvers ALTER COLUMN id SET DEFAULT nextval('round_approvers_id_seq'::regclass);
ALTER TABLE ONLY stakeholders ALTER COLUMN id SET DEFAULT nextval('stakeholders_id_seq'::regclass);
ALTER TABLE ONLY subscriptions ALTER COLUMN id SET DEFAULT nextval('subscriptions_id_seq'::regclass);
INSERT INTO approval_decisions (id, round_id, approver_id, decision, reason, decided_at) VALUES (1, 1, 'UANA', 'approve', 'looks fine', '2026-11-20 10:30:00+00');
INSERT INTO approval_decisions (id, round_id, approver_id, decision, reason, decided_at) VALUES (2, 1, 'UBOB', 'approve', '', '2026-11-20 10:30:00+00');
INSERT INTO approval_policies (id, type, environment, approvers, required, updated_by, updated_at) VALUES (1, 'normal', '', 'UANA,SCAB', '2', 'UADMIN', '2026-11-20 09:30:00+00');
INSERT INTO approval_rounds (id, release_id, number, revision, status, required, needed, policy_source, progress_ts, opened_at, requested_by, closed_at) VALUES (1, 1, 1, 2, 'approved', '2', 2, 'normal policy', '1700000000.000200', '2026-11-20 09:30:00+00', 'UPLANNER', '2026-11-20 11:30:00+00');
INSERT INTO audit_entries (id, at, actor, action, release_id, details) VALUES (1, '2026-11-20 09:30:00+00', 'UPLANNER', 'created', 1, 'billing 2.3.0');
INSERT INTO audit_entries (id, at, actor, action, release_id, details) VALUES (2, '2026-11-20 09:30:00+00', 'UADMIN', 'policy_set', NULL, 'normal');
INSERT INTO freeze_windows (id, environment, start_at, end_at, reason, created_by, created_at) VALUES (1, 'production', '2026-12-20 09:30:00+00', '2026-12-22 09:30:00+00', 'year end', 'UADMIN', '2026-11-20 09:30:00+00');
INSERT INTO outbox_messages (id, key, kind, release_id, ref_id, channel, op, target_ts, payload, due_at, status, attempts, last_error, claimed_by, claimed_until, sent_ts, sent_channel, sent_at, created_at) VALUES (1, 'announce:1', 'announcement', 1, NULL, 'CREL', 'post', '', '', '2026-11-20 09:30:00+00', 'sent', 1, '', '', NULL, '1700000000.000100', 'CREL', '2026-11-20 09:31:00+00', '2026-11-20 09:30:00+00');
INSERT INTO outbox_messages (id, key, kind, release_id, ref_id, channel, op, target_ts, payload, due_at, status, attempts, last_error, claimed_by, claimed_until, sent_ts, sent_channel, sent_at, created_at) VALUES (2, 'digest:2026-11-23', 'digest', NULL, NULL, 'CNEWS', 'post', '', '{"text":"digest"}', '2026-11-20 10:30:00+00', 'pending', 0, '', '', NULL, '', '', NULL, '2026-11-20 09:30:00+00');
INSERT INTO processed_envelopes (key, created_at) VALUES ('cmd:trigger-1', '2026-11-20 09:30:00+00');
INSERT INTO release_components (id, release_id, name, version) VALUES (1, 1, 'api', '2.3.0');
INSERT INTO release_components (id, release_id, name, version) VALUES (2, 1, 'worker', '1.4.1');
INSERT INTO releases (id, service, version, environment, type, risk, title, impact, rollback_plan, owner_id, created_by, channel, announcement_ts, start_at, end_at, status, freeze_reason, retro_review, revision, started_at, finished_at, created_at, updated_at) VALUES (1, 'billing', '2.3.0', 'production', 'normal', 'high', 'Fixture title', 'Checkout read-only for 5 minutes', 'helm rollback billing', 'UOWNER', 'UPLANNER', 'CREL', '1700000000.000100', '2026-11-23 09:30:00+00', '2026-11-23 10:30:00+00', 'approved', '', false, 2, NULL, NULL, '2026-11-20 09:30:00+00', '2026-11-20 09:31:00+00');
INSERT INTO releases (id, service, version, environment, type, risk, title, impact, rollback_plan, owner_id, created_by, channel, announcement_ts, start_at, end_at, status, freeze_reason, retro_review, revision, started_at, finished_at, created_at, updated_at) VALUES (2, 'search', '1.0.0', 'staging', 'emergency', 'low', '', '', '', 'UOWNER2', 'UOWNER2', 'CREL', '', '2026-11-20 09:30:00+00', '2026-11-20 10:30:00+00', 'completed', 'hotfix', true, 1, '2026-11-20 10:30:00+00', '2026-11-20 10:30:00+00', '2026-11-20 09:30:00+00', '2026-11-20 09:30:00+00');
INSERT INTO round_approvers (id, round_id, user_id, dm_channel, dmts, last_nudge) VALUES (1, 1, 'UANA', 'DANA', '1700000000.000300', '2026-11-20 11:00:00+00');
INSERT INTO round_approvers (id, round_id, user_id, dm_channel, dmts, last_nudge) VALUES (2, 1, 'UBOB', '', '', NULL);
INSERT INTO stakeholders (id, service, user_id, added_by, created_at) VALUES (1, 'billing', 'USTAKE', 'UOWNER', '2026-11-20 09:30:00+00');
INSERT INTO subscriptions (id, service, environment, target, target_kind, created_by, created_at) VALUES (1, 'billing', '', 'CNEWS', 'channel', 'UOWNER', '2026-11-20 09:30:00+00');
INSERT INTO user_profiles (user_id, name, tz, fetched_at) VALUES ('UANA', 'Ana', 'Europe/Lisbon', '2026-11-20 09:30:00+00');
SELECT pg_catalog.setval('approval_decisions_id_seq', 2, true);
SELECT pg_catalog.setval('approval_policies_id_seq', 1, true);
SELECT pg_catalog.setval('approval_rounds_id_seq', 1, true);
SELECT pg_catalog.setval('audit_entries_id_seq', 2, true);
SELECT pg_catalog.setval('freeze_windows_id_seq', 1, true);
SELECT pg_catalog.setval('outbox_messages_id_seq', 2, true);
SELECT pg_catalog.setval('release_components_id_seq', 2, true);
SELECT pg_catalog.setval('releases_id_seq', 2, true);
SELECT pg_catalog.setval('round_approvers_id_seq', 2, true);
SELECT pg_catalog.setval('stakeholders_id_seq', 1, true);
SELECT pg_catalog.setval('subscriptions_id_seq', 1, true);
ALTER TABLE ONLY approval_decisions
    ADD CONSTRAINT approval_decisions_pkey PRIMARY KEY (id);
ALTER TABLE ONLY approval_policies
    ADD CONSTRAINT approval_policies_pkey PRIMARY KEY (id);
ALTER TABLE ONLY approval_rounds
    ADD CONSTRAINT approval_rounds_pkey PRIMARY KEY (id);
ALTER TABLE ONLY audit_entries
    ADD CONSTRAINT audit_entries_pkey PRIMARY KEY (id);
ALTER TABLE ONLY freeze_windows
    ADD CONSTRAINT freeze_windows_pkey PRIMARY KEY (id);
ALTER TABLE ONLY outbox_messages
    ADD CONSTRAINT outbox_messages_pkey PRIMARY KEY (id);
ALTER TABLE ONLY processed_envelopes
    ADD CONSTRAINT processed_envelopes_pkey PRIMARY KEY (key);
ALTER TABLE ONLY release_components
    ADD CONSTRAINT release_components_pkey PRIMARY KEY (id);
ALTER TABLE ONLY releases
    ADD CONSTRAINT releases_pkey PRIMARY KEY (id);
ALTER TABLE ONLY round_approvers
    ADD CONSTRAINT round_approvers_pkey PRIMARY KEY (id);
ALTER TABLE ONLY stakeholders
    ADD CONSTRAINT stakeholders_pkey PRIMARY KEY (id);
ALTER TABLE ONLY subscriptions
    ADD CONSTRAINT subscriptions_pkey PRIMARY KEY (id);
ALTER TABLE ONLY user_profiles
    ADD CONSTRAINT user_profiles_pkey PRIMARY KEY (user_id);
CREATE INDEX idx_approval_rounds_status ON approval_rounds USING btree (status);
CREATE INDEX idx_audit_entries_at ON audit_entries USING btree (at);
CREATE INDEX idx_audit_entries_release_id ON audit_entries USING btree (release_id);
CREATE UNIQUE INDEX idx_components_release_name ON release_components USING btree (release_id, name);
CREATE UNIQUE INDEX idx_decisions_round_approver ON approval_decisions USING btree (round_id, approver_id);
CREATE INDEX idx_freeze_windows_end_at ON freeze_windows USING btree (end_at);
CREATE INDEX idx_freeze_windows_start_at ON freeze_windows USING btree (start_at);
CREATE INDEX idx_outbox_chain ON outbox_messages USING btree (release_id, kind, channel, id);
CREATE INDEX idx_outbox_due ON outbox_messages USING btree (status, due_at);
CREATE INDEX idx_outbox_messages_claimed_until ON outbox_messages USING btree (claimed_until);
CREATE UNIQUE INDEX idx_outbox_messages_key ON outbox_messages USING btree (key);
CREATE UNIQUE INDEX idx_policies_type_env ON approval_policies USING btree (type, environment);
CREATE INDEX idx_processed_envelopes_created_at ON processed_envelopes USING btree (created_at);
CREATE INDEX idx_releases_end ON releases USING btree (end_at);
CREATE INDEX idx_releases_env_start ON releases USING btree (environment, start_at);
CREATE INDEX idx_releases_owner_id ON releases USING btree (owner_id);
CREATE INDEX idx_releases_service_start ON releases USING btree (service, start_at);
CREATE INDEX idx_releases_start ON releases USING btree (start_at);
CREATE INDEX idx_releases_status ON releases USING btree (status);
CREATE UNIQUE INDEX idx_round_approvers ON round_approvers USING btree (round_id, user_id);
CREATE UNIQUE INDEX idx_rounds_release_number ON approval_rounds USING btree (release_id, number);
CREATE UNIQUE INDEX idx_stakeholders_key ON stakeholders USING btree (service, user_id);
CREATE UNIQUE INDEX idx_subscriptions_key ON subscriptions USING btree (service, environment, target);
CREATE TRIGGER audit_entries_append_only BEFORE DELETE OR UPDATE ON audit_entries FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only();
ALTER TABLE ONLY round_approvers
    ADD CONSTRAINT fk_approval_rounds_approvers FOREIGN KEY (round_id) REFERENCES approval_rounds(id);
ALTER TABLE ONLY approval_decisions
    ADD CONSTRAINT fk_approval_rounds_decisions FOREIGN KEY (round_id) REFERENCES approval_rounds(id);
ALTER TABLE ONLY approval_rounds
    ADD CONSTRAINT fk_approval_rounds_release FOREIGN KEY (release_id) REFERENCES releases(id) ON DELETE CASCADE;
ALTER TABLE ONLY audit_entries
    ADD CONSTRAINT fk_audit_entries_release FOREIGN KEY (release_id) REFERENCES releases(id) ON DELETE RESTRICT;
ALTER TABLE ONLY outbox_messages
    ADD CONSTRAINT fk_outbox_messages_release FOREIGN KEY (release_id) REFERENCES releases(id) ON DELETE RESTRICT;
ALTER TABLE ONLY release_components
    ADD CONSTRAINT fk_releases_components FOREIGN KEY (release_id) REFERENCES releases(id);
