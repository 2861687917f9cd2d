//! The submission benchmark: how many citizen requests per second CivicDesk
//! takes over its JSON API, how that compares with the database work alone,
//! what latency a citizen sees at half that rate, and how much memory the
//! server uses. See BENCHMARKS.md for how to read the figures.
//!
//! `cargo bench --bench submit` needs nothing running and downloads nothing:
//!
//! 1. starts a throwaway PostgreSQL cluster (fsync off) in a temporary folder,
//!    migrates it and seeds the demo council;
//! 2. **ceiling**: N threads, each with its own connection, run exactly what
//!    the API handler's transaction runs (`requests::submit::submit` with a
//!    parsed `NewTicket` and the real confirmation-email closure), for a
//!    fixed time;
//! 3. spawns the real `civicdesk serve` binary (production settings, JSON
//!    logs, mail worker off, SMTP pointing at a closed port) against that
//!    database on 127.0.0.1, port 0;
//! 4. **HTTP maximum**: N keep-alive clients POST valid requests to
//!    `/api/v1/requests` in a closed loop for a fixed time;
//! 5. **latency**: an open loop at half the measured maximum (requests go
//!    out on schedule whatever the answers do); the server round trip is
//!    timed from when the client starts sending, and also reported from the
//!    scheduled time, which adds the client's own lateness;
//! 6. **memory**: the server's VmRSS, sampled during the load, and VmHWM.
//!
//! Parameters (environment variables):
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `BENCH_CLIENTS` | `16` | concurrency N: ceiling threads and HTTP clients |
//! | `BENCH_SECONDS` | `15` | measured seconds of each of the three phases |
//! | `BENCH_WARMUP_SECONDS` | `3` | unmeasured seconds before each phase |
//! | `BENCH_RATE` | half the HTTP maximum | the open loop's arrival rate (requests/s) |
//! | `BENCH_SERVER_BIN` | this build's `civicdesk` | another build of the server, to compare two versions |
//!
//! `CIVICDESK__SECTION__KEY` variables are passed to the server, e.g.
//! `CIVICDESK__DATABASE__POOL_SIZE=8` to try another pool size; the ones the
//! benchmark needs (database, mail, limits, jobs) are always its own.
//!
//! Each HTTP client connects from its own loopback address (127.0.0.2, .3, …)
//! so the per-address submission limit sees N citizens, as it would in
//! production, instead of one very busy one. All traffic goes to 127.0.0.1.
//!
//! Targets (HTTP ≥ 60 % of the ceiling, p99 ≤ 25 ms at half rate, RSS ≤ 150 MB)
//! are reported, not asserted: the exit status is non-zero only when the
//! benchmark itself fails (setup, or requests that did not succeed).

use std::collections::BTreeMap;
use std::fs;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context};
use chrono::Utc;
use civicdesk::configuration::{Environment, Overrides, Settings};
use civicdesk::domain::new_ticket::{NewTicket, SubmissionInput};
use civicdesk::domain::ticket::Channel;
use civicdesk::email::EmailTemplates;
use civicdesk::embedded_pg::{ClusterOptions, PgBinaries};
use civicdesk::requests::{self, notify, submit, SubmissionTarget};
use diesel::{Connection, PgConnection, RunQueryDsl};

mod common;
use common::{throwaway_cluster, Scratch};

