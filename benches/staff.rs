//! The staff benchmark: queues, the ticket page and search over a big
//! database. See BENCHMARKS.md, "Staff queues, ticket page and search".
//!
//! `cargo bench --bench staff` needs nothing running and downloads nothing:
//!
//! 1. starts a throwaway PostgreSQL cluster (fsync off), migrates it, seeds
//!    the demo council and fills it with `BENCH_TICKETS` tickets (default
//!    1,000,000) with the generator (`civicdesk::generate`), timing it;
//! 2. starts the real `civicdesk serve` on it, signs in a roads agent and the
//!    roads-and-parks supervisor, in the browser's way (form, CSRF, cookie)
//!    and the API's (Bearer token);
//! 3. measures, one request at a time, `BENCH_REQUESTS` requests (default
//!    300) of each: a queue page of 50 rows under several filters (first
//!    page, and a page ten pages in through the keyset cursor), the ticket
//!    page of random tickets, and searches (a reference, a citizen's name,
//!    words of descriptions), each as HTML and JSON. Server time is the
//!    `Server-Timing: app;dur=` header, client time the whole request;
//! 4. a baseline in the same run: the same queue's page fetched with
//!    OFFSET instead of the cursor, and its exact count instead of the
//!    capped one, timed inside the database.
//!
//! Targets (p95 server time: queue and ticket page ≤ 15 ms, search ≤ 50 ms)
//! are printed, never asserted.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context};
use civicdesk::embedded_pg::ClusterOptions;
use civicdesk::generate::{generate_parallel, GenerateOptions, BULK_THRESHOLD};
use diesel::sql_types::Text;
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use secrecy::ExposeSecret;

mod common;
use common::{throwaway_cluster, Scratch};

