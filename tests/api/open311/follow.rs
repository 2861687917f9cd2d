//! Following requests: `GET requests` (its filters, date windows, paging and
//! limits), `GET requests/{id}`, and the updates extension
//! (`GET servicerequestupdates`), with staff working the ticket in between.

use chrono::{DateTime, SecondsFormat, TimeDelta, TimeZone, Utc};
use serde_json::{json, Value};

use super::*;

fn z(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("a bare array")
        .iter()
        .map(|r| r["service_request_id"].as_str().unwrap().to_string())
        .collect()
}

/// A pothole report made at `at` (the app's clock is moved there).
async fn report_at(app: &TestApp, key: &str, at: DateTime<Utc>) -> String {
    app.clock.set(at);
    submit(app, &pothole(key)).await
}

#[tokio::test]
async fn a_request_shows_every_field_staff_replies_as_status_notes_and_the_sla_due_instant() {
    // Summer: the council's times carry +01:00.
    let t0 = Utc.with_ymd_and_hms(2026, 7, 1, 9, 0, 0).unwrap();
    let app = desk_at(t0).await;
    let key = api_key(&app);
    let mut fields = pothole(&key);
    fields.push(("media_url", "https://photos.example.org/hole.jpg"));
    let id = submit(&app, &fields).await;

    let (status, found, x) = both(&app, &format!("requests/{id}"), "").await;
    assert_eq!(status, 200);
    assert_eq!(x.name, "service_requests");
    assert_eq!(
        x.child("request").names(),
        [
            "service_request_id",
            "status",
            "status_notes",
            "service_name",
            "service_code",
            "description",
            "agency_responsible",
            "service_notice",
            "requested_datetime",
            "updated_datetime",
            "expected_datetime",
            "address",
            "address_id",
            "zipcode",
            "lat",
            "long",
            "media_url"
        ]
    );
    let r = &found[0];
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert_eq!(r["service_request_id"], id.as_str());
    assert_eq!(r["status"], "open");
    assert_eq!(r["status_notes"], Value::Null);
    assert_eq!(r["service_name"], "Pothole or damaged road");
    assert_eq!(r["service_code"], "pothole");
    assert_eq!(r["description"], "A deep pothole by the bus stop.");
    assert_eq!(r["agency_responsible"], "Roads & Transport");
    assert!(
        r["service_notice"]
            .as_str()
            .unwrap()
            .starts_with("We aim to resolve"),
        "the pothole's SLA policy: {}",
        r["service_notice"]
    );
    assert_eq!(r["requested_datetime"], "2026-07-01T10:00:00+01:00");
    assert_eq!(r["updated_datetime"], "2026-07-01T10:00:00+01:00");
    assert_eq!(r["address"], "12 High Street");
    assert_eq!(r["address_id"], Value::Null);
    assert_eq!(r["zipcode"], Value::Null);
    assert_eq!(r["lat"], json!(51.5072));
    assert_eq!(r["long"], json!(-0.1276));
    assert_eq!(r["media_url"], "https://photos.example.org/hole.jpg");
    // Numbers are numbers in JSON and text in XML.
    assert_eq!(x.child("request").text_of("lat"), "51.5072");

    // expected_datetime is the SLA resolution clock's due instant: the
    // engine started the clock when the request came in.
    let engine_due: Option<DateTime<Utc>> = {
        use civicdesk::schema::{sla_clocks, tickets};
        use diesel::prelude::*;
        sla_clocks::table
            .inner_join(tickets::table)
            .filter(tickets::reference.eq(&id))
            .filter(sla_clocks::clock.eq("resolution"))
            .select(sla_clocks::due_at)
            .first(&mut app.conn())
            .unwrap()
    };
    let engine_due = engine_due.expect("the pothole's policy runs a resolution clock");
    assert!(engine_due > t0);
    assert_eq!(
        r["expected_datetime"],
        civicdesk::open311::params::format_datetime(engine_due, chrono_tz::Europe::London)
    );
    let due = t0 + TimeDelta::days(3);
    app.execute(&format!(
        "INSERT INTO sla_clocks (ticket_id, clock, calendar_id, state, started_at, target_minutes, \
         since, due_at) SELECT t.id, 'resolution', d.calendar_id, 'running', '{t0}', 600, '{t0}', \
         '{due}' FROM tickets t JOIN departments d ON d.id = t.department_id \
         WHERE t.reference = '{id}' ON CONFLICT (ticket_id, clock) DO UPDATE SET \
         due_at = EXCLUDED.due_at, state = 'running'",
        t0 = z(t0),
        due = z(due)
    ));
    let (_, found, _) = both(&app, &format!("requests/{id}"), "").await;
    assert_eq!(found[0]["expected_datetime"], "2026-07-04T10:00:00+01:00");
    app.execute(&format!(
        "DELETE FROM sla_clocks WHERE clock = 'resolution' AND ticket_id = \
         (SELECT id FROM tickets WHERE reference = '{id}')"
    ));
    let (_, found, x) = both(&app, &format!("requests/{id}"), "").await;
    assert_eq!(found[0]["expected_datetime"], Value::Null);
    assert_eq!(x.child("request").text_of("expected_datetime"), "");

    // Staff work the ticket: the latest public reply is the status notes;
    // an internal note never shows; resolving closes it.
    let staff = staff_token(&app, "agent@roads.example", "agent", "roads").await;
    app.clock.set(t0 + TimeDelta::hours(1));
    act(
        &app,
        &staff,
        &id,
        "reply",
        json!({"body": "We have seen it."}),
    )
    .await;
    app.clock.set(t0 + TimeDelta::hours(2));
    act(
        &app,
        &staff,
        &id,
        "reply",
        json!({"body": "Filling it on Friday <3 & soon."}),
    )
    .await;
    app.clock.set(t0 + TimeDelta::hours(3));
    act(
        &app,
        &staff,
        &id,
        "note",
        json!({"body": "Internal: crew B"}),
    )
    .await;
    let (_, found, x) = both(&app, &format!("requests/{id}"), "").await;
    assert_eq!(found[0]["status"], "open");
    assert_eq!(found[0]["status_notes"], "Filling it on Friday <3 & soon.");
    assert_eq!(
        x.child("request").text_of("status_notes"),
        "Filling it on Friday <3 & soon.",
        "escaped in the XML, read back by the parser"
    );
    app.clock.set(t0 + TimeDelta::hours(4));
    act(
        &app,
        &staff,
        &id,
        "status",
        json!({"action": "resolve", "note": "Filled in."}),
    )
    .await;
    let (_, found, _) = both(&app, &format!("requests/{id}"), "").await;
    assert_eq!(found[0]["status"], "closed");
    assert_eq!(found[0]["updated_datetime"], "2026-07-01T14:00:00+01:00");
    assert_eq!(found[0]["status_notes"], "Filling it on Friday <3 & soon.");
    assert!(!found.to_string().contains("crew B"));

    // Unknown ids, in any shape.
    for unknown in ["CD-2026-999999", "12345", "%3Cx%3E"] {
        assert_get_error(
            &app,
            &format!("requests/{unknown}"),
            "",
            404,
            "was not found",
        )
        .await;
    }
}

