use std::time::Duration;

use civicdesk::embedded_pg::{EmbeddedCluster, EmbeddedPgError, PgBinaries};

use crate::helpers::{alive, scratch_dir, throwaway_options, wait_until_gone};

#[test]
fn starts_is_reused_and_stops_with_its_last_user() {
    let root = scratch_dir("civicdesk-emb-");
    let first = EmbeddedCluster::start(&root, &throwaway_options()).expect("start");
    assert!(first.started_here());
    assert!(root.join("postgres/PG_VERSION").is_file(), "initdb ran");
    let pid = first.postmaster_pid().expect("running");

    // A second process on the same data dir attaches instead of starting another server.
    let second = EmbeddedCluster::start(&root, &throwaway_options()).expect("attach");
    assert!(!second.started_here());
    assert_eq!(second.postmaster_pid(), Some(pid));

    // The first leaving does not stop it under the second...
    first.release().unwrap();
    assert!(alive(pid));
    second
        .execute("civicdesk", "SELECT 1")
        .expect("still answering");
    // ...the last one leaving does.
    second.release().unwrap();
    wait_until_gone(pid);
    assert!(!root.join("postgres/postmaster.pid").exists());

    // Reuse: the cluster starts again from the same folder, data intact.
    let third = EmbeddedCluster::start(&root, &throwaway_options()).expect("restart");
    assert!(third.started_here());
    third
        .execute("civicdesk", "CREATE TABLE kept (x int)")
        .unwrap();
    third.release().unwrap();
    let fourth = EmbeddedCluster::start(&root, &throwaway_options()).unwrap();
    fourth
        .execute("civicdesk", "SELECT * FROM kept")
        .expect("data survived a restart");
    fourth.release().unwrap();
    let _ = std::fs::remove_dir_all(root);
}

#[test]
fn recovers_from_a_stale_postmaster_pid() {
    let root = scratch_dir("civicdesk-stale-");
    let cluster = EmbeddedCluster::start(&root, &throwaway_options()).expect("start");
    cluster.release().unwrap();
    // A crash leaves postmaster.pid behind naming a process that is gone.
    let dead = std::process::Command::new("true").spawn().unwrap();
    let dead_pid = dead.id();
    let mut dead = dead;
    dead.wait().unwrap();
    let pid_file = root.join("postgres/postmaster.pid");
    std::fs::write(
        &pid_file,
        format!("{dead_pid}\n{}\n0\n5432\n", root.join("postgres").display()),
    )
    .unwrap();

    let cluster = EmbeddedCluster::start(&root, &throwaway_options())
        .expect("starts despite the stale pid file");
    assert!(cluster.started_here());
    cluster.execute("civicdesk", "SELECT 1").unwrap();
    cluster.release().unwrap();
    let _ = std::fs::remove_dir_all(root);
}

#[test]
fn recovers_after_the_server_was_killed() {
    let root = scratch_dir("civicdesk-kill-");
    let cluster = EmbeddedCluster::start(&root, &throwaway_options()).expect("start");
    let pid = cluster.postmaster_pid().unwrap();
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    wait_until_gone(pid);
    drop(cluster);
    // Orphaned backends may take a moment to notice their postmaster died.
    let mut last = None;
    for _ in 0..40 {
        match EmbeddedCluster::start(&root, &throwaway_options()) {
            Ok(c) => {
                c.execute("civicdesk", "SELECT 1").unwrap();
                c.release().unwrap();
                let _ = std::fs::remove_dir_all(&root);
                return;
            }
            Err(e) => last = Some(e),
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    panic!("did not recover: {:?}", last);
}

#[test]
fn missing_binaries_say_what_to_install() {
    let empty = scratch_dir("civicdesk-nobin-");
    let err = PgBinaries::locate_with(
        &empty.join("pg_config"),
        Some(empty.clone().into_os_string()),
        &empty,
    )
    .unwrap_err();
    assert!(matches!(err, EmbeddedPgError::BinariesNotFound));
    let msg = err.to_string();
    assert!(msg.contains("apt-get install postgresql"), "{msg}");
    assert!(msg.contains("DATABASE_URL"), "{msg}");
}

#[test]
fn finds_the_machines_binaries() {
    let bins = PgBinaries::locate().expect("this machine has PostgreSQL");
    assert!(bins.bindir().join("initdb").is_file());
}
