use diesel::prelude::*;
use serde_json::{json, Value};

use crate::helpers::spawn_app;
use civicdesk::schema::outbox;

fn pothole(email: &str) -> Value {
    json!({
        "category": "pothole",
        "kind": "service_request",
        "subject": "Pothole outside number 12",
        "description": "Deep, in the left-hand lane, just past the bus stop.",
        "name": "Jo Citizen",
        "email": email,
        "address": "12 High Street",
        "latitude": 51.5072,
        "longitude": -0.1276,
        "privacy_consent": true,
        "extra_fields": { "size": "medium", "depth_cm": 8 },
    })
}

/// The answer to a submission is built from what was written, not read back:
/// it must be exactly what following the request shows.
#[tokio::test]
async fn the_answer_to_a_submission_is_what_following_it_shows() {
    let app = spawn_app().await;
    app.seed_demo();

    let res = app
        .client
        .post(app.url("/api/v1/requests"))
        .json(&pothole("jo@example.org"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let mut created: Value = res.json().await.unwrap();
    let token = created["tracking_token"].as_str().unwrap().to_string();
    let reference = created["reference"].as_str().unwrap().to_string();
    let object = created.as_object_mut().unwrap();
    assert!(object.remove("tracking_url").unwrap().is_string());
    object.remove("tracking_token");

    let res = app
        .client
        .get(app.url(&format!("/api/v1/requests/{reference}")))
        .header("X-Tracking-Token", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let followed: Value = res.json().await.unwrap();
    assert_eq!(created, followed);
    assert_eq!(followed["category_code"], "pothole");
    assert!(!followed["department"].as_str().unwrap().is_empty());
    assert_eq!(followed["timeline"].as_array().unwrap().len(), 1);
    assert_eq!(followed["timeline"][0]["kind"], "submitted");

    // The confirmation names the category and department without looking them up.
    let bodies: Vec<String> = outbox::table
        .filter(outbox::recipient.eq("jo@example.org"))
        .select(outbox::body_text)
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(bodies.len(), 1);
    assert!(bodies[0].contains(followed["category"].as_str().unwrap()));
    assert!(bodies[0].contains(followed["department"].as_str().unwrap()));
}

#[tokio::test]
async fn an_unknown_category_is_a_field_error() {
    let app = spawn_app().await;
    let mut body = pothole("jo@example.org");
    body["category"] = json!("no-such-service");
    let res = app
        .client
        .post(app.url("/api/v1/requests"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let answer: Value = res.json().await.unwrap();
    assert!(
        answer["error"]["fields"]["category"].is_string(),
        "{answer}"
    );
}