const CATEGORY: &str = "pothole";
const TARGET_RATIO: f64 = 0.60;
const TARGET_P99_MS: f64 = 25.0;
const TARGET_RSS_MB: f64 = 150.0;

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("benchmark failed: some requests did not succeed (see above)");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("benchmark failed: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// What the run is asked to do.
#[derive(Debug, Clone)]
struct Params {
    clients: usize,
    measure: Duration,
    warmup: Duration,
    rate: Option<f64>,
}

impl Params {
    fn from_env() -> anyhow::Result<Self> {
        fn var<T: std::str::FromStr>(name: &str, default: T) -> anyhow::Result<T> {
            match std::env::var(name) {
                Ok(v) if !v.trim().is_empty() => v
                    .trim()
                    .parse()
                    .map_err(|_| anyhow::anyhow!("{name}=`{v}` is not a valid number")),
                _ => Ok(default),
            }
        }
        let clients: usize = var("BENCH_CLIENTS", 16)?;
        let seconds: f64 = var("BENCH_SECONDS", 15.0)?;
        let warmup: f64 = var("BENCH_WARMUP_SECONDS", 3.0)?;
        let rate: f64 = var("BENCH_RATE", 0.0)?;
        ensure!(
            (1..=1000).contains(&clients),
            "BENCH_CLIENTS must be 1 to 1000"
        );
        ensure!(
            (1.0..=3600.0).contains(&seconds),
            "BENCH_SECONDS must be 1 to 3600"
        );
        ensure!(
            (0.0..=600.0).contains(&warmup),
            "BENCH_WARMUP_SECONDS must be 0 to 600"
        );
        ensure!(
            (0.0..=100_000.0).contains(&rate),
            "BENCH_RATE must be 0 (automatic) to 100000"
        );
        Ok(Self {
            clients,
            measure: Duration::from_secs_f64(seconds),
            warmup: Duration::from_secs_f64(warmup),
            rate: (rate > 0.0).then_some(rate),
        })
    }
}

fn run() -> anyhow::Result<bool> {
    let params = Params::from_env()?;
    let machine = Machine::describe();
    eprintln!(
        "submission benchmark: {} clients, {:.0} s per phase (+{:.0} s warm-up)",
        params.clients,
        params.measure.as_secs_f64(),
        params.warmup.as_secs_f64()
    );

    // The database: a throwaway cluster, removed when `scratch` is dropped
    // (after the cluster, declared later, has been stopped).
    let scratch = Scratch::new("civicdesk-bench-")?;
    let cluster = throwaway_cluster(
        &scratch,
        ClusterOptions {
            max_connections: (params.clients as u32 + 50).max(100),
            ..ClusterOptions::default()
        },
    )?;
    let db_url = cluster.database_url();
    let postmaster = cluster
        .postmaster_pid()
        .context("the cluster's postmaster is not running")?;
    {
        let mut conn = PgConnection::establish(&db_url).context("connecting")?;
        civicdesk::db::migrate(&mut conn)?;
        let tz = chrono_tz::Europe::London;
        civicdesk::seed::seed_demo(&mut conn, tz, civicdesk::seed::current_year(tz))
            .context("seeding the demo council")?;
    }

    // 1. The ceiling: the handler's database work, with no HTTP in front.
    eprintln!(
        "ceiling: the submit transaction from {} threads",
        params.clients
    );
    let ctx = SubmitContext::load(&db_url, &scratch.path().join("ceiling"))?;
    let cpu0 = CpuSnapshot::take(None, postmaster);
    let ceiling = run_ceiling(&db_url, &ctx, &params)?;
    let ceiling_cpu = CpuSnapshot::take(None, postmaster).since(&cpu0);

    // 2. The real server, in its own process.
    eprintln!("starting `civicdesk serve`");
    let server = ServerProcess::spawn(&db_url, scratch.path())?;
    let rss_idle = server.memory()?;
    let mut sampler = RssSampler::start(server.pid);

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("building the client runtime")?;
    let clients = http_clients(params.clients)?;
    let base = server.url.clone();
    runtime.block_on(smoke_test(&clients[0], &base))?;

    eprintln!("HTTP maximum: {} clients in a closed loop", params.clients);
    let cpu0 = CpuSnapshot::take(Some(server.pid), postmaster);
    let closed = runtime.block_on(closed_loop(&clients, &base, &params));
    let closed_cpu = CpuSnapshot::take(Some(server.pid), postmaster).since(&cpu0);
    let rss_closed = sampler.take_peak();

    let rate = params.rate.unwrap_or(closed.throughput() / 2.0).max(1.0);
    eprintln!("latency: open loop at {rate:.0} requests/s");
    let cpu0 = CpuSnapshot::take(Some(server.pid), postmaster);
    let open = runtime.block_on(open_loop(&clients, &base, rate, &params));
    let open_cpu = CpuSnapshot::take(Some(server.pid), postmaster).since(&cpu0);
    let rss_open = sampler.take_peak();
    sampler.stop();
    std::thread::sleep(Duration::from_secs(1));
    let after = server.memory()?;

    let checks = DatabaseChecks::read(&db_url)?;
    server.stop()?;
    drop(cluster);
    drop(scratch);

    let report = Report {
        params,
        machine,
        ceiling,
        ceiling_cpu,
        closed,
        closed_cpu,
        rate,
        open,
        open_cpu,
        rss_idle,
        rss_load_kib: rss_closed.0.max(rss_open.0),
        threads_load: rss_closed.1.max(rss_open.1),
        after,
        checks,
    };
    report.print();
    Ok(report.succeeded())
}

// ---------------------------------------------------------------------------
// The machine

struct Machine {
    cores: String,
    cpu: String,
    ram: String,
    postgres: String,
    kernel: String,
}

impl Machine {
    fn describe() -> Self {
        let command = |program: &Path, args: &[&str]| {
            Command::new(program)
                .args(args)
                .output()
                .ok()
                .filter(|o| o.status.success())
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        };
        let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name"))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_else(|| "unknown".into());
        let meminfo = fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let ram = meminfo
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map(|kib| format!("{:.1} GiB", kib / 1024.0 / 1024.0))
            .unwrap_or_else(|| "unknown".into());
        let postgres = PgBinaries::locate()
            .ok()
            .and_then(|b| command(&b.bindir().join("postgres"), &["--version"]))
            .unwrap_or_else(|| "unknown".into());
        Self {
            cores: command(Path::new("nproc"), &[]).unwrap_or_else(|| "unknown".into()),
            cpu,
            ram,
            postgres,
            kernel: command(Path::new("uname"), &["-sr"]).unwrap_or_else(|| "unknown".into()),
        }
    }
}

// ---------------------------------------------------------------------------
// Scratch space and clean-up

// ---------------------------------------------------------------------------
// What is submitted

/// The `n`-th submission: a pothole report from one of 5,000 citizens (so the
/// contact upsert both inserts and finds), as the API receives it.
fn request_json(n: u64) -> serde_json::Value {
    let citizen = n % 5000;
    let size = ["small", "medium", "large"][(n % 3) as usize];
    serde_json::json!({
        "category": CATEGORY,
        "kind": "service_request",
        "subject": format!("Pothole outside number {}", n % 200 + 1),
        "description": "A deep pothole has opened in the left-hand lane, just past the bus stop. \
            Cyclists are swerving into traffic to avoid it and it has filled with water, so it \
            is hard to see after dark. It has been getting bigger for about two weeks.",
        "name": format!("Citizen {citizen}"),
        "email": format!("citizen{citizen}@example.org"),
        "address": format!("{} High Street, Demo Borough", n % 200 + 1),
        "latitude": 51.5072 + (n % 100) as f64 * 0.0001,
        "longitude": -0.1276 - (n % 100) as f64 * 0.0001,
        "locale": "en",
        "privacy_consent": true,
        "extra_fields": { "size": size, "depth_cm": 5 + n % 20 },
    })
}

/// The same submission as the handler hands it to `NewTicket::parse`.
fn submission_input(n: u64) -> SubmissionInput {
    let v = request_json(n);
    let text = |k: &str| v[k].as_str().unwrap_or_default().to_string();
    let number = |k: &str| v[k].as_f64().map(|x| x.to_string()).unwrap_or_default();
    let extra = v["extra_fields"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    let s = match v {
                        serde_json::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    (k.clone(), vec![s])
                })
                .collect::<BTreeMap<_, _>>()
        })
        .unwrap_or_default();
    SubmissionInput {
        kind: text("kind"),
        subject: text("subject"),
        description: text("description"),
        name: text("name"),
        email: text("email"),
        phone: String::new(),
        address: text("address"),
        latitude: number("latitude"),
        longitude: number("longitude"),
        locale: text("locale"),
        privacy_consent: true,
        extra,
    }
}

