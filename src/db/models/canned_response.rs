use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::schema::canned_responses;

/// A reply a department uses often, with placeholders such as `{reference}`.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = canned_responses)]
pub struct CannedResponse {
    pub id: i64,
    pub department_id: i64,
    pub title: String,
    pub body: String,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = canned_responses)]
pub struct NewCannedResponse<'a> {
    pub department_id: i64,
    pub title: &'a str,
    pub body: &'a str,
    pub created_by: Option<i64>,
}

#[derive(Debug, AsChangeset)]
#[diesel(table_name = canned_responses)]
pub struct CannedResponseChangeset<'a> {
    pub title: &'a str,
    pub body: &'a str,
}
