-- Levels of subscription: "milestones" (planned, a heads-up 24 hours
-- before, started, finished, cancelled or moved) or "all" (also approval
-- progress and rejections); "" is the default of the subscription's kind.

-- +goose Up
ALTER TABLE subscriptions ADD COLUMN level character varying(16) DEFAULT ''::character varying NOT NULL
    CONSTRAINT chk_subscriptions_level CHECK (level IN ('','milestones','all'));
