use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::domain::role::Role;
use crate::schema::{user_departments, users};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub password_hash: String,
    pub active: bool,
    pub token_version: i32,
    pub locale: String,
    pub time_zone: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub password_hash: &'a str,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = user_departments)]
pub struct NewMembership {
    pub user_id: i64,
    pub department_id: i64,
}

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

impl User {
    /// Finds a user by email, ignoring case (the unique index is on `lower(email)`).
    pub fn find_by_email(conn: &mut PgConnection, email: &str) -> QueryResult<Option<User>> {
        users::table
            .filter(lower(users::email).eq(email.trim().to_lowercase()))
            .select(User::as_select())
            .first(conn)
            .optional()
    }
}
