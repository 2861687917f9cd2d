//! The embedded PostgreSQL cluster: the default database when none is configured.
//!
//! The cluster lives in `DATA_DIR/postgres`, is created with `initdb` on first
//! use, listens only on a Unix socket inside that folder (no TCP port, so it
//! never clashes with a system PostgreSQL) and is shared by every CivicDesk
//! process that uses the same data dir: `civicdesk migrate` run beside a
//! running `civicdesk serve` attaches to the running cluster.
//!
//! Who stops it: every process holds a *shared* `flock` on `DATA_DIR/postgres.users`
//! while it uses the cluster. On release a process drops its shared lock and tries
//! to take the lock *exclusively*; if that succeeds nobody else is using the cluster
//! and it is stopped. A process that crashed loses its lock with it, so the next
//! process to leave stops a cluster orphaned by a crash. Starting is serialised by
//! an exclusive lock on `DATA_DIR/postgres.start`.
//!
//! PostgreSQL refuses to run as root. When CivicDesk runs as root the server runs
//! as an unprivileged system user (`postgres` by default) that owns the cluster
//! folder; as an ordinary user it runs as that user.

use std::ffi::OsStr;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::DirBuilderExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use nix::fcntl::{Flock, FlockArg};
use nix::unistd::{Gid, Uid, User};

/// The database created in the cluster and used by the portal.
pub const DATABASE_NAME: &str = "civicdesk";
/// The cluster's superuser (the role the portal connects as).
pub const SUPERUSER: &str = "civicdesk";
const PORT: u16 = 5432;

#[derive(Debug, thiserror::Error)]
pub enum EmbeddedPgError {
    #[error(
        "PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found via `pg_config --bindir`, \
         PATH or /usr/lib/postgresql/*/bin. Install them (Debian/Ubuntu: `apt-get install postgresql`; \
         Fedora: `dnf install postgresql-server`; macOS: `brew install postgresql`) or point CivicDesk \
         at an existing database with DATABASE_URL=postgres://user:password@host/dbname"
    )]
    BinariesNotFound,
    #[error(
        "CivicDesk runs as root, and PostgreSQL refuses to; it runs the embedded server as the system \
         user `{0}`, which does not exist. Create it (`useradd --system --home-dir /nonexistent {0}`), \
         choose another with CIVICDESK__DATABASE__EMBEDDED_USER, or set DATABASE_URL"
    )]
    NoServiceUser(String),
    #[error(
        "the embedded PostgreSQL server runs as `{user}`, who cannot reach {path}: every folder above \
         the data dir must be searchable by that user (chmod o+x), or choose another --data-dir"
    )]
    NotTraversable { user: String, path: PathBuf },
    #[error("{path} is not empty and holds no PostgreSQL cluster; move it away or choose another --data-dir")]
    ForeignDirectory { path: PathBuf },
    #[error("`{command}` failed ({status}): {output}")]
    CommandFailed {
        command: String,
        status: String,
        output: String,
    },
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
    #[error("{context}: {source}")]
    Sys { context: String, source: nix::Error },
}

type Result<T> = std::result::Result<T, EmbeddedPgError>;