#[tokio::test]
async fn updates_list_what_staff_told_the_citizen_and_the_status_after_each() {
    let t0 = Utc.with_ymd_and_hms(2026, 1, 10, 9, 0, 0).unwrap();
    let app = desk_at(t0).await;
    let key = api_key(&app);
    let id = submit(&app, &pothole(&key)).await;
    let staff = staff_token(&app, "agent@roads.example", "agent", "roads").await;
    let supervisor = staff_token(&app, "boss@roads.example", "supervisor", "roads").await;
    let step = |h: i64| t0 + TimeDelta::hours(h);
    app.clock.set(step(1));
    act(&app, &staff, &id, "acknowledge", json!({})).await;
    app.clock.set(step(2));
    act(
        &app,
        &staff,
        &id,
        "reply",
        json!({"body": "Booked for Friday."}),
    )
    .await;
    app.clock.set(step(3));
    act(&app, &staff, &id, "note", json!({"body": "Internal only"})).await;
    app.clock.set(step(4));
    act(
        &app,
        &staff,
        &id,
        "status",
        json!({"action": "resolve", "note": "Filled in."}),
    )
    .await;
    app.clock.set(step(5));
    act(
        &app,
        &supervisor,
        &id,
        "status",
        json!({"action": "reopen", "note": ""}),
    )
    .await;
    app.clock.set(step(6));

    let (status, updates, x) = both(&app, "servicerequestupdates", "").await;
    assert_eq!(status, 200);
    assert_eq!(x.name, "service_request_updates");
    assert!(x.children.iter().all(|c| c.name == "request_update"));
    let list = updates.as_array().expect("a bare array");
    let seen: Vec<(&str, &str, &str)> = list
        .iter()
        .map(|u| {
            (
                u["updated_datetime"].as_str().unwrap(),
                u["status"].as_str().unwrap(),
                u["description"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (
                "2026-01-10T10:00:00+00:00",
                "open",
                "A member of staff has picked up this request."
            ),
            ("2026-01-10T11:00:00+00:00", "open", "Booked for Friday."),
            ("2026-01-10T13:00:00+00:00", "closed", "Filled in."),
            (
                "2026-01-10T14:00:00+00:00",
                "open",
                "The request is now: In progress."
            ),
        ],
        "oldest first; the internal note and the submission are not updates"
    );
    for u in list {
        assert_eq!(u["service_request_id"], id.as_str());
        assert!(u["update_id"].is_string(), "ids are strings");
        assert_eq!(u["media_url"], Value::Null);
        assert_eq!(
            u.as_object().unwrap().len(),
            6,
            "update_id, service_request_id, status, updated_datetime, description, media_url"
        );
    }
    let mut update_ids: Vec<&str> = list
        .iter()
        .map(|u| u["update_id"].as_str().unwrap())
        .collect();
    update_ids.dedup();
    assert_eq!(update_ids.len(), 4);

    // Since a time: the window is inclusive at both ends.
    let (_, some, _) = both(
        &app,
        "servicerequestupdates",
        &format!("start_date={}&end_date={}", z(step(2)), z(step(4))),
    )
    .await;
    assert_eq!(some.as_array().unwrap().len(), 2);
    let (_, later, _) = both(
        &app,
        "servicerequestupdates",
        &format!("start_date={}", z(step(4))),
    )
    .await;
    assert_eq!(later.as_array().unwrap().len(), 2);
    assert_get_error(
        &app,
        "servicerequestupdates",
        "start_date=yesterday",
        400,
        "start_date",
    )
    .await;
    assert_get_error(
        &app,
        "servicerequestupdates",
        &format!(
            "start_date={}&end_date={}",
            z(t0 - TimeDelta::days(91)),
            z(t0)
        ),
        400,
        "90 days",
    )
    .await;
}

#[tokio::test]
async fn the_date_window_defaults_to_90_days_is_inclusive_and_never_wider() {
    let now = Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap();
    let app = desk_at(now).await;
    let key = api_key(&app);
    let old = report_at(&app, &key, now - TimeDelta::days(100)).await;
    let edge_time = now - TimeDelta::days(89);
    let edge = report_at(&app, &key, edge_time).await;
    let recent = report_at(&app, &key, now - TimeDelta::days(1)).await;
    let latest = report_at(&app, &key, now).await;
    app.clock.set(now);

    // No dates: the last 90 days, newest first.
    let (_, list, _) = both(&app, "requests", "").await;
    assert_eq!(ids(&list), [latest.clone(), recent.clone(), edge.clone()]);
    // Both ends are included, to the second.
    let q = format!(
        "start_date={}&end_date={}",
        z(edge_time),
        z(now - TimeDelta::days(1))
    );
    let (_, list, _) = both(&app, "requests", &q).await;
    assert_eq!(ids(&list), [recent.clone(), edge.clone()]);
    let q = format!("start_date={}", z(edge_time + TimeDelta::seconds(1)));
    let (_, list, _) = both(&app, "requests", &q).await;
    assert_eq!(ids(&list), [latest.clone(), recent.clone()]);
    // One date: the 90 days after start_date, or before end_date.
    let q = format!("start_date={}", z(now - TimeDelta::days(101)));
    let (_, list, _) = both(&app, "requests", &q).await;
    assert_eq!(ids(&list), [edge.clone(), old.clone()]);
    let q = format!("end_date={}", z(now - TimeDelta::days(50)));
    let (_, list, _) = both(&app, "requests", &q).await;
    assert_eq!(ids(&list), [edge.clone(), old.clone()]);
    // Other spellings of the same instants: fractional seconds, offsets
    // (encoded, or a '+' the query string turned into a space).
    let t = edge_time;
    for start in [
        format!("{}.000Z", t.format("%Y-%m-%dT%H:%M:%S")),
        format!(
            "{}%2B01:00",
            (t + TimeDelta::hours(1)).format("%Y-%m-%dT%H:%M:%S")
        ),
        format!(
            "{}+01:00",
            (t + TimeDelta::hours(1)).format("%Y-%m-%dT%H:%M:%S")
        ),
        format!(
            "{}-05:00",
            (t - TimeDelta::hours(5)).format("%Y-%m-%dT%H:%M:%S")
        ),
    ] {
        let q = format!(
            "start_date={start}&end_date={}",
            z(now - TimeDelta::days(1))
        );
        let (status, list, _) = both(&app, "requests", &q).await;
        assert_eq!(status, 200, "{start}");
        assert_eq!(ids(&list), [recent.clone(), edge.clone()], "{start}");
    }
    // At most 90 days apart; in order; real dates.
    let q = format!(
        "start_date={}&end_date={}",
        z(now - TimeDelta::days(90)),
        z(now)
    );
    assert_eq!(both(&app, "requests", &q).await.0, 200);
    let q = format!(
        "start_date={}&end_date={}",
        z(now - TimeDelta::days(90) - TimeDelta::seconds(1)),
        z(now)
    );
    assert_get_error(&app, "requests", &q, 400, "at most 90 days").await;
    let q = format!(
        "start_date={}&end_date={}",
        z(now),
        z(now - TimeDelta::days(1))
    );
    assert_get_error(&app, "requests", &q, 400, "end_date must not be before").await;
    for bad in [
        "yesterday",
        "2026-11-20",
        "2026-11-20T12:00:00",
        "2026-13-01T00:00:00Z",
    ] {
        assert_get_error(
            &app,
            "requests",
            &format!("start_date={bad}"),
            400,
            "start_date",
        )
        .await;
        assert_get_error(
            &app,
            "requests",
            &format!("end_date={bad}"),
            400,
            "end_date",
        )
        .await;
    }
    // Both bad: both named.
    let a = get(
        &app,
        &format!("{BASE}/requests.json?start_date=x&end_date=y"),
    )
    .await;
    assert_eq!(errors_of(&a).len(), 2);
    // Empty dates are absent.
    let (_, list, _) = both(&app, "requests", "start_date=&end_date=").await;
    assert_eq!(ids(&list).len(), 3);
}

#[tokio::test]
async fn paging_at_most_1000_newest_first_and_ids_override_every_filter() {
    let now = Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap();
    let app = desk_at(now).await;
    // 1,005 graffiti reports a minute apart, the newest a minute ago.
    app.execute(
        "INSERT INTO contacts (name, email, locale) VALUES ('Bulk', 'bulk@example.org', 'en')",
    );
    app.execute(&format!(
        "INSERT INTO tickets (reference, tracking_token_hash, kind, category_id, department_id, \
         status, priority, channel, subject, description, contact_id, locale, created_at, updated_at) \
         SELECT 'CD-2026-' || lpad((500000 + g)::text, 6, '0'), sha256(('t' || g)::bytea), \
         'service_request', c.id, c.default_department_id, 'new', 'normal', 'web', 'Bulk ' || g, \
         'Bulk', (SELECT id FROM contacts WHERE email = 'bulk@example.org'), 'en', \
         '{now}'::timestamptz - g * interval '1 minute', '{now}'::timestamptz - g * interval '1 minute' \
         FROM generate_series(1, 1005) g, categories c WHERE c.slug = 'graffiti'",
        now = z(now)
    ));
    let r = |g: i64| format!("CD-2026-{:06}", 500000 + g);

    let (_, list, _) = both(&app, "requests", "").await;
    let got = ids(&list);
    assert_eq!(got.len(), 1000, "at most 1,000");
    assert_eq!(got[0], r(1), "newest first");
    assert_eq!(got[999], r(1000));
    let (_, list, _) = both(&app, "requests", "page=2").await;
    assert_eq!(ids(&list), (1001..=1005).map(r).collect::<Vec<_>>());
    let (_, list, _) = both(&app, "requests", "page=3&page_size=10").await;
    assert_eq!(ids(&list), (21..=30).map(r).collect::<Vec<_>>());
    let (_, list, _) = both(&app, "requests", "page=300&page_size=10").await;
    assert!(ids(&list).is_empty());
    let (_, list, _) = both(&app, "requests", "page=&page_size=").await;
    assert_eq!(ids(&list).len(), 1000, "empty paging parameters are absent");
    for (q, name) in [
        ("page=0", "page"),
        ("page=x", "page"),
        ("page_size=1001", "page_size"),
        ("page_size=0", "page_size"),
    ] {
        assert_get_error(&app, "requests", q, 400, name).await;
    }

    // Comma lists of services and statuses.
    app.execute(&format!(
        "UPDATE tickets SET status = 'closed', resolution_code = 'fixed' WHERE reference = '{}'",
        r(2)
    ));
    let key = api_key(&app);
    let pothole_id = submit(&app, &pothole(&key)).await;
    let (_, list, _) = both(&app, "requests", "service_code=pothole").await;
    assert_eq!(ids(&list), [pothole_id.as_str()]);
    let (_, list, _) = both(
        &app,
        "requests",
        "service_code=pothole,graffiti&page_size=3",
    )
    .await;
    assert_eq!(ids(&list), [pothole_id.clone(), r(1), r(2)]);
    let (_, list, _) = both(
        &app,
        "requests",
        "service_code=pothole&service_code=graffiti&page_size=2",
    )
    .await;
    assert_eq!(ids(&list), [pothole_id.clone(), r(1)], "repeated, too");
    let (_, list, _) = both(&app, "requests", "status=closed").await;
    assert_eq!(ids(&list), [r(2)]);
    assert_eq!(list[0]["status"], "closed");
    let (_, list, _) = both(&app, "requests", "status=open,closed&page_size=3").await;
    assert_eq!(ids(&list), [pothole_id.clone(), r(1), r(2)]);
    let (_, list, _) = both(&app, "requests", "status=open&page_size=3").await;
    assert_eq!(ids(&list), [pothole_id.clone(), r(1), r(3)]);
    assert_get_error(&app, "requests", "status=pending", 400, "status").await;
    let (_, list, _) = both(&app, "requests", "service_code=no-such-service").await;
    assert!(ids(&list).is_empty());

    // service_request_id overrides every other parameter (even a bad one);
    // unknown ids are left out.
    let q = format!(
        "service_request_id={},{}%20,%20cd-2026-{:06},CD-2026-999999,nonsense\
         &status=closed&service_code=pothole&start_date=not-a-date&page=0",
        r(1005),
        pothole_id,
        500_003
    );
    let (status, list, _) = both(&app, "requests", &q).await;
    assert_eq!(status, 200);
    assert_eq!(
        ids(&list),
        [pothole_id.clone(), r(3), r(1005)],
        "newest first"
    );
    let too_many: Vec<String> = (1..=1001).map(r).collect();
    assert_get_error(
        &app,
        "requests",
        &format!("service_request_id={}", too_many.join(",")),
        400,
        "service_request_id",
    )
    .await;
}

#[tokio::test]
async fn requests_from_every_channel_are_listed() {
    let app = desk().await;
    let created = app
        .submit(&json!({
            "category": "pothole", "kind": "service_request", "subject": "Hole on the web",
            "description": "Reported on the website.", "name": "Ada", "email": "ada@example.org",
            "address": "2 High Street", "privacy_consent": true, "extra_fields": {"size": "small"}
        }))
        .await;
    let reference = created["reference"].as_str().unwrap();
    let (_, list, _) = both(&app, "requests", "").await;
    let web = list
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["service_request_id"] == reference)
        .expect("the web request");
    assert_eq!(web["description"], "Reported on the website.");
    assert_eq!(web["address"], "2 High Street");
    assert_eq!(web["media_url"], Value::Null);
    // No name, email or phone of the citizen, in any answer.
    assert!(!list.to_string().contains("ada@example.org"));
}
