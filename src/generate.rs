//! Synthetic data for benchmarks and demos: `civicdesk generate --tickets N`.
//!
//! Realistic spread: tickets over the demo council's departments and
//! categories, every channel, every status (mostly closed for old tickets,
//! mostly open for recent ones), two years of dates, citizens with several
//! requests each, timelines of several events, and department holdings. Rows
//! go in with PostgreSQL's COPY in batches, each batch one transaction.

use std::fmt::Write as _;

use anyhow::{bail, Context};
use chrono::{DateTime, Datelike, Duration, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::schema::{
    categories, contacts, departments, ticket_events, ticket_holdings, tickets, user_departments,
    users,
};

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
}

struct Catalogue {
    /// (category id, department id, priority, kinds)
    categories: Vec<(i64, i64, String, Vec<String>)>,
    /// Staff ids by department.
    staff: Vec<(i64, Vec<i64>)>,
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

/// Feeds COPY; diesel wants its own error type back.
fn copy_bytes(w: &mut dyn std::io::Write, bytes: &[u8]) -> Result<(), diesel::result::Error> {
    w.write_all(bytes)
        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))
}

/// Escapes a value for COPY's text format.
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out
}

fn ts(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S%.6f+00").to_string()
}

fn load_catalogue(conn: &mut PgConnection) -> anyhow::Result<Catalogue> {
    let categories: Vec<(i64, i64, String, Vec<Option<String>>)> = categories::table
        .filter(categories::active.eq(true))
        .select((
            categories::id,
            categories::default_department_id,
            categories::default_priority,
            categories::kinds,
        ))
        .load(conn)?;
    if categories.is_empty() {
        bail!("there is no service catalogue: run `civicdesk seed-demo` first");
    }
    let memberships: Vec<(i64, i64)> = user_departments::table
        .inner_join(users::table)
        .filter(users::active.eq(true))
        .select((user_departments::department_id, user_departments::user_id))
        .load(conn)?;
    let department_ids: Vec<i64> = departments::table.select(departments::id).load(conn)?;
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
    Ok(Catalogue {
        categories: categories
            .into_iter()
            .map(|(id, dep, pr, kinds)| (id, dep, pr, kinds.into_iter().flatten().collect()))
            .collect(),
        staff,
    })
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
        let mut rng = StdRng::seed_from_u64(options.seed);
        let mut report = GenerateReport::default();
        let span = Duration::days(730);
        let start_time = options.until - span;
        let mut done = 0u64;
        // Tickets are generated oldest first, so references grow with time.
        while done < options.tickets {
            let n = options.batch.min(options.tickets - done);
            let batch = generate_batch(
                conn, &catalogue, &mut rng, options, start_time, span, done, n,
            )?;
            report.tickets += batch.tickets;
            report.events += batch.events;
            report.contacts += batch.contacts;
            done += n;
            progress(done);
        }
        if bulk {
            diesel::sql_query("SET LOCAL maintenance_work_mem = '512MB'").execute(conn)?;
            diesel::sql_query("SET LOCAL session_replication_role = origin").execute(conn)?;
            for definition in dropped {
                diesel::sql_query(definition).execute(conn)?;
            }
        }
        Ok(report)
    })?;
    diesel::sql_query("ANALYZE tickets, ticket_events, contacts, ticket_holdings").execute(conn)?;
    Ok(report)
}

/// From this many tickets on, indexes are rebuilt after the load rather than
/// kept up to date row by row.
pub const BULK_THRESHOLD: u64 = 50_000;

/// Drops the non-unique indexes of the loaded tables; returns their definitions.
fn drop_secondary_indexes(conn: &mut PgConnection) -> anyhow::Result<Vec<String>> {
    #[derive(QueryableByName)]
    struct Index {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        definition: String,
    }
    let indexes: Vec<Index> = diesel::sql_query(
        "SELECT c.relname::text AS name, pg_get_indexdef(i.indexrelid) AS definition \
         FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
         JOIN pg_class t ON t.oid = i.indrelid \
         WHERE t.relname IN ('tickets', 'ticket_events', 'contacts', 'ticket_holdings') \
           AND NOT i.indisunique AND NOT i.indisprimary \
           AND t.relnamespace = 'public'::regnamespace",
    )
    .load(conn)?;
    for index in &indexes {
        diesel::sql_query(format!("DROP INDEX \"{}\"", index.name.replace('"', "")))
            .execute(conn)?;
    }
    Ok(indexes.into_iter().map(|i| i.definition).collect())
}

