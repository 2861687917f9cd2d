//! Settings: `config/default.toml`, then `config/{CIVICDESK_ENV}.toml`, then
//! `CIVICDESK__SECTION__KEY` environment variables (and `DATABASE_URL`), then
//! command-line flags. Everything is validated once, at start-up, into typed
//! values; an error names the key and the problem.
//!
//! Secrets (the JWT signing key, the SMTP password) come only from the
//! environment or from a file named in config, are held as [`SecretString`] and
//! are never logged or printed.

use std::fmt;
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono_tz::Tz;
use rand::Rng;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::i18n::Locale;

/// Which layer of `config/` applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Development,
    Production,
    Test,
}

impl Environment {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Development => "development",
            Self::Production => "production",
            Self::Test => "test",
        }
    }

    pub fn from_env() -> Result<Self, ConfigError> {
        match std::env::var("CIVICDESK_ENV") {
            Err(_) => Ok(Self::Development),
            Ok(v) => match v.to_ascii_lowercase().as_str() {
                "" | "development" | "dev" => Ok(Self::Development),
                "production" | "prod" => Ok(Self::Production),
                "test" => Ok(Self::Test),
                other => Err(ConfigError::single(
                    "CIVICDESK_ENV",
                    format!("`{other}` is not an environment; use development, production or test"),
                )),
            },
        }
    }
}

/// One or more problems with the configuration, each naming its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub problems: Vec<(String, String)>,
}

impl ConfigError {
    fn single(key: &str, problem: impl Into<String>) -> Self {
        Self {
            problems: vec![(key.to_string(), problem.into())],
        }
    }

    /// Whether some problem concerns `key`.
    pub fn mentions(&self, key: &str) -> bool {
        self.problems.iter().any(|(k, _)| k == key)
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid configuration:")?;
        for (key, problem) in &self.problems {
            write!(f, "\n  {key}: {problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// Values given on the command line; they override every other layer.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub bind: Option<String>,
    pub data_dir: Option<PathBuf>,
    /// Where to read `default.toml` and the environment files (default `./config`).
    pub config_dir: Option<PathBuf>,
    /// Extra `key = value` pairs (dotted keys), used by tests.
    pub set: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub environment: Environment,
    pub application: ApplicationSettings,
    pub database: DatabaseSettings,
    pub security: SecuritySettings,
    pub smtp: SmtpSettings,
    pub jobs: JobsSettings,
    pub sla: SlaSettings,
    pub log: LogSettings,
    pub uploads: UploadSettings,
    pub abuse: AbuseSettings,
    pub open311: Open311Settings,
    pub reports: ReportSettings,
}

/// Reports and dashboards (`reports`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportSettings {
    /// Below this many values a median or percentile is "too few to say"
    /// (at least 1).
    pub min_count: i64,
}

#[derive(Debug, Clone)]
pub struct ApplicationSettings {
    pub bind: SocketAddr,
    pub public_base_url: url::Url,
    pub data_dir: PathBuf,
    pub time_zone: Tz,
    pub default_locale: Locale,
    pub workers: usize,
    pub council_name: String,
}

#[derive(Debug, Clone)]
pub struct DatabaseSettings {
    /// `None` runs the embedded cluster.
    pub url: Option<SecretString>,
    pub pool_size: NonZeroU32,
    pub connect_timeout_seconds: u64,
    pub embedded_user: String,
    pub seed_demo_on_first_start: bool,
}

#[derive(Debug, Clone)]
pub struct SecuritySettings {
    pub jwt_secret: SecretString,
    pub session_minutes: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    StartTls,
    Tls,
    None,
}

#[derive(Debug, Clone)]
pub struct SmtpSettings {
    /// `None` writes `.eml` files under `DATA_DIR/mail`.
    pub host: Option<String>,
    pub port: u16,
    pub tls: SmtpTls,
    pub username: Option<String>,
    pub password: Option<SecretString>,
    pub from: String,
}

/// Background workers (`jobs`): the outbox worker.
#[derive(Debug, Clone)]
pub struct JobsSettings {
    /// Whether this instance runs the workers. Several instances may (rows are
    /// locked, never shared), but a deployment can pick one.
    pub enabled: bool,
    /// How often the outbox worker looks for due email.
    pub outbox_interval: Duration,
    /// How often the SLA worker looks for clocks that passed a warning or their target.
    pub sla_interval: Duration,
}

/// How SLA clocks are shown (`sla`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlaSettings {
    /// A running clock due within this long is "due soon" (as is one that
    /// raised a warning).
    pub due_soon: chrono::Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Clone)]
