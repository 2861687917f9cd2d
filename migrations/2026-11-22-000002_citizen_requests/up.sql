-- Citizens' requests: contacts, tickets, their append-only timeline,
-- attachments, the email outbox, and race-free references.

-- A citizen or customer. One contact per email address, reused across requests.
CREATE TABLE contacts (
    id         BIGSERIAL PRIMARY KEY,
    name       TEXT NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    email      TEXT CHECK (email IS NULL OR (email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' AND length(email) <= 254)),
    -- E.164-style: optional +, then 6 to 20 digits.
    phone      TEXT CHECK (phone IS NULL OR phone ~ '^\+?[0-9]{6,20}$'),
    locale     TEXT NOT NULL DEFAULT 'en' CHECK (locale IN ('en', 'fa')),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT contacts_reachable CHECK (email IS NOT NULL OR phone IS NOT NULL)
);
CREATE UNIQUE INDEX contacts_email_key ON contacts (lower(email)) WHERE email IS NOT NULL;
CREATE INDEX contacts_phone_idx ON contacts (phone) WHERE phone IS NOT NULL;
CREATE TRIGGER contacts_updated_at BEFORE UPDATE ON contacts
    FOR EACH ROW EXECUTE FUNCTION civicdesk_set_updated_at();

-- One counter per year: UPDATE ... RETURNING hands out numbers without races or gaps
-- other than rolled-back transactions.
CREATE TABLE reference_counters (
    year       INTEGER PRIMARY KEY CHECK (year BETWEEN 2000 AND 9999),
    last_value BIGINT NOT NULL DEFAULT 0 CHECK (last_value >= 0)
);

CREATE TABLE tickets (
    id                  BIGSERIAL PRIMARY KEY,
    reference           TEXT NOT NULL CONSTRAINT tickets_reference_key UNIQUE
                        CHECK (reference ~ '^CD-[0-9]{4}-[0-9]{6,}$'),
    -- SHA-256 of the secret tracking token; the token itself is never stored.
    tracking_token_hash BYTEA NOT NULL CONSTRAINT tickets_tracking_token_hash_key UNIQUE
                        CHECK (octet_length(tracking_token_hash) = 32),
    kind                TEXT NOT NULL CHECK (kind IN ('service_request', 'complaint', 'inquiry',
                            'information_request', 'suggestion', 'compliment')),
    category_id         BIGINT NOT NULL REFERENCES categories (id),
    department_id       BIGINT NOT NULL REFERENCES departments (id),
    status              TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'triaged', 'assigned',
                            'in_progress', 'waiting_on_citizen', 'resolved', 'closed', 'reopened')),
    priority            TEXT NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    channel             TEXT NOT NULL CHECK (channel IN ('web', 'email', 'phone', 'counter', 'api', 'staff')),
    subject             TEXT NOT NULL CHECK (length(btrim(subject)) BETWEEN 1 AND 200),
    description         TEXT NOT NULL CHECK (length(description) <= 10000),
    address             TEXT CHECK (address IS NULL OR length(address) BETWEEN 1 AND 500),
    latitude            DOUBLE PRECISION CHECK (latitude BETWEEN -90 AND 90),
    longitude           DOUBLE PRECISION CHECK (longitude BETWEEN -180 AND 180),
    extra_fields        JSONB NOT NULL DEFAULT '{}'::JSONB CHECK (jsonb_typeof(extra_fields) = 'object'),
    contact_id          BIGINT NOT NULL REFERENCES contacts (id),
    -- The language the citizen asked to be answered in.
    locale              TEXT NOT NULL DEFAULT 'en' CHECK (locale IN ('en', 'fa')),
    assignee_id         BIGINT REFERENCES users (id),
    merged_into_id      BIGINT REFERENCES tickets (id),
    resolution_code     TEXT CHECK (resolution_code IN ('fixed', 'answered', 'duplicate',
                            'referred', 'withdrawn', 'no_action')),
    resolution_note     TEXT,
    privacy_consent_at  TIMESTAMPTZ,
    resolved_at         TIMESTAMPTZ,
    closed_at           TIMESTAMPTZ,
    -- Optimistic concurrency: every change bumps it.
    version             INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT tickets_coordinates_together CHECK ((latitude IS NULL) = (longitude IS NULL)),
    CONSTRAINT tickets_closed_has_code CHECK (status <> 'closed' OR resolution_code IS NOT NULL)
);
CREATE INDEX tickets_contact_idx ON tickets (contact_id, created_at DESC);
CREATE INDEX tickets_department_status_idx ON tickets (department_id, status, created_at DESC);
CREATE INDEX tickets_created_idx ON tickets (created_at DESC, id DESC);
CREATE INDEX tickets_category_idx ON tickets (category_id);
CREATE TRIGGER tickets_updated_at BEFORE UPDATE ON tickets
    FOR EACH ROW EXECUTE FUNCTION civicdesk_set_updated_at();

