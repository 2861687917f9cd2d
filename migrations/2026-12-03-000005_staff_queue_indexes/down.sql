DROP INDEX tickets_due_idx;
DROP INDEX tickets_open_assignee_idx;
DROP INDEX tickets_open_status_idx;
DROP INDEX tickets_unassigned_idx;
DROP INDEX tickets_open_updated_idx;
DROP INDEX tickets_updated_idx;
