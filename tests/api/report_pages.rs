//! The report pages over HTTP: each role's dashboard and its scope, CSV
//! downloads that match the page and the reference figures, charts with
//! their text alternatives, the drill-down and who may use it, bad periods,
//! the public statistics with small numbers suppressed, and the weekly
//! digest through the outbox.

use chrono::NaiveDate;
use civicdesk::reports::digest::Week;
use civicdesk::reports::model::{Period, ReportQuery, ReportScope, ReportSource};
use civicdesk::reports::reference::Reference;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::TestApp;
use crate::reports::march;
use crate::sla::{council, utc, ROADS_AGENT, ROADS_SUPERVISOR, WASTE_AGENT};
use crate::staff_helpers::{bare_client, session_token, staff_user, user_id};

const LEADER: &str = "leader@demo-council.invalid";
const MARCH: &str = "from=2026-03-01&to=2026-03-31";

/// A page as `email` (their session cookie).
async fn page(app: &TestApp, email: &str, path: &str) -> (StatusCode, String) {
    let res = bare_client()
        .get(app.url(path))
        .header(
            "cookie",
            format!("civicdesk_session={}", session_token(app, email)),
        )
        .send()
        .await
        .unwrap();
    (res.status(), res.text().await.unwrap())
}

/// An API call as `email` (Bearer).
async fn api(app: &TestApp, email: &str, path: &str) -> (StatusCode, String) {
    let res = bare_client()
        .get(app.url(path))
        .bearer_auth(session_token(app, email))
        .send()
        .await
        .unwrap();
    (res.status(), res.text().await.unwrap())
}

async fn dashboard_json(app: &TestApp, email: &str, query: &str) -> Value {
    let (status, body) = api(app, email, &format!("/api/v1/reports/dashboard?{query}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_str(&body).unwrap()
}

/// A CSV's rows (no field here holds a comma or a quote).
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    text.split("\r\n")
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

/// The row whose first field is `name`.
fn row<'a>(rows: &'a [Vec<String>], name: &str) -> &'a [String] {
    rows.iter()
        .find(|r| r[0] == name)
        .unwrap_or_else(|| panic!("no row {name} in {rows:?}"))
}

fn reference_figures(app: &TestApp, scope: ReportScope) -> civicdesk::reports::model::Figures {
    let q = ReportQuery {
        scope,
        period: Period::new(
            NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
            NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
        )
        .unwrap(),
        zone: chrono_tz::Europe::London,
        min_count: 5,
    };
    Reference.figures(&mut app.conn(), &q).unwrap()
}

fn department_id(app: &TestApp, slug: &str) -> i64 {
    use civicdesk::schema::departments;
    use diesel::prelude::*;
    departments::table
        .filter(departments::slug.eq(slug))
        .select(departments::id)
        .first(&mut app.conn())
        .unwrap()
}

