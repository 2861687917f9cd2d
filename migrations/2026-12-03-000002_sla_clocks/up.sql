-- SLA clocks. Every ticket has up to three: first response, keep in touch (the
-- longest a citizen waits between public updates) and resolution. What
-- happened to a clock is an append-only log (sla_clock_events); its current
-- state (sla_clocks) is derived from that log and kept in step in the same
-- transaction, so the worker can find what falls due through one index.

CREATE TABLE sla_clock_events (
    id             BIGSERIAL PRIMARY KEY,
    ticket_id      BIGINT NOT NULL REFERENCES tickets (id),
    clock          TEXT NOT NULL CHECK (clock IN ('first_response', 'keep_in_touch', 'resolution')),
    -- Keep-in-touch restarts on every public update; each restart is a new cycle.
    cycle          INTEGER NOT NULL CHECK (cycle >= 1),
    kind           TEXT NOT NULL CHECK (kind IN ('started', 'paused', 'resumed', 'retargeted',
                       'calendar_changed', 'extended', 'met', 'stopped', 'reopened',
                       'restarted', 'warned', 'breached')),
    at             TIMESTAMPTZ NOT NULL,
    -- started / retargeted / restarted: the target in business minutes.
    target_minutes INTEGER CHECK (target_minutes > 0),
    -- started / calendar_changed: the calendar business time is counted in from here.
    calendar_id    BIGINT REFERENCES business_calendars (id),
    -- extended: business minutes added to the target.
    minutes        INTEGER CHECK (minutes > 0),
    -- warned: the threshold, in percent of the target.
    percent        SMALLINT CHECK (percent BETWEEN 1 AND 99),
    reason         TEXT CHECK (length(reason) <= 2000),
    actor_user_id  BIGINT REFERENCES users (id),
    -- The business seconds elapsed on the clock once this event applied (an
    -- audit snapshot; replaying the log recomputes it).
    elapsed_seconds BIGINT NOT NULL CHECK (elapsed_seconds >= 0),
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT sla_clock_events_fields CHECK (
        (kind IN ('started', 'retargeted', 'restarted') AND target_minutes IS NOT NULL
            OR kind NOT IN ('started', 'retargeted', 'restarted'))
        AND (kind IN ('started', 'calendar_changed') AND calendar_id IS NOT NULL
            OR kind NOT IN ('started', 'calendar_changed'))
        AND ((kind = 'extended') = (minutes IS NOT NULL))
        AND ((kind = 'warned') = (percent IS NOT NULL)))
);
CREATE INDEX sla_clock_events_ticket_idx ON sla_clock_events (ticket_id, id);
-- A warning at each threshold and a breach happen at most once per clock cycle,
-- however many workers race for them.
CREATE UNIQUE INDEX sla_clock_events_alert_once
    ON sla_clock_events (ticket_id, clock, cycle, kind, coalesce(percent, 0))
    WHERE kind IN ('warned', 'breached');
CREATE TRIGGER sla_clock_events_append_only BEFORE UPDATE OR DELETE ON sla_clock_events
    FOR EACH ROW EXECUTE FUNCTION civicdesk_refuse_change();

CREATE TABLE sla_clocks (
    ticket_id         BIGINT NOT NULL REFERENCES tickets (id),
    clock             TEXT NOT NULL CHECK (clock IN ('first_response', 'keep_in_touch', 'resolution')),
    policy_id         BIGINT REFERENCES sla_policies (id),
    calendar_id       BIGINT NOT NULL REFERENCES business_calendars (id),
    state             TEXT NOT NULL CHECK (state IN ('running', 'paused', 'met', 'stopped')),
    cycle             INTEGER NOT NULL DEFAULT 1 CHECK (cycle >= 1),
    -- When this cycle started (the ticket's creation, or the keep-in-touch restart).
    started_at        TIMESTAMPTZ NOT NULL,
    target_minutes    INTEGER NOT NULL CHECK (target_minutes > 0),
    -- Granted by a supervisor, with a reason (see the events); added to the target.
    extension_minutes INTEGER NOT NULL DEFAULT 0 CHECK (extension_minutes >= 0),
    -- Business seconds elapsed up to `since`; while running, more accrue from `since`.
    elapsed_seconds   BIGINT NOT NULL DEFAULT 0 CHECK (elapsed_seconds >= 0),
    -- When the state last changed (running since, paused since, met or stopped at).
    since             TIMESTAMPTZ NOT NULL,
    -- Running: the instant the target is reached. Met: the due instant at that
    -- moment. Paused and stopped: none.
    due_at            TIMESTAMPTZ,
    met_at            TIMESTAMPTZ,
    breached_at       TIMESTAMPTZ,
    warned_percents   SMALLINT[] NOT NULL DEFAULT '{}',
    -- Running only: the next warning or breach not yet raised. The worker's index.
    next_alert_at     TIMESTAMPTZ,
    -- Calendar seconds spent paused (waiting on the citizen) in this cycle.
    paused_seconds    BIGINT NOT NULL DEFAULT 0 CHECK (paused_seconds >= 0),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (ticket_id, clock),
    CONSTRAINT sla_clocks_met CHECK ((state = 'met') = (met_at IS NOT NULL)),
    CONSTRAINT sla_clocks_alert_only_running CHECK (next_alert_at IS NULL OR state = 'running')
);
CREATE INDEX sla_clocks_alert_idx ON sla_clocks (next_alert_at) WHERE next_alert_at IS NOT NULL;

-- The earliest due instant among the ticket's running clocks: queues sort and
-- filter by it (due soon, overdue).
ALTER TABLE tickets ADD COLUMN sla_due_at TIMESTAMPTZ;
CREATE INDEX tickets_sla_due_idx ON tickets (department_id, sla_due_at, id) WHERE sla_due_at IS NOT NULL;

-- A change to a calendar's hours or holidays marks the calendar as changed, so
-- the SLA worker recomputes the due instants of the clocks running on it.
CREATE FUNCTION civicdesk_touch_calendar() RETURNS trigger AS $$
BEGIN
    UPDATE business_calendars SET updated_at = now()
        WHERE id = COALESCE(NEW.calendar_id, OLD.calendar_id);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER calendar_intervals_touch AFTER INSERT OR UPDATE OR DELETE ON calendar_intervals
    FOR EACH ROW EXECUTE FUNCTION civicdesk_touch_calendar();
CREATE TRIGGER calendar_holidays_touch AFTER INSERT OR UPDATE OR DELETE ON calendar_holidays
    FOR EACH ROW EXECUTE FUNCTION civicdesk_touch_calendar();

-- The version (updated_at) of each calendar and policy that the running
-- clocks' due instants and alerts were last computed with; the worker
-- recomputes a clock set when its calendar or policy moves on.
CREATE TABLE sla_applied_versions (
    source     TEXT NOT NULL CHECK (source IN ('calendar', 'policy')),
    source_id  BIGINT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (source, source_id)
);

-- A ticket's updated_at is what its people saw change, dated by the
-- application's (injectable) clock: every use case sets it, and internal
-- bookkeeping (a due instant recomputed) leaves it alone.
DROP TRIGGER tickets_updated_at ON tickets;