const TARGET_QUEUE_MS: f64 = 15.0;
const TARGET_TICKET_MS: f64 = 15.0;
const TARGET_SEARCH_MS: f64 = 50.0;

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
    let tickets: u64 = var("BENCH_TICKETS", 1_000_000)?;
    let requests: usize = var("BENCH_REQUESTS", 300)?;
    ensure!(tickets >= 1_000, "BENCH_TICKETS must be at least 1000");
    ensure!(requests >= 20, "BENCH_REQUESTS must be at least 20");

    let scratch = Scratch::new("civicdesk-bench-staff-")?;
    let agent_email = "roads.agent@demo-council.invalid";
    let supervisor_email = "roads.supervisor@demo-council.invalid";
    // The data: a database given as it is, or a throwaway cluster filled now.
    let existing = std::env::var("BENCH_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty());
    let mut _cluster = None;
    let (url, mut conn, passwords, load) = match existing {
        Some(url) => {
            let mut conn = PgConnection::establish(&url).context("connecting")?;
            // The two people sign in with passwords set for this run.
            let mut passwords = Vec::new();
            for email in [agent_email, supervisor_email] {
                let pw = civicdesk::auth::password::generate();
                let hash = civicdesk::auth::password::hash(&pw)
                    .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))?;
                let n = diesel::sql_query("UPDATE users SET password_hash = $1 WHERE email = $2")
                    .bind::<Text, _>(&hash)
                    .bind::<Text, _>(email)
                    .execute(&mut conn)?;
                ensure!(n == 1, "the database has no {email} (seed the demo first)");
                passwords.push((email.to_string(), pw.expose_secret().to_string()));
            }
            let counts = Load::Existing(Counts::read(&mut conn)?);
            (url, conn, passwords, counts)
        }
        None => {
            let cluster = throwaway_cluster(
                &scratch,
                ClusterOptions {
                    max_connections: 50,
                    ..ClusterOptions::default()
                },
            )?;
            let url = cluster.database_url();
            _cluster = Some(cluster);
            let mut conn = PgConnection::establish(&url).context("connecting")?;
            civicdesk::db::migrate(&mut conn)?;
            let tz = chrono_tz::Europe::London;
            let seeded =
                civicdesk::seed::seed_demo(&mut conn, tz, civicdesk::seed::current_year(tz))?;
            let passwords = seeded
                .logins
                .iter()
                .map(|l| (l.email.clone(), l.password.expose_secret().to_string()))
                .collect();
            let load = generate(&url, &mut conn, tickets)?;
            (url, conn, passwords, load)
        }
    };
    let password = |email: &str| -> anyhow::Result<String> {
        passwords
            .iter()
            .find(|(e, _)| e == email)
            .map(|(_, p)| p.clone())
            .with_context(|| format!("the demo has no {email}"))
    };
    let facts = Facts::read(&mut conn)?;

    // 2. The real server.
    eprintln!("starting `civicdesk serve`");
    let server = ServerProcess::spawn(&url, &scratch.0)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let base = server.url.clone();
    let (agent, supervisor) = runtime.block_on(async {
        anyhow::Ok((
            Person::sign_in(&base, agent_email, &password(agent_email)?).await?,
            Person::sign_in(&base, supervisor_email, &password(supervisor_email)?).await?,
        ))
    })?;

    // 3. The measures.
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let lists = list_queries(&facts);
    let mut results: Vec<Measure> = Vec::new();
    runtime.block_on(async {
        for api in [false, true] {
            let how = if api { "JSON" } else { "HTML" };
            // Queues: first pages.
            let mut first = Vec::new();
            let mut later = Vec::new();
            for (who, query) in &lists {
                let person = if *who == Who::Agent {
                    &agent
                } else {
                    &supervisor
                };
                first.push((person, query.clone()));
                // Ten pages in, through the cursor the API hands out.
                if let Some(cursor) = person.cursor_after(&base, query, 10).await? {
                    let sep = if query.is_empty() { "" } else { "&" };
                    later.push((person, format!("{query}{sep}cursor={cursor}")));
                }
            }
            let path = |q: &str| {
                if api {
                    format!("/api/v1/tickets?{q}")
                } else {
                    format!("/staff/queue?{q}")
                }
            };
            let first: Vec<_> = first.iter().map(|(p, q)| (*p, path(q))).collect();
            let later: Vec<_> = later.iter().map(|(p, q)| (*p, path(q))).collect();
            results.push(
                measure(
                    &base,
                    &format!("queue, first page ({how})"),
                    Kind::Queue,
                    api,
                    &first,
                    requests,
                    &mut rng,
                )
                .await?,
            );
            // A small database may have no list eleven pages long.
            if later.is_empty() {
                eprintln!(
                    "no list has 11 pages at this size: page 11 by cursor ({how}) not measured"
                );
            } else {
                results.push(
                    measure(
                        &base,
                        &format!("queue, page 11 by cursor ({how})"),
                        Kind::Queue,
                        api,
                        &later,
                        requests,
                        &mut rng,
                    )
                    .await?,
                );
            }
            // The ticket page.
            let tickets: Vec<_> = facts
                .supervisor_refs
                .iter()
                .map(|r| {
                    (
                        &supervisor,
                        if api {
                            format!("/api/v1/tickets/{r}")
                        } else {
                            format!("/staff/tickets/{r}")
                        },
                    )
                })
                .chain(facts.agent_refs.iter().map(|r| {
                    (
                        &agent,
                        if api {
                            format!("/api/v1/tickets/{r}")
                        } else {
                            format!("/staff/tickets/{r}")
                        },
                    )
                }))
                .collect();
            results.push(
                measure(
                    &base,
                    &format!("ticket page ({how})"),
                    Kind::Ticket,
                    api,
                    &tickets,
                    requests,
                    &mut rng,
                )
                .await?,
            );
            // Search.
            for (label, qs) in [
                ("a reference", &facts.search_refs),
                ("a citizen's name", &facts.search_names),
                ("words of descriptions", &facts.search_words),
            ] {
                let urls: Vec<_> = qs
                    .iter()
                    .flat_map(|q| {
                        let q = urlencode(q);
                        [
                            (&agent, path(&format!("q={q}"))),
                            (&supervisor, path(&format!("q={q}"))),
                        ]
                    })
                    .collect();
                results.push(
                    measure(
                        &base,
                        &format!("search, {label} ({how})"),
                        Kind::Search,
                        api,
                        &urls,
                        requests,
                        &mut rng,
                    )
                    .await?,
                );
            }
        }
        anyhow::Ok(())
    })?;
    server.stop()?;

    // 4. The baseline, in the database.
    let baseline = Baseline::measure(&mut conn, &facts)?;
    drop(conn);
    drop(_cluster);

    // The report.
    println!();
    load.print(requests, &facts.postgres);
    println!(
        "{:<44} {:>7} {:>7} {:>7} {:>9} {:>9}  target (p95 server)",
        "measure (server time = Server-Timing)", "p50", "p95", "max", "client p50", "client p95",
    );
    for m in &results {
        m.print();
    }
    println!();
    baseline.print();
    Ok(())
}

