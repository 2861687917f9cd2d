CREATE TRIGGER tickets_updated_at BEFORE UPDATE ON tickets
    FOR EACH ROW EXECUTE FUNCTION civicdesk_set_updated_at();
DROP TABLE sla_applied_versions;
DROP TRIGGER calendar_holidays_touch ON calendar_holidays;
DROP TRIGGER calendar_intervals_touch ON calendar_intervals;
DROP FUNCTION civicdesk_touch_calendar();
DROP INDEX tickets_sla_due_idx;
ALTER TABLE tickets DROP COLUMN sla_due_at;
DROP TABLE sla_clocks;
DROP TABLE sla_clock_events;
