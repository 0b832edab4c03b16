-- The standard-change catalogue: changes admins approved once as templates,
-- which standard releases name and must fit.

-- +goose Up
CREATE TABLE standard_templates (
    id bigserial CONSTRAINT standard_templates_pkey PRIMARY KEY,
    name character varying(64) NOT NULL,
    service character varying(64) NOT NULL,
    environment character varying(32) DEFAULT ''::character varying NOT NULL,
    max_risk character varying(16) NOT NULL,
    covers character varying(500) NOT NULL,
    created_by character varying(32) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT chk_templates_risk CHECK (max_risk IN ('low','medium','high')),
    CONSTRAINT chk_templates_covers CHECK (covers <> '')
);
CREATE UNIQUE INDEX idx_templates_name ON standard_templates USING btree (name);
ALTER TABLE releases ADD COLUMN template character varying(64) DEFAULT ''::character varying NOT NULL;
