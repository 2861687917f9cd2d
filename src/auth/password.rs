//! Passwords are hashed with argon2id (the crate's defaults follow OWASP's
//! recommendation) and verified in constant time.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use secrecy::{ExposeSecret, SecretString};

/// The shortest password accepted for a staff account.
pub const MIN_LENGTH: usize = 12;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PasswordError {
    #[error("the password must be at least {MIN_LENGTH} characters long")]
    TooShort,
    #[error("the password must be at most 1024 characters long")]
    TooLong,
    #[error("the password could not be hashed")]
    Hashing,
}

/// The policy alone (cheap): forms check it before any hashing, so every
/// problem with a form can be reported at once.
pub fn check_policy(password: &SecretString) -> Result<(), PasswordError> {
    let p = password.expose_secret();
    if p.chars().count() < MIN_LENGTH {
        return Err(PasswordError::TooShort);
    }
    if p.len() > 1024 {
        return Err(PasswordError::TooLong);
    }
    Ok(())
}

/// Checks the policy, then hashes. CPU-heavy: call from a blocking thread.
pub fn hash(password: &SecretString) -> Result<String, PasswordError> {
    check_policy(password)?;
    let p = password.expose_secret();
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(p.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| PasswordError::Hashing)
}

/// Whether `password` matches the stored PHC string. A malformed hash never matches.
pub fn verify(password: &SecretString, stored: &str) -> bool {
    PasswordHash::new(stored)
        .and_then(|h| Argon2::default().verify_password(password.expose_secret().as_bytes(), &h))
        .is_ok()
}

/// A random password for generated (demo) accounts: 20 characters, no look-alikes.
pub fn generate() -> SecretString {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::thread_rng();
    let s: String = (0..20)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect();
    SecretString::from(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_policy_applies() {
        let pw = SecretString::from("correct horse battery".to_string());
        let h = hash(&pw).unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify(&pw, &h));
        assert!(!verify(&SecretString::from("wrong".to_string()), &h));
        assert!(!verify(&pw, "not a hash"));
        assert_eq!(
            hash(&SecretString::from("short".to_string())),
            Err(PasswordError::TooShort)
        );
        assert_eq!(generate().expose_secret().len(), 20);
    }
}
