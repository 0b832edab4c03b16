-- Release metrics (issue 15): the success rate looks up each finished
-- release's hotfixes, and every figure filters by when releases finished.

-- +goose Up
CREATE INDEX `idx_releases_fixes` ON `releases`(`fixes_id`);
CREATE INDEX `idx_releases_finished` ON `releases`(`finished_at`);
