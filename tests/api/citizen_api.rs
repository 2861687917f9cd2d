//! The citizens' JSON API under `/api/v1`, through real HTTP against the
//! spawned app and the seeded demo catalogue: submitting, following,
//! commenting, every way a submission can be refused (and that a refused one
//! stores nothing), hostile input, tokens, transactions, concurrency, mail
//! outages, the rate limit and the OpenAPI document.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Datelike, Utc};
use civicdesk::configuration::Overrides;
use civicdesk::jobs::DeliveryReport;
use civicdesk::schema::{contacts, outbox, tickets};
use diesel::prelude::*;
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_app_with, TestApp};

/// Every table a submission writes to.
const STORED: [&str; 4] = ["tickets", "contacts", "ticket_events", "outbox"];

/// A valid request to the seeded "missed-bin" service (two kinds, no location
/// needed, two required extra fields).
fn missed_bin() -> Value {
    json!({
        "category": "missed-bin",
        "kind": "service_request",
        "subject": "Recycling bin not emptied",
        "description": "The recycling bin was left full on Tuesday.\nIt was out by 7am.",
        "name": "Ada Lovelace",
        "email": "ada@example.org",
        "phone": "01632 960 001",
        "address": "1 High Street",
        "locale": "en",
        "privacy_consent": true,
        "extra_fields": { "bin_type": "recycling", "collection_date": "2026-11-17" }
    })
}

/// A valid request to the seeded "pothole" service (location required, a
/// list and a number extra field), located by coordinates only.
fn pothole() -> Value {
    json!({
        "category": "pothole",
        "kind": "service_request",
        "subject": "Pothole by the bus stop",
        "description": "A deep pothole in the left lane.",
        "name": "Charles Babbage",
        "email": "charles@example.org",
        "latitude": 51.5074,
        "longitude": -0.1278,
        "privacy_consent": true,
        "extra_fields": { "size": "medium", "depth_cm": 7 }
    })
}

/// `base` with `changes` applied: a `null` in `changes` removes the key.
fn with(mut base: Value, changes: Value) -> Value {
    let object = base.as_object_mut().expect("an object");
    for (key, value) in changes.as_object().expect("an object of changes") {
        if value.is_null() {
            object.remove(key);
        } else {
            object.insert(key.clone(), value.clone());
        }
    }
    base
}

/// `missed_bin()` with `changes`.
fn bin(changes: Value) -> Value {
    with(missed_bin(), changes)
}

/// `missed_bin()` with these extra-field answers.
fn bin_extra(extra: Value) -> Value {
    bin(json!({ "extra_fields": extra }))
}

/// `pothole()` with `changes`.
fn hole(changes: Value) -> Value {
    with(pothole(), changes)
}

/// Reverses tera's HTML escaping, to find a link in an HTML part.
fn unescape_html(html: &str) -> String {
    html.replace("&#x2F;", "/")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The status and the JSON body of a response.
async fn status_and_json(response: Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.expect("a body");
    let body = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{status}: the body is not JSON ({e}): {text}"));
    (status, body)
}

/// The field names in an error's `fields`.
fn error_fields(body: &Value) -> Vec<String> {
    body["error"]["fields"]
        .as_object()
        .map(|f| f.keys().cloned().collect())
        .unwrap_or_default()
}

impl TestApp {
    pub async fn post_request(&self, body: &Value) -> Response {
        self.client
            .post(self.url("/api/v1/requests"))
            .json(body)
            .send()
            .await
            .expect("POST /api/v1/requests")
    }

    /// Posts raw bytes with a content type (`None`: no Content-Type header).
    async fn post_raw(&self, content_type: Option<&str>, body: Vec<u8>) -> Response {
        let mut request = self.client.post(self.url("/api/v1/requests")).body(body);
        if let Some(ct) = content_type {
            request = request.header("Content-Type", ct);
        }
        request.send().await.expect("POST /api/v1/requests")
    }

    /// Submits a request that must be accepted; returns the 201 body.
    pub async fn submit(&self, body: &Value) -> Value {
        let (status, created) = status_and_json(self.post_request(body).await).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        created
    }

    /// `GET /api/v1/requests/{reference}?token=...`
    async fn track(&self, reference: &str, token: &str) -> Response {
        self.client
            .get(self.url(&format!("/api/v1/requests/{reference}")))
            .query(&[("token", token)])
            .send()
            .await
            .expect("GET a request")
    }

    /// `GET /api/v1/requests/{reference}` with the token in `X-Tracking-Token`.
    async fn track_with_header(&self, reference: &str, token: &str) -> Response {
        self.client
            .get(self.url(&format!("/api/v1/requests/{reference}")))
            .header("X-Tracking-Token", token)
            .send()
            .await
            .expect("GET a request")
    }

    async fn comment(&self, reference: &str, token: &str, body: &str) -> Response {
        self.client
            .post(self.url(&format!("/api/v1/requests/{reference}/comments")))
            .header("X-Tracking-Token", token)
            .json(&json!({ "body": body }))
            .send()
            .await
            .expect("POST a comment")
    }

    /// Row counts of every table a submission writes to.
    fn stored(&self) -> BTreeMap<&'static str, i64> {
        STORED.iter().map(|t| (*t, self.count(t))).collect()
    }

    /// Runs the outbox job until nothing is due (at most `rounds` times).
    fn drain_outbox(&self, rounds: usize) -> DeliveryReport {
        let mut total = DeliveryReport::default();
        for _ in 0..rounds {
            let report = self.run_pending_jobs();
            if report.total() == 0 {
                return total;
            }
            total.sent += report.sent;
            total.failed += report.failed;
        }
        panic!("the outbox was still busy after {rounds} rounds: {total:?}");
    }
}

