//! Staff in tests: accounts with a known password, sessions, CSRF tokens and
//! separate "devices" (cookie jars).
//!
//! `session_token` mints a session exactly as signing in does (same issuer,
//! key and token version) without the cost of argon2, for tests that make
//! many requests as many people; tests of signing in itself go through the
//! form (`sign_in_on`).

use chrono::{DateTime, Utc};
use civicdesk::auth::jwt;
use civicdesk::domain::role::Role;
use civicdesk::schema::users;
use diesel::prelude::*;

use crate::helpers::TestApp;
pub use crate::staff_auth::{csrf_of, staff_user, PASSWORD};

/// A CSRF token to send as both the cookie and the form field (the
/// double-submit check only compares the two).
pub const CSRF: &str = "test-csrf-token-0123456789-abcdefghijklmnop";

pub fn user_id(app: &TestApp, email: &str) -> i64 {
    users::table
        .filter(users::email.eq(email))
        .select(users::id)
        .first(&mut app.conn())
        .unwrap_or_else(|e| panic!("no user {email}: {e}"))
}

/// `(id, role, token_version)` of an account.
fn account(app: &TestApp, email: &str) -> (i64, Role, i32) {
    users::table
        .filter(users::email.eq(email))
        .select((users::id, users::role, users::token_version))
        .first(&mut app.conn())
        .unwrap_or_else(|e| panic!("no user {email}: {e}"))
}

/// A valid session token for `email` now, at their current token version.
pub fn session_token(app: &TestApp, email: &str) -> String {
    session_token_issued(app, email, Utc::now())
}

/// A session token for `email` as if issued at `issued_at` (60 minutes long).
pub fn session_token_issued(app: &TestApp, email: &str, issued_at: DateTime<Utc>) -> String {
    let (id, role, version) = account(app, email);
    jwt::issue(
        &app.settings.security.jwt_secret,
        id,
        role,
        version,
        chrono::Duration::minutes(60),
        issued_at,
    )
}

/// A client without cookies or redirects: every request says exactly what it carries.
pub fn bare_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// Another browser: its own cookie jar, no redirects followed.
pub fn device() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .expect("client")
}

/// Signs in through the form on `client`.
pub async fn sign_in_on(
    app: &TestApp,
    client: &reqwest::Client,
    email: &str,
    password: &str,
) -> reqwest::Response {
    let html = client
        .get(app.url("/staff/sign-in"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    client
        .post(app.url("/staff/sign-in"))
        .form(&[
            ("email", email),
            ("password", password),
            ("csrf_token", csrf_of(&html).as_str()),
            ("next", "/staff"),
        ])
        .send()
        .await
        .unwrap()
}

/// The page's CSRF token, fetched on `client` (which keeps the cookie).
pub async fn csrf_on(app: &TestApp, client: &reqwest::Client, path: &str) -> String {
    let res = client.get(app.url(path)).send().await.unwrap();
    assert_eq!(res.status(), 200, "GET {path}");
    csrf_of(&res.text().await.unwrap())
}

/// Posts a form with the page's CSRF token, fetched from `page` first.
pub async fn post_form_on(
    app: &TestApp,
    client: &reqwest::Client,
    page: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let csrf = csrf_on(app, client, page).await;
    let mut body: Vec<(&str, &str)> = fields.to_vec();
    body.push(("csrf_token", &csrf));
    client
        .post(app.url(action))
        .form(&body)
        .send()
        .await
        .unwrap()
}

/// The value of a cookie the response sets (the last one of that name).
pub fn set_cookie(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|c| c.split(';').next())
        .filter_map(|c| c.split_once('='))
        .filter(|(n, _)| *n == name)
        .map(|(_, v)| v.to_string())
        .next_back()
}

pub fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}