#[tokio::test]
async fn each_role_sees_its_own_scope_and_the_csv_matches_the_page() {
    let (app, [a, b, c, _d]) = march().await;
    // C (Waste, still open) is the waste agent's.
    let agent_id = user_id(&app, WASTE_AGENT);
    app.must_act(
        WASTE_AGENT,
        &c,
        "assign",
        json!({ "assignee_id": agent_id }),
    )
    .await;

    // The leader: the whole council, aggregates only.
    let (status, html) = page(&app, LEADER, &format!("/staff/reports?{MARCH}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Council dashboard"));
    assert!(
        html.contains("1 Mar 2026 to 31 Mar 2026"),
        "the period is said"
    );
    assert!(html.contains("Compared with 29 Jan 2026 to 28 Feb 2026"));
    for private in [
        "Ada Lovelace",
        "@example.org",
        "Overflowing bins",
        &a,
        &b,
        &c,
        // No drill-down links (tera writes `/` in attributes as `&#x2F;`).
        "figure=",
        "reports&#x2F;tickets",
    ] {
        assert!(!html.contains(private), "the leader's page shows {private}");
    }
    // Two values are too few to say with the default minimum of 5.
    assert!(html.contains("too few to say"));
    assert!(html.contains("no data yet"), "satisfaction");
    // Names, not ids: both departments of the month are in the league table.
    assert!(html.contains(">Roads &amp; Transport<") && html.contains(">Waste &amp; Recycling<"));
    // Charts with a title and a description, and the table alternative.
    for chart in ["chart-trend", "chart-backlog-age", "chart-channels"] {
        assert!(
            html.contains(&format!("<title id=\"{chart}-title\">")),
            "{chart}"
        );
        assert!(
            html.contains(&format!("<desc id=\"{chart}-desc\">")),
            "{chart}"
        );
    }
    assert!(html.contains("id=\"table-trend\"") && html.contains("id=\"table-headline\""));
    assert!(
        html.contains("reports.css"),
        "the print stylesheet is linked"
    );
    assert!(!html.contains("cdn"), "nothing from a CDN");

    // The headline CSV matches the page, the API and the reference figures.
    let leader_ref = reference_figures(&app, ReportScope::All);
    let (status, text) = page(
        &app,
        LEADER,
        &format!("/staff/reports/csv/headline?{MARCH}"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let rows = csv_rows(&text);
    assert_eq!(
        rows[0],
        ["Figure", "This period", "Previous period", "Change"]
    );
    assert_eq!(row(&rows, "Received")[1], leader_ref.received.to_string());
    assert_eq!(row(&rows, "Received")[1], "3");
    assert_eq!(row(&rows, "Resolved")[1], "2");
    assert_eq!(row(&rows, "SLA breaches")[1], "4");
    assert_eq!(
        row(&rows, "Received")[2],
        "1",
        "C arrived in the previous period"
    );
    assert!(html.contains(&format!("<td class=\"num\">{}</td>", leader_ref.breaches)));
    let json = dashboard_json(&app, LEADER, MARCH).await;
    assert_eq!(json["dashboard"], "leader");
    assert_eq!(json["headline"]["current"]["received"], 3);
    assert_eq!(json["headline"]["current"]["backlog"], leader_ref.backlog);
    assert_eq!(
        json["breakdowns"]["department"].as_array().unwrap().len(),
        2
    );
    assert!(json.get("staff").is_none() && json["breakdowns"].get("staff").is_none());
    assert!(!json.to_string().contains("@example.org"));
    let (status, api_csv) = api(
        &app,
        LEADER,
        &format!("/api/v1/reports/csv/headline?{MARCH}"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(api_csv, text, "the API's CSV is the page's");
    // The league table downloads too, with names.
    let (_, league) = page(
        &app,
        LEADER,
        &format!("/staff/reports/csv/departments?{MARCH}"),
    )
    .await;
    let league = csv_rows(&league);
    assert_eq!(league.len(), 3, "a header and two departments: {league:?}");
    assert!(league.iter().any(|r| r[1] == "Roads & Transport"));
    assert!(league.iter().any(|r| r[1] == "Waste & Recycling"));

    // Roads' supervisor: only Roads (B), with the staff breakdown, and links.
    let (status, html) = page(&app, ROADS_SUPERVISOR, &format!("/staff/reports?{MARCH}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Your departments: Parks &amp; Open Spaces, Roads &amp; Transport."));
    // (tera writes `/` in attributes as `&#x2F;`.)
    assert!(html.contains("tickets?figure=received&amp;from=2026-03-01&amp;to=2026-03-31\""));
    assert!(html.contains(
        "figure=breaches&amp;from=2026-03-01&amp;to=2026-03-31&amp;by=department&amp;key="
    ));
    let json = dashboard_json(&app, ROADS_SUPERVISOR, MARCH).await;
    let roads = department_id(&app, "roads");
    let parks = department_id(&app, "parks");
    let sup_ref = reference_figures(&app, ReportScope::Departments(vec![roads, parks]));
    assert_eq!(json["dashboard"], "supervisor");
    assert_eq!(json["headline"]["current"]["received"], 1);
    assert_eq!(json["headline"]["current"]["received"], sup_ref.received);
    assert_eq!(json["headline"]["current"]["breaches"], 2, "B's two");
    let departments: Vec<&str> = json["breakdowns"]["department"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        departments,
        ["Roads & Transport"],
        "no Waste figures for Roads' supervisor"
    );
    let (_, staff_csv) = page(
        &app,
        ROADS_SUPERVISOR,
        &format!("/staff/reports/csv/staff?{MARCH}"),
    )
    .await;
    let staff_rows = csv_rows(&staff_csv);
    assert_eq!(row(&staff_rows, "unassigned")[1], "1");
    let (_, sup_csv) = page(
        &app,
        ROADS_SUPERVISOR,
        &format!("/staff/reports/csv/headline?{MARCH}"),
    )
    .await;
    assert_eq!(row(&csv_rows(&sup_csv), "Received")[1], "1");

    // The waste agent: their own tickets (C, open since February).
    let json = dashboard_json(&app, WASTE_AGENT, MARCH).await;
    assert_eq!(json["dashboard"], "agent");
    assert_eq!(json["headline"]["current"]["received"], 0);
    assert_eq!(json["headline"]["current"]["backlog"], 1);
    let (status, html) = page(&app, WASTE_AGENT, &format!("/staff/reports?{MARCH}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Your figures"));
    // Another agent has nothing.
    let json = dashboard_json(&app, ROADS_AGENT, MARCH).await;
    assert_eq!(json["headline"]["current"]["backlog"], 0);

    // Administrators have no reports.
    let (status, _) = page(&app, "admin@demo-council.invalid", "/staff/reports").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = api(
        &app,
        "admin@demo-council.invalid",
        "/api/v1/reports/dashboard",
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
}

#[tokio::test]
async fn the_drill_down_lists_the_tickets_behind_a_number_for_those_who_may_see_them() {
    let (app, [a, b, c, d]) = march().await;
    let waste = department_id(&app, "waste");
    let drill = |figure: &str, extra: &str| {
        format!("/staff/reports/tickets?figure={figure}&{MARCH}{extra}")
    };
    // Roads' supervisor: B only, however they ask.
    let (status, html) = page(&app, ROADS_SUPERVISOR, &drill("received", "")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&b) && !html.contains(&a) && !html.contains(&d));
    assert!(html.contains("1 ticket"));
    let (status, html) = page(
        &app,
        ROADS_SUPERVISOR,
        &drill("received", &format!("&by=department&key={waste}")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !html.contains(&a) && !html.contains(&b),
        "another department's tickets stay hidden"
    );
    assert!(html.contains("No tickets."));
    let (_, html) = page(&app, ROADS_SUPERVISOR, &drill("breaches", "")).await;
    assert!(html.contains(&b));
    // The list downloads as CSV.
    let (status, text) = page(&app, ROADS_SUPERVISOR, &drill("received", "&format=csv")).await;
    assert_eq!(status, StatusCode::OK);
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[1].starts_with(&format!("{b},")), "{text}");
    let (status, _) = page(&app, ROADS_SUPERVISOR, &drill("received", "&format=pdf")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // The count matches the figure: resolved in March, in Roads.
    let (_, html) = page(&app, ROADS_SUPERVISOR, &drill("resolved", "")).await;
    assert!(html.contains("1 ticket") && html.contains(&b));

    // The waste agent sees tickets assigned to them only.
    app.must_act(
        WASTE_AGENT,
        &c,
        "assign",
        json!({ "assignee_id": user_id(&app, WASTE_AGENT) }),
    )
    .await;
    let (status, html) = page(&app, WASTE_AGENT, &drill("backlog", "")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&c) && !html.contains(&b));

    // Leaders get no ticket lists; bad links are 400s that say why.
    let (status, _) = page(&app, LEADER, &drill("received", "")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = page(&app, ROADS_SUPERVISOR, &drill("everything", "")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body.contains("received, resolved, backlog or breaches"),
        "{body}"
    );
    let (status, _) = page(
        &app,
        ROADS_SUPERVISOR,
        &drill("received", "&by=department&key=1;DROP"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = page(
        &app,
        ROADS_SUPERVISOR,
        &drill("received", "&by=colour&key=1"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn bad_periods_are_400s_that_say_why_and_presets_work() {
    let app = council(utc(2026, 3, 15, 12, 0)).await;
    for (query, says) in [
        ("from=2026-02-30&to=2026-03-01", "Not a date"),
        (
            "from=2026-03-02&to=2026-03-01",
            "The first day is after the last",
        ),
        ("from=2026-03-01", "Give both the first and the last day"),
        ("preset=forever", "There is no preset"),
        (
            "from=2020-01-01&to=2026-03-01",
            "days long; choose at most 1100",
        ),
        ("colour=red", "Unknown setting"),
    ] {
        let (status, html) = page(&app, LEADER, &format!("/staff/reports?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert!(html.contains(says), "{query}: {html}");
        assert!(html.contains("There is a problem with the period"));
        let (status, body) = api(&app, LEADER, &format!("/api/v1/reports/dashboard?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(
            serde_json::from_str::<Value>(&body).unwrap()["error"]["code"],
            "bad_period"
        );
        let (status, _) = page(
            &app,
            LEADER,
            &format!("/staff/reports/csv/headline?{query}"),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
    }
    // Presets, on 15 March 2026 (council time).
    let json = dashboard_json(&app, LEADER, "preset=12m").await;
    assert_eq!(
        json["period"],
        json!({ "from": "2025-03-01", "to": "2026-02-28" })
    );
    assert_eq!(json["grain"], "month");
    let json = dashboard_json(&app, LEADER, "preset=7d").await;
    assert_eq!(
        json["period"],
        json!({ "from": "2026-03-09", "to": "2026-03-15" })
    );
    assert_eq!(json["series"].as_array().unwrap().len(), 7);
    let json = dashboard_json(&app, LEADER, "").await;
    assert_eq!(
        json["period"]["from"], "2026-02-14",
        "the last 30 days by default"
    );
    let (status, html) = page(&app, LEADER, "/staff/reports?preset=12m").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("the 12 whole calendar months before this one"));
    let (status, _) = page(&app, LEADER, "/staff/reports/csv/nothing-here?preset=7d").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = page(&app, LEADER, "/staff/reports/csv/staff?preset=7d").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "leaders have no staff table");
}

#[tokio::test]
async fn public_statistics_suppress_counts_under_five() {
    let app = council(utc(2026, 3, 2, 10, 0)).await;
    let mut refs = Vec::new();
    for i in 0..6 {
        refs.push(
            app.submit_to("sla-test", &format!("p{i}@example.org"))
                .await
                .0,
        );
    }
    // Two of them end up in Roads.
    for r in &refs[..2] {
        app.must_act(
            WASTE_AGENT,
            r,
            "transfer",
            json!({ "department": "roads", "reason": "Roads" }),
        )
        .await;
    }
    for r in &refs[2..] {
        app.must_act(WASTE_AGENT, r, "acknowledge", json!({})).await;
    }
    app.clock.set(utc(2026, 4, 2, 9, 0));
    // Nobody signs in.
    let res = bare_client()
        .get(app.url("/statistics"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("1 Oct 2025 to 31 Mar 2026"),
        "the six whole months before April"
    );
    for private in ["Ada Lovelace", "@example.org", &refs[0], "Overflowing bins"] {
        assert!(!html.contains(private), "{private}");
    }
    let res = bare_client()
        .get(app.url("/statistics.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let rows = csv_rows(&res.text().await.unwrap());
    let find = |table: &str, name: &str| {
        rows.iter()
            .find(|r| r[0] == table && r[1] == name)
            .unwrap_or_else(|| panic!("no {table} {name} in {rows:?}"))
            .clone()
    };
    // March: 6 received; Waste 4 and Roads 2 are both under 5.
    let march = find("months", "2026-03");
    assert_eq!(march[2], "6");
    assert_eq!(march[3], "fewer than 5", "none resolved");
    assert_eq!(march[4], "fewer than 5", "four first responses: no median");
    assert_eq!(find("departments", "Waste & Recycling")[2], "fewer than 5");
    assert_eq!(find("departments", "Roads & Transport")[2], "fewer than 5");
    assert_eq!(find("categories", "SLA test service")[2], "6");
    assert_eq!(
        find("months", "2026-02")[2],
        "fewer than 5",
        "zero is under 5 too"
    );
    assert!(html.contains("fewer than 5") && html.contains(">6<"));
    // The home page links to it.
    let home = bare_client()
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains("href=\"/statistics\""));
}

#[tokio::test]
async fn the_weekly_digest_goes_once_to_each_leader_and_supervisor_who_wants_it() {
    let (app, [a, b, _c, _d]) = march().await;
    // A second leader, who opts out through the API.
    staff_user(&app, "quiet.leader@example.org", "leader", &[]);
    let res = bare_client()
        .put(app.url("/api/v1/account/digest"))
        .bearer_auth(session_token(&app, "quiet.leader@example.org"))
        .json(&json!({ "opt_out": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let (_, body) = api(&app, "quiet.leader@example.org", "/api/v1/account/digest").await;
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["opt_out"],
        true
    );
    // The account page offers the choice to supervisors and leaders.
    let (_, account) = page(&app, ROADS_SUPERVISOR, "/staff/account").await;
    assert!(account.contains("action=\"/staff/account/digest\""));

    // The week of 2 March (W10), as the job sees it on Monday 9 March at 07:00.
    let week = Week::parse("2026-W10").unwrap();
    let monday_seven = utc(2026, 3, 9, 7, 0);
    assert_eq!(
        Week::latest_due(monday_seven, chrono_tz::Europe::London),
        week
    );
    // Deliver what the month queued (SLA alerts) first: what follows is the digest's.
    app.run_pending_jobs();
    let before = app.emails().len();
    let report = civicdesk::jobs::digest::send_due(
        &mut app.conn(),
        &app.email_templates,
        &app.settings,
        monday_seven,
    )
    .unwrap();
    // The demo's leader and two supervisors; not the one who opted out.
    assert_eq!(report.sent, 3, "{report:?}");
    app.run_pending_jobs();
    let mails: Vec<_> = app.emails().into_iter().skip(before).collect();
    let to = |who: &str| {
        mails
            .iter()
            .find(|m| m.to == who && m.subject.starts_with("Weekly report"))
            .unwrap_or_else(|| panic!("no digest for {who}"))
    };
    let leader = to(LEADER);
    assert!(leader.subject.contains("2026-W10"), "{}", leader.subject);
    assert!(
        leader.text.contains("Received: 2 (week before: 1)"),
        "{}",
        leader.text
    );
    assert!(leader.text.contains("Resolved: 2"));
    assert!(leader.text.contains("4 SLA breaches this week."));
    assert!(
        leader.text.contains("- Roads & Transport: 2"),
        "{}",
        leader.text
    );
    assert!(leader.text.contains("- Waste & Recycling: 2"));
    assert!(
        !leader.text.contains(&a) && !leader.text.contains(&b),
        "leaders get no ticket lists"
    );
    assert!(!leader.text.contains("@example.org"));
    assert!(
        leader.text.contains("/staff/account"),
        "it says how to opt out"
    );
    let roads = to(ROADS_SUPERVISOR);
    assert!(roads.text.contains("Received: 1"), "{}", roads.text);
    assert!(roads.text.contains("2 SLA breaches this week."));
    assert!(roads.text.contains(&b) && !roads.text.contains(&a));
    assert!(roads.html.contains(&b));
    assert!(
        mails.iter().all(|m| m.to != "quiet.leader@example.org"),
        "the one who opted out gets none"
    );

    // A second run (or a second instance) sends nothing more for that week.
    let again = civicdesk::jobs::digest::send_due(
        &mut app.conn(),
        &app.email_templates,
        &app.settings,
        monday_seven + chrono::Duration::minutes(5),
    )
    .unwrap();
    assert_eq!(again.sent, 0);
    assert_eq!(again.already, 0, "those who had it are not even looked at");
    let again = civicdesk::jobs::digest::send_week(
        &mut app.conn(),
        &app.email_templates,
        &app.settings,
        week,
        monday_seven,
    )
    .unwrap();
    assert_eq!(again.sent, 0);
    app.run_pending_jobs();
    assert_eq!(app.emails().len(), before + 3, "nothing more for W10");
    assert_eq!(app.count("digest_runs WHERE week_start = '2026-03-02'"), 3);

    // `civicdesk reports digest --week 2026-W10` finds nobody left to send to.
    let said = civicdesk::commands::digest(
        &mut app.conn(),
        &app.settings,
        &civicdesk::cli::DigestArgs {
            week: Some("2026-W10".into()),
        },
        monday_seven,
    )
    .unwrap();
    assert_eq!(
        said,
        "2026-W10: 0 digest(s) queued, 0 already sent earlier\n"
    );
    let err = civicdesk::commands::digest(
        &mut app.conn(),
        &app.settings,
        &civicdesk::cli::DigestArgs {
            week: Some("2026-10".into()),
        },
        monday_seven,
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("use one such as 2026-W10"),
        "{err}"
    );
    // Without --week: the last whole week (on 9 March, W10), also sent already.
    let said = civicdesk::commands::digest(
        &mut app.conn(),
        &app.settings,
        &civicdesk::cli::DigestArgs { week: None },
        monday_seven,
    )
    .unwrap();
    assert!(said.starts_with("2026-W10: 0 digest(s) queued"), "{said}");

    // Two instances at once, for a week nobody has had yet (W11): each
    // person's digest is queued by exactly one of them.
    let w11 = Week::parse("2026-W11").unwrap();
    let outbox_before = app.count("outbox WHERE template = 'weekly_digest'");
    let runs: Vec<_> = (0..2)
        .map(|_| {
            let (url, templates, settings) = (
                app.db_url.clone(),
                app.email_templates.clone(),
                app.settings.clone(),
            );
            std::thread::spawn(move || {
                use diesel::Connection;
                let mut conn = diesel::PgConnection::establish(&url).unwrap();
                civicdesk::jobs::digest::send_week(
                    &mut conn,
                    &templates,
                    &settings,
                    w11,
                    monday_seven,
                )
                .unwrap()
            })
        })
        .collect();
    let sent: usize = runs.into_iter().map(|h| h.join().unwrap().sent).sum();
    assert_eq!(sent, 3, "three people, one digest each");
    assert_eq!(
        app.count("outbox WHERE template = 'weekly_digest'"),
        outbox_before + 3
    );

    // A minute before seven, the week before was the one due.
    assert_eq!(
        Week::latest_due(
            monday_seven - chrono::Duration::minutes(1),
            chrono_tz::Europe::London
        ),
        week.previous()
    );
}

#[tokio::test]
async fn the_digest_setting_form_needs_csrf_and_saves() {
    let app = council(utc(2026, 3, 2, 10, 0)).await;
    let client = crate::staff_helpers::device();
    let token = session_token(&app, ROADS_SUPERVISOR);
    let cookies = format!(
        "civicdesk_session={token}; civicdesk_csrf={}",
        crate::staff_helpers::CSRF
    );
    let res = client
        .post(app.url("/staff/account/digest"))
        .header("cookie", &cookies)
        .form(&[("digest", "no")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "no CSRF token");
    assert_eq!(app.count("users WHERE digest_opt_out"), 0);
    let res = client
        .post(app.url("/staff/account/digest"))
        .header("cookie", &cookies)
        .form(&[
            ("digest", "maybe"),
            ("csrf_token", crate::staff_helpers::CSRF),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(app.count("users WHERE digest_opt_out"), 0);
    let res = client
        .post(app.url("/staff/account/digest"))
        .header("cookie", &cookies)
        .form(&[("digest", "no"), ("csrf_token", crate::staff_helpers::CSRF)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("users WHERE digest_opt_out"), 1);
    let (_, html) = page(&app, ROADS_SUPERVISOR, "/staff/account?digest=saved").await;
    assert!(html.contains("Your choice is saved."));
    assert!(html.contains("id=\"digest-no\" name=\"digest\" value=\"no\" checked"));
}