fn io_err(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> EmbeddedPgError {
    let context = context.into();
    move |source| EmbeddedPgError::Io { context, source }
}

/// Where the PostgreSQL server programs are.
#[derive(Debug, Clone)]
pub struct PgBinaries {
    bindir: PathBuf,
}

impl PgBinaries {
    /// Finds the server binaries: `pg_config --bindir`, then `PATH`, then the
    /// newest `/usr/lib/postgresql/*/bin` (Debian's layout).
    pub fn locate() -> Result<Self> {
        Self::locate_with(
            Path::new("pg_config"),
            std::env::var_os("PATH"),
            Path::new("/usr/lib/postgresql"),
        )
    }

    /// [`locate`](Self::locate) with the three places to look given explicitly.
    pub fn locate_with(
        pg_config: &Path,
        path_var: Option<std::ffi::OsString>,
        versions_root: &Path,
    ) -> Result<Self> {
        let has_server = |dir: &Path| {
            ["initdb", "pg_ctl", "postgres"]
                .iter()
                .all(|b| dir.join(b).is_file())
        };
        if let Ok(out) = Command::new(pg_config).arg("--bindir").output() {
            if out.status.success() {
                let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
                if has_server(&dir) {
                    return Ok(Self { bindir: dir });
                }
            }
        }
        if let Some(path) = path_var {
            for dir in std::env::split_paths(&path) {
                if has_server(&dir) {
                    // Resolve symlinks (e.g. /usr/local/bin/initdb -> /usr/lib/postgresql/15/bin)
                    // so the three programs come from one installation.
                    let real = fs::canonicalize(dir.join("initdb"))
                        .ok()
                        .and_then(|p| p.parent().map(Path::to_path_buf))
                        .filter(|d| has_server(d))
                        .unwrap_or(dir);
                    return Ok(Self { bindir: real });
                }
            }
        }
        let mut versions: Vec<(u32, PathBuf)> = fs::read_dir(versions_root)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| {
                let v = e.file_name().to_str()?.parse::<u32>().ok()?;
                let bin = e.path().join("bin");
                has_server(&bin).then_some((v, bin))
            })
            .collect();
        versions.sort();
        versions
            .pop()
            .map(|(_, bindir)| Self { bindir })
            .ok_or(EmbeddedPgError::BinariesNotFound)
    }

    pub fn bindir(&self) -> &Path {
        &self.bindir
    }

    fn program(&self, name: &str) -> PathBuf {
        self.bindir.join(name)
    }
}

/// How to start a cluster.
#[derive(Debug, Clone)]
pub struct ClusterOptions {
    /// The system user the server runs as when this process is root.
    pub service_user: String,
    /// Throwaway clusters (tests, benchmarks) trade durability for speed.
    pub durable: bool,
    pub max_connections: u32,
}

impl Default for ClusterOptions {
    fn default() -> Self {
        Self {
            service_user: "postgres".into(),
            durable: true,
            max_connections: 100,
        }
    }
}

/// The identity the server processes run under.
#[derive(Debug, Clone)]
struct RunAs {
    name: String,
    uid: Uid,
    gid: Gid,
}

/// A handle on the cluster in `DATA_DIR/postgres`, running while any handle exists.
#[derive(Debug)]
pub struct EmbeddedCluster {
    binaries: PgBinaries,
    pgdata: PathBuf,
    run_as: Option<RunAs>,
    users_lock: Option<Flock<File>>,
    users_lock_path: PathBuf,
    started_here: bool,
}

impl EmbeddedCluster {
    /// Starts (initialising on first use) or attaches to the cluster under `data_dir`.
    pub fn start(data_dir: &Path, options: &ClusterOptions) -> Result<Self> {
        let binaries = PgBinaries::locate()?;
        Self::start_with(binaries, data_dir, options)
    }

    pub fn start_with(
        binaries: PgBinaries,
        data_dir: &Path,
        options: &ClusterOptions,
    ) -> Result<Self> {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o755)
            .create(data_dir)
            .map_err(io_err(format!(
                "cannot create data dir {}",
                data_dir.display()
            )))?;
        let data_dir = fs::canonicalize(data_dir)
            .map_err(io_err(format!("cannot resolve {}", data_dir.display())))?;
        let run_as = if Uid::effective().is_root() {
            let user = User::from_name(&options.service_user)
                .map_err(|source| EmbeddedPgError::Sys {
                    context: format!("cannot look up user {}", options.service_user),
                    source,
                })?
                .ok_or_else(|| EmbeddedPgError::NoServiceUser(options.service_user.clone()))?;
            Some(RunAs {
                name: user.name,
                uid: user.uid,
                gid: user.gid,
            })
        } else {
            None
        };
        if let Some(run_as) = &run_as {
            check_traversable(&data_dir, run_as)?;
        }

