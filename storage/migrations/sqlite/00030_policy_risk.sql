-- Policies by risk: a policy may be keyed by type, environment and risk
-- (risk "" matches every risk), and says whether a rollback plan is needed
-- ("" needs one for high risk only, "required" always, "optional" never).

-- +goose Up
ALTER TABLE `approval_policies` ADD COLUMN `risk` text NOT NULL DEFAULT "" CONSTRAINT `chk_policies_risk` CHECK (risk IN ('','low','medium','high'));
ALTER TABLE `approval_policies` ADD COLUMN `rollback` text NOT NULL DEFAULT "" CONSTRAINT `chk_policies_rollback` CHECK (rollback IN ('','required','optional'));
DROP INDEX IF EXISTS `idx_policies_type_env`;
CREATE UNIQUE INDEX `idx_policies_type_env_risk` ON `approval_policies`(`type`,`environment`,`risk`);