pub struct LogSettings {
    pub format: LogFormat,
    pub level: String,
}

/// Limits on public submission (see `crate::abuse`).
#[derive(Debug, Clone)]
pub struct AbuseSettings {
    pub submissions_per_hour: NonZeroU32,
    pub submission_burst: NonZeroU32,
    pub trust_forwarded_for: bool,
}

/// Attachments on citizens' forms (see `crate::uploads`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadSettings {
    /// Files one submission may carry, 1 to 20.
    pub max_files: usize,
    /// Largest single file in MiB, 1 to 50.
    pub max_file_mb: usize,
}

/// How a request is answered when it is submitted through Open311.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Open311ServiceType {
    /// With its `service_request_id` (the ticket is made while the client waits).
    Realtime,
    /// With a `token`, which `GET tokens/{token}` turns into the id.
    Batch,
}

impl Open311ServiceType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Realtime => "realtime",
            Self::Batch => "batch",
        }
    }
}

/// The Open311 GeoReport v2 endpoint under `/open311/v2` (see `crate::open311`).
#[derive(Debug, Clone)]
pub struct Open311Settings {
    /// Checked when a client sends `jurisdiction_id`; `None` accepts any.
    pub jurisdiction_id: Option<String>,
    /// The `type` every service has in the service list.
    pub service_type: Open311ServiceType,
    /// Discovery's `contact`; `None` uses a sentence naming the council.
    pub contact: Option<String>,
    /// Discovery's `key_service`; `None` uses a sentence naming the council.
    pub key_service: Option<String>,
}

impl UploadSettings {
    pub fn max_file_bytes(&self) -> usize {
        self.max_file_mb * 1024 * 1024
    }
}

impl Settings {
    /// Loads the settings for the environment named by `CIVICDESK_ENV`.
    pub fn load(overrides: &Overrides) -> Result<Self, ConfigError> {
        Self::load_for(Environment::from_env()?, overrides)
    }

    pub fn load_for(environment: Environment, overrides: &Overrides) -> Result<Self, ConfigError> {
        let raw = RawSettings::load(environment, overrides)?;
        raw.validate(environment)
    }

    /// The URL of an external database, if one is configured.
    pub fn external_database_url(&self) -> Option<&str> {
        self.database.url.as_ref().map(|s| s.expose_secret())
    }

    pub fn upload_dir(&self) -> PathBuf {
        self.application.data_dir.join("uploads")
    }

    pub fn mail_dir(&self) -> PathBuf {
        self.application.data_dir.join("mail")
    }
}

// The raw, unvalidated shape of the files. Strings are parsed by hand so every
// error can name its key.
#[derive(Debug, Deserialize)]
struct RawSettings {
    application: RawApplication,
    database: RawDatabase,
    security: RawSecurity,
    smtp: RawSmtp,
    jobs: RawJobs,
    sla: RawSla,
    log: RawLog,
    uploads: RawUploads,
    abuse: RawAbuse,
    open311: RawOpen311,
    reports: RawReports,
}

#[derive(Debug, Deserialize)]
struct RawReports {
    min_count: i64,
}

#[derive(Debug, Deserialize)]
struct RawOpen311 {
    jurisdiction_id: String,
    service_type: String,
    contact: String,
    key_service: String,
}

#[derive(Debug, Deserialize)]
struct RawApplication {
    bind: String,
    public_base_url: String,
    data_dir: PathBuf,
    time_zone: String,
    default_locale: String,
    workers: i64,
    council_name: String,
}

#[derive(Debug, Deserialize)]
struct RawDatabase {
    url: String,
    pool_size: i64,
    connect_timeout_seconds: i64,
    embedded_user: String,
    seed_demo_on_first_start: bool,
}

#[derive(Debug, Deserialize)]
struct RawSecurity {
    jwt_secret_file: String,
    #[serde(default)]
    jwt_secret: Option<SecretString>,
    session_minutes: i64,
}

