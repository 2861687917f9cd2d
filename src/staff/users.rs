//! Staff accounts as an administrator manages them: create, list,
//! deactivate and reactivate, change role and departments. The CLI
//! (`civicdesk create-user`, `civicdesk user ...`) and the admin pages both
//! come through here, so the rules live once:
//!
//! - agents and supervisors belong to at least one department;
//! - deactivating an account, or changing its role, bumps its token version, so
//!   its sessions end at once (not at their expiry);
//! - nobody changes their own role or deactivates themselves, and the last
//!   active administrator stays one (someone must be able to manage accounts).
//!
//! Who may call these is the policy's business (`Staff::may_manage_staff`).

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::auth::password::PasswordError;
use crate::db::models::user::{NewMembership, NewUser, User};
use crate::domain::role::{Role, UnknownRole};
use crate::schema::{departments, password_resets, user_departments, users};

/// The longest name a staff account may have (the table's CHECK).
pub const MAX_NAME_CHARS: usize = 120;

/// Why an account change was refused. `Display` is English for the CLI and
/// the log; pages show [`AccountError::message_key`] next to
/// [`AccountError::field`].
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("`{0}` is not an email address")]
    Email(String),
    #[error("the name must be 1 to {MAX_NAME_CHARS} characters")]
    Name,
    #[error(transparent)]
    Role(#[from] UnknownRole),
    #[error("a {0} needs at least one department")]
    NeedsDepartment(Role),
    #[error("there is no department `{0}` (use its slug or exact name)")]
    UnknownDepartment(String),
    #[error("a user with the email {0} already exists")]
    EmailTaken(String),
    #[error(transparent)]
    Password(#[from] PasswordError),
    #[error("there is no staff account {0}")]
    UnknownUser(String),
    #[error("you cannot change your own role or deactivate your own account")]
    OwnAccount,
    #[error("this is the last active administrator; make someone else an administrator first")]
    LastAdmin,
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

impl AccountError {
    /// The form field the problem belongs to, if any.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::Email(_) | Self::EmailTaken(_) => Some("email"),
            Self::Name => Some("name"),
            Self::Role(_) => Some("role"),
            Self::NeedsDepartment(_) | Self::UnknownDepartment(_) => Some("departments"),
            Self::Password(_) => Some("password"),
            _ => None,
        }
    }

    /// The Fluent key of the message people see (`locales/*/accounts.ftl`).
    pub fn message_key(&self) -> &'static str {
        match self {
            Self::Email(_) => "accounts-error-email",
            Self::Name => "accounts-error-name",
            Self::Role(_) => "accounts-error-role",
            Self::NeedsDepartment(_) => "accounts-error-needs-department",
            Self::UnknownDepartment(_) => "accounts-error-unknown-department",
            Self::EmailTaken(_) => "accounts-error-email-taken",
            Self::Password(PasswordError::TooLong) => "accounts-error-password-too-long",
            Self::Password(_) => "accounts-error-password-too-short",
            Self::UnknownUser(_) => "accounts-error-unknown-user",
            Self::OwnAccount => "accounts-error-own-account",
            Self::LastAdmin => "accounts-error-last-admin",
            Self::Db(_) => "accounts-error-unexpected",
        }
    }
}

/// What a new account is made of, as typed (CLI arguments or a form).
#[derive(Debug, Clone)]
pub struct AccountInput<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: &'a str,
    /// Department slugs or exact names.
    pub departments: &'a [String],
}

/// An account that passed every check that needs no database.
#[derive(Debug, Clone)]
pub struct CheckedAccount {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub departments: Vec<String>,
}

