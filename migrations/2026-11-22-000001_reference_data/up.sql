-- Reference data every later feature builds on: business calendars, departments,
-- staff users and their memberships, SLA policies (targets only) and the service
-- catalogue. Rules live in constraints here as well as in code.

CREATE FUNCTION civicdesk_set_updated_at() RETURNS trigger AS $$
BEGIN
    IF NEW IS DISTINCT FROM OLD THEN
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TABLE business_calendars (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT NOT NULL CONSTRAINT business_calendars_name_key UNIQUE
                CHECK (length(btrim(name)) BETWEEN 1 AND 120),
    time_zone   TEXT NOT NULL CHECK (length(time_zone) BETWEEN 1 AND 64),
    always_open BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TRIGGER business_calendars_updated_at BEFORE UPDATE ON business_calendars
    FOR EACH ROW EXECUTE FUNCTION civicdesk_set_updated_at();

-- Weekly working intervals in the calendar's local wall-clock time.
-- end_time <= start_time means the interval ends on the next day (e.g. 22:00-06:00).
CREATE TABLE calendar_intervals (
    id          BIGSERIAL PRIMARY KEY,
    calendar_id BIGINT NOT NULL REFERENCES business_calendars (id) ON DELETE CASCADE,
    iso_weekday SMALLINT NOT NULL CHECK (iso_weekday BETWEEN 1 AND 7),
    start_time  TIME NOT NULL,
    end_time    TIME NOT NULL,
    CONSTRAINT calendar_intervals_not_empty CHECK (start_time <> end_time),
    CONSTRAINT calendar_intervals_unique UNIQUE (calendar_id, iso_weekday, start_time)
);
CREATE INDEX calendar_intervals_calendar_idx ON calendar_intervals (calendar_id);

-- Holidays: one-off (on_date) or yearly (month + day); whole day, or a closed
-- part of the day (closed_from..closed_to in local time).
CREATE TABLE calendar_holidays (
    id          BIGSERIAL PRIMARY KEY,
    calendar_id BIGINT NOT NULL REFERENCES business_calendars (id) ON DELETE CASCADE,
    name        TEXT NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 120),
    on_date     DATE,
    month       SMALLINT CHECK (month BETWEEN 1 AND 12),
    day         SMALLINT CHECK (day BETWEEN 1 AND 31),
    closed_from TIME,
    closed_to   TIME,
    CONSTRAINT calendar_holidays_one_kind CHECK (
        (on_date IS NOT NULL AND month IS NULL AND day IS NULL)
        OR (on_date IS NULL AND month IS NOT NULL AND day IS NOT NULL)),
    CONSTRAINT calendar_holidays_part_day CHECK (
        (closed_from IS NULL AND closed_to IS NULL)
        OR (closed_from IS NOT NULL AND closed_to IS NOT NULL AND closed_from < closed_to))
);
CREATE INDEX calendar_holidays_calendar_idx ON calendar_holidays (calendar_id);
CREATE UNIQUE INDEX calendar_holidays_one_off_key ON calendar_holidays (calendar_id, on_date)
    WHERE on_date IS NOT NULL;
CREATE UNIQUE INDEX calendar_holidays_yearly_key ON calendar_holidays (calendar_id, month, day)
    WHERE on_date IS NULL;

CREATE TABLE departments (
    id          BIGSERIAL PRIMARY KEY,
    slug        TEXT NOT NULL CONSTRAINT departments_slug_key UNIQUE
                CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 60),
    name        TEXT NOT NULL CONSTRAINT departments_name_key UNIQUE
                CHECK (length(btrim(name)) BETWEEN 1 AND 120),
    description TEXT NOT NULL DEFAULT '',
    email       TEXT CHECK (email IS NULL OR email ~ '^[^@\s]+@[^@\s]+$'),
    calendar_id BIGINT NOT NULL REFERENCES business_calendars (id),
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TRIGGER departments_updated_at BEFORE UPDATE ON departments
    FOR EACH ROW EXECUTE FUNCTION civicdesk_set_updated_at();

