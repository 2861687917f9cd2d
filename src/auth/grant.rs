//! A short-lived, signed permission to see one request, given after a citizen
//! proved they know its reference and their email (they may not have the
//! tracking link to hand). Kept in an HttpOnly cookie; HS256 with the
//! portal's key, algorithm pinned.

use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

pub const GRANT_COOKIE: &str = "civicdesk_request";
const SCOPE: &str = "track-request";
/// Two hours: long enough to read and reply, short enough on a shared computer.
pub const GRANT_SECONDS: i64 = 2 * 60 * 60;

#[derive(Debug, Serialize, Deserialize)]
struct GrantClaims {
    sub: String,
    scope: String,
    exp: i64,
    iat: i64,
}

pub fn issue(secret: &SecretString, reference: &str, now: chrono::DateTime<chrono::Utc>) -> String {
    let claims = GrantClaims {
        sub: reference.to_string(),
        scope: SCOPE.into(),
        iat: now.timestamp(),
        exp: now.timestamp() + GRANT_SECONDS,
    };
    encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret.expose_secret().as_bytes()),
    )
    .expect("HS256 signing cannot fail")
}

/// The reference the grant is for, if it is genuine and unexpired.
pub fn verify(secret: &SecretString, token: &str) -> Option<String> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_required_spec_claims(&["exp", "sub"]);
    validation.leeway = 0;
    let data = decode::<GrantClaims>(
        token,
        &DecodingKey::from_secret(secret.expose_secret().as_bytes()),
        &validation,
    )
    .ok()?;
    (data.claims.scope == SCOPE).then_some(data.claims.sub)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grants_verify_only_with_the_key_and_in_time() {
        let key = SecretString::from("k".repeat(40));
        let now = chrono::Utc::now();
        let g = issue(&key, "CD-2026-000001", now);
        assert_eq!(verify(&key, &g).as_deref(), Some("CD-2026-000001"));
        assert_eq!(verify(&SecretString::from("x".repeat(40)), &g), None);
        let old = issue(&key, "CD-2026-000001", now - chrono::Duration::hours(3));
        assert_eq!(verify(&key, &old), None);
        assert_eq!(verify(&key, "garbage"), None);
    }
}
