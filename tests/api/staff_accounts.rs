//! Staff accounts: session tokens that must be refused, signing out
//! everywhere, changing a password (pages and API), resetting one by email,
//! administrators managing accounts, and the `civicdesk user` commands.

use base64::Engine as _;
use chrono::{Duration, Utc};
use civicdesk::auth::jwt::Claims;
use civicdesk::schema::{outbox, password_resets, users};
use diesel::prelude::*;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use secrecy::ExposeSecret;
use serde_json::{json, Value};

use crate::helpers::{cluster, scratch_dir, spawn_app, TestApp};
use crate::staff_helpers::{
    bare_client, device, location, post_form_on, session_token, session_token_issued, set_cookie,
    sign_in_on, staff_user, user_id, PASSWORD,
};

const NEW_PASSWORD: &str = "a brand new passphrase";

/// `POST /api/v1/auth/password` with a Bearer token.
async fn api_change_password(
    app: &TestApp,
    token: &str,
    current: &str,
    new: &str,
) -> reqwest::Response {
    bare_client()
        .post(app.url("/api/v1/auth/password"))
        .bearer_auth(token)
        .json(&json!({ "current_password": current, "new_password": new }))
        .send()
        .await
        .unwrap()
}

/// A Bearer token from `POST /api/v1/auth/token`.
async fn api_token(app: &TestApp, email: &str, password: &str) -> String {
    let res = bare_client()
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "signing in over the API");
    res.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_string()
}

/// GET a page with this session cookie and nothing else.
async fn page_with_session(app: &TestApp, path: &str, token: &str) -> reqwest::Response {
    bare_client()
        .get(app.url(path))
        .header("cookie", format!("civicdesk_session={token}"))
        .send()
        .await
        .unwrap()
}

fn token_version(app: &TestApp, email: &str) -> i32 {
    users::table
        .filter(users::email.eq(email))
        .select(users::token_version)
        .first(&mut app.conn())
        .unwrap()
}

#[tokio::test]
async fn expired_tampered_wrong_algorithm_and_unsigned_tokens_are_refused() {
    let app = spawn_app().await;
    app.seed_demo();
    let email = staff_user(&app, "agent@example.org", "agent", &["waste"]);
    let secret = app.settings.security.jwt_secret.clone();
    let good = session_token(&app, &email);

    // The real route accepts a good token (here the wrong current password: 422, not 401).
    let res = api_change_password(&app, &good, "not my password!", NEW_PASSWORD).await;
    assert_eq!(res.status(), 422);
    assert_eq!(
        page_with_session(&app, "/staff/account", &good)
            .await
            .status(),
        200
    );

    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let parts: Vec<&str> = good.split('.').collect();
    let mut claims: Claims = serde_json::from_slice(&b64.decode(parts[1]).unwrap()).unwrap();
    let expired = session_token_issued(&app, &email, Utc::now() - Duration::hours(2));
    let tampered = {
        let mut c = serde_json::to_value(&claims).unwrap();
        c["role"] = "admin".into();
        format!("{}.{}.{}", parts[0], b64.encode(c.to_string()), parts[2])
    };
    let unsigned = format!(
        "{}.{}.",
        b64.encode(r#"{"alg":"none","typ":"JWT"}"#),
        parts[1]
    );
    let key = EncodingKey::from_secret(secret.expose_secret().as_bytes());
    let hs512 = encode(&Header::new(Algorithm::HS512), &claims, &key).unwrap();
    let other_key = encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(&[7u8; 40]),
    )
    .unwrap();
    claims.exp = Utc::now().timestamp() + 3600;
    claims.ver += 1;
    let future_version = encode(&Header::new(Algorithm::HS256), &claims, &key).unwrap();
    let grant = civicdesk::auth::grant::issue(&secret, "CD-2026-000001", Utc::now());

    for (what, token) in [
        ("expired", expired),
        ("tampered", tampered),
        ("alg none", unsigned),
        ("HS512 with the same key", hs512),
        ("another key", other_key),
        ("a token version not yet reached", future_version),
        ("a citizen's grant", grant),
        ("garbage", "not.a.jwt".to_string()),
    ] {
        let res = api_change_password(&app, &token, PASSWORD, NEW_PASSWORD).await;
        assert_eq!(res.status(), 401, "{what} (API)");
        assert_eq!(res.headers()["www-authenticate"], "Bearer");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unauthorized", "{what}");
        let res = page_with_session(&app, "/staff/account", &token).await;
        assert_eq!(res.status(), 303, "{what} (page)");
        assert!(location(&res).starts_with("/staff/sign-in?next="), "{what}");
    }
    // Nothing above changed the password.
    assert_eq!(token_version(&app, &email), 0);
    assert_eq!(
        sign_in_on(&app, &device(), &email, PASSWORD).await.status(),
        303
    );
}

