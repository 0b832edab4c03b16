-- The conflict check reads the releases of a service or an environment
-- starting in the MaxDuration before a window (Tx.Overlapping). With the
-- end of each window in the index, those that ended before it are skipped
-- in the index instead of each being read from the table.

-- +goose Up
DROP INDEX IF EXISTS `idx_releases_env_start`;
CREATE INDEX `idx_releases_env_start` ON `releases`(`environment`,`start_at`,`end_at`);
DROP INDEX IF EXISTS `idx_releases_service_start`;
CREATE INDEX `idx_releases_service_start` ON `releases`(`service`,`start_at`,`end_at`);
