//! The synthetic-data generator: consistent rows, on both of its paths.

use civicdesk::generate::{generate, GenerateOptions};
use diesel::prelude::*;

use crate::helpers::spawn_app;

#[derive(QueryableByName)]
struct N {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

fn count(conn: &mut PgConnection, sql: &str) -> i64 {
    diesel::sql_query(sql).get_result::<N>(conn).unwrap().n
}

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
    // Every ticket has a holding, a first event, a valid reference; no dangling keys.
    for (sql, expected) in [
        ("SELECT count(*) AS n FROM tickets t WHERE NOT EXISTS (SELECT 1 FROM ticket_holdings h WHERE h.ticket_id = t.id)", 0),
        ("SELECT count(*) AS n FROM tickets t WHERE NOT EXISTS (SELECT 1 FROM ticket_events e WHERE e.ticket_id = t.id AND e.kind = 'submitted')", 0),
        ("SELECT count(*) AS n FROM tickets t WHERE NOT EXISTS (SELECT 1 FROM contacts c WHERE c.id = t.contact_id)", 0),
        ("SELECT count(*) AS n FROM ticket_events e WHERE NOT EXISTS (SELECT 1 FROM tickets t WHERE t.id = e.ticket_id)", 0),
        ("SELECT count(*) AS n FROM tickets WHERE status = 'closed' AND resolution_code IS NULL", 0),
        ("SELECT count(*) AS n FROM (SELECT DISTINCT reference FROM tickets) r", 800),
        ("SELECT count(*) AS n FROM tickets WHERE created_at > now()", 0),
    ] {
        assert_eq!(count(&mut conn, sql), expected, "{sql}");
    }
    // Several channels and statuses, and a search index that finds them.
    assert!(
        count(
            &mut conn,
            "SELECT count(DISTINCT channel) AS n FROM tickets"
        ) >= 4
    );
    assert!(count(&mut conn, "SELECT count(DISTINCT status) AS n FROM tickets") >= 4);
    assert!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM tickets WHERE search @@ to_tsquery('simple', 'pothole')"
        ) > 0
    );
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