#[allow(clippy::too_many_arguments)]
fn generate_batch(
    conn: &mut PgConnection,
    catalogue: &Catalogue,
    rng: &mut StdRng,
    options: &GenerateOptions,
    start_time: DateTime<Utc>,
    span: Duration,
    offset: u64,
    n: u64,
) -> anyhow::Result<GenerateReport> {
    conn.transaction(|conn| {
        let n_i = n as i64;
        // About three requests per citizen.
        let n_contacts = (n_i / 3).max(1);
        let contact_start = reserve_ids(conn, "contacts_id_seq", n_contacts)?;
        let ticket_start = reserve_ids(conn, "tickets_id_seq", n_i)?;
        // Unique per run, unlike the rest: emails and token hashes must never
        // collide with an earlier run's.
        let salt: u64 = rand::random();

        // Times for this batch, in order.
        let mut times: Vec<DateTime<Utc>> = (0..n)
            .map(|i| {
                let frac = (offset + i) as f64 / options.tickets as f64;
                start_time + Duration::seconds((span.num_seconds() as f64 * frac) as i64) + Duration::seconds(rng.gen_range(0..600))
            })
            .collect();
        times.sort();
        // Reference numbers per year, reserved in blocks.
        let mut refs: Vec<String> = Vec::with_capacity(n as usize);
        let mut i = 0usize;
        while i < times.len() {
            let year = times[i].year();
            let j = times[i..].iter().position(|t| t.year() != year).map_or(times.len(), |p| i + p);
            let first = reserve_references(conn, year, (j - i) as i64)?;
            for k in 0..(j - i) {
                refs.push(crate::domain::reference::format_reference(year, first + k as i64));
            }
            i = j;
        }

        let mut contact_rows = String::with_capacity(n_contacts as usize * 80);
        for c in 0..n_contacts {
            let id = contact_start + c;
            let name = format!("{} {}", pick(rng, FIRST), pick(rng, LAST));
            let email = format!("citizen{id}.{salt:x}@example.org");
            let phone = format!("07{:09}", rng.gen_range(0..1_000_000_000u64));
            let locale = if rng.gen_ratio(1, 10) { "fa" } else { "en" };
            writeln!(contact_rows, "{id}\t{}\t{email}\t{phone}\t{locale}\t{t}\t{t}", text(&name), t = ts(start_time))?;
        }

        let mut ticket_rows = String::with_capacity(n as usize * 400);
        let mut event_rows = String::with_capacity(n as usize * 600);
        let mut holding_rows = String::with_capacity(n as usize * 80);
        let now = options.until;
        let mut events = 0u64;
        for k in 0..n as usize {
            let id = ticket_start + k as i64;
            let created = times[k];
            let (category, department, priority, kinds) = &catalogue.categories[rng.gen_range(0..catalogue.categories.len())];
            let kind = kinds.get(rng.gen_range(0..kinds.len().max(1))).map_or("service_request", String::as_str);
            let channel = weighted(rng, &CHANNELS);
            let contact = contact_start + rng.gen_range(0..n_contacts);
            let age_days = (now - created).num_days();
            // Older tickets are mostly finished.
            let status = if age_days > 60 {
                weighted(rng, &[("closed", 80), ("resolved", 15), ("in_progress", 3), ("waiting_on_citizen", 2)])
            } else if age_days > 7 {
                weighted(rng, &[("closed", 40), ("resolved", 25), ("in_progress", 20), ("waiting_on_citizen", 8), ("assigned", 5), ("reopened", 2)])
            } else {
                weighted(rng, &[("new", 30), ("triaged", 10), ("assigned", 20), ("in_progress", 25), ("waiting_on_citizen", 10), ("resolved", 5)])
            };
            let staff_here = catalogue.staff.iter().find(|(d, _)| d == department).map(|(_, s)| s.as_slice()).unwrap_or(&[]);
            let assignee = (status != "new" && !staff_here.is_empty()).then(|| staff_here[rng.gen_range(0..staff_here.len())]);
            let subject = format!("{} {} {}", pick(rng, WORDS), pick(rng, WORDS), pick(rng, WORDS));
            let description = (0..rng.gen_range(8..30)).map(|_| pick(rng, WORDS)).collect::<Vec<_>>().join(" ");
            let resolved_at = matches!(status, "resolved" | "closed").then(|| created + Duration::minutes(rng.gen_range(30..60 * 24 * 20)).min(now - created));
            let closed_at = (status == "closed").then(|| resolved_at.unwrap_or(created) + Duration::minutes(rng.gen_range(1..60 * 24 * 7)));
            let resolution = (status == "closed").then(|| weighted(rng, &[("fixed", 60), ("answered", 25), ("duplicate", 5), ("referred", 4), ("withdrawn", 3), ("no_action", 3)]));
            let updated = closed_at.or(resolved_at).unwrap_or(created + Duration::minutes(rng.gen_range(0..600))).min(now);
            let mut hash = [0u8; 32];
            rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut hash);
            let (lat, lon) = if rng.gen_ratio(2, 3) {
                (format!("{:.6}", 51.45 + rng.gen::<f64>() * 0.1), format!("{:.6}", -0.2 + rng.gen::<f64>() * 0.2))
            } else {
                ("\\N".to_string(), "\\N".to_string())
            };
            let nul = |o: Option<String>| o.unwrap_or_else(|| "\\N".into());
            let addr = format!("{} {} Road", rng.gen_range(1..300), pick(rng, LAST));
            writeln!(
                ticket_rows,
                "{id}\t{r}\t\\\\x{h}\t{kind}\t{category}\t{department}\t{status}\t{priority}\t{channel}\t{s}\t{d}\t{addr}\t{lat}\t{lon}\t{{}}\t{contact}\ten\t{a}\t{rc}\t{ra}\t{ca}\t{v}\t{c}\t{u}",
                r = refs[k],
                h = hex::encode(hash),
                s = text(&subject),
                d = text(&description),
                a = nul(assignee.map(|a| a.to_string())),
                rc = nul(resolution.map(str::to_string)),
                ra = nul(resolved_at.map(ts)),
                ca = nul(closed_at.map(ts)),
                v = rng.gen_range(1..8),
                c = ts(created),
                u = ts(updated),
            )?;
            writeln!(holding_rows, "{id}\t{department}\t{}\t{}", ts(created), nul(closed_at.map(ts)))?;
            // The timeline.
            let mut at = created;
            let mut push = |kind: &str, actor: &str, user: Option<i64>, body: &str, public: bool, at: DateTime<Utc>| -> std::fmt::Result {
                events += 1;
                writeln!(
                    event_rows,
                    "{id}\t{kind}\t{actor}\t{}\t{}\t{}\t{{}}\t{public}\t{}",
                    nul(user.map(|u| u.to_string())),
                    if actor == "citizen" { contact.to_string() } else { "\\N".into() },
                    text(body),
                    ts(at)
                )
            };
            push("submitted", "citizen", None, "", true, at)?;
            if let Some(a) = assignee {
                at += Duration::minutes(rng.gen_range(5..600));
                push("assigned", "staff", Some(a), "", false, at.min(updated))?;
                at += Duration::minutes(rng.gen_range(5..600));
                push("public_reply", "staff", Some(a), "Thank you, we are looking into this.", true, at.min(updated))?;
                if rng.gen_ratio(1, 2) {
                    push("note", "staff", Some(a), "Checked on site.", false, at.min(updated))?;
                }
                if let Some(r) = resolved_at {
                    push("status_changed", "staff", Some(a), "", true, r)?;
                }
            }
        }

        diesel::copy_from(contacts::table)
            .from_raw_data(
                (contacts::id, contacts::name, contacts::email, contacts::phone, contacts::locale, contacts::created_at, contacts::updated_at),
                |w| copy_bytes(w, contact_rows.as_bytes()),
            )
            .execute(conn)
            .context("copying contacts")?;
        diesel::copy_from(tickets::table)
            .from_raw_data(
                (
                    tickets::id, tickets::reference, tickets::tracking_token_hash, tickets::kind, tickets::category_id,
                    tickets::department_id, tickets::status, tickets::priority, tickets::channel, tickets::subject,
                    tickets::description, tickets::address, tickets::latitude, tickets::longitude, tickets::extra_fields,
                    tickets::contact_id, tickets::locale, tickets::assignee_id, tickets::resolution_code,
                    tickets::resolved_at, tickets::closed_at, tickets::version, tickets::created_at, tickets::updated_at,
                ),
                |w| copy_bytes(w, ticket_rows.as_bytes()),
            )
            .execute(conn)
            .context("copying tickets")?;
        diesel::copy_from(ticket_holdings::table)
            .from_raw_data(
                (ticket_holdings::ticket_id, ticket_holdings::department_id, ticket_holdings::started_at, ticket_holdings::ended_at),
                |w| copy_bytes(w, holding_rows.as_bytes()),
            )
            .execute(conn)
            .context("copying holdings")?;
        diesel::copy_from(ticket_events::table)
            .from_raw_data(
                (
                    ticket_events::ticket_id, ticket_events::kind, ticket_events::actor_kind, ticket_events::actor_user_id,
                    ticket_events::actor_contact_id, ticket_events::body, ticket_events::data, ticket_events::public,
                    ticket_events::created_at,
                ),
                |w| copy_bytes(w, event_rows.as_bytes()),
            )
            .execute(conn)
            .context("copying events")?;
        Ok(GenerateReport {
            tickets: n,
            events,
            contacts: n_contacts as u64,
        })
    })
}
