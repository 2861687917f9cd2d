//! The binary as a person runs it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::{cluster, scratch_dir, wait_until_gone};

const BIN: &str = env!("CARGO_BIN_EXE_civicdesk");

fn civicdesk() -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("DATABASE_URL")
        .env_remove("CIVICDESK_ENV")
        .env("RUST_LOG", "warn");
    cmd
}

#[test]
fn help_lists_every_command() {
    let out = civicdesk().arg("--help").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for c in [
        "serve",
        "migrate",
        "seed-demo",
        "create-user",
        "db-url",
        "--data-dir",
    ] {
        assert!(text.contains(c), "--help lacks {c}");
    }
    let out = civicdesk().args(["serve", "--help"]).output().unwrap();
    assert!(String::from_utf8(out.stdout).unwrap().contains("--bind"));
}

#[test]
fn db_url_honours_database_url_and_env_overrides() {
    let out = civicdesk()
        .arg("db-url")
        .env("DATABASE_URL", "postgres://u:p@db.example/civic")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim(),
        "postgres://u:p@db.example/civic"
    );

    let out = civicdesk()
        .arg("db-url")
        .env("CIVICDESK__DATABASE__URL", "postgresql://other/db")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim(),
        "postgresql://other/db"
    );
}

#[test]
fn bad_config_exits_with_a_message_naming_the_key() {
    let out = civicdesk()
        .args(["db-url"])
        .env("CIVICDESK__APPLICATION__TIME_ZONE", "Nowhere/Land")
        .env("CIVICDESK__DATABASE__POOL_SIZE", "0")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("application.time_zone") && err.contains("database.pool_size"),
        "{err}"
    );

    let out = civicdesk()
        .args(["db-url"])
        .env("CIVICDESK_ENV", "production")
        .env("DATABASE_URL", "postgres://x/y")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .contains("security.jwt_secret"));
}

#[test]
fn create_user_validates_and_creates() {
    let url = cluster().new_database();
    let data = scratch_dir("civicdesk-cu-");
    let run = |args: &[&str], password: &str| {
        civicdesk()
            .args(["--data-dir", data.to_str().unwrap(), "create-user"])
            .args(args)
            .env("DATABASE_URL", &url)
            .env("CIVICDESK_PASSWORD", password)
            .output()
            .unwrap()
    };
    let out = civicdesk()
        .args(["--data-dir", data.to_str().unwrap(), "seed-demo"])
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8(out.stdout).unwrap();
    assert!(
        printed.contains("admin@demo-council.invalid"),
        "demo logins are printed"
    );

    let ok = run(
        &[
            "--email",
            "new.agent@example.org",
            "--name",
            "New Agent",
            "--role",
            "agent",
            "--department",
            "roads",
            "--department",
            "Waste & Recycling",
        ],
        "a long enough password",
    );
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );

    for (args, password, expect) in [
        (
            vec![
                "--email",
                "new.agent@example.org",
                "--name",
                "Again",
                "--role",
                "agent",
                "--department",
                "roads",
            ],
            "a long enough password",
            "already exists",
        ),
        (
            vec![
                "--email",
                "x@example.org",
                "--name",
                "X",
                "--role",
                "wizard",
            ],
            "a long enough password",
            "not a role",
        ),
        (
            vec!["--email", "x@example.org", "--name", "X", "--role", "agent"],
            "a long enough password",
            "at least one --department",
        ),
        (
            vec![
                "--email",
                "x@example.org",
                "--name",
                "X",
                "--role",
                "agent",
                "--department",
                "nowhere",
            ],
            "a long enough password",
            "no department",
        ),
        (
            vec!["--email", "not-an-email", "--name", "X", "--role", "admin"],
            "a long enough password",
            "not an email",
        ),
        (
            vec!["--email", "x@example.org", "--name", "X", "--role", "admin"],
            "short",
            "at least 12",
        ),
    ] {
        let out = run(&args, password);
        assert!(!out.status.success(), "{args:?} was accepted");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains(expect), "{args:?}: {err}");
    }
    let _ = std::fs::remove_dir_all(data);
}

