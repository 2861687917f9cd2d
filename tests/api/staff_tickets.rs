//! Working tickets, through real HTTP: the staff API with Bearer tokens for
//! every action and rule (the state machine table, edit races, roles and
//! departments, transfer, merge, contacts), the citizen's side of it (emails
//! in the capture server, the tracking page never showing internal notes),
//! and the ticket page with a signed-in browser for the main flows.

use civicdesk::domain::ticket_status::TicketStatus;
use civicdesk::staff::tickets::actions::StatusChangeKind;
use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{spawn_app_with, TestApp};
use crate::staff_auth::{sign_in, staff_user};

/// The password `staff_user` gives everyone.
const PASSWORD: &str = "correct horse battery staple";

/// The demo council, taking as many submissions as a test needs.
async fn desk() -> TestApp {
    let app = spawn_app_with(|o| {
        o.set
            .push(("abuse.submissions_per_hour".into(), "1000000".into()));
        o.set
            .push(("abuse.submission_burst".into(), "10000".into()));
    })
    .await;
    app.seed_demo();
    app
}

async fn token(app: &TestApp, email: &str) -> String {
    let res = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({ "email": email, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "signing in {email}");
    res.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_string()
}

/// A staff member with an API token.
struct Person {
    id: i64,
    email: String,
    token: String,
}

async fn person(app: &TestApp, email: &str, role: &str, departments: &[&str]) -> Person {
    staff_user(app, email, role, departments);
    use civicdesk::schema::users;
    let id = users::table
        .filter(users::email.eq(email))
        .select(users::id)
        .first(&mut app.conn())
        .unwrap();
    Person {
        id,
        email: email.into(),
        token: token(app, email).await,
    }
}

/// A citizen's request as the API creates it.
struct Request {
    reference: String,
    token: String,
}

async fn submit(app: &TestApp, category: &str, name: &str, email: &str) -> Request {
    let mut body = json!({
        "category": category,
        "kind": "service_request",
        "subject": format!("{category} from {name}"),
        "description": "Please help.",
        "name": name,
        "email": email,
        "locale": "en",
        "privacy_consent": true,
    });
    match category {
        "missed-bin" => {
            body["extra_fields"] =
                json!({ "bin_type": "recycling", "collection_date": "2026-11-17" })
        }
        "bulky-waste" => body["extra_fields"] = json!({ "items": "A sofa" }),
        "pothole" => {
            body["address"] = json!("1 High Street");
            body["extra_fields"] = json!({ "size": "small" });
        }
        _ => {}
    }
    let created = app.submit(&body).await;
    Request {
        reference: created["reference"].as_str().unwrap().to_string(),
        token: created["tracking_token"].as_str().unwrap().to_string(),
    }
}

async fn status_and_json(res: reqwest::Response) -> (StatusCode, Value) {
    let status = res.status();
    let text = res.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{status}: not JSON ({e}): {text}"))
    };
    (status, body)
}

