//! The SLA engine through the real app: clocks that start, pause, resume,
//! change calendar on a transfer across time zones, re-target, extend, meet,
//! reopen, asserted to the second through the staff API; the worker raising
//! each warning and breach exactly once (also with two workers at once),
//! escalating, and mailing the right people; calendars edited under running
//! clocks.

use chrono::{DateTime, TimeZone, Utc};
use civicdesk::sla::sweep::{sweep, SweepContext, SweepReport};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{spawn_app_at_with, TestApp};
use crate::staff_helpers::session_token;

const WASTE_AGENT: &str = "waste.agent@demo-council.invalid";
const ROADS_AGENT: &str = "roads.agent@demo-council.invalid";
const ROADS_SUPERVISOR: &str = "roads.supervisor@demo-council.invalid";

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

fn id_of(app: &TestApp, sql: &str) -> i64 {
    diesel::sql_query(sql)
        .get_result::<Id>(&mut app.conn())
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .id
}

/// The demo council, plus what these tests pin down exactly:
/// * "SLA office London": Mon–Fri 09:00–17:00 Europe/London, Good Friday closed;
/// * "SLA office New York": Mon–Fri 09:00–17:00 America/New_York;
/// * waste works on the London calendar, roads on the New York one;
/// * policy "SLA test": first response 120, keep in touch 480, resolution
///   960 business minutes; low priority: 240 / 1440; warnings at 50 and 75 %;
/// * category `sla-test` (waste) under it, and `sla-24x7` (waste) under a
///   24x7 policy with a 100-minute resolution target and escalations.
async fn council(now: DateTime<Utc>) -> TestApp {
    let app = spawn_app_at_with(now, |o| {
        o.set.push(("abuse.submission_burst".into(), "1000".into()))
    })
    .await;
    app.seed_demo();
    let london = id_of(
        &app,
        "INSERT INTO business_calendars (name, time_zone) VALUES ('SLA office London', 'Europe/London') RETURNING id",
    );
    let new_york = id_of(
        &app,
        "INSERT INTO business_calendars (name, time_zone) VALUES ('SLA office New York', 'America/New_York') RETURNING id",
    );
    for cal in [london, new_york] {
        app.execute(&format!(
            "INSERT INTO calendar_intervals (calendar_id, iso_weekday, start_time, end_time) \
             SELECT {cal}, d, '09:00', '17:00' FROM generate_series(1, 5) AS d"
        ));
    }
    app.execute(&format!(
        "INSERT INTO calendar_holidays (calendar_id, name, on_date) VALUES ({london}, 'Good Friday', '2026-04-03')"
    ));
    app.execute(&format!(
        "UPDATE departments SET calendar_id = {london} WHERE slug = 'waste'"
    ));
    app.execute(&format!(
        "UPDATE departments SET calendar_id = {new_york} WHERE slug = 'roads'"
    ));
    let policy = id_of(
        &app,
        "INSERT INTO sla_policies (name, first_response_minutes, keep_in_touch_minutes, resolution_minutes, \
         warning_percents, warning_actions, breach_actions) \
         VALUES ('SLA test', 120, 480, 960, '{50,75}', '{notify_assignee}', '{notify_assignee,notify_supervisors}') \
         RETURNING id",
    );
    app.execute(&format!(
        "INSERT INTO sla_policy_targets (policy_id, priority, first_response_minutes, keep_in_touch_minutes, resolution_minutes) \
         VALUES ({policy}, 'low', 240, 480, 1440)"
    ));
    app.execute(&format!(
        "INSERT INTO categories (slug, name, group_name, kinds, default_department_id, default_priority, sla_policy_id) \
         SELECT 'sla-test', 'SLA test service', 'Tests', ARRAY['service_request'], id, 'normal', {policy} \
         FROM departments WHERE slug = 'waste'"
    ));
    let always = id_of(
        &app,
        "SELECT id FROM business_calendars WHERE always_open ORDER BY id LIMIT 1",
    );
    let roads = id_of(&app, "SELECT id FROM departments WHERE slug = 'roads'");
    let fast = id_of(
        &app,
        &format!(
            "INSERT INTO sla_policies (name, first_response_minutes, resolution_minutes, calendar_id, \
             warning_percents, warning_actions, breach_actions, escalation_department_id) \
             VALUES ('SLA 24x7 test', 100, 100, {always}, '{{50,75}}', '{{notify_assignee,raise_priority}}', \
             '{{notify_supervisors,move_department}}', {roads}) RETURNING id"
        ),
    );
    app.execute(&format!(
        "INSERT INTO categories (slug, name, group_name, kinds, default_department_id, default_priority, sla_policy_id) \
         SELECT 'sla-24x7', 'SLA 24x7 test service', 'Tests', ARRAY['service_request'], id, 'normal', {fast} \
         FROM departments WHERE slug = 'waste'"
    ));
    app
}

