-- Report rollups laid out for reading a whole dashboard at once (see
-- BENCHMARKS.md, "Reports"):
--
-- * Histograms as one compact bytea instead of two bigint arrays. At
--   10,000,000 tickets the leader's dashboard reads over a million histogram
--   entries; as arrays they cost the server a function call per element and
--   the client as much again to decode; as bytes they are one copy. Each
--   entry is 8 bytes, big-endian: the key, (measure << 24 | bucket index) as
--   int4, then the count as int4; entries sorted by key, so the days-to-done
--   offsets (measure 4) come last and the tail of a day row is its last
--   bytes. lz4 decompresses several times faster than pglz.
-- * Organisation-wide rows (department_id 0) beside each department's, so a
--   question about the whole council reads one row per key, not one per
--   department and key.
--
-- The rollups are emptied and the reports state reset: the reports worker
-- (or `civicdesk reports rebuild`, or the first report) builds them again in
-- the new layout.

DELETE FROM report_dirty;
TRUNCATE report_facts, report_rollups;
UPDATE report_state SET time_zone = NULL, min_day = NULL, built_at = NULL;

ALTER TABLE report_rollups
    DROP COLUMN hist_keys,
    DROP COLUMN hist_counts,
    ADD COLUMN hist BYTEA COMPRESSION lz4 NOT NULL DEFAULT '';
