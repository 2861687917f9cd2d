-- Open311 GeoReport v2: the keys 311 apps submit with, and what an Open311
-- submission carries that an ordinary ticket has no column for.

-- Only a SHA-256 of each key is kept; the key itself is shown once, when it
-- is made. `key_prefix` (the key's first characters) tells keys apart in lists.
CREATE TABLE api_keys (
    id           BIGSERIAL PRIMARY KEY,
    label        TEXT NOT NULL CHECK (length(btrim(label)) BETWEEN 1 AND 100),
    key_hash     BYTEA NOT NULL CONSTRAINT api_keys_key_hash_key UNIQUE
                     CHECK (octet_length(key_hash) = 32),
    key_prefix   TEXT NOT NULL CHECK (length(key_prefix) BETWEEN 4 AND 16),
    created_by   BIGINT REFERENCES users (id),
    created_at   TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ,
    revoked_by   BIGINT REFERENCES users (id)
);

-- One row per ticket that arrived through Open311 (the ticket itself is an
-- ordinary one, channel 'api'). `token` answers GET tokens/{token}.
CREATE TABLE open311_requests (
    ticket_id   BIGINT PRIMARY KEY REFERENCES tickets (id),
    api_key_id  BIGINT NOT NULL REFERENCES api_keys (id),
    token       TEXT NOT NULL CONSTRAINT open311_requests_token_key UNIQUE
                    CHECK (token ~ '^[0-9a-f]{32}$'),
    device_id   TEXT CHECK (length(device_id) BETWEEN 1 AND 200),
    account_id  TEXT CHECK (length(account_id) BETWEEN 1 AND 200),
    address_id  TEXT CHECK (length(address_id) BETWEEN 1 AND 200),
    media_url   TEXT CHECK (length(media_url) BETWEEN 1 AND 2000),
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX open311_requests_api_key_idx ON open311_requests (api_key_id);

-- GeoReport v2 makes the submitter's email, phone and name optional. Such a
-- submission's contact is marked anonymous; every other contact still needs a
-- way to reach them.
ALTER TABLE contacts ADD COLUMN anonymous BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE contacts DROP CONSTRAINT contacts_reachable;
ALTER TABLE contacts ADD CONSTRAINT contacts_reachable
    CHECK (email IS NOT NULL OR phone IS NOT NULL OR anonymous);

-- GET servicerequestupdates reads public timeline events by time.
CREATE INDEX ticket_events_public_created_idx ON ticket_events (created_at, id) WHERE public;
