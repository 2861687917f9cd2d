//! What the CLI's commands do, kept apart from argument parsing.

use anyhow::Context;
use diesel::prelude::*;
use secrecy::SecretString;

use crate::auth::password;
use crate::cli::{ApiKeyCommand, CreateUserArgs, UserCommand};
use crate::configuration::Settings;
use crate::database::Database;
use crate::jobs::{run_outbox_worker, run_sla_worker};
use crate::staff::users::{self, AccountError};
use crate::startup::{shutdown_signal, Application};

/// `civicdesk serve`: migrate, seed on first start, then run the HTTP server
/// and the outbox worker side by side until SIGINT/SIGTERM (or until one of
/// them stops by itself), then stop in order: HTTP (in-flight requests
/// finish), the worker (its current batch finishes), pool, embedded cluster.
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
    let jobs = settings.jobs.clone();
    let app_settings = settings.clone();
    let app = Application::build(settings, pool.clone())?;
    let url = format!("http://{}:{}", display_host(bind.ip()), app.port());
    let handle = app.handle();
    let mailer = app.mailer().clone();
    let clock = app.clock().clone();
    let email_templates = app.email_templates().clone();
    let worker_settings = app_settings.clone();
    let mut server = tokio::spawn(app.run_until_stopped());
    let (stop_worker, worker_stop) = tokio::sync::watch::channel(false);
    let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        // A dropped sender stops the workers too.
        let _ = rx.wait_for(|stop| *stop).await;
    };
    let mut worker = if jobs.enabled {
        let outbox = run_outbox_worker(
            pool.clone(),
            mailer,
            jobs.outbox_interval,
            stopped(worker_stop.clone()),
        );
        // Re-placing tickets into areas after an import.
        let placement = crate::jobs::placement::run_placement_worker(
            pool.clone(),
            clock.clone(),
            crate::jobs::placement::PLACEMENT_INTERVAL,
            stopped(worker_stop.clone()),
        );
        // The weekly report digest (Monday 07:00 council time).
        let digest = crate::jobs::digest::run_digest_worker(
            pool.clone(),
            clock.clone(),
            email_templates.clone(),
            worker_settings.clone(),
            stopped(worker_stop.clone()),
        );
        // Keeping the report rollups current.
        let reports = crate::jobs::reports::run_reports_worker(
            pool.clone(),
            worker_settings.application.time_zone,
            crate::jobs::reports::REPORTS_INTERVAL,
            stopped(worker_stop.clone()),
        );
        let sla = run_sla_worker(
            pool,
            clock,
            email_templates,
            worker_settings,
            stopped(worker_stop),
        );
        Some(tokio::spawn(async move {
            tokio::join!(outbox, sla, placement, digest, reports);
        }))
    } else {
        tracing::info!("background jobs are off on this instance (jobs.enabled = false)");
        drop(pool);
        None
    };
    let stop_requested = shutdown_signal();
    println!("CivicDesk is running at {url}  (Ctrl-C to stop)");
    tracing::info!(%url, "listening");

    let worker_done = async {
        match worker.as_mut() {
            Some(w) => w.await,
            None => std::future::pending().await,
        }
    };
    let mut failure: Option<anyhow::Error> = None;
    let server_done = tokio::select! {
        result = &mut server => {
            match result.context("the HTTP server task failed") {
                Ok(Ok(())) => tracing::warn!("the HTTP server stopped by itself"),
                Ok(Err(e)) => failure = Some(anyhow::Error::new(e).context("the HTTP server failed")),
                Err(e) => failure = Some(e),
            }
            true
        }
        result = worker_done => {
            tracing::error!("the background workers stopped by themselves; shutting down");
            worker = None;
            failure = Some(match result {
                Ok(()) => anyhow::anyhow!("the background workers stopped by themselves"),
                Err(e) => anyhow::Error::new(e).context("the background workers failed"),
            });
            false
        }
        () = stop_requested => false,
    };
    if !server_done {
        handle.stop(true).await;
        tracing::info!("HTTP server stopped");
    }
    if let Some(worker) = worker {
        let _ = stop_worker.send(true);
        if let Err(e) = worker.await {
            failure.get_or_insert(anyhow::Error::new(e).context("the background workers failed"));
        }
    }
    tokio::task::spawn_blocking(move || database.close())
        .await
        .context("stopping the database")??;
    match failure {
        Some(e) => Err(e),
        None => {
            println!("CivicDesk stopped.");
            Ok(())
        }
    }
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