// ---------------------------------------------------------------------------
// The data

/// How the data came to be: generated in this run, or found as it is.
enum Load {
    Generated {
        report: civicdesk::generate::GenerateReport,
        /// Rows in, before the index build.
        rows: Duration,
        /// Rows, indexes and ANALYZE.
        all: Duration,
        vacuum: Duration,
        verify: String,
    },
    Existing(Counts),
}

/// What an existing database holds.
struct Counts {
    tickets: i64,
    events: i64,
    contacts: i64,
    clocks: i64,
}

impl Counts {
    fn read(conn: &mut PgConnection) -> anyhow::Result<Self> {
        let n = |conn: &mut PgConnection, table: &str| -> anyhow::Result<i64> {
            values(conn, &format!("SELECT count(*)::text AS v FROM {table}"))?
                .pop()
                .context("a count")?
                .parse()
                .context("a count")
        };
        Ok(Self {
            tickets: n(conn, "tickets")?,
            events: n(conn, "ticket_events")?,
            contacts: n(conn, "contacts")?,
            clocks: n(conn, "sla_clocks")?,
        })
    }
}

/// Fills the throwaway database with `tickets` tickets, timed.
fn generate(url: &str, conn: &mut PgConnection, tickets: u64) -> anyhow::Result<Load> {
    eprintln!("generating {tickets} tickets");
    let options = GenerateOptions {
        tickets,
        seed: 2026,
        batch: 20_000,
        until: chrono::Utc::now(),
        bulk_threshold: BULK_THRESHOLD,
    };
    let started = Instant::now();
    let mut rows = Duration::ZERO;
    let mut last_print = Instant::now();
    let loaders: usize = var("BENCH_LOADERS", 2)?;
    let report = generate_parallel(url, loaders, &options, |done| {
        if done == tickets {
            rows = started.elapsed();
        }
        if last_print.elapsed() > Duration::from_secs(5) || done == tickets {
            last_print = Instant::now();
            eprintln!(
                "  {done} tickets, {:.0}/s",
                done as f64 / started.elapsed().as_secs_f64()
            );
        }
    })?;
    let all = started.elapsed();
    let started = Instant::now();
    exec(conn, "VACUUM ANALYZE")?;
    let vacuum = started.elapsed();
    let verify = sla_verify(conn)?;
    Ok(Load::Generated {
        report,
        rows,
        all,
        vacuum,
        verify,
    })
}

impl Load {
    fn print(&self, requests: usize, postgres: &str) {
        let (tickets, events, contacts, clocks) = match self {
            Self::Generated { report, .. } => (
                report.tickets as i64,
                report.events as i64,
                report.contacts as i64,
                report.clocks as i64,
            ),
            Self::Existing(c) => (c.tickets, c.events, c.contacts, c.clocks),
        };
        println!();
        println!(
            "Staff benchmark: {tickets} tickets ({events} timeline events, {contacts} citizens, {clocks} SLA clocks), {requests} requests per measure"
        );
        println!(
            "  machine: {} cores; PostgreSQL {postgres}",
            std::thread::available_parallelism().map_or(0, |n| n.get()),
        );
        println!();
        match self {
            Self::Existing(_) => {
                println!("The data: an existing database (BENCH_DATABASE_URL), as it is.")
            }
            Self::Generated {
                report,
                rows,
                all,
                vacuum,
                verify,
            } => {
                println!("Generating the data:");
                println!(
                    "  rows: {:.1} s, {:.0} tickets/s (progress bar's rate; indexes not yet built)",
                    rows.as_secs_f64(),
                    report.tickets as f64 / rows.as_secs_f64()
                );
                println!(
                    "  with the index build ({:.1} s) and ANALYZE: {:.1} s, {:.0} tickets/s; rows frozen: {}",
                    report.index_build.as_secs_f64(),
                    all.as_secs_f64(),
                    report.tickets as f64 / all.as_secs_f64(),
                    report.frozen
                );
                println!("  VACUUM ANALYZE afterwards: {:.1} s", vacuum.as_secs_f64());
                println!("  civicdesk sla verify: {verify}");
            }
        }
        println!();
    }
}

