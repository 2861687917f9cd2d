//! The authorisation matrix: every staff page and staff API route, tried as
//! each kind of visitor, each with the exact outcome it must get.
//!
//! To add a route, add one line to [`ROUTES`]: the method and path, the body
//! it is sent with, and the outcome for each column. Placeholders in paths
//! and bodies: `{user}` (a staff account the admin may manage: an agent of
//! Roads), `{ticket}` (a citizen's request handled by Waste), `{reset_token}`
//! (a working password reset link's token). Form posts get a valid CSRF
//! token; API calls carry the session as a Bearer token, pages as the cookie.
//!
//! Rows run in order, as each person, and allowed actions really happen (the
//! admin deactivates `{user}`, then reactivates it), so put a row that
//! undoes another after it.

use std::fmt;

use chrono::{Duration, Utc};
use civicdesk::schema::{password_resets, users};
use diesel::prelude::*;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp};
use crate::staff_helpers::{bare_client, session_token, staff_user, user_id, CSRF, PASSWORD};

/// Who makes the request: the columns of the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Persona {
    Anonymous,
    /// A citizen holding their request's tracking token and a signed grant
    /// for it: neither may pass for a staff session.
    Citizen,
    /// An agent of Parks (the ticket is Waste's).
    OtherAgent,
    /// An agent of Waste.
    Agent,
    /// Supervisor of Waste.
    Supervisor,
    Leader,
    Admin,
}

const PERSONAS: [Persona; 7] = [
    Persona::Anonymous,
    Persona::Citizen,
    Persona::OtherAgent,
    Persona::Agent,
    Persona::Supervisor,
    Persona::Leader,
    Persona::Admin,
];

/// What a persona must get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Not signed in: a page redirects (303) to `/staff/sign-in?next=...`;
    /// the API answers 401 JSON with code `unauthorized`.
    In,
    /// 403: signed in, but this role may not.
    No,
    /// 404: hidden from this person (e.g. another department's ticket).
    Hide,
    /// Allowed, with exactly this status; a 303 must not lead to sign-in.
    Is(u16),
}

const IN: Expect = Expect::In;
const NO: Expect = Expect::No;
const HIDE: Expect = Expect::Hide;
const OK: Expect = Expect::Is(200);
const GO: Expect = Expect::Is(303);