impl TestApp {
    /// Runs the SLA worker's sweep once at the app's clock.
    pub fn run_sla_sweep(&self) -> SweepReport {
        sweep(
            &mut self.conn(),
            &SweepContext {
                templates: &self.email_templates,
                settings: &self.settings,
            },
            self.clock.now(),
            500,
        )
        .expect("the SLA sweep")
    }

    /// Submits to `category` as a citizen; returns (reference, tracking token).
    async fn submit_to(&self, category: &str, email: &str) -> (String, String) {
        let res = self
            .client
            .post(self.url("/api/v1/requests"))
            .json(&json!({
                "category": category, "kind": "service_request",
                "subject": "Overflowing bins on Elm Road", "description": "Since last week.",
                "name": "Ada Lovelace", "email": email, "privacy_consent": true
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        let body: Value = res.json().await.unwrap();
        (
            body["reference"].as_str().unwrap().to_string(),
            body["tracking_token"].as_str().unwrap().to_string(),
        )
    }

    async fn staff_view(&self, email: &str, reference: &str) -> Value {
        let res = self
            .client
            .get(self.url(&format!("/api/v1/tickets/{reference}")))
            .bearer_auth(session_token(self, email))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{email} reads {reference}");
        res.json().await.unwrap()
    }

    /// Runs a staff action at its current version; returns status and body.
    async fn staff_act(
        &self,
        email: &str,
        reference: &str,
        action: &str,
        mut body: Value,
    ) -> (StatusCode, Value) {
        let version = self.staff_view(email, reference).await["version"].clone();
        body["expected_version"] = version;
        let res = self
            .client
            .post(self.url(&format!("/api/v1/tickets/{reference}/{action}")))
            .bearer_auth(session_token(self, email))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn must_act(&self, email: &str, reference: &str, action: &str, body: Value) {
        let (status, out) = self.staff_act(email, reference, action, body).await;
        assert!(
            status == StatusCode::OK || status == StatusCode::NO_CONTENT,
            "{action} by {email}: {status} {out}"
        );
    }
}

/// The clock `kind` of a staff view.
fn clock<'a>(view: &'a Value, kind: &str) -> &'a Value {
    view["sla"]
        .as_array()
        .expect("sla clocks")
        .iter()
        .find(|c| c["clock"] == kind)
        .unwrap_or_else(|| panic!("no {kind} clock in {}", view["sla"]))
}

fn due(view: &Value, kind: &str) -> Option<DateTime<Utc>> {
    clock(view, kind)["due_at"]
        .as_str()
        .map(|s| s.parse().expect("an RFC 3339 instant"))
}

fn status(view: &Value, kind: &str) -> String {
    clock(view, kind)["status"].as_str().unwrap().to_string()
}

fn elapsed(view: &Value, kind: &str) -> i64 {
    clock(view, kind)["elapsed_minutes"].as_i64().unwrap()
}

/// Every clock of every ticket replays from its log to what is kept.
fn assert_logs_replay(app: &TestApp) {
    let mut conn = app.conn();
    let calendars = civicdesk::sla::calendars::Calendars::load_all(&mut conn).unwrap();
    let ids: Vec<i64> = civicdesk::schema::tickets::table
        .select(civicdesk::schema::tickets::id)
        .load(&mut conn)
        .unwrap();
    for id in ids {
        let problems = civicdesk::sla::engine::verify_ticket(&mut conn, id, &calendars).unwrap();
        assert!(problems.is_empty(), "ticket {id}: {problems:?}");
    }
}

#[tokio::test]
async fn a_clock_lifecycle_through_the_api_lands_on_every_due_instant_exactly() {
    // Monday 2 March 2026, 10:00 in London (GMT = UTC).
    let app = council(utc(2026, 3, 2, 10, 0)).await;
    let (r, token) = app.submit_to("sla-test", "ada@example.org").await;

    let v = app.staff_view(WASTE_AGENT, &r).await;
    assert_eq!(due(&v, "first_response"), Some(utc(2026, 3, 2, 12, 0)));
    // 960 minutes of 09:00–17:00: Monday 7 h, Tuesday 8 h, Wednesday 1 h.
    assert_eq!(due(&v, "resolution"), Some(utc(2026, 3, 4, 10, 0)));
    assert_eq!(due(&v, "keep_in_touch"), Some(utc(2026, 3, 3, 10, 0)));
    assert_eq!(clock(&v, "resolution")["time_zone"], "Europe/London");
    // The citizen is told when to expect an answer and a resolution.
    let citizen: Value = app
        .client
        .get(app.url(&format!("/api/v1/requests/{r}?token={token}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(citizen["respond_by"], "2026-03-02T12:00:00Z");
    assert_eq!(citizen["resolve_by"], "2026-03-04T10:00:00Z");
    assert_eq!(citizen["time_zone"], "Europe/London");

    // 11:00: a person acknowledges it. First response met; keep-in-touch restarts.
    app.clock.set(utc(2026, 3, 2, 11, 0));
    app.must_act(WASTE_AGENT, &r, "acknowledge", json!({}))
        .await;
    let v = app.staff_view(WASTE_AGENT, &r).await;
    assert_eq!(status(&v, "first_response"), "met");
    assert_eq!(clock(&v, "first_response")["urgency"], "met");
    assert_eq!(elapsed(&v, "first_response"), 60);
    assert_eq!(due(&v, "keep_in_touch"), Some(utc(2026, 3, 3, 11, 0)));
    assert_eq!(clock(&v, "keep_in_touch")["cycle"], 2);

    // 15:00: the council asks the citizen something; the clocks pause.
    app.clock.set(utc(2026, 3, 2, 15, 0));
    app.must_act(
        WASTE_AGENT,
        &r,
        "status",
        json!({ "action": "wait_on_citizen", "note": "Which bin is it?" }),
    )
    .await;
    let v = app.staff_view(WASTE_AGENT, &r).await;
    assert_eq!(status(&v, "resolution"), "paused");
    assert_eq!(due(&v, "resolution"), None);
    assert_eq!(elapsed(&v, "resolution"), 300);
    assert_eq!(clock(&v, "resolution")["urgency"], "paused");

    // Wednesday 12:00: the citizen answers; the clocks resume with 660 minutes left.
    app.clock.set(utc(2026, 3, 4, 12, 0));
    let res = app
        .client
        .post(app.url(&format!("/api/v1/requests/{r}/comments?token={token}")))
        .json(&json!({ "body": "The green one." }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let v = app.staff_view(WASTE_AGENT, &r).await;
    assert_eq!(status(&v, "resolution"), "running");
    assert_eq!(elapsed(&v, "resolution"), 300, "paused time is not counted");
    assert_eq!(due(&v, "resolution"), Some(utc(2026, 3, 5, 15, 0)));

    // 13:00 (08:00 in New York): transferred to roads, who work New York hours.
    app.clock.set(utc(2026, 3, 4, 13, 0));
    app.must_act(
        WASTE_AGENT,
        &r,
        "transfer",
        json!({ "department": "roads", "reason": "It is a road sign, not a bin." }),
    )
    .await;
    let v = app.staff_view(ROADS_AGENT, &r).await;
    assert_eq!(clock(&v, "resolution")["time_zone"], "America/New_York");
    assert_eq!(elapsed(&v, "resolution"), 360);
    // 600 minutes from New York's 09:00 (14:00 UTC): Wednesday 8 h, Thursday 2 h.
    assert_eq!(due(&v, "resolution"), Some(utc(2026, 3, 5, 16, 0)));
    assert_eq!(due(&v, "keep_in_touch"), Some(utc(2026, 3, 4, 21, 0)));

    // Thursday 09:00 New York: the supervisor lowers the priority. The 840
    // minutes already counted stay; the low target (1440) applies.
    app.clock.set(utc(2026, 3, 5, 14, 0));
    app.must_act(
        ROADS_SUPERVISOR,
        &r,
        "priority",
        json!({ "priority": "low" }),
    )
    .await;
    let v = app.staff_view(ROADS_AGENT, &r).await;
    assert_eq!(elapsed(&v, "resolution"), 840);
    assert_eq!(clock(&v, "resolution")["target_minutes"], 1440);
    assert_eq!(due(&v, "resolution"), Some(utc(2026, 3, 6, 16, 0)));

    // Friday 10:00 New York: an hour's extension, which the citizen sees.
    app.clock.set(utc(2026, 3, 6, 15, 0));
    app.must_act(
        ROADS_SUPERVISOR,
        &r,
        "extend",
        json!({ "clock": "resolution", "minutes": 60, "reason": "Waiting for a part." }),
    )
    .await;
    let v = app.staff_view(ROADS_AGENT, &r).await;
    assert_eq!(clock(&v, "resolution")["extension_minutes"], 60);
    assert_eq!(due(&v, "resolution"), Some(utc(2026, 3, 6, 17, 0)));
    let citizen: Value = app
        .client
        .get(app.url(&format!("/api/v1/requests/{r}?token={token}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(citizen["resolve_by"], "2026-03-06T17:00:00Z");
    let extension = citizen["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "sla_extended")
        .expect("the extension on the citizen's timeline");
    assert_eq!(extension["body"], "Waiting for a part.");

    // 11:00 New York: resolved within its (extended) target.
    app.clock.set(utc(2026, 3, 6, 16, 0));
    app.must_act(
        ROADS_AGENT,
        &r,
        "status",
        json!({ "action": "resolve", "note": "Replaced the sign." }),
    )
    .await;
    let v = app.staff_view(ROADS_AGENT, &r).await;
    assert_eq!(status(&v, "resolution"), "met");
    assert_eq!(elapsed(&v, "resolution"), 1440);
    assert_eq!(clock(&v, "resolution")["urgency"], "met");
    assert_eq!(status(&v, "keep_in_touch"), "stopped");

    // Monday 9 March, 10:00 New York (daylight saving began on Sunday):
    // reopened, 60 minutes left.
    app.clock.set(utc(2026, 3, 9, 14, 0));
    app.must_act(
        ROADS_SUPERVISOR,
        &r,
        "status",
        json!({ "action": "reopen", "note": "The sign fell again." }),
    )
    .await;
    let v = app.staff_view(ROADS_AGENT, &r).await;
    assert_eq!(status(&v, "resolution"), "running");
    assert_eq!(elapsed(&v, "resolution"), 1440);
    assert_eq!(due(&v, "resolution"), Some(utc(2026, 3, 9, 15, 0)));
    assert_eq!(status(&v, "keep_in_touch"), "running");

    app.clock.set(utc(2026, 3, 9, 14, 30));
    app.must_act(
        ROADS_AGENT,
        &r,
        "status",
        json!({ "action": "resolve", "note": "Fixed properly." }),
    )
    .await;
    let v = app.staff_view(ROADS_AGENT, &r).await;
    assert_eq!(status(&v, "resolution"), "met");
    assert_eq!(elapsed(&v, "resolution"), 1470);
    assert!(clock(&v, "resolution")["breached_at"].is_null());

    // Every change is on the timeline, and the log replays to what is kept.
    let sla_entries = v["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "sla_updated")
        .count();
    assert!(sla_entries >= 9, "{sla_entries} SLA entries");
    assert_logs_replay(&app);
    // Nothing was due along the way that the worker missed: no alert was raised.
    assert_eq!(app.run_sla_sweep().alerts(), 0);
}

/// How many clock-log entries of `kind` a ticket has.
fn log_count(app: &TestApp, reference: &str, kind: &str) -> i64 {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    diesel::sql_query(format!(
        "SELECT count(*) AS n FROM sla_clock_events e JOIN tickets t ON t.id = e.ticket_id \
         WHERE t.reference = '{reference}' AND e.kind = '{kind}'"
    ))
    .get_result::<N>(&mut app.conn())
    .unwrap()
    .n
}

fn recipients(app: &TestApp, template: &str) -> Vec<String> {
    let mut r: Vec<String> = diesel::sql_query(format!(
        "SELECT recipient AS name FROM outbox WHERE template = '{template}' ORDER BY id"
    ))
    .load::<Name>(&mut app.conn())
    .unwrap()
    .into_iter()
    .map(|n| n.name)
    .collect();
    r.sort();
    r
}

#[tokio::test]
async fn warnings_breaches_and_escalations_happen_once_across_retargets() {
    let t0 = utc(2026, 3, 2, 10, 0);
    let app = council(t0).await;
    let (r, _) = app.submit_to("sla-24x7", "bea@example.org").await;
    app.must_act(
        WASTE_AGENT,
        &r,
        "assign",
        json!({ "assignee_id": crate::staff_helpers::user_id(&app, WASTE_AGENT) }),
    )
    .await;

    // Nothing is due yet: the sweep raises nothing.
    app.clock.set(t0 + chrono::Duration::minutes(49));
    assert_eq!(app.run_sla_sweep().alerts(), 0);

    // 50 %: a warning per clock (first response and resolution), the assignee
    // is told once, and the priority goes up one step, once.
    app.clock.set(t0 + chrono::Duration::minutes(50));
    let report = app.run_sla_sweep();
    assert_eq!((report.warnings, report.breaches), (2, 0), "{report:?}");
    assert_eq!(report.priority_raised, 1);
    assert_eq!(recipients(&app, "sla_alert"), vec![WASTE_AGENT.to_string()]);
    let v = app.staff_view(WASTE_AGENT, &r).await;
    assert_eq!(v["priority"], "high");
    // Raising the priority re-targeted the clocks (same policy, no override:
    // same target) and did not raise the 50 % warning again.
    assert_eq!(app.run_sla_sweep().alerts(), 0);

    // A person changes the priority too: still no second 50 % warning.
    app.must_act(WASTE_AGENT, &r, "priority", json!({ "priority": "normal" }))
        .await;
    assert_eq!(app.run_sla_sweep().alerts(), 0);
    assert_eq!(log_count(&app, &r, "warned"), 2);

    // Past the target: 75 % and the breach at once. Each is raised once, the
    // breach moves the ticket to roads and tells the supervisors; one email
    // per person, not one per alert.
    app.clock.set(t0 + chrono::Duration::minutes(101));
    let report = app.run_sla_sweep();
    assert_eq!((report.warnings, report.breaches), (2, 2), "{report:?}");
    assert_eq!(report.moved, 1);
    assert_eq!(log_count(&app, &r, "warned"), 4);
    assert_eq!(log_count(&app, &r, "breached"), 2);
    let v = app.staff_view(ROADS_AGENT, &r).await;
    assert_eq!(v["department"]["name"], "Roads & Transport");
    assert!(
        v["assignee"].is_null(),
        "the escalation department picks it up"
    );
    assert_eq!(clock(&v, "resolution")["urgency"], "overdue");
    assert!(!clock(&v, "resolution")["breached_at"].is_null());
    let timeline: Vec<&str> = v["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(timeline.iter().filter(|k| **k == "sla_breach").count(), 2);
    assert_eq!(timeline.iter().filter(|k| **k == "sla_warning").count(), 4);

    // Later sweeps, and a re-target after the breach, raise nothing more.
    for minutes in [102, 200, 10_000] {
        app.clock.set(t0 + chrono::Duration::minutes(minutes));
        assert_eq!(app.run_sla_sweep().alerts(), 0, "at {minutes} minutes");
    }
    app.must_act(ROADS_AGENT, &r, "priority", json!({ "priority": "low" }))
        .await;
    assert_eq!(app.run_sla_sweep().alerts(), 0);
    assert_eq!(log_count(&app, &r, "breached"), 2);
    // The 50 % warning mailed the assignee; the breach (the most serious of
    // the second sweep's alerts) mailed them again and the supervisor of the
    // department it was moved to: one email per person per sweep.
    assert_eq!(
        recipients(&app, "sla_alert"),
        vec![
            ROADS_SUPERVISOR.to_string(),
            WASTE_AGENT.to_string(),
            WASTE_AGENT.to_string()
        ]
    );
    assert_logs_replay(&app);
}

#[tokio::test]
async fn two_workers_at_once_raise_each_alert_exactly_once() {
    let t0 = utc(2026, 3, 2, 10, 0);
    let app = council(t0).await;
    const N: usize = 40;
    let mut references = Vec::new();
    for i in 0..N {
        references.push(
            app.submit_to("sla-test", &format!("p{i}@example.org"))
                .await
                .0,
        );
    }
    // Past every target of the office calendar.
    app.clock.set(utc(2026, 3, 20, 10, 0));
    let now = app.clock.now();
    let sweeps: Vec<_> = (0..2)
        .map(|_| {
            let (url, templates, settings) = (
                app.db_url.clone(),
                app.email_templates.clone(),
                app.settings.clone(),
            );
            std::thread::spawn(move || {
                let mut conn = PgConnection::establish(&url).unwrap();
                let cx = SweepContext {
                    templates: &templates,
                    settings: &settings,
                };
                let mut total = SweepReport::default();
                // Each worker keeps sweeping until it finds nothing to do.
                loop {
                    let r = sweep(&mut conn, &cx, now, 7).unwrap();
                    total.warnings += r.warnings;
                    total.breaches += r.breaches;
                    total.emails += r.emails;
                    if r.alerts() == 0 && r.skipped == 0 {
                        break total;
                    }
                }
            })
        })
        .collect();
    let reports: Vec<SweepReport> = sweeps.into_iter().map(|h| h.join().unwrap()).collect();
    let warnings: u32 = reports.iter().map(|r| r.warnings).sum();
    let breaches: u32 = reports.iter().map(|r| r.breaches).sum();
    // Three clocks per ticket, two thresholds each.
    assert_eq!(warnings as usize, N * 3 * 2, "{reports:?}");
    assert_eq!(breaches as usize, N * 3, "{reports:?}");
    for r in &references {
        assert_eq!(log_count(&app, r, "warned"), 6, "{r}");
        assert_eq!(log_count(&app, r, "breached"), 3, "{r}");
    }
    assert_eq!(
        app.count("ticket_events WHERE kind = 'sla_breach'"),
        (N * 3) as i64
    );
    // Unassigned: the supervisors of waste are told (the demo has none), so the
    // emails counted are exactly those queued.
    let emails: u32 = reports.iter().map(|r| r.emails).sum();
    assert_eq!(
        app.count("outbox WHERE template = 'sla_alert'"),
        emails as i64
    );
    assert_eq!(app.run_sla_sweep().alerts(), 0);
    assert_logs_replay(&app);
}

#[tokio::test]
async fn a_holiday_added_to_a_calendar_moves_the_due_instants_of_running_clocks() {
    // Thursday 2 April 2026, 15:00 in London (BST, 14:00 UTC); Good Friday is closed.
    let app = council(utc(2026, 4, 2, 14, 0)).await;
    let (r, _) = app.submit_to("sla-test", "cy@example.org").await;
    let v = app.staff_view(WASTE_AGENT, &r).await;
    // 960 minutes: Thursday 2 h, (Friday closed), Monday 8 h, Tuesday 6 h.
    assert_eq!(due(&v, "resolution"), Some(utc(2026, 4, 7, 14, 0)));
    // Easter Monday closes too: the worker recomputes the due instant.
    app.execute(
        "INSERT INTO calendar_holidays (calendar_id, name, on_date) \
         SELECT id, 'Easter Monday', '2026-04-06' FROM business_calendars WHERE name = 'SLA office London'",
    );
    let report = app.run_sla_sweep();
    assert!(report.recomputed >= 1, "{report:?}");
    let v = app.staff_view(WASTE_AGENT, &r).await;
    assert_eq!(due(&v, "resolution"), Some(utc(2026, 4, 8, 14, 0)));
    // Nothing changes on the second sweep.
    assert_eq!(app.run_sla_sweep().recomputed, 0);
    assert_logs_replay(&app);
}

#[tokio::test]
async fn only_a_supervisor_extends_and_bad_extensions_change_nothing() {
    let app = council(utc(2026, 3, 2, 10, 0)).await;
    let (r, _) = app.submit_to("sla-test", "di@example.org").await;
    let (status, body) = app
        .staff_act(
            WASTE_AGENT,
            &r,
            "extend",
            json!({ "clock": "resolution", "minutes": 60, "reason": "More time" }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    app.must_act(
        WASTE_AGENT,
        &r,
        "transfer",
        json!({ "department": "roads", "reason": "Roads" }),
    )
    .await;
    for (input, field) in [
        (
            json!({ "clock": "resolution", "minutes": 0, "reason": "x" }),
            "minutes",
        ),
        (
            json!({ "clock": "resolution", "minutes": 100001, "reason": "x" }),
            "minutes",
        ),
        (
            json!({ "clock": "lunch", "minutes": 10, "reason": "x" }),
            "clock",
        ),
        (
            json!({ "clock": "resolution", "minutes": 10, "reason": "  " }),
            "reason",
        ),
    ] {
        let before = app.count("sla_clock_events");
        let (status, body) = app.staff_act(ROADS_SUPERVISOR, &r, "extend", input).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(
            body["error"]["fields"][field].is_string(),
            "{field} named: {body}"
        );
        assert_eq!(app.count("sla_clock_events"), before, "nothing stored");
    }
    // A met clock cannot be extended.
    app.must_act(ROADS_SUPERVISOR, &r, "acknowledge", json!({}))
        .await;
    let (status, body) = app
        .staff_act(
            ROADS_SUPERVISOR,
            &r,
            "extend",
            json!({ "clock": "first_response", "minutes": 10, "reason": "x" }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["error"]["fields"]["clock"].is_string(), "{body}");
}

#[tokio::test]
async fn queues_show_what_is_due_soon_and_overdue_most_urgent_first() {
    let app = council(utc(2026, 3, 2, 10, 0)).await;
    let (early, _) = app.submit_to("sla-24x7", "e1@example.org").await;
    app.clock.set(utc(2026, 3, 2, 10, 30));
    let (later, _) = app.submit_to("sla-24x7", "e2@example.org").await;
    let (office, _) = app.submit_to("sla-test", "e3@example.org").await;
    let list = |queue: &'static str| {
        let app = &app;
        async move {
            let res = app
                .client
                .get(app.url(&format!("/api/v1/tickets?queue={queue}&sort=due")))
                .bearer_auth(session_token(app, WASTE_AGENT))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::OK);
            let body: Value = res.json().await.unwrap();
            body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| {
                    (
                        t["reference"].as_str().unwrap().to_string(),
                        t["sla_urgency"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    // 11:45: the two 24x7 tickets (due 11:40 and 12:10) are overdue and due soon.
    app.clock.set(utc(2026, 3, 2, 11, 45));
    assert_eq!(
        list("overdue").await,
        vec![(early.clone(), "overdue".into())]
    );
    let soon = list("due_soon").await;
    assert!(
        soon.contains(&(later.clone(), "due_soon".into())),
        "{soon:?}"
    );
    let all = list("all").await;
    let order: Vec<&str> = all.iter().map(|(r, _)| r.as_str()).collect();
    assert_eq!(
        &order[..3],
        &[early.as_str(), later.as_str(), office.as_str()]
    );
}

#[tokio::test]
async fn the_cli_checks_every_clock_against_its_log_and_sweeps() {
    let app = council(utc(2026, 3, 2, 10, 0)).await;
    let (r, _) = app.submit_to("sla-test", "fi@example.org").await;
    app.must_act(WASTE_AGENT, &r, "acknowledge", json!({}))
        .await;
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_civicdesk"))
            .args(args)
            .env("DATABASE_URL", &app.db_url)
            .env("RUST_LOG", "warn")
            .env_remove("CIVICDESK_ENV")
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap()
    };
    let out = run(&["sla", "verify"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("1 tickets' clocks checked against their logs: all agree"),
        "{text}"
    );
    // Tampering with the kept state is found.
    app.execute(
        "UPDATE sla_clocks SET elapsed_seconds = elapsed_seconds + 60 WHERE clock = 'resolution'",
    );
    let out = run(&["sla", "verify"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{text}");
    assert!(text.contains("resolution clock: kept"), "{text}");
    assert!(text.contains("1 differ"), "{text}");
    // The sweep runs once and reports (the clocks here are far from due in
    // real time, which the CLI uses).
    let out = run(&["sla", "sweep"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.starts_with("SLA sweep: "), "{text}");
}

impl TestApp {
    /// A staff page, signed in as `email` by the session cookie.
    async fn staff_page(&self, email: &str, path: &str) -> String {
        let res = crate::staff_helpers::bare_client()
            .get(self.url(path))
            .header(
                "Cookie",
                format!("civicdesk_session={}", session_token(self, email)),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "GET {path} as {email}");
        plain(&res.text().await.unwrap())
    }
}

/// Without Fluent's bidi isolation marks around placeables.
fn plain(text: &str) -> String {
    text.replace(['\u{2068}', '\u{2069}'], "")
}

#[tokio::test]
async fn pages_say_when_things_are_due_in_words_and_in_the_departments_zone() {
    let app = council(utc(2026, 3, 2, 10, 0)).await;
    let (r, token) = app.submit_to("sla-test", "gi@example.org").await;
    // Monday 15:30: the first response (due 12:00) is three and a half hours late.
    app.clock.set(utc(2026, 3, 2, 15, 30));
    let page = app
        .staff_page(WASTE_AGENT, &format!("/staff/tickets/{r}"))
        .await;
    assert!(page.contains("Service level"), "the SLA panel");
    assert!(
        page.contains("Due (Europe&#x2F;London)"),
        "the zone is named: {page}"
    );
    assert!(page.contains("2 Mar 2026, 12:00 GMT"), "first response due");
    assert!(page.contains("4 Mar 2026, 10:00 GMT"), "resolution due");
    assert!(page.contains("overdue by 3 h 30 min"), "in words");
    assert!(
        page.contains("sla-badge-overdue\">Overdue<"),
        "and a label, not colour alone"
    );
    assert!(page.contains("due in 1 d 18 h"), "resolution in words");
    // An agent gets no extension form; the department's supervisor would.
    assert!(!page.contains("act-extend"));

    let queue = app
        .staff_page(WASTE_AGENT, "/staff/queue?queue=overdue&sort=due")
        .await;
    assert!(queue.contains(&r), "the overdue queue lists it");
    assert!(queue.contains("Overdue"));
    assert!(queue.contains("overdue by 3 h 30 min"));

    // The citizen's page says when we aim to respond and resolve, and in which zone.
    let res = app
        .client
        .get(app.url(&format!("/requests/{r}?token={token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let html = plain(&res.text().await.unwrap());
    assert!(
        html.contains("We aim to respond by 2 Mar 2026, 12:00 GMT."),
        "{html}"
    );
    assert!(html.contains("We aim to resolve your request by 4 Mar 2026, 10:00 GMT."));
    assert!(html.contains("Times are Europe&#x2F;London time."));

    // So does the confirmation email.
    app.run_pending_jobs();
    let mail = app
        .emails()
        .into_iter()
        .find(|m| m.to == "gi@example.org")
        .expect("the confirmation");
    let text = plain(&mail.text);
    assert!(
        text.contains("We aim to respond by 2 Mar 2026, 12:00 GMT."),
        "{text}"
    );
    assert!(text.contains("We aim to resolve it by 4 Mar 2026, 10:00 GMT."));
}
