//! The fast reports engine against the reference: random tickets (generated,
//! then given SLA clocks, breaches, transfers, reopenings, areas and
//! departments in two calendars' zones, over two years with their
//! daylight-saving days), a few made through the app, then changed (the
//! triggers' dirty set and the refresh's delta), then rebuilt: every
//! dashboard of every scope must be equal for many random periods.

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use civicdesk::reports::dashboards;
use civicdesk::reports::fast::{self, Fast};
use civicdesk::reports::model::{Period, ReportQuery, ReportScope};
use civicdesk::reports::reference::Reference;
use diesel::{PgConnection, QueryableByName, RunQueryDsl};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;

use crate::sla::{council, utc, ROADS_AGENT, WASTE_AGENT};

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
}

fn ids(conn: &mut PgConnection, sql: &str) -> Vec<i64> {
    diesel::sql_query(sql)
        .load::<Id>(conn)
        .unwrap()
        .into_iter()
        .map(|i| i.id)
        .collect()
}

fn exec(conn: &mut PgConnection, sql: &str) {
    diesel::sql_query(sql)
        .execute(conn)
        .unwrap_or_else(|e| panic!("{e}: {sql}"));
}

/// Every dashboard of every scope, for `rounds` random periods.
fn compare(conn: &mut PgConnection, rng: &mut StdRng, rounds: usize, what: &str) {
    let departments = ids(conn, "SELECT id FROM departments ORDER BY id");
    let agents = ids(
        conn,
        "SELECT DISTINCT assignee_id AS id FROM tickets WHERE assignee_id IS NOT NULL ORDER BY 1",
    );
    let first = NaiveDate::from_ymd_opt(2024, 5, 1).unwrap();
    for round in 0..rounds {
        let len = [1, 3, 7, 20, 31, 45, 92, 120, 365][rng.gen_range(0..9)];
        let from = first + Duration::days(rng.gen_range(0..780));
        let period = Period::new(from, from + Duration::days(len)).unwrap();
        let q = |scope| ReportQuery {
            scope,
            period,
            zone: chrono_tz::Europe::London,
            min_count: [1, 5][round % 2],
        };
        let leader = q(ReportScope::All);
        assert_eq!(
            dashboards::leader(conn, &Fast, &leader).unwrap(),
            dashboards::leader(conn, &Reference, &leader).unwrap(),
            "{what}: leader, {period:?}"
        );
        let mut scopes: Vec<Vec<i64>> = departments.iter().map(|d| vec![*d]).collect();
        scopes.push(departments.iter().copied().take(3).collect());
        scopes.push(Vec::new());
        for s in scopes {
            let sq = q(ReportScope::Departments(s.clone()));
            assert_eq!(
                dashboards::supervisor(conn, &Fast, &sq).unwrap(),
                dashboards::supervisor(conn, &Reference, &sq).unwrap(),
                "{what}: supervisor of {s:?}, {period:?}"
            );
        }
        let agent = agents[rng.gen_range(0..agents.len())];
        let aq = q(ReportScope::Assignee(agent));
        assert_eq!(
            dashboards::agent(conn, &Fast, &aq).unwrap(),
            dashboards::agent(conn, &Reference, &aq).unwrap(),
            "{what}: agent {agent}, {period:?}"
        );
    }
}

/// Clocks, breaches, reopenings, transfers and areas on random tickets
/// (`setseed` keeps it repeatable).
fn enrich(conn: &mut PgConnection, only: &str) {
    exec(conn, "SELECT setseed(0.42)");
    let always = "(SELECT id FROM business_calendars WHERE always_open ORDER BY id LIMIT 1)";
    // First-response clocks met a random while after creation.
    exec(
        conn,
        &format!(
        "INSERT INTO sla_clocks (ticket_id, clock, calendar_id, state, started_at, target_minutes, \
           extension_minutes, elapsed_seconds, since, met_at) \
         SELECT id, 'first_response', {always}, 'met', created_at, 60 + (random() * 600)::int, \
           CASE WHEN random() < 0.2 THEN 60 ELSE 0 END, (random() * 60000)::bigint, m, m \
         FROM (SELECT id, created_at, created_at + random() * interval '5 days' AS m FROM tickets \
               WHERE {only} AND random() < 0.8) t \
         ON CONFLICT DO NOTHING"
    ),
    );
    // Resolution clocks: met at the done instant, or still running.
    exec(
        conn,
        &format!(
        "INSERT INTO sla_clocks (ticket_id, clock, calendar_id, state, started_at, target_minutes, \
           extension_minutes, elapsed_seconds, since, met_at) \
         SELECT id, 'resolution', {always}, CASE WHEN d IS NULL THEN 'running' ELSE 'met' END, \
           created_at, 600 + (random() * 3000)::int, CASE WHEN random() < 0.3 THEN 240 ELSE 0 END, \
           (random() * 400000)::bigint, COALESCE(d, created_at), d \
         FROM (SELECT id, created_at, COALESCE(resolved_at, closed_at) AS d FROM tickets \
               WHERE {only} AND random() < 0.85) t \
         ON CONFLICT DO NOTHING"
    ),
    );
    // Breaches, and keep-in-touch breaches in several cycles.
    exec(
        conn,
        &format!(
            "INSERT INTO sla_clock_events (ticket_id, clock, cycle, kind, at, elapsed_seconds) \
         SELECT id, c, cy, 'breached', created_at + random() * interval '9 days', 0 \
         FROM tickets, unnest(ARRAY['first_response', 'resolution', 'keep_in_touch']) AS c, \
           generate_series(1, 3) AS cy \
         WHERE {only} AND random() < 0.12 AND (c = 'keep_in_touch' OR cy = 1) \
         ON CONFLICT DO NOTHING"
        ),
    );
    // Reopenings (some tickets twice).
    exec(
        conn,
        &format!(
            "INSERT INTO ticket_events (ticket_id, kind, actor_kind, data, public, created_at) \
         SELECT id, 'status_changed', 'system', '{{\"action\": \"reopen\"}}', true, created_at \
         FROM tickets, generate_series(1, 2) AS n WHERE {only} AND random() < 0.08"
        ),
    );
    // Transfers: an earlier holding elsewhere, then the current department.
    exec(conn, &format!(
        "INSERT INTO ticket_holdings (ticket_id, department_id, started_at, ended_at) \
         SELECT t.id, (SELECT a[1 + t.id % cardinality(a)] FROM (SELECT array_agg(id ORDER BY id) AS a FROM departments) x), \
           t.created_at - interval '3 hours', t.created_at - random() * interval '2 hours' \
         FROM tickets t WHERE {only} AND random() < 0.3"
    ));
    exec(conn, &format!(
        "UPDATE tickets SET department_id = (SELECT a[1 + (tickets.id / 7) % cardinality(a)] FROM (SELECT array_agg(id ORDER BY id) AS a FROM departments) x) \
         WHERE {only} AND random() < 0.25"
    ));
    // Areas: some placed, some unknown.
    exec(conn, &format!(
        "UPDATE tickets SET area_id = (SELECT a[1 + tickets.id % cardinality(a)] FROM (SELECT array_agg(id ORDER BY id) AS a FROM areas) x) \
         WHERE {only} AND random() < 0.5"
    ));
}