#[derive(Debug, Deserialize)]
struct RawSmtp {
    host: String,
    port: i64,
    tls: String,
    username: String,
    password_file: String,
    #[serde(default)]
    password: Option<SecretString>,
    from: String,
}

#[derive(Debug, Deserialize)]
struct RawJobs {
    enabled: bool,
    outbox_interval_seconds: i64,
    sla_interval_seconds: i64,
}

#[derive(Debug, Deserialize)]
struct RawSla {
    due_soon_minutes: i64,
}

#[derive(Debug, Deserialize)]
struct RawLog {
    format: String,
    level: String,
}

#[derive(Debug, Deserialize)]
struct RawAbuse {
    submissions_per_hour: i64,
    submission_burst: i64,
    trust_forwarded_for: bool,
}

#[derive(Debug, Deserialize)]
struct RawUploads {
    max_files: i64,
    max_file_mb: i64,
}

const EMBEDDED_DEFAULT: &str = include_str!("../config/default.toml");
const SECRET_KEYS: [&str; 2] = ["security.jwt_secret", "smtp.password"];
/// Keys that are known to be unsafe if they ever reach production.
const KNOWN_WEAK_SECRETS: [&str; 4] = ["changeme", "change-me", "secret", "development-secret"];

impl RawSettings {
    fn load(environment: Environment, overrides: &Overrides) -> Result<Self, ConfigError> {
        use config::{Config, File, FileFormat};
        let dir = overrides
            .config_dir
            .clone()
            .or_else(|| std::env::var_os("CIVICDESK_CONFIG_DIR").map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("config"));
        let env_file = dir.join(format!("{}.toml", environment.as_str()));
        let files = Config::builder()
            .add_source(File::from_str(EMBEDDED_DEFAULT, FileFormat::Toml))
            .add_source(File::from(dir.join("default.toml")).required(false))
            .add_source(File::from(env_file.clone()).required(false));
        // Secrets written into a config file would end up in version control.
        let file_only = files
            .clone()
            .build()
            .map_err(|e| file_error(&env_file, e))?;
        for key in SECRET_KEYS {
            if file_only.get_string(key).is_ok() {
                return Err(ConfigError::single(
                    key,
                    "secrets may not be written in config files; set the environment variable \
                     CIVICDESK__SECTION__KEY or name a file with *_file",
                ));
            }
        }
        let mut builder = files.add_source(
            config::Environment::with_prefix("CIVICDESK")
                .prefix_separator("__")
                .separator("__")
                .try_parsing(true),
        );
        if let Ok(url) = std::env::var("DATABASE_URL") {
            if !url.trim().is_empty() {
                builder = builder
                    .set_override("database.url", url)
                    .map_err(internal)?;
            }
        }
        if let Some(bind) = &overrides.bind {
            builder = builder
                .set_override("application.bind", bind.as_str())
                .map_err(internal)?;
        }
        if let Some(dir) = &overrides.data_dir {
            builder = builder
                .set_override("application.data_dir", dir.to_string_lossy().as_ref())
                .map_err(internal)?;
        }
        for (key, value) in &overrides.set {
            builder = builder
                .set_override(key.as_str(), value.as_str())
                .map_err(internal)?;
        }
        let built = builder.build().map_err(|e| file_error(&env_file, e))?;
        built.try_deserialize().map_err(|e| match e {
            config::ConfigError::Type { ref key, .. } => {
                ConfigError::single(key.as_deref().unwrap_or("config"), e.to_string())
            }
            config::ConfigError::At { ref key, .. } => {
                ConfigError::single(key.as_deref().unwrap_or("config"), e.to_string())
            }
            other => ConfigError::single("config", other.to_string()),
        })
    }

