//! What the CLI's commands do, kept apart from argument parsing.

use anyhow::{bail, Context};
use diesel::prelude::*;
use secrecy::SecretString;

use crate::auth::password;
use crate::cli::CreateUserArgs;
use crate::configuration::Settings;
use crate::database::Database;
use crate::db::models::user::{NewMembership, NewUser, User};
use crate::domain::role::Role;
use crate::schema::{departments, user_departments, users};
use crate::startup::{shutdown_signal, Application};

/// `civicdesk serve`: migrate, seed on first start, serve until SIGINT/SIGTERM,
/// then stop in order: HTTP (in-flight requests finish), pool, embedded cluster.
pub async fn serve(settings: Settings) -> anyhow::Result<()> {
    let settings_for_db = settings.clone();
    let database = tokio::task::spawn_blocking(move || prepare_database(&settings_for_db))
        .await
        .context("preparing the database")??;
    let pool = crate::db::build_pool(
        database.url(),
        settings.database.pool_size.get(),
        std::time::Duration::from_secs(settings.database.connect_timeout_seconds),
    );
    let bind = settings.application.bind;
    let app = Application::build(settings, pool)?;
    let url = format!("http://{}:{}", display_host(bind.ip()), app.port());
    println!("CivicDesk is running at {url}  (Ctrl-C to stop)");
    tracing::info!(%url, "listening");
    let handle = app.handle();
    let server = tokio::spawn(app.run_until_stopped());
    tokio::select! {
        result = server => {
            result.context("the HTTP server task failed")?.context("the HTTP server failed")?;
            tracing::warn!("the HTTP server stopped by itself");
        }
        () = shutdown_signal() => {
            handle.stop(true).await;
            tracing::info!("HTTP server stopped");
        }
    }
    tokio::task::spawn_blocking(move || database.close())
        .await
        .context("stopping the database")??;
    println!("CivicDesk stopped.");
    Ok(())
}

fn display_host(ip: std::net::IpAddr) -> String {
    match ip {
        ip if ip.is_unspecified() => "127.0.0.1".into(),
        std::net::IpAddr::V6(v6) => format!("[{v6}]"),
        ip => ip.to_string(),
    }
}

/// Opens the database, applies migrations and, on the embedded default's
/// first start, seeds the demo council and prints its logins.
fn prepare_database(settings: &Settings) -> anyhow::Result<Database> {
    let database = Database::open(settings)?;
    let mut conn = crate::db::connect(database.url())?;
    let applied = crate::db::migrate(&mut conn)?;
    if !applied.is_empty() {
        tracing::info!(count = applied.len(), "applied migrations");
    }
    if database.is_embedded()
        && settings.database.seed_demo_on_first_start
        && crate::seed::is_empty(&mut conn)?
    {
        println!("First start: creating the demo council…");
        let tz = settings.application.time_zone;
        let report = crate::seed::seed_demo(&mut conn, tz, crate::seed::current_year(tz))?;
        crate::seed::announce_logins(&report.logins, &settings.application.data_dir)?;
    }
    Ok(database)
}

/// `civicdesk create-user`: validates everything before writing anything.
pub fn create_user(
    conn: &mut PgConnection,
    args: &CreateUserArgs,
    password: &SecretString,
) -> anyhow::Result<i64> {
    let email = args.email.trim();
    if !is_plausible_email(email) {
        bail!("`{email}` is not an email address");
    }
    let name = args.name.trim();
    if name.is_empty() || name.chars().count() > 120 {
        bail!("the name must be 1 to 120 characters");
    }
    let role: Role = args.role.parse()?;
    if role.belongs_to_departments() && args.departments.is_empty() {
        bail!("a {role} needs at least one --department");
    }
    let hash = password::hash(password)?;
    conn.transaction(|conn| {
        if User::find_by_email(conn, email)?.is_some() {
            bail!("a user with the email {email} already exists");
        }
        let mut department_ids = Vec::new();
        for d in &args.departments {
            let id: Option<i64> = departments::table
                .filter(departments::slug.eq(d).or(departments::name.eq(d)))
                .select(departments::id)
                .first(conn)
                .optional()?;
            match id {
                Some(id) => department_ids.push(id),
                None => bail!("there is no department `{d}` (use its slug or exact name)"),
            }
        }
        let id: i64 = diesel::insert_into(users::table)
            .values(&NewUser {
                email,
                name,
                role,
                password_hash: &hash,
            })
            .returning(users::id)
            .get_result(conn)?;
        for department_id in department_ids {
            diesel::insert_into(user_departments::table)
                .values(&NewMembership {
                    user_id: id,
                    department_id,
                })
                .on_conflict_do_nothing()
                .execute(conn)?;
        }
        Ok(id)
    })
}

fn is_plausible_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && s.len() <= 254
        && !s.chars().any(char::is_whitespace)
}
