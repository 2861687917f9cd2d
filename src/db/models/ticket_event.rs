use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::schema::ticket_events;

/// One entry on a ticket's timeline. Rows are never updated or deleted.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = ticket_events)]
pub struct TicketEvent {
    pub id: i64,
    pub ticket_id: i64,
    pub kind: String,
    pub actor_kind: String,
    pub actor_user_id: Option<i64>,
    pub actor_contact_id: Option<i64>,
    pub body: String,
    pub data: serde_json::Value,
    pub public: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = ticket_events)]
pub struct NewTicketEvent<'a> {
    pub ticket_id: i64,
    pub kind: &'a str,
    pub actor_kind: &'a str,
    pub actor_user_id: Option<i64>,
    pub actor_contact_id: Option<i64>,
    pub body: &'a str,
    pub data: serde_json::Value,
    pub public: bool,
    /// The use case's `now` (the injectable clock), not the database's.
    pub created_at: DateTime<Utc>,
}