        let start_lock = lock_file(&data_dir.join("postgres.start"), FlockArg::LockExclusive)?;
        let users_lock_path = data_dir.join("postgres.users");
        let users_lock = lock_file(&users_lock_path, FlockArg::LockShared)?;

        let mut cluster = Self {
            binaries,
            pgdata: data_dir.join("postgres"),
            run_as,
            users_lock: Some(users_lock),
            users_lock_path,
            started_here: false,
        };
        cluster.ensure_initialised(options)?;
        cluster.write_settings(options)?;
        if !cluster.is_running()? {
            cluster.remove_stale_lock_files()?;
            cluster.run_server_start()?;
            cluster.started_here = true;
        }
        cluster.ensure_database(DATABASE_NAME)?;
        drop(start_lock);
        Ok(cluster)
    }

    /// The folder holding the cluster (PGDATA) and its socket.
    pub fn pgdata(&self) -> &Path {
        &self.pgdata
    }

    /// Whether this handle started the server (rather than attaching to a running one).
    pub fn started_here(&self) -> bool {
        self.started_here
    }

    /// A libpq connection URL for `database` over the cluster's Unix socket.
    pub fn url_for(&self, database: &str) -> String {
        format!(
            "postgresql://{SUPERUSER}@/{database}?host={}&port={PORT}",
            percent_encode(&self.pgdata.to_string_lossy())
        )
    }

    pub fn database_url(&self) -> String {
        self.url_for(DATABASE_NAME)
    }

    /// The PID of the postmaster, if one is running on this cluster.
    pub fn postmaster_pid(&self) -> Option<i32> {
        let text = fs::read_to_string(self.pgdata.join("postmaster.pid")).ok()?;
        let pid: i32 = text.lines().next()?.trim().parse().ok()?;
        process_is_postgres(pid).then_some(pid)
    }

    /// Runs one SQL statement as the superuser against `database`.
    pub fn execute(&self, database: &str, sql: &str) -> Result<()> {
        use diesel::{Connection, PgConnection, RunQueryDsl};
        let mut conn = PgConnection::establish(&self.url_for(database)).map_err(|e| {
            EmbeddedPgError::CommandFailed {
                command: format!("connect to {database}"),
                status: "error".into(),
                output: e.to_string(),
            }
        })?;
        diesel::sql_query(sql)
            .execute(&mut conn)
            .map(|_| ())
            .map_err(|e| EmbeddedPgError::CommandFailed {
                command: sql.chars().take(80).collect(),
                status: "error".into(),
                output: e.to_string(),
            })
    }

    /// Stops the server now if no other process uses it. Called on shutdown;
    /// dropping the handle does the same.
    pub fn release(mut self) -> Result<()> {
        self.release_inner()
    }

    /// Lets go of the cluster without stopping it: it keeps running for `psql`
    /// and is stopped by the next CivicDesk process that is its last user.
    pub fn leave_running(mut self) {
        self.users_lock = None;
    }

    /// Stops the server immediately whoever uses it (tests of `/readyz`).
    pub fn force_stop(&self) -> Result<()> {
        self.pg_ctl(&["stop", "-m", "fast", "-w", "-t", "60"])
            .map(|_| ())
    }

    /// Starts the server again after [`force_stop`](Self::force_stop).
    pub fn restart_server(&self) -> Result<()> {
        self.remove_stale_lock_files()?;
        self.run_server_start()
    }

    fn release_inner(&mut self) -> Result<()> {
        let Some(shared) = self.users_lock.take() else {
            return Ok(());
        };
        drop(shared.unlock().map_err(|(_, e)| EmbeddedPgError::Sys {
            context: "cannot release the cluster users lock".into(),
            source: e,
        })?);
        let file = open_lock_file(&self.users_lock_path)?;
        match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
            Ok(exclusive) => {
                let result = if self.is_running()? {
                    tracing::info!(pgdata = %self.pgdata.display(), "stopping embedded PostgreSQL");
                    self.pg_ctl(&["stop", "-m", "fast", "-w", "-t", "60"])
                        .map(|_| ())
                } else {
                    Ok(())
                };
                drop(exclusive);
                result
            }
            Err(_) => {
                tracing::info!(
                    "embedded PostgreSQL left running for the other CivicDesk processes using it"
                );
                Ok(())
            }
        }
    }

    fn ensure_initialised(&self, options: &ClusterOptions) -> Result<()> {
        if self.pgdata.join("PG_VERSION").is_file() {
            return Ok(());
        }
        if self.pgdata.exists() {
            let empty = fs::read_dir(&self.pgdata)
                .map_err(io_err(format!("cannot read {}", self.pgdata.display())))?
                .next()
                .is_none();
            if !empty {
                return Err(EmbeddedPgError::ForeignDirectory {
                    path: self.pgdata.clone(),
                });
            }
        } else {
            fs::DirBuilder::new()
                .mode(0o700)
                .create(&self.pgdata)
                .map_err(io_err(format!("cannot create {}", self.pgdata.display())))?;
        }
        self.hand_over(&self.pgdata)?;
        tracing::info!(pgdata = %self.pgdata.display(), "initialising embedded PostgreSQL cluster");
        let pgdata = self.pgdata.to_string_lossy().into_owned();
        let mut args = vec![
            "-D",
            &pgdata,
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
        ];
        if !options.durable {
            args.push("--no-sync");
        }
        self.run(self.binaries.program("initdb"), &args)?;
        let mut conf = OpenOptions::new()
            .append(true)
            .open(self.pgdata.join("postgresql.conf"))
            .map_err(io_err("cannot open postgresql.conf"))?;
        writeln!(
            conf,
            "\n# CivicDesk writes its own settings here on every start.\ninclude_if_exists = 'civicdesk.conf'"
        )
        .map_err(io_err("cannot write postgresql.conf"))?;
        Ok(())
    }

    fn write_settings(&self, options: &ClusterOptions) -> Result<()> {
        let mut text = format!(
            "listen_addresses = ''\nport = {PORT}\nunix_socket_directories = '{}'\n\
             unix_socket_permissions = 0700\nmax_connections = {}\n",
            self.pgdata.to_string_lossy().replace('\'', "''"),
            options.max_connections,
        );
        if !options.durable {
            text.push_str(
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\nshared_buffers = 64MB\n",
            );
        }
        let path = self.pgdata.join("civicdesk.conf");
        fs::write(&path, text).map_err(io_err(format!("cannot write {}", path.display())))?;
        self.hand_over(&path)
    }

    fn is_running(&self) -> Result<bool> {
        Ok(self.postmaster_pid().is_some() && self.socket_path().exists())
    }

    fn socket_path(&self) -> PathBuf {
        self.pgdata.join(format!(".s.PGSQL.{PORT}"))
    }

    /// After a crash `postmaster.pid` (and the socket's lock file) may name a
    /// process that is gone or is no longer PostgreSQL; PostgreSQL would refuse to start.
    fn remove_stale_lock_files(&self) -> Result<()> {
        for name in [
            "postmaster.pid".to_string(),
            format!(".s.PGSQL.{PORT}.lock"),
        ] {
            let path = self.pgdata.join(&name);
            let Ok(text) = fs::read_to_string(&path) else {
                continue;
            };
            let pid = text
                .lines()
                .next()
                .and_then(|l| l.trim().parse::<i32>().ok());
            if !pid.is_some_and(process_is_postgres) {
                tracing::warn!(file = %path.display(), "removing stale PostgreSQL lock file left by a crash");
                fs::remove_file(&path)
                    .map_err(io_err(format!("cannot remove {}", path.display())))?;
            }
        }
        Ok(())
    }

    fn run_server_start(&self) -> Result<()> {
        let log = self.pgdata.join("civicdesk-server.log");
        let log = log.to_string_lossy().into_owned();
        tracing::info!(pgdata = %self.pgdata.display(), "starting embedded PostgreSQL");
        self.pg_ctl(&["start", "-w", "-t", "120", "-l", &log])
            .map_err(|e| match e {
                EmbeddedPgError::CommandFailed {
                    command,
                    status,
                    output,
                } => {
                    let tail = fs::read_to_string(&log)
                        .map(|t| {
                            t.lines()
                                .rev()
                                .take(8)
                                .collect::<Vec<_>>()
                                .into_iter()
                                .rev()
                                .collect::<Vec<_>>()
                                .join("\n")
                        })
                        .unwrap_or_default();
                    EmbeddedPgError::CommandFailed {
                        command,
                        status,
                        output: format!("{output}\nserver log ({log}):\n{tail}"),
                    }
                }
                other => other,
            })?;
        Ok(())
    }

    fn ensure_database(&self, name: &str) -> Result<()> {
        use diesel::{Connection, PgConnection, RunQueryDsl};
        #[derive(diesel::QueryableByName)]
        struct Exists {
            #[diesel(sql_type = diesel::sql_types::Bool)]
            exists: bool,
        }
        let mut conn = PgConnection::establish(&self.url_for("postgres")).map_err(|e| {
            EmbeddedPgError::CommandFailed {
                command: "connect to the embedded cluster".into(),
                status: "error".into(),
                output: e.to_string(),
            }
        })?;
        let found: Exists = diesel::sql_query(
            "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS exists",
        )
        .bind::<diesel::sql_types::Text, _>(name)
        .get_result(&mut conn)
        .map_err(|e| EmbeddedPgError::CommandFailed {
            command: "look up database".into(),
            status: "error".into(),
            output: e.to_string(),
        })?;
        if !found.exists {
            diesel::sql_query(format!("CREATE DATABASE \"{name}\""))
                .execute(&mut conn)
                .map_err(|e| EmbeddedPgError::CommandFailed {
                    command: format!("CREATE DATABASE {name}"),
                    status: "error".into(),
                    output: e.to_string(),
                })?;
        }
        Ok(())
    }

    fn pg_ctl(&self, args: &[&str]) -> Result<Output> {
        let pgdata = self.pgdata.to_string_lossy().into_owned();
        let mut all = vec!["-D", pgdata.as_str()];
        all.extend_from_slice(args);
        self.run(self.binaries.program("pg_ctl"), &all)
    }

    /// Runs a PostgreSQL program as the service user, in its own session so a
    /// Ctrl-C meant for CivicDesk does not reach the server before CivicDesk has
    /// finished its in-flight requests.
    fn run(&self, program: PathBuf, args: &[&str]) -> Result<Output> {
        let mut cmd = Command::new(&program);
        cmd.args(args)
            .current_dir(&self.pgdata)
            .env_remove("PGDATA")
            .env("LC_ALL", "C")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let run_as = self.run_as.clone();
        // SAFETY: only async-signal-safe syscalls run between fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                nix::unistd::setsid().map_err(std::io::Error::from)?;
                if let Some(r) = &run_as {
                    nix::unistd::setgroups(&[r.gid]).map_err(std::io::Error::from)?;
                    nix::unistd::setgid(r.gid).map_err(std::io::Error::from)?;
                    nix::unistd::setuid(r.uid).map_err(std::io::Error::from)?;
                }
                Ok(())
            });
        }
        let command = format!(
            "{} {}",
            program
                .file_name()
                .unwrap_or(OsStr::new("?"))
                .to_string_lossy(),
            args.join(" ")
        );
        // pg_ctl start leaves the server holding our pipes; read with a bound.
        let out = wait_with_timeout(cmd, Duration::from_secs(180))
            .map_err(io_err(format!("cannot run {command}")))?;
        if out.status.success() {
            Ok(out)
        } else {
            Err(EmbeddedPgError::CommandFailed {
                command,
                status: out.status.to_string(),
                output: format!(
                    "{}{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                )
                .trim()
                .to_string(),
            })
        }
    }

    /// Gives a path to the service user when running as root.
    fn hand_over(&self, path: &Path) -> Result<()> {
        if let Some(r) = &self.run_as {
            nix::unistd::chown(path, Some(r.uid), Some(r.gid)).map_err(|source| {
                EmbeddedPgError::Sys {
                    context: format!("cannot give {} to {}", path.display(), r.name),
                    source,
                }
            })?;
        }
        Ok(())
    }
}

