-- SLA policies in full: keep-in-touch targets, per-priority overrides, warning
-- thresholds and what happens on a warning or a breach. The clocks themselves
-- (each ticket's running timers) come with the SLA engine's own migration.

CREATE FUNCTION civicdesk_distinct_percents(p SMALLINT[]) RETURNS BOOLEAN AS $$
    SELECT coalesce(cardinality(p), 0) = (SELECT count(DISTINCT x) FROM unnest(p) AS x)
       AND coalesce(bool_and(x BETWEEN 1 AND 99), TRUE) FROM unnest(p) AS x
$$ LANGUAGE sql IMMUTABLE;

ALTER TABLE sla_policies
    ADD COLUMN description TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    -- The longest a citizen may wait between public updates while the ticket is open.
    ADD COLUMN keep_in_touch_minutes INTEGER CHECK (keep_in_touch_minutes > 0),
    -- Percentages of a target at which a warning is raised, e.g. {50,75,90}.
    ADD COLUMN warning_percents SMALLINT[] NOT NULL DEFAULT ARRAY[75]::SMALLINT[]
        CONSTRAINT sla_policies_warning_percents CHECK (civicdesk_distinct_percents(warning_percents)),
    -- What happens on each warning and on a breach.
    ADD COLUMN warning_actions TEXT[] NOT NULL DEFAULT ARRAY['notify_assignee']::TEXT[]
        CONSTRAINT sla_policies_warning_actions CHECK (warning_actions <@ ARRAY['notify_assignee',
            'notify_supervisors', 'raise_priority', 'move_department']::TEXT[]),
    ADD COLUMN breach_actions TEXT[] NOT NULL
        DEFAULT ARRAY['notify_assignee', 'notify_supervisors']::TEXT[]
        CONSTRAINT sla_policies_breach_actions CHECK (breach_actions <@ ARRAY['notify_assignee',
            'notify_supervisors', 'raise_priority', 'move_department']::TEXT[]),
    -- Where `move_department` sends the ticket.
    ADD COLUMN escalation_department_id BIGINT REFERENCES departments (id),
    ADD CONSTRAINT sla_policies_escalation_department CHECK (
        escalation_department_id IS NOT NULL
        OR NOT ('move_department' = ANY (warning_actions || breach_actions)));

-- Targets for one priority, replacing the policy's own for tickets of that priority.
CREATE TABLE sla_policy_targets (
    policy_id              BIGINT NOT NULL REFERENCES sla_policies (id) ON DELETE CASCADE,
    priority               TEXT NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    first_response_minutes INTEGER NOT NULL CHECK (first_response_minutes > 0),
    keep_in_touch_minutes  INTEGER CHECK (keep_in_touch_minutes > 0),
    resolution_minutes     INTEGER NOT NULL CHECK (resolution_minutes > 0),
    PRIMARY KEY (policy_id, priority),
    CONSTRAINT sla_policy_targets_response_before_resolution
        CHECK (first_response_minutes <= resolution_minutes)
);