async fn view(app: &TestApp, who: &Person, reference: &str) -> (StatusCode, Value) {
    status_and_json(
        app.client
            .get(app.url(&format!("/api/v1/tickets/{reference}")))
            .bearer_auth(&who.token)
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// The ticket's current version, as `who` sees it.
async fn version(app: &TestApp, who: &Person, reference: &str) -> i64 {
    let (status, body) = view(app, who, reference).await;
    assert_eq!(status, 200, "{body}");
    body["version"].as_i64().unwrap()
}

/// `POST /api/v1/tickets/{reference}/{action}` with `body` plus the current version.
async fn act(
    app: &TestApp,
    who: &Person,
    reference: &str,
    action: &str,
    mut body: Value,
) -> (StatusCode, Value) {
    if body.get("expected_version").is_none() {
        body["expected_version"] = json!(version(app, who, reference).await);
    }
    act_raw(app, &who.token, reference, action, &body).await
}

async fn act_raw(
    app: &TestApp,
    token: &str,
    reference: &str,
    action: &str,
    body: &Value,
) -> (StatusCode, Value) {
    status_and_json(
        app.client
            .post(app.url(&format!("/api/v1/tickets/{reference}/{action}")))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// The citizen's view through the API.
async fn citizen_view(app: &TestApp, r: &Request) -> Value {
    let res = app
        .client
        .get(app.url(&format!("/api/v1/requests/{}", r.reference)))
        .header("X-Tracking-Token", &r.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

/// The citizen's tracking page.
async fn citizen_page(app: &TestApp, r: &Request) -> String {
    let res = app
        .get(&format!("/requests/{}?token={}", r.reference, r.token))
        .await;
    assert_eq!(res.status(), 200);
    res.text().await.unwrap()
}

fn csrf_of(html: &str) -> String {
    let key = r#"name="csrf_token" value=""#;
    let start = html.find(key).expect("a csrf field") + key.len();
    html[start..start + html[start..].find('"').unwrap()].to_string()
}

/// A browser of its own, signed in as `email`.
async fn browser(app: &TestApp, email: &str) -> reqwest::Client {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .unwrap();
    let form = client
        .get(app.url("/staff/sign-in"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let res = client
        .post(app.url("/staff/sign-in"))
        .form(&[
            ("email", email),
            ("password", PASSWORD),
            ("csrf_token", &csrf_of(&form)),
            ("next", "/staff"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "signing {email} in");
    client
}

/// The kinds of the timeline's entries, leaving out the SLA engine's own
/// bookkeeping entries (tests/api/sla.rs looks at those).
fn kinds(timeline: &Value) -> Vec<String> {
    timeline
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .filter(|k| !k.starts_with("sla_"))
        .collect()
}

/// The last entry that is not the SLA engine's.
fn last_action(timeline: &Value) -> Value {
    timeline
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|e| !e["kind"].as_str().unwrap_or_default().starts_with("sla_"))
        .cloned()
        .expect("an entry")
}

// 1. The state machine, through the API ------------------------------------

#[tokio::test]
async fn every_status_change_is_allowed_or_refused_as_the_state_machine_says() {
    let app = desk().await;
    let boss = person(&app, "boss@example.org", "supervisor", &["waste"]).await;
    let r = submit(&app, "missed-bin", "Ada", "ada@example.org").await;
    let (mut allowed, mut refused) = (0, 0);
    for from in TicketStatus::ALL {
        for change in StatusChangeKind::ALL {
            let code = if from == TicketStatus::Closed {
                "'fixed'"
            } else {
                "NULL"
            };
            app.execute(&format!(
                "UPDATE tickets SET status = '{}', resolution_code = {code}, \
                 version = version + 1 WHERE reference = '{}'",
                from.as_str(),
                r.reference
            ));
            let (status, body) = act(
                &app,
                &boss,
                &r.reference,
                "status",
                json!({ "action": change.as_str(), "note": "Done: emptied today.", "resolution_code": "fixed" }),
            )
            .await;
            let case = format!("{} from {}", change.as_str(), from.as_str());
            match from.apply(change.action()) {
                Ok(to) => {
                    allowed += 1;
                    assert_eq!(status, StatusCode::OK, "{case}: {body}");
                    assert_eq!(body["status"], to.as_str(), "{case}");
                    let last = last_action(&body["timeline"]);
                    assert_eq!(last["kind"], "status_changed", "{case}");
                    assert_eq!(last["data"]["from"], from.as_str(), "{case}");
                    assert_eq!(last["actor_name"], "Test supervisor", "{case}");
                }
                Err(e) => {
                    refused += 1;
                    assert_eq!(status, StatusCode::CONFLICT, "{case}: {body}");
                    assert_eq!(body["error"]["code"], "transition_refused", "{case}");
                    assert_eq!(body["error"]["message"], e.to_string(), "{case}");
                    assert_eq!(body["error"]["current"]["status"], from.as_str(), "{case}");
                }
            }
        }
    }
    assert!(allowed > 0 && refused > 0);

    // What a change needs: a note to resolve, a code to close, a known action.
    app.execute(&format!(
        "UPDATE tickets SET status = 'in_progress', resolution_code = NULL WHERE reference = '{}'",
        r.reference
    ));
    for (body, field) in [
        (json!({ "action": "resolve" }), "note"),
        (json!({ "action": "close" }), "resolution_code"),
        (
            json!({ "action": "close", "resolution_code": "duplicate" }),
            "resolution_code",
        ),
        (json!({ "action": "fly" }), "action"),
    ] {
        let (status, err) = act(&app, &boss, &r.reference, "status", body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {err}");
        assert!(err["error"]["fields"][field].is_string(), "{body}: {err}");
    }
}

#[tokio::test]
async fn only_a_supervisor_of_the_department_reopens() {
    let app = desk().await;
    let agent = person(&app, "agent@example.org", "agent", &["waste"]).await;
    let other_boss = person(&app, "roads.boss@example.org", "supervisor", &["roads"]).await;
    let boss = person(&app, "boss@example.org", "supervisor", &["waste"]).await;
    let r = submit(&app, "missed-bin", "Ada", "ada@example.org").await;
    let (status, body) = act(
        &app,
        &agent,
        &r.reference,
        "status",
        json!({ "action": "resolve", "note": "Collected on Thursday." }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["resolution_note"], "Collected on Thursday.");

    let (status, body) = act(
        &app,
        &agent,
        &r.reference,
        "status",
        json!({ "action": "reopen" }),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(
        body["error"]["message"],
        "only a supervisor of this department can reopen it"
    );
    // A supervisor of another department does not even see it.
    let (status, _) = view(&app, &other_boss, &r.reference).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, body) = act(
        &app,
        &boss,
        &r.reference,
        "status",
        json!({ "action": "reopen", "note": "The citizen says it was missed again." }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "reopened");
    assert!(body["resolution_note"].is_null() && body["resolved_at"].is_null());
    // The citizen was told it was resolved and that it is back in progress.
    let seen = citizen_view(&app, &r).await;
    assert_eq!(seen["status"], "in_progress");
    assert_eq!(
        kinds(&seen["timeline"]),
        ["submitted", "status_changed", "status_changed"]
    );
    assert_eq!(seen["timeline"][1]["body"], "Collected on Thursday.");
}

// 2. Two people at once ------------------------------------------------------

#[tokio::test]
async fn of_two_edits_from_the_same_version_one_wins_and_the_other_gets_409_with_the_current_state()
{
    let app = desk().await;
    let a = person(&app, "a@example.org", "agent", &["waste"]).await;
    let b = person(&app, "b@example.org", "agent", &["waste"]).await;
    let r = submit(&app, "missed-bin", "Ada", "ada@example.org").await;
    let v = version(&app, &a, &r.reference).await;
    let priority = json!({ "expected_version": v, "priority": "urgent" });
    let note = json!({ "expected_version": v, "body": "I am calling them now." });
    let ((s1, b1), (s2, b2)) = tokio::join!(
        act_raw(&app, &a.token, &r.reference, "priority", &priority),
        act_raw(&app, &b.token, &r.reference, "note", &note),
    );
    let mut results = [(s1, b1, "priority"), (s2, b2, "note")];
    results.sort_by_key(|(s, _, _)| s.as_u16());
    let [(won, won_body, winner), (lost, lost_body, loser)] = results;
    assert_eq!(won, StatusCode::OK, "{won_body}");
    assert_eq!(lost, StatusCode::CONFLICT, "{lost_body}");
    let error = &lost_body["error"];
    assert_eq!(error["code"], "version_conflict");
    assert!(error["message"]
        .as_str()
        .unwrap()
        .contains("Someone else changed this ticket"));
    assert_eq!(error["current"]["version"], v + 1);
    assert_eq!(error["current"]["reference"], r.reference.as_str());
    assert_eq!(error["current"]["version"], won_body["version"]);
    // Only the winner's change is stored.
    let (_, now) = view(&app, &a, &r.reference).await;
    let stored = kinds(&now["timeline"]);
    let expected_kind = if winner == "priority" {
        "priority_changed"
    } else {
        "internal_note"
    };
    let lost_kind = if loser == "priority" {
        "priority_changed"
    } else {
        "internal_note"
    };
    assert!(stored.contains(&expected_kind.to_string()), "{stored:?}");
    assert!(!stored.contains(&lost_kind.to_string()), "{stored:?}");
    assert_eq!(
        now["priority"],
        if winner == "priority" {
            "urgent"
        } else {
            "normal"
        }
    );

    // Trying again with the current version goes through.
    let (status, _) = act(
        &app,
        &b,
        &r.reference,
        "note",
        json!({ "body": "Second try." }),
    )
    .await;
    assert_eq!(status, 200);
}

// 3. Replies, notes and what the citizen sees --------------------------------

#[tokio::test]
async fn a_public_reply_is_emailed_to_the_citizen_and_on_their_tracking_page() {
    let app = desk().await;
    let agent = person(&app, "agent@example.org", "agent", &["waste"]).await;
    let r = submit(&app, "missed-bin", "Ada Lovelace", "ada@example.org").await;
    app.run_pending_jobs();
    // The citizen adds something: the ticket waits for staff.
    let res = app
        .client
        .post(app.url(&format!("/api/v1/requests/{}/comments", r.reference)))
        .header("X-Tracking-Token", &r.token)
        .json(&json!({ "body": "Still not collected." }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let (_, before) = view(&app, &agent, &r.reference).await;
    assert!(before["awaiting_staff_since"].is_string(), "{before}");

    let reply = "We will collect it on Thursday.\n<b>Sorry</b> for the wait.";
    let (status, body) = act(
        &app,
        &agent,
        &r.reference,
        "reply",
        json!({ "body": reply }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body["awaiting_staff_since"].is_null(),
        "the reply answers it"
    );
    let last = last_action(&body["timeline"]);
    assert_eq!(
        (last["kind"].as_str(), last["public"].as_bool()),
        (Some("public_reply"), Some(true))
    );
    assert_eq!(last["data"]["first_response"], true);

    let report = app.run_pending_jobs();
    assert_eq!(report.sent, 1, "{report:?}");
    let emails = app.emails();
    let email = emails
        .iter()
        .find(|e| e.subject.contains("A reply about your request"))
        .expect("the reply email");
    assert_eq!(email.to, "ada@example.org");
    assert!(email.subject.contains(&r.reference));
    assert!(
        email.text.replace("\r\n", "\n").contains(reply),
        "{}",
        email.text
    );
    assert!(email.text.contains("http://127.0.0.1:8080/track"));
    assert!(email.html.contains("&lt;b&gt;Sorry"));

    let seen = citizen_view(&app, &r).await;
    let public = last_action(&seen["timeline"]);
    assert_eq!(public["kind"], "public_reply");
    assert_eq!(public["body"], reply);
    assert_eq!(public["actor"], "staff", "staff appear as the council");
    let html = citizen_page(&app, &r).await;
    assert!(html.contains("Reply from the council"));
    assert!(html.contains("We will collect it on Thursday."));
    assert!(!html.contains("Test agent"), "staff names stay internal");
}

#[tokio::test]
async fn internal_notes_never_reach_the_citizen() {
    let app = desk().await;
    let agent = person(&app, "agent@example.org", "agent", &["waste"]).await;
    let r = submit(&app, "missed-bin", "Ada", "ada@example.org").await;
    app.run_pending_jobs();
    let outbox_before = app.count("outbox");
    let secret = "Neighbour says the bin was never put out (note 7f3a)";
    let (status, body) = act(
        &app,
        &agent,
        &r.reference,
        "note",
        json!({ "body": secret }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let note = last_action(&body["timeline"]);
    assert_eq!(note["kind"], "internal_note");
    assert_eq!(note["public"], false);
    assert_eq!(note["body"], secret);
    assert_eq!(note["actor_name"], "Test agent");
    assert_eq!(app.count("outbox"), outbox_before, "notes send nothing");

    let seen = citizen_view(&app, &r).await;
    assert!(!seen.to_string().contains("7f3a"), "{seen}");
    assert_eq!(kinds(&seen["timeline"]), ["submitted"]);
    let html = citizen_page(&app, &r).await;
    assert!(!html.contains("7f3a") && !html.contains("Internal"));
    // Empty notes are refused by field.
    let (status, body) = act(&app, &agent, &r.reference, "note", json!({ "body": "   " })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["body"].is_string());
}

#[tokio::test]
async fn acknowledging_is_a_public_first_response_given_once() {
    let app = desk().await;
    let agent = person(&app, "agent@example.org", "agent", &["waste"]).await;
    let r = submit(&app, "missed-bin", "Ada", "ada@example.org").await;
    let (status, body) = act(&app, &agent, &r.reference, "acknowledge", json!({})).await;
    assert_eq!(status, 200, "{body}");
    let seen = citizen_view(&app, &r).await;
    assert_eq!(kinds(&seen["timeline"]), ["submitted", "acknowledged"]);
    assert!(citizen_page(&app, &r)
        .await
        .contains("We have picked up your request"));
    let (status, body) = act(&app, &agent, &r.reference, "acknowledge", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "not_allowed");
    assert!(body["error"]["current"]["version"].is_i64());
}

// 4. Who may do what ------------------------------------------------------

#[tokio::test]
async fn agents_assign_what_is_free_and_supervisors_reassign() {
    let app = desk().await;
    let a = person(&app, "a@example.org", "agent", &["waste"]).await;
    let b = person(&app, "b@example.org", "agent", &["waste"]).await;
    let roads = person(&app, "roads@example.org", "agent", &["roads"]).await;
    let boss = person(&app, "boss@example.org", "supervisor", &["waste"]).await;
    let leader = person(&app, "leader@example.org", "leader", &[]).await;
    let r = submit(&app, "missed-bin", "Ada", "ada@example.org").await;

    let (status, body) = act(
        &app,
        &a,
        &r.reference,
        "assign",
        json!({ "assignee_id": a.id }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["assignee"]["id"], a.id);
    assert_eq!(body["status"], "assigned");

    // B may not take it from A...
    let (status, body) = act(
        &app,
        &b,
        &r.reference,
        "assign",
        json!({ "assignee_id": b.id }),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(
        body["error"]["message"],
        "only a supervisor of this department can reassign it"
    );
    // ...but A may hand it on, and only to someone in the department.
    for outsider in [roads.id, leader.id, 999_999] {
        let (status, body) = act(
            &app,
            &a,
            &r.reference,
            "assign",
            json!({ "assignee_id": outsider }),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body["error"]["fields"]["assignee_id"].is_string());
    }
    // The supervisor reassigns it.
    let (status, body) = act(
        &app,
        &boss,
        &r.reference,
        "assign",
        json!({ "assignee_id": b.id }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["assignee"]["name"], "Test agent");
    assert_eq!(body["assignee"]["id"], b.id);
    let event = last_action(&body["timeline"]);
    assert_eq!(event["kind"], "assigned");
    assert_eq!(event["public"], false);
    assert_eq!(event["data"]["from"]["id"], a.id);
    assert_eq!(event["data"]["to"]["id"], b.id);
    // Assigning to whoever already has it is a mistake, not a change.
    let (status, _) = act(
        &app,
        &b,
        &r.reference,
        "assign",
        json!({ "assignee_id": b.id }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn leaders_admins_and_other_departments_see_no_ticket_and_no_token_is_401() {
    let app = desk().await;
    let roads = person(&app, "roads@example.org", "agent", &["roads"]).await;
    let leader = person(&app, "leader@example.org", "leader", &[]).await;
    let admin = person(&app, "admin@example.org", "admin", &[]).await;
    let agent = person(&app, "agent@example.org", "agent", &["waste"]).await;
    let r = submit(&app, "missed-bin", "Ada", "ada@example.org").await;
    let v = version(&app, &agent, &r.reference).await;
    for who in [&roads, &leader, &admin] {
        let (status, body) = view(&app, who, &r.reference).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{}: {body}", who.email);
        assert_eq!(body["error"]["code"], "not_found");
        // The same answer as for a ticket that does not exist.
        let (status, missing) = view(&app, who, "CD-2026-999999").await;
        assert_eq!((status, &missing), (StatusCode::NOT_FOUND, &body));
        for (action, payload) in [
            ("note", json!({ "expected_version": v, "body": "x" })),
            ("reply", json!({ "expected_version": v, "body": "x" })),
            (
                "status",
                json!({ "expected_version": v, "action": "start_work" }),
            ),
            (
                "assign",
                json!({ "expected_version": v, "assignee_id": who.id }),
            ),
        ] {
            let (status, _) = act_raw(&app, &who.token, &r.reference, action, &payload).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{} {action}", who.email);
        }
    }
    assert_eq!(
        version(&app, &agent, &r.reference).await,
        v,
        "nothing changed"
    );
    for auth in [None, Some("Bearer not-a-token")] {
        let mut req = app
            .client
            .get(app.url(&format!("/api/v1/tickets/{}", r.reference)));
        if let Some(a) = auth {
            req = req.header("Authorization", a);
        }
        let (status, body) = status_and_json(req.send().await.unwrap()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["error"]["code"], "unauthorized");
    }
}

// 5. Transfer, merge, priority, category, contacts ---------------------------

#[tokio::test]
async fn a_transfer_moves_who_sees_the_ticket_and_records_each_holding() {
    let app = desk().await;
    let waste = person(&app, "waste@example.org", "agent", &["waste"]).await;
    let roads = person(&app, "roads@example.org", "agent", &["roads"]).await;
    let r = submit(&app, "missed-bin", "Ada", "ada@example.org").await;
    let (status, _) = act(
        &app,
        &waste,
        &r.reference,
        "assign",
        json!({ "assignee_id": waste.id }),
    )
    .await;
    assert_eq!(status, 200);

    for (body, field) in [
        (json!({ "department": "roads", "reason": " " }), "reason"),
        (
            json!({ "department": "nowhere", "reason": "x" }),
            "department",
        ),
        (
            json!({ "department": "waste", "reason": "x" }),
            "department",
        ),
    ] {
        let (status, err) = act(&app, &waste, &r.reference, "transfer", body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
        assert!(err["error"]["fields"][field].is_string(), "{err}");
    }
    let (status, body) = act(
        &app,
        &waste,
        &r.reference,
        "transfer",
        json!({ "department": "roads", "reason": "The bin is blocking the road." }),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "out of their sight: {body}");
    let (status, _) = view(&app, &waste, &r.reference).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "the old department lost it");

    let (status, now) = view(&app, &roads, &r.reference).await;
    assert_eq!(status, 200);
    assert_eq!(now["department"]["name"], "Roads & Transport");
    assert!(now["assignee"].is_null());
    assert_eq!(now["status"], "triaged");
    let holdings = now["holdings"].as_array().unwrap();
    assert_eq!(holdings.len(), 2);
    assert_eq!(holdings[0]["department"], "Waste & Recycling");
    assert!(holdings[0]["ended_at"].is_string() && holdings[1]["ended_at"].is_null());
    let event = last_action(&now["timeline"]);
    assert_eq!(event["kind"], "transferred");
    assert_eq!(event["body"], "The bin is blocking the road.");
    assert_eq!(event["public"], false);

    use civicdesk::schema::ticket_holdings;
    let open: i64 = ticket_holdings::table
        .filter(ticket_holdings::ended_at.is_null())
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(open, 1);
}

#[tokio::test]
async fn merging_closes_the_duplicate_and_emails_its_citizen_the_surviving_reference() {
    let app = desk().await;
    let agent = person(&app, "agent@example.org", "agent", &["waste"]).await;
    let keep = submit(&app, "missed-bin", "Ada", "ada@example.org").await;
    let dup = submit(&app, "missed-bin", "Bob", "bob@example.org").await;
    let roads_ticket = submit(&app, "pothole", "Cy", "cy@example.org").await;
    app.run_pending_jobs();
    let sent_before = app.emails().len();

    for (into, why) in [
        (dup.reference.as_str(), "itself"),
        (roads_ticket.reference.as_str(), "not theirs to see"),
        ("CD-2026-999999", "unknown"),
    ] {
        let (status, body) = act(
            &app,
            &agent,
            &dup.reference,
            "merge",
            json!({ "into": into }),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{why}: {body}");
        assert!(body["error"]["fields"]["into"].is_string(), "{why}");
    }
    let (status, body) = act(
        &app,
        &agent,
        &dup.reference,
        "merge",
        json!({ "into": keep.reference }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "closed");
    assert_eq!(body["resolution_code"], "duplicate");
    assert_eq!(body["merged_into"], keep.reference.as_str());
    let (_, kept) = view(&app, &agent, &keep.reference).await;
    assert_eq!(kept["merged_from"], json!([dup.reference]));
    let event = last_action(&kept["timeline"]);
    assert_eq!(
        (event["kind"].as_str(), event["public"].as_bool()),
        (Some("merged_from"), Some(false))
    );

    app.run_pending_jobs();
    let emails = app.emails();
    assert_eq!(emails.len(), sent_before + 1);
    let notice = emails.last().unwrap();
    assert_eq!(notice.to, "bob@example.org");
    assert!(notice.subject.contains(&dup.reference) && notice.subject.contains(&keep.reference));
    assert!(notice.text.contains(&keep.reference));
    // Bob's tracking page says where it went; Ada's says nothing of Bob.
    let bob = citizen_view(&app, &dup).await;
    assert_eq!(bob["status"], "closed");
    assert_eq!(
        last_action(&bob["timeline"])["body"],
        keep.reference.as_str()
    );
    let ada = citizen_view(&app, &keep).await;
    assert!(!ada.to_string().contains(&dup.reference));
    // A closed ticket cannot be merged again.
    let (status, body) = act(
        &app,
        &agent,
        &dup.reference,
        "merge",
        json!({ "into": keep.reference }),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "transition_refused");
}

/// `POST /track` with `reference` and `email`: where it sends the citizen.
async fn look_up(app: &TestApp, reference: &str, email: &str) -> Option<String> {
    let html = app.get("/track").await.text().await.unwrap();
    let csrf = csrf_of(&html);
    let res = app
        .client
        .post(app.url("/track"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("reference", reference),
            ("email", email),
        ])
        .send()
        .await
        .unwrap();
    match res.status() {
        StatusCode::SEE_OTHER => Some(res.headers()["location"].to_str().unwrap().to_string()),
        StatusCode::NOT_FOUND => None,
        other => panic!("looking up {reference}: {other}"),
    }
}

#[tokio::test]
async fn a_merged_requests_citizen_follows_the_surviving_one_without_seeing_its_citizen() {
    let app = desk().await;
    let agent = person(&app, "agent@example.org", "agent", &["waste"]).await;
    let keep = submit(&app, "missed-bin", "Ada", "ada@example.org").await;
    let dup = submit(&app, "missed-bin", "Bob", "bob@example.org").await;
    let (status, body) = act(
        &app,
        &agent,
        &dup.reference,
        "merge",
        json!({ "into": keep.reference }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    for (action, body) in [
        ("assign", json!({ "assignee_id": agent.id })),
        ("status", json!({ "action": "start_work" })),
        (
            "reply",
            json!({ "body": "Dear Ada, we will call at 12 Private Road." }),
        ),
        ("reply", json!({ "body": "Ada, which bin was it?" })),
        ("status", json!({ "action": "wait_on_citizen" })),
    ] {
        let (status, body) = act(&app, &agent, &keep.reference, action, body).await;
        assert_eq!(status, 200, "{action}: {body}");
    }

    // The merge email tells Bob to follow the surviving reference with his
    // email: doing so opens his own request, which shows the survivor's
    // progress. Someone else's email still finds nothing.
    let location = look_up(&app, &keep.reference, "BOB@example.org").await;
    assert_eq!(
        location.as_deref(),
        Some(format!("/requests/{}", dup.reference).as_str())
    );
    assert_eq!(
        look_up(&app, &keep.reference, "eve@example.org").await,
        None
    );
    assert_eq!(
        look_up(&app, &keep.reference, "ada@example.org")
            .await
            .as_deref(),
        Some(format!("/requests/{}", keep.reference).as_str()),
        "Ada still finds her own"
    );

    let bob = citizen_view(&app, &dup).await;
    let c = &bob["continues_as"];
    assert_eq!(c["reference"], keep.reference.as_str());
    // Waiting on Ada is not waiting on Bob.
    assert_eq!(c["status"], "in_progress", "{c}");
    let changes: Vec<&str> = c["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["data"]["to"].as_str().unwrap())
        .collect();
    assert_eq!(changes, ["in_progress"], "{c}");
    let page = citizen_page(&app, &dup).await;
    assert!(
        page.contains(&format!("Joined with {}", keep.reference)),
        "{page}"
    );
    for private in ["Ada", "Private Road", "which bin"] {
        assert!(!bob.to_string().contains(private), "{private} in {bob}");
        assert!(!page.contains(private), "{private} on Bob's page");
    }
    assert!(citizen_view(&app, &keep).await["continues_as"].is_null());

    let (status, body) = act(
        &app,
        &agent,
        &keep.reference,
        "status",
        json!({ "action": "resolve", "note": "Collected." }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let c = citizen_view(&app, &dup).await["continues_as"].clone();
    assert_eq!(c["status"], "resolved");
    assert_eq!(c["status_label"], "Resolved");
    assert_eq!(c["timeline"].as_array().unwrap().len(), 2, "{c}");
    assert!(citizen_page(&app, &dup).await.contains("Now: Resolved"));
}

#[tokio::test]
async fn priority_and_category_changes_are_checked_and_recorded() {
    let app = desk().await;
    let agent = person(&app, "agent@example.org", "agent", &["waste"]).await;
    let r = submit(&app, "missed-bin", "Ada", "ada@example.org").await;
    let (status, body) = act(
        &app,
        &agent,
        &r.reference,
        "priority",
        json!({ "priority": "high" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["priority"], "high");
    for p in ["high", "extreme"] {
        let (status, _) = act(
            &app,
            &agent,
            &r.reference,
            "priority",
            json!({ "priority": p }),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    }
    app.execute("UPDATE categories SET active = FALSE WHERE slug = 'new-bin'");
    for c in ["missed-bin", "new-bin", "no-such-thing"] {
        let (status, body) = act(
            &app,
            &agent,
            &r.reference,
            "category",
            json!({ "category": c }),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{c}: {body}");
        assert!(body["error"]["fields"]["category"].is_string());
    }
    let (status, body) = act(
        &app,
        &agent,
        &r.reference,
        "category",
        json!({ "category": "bulky-waste" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["category"]["name"], "Bulky waste collection");
    assert_eq!(body["category_code"], "bulky-waste");
    let stored = kinds(&body["timeline"]);
    assert_eq!(
        stored,
        ["submitted", "priority_changed", "category_changed"]
    );
    let priority_changed = body["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "priority_changed")
        .unwrap();
    assert_eq!(
        priority_changed["data"],
        json!({ "from": "normal", "to": "high" })
    );
    // The citizen sees neither.
    assert_eq!(
        kinds(&citizen_view(&app, &r).await["timeline"]),
        ["submitted"]
    );
}

#[tokio::test]
async fn contacts_are_logged_on_the_citizens_history() {
    let app = desk().await;
    let agent = person(&app, "agent@example.org", "agent", &["waste"]).await;
    let r = submit(&app, "missed-bin", "Ada", "ada@example.org").await;
    let v = version(&app, &agent, &r.reference).await;
    let (status, body) = act(
        &app,
        &agent,
        &r.reference,
        "contacts",
        json!({ "kind": "call", "subject": "Called about the bin", "notes": "She will leave it out.",
                "occurred_at": "2026-11-20T10:30:00Z" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["version"], v + 1);
    let entry = &body["contact_log"][0];
    assert_eq!(entry["kind"], "call");
    assert_eq!(entry["subject"], "Called about the bin");
    assert_eq!(entry["ticket"], r.reference.as_str());
    assert_eq!(entry["logged_by"], "Test agent");
    let event = last_action(&body["timeline"]);
    assert_eq!(
        (event["kind"].as_str(), event["public"].as_bool()),
        (Some("contact_logged"), Some(false))
    );

    // Not about this ticket: on the citizen's history only.
    let (status, body) = act(
        &app,
        &agent,
        &r.reference,
        "contacts",
        json!({ "kind": "visit", "subject": "Came in about parking", "occurred_at": "2026-11-21T09:00:00Z", "about_ticket": false }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["version"], v + 1, "the ticket did not change");
    assert_eq!(body["contact_log"].as_array().unwrap().len(), 2);
    assert!(body["contact_log"][0]["ticket"].is_null());

    let future = (chrono::Utc::now() + chrono::Duration::days(2)).to_rfc3339();
    let (status, body) = act(
        &app,
        &agent,
        &r.reference,
        "contacts",
        json!({ "kind": "fax", "subject": "", "occurred_at": future }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["kind", "subject", "occurred_at"] {
        assert!(
            body["error"]["fields"][field].is_string(),
            "{field}: {body}"
        );
    }
}

// 6. The citizen writes back -------------------------------------------------

#[tokio::test]
async fn a_citizens_comment_emails_the_assignee() {
    let app = desk().await;
    let agent = person(&app, "agent@example.org", "agent", &["waste"]).await;
    let r = submit(&app, "missed-bin", "Ada Lovelace", "ada@example.org").await;
    let unassigned = submit(&app, "missed-bin", "Bob", "bob@example.org").await;
    app.run_pending_jobs();
    let sent_before = app.emails().len();
    let (status, _) = act(
        &app,
        &agent,
        &r.reference,
        "assign",
        json!({ "assignee_id": agent.id }),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = act(
        &app,
        &agent,
        &r.reference,
        "status",
        json!({ "action": "wait_on_citizen" }),
    )
    .await;
    assert_eq!(status, 200);

    for req in [&r, &unassigned] {
        let res = app
            .client
            .post(app.url(&format!("/api/v1/requests/{}/comments", req.reference)))
            .header("X-Tracking-Token", &req.token)
            .json(&json!({ "body": "It is the green bin, by the gate." }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
    }
    app.run_pending_jobs();
    let emails = app.emails();
    assert_eq!(emails.len(), sent_before + 1, "only the assignee is told");
    let notice = emails.last().unwrap();
    assert_eq!(notice.to, agent.email);
    assert!(notice.subject.contains(&r.reference), "{}", notice.subject);
    assert!(notice.text.contains("It is the green bin, by the gate."));
    assert!(notice.text.contains("back in progress"), "{}", notice.text);
    assert!(notice.text.contains(&format!(
        "http://127.0.0.1:8080/staff/tickets/{}",
        r.reference
    )));
    let (_, now) = view(&app, &agent, &r.reference).await;
    assert_eq!(now["status"], "in_progress");
    assert!(now["awaiting_staff_since"].is_string());
}

// 7. The ticket page -----------------------------------------------------------

#[tokio::test]
async fn the_ticket_page_shows_the_360_view_and_its_forms_work() {
    let app = desk().await;
    let agent = person(&app, "agent@example.org", "agent", &["waste"]).await;
    let r = submit(&app, "missed-bin", "Ada Lovelace", "ada@example.org").await;
    let other = submit(&app, "bulky-waste", "Ada Lovelace", "ada@example.org").await;
    let _elsewhere = submit(&app, "pothole", "Ada Lovelace", "ada@example.org").await;
    let (status, _) = act(
        &app,
        &agent,
        &other.reference,
        "contacts",
        json!({ "kind": "meeting", "subject": "Met at the depot", "occurred_at": "2026-11-20T10:30:00Z" }),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = act(
        &app,
        &agent,
        &r.reference,
        "note",
        json!({ "body": "Crew says the lane was blocked." }),
    )
    .await;
    assert_eq!(status, 200);

    assert_eq!(sign_in(&app, &agent.email, PASSWORD).await.status(), 303);
    let page_url = format!("/staff/tickets/{}", r.reference);
    let res = app.get(&page_url).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    for expected in [
        "Ada Lovelace",
        "ada@example.org",
        &other.reference,
        "1 more request with a department you do not work in",
        "Met at the depot",
        "Crew says the lane was blocked.",
        "Internal: staff only",
        "Public: the citizen sees this",
        "Which bin?",
        "Recycling",
        r#"name="expected_version""#,
    ] {
        assert!(html.contains(expected), "the page lacks {expected}");
    }
    assert!(
        !html.contains(&_elsewhere.reference),
        "another department's request stays hidden"
    );
    let csrf = csrf_of(&html);
    let v = version(&app, &agent, &r.reference).await.to_string();

    // A reply through the form: 303 back with a message.
    let res = app
        .client
        .post(app.url(&format!("{page_url}/reply")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("expected_version", v.as_str()),
            ("body", "On its way."),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(location, format!("{page_url}?done=reply"));
    let html = app.get(&location).await.text().await.unwrap();
    assert!(html.contains("Your reply was sent."));
    assert!(html.contains("On its way."));

    // The same (now stale) version again: 409, the message, the current state, the text kept.
    let res = app
        .client
        .post(app.url(&format!("{page_url}/note")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("expected_version", v.as_str()),
            ("body", "My lost note"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let html = res.text().await.unwrap();
    assert!(html.contains("Someone else changed this ticket"));
    assert!(html.contains("My lost note"), "what was typed is kept");
    let now = version(&app, &agent, &r.reference).await;
    assert!(html.contains(&format!(r#"name="expected_version" value="{now}""#)));

    // Refused by the rules: 422 beside the field; 409 for the state machine.
    let res = app
        .client
        .post(app.url(&format!("{page_url}/transfer")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("expected_version", &now.to_string()),
            ("department", "roads"),
            ("reason", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains(r#"id="error-transfer-reason""#));
    let res = app
        .client
        .post(app.url(&format!("{page_url}/status")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("expected_version", &now.to_string()),
            ("action", "reopen"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("Only a supervisor of this department can reopen it."));

    // No CSRF token: nothing happens.
    let res = app
        .client
        .post(app.url(&format!("{page_url}/note")))
        .form(&[
            ("expected_version", now.to_string().as_str()),
            ("body", "forged"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(version(&app, &agent, &r.reference).await, now);

    // Status through the form, then the timeline says so in words.
    let res = app
        .client
        .post(app.url(&format!("{page_url}/status")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("expected_version", &now.to_string()),
            ("action", "start_work"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let html = app
        .get(&format!("{page_url}?done=status"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("The status was changed.") && html.contains("New → In progress"));

    // Files, staff-only ones too, download from the ticket page.
    let png = include_bytes!("../../src/uploads/testdata/tiny.png");
    app.execute(&format!(
        "INSERT INTO attachments (ticket_id, filename, content_type, size_bytes, sha256, data, public) \
         SELECT id, 'photo.png', 'image/png', {}, sha256('\\x{hex}'::bytea), '\\x{hex}'::bytea, FALSE \
         FROM tickets WHERE reference = '{}'",
        png.len(),
        r.reference,
        hex = hex::encode(png),
    ));
    let html = app.get(&page_url).await.text().await.unwrap();
    let link = format!("{page_url}/attachments/");
    let start = html.find(&link).expect("a download link") + link.len();
    let id: String = html[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let res = app.get(&format!("{page_url}/attachments/{id}")).await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    assert_eq!(res.bytes().await.unwrap().as_ref(), png.as_slice());
    assert!(html.contains("staff only"));
    // Nor the file nor the page for people of another department, or tickets that do not exist.
    let roads = person(&app, "roads@example.org", "agent", &["roads"]).await;
    let stranger = browser(&app, &roads.email).await;
    for path in [page_url.clone(), format!("{page_url}/attachments/{id}")] {
        let res = stranger.get(app.url(&path)).send().await.unwrap();
        assert_eq!(res.status(), 404, "{path}");
    }
    assert_eq!(app.get("/staff/tickets/CD-2026-999999").await.status(), 404);
}

#[tokio::test]
async fn supervisors_keep_canned_responses_and_agents_use_them_on_the_ticket_page() {
    let app = desk().await;
    let boss = person(&app, "boss@example.org", "supervisor", &["waste"]).await;
    let agent = person(&app, "agent@example.org", "agent", &["waste"]).await;
    let r = submit(&app, "missed-bin", "Ada Lovelace", "ada@example.org").await;

    // An agent may not keep them.
    assert_eq!(sign_in(&app, &agent.email, PASSWORD).await.status(), 303);
    assert_eq!(app.get("/staff/canned-responses").await.status(), 403);

    let boss_client = browser(&app, &boss.email).await;
    let html = boss_client
        .get(app.url("/staff/canned-responses"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&html);
    use civicdesk::schema::departments;
    let waste: i64 = departments::table
        .filter(departments::slug.eq("waste"))
        .select(departments::id)
        .first(&mut app.conn())
        .unwrap();
    let roads: i64 = departments::table
        .filter(departments::slug.eq("roads"))
        .select(departments::id)
        .first(&mut app.conn())
        .unwrap();
    let create = |department: i64, title: &'static str, body: &'static str| {
        let csrf = csrf.clone();
        let client = boss_client.clone();
        let url = app.url("/staff/canned-responses");
        async move {
            client
                .post(url)
                .form(&[
                    ("csrf_token", csrf.as_str()),
                    ("department_id", &department.to_string()),
                    ("title", title),
                    ("body", body),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    let res = create(
        waste,
        "Collection rebooked",
        "Dear {citizen_name}, about {reference} ({category}): we will come back by {due_date}.",
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()["location"],
        "/staff/canned-responses?done=created"
    );
    assert_eq!(
        create(waste, "Collection rebooked", "again").await.status(),
        422,
        "titles are unique per department"
    );
    assert_eq!(create(roads, "Not my department", "x").await.status(), 422);
    assert_eq!(app.count("canned_responses"), 1);
    use civicdesk::schema::canned_responses;
    let id: i64 = canned_responses::table
        .select(canned_responses::id)
        .first(&mut app.conn())
        .unwrap();

    // The agent's "use" button puts the expanded text in the reply box.
    let html = app
        .get(&format!("/staff/tickets/{}?canned={id}", r.reference))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Use “Collection rebooked”"));
    let expected = format!(
        "Dear Ada Lovelace, about {} (Missed bin collection): we will come back by —.",
        r.reference
    );
    assert!(
        html.contains(&expected),
        "the reply box holds the expanded text"
    );

    // Edit and delete need the CSRF token and the right department.
    let res = boss_client
        .post(app.url(&format!("/staff/canned-responses/{id}")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("title", "Rebooked"),
            ("body", "New text"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let res = boss_client
        .post(app.url(&format!("/staff/canned-responses/{id}/delete")))
        .form(&[("csrf_token", "wrong")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = boss_client
        .post(app.url(&format!("/staff/canned-responses/{id}/delete")))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(app.count("canned_responses"), 0);
}
