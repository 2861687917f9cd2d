//! A form or API call sent twice (a double click, a retry after a lost
//! answer) makes one request, also when both arrive at the same moment.

use reqwest::multipart::Form;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{spawn_app_with, TestApp};
use crate::staff_helpers::session_token;

async fn app() -> TestApp {
    let app =
        spawn_app_with(|o| o.set.push(("abuse.submission_burst".into(), "1000".into()))).await;
    app.seed_demo();
    app
}

fn request() -> Value {
    json!({
        "category": "missed-bin", "kind": "service_request",
        "subject": "Bin not emptied", "description": "Left full.",
        "name": "Ada Lovelace", "email": "ada@example.org", "privacy_consent": true,
        "extra_fields": { "bin_type": "recycling", "collection_date": "2026-11-17" }
    })
}

async fn post(app: &TestApp, key: Option<&str>) -> (StatusCode, Value) {
    let mut r = app
        .client
        .post(app.url("/api/v1/requests"))
        .json(&request());
    if let Some(k) = key {
        r = r.header("Idempotency-Key", k);
    }
    let res = r.send().await.unwrap();
    (res.status(), res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_api_makes_one_request_per_idempotency_key() {
    let app = app().await;
    let key = "3f1e9c1a-7b2d-4c5e-9f00-1a2b3c4d5e6f";
    let (status, first) = post(&app, Some(key)).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let reference = first["reference"].as_str().unwrap().to_string();
    let (status, again) = post(&app, Some(key)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{again}");
    assert_eq!(again["error"]["code"], "already_submitted");
    assert!(again["error"]["message"]
        .as_str()
        .unwrap()
        .contains(&reference));
    assert_eq!(app.count("tickets"), 1);
    assert_eq!(app.count("outbox"), 1, "one confirmation");
    // Another key, or none, is another request; a key that is not a UUID is refused.
    assert_eq!(post(&app, None).await.0, StatusCode::CREATED);
    assert_eq!(
        post(&app, Some("8a7e0c7e-0000-4000-8000-000000000001"))
            .await
            .0,
        StatusCode::CREATED
    );
    let (status, bad) = post(&app, Some("not-a-uuid")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
    assert_eq!(bad["error"]["code"], "bad_idempotency_key");
    assert_eq!(app.count("tickets"), 3);
}

#[tokio::test]
async fn the_same_key_sent_twice_at_once_makes_one_request() {
    let app = app().await;
    for round in 0..5 {
        let key = format!("00000000-0000-4000-8000-00000000000{round}");
        let (a, b) = tokio::join!(post(&app, Some(&key)), post(&app, Some(&key)));
        let mut statuses = [a.0, b.0];
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::CREATED, StatusCode::CONFLICT],
            "{a:?} {b:?}"
        );
    }
    assert_eq!(app.count("tickets"), 5);
    assert_eq!(app.count("idempotency_keys"), 5);
}

fn csrf_of(html: &str) -> String {
    crate::staff_helpers::csrf_of(html)
}

fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no {name}")) + marker.len();
    html[start..start + html[start..].find('"').unwrap()].to_string()
}

#[tokio::test]
async fn the_citizen_form_sent_twice_shows_the_first_request() {
    let app = app().await;
    let page = app.get("/report/missed-bin").await.text().await.unwrap();
    let (csrf, key) = (csrf_of(&page), hidden(&page, "idempotency_key"));
    assert!(uuid::Uuid::parse_str(&key).is_ok(), "{key}");
    let form = || {
        Form::new()
            .text("csrf_token", csrf.clone())
            .text("idempotency_key", key.clone())
            .text("kind", "service_request")
            .text("subject", "Bin not emptied")
            .text("description", "Left full")
            .text("extra.bin_type", "recycling")
            .text("extra.collection_date", "2026-11-17")
            .text("name", "Ada Lovelace")
            .text("email", "ada@example.org")
            .text("locale", "en")
            .text("privacy_consent", "yes")
            .text("website", "")
    };
    let first = app
        .client
        .post(app.url("/report/missed-bin"))
        .multipart(form())
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    let location = first.headers()["location"].to_str().unwrap().to_string();
    let reference = location.split('/').nth(2).unwrap().to_string();
    let again = app
        .client
        .post(app.url("/report/missed-bin"))
        .multipart(form())
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::OK);
    let html = again.text().await.unwrap();
    assert!(html.contains(&reference), "the first request's reference");
    assert!(
        !html.contains("token="),
        "the private link is not shown again"
    );
    assert_eq!(app.count("tickets"), 1);
}

#[tokio::test]
async fn staff_intake_sent_twice_makes_one_request() {
    let app = app().await;
    let token = session_token(&app, "agent@demo-council.invalid");
    let body = json!({
        "channel": "phone", "category": "missed-bin", "kind": "service_request",
        "subject": "Bin not emptied", "description": "Phoned in.",
        "name": "Bo Brown", "phone": "01632 960 002", "privacy_consent": true,
        "extra_fields": { "bin_type": "recycling", "collection_date": "2026-11-17" }
    });
    let send = || {
        app.client
            .post(app.url("/api/v1/tickets"))
            .bearer_auth(&token)
            .header("Idempotency-Key", "11111111-2222-4333-8444-555555555555")
            .json(&body)
            .send()
    };
    let first = send().await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let again = send().await.unwrap();
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert_eq!(app.count("tickets"), 1);
}
