//! The keys 311 apps submit requests with. A key is 32 random bytes shown once
//! when it is made; only its SHA-256 is kept, with a short prefix so people
//! can tell keys apart. Administrators make, relabel and revoke keys (the
//! admin pages and `civicdesk api-key`); a revoked key stops working at once.

use base64::Engine as _;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::schema::api_keys;

/// Every key starts with this, so one found in a log or a repository is
/// recognisable as a CivicDesk Open311 key.
pub const KEY_START: &str = "cd311_";
/// Characters of the key kept in clear to tell keys apart.
const PREFIX_LEN: usize = 10;
pub const LABEL_MAX: usize = 100;

/// A key just made: the only time `key` exists outside its owner's hands.
#[derive(Debug, Clone)]
pub struct CreatedKey {
    pub id: i64,
    pub label: String,
    pub key: String,
}

/// A key as the lists show it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_keys, check_for_backend(diesel::pg::Pg))]
pub struct ApiKey {
    pub id: i64,
    pub label: String,
    pub key_prefix: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiKeyError {
    /// The label is empty or too long (a message key).
    #[error("invalid label: {0}")]
    Label(&'static str),
    #[error("there is no API key {0}")]
    NotFound(i64),
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

impl ApiKeyError {
    /// The message key people read.
    pub fn message_key(&self) -> &'static str {
        match self {
            Self::Label(key) => key,
            Self::NotFound(_) => "api-keys-error-unknown",
            Self::Db(_) => "error-500-title",
        }
    }
}

/// A new random key and the hash that is stored.
pub fn generate() -> (String, [u8; 32]) {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let key = format!(
        "{KEY_START}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    );
    let hash = hash(&key);
    (key, hash)
}

pub fn hash(key: &str) -> [u8; 32] {
    Sha256::digest(key.trim().as_bytes()).into()
}

/// A label: trimmed, 1 to 100 characters, one line.
pub fn check_label(label: &str) -> Result<String, ApiKeyError> {
    let label = label.split_whitespace().collect::<Vec<_>>().join(" ");
    if label.is_empty() {
        return Err(ApiKeyError::Label("api-keys-error-label-required"));
    }
    if label.chars().count() > LABEL_MAX || label.chars().any(char::is_control) {
        return Err(ApiKeyError::Label("api-keys-error-label-too-long"));
    }
    Ok(label)
}

pub fn create(
    conn: &mut PgConnection,
    label: &str,
    created_by: Option<i64>,
    now: DateTime<Utc>,
) -> Result<CreatedKey, ApiKeyError> {
    let label = check_label(label)?;
    let (key, hash) = generate();
    let id: i64 = diesel::insert_into(api_keys::table)
        .values((
            api_keys::label.eq(&label),
            api_keys::key_hash.eq(hash.as_slice()),
            api_keys::key_prefix.eq(&key[..PREFIX_LEN]),
            api_keys::created_by.eq(created_by),
            api_keys::created_at.eq(now),
        ))
        .returning(api_keys::id)
        .get_result(conn)?;
    tracing::info!(api_key.id = id, actor = ?created_by, "API key created");
    Ok(CreatedKey { id, label, key })
}

/// Every key, newest first.
pub fn list(conn: &mut PgConnection) -> QueryResult<Vec<ApiKey>> {
    api_keys::table
        .order(api_keys::id.desc())
        .select(ApiKey::as_select())
        .load(conn)
}

pub fn relabel(conn: &mut PgConnection, id: i64, label: &str) -> Result<String, ApiKeyError> {
    let label = check_label(label)?;
    let n = diesel::update(api_keys::table.find(id))
        .set(api_keys::label.eq(&label))
        .execute(conn)?;
    if n == 0 {
        return Err(ApiKeyError::NotFound(id));
    }
    tracing::info!(api_key.id = id, "API key relabelled");
    Ok(label)
}

/// Revokes the key; `Ok(false)` when it already was (nothing changes).
pub fn revoke(
    conn: &mut PgConnection,
    id: i64,
    by: Option<i64>,
    now: DateTime<Utc>,
) -> Result<bool, ApiKeyError> {
    let n = diesel::update(
        api_keys::table
            .find(id)
            .filter(api_keys::revoked_at.is_null()),
    )
    .set((api_keys::revoked_at.eq(now), api_keys::revoked_by.eq(by)))
    .execute(conn)?;
    if n == 1 {
        tracing::info!(api_key.id = id, actor = ?by, "API key revoked");
        return Ok(true);
    }
    let exists: bool =
        diesel::select(diesel::dsl::exists(api_keys::table.find(id))).get_result(conn)?;
    if exists {
        Ok(false)
    } else {
        Err(ApiKeyError::NotFound(id))
    }
}

/// The id of the active key `presented` is, if it is one.
pub fn authenticate(conn: &mut PgConnection, presented: &str) -> QueryResult<Option<i64>> {
    let presented = presented.trim();
    if !presented.starts_with(KEY_START) || presented.len() > 200 {
        return Ok(None);
    }
    api_keys::table
        .filter(api_keys::key_hash.eq(hash(presented).as_slice()))
        .filter(api_keys::revoked_at.is_null())
        .select(api_keys::id)
        .first(conn)
        .optional()
}

/// Records that the key was used (for the admins' list).
pub fn touch(conn: &mut PgConnection, id: i64, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::update(api_keys::table.find(id))
        .set(api_keys::last_used_at.eq(now))
        .execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_random_recognisable_and_hashed() {
        let (a, ha) = generate();
        let (b, hb) = generate();
        assert_ne!(a, b);
        assert_ne!(ha, hb);
        assert!(a.starts_with(KEY_START));
        assert_eq!(a.len(), KEY_START.len() + 43);
        assert_eq!(hash(&a), ha);
        assert_eq!(
            hash(&format!(" {a}\n")),
            ha,
            "surrounding space is not the key"
        );
    }

    #[test]
    fn labels_are_one_line_and_bounded() {
        assert_eq!(
            check_label("  FixMyStreet \n app ").unwrap(),
            "FixMyStreet app"
        );
        assert!(matches!(
            check_label("   "),
            Err(ApiKeyError::Label("api-keys-error-label-required"))
        ));
        assert!(check_label(&"x".repeat(101)).is_err());
        assert!(check_label(&"x".repeat(100)).is_ok());
    }
}
