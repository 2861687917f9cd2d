use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::schema::password_resets;

/// A reset link waiting to be used: only the SHA-256 of its token is stored.
#[derive(Debug, Insertable)]
#[diesel(table_name = password_resets)]
pub struct NewPasswordReset<'a> {
    pub user_id: i64,
    pub token_hash: &'a [u8],
    pub expires_at: DateTime<Utc>,
}
