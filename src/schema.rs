// @generated automatically by Diesel CLI.

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
    sla_policies (id) {
        id -> Int8,
        name -> Text,
        first_response_minutes -> Int4,
        resolution_minutes -> Int4,
        calendar_id -> Nullable<Int8>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
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
    }
}

diesel::joinable!(calendar_holidays -> business_calendars (calendar_id));
diesel::joinable!(calendar_intervals -> business_calendars (calendar_id));
diesel::joinable!(categories -> departments (default_department_id));
diesel::joinable!(categories -> sla_policies (sla_policy_id));
diesel::joinable!(departments -> business_calendars (calendar_id));
diesel::joinable!(sla_policies -> business_calendars (calendar_id));
diesel::joinable!(user_departments -> departments (department_id));
diesel::joinable!(user_departments -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    business_calendars,
    calendar_holidays,
    calendar_intervals,
    categories,
    departments,
    sla_policies,
    user_departments,
    users,
);
