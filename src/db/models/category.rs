use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::domain::priority::Priority;
use crate::schema::{categories, departments};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = categories, check_for_backend(diesel::pg::Pg))]
pub struct Category {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub group_name: String,
    pub keywords: String,
    /// PostgreSQL arrays may hold NULLs; a CHECK keeps these to known kinds.
    pub kinds: Vec<Option<String>>,
    pub default_department_id: i64,
    pub default_priority: Priority,
    pub sla_policy_id: Option<i64>,
    pub requires_location: bool,
    pub extra_fields: serde_json::Value,
    pub active: bool,
    pub sort_order: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = categories)]
pub struct NewCategory<'a> {
    pub slug: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    pub group_name: &'a str,
    pub keywords: &'a str,
    pub kinds: Vec<Option<String>>,
    pub default_department_id: i64,
    pub default_priority: Priority,
    pub sla_policy_id: Option<i64>,
    pub requires_location: bool,
    pub extra_fields: serde_json::Value,
    pub sort_order: i32,
}

/// A catalogue entry as the public pages list it.
#[derive(Debug, Clone, Queryable, serde::Serialize)]
pub struct CatalogueEntry {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub group_name: String,
    pub department: String,
}

impl Category {
    /// Active categories with their department, grouped and ordered for display.
    pub fn catalogue(conn: &mut PgConnection) -> QueryResult<Vec<CatalogueEntry>> {
        categories::table
            .inner_join(departments::table)
            .filter(categories::active.eq(true))
            .order((
                categories::group_name.asc(),
                categories::sort_order.asc(),
                categories::name.asc(),
            ))
            .select((
                categories::slug,
                categories::name,
                categories::description,
                categories::group_name,
                departments::name,
            ))
            .load(conn)
    }
}