impl Drop for EmbeddedCluster {
    fn drop(&mut self) {
        if let Err(e) = self.release_inner() {
            tracing::error!(error = %e, "could not stop embedded PostgreSQL");
        }
    }
}

/// Runs a command, collecting its output, but does not wait for grandchildren
/// that keep the pipes open (pg_ctl's server) beyond the child's own exit.
fn wait_with_timeout(mut cmd: Command, limit: Duration) -> std::io::Result<Output> {
    let dir = tempfile_dir()?;
    let out_path = dir.join("out");
    let err_path = dir.join("err");
    cmd.stdout(File::create(&out_path)?)
        .stderr(File::create(&err_path)?);
    let mut child = cmd.spawn()?;
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            break child.wait()?;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let output = Output {
        status,
        stdout: fs::read(&out_path).unwrap_or_default(),
        stderr: fs::read(&err_path).unwrap_or_default(),
    };
    let _ = fs::remove_dir_all(&dir);
    Ok(output)
}

fn tempfile_dir() -> std::io::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!(
        "civicdesk-pgctl-{}-{}",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ));
    fs::DirBuilder::new().mode(0o700).create(&dir)?;
    Ok(dir)
}

fn open_lock_file(path: &Path) -> Result<File> {
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(path)
        .map_err(io_err(format!("cannot open lock file {}", path.display())))
}

