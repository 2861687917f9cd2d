use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::schema::{sla_policies, sla_policy_targets};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = sla_policies, check_for_backend(diesel::pg::Pg))]
pub struct SlaPolicy {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub first_response_minutes: i32,
    pub keep_in_touch_minutes: Option<i32>,
    pub resolution_minutes: i32,
    /// The policy's own calendar (e.g. 24x7); `None` follows the handling department's.
    pub calendar_id: Option<i64>,
    /// Ascending, distinct, 1 to 99 (a CHECK keeps out NULLs).
    pub warning_percents: Vec<Option<i16>>,
    pub warning_actions: Vec<Option<String>>,
    pub breach_actions: Vec<Option<String>>,
    pub escalation_department_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new policy, or (as a changeset) every column an administrator edits.
/// `calendar_id` and the other options are written as they are, `None`
/// included, so an edit can clear them.
#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = sla_policies, treat_none_as_null = true)]
pub struct NewSlaPolicy<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub first_response_minutes: i32,
    pub keep_in_touch_minutes: Option<i32>,
    pub resolution_minutes: i32,
    pub calendar_id: Option<i64>,
    pub warning_percents: Vec<Option<i16>>,
    pub warning_actions: Vec<Option<String>>,
    pub breach_actions: Vec<Option<String>>,
    pub escalation_department_id: Option<i64>,
}

/// A policy's targets for one priority, replacing its own.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sla_policy_targets, check_for_backend(diesel::pg::Pg))]
pub struct SlaPolicyTarget {
    pub policy_id: i64,
    pub priority: crate::domain::priority::Priority,
    pub first_response_minutes: i32,
    pub keep_in_touch_minutes: Option<i32>,
    pub resolution_minutes: i32,
}