fn dirty(conn: &mut PgConnection) -> i64 {
    ids(conn, "SELECT count(*) AS id FROM report_dirty")[0]
}

#[tokio::test]
async fn fast_reports_equal_the_reference_through_changes_and_rebuilds() {
    let app = council(utc(2026, 3, 27, 9, 0)).await;
    // A few through the app: a transfer to New York hours, replies, a
    // resolution and the sweep's breaches, across London's clock change.
    let (a, _) = app.submit_to("sla-test", "a@example.org").await;
    let (b, _) = app.submit_to("sla-24x7", "b@example.org").await;
    app.clock.set(utc(2026, 3, 27, 11, 0));
    app.must_act(WASTE_AGENT, &a, "acknowledge", json!({}))
        .await;
    app.must_act(
        WASTE_AGENT,
        &b,
        "transfer",
        json!({ "department": "roads", "reason": "Roads" }),
    )
    .await;
    app.clock.set(utc(2026, 3, 30, 12, 0));
    app.run_sla_sweep();
    app.must_act(ROADS_AGENT, &b, "reply", json!({ "body": "On it." }))
        .await;
    app.clock.set(utc(2026, 3, 31, 15, 0));
    app.must_act(
        ROADS_AGENT,
        &b,
        "status",
        json!({ "action": "resolve", "note": "Fixed." }),
    )
    .await;

    let mut conn = app.conn();
    let options = civicdesk::generate::GenerateOptions {
        tickets: 700,
        seed: 11,
        batch: 250,
        until: Utc.with_ymd_and_hms(2026, 6, 20, 12, 0, 0).unwrap(),
        bulk_threshold: u64::MAX,
    };
    civicdesk::generate::generate(&mut conn, &options, |_| {}).unwrap();
    enrich(&mut conn, "id % 2 = 0");
    assert!(dirty(&mut conn) > 0, "the triggers mark changed tickets");

    let mut rng = StdRng::seed_from_u64(2026);
    // The first answer builds the rollups.
    compare(&mut conn, &mut rng, 6, "first build");
    assert_eq!(dirty(&mut conn), 0);

    // Changes after the build: refreshed from the dirty set.
    enrich(&mut conn, "id % 2 = 1");
    exec(&mut conn, "SELECT setseed(0.7)");
    exec(
        &mut conn,
        "UPDATE tickets SET resolved_at = NULL, closed_at = NULL, resolution_code = NULL, \
           status = 'reopened' WHERE closed_at IS NOT NULL AND random() < 0.1",
    );
    exec(
        &mut conn,
        "UPDATE tickets SET resolved_at = created_at + interval '26 hours', status = 'resolved' \
         WHERE resolved_at IS NULL AND closed_at IS NULL AND random() < 0.3",
    );
    exec(
        &mut conn,
        "UPDATE tickets SET assignee_id = NULL WHERE assignee_id IS NOT NULL AND random() < 0.1",
    );
    exec(
        &mut conn,
        "UPDATE tickets SET resolution_code = 'withdrawn' WHERE closed_at IS NOT NULL AND random() < 0.05",
    );
    exec(
        &mut conn,
        "DELETE FROM ticket_holdings WHERE ended_at IS NOT NULL AND random() < 0.3",
    );
    exec(
        &mut conn,
        "UPDATE sla_clocks SET extension_minutes = extension_minutes + 30 \
         WHERE state = 'met' AND random() < 0.2",
    );
    let changed = dirty(&mut conn);
    assert!(changed > 0, "the changes are marked");
    compare(&mut conn, &mut rng, 6, "after changes");
    assert_eq!(
        dirty(&mut conn),
        0,
        "answering refreshed every marked ticket"
    );

    // A rebuild from scratch gives the same again.
    let report = fast::rebuild(&mut conn, chrono_tz::Europe::London, &mut |_| {}).unwrap();
    assert_eq!(report.facts, 702);
    compare(&mut conn, &mut rng, 4, "after a rebuild");
}
