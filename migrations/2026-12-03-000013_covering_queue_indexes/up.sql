-- Staff lists and counts under a filter (status, priority, kind, channel,
-- category, area, assignee, created dates) at a million tickets (see
-- BENCHMARKS.md, "A fourth run"). A selective filter (1 % of the scope) has
-- to walk tens of thousands of index entries to fill a page of 50 or count
-- to 1,001; when each entry meant reading the ticket's row to test the
-- filter, that was 25 to 300 ms. With every filtered column INCLUDEd the walk
-- is an index-only scan, and the list reads just its page's rows afterwards.

DROP INDEX tickets_updated_idx;
CREATE INDEX tickets_updated_idx ON tickets (updated_at DESC, id DESC)
    INCLUDE (department_id, assignee_id, status, priority, kind, channel,
             category_id, area_id, created_at);

DROP INDEX tickets_open_updated_idx;
CREATE INDEX tickets_open_updated_idx ON tickets (updated_at DESC, id DESC)
    INCLUDE (department_id, assignee_id, status, priority, kind, channel,
             category_id, area_id, created_at, sla_due_at)
    WHERE status NOT IN ('resolved', 'closed');

-- Counts of open tickets by status (waiting, a status filter) with the
-- other filters checked inside the index.
DROP INDEX tickets_open_status_idx;
CREATE INDEX tickets_open_status_idx ON tickets (status, department_id)
    INCLUDE (assignee_id, id, priority, kind, channel, category_id, area_id,
             created_at, updated_at, sla_due_at)
    WHERE status NOT IN ('resolved', 'closed');

-- Unassigned: the scope's "OR assignee_id = me" is checked in the index.
DROP INDEX tickets_unassigned_idx;
CREATE INDEX tickets_unassigned_idx ON tickets (department_id, updated_at DESC, id DESC)
    INCLUDE (assignee_id, status, priority, kind, channel, category_id, area_id, created_at)
    WHERE status NOT IN ('resolved', 'closed') AND assignee_id IS NULL;

-- Due soon and overdue: the scope checked in the index (the overdue count
-- read a ticket row per entry, 300 ms with a cold cache).
DROP INDEX tickets_due_idx;
CREATE INDEX tickets_due_idx ON tickets (sla_due_at, id)
    INCLUDE (department_id, assignee_id)
    WHERE sla_due_at IS NOT NULL;
