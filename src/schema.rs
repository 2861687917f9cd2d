// @generated automatically by Diesel CLI.

pub mod sql_types {
    #[derive(diesel::query_builder::QueryId, Clone, diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "tsvector", schema = "pg_catalog"))]
    pub struct Tsvector;
}

diesel::table! {
    api_keys (id) {
        id -> Int8,
        label -> Text,
        key_hash -> Bytea,
        key_prefix -> Text,
        created_by -> Nullable<Int8>,
        created_at -> Timestamptz,
        last_used_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
        revoked_by -> Nullable<Int8>,
    }
}

diesel::table! {
    area_imports (id) {
        id -> Int8,
        source -> Text,
        file_name -> Nullable<Text>,
        actor_user_id -> Nullable<Int8>,
        kind -> Text,
        features -> Int4,
        created -> Int4,
        reshaped -> Int4,
        renamed -> Int4,
        unchanged -> Int4,
        retired -> Int4,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    area_placements (id) {
        id -> Int8,
        import_id -> Nullable<Int8>,
        all_tickets -> Bool,
        changed_area_ids -> Array<Nullable<Int8>>,
        min_lat -> Nullable<Float8>,
        max_lat -> Nullable<Float8>,
        min_lon -> Nullable<Float8>,
        max_lon -> Nullable<Float8>,
        placed_through -> Int8,
        tickets_checked -> Int8,
        tickets_moved -> Int8,
        finished_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    areas (id) {
        id -> Int8,
        kind -> Text,
        code -> Text,
        name -> Text,
        geometry -> Jsonb,
        min_lat -> Float8,
        max_lat -> Float8,
        min_lon -> Float8,
        max_lon -> Float8,
        vertex_count -> Int4,
        properties -> Jsonb,
        import_id -> Int8,
        retired_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    attachments (id) {
        id -> Int8,
        ticket_id -> Int8,
        event_id -> Nullable<Int8>,
        filename -> Text,
        content_type -> Text,
        size_bytes -> Int8,
        sha256 -> Bytea,
        data -> Bytea,
        public -> Bool,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    business_calendars (id) {
        id -> Int8,
        name -> Text,
        time_zone -> Text,
        always_open -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    calendar_holidays (id) {
        id -> Int8,
        calendar_id -> Int8,
        name -> Text,
        on_date -> Nullable<Date>,
        month -> Nullable<Int2>,
        day -> Nullable<Int2>,
        closed_from -> Nullable<Time>,
        closed_to -> Nullable<Time>,
    }
}

diesel::table! {
    calendar_intervals (id) {
        id -> Int8,
        calendar_id -> Int8,
        iso_weekday -> Int2,
        start_time -> Time,
        end_time -> Time,
    }
}

diesel::table! {
    canned_responses (id) {
        id -> Int8,
        department_id -> Int8,
        title -> Text,
        body -> Text,
        created_by -> Nullable<Int8>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    categories (id) {
        id -> Int8,
        slug -> Text,
        name -> Text,
        description -> Text,
        group_name -> Text,
        keywords -> Text,
        kinds -> Array<Nullable<Text>>,
        default_department_id -> Int8,
        default_priority -> Text,
        sla_policy_id -> Nullable<Int8>,
        requires_location -> Bool,
        extra_fields -> Jsonb,
        active -> Bool,
        sort_order -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    contact_log (id) {
        id -> Int8,
        contact_id -> Int8,
        ticket_id -> Nullable<Int8>,
        user_id -> Int8,
        kind -> Text,
        subject -> Text,
        notes -> Text,
        occurred_at -> Timestamptz,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::Tsvector;

    contacts (id) {
        id -> Int8,
        name -> Text,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        locale -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        search -> Nullable<Tsvector>,
        anonymous -> Bool,
    }
}

diesel::table! {
    departments (id) {
        id -> Int8,
        slug -> Text,
        name -> Text,
        description -> Text,
        email -> Nullable<Text>,
        calendar_id -> Int8,
        active -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    digest_runs (user_id, week_start) {
        user_id -> Int8,
        week_start -> Date,
        sent_at -> Timestamptz,
    }
}

diesel::table! {
    idempotency_keys (scope, key) {
        scope -> Text,
        key -> Uuid,
        ticket_id -> Int8,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    open311_requests (ticket_id) {
        ticket_id -> Int8,
        api_key_id -> Int8,
        token -> Text,
        device_id -> Nullable<Text>,
        account_id -> Nullable<Text>,
        address_id -> Nullable<Text>,
        media_url -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    outbox (id) {
        id -> Int8,
        template -> Text,
        recipient -> Text,
        subject -> Text,
        body_text -> Text,
        body_html -> Text,
        message_id -> Text,
        ticket_id -> Nullable<Int8>,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        last_error -> Nullable<Text>,
        sent_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    password_resets (id) {
        id -> Int8,
        user_id -> Int8,
        token_hash -> Bytea,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    reference_counters (year) {
        year -> Int4,
        last_value -> Int8,
    }
}

diesel::table! {
    report_dirty (id) {
        id -> Int8,
        ticket_id -> Int8,
    }
}

diesel::table! {
    report_facts (ticket_id) {
        ticket_id -> Int8,
        department_id -> Int8,
        category_id -> Int8,
        kind -> Text,
        channel -> Text,
        assignee_id -> Nullable<Int8>,
        area_id -> Nullable<Int8>,
        created_day -> Date,
        out_day -> Nullable<Date>,
        resolved_day -> Nullable<Date>,
        reopened -> Bool,
        transfers -> Int4,
        res_calendar -> Nullable<Int8>,
        res_business -> Nullable<Int8>,
        res_within -> Nullable<Bool>,
        res_extended -> Nullable<Bool>,
        fr_day -> Nullable<Date>,
        fr_business -> Nullable<Int8>,
        fr_calendar -> Nullable<Int8>,
        fr_within -> Nullable<Bool>,
        breach_days -> Array<Nullable<Date>>,
        kit_days -> Array<Nullable<Date>>,
        held_departments -> Array<Nullable<Int8>>,
        held_micros -> Array<Nullable<Int8>>,
    }
}

diesel::table! {
    report_rollups (dim, grain, start, department_id, key) {
        dim -> Int2,
        grain -> Int2,
        start -> Date,
        department_id -> Int8,
        key -> Text,
        received -> Int8,
        outs -> Int8,
        resolved -> Int8,
        reopened -> Int8,
        transfers -> Int8,
        res_n -> Int8,
        res_within -> Int8,
        extended -> Int8,
        fr_n -> Int8,
        fr_within -> Int8,
        breaches -> Int8,
        kit -> Int8,
        held_micros -> Int8,
        held_n -> Int8,
        hist -> Bytea,
    }
}

diesel::table! {
    report_state (id) {
        id -> Bool,
        time_zone -> Nullable<Text>,
        min_day -> Nullable<Date>,
        built_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    sla_applied_versions (source, source_id) {
        source -> Text,
        source_id -> Int8,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    sla_clock_events (id) {
        id -> Int8,
        ticket_id -> Int8,
        clock -> Text,
        cycle -> Int4,
        kind -> Text,
        at -> Timestamptz,
        target_minutes -> Nullable<Int4>,
        calendar_id -> Nullable<Int8>,
        minutes -> Nullable<Int4>,
        percent -> Nullable<Int2>,
        reason -> Nullable<Text>,
        actor_user_id -> Nullable<Int8>,
        elapsed_seconds -> Int8,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    sla_clocks (ticket_id, clock) {
        ticket_id -> Int8,
        clock -> Text,
        policy_id -> Nullable<Int8>,
        calendar_id -> Int8,
        state -> Text,
        cycle -> Int4,
        started_at -> Timestamptz,
        target_minutes -> Int4,
        extension_minutes -> Int4,
        elapsed_seconds -> Int8,
        since -> Timestamptz,
        due_at -> Nullable<Timestamptz>,
        met_at -> Nullable<Timestamptz>,
        breached_at -> Nullable<Timestamptz>,
        warned_percents -> Array<Nullable<Int2>>,
        next_alert_at -> Nullable<Timestamptz>,
        paused_seconds -> Int8,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    sla_policies (id) {
        id -> Int8,
        name -> Text,
        first_response_minutes -> Int4,
        resolution_minutes -> Int4,
        calendar_id -> Nullable<Int8>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        description -> Text,
        keep_in_touch_minutes -> Nullable<Int4>,
        warning_percents -> Array<Nullable<Int2>>,
        warning_actions -> Array<Nullable<Text>>,
        breach_actions -> Array<Nullable<Text>>,
        escalation_department_id -> Nullable<Int8>,
    }
}

diesel::table! {
    sla_policy_targets (policy_id, priority) {
        policy_id -> Int8,
        priority -> Text,
        first_response_minutes -> Int4,
        keep_in_touch_minutes -> Nullable<Int4>,
        resolution_minutes -> Int4,
    }
}

diesel::table! {
    ticket_events (id) {
        id -> Int8,
        ticket_id -> Int8,
        kind -> Text,
        actor_kind -> Text,
        actor_user_id -> Nullable<Int8>,
        actor_contact_id -> Nullable<Int8>,
        body -> Text,
        data -> Jsonb,
        public -> Bool,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    ticket_holdings (id) {
        id -> Int8,
        ticket_id -> Int8,
        department_id -> Int8,
        started_at -> Timestamptz,
        ended_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::Tsvector;

    tickets (id) {
        id -> Int8,
        reference -> Text,
        tracking_token_hash -> Bytea,
        kind -> Text,
        category_id -> Int8,
        department_id -> Int8,
        status -> Text,
        priority -> Text,
        channel -> Text,
        subject -> Text,
        description -> Text,
        address -> Nullable<Text>,
        latitude -> Nullable<Float8>,
        longitude -> Nullable<Float8>,
        extra_fields -> Jsonb,
        contact_id -> Int8,
        locale -> Text,
        assignee_id -> Nullable<Int8>,
        merged_into_id -> Nullable<Int8>,
        resolution_code -> Nullable<Text>,
        resolution_note -> Nullable<Text>,
        privacy_consent_at -> Nullable<Timestamptz>,
        resolved_at -> Nullable<Timestamptz>,
        closed_at -> Nullable<Timestamptz>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        search -> Nullable<Tsvector>,
        awaiting_staff_since -> Nullable<Timestamptz>,
        sla_due_at -> Nullable<Timestamptz>,
        area_id -> Nullable<Int8>,
    }
}

diesel::table! {
    user_departments (user_id, department_id) {
        user_id -> Int8,
        department_id -> Int8,
    }
}

diesel::table! {
    users (id) {
        id -> Int8,
        email -> Text,
        name -> Text,
        role -> Text,
        password_hash -> Text,
        active -> Bool,
        token_version -> Int4,
        locale -> Text,
        time_zone -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        failed_sign_ins -> Int4,
        locked_until -> Nullable<Timestamptz>,
        last_sign_in_at -> Nullable<Timestamptz>,
        digest_opt_out -> Bool,
    }
}

diesel::joinable!(area_imports -> users (actor_user_id));
diesel::joinable!(area_placements -> area_imports (import_id));
diesel::joinable!(areas -> area_imports (import_id));
diesel::joinable!(attachments -> ticket_events (event_id));
diesel::joinable!(attachments -> tickets (ticket_id));
diesel::joinable!(calendar_holidays -> business_calendars (calendar_id));
diesel::joinable!(calendar_intervals -> business_calendars (calendar_id));
diesel::joinable!(canned_responses -> departments (department_id));
diesel::joinable!(canned_responses -> users (created_by));
diesel::joinable!(categories -> departments (default_department_id));
diesel::joinable!(categories -> sla_policies (sla_policy_id));
diesel::joinable!(contact_log -> contacts (contact_id));
diesel::joinable!(contact_log -> tickets (ticket_id));
diesel::joinable!(contact_log -> users (user_id));
diesel::joinable!(departments -> business_calendars (calendar_id));
diesel::joinable!(digest_runs -> users (user_id));
diesel::joinable!(idempotency_keys -> tickets (ticket_id));
diesel::joinable!(open311_requests -> api_keys (api_key_id));
diesel::joinable!(open311_requests -> tickets (ticket_id));
diesel::joinable!(outbox -> tickets (ticket_id));
diesel::joinable!(password_resets -> users (user_id));
diesel::joinable!(sla_clock_events -> business_calendars (calendar_id));
diesel::joinable!(sla_clock_events -> tickets (ticket_id));
diesel::joinable!(sla_clock_events -> users (actor_user_id));
diesel::joinable!(sla_clocks -> business_calendars (calendar_id));
diesel::joinable!(sla_clocks -> sla_policies (policy_id));
diesel::joinable!(sla_clocks -> tickets (ticket_id));
diesel::joinable!(sla_policies -> business_calendars (calendar_id));
diesel::joinable!(sla_policies -> departments (escalation_department_id));
diesel::joinable!(sla_policy_targets -> sla_policies (policy_id));
diesel::joinable!(ticket_events -> contacts (actor_contact_id));
diesel::joinable!(ticket_events -> tickets (ticket_id));
diesel::joinable!(ticket_events -> users (actor_user_id));
diesel::joinable!(ticket_holdings -> departments (department_id));
diesel::joinable!(ticket_holdings -> tickets (ticket_id));
diesel::joinable!(tickets -> areas (area_id));
diesel::joinable!(tickets -> categories (category_id));
diesel::joinable!(tickets -> contacts (contact_id));
diesel::joinable!(tickets -> departments (department_id));
diesel::joinable!(tickets -> users (assignee_id));
diesel::joinable!(user_departments -> departments (department_id));
diesel::joinable!(user_departments -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    api_keys,
    area_imports,
    area_placements,
    areas,
    attachments,
    business_calendars,
    calendar_holidays,
    calendar_intervals,
    canned_responses,
    categories,
    contact_log,
    contacts,
    departments,
    digest_runs,
    idempotency_keys,
    open311_requests,
    outbox,
    password_resets,
    reference_counters,
    report_dirty,
    report_facts,
    report_rollups,
    report_state,
    sla_applied_versions,
    sla_clock_events,
    sla_clocks,
    sla_policies,
    sla_policy_targets,
    ticket_events,
    ticket_holdings,
    tickets,
    user_departments,
    users,
);