struct Serving {
    child: Child,
    stderr: std::path::PathBuf,
    url: String,
    stdout: Vec<String>,
}

/// The child is waited for by `interrupt_and_wait`.
#[allow(clippy::zombie_processes)]
fn serve(data: &std::path::Path) -> Serving {
    let mut child = civicdesk()
        .args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--data-dir",
            data.to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::from(
            std::fs::File::create(data.join("serve.stderr")).unwrap(),
        ))
        .spawn()
        .unwrap();
    let stderr = data.join("serve.stderr");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut lines = Vec::new();
    loop {
        let line = rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("serve printed its URL in time");
        lines.push(line.clone());
        if let Some(rest) = line.split("running at ").nth(1) {
            let url = rest.split_whitespace().next().unwrap().to_string();
            return Serving {
                child,
                stderr,
                url,
                stdout: lines,
            };
        }
    }
}

fn interrupt_and_wait(mut s: Serving) {
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(s.child.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = s.child.try_wait().unwrap() {
            assert!(
                status.success(),
                "serve exited with {status}: {}",
                std::fs::read_to_string(&s.stderr).unwrap_or_default()
            );
            return;
        }
        assert!(Instant::now() < deadline, "serve did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn get(url: &str) -> (u16, String) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let res = reqwest::get(url).await.unwrap();
        (res.status().as_u16(), res.text().await.unwrap())
    })
}

#[test]
fn serve_runs_the_embedded_default_end_to_end() {
    let data = scratch_dir("civicdesk-serve-");
    // First start: initdb, migrations, demo seed, logins printed once.
    let s = serve(&data);
    let printed = s.stdout.join("\n");
    assert!(printed.contains("admin@demo-council.invalid"), "{printed}");
    let (status, html) = get(&s.url);
    assert_eq!(status, 200);
    assert!(html.contains("Missed bin collection"));
    let pgdata = data.join("postgres");
    let pid: i32 = std::fs::read_to_string(pgdata.join("postmaster.pid"))
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .parse()
        .unwrap();

    // A command on the same data dir uses the running cluster and leaves it running.
    let out = civicdesk()
        .args(["--data-dir", data.to_str().unwrap(), "migrate"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8(out.stdout)
        .unwrap()
        .contains("up to date"));
    assert_eq!(
        get(&format!("{}/readyz", s.url)).0,
        200,
        "migrate left the cluster running"
    );

    // Ctrl-C stops the portal and its PostgreSQL.
    interrupt_and_wait(s);
    wait_until_gone(pid);
    assert!(!pgdata.join("postmaster.pid").exists());

    // The same command again reuses the data: no second seed, no new passwords.
    let s = serve(&data);
    assert!(!s.stdout.join("\n").contains("admin@demo-council.invalid"));
    assert!(get(&s.url).1.contains("Missed bin collection"));
    interrupt_and_wait(s);
    let _ = std::fs::remove_dir_all(data);
}

#[test]
fn the_embedded_server_also_runs_for_an_ordinary_user() {
    if !nix::unistd::Uid::effective().is_root() {
        // Already an ordinary user: every other embedded test covers this case.
        return;
    }
    let Ok(user) = nix::unistd::User::from_name("postgres") else {
        return;
    };
    let Some(user) = user else { return };
    let data = scratch_dir("civicdesk-user-");
    nix::unistd::chown(&data, Some(user.uid), Some(user.gid)).unwrap();
    let out = Command::new("runuser")
        .args([
            "-u",
            "postgres",
            "--",
            BIN,
            "--data-dir",
            data.to_str().unwrap(),
            "migrate",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8(out.stdout).unwrap().contains("migration"));
    assert!(
        !data.join("postgres/postmaster.pid").exists(),
        "stopped after the command"
    );
    let _ = std::fs::remove_dir_all(data);
}