/// An app that takes many submissions from one address (the tests come from 127.0.0.1).
async fn spawn_app_without_rate_limit() -> TestApp {
    spawn_app_with(|o: &mut Overrides| {
        o.set
            .push(("abuse.submissions_per_hour".into(), "1000000".into()));
        o.set
            .push(("abuse.submission_burst".into(), "10000".into()));
    })
    .await
}

/// `CD-YYYY-NNNNNN` for this year in the council's zone.
fn assert_reference_shape(reference: &str) {
    let year = Utc::now().with_timezone(&chrono_tz::Europe::London).year();
    let number = reference
        .strip_prefix(&format!("CD-{year}-"))
        .unwrap_or_else(|| panic!("{reference} does not start with CD-{year}-"));
    assert!(
        number.len() == 6 && number.chars().all(|c| c.is_ascii_digit()),
        "{reference}"
    );
}

// 1. The happy path -------------------------------------------------------

#[tokio::test]
async fn a_citizen_lists_services_submits_follows_comments_and_is_emailed_once() {
    let app = spawn_app().await;
    app.seed_demo();

    // The catalogue: every seeded service, with its extra questions.
    let (status, categories) = status_and_json(app.get("/api/v1/categories").await).await;
    assert_eq!(status, StatusCode::OK);
    let categories = categories.as_array().expect("a list").clone();
    let codes: HashSet<&str> = categories
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    let seeded: HashSet<&str> = civicdesk::seed::CATEGORIES.iter().map(|c| c.slug).collect();
    assert_eq!(codes, seeded);
    let bin = categories
        .iter()
        .find(|c| c["code"] == "missed-bin")
        .unwrap();
    assert_eq!(bin["requires_location"], false);
    assert_eq!(bin["kinds"], json!(["service_request", "complaint"]));
    assert!(!bin["name"].as_str().unwrap().is_empty());
    assert!(!bin["department"].as_str().unwrap().is_empty());
    let extra = bin["extra_fields"].as_array().unwrap();
    assert_eq!(extra[0]["code"], "bin_type");
    assert_eq!(extra[0]["datatype"], "singlevaluelist");
    assert_eq!(extra[0]["required"], true);
    assert!(extra[0]["values"]
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v["key"] == "recycling"));
    assert_eq!(extra[1]["code"], "collection_date");
    let pothole = categories.iter().find(|c| c["code"] == "pothole").unwrap();
    assert_eq!(pothole["requires_location"], true);

    // Submit.
    let response = app.post_request(&missed_bin()).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response
        .headers()
        .get("Location")
        .expect("a Location header")
        .to_str()
        .unwrap()
        .to_string();
    let (_, created) = status_and_json(response).await;
    let reference = created["reference"].as_str().unwrap().to_string();
    assert_reference_shape(&reference);
    assert_eq!(location, format!("/api/v1/requests/{reference}"));
    let token = created["tracking_token"].as_str().unwrap().to_string();
    assert!(token.len() >= 32, "{token}");
    let tracking_url = created["tracking_url"].as_str().unwrap().to_string();
    let base = app.settings.application.public_base_url.as_str();
    assert!(
        tracking_url.starts_with(base),
        "{tracking_url} is not under {base}"
    );
    assert!(tracking_url.contains(&token), "{tracking_url}");
    assert!(tracking_url.contains(&reference), "{tracking_url}");
    assert_eq!(created["status"], "received");
    assert_eq!(created["status_label"], "Received");
    assert_eq!(created["kind"], "service_request");
    assert_eq!(created["category_code"], "missed-bin");
    assert_eq!(created["category"], bin["name"]);
    assert_eq!(created["department"], bin["department"]);
    assert_eq!(created["subject"], "Recycling bin not emptied");
    assert_eq!(
        created["description"],
        "The recycling bin was left full on Tuesday.\nIt was out by 7am."
    );
    assert_eq!(created["address"], "1 High Street");
    assert_eq!(created["latitude"], Value::Null);
    assert_eq!(
        created["extra_fields"],
        json!({ "bin_type": "recycling", "collection_date": "2026-11-17" })
    );
    let timeline = created["timeline"].as_array().unwrap();
    assert_eq!(timeline.len(), 1, "{timeline:?}");
    assert_eq!(timeline[0]["kind"], "submitted");
    assert_eq!(timeline[0]["actor"], "citizen");
    assert_eq!(timeline[0]["data"]["channel"], "api");
    assert_eq!(created["attachments"], json!([]));

    // Follow it, by query and by header: the same request, without the secret.
    let expected = with(
        created.clone(),
        json!({ "tracking_token": null, "tracking_url": null }),
    );
    for response in [
        app.track(&reference, &token).await,
        app.track_with_header(&reference, &token).await,
    ] {
        let (status, followed) = status_and_json(response).await;
        assert_eq!(status, StatusCode::OK, "{followed}");
        assert_eq!(followed, expected);
    }
    // References are typed by people: a lower-case one finds it too.
    let (status, _) = status_and_json(app.track(&reference.to_lowercase(), &token).await).await;
    assert_eq!(status, StatusCode::OK);

    // A comment joins the timeline.
    let (status, commented) =
        status_and_json(app.comment(&reference, &token, "It was a blue bin.").await).await;
    assert_eq!(status, StatusCode::CREATED, "{commented}");
    let (_, followed) = status_and_json(app.track(&reference, &token).await).await;
    for view in [&commented, &followed] {
        let timeline = view["timeline"].as_array().unwrap();
        let kinds: Vec<&str> = timeline
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["submitted", "citizen_comment"], "{view}");
        assert_eq!(timeline[1]["body"], "It was a blue bin.");
        assert_eq!(timeline[1]["actor"], "citizen");
    }
    assert_eq!(app.count("tickets"), 1);
    assert_eq!(app.count("contacts"), 1);

    // Nothing was sent while the citizen waited; the outbox job sends it once.
    assert!(app.emails().is_empty());
    assert_eq!(
        app.run_pending_jobs(),
        DeliveryReport { sent: 1, failed: 0 }
    );
    assert_eq!(app.run_pending_jobs(), DeliveryReport::default());
    let emails = app.emails();
    assert_eq!(emails.len(), 1);
    let email = &emails[0];
    assert_eq!(email.envelope_to, vec!["ada@example.org".to_string()]);
    assert_eq!(email.to, "ada@example.org");
    assert!(email.subject.contains(&reference), "{}", email.subject);
    assert!(email.text.contains(&reference), "{}", email.text);
    assert!(email.text.contains(&tracking_url), "{}", email.text);
    assert!(email.text.contains("Ada Lovelace"), "{}", email.text);
    assert!(email.html.contains(&reference), "{}", email.html);
    assert!(
        unescape_html(&email.html).contains(&format!(r#"href="{tracking_url}""#)),
        "{}",
        email.html
    );
}

#[tokio::test]
async fn a_request_located_by_coordinates_and_a_phone_only_citizen_are_accepted() {
    let app = spawn_app().await;
    app.seed_demo();
    let body = hole(json!({ "email": null, "phone": "+44 (0)1632 960-001", "kind": "complaint" }));
    let created = app.submit(&body).await;
    assert_eq!(created["kind"], "complaint");
    assert_eq!(created["latitude"], 51.5074);
    assert_eq!(created["longitude"], -0.1278);
    assert_eq!(created["address"], Value::Null);
    assert_eq!(
        created["extra_fields"],
        json!({ "size": "medium", "depth_cm": 7.0 })
    );
    let phone: Option<String> = contacts::table
        .select(contacts::phone)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(phone.as_deref(), Some("+4401632960001"));
    // No email address: no email.
    assert_eq!(app.count("outbox"), 0);

    // A service that takes one kind needs none named; the limits are inclusive.
    let created = app
        .submit(&json!({
            "category": "bulky-waste",
            "subject": "s".repeat(200),
            "description": "d".repeat(10_000),
            "name": "n".repeat(200),
            "email": "BULKY@Example.org",
            "privacy_consent": true,
            "extra_fields": { "items": "A sofa and two chairs" }
        }))
        .await;
    assert_eq!(created["kind"], "service_request");
    assert_eq!(created["subject"].as_str().unwrap().chars().count(), 200);
}

/// The tracking link must keep the path of the public address (a portal served
/// under /civicdesk/ behind a proxy), or every emailed link is dead.
#[tokio::test]
async fn tracking_links_keep_the_public_base_urls_path() {
    let app = spawn_app_with(|o: &mut Overrides| {
        o.set.push((
            "application.public_base_url".into(),
            "https://council.example.org/civicdesk/".into(),
        ))
    })
    .await;
    app.seed_demo();
    let created = app.submit(&missed_bin()).await;
    let url = created["tracking_url"].as_str().unwrap();
    let reference = created["reference"].as_str().unwrap();
    let token = created["tracking_token"].as_str().unwrap();
    assert_eq!(
        url,
        format!("https://council.example.org/civicdesk/requests/{reference}?token={token}")
    );
    app.run_pending_jobs();
    assert!(app.emails()[0].text.contains(url));
}

// 2. Bad input ------------------------------------------------------------

/// Sends each body; each must be refused with 422 `validation_failed` naming
/// exactly its field, and store nothing.
async fn assert_each_refused(app: &TestApp, cases: &[(&str, &str, Value)]) {
    let before = app.stored();
    let mut failures = Vec::new();
    for (field, case, body) in cases {
        let (status, error) = status_and_json(app.post_request(body).await).await;
        if status != StatusCode::UNPROCESSABLE_ENTITY
            || error["error"]["code"] != "validation_failed"
            || error_fields(&error) != [field.to_string()]
            || !error["error"]["fields"][field].is_string()
        {
            failures.push(format!("{field}, {case}: {status} {error}"));
        }
        assert_eq!(app.stored(), before, "{field}, {case}: stored something");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn each_invalid_field_is_refused_with_422_naming_that_field_and_nothing_is_stored() {
    let app = spawn_app_without_rate_limit().await;
    app.seed_demo();
    let long = |n: usize| "é".repeat(n);
    let no_coordinates = json!({ "latitude": null, "longitude": null });
    #[rustfmt::skip]
    let cases = [
        ("subject", "missing", bin(json!({ "subject": null }))),
        ("subject", "empty", bin(json!({ "subject": "" }))),
        ("subject", "blank", bin(json!({ "subject": " \n\t " }))),
        ("subject", "201 characters", bin(json!({ "subject": long(201) }))),
        ("description", "missing", bin(json!({ "description": null }))),
        ("description", "10,001 characters", bin(json!({ "description": long(10_001) }))),
        ("name", "missing", bin(json!({ "name": null }))),
        ("name", "blank", bin(json!({ "name": "   " }))),
        ("name", "201 characters", bin(json!({ "name": long(201) }))),
        ("email", "no @", bin(json!({ "email": "ada.example.org" }))),
        ("email", "no dot in the domain", bin(json!({ "email": "ada@example" }))),
        ("email", "no local part", bin(json!({ "email": "@example.org" }))),
        ("email", "a space", bin(json!({ "email": "ada lovelace@example.org" }))),
        ("email", "two dots", bin(json!({ "email": "ada@example..org" }))),
        ("email", "two @", bin(json!({ "email": "ada@@example.org" }))),
        ("email", "angle brackets", bin(json!({ "email": "<ada@example.org>" }))),
        ("email", "two addresses", bin(json!({ "email": "ada@example.org,bob@example.org" }))),
        ("email", "a header in it", bin(json!({ "email": "ada@example.org\nBcc: x@example.org" }))),
        ("phone", "too short", bin(json!({ "phone": "12345" }))),
        ("phone", "letters", bin(json!({ "phone": "0800 CALL NOW" }))),
        ("phone", "+ inside", bin(json!({ "phone": "01632+960001" }))),
        ("email", "neither email nor phone", bin(json!({ "email": null, "phone": null }))),
        ("email", "email and phone blank", bin(json!({ "email": "", "phone": " " }))),
        ("address", "501 characters", bin(json!({ "address": long(501) }))),
        ("latitude", "91", hole(json!({ "latitude": 91.0 }))),
        ("latitude", "-91", hole(json!({ "latitude": -91.0 }))),
        ("longitude", "181", hole(json!({ "longitude": 181.0 }))),
        ("longitude", "-181", hole(json!({ "longitude": -181.0 }))),
        ("longitude", "only a latitude", hole(json!({ "longitude": null }))),
        ("latitude", "only a longitude", hole(json!({ "latitude": null }))),
        ("address", "no location where required", hole(no_coordinates.clone())),
        ("address", "blank address where required", with(hole(no_coordinates), json!({ "address": "  " }))),
        ("category", "unknown", bin(json!({ "category": "moon-landing" }))),
        ("category", "empty", bin(json!({ "category": "" }))),
        ("kind", "not offered by the service", bin(json!({ "kind": "compliment" }))),
        ("kind", "unknown", bin(json!({ "kind": "wish" }))),
        ("kind", "missing where the service takes several", bin(json!({ "kind": null }))),
        ("privacy_consent", "missing", bin(json!({ "privacy_consent": null }))),
        ("privacy_consent", "false", bin(json!({ "privacy_consent": false }))),
        ("locale", "xx", bin(json!({ "locale": "xx" }))),
        ("extra.bin_type", "required, missing", bin_extra(json!({ "collection_date": "2026-11-17" }))),
        ("extra.bin_type", "required, blank", bin_extra(json!({ "bin_type": " ", "collection_date": "2026-11-17" }))),
        ("extra.bin_type", "required, null", bin_extra(json!({ "bin_type": null, "collection_date": "2026-11-17" }))),
        ("extra.bin_type", "two values for one", bin_extra(json!({ "bin_type": ["general", "food"], "collection_date": "2026-11-17" }))),
        ("extra.collection_date", "\"yesterday\"", bin_extra(json!({ "bin_type": "food", "collection_date": "yesterday" }))),
        ("extra.collection_date", "2026-02-30", bin_extra(json!({ "bin_type": "food", "collection_date": "2026-02-30" }))),
        ("extra.depth_cm", "\"deep\"", hole(json!({ "extra_fields": { "size": "small", "depth_cm": "deep" } }))),
        ("extra.depth_cm", "true", hole(json!({ "extra_fields": { "size": "small", "depth_cm": true } }))),
        ("extra.size", "not in the list", hole(json!({ "extra_fields": { "size": "huge" } }))),
    ];
    assert_each_refused(&app, &cases).await;

    // A service switched off is refused like an unknown one, and leaves the catalogue.
    app.execute("UPDATE categories SET active = false WHERE slug = 'missed-bin'");
    assert_each_refused(&app, &[("category", "inactive", missed_bin())]).await;
    let (_, categories) = status_and_json(app.get("/api/v1/categories").await).await;
    let codes: Vec<&str> = categories
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    assert!(!codes.contains(&"missed-bin"), "{codes:?}");
    assert!(codes.contains(&"pothole"), "{codes:?}");

    // Every problem at once: one error lists them all.
    let before = app.stored();
    let incomplete = json!({ "category": "pothole", "latitude": 91.0, "longitude": 0.0 });
    let (status, error) = status_and_json(app.post_request(&incomplete).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    #[rustfmt::skip]
    assert_eq!(
        error_fields(&error),
        ["description", "email", "extra.size", "kind", "latitude", "name", "privacy_consent", "subject"]
    );
    assert_eq!(app.stored(), before);
}

fn to_body(v: Value) -> Vec<u8> {
    serde_json::to_vec(&v).unwrap()
}

#[tokio::test]
async fn unreadable_bodies_get_4xx_json_errors_and_nothing_is_stored() {
    let app = spawn_app_without_rate_limit().await;
    app.seed_demo();
    let valid = to_body(missed_bin());
    let mut invalid_utf8 = br#"{"category":"missed-bin","subject":""#.to_vec();
    invalid_utf8.extend_from_slice(&[0xff, 0xfe, 0xc3, 0x28]);
    invalid_utf8.extend_from_slice(br#"","privacy_consent":true}"#);
    let (json, bad_request, unsupported) = (
        Some("application/json"),
        (StatusCode::BAD_REQUEST, "malformed_json"),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
    );
    #[rustfmt::skip]
    let cases = [
        ("truncated JSON", json, br#"{"category": "missed-bin", "#.to_vec(), bad_request),
        ("not JSON at all", json, b"category=missed-bin".to_vec(), bad_request),
        ("empty body", json, Vec::new(), bad_request),
        ("a list, not an object", json, b"[]".to_vec(), bad_request),
        ("subject: 5", json, to_body(bin(json!({ "subject": 5 }))), bad_request),
        ("privacy_consent: \"yes\"", json, to_body(bin(json!({ "privacy_consent": "yes" }))), bad_request),
        ("latitude as text", json, to_body(hole(json!({ "latitude": "51.5" }))), bad_request),
        ("unknown field", json, to_body(bin(json!({ "priority": "urgent" }))), bad_request),
        ("invalid UTF-8", json, invalid_utf8, bad_request),
        ("text/plain", Some("text/plain"), valid.clone(), unsupported),
        ("form-encoded", Some("application/x-www-form-urlencoded"), b"category=x".to_vec(), unsupported),
        ("no content type", None, valid.clone(), unsupported),
        ("over 64 KiB", json, to_body(bin(json!({ "description": "d".repeat(64 * 1024) }))),
            (StatusCode::PAYLOAD_TOO_LARGE, "too_large")),
    ];
    let before = app.stored();
    let mut failures = Vec::new();
    for (case, content_type, body, (expected_status, code)) in cases {
        let (status, error) = status_and_json(app.post_raw(content_type, body).await).await;
        if status != expected_status || error["error"]["code"] != code {
            failures.push(format!("{case}: {status} {error}"));
        }
        assert!(error["error"]["message"].is_string(), "{case}: {error}");
        assert_eq!(app.stored(), before, "{case} stored something");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // The same valid body as application/json is accepted: the refusals were for the reasons above.
    let response = app.post_raw(json, valid).await;
    assert_eq!(response.status(), StatusCode::CREATED);

    // Unknown API routes answer in JSON too.
    for response in [
        app.get("/api/v1/nope").await,
        app.client
            .post(app.url("/api/v1/nope"))
            .json(&json!({}))
            .send()
            .await
            .unwrap(),
        app.get("/api/v1/requests/CD-2026-000001/nope").await,
    ] {
        assert_eq!(
            response.headers()["content-type"].to_str().unwrap(),
            "application/json"
        );
        let (status, error) = status_and_json(response).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(error["error"]["code"], "not_found");
    }
}

// 3. Hostile input --------------------------------------------------------

const SCRIPT: &str = "<script>alert(1)</script>";
const IMG: &str = r#""><img src=x onerror=alert(1)>"#;
const SQL: &str = "'; DROP TABLE tickets; --";

#[tokio::test]
async fn html_and_script_are_stored_and_returned_verbatim_and_escaped_in_email() {
    let app = spawn_app().await;
    app.seed_demo();
    let body = json!({
        "category": "street-light",
        "subject": format!("{SCRIPT} {IMG}"),
        "description": format!("{IMG}\n{SCRIPT}"),
        "name": format!("{IMG} {SCRIPT}"),
        "email": "mallory@example.org",
        "address": IMG,
        "privacy_consent": true,
        "extra_fields": { "column_number": SCRIPT, "fault": "out" }
    });
    let created = app.submit(&body).await;
    let reference = created["reference"].as_str().unwrap().to_string();
    let token = created["tracking_token"].as_str().unwrap().to_string();
    let (_, followed) = status_and_json(app.track(&reference, &token).await).await;
    for view in [&created, &followed] {
        assert_eq!(view["subject"], body["subject"]);
        assert_eq!(view["description"], body["description"]);
        assert_eq!(view["address"], IMG);
        assert_eq!(view["extra_fields"]["column_number"], SCRIPT);
    }

    let (subject, description, address, extra, name): (
        String,
        String,
        Option<String>,
        Value,
        String,
    ) = tickets::table
        .inner_join(contacts::table)
        .filter(tickets::reference.eq(&reference))
        .select((
            tickets::subject,
            tickets::description,
            tickets::address,
            tickets::extra_fields,
            contacts::name,
        ))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(subject, body["subject"].as_str().unwrap());
    assert_eq!(description, body["description"].as_str().unwrap());
    assert_eq!(address.as_deref(), Some(IMG));
    assert_eq!(extra["column_number"], SCRIPT);
    assert_eq!(name, body["name"].as_str().unwrap());

    app.run_pending_jobs();
    let email = &app.emails()[0];
    // Plain text is not a markup language: verbatim.
    assert!(email.text.contains(&subject), "{}", email.text);
    assert!(email.text.contains(&name), "{}", email.text);
    // HTML: escaped, never raw.
    for raw in ["<script", "<img", "onerror=alert(1)>", "\"><img"] {
        assert!(!email.html.contains(raw), "{raw} raw in: {}", email.html);
    }
    assert!(
        email
            .html
            .contains("&lt;script&gt;alert(1)&lt;&#x2F;script&gt;"),
        "{}",
        email.html
    );
    assert!(
        email
            .html
            .contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"),
        "{}",
        email.html
    );
    // Both the subject and the name were there to escape.
    assert_eq!(
        email
            .html
            .matches("&lt;img src=x onerror=alert(1)&gt;")
            .count(),
        2,
        "{}",
        email.html
    );
}

#[tokio::test]
async fn sql_looking_text_is_stored_verbatim_and_the_tables_survive() {
    let app = spawn_app().await;
    app.seed_demo();
    let body = bin(json!({
        "subject": SQL,
        "description": format!("{SQL}\nRobert'); DROP TABLE contacts;--"),
        "name": "Robert'); DROP TABLE students;--",
        "email": "o'brien@example.org",
        "address": "1' OR '1'='1",
    }));
    let created = app.submit(&body).await;
    assert_eq!(created["subject"], SQL);
    let reference = created["reference"].as_str().unwrap();
    let (subject, description, address): (String, String, Option<String>) = tickets::table
        .filter(tickets::reference.eq(reference))
        .select((tickets::subject, tickets::description, tickets::address))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(subject, SQL);
    assert_eq!(description, body["description"].as_str().unwrap());
    assert_eq!(address.as_deref(), Some("1' OR '1'='1"));
    let email: Option<String> = contacts::table
        .select(contacts::email)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(email.as_deref(), Some("o'brien@example.org"));
    // Still there, and still working.
    for table in STORED {
        app.count(table);
    }
    app.submit(&missed_bin()).await;
    assert_eq!(app.count("tickets"), 2);
    app.run_pending_jobs();
    assert_eq!(app.emails().len(), 2);
}

// 4. Tokens ---------------------------------------------------------------

#[tokio::test]
async fn every_failure_to_find_a_request_looks_the_same_and_only_a_hash_is_stored() {
    let app = spawn_app().await;
    app.seed_demo();
    let a = app.submit(&missed_bin()).await;
    let b = app.submit(&pothole()).await;
    let (ref_a, token_a) = (
        a["reference"].as_str().unwrap(),
        a["tracking_token"].as_str().unwrap(),
    );
    let (ref_b, token_b) = (
        b["reference"].as_str().unwrap(),
        b["tracking_token"].as_str().unwrap(),
    );
    assert_ne!(token_a, token_b);
    let year = Utc::now().with_timezone(&chrono_tz::Europe::London).year();
    let made_up = format!("CD-{year}-999999");
    let wrong = "A".repeat(token_a.len());

    let no_token = |reference: &str| {
        app.client
            .get(app.url(&format!("/api/v1/requests/{reference}")))
            .send()
    };
    let attempts: Vec<(&str, Response)> = vec![
        ("wrong token", app.track(ref_a, &wrong).await),
        (
            "wrong token in the header",
            app.track_with_header(ref_a, &wrong).await,
        ),
        ("missing token", no_token(ref_a).await.unwrap()),
        ("empty token", app.track(ref_a, "").await),
        ("blank header", app.track_with_header(ref_a, " ").await),
        ("another request's token", app.track(ref_a, token_b).await),
        (
            "another request's token in the header",
            app.track_with_header(ref_b, token_a).await,
        ),
        ("a made-up reference", app.track(&made_up, token_a).await),
        (
            "a made-up reference, no token",
            no_token(&made_up).await.unwrap(),
        ),
        ("not a reference", app.track("nope", token_a).await),
        (
            "a very long token",
            app.track(ref_a, &"x".repeat(5000)).await,
        ),
        (
            "comment with a wrong token",
            app.comment(ref_a, &wrong, "hello").await,
        ),
        (
            "comment with another's token",
            app.comment(ref_a, token_b, "hello").await,
        ),
        (
            "comment on a made-up reference",
            app.comment(&made_up, token_a, "hello").await,
        ),
    ];
    let before = app.stored();
    let mut bodies = HashSet::new();
    for (case, response) in attempts {
        let status = response.status();
        let body = response.text().await.unwrap();
        assert_eq!(status, StatusCode::NOT_FOUND, "{case}: {body}");
        let json: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(json["error"]["code"], "not_found", "{case}: {body}");
        bodies.insert(body);
    }
    assert_eq!(bodies.len(), 1, "the answers differ: {bodies:?}");
    assert_eq!(app.stored(), before, "a refused comment stored something");

    // The database has the SHA-256 of each token, never the token.
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        reference: String,
        #[diesel(sql_type = diesel::sql_types::Binary)]
        hash: Vec<u8>,
        #[diesel(sql_type = diesel::sql_types::Text)]
        everything: String,
    }
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT t.reference, t.tracking_token_hash AS hash, \
           row_to_json(t)::text || (SELECT coalesce(json_agg(e)::text, '') \
             FROM ticket_events e WHERE e.ticket_id = t.id) AS everything \
         FROM tickets t ORDER BY t.id",
    )
    .load(&mut app.conn())
    .unwrap();
    assert_eq!(rows.len(), 2);
    for (row, token) in rows.iter().zip([token_a, token_b]) {
        use sha2::Digest;
        assert_eq!(row.hash.len(), 32, "{}", row.reference);
        assert_eq!(row.hash, sha2::Sha256::digest(token.as_bytes()).to_vec());
        assert!(!row.everything.contains(token), "{}", row.everything);
    }
}

// 5. One transaction ------------------------------------------------------

#[tokio::test]
async fn a_failure_after_the_ticket_insert_stores_nothing_and_leaks_nothing() {
    let app = spawn_app().await;
    app.seed_demo();
    // The outbox insert, the last write of a submission, fails for this address.
    app.execute(
        "ALTER TABLE outbox ADD CONSTRAINT test_fail CHECK (recipient <> 'fail@example.org')",
    );
    let before = app.stored();
    let response = app
        .post_request(&bin(json!({ "email": "fail@example.org" })))
        .await;
    let status = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{text}");
    let error: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        error,
        json!({ "error": { "code": "internal", "message": "Something went wrong on our side." } })
    );
    for secret in [
        "test_fail",
        "outbox",
        "constraint",
        "fail@example.org",
        "diesel",
    ] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
    assert_eq!(app.stored(), before, "the ticket or its contact survived");
    assert_eq!(app.run_pending_jobs(), DeliveryReport::default());
    assert!(app.emails().is_empty());

    // The next citizen is not affected.
    let created = app.submit(&missed_bin()).await;
    assert_reference_shape(created["reference"].as_str().unwrap());
    assert_eq!(app.count("tickets"), before["tickets"] + 1);
    assert_eq!(app.count("outbox"), before["outbox"] + 1);
    app.run_pending_jobs();
    assert_eq!(app.emails().len(), 1);
    assert_eq!(app.emails()[0].to, "ada@example.org");
}

// 6. Concurrency ----------------------------------------------------------

#[tokio::test]
async fn two_hundred_parallel_submissions_get_distinct_references_and_one_email_each() {
    const N: usize = 200;
    const PEOPLE: usize = 20;
    let app = spawn_app_without_rate_limit().await;
    app.seed_demo();

    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..N {
        let (client, url) = (app.client.clone(), app.url("/api/v1/requests"));
        // Twenty people, ten requests each, their address typed in varying case.
        let email = if i % 2 == 0 {
            format!("citizen{}@example.org", i % PEOPLE)
        } else {
            format!("Citizen{}@EXAMPLE.org", i % PEOPLE)
        };
        let body = bin(json!({ "email": email, "subject": format!("Request {i}") }));
        tasks.spawn(async move {
            let response = client.post(url).json(&body).send().await.expect("POST");
            let (status, created) = status_and_json(response).await;
            (i, email, status, created)
        });
    }
    let mut recipient_of = HashMap::new();
    while let Some(joined) = tasks.join_next().await {
        let (i, email, status, created) = joined.expect("a task");
        assert_eq!(status, StatusCode::CREATED, "request {i}: {created}");
        assert_eq!(created["subject"], format!("Request {i}"));
        let reference = created["reference"].as_str().unwrap().to_string();
        assert_reference_shape(&reference);
        assert!(
            recipient_of.insert(reference.clone(), email).is_none(),
            "{reference} was handed out twice"
        );
    }
    assert_eq!(recipient_of.len(), N);
    assert_eq!(app.count("tickets"), N as i64);
    assert_eq!(
        app.count("ticket_events WHERE kind = 'submitted'"),
        N as i64
    );
    assert_eq!(app.count("contacts"), PEOPLE as i64, "a contact per person");

    let report = app.drain_outbox(50);
    assert_eq!(report, DeliveryReport { sent: N, failed: 0 });
    let unsent: i64 = outbox::table
        .filter(outbox::sent_at.is_null())
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(unsent, 0);
    let emails = app.emails();
    assert_eq!(emails.len(), N);
    let mut emailed = HashSet::new();
    for email in &emails {
        let reference = recipient_of
            .keys()
            .find(|r| email.subject.contains(r.as_str()))
            .unwrap_or_else(|| panic!("an email for no request: {}", email.subject))
            .clone();
        assert_eq!(email.to, recipient_of[&reference], "{reference}");
        assert!(email.text.contains(&reference));
        assert!(emailed.insert(reference), "{} twice", email.subject);
    }
}

// 7. Mail server down, then up --------------------------------------------

#[tokio::test]
async fn confirmations_queued_while_smtp_is_down_are_each_delivered_once_when_it_is_back() {
    let mut app = spawn_app().await;
    app.seed_demo();
    app.smtp.stop();
    let mut references = Vec::new();
    for i in 0..5 {
        let created = app
            .submit(&bin(json!({ "email": format!("down{i}@example.org") })))
            .await;
        references.push(created["reference"].as_str().unwrap().to_string());
    }

    let t0 = Utc::now();
    assert_eq!(
        app.run_pending_jobs_at(t0),
        DeliveryReport { sent: 0, failed: 5 }
    );
    let rows: Vec<(i32, Option<String>, Option<chrono::DateTime<Utc>>)> = outbox::table
        .select((outbox::attempts, outbox::last_error, outbox::sent_at))
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(rows.len(), 5);
    for (attempts, last_error, sent_at) in rows {
        assert_eq!(attempts, 1);
        assert!(last_error.is_some_and(|e| !e.is_empty()));
        assert!(sent_at.is_none());
    }
    assert!(app.emails().is_empty());

    app.smtp.restart();
    let t1 = t0 + chrono::Duration::seconds(31);
    assert_eq!(
        app.run_pending_jobs_at(t1),
        DeliveryReport { sent: 5, failed: 0 }
    );
    assert_eq!(
        app.run_pending_jobs_at(t1 + chrono::Duration::hours(2)),
        DeliveryReport::default()
    );
    let emails = app.emails();
    assert_eq!(emails.len(), 5);
    for (i, reference) in references.iter().enumerate() {
        let to_it: Vec<_> = emails
            .iter()
            .filter(|e| e.subject.contains(reference.as_str()))
            .collect();
        assert_eq!(to_it.len(), 1, "{reference}");
        assert_eq!(to_it[0].to, format!("down{i}@example.org"));
    }
}

// 8. The rate limit -------------------------------------------------------

#[tokio::test]
async fn submissions_beyond_the_burst_get_429_with_retry_after_and_store_nothing() {
    let app = spawn_app().await;
    app.seed_demo();
    let burst = app.settings.abuse.submission_burst.get() as usize;
    let per_hour = app.settings.abuse.submissions_per_hour.get() as u64;
    for _ in 0..burst {
        app.submit(&missed_bin()).await;
    }
    let before = app.stored();
    for _ in 0..3 {
        let response = app.post_request(&missed_bin()).await;
        let retry_after: u64 = response
            .headers()
            .get("Retry-After")
            .expect("a Retry-After header")
            .to_str()
            .unwrap()
            .parse()
            .expect("Retry-After in seconds");
        assert!(
            (1..=3600 / per_hour + 1).contains(&retry_after),
            "{retry_after}"
        );
        let (status, error) = status_and_json(response).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{error}");
        assert_eq!(error["error"]["code"], "rate_limited");
        assert_eq!(app.stored(), before);
    }
    // Following and reading the catalogue are not limited.
    let (status, _) = status_and_json(app.get("/api/v1/categories").await).await;
    assert_eq!(status, StatusCode::OK);
}

// 9. The OpenAPI document -------------------------------------------------

#[tokio::test]
async fn the_openapi_document_is_valid_and_lists_every_operation() {
    let app = spawn_app().await;
    let (status, doc) = status_and_json(app.get("/api/v1/openapi.json").await).await;
    assert_eq!(status, StatusCode::OK);
    let version = doc["openapi"].as_str().expect("an openapi version");
    assert!(version.starts_with("3."), "{version}");
    assert!(doc["info"]["title"].is_string());
    for (path, method) in [
        ("/api/v1/categories", "get"),
        ("/api/v1/requests", "post"),
        ("/api/v1/requests/{reference}", "get"),
        ("/api/v1/requests/{reference}/comments", "post"),
        ("/api/v1/auth/token", "post"),
        ("/api/v1/auth/password", "post"),
        ("/api/v1/tickets", "get"),
        ("/api/v1/tickets", "post"),
        ("/api/v1/contacts", "get"),
        ("/api/v1/tickets/{reference}", "get"),
        ("/api/v1/tickets/{reference}/reply", "post"),
        ("/api/v1/tickets/{reference}/note", "post"),
        ("/api/v1/tickets/{reference}/acknowledge", "post"),
        ("/api/v1/tickets/{reference}/assign", "post"),
        ("/api/v1/tickets/{reference}/transfer", "post"),
        ("/api/v1/tickets/{reference}/status", "post"),
        ("/api/v1/tickets/{reference}/priority", "post"),
        ("/api/v1/tickets/{reference}/category", "post"),
        ("/api/v1/tickets/{reference}/merge", "post"),
        ("/api/v1/tickets/{reference}/contacts", "post"),
        ("/api/v1/tickets/{reference}/location", "post"),
        ("/api/v1/tickets/{reference}/extend", "post"),
        ("/api/v1/admin/calendars", "get"),
        ("/api/v1/admin/calendars", "post"),
        ("/api/v1/admin/calendars/{id}", "get"),
        ("/api/v1/admin/calendars/{id}", "put"),
        ("/api/v1/admin/calendars/{id}", "delete"),
        ("/api/v1/admin/calendars/{id}/intervals", "post"),
        (
            "/api/v1/admin/calendars/{id}/intervals/{interval_id}",
            "delete",
        ),
        ("/api/v1/admin/calendars/{id}/holidays", "post"),
        (
            "/api/v1/admin/calendars/{id}/holidays/{holiday_id}",
            "delete",
        ),
        ("/api/v1/admin/calendars/{id}/preview", "get"),
        ("/api/v1/admin/sla-policies", "get"),
        ("/api/v1/admin/sla-policies", "post"),
        ("/api/v1/admin/sla-policies/{id}", "get"),
        ("/api/v1/admin/sla-policies/{id}", "put"),
        ("/api/v1/admin/sla-policies/{id}", "delete"),
        ("/api/v1/admin/sla-policies/{id}/targets/{priority}", "put"),
        (
            "/api/v1/admin/sla-policies/{id}/targets/{priority}",
            "delete",
        ),
        ("/api/v1/admin/sla-policies/{id}/categories", "post"),
        ("/api/v1/reports/dashboard", "get"),
        ("/api/v1/reports/csv/{table}", "get"),
        ("/api/v1/account/digest", "get"),
        ("/api/v1/account/digest", "put"),
    ] {
        let operation = &doc["paths"][path][method];
        assert!(operation.is_object(), "{method} {path} is missing");
        assert!(operation["responses"].is_object(), "{method} {path}");
    }
    // Every operation it names is served (none a 404 from the default route).
    let paths = doc["paths"].as_object().unwrap();
    // 20 (with the SLA extension) before the SLA configuration's 11, the
    // location change, and the reports' 2 and the digest setting.
    assert_eq!(paths.len(), 20 + 11 + 1 + 3, "{:?}", paths.keys());
    // Staff operations name the Bearer scheme they need.
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert!(doc["paths"]["/api/v1/auth/password"]["post"]["security"][0]["bearer"].is_array());
    // The staff operations say how to authenticate.
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert!(doc["paths"]["/api/v1/tickets/{reference}"]["get"]["security"].is_array());

    // Full schema validation with openapi-spec-validator (see .ci/run).
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), serde_json::to_vec(&doc).unwrap()).unwrap();
    let output = std::process::Command::new("python3")
        .arg("-c")
        .arg(
            "import json, sys\n\
             from openapi_spec_validator import validate\n\
             validate(json.load(open(sys.argv[1])))\n\
             print('valid')",
        )
        .arg(file.path())
        .output()
        .expect("running python3 (the test suite needs it: see the README)");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stderr.contains("No module named 'openapi_spec_validator'"),
        "run `pip install openapi-spec-validator` (the test suite needs it)"
    );
    assert!(
        output.status.success(),
        "the OpenAPI document is invalid:\n{stderr}"
    );
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "valid");
}
