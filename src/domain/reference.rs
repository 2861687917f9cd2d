//! Ticket references (`CD-2026-004217`: short, readable over the phone) and
//! the secret tracking token that, unlike the reference, grants access.

use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Formats the `n`th reference of `year`.
pub fn format_reference(year: i32, n: i64) -> String {
    format!("CD-{year:04}-{n:06}")
}

/// Normalises what a person typed ("cd 2026 4217", " CD-2026-004217 ") to the
/// stored form, or `None` if it cannot be a reference.
pub fn normalise_reference(input: &str) -> Option<String> {
    let cleaned: String = input
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect::<String>()
        .to_ascii_uppercase();
    let rest = cleaned.strip_prefix("CD")?;
    if rest.len() < 5 || !rest.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let (year, number) = rest.split_at(4);
    let n: i64 = number.parse().ok()?;
    let year: i32 = year.parse().ok()?;
    (n > 0).then(|| format_reference(year, n))
}

/// A fresh tracking token: 256 random bits, URL-safe. Only its hash is stored.
pub fn new_tracking_token() -> (String, [u8; 32]) {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash_tracking_token(&token);
    (token, hash)
}

pub fn hash_tracking_token(token: &str) -> [u8; 32] {
    Sha256::digest(token.trim().as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_format_and_normalise() {
        assert_eq!(format_reference(2026, 4217), "CD-2026-004217");
        assert_eq!(format_reference(2026, 12_345_678), "CD-2026-12345678");
        for typed in [
            "CD-2026-004217",
            "cd 2026 4217",
            " cd-2026-004217 ",
            "CD2026004217",
        ] {
            assert_eq!(
                normalise_reference(typed).as_deref(),
                Some("CD-2026-004217"),
                "{typed}"
            );
        }
        for bad in ["", "2026-004217", "CD-2026", "CD-20x6-1", "CD-2026-000000"] {
            assert_eq!(normalise_reference(bad), None, "{bad}");
        }
    }

    #[test]
    fn tokens_are_long_random_and_hashed() {
        let (a, ha) = new_tracking_token();
        let (b, _) = new_tracking_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(hash_tracking_token(&a), ha);
    }
}
