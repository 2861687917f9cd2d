//! The test harness: one throwaway PostgreSQL cluster per test run, a migrated
//! template database, a database per test cloned from it, and the real app on
//! a random port.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use civicdesk::clock::Clock;
use civicdesk::configuration::{Environment, Overrides, Settings};
use civicdesk::email::{EmailTemplates, Mailer};
use civicdesk::embedded_pg::{ClusterOptions, EmbeddedCluster};
use civicdesk::jobs::DeliveryReport;
use civicdesk::startup::Application;
use diesel::sql_types::BigInt;
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl};

use crate::smtp_capture::{CapturedEmail, SmtpCapture};

const TEMPLATE_DB: &str = "civicdesk_template";

/// The run's cluster. It is never dropped (statics are not), so a watchdog
/// process removes it once this test process has gone, however it ended.
pub struct TestCluster {
    cluster: EmbeddedCluster,
}

static CLUSTER: OnceLock<TestCluster> = OnceLock::new();

/// A temporary folder the PostgreSQL service user can reach (when we are root,
/// the server runs as `postgres`).
pub fn scratch_dir(prefix: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::Builder::new()
        .prefix(prefix)
        .tempdir()
        .expect("creating a temp dir")
        .keep();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    dir
}

/// Options for throwaway clusters: no fsync, many connections.
pub fn throwaway_options() -> ClusterOptions {
    ClusterOptions {
        durable: false,
        max_connections: 300,
        ..ClusterOptions::default()
    }
}

pub fn cluster() -> &'static TestCluster {
    CLUSTER.get_or_init(|| {
        let root = scratch_dir("civicdesk-test-");
        let cluster = EmbeddedCluster::start(&root, &throwaway_options())
            .expect("starting the test PostgreSQL cluster");
        spawn_watchdog(&root, cluster.pgdata());
        cluster
            .execute("postgres", &format!("CREATE DATABASE {TEMPLATE_DB}"))
            .expect("creating the template database");
        let mut conn = PgConnection::establish(&cluster.url_for(TEMPLATE_DB)).expect("connect");
        civicdesk::db::migrate(&mut conn).expect("migrating the template database");
        drop(conn);
        TestCluster { cluster }
    })
}

/// Once the test process is gone, stop the cluster and delete its folder.
/// The watchdog must outlive this process, so it is deliberately never waited for.
#[allow(clippy::zombie_processes)]
fn spawn_watchdog(root: &Path, pgdata: &Path) {
    use std::os::unix::process::CommandExt;
    let script = format!(
        "while kill -0 {parent} 2>/dev/null; do sleep 0.5; done; \
         pid=$(head -n 1 '{pgdata}/postmaster.pid' 2>/dev/null); \
         if [ -n \"$pid\" ]; then kill -QUIT \"$pid\" 2>/dev/null; \
           for i in $(seq 1 100); do kill -0 \"$pid\" 2>/dev/null || break; sleep 0.1; done; fi; \
         rm -rf '{root}'",
        parent = std::process::id(),
        pgdata = pgdata.display(),
        root = root.display(),
    );
    let mut cmd = std::process::Command::new("sh");
    cmd.arg("-c")
        .arg(script)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    // SAFETY: setsid is async-signal-safe.
    unsafe {
        cmd.pre_exec(|| {
            nix::unistd::setsid().map_err(std::io::Error::from)?;
            Ok(())
        });
    }
    cmd.spawn().expect("starting the cleanup watchdog");
}

impl TestCluster {
    /// A fresh database cloned from the migrated template.
    pub fn new_database(&self) -> String {
        let name = format!("test_{}", uuid::Uuid::new_v4().simple());
        let mut admin =
            PgConnection::establish(&self.cluster.url_for("postgres")).expect("connect");
        diesel::sql_query(format!(
            "CREATE DATABASE {name} TEMPLATE {TEMPLATE_DB} STRATEGY FILE_COPY"
        ))
        .execute(&mut admin)
        .expect("cloning the template database");
        self.cluster.url_for(&name)
    }

    /// An empty database (no migrations), for migration tests.
    pub fn empty_database(&self) -> String {
        let name = format!("empty_{}", uuid::Uuid::new_v4().simple());
        self.cluster
            .execute("postgres", &format!("CREATE DATABASE {name}"))
            .expect("creating a database");
        self.cluster.url_for(&name)
    }
}

/// The app, running on a random port against its own database, sending its
/// mail to its own SMTP capture server.
pub struct TestApp {
    pub address: String,
    pub db_url: String,
    pub data_dir: PathBuf,
    pub client: reqwest::Client,
    pub settings: Settings,
    /// Stop and restart it to simulate the mail server going down.
    pub smtp: SmtpCapture,
    /// The app's own mailer and email templates (built by `Application::build`).
    pub mailer: Mailer,
    pub email_templates: EmailTemplates,
    /// The clock the app reads: the system's, or a manual one from
    /// [`spawn_app_at`] that tests set and advance.
    pub clock: Clock,
}

