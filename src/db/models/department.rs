use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::schema::departments;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = departments)]
pub struct Department {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub email: Option<String>,
    pub calendar_id: i64,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = departments)]
pub struct NewDepartment<'a> {
    pub slug: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    pub email: Option<&'a str>,
    pub calendar_id: i64,
}

impl Department {
    pub fn by_slug(slug: &str) -> departments::BoxedQuery<'_, diesel::pg::Pg> {
        departments::table
            .filter(departments::slug.eq(slug))
            .into_boxed()
    }
}
