//! API keys: `civicdesk api-key create|list|revoke` and the administrators'
//! page, and what a key can then do.

use clap::Parser;
use diesel::prelude::*;

use super::*;
use crate::staff_auth::{csrf_of, sign_in};
use crate::staff_helpers::{device, sign_in_on};
use civicdesk::cli::{ApiKeyCommand, ApiKeyCreateArgs, ApiKeyRevokeArgs, Cli, Command};

fn cli(app: &TestApp, command: ApiKeyCommand) -> anyhow::Result<String> {
    civicdesk::commands::api_key(&mut app.conn(), &command, Utc::now())
}

#[tokio::test]
async fn the_cli_creates_a_key_shown_once_lists_and_revokes_it() {
    // The command line as a person types it.
    let parsed =
        Cli::try_parse_from(["civicdesk", "api-key", "create", "--label", "FixMyStreet"]).unwrap();
    assert!(matches!(
        parsed.command,
        Some(Command::ApiKey(ApiKeyCommand::Create(ref a))) if a.label == "FixMyStreet"
    ));
    let parsed = Cli::try_parse_from(["civicdesk", "api-key", "revoke", "7"]).unwrap();
    assert!(matches!(
        parsed.command,
        Some(Command::ApiKey(ApiKeyCommand::Revoke(ApiKeyRevokeArgs {
            id: 7
        })))
    ));
    assert!(Cli::try_parse_from(["civicdesk", "api-key", "list"]).is_ok());
    assert!(
        Cli::try_parse_from(["civicdesk", "api-key", "create"]).is_err(),
        "--label is needed"
    );

    let app = desk().await;
    let out = cli(
        &app,
        ApiKeyCommand::Create(ApiKeyCreateArgs {
            label: "FixMyStreet".into(),
        }),
    )
    .unwrap();
    let key = out
        .lines()
        .find(|l| l.starts_with("cd311_"))
        .unwrap_or_else(|| panic!("no key in {out}"))
        .to_string();
    assert!(out.contains("not shown again"), "{out}");
    let stored: Vec<Vec<u8>> = civicdesk::schema::api_keys::table
        .select(civicdesk::schema::api_keys::key_hash)
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], key.as_bytes(), "only a hash is kept");
    assert_eq!(stored[0], civicdesk::open311::api_keys::hash(&key).to_vec());

    submit(&app, &pothole(&key)).await;
    let list = cli(&app, ApiKeyCommand::List).unwrap();
    assert!(list.contains("FixMyStreet"), "{list}");
    assert!(list.contains(&key[..10]), "the key's start: {list}");
    assert!(!list.contains(&key), "never the key itself: {list}");
    assert!(!list.contains("never"), "it has been used: {list}");
    assert!(list.contains("active"), "{list}");

    let out = cli(&app, ApiKeyCommand::Revoke(ApiKeyRevokeArgs { id: 1 })).unwrap();
    assert!(out.contains("Revoked API key 1"), "{out}");
    assert_error(
        &post(&app, "json", &pothole(&key)).await,
        403,
        "Invalid api_key",
    );
    let out = cli(&app, ApiKeyCommand::Revoke(ApiKeyRevokeArgs { id: 1 })).unwrap();
    assert!(out.contains("already revoked"), "{out}");
    let e = cli(&app, ApiKeyCommand::Revoke(ApiKeyRevokeArgs { id: 99 })).unwrap_err();
    assert!(e.to_string().contains("no API key 99"), "{e}");
    let e = cli(
        &app,
        ApiKeyCommand::Create(ApiKeyCreateArgs { label: " ".into() }),
    )
    .unwrap_err();
    assert!(e.to_string().contains("label"), "{e}");
    assert!(cli(&app, ApiKeyCommand::List).unwrap().contains("UTC"));
}

/// The key shown on the page after making one.
fn shown_key(html: &str) -> String {
    let start = html
        .find("<code dir=\"ltr\" class=\"secret\">")
        .expect("the new key is shown")
        + "<code dir=\"ltr\" class=\"secret\">".len();
    html[start..start + html[start..].find('<').unwrap()].to_string()
}

