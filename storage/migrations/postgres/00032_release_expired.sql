-- A release whose window passed while it still awaited approval becomes
-- expired.

-- +goose Up
ALTER TABLE releases DROP CONSTRAINT chk_releases_status;
ALTER TABLE releases ADD CONSTRAINT chk_releases_status
    CHECK (status IN ('planned','approved','rejected','in_progress','completed','failed','rolled_back','cancelled','expired'));