// ---------------------------------------------------------------------------
// The people

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Agent,
    Supervisor,
}

/// A signed-in member of staff: a browser (cookies) and an API token.
struct Person {
    browser: reqwest::Client,
    api: reqwest::Client,
    token: String,
}

fn client(cookies: bool) -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .cookie_store(cookies)
        .redirect(reqwest::redirect::Policy::none())
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(60))
        .build()
        .context("building an HTTP client")
}

impl Person {
    async fn sign_in(base: &str, email: &str, password: &str) -> anyhow::Result<Self> {
        let browser = client(true)?;
        let html = browser
            .get(format!("{base}/staff/sign-in"))
            .send()
            .await?
            .text()
            .await?;
        let key = r#"name="csrf_token" value=""#;
        let start = html
            .find(key)
            .context("no CSRF field on the sign-in page")?
            + key.len();
        let csrf = &html[start..start + html[start..].find('"').context("a CSRF value")?];
        let res = browser
            .post(format!("{base}/staff/sign-in"))
            .form(&[
                ("email", email),
                ("password", password),
                ("csrf_token", csrf),
                ("next", "/staff"),
            ])
            .send()
            .await?;
        ensure!(
            res.status() == reqwest::StatusCode::SEE_OTHER,
            "signing {email} in answered {}",
            res.status()
        );
        let api = client(false)?;
        let res = api
            .post(format!("{base}/api/v1/auth/token"))
            .json(&serde_json::json!({ "email": email, "password": password }))
            .send()
            .await?;
        ensure!(
            res.status().is_success(),
            "a token for {email}: {}",
            res.status()
        );
        let body: serde_json::Value = res.json().await?;
        let token = body["access_token"]
            .as_str()
            .context("no access_token")?
            .to_string();
        Ok(Self {
            browser,
            api,
            token,
        })
    }

    fn get(&self, base: &str, path: &str, api: bool) -> reqwest::RequestBuilder {
        if api {
            self.api
                .get(format!("{base}{path}"))
                .bearer_auth(&self.token)
        } else {
            self.browser.get(format!("{base}{path}"))
        }
    }

    /// The cursor of page `pages + 1` of a list (following `next_cursor`).
    async fn cursor_after(
        &self,
        base: &str,
        query: &str,
        pages: usize,
    ) -> anyhow::Result<Option<String>> {
        let mut cursor: Option<String> = None;
        for _ in 0..pages {
            let mut q = query.to_string();
            if let Some(c) = &cursor {
                if !q.is_empty() {
                    q.push('&');
                }
                q.push_str("cursor=");
                q.push_str(c);
            }
            let res = self
                .get(base, &format!("/api/v1/tickets?{q}"), true)
                .send()
                .await?;
            ensure!(res.status().is_success(), "listing `{q}`: {}", res.status());
            let body: serde_json::Value = res.json().await?;
            match body["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => return Ok(None),
            }
        }
        Ok(cursor)
    }
}

