//! SLA configuration by administrators: business calendars and SLA policies
//! through the JSON API and the admin pages, every validation error (with
//! its message, nothing stored), deletions refused while in use, the
//! calendar preview across daylight-saving changes, holidays, split shifts,
//! midnight-crossing intervals and far-future dates, the loaders the SLA
//! engine uses, and the demo council's policies.

use chrono::{DateTime, Utc};
use civicdesk::domain::priority::Priority;
use civicdesk::domain::sla::Targets;
use civicdesk::schema::{business_calendars, categories, sla_policies};
use diesel::prelude::*;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp};
use crate::staff_helpers::{bare_client, location, session_token, staff_user, CSRF};

/// The demo council and an administrator's session token.
async fn admin_app() -> (TestApp, String) {
    let app = spawn_app().await;
    app.seed_demo();
    let email = staff_user(&app, "sla.admin@example.org", "admin", &[]);
    let token = session_token(&app, &email);
    (app, token)
}

/// An API call with a Bearer token: status and JSON body (null when empty).
async fn call(
    app: &TestApp,
    token: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = bare_client()
        .request(method.parse().unwrap(), app.url(path))
        .bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    let json = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{method} {path}: {e}: {text}"))
    };
    (status, json)
}

/// A page, signed in with the session cookie.
async fn page(app: &TestApp, token: &str, path: &str) -> (u16, String) {
    let res = bare_client()
        .get(app.url(path))
        .header("cookie", format!("civicdesk_session={token}"))
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

/// A form post with a valid CSRF token: status, `Location` and body.
async fn post(
    app: &TestApp,
    token: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, String, String) {
    let mut form: Vec<(&str, &str)> = fields.to_vec();
    form.push(("csrf_token", CSRF));
    let res = bare_client()
        .post(app.url(path))
        .header(
            "cookie",
            format!("civicdesk_session={token}; civicdesk_csrf={CSRF}"),
        )
        .form(&form)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let loc = location(&res);
    (status, loc, res.text().await.unwrap())
}

/// `text` as tera writes it into a page.
fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
        .replace('/', "&#x2F;")
}

fn id_of(v: &Value) -> i64 {
    v["id"].as_i64().unwrap_or_else(|| panic!("no id in {v}"))
}

/// Everything stored about calendars and policies, to show a refusal changed nothing.
fn snapshot(app: &TestApp) -> Vec<i64> {
    [
        "business_calendars",
        "calendar_intervals",
        "calendar_holidays",
        "sla_policies",
        "sla_policy_targets",
    ]
    .iter()
    .map(|t| app.count(t))
    .chain([
        app.count("categories WHERE sla_policy_id IS NULL"),
        // Changes bump updated_at; the sum of their epochs moves with any.
        sum_updated(app),
    ])
    .collect()
}

