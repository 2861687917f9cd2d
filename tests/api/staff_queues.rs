//! Staff queues, search and intake over real HTTP: every filter alone and
//! combined, the scope (departments and own tickets; leaders and admins
//! refused), counts, keyset pages that stay put while tickets arrive, search
//! relevance and references first, citizens found by email and phone, and
//! intake that reuses the citizen rather than making a second one.

use std::collections::{BTreeSet, HashSet};

use chrono::{DateTime, Duration, TimeZone, Utc};
use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz};
use diesel::{QueryableByName, RunQueryDsl};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp};
use crate::staff_auth::staff_user;

/// The password `staff_user` gives everyone (as in staff_auth.rs).
const PASSWORD: &str = "correct horse battery staple";

/// A seeded app with an agent of roads.
async fn app_with_agent() -> (TestApp, Staff) {
    let app = spawn_app().await;
    app.seed_demo();
    let agent = Staff::new(&app, "roads.agent@example.org", "agent", &["roads"]).await;
    (app, agent)
}

/// A staff member with an API token.
struct Staff {
    id: i64,
    email: String,
    token: String,
    api: reqwest::Client,
}

/// A client that drops idle connections well before the server's keep-alive
/// (5 s) ends them, so a request never races the server closing its connection
/// while a test is busy writing rows.
fn client(cookies: bool) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(cookies)
        .pool_idle_timeout(std::time::Duration::from_secs(1))
        .build()
        .unwrap()
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

