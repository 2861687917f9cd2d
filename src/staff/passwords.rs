//! Staff passwords: changing one's own, and resetting a forgotten one through
//! a single-use emailed link.
//!
//! A reset link carries 256 random bits; only their SHA-256 is stored, so a
//! copy of the database does not hold working links. A link lasts
//! [`RESET_VALID_MINUTES`], works once, and using it voids every other link of
//! that account. Every successful change bumps the account's token version
//! (every session on every device ends) and clears a sign-in lock-out.
//!
//! These functions hash passwords (argon2): call them from a blocking thread
//! (`db::run`).

use std::collections::BTreeMap;

use anyhow::Context as _;
use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use rand::RngCore as _;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use crate::auth::password::{self, PasswordError};
use crate::configuration::Settings;
use crate::db::models::password_reset::NewPasswordReset;
use crate::db::models::user::User;
use crate::email::{self, messages::PasswordReset, EmailTemplates};
use crate::i18n::Locale;
use crate::schema::{password_resets, users};
use crate::staff::users::void_password_resets;

/// How long a reset link works.
pub const RESET_VALID_MINUTES: i64 = 60;
/// Reset emails one account is sent per hour at most, whoever asks: more
/// requests are answered the same way but send nothing, so nobody can flood
/// a colleague's inbox.
pub const RESETS_PER_ACCOUNT_PER_HOUR: i64 = 5;

/// Form field → Fluent key of the problem with it.
pub type FieldProblems = BTreeMap<&'static str, &'static str>;

/// Problems with a new password and its repetition (`None`: not asked, as in the API).
pub fn new_password_problems(new: &SecretString, confirm: Option<&SecretString>) -> FieldProblems {
    let mut problems = FieldProblems::new();
    match password::check_policy(new) {
        Ok(()) => {}
        Err(PasswordError::TooLong) => {
            problems.insert("new_password", "accounts-error-password-too-long");
        }
        Err(_) => {
            problems.insert("new_password", "accounts-error-password-too-short");
        }
    }
    if confirm.is_some_and(|c| c.expose_secret() != new.expose_secret()) {
        problems.insert("confirm_password", "accounts-error-password-mismatch");
    }
    problems
}

/// Sets a new password on an account that exists: new hash, every session
/// ended, lock-out cleared, outstanding reset links voided. Returns the new
/// token version (for the session of the person who changed it).
fn store_password(
    conn: &mut PgConnection,
    user_id: i64,
    hash: &str,
    now: DateTime<Utc>,
) -> QueryResult<i32> {
    let version = diesel::update(users::table.filter(users::id.eq(user_id)))
        .set((
            users::password_hash.eq(hash),
            users::token_version.eq(users::token_version + 1),
            users::failed_sign_ins.eq(0),
            users::locked_until.eq(None::<DateTime<Utc>>),
        ))
        .returning(users::token_version)
        .get_result(conn)?;
    void_password_resets(conn, user_id, now)?;
    Ok(version)
}

/// A signed-in person changes their own password. `Ok(Err(problems))` when
/// the form is refused (wrong current password, too short, not repeated
/// alike); `Ok(Ok(version))` with the new token version on success.
pub fn change_password(
    conn: &mut PgConnection,
    user_id: i64,
    current: &SecretString,
    new: &SecretString,
    confirm: Option<&SecretString>,
    now: DateTime<Utc>,
) -> anyhow::Result<Result<i32, FieldProblems>> {
    let mut problems = new_password_problems(new, confirm);
    let stored: Option<String> = users::table
        .filter(users::id.eq(user_id).and(users::active.eq(true)))
        .select(users::password_hash)
        .first(conn)
        .optional()?;
    let Some(stored) = stored else {
        anyhow::bail!("the account {user_id} is gone or inactive");
    };
    if !password::verify(current, &stored) {
        problems.insert("current_password", "accounts-error-current-password");
    }
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    let hash = password::hash(new).context("hashing the new password")?;
    let version = conn.transaction(|conn| store_password(conn, user_id, &hash, now))?;
    tracing::info!(user.id = user_id, "password changed; other sessions ended");
    Ok(Ok(version))
}

/// A new reset token: 32 random bytes, URL-safe base64 (43 characters).
fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What is stored instead of the token.
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// The link in the email, under the public base URL (keeping its path).
pub fn reset_url(settings: &Settings, token: &str) -> String {
    let mut url = settings.application.public_base_url.clone();
    let path = format!(
        "{}/staff/password-reset/{token}",
        url.path().trim_end_matches('/')
    );
    url.set_path(&path);
    url.set_query(None);
    url.set_fragment(None);
    url.to_string()
}

/// Why the email goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResetReason {
    /// The person asked (forgot their password), or an administrator sent one.
    Forgotten,
    /// An administrator created the account without a password.
    NewAccount,
}

