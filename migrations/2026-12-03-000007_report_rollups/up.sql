-- The fast reports engine (src/reports/fast.rs). Three parts:
--
-- * report_facts: one narrow row per ticket with every value the report
--   figures need, worked out from the raw tables by the rules of
--   docs/reports.md, days cut in the zone recorded in report_state;
-- * report_rollups: the facts summed per day, ISO week and month, current
--   department and breakdown key, with histograms of the bucketed durations;
-- * report_dirty: tickets changed since their facts were last worked out,
--   appended by the triggers below in the writer's own transaction. Whoever
--   refreshes (the reports worker, or a report about to answer) takes them,
--   works their facts out again and applies the difference to the rollups,
--   under an advisory lock.

CREATE TABLE report_state (
    id         BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (id),
    -- The council zone the facts' days were cut in; NULL until the first build.
    time_zone  TEXT,
    -- The earliest day any ticket was received on (where backlog sums start).
    min_day    DATE,
    built_at   TIMESTAMPTZ
);
INSERT INTO report_state (id) VALUES (TRUE);

CREATE TABLE report_facts (
    ticket_id     BIGINT PRIMARY KEY,
    department_id BIGINT NOT NULL,
    category_id   BIGINT NOT NULL,
    kind          TEXT NOT NULL,
    channel       TEXT NOT NULL,
    assignee_id   BIGINT,
    area_id       BIGINT,
    -- The local day it was received on.
    created_day   DATE NOT NULL,
    -- The local day of the later of its creation and its done instant (none
    -- while not done): backlog at E = received before E - this before E.
    out_day       DATE,
    -- Done with an outcome (resolved): the local day, and what counts then.
    resolved_day  DATE,
    reopened      BOOLEAN NOT NULL,
    transfers     INTEGER NOT NULL,
    res_calendar  BIGINT,
    -- A met resolution clock: bucketed business minutes, within, extended.
    res_business  BIGINT,
    res_within    BOOLEAN,
    res_extended  BOOLEAN,
    -- A met first-response clock: its local day, minutes, within target.
    fr_day        DATE,
    fr_business   BIGINT,
    fr_calendar   BIGINT,
    fr_within     BOOLEAN,
    -- The local days of first-response / resolution breaches, and of
    -- keep-in-touch breaches (one per cycle).
    breach_days   DATE[] NOT NULL,
    kit_days      DATE[] NOT NULL,
    -- Resolved tickets: each holding department and the microseconds it held.
    held_departments BIGINT[] NOT NULL,
    held_micros      BIGINT[] NOT NULL
);
CREATE INDEX report_facts_assignee_idx ON report_facts (assignee_id) WHERE assignee_id IS NOT NULL;