#[derive(Debug, Clone, Copy)]
enum Body {
    None,
    /// Sent as a form, with `csrf_token` added.
    Form(&'static [(&'static str, &'static str)]),
    Json(&'static str),
}

#[derive(Debug, Clone, Copy)]
struct Route {
    method: &'static str,
    path: &'static str,
    body: Body,
    /// One per [`PERSONAS`] column.
    expect: [Expect; 7],
}

const fn get(path: &'static str, expect: [Expect; 7]) -> Route {
    Route {
        method: "GET",
        path,
        body: Body::None,
        expect,
    }
}

const fn post(
    path: &'static str,
    form: &'static [(&'static str, &'static str)],
    expect: [Expect; 7],
) -> Route {
    Route {
        method: "POST",
        path,
        body: Body::Form(form),
        expect,
    }
}

const fn post_json(path: &'static str, json: &'static str, expect: [Expect; 7]) -> Route {
    Route {
        method: "POST",
        path,
        body: Body::Json(json),
        expect,
    }
}

const fn put_json(path: &'static str, json: &'static str, expect: [Expect; 7]) -> Route {
    Route {
        method: "PUT",
        path,
        body: Body::Json(json),
        expect,
    }
}

const fn delete(path: &'static str, expect: [Expect; 7]) -> Route {
    Route {
        method: "DELETE",
        path,
        body: Body::None,
        expect,
    }
}

const SAME_PASSWORD: &[(&str, &str)] = &[
    ("current_password", PASSWORD),
    ("new_password", PASSWORD),
    ("confirm_password", PASSWORD),
];

#[rustfmt::skip]
const ROUTES: &[Route] = &[
    //                                                                   anon citizen other agent super leader admin
    // Public: the same for everyone.
    get("/staff/sign-in",                                               [OK, OK, OK, OK, OK, OK, OK]),
    post("/staff/sign-in", &[("email", "nobody@example.org"), ("password", "wrong password!!")],
                                                                        [Expect::Is(401); 7]),
    get("/staff/password-reset",                                        [OK, OK, OK, OK, OK, OK, OK]),
    post("/staff/password-reset", &[("email", "")],                     [Expect::Is(422); 7]),
    get("/staff/password-reset/{reset_token}",                          [OK, OK, OK, OK, OK, OK, OK]),
    post("/staff/password-reset/{reset_token}", &[("new_password", "short"), ("confirm_password", "short")],
                                                                        [Expect::Is(422); 7]),
    post_json("/api/v1/auth/token", r#"{"email":"nobody@example.org","password":"wrong password!!"}"#,
                                                                        [Expect::Is(401); 7]),
    // Every staff member.
    get("/staff",                                                       [IN, IN, OK, OK, OK, OK, OK]),
    get("/staff/account",                                               [IN, IN, OK, OK, OK, OK, OK]),
    post("/staff/account/password", SAME_PASSWORD,                      [IN, IN, GO, GO, GO, GO, GO]),
    post_json("/api/v1/auth/password",
        r#"{"current_password":"correct horse battery staple","new_password":"correct horse battery staple"}"#,
                                                                        [IN, IN, OK, OK, OK, OK, OK]),
    // Administrators only.
    get("/staff/admin/users",                                           [IN, IN, NO, NO, NO, NO, OK]),
    get("/staff/admin/users/new",                                       [IN, IN, NO, NO, NO, NO, OK]),
    post("/staff/admin/users", &[("name", "Matrix Made"), ("email", "matrix.made@example.org"),
        ("role", "leader"), ("password_mode", "password"), ("password", PASSWORD)],
                                                                        [IN, IN, NO, NO, NO, NO, GO]),
    get("/staff/admin/users/{user}",                                    [IN, IN, NO, NO, NO, NO, OK]),
    post("/staff/admin/users/{user}/role", &[("role", "supervisor"), ("departments", "roads")],
                                                                        [IN, IN, NO, NO, NO, NO, GO]),
    post("/staff/admin/users/{user}/reset-link", &[],                   [IN, IN, NO, NO, NO, NO, GO]),
    post("/staff/admin/users/{user}/deactivate", &[],                   [IN, IN, NO, NO, NO, NO, GO]),
    post("/staff/admin/users/{user}/activate", &[],                     [IN, IN, NO, NO, NO, NO, GO]),
    get("/staff/admin/areas",                                           [IN, IN, NO, NO, NO, NO, OK]),
    post("/staff/admin/areas", &[("text", "{}")],                       [IN, IN, NO, NO, NO, NO, Expect::Is(422)]),
    // SLA policies and business calendars: administrators only. `{calendar}`
    // and `{api_calendar}` are weekly calendars nothing uses, each with an
    // interval `{interval}` / `{api_interval}` (and one more) and a holiday
    // `{holiday}` / `{api_holiday}`; `{policy}` / `{api_policy}` policies no
    // service uses. The admin's deletions come last.
    get("/staff/admin/calendars",                                       [IN, IN, NO, NO, NO, NO, OK]),
    get("/staff/admin/calendars/new",                                   [IN, IN, NO, NO, NO, NO, OK]),
    post("/staff/admin/calendars", &[("name", "Matrix calendar"), ("time_zone", "UTC"), ("always_open", "1")],
                                                                        [IN, IN, NO, NO, NO, NO, GO]),
    get("/staff/admin/calendars/{calendar}",                            [IN, IN, NO, NO, NO, NO, OK]),
    get("/staff/admin/calendars/{calendar}?at=2026-03-27T16:00&hours=2", [IN, IN, NO, NO, NO, NO, OK]),
    post("/staff/admin/calendars/{calendar}", &[("name", "Matrix hours"), ("time_zone", "Europe/London")],
                                                                        [IN, IN, NO, NO, NO, NO, GO]),
    post("/staff/admin/calendars/{calendar}/intervals", &[("interval.weekday", "3"), ("interval.start", "09:00"), ("interval.end", "17:00")],
                                                                        [IN, IN, NO, NO, NO, NO, GO]),
    post("/staff/admin/calendars/{calendar}/intervals/{interval}/delete", &[],
                                                                        [IN, IN, NO, NO, NO, NO, GO]),
    post("/staff/admin/calendars/{calendar}/holidays", &[("holiday.name", "Matrix day"), ("holiday.date", "2026-12-31")],
                                                                        [IN, IN, NO, NO, NO, NO, GO]),
    post("/staff/admin/calendars/{calendar}/holidays/{holiday}/delete", &[],
                                                                        [IN, IN, NO, NO, NO, NO, GO]),
    post("/staff/admin/calendars/{calendar}/delete", &[],               [IN, IN, NO, NO, NO, NO, GO]),
    get("/staff/admin/sla-policies",                                    [IN, IN, NO, NO, NO, NO, OK]),
    get("/staff/admin/sla-policies/new",                                [IN, IN, NO, NO, NO, NO, OK]),
    get("/staff/admin/sla-policies/categories",                         [IN, IN, NO, NO, NO, NO, OK]),
    post("/staff/admin/sla-policies", &[("name", "Matrix policy"), ("first_response_minutes", "60"),
        ("resolution_minutes", "600"), ("warning_percents", "75")],     [IN, IN, NO, NO, NO, NO, GO]),
    get("/staff/admin/sla-policies/{policy}",                           [IN, IN, NO, NO, NO, NO, OK]),
    post("/staff/admin/sla-policies/{policy}", &[("name", "Matrix policy (changed)"), ("first_response_minutes", "30"),
        ("resolution_minutes", "300"), ("warning_percents", "50, 90")], [IN, IN, NO, NO, NO, NO, GO]),
    post("/staff/admin/sla-policies/{policy}/targets", &[("override.priority", "urgent"),
        ("override.first_response_minutes", "10"), ("override.resolution_minutes", "60")],
                                                                        [IN, IN, NO, NO, NO, NO, GO]),
    post("/staff/admin/sla-policies/{policy}/targets/urgent/delete", &[], [IN, IN, NO, NO, NO, NO, GO]),
    post("/staff/admin/sla-policies/categories", &[],                   [IN, IN, NO, NO, NO, NO, GO]),
    post("/staff/admin/sla-policies/{policy}/delete", &[],              [IN, IN, NO, NO, NO, NO, GO]),
    get("/api/v1/admin/calendars",                                      [IN, IN, NO, NO, NO, NO, OK]),
    post_json("/api/v1/admin/calendars", r#"{"name":"Matrix API calendar","time_zone":"UTC","always_open":true}"#,
                                                                        [IN, IN, NO, NO, NO, NO, Expect::Is(201)]),
    get("/api/v1/admin/calendars/{api_calendar}",                       [IN, IN, NO, NO, NO, NO, OK]),
    get("/api/v1/admin/calendars/{api_calendar}/preview?from=2026-03-27T16:00:00Z&minutes=120",
                                                                        [IN, IN, NO, NO, NO, NO, OK]),
    put_json("/api/v1/admin/calendars/{api_calendar}", r#"{"name":"Matrix API hours","time_zone":"Europe/London"}"#,
                                                                        [IN, IN, NO, NO, NO, NO, OK]),
    post_json("/api/v1/admin/calendars/{api_calendar}/intervals", r#"{"weekday":"wednesday","start":"09:00","end":"17:00"}"#,
                                                                        [IN, IN, NO, NO, NO, NO, Expect::Is(201)]),
    delete("/api/v1/admin/calendars/{api_calendar}/intervals/{api_interval}",
                                                                        [IN, IN, NO, NO, NO, NO, OK]),
    post_json("/api/v1/admin/calendars/{api_calendar}/holidays", r#"{"name":"Matrix day","date":"2026-12-31"}"#,
                                                                        [IN, IN, NO, NO, NO, NO, Expect::Is(201)]),
    delete("/api/v1/admin/calendars/{api_calendar}/holidays/{api_holiday}",
                                                                        [IN, IN, NO, NO, NO, NO, OK]),
    delete("/api/v1/admin/calendars/{api_calendar}",                    [IN, IN, NO, NO, NO, NO, Expect::Is(204)]),
    get("/api/v1/admin/sla-policies",                                   [IN, IN, NO, NO, NO, NO, OK]),
    post_json("/api/v1/admin/sla-policies",
        r#"{"name":"Matrix API policy","first_response_minutes":60,"resolution_minutes":600,"warning_percents":[75]}"#,
                                                                        [IN, IN, NO, NO, NO, NO, Expect::Is(201)]),
    get("/api/v1/admin/sla-policies/{api_policy}",                      [IN, IN, NO, NO, NO, NO, OK]),
    put_json("/api/v1/admin/sla-policies/{api_policy}",
        r#"{"name":"Matrix API policy (changed)","first_response_minutes":30,"resolution_minutes":300,"warning_percents":[50,90]}"#,
                                                                        [IN, IN, NO, NO, NO, NO, OK]),
    put_json("/api/v1/admin/sla-policies/{api_policy}/targets/urgent", r#"{"first_response_minutes":10,"resolution_minutes":60}"#,
                                                                        [IN, IN, NO, NO, NO, NO, OK]),
    delete("/api/v1/admin/sla-policies/{api_policy}/targets/urgent",    [IN, IN, NO, NO, NO, NO, OK]),
    post_json("/api/v1/admin/sla-policies/{api_policy}/categories", r#"{"categories":[]}"#,
                                                                        [IN, IN, NO, NO, NO, NO, OK]),
    delete("/api/v1/admin/sla-policies/{api_policy}",                   [IN, IN, NO, NO, NO, NO, Expect::Is(204)]),
    get("/staff/admin/api-keys",                                        [IN, IN, NO, NO, NO, NO, OK]),
    post("/staff/admin/api-keys", &[("label", "Matrix app")],           [IN, IN, NO, NO, NO, NO, OK]),
    post("/staff/admin/api-keys/{api_key}/label", &[("label", "Matrix app, renamed")],
                                                                        [IN, IN, NO, NO, NO, NO, GO]),
    post("/staff/admin/api-keys/{api_key}/revoke", &[],                 [IN, IN, NO, NO, NO, NO, GO]),
    // Queues, search and intake: staff who work tickets.
    get("/staff/queue",                                                 [IN, IN, OK, OK, OK, NO, NO]),
    get("/staff/queue?status=new&q=bin",                                [IN, IN, OK, OK, OK, NO, NO]),
    get("/staff/intake",                                                [IN, IN, OK, OK, OK, NO, NO]),
    get("/api/v1/tickets",                                              [IN, IN, OK, OK, OK, NO, NO]),
    get("/api/v1/tickets?status=new",                                   [IN, IN, OK, OK, OK, NO, NO]),
    get("/api/v1/contacts?q=ada",                                       [IN, IN, OK, OK, OK, NO, NO]),
    // The ticket (Waste's): its department's staff; hidden from everyone else.
    get("/staff/tickets/{ticket}",                                      [IN, IN, HIDE, OK, OK, HIDE, HIDE]),
    get("/api/v1/tickets/{ticket}",                                     [IN, IN, HIDE, OK, OK, HIDE, HIDE]),
    post("/staff/tickets/{ticket}/note", &[("body", "Matrix note"), ("expected_version", "{version}")],
                                                                        [IN, IN, HIDE, GO, GO, HIDE, HIDE]),
    post_json("/api/v1/tickets/{ticket}/note", r#"{"body":"Matrix note","expected_version":{version}}"#,
                                                                        [IN, IN, HIDE, OK, OK, HIDE, HIDE]),
    post("/staff/tickets/{ticket}/location", &[("address", "{version} Matrix Road"), ("expected_version", "{version}")],
                                                                        [IN, IN, HIDE, GO, GO, HIDE, HIDE]),
    post_json("/api/v1/tickets/{ticket}/location", r#"{"address":"{version} Matrix Lane","expected_version":{version}}"#,
                                                                        [IN, IN, HIDE, OK, OK, HIDE, HIDE]),
    // Reports: agents their own figures, supervisors their departments,
    // leaders the whole council; administrators have none. The drill-down
    // lists tickets, so leaders get none. A bad period is a 400 for all who
    // may read reports.
    get("/staff/reports",                                               [IN, IN, OK, OK, OK, OK, NO]),
    get("/staff/reports?from=2026-03-01&to=2026-03-31",                 [IN, IN, OK, OK, OK, OK, NO]),
    get("/staff/reports?from=2026-03-31&to=2026-03-01",                 [IN, IN, Expect::Is(400), Expect::Is(400), Expect::Is(400), Expect::Is(400), NO]),
    get("/staff/reports/csv/headline?preset=7d",                        [IN, IN, OK, OK, OK, OK, NO]),
    get("/staff/reports/csv/staff",                                     [IN, IN, HIDE, HIDE, OK, HIDE, NO]),
    get("/staff/reports/tickets?figure=received",                       [IN, IN, OK, OK, OK, NO, NO]),
    get("/staff/reports/tickets?figure=backlog&format=csv",             [IN, IN, OK, OK, OK, NO, NO]),
    get("/api/v1/reports/dashboard",                                    [IN, IN, OK, OK, OK, OK, NO]),
    get("/api/v1/reports/dashboard?preset=12m",                         [IN, IN, OK, OK, OK, OK, NO]),
    get("/api/v1/reports/csv/headline",                                 [IN, IN, OK, OK, OK, OK, NO]),
    // The weekly digest's opt-out: anyone's own setting.
    post("/staff/account/digest", &[("digest", "yes")],                 [IN, IN, GO, GO, GO, GO, GO]),
    get("/api/v1/account/digest",                                       [IN, IN, OK, OK, OK, OK, OK]),
    put_json("/api/v1/account/digest", r#"{"opt_out":false}"#,          [IN, IN, OK, OK, OK, OK, OK]),
    // Canned responses: supervisors for their departments, admins for all.
    get("/staff/canned-responses",                                      [IN, IN, NO, NO, OK, NO, OK]),
    // Last: these end sessions.
    post("/staff/sign-out-everywhere", &[],                             [IN, IN, GO, GO, GO, GO, GO]),
    post("/staff/sign-out", &[],                                        [GO, GO, GO, GO, GO, GO, GO]),
];

/// Everything the requests need: the people, and the placeholders' values.
struct World {
    db_url: String,
    emails: [Option<String>; 7],
    user: i64,
    /// An Open311 API key's id.
    api_key: i64,
    ticket: String,
    tracking_token: String,
    grant: String,
    reset_token: String,
    /// `(calendar, interval, holiday, policy)` for the pages, and for the API.
    sla: [SlaThings; 2],
}

/// A calendar nothing uses with an interval and a holiday of its own, and
/// a policy no service uses.
#[derive(Debug, Clone, Copy)]
struct SlaThings {
    calendar: i64,
    interval: i64,
    holiday: i64,
    policy: i64,
}

fn sla_things(app: &TestApp, tag: &str) -> SlaThings {
    use civicdesk::schema::{calendar_holidays, calendar_intervals};
    use civicdesk::sla_config::calendars::{self, CalendarInput, HolidayInput, IntervalInput};
    use civicdesk::sla_config::policies::{self, PolicyInput, TargetsInput};
    use civicdesk::sla_config::Entered;
    let mut conn = app.conn();
    let day = |weekday: &str| IntervalInput {
        weekday: weekday.into(),
        start: "09:00".into(),
        end: "17:00".into(),
        ..IntervalInput::default()
    };
    let calendar = calendars::create(
        &mut conn,
        &CalendarInput {
            name: format!("Matrix fixture ({tag}) calendar"),
            time_zone: "UTC".into(),
            always_open: false,
        },
        &[day("monday"), day("tuesday")],
        &[HolidayInput {
            name: "Matrix holiday".into(),
            date: "2026-12-25".into(),
            ..HolidayInput::default()
        }],
    )
    .unwrap();
    let interval = calendar_intervals::table
        .filter(calendar_intervals::calendar_id.eq(calendar))
        .filter(calendar_intervals::iso_weekday.eq(2))
        .select(calendar_intervals::id)
        .first(&mut conn)
        .unwrap();
    let holiday = calendar_holidays::table
        .filter(calendar_holidays::calendar_id.eq(calendar))
        .select(calendar_holidays::id)
        .first(&mut conn)
        .unwrap();
    let policy = policies::create(
        &mut conn,
        &PolicyInput {
            name: format!("Matrix fixture ({tag}) policy"),
            description: String::new(),
            targets: TargetsInput {
                field: String::new(),
                first_response: Entered::Number(60),
                keep_in_touch: Entered::Blank,
                resolution: Entered::Number(600),
            },
            warning_percents: vec![Entered::Number(75)],
            warning_actions: vec![],
            breach_actions: vec![],
            calendar: Entered::Blank,
            escalation_department: String::new(),
        },
    )
    .unwrap();
    SlaThings {
        calendar,
        interval,
        holiday,
        policy,
    }
}

impl World {
    fn fill(&self, text: &str) -> String {
        let text = if text.contains("{version}") {
            // The ticket's version as it stands now: earlier rows change it.
            use civicdesk::schema::tickets;
            let mut conn = diesel::PgConnection::establish(&self.db_url).unwrap();
            let version: i32 = tickets::table
                .filter(tickets::reference.eq(&self.ticket))
                .select(tickets::version)
                .first(&mut conn)
                .unwrap();
            text.replace("{version}", &version.to_string())
        } else {
            text.to_string()
        };
        let [page, api] = self.sla;
        text.replace("{user}", &self.user.to_string())
            .replace("{api_key}", &self.api_key.to_string())
            .replace("{ticket}", &self.ticket)
            .replace("{reset_token}", &self.reset_token)
            .replace("{calendar}", &page.calendar.to_string())
            .replace("{interval}", &page.interval.to_string())
            .replace("{holiday}", &page.holiday.to_string())
            .replace("{policy}", &page.policy.to_string())
            .replace("{api_calendar}", &api.calendar.to_string())
            .replace("{api_interval}", &api.interval.to_string())
            .replace("{api_holiday}", &api.holiday.to_string())
            .replace("{api_policy}", &api.policy.to_string())
    }
}

async fn build_world(app: &TestApp) -> World {
    app.seed_demo();
    let staff = [
        ("other.agent@example.org", "agent", &["parks"][..]),
        ("agent@example.org", "agent", &["waste"][..]),
        ("supervisor@example.org", "supervisor", &["waste"][..]),
        ("leader@example.org", "leader", &[][..]),
        ("admin@example.org", "admin", &[][..]),
    ];
    for (email, role, departments) in staff {
        staff_user(app, email, role, departments);
    }
    let target = staff_user(app, "target@example.org", "agent", &["roads"]);

    // A citizen's request to Waste, with its tracking token.
    let res = bare_client()
        .post(app.url("/api/v1/requests"))
        .json(&json!({
            "category": "missed-bin",
            "kind": "service_request",
            "subject": "Bin not emptied",
            "description": "Left full on Tuesday.",
            "name": "Ada Lovelace",
            "email": "ada@example.org",
            "privacy_consent": true,
            "extra_fields": { "bin_type": "recycling", "collection_date": "2026-11-17" }
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "submitting the citizen's request");
    let created: Value = res.json().await.unwrap();
    let ticket = created["reference"].as_str().unwrap().to_string();
    let tracking_token = created["tracking_token"].as_str().unwrap().to_string();
    let grant =
        civicdesk::auth::grant::issue(&app.settings.security.jwt_secret, &ticket, Utc::now());

    // A working reset link for the target (its token is ours: only the hash is stored).
    let reset_token = "matrixResetToken_0123456789abcdefghijklmnop".to_string();
    assert_eq!(reset_token.len(), 43);
    diesel::insert_into(password_resets::table)
        .values((
            password_resets::user_id.eq(user_id(app, &target)),
            password_resets::token_hash.eq(civicdesk::staff::passwords::token_hash(&reset_token)),
            password_resets::expires_at.eq(Utc::now() + Duration::hours(1)),
        ))
        .execute(&mut app.conn())
        .unwrap();

    let email = |i: usize| Some(staff[i].0.to_string());
    World {
        db_url: app.db_url.clone(),
        emails: [None, None, email(0), email(1), email(2), email(3), email(4)],
        user: user_id(app, &target),
        api_key: civicdesk::open311::api_keys::create(
            &mut app.conn(),
            "Matrix key",
            None,
            Utc::now(),
        )
        .unwrap()
        .id,
        ticket,
        tracking_token,
        grant,
        reset_token,
        sla: [sla_things(app, "page"), sla_things(app, "API")],
    }
}

/// How a citizen's credentials are presented where a staff session is expected.
#[derive(Debug, Clone, Copy)]
enum CitizenCredential {
    /// The signed grant cookie's JWT (signed with the portal's key!).
    Grant,
    /// The request's tracking token.
    TrackingToken,
}

async fn send(
    app: &TestApp,
    world: &World,
    route: &Route,
    persona: Persona,
    citizen: CitizenCredential,
) -> reqwest::Response {
    let path = world.fill(route.path);
    let api = path.starts_with("/api/");
    let mut request = bare_client().request(route.method.parse().unwrap(), app.url(&path));
    let mut cookies = vec![format!("civicdesk_csrf={CSRF}")];
    let index = PERSONAS.iter().position(|p| *p == persona).unwrap();
    let credential = match (&world.emails[index], persona) {
        (Some(email), _) => Some(session_token(app, email)),
        (None, Persona::Citizen) => {
            cookies.push(format!("civicdesk_request={}", world.grant));
            request = request.header("X-Tracking-Token", &world.tracking_token);
            Some(match citizen {
                CitizenCredential::Grant => world.grant.clone(),
                CitizenCredential::TrackingToken => world.tracking_token.clone(),
            })
        }
        (None, _) => None,
    };
    if let Some(token) = credential {
        if api {
            request = request.bearer_auth(token);
        } else {
            cookies.push(format!("civicdesk_session={token}"));
        }
    }
    request = request.header("cookie", cookies.join("; "));
    match route.body {
        Body::None => {}
        Body::Form(fields) => {
            let mut form: Vec<(String, String)> = fields
                .iter()
                .map(|(k, v)| (k.to_string(), world.fill(v)))
                .collect();
            form.push(("csrf_token".into(), CSRF.into()));
            request = request.form(&form);
        }
        Body::Json(json) => {
            request = request
                .header("content-type", "application/json")
                .body(world.fill(json));
        }
    }
    request.send().await.expect("request")
}

struct Outcome {
    status: u16,
    location: String,
    code: Option<String>,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.status)?;
        if !self.location.is_empty() {
            write!(f, " -> {}", self.location)?;
        }
        if let Some(code) = &self.code {
            write!(f, " ({code})")?;
        }
        Ok(())
    }
}

async fn outcome(res: reqwest::Response) -> Outcome {
    let status = res.status().as_u16();
    let location = crate::staff_helpers::location(&res);
    let json = res
        .headers()
        .get("content-type")
        .is_some_and(|v| v.to_str().unwrap_or("").starts_with("application/json"));
    let code = if json {
        res.json::<Value>()
            .await
            .ok()
            .and_then(|v| v["error"]["code"].as_str().map(str::to_string))
    } else {
        None
    };
    Outcome {
        status,
        location,
        code,
    }
}

fn matches(expect: Expect, api: bool, got: &Outcome) -> bool {
    let to_sign_in = got.location.starts_with("/staff/sign-in?next=");
    match expect {
        Expect::In if api => got.status == 401 && got.code.as_deref() == Some("unauthorized"),
        Expect::In => got.status == 303 && to_sign_in,
        Expect::No => got.status == 403,
        Expect::Hide => got.status == 404,
        Expect::Is(303) => got.status == 303 && !to_sign_in,
        Expect::Is(status) => got.status == status,
    }
}

#[tokio::test]
async fn every_staff_route_gives_each_role_exactly_its_outcome() {
    let app = spawn_app().await;
    let world = build_world(&app).await;
    let mut failures = Vec::new();
    for route in ROUTES {
        let api = route.path.starts_with("/api/");
        for (persona, expect) in PERSONAS.into_iter().zip(route.expect) {
            let tries: &[CitizenCredential] = if persona == Persona::Citizen {
                &[CitizenCredential::Grant, CitizenCredential::TrackingToken]
            } else {
                &[CitizenCredential::Grant]
            };
            for &citizen in tries {
                let got = outcome(send(&app, &world, route, persona, citizen).await).await;
                if !matches(expect, api, &got) {
                    let who = if persona == Persona::Citizen {
                        format!("{persona:?} ({citizen:?})")
                    } else {
                        format!("{persona:?}")
                    };
                    failures.push(format!(
                        "{} {} as {who}: expected {expect:?}, got {got}",
                        route.method, route.path
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of the matrix's outcomes are wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );

    // Refused requests changed nothing; the admin's did what they said.
    let made: i64 = users::table
        .filter(users::email.eq("matrix.made@example.org"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(made, 1, "only the admin's create went through");
    let (role, active): (String, bool) = users::table
        .filter(users::id.eq(world.user))
        .select((users::role, users::active))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!((role.as_str(), active), ("supervisor", true));

    // The admin's SLA changes happened (once: nobody else's did).
    for (table, name, n) in [
        ("business_calendars", "Matrix calendar", 1),
        ("business_calendars", "Matrix API calendar", 1),
        ("sla_policies", "Matrix policy", 1),
        ("sla_policies", "Matrix API policy", 1),
    ] {
        assert_eq!(
            app.count(&format!("{table} WHERE name = '{name}'")),
            n,
            "{name}"
        );
    }
    for t in world.sla {
        assert_eq!(
            app.count(&format!("business_calendars WHERE id = {}", t.calendar)),
            0
        );
        assert_eq!(
            app.count(&format!("sla_policies WHERE id = {}", t.policy)),
            0
        );
    }
}
