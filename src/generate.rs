//! Synthetic data for benchmarks and demos: `civicdesk generate --tickets N`.
//!
//! Realistic spread: tickets over the demo council's departments and
//! categories, every channel, every status (mostly closed for old tickets,
//! mostly open for recent ones), two years of dates, citizens with several
//! requests each, timelines of several events, department holdings, the
//! area each located ticket lies in, and for every open ticket its SLA
//! clocks with their log, as the engine would have kept them (so
//! `civicdesk sla verify` agrees and the worker has nothing overdue to
//! catch up on).
//!
//! Speed (see BENCHMARKS.md, "Generating data"): one thread makes the rows
//! in PostgreSQL's binary COPY format while this one sends the previous
//! batch, so the server parses no text and the two cores work at once; ids
//! and references are reserved once for the whole run; everything is one
//! transaction, and a big load into empty tables truncates them first so
//! COPY can write the rows frozen, and builds the secondary indexes once at
//! the end instead of row by row.

mod copy;

use std::sync::mpsc;

use anyhow::{bail, Context};
use chrono::{DateTime, Datelike, Duration, TimeZone, Utc};
use diesel::pg::CopyFormat;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer};
use rand::rngs::StdRng;
use rand::{Rng, RngCore, SeedableRng};

use self::copy::CopyRows;
use crate::areas::geometry::Placer;
use crate::domain::priority::Priority;
use crate::domain::sla::{
    self as clocks, ClockEvent, ClockKind, ClockState, Desired, TicketChange, Touch,
};
use crate::domain::ticket::ResolutionCode;
use crate::domain::ticket_status::TicketStatus;
use crate::schema::{
    categories, contacts, departments, sla_clock_events, sla_clocks, ticket_events,
    ticket_holdings, tickets, user_departments, users,
};
use crate::sla::calendars::Calendars;

/// How big and how random.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    pub tickets: u64,
    pub seed: u64,
    pub batch: u64,
    /// The newest ticket's time; older ones spread back two years from it.
    pub until: DateTime<Utc>,
    /// From this many tickets on, secondary indexes are rebuilt after the load
    /// rather than kept up to date row by row ([`BULK_THRESHOLD`] by default).
    pub bulk_threshold: u64,
}

#[derive(Debug, Default, Clone, Copy)]
pub struct GenerateReport {
    pub tickets: u64,
    pub events: u64,
    pub contacts: u64,
    /// SLA clocks made (the open tickets' clocks).
    pub clocks: u64,
    /// Entries of the SLA clocks' logs.
    pub clock_events: u64,
    /// Time spent building the secondary indexes after a bulk load (zero
    /// when they were kept up to date instead).
    pub index_build: std::time::Duration,
    /// Whether the rows went in frozen (COPY FREEZE into tables emptied in
    /// the same transaction).
    pub frozen: bool,
}

/// From this many tickets on, indexes are rebuilt after the load rather than
/// kept up to date row by row.
pub const BULK_THRESHOLD: u64 = 50_000;

/// At most this many timeline entries per ticket (ids are reserved for them).
const MAX_EVENTS_PER_TICKET: i64 = 6;

/// A category, as tickets in it are made.
struct CategoryInfo {
    id: i64,
    department: i64,
    /// The default priority (an index into `Priority::ALL`).
    priority: usize,
    kinds: Vec<&'static str>,
    /// What applies at each priority (`Priority::ALL`'s order).
    sla: Vec<Option<Sla>>,
}

/// What the SLA engine applies to a category's tickets.
struct Sla {
    policy_id: i64,
    calendar_id: i64,
    percents: Vec<i16>,
    targets: [Option<i32>; 3],
}

struct Catalogue {
    categories: Vec<CategoryInfo>,
    /// Staff ids by department.
    staff: Vec<(i64, Vec<i64>)>,
    /// Every active member of staff who works tickets.
    all_staff: Vec<i64>,
    /// Staff names by id (JSON-escaped), for timeline entries.
    names: Vec<(i64, String)>,
    calendars: Calendars,
    placer: Placer,
}

const CHANNELS: [(&str, u32); 6] = [
    ("web", 45),
    ("phone", 25),
    ("email", 12),
    ("counter", 8),
    ("api", 7),
    ("staff", 3),
];
const WORDS: &[&str] = &[
    "pothole",
    "bin",
    "collection",
    "missed",
    "street",
    "light",
    "broken",
    "noise",
    "neighbour",
    "rubbish",
    "park",
    "tree",
    "graffiti",
    "parking",
    "permit",
    "council",
    "tax",
    "repair",
    "leak",
    "damp",
    "mould",
    "road",
    "pavement",
    "bench",
    "playground",
    "fly-tipping",
    "rats",
    "smell",
    "drain",
    "flooding",
    "bus",
    "stop",
    "school",
    "library",
    "licence",
    "planning",
    "fence",
    "wall",
    "dog",
    "fouling",
    "litter",
];
const FIRST: &[&str] = &[
    "Ada", "Ben", "Chloe", "Dev", "Ella", "Farid", "Grace", "Hassan", "Isla", "Jamal", "Kira",
    "Leo", "Mina", "Nour", "Omar", "Priya", "Reza", "Sara", "Tom", "Yasmin",
];
const LAST: &[&str] = &[
    "Ahmadi", "Brown", "Chen", "Davies", "Evans", "Farahani", "Green", "Hughes", "Iqbal", "Jones",
    "Karimi", "Lewis", "Moradi", "Nguyen", "Owen", "Patel", "Rahimi", "Smith", "Taylor",
    "Williams",
];

