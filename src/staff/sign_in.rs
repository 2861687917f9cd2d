//! Signing in with email and password. Failed attempts slow down, then lock
//! the account for a while; an unknown email costs the same time as a known
//! one, so attempts cannot tell which emails have accounts.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use secrecy::SecretString;

use crate::auth::password;
use crate::db::models::user::User;
use crate::schema::users;

/// Failures before the account locks.
pub const LOCK_AFTER: i32 = 5;
/// How long a lock lasts.
pub const LOCK_MINUTES: i64 = 15;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignInError {
    #[error("the email or password is not right")]
    Invalid { failures: i32 },
    #[error("too many failed attempts; try again after {until}")]
    Locked { until: DateTime<Utc> },
}

/// A hash of a random password, verified when the email is unknown so both
/// paths take the time of one argon2 verification.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| {
        password::hash(&password::generate()).expect("hashing a generated password")
    })
}

/// Checks the password; runs argon2, so call from a blocking thread.
pub fn sign_in(
    conn: &mut PgConnection,
    email: &str,
    pw: &SecretString,
    now: DateTime<Utc>,
) -> Result<User, SignInError> {
    let user = User::find_by_email(conn, email).ok().flatten();
    let Some(user) = user.filter(|u| u.active) else {
        let _ = password::verify(pw, dummy_hash());
        return Err(SignInError::Invalid { failures: 0 });
    };
    let locked_until: Option<DateTime<Utc>> = users::table
        .filter(users::id.eq(user.id))
        .select(users::locked_until)
        .first(conn)
        .ok()
        .flatten();
    if let Some(until) = locked_until.filter(|u| *u > now) {
        // Still verify, so a locked account answers in the same time.
        let _ = password::verify(pw, dummy_hash());
        return Err(SignInError::Locked { until });
    }
    if password::verify(pw, &user.password_hash) {
        let _ = diesel::update(users::table.filter(users::id.eq(user.id)))
            .set((
                users::failed_sign_ins.eq(0),
                users::locked_until.eq(None::<DateTime<Utc>>),
                users::last_sign_in_at.eq(now),
            ))
            .execute(conn);
        return Ok(user);
    }
    let failures: i32 = diesel::update(users::table.filter(users::id.eq(user.id)))
        .set(users::failed_sign_ins.eq(users::failed_sign_ins + 1))
        .returning(users::failed_sign_ins)
        .get_result(conn)
        .unwrap_or(LOCK_AFTER);
    if failures >= LOCK_AFTER {
        let until = now + Duration::minutes(LOCK_MINUTES);
        let _ = diesel::update(users::table.filter(users::id.eq(user.id)))
            .set((users::locked_until.eq(until), users::failed_sign_ins.eq(0)))
            .execute(conn);
        tracing::warn!(
            user.id = user.id,
            "account locked after repeated failed sign-ins"
        );
        return Err(SignInError::Locked { until });
    }
    Err(SignInError::Invalid { failures })
}

/// The pause before answering a failed attempt: nothing for the first two,
/// then one more second for each, up to four.
pub fn slow_down(failures: i32) -> std::time::Duration {
    std::time::Duration::from_secs(u64::try_from(failures - 2).unwrap_or(0).min(4))
}

/// "Sign out everywhere": every token issued before now stops working.
pub fn revoke_all_sessions(conn: &mut PgConnection, user_id: i64) -> QueryResult<i32> {
    diesel::update(users::table.filter(users::id.eq(user_id)))
        .set(users::token_version.eq(users::token_version + 1))
        .returning(users::token_version)
        .get_result(conn)
}