/// `civicdesk create-user`: validates everything before writing anything
/// (the same checks as the admin pages: `staff::users`).
pub fn create_user(
    conn: &mut PgConnection,
    args: &CreateUserArgs,
    password: &SecretString,
) -> anyhow::Result<i64> {
    let account = users::check(&users::AccountInput {
        email: &args.email,
        name: &args.name,
        role: &args.role,
        departments: &args.departments,
    })
    .map_err(cli_error)?;
    let hash = password::hash(password)?;
    users::create(conn, &account, &hash).map_err(cli_error)
}

/// Account errors in the CLI's words (departments are `--department` there).
fn cli_error(e: AccountError) -> anyhow::Error {
    match e {
        AccountError::NeedsDepartment(role) => {
            anyhow::anyhow!("a {role} needs at least one --department")
        }
        AccountError::Db(e) => anyhow::Error::new(e).context("updating the staff account"),
        other => anyhow::Error::new(other),
    }
}

/// `civicdesk user ...`: returns what to print.
pub fn user(
    conn: &mut PgConnection,
    command: &UserCommand,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<String> {
    match command {
        UserCommand::List => {
            let accounts = users::list(conn).context("listing staff accounts")?;
            Ok(account_table(&accounts))
        }
        UserCommand::Deactivate(a) | UserCommand::Activate(a) => {
            let active = matches!(command, UserCommand::Activate(_));
            let id = users::id_by_email(conn, &a.email).map_err(cli_error)?;
            users::set_active(conn, None, id, active, now).map_err(cli_error)?;
            Ok(if active {
                format!("Activated {}.\n", a.email.trim())
            } else {
                format!("Deactivated {}; its sessions have ended.\n", a.email.trim())
            })
        }
        UserCommand::SetRole(a) => {
            let role: crate::domain::role::Role = a.role.parse()?;
            let id = users::id_by_email(conn, &a.email).map_err(cli_error)?;
            users::set_role_and_departments(conn, None, id, Some(role), None).map_err(cli_error)?;
            Ok(format!("{} is now {role}.\n", a.email.trim()))
        }
        UserCommand::SetDepartments(a) => {
            let id = users::id_by_email(conn, &a.email).map_err(cli_error)?;
            users::set_role_and_departments(conn, None, id, None, Some(&a.departments))
                .map_err(cli_error)?;
            let account = users::get(conn, id)?.context("the account vanished")?;
            Ok(format!(
                "{} now belongs to: {}.\n",
                a.email.trim(),
                department_list(&account)
            ))
        }
    }
}

fn department_list(account: &users::StaffAccount) -> String {
    if account.departments.is_empty() {
        return "no department".into();
    }
    account
        .departments
        .iter()
        .map(|d| d.slug.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `user list`: one line per account, columns padded to fit.
fn account_table(accounts: &[users::StaffAccount]) -> String {
    let header = ["EMAIL", "NAME", "ROLE", "ACTIVE", "DEPARTMENTS"].map(String::from);
    let rows: Vec<[String; 5]> = accounts
        .iter()
        .map(|a| {
            [
                a.email.clone(),
                a.name.clone(),
                a.role.to_string(),
                if a.active { "yes" } else { "no" }.to_string(),
                department_list(a),
            ]
        })
        .collect();
    let mut widths = header.clone().map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let line: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    if rows.is_empty() {
        out.push_str("(no staff accounts)\n");
    }
    out
}

/// `civicdesk generate`: COPY synthetic tickets in batches, with a progress bar.
pub fn generate(database_url: &str, args: &crate::cli::GenerateArgs) -> anyhow::Result<()> {
    let bar = indicatif::ProgressBar::new(args.tickets);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{elapsed_precise} [{bar:40}] {human_pos}/{human_len} tickets ({per_sec}, eta {eta})",
        )
        .expect("a valid template")
        .progress_chars("=> "),
    );
    let started = std::time::Instant::now();
    let options = crate::generate::GenerateOptions {
        tickets: args.tickets,
        seed: args.seed,
        batch: args.batch.max(1),
        until: chrono::Utc::now(),
        bulk_threshold: crate::generate::BULK_THRESHOLD,
    };
    let mut loaded = None;
    let report =
        crate::generate::generate_parallel(database_url, args.loaders, &options, |done| {
            bar.set_position(done);
            if done == args.tickets {
                loaded = Some(started.elapsed());
                bar.finish();
                if options.tickets >= options.bulk_threshold {
                    eprintln!("Building the indexes…");
                }
            }
        })?;
    let secs = started.elapsed().as_secs_f64();
    let load = loaded.map_or(secs, |d| d.as_secs_f64());
    println!(
        "Added {} tickets, {} timeline events, {} citizens, {} SLA clocks ({} log entries) in {secs:.1} s: \
         {:.0} tickets/s ({load:.1} s loading the rows, {:.0} tickets/s; {:.1} s building indexes{}).",
        report.tickets,
        report.events,
        report.contacts,
        report.clocks,
        report.clock_events,
        report.tickets as f64 / secs,
        report.tickets as f64 / load,
        report.index_build.as_secs_f64(),
        if report.frozen { "; rows frozen" } else { "" },
    );
    Ok(())
}

/// `civicdesk api-key ...`: returns what to print.
pub fn api_key(
    conn: &mut PgConnection,
    command: &ApiKeyCommand,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<String> {
    use crate::open311::api_keys;
    match command {
        ApiKeyCommand::Create(a) => {
            let k = api_keys::create(conn, &a.label, None, now)?;
            Ok(format!(
                "Created API key {} for \"{}\". Give this key to the app; it is not shown again:\n{}\n",
                k.id, k.label, k.key
            ))
        }
        ApiKeyCommand::List => {
            let keys = api_keys::list(conn).context("listing API keys")?;
            let day = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d %H:%M UTC").to_string();
            let rows: Vec<[String; 6]> = keys
                .iter()
                .map(|k| {
                    [
                        k.id.to_string(),
                        k.label.clone(),
                        format!("{}…", k.key_prefix),
                        day(k.created_at),
                        k.last_used_at.map(day).unwrap_or_else(|| "never".into()),
                        k.revoked_at.map(day).unwrap_or_else(|| "active".into()),
                    ]
                })
                .collect();
            let header = [
                "ID",
                "LABEL",
                "STARTS WITH",
                "CREATED",
                "LAST USED",
                "REVOKED",
            ]
            .map(String::from);
            let mut out = table(&header, &rows);
            if rows.is_empty() {
                out.push_str("(no API keys)\n");
            }
            Ok(out)
        }
        ApiKeyCommand::Revoke(a) => match api_keys::revoke(conn, a.id, None, now)? {
            true => Ok(format!(
                "Revoked API key {}; requests sent with it are refused from now on.\n",
                a.id
            )),
            false => Ok(format!("API key {} was already revoked.\n", a.id)),
        },
    }
}

/// Columns padded to fit.
fn table<const N: usize>(header: &[String; N], rows: &[[String; N]]) -> String {
    let mut widths = header.clone().map(|h| h.chars().count());
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(header).chain(rows) {
        let line: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// `civicdesk sla verify | sweep`.
pub fn sla(
    conn: &mut PgConnection,
    settings: &Settings,
    command: &crate::cli::SlaCommand,
) -> anyhow::Result<()> {
    use crate::cli::SlaCommand;
    use diesel::prelude::*;
    match command {
        SlaCommand::Verify => {
            let calendars = crate::sla::calendars::Calendars::load_all(conn)?;
            let ids: Vec<i64> = crate::schema::sla_clocks::table
                .select(crate::schema::sla_clocks::ticket_id)
                .distinct()
                .order(crate::schema::sla_clocks::ticket_id)
                .load(conn)?;
            let mut bad = 0usize;
            for id in &ids {
                for (clock, problem) in crate::sla::engine::verify_ticket(conn, *id, &calendars)? {
                    bad += 1;
                    println!("ticket {id}, {clock} clock: {problem}");
                }
            }
            println!(
                "{} tickets' clocks checked against their logs: {}",
                ids.len(),
                if bad == 0 {
                    "all agree".to_string()
                } else {
                    format!("{bad} differ")
                }
            );
            anyhow::ensure!(bad == 0, "{bad} clocks differ from their logs");
            Ok(())
        }
        SlaCommand::Sweep => {
            let templates = crate::email::EmailTemplates::load()?;
            let cx = crate::sla::sweep::SweepContext {
                templates: &templates,
                settings,
            };
            let r = crate::sla::sweep::sweep(
                conn,
                &cx,
                crate::clock::Clock::system().now(),
                crate::jobs::sla::BATCH_SIZE,
            )?;
            println!(
                "SLA sweep: {} tickets, {} warnings, {} breaches, {} emails queued, \
                 {} priorities raised, {} moved, {} clocks recomputed, {} skipped, {} failed",
                r.tickets,
                r.warnings,
                r.breaches,
                r.emails,
                r.priority_raised,
                r.moved,
                r.recomputed,
                r.skipped,
                r.failed
            );
            Ok(())
        }
    }
}

/// `civicdesk reports digest [--week YYYY-Www]`: queues a week's digest now.
pub fn digest(
    conn: &mut PgConnection,
    settings: &Settings,
    args: &crate::cli::DigestArgs,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<String> {
    use crate::reports::digest::Week;
    let week = match &args.week {
        Some(w) => Week::parse(w).ok_or_else(|| {
            anyhow::anyhow!("--week: {w:?} is not an ISO week; use one such as 2026-W10")
        })?,
        None => {
            let today = now
                .with_timezone(&settings.application.time_zone)
                .date_naive();
            Week::of(today).previous()
        }
    };
    let templates = crate::email::EmailTemplates::load()?;
    let r = crate::jobs::digest::send_week(conn, &templates, settings, week, now)?;
    Ok(format!(
        "{}: {} digest(s) queued, {} already sent earlier\n",
        week.label(),
        r.sent,
        r.already
    ))
}

/// `civicdesk reports digest|rebuild|verify`.
pub fn reports(
    conn: &mut PgConnection,
    settings: &Settings,
    command: &crate::cli::ReportsCommand,
) -> anyhow::Result<()> {
    use crate::cli::ReportsCommand;
    use crate::reports::fast;
    let zone = settings.application.time_zone;
    match command {
        ReportsCommand::Digest(args) => {
            print!("{}", digest(conn, settings, args, chrono::Utc::now())?);
            Ok(())
        }
        ReportsCommand::Rebuild => {
            let started = std::time::Instant::now();
            let r = fast::rebuild(conn, zone, &mut |step| {
                eprintln!("{:>7.1} s  {step}", started.elapsed().as_secs_f64())
            })?;
            println!(
                "Rebuilt the report facts of {} tickets and {} rollup rows in {:.1} s (days cut in {}).",
                r.facts,
                r.rows,
                started.elapsed().as_secs_f64(),
                zone.name()
            );
            Ok(())
        }
        ReportsCommand::Verify(args) => {
            let today = chrono::Utc::now().with_timezone(&zone).date_naive();
            let default = fast::verify::last_year(today);
            let period = crate::reports::model::Period::new(
                args.from.unwrap_or(default.from),
                args.to.unwrap_or(default.to),
            )
            .ok_or_else(|| anyhow::anyhow!("--from must be before --to"))?;
            let (compared, differ) =
                fast::verify::verify(conn, zone, period, crate::reports::fast::verify::MIN_COUNT)?;
            for d in &differ {
                println!("differs: {}", d.dashboard);
            }
            println!(
                "{compared} dashboards for {} to {} compared with the reference: {}",
                period.from,
                period.to,
                if differ.is_empty() {
                    "all agree".to_string()
                } else {
                    format!("{} differ", differ.len())
                }
            );
            if differ.is_empty() {
                Ok(())
            } else {
                anyhow::bail!("{} dashboards differ from the reference", differ.len())
            }
        }
    }
}