fn pick<'a>(rng: &mut StdRng, items: &'a [&'a str]) -> &'a str {
    items[rng.gen_range(0..items.len())]
}

fn weighted<'a>(rng: &mut StdRng, items: &'a [(&'a str, u32)]) -> &'a str {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut n = rng.gen_range(0..total);
    for (item, w) in items {
        if n < *w {
            return item;
        }
        n -= w;
    }
    items[0].0
}

fn load_catalogue(conn: &mut PgConnection) -> anyhow::Result<Catalogue> {
    let rows: Vec<(i64, i64, String, Vec<Option<String>>)> = categories::table
        .filter(categories::active.eq(true))
        .select((
            categories::id,
            categories::default_department_id,
            categories::default_priority,
            categories::kinds,
        ))
        .order(categories::id)
        .load(conn)?;
    if rows.is_empty() {
        bail!("there is no service catalogue: run `civicdesk seed-demo` first");
    }
    let memberships: Vec<(i64, i64)> = user_departments::table
        .inner_join(users::table)
        .filter(users::active.eq(true))
        .select((user_departments::department_id, user_departments::user_id))
        .load(conn)?;
    let department_ids: Vec<i64> = departments::table.select(departments::id).load(conn)?;
    let names: Vec<(i64, String)> = users::table
        .select((users::id, users::name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .map(|(id, name)| {
            let quoted = serde_json::to_string(&name).expect("a string serialises");
            (id, quoted[1..quoted.len() - 1].to_string())
        })
        .collect();
    let mut all_staff: Vec<i64> = memberships.iter().map(|(_, u)| *u).collect();
    all_staff.sort_unstable();
    all_staff.dedup();
    let staff = department_ids
        .into_iter()
        .map(|d| {
            (
                d,
                memberships
                    .iter()
                    .filter(|(md, _)| *md == d)
                    .map(|(_, u)| *u)
                    .collect(),
            )
        })
        .collect();
    let mut categories = Vec::with_capacity(rows.len());
    for (id, department, priority, kinds) in rows {
        let priority: Priority = priority
            .parse()
            .map_err(|_| anyhow::anyhow!("category {id} has an unknown priority `{priority}`"))?;
        let kinds: Vec<&'static str> = kinds
            .into_iter()
            .flatten()
            .filter_map(|k| {
                crate::domain::ticket_kind::TicketKind::ALL
                    .into_iter()
                    .map(|t| t.as_str())
                    .find(|t| *t == k)
            })
            .collect();
        let mut sla = Vec::with_capacity(Priority::ALL.len());
        for p in Priority::ALL {
            sla.push(
                crate::sla::policy::applicable(conn, id, p, department)?.map(|a| Sla {
                    policy_id: a.policy.id,
                    calendar_id: a.calendar_id,
                    percents: a.policy.warning_percents.clone(),
                    targets: ClockKind::ALL.map(|k| a.targets.for_clock(k)),
                }),
            );
        }
        categories.push(CategoryInfo {
            id,
            department,
            priority: Priority::ALL
                .iter()
                .position(|p| *p == priority)
                .expect("one of them"),
            kinds,
            sla,
        });
    }
    Ok(Catalogue {
        categories,
        staff,
        all_staff,
        names,
        calendars: Calendars::load_all(conn)?,
        placer: crate::areas::placement::placer(conn)?,
    })
}

impl Catalogue {
    fn name_of(&self, user: i64) -> &str {
        self.names
            .iter()
            .find(|(id, _)| *id == user)
            .map_or("", |(_, n)| n.as_str())
    }
}

/// Reserves `n` ids from a table's sequence: the caller may use `start..start+n`.
fn reserve_ids(conn: &mut PgConnection, sequence: &str, n: i64) -> QueryResult<i64> {
    #[derive(QueryableByName)]
    struct Start {
        #[diesel(sql_type = BigInt)]
        start: i64,
    }
    let s: Start = diesel::sql_query(format!(
        "SELECT setval('{sequence}', nextval('{sequence}') + $1 - 1) - $1 + 1 AS start"
    ))
    .bind::<BigInt, _>(n)
    .get_result(conn)?;
    Ok(s.start)
}

/// Gives back the ids reserved beyond `used_until` when no one took one since.
fn release_ids(
    conn: &mut PgConnection,
    sequence: &str,
    reserved_until: i64,
    used_until: i64,
) -> QueryResult<()> {
    diesel::sql_query(format!(
        "SELECT setval('{sequence}', $2) FROM {sequence} WHERE last_value = $1"
    ))
    .bind::<BigInt, _>(reserved_until)
    .bind::<BigInt, _>(used_until.max(1))
    .execute(conn)?;
    Ok(())
}

/// Reserves `n` reference numbers of `year`; returns the first.
fn reserve_references(conn: &mut PgConnection, year: i32, n: i64) -> QueryResult<i64> {
    #[derive(QueryableByName)]
    struct Last {
        #[diesel(sql_type = BigInt)]
        last_value: i64,
    }
    let last: Last = diesel::sql_query(
        "INSERT INTO reference_counters (year, last_value) VALUES ($1, $2) \
         ON CONFLICT (year) DO UPDATE SET last_value = reference_counters.last_value + $2 \
         RETURNING last_value",
    )
    .bind::<Integer, _>(year)
    .bind::<BigInt, _>(n)
    .get_result(conn)?;
    Ok(last.last_value - n + 1)
}

/// A well-spread 64-bit hash (SplitMix64's finaliser).
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// When ticket `i` of the run was made: evenly over the two years, each at a
/// random moment of its own slot, so times only grow with `i` and each
/// year's count (its references) is known before any row is made.
#[derive(Debug, Clone, Copy)]
struct Times {
    start: DateTime<Utc>,
    span_micros: i64,
    tickets: u64,
    seed: u64,
}

impl Times {
    fn of(&self, i: u64) -> DateTime<Utc> {
        let jitter = (mix(self.seed ^ i) >> 11) as f64 / (1u64 << 53) as f64;
        let frac = (i as f64 + jitter) / self.tickets as f64;
        // Whole seconds, as the clock log keeps elapsed time: a sub-second
        // start would make a replay count fractions the kept state dropped.
        let at = self.start + Duration::microseconds((self.span_micros as f64 * frac) as i64);
        DateTime::from_timestamp(at.timestamp(), 0).expect("in range")
    }

    /// The first ticket made at or after `t`.
    fn first_at(&self, t: DateTime<Utc>) -> u64 {
        let (mut lo, mut hi) = (0u64, self.tickets);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.of(mid) < t {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }
}

/// Ids and reference numbers reserved for the whole run.
struct Reserved {
    tickets: i64,
    contacts: i64,
    contacts_n: i64,
    events: i64,
    events_n: i64,
    /// (first ticket index of the year, year, its first reference number)
    years: Vec<(u64, i32, i64)>,
}

/// Citizens of a batch: about three requests each.
fn contacts_in(n: u64) -> u64 {
    (n / 3).max(1)
}

impl Reserved {
    fn take(
        conn: &mut PgConnection,
        options: &GenerateOptions,
        times: &Times,
    ) -> anyhow::Result<Self> {
        let n = options.tickets;
        let batch = options.batch.max(1);
        let contacts_n: u64 = (n / batch) * contacts_in(batch)
            + if !n.is_multiple_of(batch) {
                contacts_in(n % batch)
            } else {
                0
            };
        let contacts_n = contacts_n as i64;
        let events_n = n as i64 * MAX_EVENTS_PER_TICKET;
        let mut years = Vec::new();
        let (first_year, last_year) = (times.of(0).year(), times.of(n - 1).year());
        for year in first_year..=last_year {
            let from = times.first_at(Utc.with_ymd_and_hms(year, 1, 1, 0, 0, 0).unwrap());
            let to = times.first_at(Utc.with_ymd_and_hms(year + 1, 1, 1, 0, 0, 0).unwrap());
            if to > from {
                years.push((
                    from,
                    year,
                    reserve_references(conn, year, (to - from) as i64)?,
                ));
            }
        }
        Ok(Self {
            tickets: reserve_ids(conn, "tickets_id_seq", n as i64)?,
            contacts: reserve_ids(conn, "contacts_id_seq", contacts_n)?,
            contacts_n,
            events: reserve_ids(conn, "ticket_events_id_seq", events_n)?,
            events_n,
            years,
        })
    }

    fn reference(&self, i: u64, out: &mut Vec<u8>) {
        use std::io::Write as _;
        let (from, year, first) = self
            .years
            .iter()
            .rev()
            .find(|(from, _, _)| *from <= i)
            .copied()
            .expect("every ticket's year was reserved");
        write!(out, "CD-{year:04}-{:06}", first + (i - from) as i64).expect("a Vec");
    }
}

/// Fills the database; `progress` is told how many tickets are done so far.
pub fn generate(
    conn: &mut PgConnection,
    options: &GenerateOptions,
    mut progress: impl FnMut(u64),
) -> anyhow::Result<GenerateReport> {
    if options.tickets == 0 {
        return Ok(GenerateReport::default());
    }
    let catalogue = load_catalogue(conn)?;
    // Generated rows need no synchronous flush; a crash loses the run, not old data.
    diesel::sql_query("SET synchronous_commit = off").execute(conn)?;
    let bulk = options.tickets >= options.bulk_threshold;
    let report = conn.transaction(|conn| -> anyhow::Result<GenerateReport> {
        // A big load into empty tables empties them again in this
        // transaction, which lets COPY write the rows frozen (no later
        // rewrite to set hint bits or freeze them, visible to index-only
        // scans at once).
        let frozen = bulk && truncate_if_empty(conn)?;
        // A big load is faster with the secondary indexes built once at the end
        // and without per-row foreign-key checks (the rows are consistent by
        // construction). Both happen inside this one transaction: DDL is
        // transactional in PostgreSQL, so a failure leaves every index in place.
        let dropped = if bulk {
            drop_secondary_indexes(conn)?
        } else {
            Vec::new()
        };
        if bulk {
            // Only a superuser may skip triggers; others keep the checks.
            let _ = conn.transaction(|c| {
                diesel::sql_query("SET LOCAL session_replication_role = replica").execute(c)
            });
        }
        let times = Times {
            start: options.until - Duration::days(730),
            span_micros: Duration::days(730)
                .num_microseconds()
                .expect("two years fit"),
            tickets: options.tickets,
            seed: options.seed,
        };
        let reserved = Reserved::take(conn, options, &times)?;
        let mut report = load(
            conn,
            &catalogue,
            options,
            &times,
            &reserved,
            frozen,
            &mut progress,
        )?;
        release_ids(
            conn,
            "ticket_events_id_seq",
            reserved.events + reserved.events_n - 1,
            reserved.events + report.events as i64 - 1,
        )?;
        debug_assert_eq!(report.contacts as i64, reserved.contacts_n);
        if report.clocks > 0 {
            record_sla_versions(conn)?;
        }
        if bulk {
            let started = std::time::Instant::now();
            diesel::sql_query("SET LOCAL maintenance_work_mem = '512MB'").execute(conn)?;
            diesel::sql_query("SET LOCAL session_replication_role = origin").execute(conn)?;
            for definition in dropped {
                diesel::sql_query(definition).execute(conn)?;
            }
            report.index_build = started.elapsed();
        }
        report.frozen = frozen;
        Ok(report)
    })?;
    diesel::sql_query(
        "ANALYZE tickets, ticket_events, contacts, ticket_holdings, sla_clocks, sla_clock_events",
    )
    .execute(conn)?;
    Ok(report)
}

/// The same as [`generate`], with `loaders` connections to `database_url`
/// sending batches at once, when that can be faster and safe: a bulk load
/// (at least `bulk_threshold` tickets) into empty tables. Otherwise (or with
/// one loader) it is [`generate`] on one connection.
///
/// Several loaders cannot share one transaction, so the secondary indexes are
/// dropped in a transaction of their own before the load and built again
/// after it, also when the load fails. A process killed in between leaves
/// them dropped: run `civicdesk generate` on a fresh database (which is what
/// this path is for), never on one whose data matters.
pub fn generate_parallel(
    database_url: &str,
    loaders: usize,
    options: &GenerateOptions,
    mut progress: impl FnMut(u64),
) -> anyhow::Result<GenerateReport> {
    let mut conn = PgConnection::establish(database_url).context("connecting")?;
    let bulk = options.tickets >= options.bulk_threshold;
    if loaders <= 1 || !bulk || !tables_empty(&mut conn)? {
        return generate(&mut conn, options, progress);
    }
    let catalogue = load_catalogue(&mut conn)?;
    diesel::sql_query("SET synchronous_commit = off").execute(&mut conn)?;
    let times = Times {
        start: options.until - Duration::days(730),
        span_micros: Duration::days(730)
            .num_microseconds()
            .expect("two years fit"),
        tickets: options.tickets,
        seed: options.seed,
    };
    let reserved = Reserved::take(&mut conn, options, &times)?;
    let dropped = conn.transaction(drop_secondary_indexes)?;
    let loaded = load_parallel(
        database_url,
        loaders,
        &catalogue,
        options,
        &times,
        &reserved,
        &mut progress,
    );
    // The indexes come back whatever happened to the load.
    let started = std::time::Instant::now();
    let rebuilt = build_indexes(database_url, loaders, &dropped);
    let index_build = started.elapsed();
    let mut report = loaded?;
    rebuilt?;
    report.index_build = index_build;
    release_ids(
        &mut conn,
        "ticket_events_id_seq",
        reserved.events + reserved.events_n - 1,
        reserved.events + report.events as i64 - 1,
    )?;
    if report.clocks > 0 {
        record_sla_versions(&mut conn)?;
    }
    diesel::sql_query(
        "ANALYZE tickets, ticket_events, contacts, ticket_holdings, sla_clocks, sla_clock_events",
    )
    .execute(&mut conn)?;
    Ok(report)
}

/// The clocks were computed with today's calendars and policies: say so, as
/// the worker would have (unless it already tracks them).
fn record_sla_versions(conn: &mut PgConnection) -> QueryResult<usize> {
    diesel::sql_query(
        "INSERT INTO sla_applied_versions (source, source_id, updated_at) \
         SELECT 'calendar', id, updated_at FROM business_calendars \
         UNION ALL SELECT 'policy', id, updated_at FROM sla_policies \
         ON CONFLICT (source, source_id) DO NOTHING",
    )
    .execute(conn)
}

/// Builds `definitions` on up to `connections` connections at once, the
/// biggest (the search index) first.
fn build_indexes(url: &str, connections: usize, definitions: &[String]) -> anyhow::Result<()> {
    let mut queue: Vec<&String> = definitions.iter().collect();
    // GIN builds take longest: start them first.
    queue.sort_by_key(|d| std::cmp::Reverse(d.contains("USING gin")));
    let queue = std::sync::Mutex::new(queue.into_iter());
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..connections.max(1))
            .map(|_| {
                s.spawn(|| -> anyhow::Result<()> {
                    let mut conn = PgConnection::establish(url)?;
                    diesel::sql_query("SET maintenance_work_mem = '512MB'").execute(&mut conn)?;
                    loop {
                        let next = queue.lock().unwrap_or_else(|e| e.into_inner()).next();
                        let Some(definition) = next else {
                            return Ok(());
                        };
                        diesel::sql_query(definition.as_str())
                            .execute(&mut conn)
                            .with_context(|| format!("building {definition}"))?;
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| {
                w.join()
                    .map_err(|_| anyhow::anyhow!("an index builder panicked"))?
            })
            .collect::<anyhow::Result<Vec<()>>>()
    })?;
    Ok(())
}

/// One maker thread, `loaders` threads each sending batches on its own
/// connection in one transaction, committed when every loader succeeded.
#[allow(clippy::too_many_arguments)]
fn load_parallel(
    url: &str,
    loaders: usize,
    catalogue: &Catalogue,
    options: &GenerateOptions,
    times: &Times,
    reserved: &Reserved,
    progress: &mut impl FnMut(u64),
) -> anyhow::Result<GenerateReport> {
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    let (tx, rx) = mpsc::sync_channel::<Batch>(loaders);
    let rx = std::sync::Mutex::new(rx);
    let done = AtomicU64::new(0);
    let failed = AtomicBool::new(false);
    // Loaders wait here once they have sent everything: all commit or none.
    let barrier = std::sync::Barrier::new(loaders);
    std::thread::scope(|s| -> anyhow::Result<GenerateReport> {
        let failed_ref = &failed;
        let maker = s.spawn(move || {
            let mut maker = Maker::new(catalogue, options, times, reserved);
            let mut made = 0u64;
            while made < options.tickets && !failed_ref.load(Ordering::Relaxed) {
                let n = options.batch.max(1).min(options.tickets - made);
                let batch = maker.batch(made, n);
                made += n;
                if tx.send(batch).is_err() {
                    break;
                }
            }
        });
        let workers: Vec<_> = (0..loaders)
            .map(|_| {
                let (rx, done, failed, barrier) = (&rx, &done, &failed, &barrier);
                s.spawn(move || -> anyhow::Result<GenerateReport> {
                    let result = (|| -> anyhow::Result<(PgConnection, GenerateReport)> {
                        let mut conn = PgConnection::establish(url)?;
                        diesel::sql_query("SET synchronous_commit = off").execute(&mut conn)?;
                        let _ = diesel::sql_query("SET session_replication_role = replica")
                            .execute(&mut conn);
                        diesel::sql_query("BEGIN").execute(&mut conn)?;
                        let mut report = GenerateReport::default();
                        loop {
                            if failed.load(Ordering::Relaxed) {
                                anyhow::bail!("another loader failed");
                            }
                            let next = rx.lock().unwrap_or_else(|e| e.into_inner()).recv();
                            let Ok(batch) = next else { break };
                            report.tickets += batch.tickets;
                            report.contacts += batch.contacts.rows();
                            report.events += batch.events.rows();
                            report.clocks += batch.clocks.rows();
                            report.clock_events += batch.clock_events.rows();
                            let n = batch.tickets;
                            send(&mut conn, batch, false)?;
                            done.fetch_add(n, Ordering::Relaxed);
                        }
                        Ok((conn, report))
                    })();
                    if result.is_err() {
                        failed.store(true, Ordering::Relaxed);
                        // Let the maker stop and the others see it.
                        while rx
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .try_recv()
                            .is_ok()
                        {}
                    }
                    barrier.wait();
                    let (mut conn, report) = result?;
                    if failed.load(Ordering::Relaxed) {
                        anyhow::bail!("another loader failed");
                    }
                    diesel::sql_query("COMMIT").execute(&mut conn)?;
                    Ok(report)
                })
            })
            .collect();
        // Progress from here, while the others work.
        while !workers.iter().all(|w| w.is_finished()) {
            progress(done.load(Ordering::Relaxed));
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        // Stop the maker if it is still making (a loader failed).
        failed.store(true, Ordering::Relaxed);
        while !maker.is_finished() {
            while rx
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .try_recv()
                .is_ok()
            {}
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let _ = maker.join();
        let mut total = GenerateReport::default();
        let mut first_error = None;
        for w in workers {
            match w.join().map_err(|_| anyhow::anyhow!("a loader panicked"))? {
                Ok(r) => {
                    total.tickets += r.tickets;
                    total.contacts += r.contacts;
                    total.events += r.events;
                    total.clocks += r.clocks;
                    total.clock_events += r.clock_events;
                }
                Err(e) => {
                    if first_error.is_none() || !e.to_string().contains("another loader") {
                        first_error = Some(e);
                    }
                }
            }
        }
        if let Some(e) = first_error {
            return Err(e);
        }
        progress(total.tickets);
        Ok(total)
    })
}

/// Whether the loaded tables and every table referring to them are empty.
fn tables_empty(conn: &mut PgConnection) -> anyhow::Result<bool> {
    for table in related_tables(conn)? {
        let any: bool = diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(&format!(
            "EXISTS (SELECT 1 FROM {table})"
        )))
        .get_result(conn)?;
        if any {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The loaded tables and every table with a foreign key to one of them.
fn related_tables(conn: &mut PgConnection) -> anyhow::Result<Vec<String>> {
    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    let list = LOADED
        .iter()
        .map(|t| format!("'{t}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut tables: Vec<String> = diesel::sql_query(format!(
        "SELECT DISTINCT c.conrelid::regclass::text AS name FROM pg_constraint c \
         WHERE c.contype = 'f' AND c.confrelid::regclass::text IN ({list})"
    ))
    .load::<Name>(conn)?
    .into_iter()
    .map(|n| n.name)
    .collect();
    tables.extend(LOADED.iter().map(|t| t.to_string()));
    tables.sort();
    tables.dedup();
    Ok(tables)
}

/// The tables a run writes, and those that refer to them.
const LOADED: &[&str] = &[
    "contacts",
    "tickets",
    "ticket_holdings",
    "ticket_events",
    "sla_clocks",
    "sla_clock_events",
];

/// Empties the loaded tables in this transaction when they (and every table
/// that refers to them) hold no rows; returns whether it did.
fn truncate_if_empty(conn: &mut PgConnection) -> anyhow::Result<bool> {
    if !tables_empty(conn)? {
        return Ok(false);
    }
    // Empty, so nothing is lost; the sequences go on where they were.
    let tables = related_tables(conn)?;
    diesel::sql_query(format!("TRUNCATE {}", tables.join(", "))).execute(conn)?;
    Ok(true)
}

/// Drops the non-unique indexes of the loaded tables; returns their definitions.
fn drop_secondary_indexes(conn: &mut PgConnection) -> anyhow::Result<Vec<String>> {
    #[derive(QueryableByName)]
    struct Index {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        definition: String,
    }
    let list = LOADED
        .iter()
        .map(|t| format!("'{t}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let indexes: Vec<Index> = diesel::sql_query(format!(
        "SELECT c.relname::text AS name, pg_get_indexdef(i.indexrelid) AS definition \
         FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
         JOIN pg_class t ON t.oid = i.indrelid \
         WHERE t.relname IN ({list}) \
           AND NOT i.indisunique AND NOT i.indisprimary \
           AND t.relnamespace = 'public'::regnamespace"
    ))
    .load(conn)?;
    for index in &indexes {
        diesel::sql_query(format!("DROP INDEX \"{}\"", index.name.replace('"', "")))
            .execute(conn)?;
    }
    Ok(indexes.into_iter().map(|i| i.definition).collect())
}

/// One batch's rows, one buffer per table.
struct Batch {
    tickets: u64,
    contacts: CopyRows,
    ticket_rows: CopyRows,
    holdings: CopyRows,
    events: CopyRows,
    clocks: CopyRows,
    clock_events: CopyRows,
}

/// Makes the batches on another thread while this one sends them.
fn load(
    conn: &mut PgConnection,
    catalogue: &Catalogue,
    options: &GenerateOptions,
    times: &Times,
    reserved: &Reserved,
    freeze: bool,
    progress: &mut impl FnMut(u64),
) -> anyhow::Result<GenerateReport> {
    // Two batches in flight: one being made while the other is sent.
    let (tx, rx) = mpsc::sync_channel::<Batch>(1);
    std::thread::scope(|s| -> anyhow::Result<GenerateReport> {
        let maker = s.spawn(move || {
            let mut maker = Maker::new(catalogue, options, times, reserved);
            let mut done = 0u64;
            while done < options.tickets {
                let n = options.batch.max(1).min(options.tickets - done);
                let batch = maker.batch(done, n);
                done += n;
                if tx.send(batch).is_err() {
                    break; // the loader stopped on an error
                }
            }
        });
        let mut report = GenerateReport::default();
        for batch in rx {
            report.tickets += batch.tickets;
            report.contacts += batch.contacts.rows();
            report.events += batch.events.rows();
            report.clocks += batch.clocks.rows();
            report.clock_events += batch.clock_events.rows();
            send(conn, batch, freeze)?;
            progress(report.tickets);
        }
        maker
            .join()
            .map_err(|_| anyhow::anyhow!("the data generator thread panicked"))?;
        Ok(report)
    })
}

macro_rules! copy_in {
    ($conn:expr, $table:path, $columns:expr, $rows:expr, $freeze:expr, $what:literal) => {{
        let bytes = $rows.finish();
        diesel::copy_from($table)
            .from_raw_data($columns, |w| {
                w.write_all(&bytes)
                    .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))
            })
            .with_format(CopyFormat::Binary)
            .with_freeze($freeze)
            .execute($conn)
            .context($what)?;
    }};
}

/// COPYs one batch, parents before children.
fn send(conn: &mut PgConnection, b: Batch, freeze: bool) -> anyhow::Result<()> {
    use contacts::dsl as c;
    use sla_clock_events::dsl as ce;
    use sla_clocks::dsl as k;
    use ticket_events::dsl as e;
    use ticket_holdings::dsl as h;
    use tickets::dsl as t;
    copy_in!(
        conn,
        contacts::table,
        (
            c::id,
            c::name,
            c::email,
            c::phone,
            c::locale,
            c::created_at,
            c::updated_at
        ),
        b.contacts,
        freeze,
        "copying contacts"
    );
    copy_in!(
        conn,
        tickets::table,
        (
            t::id,
            t::reference,
            t::tracking_token_hash,
            t::kind,
            t::category_id,
            t::department_id,
            t::status,
            t::priority,
            t::channel,
            t::subject,
            t::description,
            t::address,
            t::latitude,
            t::longitude,
            t::extra_fields,
            t::contact_id,
            t::locale,
            t::assignee_id,
            t::resolution_code,
            t::privacy_consent_at,
            t::resolved_at,
            t::closed_at,
            t::version,
            t::created_at,
            t::updated_at,
            t::awaiting_staff_since,
            t::sla_due_at,
            t::area_id,
        ),
        b.ticket_rows,
        freeze,
        "copying tickets"
    );
    copy_in!(
        conn,
        ticket_holdings::table,
        (h::ticket_id, h::department_id, h::started_at, h::ended_at),
        b.holdings,
        freeze,
        "copying holdings"
    );
    copy_in!(
        conn,
        ticket_events::table,
        (
            e::id,
            e::ticket_id,
            e::kind,
            e::actor_kind,
            e::actor_user_id,
            e::actor_contact_id,
            e::body,
            e::data,
            e::public,
            e::created_at,
        ),
        b.events,
        freeze,
        "copying timelines"
    );
    if b.clocks.rows() > 0 {
        copy_in!(
            conn,
            sla_clocks::table,
            (
                k::ticket_id,
                k::clock,
                k::policy_id,
                k::calendar_id,
                k::state,
                k::cycle,
                k::started_at,
                k::target_minutes,
                k::extension_minutes,
                k::elapsed_seconds,
                k::since,
                k::due_at,
                k::met_at,
                k::breached_at,
                k::warned_percents,
                k::next_alert_at,
                k::paused_seconds,
                k::updated_at,
            ),
            b.clocks,
            freeze,
            "copying SLA clocks"
        );
        copy_in!(
            conn,
            sla_clock_events::table,
            (
                ce::ticket_id,
                ce::clock,
                ce::cycle,
                ce::kind,
                ce::at,
                ce::target_minutes,
                ce::calendar_id,
                ce::minutes,
                ce::percent,
                ce::reason,
                ce::actor_user_id,
                ce::elapsed_seconds,
                ce::created_at,
            ),
            b.clock_events,
            freeze,
            "copying SLA clock logs"
        );
    }
    Ok(())
}

/// Writes one entry of a clock's log: the clock after it, the event, when, by whom.
type LogWriter<'w> = dyn FnMut(&ClockState, ClockEvent, DateTime<Utc>, Option<i64>) + 'w;

/// One change in a ticket's life, as its clocks see it.
struct Step {
    at: DateTime<Utc>,
    change: TicketChange,
    actor: Option<i64>,
}

/// Makes rows; owns the random generators.
struct Maker<'a> {
    catalogue: &'a Catalogue,
    options: &'a GenerateOptions,
    times: &'a Times,
    reserved: &'a Reserved,
    rng: StdRng,
    /// Tracking-token hashes must never repeat, run after run: from the OS.
    secret: StdRng,
    /// Unique per run, unlike the rest: emails must never collide with an
    /// earlier run's.
    salt: u64,
    next_contact: i64,
    next_event: i64,
    scratch: Vec<u8>,
}

impl<'a> Maker<'a> {
    fn new(
        catalogue: &'a Catalogue,
        options: &'a GenerateOptions,
        times: &'a Times,
        reserved: &'a Reserved,
    ) -> Self {
        Self {
            catalogue,
            options,
            times,
            reserved,
            rng: StdRng::seed_from_u64(options.seed),
            secret: StdRng::from_entropy(),
            salt: rand::random(),
            next_contact: reserved.contacts,
            next_event: reserved.events,
            scratch: Vec::with_capacity(256),
        }
    }

    fn batch(&mut self, offset: u64, n: u64) -> Batch {
        let n_contacts = contacts_in(n);
        let mut b = Batch {
            tickets: n,
            contacts: CopyRows::with_capacity(n_contacts as usize * 90),
            ticket_rows: CopyRows::with_capacity(n as usize * 420),
            holdings: CopyRows::with_capacity(n as usize * 52),
            events: CopyRows::with_capacity(n as usize * 4 * 90),
            clocks: CopyRows::with_capacity(n as usize / 4 * 3 * 200),
            clock_events: CopyRows::with_capacity(n as usize / 4 * 10 * 110),
        };
        let first_contact = self.next_contact;
        let first_time = self.times.of(offset);
        for _ in 0..n_contacts {
            let id = self.next_contact;
            self.next_contact += 1;
            let rng = &mut self.rng;
            let c = &mut b.contacts;
            c.row(7);
            c.i64(id);
            let (first, last) = (pick(rng, FIRST), pick(rng, LAST));
            c.text_fmt(format_args!("{first} {last}"));
            c.text_fmt(format_args!("citizen{id}.{:x}@example.org", self.salt));
            c.text_fmt(format_args!("07{:09}", rng.gen_range(0..1_000_000_000u64)));
            c.text(if rng.gen_ratio(1, 10) { "fa" } else { "en" });
            c.ts(first_time);
            c.ts(first_time);
        }
        for i in offset..offset + n {
            let contact = first_contact + self.rng.gen_range(0..n_contacts as i64);
            self.ticket(&mut b, i, contact);
        }
        b
    }

    /// One ticket: its row, holding, timeline, and SLA clocks when open.
    fn ticket(&mut self, b: &mut Batch, i: u64, contact: i64) {
        let catalogue = self.catalogue;
        let now = DateTime::from_timestamp(self.options.until.timestamp(), 0).expect("in range");
        let id = self.reserved.tickets + i as i64;
        let created = self.times.of(i);
        let rng = &mut self.rng;
        let category = &catalogue.categories[rng.gen_range(0..catalogue.categories.len())];
        let kind = if category.kinds.is_empty() {
            "service_request"
        } else {
            category.kinds[rng.gen_range(0..category.kinds.len())]
        };
        let channel = weighted(rng, &CHANNELS);
        // Mostly the category's default; staff raise or lower some.
        let priority = match rng.gen_range(0..20) {
            0 => category.priority.saturating_sub(1),
            1 | 2 => (category.priority + 1).min(Priority::ALL.len() - 1),
            _ => category.priority,
        };
        let age_days = (now - created).num_days();
        // Older tickets are mostly finished.
        let status = if age_days > 60 {
            weighted(
                rng,
                &[
                    ("closed", 80),
                    ("resolved", 15),
                    ("in_progress", 3),
                    ("waiting_on_citizen", 2),
                ],
            )
        } else if age_days > 7 {
            weighted(
                rng,
                &[
                    ("closed", 40),
                    ("resolved", 25),
                    ("in_progress", 20),
                    ("waiting_on_citizen", 8),
                    ("assigned", 5),
                    ("reopened", 2),
                ],
            )
        } else {
            weighted(
                rng,
                &[
                    ("new", 30),
                    ("triaged", 10),
                    ("assigned", 20),
                    ("in_progress", 25),
                    ("waiting_on_citizen", 10),
                    ("resolved", 5),
                ],
            )
        };
        let status: TicketStatus = TicketStatus::ALL
            .into_iter()
            .find(|s| s.as_str() == status)
            .expect("a known status");
        use TicketStatus as S;
        let staff_here = catalogue
            .staff
            .iter()
            .find(|(d, _)| *d == category.department)
            .map(|(_, s)| s.as_slice())
            .unwrap_or(&[]);
        // Who works it: one of the department's staff (its assignee), or, in
        // a department with nobody on staff, anyone (unassigned).
        let worked = !matches!(status, S::New | S::Triaged);
        let assignee = (worked && !staff_here.is_empty())
            .then(|| staff_here[rng.gen_range(0..staff_here.len())]);
        let actor = assignee.or_else(|| {
            (worked && !catalogue.all_staff.is_empty())
                .then(|| catalogue.all_staff[rng.gen_range(0..catalogue.all_staff.len())])
        });
        // The ticket's life, in order, each moment no later than now.
        let mut at = created;
        let mut later = |rng: &mut StdRng, from: u32, to: u32| {
            at = (at + Duration::minutes(i64::from(rng.gen_range(from..to)))).min(now);
            at
        };
        let triaged_at = later(rng, 5, 600);
        let replied_at = later(rng, 5, 600);
        let resolved = matches!(status, S::Resolved | S::Closed | S::Reopened);
        let resolved_at = later(rng, 30, 60 * 24 * 20);
        let closed_at = later(rng, 1, 60 * 24 * 7);
        let waiting_at = (replied_at + Duration::minutes(rng.gen_range(30..60 * 24 * 5))).min(now);
        let resolution = (status == S::Closed).then(|| {
            weighted(
                rng,
                &[
                    ("fixed", 60),
                    ("answered", 25),
                    ("duplicate", 5),
                    ("referred", 4),
                    ("withdrawn", 3),
                    ("no_action", 3),
                ],
            )
        });
        let replied = actor.is_some() && !matches!(status, S::Assigned);
        let (lat, lon) = if rng.gen_ratio(2, 3) {
            (
                Some(51.45 + rng.gen::<f64>() * 0.1),
                Some(-0.2 + rng.gen::<f64>() * 0.2),
            )
        } else {
            (None, None)
        };
        let area = match (lat, lon) {
            (Some(lat), Some(lon)) => catalogue.placer.place(lat, lon),
            _ => None,
        };

        // The timeline, and the same life as the SLA engine saw it.
        let mut steps: Vec<Step> = Vec::with_capacity(6);
        let step = |before: Option<S>, after: S, touch: Touch, by: Option<i64>, at| Step {
            at,
            change: TicketChange {
                before,
                after,
                resolution: resolution.and_then(|r| r.parse::<ResolutionCode>().ok()),
                by_staff: by.is_some(),
                touch,
            },
            actor: by,
        };
        let mut events = 0i64;
        let e = &mut b.events;
        let mut event = |kind: &str,
                         user: Option<i64>,
                         body: &str,
                         data: &str,
                         public: bool,
                         at: DateTime<Utc>| {
            e.row(10);
            e.i64(self.next_event);
            self.next_event += 1;
            events += 1;
            e.i64(id);
            e.text(kind);
            e.text(if user.is_some() { "staff" } else { "citizen" });
            e.opt_i64(user);
            e.opt_i64(user.is_none().then_some(contact));
            e.text(body);
            e.jsonb(data);
            e.bool(public);
            e.ts(at);
        };
        event("submitted", None, "", "{}", true, created);
        steps.push(step(None, S::New, Touch::None, None, created));
        let mut last = S::New;
        if status == S::Triaged {
            steps.push(step(
                Some(S::New),
                S::Triaged,
                Touch::None,
                None,
                triaged_at,
            ));
            last = S::Triaged;
        }
        if let Some(a) = actor {
            if assignee.is_some() {
                let data = format!(
                    r#"{{"from":null,"to":{{"id":{a},"name":"{}"}},"status_from":"new","status_to":"assigned"}}"#,
                    catalogue.name_of(a)
                );
                event("assigned", Some(a), "", &data, false, triaged_at);
                steps.push(step(
                    Some(last),
                    S::Assigned,
                    Touch::None,
                    Some(a),
                    triaged_at,
                ));
                last = S::Assigned;
            }
            if replied {
                event(
                    "public_reply",
                    Some(a),
                    "Thank you, we are looking into this.",
                    r#"{"emailed":true}"#,
                    true,
                    replied_at,
                );
                steps.push(step(
                    Some(last),
                    S::InProgress,
                    Touch::FirstResponse,
                    Some(a),
                    replied_at,
                ));
                last = S::InProgress;
                if rng.gen_ratio(1, 2) {
                    event("note", Some(a), "Checked on site.", "{}", false, replied_at);
                }
            }
            let mut change = |to: S,
                              public: bool,
                              at: DateTime<Utc>,
                              touch: Touch,
                              by: Option<i64>,
                              steps: &mut Vec<Step>,
                              last: &mut S| {
                // As the app records it: the ticket page and reports read these.
                let action = match to {
                    S::WaitingOnCitizen => "wait_on_citizen",
                    S::Resolved => "resolve",
                    S::Closed => "close",
                    _ => "reopen",
                };
                let code = match (to, resolution) {
                    (S::Closed, Some(code)) => format!(r#","resolution_code":"{code}""#),
                    _ => String::new(),
                };
                let data = format!(
                    r#"{{"from":"{}","to":"{}","action":"{action}"{code}}}"#,
                    last.as_str(),
                    to.as_str()
                );
                event("status_changed", by.or(Some(a)), "", &data, public, at);
                steps.push(step(Some(*last), to, touch, by, at));
                *last = to;
            };
            if status == S::WaitingOnCitizen {
                change(
                    S::WaitingOnCitizen,
                    true,
                    waiting_at,
                    Touch::PublicUpdate,
                    Some(a),
                    &mut steps,
                    &mut last,
                );
            }
            if resolved {
                change(
                    S::Resolved,
                    true,
                    resolved_at,
                    Touch::PublicUpdate,
                    Some(a),
                    &mut steps,
                    &mut last,
                );
            }
            if status == S::Closed {
                change(
                    S::Closed,
                    true,
                    closed_at,
                    Touch::PublicUpdate,
                    Some(a),
                    &mut steps,
                    &mut last,
                );
            }
            if status == S::Reopened {
                change(
                    S::Reopened,
                    true,
                    closed_at,
                    Touch::None,
                    Some(a),
                    &mut steps,
                    &mut last,
                );
            }
        }
        debug_assert!(events <= MAX_EVENTS_PER_TICKET);
        let status = last; // a department without staff leaves its tickets new
        let updated = steps.last().map_or(created, |s| s.at);
        let (resolved_at, closed_at, resolution) = match status {
            S::Resolved => (Some(resolved_at), None, None),
            S::Closed => (Some(resolved_at), Some(closed_at), resolution),
            _ => (None, None, None),
        };

        // SLA clocks for open tickets (closed ones keep none; see BENCHMARKS.md).
        let sla_due = match (&category.sla[priority], status.clock_effect()) {
            (Some(sla), e) if e != crate::domain::ticket_status::ClockEffect::Stopped => {
                self.clocks(b, id, sla, &steps)
            }
            _ => None,
        };

        let rng = &mut self.rng;
        let mut hash = [0u8; 32];
        self.secret.fill_bytes(&mut hash);
        let t = &mut b.ticket_rows;
        t.row(28);
        t.i64(id);
        self.scratch.clear();
        self.reserved.reference(i, &mut self.scratch);
        t.bytes(&self.scratch);
        t.bytes(&hash);
        t.text(kind);
        t.i64(category.id);
        t.i64(category.department);
        t.text(status.as_str());
        t.text(Priority::ALL[priority].as_str());
        t.text(channel);
        let words: [&str; 3] = [pick(rng, WORDS), pick(rng, WORDS), pick(rng, WORDS)];
        t.text_fmt(format_args!("{} {} {}", words[0], words[1], words[2]));
        let n_words = rng.gen_range(8..30);
        t.text_with(|out| {
            for w in 0..n_words {
                if w > 0 {
                    out.push(b' ');
                }
                out.extend_from_slice(pick(rng, WORDS).as_bytes());
            }
        });
        let (number, street) = (rng.gen_range(1..300), pick(rng, LAST));
        t.text_fmt(format_args!("{number} {street} Road"));
        match (lat, lon) {
            (Some(lat), Some(lon)) => {
                t.f64(lat);
                t.f64(lon);
            }
            _ => {
                t.null();
                t.null();
            }
        }
        t.jsonb("{}");
        t.i64(contact);
        t.text("en");
        t.opt_i64(assignee);
        t.opt_text(resolution);
        t.ts(created);
        t.opt_ts(resolved_at);
        t.opt_ts(closed_at);
        t.i32(steps.len() as i32);
        t.ts(created);
        t.ts(updated);
        t.null(); // no citizen's message waits for an answer
        t.opt_ts(sla_due);
        t.opt_i64(area);

        let h = &mut b.holdings;
        h.row(4);
        h.i64(id);
        h.i64(category.department);
        h.ts(created);
        h.opt_ts(closed_at);
    }

    /// Runs the ticket's life through the SLA engine's planner, raising each
    /// warning and breach when it fell due (as the worker would have), and
    /// writes the clocks and their logs; returns the earliest due instant of
    /// the running ones (`tickets.sla_due_at`).
    fn clocks(
        &mut self,
        b: &mut Batch,
        ticket: i64,
        sla: &Sla,
        steps: &[Step],
    ) -> Option<DateTime<Utc>> {
        let now = DateTime::from_timestamp(self.options.until.timestamp(), 0).expect("in range");
        let calendar = self.catalogue.calendars.get(sla.calendar_id).ok()?;
        let mut earliest: Option<DateTime<Utc>> = None;
        for (k, kind) in ClockKind::ALL.into_iter().enumerate() {
            let desired = sla.targets[k].map(|target_minutes| Desired {
                target_minutes,
                calendar_id: sla.calendar_id,
            });
            let mut state: Option<ClockState> = None;
            let mut updated = None;
            let log = &mut b.clock_events;
            let mut write =
                |s: &ClockState, event: ClockEvent, at: DateTime<Utc>, actor: Option<i64>| {
                    let (target, calendar_id, minutes, percent) = match event {
                        ClockEvent::Started {
                            target_minutes,
                            calendar_id,
                        } => (Some(target_minutes), Some(calendar_id), None, None),
                        ClockEvent::Retargeted { target_minutes }
                        | ClockEvent::Restarted { target_minutes } => {
                            (Some(target_minutes), None, None, None)
                        }
                        ClockEvent::CalendarChanged { calendar_id } => {
                            (None, Some(calendar_id), None, None)
                        }
                        ClockEvent::Extended { minutes } => (None, None, Some(minutes), None),
                        ClockEvent::Warned { percent } => (None, None, None, Some(percent)),
                        _ => (None, None, None, None),
                    };
                    log.row(13);
                    log.i64(ticket);
                    log.text(s.kind.as_str());
                    log.i32(s.cycle);
                    log.text(event.kind());
                    log.ts(at);
                    log.opt_i32(target);
                    log.opt_i64(calendar_id);
                    log.opt_i32(minutes);
                    log.opt_i16(percent);
                    log.null();
                    log.opt_i64(actor);
                    log.i64(s.elapsed.num_seconds());
                    log.ts(at);
                    updated = Some(at);
                };
            // Alerts due before `until`, raised when they fell due.
            let alerts = |s: &mut ClockState, until: DateTime<Utc>, write: &mut LogWriter<'_>| {
                while let Some((due, alert)) = s.next_alert(&sla.percents, calendar) {
                    if due > until {
                        break;
                    }
                    let at = due.max(s.since);
                    let event = alert.event();
                    if s.apply(at, event, calendar).is_err() {
                        break;
                    }
                    write(s, event, at, None);
                }
            };
            for step in steps {
                if let Some(s) = state.as_mut() {
                    alerts(s, step.at, &mut write);
                }
                for event in clocks::plan(kind, state.as_ref(), desired, &step.change) {
                    let s = match (state.take(), event) {
                        (
                            None,
                            ClockEvent::Started {
                                target_minutes,
                                calendar_id,
                            },
                        ) => ClockState::start(kind, step.at, target_minutes, calendar_id),
                        (Some(mut s), event) => {
                            s.apply(step.at, event, calendar)
                                .expect("the planner's events always apply");
                            s
                        }
                        (None, _) => unreachable!("the planner starts a clock first"),
                    };
                    write(&s, event, step.at, step.actor);
                    state = Some(s);
                }
            }
            let Some(mut s) = state else { continue };
            alerts(&mut s, now, &mut write);
            let due_at = s.due_at(calendar);
            let next_alert_at = s.next_alert(&sla.percents, calendar).map(|(t, _)| t);
            if s.status == crate::domain::sla::ClockStatus::Running {
                earliest = match (earliest, due_at) {
                    (Some(a), Some(d)) => Some(a.min(d)),
                    (a, d) => a.or(d),
                };
            }
            let c = &mut b.clocks;
            c.row(18);
            c.i64(ticket);
            c.text(kind.as_str());
            c.i64(sla.policy_id);
            c.i64(s.calendar_id);
            c.text(s.status.as_str());
            c.i32(s.cycle);
            c.ts(s.started_at);
            c.i32(s.target_minutes);
            c.i32(s.extension_minutes);
            c.i64(s.elapsed.num_seconds());
            c.ts(s.since);
            c.opt_ts(due_at);
            c.opt_ts(s.met_at);
            c.opt_ts(s.breached_at);
            c.i16_array(&s.warned);
            c.opt_ts(next_alert_at);
            c.i64(s.paused.num_seconds());
            c.ts(updated.unwrap_or(s.since));
        }
        earliest
    }
}
