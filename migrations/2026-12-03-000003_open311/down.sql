DROP INDEX ticket_events_public_created_idx;
ALTER TABLE contacts DROP CONSTRAINT contacts_reachable;
ALTER TABLE contacts ADD CONSTRAINT contacts_reachable CHECK (email IS NOT NULL OR phone IS NOT NULL);
ALTER TABLE contacts DROP COLUMN anonymous;
DROP TABLE open311_requests;
DROP TABLE api_keys;