/// Every problem with `input` that can be seen without the database, in
/// field order (the CLI reports the first; forms show them all).
pub fn check_all(input: &AccountInput<'_>) -> Result<CheckedAccount, Vec<AccountError>> {
    let mut problems = Vec::new();
    let email = input.email.trim();
    if !is_plausible_email(email) {
        problems.push(AccountError::Email(email.to_string()));
    }
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        problems.push(AccountError::Name);
    }
    let role = match input.role.parse::<Role>() {
        Ok(role) => Some(role),
        Err(e) => {
            problems.push(e.into());
            None
        }
    };
    if let Some(role) = role {
        if let Err(e) = check_departments(role, input.departments.len()) {
            problems.push(e);
        }
    }
    match role {
        Some(role) if problems.is_empty() => Ok(CheckedAccount {
            email: email.to_string(),
            name: name.to_string(),
            role,
            departments: input.departments.to_vec(),
        }),
        _ => Err(problems),
    }
}

/// The first problem with `input`, if any.
pub fn check(input: &AccountInput<'_>) -> Result<CheckedAccount, AccountError> {
    check_all(input).map_err(|mut problems| problems.remove(0))
}

/// Agents and supervisors work inside departments, so need at least one.
pub fn check_departments(role: Role, count: usize) -> Result<(), AccountError> {
    if role.belongs_to_departments() && count == 0 {
        return Err(AccountError::NeedsDepartment(role));
    }
    Ok(())
}

pub fn is_plausible_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && s.len() <= 254
        && !s.chars().any(char::is_whitespace)
}

/// Department ids for slugs or exact names, in the order given, without repeats.
pub fn resolve_departments(
    conn: &mut PgConnection,
    names: &[String],
) -> Result<Vec<i64>, AccountError> {
    let mut ids = Vec::new();
    for d in names {
        let d = d.trim();
        let id: Option<i64> = departments::table
            .filter(departments::slug.eq(d).or(departments::name.eq(d)))
            .select(departments::id)
            .first(conn)
            .optional()?;
        match id {
            Some(id) if !ids.contains(&id) => ids.push(id),
            Some(_) => {}
            None => return Err(AccountError::UnknownDepartment(d.to_string())),
        }
    }
    Ok(ids)
}

/// Creates the account (its own transaction, or a savepoint inside the
/// caller's); `password_hash` is an argon2 PHC string.
pub fn create(
    conn: &mut PgConnection,
    account: &CheckedAccount,
    password_hash: &str,
) -> Result<i64, AccountError> {
    conn.transaction(|conn| {
        if User::find_by_email(conn, &account.email)?.is_some() {
            return Err(AccountError::EmailTaken(account.email.clone()));
        }
        let department_ids = resolve_departments(conn, &account.departments)?;
        let id: i64 = diesel::insert_into(users::table)
            .values(&NewUser {
                email: &account.email,
                name: &account.name,
                role: account.role,
                password_hash,
            })
            .returning(users::id)
            .get_result(conn)?;
        replace_memberships(conn, id, &department_ids)?;
        tracing::info!(user.id = id, role = %account.role, "staff account created");
        Ok(id)
    })
}

/// A department, as lists show it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DepartmentRef {
    pub id: i64,
    pub slug: String,
    pub name: String,
}

/// One staff account, as the admin list and the CLI show it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StaffAccount {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub active: bool,
    pub departments: Vec<DepartmentRef>,
    pub locked_until: Option<DateTime<Utc>>,
    pub last_sign_in_at: Option<DateTime<Utc>>,
}

type AccountRow = (
    i64,
    String,
    String,
    Role,
    bool,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
);

fn accounts(conn: &mut PgConnection, only: Option<i64>) -> QueryResult<Vec<StaffAccount>> {
    let mut query = users::table
        .select((
            users::id,
            users::email,
            users::name,
            users::role,
            users::active,
            users::locked_until,
            users::last_sign_in_at,
        ))
        .order((users::name, users::id))
        .into_boxed();
    if let Some(id) = only {
        query = query.filter(users::id.eq(id));
    }
    let rows: Vec<AccountRow> = query.load(conn)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let memberships: Vec<(i64, i64, String, String)> = user_departments::table
        .inner_join(departments::table)
        .filter(user_departments::user_id.eq_any(&ids))
        .order((user_departments::user_id, departments::name))
        .select((
            user_departments::user_id,
            departments::id,
            departments::slug,
            departments::name,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(id, email, name, role, active, locked_until, last_sign_in_at)| StaffAccount {
                departments: memberships
                    .iter()
                    .filter(|m| m.0 == id)
                    .map(|(_, d, slug, name)| DepartmentRef {
                        id: *d,
                        slug: slug.clone(),
                        name: name.clone(),
                    })
                    .collect(),
                id,
                email,
                name,
                role,
                active,
                locked_until,
                last_sign_in_at,
            },
        )
        .collect())
}

