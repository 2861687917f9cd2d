//! The citizen's website through real HTTP: forms, CSRF, confirmation, tracking.

use reqwest::multipart::{Form, Part};

use crate::helpers::{spawn_app, TestApp};

/// Decodes the entities tera writes in attributes (`/` becomes `&#x2F;`).
fn unescape(html: &str) -> String {
    html.replace("&#x2F;", "/")
        .replace("&amp;", "&")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
}

fn csrf_of(html: &str) -> String {
    let start = html
        .find(r#"name="csrf_token" value=""#)
        .expect("a csrf field")
        + r#"name="csrf_token" value=""#.len();
    html[start..start + html[start..].find('"').unwrap()].to_string()
}

fn count(app: &TestApp, table: &str) -> i64 {
    app.count(table)
}

fn pothole_form(csrf: &str) -> Form {
    Form::new()
        .text("csrf_token", csrf.to_string())
        .text("kind", "service_request")
        .text("subject", "Pothole <script>alert(1)</script>")
        .text("description", "Deep hole by the bus stop")
        .text("extra.size", "large")
        .text("address", "12 High Street")
        .text("name", "Ada Lovelace")
        .text("email", "ada@example.org")
        .text("locale", "en")
        .text("privacy_consent", "yes")
        .text("website", "")
}

async fn open_form(app: &TestApp, slug: &str) -> String {
    let res = app.get(&format!("/report/{slug}")).await;
    assert_eq!(res.status(), 200);
    csrf_of(&res.text().await.unwrap())
}

#[tokio::test]
async fn the_choose_page_groups_filters_and_links_every_service() {
    let app = spawn_app().await;
    app.seed_demo();
    let html = unescape(&app.get("/report").await.text().await.unwrap());
    assert!(html.contains(r#"href="/report/missed-bin""#));
    assert!(html.contains("Bins and recycling"));
    let html = app.get("/report?q=bin").await.text().await.unwrap();
    assert!(html.contains("Missed bin collection") && !html.contains("Pothole or damaged road"));
    let html = unescape(
        &app.get("/report?kind=compliment")
            .await
            .text()
            .await
            .unwrap(),
    );
    assert!(html.contains("Suggestion or compliment") && !html.contains("Missed bin collection"));
    assert!(html.contains(r#"href="/report/feedback?kind=compliment""#));
}

#[tokio::test]
async fn a_citizen_submits_a_request_and_follows_it() {
    let app = spawn_app().await;
    app.seed_demo();
    let csrf = open_form(&app, "pothole").await;
    let png = include_bytes!("../../src/uploads/testdata/tiny.png").to_vec();
    let form = pothole_form(&csrf).part("attachments", Part::bytes(png).file_name("hole.png"));
    let res = app
        .client
        .post(app.url("/report/pothole"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        303,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let location = res.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with("/requests/CD-") && location.contains("/received?token="));

    let html = unescape(&app.get(&location).await.text().await.unwrap());
    assert!(html.contains("Request received"));
    let reference = location.split('/').nth(2).unwrap().to_string();
    assert!(html.contains(&reference));
    let link_start = html
        .find("http://127.0.0.1:8080/requests/")
        .expect("the tracking link uses the public base URL");
    let token = html[link_start..]
        .split("token=")
        .nth(1)
        .unwrap()
        .split(['"', '<'])
        .next()
        .unwrap()
        .to_string();

    // The tracking page, by the secret link: status in words, escaped input, attachment.
    let page = app
        .get(&format!("/requests/{reference}?token={token}"))
        .await;
    assert_eq!(page.status(), 200);
    let raw = page.text().await.unwrap();
    assert!(raw.contains("Pothole &lt;script&gt;") && !raw.contains("<script>alert(1)"));
    let html = unescape(&raw);
    assert!(html.contains("Received"));
    assert!(html.contains("hole.png"));
    let href_start = html
        .find(&format!("/requests/{reference}/attachments/"))
        .unwrap();
    let href = html[href_start..].split('"').next().unwrap().to_string();
    let file = app.get(&href).await;
    assert_eq!(file.status(), 200);
    assert_eq!(file.headers()["content-type"], "image/png");
    assert!(file.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));

    // The confirmation email.
    app.run_pending_jobs();
    let emails = app.emails();
    assert_eq!(emails.len(), 1);
    assert!(emails[0].text.contains(&reference));

    // Add information, then withdraw.
    let csrf = csrf_of(&html);
    let res = app
        .client
        .post(app.url(&format!("/requests/{reference}/comments")))
        .multipart(
            Form::new()
                .text("csrf_token", csrf.clone())
                .text("token", token.clone())
                .text("body", "It is getting bigger"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let html = unescape(
        &app.get(res.headers()["location"].to_str().unwrap())
            .await
            .text()
            .await
            .unwrap(),
    );
    assert!(html.contains("It is getting bigger") && html.contains("We have added your message"));

    let res = app
        .client
        .post(app.url(&format!("/requests/{reference}/withdraw")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("token", token.as_str()),
            ("confirm", "yes"),
            ("reason", "Fixed by someone"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let html = app
        .get(res.headers()["location"].to_str().unwrap())
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Closed") && !html.contains("Withdraw request"));
}

#[tokio::test]
async fn a_form_with_errors_comes_back_with_messages_and_what_was_typed() {
    let app = spawn_app().await;
    app.seed_demo();
    let csrf = open_form(&app, "missed-bin").await;
    let form = Form::new()
        .text("csrf_token", csrf)
        .text("subject", "Bin <b>not</b> emptied")
        .text("description", "")
        .text("name", "Ada")
        .text("email", "not-an-email")
        .text("extra.bin_type", "nonsense")
        .part(
            "attachments",
            Part::bytes(b"MZ\x90\x00 not a photo".to_vec()).file_name("photo.jpg"),
        );
    let res = app
        .client
        .post(app.url("/report/missed-bin"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("There is a problem"));
    for anchor in [
        "#field-description",
        "#field-email",
        "#field-extra-bin_type",
        "#field-extra-collection_date",
        "#field-privacy_consent",
    ] {
        assert!(html.contains(anchor), "summary lacks a link to {anchor}");
    }
    assert!(
        html.contains(r#"value="Bin &lt;b&gt;not&lt;&#x2F;b&gt; emptied""#),
        "typed text kept, escaped"
    );
    assert!(!html.contains("<b>not</b>"));
    assert!(html.contains(r#"value="not-an-email""#));
    assert!(html.contains("we did not keep the files"));
    assert_eq!(count(&app, "tickets"), 0);
    assert_eq!(count(&app, "outbox"), 0);
}

#[tokio::test]
async fn forms_without_the_csrf_token_or_with_the_honeypot_are_refused() {
    let app = spawn_app().await;
    app.seed_demo();
    let csrf = open_form(&app, "pothole").await;
    let res = app
        .client
        .post(app.url("/report/pothole"))
        .multipart(pothole_form("wrong-token-wrong-token-wrong-token"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let bot = pothole_form(&csrf).text("website", "http://spam.example");
    let res = app
        .client
        .post(app.url("/report/pothole"))
        .multipart(bot)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(count(&app, "tickets"), 0);
}

#[tokio::test]
async fn lookup_by_reference_and_email_reveals_nothing_about_other_requests() {
    let app = spawn_app().await;
    app.seed_demo();
    let csrf = open_form(&app, "pothole").await;
    let res = app
        .client
        .post(app.url("/report/pothole"))
        .multipart(pothole_form(&csrf))
        .send()
        .await
        .unwrap();
    let reference = res.headers()["location"]
        .to_str()
        .unwrap()
        .split('/')
        .nth(2)
        .unwrap()
        .to_string();

    // Without the token or a grant, the request page is a plain 404.
    let stranger = reqwest::Client::new();
    assert_eq!(
        stranger
            .get(app.url(&format!("/requests/{reference}")))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    let html = app.get("/track").await.text().await.unwrap();
    let csrf = csrf_of(&html);
    for (r, e) in [
        (reference.as_str(), "someone@else.org"),
        ("CD-2099-999999", "ada@example.org"),
    ] {
        let res = app
            .client
            .post(app.url("/track"))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("reference", r),
                ("email", e),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 404);
        assert!(res
            .text()
            .await
            .unwrap()
            .contains("We could not find that request"));
    }
    let typed = reference.to_lowercase().replace('-', " ");
    let res = app
        .client
        .post(app.url("/track"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("reference", typed.as_str()),
            ("email", "ADA@example.org"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let page = app.get(res.headers()["location"].to_str().unwrap()).await;
    assert_eq!(page.status(), 200, "the grant cookie opens the request");
    assert!(page
        .text()
        .await
        .unwrap()
        .contains("Deep hole by the bus stop"));
}