    fn validate(self, environment: Environment) -> Result<Settings, ConfigError> {
        let mut problems = Problems::default();

        let bind = self.application.bind.parse::<SocketAddr>().map_err(|_| {
            format!(
                "`{}` is not an address and port such as 127.0.0.1:8080",
                self.application.bind
            )
        });
        let public_base_url = url::Url::parse(&self.application.public_base_url)
            .map_err(|e| format!("`{}` is not a URL: {e}", self.application.public_base_url))
            .and_then(|u| match u.scheme() {
                "http" | "https" if u.host().is_some() => Ok(u),
                _ => Err(format!(
                    "`{}` must be an http:// or https:// URL",
                    self.application.public_base_url
                )),
            });
        let time_zone = self.application.time_zone.parse::<Tz>().map_err(|_| {
            format!(
                "`{}` is not an IANA time zone such as Europe/London",
                self.application.time_zone
            )
        });
        let default_locale = Locale::from_tag(&self.application.default_locale).ok_or_else(|| {
            format!(
                "`{}` is not a supported language; use one of: {}",
                self.application.default_locale,
                Locale::ALL.map(Locale::tag).join(", ")
            )
        });
        if self.application.data_dir.as_os_str().is_empty() {
            problems.add("application.data_dir", "must not be empty".into());
        }
        if !(0..=256).contains(&self.application.workers) {
            problems.add(
                "application.workers",
                "must be between 0 (one per core) and 256".into(),
            );
        }
        if self.application.council_name.trim().is_empty() {
            problems.add("application.council_name", "must not be empty".into());
        }
        let pool_size = u32::try_from(self.database.pool_size)
            .ok()
            .and_then(NonZeroU32::new)
            .filter(|n| n.get() <= 1000)
            .ok_or_else(|| {
                format!(
                    "must be between 1 and 1000, not {}",
                    self.database.pool_size
                )
            });
        if !(1..=600).contains(&self.database.connect_timeout_seconds) {
            problems.add(
                "database.connect_timeout_seconds",
                "must be between 1 and 600".into(),
            );
        }
        let db_url = self.database.url.trim();
        let known_scheme = ["postgres://", "postgresql://"]
            .iter()
            .any(|scheme| db_url.starts_with(scheme));
        if !db_url.is_empty() && !known_scheme {
            problems.add(
                "database.url",
                "must be a postgres:// or postgresql:// URL (or empty for the embedded database)"
                    .into(),
            );
        }
        if !(1..=60).contains(&self.security.session_minutes) {
            problems.add(
                "security.session_minutes",
                "must be between 1 and 60".into(),
            );
        }
        let port = u16::try_from(self.smtp.port)
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| format!("`{}` is not a port number", self.smtp.port));
        let tls = match self.smtp.tls.to_ascii_lowercase().as_str() {
            "starttls" => Ok(SmtpTls::StartTls),
            "tls" => Ok(SmtpTls::Tls),
            "none" => Ok(SmtpTls::None),
            other => Err(format!("`{other}` is not one of starttls, tls, none")),
        };
        if !self.smtp.from.contains('@') {
            problems.add(
                "smtp.from",
                "must be an email address, e.g. Council <no-reply@example.org>".into(),
            );
        }
        if !(1..=3600).contains(&self.jobs.sla_interval_seconds) {
            problems.add(
                "jobs.sla_interval_seconds",
                format!(
                    "must be between 1 and 3600, not {}",
                    self.jobs.sla_interval_seconds
                ),
            );
        }
        if self.reports.min_count < 1 {
            problems.add(
                "reports.min_count",
                format!("must be at least 1, not {}", self.reports.min_count),
            );
        }
        if !(1..=10_080).contains(&self.sla.due_soon_minutes) {
            problems.add(
                "sla.due_soon_minutes",
                format!(
                    "must be between 1 and 10080 (a week), not {}",
                    self.sla.due_soon_minutes
                ),
            );
        }
        if !(1..=3600).contains(&self.jobs.outbox_interval_seconds) {
            problems.add(
                "jobs.outbox_interval_seconds",
                format!(
                    "must be between 1 and 3600, not {}",
                    self.jobs.outbox_interval_seconds
                ),
            );
        }
        let format = match self.log.format.to_ascii_lowercase().as_str() {
            "pretty" => Ok(LogFormat::Pretty),
            "json" => Ok(LogFormat::Json),
            other => Err(format!("`{other}` is not one of pretty, json")),
        };
        if tracing_subscriber::EnvFilter::try_new(&self.log.level).is_err() {
            problems.add(
                "log.level",
                format!("`{}` is not a tracing filter", self.log.level),
            );
        }