fn lock_file(path: &Path, arg: FlockArg) -> Result<Flock<File>> {
    Flock::lock(open_lock_file(path)?, arg).map_err(|(_, source)| EmbeddedPgError::Sys {
        context: format!("cannot lock {}", path.display()),
        source,
    })
}

/// Whether `pid` is alive and is a PostgreSQL server process.
fn process_is_postgres(pid: i32) -> bool {
    if pid <= 0 {
        return false;
    }
    match fs::read(format!("/proc/{pid}/cmdline")) {
        Ok(cmdline) => cmdline
            .split(|b| *b == 0)
            .next()
            .map(|argv0| String::from_utf8_lossy(argv0).contains("postgres"))
            .unwrap_or(false),
        // No /proc (e.g. macOS): fall back to "is it alive".
        Err(_) if !Path::new("/proc/self").exists() => {
            nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_ok()
        }
        Err(_) => false,
    }
}

/// Every folder from `/` to `dir` must be searchable by the service user.
fn check_traversable(dir: &Path, run_as: &RunAs) -> Result<()> {
    for ancestor in dir.ancestors() {
        let Ok(meta) = fs::metadata(ancestor) else {
            continue;
        };
        use std::os::unix::fs::MetadataExt;
        let mode = meta.mode();
        let ok = if meta.uid() == run_as.uid.as_raw() {
            mode & 0o100 != 0
        } else if meta.gid() == run_as.gid.as_raw() {
            mode & 0o010 != 0
        } else {
            mode & 0o001 != 0
        };
        if !ok {
            return Err(EmbeddedPgError::NotTraversable {
                user: run_as.name.clone(),
                path: ancestor.to_path_buf(),
            });
        }
    }
    Ok(())
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_encode_the_socket_path() {
        assert_eq!(percent_encode("/a b/var"), "%2Fa%20b%2Fvar");
    }

    #[test]
    fn the_current_process_is_not_postgres() {
        assert!(!process_is_postgres(std::process::id() as i32));
        assert!(!process_is_postgres(0));
    }
}