/// Settings for a test app: the test environment's files, the given database,
/// port 0, a private data dir and plain SMTP to `smtp_port` on 127.0.0.1; then
/// `configure` may change the overrides (e.g. push `("abuse.submission_burst",
/// "1000")` onto `set`) before they are loaded.
pub fn test_settings(
    db_url: &str,
    data_dir: &Path,
    smtp_port: u16,
    configure: impl FnOnce(&mut Overrides),
) -> Settings {
    let mut overrides = Overrides {
        bind: Some("127.0.0.1:0".into()),
        data_dir: Some(data_dir.to_path_buf()),
        config_dir: Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config")),
        set: vec![
            ("database.url".into(), db_url.into()),
            ("smtp.host".into(), "127.0.0.1".into()),
            ("smtp.port".into(), smtp_port.to_string()),
            ("smtp.tls".into(), "none".into()),
        ],
    };
    configure(&mut overrides);
    Settings::load_for(Environment::Test, &overrides).expect("test settings")
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// The app with changed settings, e.g. a higher submission rate limit:
/// `spawn_app_with(|o| o.set.push(("abuse.submission_burst".into(), "1000".into())))`.
pub async fn spawn_app_with(configure: impl FnOnce(&mut Overrides)) -> TestApp {
    let db_url = cluster().new_database();
    spawn_app_on_with(db_url, configure).await
}

/// Spawns the app with `application.public_base_url` set to its own address,
/// so the links it writes for people (the tracking link on the confirmation
/// page) lead back to it, as a browser following them needs.
pub async fn spawn_app_linking_to_itself() -> TestApp {
    let db_url = cluster().new_database();
    // Reserve a free port, then let the app bind it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("finding a free port")
        .port();
    spawn_app_adjusted(
        db_url,
        |_| {},
        |settings| {
            settings.application.bind = ([127, 0, 0, 1], port).into();
            settings.application.public_base_url =
                url::Url::parse(&format!("http://127.0.0.1:{port}")).expect("a URL");
        },
        Clock::system(),
    )
    .await
}

/// Spawns the app on an existing database.
pub async fn spawn_app_on(db_url: String) -> TestApp {
    spawn_app_on_with(db_url, |_| {}).await
}

async fn spawn_app_on_with(db_url: String, configure: impl FnOnce(&mut Overrides)) -> TestApp {
    spawn_app_adjusted(db_url, configure, |_| {}, Clock::system()).await
}

/// The app on a manual clock that stands at `now` until the test moves it
/// (`app.clock.set(..)`, `app.clock.advance(..)`).
pub async fn spawn_app_at(now: DateTime<Utc>) -> TestApp {
    spawn_app_at_with(now, |_| {}).await
}

/// [`spawn_app_at`] with changed settings (see [`spawn_app_with`]).
pub async fn spawn_app_at_with(
    now: DateTime<Utc>,
    configure: impl FnOnce(&mut Overrides),
) -> TestApp {
    let db_url = cluster().new_database();
    spawn_app_adjusted(db_url, configure, |_| {}, Clock::manual(now)).await
}

/// Spawns the app on an existing database, with the test settings as
/// `configure` (config overrides) and then `adjust` (typed settings) leave them.
async fn spawn_app_adjusted(
    db_url: String,
    configure: impl FnOnce(&mut Overrides),
    adjust: impl FnOnce(&mut Settings),
    clock: Clock,
) -> TestApp {
    let data_dir = scratch_dir("civicdesk-app-");
    let smtp = SmtpCapture::start();
    let mut settings = test_settings(&db_url, &data_dir, smtp.port(), configure);
    adjust(&mut settings);
    civicdesk::telemetry::init(&settings.log);
    let pool = civicdesk::db::build_pool(
        &db_url,
        settings.database.pool_size.get(),
        std::time::Duration::from_secs(settings.database.connect_timeout_seconds),
    );
    let app = Application::build_with_clock(settings.clone(), pool, clock.clone())
        .expect("building the app");
    let port = app.port();
    let mailer = app.mailer().clone();
    let email_templates = app.email_templates().clone();
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .expect("client");
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        db_url,
        data_dir,
        client,
        settings,
        smtp,
        mailer,
        email_templates,
        clock,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }

    pub fn conn(&self) -> PgConnection {
        PgConnection::establish(&self.db_url).expect("connect")
    }

    /// Runs the outbox worker's job once, now, as the running worker would.
    pub fn run_pending_jobs(&self) -> DeliveryReport {
        self.run_pending_jobs_at(Utc::now())
    }

    /// Runs the outbox job once as if the clock said `now` (to step past a backoff).
    pub fn run_pending_jobs_at(&self, now: DateTime<Utc>) -> DeliveryReport {
        civicdesk::jobs::deliver_due(&mut self.conn(), &self.mailer, now, 1000)
            .expect("running the outbox job")
    }

    /// Every email the SMTP capture server has received, in order.
    pub fn emails(&self) -> Vec<CapturedEmail> {
        self.smtp
            .received()
            .into_iter()
            .map(|r| CapturedEmail::parse(r.envelope_from, r.envelope_to, &r.data))
            .collect()
    }

    /// The right-hand side of this app's Message-IDs.
    pub fn mail_domain(&self) -> String {
        civicdesk::email::message_id_domain(&self.settings.application.public_base_url)
    }

    /// How many rows `table` has.
    pub fn count(&self, table: &str) -> i64 {
        count_of(
            &mut self.conn(),
            &format!("SELECT count(*) AS n FROM {table}"),
        )
    }

    /// Runs SQL in this app's database (e.g. to set up a test's conditions).
    pub fn execute(&self, sql: &str) {
        diesel::sql_query(sql)
            .execute(&mut self.conn())
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// Seeds the demo council into this app's database.
    pub fn seed_demo(&self) -> civicdesk::seed::SeedReport {
        let mut conn = self.conn();
        civicdesk::seed::seed_demo(&mut conn, chrono_tz::Europe::London, 2026).expect("seeding")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

/// Whether a process is running (a zombie waiting to be reaped is not).
pub fn alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| !s.contains(") Z ") && !s.contains(") X "))
        .unwrap_or(false)
}

pub fn wait_until_gone(pid: i32) {
    for _ in 0..200 {
        if !alive(pid) {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("process {pid} is still running");
}

/// The number a query answers as `n`, e.g. `SELECT count(*) AS n FROM …`.
pub fn count_of(conn: &mut PgConnection, sql: &str) -> i64 {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    diesel::sql_query(sql)
        .get_result::<Count>(conn)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .n
}