/// Every staff account, by name.
pub fn list(conn: &mut PgConnection) -> QueryResult<Vec<StaffAccount>> {
    accounts(conn, None)
}

/// One account, or `None`.
pub fn get(conn: &mut PgConnection, id: i64) -> QueryResult<Option<StaffAccount>> {
    Ok(accounts(conn, Some(id))?.pop())
}

/// Every department, by name, for the membership choices.
pub fn all_departments(conn: &mut PgConnection) -> QueryResult<Vec<DepartmentRef>> {
    let rows: Vec<(i64, String, String)> = departments::table
        .order(departments::name)
        .select((departments::id, departments::slug, departments::name))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, slug, name)| DepartmentRef { id, slug, name })
        .collect())
}

/// The id of the account with this email (any case).
pub fn id_by_email(conn: &mut PgConnection, email: &str) -> Result<i64, AccountError> {
    User::find_by_email(conn, email)?
        .map(|u| u.id)
        .ok_or_else(|| AccountError::UnknownUser(email.trim().to_string()))
}

/// Locks the account's row for the rest of the transaction; returns its role and state.
fn lock_user(conn: &mut PgConnection, id: i64) -> Result<(Role, bool), AccountError> {
    users::table
        .filter(users::id.eq(id))
        .select((users::role, users::active))
        .for_update()
        .first(conn)
        .optional()?
        .ok_or_else(|| AccountError::UnknownUser(format!("#{id}")))
}

/// Refuses a change that would leave no active administrator. Locks every
/// active administrator's row, so two administrators demoting each other at
/// the same moment cannot both succeed.
fn keep_an_admin(conn: &mut PgConnection, losing: i64) -> Result<(), AccountError> {
    let admins: Vec<i64> = users::table
        .filter(users::role.eq(Role::Admin).and(users::active.eq(true)))
        .select(users::id)
        .for_update()
        .load(conn)?;
    if admins.iter().all(|&id| id == losing) {
        return Err(AccountError::LastAdmin);
    }
    Ok(())
}

fn bump_token_version(conn: &mut PgConnection, id: i64) -> QueryResult<i32> {
    crate::staff::sign_in::revoke_all_sessions(conn, id)
}

/// Voids every reset link still outstanding for this account.
pub fn void_password_resets(
    conn: &mut PgConnection,
    user_id: i64,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::update(
        password_resets::table.filter(
            password_resets::user_id
                .eq(user_id)
                .and(password_resets::used_at.is_null()),
        ),
    )
    .set(password_resets::used_at.eq(now))
    .execute(conn)
}

/// Deactivates (`active = false`) or reactivates an account. Deactivating
/// ends its sessions at once and voids its reset links. `actor` is the
/// administrator doing it (`None` from the CLI).
pub fn set_active(
    conn: &mut PgConnection,
    actor: Option<i64>,
    id: i64,
    active: bool,
    now: DateTime<Utc>,
) -> Result<(), AccountError> {
    conn.transaction(|conn| {
        let (role, was_active) = lock_user(conn, id)?;
        if was_active == active {
            return Ok(());
        }
        if !active {
            if actor == Some(id) {
                return Err(AccountError::OwnAccount);
            }
            if role == Role::Admin {
                keep_an_admin(conn, id)?;
            }
        }
        diesel::update(users::table.filter(users::id.eq(id)))
            .set(users::active.eq(active))
            .execute(conn)?;
        if !active {
            bump_token_version(conn, id)?;
            void_password_resets(conn, id, now)?;
        }
        tracing::info!(user.id = id, active, actor = ?actor, "staff account active flag changed");
        Ok(())
    })
}