impl Staff {
    async fn new(app: &TestApp, email: &str, role: &str, departments: &[&str]) -> Self {
        staff_user(app, email, role, departments);
        let id = diesel::sql_query("SELECT id FROM users WHERE email = $1")
            .bind::<Text, _>(email)
            .get_result::<Id>(&mut app.conn())
            .unwrap()
            .id;
        let res = app
            .client
            .post(app.url("/api/v1/auth/token"))
            .json(&json!({ "email": email, "password": PASSWORD }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let token = res.json::<Value>().await.unwrap()["access_token"]
            .as_str()
            .unwrap()
            .to_string();
        Self {
            id,
            email: email.to_string(),
            token,
            api: client(false),
        }
    }

    async fn get(&self, app: &TestApp, path: &str) -> (StatusCode, Value) {
        let res = self
            .api
            .get(app.url(path))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        json_of(res).await
    }

    /// `GET /api/v1/tickets?{query}`, which must succeed.
    async fn list(&self, app: &TestApp, query: &str) -> Value {
        let (status, body) = self.get(app, &format!("/api/v1/tickets?{query}")).await;
        assert_eq!(status, StatusCode::OK, "{query}: {body}");
        body
    }

    /// The references a list returns, in order.
    async fn refs(&self, app: &TestApp, query: &str) -> Vec<String> {
        references(&self.list(app, query).await)
    }

    async fn intake(&self, app: &TestApp, body: &Value) -> (StatusCode, Value) {
        let res = self
            .api
            .post(app.url("/api/v1/tickets"))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .unwrap();
        json_of(res).await
    }

    /// A browser signed in as this person (its own cookie jar).
    async fn browser(&self, app: &TestApp) -> reqwest::Client {
        let client = client(true);
        let html = client
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
                ("email", self.email.as_str()),
                ("password", PASSWORD),
                ("csrf_token", csrf_of(&html).as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "signing in {}", self.email);
        client
    }
}

async fn json_of(res: reqwest::Response) -> (StatusCode, Value) {
    let status = res.status();
    let text = res.text().await.unwrap();
    let body =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{status}: not JSON ({e}): {text}"));
    (status, body)
}

fn csrf_of(html: &str) -> String {
    let key = r#"name="csrf_token" value=""#;
    let start = html.find(key).expect("a csrf field") + key.len();
    html[start..start + html[start..].find('"').unwrap()].to_string()
}

fn references(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items: {list}"))
        .iter()
        .map(|t| t["reference"].as_str().unwrap().to_string())
        .collect()
}

fn set(refs: &[&String]) -> BTreeSet<String> {
    refs.iter().map(|r| r.to_string()).collect()
}

/// A page's status and HTML, with tera's escaped slashes and quotes put back
/// (`&amp;` stays) so links can be matched as written.
async fn page(client: &reqwest::Client, app: &TestApp, path: &str) -> (StatusCode, String) {
    let res = client.get(app.url(path)).send().await.unwrap();
    (res.status(), unescape(&res.text().await.unwrap()))
}

fn unescape(html: &str) -> String {
    html.replace("&#x2F;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
}

/// A ticket written straight into the database, as the test needs it.
#[derive(Clone)]
struct T {
    category: &'static str,
    subject: &'static str,
    description: &'static str,
    kind: &'static str,
    status: &'static str,
    priority: &'static str,
    channel: &'static str,
    assignee: Option<i64>,
    contact: Option<i64>,
    created: DateTime<Utc>,
    updated: Option<DateTime<Utc>>,
    awaiting: Option<DateTime<Utc>>,
}

impl Default for T {
    fn default() -> Self {
        Self {
            category: "pothole",
            subject: "A ticket",
            description: "Something to do.",
            kind: "service_request",
            status: "new",
            priority: "normal",
            channel: "web",
            assignee: None,
            contact: None,
            created: Utc::now(),
            updated: None,
            awaiting: None,
        }
    }
}

/// A contact; returns its id.
fn contact(app: &TestApp, name: &str, email: Option<&str>, phone: Option<&str>) -> i64 {
    insert_contact(&mut app.conn(), name, email, phone)
}

fn insert_contact(
    conn: &mut diesel::PgConnection,
    name: &str,
    email: Option<&str>,
    phone: Option<&str>,
) -> i64 {
    diesel::sql_query("INSERT INTO contacts (name, email, phone) VALUES ($1, $2, $3) RETURNING id")
        .bind::<Text, _>(name)
        .bind::<Nullable<Text>, _>(email)
        .bind::<Nullable<Text>, _>(phone)
        .get_result::<Id>(conn)
        .unwrap()
        .id
}

/// Inserts the ticket; returns its reference.
fn ticket(app: &TestApp, t: T) -> String {
    insert_ticket(&mut app.conn(), t)
}

/// Inserts the tickets over one connection; returns their references.
fn tickets(app: &TestApp, all: impl IntoIterator<Item = T>) -> Vec<String> {
    let mut conn = app.conn();
    all.into_iter()
        .map(|t| insert_ticket(&mut conn, t))
        .collect()
}

fn insert_ticket(conn: &mut diesel::PgConnection, t: T) -> String {
    static NEXT: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(900_000);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let reference = format!("CD-2026-{n:06}");
    let contact_id = t
        .contact
        .unwrap_or_else(|| insert_contact(conn, "Test Citizen", None, Some("01632960999")));
    #[derive(QueryableByName)]
    struct Reference {
        #[diesel(sql_type = Text)]
        reference: String,
    }
    diesel::sql_query(
        "INSERT INTO tickets (reference, tracking_token_hash, kind, category_id, department_id, \
           status, priority, channel, subject, description, contact_id, assignee_id, created_at, \
           updated_at, awaiting_staff_since, resolution_code) \
         SELECT $1, sha256(convert_to($1, 'UTF8')), $2, c.id, c.default_department_id, $3, $4, $5, \
           $6, $7, $8, $9, $10, $11, $12, CASE WHEN $3 = 'closed' THEN 'fixed' END \
         FROM categories c WHERE c.slug = $13 RETURNING reference",
    )
    .bind::<Text, _>(&reference)
    .bind::<Text, _>(t.kind)
    .bind::<Text, _>(t.status)
    .bind::<Text, _>(t.priority)
    .bind::<Text, _>(t.channel)
    .bind::<Text, _>(t.subject)
    .bind::<Text, _>(t.description)
    .bind::<BigInt, _>(contact_id)
    .bind::<Nullable<BigInt>, _>(t.assignee)
    .bind::<Timestamptz, _>(t.created)
    .bind::<Timestamptz, _>(t.updated.unwrap_or(t.created))
    .bind::<Nullable<Timestamptz>, _>(t.awaiting)
    .bind::<Text, _>(t.category)
    .get_result::<Reference>(conn)
    .unwrap_or_else(|e| panic!("inserting a {} ticket: {e}", t.category))
    .reference
}

#[tokio::test]
async fn signed_out_people_are_sent_to_sign_in_and_the_api_wants_a_token() {
    let app = spawn_app().await;
    for (path, next) in [
        ("/staff/queue?queue=mine", "%2Fstaff%2Fqueue%3Fqueue%3Dmine"),
        ("/staff/intake", "%2Fstaff%2Fintake"),
    ] {
        let res = app.get(path).await;
        assert_eq!(res.status(), 303, "{path}");
        assert_eq!(
            res.headers()["location"],
            format!("/staff/sign-in?next={next}").as_str()
        );
    }
    for res in [
        app.get("/api/v1/tickets").await,
        app.get("/api/v1/tickets?kind=not-a-kind").await,
        app.get("/api/v1/contacts?q=ada").await,
        app.client
            .post(app.url("/api/v1/tickets"))
            .json(&json!({"channel": "phone", "category": "pothole"}))
            .send()
            .await
            .unwrap(),
    ] {
        let (status, body) = json_of(res).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert_eq!(body["error"]["code"], "unauthorized");
    }
    // A page's cookie does not work for the API.
    let res = app
        .client
        .get(app.url("/api/v1/tickets"))
        .header("cookie", "civicdesk_session=whatever")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn agents_see_their_departments_tickets_and_those_assigned_to_them() {
    let (app, roads) = app_with_agent().await;
    let waste = Staff::new(&app, "waste.agent@example.org", "agent", &["waste"]).await;
    let road_1 = ticket(&app, T::default());
    let road_2 = ticket(
        &app,
        T {
            category: "street-light",
            ..T::default()
        },
    );
    let bin = ticket(
        &app,
        T {
            category: "missed-bin",
            subject: "Waste ticket nobody in roads may see",
            ..T::default()
        },
    );
    let bin_for_roads = ticket(
        &app,
        T {
            category: "missed-bin",
            assignee: Some(roads.id),
            ..T::default()
        },
    );

    let seen: BTreeSet<String> = roads.refs(&app, "").await.into_iter().collect();
    assert_eq!(seen, set(&[&road_1, &road_2, &bin_for_roads]));
    let seen: BTreeSet<String> = waste.refs(&app, "").await.into_iter().collect();
    assert_eq!(seen, set(&[&bin, &bin_for_roads]));
    // Not by searching, nor by filtering on the other department.
    assert!(roads.refs(&app, "q=nobody+in+roads").await.is_empty());
    assert_eq!(
        roads.refs(&app, "department=waste").await,
        vec![bin_for_roads.clone()]
    );

    // The same on the pages.
    let browser = roads.browser(&app).await;
    let (status, html) = page(&browser, &app, "/staff/queue").await;
    assert_eq!(status, 200);
    for r in [&road_1, &road_2, &bin_for_roads] {
        assert!(
            html.contains(&format!("href=\"/staff/tickets/{r}\"")),
            "{r} missing"
        );
    }
    assert!(!html.contains(&bin));
    let (status, html) = page(&browser, &app, "/staff").await;
    assert_eq!(status, 200);
    assert!(
        html.contains(&bin_for_roads),
        "the dashboard lists my tickets"
    );
    assert!(!html.contains(&bin));
    assert!(html.contains("data-search-shortcut") && html.contains("action=\"/staff/sign-out\""));
}

#[tokio::test]
async fn leaders_and_admins_are_refused_queues_and_intake() {
    let app = spawn_app().await;
    app.seed_demo();
    ticket(&app, T::default());
    for (email, role) in [
        ("leader@example.org", "leader"),
        ("admin@example.org", "admin"),
    ] {
        let person = Staff::new(&app, email, role, &[]).await;
        for path in [
            "/api/v1/tickets",
            "/api/v1/tickets?queue=mine",
            "/api/v1/contacts?q=a",
        ] {
            let (status, body) = person.get(&app, path).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{role} {path}: {body}");
            assert_eq!(body["error"]["code"], "forbidden");
        }
        let (status, _) = person
            .intake(&app, &json!({"channel": "phone", "category": "pothole"}))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let browser = person.browser(&app).await;
        for path in ["/staff/queue", "/staff/intake"] {
            let (status, _) = page(&browser, &app, path).await;
            assert_eq!(status, 403, "{role} {path}");
        }
        // They still land on /staff, and can sign out from there.
        let (status, html) = page(&browser, &app, "/staff").await;
        assert_eq!(status, 200);
        assert!(html.contains("does not work tickets"));
        assert!(html.contains("action=\"/staff/sign-out-everywhere\""));
    }
}

#[tokio::test]
async fn every_filter_alone_and_combined() {
    let app = spawn_app().await;
    app.seed_demo();
    let me = Staff::new(
        &app,
        "two.departments@example.org",
        "agent",
        &["roads", "parks"],
    )
    .await;
    let colleague = Staff::new(&app, "colleague@example.org", "agent", &["parks"]).await;
    let day = |d: u32| Utc.with_ymd_and_hms(2026, 11, d, 12, 0, 0).unwrap();
    let a = ticket(
        &app,
        T {
            category: "pothole",
            kind: "complaint",
            status: "new",
            priority: "high",
            channel: "phone",
            created: day(2),
            ..T::default()
        },
    );
    let b = ticket(
        &app,
        T {
            category: "street-light",
            status: "in_progress",
            priority: "normal",
            channel: "web",
            assignee: Some(me.id),
            created: day(10),
            ..T::default()
        },
    );
    let c = ticket(
        &app,
        T {
            category: "park-maintenance",
            status: "waiting_on_citizen",
            priority: "low",
            channel: "counter",
            assignee: Some(colleague.id),
            created: day(20),
            ..T::default()
        },
    );
    let d = ticket(
        &app,
        T {
            category: "pothole",
            status: "closed",
            priority: "urgent",
            channel: "email",
            assignee: Some(me.id),
            created: day(21),
            ..T::default()
        },
    );
    // 23:30 UTC on 1 July is 00:30 on 2 July in London (summer time).
    let e = ticket(
        &app,
        T {
            category: "grass-cutting",
            status: "resolved",
            channel: "api",
            created: Utc.with_ymd_and_hms(2026, 7, 1, 23, 30, 0).unwrap(),
            ..T::default()
        },
    );
    let colleague_id = colleague.id.to_string();
    let cases: Vec<(String, BTreeSet<String>)> = vec![
        ("".into(), set(&[&a, &b, &c, &d, &e])),
        ("status=new".into(), set(&[&a])),
        ("status=new&status=closed".into(), set(&[&a, &d])),
        ("status=in_progress,waiting_on_citizen".into(), set(&[&b, &c])),
        ("kind=complaint".into(), set(&[&a])),
        ("kind=service_request".into(), set(&[&b, &c, &d, &e])),
        ("category=street-light".into(), set(&[&b])),
        ("priority=urgent".into(), set(&[&d])),
        ("channel=counter".into(), set(&[&c])),
        ("assignee=me".into(), set(&[&b, &d])),
        ("assignee=none".into(), set(&[&a, &e])),
        (format!("assignee={colleague_id}"), set(&[&c])),
        ("department=parks".into(), set(&[&c, &e])),
        ("department=roads".into(), set(&[&a, &b, &d])),
        ("created_from=2026-11-10".into(), set(&[&b, &c, &d])),
        ("created_to=2026-11-10".into(), set(&[&a, &b, &e])),
        ("created_from=2026-11-10&created_to=2026-11-20".into(), set(&[&b, &c])),
        // Cut in the council's zone, not UTC.
        ("created_from=2026-07-02&created_to=2026-07-02".into(), set(&[&e])),
        ("created_to=2026-07-01".into(), set(&[])),
        ("q=ticket".into(), set(&[&a, &b, &c, &d, &e])),
        // Queues narrow the filter.
        ("queue=mine".into(), set(&[&b])),
        ("queue=unassigned".into(), set(&[&a])),
        ("queue=waiting".into(), set(&[&c])),
        // Combined.
        ("department=roads&assignee=me&status=closed".into(), set(&[&d])),
        ("kind=service_request&priority=normal&channel=web".into(), set(&[&b])),
        ("department=roads&priority=high&kind=complaint&channel=phone&assignee=none&status=new&category=pothole&created_from=2026-11-01&created_to=2026-11-02&q=ticket".into(), set(&[&a])),
        ("queue=mine&status=closed".into(), set(&[])),
        ("department=parks&status=resolved&channel=api".into(), set(&[&e])),
    ];
    for (query, expected) in cases {
        let got: BTreeSet<String> = me.refs(&app, &query).await.into_iter().collect();
        assert_eq!(got, expected, "?{query}");
    }

    // Values that cannot be: a 400 that names the field.
    for (query, field) in [
        ("status=open", "status"),
        ("kind=rant", "kind"),
        ("category=no-such-service", "category"),
        ("department=nowhere", "department"),
        ("priority=URGENT", "priority"),
        ("channel=pigeon", "channel"),
        ("assignee=somebody", "assignee"),
        ("created_from=1%2F7%2F2026", "created_from"),
        (
            "created_from=2026-11-20&created_to=2026-11-01",
            "created_from",
        ),
        ("queue=everything", "queue"),
        ("sort=relevance", "sort"),
        ("cursor=garbage", "cursor"),
        ("colour=red", "colour"),
    ] {
        let (status, body) = me.get(&app, &format!("/api/v1/tickets?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_eq!(body["error"]["code"], "bad_query");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains(field), "{query}: {message}");
    }

    // The page keeps its filters in the URL and shows them back.
    let browser = me.browser(&app).await;
    let (status, html) = page(&browser, &app, "/staff/queue?priority=urgent&status=closed").await;
    assert_eq!(status, 200);
    assert!(html.contains(&d) && !html.contains(&a));
    assert!(
        html.contains(r#"<option value="urgent" selected>"#),
        "the form shows the filter"
    );
    assert!(html.contains(r#"value="closed" checked"#));
    let (status, html) = page(&browser, &app, "/staff/queue?kind=rant&priority=urgent").await;
    assert_eq!(status, 400);
    assert!(html.contains("cannot be “rant”"), "a readable reason");
    assert!(
        html.contains(r#"<option value="urgent" selected>"#),
        "the good filters stay"
    );
}

#[tokio::test]
async fn counts_of_every_queue_come_back_with_the_list() {
    let (app, me) = app_with_agent().await;
    let colleague = Staff::new(&app, "roads.colleague@example.org", "agent", &["roads"]).await;
    let old = Utc::now() - Duration::days(3);
    let t = |status: &'static str, assignee: Option<i64>, recent: bool| T {
        status,
        assignee,
        created: if recent { Utc::now() } else { old },
        ..T::default()
    };
    // Mine: two open (one recent), one closed.
    ticket(&app, t("in_progress", Some(me.id), true));
    ticket(&app, t("assigned", Some(me.id), false));
    ticket(&app, t("closed", Some(me.id), false));
    // Unassigned in roads: three open (one waiting), one resolved.
    ticket(&app, t("new", None, true));
    ticket(&app, t("new", None, false));
    ticket(&app, t("waiting_on_citizen", None, false));
    ticket(&app, t("resolved", None, false));
    // A colleague's, waiting on the citizen, recent.
    ticket(&app, t("waiting_on_citizen", Some(colleague.id), true));
    // Out of scope: waste, unassigned, recent.
    ticket(
        &app,
        T {
            category: "missed-bin",
            ..T::default()
        },
    );

    let list = me.list(&app, "").await;
    assert_eq!(
        list["counts"],
        json!({"mine": 2, "unassigned": 3, "waiting": 2, "recent": 3, "due_soon": 0, "overdue": 0, "matching": 8, "matching_cap": 1000})
    );
    let list = me.list(&app, "queue=unassigned&status=new").await;
    assert_eq!(list["counts"]["matching"], 2);
    assert_eq!(list["counts"]["mine"], 2, "queue counts ignore the filter");
    assert_eq!(references(&list).len(), 2);

    // The dashboard shows the same numbers.
    let browser = me.browser(&app).await;
    let (_, html) = page(&browser, &app, "/staff").await;
    for (queue, n) in [
        ("mine", 2),
        ("unassigned", 3),
        ("waiting", 2),
        ("recent", 3),
    ] {
        let link = format!("href=\"/staff/queue?queue={queue}\"");
        let at = html
            .find(&link)
            .unwrap_or_else(|| panic!("no link to {queue}"));
        let count = format!("{n} tickets");
        assert!(html[at..at + 400].contains(&count), "{queue}: {count}");
    }
}

/// A first page counts its matches while finding its rows; a later page (by
/// cursor) and a ranked search count them apart, with the queue counts, in
/// one statement. Every way must give the same numbers, stopping at 1,001.
#[tokio::test]
async fn counts_agree_on_every_page_and_stop_past_a_thousand() {
    let (app, me) = app_with_agent().await;
    let citizen = contact(&app, "Counted Citizen", None, Some("01632960777"));
    let old = Utc::now() - Duration::days(3);
    tickets(
        &app,
        (0..1010).map(|i| T {
            priority: if i % 200 == 0 { "high" } else { "normal" },
            status: if i % 100 == 1 { "resolved" } else { "new" },
            contact: Some(citizen),
            created: old + Duration::seconds(i),
            ..T::default()
        }),
    );
    // 1,010 tickets, 11 resolved (i = 1, 101, ..., 1001), 6 high (i = 0, 200, ..., 1000).
    let first = me.list(&app, "").await;
    assert_eq!(
        first["counts"],
        json!({"mine": 0, "unassigned": 999, "waiting": 0, "recent": 0, "due_soon": 0, "overdue": 0, "matching": 1001, "matching_cap": 1000})
    );
    let cursor = first["next_cursor"].as_str().expect("a second page");
    let second = me.list(&app, &format!("cursor={cursor}")).await;
    assert_eq!(
        second["counts"], first["counts"],
        "a later page counts the same"
    );
    assert_ne!(references(&second), references(&first));

    // (query, matching, matching_cap): a first page that holds every match
    // counts itself; the rest count in the counts statement. A search in
    // best-match order ranks at most 500 candidates and says "more than 500"
    // past them; when they are every match it counts them. In time order a
    // search counts every match, as a list does.
    let unassigned_due = me.list(&app, "queue=unassigned&sort=due").await;
    let due_cursor = unassigned_due["next_cursor"]
        .as_str()
        .expect("a second page by due")
        .to_string();
    let ranked = me.list(&app, "q=Counted").await;
    let ranked_cursor = ranked["next_cursor"]
        .as_str()
        .expect("a second ranked page")
        .to_string();
    let cases = [
        ("priority=high".to_string(), 6, 1000),
        ("priority=high&status=new".to_string(), 6, 1000),
        ("status=resolved&sort=created".to_string(), 11, 1000),
        ("queue=unassigned".to_string(), 999, 1000),
        ("queue=unassigned&sort=due".to_string(), 999, 1000),
        (
            format!("queue=unassigned&sort=due&cursor={due_cursor}"),
            999,
            1000,
        ),
        ("q=Counted".to_string(), 501, 500),
        (format!("q=Counted&cursor={ranked_cursor}"), 501, 500),
        ("q=Counted&priority=high".to_string(), 6, 1000),
        ("q=Counted&sort=updated".to_string(), 1001, 1000),
        ("q=Counted&priority=high&sort=created".to_string(), 6, 1000),
    ];
    for (query, matching, cap) in cases {
        let list = me.list(&app, &query).await;
        assert_eq!(list["counts"]["matching"], matching, "{query}");
        assert_eq!(list["counts"]["matching_cap"], cap, "{query}");
        if matching <= 50 {
            assert_eq!(references(&list).len() as i64, matching, "{query}");
        }
        if query == "queue=unassigned" {
            assert_eq!(list["counts"]["unassigned"], 999);
        }
    }

    // The page says so in words.
    let browser = me.browser(&app).await;
    let (_, html) = page(&browser, &app, "/staff/queue").await;
    assert!(html.contains("More than 1000 tickets"), "{html}");
    let (_, html) = page(&browser, &app, "/staff/queue?priority=high").await;
    assert!(html.contains("6 tickets"), "{html}");
    let (_, html) = page(&browser, &app, "/staff/queue?q=Counted").await;
    assert!(html.contains("More than 500"), "{html}");
}

/// Every page of a list, following `next_cursor`, with `between` run after the first page.
async fn all_pages(
    app: &TestApp,
    who: &Staff,
    query: &str,
    mut between: impl FnMut(),
) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let q = match &cursor {
            Some(c) => format!("{query}&cursor={c}"),
            None => query.to_string(),
        };
        let list = who.list(app, &q).await;
        pages.push(references(&list));
        if pages.len() == 1 {
            between();
        }
        match list["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return pages,
        }
        assert!(pages.len() < 10, "runaway paging");
    }
}

#[tokio::test]
async fn pages_neither_repeat_nor_skip_while_tickets_arrive() {
    let (app, me) = app_with_agent().await;
    let base = Utc::now() - Duration::days(2);
    // Groups of three share a timestamp: the id breaks the tie.
    let mut original: HashSet<String> = tickets(
        &app,
        (0..120).map(|i| {
            let at = base + Duration::minutes(i / 3);
            T {
                created: at,
                updated: Some(at + Duration::hours(1)),
                ..T::default()
            }
        }),
    )
    .into_iter()
    .collect();
    for sort in ["updated", "created"] {
        let mut arrivals = Vec::new();
        let pages = all_pages(&app, &me, &format!("sort={sort}"), || {
            arrivals = tickets(&app, (0..7).map(|_| T::default()));
        })
        .await;
        let n = original.len();
        let expected: Vec<usize> = (0..n.div_ceil(50)).map(|i| (n - i * 50).min(50)).collect();
        assert_eq!(
            pages.iter().map(Vec::len).collect::<Vec<_>>(),
            expected,
            "{sort}"
        );
        let seen: Vec<&String> = pages.iter().flatten().collect();
        let unique: HashSet<&String> = seen.iter().copied().collect();
        assert_eq!(seen.len(), unique.len(), "{sort}: a ticket came twice");
        assert_eq!(
            unique.iter().map(|r| r.to_string()).collect::<HashSet<_>>(),
            original,
            "{sort}: every ticket there at the start, and only those"
        );
        // The newcomers are on the first page of a fresh list.
        let first = me.refs(&app, &format!("sort={sort}")).await;
        assert!(arrivals.iter().all(|a| first.contains(a)));
        original.extend(arrivals);
    }

    // The page links to the next page, keeping the filter.
    let browser = me.browser(&app).await;
    let (_, html) = page(&browser, &app, "/staff/queue?sort=created").await;
    let at = html.find("rel=\"next\"").expect("a next-page link");
    let start = html[..at].rfind("href=\"").unwrap() + 6;
    let href = html[start..start + html[start..].find('"').unwrap()].replace("&amp;", "&");
    assert!(
        href.starts_with("/staff/queue?sort=created&cursor="),
        "{href}"
    );
    let (status, html) = page(&browser, &app, &href).await;
    assert_eq!(status, 200);
    assert!(html.contains("First page"));
}

#[tokio::test]
async fn search_ranks_subject_over_description_and_puts_the_reference_first() {
    let (app, me) = app_with_agent().await;
    let old = Utc::now() - Duration::days(5);
    // Older and less recently updated, yet the better match.
    let in_subject = ticket(
        &app,
        T {
            subject: "Streetlamp flickering on Mill Lane",
            description: "It goes on and off all night.",
            created: old,
            ..T::default()
        },
    );
    let in_description = ticket(
        &app,
        T {
            subject: "Lamp post problem",
            description: "The streetlamp outside number 4 is dark.",
            ..T::default()
        },
    );
    let unrelated = ticket(
        &app,
        T {
            subject: "Pothole",
            ..T::default()
        },
    );
    let found = me.refs(&app, "q=streetlamp").await;
    assert_eq!(found, vec![in_subject.clone(), in_description.clone()]);
    assert!(!found.contains(&unrelated));
    // Another order may be asked for.
    assert_eq!(
        me.refs(&app, "q=streetlamp&sort=updated").await,
        vec![in_description.clone(), in_subject.clone()]
    );

    // A reference comes first, even when other tickets mention it more.
    let target = ticket(
        &app,
        T {
            subject: "Blocked drain",
            created: old,
            ..T::default()
        },
    );
    let mention = format!("Same as {target}. See {target}, {target} and {target} again.");
    let mentions: Vec<String> = (0..3)
        .map(|_| {
            ticket(
                &app,
                T {
                    subject: Box::leak(format!("Follow-up to {target}").into_boxed_str()),
                    description: Box::leak(mention.clone().into_boxed_str()),
                    ..T::default()
                },
            )
        })
        .collect();
    let found = me.refs(&app, &format!("q={target}")).await;
    assert_eq!(found[0], target, "{found:?}");
    assert_eq!(
        found[1..].iter().collect::<BTreeSet<_>>(),
        mentions.iter().collect::<BTreeSet<_>>(),
        "the mentions follow"
    );
    // Typed as read over the phone.
    let spoken = format!("cd 2026 {}", &target[8..]);
    let found = me
        .refs(&app, &format!("q={}", spoken.replace(' ', "+")))
        .await;
    assert_eq!(found.first(), Some(&target), "{spoken}: {found:?}");
    // A ticket out of scope is not found by its reference.
    let waste = ticket(
        &app,
        T {
            category: "missed-bin",
            ..T::default()
        },
    );
    assert!(me.refs(&app, &format!("q={waste}")).await.is_empty());

    // By the citizen's email, name and phone.
    let ada = contact(
        &app,
        "Ada Lovelace",
        Some("ada@example.org"),
        Some("01632960001"),
    );
    let hers = ticket(
        &app,
        T {
            contact: Some(ada),
            subject: "Overgrown hedge",
            ..T::default()
        },
    );
    for q in [
        "ada@example.org",
        "ADA@example.org",
        "Ada+Lovelace",
        "lovelace",
        "01632+960+001",
        "01632960001",
    ] {
        assert_eq!(
            me.refs(&app, &format!("q={q}")).await,
            vec![hers.clone()],
            "q={q}"
        );
    }

    // The page: results, best first, and the search box keeps the words.
    let browser = me.browser(&app).await;
    let (status, html) = page(&browser, &app, &format!("/staff/queue?q={target}")).await;
    assert_eq!(status, 200);
    let first = html.find(&format!("/staff/tickets/{target}")).unwrap();
    for m in &mentions {
        assert!(html.find(&format!("/staff/tickets/{m}")).unwrap() > first);
    }
    assert!(html.contains(&format!("value=\"{target}\"")));
    assert!(html.contains(r#"<option value="" selected>Best match when searching"#));
}

#[tokio::test]
async fn the_marker_says_in_words_that_the_citizen_replied() {
    let (app, me) = app_with_agent().await;
    let replied = ticket(
        &app,
        T {
            awaiting: Some(Utc::now() - Duration::hours(2)),
            ..T::default()
        },
    );
    let list = me.list(&app, "").await;
    assert!(list["items"][0]["awaiting_staff_since"].is_string());
    let browser = me.browser(&app).await;
    let (_, html) = page(&browser, &app, "/staff/queue").await;
    let row = &html[html.find(&format!("/staff/tickets/{replied}")).unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(row.contains("Citizen replied"), "{row}");
    assert!(
        row.contains("aria-hidden=\"true\">✉"),
        "an icon as well as words"
    );
}

#[tokio::test]
async fn intake_reuses_the_citizen_and_the_lookup_finds_them_by_phone() {
    let (app, me) = app_with_agent().await;
    // Ada made a request herself on the website.
    let res = app
        .client
        .post(app.url("/api/v1/requests"))
        .json(&json!({
            "category": "missed-bin", "kind": "service_request",
            "subject": "Recycling bin not emptied", "description": "Left full on Tuesday.",
            "name": "Ada Lovelace", "email": "ada@example.org", "phone": "01632 960 001",
            "privacy_consent": true,
            "extra_fields": { "bin_type": "recycling", "collection_date": "2026-11-17" }
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let ada = diesel::sql_query("SELECT id FROM contacts WHERE email = 'ada@example.org'")
        .get_result::<Id>(&mut app.conn())
        .unwrap()
        .id;

    // The look-up finds her by phone (any format), email and the start of her name.
    for q in [
        "01632 960 001",
        "01632960001",
        "ADA@EXAMPLE.ORG",
        "ada",
        "lovel",
    ] {
        let (status, body) = me
            .get(&app, &format!("/api/v1/contacts?q={}", q.replace(' ', "+")))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["items"][0]["id"], ada, "q={q}: {body}");
        assert_eq!(body["items"][0]["requests"], 1);
    }
    let browser = me.browser(&app).await;
    let (status, html) = page(
        &browser,
        &app,
        "/staff/intake?lookup=01632+960+001&category=pothole",
    )
    .await;
    assert_eq!(status, 200);
    assert!(html.contains("Ada Lovelace"));
    assert!(
        html.contains(&format!(
            "href=\"/staff/intake?contact={ada}&amp;category=pothole\""
        )),
        "a link to choose her"
    );

    // Intake with her email (in other letters) reuses her record.
    let contacts_before = app.count("contacts");
    let outbox_before = app.count("outbox");
    let (status, body) = me
        .intake(
            &app,
            &json!({
                "channel": "phone", "category": "pothole", "kind": "complaint",
                "name": "A. Lovelace", "email": "Ada@Example.org",
                "subject": "Pothole reported by phone", "description": "Deep hole near the school.",
                "address": "School Lane", "privacy_consent": true,
                "extra_fields": { "size": "large" }
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["contact_id"], ada);
    assert_eq!(body["channel"], "phone");
    assert_eq!(body["confirmation_emailed"], true);
    let by_phone = body["reference"].as_str().unwrap().to_string();
    assert_eq!(app.count("contacts"), contacts_before, "no second Ada");
    assert_eq!(
        app.count("outbox"),
        outbox_before + 1,
        "her confirmation is queued"
    );

    // Or by picking her.
    let (status, body) = me
        .intake(
            &app,
            &json!({
                "channel": "counter", "category": "street-light", "contact_id": ada,
                "subject": "Light out", "description": "Dark all week.", "address": "Mill Lane",
                "privacy_consent": true, "extra_fields": { "fault": "out" }
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["contact_id"], ada);
    assert_eq!(app.count("contacts"), contacts_before);

    // The first event names the staff member; the channel is kept.
    #[derive(QueryableByName)]
    struct Event {
        #[diesel(sql_type = Text)]
        actor_kind: String,
        #[diesel(sql_type = Nullable<BigInt>)]
        actor_user_id: Option<i64>,
        #[diesel(sql_type = Text)]
        channel: String,
    }
    let e: Event = diesel::sql_query(
        "SELECT e.actor_kind, e.actor_user_id, t.channel FROM ticket_events e \
         JOIN tickets t ON t.id = e.ticket_id WHERE t.reference = $1 AND e.kind = 'submitted'",
    )
    .bind::<Text, _>(&by_phone)
    .get_result(&mut app.conn())
    .unwrap();
    assert_eq!(
        (e.actor_kind.as_str(), e.actor_user_id, e.channel.as_str()),
        ("staff", Some(me.id), "phone")
    );
    // It is in my queue (roads), with her as the citizen.
    assert!(me.refs(&app, "q=ada@example.org").await.contains(&by_phone));

    // Refusals name the field.
    for (body, field) in [
        (
            json!({"channel": "counter", "category": "pothole", "contact_id": ada, "name": "Ada",
                "subject": "x", "description": "y", "address": "z", "privacy_consent": true,
                "extra_fields": {"size": "small"}}),
            "contact_id",
        ),
        (
            json!({"channel": "web", "category": "pothole", "contact_id": ada,
                "subject": "x", "description": "y", "address": "z", "privacy_consent": true,
                "extra_fields": {"size": "small"}}),
            "channel",
        ),
        (
            json!({"channel": "phone", "category": "pothole", "contact_id": 999999,
                "subject": "x", "description": "y", "address": "z", "privacy_consent": true,
                "extra_fields": {"size": "small"}}),
            "contact_id",
        ),
        (
            json!({"channel": "phone", "category": "no-such-service", "name": "Bob", "phone": "01632960002",
                "subject": "x", "description": "y", "privacy_consent": true}),
            "category",
        ),
        (
            json!({"channel": "phone", "category": "pothole", "name": "Bob",
                "subject": "x", "description": "y", "address": "z", "privacy_consent": true,
                "extra_fields": {"size": "small"}}),
            "email",
        ),
    ] {
        let before = app.count("tickets");
        let (status, res) = me.intake(&app, &body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {res}");
        assert!(res["error"]["fields"][field].is_string(), "{field}: {res}");
        assert_eq!(app.count("tickets"), before);
    }

    // The page: pick Ada, choose the service, take the request.
    let (status, html) = page(
        &browser,
        &app,
        &format!("/staff/intake?contact={ada}&category=missed-bin"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!(r#"name="contact_id" value="{ada}""#)));
    let csrf = csrf_of(&html);
    let form = |extra: &[(&'static str, &'static str)]| {
        let mut f: Vec<(String, String)> = vec![
            ("csrf_token".into(), csrf.clone()),
            ("category".into(), "missed-bin".into()),
            ("contact_id".into(), ada.to_string()),
            ("channel".into(), "counter".into()),
            ("kind".into(), "complaint".into()),
            ("subject".into(), "Bin missed again".into()),
            ("description".into(), "Third week running.".into()),
            ("extra.bin_type".into(), "general".into()),
            ("extra.collection_date".into(), "2026-11-17".into()),
        ];
        f.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        f
    };
    let res = browser
        .post(app.url("/staff/intake"))
        .form(&form(&[]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422, "the privacy box was not ticked");
    let html = unescape(&res.text().await.unwrap());
    assert!(
        html.contains("Confirm you have told the citizen"),
        "in a staff voice"
    );
    assert!(html.contains("Bin missed again"), "what was typed stays");
    let res = browser
        .post(app.url("/staff/intake"))
        .form(&form(&[("privacy_consent", "yes")]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    let reference = location
        .strip_prefix("/staff/intake?created=")
        .expect(&location)
        .to_string();
    let (_, html) = page(&browser, &app, &location).await;
    assert!(html.contains(&reference) && html.contains("on its way to their email"));
    assert_eq!(app.count("contacts"), contacts_before);

    // A new citizen with only a phone: a new record, no email.
    let (status, html) = page(&browser, &app, "/staff/intake?category=noise").await;
    assert_eq!(status, 200);
    let csrf = csrf_of(&html);
    let res = browser
        .post(app.url("/staff/intake"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("category", "noise"),
            ("channel", "phone"),
            ("kind", "complaint"),
            ("subject", "Loud music every night"),
            ("description", "From 11pm."),
            ("address", "3 Elm Road"),
            ("extra.noise_type", "music"),
            ("name", "Grace Hopper"),
            ("phone", "01632 960 777"),
            ("privacy_consent", "yes"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(app.count("contacts"), contacts_before + 1);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    let (_, html) = page(&browser, &app, &location).await;
    assert!(html.contains("no email address with us"));
    // Without the CSRF token nothing happens.
    let res = browser
        .post(app.url("/staff/intake"))
        .form(&[("category", "noise"), ("channel", "phone")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}