-- The timeline: every change to a ticket, who made it, and whether the citizen
-- sees it. Append-only: updates and deletes are refused.
CREATE TABLE ticket_events (
    id               BIGSERIAL PRIMARY KEY,
    ticket_id        BIGINT NOT NULL REFERENCES tickets (id),
    kind             TEXT NOT NULL CHECK (kind ~ '^[a-z][a-z_]{1,40}$'),
    actor_kind       TEXT NOT NULL CHECK (actor_kind IN ('citizen', 'staff', 'system')),
    actor_user_id    BIGINT REFERENCES users (id),
    actor_contact_id BIGINT REFERENCES contacts (id),
    body             TEXT NOT NULL DEFAULT '' CHECK (length(body) <= 20000),
    data             JSONB NOT NULL DEFAULT '{}'::JSONB,
    public           BOOLEAN NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT ticket_events_staff_actor CHECK (actor_kind <> 'staff' OR actor_user_id IS NOT NULL)
);
CREATE INDEX ticket_events_ticket_idx ON ticket_events (ticket_id, created_at, id);

CREATE FUNCTION civicdesk_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER ticket_events_append_only BEFORE UPDATE OR DELETE ON ticket_events
    FOR EACH ROW EXECUTE FUNCTION civicdesk_refuse_change();

-- Files citizens and staff attach. Kept in the database so a ticket and its
-- files are written (and backed up) together.
CREATE TABLE attachments (
    id           BIGSERIAL PRIMARY KEY,
    ticket_id    BIGINT NOT NULL REFERENCES tickets (id),
    event_id     BIGINT REFERENCES ticket_events (id),
    filename     TEXT NOT NULL CHECK (length(filename) BETWEEN 1 AND 255),
    content_type TEXT NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/gif',
                     'image/webp', 'image/heic', 'application/pdf')),
    size_bytes   BIGINT NOT NULL CHECK (size_bytes > 0),
    sha256       BYTEA NOT NULL CHECK (octet_length(sha256) = 32),
    data         BYTEA NOT NULL,
    public       BOOLEAN NOT NULL DEFAULT TRUE,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT attachments_size_matches CHECK (octet_length(data) = size_bytes)
);
CREATE INDEX attachments_ticket_idx ON attachments (ticket_id);

-- Outgoing mail, written in the same transaction as the change that caused it,
-- delivered by the worker (FOR UPDATE SKIP LOCKED), retried with backoff.
CREATE TABLE outbox (
    id              BIGSERIAL PRIMARY KEY,
    template        TEXT NOT NULL CHECK (template ~ '^[a-z][a-z_]{1,60}$'),
    recipient       TEXT NOT NULL CHECK (recipient ~ '^[^@\s]+@[^@\s]+$' AND length(recipient) <= 254),
    subject         TEXT NOT NULL CHECK (length(subject) BETWEEN 1 AND 300),
    body_text       TEXT NOT NULL,
    body_html       TEXT NOT NULL,
    -- Our own Message-ID, the same on every attempt, so a receiver can drop a repeat.
    message_id      TEXT NOT NULL CONSTRAINT outbox_message_id_key UNIQUE,
    ticket_id       BIGINT REFERENCES tickets (id),
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_error      TEXT,
    sent_at         TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX outbox_pending_idx ON outbox (next_attempt_at, id) WHERE sent_at IS NULL;
CREATE INDEX outbox_ticket_idx ON outbox (ticket_id) WHERE ticket_id IS NOT NULL;
