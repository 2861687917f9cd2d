DROP TABLE outbox;
DROP TABLE attachments;
DROP TRIGGER ticket_events_append_only ON ticket_events;
DROP FUNCTION civicdesk_refuse_change();
DROP TABLE ticket_events;
DROP TABLE tickets;
DROP TABLE reference_counters;
DROP TABLE contacts;