-- Staff accounts. Citizens are contacts, not users, and arrive with the citizen schema.
CREATE TABLE users (
    id            BIGSERIAL PRIMARY KEY,
    email         TEXT NOT NULL CHECK (email ~ '^[^@\s]+@[^@\s]+$' AND length(email) <= 254),
    name          TEXT NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 120),
    role          TEXT NOT NULL CHECK (role IN ('agent', 'supervisor', 'leader', 'admin')),
    password_hash TEXT NOT NULL,
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    token_version INTEGER NOT NULL DEFAULT 0,
    locale        TEXT NOT NULL DEFAULT 'en' CHECK (locale IN ('en', 'fa')),
    time_zone     TEXT,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE TRIGGER users_updated_at BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION civicdesk_set_updated_at();

CREATE TABLE user_departments (
    user_id       BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    department_id BIGINT NOT NULL REFERENCES departments (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, department_id)
);
CREATE INDEX user_departments_department_idx ON user_departments (department_id);

-- SLA targets in business minutes. The SLA engine (warnings, escalation, clocks)
-- extends this table in its own migration.
CREATE TABLE sla_policies (
    id                     BIGSERIAL PRIMARY KEY,
    name                   TEXT NOT NULL CONSTRAINT sla_policies_name_key UNIQUE
                           CHECK (length(btrim(name)) BETWEEN 1 AND 120),
    first_response_minutes INTEGER NOT NULL CHECK (first_response_minutes > 0),
    resolution_minutes     INTEGER NOT NULL CHECK (resolution_minutes > 0),
    calendar_id            BIGINT REFERENCES business_calendars (id),
    created_at             TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at             TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT sla_policies_response_before_resolution
        CHECK (first_response_minutes <= resolution_minutes)
);
CREATE TRIGGER sla_policies_updated_at BEFORE UPDATE ON sla_policies
    FOR EACH ROW EXECUTE FUNCTION civicdesk_set_updated_at();

-- The service catalogue. `slug` is the stable service code (also Open311's service_code).
-- `extra_fields` is a JSON array of field definitions:
--   {"code": "bin_number", "label": "Bin number", "datatype": "string|number|text|datetime|singlevaluelist|multivaluelist",
--    "required": true, "description": "...", "values": [{"key": "...", "name": "..."}]}
CREATE TABLE categories (
    id                    BIGSERIAL PRIMARY KEY,
    slug                  TEXT NOT NULL CONSTRAINT categories_slug_key UNIQUE
                          CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 60),
    name                  TEXT NOT NULL CONSTRAINT categories_name_key UNIQUE
                          CHECK (length(btrim(name)) BETWEEN 1 AND 120),
    description           TEXT NOT NULL DEFAULT '',
    group_name            TEXT NOT NULL CHECK (length(btrim(group_name)) BETWEEN 1 AND 80),
    keywords              TEXT NOT NULL DEFAULT '',
    kinds                 TEXT[] NOT NULL DEFAULT ARRAY['service_request']::TEXT[]
                          CHECK (cardinality(kinds) >= 1 AND kinds <@ ARRAY['service_request',
                              'complaint', 'inquiry', 'information_request', 'suggestion',
                              'compliment']::TEXT[]),
    default_department_id BIGINT NOT NULL REFERENCES departments (id),
    default_priority      TEXT NOT NULL DEFAULT 'normal'
                          CHECK (default_priority IN ('low', 'normal', 'high', 'urgent')),
    sla_policy_id         BIGINT REFERENCES sla_policies (id),
    requires_location     BOOLEAN NOT NULL DEFAULT FALSE,
    extra_fields          JSONB NOT NULL DEFAULT '[]'::JSONB
                          CHECK (jsonb_typeof(extra_fields) = 'array'),
    active                BOOLEAN NOT NULL DEFAULT TRUE,
    sort_order            INTEGER NOT NULL DEFAULT 0,
    created_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at            TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX categories_department_idx ON categories (default_department_id);
CREATE INDEX categories_active_idx ON categories (group_name, sort_order, name) WHERE active;
CREATE TRIGGER categories_updated_at BEFORE UPDATE ON categories
    FOR EACH ROW EXECUTE FUNCTION civicdesk_set_updated_at();
