-- Back to histogram arrays and per-department rows only; the rollups are
-- built again (by the reports worker or `civicdesk reports rebuild`).

DELETE FROM report_dirty;
TRUNCATE report_facts, report_rollups;
UPDATE report_state SET time_zone = NULL, min_day = NULL, built_at = NULL;

ALTER TABLE report_rollups
    DROP COLUMN hist,
    ADD COLUMN hist_keys BIGINT[] NOT NULL DEFAULT '{}',
    ADD COLUMN hist_counts BIGINT[] NOT NULL DEFAULT '{}';
