//! Staff sign-in, sessions, tokens, lock-out.

use crate::helpers::{spawn_app, TestApp};

pub const PASSWORD: &str = "correct horse battery staple";

/// Creates a staff member with a known password; returns their email.
pub fn staff_user(app: &TestApp, email: &str, role: &str, departments: &[&str]) -> String {
    let args = civicdesk::cli::CreateUserArgs {
        email: email.into(),
        name: format!("Test {role}"),
        role: role.into(),
        departments: departments.iter().map(|d| d.to_string()).collect(),
    };
    civicdesk::commands::create_user(
        &mut app.conn(),
        &args,
        &secrecy::SecretString::from(PASSWORD.to_string()),
    )
    .unwrap();
    email.to_string()
}

pub fn csrf_of(html: &str) -> String {
    let key = r#"name="csrf_token" value=""#;
    let start = html.find(key).expect("a csrf field") + key.len();
    html[start..start + html[start..].find('"').unwrap()].to_string()
}

pub async fn sign_in(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    let html = app.get("/staff/sign-in").await.text().await.unwrap();
    let csrf = csrf_of(&html);
    app.client
        .post(app.url("/staff/sign-in"))
        .form(&[
            ("email", email),
            ("password", password),
            ("csrf_token", csrf.as_str()),
            ("next", "/staff"),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn signed_out_visitors_are_sent_to_sign_in() {
    let app = spawn_app().await;
    let res = app.get("/staff").await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/staff/sign-in?next=%2Fstaff");
}

#[tokio::test]
async fn staff_sign_in_and_out() {
    let app = spawn_app().await;
    app.seed_demo();
    let email = staff_user(&app, "agent.one@example.org", "agent", &["roads"]);
    assert_eq!(
        sign_in(&app, &email, "wrong password!!").await.status(),
        401
    );
    let res = sign_in(&app, &email, PASSWORD).await;
    assert_eq!(res.status(), 303);
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("civicdesk_session="))
        .unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
    let html = app.get("/staff").await.text().await.unwrap();
    assert!(html.contains("Signed in as Test agent") && html.contains("Roads &amp; Transport"));

    // Sign out everywhere: a copy of the old session stops working too.
    let old = cookie.split(';').next().unwrap().to_string();
    let csrf = csrf_of(&html);
    let res = app
        .client
        .post(app.url("/staff/sign-out-everywhere"))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let stale = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = stale
        .get(app.url("/staff"))
        .header("cookie", old)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "a revoked session is signed out");
}

#[tokio::test]
async fn the_api_gives_bearer_tokens_and_refuses_bad_ones() {
    let app = spawn_app().await;
    app.seed_demo();
    let email = staff_user(&app, "agent.two@example.org", "agent", &["waste"]);
    let res = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .json(&serde_json::json!({"email": email, "password": "nope nope nope"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(
        res.json::<serde_json::Value>().await.unwrap()["error"]["code"],
        "invalid_credentials"
    );
    let res = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .json(&serde_json::json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert!(body["expires_in"].as_i64().unwrap() <= 3600);
}

#[tokio::test]
async fn repeated_failures_lock_the_account() {
    let app = spawn_app().await;
    app.seed_demo();
    let email = staff_user(&app, "agent.three@example.org", "agent", &["waste"]);
    let mut last = 0;
    for _ in 0..civicdesk::staff::sign_in::LOCK_AFTER {
        last = sign_in(&app, &email, "wrong password!!")
            .await
            .status()
            .as_u16();
    }
    assert_eq!(last, 429, "the fifth failure locks");
    // Even the right password is refused while locked.
    assert_eq!(sign_in(&app, &email, PASSWORD).await.status(), 429);
}

#[tokio::test]
async fn sign_in_forms_need_the_csrf_token() {
    let app = spawn_app().await;
    let res = app
        .client
        .post(app.url("/staff/sign-in"))
        .form(&[("email", "a@b.org"), ("password", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}
