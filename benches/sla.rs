//! The SLA benchmark: what the engine's hot paths cost. See BENCHMARKS.md.
//!
//! `cargo bench --bench sla` needs nothing running and downloads nothing:
//!
//! 1. **calendar arithmetic**: nanoseconds per `BusinessCalendar::add` of a
//!    span of about 30 calendar days (22 working days) on the demo council's
//!    office calendar (Europe/London, split by weekends and bank holidays),
//!    and per `between` over 30 days; beside them a naive baseline that walks
//!    the calendar minute by minute, measured in the same run;
//! 2. starts a throwaway PostgreSQL cluster (fsync off), migrates it, seeds
//!    the demo council, and loads `BENCH_TICKETS` open tickets (default
//!    1,000,000) with three running clocks each, none of them due;
//! 3. **idle sweep**: the worker's sweep with nothing due, repeated: its wall
//!    time (every database round trip included) and the database's own
//!    execution time of the sweep's search (EXPLAIN ANALYZE);
//! 4. **10,000 due at once**: `BENCH_DUE` (default 10,000) tickets' clocks
//!    made due (past both warning thresholds and the target), swept by one
//!    worker, then again (freshly due) by two workers in parallel: alerts
//!    and tickets per second, and a check that each alert was raised once.
//!
//! Targets (sweep ≤ 5 ms of database time with nothing due) are printed,
//! never asserted.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{ensure, Context};
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use civicdesk::configuration::{Environment, Overrides, Settings};
use civicdesk::domain::business_time::BusinessCalendar;
use civicdesk::email::EmailTemplates;
use civicdesk::embedded_pg::ClusterOptions;
use civicdesk::sla::calendars::Calendars;
use civicdesk::sla::sweep::{sweep, SweepContext, SweepReport};
use diesel::sql_types::{BigInt, Text};
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl};

mod common;
use common::{throwaway_cluster, Scratch};

const TARGET_IDLE_DB_MS: f64 = 5.0;

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
            .map_err(|_| anyhow::anyhow!("{name}=`{v}` is not a valid number")),
        _ => Ok(default),
    }
}