#[tokio::test]
async fn signing_out_everywhere_revokes_page_sessions_and_api_tokens() {
    let app = spawn_app().await;
    app.seed_demo();
    let email = staff_user(&app, "agent@example.org", "agent", &["waste"]);
    let laptop = device();
    let phone = device();
    assert_eq!(
        sign_in_on(&app, &laptop, &email, PASSWORD).await.status(),
        303
    );
    assert_eq!(
        sign_in_on(&app, &phone, &email, PASSWORD).await.status(),
        303
    );
    let bearer = api_token(&app, &email, PASSWORD).await;
    let res = api_change_password(&app, &bearer, "wrong wrong wrong", NEW_PASSWORD).await;
    assert_eq!(res.status(), 422, "the Bearer token works before");

    let res = post_form_on(
        &app,
        &phone,
        "/staff/account",
        "/staff/sign-out-everywhere",
        &[],
    )
    .await;
    assert_eq!(res.status(), 303);
    for client in [&laptop, &phone] {
        let res = client.get(app.url("/staff/account")).send().await.unwrap();
        assert_eq!(res.status(), 303);
        assert!(location(&res).starts_with("/staff/sign-in"));
    }
    let res = api_change_password(&app, &bearer, PASSWORD, NEW_PASSWORD).await;
    assert_eq!(res.status(), 401, "the API token is revoked too");
    // Signing in again works.
    assert_eq!(
        sign_in_on(&app, &laptop, &email, PASSWORD).await.status(),
        303
    );
    let res = laptop.get(app.url("/staff/account")).send().await.unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn changing_the_password_signs_out_other_devices_and_keeps_this_one() {
    let app = spawn_app().await;
    app.seed_demo();
    let email = staff_user(&app, "agent@example.org", "agent", &["waste"]);
    let this = device();
    let other = device();
    assert_eq!(
        sign_in_on(&app, &this, &email, PASSWORD).await.status(),
        303
    );
    assert_eq!(
        sign_in_on(&app, &other, &email, PASSWORD).await.status(),
        303
    );
    let bearer = api_token(&app, &email, PASSWORD).await;

    let page = this.get(app.url("/staff/account")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Change your password")
            && html.contains("action=\"/staff/account/password\"")
    );

    // Refusals say what is wrong, all at once, and change nothing.
    for (fields, expect) in [
        (
            [
                ("current_password", "wrong wrong wrong"),
                ("new_password", NEW_PASSWORD),
                ("confirm_password", NEW_PASSWORD),
            ],
            vec!["This is not your current password."],
        ),
        (
            [
                ("current_password", PASSWORD),
                ("new_password", "too short"),
                ("confirm_password", "different"),
            ],
            vec![
                "at least 12 characters",
                "The two new passwords are not the same.",
            ],
        ),
    ] {
        let res = post_form_on(
            &app,
            &this,
            "/staff/account",
            "/staff/account/password",
            &fields,
        )
        .await;
        assert_eq!(res.status(), 422);
        let html = res.text().await.unwrap();
        for message in expect {
            assert!(html.contains(message), "{message}: {html}");
        }
    }
    assert_eq!(token_version(&app, &email), 0);

    let res = post_form_on(
        &app,
        &this,
        "/staff/account",
        "/staff/account/password",
        &[
            ("current_password", PASSWORD),
            ("new_password", NEW_PASSWORD),
            ("confirm_password", NEW_PASSWORD),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/staff/account?changed=1");
    assert!(
        set_cookie(&res, "civicdesk_session").is_some(),
        "a fresh session for this device"
    );
    assert_eq!(token_version(&app, &email), 1);

    let res = this
        .get(app.url("/staff/account?changed=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "this device stays signed in");
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("Your password has been changed"));
    let res = other.get(app.url("/staff/account")).send().await.unwrap();
    assert_eq!(res.status(), 303, "the other device is signed out");
    let res = api_change_password(&app, &bearer, NEW_PASSWORD, PASSWORD).await;
    assert_eq!(res.status(), 401, "and so is the API token");

    assert_eq!(
        sign_in_on(&app, &device(), &email, PASSWORD).await.status(),
        401
    );
    assert_eq!(
        sign_in_on(&app, &device(), &email, NEW_PASSWORD)
            .await
            .status(),
        303
    );
}

#[tokio::test]
async fn a_password_change_late_in_a_session_keeps_the_fresh_cookie() {
    // Past half its life a session is renewed on the way out; the renewal
    // (at the old, now revoked, version) must not replace the fresh cookie.
    let app = spawn_app().await;
    app.seed_demo();
    let email = staff_user(&app, "agent@example.org", "agent", &["waste"]);
    let old = session_token_issued(&app, &email, Utc::now() - Duration::minutes(45));
    let csrf = crate::staff_helpers::CSRF;
    let res = bare_client()
        .post(app.url("/staff/account/password"))
        .header(
            "cookie",
            format!("civicdesk_session={old}; civicdesk_csrf={csrf}"),
        )
        .form(&[
            ("current_password", PASSWORD),
            ("new_password", NEW_PASSWORD),
            ("confirm_password", NEW_PASSWORD),
            ("csrf_token", csrf),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let sessions: Vec<_> = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter(|c| c.to_str().unwrap().starts_with("civicdesk_session="))
        .collect();
    assert_eq!(sessions.len(), 1, "{sessions:?}");
    let fresh = set_cookie(&res, "civicdesk_session").unwrap();
    assert_eq!(
        page_with_session(&app, "/staff/account", &fresh)
            .await
            .status(),
        200
    );
    assert_eq!(
        page_with_session(&app, "/staff/account", &old)
            .await
            .status(),
        303
    );
}

#[tokio::test]
async fn the_api_changes_a_password_and_answers_with_a_fresh_token() {
    let app = spawn_app().await;
    app.seed_demo();
    let email = staff_user(&app, "leader@example.org", "leader", &[]);
    let token = api_token(&app, &email, PASSWORD).await;

    let res = bare_client()
        .post(app.url("/api/v1/auth/password"))
        .json(&json!({ "current_password": PASSWORD, "new_password": NEW_PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401, "no token");

    let res = api_change_password(&app, &token, "wrong wrong wrong", "short").await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "validation_failed");
    assert!(
        body["error"]["fields"]["current_password"].is_string(),
        "{body}"
    );
    assert!(
        body["error"]["fields"]["new_password"].is_string(),
        "{body}"
    );

    let res = bare_client()
        .post(app.url("/api/v1/auth/password"))
        .bearer_auth(&token)
        .json(&json!({ "current_password": PASSWORD, "new_password": NEW_PASSWORD, "extra": 1 }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400, "unknown fields are refused");

    let res = api_change_password(&app, &token, PASSWORD, NEW_PASSWORD).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    let fresh = body["access_token"].as_str().unwrap();
    let res = api_change_password(&app, &token, NEW_PASSWORD, PASSWORD).await;
    assert_eq!(
        res.status(),
        401,
        "the token that made the change is revoked"
    );
    let res = api_change_password(&app, fresh, "wrong wrong wrong", PASSWORD).await;
    assert_eq!(res.status(), 422, "the fresh one works");
    api_token(&app, &email, NEW_PASSWORD).await;
}

/// The reset link's path (the link points at the public base URL, not the test server).
fn path_of(app: &TestApp, link: &str) -> String {
    let base = app
        .settings
        .application
        .public_base_url
        .as_str()
        .trim_end_matches('/');
    link.strip_prefix(base)
        .unwrap_or_else(|| panic!("{link} is not under {base}"))
        .to_string()
}

/// The reset link in the one email sent to `to` since `before` emails.
fn reset_link(app: &TestApp, to: &str, before: usize) -> String {
    let emails = app.emails();
    let new: Vec<_> = emails[before..].iter().filter(|e| e.to == to).collect();
    assert_eq!(
        new.len(),
        1,
        "one email to {to}: {:?}",
        emails.iter().map(|e| &e.subject).collect::<Vec<_>>()
    );
    let base = app.settings.application.public_base_url.to_string();
    let prefix = format!("{}staff/password-reset/", base);
    let text = &new[0].text;
    let start = text
        .find(&prefix)
        .unwrap_or_else(|| panic!("no link in {text}"));
    let link: String = text[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    // tera escapes `/` in HTML as `&#x2F;` (browsers read it back as `/`).
    assert!(
        new[0].html.replace("&#x2F;", "/").contains(&link),
        "the HTML part has the link too"
    );
    link
}

async fn request_reset(app: &TestApp, client: &reqwest::Client, email: &str) -> reqwest::Response {
    post_form_on(
        app,
        client,
        "/staff/password-reset",
        "/staff/password-reset",
        &[("email", email)],
    )
    .await
}

/// Posts the new password to a reset link (or its path).
async fn set_password_via(
    app: &TestApp,
    client: &reqwest::Client,
    link: &str,
    new: &str,
    confirm: &str,
) -> reqwest::Response {
    let path = if link.starts_with('/') {
        link.to_string()
    } else {
        path_of(app, link)
    };
    let csrf = crate::staff_helpers::CSRF;
    client
        .post(app.url(&path))
        .header("cookie", format!("civicdesk_csrf={csrf}"))
        .form(&[
            ("new_password", new),
            ("confirm_password", confirm),
            ("csrf_token", csrf),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_forgotten_password_is_reset_through_a_single_use_emailed_link() {
    let app = spawn_app().await;
    app.seed_demo();
    let email = staff_user(&app, "agent@example.org", "agent", &["waste"]);
    let id = user_id(&app, &email);
    // Locked out after failed sign-ins, with a session still open somewhere.
    app.execute(&format!(
        "UPDATE users SET failed_sign_ins = 3, locked_until = now() + interval '10 minutes' WHERE id = {id}"
    ));
    let session = session_token(&app, &email);
    let browser = device();

    // Known, unknown and deactivated addresses get the same answer.
    let deactivated = staff_user(&app, "gone@example.org", "leader", &[]);
    app.execute("UPDATE users SET active = false WHERE email = 'gone@example.org'");
    let mut answers = Vec::new();
    for address in [
        email.as_str(),
        "nobody@example.org",
        deactivated.as_str(),
        "AGENT@example.org",
    ] {
        let res = request_reset(&app, &browser, address).await;
        answers.push((res.status().as_u16(), location(&res)));
    }
    assert!(
        answers
            .iter()
            .all(|a| *a == (303, "/staff/password-reset?sent=1".to_string())),
        "{answers:?}"
    );
    let page = browser
        .get(app.url("/staff/password-reset?sent=1"))
        .send()
        .await
        .unwrap();
    assert!(page
        .text()
        .await
        .unwrap()
        .contains("If a staff account uses that email address"));

    // Two links for the agent (the address is matched in any case), none for the others.
    assert_eq!(app.count("password_resets"), 2);
    let report = app.run_pending_jobs();
    assert_eq!(report.sent, 2, "{report:?}");
    let emails = app.emails();
    assert!(emails.iter().all(|e| e.to == email));
    assert!(
        emails[0]
            .subject
            .contains("Reset your Demo Borough Council staff password"),
        "{}",
        emails[0].subject
    );
    assert!(
        emails[0].text.contains("for 60 minutes"),
        "{}",
        emails[0].text
    );
    let first = {
        let text = &emails[0].text;
        let start = text.find("/staff/password-reset/").unwrap();
        let link: String = text[start..]
            .chars()
            .take_while(|c| !c.is_whitespace())
            .collect();
        link
    };
    let second = reset_link(&app, &email, 1);
    assert!(second.starts_with(app.settings.application.public_base_url.as_str()));
    let token = second.rsplit('/').next().unwrap().to_string();
    assert_eq!(token.len(), 43);
    // Only hashes are stored.
    let hashes: Vec<Vec<u8>> = password_resets::table
        .select(password_resets::token_hash)
        .load(&mut app.conn())
        .unwrap();
    assert!(hashes
        .iter()
        .all(|h| h.len() == 32 && h.as_slice() != token.as_bytes()));
    assert!(hashes.contains(&civicdesk::staff::passwords::token_hash(&token)));

    let path = path_of(&app, &second);
    let res = browser.get(app.url(&path)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("Choose a new password"));
    let res = set_password_via(
        &app,
        &browser,
        &second,
        NEW_PASSWORD,
        "something else entirely",
    )
    .await;
    assert_eq!(res.status(), 422, "mismatch: the link still works");
    let res = set_password_via(&app, &browser, &second, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(res.status(), 200);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("Your new password is set"));

    let (version, failures, locked): (i32, i32, Option<chrono::DateTime<Utc>>) = users::table
        .filter(users::id.eq(id))
        .select((
            users::token_version,
            users::failed_sign_ins,
            users::locked_until,
        ))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(
        (version, failures, locked),
        (1, 0, None),
        "sessions ended, lock-out cleared"
    );
    assert_eq!(
        page_with_session(&app, "/staff", &session).await.status(),
        303
    );
    assert_eq!(
        sign_in_on(&app, &device(), &email, PASSWORD).await.status(),
        401
    );
    assert_eq!(
        sign_in_on(&app, &device(), &email, NEW_PASSWORD)
            .await
            .status(),
        303
    );

    // Single use, and the other outstanding link is void too; both refused
    // exactly like a link that never existed.
    let unknown = format!("/staff/password-reset/{}", "x".repeat(43));
    let refusal = |html: String| html.contains("This link cannot be used");
    for link in [path.clone(), first.clone(), unknown.clone()] {
        let res = browser.get(app.url(&link)).send().await.unwrap();
        assert_eq!(res.status(), 410, "{link}");
        assert!(refusal(res.text().await.unwrap()));
        let res = set_password_via(
            &app,
            &browser,
            &link,
            "yet another passphrase",
            "yet another passphrase",
        )
        .await;
        assert_eq!(res.status(), 410, "{link}");
        assert!(refusal(res.text().await.unwrap()));
    }
    assert_eq!(
        sign_in_on(&app, &device(), &email, NEW_PASSWORD)
            .await
            .status(),
        303
    );
    let unused: i64 = password_resets::table
        .filter(password_resets::used_at.is_null())
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(unused, 0);
}

#[tokio::test]
async fn an_expired_reset_link_is_refused_like_an_unknown_one() {
    let app = spawn_app().await;
    app.seed_demo();
    let email = staff_user(&app, "agent@example.org", "agent", &["waste"]);
    let browser = device();
    assert_eq!(request_reset(&app, &browser, &email).await.status(), 303);
    app.run_pending_jobs();
    let link = reset_link(&app, &email, 0);
    let path = path_of(&app, &link);
    assert_eq!(
        browser.get(app.url(&path)).send().await.unwrap().status(),
        200
    );

    app.execute("UPDATE password_resets SET expires_at = now() - interval '1 second'");
    let expired = browser.get(app.url(&path)).send().await.unwrap();
    assert_eq!(expired.status(), 410);
    let unknown = browser
        .get(app.url(&format!("/staff/password-reset/{}", "y".repeat(43))))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 410);
    // The pages differ only where they name their own address.
    let token = path.rsplit('/').next().unwrap().to_string();
    let strip = |html: String| html.replace(&token, "").replace(&"y".repeat(43), "");
    let (a, b) = (expired.text().await.unwrap(), unknown.text().await.unwrap());
    assert_eq!(
        strip(a),
        strip(b),
        "the same page for expired and unknown links"
    );
    let res = set_password_via(&app, &browser, &link, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(res.status(), 410);
    assert_eq!(token_version(&app, &email), 0);
    assert_eq!(
        sign_in_on(&app, &device(), &email, PASSWORD).await.status(),
        303
    );
}

#[tokio::test]
async fn reset_requests_are_limited_per_address_and_per_account() {
    let app = spawn_app().await;
    app.seed_demo();
    let email = staff_user(&app, "agent@example.org", "agent", &["waste"]);
    let browser = device();
    let burst = civicdesk::abuse::PasswordResetLimiter::BURST;
    for _ in 0..burst {
        assert_eq!(request_reset(&app, &browser, &email).await.status(), 303);
    }
    let res = request_reset(&app, &browser, "someone.else@example.org").await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    assert!(res.text().await.unwrap().contains("a lot of requests"));
    // The account gets at most RESETS_PER_ACCOUNT_PER_HOUR emails an hour, whoever asks.
    assert_eq!(
        app.count("password_resets"),
        civicdesk::staff::passwords::RESETS_PER_ACCOUNT_PER_HOUR.min(burst.into())
    );
    // Not an email address: refused without spending the budget.
    let res = request_reset(&app, &browser, "not an address").await;
    assert_eq!(res.status(), 422);
}

async fn admin_device(app: &TestApp) -> reqwest::Client {
    staff_user(app, "admin@example.org", "admin", &[]);
    let admin = device();
    assert_eq!(
        sign_in_on(app, &admin, "admin@example.org", PASSWORD)
            .await
            .status(),
        303
    );
    admin
}

#[tokio::test]
async fn admins_create_accounts_with_a_password_or_an_emailed_link() {
    let app = spawn_app().await;
    app.seed_demo();
    let admin = admin_device(&app).await;
    let new = "/staff/admin/users/new";
    let page = admin
        .get(app.url(new))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(r#"value="roads""#) && page.contains("Roads &amp; Transport"));

    // Refusals, each on its field, nothing stored.
    let before = app.count("users");
    for (fields, message) in [
        (
            vec![
                ("name", "Ann"),
                ("email", "ann@example.org"),
                ("role", "agent"),
                ("password_mode", "link"),
            ],
            "Agents and supervisors need at least one department.",
        ),
        (
            vec![
                ("name", ""),
                ("email", "not-an-email"),
                ("role", "leader"),
                ("password_mode", "link"),
            ],
            "Enter an email address",
        ),
        (
            vec![
                ("name", "Ann"),
                ("email", "ann@example.org"),
                ("role", "leader"),
                ("password_mode", "password"),
                ("password", "short"),
            ],
            "at least 12 characters",
        ),
        (
            vec![
                ("name", "Ann"),
                ("email", "ADMIN@example.org"),
                ("role", "leader"),
                ("password_mode", "link"),
            ],
            "Another staff account already uses this email address.",
        ),
        (
            vec![
                ("name", "Ann"),
                ("email", "ann@example.org"),
                ("role", "agent"),
                ("departments", "atlantis"),
                ("password_mode", "link"),
            ],
            "no longer exists",
        ),
    ] {
        let res = post_form_on(&app, &admin, new, "/staff/admin/users", &fields).await;
        assert_eq!(res.status(), 422, "{fields:?}");
        let html = res.text().await.unwrap();
        assert!(html.contains(message), "{message}: {html}");
    }
    assert_eq!(app.count("users"), before);

    // With a password set now.
    let res = post_form_on(
        &app,
        &admin,
        new,
        "/staff/admin/users",
        &[
            ("name", "Pat Agent"),
            ("email", "pat@example.org"),
            ("role", "agent"),
            ("departments", "roads"),
            ("departments", "waste"),
            ("password_mode", "password"),
            ("password", "pat's first password"),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/staff/admin/users?done=created");
    assert_eq!(
        sign_in_on(&app, &device(), "pat@example.org", "pat's first password")
            .await
            .status(),
        303
    );
    let list = admin
        .get(app.url("/staff/admin/users?done=created"))
        .send()
        .await
        .unwrap();
    let html = list.text().await.unwrap();
    assert!(html.contains("The account has been created.") && html.contains("Pat Agent"));
    assert!(html.contains("Roads &amp; Transport, Waste"), "{html}");

    // With an emailed link: no usable password until they choose one.
    let res = post_form_on(
        &app,
        &admin,
        new,
        "/staff/admin/users",
        &[
            ("name", "Sam Supervisor"),
            ("email", "sam@example.org"),
            ("role", "supervisor"),
            ("departments", "parks"),
            ("password_mode", "link"),
            ("password", ""),
        ],
    )
    .await;
    assert_eq!(location(&res), "/staff/admin/users?done=invited");
    app.run_pending_jobs();
    let emails = app.emails();
    assert_eq!(emails.len(), 1);
    assert!(
        emails[0]
            .subject
            .contains("Your Demo Borough Council staff account"),
        "{}",
        emails[0].subject
    );
    assert!(emails[0]
        .text
        .contains("A staff account has been created for you"));
    let link = reset_link(&app, "sam@example.org", 0);
    let res = set_password_via(
        &app,
        &device(),
        &path_of(&app, &link),
        "sam chooses this one",
        "sam chooses this one",
    )
    .await;
    assert_eq!(res.status(), 200);
    let sam = device();
    assert_eq!(
        sign_in_on(&app, &sam, "sam@example.org", "sam chooses this one")
            .await
            .status(),
        303
    );

    // The navigation offers staff administration to administrators only.
    let html = sam
        .get(app.url("/staff/account"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(r#"href="/staff/account""#) && !html.contains(r#"href="/staff/admin/users""#)
    );
    let html = admin
        .get(app.url("/staff/account"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(r#"href="/staff/admin/users""#));
    // And nobody else may create accounts.
    let res = post_form_on(
        &app,
        &sam,
        "/staff/account",
        "/staff/admin/users",
        &[
            ("name", "Sneaky"),
            ("email", "sneaky@example.org"),
            ("role", "admin"),
            ("password_mode", "password"),
            ("password", "a long enough password"),
        ],
    )
    .await;
    assert_eq!(res.status(), 403);
    assert!(res.text().await.unwrap().contains("Only administrators"));
    assert_eq!(app.count("users"), before + 2);
}

#[tokio::test]
async fn deactivating_an_account_ends_its_sessions_at_once() {
    let app = spawn_app().await;
    app.seed_demo();
    let admin = admin_device(&app).await;
    let email = staff_user(&app, "agent@example.org", "agent", &["waste"]);
    let id = user_id(&app, &email);
    let agent = device();
    assert_eq!(
        sign_in_on(&app, &agent, &email, PASSWORD).await.status(),
        303
    );
    let bearer = api_token(&app, &email, PASSWORD).await;
    // An outstanding reset link dies with the account.
    assert_eq!(request_reset(&app, &device(), &email).await.status(), 303);

    let page = format!("/staff/admin/users/{id}");
    let res = post_form_on(&app, &admin, &page, &format!("{page}/deactivate"), &[]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), format!("{page}?done=deactivated"));
    let res = agent.get(app.url("/staff/account")).send().await.unwrap();
    assert_eq!(res.status(), 303, "the page session ended");
    let res = api_change_password(&app, &bearer, PASSWORD, NEW_PASSWORD).await;
    assert_eq!(res.status(), 401, "the API token ended");
    assert_eq!(
        sign_in_on(&app, &agent, &email, PASSWORD).await.status(),
        401
    );
    let outstanding: i64 = password_resets::table
        .filter(password_resets::used_at.is_null())
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(outstanding, 0);
    let html = admin
        .get(app.url(&page))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Deactivated") && html.contains("Reactivate account"));

    let res = post_form_on(&app, &admin, &page, &format!("{page}/activate"), &[]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        sign_in_on(&app, &agent, &email, PASSWORD).await.status(),
        303
    );
    assert_eq!(
        agent
            .get(app.url("/staff/account"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    // The old API token stays revoked.
    let res = api_change_password(&app, &bearer, PASSWORD, NEW_PASSWORD).await;
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn admins_change_roles_and_departments_within_the_rules() {
    let app = spawn_app().await;
    app.seed_demo();
    let admin = admin_device(&app).await;
    let admin_id = user_id(&app, "admin@example.org");
    let email = staff_user(&app, "agent@example.org", "agent", &["waste"]);
    let id = user_id(&app, &email);
    let page = format!("/staff/admin/users/{id}");
    let role = format!("{page}/role");
    let session = session_token(&app, &email);

    // Departments alone: sessions go on, with the new departments.
    let res = post_form_on(
        &app,
        &admin,
        &page,
        &role,
        &[
            ("role", "agent"),
            ("departments", "roads"),
            ("departments", "parks"),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    let html = page_with_session(&app, "/staff/account", &session)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Parks &amp; Open Spaces, Roads &amp; Transport") && !html.contains("Waste"),
        "{html}"
    );

    // An agent without a department is refused.
    let res = post_form_on(&app, &admin, &page, &role, &[("role", "agent")]).await;
    assert_eq!(res.status(), 422);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("Agents and supervisors need at least one department."));

    // A role change ends the sessions; the new role signs in.
    let res = post_form_on(&app, &admin, &page, &role, &[("role", "leader")]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        page_with_session(&app, "/staff/account", &session)
            .await
            .status(),
        303
    );
    let html = page_with_session(&app, "/staff/account", &session_token(&app, &email))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Leader") && html.contains("None"), "{html}");

    // An admin changes neither their own role nor their own state, and the
    // last administrator stays one.
    let own = format!("/staff/admin/users/{admin_id}");
    let res = post_form_on(&app, &admin, &own, &format!("{own}/deactivate"), &[]).await;
    assert_eq!(res.status(), 409);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("You cannot change your own role"));
    let res = post_form_on(
        &app,
        &admin,
        &own,
        &format!("{own}/role"),
        &[("role", "leader")],
    )
    .await;
    assert_eq!(res.status(), 409);
    let html = admin
        .get(app.url(&own))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("You cannot change your own role. Ask another administrator.")
            && !html.contains("/deactivate")
    );
    // Its own departments may change (the disabled role field is not sent).
    let res = post_form_on(
        &app,
        &admin,
        &own,
        &format!("{own}/role"),
        &[("departments", "roads")],
    )
    .await;
    assert_eq!(res.status(), 303);

    let unknown = "/staff/admin/users/999999";
    assert_eq!(
        admin.get(app.url(unknown)).send().await.unwrap().status(),
        404
    );
}

// The command line.

const BIN: &str = env!("CARGO_BIN_EXE_civicdesk");

fn civicdesk(url: &str, data: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let out = std::process::Command::new(BIN)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("CIVICDESK_ENV")
        .env("RUST_LOG", "warn")
        .env("DATABASE_URL", url)
        .args(["--data-dir", data.to_str().unwrap()])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn the_user_commands_list_deactivate_activate_and_change_roles_and_departments() {
    let url = cluster().new_database();
    let data = scratch_dir("civicdesk-user-");
    let run = |args: &[&str]| civicdesk(&url, &data, args);
    let (ok, help, _) = run(&["--help"]);
    assert!(
        ok && help.contains("user") && help.contains("create-user"),
        "{help}"
    );
    let (ok, help, _) = run(&["user", "--help"]);
    assert!(ok);
    for c in [
        "list",
        "deactivate",
        "activate",
        "set-role",
        "set-departments",
        "last active administrator",
    ] {
        assert!(help.contains(c), "user --help lacks {c}: {help}");
    }
    let (ok, help, _) = run(&["user", "set-departments", "--help"]);
    assert!(ok && help.contains("--department") && help.contains("--email"));
    assert!(run(&["seed-demo"]).0);
    let mut conn = PgConnection::establish(&url).unwrap();
    let create = |email: &str, role: &str, departments: &[&str]| {
        let args = civicdesk::cli::CreateUserArgs {
            email: email.into(),
            name: format!("Cli {role}"),
            role: role.into(),
            departments: departments.iter().map(|d| d.to_string()).collect(),
        };
        let mut conn = PgConnection::establish(&url).unwrap();
        civicdesk::commands::create_user(
            &mut conn,
            &args,
            &secrecy::SecretString::from(PASSWORD.to_string()),
        )
        .unwrap();
    };
    create("cli.agent@example.org", "agent", &["roads"]);

    let (ok, list, err) = run(&["user", "list"]);
    assert!(ok, "{err}");
    assert!(list.starts_with("EMAIL"), "{list}");
    let line = list
        .lines()
        .find(|l| l.starts_with("cli.agent@example.org"))
        .unwrap();
    assert!(
        line.contains("Cli agent")
            && line.contains("agent")
            && line.contains("yes")
            && line.contains("roads"),
        "{line}"
    );

    let version = |conn: &mut PgConnection| -> (i32, bool, String) {
        users::table
            .filter(users::email.eq("cli.agent@example.org"))
            .select((users::token_version, users::active, users::role))
            .first(conn)
            .unwrap()
    };
    let (ok, out, err) = run(&["user", "deactivate", "--email", "CLI.Agent@example.org"]);
    assert!(ok, "{err}");
    assert!(out.contains("Deactivated"), "{out}");
    assert_eq!(
        version(&mut conn),
        (1, false, "agent".into()),
        "sessions ended"
    );
    let (_, list, _) = run(&["user", "list"]);
    assert!(
        list.lines()
            .any(|l| l.starts_with("cli.agent@example.org") && l.contains(" no ")),
        "{list}"
    );
    assert!(run(&["user", "activate", "--email", "cli.agent@example.org"]).0);
    assert_eq!(version(&mut conn), (1, true, "agent".into()));

    let (ok, out, err) = run(&[
        "user",
        "set-departments",
        "--email",
        "cli.agent@example.org",
        "--department",
        "waste",
        "--department",
        "Parks & Open Spaces",
    ]);
    assert!(ok, "{err}");
    assert!(
        out.contains("parks, waste") || out.contains("waste, parks"),
        "{out}"
    );
    let (ok, out, err) = run(&[
        "user",
        "set-role",
        "--email",
        "cli.agent@example.org",
        "--role",
        "supervisor",
    ]);
    assert!(ok, "{err}");
    assert!(out.contains("now supervisor"), "{out}");
    assert_eq!(version(&mut conn), (2, true, "supervisor".into()));

    for (args, expect) in [
        (
            vec!["user", "deactivate", "--email", "nobody@example.org"],
            "no staff account",
        ),
        (
            vec![
                "user",
                "set-role",
                "--email",
                "cli.agent@example.org",
                "--role",
                "wizard",
            ],
            "not a role",
        ),
        (
            vec![
                "user",
                "set-departments",
                "--email",
                "cli.agent@example.org",
            ],
            "at least one --department",
        ),
        (
            vec![
                "user",
                "set-departments",
                "--email",
                "cli.agent@example.org",
                "--department",
                "atlantis",
            ],
            "no department",
        ),
        (
            vec![
                "user",
                "set-role",
                "--email",
                "admin@demo-council.invalid",
                "--role",
                "leader",
            ],
            "last active administrator",
        ),
        (
            vec![
                "user",
                "deactivate",
                "--email",
                "admin@demo-council.invalid",
            ],
            "last active administrator",
        ),
    ] {
        let (ok, _, err) = run(&args);
        assert!(!ok, "{args:?} was accepted");
        assert!(err.contains(expect), "{args:?}: {err}");
    }
    assert_eq!(
        version(&mut conn),
        (2, true, "supervisor".into()),
        "refusals changed nothing"
    );
    // With a second administrator, the first may step down.
    create("second.admin@example.org", "admin", &[]);
    let (ok, _, err) = run(&[
        "user",
        "set-role",
        "--email",
        "admin@demo-council.invalid",
        "--role",
        "leader",
    ]);
    assert!(ok, "{err}");
    let _ = std::fs::remove_dir_all(data);
}

#[tokio::test]
async fn the_reset_email_is_queued_in_the_recipients_language_and_never_logged_with_its_token() {
    let app = spawn_app().await;
    app.seed_demo();
    let email = staff_user(&app, "agent@example.org", "agent", &["waste"]);
    app.execute("UPDATE users SET locale = 'fa' WHERE email = 'agent@example.org'");
    assert_eq!(request_reset(&app, &device(), &email).await.status(), 303);
    let (subject, text, template): (String, String, String) = outbox::table
        .select((outbox::subject, outbox::body_text, outbox::template))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(template, "password_reset");
    assert!(subject.contains("بازنشانی گذرواژه"), "{subject}");
    assert!(text.contains("/staff/password-reset/"));
    // The pages speak Persian too.
    let res = bare_client()
        .get(app.url("/staff/password-reset"))
        .header("cookie", "civicdesk_lang=fa")
        .send()
        .await
        .unwrap();
    let html = res.text().await.unwrap();
    assert!(html.contains("dir=\"rtl\"") && html.contains("بازنشانی گذرواژه"));
}
