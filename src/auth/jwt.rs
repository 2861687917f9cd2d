//! Staff session tokens: JWTs signed with HS256 (the algorithm is pinned both
//! ways, so `alg: none` or an RS/HS confusion is refused), at most an hour
//! long, carrying the user's token version so "sign out everywhere" can
//! invalidate every older token at once.

use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::domain::role::Role;

pub const ALGORITHM: Algorithm = Algorithm::HS256;
const AUDIENCE: &str = "civicdesk-staff";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user's id.
    pub sub: String,
    pub role: Role,
    /// Must equal `users.token_version`; bumping it revokes every older token.
    pub ver: i32,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
}

impl Claims {
    pub fn user_id(&self) -> Option<i64> {
        self.sub.parse().ok()
    }

    pub fn issued_at(&self) -> DateTime<Utc> {
        DateTime::from_timestamp(self.iat, 0).unwrap_or_default()
    }

    /// Past half its life: time to hand the person a fresh one.
    pub fn wants_renewal(&self, now: DateTime<Utc>) -> bool {
        let half = (self.exp - self.iat) / 2;
        now.timestamp() >= self.iat + half
    }
}

pub fn issue(
    secret: &SecretString,
    user_id: i64,
    role: Role,
    version: i32,
    lifetime: Duration,
    now: DateTime<Utc>,
) -> String {
    let lifetime = lifetime.min(Duration::hours(1));
    let claims = Claims {
        sub: user_id.to_string(),
        role,
        ver: version,
        aud: AUDIENCE.into(),
        iat: now.timestamp(),
        exp: (now + lifetime).timestamp(),
    };
    encode(
        &Header::new(ALGORITHM),
        &claims,
        &EncodingKey::from_secret(secret.expose_secret().as_bytes()),
    )
    .expect("HS256 signing cannot fail")
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the session has expired")]
    Expired,
    #[error("the session token is not valid")]
    Invalid,
}

/// Checks signature, algorithm, audience and expiry (no leeway).
pub fn verify(secret: &SecretString, token: &str) -> Result<Claims, TokenError> {
    let mut validation = Validation::new(ALGORITHM);
    validation.algorithms = vec![ALGORITHM];
    validation.leeway = 0;
    validation.set_audience(&[AUDIENCE]);
    validation.set_required_spec_claims(&["exp", "iat", "sub", "aud"]);
    decode::<Claims>(
        token,
        &DecodingKey::from_secret(secret.expose_secret().as_bytes()),
        &validation,
    )
    .map(|d| d.claims)
    .map_err(|e| match e.kind() {
        jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
        _ => TokenError::Invalid,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    fn key() -> SecretString {
        SecretString::from("s".repeat(40))
    }

    #[test]
    fn round_trip_and_expiry() {
        let now = Utc::now();
        let t = issue(&key(), 7, Role::Agent, 3, Duration::minutes(30), now);
        let c = verify(&key(), &t).unwrap();
        assert_eq!((c.user_id(), c.role, c.ver), (Some(7), Role::Agent, 3));
        let old = issue(
            &key(),
            7,
            Role::Agent,
            3,
            Duration::minutes(30),
            now - Duration::hours(2),
        );
        assert_eq!(verify(&key(), &old), Err(TokenError::Expired));
        // Lifetimes are capped at one hour.
        let long = verify(
            &key(),
            &issue(&key(), 7, Role::Agent, 3, Duration::days(30), now),
        )
        .unwrap();
        assert!(long.exp - long.iat <= 3600);
    }

    #[test]
    fn tampering_alg_none_and_other_keys_are_refused() {
        let now = Utc::now();
        let t = issue(&key(), 7, Role::Agent, 0, Duration::minutes(30), now);
        assert_eq!(
            verify(&SecretString::from("x".repeat(40)), &t),
            Err(TokenError::Invalid)
        );
        // Promote ourselves to admin without re-signing.
        let parts: Vec<&str> = t.split('.').collect();
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let mut claims: serde_json::Value =
            serde_json::from_slice(&b64.decode(parts[1]).unwrap()).unwrap();
        claims["role"] = "admin".into();
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            b64.encode(claims.to_string()),
            parts[2]
        );
        assert_eq!(verify(&key(), &forged), Err(TokenError::Invalid));
        // alg: none, no signature.
        let none = format!(
            "{}.{}.",
            b64.encode(r#"{"alg":"none","typ":"JWT"}"#),
            parts[1]
        );
        assert_eq!(verify(&key(), &none), Err(TokenError::Invalid));
        // Another algorithm with the same key.
        let hs512 = encode(
            &Header::new(Algorithm::HS512),
            &claims,
            &EncodingKey::from_secret("s".repeat(40).as_bytes()),
        )
        .unwrap();
        assert_eq!(verify(&key(), &hs512), Err(TokenError::Invalid));
    }
}
