-- A queue page counts the tickets matching its filter (up to 1,001) beside
-- finding its 50 rows. The commonest filters, a category or an area over a
-- range of creation dates, had no index that could count them without the
-- table: one category over 30 days at 1,000,000 tickets was a bitmap of two
-- indexes and a thousand heap pages (15-80 ms); with the creation date and
-- what the scope reads (department, assignee) in the index it is an
-- index-only range scan (0.3 ms). See BENCHMARKS.md, staff, fifth run.
-- The category index replaces the plain one, which it serves as well.
DROP INDEX tickets_category_idx;
CREATE INDEX tickets_category_created_idx ON tickets (category_id, created_at DESC)
    INCLUDE (department_id, assignee_id, status);

CREATE INDEX tickets_area_created_idx ON tickets (area_id, created_at DESC)
    INCLUDE (department_id, assignee_id, status)
    WHERE area_id IS NOT NULL;

-- A priority filter on open tickets ("high", "urgent") walked every open
-- ticket newest first for its page and its count; by priority first, the
-- walk reads that priority's tickets only (a count of 1,001 high-priority
-- in-progress tickets of a scope: 70,000 index entries before, 11,000 now).
CREATE INDEX tickets_open_priority_idx ON tickets (priority, updated_at DESC, id DESC)
    INCLUDE (department_id, assignee_id, status, kind, channel, category_id, area_id, created_at)
    WHERE status NOT IN ('resolved', 'closed');
