use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::schema::sla_policies;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = sla_policies)]
pub struct SlaPolicy {
    pub id: i64,
    pub name: String,
    pub first_response_minutes: i32,
    pub resolution_minutes: i32,
    pub calendar_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = sla_policies)]
pub struct NewSlaPolicy<'a> {
    pub name: &'a str,
    pub first_response_minutes: i32,
    pub resolution_minutes: i32,
    pub calendar_id: Option<i64>,
}
