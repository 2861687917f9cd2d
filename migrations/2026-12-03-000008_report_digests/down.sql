DROP TABLE digest_runs;
ALTER TABLE users DROP COLUMN digest_opt_out;
