//! The synthetic-data generator: consistent rows, on each of its paths
//! (row by row, one-transaction bulk, parallel bulk into an empty database).

use civicdesk::generate::{generate, generate_parallel, GenerateOptions};
use diesel::prelude::*;

use crate::helpers::{count_of as count, spawn_app};

#[tokio::test]
async fn generated_tickets_are_consistent_on_both_paths() {
    let app = spawn_app().await;
    app.seed_demo();
    let mut conn = app.conn();
    let indexes = |conn: &mut PgConnection| {
        count(
            conn,
            "SELECT count(*) AS n FROM pg_indexes WHERE schemaname = 'public'",
        )
    };
    let before = indexes(&mut conn);
    // Row by row into empty tables, then the bulk path into tables that are
    // no longer empty (so without truncating and freezing).
    for (tickets, bulk_threshold) in [(300, u64::MAX), (500, 1)] {
        let options = GenerateOptions {
            tickets,
            seed: 7,
            batch: 128,
            until: chrono::Utc::now(),
            bulk_threshold,
        };
        let mut seen = Vec::new();
        let report = generate(&mut conn, &options, |done| seen.push(done)).unwrap();
        assert_eq!(report.tickets, tickets);
        assert_eq!(seen.last(), Some(&tickets), "progress reaches the end");
    }
    assert_eq!(
        indexes(&mut conn),
        before,
        "the bulk path rebuilds every index it dropped"
    );
    assert_eq!(count(&mut conn, "SELECT count(*) AS n FROM tickets"), 800);
    consistent(&mut conn, 800);
    // The staff ticket page shows generated tickets of every status (their
    // timeline entries carry what the page reads).
    let session =
        crate::staff_helpers::session_token(&app, "roads.supervisor@demo-council.invalid");
    #[derive(QueryableByName)]
    struct Reference {
        #[diesel(sql_type = diesel::sql_types::Text)]
        reference: String,
    }
    let refs: Vec<Reference> = diesel::sql_query(
        "SELECT DISTINCT ON (status) reference FROM tickets \
         WHERE department_id = (SELECT id FROM departments WHERE slug = 'roads') ORDER BY status, id",
    )
    .load(&mut conn)
    .unwrap();
    assert!(refs.len() >= 4);
    for r in &refs {
        let res = crate::staff_helpers::bare_client()
            .get(app.url(&format!("/staff/tickets/{}", r.reference)))
            .header("cookie", format!("civicdesk_session={session}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{}", r.reference);
    }
    // A live submission after generation still gets a fresh reference.
    let res = app
        .client
        .post(app.url("/api/v1/requests"))
        .json(&serde_json::json!({"category": "general-enquiry", "subject": "After the generator",
            "description": "Still works", "name": "Ada", "email": "ada@example.org", "privacy_consent": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
}

#[tokio::test]
async fn a_bulk_load_into_an_empty_database_is_frozen_or_parallel_and_consistent() {
    let app = spawn_app().await;
    app.seed_demo();
    let mut conn = app.conn();
    let indexes = |conn: &mut PgConnection| {
        count(
            conn,
            "SELECT count(*) AS n FROM pg_indexes WHERE schemaname = 'public'",
        )
    };
    let before = indexes(&mut conn);
    let options = GenerateOptions {
        tickets: 600,
        seed: 11,
        batch: 100,
        until: chrono::Utc::now(),
        bulk_threshold: 1,
    };
    // Two loaders into empty tables: the parallel path.
    let mut seen = Vec::new();
    let report = generate_parallel(&app.db_url, 2, &options, |done| seen.push(done)).unwrap();
    assert_eq!(report.tickets, 600);
    assert!(!report.frozen, "parallel loaders cannot freeze");
    assert_eq!(seen.last(), Some(&600));
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "progress only grows");
    assert_eq!(indexes(&mut conn), before, "every index is built again");
    consistent(&mut conn, 600);

    // One transaction into empty tables: truncated first, rows frozen.
    let app = spawn_app().await;
    app.seed_demo();
    let mut conn = app.conn();
    let report = generate(&mut conn, &options, |_| {}).unwrap();
    assert!(report.frozen);
    assert_eq!(indexes(&mut conn), before);
    consistent(&mut conn, 600);
    // Frozen rows are all-visible at once (index-only scans need no vacuum).
    assert!(
        count(
            &mut conn,
            "SELECT relallvisible::bigint AS n FROM pg_class WHERE relname = 'tickets'"
        ) > 0
    );
}

/// What every generated database must hold: `tickets` tickets, each with a
/// holding, a first event and a valid reference; clocks that agree with their
/// logs; areas where the coordinates are.
fn consistent(conn: &mut PgConnection, tickets: i64) {
    // Every ticket has a holding, a first event, a valid reference; no dangling keys.
    for (sql, expected) in [
        ("SELECT count(*) AS n FROM tickets t WHERE NOT EXISTS (SELECT 1 FROM ticket_holdings h WHERE h.ticket_id = t.id)", 0),
        ("SELECT count(*) AS n FROM tickets t WHERE NOT EXISTS (SELECT 1 FROM ticket_events e WHERE e.ticket_id = t.id AND e.kind = 'submitted')", 0),
        ("SELECT count(*) AS n FROM tickets t WHERE NOT EXISTS (SELECT 1 FROM contacts c WHERE c.id = t.contact_id)", 0),
        ("SELECT count(*) AS n FROM ticket_events e WHERE NOT EXISTS (SELECT 1 FROM tickets t WHERE t.id = e.ticket_id)", 0),
        ("SELECT count(*) AS n FROM tickets WHERE status = 'closed' AND resolution_code IS NULL", 0),
        ("SELECT count(*) AS n FROM tickets WHERE reference !~ '^CD-[0-9]{4}-[0-9]{6,}$'", 0),
        ("SELECT count(*) AS n FROM tickets WHERE created_at > now()", 0),
    ] {
        assert_eq!(count(conn, sql), expected, "{sql}");
    }
    // Several channels and statuses, and a search index that finds them.
    assert!(count(conn, "SELECT count(DISTINCT channel) AS n FROM tickets") >= 4);
    assert!(count(conn, "SELECT count(DISTINCT status) AS n FROM tickets") >= 4);
    assert!(
        count(
            conn,
            "SELECT count(*) AS n FROM tickets WHERE search @@ to_tsquery('simple', 'pothole')"
        ) > 0
    );
    assert_eq!(
        count(conn, "SELECT count(DISTINCT reference) AS n FROM tickets"),
        tickets
    );
    assert_eq!(count(conn, "SELECT count(*) AS n FROM tickets"), tickets);
    // Timelines in order, staff events by staff, and no ticket closed before it opened.
    for (sql, expected) in [
        ("SELECT count(*) AS n FROM tickets WHERE updated_at < created_at OR closed_at < resolved_at OR resolved_at < created_at", 0),
        ("SELECT count(*) AS n FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id WHERE e.created_at < t.created_at OR e.created_at > t.updated_at", 0),
        ("SELECT count(*) AS n FROM tickets WHERE status IN ('in_progress', 'waiting_on_citizen', 'resolved', 'closed') AND NOT EXISTS (SELECT 1 FROM ticket_events e WHERE e.ticket_id = tickets.id AND e.kind = 'public_reply')", 0),
        // Open tickets of a category with a policy have their clocks; closed ones none.
        ("SELECT count(*) AS n FROM tickets t JOIN categories c ON c.id = t.category_id WHERE c.sla_policy_id IS NOT NULL AND t.status NOT IN ('resolved', 'closed') AND NOT EXISTS (SELECT 1 FROM sla_clocks k WHERE k.ticket_id = t.id)", 0),
        ("SELECT count(*) AS n FROM sla_clocks k JOIN tickets t ON t.id = k.ticket_id WHERE t.status IN ('resolved', 'closed')", 0),
        // The queue's due instant is the earliest running clock's.
        ("SELECT count(*) AS n FROM tickets t WHERE t.sla_due_at IS DISTINCT FROM (SELECT min(due_at) FROM sla_clocks k WHERE k.ticket_id = t.id AND k.state = 'running')", 0),
        // Nothing left for the worker to catch up on.
        ("SELECT count(*) AS n FROM sla_clocks WHERE next_alert_at <= now()", 0),
        // Coordinates, and an area for those inside one; none without.
        ("SELECT count(*) AS n FROM tickets WHERE latitude IS NULL AND area_id IS NOT NULL", 0),
    ] {
        assert_eq!(count(conn, sql), expected, "{sql}");
    }
    assert!(
        count(
            conn,
            "SELECT count(*) AS n FROM tickets WHERE area_id IS NOT NULL"
        ) > 0
    );
    assert!(
        count(
            conn,
            "SELECT count(*) AS n FROM sla_clock_events WHERE kind = 'breached'"
        ) > 0,
        "old open tickets are overdue"
    );
    assert!(
        count(
            conn,
            "SELECT count(*) AS n FROM sla_clocks WHERE state = 'paused'"
        ) > 0,
        "waiting tickets' clocks are paused"
    );
    // Each ticket's area is the one the placer finds.
    let placer = civicdesk::areas::placement::placer(conn).unwrap();
    #[derive(QueryableByName)]
    struct Located {
        #[diesel(sql_type = diesel::sql_types::Double)]
        latitude: f64,
        #[diesel(sql_type = diesel::sql_types::Double)]
        longitude: f64,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
        area_id: Option<i64>,
    }
    let located: Vec<Located> = diesel::sql_query(
        "SELECT latitude, longitude, area_id FROM tickets WHERE latitude IS NOT NULL",
    )
    .load(conn)
    .unwrap();
    for l in &located {
        assert_eq!(placer.place(l.latitude, l.longitude), l.area_id);
    }
    // `civicdesk sla verify`: every clock agrees with its log.
    let calendars = civicdesk::sla::calendars::Calendars::load_all(conn).unwrap();
    let ids: Vec<i64> = civicdesk::schema::sla_clocks::table
        .select(civicdesk::schema::sla_clocks::ticket_id)
        .distinct()
        .load(conn)
        .unwrap();
    assert!(!ids.is_empty());
    for id in ids {
        let problems = civicdesk::sla::engine::verify_ticket(conn, id, &calendars).unwrap();
        assert!(problems.is_empty(), "ticket {id}: {problems:?}");
    }
}