fn run() -> anyhow::Result<()> {
    let tickets: i64 = var("BENCH_TICKETS", 1_000_000)?;
    let due: i64 = var("BENCH_DUE", 10_000)?;
    ensure!(tickets >= 1, "BENCH_TICKETS must be at least 1");
    ensure!(
        (1..=tickets).contains(&due),
        "BENCH_DUE must be 1 to BENCH_TICKETS"
    );

    let scratch = Scratch::new("civicdesk-bench-sla-")?;
    let cluster = throwaway_cluster(
        &scratch,
        ClusterOptions {
            max_connections: 50,
            ..ClusterOptions::default()
        },
    )?;
    let url = cluster.database_url();
    let mut conn = PgConnection::establish(&url).context("connecting")?;
    civicdesk::db::migrate(&mut conn)?;
    civicdesk::seed::seed_demo(&mut conn, chrono_tz::Europe::London, 2026)?;

    // 1. Calendar arithmetic, on the seeded office calendar.
    let calendars = Calendars::load_all(&mut conn)?;
    let office_id = id(
        &mut conn,
        "SELECT id FROM business_calendars WHERE NOT always_open ORDER BY id LIMIT 1",
    )?;
    let office = calendars.get(office_id)?.clone();
    let arithmetic = Arithmetic::measure(&office);

    // 2. A million open tickets, nothing due.
    let now = Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap();
    eprintln!("loading {tickets} open tickets with three running clocks each");
    let load_started = Instant::now();
    load(&mut conn, tickets, now)?;
    let load_time = load_started.elapsed();

    let settings = settings(&scratch.0)?;
    let templates = EmailTemplates::load()?;
    let cx = SweepContext {
        templates: &templates,
        settings: &settings,
    };
    // Warm the caches.
    sweep(&mut conn, &cx, now, 500)?;
    let idle = Idle::measure(&mut conn, &cx, now)?;

    // 4. Many clocks due at once: one worker, then two.
    make_due(&mut conn, due, 0, now)?;
    let started = Instant::now();
    let one = sweep(&mut conn, &cx, now, 500)?;
    let one_time = started.elapsed();
    make_due(&mut conn, due, due, now)?;
    let started = Instant::now();
    let two: Vec<SweepReport> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..2)
            .map(|_| {
                let (url, templates, settings) = (&url, &templates, &settings);
                s.spawn(move || -> anyhow::Result<SweepReport> {
                    let mut conn = PgConnection::establish(url)?;
                    let cx = SweepContext {
                        templates,
                        settings,
                    };
                    let mut total = SweepReport::default();
                    loop {
                        let r = sweep(&mut conn, &cx, now, 500)?;
                        total.tickets += r.tickets;
                        total.warnings += r.warnings;
                        total.breaches += r.breaches;
                        total.skipped += r.skipped;
                        if r.alerts() == 0 {
                            break Ok(total);
                        }
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("a worker panicked"))
            .collect::<anyhow::Result<Vec<_>>>()
    })?;
    let two_time = started.elapsed();
    let raised_once = count(
        &mut conn,
        "SELECT count(*) AS n FROM (SELECT ticket_id, clock, cycle, kind, percent, count(*) \
         FROM sla_clock_events WHERE kind IN ('warned', 'breached') \
         GROUP BY 1, 2, 3, 4, 5 HAVING count(*) > 1) AS twice",
    )?;
    let alerts_logged = count(
        &mut conn,
        "SELECT count(*) AS n FROM sla_clock_events WHERE kind IN ('warned', 'breached')",
    )?;
    drop(conn);
    drop(cluster);

    println!();
    println!(
        "SLA benchmark ({} open tickets, {} clocks)",
        tickets,
        tickets * 3
    );
    println!(
        "  machine: {} cores",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!();
    arithmetic.print();
    println!();
    println!(
        "idle sweep, nothing due (loading the data took {:.0} s):",
        load_time.as_secs_f64()
    );
    idle.print();
    println!();
    println!("{due} tickets' clocks due at once (3 clocks each: 2 warnings and a breach apiece):");
    let per = |r: &SweepReport, t: Duration| {
        format!(
            "{} tickets, {} alerts in {:.2} s: {:.0} tickets/s, {:.0} alerts/s",
            r.tickets,
            r.alerts(),
            t.as_secs_f64(),
            f64::from(r.tickets) / t.as_secs_f64(),
            f64::from(r.alerts()) / t.as_secs_f64()
        )
    };
    println!("  one worker:  {}", per(&one, one_time));
    let mut both = SweepReport::default();
    for r in &two {
        both.tickets += r.tickets;
        both.warnings += r.warnings;
        both.breaches += r.breaches;
        both.skipped += r.skipped;
    }
    println!(
        "  two workers: {} (each: {} and {} tickets; {} skipped as the other's)",
        per(&both, two_time),
        two[0].tickets,
        two[1].tickets,
        both.skipped
    );
    println!(
        "  alerts in the log: {alerts_logged} (expected {}); raised more than once: {raised_once}",
        due * 2 * 9
    );
    Ok(())
}

// ---------------------------------------------------------------------------
// Calendar arithmetic

struct Arithmetic {
    add_ns: f64,
    between_ns: f64,
    naive_add_ns: f64,
    naive_between_ns: f64,
    span_minutes: i64,
}

impl Arithmetic {
    fn measure(cal: &BusinessCalendar) -> Self {
        // 22 working days of 8.5 hours: about 30 calendar days.
        let span_minutes: i64 = 22 * 510;
        let span = TimeDelta::minutes(span_minutes);
        let base = Utc.with_ymd_and_hms(2026, 1, 5, 8, 0, 0).unwrap();
        let starts: Vec<DateTime<Utc>> = (0..2000)
            .map(|i| base + TimeDelta::minutes((i * 7919) % (365 * 1440)))
            .collect();
        let mut sink = 0i64;
        let reps = 200;
        let t = Instant::now();
        for _ in 0..reps {
            for s in &starts {
                sink ^= cal.add(*s, span).timestamp();
            }
        }
        let add_ns = t.elapsed().as_nanos() as f64 / (reps * starts.len()) as f64;
        let t = Instant::now();
        for _ in 0..reps {
            for s in &starts {
                sink ^= cal.between(*s, *s + TimeDelta::days(30)).num_seconds();
            }
        }
        let between_ns = t.elapsed().as_nanos() as f64 / (reps * starts.len()) as f64;
        // The baseline: step a minute at a time, asking whether it is open.
        let few = &starts[..20];
        let t = Instant::now();
        for s in few {
            let (mut at, mut left) = (*s, span_minutes);
            while left > 0 {
                if cal.is_open(at) {
                    left -= 1;
                }
                at += TimeDelta::minutes(1);
            }
            sink ^= at.timestamp();
        }
        let naive_add_ns = t.elapsed().as_nanos() as f64 / few.len() as f64;
        let t = Instant::now();
        for s in few {
            let mut open = 0i64;
            let mut at = *s;
            while at < *s + TimeDelta::days(30) {
                open += i64::from(cal.is_open(at));
                at += TimeDelta::minutes(1);
            }
            sink ^= open;
        }
        let naive_between_ns = t.elapsed().as_nanos() as f64 / few.len() as f64;
        std::hint::black_box(sink);
        Self {
            add_ns,
            between_ns,
            naive_add_ns,
            naive_between_ns,
            span_minutes,
        }
    }

    fn print(&self) {
        println!(
            "calendar arithmetic (office calendar, Europe/London, bank holidays; {} business minutes ≈ 30 days):",
            self.span_minutes
        );
        println!(
            "  add:     {:>10.0} ns per call   (minute-by-minute baseline {:>12.0} ns: {:.0}x faster)",
            self.add_ns,
            self.naive_add_ns,
            self.naive_add_ns / self.add_ns
        );
        println!(
            "  between: {:>10.0} ns per call   (minute-by-minute baseline {:>12.0} ns: {:.0}x faster)",
            self.between_ns,
            self.naive_between_ns,
            self.naive_between_ns / self.between_ns
        );
    }
}

// ---------------------------------------------------------------------------
// The data

#[derive(QueryableByName)]
struct N {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn count(conn: &mut PgConnection, sql: &str) -> anyhow::Result<i64> {
    Ok(diesel::sql_query(sql).get_result::<N>(conn)?.n)
}

fn id(conn: &mut PgConnection, sql: &str) -> anyhow::Result<i64> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    Ok(diesel::sql_query(sql)
        .get_result::<Id>(conn)
        .with_context(|| sql.to_string())?
        .id)
}

fn exec(conn: &mut PgConnection, sql: &str) -> anyhow::Result<()> {
    diesel::sql_query(sql)
        .execute(conn)
        .with_context(|| sql.chars().take(120).collect::<String>())?;
    Ok(())
}

/// `n` open tickets in the demo's categories and departments, each with a
/// running first-response, keep-in-touch and resolution clock whose next
/// alert lies in the coming weeks (nothing due at `now`).
fn load(conn: &mut PgConnection, n: i64, now: DateTime<Utc>) -> anyhow::Result<()> {
    let at = now.to_rfc3339();
    exec(
        conn,
        "INSERT INTO contacts (name, email) VALUES ('Bench Citizen', 'bench@example.org')",
    )?;
    exec(
        conn,
        "UPDATE sla_policies SET keep_in_touch_minutes = 1440, warning_percents = '{50,75}'",
    )?;
    exec(
        conn,
        &format!(
            "INSERT INTO tickets (reference, tracking_token_hash, kind, category_id, department_id, \
             status, priority, channel, subject, description, contact_id, created_at, updated_at) \
             SELECT 'CD-2025-' || lpad(i::text, 7, '0'), sha256(('bench' || i)::bytea), \
                    'service_request', c.id, c.default_department_id, 'in_progress', 'normal', 'web', \
                    'Bench ticket ' || i, '', (SELECT id FROM contacts LIMIT 1), \
                    '{at}'::timestamptz - interval '1 hour', '{at}'::timestamptz - interval '1 hour' \
             FROM generate_series(1, {n}) AS i \
             JOIN LATERAL (SELECT id, default_department_id FROM categories \
                           ORDER BY id OFFSET (i % 30) LIMIT 1) AS c ON TRUE"
        ),
    )?;
    exec(
        conn,
        &format!(
            "INSERT INTO sla_clocks (ticket_id, clock, policy_id, calendar_id, state, started_at, \
             target_minutes, elapsed_seconds, since, due_at, next_alert_at) \
             SELECT t.id, k.clock, c.sla_policy_id, d.calendar_id, 'running', t.created_at, \
                    k.minutes, 3600, '{at}'::timestamptz, \
                    '{at}'::timestamptz + (t.id % 20 + 2) * interval '1 day', \
                    '{at}'::timestamptz + (t.id % 20 + 1) * interval '1 day' \
             FROM tickets t JOIN categories c ON c.id = t.category_id \
             JOIN departments d ON d.id = t.department_id \
             CROSS JOIN (VALUES ('first_response', 5000), ('keep_in_touch', 6000), ('resolution', 9000)) \
                 AS k(clock, minutes)"
        ),
    )?;
    exec(
        conn,
        "UPDATE tickets t SET sla_due_at = c.due FROM (SELECT ticket_id, min(due_at) AS due \
         FROM sla_clocks GROUP BY 1) c WHERE c.ticket_id = t.id",
    )?;
    // The clocks above stand for ones computed with today's calendars and
    // policies: record those versions, as the worker would have.
    exec(
        conn,
        "INSERT INTO sla_applied_versions (source, source_id, updated_at) \
         SELECT 'calendar', id, updated_at FROM business_calendars \
         UNION ALL SELECT 'policy', id, updated_at FROM sla_policies",
    )?;
    exec(conn, "VACUUM ANALYZE")?;
    Ok(())
}

/// Makes `n` tickets (from the `skip`-th on) due now: each clock running for
/// two hours on the 24x7 calendar against a one-hour target, so both
/// warnings and the breach are due.
fn make_due(conn: &mut PgConnection, n: i64, skip: i64, now: DateTime<Utc>) -> anyhow::Result<()> {
    let at = now.to_rfc3339();
    exec(
        conn,
        &format!(
            "UPDATE sla_clocks c SET calendar_id = (SELECT id FROM business_calendars WHERE always_open LIMIT 1), \
             target_minutes = 60, elapsed_seconds = 0, since = '{at}'::timestamptz - interval '2 hours', \
             due_at = '{at}'::timestamptz - interval '1 hour', \
             next_alert_at = '{at}'::timestamptz - interval '90 minutes', warned_percents = '{{}}', \
             breached_at = NULL \
             FROM (SELECT id FROM tickets ORDER BY id OFFSET {skip} LIMIT {n}) t WHERE c.ticket_id = t.id"
        ),
    )?;
    Ok(())
}

fn settings(data_dir: &Path) -> anyhow::Result<Settings> {
    Ok(Settings::load_for(
        Environment::Test,
        &Overrides {
            data_dir: Some(data_dir.to_path_buf()),
            config_dir: Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config")),
            set: vec![("security.jwt_secret".into(), "b".repeat(40))],
            ..Overrides::default()
        },
    )?)
}

// ---------------------------------------------------------------------------
// The idle sweep

struct Idle {
    sweeps: usize,
    wall_ms: Vec<f64>,
    db_ms: Vec<f64>,
    plan: String,
}

impl Idle {
    fn measure(
        conn: &mut PgConnection,
        cx: &SweepContext,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Self> {
        let sweeps = 200;
        let mut wall_ms = Vec::with_capacity(sweeps);
        for _ in 0..sweeps {
            let t = Instant::now();
            let r = sweep(conn, cx, now, 500)?;
            wall_ms.push(t.elapsed().as_secs_f64() * 1000.0);
            ensure!(
                r.alerts() == 0 && r.recomputed == 0,
                "the idle sweep did work: {r:?}"
            );
        }
        #[derive(QueryableByName)]
        struct Line {
            #[diesel(sql_type = Text)]
            #[diesel(column_name = "QUERY PLAN")]
            line: String,
        }
        let mut db_ms = Vec::with_capacity(sweeps);
        let mut plan = String::new();
        for _ in 0..sweeps {
            let lines: Vec<Line> = diesel::sql_query(format!(
                "EXPLAIN (ANALYZE, BUFFERS) SELECT ticket_id FROM sla_clocks \
                 WHERE next_alert_at <= '{}' ORDER BY next_alert_at, ticket_id LIMIT 500",
                now.to_rfc3339()
            ))
            .load(conn)?;
            for l in &lines {
                if let Some(ms) = l
                    .line
                    .strip_prefix("Execution Time: ")
                    .and_then(|s| s.trim_end_matches(" ms").parse::<f64>().ok())
                {
                    db_ms.push(ms);
                }
            }
            plan = lines
                .iter()
                .map(|l| l.line.as_str())
                .collect::<Vec<_>>()
                .join("\n    ");
        }
        Ok(Self {
            sweeps,
            wall_ms,
            db_ms,
            plan,
        })
    }

    fn print(&self) {
        let stats = |v: &[f64]| {
            let mut s = v.to_vec();
            s.sort_by(|a, b| a.partial_cmp(b).expect("no NaN"));
            let p = |q: f64| s[((s.len() - 1) as f64 * q).round() as usize];
            (p(0.5), p(0.95), s[s.len() - 1])
        };
        let (w50, w95, wmax) = stats(&self.wall_ms);
        let (d50, d95, dmax) = stats(&self.db_ms);
        println!(
            "  whole sweep, every round trip included ({} sweeps): p50 {w50:.3} ms, p95 {w95:.3} ms, max {wmax:.3} ms",
            self.sweeps
        );
        println!(
            "  database execution of the due-clock search: p50 {d50:.3} ms, p95 {d95:.3} ms, max {dmax:.3} ms \
             (target ≤ {TARGET_IDLE_DB_MS} ms: {})",
            if w95 <= TARGET_IDLE_DB_MS { "met, even counting every round trip" } else if d95 <= TARGET_IDLE_DB_MS { "met" } else { "NOT met" }
        );
        println!("  plan:\n    {}", self.plan);
    }
}

// ---------------------------------------------------------------------------
// Scratch space and clean-up
