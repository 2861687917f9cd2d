-- The weekly report digest: who does not want it, and which weeks each
-- person has been sent (one row per person per ISO week, so two instances
-- sending at once cannot send twice).
ALTER TABLE users ADD COLUMN digest_opt_out boolean NOT NULL DEFAULT false;

CREATE TABLE digest_runs (
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The Monday the week starts on (council time).
    week_start date NOT NULL CHECK (extract(isodow FROM week_start) = 1),
    sent_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, week_start)
);
