-- A form (or API call) sent twice, by a double click or a retry after a lost
-- answer, makes one request: the key it carries is recorded in the same
-- transaction as the ticket, and a second use of the key finds that ticket.
CREATE TABLE idempotency_keys (
    -- Who may reuse the key: `citizen`, `api`, or `staff:<user id>`.
    scope      TEXT NOT NULL CHECK (length(scope) BETWEEN 1 AND 80),
    key        UUID NOT NULL,
    ticket_id  BIGINT NOT NULL REFERENCES tickets (id),
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (scope, key)
);
-- The worker forgets keys after a week.
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
