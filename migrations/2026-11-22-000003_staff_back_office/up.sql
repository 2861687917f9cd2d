-- The staff back office: sign-in protection, password resets, queues' search,
-- canned responses and the contact log.

-- Repeated failed sign-ins slow down, then lock the account for a while.
ALTER TABLE users
    ADD COLUMN failed_sign_ins INTEGER NOT NULL DEFAULT 0 CHECK (failed_sign_ins >= 0),
    ADD COLUMN locked_until TIMESTAMPTZ,
    ADD COLUMN last_sign_in_at TIMESTAMPTZ;

-- Single-use, expiring links; only the token's hash is kept.
CREATE TABLE password_resets (
    id         BIGSERIAL PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash BYTEA NOT NULL CONSTRAINT password_resets_token_hash_key UNIQUE
               CHECK (octet_length(token_hash) = 32),
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX password_resets_user_idx ON password_resets (user_id);

-- Full-text search over a ticket's reference, subject and description. The
-- 'simple' configuration works for every language (no stemming).
ALTER TABLE tickets ADD COLUMN search TSVECTOR GENERATED ALWAYS AS (
    setweight(to_tsvector('simple', coalesce(reference, '')), 'A') ||
    setweight(to_tsvector('simple', coalesce(subject, '')), 'B') ||
    setweight(to_tsvector('simple', coalesce(description, '')), 'C')
) STORED;
CREATE INDEX tickets_search_idx ON tickets USING GIN (search);
-- Set when the citizen adds something; cleared when staff answer publicly.
-- Queues show it as a marker, oldest first.
ALTER TABLE tickets ADD COLUMN awaiting_staff_since TIMESTAMPTZ;

-- Queues: keyset pagination by (updated_at, id) and by (created_at, id) per department.
CREATE INDEX tickets_department_updated_idx ON tickets (department_id, updated_at DESC, id DESC);
CREATE INDEX tickets_assignee_idx ON tickets (assignee_id, updated_at DESC, id DESC) WHERE assignee_id IS NOT NULL;

ALTER TABLE contacts ADD COLUMN search TSVECTOR GENERATED ALWAYS AS (
    to_tsvector('simple', coalesce(name, '') || ' ' || coalesce(email, '') || ' ' ||
        coalesce(replace(email, '@', ' '), '') || ' ' || coalesce(phone, ''))
) STORED;
CREATE INDEX contacts_search_idx ON contacts USING GIN (search);

-- Replies a department uses often, with placeholders ({citizen_name}, {reference},
-- {category}, {due_date}).
CREATE TABLE canned_responses (
    id            BIGSERIAL PRIMARY KEY,
    department_id BIGINT NOT NULL REFERENCES departments (id) ON DELETE CASCADE,
    title         TEXT NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 120),
    body          TEXT NOT NULL CHECK (length(btrim(body)) BETWEEN 1 AND 10000),
    created_by    BIGINT REFERENCES users (id),
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT canned_responses_title_key UNIQUE (department_id, title)
);
CREATE TRIGGER canned_responses_updated_at BEFORE UPDATE ON canned_responses
    FOR EACH ROW EXECUTE FUNCTION civicdesk_set_updated_at();

-- Each staff member's contacts with a citizen, by subject and date.
CREATE TABLE contact_log (
    id          BIGSERIAL PRIMARY KEY,
    contact_id  BIGINT NOT NULL REFERENCES contacts (id),
    ticket_id   BIGINT REFERENCES tickets (id),
    user_id     BIGINT NOT NULL REFERENCES users (id),
    kind        TEXT NOT NULL CHECK (kind IN ('call', 'visit', 'meeting', 'letter', 'email')),
    subject     TEXT NOT NULL CHECK (length(btrim(subject)) BETWEEN 1 AND 200),
    notes       TEXT NOT NULL DEFAULT '' CHECK (length(notes) <= 10000),
    occurred_at TIMESTAMPTZ NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX contact_log_contact_idx ON contact_log (contact_id, occurred_at DESC);

-- Where a ticket has been: each department's holding, for "who sat on it".
CREATE TABLE ticket_holdings (
    id            BIGSERIAL PRIMARY KEY,
    ticket_id     BIGINT NOT NULL REFERENCES tickets (id),
    department_id BIGINT NOT NULL REFERENCES departments (id),
    started_at    TIMESTAMPTZ NOT NULL,
    ended_at      TIMESTAMPTZ,
    CONSTRAINT ticket_holdings_order CHECK (ended_at IS NULL OR ended_at >= started_at)
);
CREATE UNIQUE INDEX ticket_holdings_open_key ON ticket_holdings (ticket_id) WHERE ended_at IS NULL;
CREATE INDEX ticket_holdings_department_idx ON ticket_holdings (department_id, started_at);
INSERT INTO ticket_holdings (ticket_id, department_id, started_at)
    SELECT id, department_id, created_at FROM tickets;
