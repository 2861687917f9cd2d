//! The reports benchmark: the fast dashboards at scale, beside the plain SQL
//! reference in the same run. See BENCHMARKS.md.
//!
//! `cargo bench --bench reports` starts a throwaway PostgreSQL cluster (fsync
//! off), migrates it, seeds the demo council and loads `BENCH_TICKETS`
//! (default 10,000,000) with the generator, two years of them. Or, with
//! `BENCH_DATABASE_URL`, it uses an existing database as it is (e.g. one
//! `civicdesk generate` filled), loading nothing. Then:
//!
//! 1. `reports rebuild`: facts and rollups from scratch, timed;
//! 2. the leader dashboard for the last 12 months, `BENCH_RUNS` times
//!    (default 30): p50 and p95; each department supervisor's likewise;
//! 3. the reference (plain SQL) computing the same: the whole leader
//!    dashboard when `BENCH_REFERENCE=dashboard`, otherwise its headline
//!    figures (one `figures` call), once, with the fast figures beside it,
//!    and the answers compared;
//! 4. write overhead: a ticket changed (its trigger marks it) and the
//!    refresh that applies it to the rollups.
//!
//! Targets (leader ≤ 200 ms p95, supervisor ≤ 100 ms p95) are printed, never
//! asserted.

use std::process::ExitCode;
use std::time::Instant;

use anyhow::{ensure, Context};
use chrono::{Datelike, Utc};
use civicdesk::embedded_pg::ClusterOptions;
use civicdesk::reports::dashboards;
use civicdesk::reports::fast::{self, Fast};
use civicdesk::reports::model::{ReportQuery, ReportScope, ReportSource};
use civicdesk::reports::reference::Reference;
use diesel::sql_types::{BigInt, Text};
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl};

mod common;
use common::{throwaway_cluster, Scratch};

const LEADER_TARGET_MS: f64 = 200.0;
const SUPERVISOR_TARGET_MS: f64 = 100.0;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("benchmark failed: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn var<T: std::str::FromStr>(name: &str, default: T) -> anyhow::Result<T> {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => v
            .trim()
            .parse()
            .map_err(|_| anyhow::anyhow!("{name}=`{v}` is not valid")),
        _ => Ok(default),
    }
}

fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// p50 and p95 (nearest rank) of the timings.
fn p50_p95(mut v: Vec<f64>) -> (f64, f64) {
    v.sort_by(f64::total_cmp);
    let at = |p: usize| v[((p * v.len()).div_ceil(100)).max(1) - 1];
    (at(50), at(95))
}

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    name: String,
}

/// Each call the leader's dashboard makes, timed alone (p50 of `runs`).
fn leader_parts(
    conn: &mut PgConnection,
    q: &ReportQuery,
    runs: usize,
) -> anyhow::Result<Vec<(&'static str, f64)>> {
    use civicdesk::reports::model::{Dimension, Grain};
    let previous = ReportQuery {
        period: q.period.previous(),
        ..q.clone()
    };
    let grain: Grain = dashboards::grain_for(q.period.days());
    type Part<'a> = Box<dyn Fn(&mut PgConnection) -> anyhow::Result<()> + 'a>;
    let parts: Vec<(&'static str, Part)> = vec![
        ("headline", Box::new(|c| Fast.figures(c, q).map(drop))),
        (
            "previous",
            Box::new(|c| Fast.figures(c, &previous).map(drop)),
        ),
        ("series", Box::new(|c| Fast.series(c, q, grain).map(drop))),
        (
            "departments",
            Box::new(|c| Fast.breakdown(c, q, Dimension::Department).map(drop)),
        ),
        (
            "categories",
            Box::new(|c| Fast.breakdown(c, q, Dimension::Category).map(drop)),
        ),
        (
            "channels",
            Box::new(|c| Fast.breakdown(c, q, Dimension::Channel).map(drop)),
        ),
        (
            "kinds",
            Box::new(|c| Fast.breakdown(c, q, Dimension::Kind).map(drop)),
        ),
        (
            "areas",
            Box::new(|c| Fast.breakdown(c, q, Dimension::Area).map(drop)),
        ),
        ("held", Box::new(|c| Fast.held(c, q).map(drop))),
    ];
    let mut out = Vec::new();
    for (name, part) in &parts {
        let mut times = Vec::new();
        for _ in 0..=runs {
            let t = Instant::now();
            part(conn)?;
            times.push(ms(t.elapsed()));
        }
        times.remove(0);
        out.push((*name, p50_p95(times).0));
    }
    Ok(out)
}