// ---------------------------------------------------------------------------
// 1. The ceiling

/// What the handler has at hand when it submits.
struct SubmitContext {
    target: SubmissionTarget,
    settings: Settings,
    templates: EmailTemplates,
}

impl SubmitContext {
    fn load(db_url: &str, data_dir: &Path) -> anyhow::Result<Self> {
        let overrides = Overrides {
            bind: Some("127.0.0.1:0".into()),
            data_dir: Some(data_dir.to_path_buf()),
            config_dir: Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config")),
            set: vec![("database.url".into(), db_url.into())],
        };
        let settings = Settings::load_for(Environment::Test, &overrides)?;
        let mut conn = PgConnection::establish(db_url)?;
        let target = requests::submission_target(&mut conn, CATEGORY)
            .map_err(|e| anyhow::anyhow!("the demo category {CATEGORY}: {e}"))?;
        Ok(Self {
            target,
            settings,
            templates: EmailTemplates::load()?,
        })
    }

    /// One submission, exactly as the API handler's transaction does it.
    fn submit(&self, conn: &mut PgConnection, n: u64) -> anyhow::Result<()> {
        let now = Utc::now();
        let target = &self.target;
        let new = NewTicket::parse(submission_input(n), &target.rules, now)
            .map_err(|e| anyhow::anyhow!("invalid submission: {:?}", e.0))?;
        submit::submit(
            conn,
            &target.category,
            &new,
            &[],
            submit::Arrival {
                channel: Channel::Api,
                at: now,
                council_zone: self.settings.application.time_zone,
                key: None,
            },
            |conn, s| {
                notify::confirmation_naming(
                    conn,
                    &self.templates,
                    &self.settings,
                    s,
                    &target.category.name,
                    &target.department,
                )
            },
        )
        .map_err(|e| anyhow::anyhow!("submit: {e}"))?;
        Ok(())
    }
}

struct Throughput {
    completed: u64,
    failed: u64,
    elapsed: Duration,
    first_error: Option<String>,
    latencies_us: Vec<u32>,
}

impl Throughput {
    fn throughput(&self) -> f64 {
        self.completed as f64 / self.elapsed.as_secs_f64()
    }
}

