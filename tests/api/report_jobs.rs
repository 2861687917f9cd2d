//! What keeps the report rollups current outside a request: the reports
//! worker a running portal starts, and `civicdesk reports rebuild|verify`.

use std::process::Command;
use std::time::{Duration, Instant};

use civicdesk::generate::{generate, GenerateOptions};
use diesel::prelude::*;

use crate::helpers::{count_of as count, scratch_dir, spawn_app};

fn built_zone(conn: &mut PgConnection) -> Option<String> {
    use civicdesk::schema::report_state;
    report_state::table
        .select(report_state::time_zone)
        .first::<Option<String>>(conn)
        .unwrap()
}

/// Waits (up to 30 s) until `done` holds.
async fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "timed out waiting until {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn some_tickets(conn: &mut PgConnection, tickets: u64, seed: u64) {
    let options = GenerateOptions {
        tickets,
        seed,
        batch: 128,
        until: chrono::Utc::now(),
        bulk_threshold: u64::MAX,
    };
    generate(conn, &options, |_| {}).unwrap();
}

#[tokio::test]
async fn the_reports_worker_builds_the_rollups_then_keeps_them_current_and_stops_when_asked() {
    let app = spawn_app().await;
    app.seed_demo();
    let mut conn = app.conn();
    some_tickets(&mut conn, 120, 3);
    assert_eq!(built_zone(&mut conn), None, "nothing is built yet");
    let pool = civicdesk::db::build_pool(&app.db_url, 2, Duration::from_secs(5));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let worker = tokio::spawn(civicdesk::jobs::reports::run_reports_worker(
        pool,
        chrono_tz::Europe::London,
        Duration::from_millis(100),
        async move {
            let _ = stopped.await;
        },
    ));

    // First start: built in the council's zone, every ticket's facts.
    eventually("the rollups are built", || {
        built_zone(&mut conn).as_deref() == Some("Europe/London")
    })
    .await;
    assert_eq!(
        count(&mut conn, "SELECT count(*) AS n FROM report_facts"),
        120
    );
    let rows = count(&mut conn, "SELECT count(*) AS n FROM report_rollups");
    assert!(rows > 0);

    // Changes the triggers mark are applied without any report being read.
    some_tickets(&mut conn, 30, 4);
    let moved = diesel::sql_query(
        "UPDATE tickets SET channel = 'counter' WHERE channel <> 'counter' \
         AND id IN (SELECT id FROM tickets ORDER BY id LIMIT 10)",
    )
    .execute(&mut conn)
    .unwrap();
    assert!(moved > 0);
    let stale = "SELECT count(*) AS n FROM tickets t LEFT JOIN report_facts f \
                 ON f.ticket_id = t.id WHERE f.channel IS DISTINCT FROM t.channel";
    eventually("the marked tickets are refreshed", || {
        count(&mut conn, "SELECT count(*) AS n FROM report_dirty") == 0
            && count(&mut conn, stale) == 0
    })
    .await;
    assert_eq!(
        count(&mut conn, "SELECT count(*) AS n FROM report_facts"),
        150
    );
    let verified = civicdesk::reports::fast::verify::verify(
        &mut conn,
        chrono_tz::Europe::London,
        civicdesk::reports::fast::verify::last_year(chrono::Utc::now().date_naive()),
        1,
    )
    .unwrap();
    assert!(
        verified.0 > 0 && verified.1.is_empty(),
        "{:?}",
        verified.1.len()
    );

    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), worker)
        .await
        .expect("the worker stops when asked")
        .unwrap();
}

const BIN: &str = env!("CARGO_BIN_EXE_civicdesk");

fn reports_cli(url: &str, args: &[&str]) -> (bool, String, String) {
    let data = scratch_dir("civicdesk-reports-");
    let out = Command::new(BIN)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("CIVICDESK_ENV")
        .env("RUST_LOG", "warn")
        .env("DATABASE_URL", url)
        .args(["--data-dir", data.to_str().unwrap(), "reports"])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn reports_rebuild_and_verify_from_the_command_line() {
    let app = spawn_app().await;
    app.seed_demo();
    let mut conn = app.conn();
    some_tickets(&mut conn, 200, 5);

    let (ok, out, err) = reports_cli(&app.db_url, &["rebuild"]);
    assert!(ok, "{err}");
    assert!(
        out.contains("Rebuilt the report facts of 200 tickets") && out.contains("Europe/London"),
        "{out}"
    );
    assert!(
        err.contains("working out every ticket's facts"),
        "progress: {err}"
    );
    assert_eq!(built_zone(&mut conn).as_deref(), Some("Europe/London"));

    let (ok, out, err) = reports_cli(&app.db_url, &["verify"]);
    assert!(ok, "{out}{err}");
    assert!(
        out.contains("compared with the reference: all agree"),
        "{out}"
    );
    let (ok, _, err) = reports_cli(
        &app.db_url,
        &["verify", "--from", "2026-06-01", "--to", "2026-01-01"],
    );
    assert!(!ok);
    assert!(err.contains("--from must be before --to"), "{err}");
    let (ok, _, err) = reports_cli(&app.db_url, &["verify", "--from", "June"]);
    assert!(!ok);
    assert!(err.contains("--from"), "{err}");

    // Rollups that no longer match the tickets are found, and named.
    diesel::sql_query("UPDATE report_rollups SET received = received + 1 WHERE dim = 0")
        .execute(&mut conn)
        .unwrap();
    let (ok, out, err) = reports_cli(&app.db_url, &["verify"]);
    assert!(!ok, "{out}");
    assert!(out.contains("differs: leader"), "{out}");
    assert!(err.contains("differ from the reference"), "{err}");
    // A rebuild puts them right.
    let (ok, _, err) = reports_cli(&app.db_url, &["rebuild"]);
    assert!(ok, "{err}");
    let (ok, out, _) = reports_cli(&app.db_url, &["verify"]);
    assert!(ok && out.contains("all agree"), "{out}");
}
