DROP INDEX tickets_open_priority_idx;
DROP INDEX tickets_area_created_idx;
DROP INDEX tickets_category_created_idx;
CREATE INDEX tickets_category_idx ON tickets (category_id);
