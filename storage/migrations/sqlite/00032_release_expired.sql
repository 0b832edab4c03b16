-- A release whose window passed while it still awaited approval becomes
-- expired. SQLite cannot alter a CHECK, and rebuilding releases would
-- cascade into the tables that point at it; widening the CHECK changes
-- no stored row, so the table's definition is edited in place, as
-- SQLite's documentation describes ("Making Other Kinds Of Table Schema
-- Changes"). The table created and dropped after it bumps the schema
-- version, so every connection reads the new definition.

-- +goose Up
PRAGMA writable_schema=ON;
UPDATE sqlite_master SET sql = replace(sql, '''rolled_back'',''cancelled'')', '''rolled_back'',''cancelled'',''expired'')')
    WHERE type = 'table' AND name = 'releases';
PRAGMA writable_schema=RESET;
CREATE TABLE `schema_version_bump` (`id` integer);
DROP TABLE `schema_version_bump`;