/// Creates a reset link for an account and queues its email, in one
/// transaction (a savepoint inside the caller's).
pub fn issue_reset(
    conn: &mut PgConnection,
    templates: &EmailTemplates,
    settings: &Settings,
    user_id: i64,
    reason: ResetReason,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    conn.transaction(|conn| {
        let user: User = users::table
            .filter(users::id.eq(user_id))
            .select(User::as_select())
            .first(conn)
            .context("loading the account for its reset link")?;
        let token = new_token();
        diesel::insert_into(password_resets::table)
            .values(&NewPasswordReset {
                user_id,
                token_hash: &token_hash(&token),
                expires_at: now + Duration::minutes(RESET_VALID_MINUTES),
            })
            .execute(conn)
            .context("storing the reset link")?;
        let locale = Locale::from_tag(&user.locale).unwrap_or(settings.application.default_locale);
        let message = PasswordReset {
            council_name: settings.application.council_name.clone(),
            staff_name: user.name.clone(),
            reset_url: reset_url(settings, &token),
            valid_minutes: RESET_VALID_MINUTES,
            new_account: reason == ResetReason::NewAccount,
        };
        let rendered = templates.render(PasswordReset::TEMPLATE, locale, &message)?;
        email::enqueue(
            conn,
            PasswordReset::TEMPLATE,
            &user.email,
            &rendered,
            None,
            &email::message_id_domain(&settings.application.public_base_url),
        )
        .context("queueing the reset email")?;
        tracing::info!(user.id = user_id, ?reason, "password reset link sent");
        Ok(())
    })
}

/// Someone asked for a reset link for `email`. Sends one when an active
/// account has that address and has not had too many this hour; says
/// nothing either way (the caller answers the same whatever happened).
pub fn request_reset(
    conn: &mut PgConnection,
    templates: &EmailTemplates,
    settings: &Settings,
    email: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let Some(user) = User::find_by_email(conn, email)?.filter(|u| u.active) else {
        return Ok(());
    };
    let recent: i64 = password_resets::table
        .filter(
            password_resets::user_id
                .eq(user.id)
                .and(password_resets::created_at.gt(now - Duration::hours(1))),
        )
        .count()
        .get_result(conn)?;
    if recent >= RESETS_PER_ACCOUNT_PER_HOUR {
        tracing::warn!(
            user.id = user.id,
            "password reset requests over the hourly limit"
        );
        return Ok(());
    }
    issue_reset(
        conn,
        templates,
        settings,
        user.id,
        ResetReason::Forgotten,
        now,
    )
}

/// The outstanding, unexpired link for `token`, on an active account:
/// `(reset id, user id)`. Expired, used and unknown links all answer `None`.
fn usable_reset(
    conn: &mut PgConnection,
    token: &str,
    now: DateTime<Utc>,
    lock: bool,
) -> QueryResult<Option<(i64, i64)>> {
    let query = password_resets::table
        .inner_join(users::table)
        .filter(password_resets::token_hash.eq(token_hash(token)))
        .filter(password_resets::used_at.is_null())
        .filter(password_resets::expires_at.gt(now))
        .filter(users::active.eq(true))
        .select((password_resets::id, password_resets::user_id));
    if lock {
        // Locks the link and its account (whose row is about to change anyway).
        query.for_update().first(conn).optional()
    } else {
        query.first(conn).optional()
    }
}

/// Whether the link still works (for showing the form).
pub fn reset_is_usable(
    conn: &mut PgConnection,
    token: &str,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    Ok(usable_reset(conn, token, now, false)?.is_some())
}

/// What became of an attempt to set a password through a reset link.
#[derive(Debug, PartialEq, Eq)]
pub enum ResetOutcome {
    /// Done: the account's id.
    Done(i64),
    /// Expired, already used or unknown: all look the same.
    Invalid,
    /// The new password was refused; the link still works.
    Problems(FieldProblems),
}

/// Sets the password through a reset link: single use (the link row is
/// locked, so two tabs racing cannot both use it), every other link of the
/// account voided, sessions ended, lock-out and failed attempts cleared.
pub fn reset_password(
    conn: &mut PgConnection,
    token: &str,
    new: &SecretString,
    confirm: Option<&SecretString>,
    now: DateTime<Utc>,
) -> anyhow::Result<ResetOutcome> {
    if !reset_is_usable(conn, token, now)? {
        return Ok(ResetOutcome::Invalid);
    }
    let problems = new_password_problems(new, confirm);
    if !problems.is_empty() {
        return Ok(ResetOutcome::Problems(problems));
    }
    let hash = password::hash(new).context("hashing the new password")?;
    let outcome = conn.transaction(|conn| -> QueryResult<ResetOutcome> {
        // Checked again under the row lock: another request may have used it meanwhile.
        let Some((_, user_id)) = usable_reset(conn, token, now, true)? else {
            return Ok(ResetOutcome::Invalid);
        };
        store_password(conn, user_id, &hash, now)?;
        Ok(ResetOutcome::Done(user_id))
    })?;
    if let ResetOutcome::Done(user_id) = outcome {
        tracing::info!(user.id = user_id, "password set through a reset link");
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reset_tokens_are_long_random_and_stored_only_as_a_hash() {
        let a = new_token();
        assert_eq!(a.len(), 43);
        assert_ne!(a, new_token());
        assert!(a
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        let h = token_hash(&a);
        assert_eq!(h.len(), 32);
        assert_eq!(h, token_hash(&a));
        assert_ne!(h, token_hash(&new_token()));
    }

    #[test]
    fn new_passwords_follow_the_policy_and_must_match() {
        let s = |t: &str| SecretString::from(t.to_string());
        assert!(new_password_problems(
            &s("long enough password"),
            Some(&s("long enough password"))
        )
        .is_empty());
        assert!(new_password_problems(&s("long enough password"), None).is_empty());
        let p = new_password_problems(&s("short"), Some(&s("other")));
        assert_eq!(p["new_password"], "accounts-error-password-too-short");
        assert_eq!(p["confirm_password"], "accounts-error-password-mismatch");
        let p = new_password_problems(&s(&"x".repeat(1025)), None);
        assert_eq!(p["new_password"], "accounts-error-password-too-long");
    }
}
