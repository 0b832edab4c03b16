-- Stakeholder satisfaction surveys and post-release reviews (issue 13).
-- One survey per release and one answer per person and survey: the unique
-- keys are what keep replicas and restarts from asking twice.

-- +goose Up
CREATE TABLE surveys (
    id bigserial CONSTRAINT surveys_pkey PRIMARY KEY,
    release_id bigint NOT NULL CONSTRAINT fk_surveys_release REFERENCES releases(id) ON DELETE CASCADE,
    opened_at timestamp with time zone NOT NULL,
    closes_at timestamp with time zone NOT NULL,
    public boolean DEFAULT false NOT NULL
);
CREATE UNIQUE INDEX idx_surveys_release ON surveys USING btree (release_id);
CREATE TABLE survey_invites (
    id bigserial CONSTRAINT survey_invites_pkey PRIMARY KEY,
    survey_id bigint NOT NULL CONSTRAINT fk_survey_invites_survey REFERENCES surveys(id) ON DELETE CASCADE,
    user_id character varying(32) NOT NULL
);
CREATE UNIQUE INDEX idx_survey_invites_key ON survey_invites USING btree (survey_id, user_id);
CREATE TABLE survey_responses (
    id bigserial CONSTRAINT survey_responses_pkey PRIMARY KEY,
    survey_id bigint NOT NULL CONSTRAINT fk_survey_responses_survey REFERENCES surveys(id) ON DELETE CASCADE,
    user_id character varying(32) NOT NULL,
    score integer DEFAULT 0 NOT NULL CONSTRAINT chk_survey_responses_score CHECK (score BETWEEN 0 AND 5),
    adoption character varying(16) DEFAULT ''::character varying NOT NULL CONSTRAINT chk_survey_responses_adoption CHECK (adoption IN ('', 'yes', 'not_yet', 'no')),
    follow_up character varying(16) DEFAULT ''::character varying NOT NULL CONSTRAINT chk_survey_responses_follow_up CHECK (follow_up IN ('', 'yes', 'not_yet', 'no')),
    comment character varying(3000) DEFAULT ''::character varying NOT NULL,
    changes integer DEFAULT 0 NOT NULL,
    answered_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL
);
CREATE UNIQUE INDEX idx_survey_responses_key ON survey_responses USING btree (survey_id, user_id);
CREATE TABLE reviews (
    id bigserial CONSTRAINT reviews_pkey PRIMARY KEY,
    release_id bigint NOT NULL CONSTRAINT fk_reviews_release REFERENCES releases(id) ON DELETE CASCADE,
    author_id character varying(32) NOT NULL,
    criteria character varying(16) NOT NULL CONSTRAINT chk_reviews_criteria CHECK (criteria IN ('yes', 'partly', 'no')),
    went_well character varying(3000) DEFAULT ''::character varying NOT NULL,
    went_wrong character varying(3000) DEFAULT ''::character varying NOT NULL,
    final boolean DEFAULT false NOT NULL,
    revision integer DEFAULT 1 NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL
);
CREATE UNIQUE INDEX idx_reviews_release ON reviews USING btree (release_id);
CREATE INDEX idx_reviews_created_at ON reviews USING btree (created_at);
CREATE TABLE review_actions (
    id bigserial CONSTRAINT review_actions_pkey PRIMARY KEY,
    review_id bigint NOT NULL CONSTRAINT fk_review_actions_review REFERENCES reviews(id) ON DELETE CASCADE,
    release_id bigint NOT NULL,
    service character varying(64) NOT NULL,
    text character varying(500) NOT NULL,
    owner_id character varying(32) NOT NULL,
    due_on character varying(10) NOT NULL,
    done_at timestamp with time zone,
    done_by character varying(32) DEFAULT ''::character varying NOT NULL
);
CREATE INDEX idx_review_actions_open ON review_actions USING btree (service, done_at);
CREATE INDEX idx_review_actions_owner ON review_actions USING btree (owner_id);
