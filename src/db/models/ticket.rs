use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::domain::priority::Priority;
use crate::domain::ticket::{Channel, ResolutionCode};
use crate::domain::ticket_kind::TicketKind;
use crate::domain::ticket_status::TicketStatus;
use crate::schema::tickets;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = tickets)]
pub struct Ticket {
    pub id: i64,
    pub reference: String,
    pub tracking_token_hash: Vec<u8>,
    pub kind: TicketKind,
    pub category_id: i64,
    pub department_id: i64,
    pub status: TicketStatus,
    pub priority: Priority,
    pub channel: Channel,
    pub subject: String,
    pub description: String,
    pub address: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub extra_fields: serde_json::Value,
    pub contact_id: i64,
    pub locale: String,
    pub assignee_id: Option<i64>,
    pub merged_into_id: Option<i64>,
    pub resolution_code: Option<ResolutionCode>,
    pub resolution_note: Option<String>,
    pub privacy_consent_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub awaiting_staff_since: Option<DateTime<Utc>>,
    /// The area (ward, district) its coordinates lie in; `None`: unknown.
    pub area_id: Option<i64>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = tickets)]
pub struct NewTicketRow<'a> {
    pub reference: &'a str,
    pub tracking_token_hash: &'a [u8],
    pub kind: TicketKind,
    pub category_id: i64,
    pub department_id: i64,
    pub status: TicketStatus,
    pub priority: Priority,
    pub channel: Channel,
    pub subject: &'a str,
    pub description: &'a str,
    pub address: Option<&'a str>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub area_id: Option<i64>,
    pub extra_fields: &'a serde_json::Value,
    pub contact_id: i64,
    pub locale: &'a str,
    pub privacy_consent_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What a staff action changes on a ticket. `None` leaves a column alone;
/// `Some(None)` clears a nullable one. `version` and `updated_at` are bumped
/// beside it by the use case, never here.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = tickets)]
pub struct TicketChangeset {
    pub status: Option<TicketStatus>,
    pub priority: Option<Priority>,
    pub category_id: Option<i64>,
    pub department_id: Option<i64>,
    pub assignee_id: Option<Option<i64>>,
    pub merged_into_id: Option<Option<i64>>,
    pub resolution_code: Option<Option<ResolutionCode>>,
    pub resolution_note: Option<Option<String>>,
    pub resolved_at: Option<Option<DateTime<Utc>>>,
    pub closed_at: Option<Option<DateTime<Utc>>>,
    pub awaiting_staff_since: Option<Option<DateTime<Utc>>>,
    pub address: Option<Option<String>>,
    pub latitude: Option<Option<f64>>,
    pub longitude: Option<Option<f64>>,
    pub area_id: Option<Option<i64>>,
}
