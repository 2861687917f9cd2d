//! What every benchmark needs around its throwaway PostgreSQL cluster: a
//! scratch folder the server's user can reach, and a watchdog that cleans up
//! if the benchmark is killed. Each bench includes it with `mod common;`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::Context;

/// A temporary folder the PostgreSQL service user can traverse (when we run as
/// root the server runs as `postgres`); removed on drop.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(prefix: &str) -> anyhow::Result<Self> {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::Builder::new()
            .prefix(prefix)
            .tempdir()
            .context("creating a temporary folder")?
            .keep();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755))?;
        Ok(Self(dir))
    }

    #[allow(dead_code)] // not every bench asks for it
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// A throwaway cluster (fsync off) in `scratch/db`, with the watchdog that
/// stops it and removes the folder if the benchmark is killed.
pub fn throwaway_cluster(
    scratch: &Scratch,
    options: civicdesk::embedded_pg::ClusterOptions,
) -> anyhow::Result<civicdesk::embedded_pg::EmbeddedCluster> {
    eprintln!(
        "starting a throwaway PostgreSQL cluster in {}",
        scratch.0.display()
    );
    let cluster = civicdesk::embedded_pg::EmbeddedCluster::start(
        &scratch.0.join("db"),
        &civicdesk::embedded_pg::ClusterOptions {
            durable: false,
            ..options
        },
    )
    .context("starting the throwaway PostgreSQL cluster")?;
    spawn_watchdog(&scratch.0, cluster.pgdata());
    Ok(cluster)
}

/// If this process is killed, stop the cluster and delete the folder anyway.
/// The watchdog must outlive us, so it is deliberately never waited for.
#[allow(clippy::zombie_processes)]
pub fn spawn_watchdog(root: &Path, pgdata: &Path) {
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
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(script)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    // SAFETY: setsid is async-signal-safe.
    unsafe {
        cmd.pre_exec(|| {
            nix::unistd::setsid().map_err(std::io::Error::from)?;
            Ok(())
        });
    }
    let _ = cmd.spawn();
}
