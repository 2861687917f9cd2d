//! CSRF protection for HTML forms by the double-submit pattern: a random token
//! in a cookie (HttpOnly, SameSite=Lax) and the same token in a hidden form
//! field; a state-changing request must carry both, equal. Another site can
//! make a browser send the cookie but cannot read it to fill the field.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::HttpRequest;
use base64::Engine;
use rand::RngCore;

pub const CSRF_COOKIE: &str = "civicdesk_csrf";
pub const CSRF_FIELD: &str = "csrf_token";

/// The token for a page's forms: the visitor's existing one, or a new one
/// (with the cookie to set).
pub fn token_for(req: &HttpRequest, secure: bool) -> (String, Option<Cookie<'static>>) {
    if let Some(c) = req.cookie(CSRF_COOKIE) {
        if c.value().len() >= 32 {
            return (c.value().to_string(), None);
        }
    }
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let cookie = Cookie::build(CSRF_COOKIE, token.clone())
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .finish();
    (token, Some(cookie))
}

/// Whether the submitted field matches the cookie (constant-time comparison).
pub fn verify(req: &HttpRequest, submitted: Option<&str>) -> bool {
    let Some(cookie) = req.cookie(CSRF_COOKIE) else {
        return false;
    };
    let Some(submitted) = submitted else {
        return false;
    };
    let (a, b) = (cookie.value().as_bytes(), submitted.as_bytes());
    a.len() >= 32
        && a.len() == b.len()
        && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
