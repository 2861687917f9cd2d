DROP INDEX tickets_due_idx;
CREATE INDEX tickets_due_idx ON tickets (sla_due_at, id) WHERE sla_due_at IS NOT NULL;

DROP INDEX tickets_unassigned_idx;
CREATE INDEX tickets_unassigned_idx ON tickets (department_id, updated_at DESC, id DESC)
    WHERE status NOT IN ('resolved', 'closed') AND assignee_id IS NULL;

DROP INDEX tickets_open_status_idx;
CREATE INDEX tickets_open_status_idx ON tickets (status, department_id) INCLUDE (assignee_id, id)
    WHERE status NOT IN ('resolved', 'closed');

DROP INDEX tickets_open_updated_idx;
CREATE INDEX tickets_open_updated_idx ON tickets (updated_at DESC, id DESC)
    WHERE status NOT IN ('resolved', 'closed');

DROP INDEX tickets_updated_idx;
CREATE INDEX tickets_updated_idx ON tickets (updated_at DESC, id DESC);
