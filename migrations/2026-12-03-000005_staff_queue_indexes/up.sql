-- Staff lists over a million tickets (see BENCHMARKS.md, "Staff queues,
-- ticket page and search"). A staff member's scope is "my departments OR
-- assigned to me", an OR no per-department index can return in order, so
-- without these PostgreSQL read and sorted every ticket in scope for each
-- page (0.5 to 0.9 s at 1,000,000 tickets).

-- Every list's default order across the whole scope: read newest first and
-- stop after a page.
CREATE INDEX tickets_updated_idx ON tickets (updated_at DESC, id DESC);

-- Open tickets (a few percent of all, what the named queues show): newest
-- first across the scope (status filters), unassigned by department, by
-- status (waiting and the counts) and by assignee (mine). The INCLUDEd
-- columns let the capped counts (`SELECT id ... LIMIT 1001`) check the
-- scope without reading the table.
CREATE INDEX tickets_open_updated_idx ON tickets (updated_at DESC, id DESC)
    WHERE status NOT IN ('resolved', 'closed');
CREATE INDEX tickets_unassigned_idx ON tickets (department_id, updated_at DESC, id DESC)
    WHERE status NOT IN ('resolved', 'closed') AND assignee_id IS NULL;
CREATE INDEX tickets_open_status_idx ON tickets (status, department_id) INCLUDE (assignee_id, id)
    WHERE status NOT IN ('resolved', 'closed');
CREATE INDEX tickets_open_assignee_idx ON tickets (assignee_id, updated_at DESC, id DESC)
    INCLUDE (department_id)
    WHERE status NOT IN ('resolved', 'closed') AND assignee_id IS NOT NULL;

-- Due soon and overdue, earliest first, across the scope.
CREATE INDEX tickets_due_idx ON tickets (sla_due_at, id) WHERE sla_due_at IS NOT NULL;
