use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::schema::attachments;

/// An attachment without its bytes (lists and timelines).
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = attachments)]
pub struct AttachmentMeta {
    pub id: i64,
    pub ticket_id: i64,
    pub event_id: Option<i64>,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: Vec<u8>,
    pub public: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = attachments)]
pub struct NewAttachment<'a> {
    pub ticket_id: i64,
    pub event_id: Option<i64>,
    pub filename: &'a str,
    pub content_type: &'a str,
    pub size_bytes: i64,
    pub sha256: &'a [u8],
    pub data: &'a [u8],
    pub public: bool,
}