        let per_hour = u32::try_from(self.abuse.submissions_per_hour)
            .ok()
            .and_then(NonZeroU32::new)
            .filter(|n| n.get() <= 1_000_000)
            .ok_or_else(|| "must be between 1 and 1000000".to_string());
        let burst = u32::try_from(self.abuse.submission_burst)
            .ok()
            .and_then(NonZeroU32::new)
            .filter(|n| n.get() <= 10_000)
            .ok_or_else(|| "must be between 1 and 10000".to_string());
        let per_hour = problems.take("abuse.submissions_per_hour", per_hour);
        let burst = problems.take("abuse.submission_burst", burst);
        if !(1..=20).contains(&self.uploads.max_files) {
            problems.add(
                "uploads.max_files",
                format!("must be between 1 and 20, not {}", self.uploads.max_files),
            );
        }
        if !(1..=50).contains(&self.uploads.max_file_mb) {
            problems.add(
                "uploads.max_file_mb",
                format!(
                    "must be between 1 and 50 (MiB), not {}",
                    self.uploads.max_file_mb
                ),
            );
        }

        let jurisdiction = self.open311.jurisdiction_id.trim();
        if jurisdiction.len() > 200 || jurisdiction.chars().any(|c| c.is_whitespace()) {
            problems.add(
                "open311.jurisdiction_id",
                "must be at most 200 characters without spaces, e.g. council.example.org".into(),
            );
        }
        let service_type = match self.open311.service_type.to_ascii_lowercase().as_str() {
            "realtime" => Ok(Open311ServiceType::Realtime),
            "batch" => Ok(Open311ServiceType::Batch),
            other => Err(format!("`{other}` is not one of realtime, batch")),
        };
        let service_type = problems.take("open311.service_type", service_type);

        let smtp_password = read_secret(
            "smtp.password_file",
            &self.smtp.password_file,
            self.smtp.password,
        );
        let jwt = read_secret(
            "security.jwt_secret_file",
            &self.security.jwt_secret_file,
            self.security.jwt_secret,
        )
        .and_then(|secret| match secret {
            Some(s) if s.expose_secret().len() < 32 => Err((
                "security.jwt_secret".to_string(),
                "must be at least 32 bytes long".to_string(),
            )),
            Some(s)
                if KNOWN_WEAK_SECRETS
                    .contains(&s.expose_secret().to_ascii_lowercase().as_str()) =>
            {
                Err((
                    "security.jwt_secret".to_string(),
                    "is a well-known default; generate a random key".to_string(),
                ))
            }
            Some(s) => Ok(s),
            None if environment == Environment::Production => Err((
                "security.jwt_secret".to_string(),
                "production needs a signing key: set CIVICDESK__SECURITY__JWT_SECRET or \
                     security.jwt_secret_file"
                    .to_string(),
            )),
            None => development_secret(&self.application.data_dir)
                .map_err(|e| ("security.jwt_secret".to_string(), e)),
        });