-- dim: 0 none (the key is ''), 1 category, 2 kind, 3 channel, 4 staff,
-- 5 area (key '' for unassigned / unknown), 6 time held (key: the holding
-- department). grain: 0 day, 1 ISO week, 2 month; start: its first day.
CREATE TABLE report_rollups (
    dim         SMALLINT NOT NULL,
    grain       SMALLINT NOT NULL,
    start       DATE NOT NULL,
    department_id BIGINT NOT NULL,
    key         TEXT NOT NULL,
    received    BIGINT NOT NULL DEFAULT 0,
    outs        BIGINT NOT NULL DEFAULT 0,
    resolved    BIGINT NOT NULL DEFAULT 0,
    reopened    BIGINT NOT NULL DEFAULT 0,
    transfers   BIGINT NOT NULL DEFAULT 0,
    res_n       BIGINT NOT NULL DEFAULT 0,
    res_within  BIGINT NOT NULL DEFAULT 0,
    extended    BIGINT NOT NULL DEFAULT 0,
    fr_n        BIGINT NOT NULL DEFAULT 0,
    fr_within   BIGINT NOT NULL DEFAULT 0,
    breaches    BIGINT NOT NULL DEFAULT 0,
    kit         BIGINT NOT NULL DEFAULT 0,
    held_micros BIGINT NOT NULL DEFAULT 0,
    held_n      BIGINT NOT NULL DEFAULT 0,
    -- A sparse histogram: (measure << 40 | bucket index) and its count, sorted.
    -- Measures: 0/1 first-response business/calendar, 2/3 resolution
    -- business/calendar, 4 (days only) days from receipt to done, under 31.
    hist_keys   BIGINT[] NOT NULL DEFAULT '{}',
    hist_counts BIGINT[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (dim, grain, start, department_id, key)
);

CREATE TABLE report_dirty (
    id        BIGSERIAL PRIMARY KEY,
    ticket_id BIGINT NOT NULL
);

-- Holdings of one ticket, for refreshing its facts.
CREATE INDEX ticket_holdings_ticket_idx ON ticket_holdings (ticket_id);

-- Marking is one insert in the writer's transaction; a change that touches
-- nothing a figure reads marks nothing (the WHEN clauses).
CREATE FUNCTION report_mark_ticket_dirty() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO report_dirty (ticket_id) VALUES (OLD.id);
    ELSE
        INSERT INTO report_dirty (ticket_id) VALUES (NEW.id);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION report_mark_dirty() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO report_dirty (ticket_id) VALUES (OLD.ticket_id);
    ELSE
        INSERT INTO report_dirty (ticket_id) VALUES (NEW.ticket_id);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER tickets_report_insert AFTER INSERT OR DELETE ON tickets
    FOR EACH ROW EXECUTE FUNCTION report_mark_ticket_dirty();
CREATE TRIGGER tickets_report_update AFTER UPDATE ON tickets
    FOR EACH ROW WHEN (
        (OLD.department_id, OLD.category_id, OLD.kind, OLD.channel, OLD.assignee_id,
         OLD.area_id, OLD.resolution_code, OLD.resolved_at, OLD.closed_at, OLD.created_at)
        IS DISTINCT FROM
        (NEW.department_id, NEW.category_id, NEW.kind, NEW.channel, NEW.assignee_id,
         NEW.area_id, NEW.resolution_code, NEW.resolved_at, NEW.closed_at, NEW.created_at))
    EXECUTE FUNCTION report_mark_ticket_dirty();

CREATE TRIGGER sla_clocks_report_insert AFTER INSERT OR DELETE ON sla_clocks
    FOR EACH ROW EXECUTE FUNCTION report_mark_dirty();
CREATE TRIGGER sla_clocks_report_update AFTER UPDATE ON sla_clocks
    FOR EACH ROW WHEN (
        OLD.state IS DISTINCT FROM NEW.state OR OLD.met_at IS DISTINCT FROM NEW.met_at
        OR OLD.ticket_id IS DISTINCT FROM NEW.ticket_id
        OR (NEW.state = 'met' AND (OLD.elapsed_seconds, OLD.target_minutes, OLD.extension_minutes)
            IS DISTINCT FROM (NEW.elapsed_seconds, NEW.target_minutes, NEW.extension_minutes)))
    EXECUTE FUNCTION report_mark_dirty();

CREATE TRIGGER sla_clock_events_report AFTER INSERT ON sla_clock_events
    FOR EACH ROW WHEN (NEW.kind = 'breached') EXECUTE FUNCTION report_mark_dirty();

CREATE TRIGGER ticket_holdings_report AFTER INSERT OR UPDATE OR DELETE ON ticket_holdings
    FOR EACH ROW EXECUTE FUNCTION report_mark_dirty();

CREATE TRIGGER ticket_events_report_insert AFTER INSERT ON ticket_events
    FOR EACH ROW WHEN (NEW.kind = 'status_changed') EXECUTE FUNCTION report_mark_dirty();
CREATE TRIGGER ticket_events_report_delete AFTER DELETE ON ticket_events
    FOR EACH ROW WHEN (OLD.kind = 'status_changed') EXECUTE FUNCTION report_mark_dirty();
CREATE TRIGGER ticket_events_report_update AFTER UPDATE ON ticket_events
    FOR EACH ROW WHEN (OLD.kind = 'status_changed' OR NEW.kind = 'status_changed')
    EXECUTE FUNCTION report_mark_dirty();