/// The lists staff open most: each a query string and who opens it.
fn list_queries(f: &Facts) -> Vec<(Who, String)> {
    let mut out = vec![
        (Who::Supervisor, String::new()),
        (Who::Supervisor, "queue=unassigned".into()),
        (Who::Supervisor, "queue=overdue&sort=due".into()),
        (
            Who::Supervisor,
            "status=in_progress,assigned&priority=high".into(),
        ),
        (
            Who::Supervisor,
            "channel=phone&status=new,triaged,assigned,in_progress".into(),
        ),
        (Who::Agent, "queue=mine".into()),
        (Who::Agent, "queue=due_soon&sort=due".into()),
        (Who::Agent, "assignee=me&status=waiting_on_citizen".into()),
        (Who::Agent, "status=closed&sort=created".into()),
    ];
    if let Some(c) = f.categories.first() {
        out.push((
            Who::Supervisor,
            format!(
                "category={c}&created_from={}&created_to={}",
                f.month_ago, f.today
            ),
        ));
    }
    if let Some(a) = f.areas.first() {
        out.push((Who::Agent, format!("area={}", urlencode(a))));
    }
    out
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

// ---------------------------------------------------------------------------
// Measuring

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Queue,
    Ticket,
    Search,
}

struct Measure {
    name: String,
    kind: Kind,
    server: Vec<f64>,
    client: Vec<f64>,
    /// Server time per URL, to name the slowest.
    by_url: std::collections::HashMap<String, Vec<f64>>,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

impl Measure {
    fn print(&self) {
        let mut s = self.server.clone();
        s.sort_by(|a, b| a.total_cmp(b));
        let mut c = self.client.clone();
        c.sort_by(|a, b| a.total_cmp(b));
        let target = match self.kind {
            Kind::Queue => TARGET_QUEUE_MS,
            Kind::Ticket => TARGET_TICKET_MS,
            Kind::Search => TARGET_SEARCH_MS,
        };
        let p95 = percentile(&s, 0.95);
        println!(
            "{:<44} {:>5.2}ms {:>5.2}ms {:>5.1}ms {:>7.2}ms {:>7.2}ms  ≤ {target} ms: {}",
            self.name,
            percentile(&s, 0.5),
            p95,
            s[s.len() - 1],
            percentile(&c, 0.5),
            percentile(&c, 0.95),
            if p95 <= target { "met" } else { "NOT met" }
        );
        // The URLs behind a slow p95: the three with the slowest median.
        let mut urls: Vec<(f64, &String)> = self
            .by_url
            .iter()
            .map(|(u, v)| {
                let mut v = v.clone();
                v.sort_by(|a, b| a.total_cmp(b));
                (percentile(&v, 0.5), u)
            })
            .collect();
        urls.sort_by(|a, b| b.0.total_cmp(&a.0));
        if std::env::var_os("BENCH_SLOWEST").is_some() {
            for (ms, url) in urls.iter().take(3) {
                println!("    slowest: {ms:>7.2}ms  {url}");
            }
        }
    }
}

/// `requests` GETs, one at a time, spread over `urls` at random (after a
/// warm-up round of each).
async fn measure(
    base: &str,
    name: &str,
    kind: Kind,
    api: bool,
    urls: &[(&Person, String)],
    requests: usize,
    rng: &mut rand::rngs::StdRng,
) -> anyhow::Result<Measure> {
    ensure!(!urls.is_empty(), "{name}: nothing to request");
    eprintln!("measuring {name}");
    for (person, path) in urls.iter().take(50) {
        fetch(person, base, path, api).await?;
    }
    let mut server = Vec::with_capacity(requests);
    let mut client = Vec::with_capacity(requests);
    let mut by_url: std::collections::HashMap<String, Vec<f64>> = Default::default();
    for _ in 0..requests {
        let (person, path) = urls.choose(rng).expect("not empty");
        let (s, c) = fetch(person, base, path, api).await?;
        server.push(s);
        client.push(c);
        by_url.entry(path.clone()).or_default().push(s);
    }
    let m = Measure {
        name: name.to_string(),
        kind,
        server,
        client,
        by_url,
    };
    m.print(); // at once too, so an interrupted run still shows it
    Ok(m)
}

/// One GET: (server ms from Server-Timing, client ms).
async fn fetch(person: &Person, base: &str, path: &str, api: bool) -> anyhow::Result<(f64, f64)> {
    let started = Instant::now();
    let res = person.get(base, path, api).send().await?;
    let status = res.status();
    let timing = res
        .headers()
        .get("server-timing")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split("dur=").nth(1))
        .and_then(|v| v.split([',', ';']).next())
        .and_then(|v| v.trim().parse::<f64>().ok());
    let body = res.bytes().await?;
    let client = started.elapsed().as_secs_f64() * 1000.0;
    if !status.is_success() {
        bail!(
            "GET {path} answered {status}: {}",
            String::from_utf8_lossy(&body[..body.len().min(300)])
        );
    }
    let server = timing.with_context(|| format!("GET {path}: no Server-Timing header"))?;
    Ok((server, client))
}