fn run_ceiling(db_url: &str, ctx: &SubmitContext, params: &Params) -> anyhow::Result<Throughput> {
    let next = AtomicU64::new(1_000_000_000);
    let mut conns = (0..params.clients)
        .map(|_| PgConnection::establish(db_url))
        .collect::<Result<Vec<_>, _>>()
        .context("connecting the ceiling threads")?;
    let start = Instant::now();
    let measure_from = start + params.warmup;
    let end = measure_from + params.measure;
    let results: Vec<(u64, u64, Option<String>, Vec<u32>)> = std::thread::scope(|s| {
        let handles: Vec<_> = conns
            .iter_mut()
            .map(|conn| {
                let next = &next;
                s.spawn(move || {
                    let (mut done, mut failed, mut first_error) = (0u64, 0u64, None);
                    let mut latencies = Vec::new();
                    loop {
                        let t0 = Instant::now();
                        if t0 >= end {
                            break;
                        }
                        let result = ctx.submit(conn, next.fetch_add(1, Ordering::Relaxed));
                        let t1 = Instant::now();
                        if t0 >= measure_from && t1 <= end {
                            match result {
                                Ok(()) => {
                                    done += 1;
                                    latencies.push(micros(t1 - t0));
                                }
                                Err(e) => {
                                    failed += 1;
                                    first_error.get_or_insert(format!("{e:#}"));
                                }
                            }
                        } else if let Err(e) = result {
                            failed += 1;
                            first_error.get_or_insert(format!("{e:#}"));
                        }
                    }
                    (done, failed, first_error, latencies)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a ceiling thread panicked"))
            .collect()
    });
    let mut total = Throughput {
        completed: 0,
        failed: 0,
        elapsed: params.measure,
        first_error: None,
        latencies_us: Vec::new(),
    };
    for (done, failed, err, lat) in results {
        total.completed += done;
        total.failed += failed;
        if total.first_error.is_none() {
            total.first_error = err;
        }
        total.latencies_us.extend(lat);
    }
    Ok(total)
}

fn micros(d: Duration) -> u32 {
    d.as_micros().min(u32::MAX as u128) as u32
}

// ---------------------------------------------------------------------------
// 2. The server process

struct ServerProcess {
    child: Option<Child>,
    pid: i32,
    url: String,
}

impl ServerProcess {
    /// `civicdesk serve` as production runs it (JSON logs at info, written to
    /// a file), on the throwaway database, with the mail worker off.
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
        if std::env::var_os("BENCH_SERVER_BIN").is_some_and(|b| !b.is_empty()) {
            eprintln!("server binary: {}", binary.display());
        }
        // CIVICDESK__SECTION__KEY variables reach the server (to try another
        // pool size, say); those set below win. Nothing else may redirect it.
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
            // Production refuses to write mail to files: give it an SMTP
            // server that is not there, and no worker to try it.
            .env("CIVICDESK__SMTP__HOST", "127.0.0.1")
            .env("CIVICDESK__SMTP__PORT", "9")
            .env("CIVICDESK__SMTP__TLS", "none")
            .env("CIVICDESK__JOBS__ENABLED", "false")
            // The largest limits the configuration allows, per client address.
            .env("CIVICDESK__ABUSE__SUBMISSIONS_PER_HOUR", "1000000")
            .env("CIVICDESK__ABUSE__SUBMISSION_BURST", "10000")
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
                bail!(
                    "`civicdesk serve` exited ({status}) before listening:\n{}",
                    tail(&text, 20)
                );
            }
            if started.elapsed() > Duration::from_secs(60) {
                bail!(
                    "`civicdesk serve` did not start within 60 s:\n{}",
                    tail(&text, 20)
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn memory(&self) -> anyhow::Result<Memory> {
        Memory::read(self.pid)
    }

    /// SIGTERM, as an operator would stop it; it finishes in-flight work.
    /// If it does not stop, dropping `self` kills and reaps it.
    fn stop(mut self) -> anyhow::Result<()> {
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(self.pid),
            nix::sys::signal::Signal::SIGTERM,
        )?;
        for _ in 0..600 {
            let child = self.child.as_mut().expect("running");
            if let Some(status) = child.try_wait()? {
                self.child = None;
                ensure!(status.success(), "`civicdesk serve` stopped with {status}");
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

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

// ---------------------------------------------------------------------------
// Memory and CPU

#[derive(Debug, Clone, Copy, Default)]
struct Memory {
    rss_kib: u64,
    hwm_kib: u64,
    threads: u64,
}

impl Memory {
    fn read(pid: i32) -> anyhow::Result<Self> {
        let status = fs::read_to_string(format!("/proc/{pid}/status"))
            .with_context(|| format!("reading /proc/{pid}/status"))?;
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
                .unwrap_or(0)
        };
        Ok(Self {
            rss_kib: field("VmRSS:"),
            hwm_kib: field("VmHWM:"),
            threads: field("Threads:"),
        })
    }
}

/// Samples the server's VmRSS every 100 ms on its own thread.
struct RssSampler {
    stop: Arc<AtomicBool>,
    peak: Arc<AtomicU64>,
    peak_threads: Arc<AtomicU64>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl RssSampler {
    fn start(pid: i32) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let peak = Arc::new(AtomicU64::new(0));
        let peak_threads = Arc::new(AtomicU64::new(0));
        let thread = {
            let (stop, peak, peak_threads) = (stop.clone(), peak.clone(), peak_threads.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    if let Ok(m) = Memory::read(pid) {
                        peak.fetch_max(m.rss_kib, Ordering::Relaxed);
                        peak_threads.fetch_max(m.threads, Ordering::Relaxed);
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
            })
        };
        Self {
            stop,
            peak,
            peak_threads,
            thread: Some(thread),
        }
    }

    /// The highest RSS (KiB) and thread count seen since the last call.
    fn take_peak(&self) -> (u64, u64) {
        (
            self.peak.swap(0, Ordering::Relaxed),
            self.peak_threads.swap(0, Ordering::Relaxed),
        )
    }

    fn stop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for RssSampler {
    fn drop(&mut self) {
        self.stop();
    }
}

/// CPU time used so far (seconds) by the server, PostgreSQL and this process.
#[derive(Debug, Clone, Copy, Default)]
struct CpuSnapshot {
    server: f64,
    postgres: f64,
    bench: f64,
    /// Every process on the machine (from /proc/stat).
    machine: f64,
    at: Option<Instant>,
}

/// CPU seconds used during a phase, and its wall time.
#[derive(Debug, Clone, Copy, Default)]
struct CpuUse {
    server: f64,
    postgres: f64,
    bench: f64,
    machine: f64,
    wall: f64,
}

impl CpuUse {
    /// Share of the machine's cores used by processes other than ours.
    fn others(&self, cores: f64) -> f64 {
        let ours = self.server + self.postgres + self.bench;
        ((self.machine - ours) / self.wall.max(1e-9) / cores).max(0.0)
    }
}

impl CpuSnapshot {
    fn take(server: Option<i32>, postmaster: i32) -> Self {
        let tick = nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
            .ok()
            .flatten()
            .unwrap_or(100) as f64;
        // Fields after the command name: state is 0, utime 11, stime 12, cutime 13, cstime 14.
        let stat = |pid: i32| -> Option<(i32, [u64; 4])> {
            let text = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            let rest = &text[text.rfind(')')? + 2..];
            let f: Vec<&str> = rest.split_whitespace().collect();
            let n = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
            Some((f.get(1)?.parse().ok()?, [n(11), n(12), n(13), n(14)]))
        };
        let own = |pid: i32| stat(pid).map_or(0, |(_, t)| t[0] + t[1]);
        // The postmaster, what it has reaped, and every live backend.
        let mut pg = stat(postmaster).map_or(0, |(_, t)| t.iter().sum());
        for entry in fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|s| s.parse::<i32>().ok())
            else {
                continue;
            };
            if let Some((ppid, t)) = stat(pid) {
                if ppid == postmaster {
                    pg += t[0] + t[1];
                }
            }
        }
        // user nice system idle iowait irq softirq steal: all but idle and iowait.
        let machine = fs::read_to_string("/proc/stat")
            .ok()
            .and_then(|t| {
                let line = t.lines().next()?.strip_prefix("cpu ")?.to_string();
                let v: Vec<u64> = line
                    .split_whitespace()
                    .take(8)
                    .filter_map(|x| x.parse().ok())
                    .collect();
                (v.len() == 8).then(|| v[0] + v[1] + v[2] + v[5] + v[6] + v[7])
            })
            .unwrap_or(0);
        Self {
            machine: machine as f64 / tick,
            server: server.map_or(0.0, |p| own(p) as f64 / tick),
            postgres: pg as f64 / tick,
            bench: own(std::process::id() as i32) as f64 / tick,
            at: Some(Instant::now()),
        }
    }

    fn since(&self, before: &CpuSnapshot) -> CpuUse {
        CpuUse {
            server: self.server - before.server,
            postgres: self.postgres - before.postgres,
            bench: self.bench - before.bench,
            machine: self.machine - before.machine,
            wall: match (self.at, before.at) {
                (Some(a), Some(b)) => (a - b).as_secs_f64(),
                _ => 0.0,
            },
        }
    }
}

// ---------------------------------------------------------------------------
// 3. HTTP load

/// One keep-alive client per simulated citizen, each from its own loopback
/// address so the per-address submission limit applies to each separately.
fn http_clients(n: usize) -> anyhow::Result<Vec<reqwest::Client>> {
    let first = u32::from(Ipv4Addr::new(127, 0, 0, 2));
    (0..n)
        .map(|i| {
            reqwest::Client::builder()
                .local_address(IpAddr::V4(Ipv4Addr::from(first + i as u32)))
                .tcp_nodelay(true)
                .pool_max_idle_per_host(64)
                .timeout(Duration::from_secs(30))
                .build()
                .context("building an HTTP client")
        })
        .collect()
}

async fn post(client: &reqwest::Client, url: &str, body: Vec<u8>) -> Result<(), String> {
    let response = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await
        .map_err(|e| error_chain(&e))?;
    let status = response.status();
    // Read the whole body so the connection goes back to the pool.
    let bytes = response.bytes().await.map_err(|e| error_chain(&e))?;
    if status == reqwest::StatusCode::CREATED {
        Ok(())
    } else {
        Err(format!(
            "{status}: {}",
            String::from_utf8_lossy(&bytes[..bytes.len().min(300)])
        ))
    }
}

/// An error and its causes on one line.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// One request before measuring: the server answers as the API says it should.
async fn smoke_test(client: &reqwest::Client, base: &str) -> anyhow::Result<()> {
    let response = client
        .post(format!("{base}/api/v1/requests"))
        .json(&request_json(0))
        .send()
        .await
        .context("the first request")?;
    let status = response.status();
    let body: serde_json::Value = response.json().await.context("the first answer")?;
    ensure!(
        status == reqwest::StatusCode::CREATED && body["tracking_token"].is_string(),
        "the first submission was answered {status}: {body}"
    );
    Ok(())
}

/// N clients, each sending its next request as soon as the last is answered.
async fn closed_loop(clients: &[reqwest::Client], base: &str, params: &Params) -> Throughput {
    let url: Arc<str> = format!("{base}/api/v1/requests").into();
    let next = Arc::new(AtomicU64::new(1));
    let start = Instant::now();
    let measure_from = start + params.warmup;
    let end = measure_from + params.measure;
    let mut tasks = tokio::task::JoinSet::new();
    for client in clients {
        let (client, url, next) = (client.clone(), url.clone(), next.clone());
        tasks.spawn(async move {
            let (mut done, mut failed, mut first_error) = (0u64, 0u64, None);
            let mut latencies = Vec::new();
            loop {
                let t0 = Instant::now();
                if t0 >= end {
                    break;
                }
                let body = serde_json::to_vec(&request_json(next.fetch_add(1, Ordering::Relaxed)))
                    .expect("JSON");
                let result = post(&client, &url, body).await;
                let t1 = Instant::now();
                match result {
                    Ok(()) if t0 >= measure_from && t1 <= end => {
                        done += 1;
                        latencies.push(micros(t1 - t0));
                    }
                    Ok(()) => {}
                    Err(e) => {
                        failed += 1;
                        first_error.get_or_insert(e);
                    }
                }
            }
            (done, failed, first_error, latencies)
        });
    }
    let mut total = Throughput {
        completed: 0,
        failed: 0,
        elapsed: params.measure,
        first_error: None,
        latencies_us: Vec::new(),
    };
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((done, failed, err, lat)) => {
                total.completed += done;
                total.failed += failed;
                if total.first_error.is_none() {
                    total.first_error = err;
                }
                total.latencies_us.extend(lat);
            }
            Err(e) => {
                total.failed += 1;
                total.first_error.get_or_insert(format!("client task: {e}"));
            }
        }
    }
    total
}

/// One open-loop request: whether it is measured (not warm-up), and either
/// (how late it was sent, its round trip) or what went wrong.
type Sent = (bool, Result<(Duration, Duration), String>);

struct OpenLoop {
    scheduled: u64,
    completed: u64,
    failed: u64,
    first_error: Option<String>,
    /// Server round trip: from the moment the client starts sending a request
    /// to its complete answer.
    latencies_us: Vec<u32>,
    /// From each request's scheduled send time to its complete answer: adds
    /// the client's own lateness (it shares the cores) to the round trip.
    from_schedule_us: Vec<u32>,
    /// How late the client started sending, behind the schedule.
    lateness_us: Vec<u32>,
    elapsed: Duration,
}

/// Requests sent at a fixed rate whatever the answers do (an open loop), so a
/// slow answer cannot hold the next ones back and hide its own delay. The
/// clients take turns; each opens more connections if it needs them.
async fn open_loop(
    clients: &[reqwest::Client],
    base: &str,
    rate: f64,
    params: &Params,
) -> OpenLoop {
    let url: Arc<str> = format!("{base}/api/v1/requests").into();
    let warmup = (params.warmup.as_secs_f64() * rate) as u64;
    let measured = (params.measure.as_secs_f64() * rate).max(1.0) as u64;
    let start = tokio::time::Instant::now() + Duration::from_millis(20);
    let mut tasks = tokio::task::JoinSet::new();
    let mut result = OpenLoop {
        scheduled: measured,
        completed: 0,
        failed: 0,
        first_error: None,
        latencies_us: Vec::with_capacity(measured as usize),
        from_schedule_us: Vec::with_capacity(measured as usize),
        lateness_us: Vec::with_capacity(measured as usize),
        elapsed: params.measure,
    };
    let mut collect = |joined: Result<Sent, tokio::task::JoinError>| match joined {
        Ok((counted, Ok((late, round_trip)))) => {
            if counted {
                result.completed += 1;
                result.latencies_us.push(micros(round_trip));
                result.lateness_us.push(micros(late));
                result.from_schedule_us.push(micros(late + round_trip));
            }
        }
        Ok((_, Err(e))) => {
            result.failed += 1;
            result.first_error.get_or_insert(e);
        }
        Err(e) => {
            result.failed += 1;
            result
                .first_error
                .get_or_insert(format!("client task: {e}"));
        }
    };
    for k in 0..warmup + measured {
        let at = start + Duration::from_secs_f64(k as f64 / rate);
        tokio::time::sleep_until(at).await;
        let client = clients[k as usize % clients.len()].clone();
        let url = url.clone();
        tasks.spawn(async move {
            let sent = tokio::time::Instant::now();
            let body = serde_json::to_vec(&request_json(2_000_000_000 + k)).expect("JSON");
            let outcome = post(&client, &url, body).await;
            (
                k >= warmup,
                outcome.map(|()| (sent.saturating_duration_since(at), sent.elapsed())),
            )
        });
        while let Some(joined) = tasks.try_join_next() {
            collect(joined);
        }
    }
    while let Some(joined) = tasks.join_next().await {
        collect(joined);
    }
    result
}

// ---------------------------------------------------------------------------
// After the load

struct DatabaseChecks {
    tickets: i64,
    outbox_queued: i64,
    outbox_sent_or_tried: i64,
}

impl DatabaseChecks {
    fn read(db_url: &str) -> anyhow::Result<Self> {
        #[derive(diesel::QueryableByName)]
        struct Counts {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            tickets: i64,
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            queued: i64,
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            tried: i64,
        }
        let mut conn = PgConnection::establish(db_url)?;
        let c: Counts = diesel::sql_query(
            "SELECT (SELECT count(*) FROM tickets) AS tickets, \
                    (SELECT count(*) FROM outbox) AS queued, \
                    (SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL OR attempts > 0) AS tried",
        )
        .get_result(&mut conn)?;
        Ok(Self {
            tickets: c.tickets,
            outbox_queued: c.queued,
            outbox_sent_or_tried: c.tried,
        })
    }
}

// ---------------------------------------------------------------------------
// The report

struct Report {
    params: Params,
    machine: Machine,
    ceiling: Throughput,
    ceiling_cpu: CpuUse,
    closed: Throughput,
    closed_cpu: CpuUse,
    rate: f64,
    open: OpenLoop,
    open_cpu: CpuUse,
    rss_idle: Memory,
    rss_load_kib: u64,
    threads_load: u64,
    after: Memory,
    checks: DatabaseChecks,
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1] as f64 / 1000.0
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "MISSED"
    }
}

impl Report {
    fn succeeded(&self) -> bool {
        self.ceiling.failed == 0 && self.closed.failed == 0 && self.open.failed == 0
    }

    fn print(&self) {
        let ceiling = self.ceiling.throughput();
        let http = self.closed.throughput();
        let ratio = http / ceiling;
        let mut ceil_lat = self.ceiling.latencies_us.clone();
        ceil_lat.sort_unstable();
        let mut closed_lat = self.closed.latencies_us.clone();
        closed_lat.sort_unstable();
        let mut open_lat = self.open.latencies_us.clone();
        open_lat.sort_unstable();
        let p99 = percentile(&open_lat, 99.0);
        let peak_rss = mib(self.rss_load_kib.max(self.after.hwm_kib));
        let achieved = self.open.completed as f64 / self.open.elapsed.as_secs_f64();
        let cpu_line = |name: &str, cpu: &CpuUse, requests: u64| {
            let per = |s: f64| s * 1000.0 / requests.max(1) as f64;
            let cores = self.machine.cores.parse::<f64>().unwrap_or(1.0);
            println!(
                "  {name:<22} server {:>5.2} ms  postgres {:>5.2} ms  bench {:>5.2} ms | ours {:>3.0}%, others {:>3.0}% of the cores",
                per(cpu.server),
                per(cpu.postgres),
                per(cpu.bench),
                (cpu.server + cpu.postgres + cpu.bench) / cpu.wall.max(1e-9) * 100.0 / cores,
                cpu.others(cores) * 100.0,
            );
        };

        println!();
        println!("CivicDesk submission benchmark (POST /api/v1/requests)");
        println!("=======================================================");
        println!(
            "machine     {} cores, {}, {} RAM",
            self.machine.cores, self.machine.cpu, self.machine.ram
        );
        println!(
            "            {}, {}",
            self.machine.kernel, self.machine.postgres
        );
        println!(
            "run         {} clients, {:.0} s measured per phase after {:.0} s warm-up",
            self.params.clients,
            self.params.measure.as_secs_f64(),
            self.params.warmup.as_secs_f64()
        );
        if let Some(bin) = std::env::var_os("BENCH_SERVER_BIN").filter(|b| !b.is_empty()) {
            println!("server      {}", PathBuf::from(bin).display());
        }
        println!();
        println!(
            "{:<44} {:>12} {:>10} {:>8}",
            "figure", "value", "target", ""
        );
        println!("{}", "-".repeat(78));
        println!(
            "{:<44} {:>12.0} {:>10} {:>8}",
            "1. ceiling: submit transaction, req/s", ceiling, "", ""
        );
        println!(
            "{:<44} {:>12.0} {:>10} {:>8}",
            "2. HTTP closed loop, req/s", http, "", ""
        );
        println!(
            "{:<44} {:>11.0}% {:>9.0}% {:>8}",
            "   HTTP / ceiling",
            ratio * 100.0,
            TARGET_RATIO * 100.0,
            verdict(ratio >= TARGET_RATIO)
        );
        println!(
            "{:<44} {:>12.0} {:>10} {:>8}",
            format!("3. open loop at {:.0} req/s: achieved req/s", self.rate),
            achieved,
            "",
            ""
        );
        for (label, p) in [("p50", 50.0), ("p90", 90.0), ("p99", 99.0)] {
            let target = if label == "p99" {
                format!("{TARGET_P99_MS:.0} ms")
            } else {
                String::new()
            };
            let v = if label == "p99" {
                verdict(p99 <= TARGET_P99_MS)
            } else {
                ""
            };
            println!(
                "{:<44} {:>9.2} ms {:>10} {:>8}",
                format!("   latency {label}"),
                percentile(&open_lat, p),
                target,
                v
            );
        }
        println!(
            "{:<44} {:>9.2} ms {:>10} {:>8}",
            "   latency max",
            open_lat.last().map_or(f64::NAN, |&v| v as f64 / 1000.0),
            "",
            ""
        );
        let mut from_schedule = self.open.from_schedule_us.clone();
        from_schedule.sort_unstable();
        let mut lateness = self.open.lateness_us.clone();
        lateness.sort_unstable();
        println!(
            "{:<44} {:>9.2} ms {:>10} {:>8}",
            "   p99 from the scheduled send time",
            percentile(&from_schedule, 99.0),
            "",
            ""
        );
        println!(
            "{:<44} {:>9.2} ms {:>10} {:>8}",
            "   (client late to send: p99)",
            percentile(&lateness, 99.0),
            "",
            ""
        );
        println!(
            "{:<44} {:>9.1} MB {:>10} {:>8}",
            "4. server RSS at start (VmRSS)",
            mib(self.rss_idle.rss_kib),
            "",
            ""
        );
        println!(
            "{:<44} {:>9.1} MB {:>7.0} MB {:>8}",
            "   server RSS peak under load (VmRSS/VmHWM)",
            peak_rss,
            TARGET_RSS_MB,
            verdict(peak_rss <= TARGET_RSS_MB)
        );
        println!(
            "{:<44} {:>9.1} MB {:>10} {:>8}",
            "   server RSS after load (VmRSS)",
            mib(self.after.rss_kib),
            "",
            ""
        );
        println!(
            "{:<44} {:>12} {:>10} {:>8}",
            "   server threads at start / peak under load",
            format!("{} / {}", self.rss_idle.threads, self.threads_load),
            "",
            ""
        );
        println!("{}", "-".repeat(78));
        println!("latency of the closed loops (for reference):");
        println!(
            "  ceiling       p50 {:>6.2} ms  p99 {:>6.2} ms",
            percentile(&ceil_lat, 50.0),
            percentile(&ceil_lat, 99.0)
        );
        println!(
            "  HTTP maximum  p50 {:>6.2} ms  p99 {:>6.2} ms",
            percentile(&closed_lat, 50.0),
            percentile(&closed_lat, 99.0)
        );
        println!("CPU per request, and how busy the machine was (others = processes not in this benchmark):");
        cpu_line("ceiling", &self.ceiling_cpu, self.ceiling.completed);
        cpu_line("HTTP maximum", &self.closed_cpu, self.closed.completed);
        cpu_line("open loop (half rate)", &self.open_cpu, self.open.completed);
        println!(
            "requests    ceiling {} ok / {} failed; HTTP {} ok / {} failed; open loop {} of {} ok / {} failed",
            self.ceiling.completed,
            self.ceiling.failed,
            self.closed.completed,
            self.closed.failed,
            self.open.completed,
            self.open.scheduled,
            self.open.failed
        );
        println!(
            "database    {} tickets, {} confirmation emails queued, {} delivery attempts (expected 0)",
            self.checks.tickets, self.checks.outbox_queued, self.checks.outbox_sent_or_tried
        );
        let cores = self.machine.cores.parse::<f64>().unwrap_or(1.0);
        for (phase, cpu) in [
            ("ceiling", &self.ceiling_cpu),
            ("HTTP maximum", &self.closed_cpu),
            ("open loop", &self.open_cpu),
        ] {
            let others = cpu.others(cores);
            if others > 0.2 {
                println!(
                    "note        other processes used {:.0}% of the cores during the {phase} phase: \
                     its figures understate a dedicated machine",
                    others * 100.0
                );
            }
        }
        for (phase, err) in [
            ("ceiling", &self.ceiling.first_error),
            ("HTTP maximum", &self.closed.first_error),
            ("open loop", &self.open.first_error),
        ] {
            if let Some(e) = err {
                println!("first error ({phase}): {e}");
            }
        }
    }
}