/// Changes the role and, when `departments` is given, replaces the
/// memberships (slugs or names). A role change ends the account's sessions.
pub fn set_role_and_departments(
    conn: &mut PgConnection,
    actor: Option<i64>,
    id: i64,
    role: Option<Role>,
    departments: Option<&[String]>,
) -> Result<(), AccountError> {
    conn.transaction(|conn| {
        let (old_role, active) = lock_user(conn, id)?;
        let new_role = role.unwrap_or(old_role);
        if new_role != old_role {
            if actor == Some(id) {
                return Err(AccountError::OwnAccount);
            }
            if old_role == Role::Admin && active {
                keep_an_admin(conn, id)?;
            }
        }
        let department_ids = match departments {
            Some(names) => Some(resolve_departments(conn, names)?),
            None => None,
        };
        let count = match &department_ids {
            Some(ids) => ids.len(),
            None => user_departments::table
                .filter(user_departments::user_id.eq(id))
                .count()
                .get_result::<i64>(conn)?
                .try_into()
                .unwrap_or(usize::MAX),
        };
        check_departments(new_role, count)?;
        if let Some(ids) = department_ids {
            replace_memberships(conn, id, &ids)?;
        }
        if new_role != old_role {
            diesel::update(users::table.filter(users::id.eq(id)))
                .set(users::role.eq(new_role))
                .execute(conn)?;
            bump_token_version(conn, id)?;
        }
        tracing::info!(user.id = id, role = %new_role, actor = ?actor, "staff account access changed");
        Ok(())
    })
}

fn replace_memberships(conn: &mut PgConnection, user_id: i64, ids: &[i64]) -> QueryResult<()> {
    diesel::delete(
        user_departments::table.filter(
            user_departments::user_id
                .eq(user_id)
                .and(user_departments::department_id.ne_all(ids)),
        ),
    )
    .execute(conn)?;
    for &department_id in ids {
        diesel::insert_into(user_departments::table)
            .values(&NewMembership {
                user_id,
                department_id,
            })
            .on_conflict_do_nothing()
            .execute(conn)?;
    }
    Ok(())
}

/// Whether the person opted out of the weekly report digest.
pub fn digest_opt_out(conn: &mut PgConnection, id: i64) -> QueryResult<bool> {
    users::table
        .find(id)
        .select(users::digest_opt_out)
        .first(conn)
}

/// Opts a person out of the weekly report digest, or back in.
pub fn set_digest_opt_out(conn: &mut PgConnection, id: i64, opt_out: bool) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set(users::digest_opt_out.eq(opt_out))
        .execute(conn)
        .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input<'a>(
        email: &'a str,
        name: &'a str,
        role: &'a str,
        d: &'a [String],
    ) -> AccountInput<'a> {
        AccountInput {
            email,
            name,
            role,
            departments: d,
        }
    }

    #[test]
    fn accounts_are_checked_field_by_field() {
        let roads = vec!["roads".to_string()];
        let ok = check(&input(" a@b.org ", " Ann ", "Agent", &roads)).unwrap();
        assert_eq!(
            (ok.email.as_str(), ok.name.as_str(), ok.role),
            ("a@b.org", "Ann", Role::Agent)
        );
        let problems = check_all(&input("nope", "", "agent", &[])).unwrap_err();
        let fields: Vec<_> = problems.iter().map(|p| p.field()).collect();
        assert_eq!(fields, [Some("email"), Some("name"), Some("departments")]);
        assert!(matches!(
            check(&input("a@b.org", "A", "wizard", &[])),
            Err(AccountError::Role(_))
        ));
        // Leaders and admins need no department.
        assert!(check(&input("a@b.org", "A", "leader", &[])).is_ok());
        assert!(check(&input("a@b.org", &"x".repeat(121), "admin", &[])).is_err());
    }

    #[test]
    fn every_account_error_has_a_message_key() {
        for e in [
            AccountError::Name,
            AccountError::OwnAccount,
            AccountError::LastAdmin,
            AccountError::NeedsDepartment(Role::Agent),
        ] {
            assert!(e.message_key().starts_with("accounts-error-"));
        }
    }
}