fn run() -> anyhow::Result<()> {
    let tickets: u64 = var("BENCH_TICKETS", 10_000_000)?;
    let runs: usize = var("BENCH_RUNS", 30)?;
    let reference_mode: String = var("BENCH_REFERENCE", "figures".to_string())?;
    ensure!(runs >= 1, "BENCH_RUNS must be at least 1");
    let zone = chrono_tz::Europe::London;

    let mut scratch = None;
    let mut _cluster = None;
    let url = match std::env::var("BENCH_DATABASE_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => {
            let s = Scratch::new("civicdesk-bench-reports-")?;
            let cluster = throwaway_cluster(&s, ClusterOptions::default())?;
            let url = cluster.database_url();
            scratch = Some(s);
            _cluster = Some(cluster);
            url
        }
    };
    let mut conn = PgConnection::establish(&url).context("connecting")?;
    civicdesk::db::migrate(&mut conn)?;
    if scratch.is_some() {
        civicdesk::seed::seed_demo(&mut conn, zone, Utc::now().year())?;
        eprintln!("loading {tickets} tickets with the generator");
        let started = Instant::now();
        let options = civicdesk::generate::GenerateOptions {
            tickets,
            seed: 2026,
            batch: 20_000,
            until: Utc::now(),
            bulk_threshold: civicdesk::generate::BULK_THRESHOLD,
        };
        civicdesk::generate::generate(&mut conn, &options, |done| {
            if done % 1_000_000 == 0 {
                eprintln!("  {done} tickets");
            }
        })?;
        eprintln!("loaded in {:.0} s", started.elapsed().as_secs_f64());
    }
    let count: Vec<Row> =
        diesel::sql_query("SELECT count(*) AS id, '' AS name FROM tickets").load(&mut conn)?;
    let tickets = count[0].id;

    // 1. The rebuild.
    eprintln!("rebuilding the report facts and rollups of {tickets} tickets");
    let started = Instant::now();
    let rebuilt = if std::env::var("BENCH_SKIP_REBUILD").is_ok_and(|v| v == "1") {
        // The rollups already built (by an earlier run) are brought up to date only.
        fast::refresh(&mut conn)?;
        fast::RebuildReport::default()
    } else {
        fast::rebuild(&mut conn, zone, &mut |step| {
            eprintln!("  {:>7.1} s  {step}", started.elapsed().as_secs_f64())
        })?
    };
    let rebuild_s = started.elapsed().as_secs_f64();
    diesel::sql_query("ANALYZE report_facts, report_rollups").execute(&mut conn)?;

    // 2. The fast dashboards, many times.
    let today = Utc::now().with_timezone(&zone).date_naive();
    let period = fast::verify::last_year(today);
    let q = |scope| ReportQuery {
        scope,
        period,
        zone,
        min_count: 5,
    };
    let leader_q = q(ReportScope::All);
    let mut leader_ms = Vec::new();
    let mut leader = None;
    for _ in 0..=runs {
        let t = Instant::now();
        let d = dashboards::leader(&mut conn, &Fast, &leader_q)?;
        leader_ms.push(ms(t.elapsed()));
        leader = Some(d);
    }
    leader_ms.remove(0); // the first run warms the caches
    let parts = leader_parts(&mut conn, &leader_q, runs.min(10))?;
    let departments: Vec<Row> =
        diesel::sql_query("SELECT id, slug AS name FROM departments ORDER BY id")
            .load(&mut conn)?;
    let mut supervisors = Vec::new();
    for d in &departments {
        let sq = q(ReportScope::Departments(vec![d.id]));
        let mut times = Vec::new();
        for _ in 0..=runs {
            let t = Instant::now();
            dashboards::supervisor(&mut conn, &Fast, &sq)?;
            times.push(ms(t.elapsed()));
        }
        times.remove(0);
        supervisors.push((d.name.clone(), p50_p95(times)));
    }

    // What is measured so far, in case the reference takes long.
    let (lp50, lp95) = p50_p95(leader_ms.clone());
    let worst = supervisors
        .iter()
        .map(|(_, (_, p95))| *p95)
        .fold(0.0, f64::max);
    eprintln!(
        "so far: rebuild {rebuild_s:.1} s; leader p50 {lp50:.1} ms, p95 {lp95:.1} ms; \
         slowest supervisor p95 {worst:.1} ms"
    );

    // 3. The reference, once.
    eprintln!("the reference computing the same ({reference_mode}), once");
    let (what, fast_once, reference_ms, equal) = if reference_mode == "dashboard" {
        let t = Instant::now();
        let r = dashboards::leader(&mut conn, &Reference, &leader_q)?;
        let reference_ms = ms(t.elapsed());
        let (p50, _) = p50_p95(leader_ms.clone());
        ("the leader dashboard", p50, reference_ms, Some(r) == leader)
    } else {
        let t = Instant::now();
        let f = Fast.figures(&mut conn, &leader_q)?;
        let fast_once = ms(t.elapsed());
        let t = Instant::now();
        let r = Reference.figures(&mut conn, &leader_q)?;
        let reference_ms = ms(t.elapsed());
        (
            "the leader's headline figures",
            fast_once,
            reference_ms,
            f == r,
        )
    };

    // 4. Write overhead: a ticket's assignee changed, then the refresh.
    let mut update_ms = Vec::new();
    let mut refresh_ms = Vec::new();
    let sample: Vec<Row> = diesel::sql_query(
        "SELECT id, '' AS name FROM tickets WHERE assignee_id IS NOT NULL \
         AND resolved_at IS NOT NULL ORDER BY id DESC LIMIT 50",
    )
    .load(&mut conn)?;
    for r in &sample {
        let t = Instant::now();
        diesel::sql_query(
            "UPDATE tickets SET assignee_id = (SELECT u.id FROM users u WHERE u.id <> \
             tickets.assignee_id AND u.role = 'agent' ORDER BY u.id LIMIT 1) WHERE id = $1",
        )
        .bind::<BigInt, _>(r.id)
        .execute(&mut conn)?;
        update_ms.push(ms(t.elapsed()));
        let t = Instant::now();
        fast::refresh(&mut conn)?;
        refresh_ms.push(ms(t.elapsed()));
    }
    let still_equal = if sample.is_empty() {
        true
    } else {
        Fast.figures(&mut conn, &leader_q)? == Reference.figures(&mut conn, &leader_q)?
    };

    println!();
    println!(
        "Reports benchmark: {tickets} tickets, period {} to {} ({} days), {runs} runs each",
        period.from,
        period.to,
        period.days()
    );
    println!(
        "  rebuild: {:.1} s ({} facts, {} rollup rows)",
        rebuild_s, rebuilt.facts, rebuilt.rows
    );
    let (p50, p95) = p50_p95(leader_ms);
    println!("  leader dashboard (fast): p50 {p50:.1} ms, p95 {p95:.1} ms (target p95 <= {LEADER_TARGET_MS} ms: {})", if p95 <= LEADER_TARGET_MS { "met" } else { "NOT met" });
    let parts: Vec<String> = parts
        .iter()
        .map(|(name, p50)| format!("{name} {p50:.1}"))
        .collect();
    println!("    its parts, each alone (p50 ms): {}", parts.join(", "));
    for (name, (p50, p95)) in &supervisors {
        println!("  supervisor of {name} (fast): p50 {p50:.1} ms, p95 {p95:.1} ms (target p95 <= {SUPERVISOR_TARGET_MS} ms: {})", if *p95 <= SUPERVISOR_TARGET_MS { "met" } else { "NOT met" });
    }
    println!("  {what}: fast {fast_once:.1} ms, reference (plain SQL) {reference_ms:.0} ms: {:.0}x; equal: {equal}", reference_ms / fast_once.max(0.001));
    if !update_ms.is_empty() {
        let (u50, u95) = p50_p95(update_ms);
        let (r50, r95) = p50_p95(refresh_ms);
        println!("  write: ticket update with its trigger p50 {u50:.2} ms, p95 {u95:.2} ms; refresh of that ticket p50 {r50:.1} ms, p95 {r95:.1} ms; still equal: {still_equal}");
    }
    ensure!(
        equal && still_equal,
        "the fast figures differ from the reference"
    );
    drop(conn);
    Ok(())
}