// ---------------------------------------------------------------------------
// What the data holds

#[derive(QueryableByName)]
struct Value {
    #[diesel(sql_type = Text)]
    v: String,
}

fn values(conn: &mut PgConnection, sql: &str) -> anyhow::Result<Vec<String>> {
    Ok(diesel::sql_query(sql)
        .load::<Value>(conn)
        .with_context(|| sql.chars().take(120).collect::<String>())?
        .into_iter()
        .map(|v| v.v)
        .collect())
}

fn exec(conn: &mut PgConnection, sql: &str) -> anyhow::Result<()> {
    diesel::sql_query(sql)
        .execute(conn)
        .with_context(|| sql.chars().take(120).collect::<String>())?;
    Ok(())
}

struct Facts {
    postgres: String,
    supervisor_refs: Vec<String>,
    agent_refs: Vec<String>,
    search_refs: Vec<String>,
    search_names: Vec<String>,
    search_words: Vec<String>,
    categories: Vec<String>,
    areas: Vec<String>,
    today: String,
    month_ago: String,
    /// The supervisor's departments' ids, for the baseline's SQL.
    supervisor_departments: Vec<String>,
}

impl Facts {
    fn read(conn: &mut PgConnection) -> anyhow::Result<Self> {
        let in_deps = |slugs: &str| format!("SELECT id FROM departments WHERE slug IN ({slugs})");
        let refs = |slugs: &str, n: u32| {
            format!(
                "SELECT reference AS v FROM tickets TABLESAMPLE SYSTEM (1) \
                 WHERE department_id IN ({}) LIMIT {n}",
                in_deps(slugs)
            )
        };
        let today = chrono::Utc::now().date_naive();
        Ok(Self {
            postgres: values(conn, "SELECT current_setting('server_version') AS v")?
                .pop()
                .unwrap_or_default(),
            supervisor_refs: values(conn, &refs("'roads', 'parks'", 300))?,
            agent_refs: values(conn, &refs("'roads'", 300))?,
            search_refs: values(conn, &refs("'roads', 'parks'", 50))?,
            search_names: values(
                conn,
                "SELECT name AS v FROM contacts TABLESAMPLE SYSTEM (1) LIMIT 30",
            )?,
            search_words: vec![
                "pothole".into(),
                "broken street light".into(),
                "fly-tipping rubbish".into(),
                "drain flooding road".into(),
                "\"missed collection\"".into(),
                "graffiti wall".into(),
            ],
            categories: values(
                conn,
                "SELECT c.slug AS v FROM categories c JOIN departments d \
                 ON d.id = c.default_department_id WHERE d.slug = 'roads' ORDER BY c.id",
            )?,
            areas: values(
                conn,
                "SELECT code AS v FROM areas WHERE retired_at IS NULL ORDER BY code",
            )?,
            today: today.to_string(),
            month_ago: (today - chrono::Days::new(30)).to_string(),
            supervisor_departments: values(
                conn,
                "SELECT id::text AS v FROM departments WHERE slug IN ('roads', 'parks')",
            )?,
        })
    }
}

/// `civicdesk sla verify`'s check, in process: every clock agrees with its log.
fn sla_verify(conn: &mut PgConnection) -> anyhow::Result<String> {
    let calendars = civicdesk::sla::calendars::Calendars::load_all(conn)?;
    let ids: Vec<String> = values(
        conn,
        "SELECT DISTINCT ticket_id::text AS v FROM sla_clocks ORDER BY 1",
    )?;
    let mut bad = 0usize;
    for id in &ids {
        bad += civicdesk::sla::engine::verify_ticket(conn, id.parse()?, &calendars)?.len();
    }
    Ok(format!(
        "{} tickets' clocks replayed from their logs: {}",
        ids.len(),
        if bad == 0 {
            "all agree".to_string()
        } else {
            format!("{bad} DIFFER")
        }
    ))
}