fn sum_updated(app: &TestApp) -> i64 {
    #[derive(QueryableByName)]
    struct S {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query(
        "SELECT (coalesce((SELECT sum(extract(epoch FROM updated_at)) FROM business_calendars), 0) \
         + coalesce((SELECT sum(extract(epoch FROM updated_at)) FROM sla_policies), 0) \
         + coalesce((SELECT sum(extract(epoch FROM updated_at)) FROM categories), 0))::BIGINT AS n",
    )
    .get_result::<S>(&mut app.conn())
    .unwrap()
    .n
}

fn weekly(name: &str, zone: &str, intervals: Value) -> Value {
    json!({ "name": name, "time_zone": zone, "intervals": intervals })
}

/// Mon–Fri 09:00–17:00.
fn office_hours() -> Value {
    json!(["monday", "tuesday", "wednesday", "thursday", "friday"]
        .iter()
        .map(|d| json!({"weekday": d, "start": "09:00", "end": "17:00"}))
        .collect::<Vec<_>>())
}

async fn create_calendar(app: &TestApp, token: &str, body: Value) -> Value {
    let (status, v) = call(app, token, "POST", "/api/v1/admin/calendars", Some(body)).await;
    assert_eq!(status, 201, "{v}");
    v
}

fn policy_body(name: &str) -> Value {
    json!({
        "name": name,
        "description": "Test policy",
        "first_response_minutes": 60,
        "keep_in_touch_minutes": 600,
        "resolution_minutes": 2400,
        "warning_percents": [90, 50, 75],
        "warning_actions": ["notify_assignee"],
        "breach_actions": ["notify_supervisors", "move_department"],
        "escalation_department": "contact-centre",
    })
}

fn calendar_id_named(app: &TestApp, name: &str) -> i64 {
    business_calendars::table
        .filter(business_calendars::name.eq(name))
        .select(business_calendars::id)
        .first(&mut app.conn())
        .unwrap()
}

fn policy_id_named(app: &TestApp, name: &str) -> i64 {
    sla_policies::table
        .filter(sla_policies::name.eq(name))
        .select(sla_policies::id)
        .first(&mut app.conn())
        .unwrap()
}

/// A ticket (from a citizen's request), for SLA clocks to refer to.
async fn a_ticket(app: &TestApp) -> i64 {
    let res = bare_client()
        .post(app.url("/api/v1/requests"))
        .json(&json!({
            "category": "pothole", "kind": "service_request",
            "subject": "Pothole outside 12 High Street", "description": "Deep, by the bus stop",
            "extra_fields": {"size": "large"}, "address": "12 High Street",
            "name": "Ada Lovelace", "email": "ada@example.org", "privacy_consent": true
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let reference: String = res.json::<Value>().await.unwrap()["reference"]
        .as_str()
        .unwrap()
        .to_string();
    use civicdesk::schema::tickets;
    tickets::table
        .filter(tickets::reference.eq(reference))
        .select(tickets::id)
        .first(&mut app.conn())
        .unwrap()
}

// ---------------------------------------------------------------------------
// Calendars over the API

#[tokio::test]
async fn calendars_are_created_read_changed_and_deleted_over_the_api() {
    let (app, token) = admin_app().await;
    let body = json!({
        "name": "Night depot",
        "time_zone": "europe/london",
        "intervals": [
            {"weekday": "monday", "start": "08:00", "end": "12:00"},
            {"weekday": "monday", "start": "13:00", "end": "17:00"},
            {"weekday": "friday", "start": "22:00", "end": "06:00"},
            {"weekday": "7", "start": "00:00", "end": "00:00"}
        ],
        "holidays": [
            {"name": "Christmas Day", "date": "12-25", "every_year": true},
            {"name": "Christmas Eve afternoon", "date": "2026-12-24", "closed_from": "13:00", "closed_to": "24:00"},
            {"name": "Boxing Day 2026", "date": "2026-12-28"}
        ]
    });
    let created = create_calendar(&app, &token, body).await;
    let id = id_of(&created);
    assert_eq!(
        created["time_zone"], "Europe/London",
        "the zone's own spelling"
    );
    assert_eq!(created["always_open"], false);
    let intervals = created["intervals"].as_array().unwrap();
    assert_eq!(intervals.len(), 4);
    assert_eq!(intervals[0]["weekday"], "monday");
    assert_eq!(intervals[2]["weekday"], "friday");
    assert_eq!(intervals[2]["ends_next_day"], true);
    assert_eq!(intervals[3]["weekday"], "sunday");
    assert_eq!(
        (intervals[3]["start"].as_str(), intervals[3]["end"].as_str()),
        (Some("00:00"), Some("00:00"))
    );
    let holidays = created["holidays"].as_array().unwrap();
    assert_eq!(holidays.len(), 3);
    assert_eq!(holidays[0]["date"], "12-25", "yearly ones first");
    assert_eq!(holidays[0]["every_year"], true);
    assert_eq!(holidays[1]["closed_to"], "24:00");

    let (status, got) = call(
        &app,
        &token,
        "GET",
        &format!("/api/v1/admin/calendars/{id}"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(got, created);
    let (status, list) = call(&app, &token, "GET", "/api/v1/admin/calendars", None).await;
    assert_eq!(status, 200);
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"Night depot") && names.contains(&civicdesk::seed::OFFICE_CALENDAR),
        "{names:?}"
    );
    let office = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == civicdesk::seed::OFFICE_CALENDAR)
        .unwrap();
    assert_eq!(
        office["used_by"]["departments"].as_array().unwrap().len(),
        8
    );

    // Rename and move zone; the rows stay.
    let path = format!("/api/v1/admin/calendars/{id}");
    let (status, changed) = call(
        &app,
        &token,
        "PUT",
        &path,
        Some(json!({"name": "Night depot (NY)", "time_zone": "America/New_York"})),
    )
    .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["name"], "Night depot (NY)");
    assert_eq!(changed["time_zone"], "America/New_York");
    assert_eq!(changed["intervals"].as_array().unwrap().len(), 4);
    assert_ne!(changed["updated_at"], created["updated_at"]);

    // One interval more, one less; one holiday more, one less.
    let (status, v) = call(
        &app,
        &token,
        "POST",
        &format!("{path}/intervals"),
        Some(json!({"weekday": "Tue", "start": "09:00", "end": "17:30"})),
    )
    .await;
    assert_eq!(status, 201, "{v}");
    let tuesday = v["intervals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["weekday"] == "tuesday")
        .unwrap()
        .clone();
    assert_eq!(tuesday["end"], "17:30");
    let (status, v) = call(
        &app,
        &token,
        "DELETE",
        &format!("{path}/intervals/{}", id_of(&tuesday)),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(v["intervals"].as_array().unwrap().len(), 4);
    let (status, v) = call(
        &app,
        &token,
        "POST",
        &format!("{path}/holidays"),
        Some(json!({"name": "New Year", "date": "2027-01-01"})),
    )
    .await;
    assert_eq!(status, 201, "{v}");
    let new_year = v["holidays"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["name"] == "New Year")
        .unwrap()
        .clone();
    assert_eq!(new_year["every_year"], false);
    let (status, v) = call(
        &app,
        &token,
        "DELETE",
        &format!("{path}/holidays/{}", id_of(&new_year)),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(v["holidays"].as_array().unwrap().len(), 3);

    // 24x7 drops the hours and holidays; weekly again needs hours.
    let (status, v) = call(
        &app,
        &token,
        "PUT",
        &path,
        Some(json!({"name": "Depot", "time_zone": "UTC", "always_open": true})),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["always_open"], true);
    assert!(v["intervals"].as_array().unwrap().is_empty());
    assert!(v["holidays"].as_array().unwrap().is_empty());
    let (status, v) = call(
        &app,
        &token,
        "PUT",
        &path,
        Some(json!({"name": "Depot", "time_zone": "UTC"})),
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        v["error"]["fields"]["intervals"]
            .as_str()
            .unwrap()
            .contains("at least one opening interval"),
        "{v}"
    );
    let (status, v) = call(
        &app,
        &token,
        "PUT",
        &path,
        Some(json!({"name": "Depot", "time_zone": "UTC", "intervals": office_hours()})),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["intervals"].as_array().unwrap().len(), 5);

    let (status, v) = call(&app, &token, "DELETE", &path, None).await;
    assert_eq!((status, v), (204, Value::Null));
    let (status, v) = call(&app, &token, "GET", &path, None).await;
    assert_eq!(status, 404);
    assert_eq!(v["error"]["code"], "not_found");
    assert_eq!(
        app.count(&format!("calendar_intervals WHERE calendar_id = {id}")),
        0
    );
    let (status, _) = call(
        &app,
        &token,
        "GET",
        "/api/v1/admin/calendars/not-a-number",
        None,
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn every_calendar_mistake_is_named_with_its_message_and_nothing_is_stored() {
    let (app, token) = admin_app().await;
    let before = snapshot(&app);
    let iv = |w: &str, s: &str, e: &str| json!({"weekday": w, "start": s, "end": e});
    let ok = || json!([iv("monday", "09:00", "17:00")]);
    let with_holidays =
        |h: Value| json!({"name": "C", "time_zone": "UTC", "intervals": ok(), "holidays": h});
    let every_day: Vec<Value> = (1..=12)
        .flat_map(|m: u32| (1..=31).map(move |d: u32| (m, d)))
        .filter(|(m, d)| chrono::NaiveDate::from_ymd_opt(2000, *m, *d).is_some())
        .map(|(m, d)| json!({"name": "Closed", "date": format!("{m:02}-{d:02}"), "every_year": true}))
        .collect();
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            json!({"name": "", "time_zone": "UTC", "intervals": ok()}),
            "name",
            "Enter a name of 1 to 120 characters",
        ),
        (
            json!({"name": "x".repeat(121), "time_zone": "UTC", "intervals": ok()}),
            "name",
            "1 to 120 characters",
        ),
        (
            json!({"name": civicdesk::seed::OFFICE_CALENDAR, "time_zone": "UTC", "intervals": ok()}),
            "name",
            "There is already a calendar called",
        ),
        (
            weekly("C", "Mars/Olympus", ok()),
            "time_zone",
            "\"Mars/Olympus\" is not an IANA time zone such as Europe/London",
        ),
        (
            weekly("C", "", ok()),
            "time_zone",
            "is not an IANA time zone",
        ),
        (
            weekly("C", "UTC", json!([])),
            "intervals",
            "A weekly calendar needs at least one opening interval",
        ),
        (
            weekly("C", "UTC", json!([iv("monday", "09:00", "09:00")])),
            "intervals.0.end",
            "The interval on Monday from 09:00 to 09:00 is empty",
        ),
        (
            weekly("C", "UTC", json!([iv("monday", "25:00", "17:00")])),
            "intervals.0.start",
            "\"25:00\" is not a time: enter it as HH:MM",
        ),
        (
            weekly("C", "UTC", json!([iv("monday", "09:00", "5pm")])),
            "intervals.0.end",
            "\"5pm\" is not a time",
        ),
        (
            weekly("C", "UTC", json!([iv("funday", "09:00", "17:00")])),
            "intervals.0.weekday",
            "\"funday\" is not a day of the week",
        ),
        (
            weekly(
                "C",
                "UTC",
                json!([
                    iv("monday", "09:00", "12:00"),
                    iv("monday", "09:00", "17:00")
                ]),
            ),
            "intervals.1.start",
            "There is already an interval on Monday starting at 09:00",
        ),
        (
            json!({"name": "C", "time_zone": "UTC", "always_open": true, "intervals": ok()}),
            "always_open",
            "A 24x7 calendar is always open: it has no opening hours or holidays",
        ),
        (
            json!({"name": "C", "time_zone": "UTC", "always_open": true, "holidays": [{"name": "X", "date": "2026-12-25"}]}),
            "always_open",
            "no opening hours or holidays",
        ),
        (
            with_holidays(json!([{"name": "X", "date": "2026-02-30"}])),
            "holidays.0.date",
            "\"2026-02-30\" is not a real date",
        ),
        (
            with_holidays(json!([{"name": "X", "date": "25/12/2026"}])),
            "holidays.0.date",
            "enter it as YYYY-MM-DD",
        ),
        (
            with_holidays(json!([{"name": "X", "date": "12-25"}])),
            "holidays.0.date",
            "enter it as YYYY-MM-DD, for example",
        ),
        (
            with_holidays(json!([{"name": "X", "date": "02-30", "every_year": true}])),
            "holidays.0.date",
            "Month 2, day 30 is not a real date in any year",
        ),
        (
            with_holidays(json!([{"name": "X", "date": "2026-13-01", "every_year": true}])),
            "holidays.0.date",
            "Month 13, day 1 is not a real date",
        ),
        (
            with_holidays(json!([{"name": "", "date": "2026-12-25"}])),
            "holidays.0.name",
            "Enter a name",
        ),
        (
            with_holidays(
                json!([{"name": "X", "date": "2026-12-24", "closed_from": "15:00", "closed_to": "13:00"}]),
            ),
            "holidays.0.closed_to",
            "Closed from 15:00 until 13:00 is not a range",
        ),
        (
            with_holidays(json!([{"name": "X", "date": "2026-12-24", "closed_from": "13:00"}])),
            "holidays.0.closed_to",
            "give both times",
        ),
        (
            with_holidays(
                json!([{"name": "X", "date": "2026-12-24", "closed_from": "1pm", "closed_to": "17:00"}]),
            ),
            "holidays.0.closed_from",
            "\"1pm\" is not a time",
        ),
        (
            with_holidays(
                json!([{"name": "X", "date": "2026-12-25"}, {"name": "Y", "date": "2026-12-25"}]),
            ),
            "holidays.1.date",
            "There is already a holiday on 2026-12-25",
        ),
        (
            with_holidays(json!(every_day)),
            "holidays",
            "close every day of the year",
        ),
    ];
    for (body, field, message) in cases {
        let (status, v) = call(
            &app,
            &token,
            "POST",
            "/api/v1/admin/calendars",
            Some(body.clone()),
        )
        .await;
        assert_eq!(status, 422, "{body}: {v}");
        assert_eq!(v["error"]["code"], "validation_failed");
        let got = v["error"]["fields"][field]
            .as_str()
            .unwrap_or_else(|| panic!("{field} not in {v}"));
        assert!(
            got.contains(message),
            "{field}: {got:?} should say {message:?}"
        );
    }
    // Several problems at once: each is reported.
    let (status, v) = call(
        &app,
        &token,
        "POST",
        "/api/v1/admin/calendars",
        Some(json!({"name": "", "time_zone": "Nowhere", "intervals": [iv("x", "9", "17:00")]})),
    )
    .await;
    assert_eq!(status, 422);
    let fields = v["error"]["fields"].as_object().unwrap();
    for f in [
        "name",
        "time_zone",
        "intervals.0.weekday",
        "intervals.0.start",
    ] {
        assert!(fields.contains_key(f), "{f} missing from {v}");
    }
    // Wrong types and unknown fields are malformed (400), not stored either.
    let (status, v) = call(
        &app,
        &token,
        "POST",
        "/api/v1/admin/calendars",
        Some(json!({"name": "C", "time_zone": "UTC", "hours": []})),
    )
    .await;
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (400, Some("malformed_json"))
    );
    assert_eq!(snapshot(&app), before, "nothing was stored");
}

#[tokio::test]
async fn interval_and_holiday_changes_are_checked_against_the_calendar() {
    let (app, token) = admin_app().await;
    let cal = create_calendar(
        &app,
        &token,
        weekly(
            "Checks",
            "UTC",
            json!([{"weekday": "monday", "start": "09:00", "end": "17:00"}]),
        ),
    )
    .await;
    let path = format!("/api/v1/admin/calendars/{}", id_of(&cal));
    let always = create_calendar(
        &app,
        &token,
        json!({"name": "Always", "time_zone": "UTC", "always_open": true}),
    )
    .await;
    let always_path = format!("/api/v1/admin/calendars/{}", id_of(&always));
    let before = snapshot(&app);
    for (path, body, field, message) in [
        (
            &path,
            json!({"weekday": "monday", "start": "10:00", "end": "10:00"}),
            "end",
            "is empty",
        ),
        (
            &path,
            json!({"weekday": "monday", "start": "09:00", "end": "18:00"}),
            "start",
            "already an interval on Monday starting at 09:00",
        ),
        (
            &path,
            json!({"weekday": "someday", "start": "09:00", "end": "18:00"}),
            "weekday",
            "not a day of the week",
        ),
        (
            &always_path,
            json!({"weekday": "monday", "start": "09:00", "end": "17:00"}),
            "weekday",
            "A 24x7 calendar is always open",
        ),
    ] {
        let (status, v) = call(
            &app,
            &token,
            "POST",
            &format!("{path}/intervals"),
            Some(body),
        )
        .await;
        assert_eq!(status, 422, "{v}");
        assert!(
            v["error"]["fields"][field]
                .as_str()
                .unwrap_or_default()
                .contains(message),
            "{field}: {v}"
        );
    }
    let (status, v) = call(
        &app,
        &token,
        "POST",
        &format!("{path}/holidays"),
        Some(json!({"name": "X", "date": "2026-12-25"})),
    )
    .await;
    assert_eq!(status, 201, "{v}");
    let after_one = snapshot(&app);
    for (path, body, field, message) in [
        (
            &path,
            json!({"name": "X", "date": "2026-12-25"}),
            "date",
            "already a holiday on 2026-12-25",
        ),
        (
            &path,
            json!({"name": "X", "date": "2026-12-24", "closed_from": "00:00", "closed_to": "00:00"}),
            "closed_to",
            "is not a range",
        ),
        (
            &always_path,
            json!({"name": "X", "date": "2026-12-25"}),
            "date",
            "A 24x7 calendar is always open",
        ),
    ] {
        let (status, v) = call(
            &app,
            &token,
            "POST",
            &format!("{path}/holidays"),
            Some(body),
        )
        .await;
        assert_eq!(status, 422, "{v}");
        assert!(
            v["error"]["fields"][field]
                .as_str()
                .unwrap_or_default()
                .contains(message),
            "{field}: {v}"
        );
    }
    assert_eq!(snapshot(&app), after_one);
    // The last interval stays.
    let only = id_of(&cal["intervals"][0]);
    let (status, v) = call(
        &app,
        &token,
        "DELETE",
        &format!("{path}/intervals/{only}"),
        None,
    )
    .await;
    assert_eq!(status, 409, "{v}");
    assert_eq!(v["error"]["code"], "last_interval");
    assert!(v["error"]["message"]
        .as_str()
        .unwrap()
        .contains("last opening interval"));
    for p in [
        format!("{path}/intervals/999999"),
        format!("{path}/holidays/999999"),
        format!("{always_path}/intervals/{only}"),
        "/api/v1/admin/calendars/999999/intervals/1".into(),
    ] {
        let (status, v) = call(&app, &token, "DELETE", &p, None).await;
        assert_eq!(
            (status, v["error"]["code"].as_str()),
            (404, Some("not_found")),
            "{p}"
        );
    }
    let (status, _) = call(
        &app,
        &token,
        "POST",
        "/api/v1/admin/calendars/999999/intervals",
        Some(json!({"weekday": "monday", "start": "09:00", "end": "10:00"})),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(snapshot(&app), after_one);
    assert_ne!(before, after_one);
}

#[tokio::test]
async fn a_calendar_in_use_is_not_deleted_and_says_by_what() {
    let (app, token) = admin_app().await;
    let office = calendar_id_named(&app, civicdesk::seed::OFFICE_CALENDAR);
    let emergency = calendar_id_named(&app, civicdesk::seed::EMERGENCY_CALENDAR);
    let (status, v) = call(
        &app,
        &token,
        "DELETE",
        &format!("/api/v1/admin/calendars/{office}"),
        None,
    )
    .await;
    assert_eq!((status, v["error"]["code"].as_str()), (409, Some("in_use")));
    let message = v["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("8 departments use it") && message.contains("Roads & Transport"),
        "{message}"
    );
    let (status, v) = call(
        &app,
        &token,
        "DELETE",
        &format!("/api/v1/admin/calendars/{emergency}"),
        None,
    )
    .await;
    assert_eq!(status, 409);
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("an SLA policy uses it (Emergency (24x7))"),
        "{v}"
    );

    // A calendar a ticket's SLA clock has counted time on.
    let spare = id_of(&create_calendar(&app, &token, weekly("Spare", "UTC", office_hours())).await);
    let ticket = a_ticket(&app).await;
    app.execute(&format!(
        "INSERT INTO sla_clock_events (ticket_id, clock, cycle, kind, at, target_minutes, calendar_id, elapsed_seconds) \
         VALUES ({ticket}, 'resolution', 1, 'started', now(), 60, {spare}, 0)"
    ));
    let (status, v) = call(
        &app,
        &token,
        "DELETE",
        &format!("/api/v1/admin/calendars/{spare}"),
        None,
    )
    .await;
    assert_eq!(status, 409);
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("the SLA clocks of a ticket have counted time on it"),
        "{v}"
    );
    assert_eq!(
        app.count(&format!(
            "business_calendars WHERE id IN ({office}, {emergency}, {spare})"
        )),
        3
    );
    assert_eq!(
        app.count(&format!("calendar_intervals WHERE calendar_id = {spare}")),
        5
    );
}

// ---------------------------------------------------------------------------
// The preview: due instants across DST, holidays, weekends, shifts

struct Case {
    what: &'static str,
    calendar: &'static str,
    from: &'static str,
    minutes: i64,
    due: &'static str,
    due_local: &'static str,
}

#[tokio::test]
async fn the_preview_counts_business_time_across_dst_holidays_and_odd_hours() {
    let (app, token) = admin_app().await;
    let iv = |w: &str, s: &str, e: &str| json!({"weekday": w, "start": s, "end": e});
    let mut ids = std::collections::HashMap::new();
    for (name, body) in [
        (
            "london",
            weekly("London office", "Europe/London", office_hours()),
        ),
        (
            "new-york",
            weekly("New York office", "America/New_York", office_hours()),
        ),
        (
            "sundays",
            weekly(
                "London Sundays",
                "Europe/London",
                json!([iv("sunday", "00:00", "00:00")]),
            ),
        ),
        (
            "ny-nights",
            weekly(
                "NY Saturday nights",
                "America/New_York",
                json!([iv("saturday", "22:00", "06:00")]),
            ),
        ),
        (
            "split",
            weekly(
                "Split shift",
                "UTC",
                json!([
                    iv("monday", "08:00", "12:00"),
                    iv("monday", "13:00", "17:00")
                ]),
            ),
        ),
        (
            "friday-night",
            weekly(
                "Friday nights",
                "UTC",
                json!([iv("friday", "22:00", "06:00")]),
            ),
        ),
        (
            "christmas",
            json!({"name": "Christmas office", "time_zone": "Europe/London", "intervals": office_hours(), "holidays": [
                {"name": "Christmas Eve afternoon", "date": "2026-12-24", "closed_from": "13:00", "closed_to": "24:00"},
                {"name": "Christmas Day", "date": "12-25", "every_year": true},
                {"name": "Boxing Day (substitute)", "date": "2026-12-28"},
                {"name": "Far-future Monday", "date": "2400-01-03"}
            ]}),
        ),
        (
            "always",
            json!({"name": "Around the clock", "time_zone": "Europe/London", "always_open": true}),
        ),
    ] {
        ids.insert(name, id_of(&create_calendar(&app, &token, body).await));
    }
    let cases = [
        // Europe/London springs forward on Sunday 29 March 2026 and falls back on 25 October.
        Case {
            what: "London, over the spring weekend",
            calendar: "london",
            from: "2026-03-27T16:00:00Z",
            minutes: 120,
            due: "2026-03-30T09:00:00Z",
            due_local: "2026-03-30T10:00:00+01:00",
        },
        Case {
            what: "London, over the autumn weekend",
            calendar: "london",
            from: "2026-10-23T15:00:00Z",
            minutes: 120,
            due: "2026-10-26T10:00:00Z",
            due_local: "2026-10-26T10:00:00+00:00",
        },
        Case {
            what: "a whole spring-forward Sunday is 23 hours",
            calendar: "sundays",
            from: "2026-03-29T00:00:00Z",
            minutes: 23 * 60,
            due: "2026-03-29T23:00:00Z",
            due_local: "2026-03-30T00:00:00+01:00",
        },
        Case {
            what: "a whole fall-back Sunday is 25 hours",
            calendar: "sundays",
            from: "2026-10-24T23:00:00Z",
            minutes: 25 * 60,
            due: "2026-10-26T00:00:00Z",
            due_local: "2026-10-26T00:00:00+00:00",
        },
        // America/New_York springs forward on 8 March 2026 and falls back on 1 November.
        Case {
            what: "New York, over the spring weekend",
            calendar: "new-york",
            from: "2026-03-06T21:00:00Z",
            minutes: 120,
            due: "2026-03-09T14:00:00Z",
            due_local: "2026-03-09T10:00:00-04:00",
        },
        Case {
            what: "New York, over the autumn weekend",
            calendar: "new-york",
            from: "2026-10-30T20:00:00Z",
            minutes: 120,
            due: "2026-11-02T15:00:00Z",
            due_local: "2026-11-02T10:00:00-05:00",
        },
        Case {
            what: "a night shift the clocks go forward in is 7 hours",
            calendar: "ny-nights",
            from: "2026-03-08T03:00:00Z",
            minutes: 7 * 60,
            due: "2026-03-08T10:00:00Z",
            due_local: "2026-03-08T06:00:00-04:00",
        },
        Case {
            what: "split shift: lunch does not count",
            calendar: "split",
            from: "2026-03-02T11:00:00Z",
            minutes: 120,
            due: "2026-03-02T14:00:00Z",
            due_local: "2026-03-02T14:00:00+00:00",
        },
        Case {
            what: "midnight-crossing: Friday night into Saturday",
            calendar: "friday-night",
            from: "2026-03-06T23:00:00Z",
            minutes: 120,
            due: "2026-03-07T01:00:00Z",
            due_local: "2026-03-07T01:00:00+00:00",
        },
        Case {
            what: "midnight-crossing: the Saturday end, then next Friday",
            calendar: "friday-night",
            from: "2026-03-07T05:00:00Z",
            minutes: 120,
            due: "2026-03-13T23:00:00Z",
            due_local: "2026-03-13T23:00:00+00:00",
        },
        Case {
            what: "weekend",
            calendar: "london",
            from: "2026-03-07T12:00:00Z",
            minutes: 60,
            due: "2026-03-09T10:00:00Z",
            due_local: "2026-03-09T10:00:00+00:00",
        },
        Case {
            what: "part-day holiday, Christmas, weekend, substitute day",
            calendar: "christmas",
            from: "2026-12-24T12:00:00Z",
            minutes: 120,
            due: "2026-12-29T10:00:00Z",
            due_local: "2026-12-29T10:00:00+00:00",
        },
        Case {
            what: "far future, with a holiday",
            calendar: "christmas",
            from: "2399-12-31T16:00:00Z",
            minutes: 120,
            due: "2400-01-04T10:00:00Z",
            due_local: "2400-01-04T10:00:00+00:00",
        },
        Case {
            what: "24x7",
            calendar: "always",
            from: "2026-03-28T23:30:00Z",
            minutes: 120,
            due: "2026-03-29T01:30:00Z",
            due_local: "2026-03-29T02:30:00+01:00",
        },
    ];
    for c in &cases {
        let path = format!(
            "/api/v1/admin/calendars/{}/preview?from={}&minutes={}",
            ids[c.calendar], c.from, c.minutes
        );
        let (status, v) = call(&app, &token, "GET", &path, None).await;
        assert_eq!(status, 200, "{}: {v}", c.what);
        assert_eq!(
            v["due_at"]
                .as_str()
                .map(|d| d.parse::<DateTime<Utc>>().unwrap()),
            Some(c.due.parse().unwrap()),
            "{}: {v}",
            c.what
        );
        assert_eq!(v["due_at_local"], c.due_local, "{}", c.what);
        assert_eq!(
            v["from"]
                .as_str()
                .unwrap()
                .parse::<DateTime<Utc>>()
                .unwrap(),
            c.from.parse::<DateTime<Utc>>().unwrap()
        );
    }

    // Business minutes between two instants, and the opening periods listed.
    for (calendar, from, to, minutes) in [
        (
            "sundays",
            "2026-03-29T00:00:00Z",
            "2026-03-30T00:00:00Z",
            23 * 60,
        ),
        (
            "sundays",
            "2026-10-24T23:00:00Z",
            "2026-10-26T00:00:00Z",
            25 * 60,
        ),
        (
            "ny-nights",
            "2026-03-08T03:00:00Z",
            "2026-03-08T12:00:00Z",
            7 * 60,
        ),
        (
            "london",
            "2026-03-27T16:00:00Z",
            "2026-03-30T09:00:00Z",
            120,
        ),
        (
            "christmas",
            "2026-12-24T00:00:00Z",
            "2026-12-30T00:00:00Z",
            4 * 60 + 8 * 60,
        ),
    ] {
        let path = format!(
            "/api/v1/admin/calendars/{}/preview?from={from}&to={to}&minutes=0",
            ids[calendar]
        );
        let (status, v) = call(&app, &token, "GET", &path, None).await;
        assert_eq!(status, 200, "{v}");
        assert_eq!(
            v["business_minutes"], minutes,
            "{calendar} {from}..{to}: {v}"
        );
    }
    let (_, v) = call(
        &app,
        &token,
        "GET",
        &format!(
            "/api/v1/admin/calendars/{}/preview?from=2026-03-02T07:00:00Z&periods=3",
            ids["split"]
        ),
        None,
    )
    .await;
    let periods: Vec<(String, String, i64)> = v["open_periods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["start_local"].as_str().unwrap().into(),
                p["end_local"].as_str().unwrap().into(),
                p["minutes"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        periods,
        [
            (
                "2026-03-02T08:00:00+00:00".into(),
                "2026-03-02T12:00:00+00:00".into(),
                240
            ),
            (
                "2026-03-02T13:00:00+00:00".into(),
                "2026-03-02T17:00:00+00:00".into(),
                240
            ),
            (
                "2026-03-09T08:00:00+00:00".into(),
                "2026-03-09T12:00:00+00:00".into(),
                240
            ),
        ]
    );
    assert_eq!(v["open_at_from"], false);
    assert_eq!(v["minutes"], 480, "the default target");
    let (_, v) = call(
        &app,
        &token,
        "GET",
        &format!(
            "/api/v1/admin/calendars/{}/preview?from=2026-03-02T07:00:00Z",
            ids["always"]
        ),
        None,
    )
    .await;
    assert_eq!(v["always_open"], true);
    assert!(v["open_periods"].as_array().unwrap().is_empty());
    assert_eq!(v["open_at_from"], true);

    // Bad parameters.
    let base = format!("/api/v1/admin/calendars/{}/preview", ids["london"]);
    for (query, status, what) in [
        ("?from=yesterday", 400, "bad_query"),
        ("?minutes=-1", 422, "validation_failed"),
        ("?periods=0", 422, "validation_failed"),
        ("?periods=51", 422, "validation_failed"),
        ("?colour=blue", 400, "bad_query"),
    ] {
        let (got, v) = call(&app, &token, "GET", &format!("{base}{query}"), None).await;
        assert_eq!(
            (got, v["error"]["code"].as_str()),
            (status, Some(what)),
            "{query}: {v}"
        );
    }
    let (status, _) = call(
        &app,
        &token,
        "GET",
        "/api/v1/admin/calendars/999999/preview",
        None,
    )
    .await;
    assert_eq!(status, 404);
}

// ---------------------------------------------------------------------------
// Policies over the API

#[tokio::test]
async fn policies_are_created_read_changed_and_deleted_over_the_api() {
    let (app, token) = admin_app().await;
    let (status, p) = call(
        &app,
        &token,
        "POST",
        "/api/v1/admin/sla-policies",
        Some(policy_body("Street lighting")),
    )
    .await;
    assert_eq!(status, 201, "{p}");
    let id = id_of(&p);
    assert_eq!(p["warning_percents"], json!([50, 75, 90]), "sorted");
    assert_eq!(
        p["breach_actions"],
        json!(["notify_supervisors", "move_department"])
    );
    assert_eq!(p["escalation_department"], "contact-centre");
    assert_eq!(p["calendar_id"], Value::Null);
    assert_eq!(p["keep_in_touch_minutes"], 600);
    assert!(p["overrides"].as_array().unwrap().is_empty());
    let path = format!("/api/v1/admin/sla-policies/{id}");
    let (status, got) = call(&app, &token, "GET", &path, None).await;
    assert_eq!((status, &got), (200, &p));
    let (_, list) = call(&app, &token, "GET", "/api/v1/admin/sla-policies", None).await;
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        civicdesk::seed::SLA_POLICIES.len() + 1
    );

    // Change everything: own 24x7 calendar, no keep-in-touch, other actions.
    let emergency = calendar_id_named(&app, civicdesk::seed::EMERGENCY_CALENDAR);
    let (status, v) = call(&app, &token, "PUT", &path, Some(json!({
        "name": "Street lighting (24x7)", "first_response_minutes": 30, "resolution_minutes": 30,
        "warning_percents": [80], "warning_actions": ["raise_priority"], "breach_actions": [],
        "calendar_id": emergency
    }))).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["name"], "Street lighting (24x7)");
    assert_eq!(v["keep_in_touch_minutes"], Value::Null);
    assert_eq!(v["calendar_id"], emergency);
    assert_eq!(v["calendar_name"], civicdesk::seed::EMERGENCY_CALENDAR);
    assert_eq!(v["escalation_department"], Value::Null);
    assert_eq!(v["breach_actions"], json!([]));

    // Per-priority targets: set, replace, remove.
    let (status, v) = call(
        &app,
        &token,
        "PUT",
        &format!("{path}/targets/urgent"),
        Some(json!({"first_response_minutes": 10, "resolution_minutes": 20})),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        v["overrides"],
        json!([{"priority": "urgent", "first_response_minutes": 10, "keep_in_touch_minutes": null, "resolution_minutes": 20}])
    );
    let (status, v) = call(&app, &token, "PUT", &format!("{path}/targets/urgent"), Some(json!({"first_response_minutes": 15, "keep_in_touch_minutes": 60, "resolution_minutes": 25}))).await;
    assert_eq!(status, 200);
    assert_eq!(v["overrides"][0]["first_response_minutes"], 15);
    let (_, v) = call(
        &app,
        &token,
        "PUT",
        &format!("{path}/targets/low"),
        Some(json!({"first_response_minutes": 120, "resolution_minutes": 600})),
    )
    .await;
    assert_eq!(v["overrides"].as_array().unwrap().len(), 2);
    assert_eq!(v["overrides"][0]["priority"], "low", "by priority");

    // What the engine reads.
    let mut conn = app.conn();
    use civicdesk::sla_config::policies::targets_for;
    assert_eq!(
        targets_for(&mut conn, id, Priority::Urgent).unwrap(),
        Some(Targets {
            first_response: 15,
            keep_in_touch: Some(60),
            resolution: 25
        })
    );
    assert_eq!(
        targets_for(&mut conn, id, Priority::Normal).unwrap(),
        Some(Targets {
            first_response: 30,
            keep_in_touch: None,
            resolution: 30
        })
    );
    assert_eq!(
        targets_for(&mut conn, 999_999, Priority::Normal).unwrap(),
        None
    );

    let (status, v) = call(
        &app,
        &token,
        "DELETE",
        &format!("{path}/targets/urgent"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(v["overrides"].as_array().unwrap().len(), 1);
    assert_eq!(
        targets_for(&mut conn, id, Priority::Urgent)
            .unwrap()
            .unwrap()
            .first_response,
        30
    );
    for p in [
        format!("{path}/targets/urgent"),
        format!("{path}/targets/critical"),
    ] {
        let (status, v) = call(&app, &token, "DELETE", &p, None).await;
        assert_eq!(
            (status, v["error"]["code"].as_str()),
            (404, Some("not_found")),
            "{p}"
        );
    }

    // Services move to it; then it is in use.
    let (status, v) = call(
        &app,
        &token,
        "POST",
        &format!("{path}/categories"),
        Some(json!({"categories": ["street-light", "pothole"]})),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["categories"], json!(["pothole", "street-light"]));
    let (status, v) = call(&app, &token, "DELETE", &path, None).await;
    assert_eq!((status, v["error"]["code"].as_str()), (409, Some("in_use")));
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("2 services use it"),
        "{v}"
    );
    let standard = policy_id_named(&app, "Standard service request");
    let (status, _) = call(
        &app,
        &token,
        "POST",
        &format!("/api/v1/admin/sla-policies/{standard}/categories"),
        Some(json!({"categories": ["street-light", "pothole"]})),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = call(&app, &token, "DELETE", &path, None).await;
    assert_eq!(status, 204);
    assert_eq!(
        app.count(&format!("sla_policy_targets WHERE policy_id = {id}")),
        0
    );
    let (status, _) = call(&app, &token, "GET", &path, None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn every_policy_mistake_is_named_with_its_message_and_nothing_is_stored() {
    let (app, token) = admin_app().await;
    let standard = policy_id_named(&app, "Standard service request");
    app.execute("UPDATE departments SET active = false WHERE slug = 'planning'");
    let before = snapshot(&app);
    let with = |changes: Value| {
        let mut b = policy_body("New policy");
        for (k, v) in changes.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    let cases: Vec<(Value, &str, &str)> = vec![
        (with(json!({"name": ""})), "name", "Enter a name"),
        (
            with(json!({"name": "Enquiry"})),
            "name",
            "There is already an SLA policy called \"Enquiry\"",
        ),
        (
            with(json!({"description": "d".repeat(2001)})),
            "description",
            "at most 2000 characters",
        ),
        (
            with(json!({"first_response_minutes": 0})),
            "first_response_minutes",
            "The first-response target must be from 1 to",
        ),
        (
            with(json!({"first_response_minutes": -5})),
            "first_response_minutes",
            "not -5",
        ),
        (
            with(json!({"first_response_minutes": null})),
            "first_response_minutes",
            "Enter the first-response target in business minutes",
        ),
        (
            with(json!({"keep_in_touch_minutes": 0})),
            "keep_in_touch_minutes",
            "The keep-in-touch target must be from 1 to",
        ),
        (
            with(json!({"resolution_minutes": 0})),
            "resolution_minutes",
            "The resolution target must be from 1 to",
        ),
        (
            with(json!({"resolution_minutes": 99_999_999})),
            "resolution_minutes",
            "from 1 to 5256000",
        ),
        (
            with(json!({"first_response_minutes": 600, "resolution_minutes": 60})),
            "first_response_minutes",
            "The first response (600 minutes) cannot be due after the resolution (60 minutes)",
        ),
        (
            with(json!({"warning_percents": []})),
            "warning_percents",
            "Give at least one warning threshold",
        ),
        (
            with(json!({"warning_percents": [0]})),
            "warning_percents",
            "Warning thresholds are percentages from 1 to 99, not 0",
        ),
        (
            with(json!({"warning_percents": [50, 100]})),
            "warning_percents",
            "not 100",
        ),
        (
            with(json!({"warning_percents": [75, 50, 75]})),
            "warning_percents",
            "75 is given twice",
        ),
        (
            with(json!({"warning_actions": ["phone_the_mayor"]})),
            "warning_actions",
            "\"phone_the_mayor\" is not an escalation action",
        ),
        (
            with(json!({"breach_actions": ["move_department"], "escalation_department": null})),
            "escalation_department",
            "Choose the escalation department",
        ),
        (
            with(
                json!({"warning_actions": ["move_department"], "breach_actions": [], "escalation_department": ""}),
            ),
            "escalation_department",
            "needs one",
        ),
        (
            with(json!({"escalation_department": "ministry-of-magic"})),
            "escalation_department",
            "There is no department \"ministry-of-magic\"",
        ),
        (
            with(json!({"escalation_department": "planning"})),
            "escalation_department",
            "Planning & Building Control is no longer in use",
        ),
        (
            with(json!({"calendar_id": 999_999})),
            "calendar_id",
            "There is no calendar 999999",
        ),
    ];
    for (body, field, message) in &cases {
        for (method, path) in [
            ("POST", "/api/v1/admin/sla-policies".to_string()),
            ("PUT", format!("/api/v1/admin/sla-policies/{standard}")),
        ] {
            if *field == "name" && message.contains("already") && method == "PUT" {
                continue;
            }
            let (status, v) = call(&app, &token, method, &path, Some(body.clone())).await;
            assert_eq!(status, 422, "{method} {body}: {v}");
            let got = v["error"]["fields"][*field]
                .as_str()
                .unwrap_or_else(|| panic!("{field} not in {v}"));
            assert!(
                got.contains(message),
                "{field}: {got:?} should say {message:?}"
            );
        }
    }
    // Renaming to another policy's name is refused too.
    let (status, v) = call(
        &app,
        &token,
        "PUT",
        &format!("/api/v1/admin/sla-policies/{standard}"),
        Some(with(json!({"name": "Enquiry"}))),
    )
    .await;
    assert_eq!(status, 422);
    assert!(v["error"]["fields"]["name"]
        .as_str()
        .unwrap()
        .contains("already"));

    // Per-priority targets follow the same rules.
    let targets = format!("/api/v1/admin/sla-policies/{standard}/targets/high");
    for (body, field, message) in [
        (
            json!({"first_response_minutes": 0, "resolution_minutes": 10}),
            "first_response_minutes",
            "from 1 to",
        ),
        (
            json!({"first_response_minutes": 10}),
            "resolution_minutes",
            "Enter the resolution target",
        ),
        (
            json!({"first_response_minutes": 20, "resolution_minutes": 10}),
            "first_response_minutes",
            "cannot be due after the resolution",
        ),
        (
            json!({"first_response_minutes": 5, "keep_in_touch_minutes": -1, "resolution_minutes": 10}),
            "keep_in_touch_minutes",
            "not -1",
        ),
    ] {
        let (status, v) = call(&app, &token, "PUT", &targets, Some(body.clone())).await;
        assert_eq!(status, 422, "{body}: {v}");
        assert!(
            v["error"]["fields"][field]
                .as_str()
                .unwrap_or_default()
                .contains(message),
            "{field}: {v}"
        );
    }
    let (status, _) = call(
        &app,
        &token,
        "PUT",
        &format!("/api/v1/admin/sla-policies/{standard}/targets/critical"),
        Some(json!({"first_response_minutes": 5, "resolution_minutes": 10})),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = call(
        &app,
        &token,
        "PUT",
        "/api/v1/admin/sla-policies/999999",
        Some(policy_body("Ghost")),
    )
    .await;
    assert_eq!(status, 404);
    let (status, v) = call(
        &app,
        &token,
        "POST",
        &format!("/api/v1/admin/sla-policies/{standard}/categories"),
        Some(json!({"categories": ["pothole", "unicorn-sighting"]})),
    )
    .await;
    assert_eq!(status, 422);
    assert!(v["error"]["fields"]["categories"]
        .as_str()
        .unwrap()
        .contains("There is no service \"unicorn-sighting\""));
    let (status, v) = call(
        &app,
        &token,
        "POST",
        "/api/v1/admin/sla-policies",
        Some(json!({"name": "X", "first_response_minutes": "soon"})),
    )
    .await;
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (400, Some("malformed_json"))
    );
    let (status, _) = call(
        &app,
        &token,
        "POST",
        "/api/v1/admin/sla-policies",
        Some(json!({"name": "X", "targets": {}})),
    )
    .await;
    assert_eq!(status, 400, "unknown fields are refused");
    assert_eq!(snapshot(&app), before, "nothing was stored");
}

#[tokio::test]
async fn a_policy_ticket_clocks_follow_is_not_deleted() {
    let (app, token) = admin_app().await;
    let (_, p) = call(
        &app,
        &token,
        "POST",
        "/api/v1/admin/sla-policies",
        Some(policy_body("Short-lived")),
    )
    .await;
    let id = id_of(&p);
    let ticket = a_ticket(&app).await;
    let office = calendar_id_named(&app, civicdesk::seed::OFFICE_CALENDAR);
    app.execute(&format!(
        "INSERT INTO sla_clocks (ticket_id, clock, policy_id, calendar_id, state, started_at, target_minutes, since) \
         VALUES ({ticket}, 'keep_in_touch', {id}, {office}, 'running', now(), 60, now()) \
         ON CONFLICT (ticket_id, clock) DO UPDATE SET policy_id = EXCLUDED.policy_id"
    ));
    let (status, v) = call(
        &app,
        &token,
        "DELETE",
        &format!("/api/v1/admin/sla-policies/{id}"),
        None,
    )
    .await;
    assert_eq!((status, v["error"]["code"].as_str()), (409, Some("in_use")));
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("the SLA clocks of a ticket follow it"),
        "{v}"
    );
    assert_eq!(app.count(&format!("sla_policies WHERE id = {id}")), 1);
}

// ---------------------------------------------------------------------------
// The pages

#[tokio::test]
async fn calendar_pages_create_check_change_and_delete_a_calendar() {
    let (app, token) = admin_app().await;
    let (status, html) = page(&app, &token, "/staff/admin/calendars").await;
    assert_eq!(status, 200);
    assert!(html.contains("Council offices") && html.contains("Emergencies (24x7)"));
    assert!(
        html.contains(r#"href="/staff/admin/calendars""#) && html.contains("aria-current"),
        "the nav links it"
    );
    let (status, html) = page(&app, &token, "/staff/admin/calendars/new").await;
    assert_eq!(status, 200);
    assert!(
        html.contains(&format!("value=\"{}\"", esc("Europe/London"))),
        "the council's zone is suggested"
    );

    let (status, loc, _) = post(
        &app,
        &token,
        "/staff/admin/calendars",
        &[
            ("name", "Depot"),
            ("time_zone", "Europe/London"),
            ("hours.1.start", "08:00"),
            ("hours.1.end", "12:00"),
            ("hours.5.start", "22:00"),
            ("hours.5.end", "06:00"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    assert!(loc.ends_with("?done=created"), "{loc}");
    let base = loc.split('?').next().unwrap().to_string();
    let id: i64 = base.rsplit('/').next().unwrap().parse().unwrap();
    assert_eq!(
        app.count(&format!("calendar_intervals WHERE calendar_id = {id}")),
        2
    );

    // The page: what it is, the preview in its zone.
    let (status, html) = page(&app, &token, &format!("{base}?done=created")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Created."));
    assert!(html.contains(&esc("Times on this page are in Europe/London.")));
    assert!(
        html.contains("with a target of 8 business hours, it would be due"),
        "{html}"
    );
    assert!(html.contains("The next opening periods"));
    assert!(
        html.contains("22:00") && html.contains("06:00 the next day"),
        "the night shift is shown as such"
    );
    // A preview asked for: Friday 27 March 2026 at 23:00, a 2-hour target: Saturday 01:00 GMT.
    let (status, html) = page(&app, &token, &format!("{base}?at=2026-03-27T23:00&hours=2")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Sat 28 Mar 2026, 01:00 GMT"), "{html}");
    // Across the spring change: Saturday 28 March 05:00, 3 hours: 1 h on Saturday, then Monday 08:00–10:00 BST.
    let (_, html) = page(&app, &token, &format!("{base}?at=2026-03-28T05:00&hours=3")).await;
    assert!(html.contains("due Mon 30 Mar 2026, 10:00 BST"), "{html}");
    let (_, html) = page(&app, &token, &format!("{base}?at=2026-03-29T01:30&hours=x")).await;
    assert!(html.contains("That time does not exist in this zone"));
    assert!(html.contains("Enter the target as a number of hours"));

    // A split shift, a holiday, then take them away again.
    let (status, loc, _) = post(
        &app,
        &token,
        &format!("{base}/intervals"),
        &[
            ("interval.weekday", "1"),
            ("interval.start", "13:00"),
            ("interval.end", "17:00"),
        ],
    )
    .await;
    assert_eq!(
        (status, loc.as_str()),
        (303, format!("{base}?done=interval-added").as_str())
    );
    let (status, loc, _) = post(
        &app,
        &token,
        &format!("{base}/holidays"),
        &[
            ("holiday.name", "Christmas Eve"),
            ("holiday.date", "2026-12-24"),
            ("holiday.every_year", "1"),
            ("holiday.closed_from", "13:00"),
            ("holiday.closed_to", "24:00"),
        ],
    )
    .await;
    assert_eq!(
        (status, loc.as_str()),
        (303, format!("{base}?done=holiday-added").as_str())
    );
    let (_, html) = page(&app, &token, &base).await;
    assert!(
        html.contains("Christmas Eve") && html.contains("12-24") && html.contains("13:00 to 24:00"),
        "{html}"
    );
    let holiday: i64 = diesel::sql_query(format!(
        "SELECT id FROM calendar_holidays WHERE calendar_id = {id}"
    ))
    .get_result::<IdRow>(&mut app.conn())
    .unwrap()
    .id;
    let (status, loc, _) = post(
        &app,
        &token,
        &format!("{base}/holidays/{holiday}/delete"),
        &[],
    )
    .await;
    assert_eq!(
        (status, loc.as_str()),
        (303, format!("{base}?done=holiday-removed").as_str())
    );
    let interval: i64 = diesel::sql_query(format!(
        "SELECT id FROM calendar_intervals WHERE calendar_id = {id} AND start_time = '13:00'"
    ))
    .get_result::<IdRow>(&mut app.conn())
    .unwrap()
    .id;
    let (status, _, _) = post(
        &app,
        &token,
        &format!("{base}/intervals/{interval}/delete"),
        &[],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(
        app.count(&format!("calendar_intervals WHERE calendar_id = {id}")),
        2
    );

    // Rename; then 24x7 (the hours go); then weekly again through the hours table.
    let (status, _, _) = post(
        &app,
        &token,
        &base,
        &[("name", "Depot (renamed)"), ("time_zone", "Europe/London")],
    )
    .await;
    assert_eq!(status, 303);
    let (status, _, _) = post(
        &app,
        &token,
        &base,
        &[
            ("name", "Depot (renamed)"),
            ("time_zone", "Europe/London"),
            ("always_open", "1"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(
        app.count(&format!("calendar_intervals WHERE calendar_id = {id}")),
        0
    );
    let (_, html) = page(&app, &token, &base).await;
    assert!(html.contains("It is open around the clock."));
    assert!(
        html.contains(r#"name="hours.1.start""#),
        "the hours table is offered to make it weekly"
    );
    let (status, _, html) = post(
        &app,
        &token,
        &base,
        &[
            ("name", "Depot (renamed)"),
            ("time_zone", "Europe/London"),
            ("hours_shown", "1"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        html.contains(r##"href="#field-intervals""##)
            && html.contains("A weekly calendar needs at least one opening interval")
    );
    let (status, _, _) = post(
        &app,
        &token,
        &base,
        &[
            ("name", "Depot (renamed)"),
            ("time_zone", "Europe/London"),
            ("hours_shown", "1"),
            ("hours.3.start", "09:00"),
            ("hours.3.end", "17:00"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(
        app.count(&format!("calendar_intervals WHERE calendar_id = {id}")),
        1
    );

    let (status, loc, _) = post(&app, &token, &format!("{base}/delete"), &[]).await;
    assert_eq!(
        (status, loc.as_str()),
        (303, "/staff/admin/calendars?done=deleted")
    );
    assert_eq!(app.count(&format!("business_calendars WHERE id = {id}")), 0);
    let (status, _) = page(&app, &token, &base).await;
    assert_eq!(status, 404);
}

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
}

#[tokio::test]
async fn calendar_page_mistakes_are_summarised_linked_and_kept() {
    let (app, token) = admin_app().await;
    let before = snapshot(&app);
    let (status, _, html) = post(
        &app,
        &token,
        "/staff/admin/calendars",
        &[
            ("name", "<b>Depot</b>"),
            ("time_zone", "Mars/Olympus"),
            ("hours.1.start", "09:00"),
            ("hours.1.end", "09:00"),
            ("hours.2.start", "9am"),
            ("hours.2.end", "17:00"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("error-summary"));
    for anchor in [
        "#field-time_zone",
        "#field-hours-1-end",
        "#field-hours-2-start",
    ] {
        assert!(
            html.contains(&format!(r#"href="{anchor}""#)),
            "{anchor} in {html}"
        );
    }
    assert!(
        html.find("#field-time_zone").unwrap() < html.find("#field-hours-1-end").unwrap(),
        "in the form's order"
    );
    assert!(html.contains(&esc("is not an IANA time zone such as Europe/London")));
    assert!(html.contains("The interval on Monday from 09:00 to 09:00 is empty"));
    assert!(
        html.contains(&format!("value=\"{}\"", esc("Mars/Olympus")))
            && html.contains(r#"value="9am""#),
        "typed values are kept"
    );
    assert!(html.contains(&esc("<b>Depot</b>")), "escaped");
    assert!(!html.contains("<b>Depot</b>"));
    let (status, _, html) = post(
        &app,
        &token,
        "/staff/admin/calendars",
        &[
            ("name", "All day"),
            ("time_zone", "UTC"),
            ("always_open", "1"),
            ("hours.1.start", "09:00"),
            ("hours.1.end", "17:00"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("A 24x7 calendar is always open"));
    assert!(
        html.contains(r#"id="always_open" name="always_open" value="1" checked"#),
        "the box stays ticked"
    );

    // On the calendar's page: each form's mistakes, its values kept.
    let office = calendar_id_named(&app, civicdesk::seed::OFFICE_CALENDAR);
    let base = format!("/staff/admin/calendars/{office}");
    let (status, _, html) = post(
        &app,
        &token,
        &format!("{base}/intervals"),
        &[
            ("interval.weekday", "6"),
            ("interval.start", "10:00"),
            ("interval.end", "10:00"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        html.contains(r##"href="#field-interval-end""##)
            && html.contains("The interval on Saturday from 10:00 to 10:00 is empty")
    );
    assert!(html.contains(r#"<option value="6" selected>"#));
    let (status, _, html) = post(
        &app,
        &token,
        &format!("{base}/holidays"),
        &[
            ("holiday.name", "Odd day"),
            ("holiday.date", "2026-02-30"),
            ("holiday.closed_from", "14:00"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        html.contains(r##"href="#field-holiday-date""##)
            && html.contains(&esc("\"2026-02-30\" is not a real date"))
    );
    assert!(html.contains(r##"href="#field-holiday-closed_to""##));
    assert!(html.contains(r#"value="Odd day""#) && html.contains(r#"value="14:00""#));
    let (status, _, html) = post(
        &app,
        &token,
        &base,
        &[("name", ""), ("time_zone", "Europe/London")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains(r##"href="#field-name""##));
    let (status, _, html) = post(&app, &token, &format!("{base}/delete"), &[]).await;
    assert_eq!(status, 409);
    assert!(html.contains(r##"href="#field-delete""##) && html.contains("8 departments use it"));

    // No CSRF token: refused, nothing stored.
    let res = bare_client()
        .post(app.url(&format!("{base}/intervals")))
        .header("cookie", format!("civicdesk_session={token}"))
        .form(&[
            ("interval.weekday", "6"),
            ("interval.start", "10:00"),
            ("interval.end", "12:00"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(snapshot(&app), before, "nothing was stored");
}

#[tokio::test]
async fn policy_pages_create_change_override_assign_and_delete() {
    let (app, token) = admin_app().await;
    let (status, html) = page(&app, &token, "/staff/admin/sla-policies").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Standard service request") && html.contains("8 h 30 min"),
        "minutes as hours"
    );
    assert!(html.contains("apply to requests created afterwards"));
    let (status, html) = page(&app, &token, "/staff/admin/sla-policies/new").await;
    assert_eq!(status, 200);
    assert!(html.contains(&esc("The handling department's calendar")));

    let form = [
        ("name", "Graffiti"),
        ("description", "Offensive graffiti first"),
        ("first_response_minutes", "120"),
        ("keep_in_touch_minutes", ""),
        ("resolution_minutes", "2550"),
        ("warning_percents", "90, 50%"),
        ("warning_actions", "notify_assignee"),
        ("breach_actions", "raise_priority"),
        ("breach_actions", "move_department"),
        ("escalation_department", "environmental-health"),
        ("calendar_id", ""),
    ];
    let (status, loc, _) = post(&app, &token, "/staff/admin/sla-policies", &form).await;
    assert_eq!(status, 303);
    let base = loc.split('?').next().unwrap().to_string();
    let id: i64 = base.rsplit('/').next().unwrap().parse().unwrap();
    let config = civicdesk::sla_config::policies::load(&mut app.conn(), id)
        .unwrap()
        .unwrap();
    assert_eq!(config.warning_percents, [50, 90]);
    assert_eq!(
        config.targets,
        Targets {
            first_response: 120,
            keep_in_touch: None,
            resolution: 2550
        }
    );
    assert!(config.escalation_department_id.is_some());
    let (_, html) = page(&app, &token, &base).await;
    assert!(html.contains(r#"value="50, 90""#));
    assert!(html.contains(r#"value="move_department" checked"#));

    // Mistakes come back summarised, in the form's order, values kept.
    let (status, _, html) = post(
        &app,
        &token,
        &base,
        &[
            ("name", "Graffiti"),
            ("first_response_minutes", "0"),
            ("resolution_minutes", "soon"),
            ("warning_percents", "50, 50, 120"),
            ("breach_actions", "move_department"),
            ("escalation_department", ""),
        ],
    )
    .await;
    assert_eq!(status, 422);
    let anchors = [
        "#field-first_response_minutes",
        "#field-resolution_minutes",
        "#field-warning_percents",
        "#field-escalation_department",
    ];
    let positions: Vec<usize> = anchors
        .iter()
        .map(|a| {
            html.find(&format!(r#"href="{a}""#))
                .unwrap_or_else(|| panic!("{a}"))
        })
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "summary in the form's order: {positions:?}"
    );
    assert!(html.contains(&esc("not \"soon\"")));
    assert!(html.contains(r#"value="50, 50, 120""#));
    assert_eq!(
        civicdesk::sla_config::policies::load(&mut app.conn(), id)
            .unwrap()
            .unwrap(),
        config,
        "unchanged"
    );

    // Targets for urgent tickets, then gone again.
    let (status, loc, _) = post(
        &app,
        &token,
        &format!("{base}/targets"),
        &[
            ("override.priority", "urgent"),
            ("override.first_response_minutes", "30"),
            ("override.resolution_minutes", "240"),
        ],
    )
    .await;
    assert_eq!(
        (status, loc.as_str()),
        (303, format!("{base}?done=override-saved").as_str())
    );
    let (status, _, html) = post(
        &app,
        &token,
        &format!("{base}/targets"),
        &[
            ("override.priority", "urgent"),
            ("override.first_response_minutes", "300"),
            ("override.resolution_minutes", "240"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        html.contains(r##"href="#field-override-first_response_minutes""##)
            && html.contains("cannot be due after the resolution")
    );
    let (_, html) = page(&app, &token, &base).await;
    assert!(html.contains("30 min") && html.contains("4 h"));
    let (status, _, _) = post(&app, &token, &format!("{base}/targets/urgent/delete"), &[]).await;
    assert_eq!(status, 303);
    assert_eq!(
        app.count(&format!("sla_policy_targets WHERE policy_id = {id}")),
        0
    );

    // The services page: graffiti's service moves to it, so it cannot be deleted.
    let category: i64 = categories::table
        .filter(categories::slug.eq("graffiti"))
        .select(categories::id)
        .first(&mut app.conn())
        .unwrap();
    let (status, html) = page(&app, &token, "/staff/admin/sla-policies/categories").await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!(r#"name="category.{category}""#)));
    let field = format!("category.{category}");
    let id_text = id.to_string();
    let (status, loc, _) = post(
        &app,
        &token,
        "/staff/admin/sla-policies/categories",
        &[(field.as_str(), id_text.as_str())],
    )
    .await;
    assert_eq!(
        (status, loc.as_str()),
        (303, "/staff/admin/sla-policies/categories?done=assigned")
    );
    let (status, _, html) = post(
        &app,
        &token,
        "/staff/admin/sla-policies/categories",
        &[(field.as_str(), "999999")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        html.contains(&format!(r##"href="#field-category-{category}""##))
            && html.contains("There is no SLA policy 999999")
    );
    let (status, _, html) = post(&app, &token, &format!("{base}/delete"), &[]).await;
    assert_eq!(status, 409);
    assert!(html.contains("a service uses it (Graffiti"), "{html}");
    let (status, _, _) = post(
        &app,
        &token,
        "/staff/admin/sla-policies/categories",
        &[(field.as_str(), "")],
    )
    .await;
    assert_eq!(status, 303);
    let (status, loc, _) = post(&app, &token, &format!("{base}/delete"), &[]).await;
    assert_eq!(
        (status, loc.as_str()),
        (303, "/staff/admin/sla-policies?done=deleted")
    );
    assert_eq!(app.count(&format!("sla_policies WHERE id = {id}")), 0);
    assert_eq!(
        app.count(&format!(
            "categories WHERE id = {category} AND sla_policy_id IS NULL"
        )),
        1,
        "a service may have no SLA"
    );
}

// ---------------------------------------------------------------------------
// The engine's loaders and the demo council

#[tokio::test]
async fn the_engine_loads_exactly_the_calendars_admins_saved() {
    let (app, token) = admin_app().await;
    let cal = create_calendar(&app, &token, json!({"name": "Shifts", "time_zone": "UTC", "intervals": [
        {"weekday": "monday", "start": "08:00", "end": "12:00"}, {"weekday": "monday", "start": "13:00", "end": "17:00"}
    ], "holidays": [{"name": "Off", "date": "2026-03-09"}]})).await;
    let id = id_of(&cal);
    use civicdesk::sla_config::calendars::{load_calendar, load_calendars};
    let mut conn = app.conn();
    let loaded = load_calendar(&mut conn, id).unwrap().unwrap();
    let monday: DateTime<Utc> = "2026-03-02T11:00:00Z".parse().unwrap();
    assert_eq!(
        loaded.add_minutes(monday, 120),
        "2026-03-02T14:00:00Z".parse::<DateTime<Utc>>().unwrap()
    );
    assert_eq!(
        loaded.add_minutes(monday, 8 * 60),
        "2026-03-16T11:00:00Z".parse::<DateTime<Utc>>().unwrap(),
        "the holiday Monday is skipped"
    );
    assert!(load_calendar(&mut conn, 999_999).unwrap().is_none());
    let all = load_calendars(&mut conn).unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(all[&id].0, loaded);
    let stamp = all[&id].1;
    let (status, _) = call(
        &app,
        &token,
        "POST",
        &format!("/api/v1/admin/calendars/{id}/holidays"),
        Some(json!({"name": "Off too", "date": "2026-03-16"})),
    )
    .await;
    assert_eq!(status, 201);
    let again = load_calendars(&mut conn).unwrap();
    assert!(
        again[&id].1 > stamp,
        "a holiday change moves updated_at, for the SLA worker"
    );
    assert_ne!(again[&id].0, loaded);
}

#[tokio::test]
async fn the_demo_policies_are_complete_and_seeding_again_changes_nothing() {
    let (app, _token) = admin_app().await;
    let mut conn = app.conn();
    let policies = civicdesk::sla_config::policies::load_all(&mut conn).unwrap();
    assert_eq!(policies.len(), civicdesk::seed::SLA_POLICIES.len());
    assert!(policies.iter().all(|p| !p.warning_percents.is_empty()));
    assert!(
        policies
            .iter()
            .filter(|p| p.targets.keep_in_touch.is_some())
            .count()
            >= 5
    );
    assert!(policies.iter().any(|p| p.warning_percents == [50, 75, 90]));
    use civicdesk::domain::sla::EscalationAction;
    let moving = policies
        .iter()
        .find(|p| p.breach_actions.contains(&EscalationAction::MoveDepartment))
        .expect("one moves tickets");
    assert!(moving.escalation_department_id.is_some());
    let standard = policies
        .iter()
        .find(|p| p.name == "Standard service request")
        .unwrap();
    assert!(
        standard.targets_for(Priority::Urgent).resolution
            < standard.targets_for(Priority::Normal).resolution
    );
    assert_eq!(standard.overrides.len(), 1);
    // Both demo calendars build.
    assert_eq!(
        civicdesk::sla_config::calendars::load_calendars(&mut conn)
            .unwrap()
            .len(),
        2
    );

    // An administrator removes the urgent override; seeding again neither
    // restores it nor changes anything else.
    diesel::delete(civicdesk::schema::sla_policy_targets::table)
        .execute(&mut conn)
        .unwrap();
    let before = snapshot(&app);
    let report = app.seed_demo();
    assert_eq!(report.created_rows, 0);
    assert_eq!(snapshot(&app), before);
}
