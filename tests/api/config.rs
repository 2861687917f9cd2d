use std::path::Path;

use civicdesk::configuration::{Environment, Overrides, Settings};
use secrecy::ExposeSecret;

use crate::helpers::scratch_dir;

fn config_dir(files: &[(&str, &str)]) -> std::path::PathBuf {
    let dir = scratch_dir("civicdesk-cfg-");
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    dir
}

fn load(
    env: Environment,
    dir: &Path,
    set: &[(&str, &str)],
) -> Result<Settings, civicdesk::configuration::ConfigError> {
    let data_dir = dir.join("data");
    let mut all: Vec<(String, String)> = set
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    all.push((
        "application.data_dir".into(),
        data_dir.display().to_string(),
    ));
    Settings::load_for(
        env,
        &Overrides {
            config_dir: Some(dir.to_path_buf()),
            set: all,
            ..Overrides::default()
        },
    )
}

#[test]
fn layers_apply_in_order() {
    let dir = config_dir(&[
        (
            "default.toml",
            "[application]\ncouncil_name = \"From default\"\ntime_zone = \"Asia/Tehran\"\n",
        ),
        ("test.toml", "[application]\ncouncil_name = \"From test\"\n"),
    ]);
    let s = load(Environment::Test, &dir, &[]).unwrap();
    assert_eq!(s.application.council_name, "From test");
    assert_eq!(s.application.time_zone, chrono_tz::Asia::Tehran);
    // Built-in defaults fill what the files leave out.
    assert_eq!(s.application.bind.to_string(), "127.0.0.1:8080");
    let s = load(
        Environment::Test,
        &dir,
        &[("application.council_name", "From override")],
    )
    .unwrap();
    assert_eq!(s.application.council_name, "From override");
    // Another environment's file does not apply.
    let s = load(Environment::Development, &dir, &[]).unwrap();
    assert_eq!(s.application.council_name, "From default");
}

#[test]
fn validation_names_every_bad_key() {
    let dir = config_dir(&[]);
    let err = load(
        Environment::Test,
        &dir,
        &[
            ("application.bind", "not-an-address"),
            ("application.time_zone", "Mars/Olympus"),
            ("database.pool_size", "0"),
            ("smtp.tls", "maybe"),
            ("application.public_base_url", "ftp://x"),
        ],
    )
    .unwrap_err();
    let text = err.to_string();
    for key in [
        "application.bind",
        "application.time_zone",
        "database.pool_size",
        "smtp.tls",
        "application.public_base_url",
    ] {
        assert!(err.mentions(key), "{key} missing from: {text}");
    }
    assert!(
        text.contains("Mars/Olympus") && text.contains("IANA"),
        "{text}"
    );
}

#[test]
fn secrets_may_not_be_written_in_config_files() {
    let dir = config_dir(&[(
        "test.toml",
        "[security]\njwt_secret = \"abcdefghijklmnopqrstuvwxyz0123456789\"\n",
    )]);
    let err = load(Environment::Test, &dir, &[]).unwrap_err();
    assert!(err.mentions("security.jwt_secret"), "{err}");
}

#[test]
fn production_refuses_a_missing_weak_or_short_secret() {
    let dir = config_dir(&[]);
    let err = load(Environment::Production, &dir, &[]).unwrap_err();
    assert!(err.mentions("security.jwt_secret"), "{err}");
    let err = load(
        Environment::Production,
        &dir,
        &[("security.jwt_secret", "short")],
    )
    .unwrap_err();
    assert!(err.to_string().contains("at least 32 bytes"));

    let secret = "k".repeat(40);
    let secret_file = dir.join("jwt.key");
    std::fs::write(&secret_file, format!("{secret}\n")).unwrap();
    let s = load(
        Environment::Production,
        &dir,
        &[("security.jwt_secret_file", secret_file.to_str().unwrap())],
    )
    .unwrap();
    assert_eq!(s.security.jwt_secret.expose_secret(), secret);
    // Secrets never show in debug output (and so never in logs).
    assert!(!format!("{s:?}").contains(&secret));
}

#[test]
fn development_keeps_a_generated_secret_between_starts() {
    let dir = config_dir(&[]);
    let a = load(Environment::Development, &dir, &[]).unwrap();
    let b = load(Environment::Development, &dir, &[]).unwrap();
    assert!(a.security.jwt_secret.expose_secret().len() >= 32);
    assert_eq!(
        a.security.jwt_secret.expose_secret(),
        b.security.jwt_secret.expose_secret()
    );
}

#[test]
fn the_shipped_config_files_are_valid() {
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
    for env in [Environment::Development, Environment::Test] {
        load(env, &shipped, &[]).unwrap_or_else(|e| panic!("{env:?}: {e}"));
    }
    let s = load(
        Environment::Production,
        &shipped,
        &[("security.jwt_secret", &"p".repeat(48))],
    )
    .unwrap();
    assert!(!s.database.seed_demo_on_first_start);
}

#[test]
fn jobs_settings_have_defaults_and_are_validated() {
    let dir = config_dir(&[]);
    let s = load(Environment::Test, &dir, &[]).unwrap();
    assert!(s.jobs.enabled);
    assert_eq!(s.jobs.outbox_interval, std::time::Duration::from_secs(2));
    let s = load(
        Environment::Test,
        &dir,
        &[
            ("jobs.enabled", "false"),
            ("jobs.outbox_interval_seconds", "30"),
        ],
    )
    .unwrap();
    assert!(!s.jobs.enabled);
    assert_eq!(s.jobs.outbox_interval, std::time::Duration::from_secs(30));
    for bad in ["0", "3601", "-1"] {
        let err = load(
            Environment::Test,
            &dir,
            &[("jobs.outbox_interval_seconds", bad)],
        )
        .unwrap_err();
        assert!(err.mentions("jobs.outbox_interval_seconds"), "{bad}: {err}");
    }
}