// ---------------------------------------------------------------------------
// The baseline: what the queue costs the naive way, in the database

struct Baseline {
    rows: Vec<(String, f64, f64)>,
    plans: Vec<(String, String)>,
}

fn execution_ms(conn: &mut PgConnection, sql: &str) -> anyhow::Result<(f64, String)> {
    #[derive(QueryableByName)]
    struct Line {
        #[diesel(sql_type = Text)]
        #[diesel(column_name = "QUERY PLAN")]
        line: String,
    }
    let lines: Vec<Line> = diesel::sql_query(format!("EXPLAIN (ANALYZE, BUFFERS) {sql}"))
        .load(conn)
        .with_context(|| sql.chars().take(160).collect::<String>())?;
    let ms = lines
        .iter()
        .find_map(|l| {
            l.line
                .strip_prefix("Execution Time: ")
                .and_then(|s| s.trim_end_matches(" ms").parse::<f64>().ok())
        })
        .context("no execution time")?;
    Ok((
        ms,
        lines
            .iter()
            .map(|l| l.line.as_str())
            .collect::<Vec<_>>()
            .join("\n    "),
    ))
}

fn median_ms(conn: &mut PgConnection, sql: &str) -> anyhow::Result<(f64, String)> {
    let mut v = Vec::new();
    let mut plan = String::new();
    for _ in 0..15 {
        let (ms, p) = execution_ms(conn, sql)?;
        v.push(ms);
        plan = p;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    Ok((v[v.len() / 2], plan))
}

impl Baseline {
    fn measure(conn: &mut PgConnection, f: &Facts) -> anyhow::Result<Self> {
        let deps = f.supervisor_departments.join(", ");
        let scope = format!("(department_id IN ({deps}) OR assignee_id = 0)");
        let cols = "id, reference, subject, status, priority, kind, channel, category_id, \
                    department_id, assignee_id, created_at, updated_at, awaiting_staff_since, sla_due_at";
        // Page 101 of the supervisor's whole list: the cursor is the 5,000th
        // row (or, in a smaller database, the middle one).
        let rows: Vec<String> = values(
            conn,
            &format!(
                "SELECT count(*)::text AS v FROM (SELECT 1 FROM tickets WHERE {scope} LIMIT 5000) AS r"
            ),
        )?;
        let rows: i64 = rows.first().and_then(|v| v.parse().ok()).unwrap_or(0);
        let depth = if rows >= 5000 { 5000 } else { rows / 2 };
        ensure!(
            depth >= 1,
            "too few tickets in the supervisor's scope for the baseline"
        );
        let cursor: Vec<String> = values(
            conn,
            &format!(
                "SELECT updated_at::text || '|' || id::text AS v FROM tickets WHERE {scope} \
                 ORDER BY updated_at DESC, id DESC OFFSET {} LIMIT 1",
                depth - 1
            ),
        )?;
        let (t, id) = cursor
            .first()
            .and_then(|c| c.split_once('|'))
            .context("too few tickets for the baseline")?;
        let keyset = format!(
            "SELECT {cols} FROM tickets WHERE {scope} AND (updated_at, id) < ('{t}', {id}) \
             ORDER BY updated_at DESC, id DESC LIMIT 51"
        );
        let offset = format!(
            "SELECT {cols} FROM tickets WHERE {scope} ORDER BY updated_at DESC, id DESC OFFSET {depth} LIMIT 51"
        );
        let exact = format!("SELECT count(*) FROM tickets WHERE {scope}");
        let capped = format!(
            "SELECT count(*) FROM (SELECT 1 FROM tickets WHERE {scope} LIMIT {}) AS capped",
            civicdesk::staff::queues::COUNT_CAP + 1
        );
        let (k, kp) = median_ms(conn, &keyset)?;
        let (o, op) = median_ms(conn, &offset)?;
        let (c, cp) = median_ms(conn, &capped)?;
        let (e, ep) = median_ms(conn, &exact)?;
        Ok(Self {
            rows: vec![
                (
                    format!(
                        "page {} (rows {depth}+): keyset cursor vs OFFSET {depth}",
                        depth / 50 + 1
                    ),
                    k,
                    o,
                ),
                ("count of the whole list: capped vs exact".to_string(), c, e),
            ],
            plans: vec![
                ("keyset page".into(), kp),
                ("OFFSET page".into(), op),
                ("capped count".into(), cp),
                ("exact count".into(), ep),
            ],
        })
    }

    fn print(&self) {
        println!("Baseline, in the database (median of 15 EXPLAIN ANALYZE executions, supervisor's scope):");
        for (name, ours, naive) in &self.rows {
            println!(
                "  {name}: {ours:.2} ms vs {naive:.2} ms ({:.0}x)",
                naive / ours.max(0.001)
            );
        }
        if std::env::var_os("BENCH_PLANS").is_some() {
            for (name, plan) in &self.plans {
                println!("  plan, {name}:\n    {plan}");
            }
        }
    }
}

// ---------------------------------------------------------------------------
// The server process

struct ServerProcess {
    child: Option<Child>,
    pid: i32,
    url: String,
}

impl ServerProcess {
    /// `civicdesk serve` as production runs it (JSON logs to a file), on the
    /// throwaway database, with the background workers off (the SLA worker
    /// would only find nothing due).
    fn spawn(db_url: &str, scratch: &Path) -> anyhow::Result<Self> {
        let data_dir = scratch.join("server");
        fs::create_dir_all(&data_dir)?;
        let log_path = scratch.join("server.log");
        let log = fs::File::create(&log_path)?;
        let jwt_secret = format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        let binary = std::env::var_os("BENCH_SERVER_BIN")
            .filter(|b| !b.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_civicdesk")));
        let mut cmd = Command::new(&binary);
        for (key, _) in std::env::vars_os() {
            let key_text = key.to_string_lossy();
            let other = key_text.starts_with("CIVICDESK") && !key_text.starts_with("CIVICDESK__");
            if other || key_text == "RUST_LOG" || key_text == "DATABASE_URL" {
                cmd.env_remove(&key);
            }
        }
        cmd.arg("serve")
            .arg("--bind")
            .arg("127.0.0.1:0")
            .arg("--data-dir")
            .arg(&data_dir)
            .current_dir(scratch)
            .env("CIVICDESK_ENV", "production")
            .env(
                "CIVICDESK_CONFIG_DIR",
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config"),
            )
            .env("DATABASE_URL", db_url)
            .env("CIVICDESK__SECURITY__JWT_SECRET", jwt_secret)
            .env("CIVICDESK__SMTP__HOST", "127.0.0.1")
            .env("CIVICDESK__SMTP__PORT", "9")
            .env("CIVICDESK__SMTP__TLS", "none")
            .env("CIVICDESK__JOBS__ENABLED", "false")
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log);
        let child = cmd
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        let pid = child.id() as i32;
        let mut server = Self {
            child: Some(child),
            pid,
            url: String::new(),
        };
        let started = Instant::now();
        loop {
            let text = fs::read_to_string(&log_path).unwrap_or_default();
            if let Some(url) = text.lines().find_map(|l| {
                l.split_once("CivicDesk is running at ")
                    .map(|(_, rest)| rest.split_whitespace().next().unwrap_or("").to_string())
            }) {
                ensure!(
                    url.starts_with("http://127.0.0.1:"),
                    "unexpected server URL `{url}`"
                );
                server.url = url;
                return Ok(server);
            }
            let child = server.child.as_mut().expect("running");
            if let Some(status) = child.try_wait()? {
                bail!("`civicdesk serve` exited ({status}) before listening:\n{text}");
            }
            if started.elapsed() > Duration::from_secs(120) {
                bail!("`civicdesk serve` did not start within 120 s:\n{text}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn stop(mut self) -> anyhow::Result<()> {
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(self.pid),
            nix::sys::signal::Signal::SIGTERM,
        )?;
        for _ in 0..600 {
            let child = self.child.as_mut().expect("running");
            if child.try_wait()?.is_some() {
                self.child = None;
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        bail!("`civicdesk serve` did not stop within 30 s of SIGTERM")
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

// ---------------------------------------------------------------------------
// Scratch space and clean-up