        let bind = problems.take("application.bind", bind);
        let public_base_url = problems.take("application.public_base_url", public_base_url);
        let time_zone = problems.take("application.time_zone", time_zone);
        let default_locale = problems.take("application.default_locale", default_locale);
        let pool_size = problems.take("database.pool_size", pool_size);
        let port = problems.take("smtp.port", port);
        let tls = problems.take("smtp.tls", tls);
        let format = problems.take("log.format", format);
        let jwt = problems.take_keyed(jwt);
        let smtp_password = problems.take_keyed(smtp_password);
        if !problems.0.is_empty() {
            return Err(ConfigError {
                problems: problems.0,
            });
        }
        let non_empty = |s: String| (!s.trim().is_empty()).then(|| s.trim().to_string());
        // All `take`s succeeded when `problems` is empty.
        Ok(Settings {
            environment,
            application: ApplicationSettings {
                bind: bind.expect("validated"),
                public_base_url: public_base_url.expect("validated"),
                data_dir: self.application.data_dir,
                time_zone: time_zone.expect("validated"),
                default_locale: default_locale.expect("validated"),
                workers: self.application.workers as usize,
                council_name: self.application.council_name.trim().to_string(),
            },
            database: DatabaseSettings {
                url: non_empty(self.database.url).map(SecretString::from),
                pool_size: pool_size.expect("validated"),
                connect_timeout_seconds: self.database.connect_timeout_seconds as u64,
                embedded_user: self.database.embedded_user,
                seed_demo_on_first_start: self.database.seed_demo_on_first_start,
            },
            security: SecuritySettings {
                jwt_secret: jwt.expect("validated"),
                session_minutes: self.security.session_minutes as u32,
            },
            smtp: SmtpSettings {
                host: non_empty(self.smtp.host),
                port: port.expect("validated"),
                tls: tls.expect("validated"),
                username: non_empty(self.smtp.username),
                password: smtp_password.expect("validated"),
                from: self.smtp.from,
            },
            jobs: JobsSettings {
                enabled: self.jobs.enabled,
                outbox_interval: Duration::from_secs(self.jobs.outbox_interval_seconds as u64),
                sla_interval: Duration::from_secs(self.jobs.sla_interval_seconds as u64),
            },
            sla: SlaSettings {
                due_soon: chrono::Duration::minutes(self.sla.due_soon_minutes),
            },
            log: LogSettings {
                format: format.expect("validated"),
                level: self.log.level,
            },
            // Range-checked above.
            abuse: AbuseSettings {
                submissions_per_hour: per_hour.expect("validated"),
                submission_burst: burst.expect("validated"),
                trust_forwarded_for: self.abuse.trust_forwarded_for,
            },
            uploads: UploadSettings {
                max_files: self.uploads.max_files as usize,
                max_file_mb: self.uploads.max_file_mb as usize,
            },
            open311: Open311Settings {
                jurisdiction_id: non_empty(self.open311.jurisdiction_id),
                service_type: service_type.expect("validated"),
                contact: non_empty(self.open311.contact),
                key_service: non_empty(self.open311.key_service),
            },
            reports: ReportSettings {
                min_count: self.reports.min_count,
            },
        })
    }
}

/// Collects every problem so one start-up reports them all.
#[derive(Default)]
struct Problems(Vec<(String, String)>);

impl Problems {
    fn add(&mut self, key: &str, problem: String) {
        self.0.push((key.to_string(), problem));
    }

    fn take<T>(&mut self, key: &str, r: Result<T, String>) -> Option<T> {
        r.map_err(|e| self.add(key, e)).ok()
    }

    fn take_keyed<T>(&mut self, r: Result<T, (String, String)>) -> Option<T> {
        r.map_err(|(k, e)| self.add(&k, e)).ok()
    }
}

/// A secret from the environment (already merged into `direct`) or from `file`.
fn read_secret(
    file_key: &str,
    file: &str,
    direct: Option<SecretString>,
) -> Result<Option<SecretString>, (String, String)> {
    if let Some(s) = direct.filter(|s| !s.expose_secret().is_empty()) {
        return Ok(Some(s));
    }
    if file.trim().is_empty() {
        return Ok(None);
    }
    std::fs::read_to_string(file.trim())
        .map(|s| Some(SecretString::from(s.trim().to_string())))
        .map_err(|e| (file_key.to_string(), format!("cannot read `{file}`: {e}")))
}

/// Development and test keep a random key in the data dir so sessions survive restarts.
fn development_secret(data_dir: &Path) -> Result<SecretString, String> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let path = data_dir.join("jwt-secret");
    if let Ok(s) = std::fs::read_to_string(&path) {
        if s.trim().len() >= 32 {
            return Ok(SecretString::from(s.trim().to_string()));
        }
    }
    let key: String = rand::thread_rng()
        .sample_iter(rand::distributions::Alphanumeric)
        .take(48)
        .map(char::from)
        .collect();
    std::fs::create_dir_all(data_dir)
        .and_then(|_| {
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(&path)?;
            f.write_all(key.as_bytes())
        })
        .map_err(|e| format!("cannot keep a development key in {}: {e}", path.display()))?;
    Ok(SecretString::from(key))
}

fn internal(e: config::ConfigError) -> ConfigError {
    ConfigError::single("config", e.to_string())
}

fn file_error(file: &Path, e: config::ConfigError) -> ConfigError {
    ConfigError::single("config", format!("{e} (reading {})", file.display()))
}