#[tokio::test]
async fn administrators_make_relabel_and_revoke_keys_on_their_page() {
    let app = desk().await;
    staff_user(&app, "admin@example.org", "admin", &[]);
    assert_eq!(
        sign_in(&app, "admin@example.org", PASSWORD).await.status(),
        303
    );
    let page = app.get("/staff/admin/api-keys").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("There are no API keys yet."));
    assert!(
        html.contains("open311&#x2F;v2") || html.contains("/open311/v2"),
        "says where apps send requests"
    );
    assert!(html.contains("href=\"/staff/admin/api-keys\" aria-current=\"page\""));
    let csrf = csrf_of(&html);

    // Without the CSRF token nothing is made.
    let res = app
        .client
        .post(app.url("/staff/admin/api-keys"))
        .form(&[("label", "Sneaky")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(app.count("api_keys"), 0);
    // A label is needed.
    let res = app
        .client
        .post(app.url("/staff/admin/api-keys"))
        .form(&[("label", "  "), ("csrf_token", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("Enter a label."));
    assert_eq!(app.count("api_keys"), 0);

    let res = app
        .client
        .post(app.url("/staff/admin/api-keys"))
        .form(&[("label", "FixMyStreet <b>app</b>"), ("csrf_token", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let html = res.text().await.unwrap();
    let key = shown_key(&html);
    assert!(key.starts_with("cd311_"), "{key}");
    assert!(
        html.contains("FixMyStreet &lt;b&gt;app&lt;&#x2F;b&gt;")
            || html.contains("FixMyStreet &lt;b&gt;app&lt;/b&gt;")
    );
    assert!(!html.contains("<b>app</b>"), "escaped");
    submit(&app, &pothole(&key)).await;

    // Later the key is not shown again; its start, label and use are.
    let html = app.get("/staff/admin/api-keys").await.text().await.unwrap();
    assert!(!html.contains(&key));
    assert!(html.contains(&key[..10]));
    assert!(!html.contains("Never"), "it has been used");
    let id: i64 = civicdesk::schema::api_keys::table
        .select(civicdesk::schema::api_keys::id)
        .first(&mut app.conn())
        .unwrap();

    let res = app
        .client
        .post(app.url(&format!("/staff/admin/api-keys/{id}/label")))
        .form(&[("label", "FixMyStreet"), ("csrf_token", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()["location"],
        "/staff/admin/api-keys?done=saved"
    );
    let html = app
        .get("/staff/admin/api-keys?done=saved")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("The label was saved."));
    assert!(html.contains("value=\"FixMyStreet\""));
    let res = app
        .client
        .post(app.url(&format!("/staff/admin/api-keys/{id}/label")))
        .form(&[("label", ""), ("csrf_token", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let res = app
        .client
        .post(app.url("/staff/admin/api-keys/999/label"))
        .form(&[("label", "x"), ("csrf_token", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);

    // Revoked: refused at once; revoking again changes nothing.
    let res = app
        .client
        .post(app.url(&format!("/staff/admin/api-keys/{id}/revoke")))
        .form(&[("csrf_token", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()["location"],
        "/staff/admin/api-keys?done=revoked"
    );
    assert_error(
        &post(&app, "xml", &pothole(&key)).await,
        403,
        "Invalid api_key",
    );
    let res = app
        .client
        .post(app.url(&format!("/staff/admin/api-keys/{id}/revoke")))
        .form(&[("csrf_token", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.headers()["location"],
        "/staff/admin/api-keys?done=already-revoked"
    );
    let html = app.get("/staff/admin/api-keys").await.text().await.unwrap();
    assert!(html.contains("Revoked "));
    assert!(
        !html.contains(&format!("/staff/admin/api-keys/{id}/revoke")),
        "no second revoke button"
    );
}

#[tokio::test]
async fn only_administrators_see_the_keys_page() {
    let app = desk().await;
    staff_user(&app, "agent@example.org", "agent", &["roads"]);
    staff_user(&app, "admin@example.org", "admin", &[]);
    let agent = device();
    assert_eq!(
        sign_in_on(&app, &agent, "agent@example.org", PASSWORD)
            .await
            .status(),
        303
    );
    let res = agent
        .get(app.url("/staff/admin/api-keys"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let home = agent
        .get(app.url("/staff/account"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !home.contains("/staff/admin/api-keys"),
        "no link for an agent"
    );
    let csrf = csrf_of(&home);
    let res = agent
        .post(app.url("/staff/admin/api-keys"))
        .form(&[("label", "Mine"), ("csrf_token", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(app.count("api_keys"), 0);

    let admin = device();
    assert_eq!(
        sign_in_on(&app, &admin, "admin@example.org", PASSWORD)
            .await
            .status(),
        303
    );
    let home = admin
        .get(app.url("/staff/account"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        home.contains("href=\"/staff/admin/api-keys\""),
        "the admin's navigation links it"
    );

    // Signed out: to the sign-in page.
    let res = device()
        .get(app.url("/staff/admin/api-keys"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert!(res.headers()["location"]
        .to_str()
        .unwrap()
        .starts_with("/staff/sign-in"));
}
