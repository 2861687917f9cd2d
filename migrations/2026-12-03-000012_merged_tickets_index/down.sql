DROP INDEX IF EXISTS tickets_merged_into_idx;
