use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::schema::contact_log;

/// One call, visit, meeting, letter or email with a citizen, as staff logged it.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = contact_log)]
pub struct ContactLogEntry {
    pub id: i64,
    pub contact_id: i64,
    pub ticket_id: Option<i64>,
    pub user_id: i64,
    pub kind: String,
    pub subject: String,
    pub notes: String,
    pub occurred_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = contact_log)]
pub struct NewContactLogEntry<'a> {
    pub contact_id: i64,
    pub ticket_id: Option<i64>,
    pub user_id: i64,
    pub kind: &'a str,
    pub subject: &'a str,
    pub notes: &'a str,
    pub occurred_at: DateTime<Utc>,
}
