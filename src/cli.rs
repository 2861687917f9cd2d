//! The command line: `civicdesk [serve|migrate|seed-demo|create-user|user|api-key|areas|db-url|generate|sla|reports]`.

use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand};
use secrecy::SecretString;

use crate::configuration::{Overrides, Settings};
use crate::database::Database;
use crate::{commands, telemetry};

#[derive(Debug, Parser)]
#[command(
    name = "civicdesk",
    version,
    about = "CivicDesk: citizen services and complaint tracking for councils",
    long_about = "CivicDesk: citizen services and complaint tracking for councils.\n\n\
        With no subcommand it runs `serve`. With no database configured it runs its own \
        PostgreSQL cluster in DATA_DIR/postgres from the PostgreSQL server binaries on this \
        machine; set DATABASE_URL to use an existing database instead.\n\n\
        Settings come from config/default.toml, config/$CIVICDESK_ENV.toml and \
        CIVICDESK__SECTION__KEY environment variables; the flags below override them."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Folder for the embedded database, uploads and mail files [config: application.data_dir, default ./var]
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Folder holding default.toml and the per-environment files [default: ./config]
    #[arg(long, global = true, value_name = "DIR")]
    pub config_dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the portal: migrate, seed the demo on the embedded database's first start, serve HTTP.
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create the demo council (departments, calendars, SLA policies, services, staff). Safe to repeat.
    SeedDemo,
    /// Create a staff account. The password is prompted for, or read from CIVICDESK_PASSWORD.
    CreateUser(CreateUserArgs),
    /// Manage staff accounts: list, deactivate, activate, set-role, set-departments.
    #[command(
        subcommand,
        long_about = "Manage staff accounts: list them, deactivate or reactivate one, change \
            its role or departments. The same rules as the admin pages apply: agents and \
            supervisors keep at least one department, and the last active administrator \
            cannot be deactivated or demoted. Deactivating an account or changing its role \
            ends its sessions at once. Create accounts with `civicdesk create-user`."
    )]
    User(UserCommand),
    /// Import the council's wards or districts (GeoJSON), list them, re-place tickets.
    #[command(
        subcommand,
        long_about = "Areas: the council's wards or districts. `import` replaces the areas \
            with a GeoJSON file's (matched by code; codes missing from the file are retired) \
            and re-places the tickets whose area may have changed; a file with any problem \
            changes nothing and every problem is listed. `list` shows the areas and their \
            tickets. `place` finishes re-placing left by an interrupted import, or with --all \
            re-places every ticket with coordinates."
    )]
    Areas(AreasCommand),
    /// Manage Open311 API keys: create (shows the key once), list, revoke.
    #[command(
        subcommand,
        long_about = "Manage the API keys 311 apps submit Open311 requests with \
            (POST /open311/v2/requests). `create` prints the new key once: only a SHA-256 of \
            it is kept. `revoke` stops a key at once. The admin page /staff/admin/api-keys \
            does the same."
    )]
    ApiKey(ApiKeyCommand),
    /// Print the connection URL of the database in use, e.g. psql "$(civicdesk db-url)".
    DbUrl,
    /// Fill the database with realistic synthetic tickets (for benchmarks and demos).
    Generate(GenerateArgs),
    /// SLA clocks: check them against their logs, or run the worker's sweep once.
    #[command(subcommand)]
    Sla(SlaCommand),
    /// Reports: queue the weekly digest now; rebuild the rollups or verify them against the reference.
    #[command(subcommand)]
    Reports(ReportsCommand),
}

#[derive(Debug, Subcommand)]
pub enum ReportsCommand {
    /// Queue a week's digest now for every active leader and supervisor who
    /// has not opted out and has not had it (a second run sends nothing).
    /// The outbox worker of a running portal delivers it.
    Digest(DigestArgs),
    /// Work every ticket's report facts out again and sum the rollups from
    /// scratch (days cut in application.time_zone), in one transaction.
    Rebuild,
    /// Compute the leader's and each department supervisor's dashboard with
    /// the fast rollups and with plain SQL over the raw tables; lists any
    /// that differ and exits non-zero if one does.
    Verify(VerifyArgs),
}

#[derive(Debug, Args)]
pub struct DigestArgs {
    /// The ISO week, e.g. 2026-W10 [default: the last whole week, Monday to Sunday]
    #[arg(long, value_name = "YYYY-Www")]
    pub week: Option<String>,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// First day of the period (YYYY-MM-DD) [default: 12 months before today]
    #[arg(long)]
    pub from: Option<chrono::NaiveDate>,
    /// The day after the period (YYYY-MM-DD) [default: today]
    #[arg(long)]
    pub to: Option<chrono::NaiveDate>,
}

#[derive(Debug, Subcommand)]
pub enum SlaCommand {
    /// Replay every ticket's clock log and compare it with the kept clock
    /// state; lists any that differ and exits non-zero if one does.
    Verify,
    /// Run the SLA worker's sweep once, now: raise what is due, recompute
    /// clocks after calendar or policy changes, and say what was done.
    Sweep,
}

#[derive(Debug, Args, Default)]
pub struct ServeArgs {
    /// Address and port to listen on [config: application.bind, default 127.0.0.1:8080]
    #[arg(long, value_name = "ADDR:PORT")]
    pub bind: Option<String>,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// How many tickets to add
    #[arg(long, default_value_t = 10_000)]
    pub tickets: u64,
    /// Random seed, for repeatable data
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// Tickets per COPY batch
    #[arg(long, default_value_t = 20_000)]
    pub batch: u64,
    /// Connections sending batches at once (into an empty database only;
    /// otherwise one, in one transaction)
    #[arg(long, default_value_t = 2)]
    pub loaders: usize,
}

#[derive(Debug, Args)]
pub struct CreateUserArgs {
    /// Sign-in email address
    #[arg(long)]
    pub email: String,
    /// Full name shown to colleagues
    #[arg(long)]
    pub name: String,
    /// agent, supervisor, leader or admin
    #[arg(long)]
    pub role: String,
    /// Department (slug or name); repeat for several. Agents and supervisors need at least one.
    #[arg(long = "department", value_name = "D")]
    pub departments: Vec<String>,
}

/// `civicdesk areas ...`
#[derive(Debug, Subcommand)]
pub enum AreasCommand {
    /// Replace the areas with a GeoJSON FeatureCollection's, then re-place tickets.
    Import(AreasImportArgs),
    /// List the areas (code, name, kind, tickets, active or retired).
    List,
    /// Re-place tickets: what an import left unfinished, or with --all every one.
    Place(AreasPlaceArgs),
}

#[derive(Debug, Args)]
pub struct AreasImportArgs {
    /// A GeoJSON FeatureCollection (RFC 7946: WGS 84 longitude/latitude) of
    /// Polygon and MultiPolygon features
    #[arg(value_name = "FILE.geojson")]
    pub file: PathBuf,
    /// What the areas are: ward, district, ...
    #[arg(long, default_value = "ward")]
    pub kind: String,
    /// The feature property holding each area's name
    #[arg(long, value_name = "NAME", default_value = "name")]
    pub name_property: String,
    /// The feature property holding each area's code (unique; matches areas across imports)
    #[arg(long, value_name = "CODE", default_value = "code")]
    pub code_property: String,
}

#[derive(Debug, Args)]
pub struct AreasPlaceArgs {
    /// Re-place every ticket with coordinates (e.g. after a bulk load)
    #[arg(long)]
    pub all: bool,
}

/// `civicdesk user ...`: accounts are named by their sign-in email.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// List every staff account: email, name, role, active or not, departments.
    List,
    /// Deactivate an account: it can no longer sign in, and its sessions end at once.
    Deactivate(UserEmailArgs),
    /// Reactivate a deactivated account (it signs in with its old password, or resets it).
    Activate(UserEmailArgs),
    /// Change an account's role; its sessions end, so it signs in again with the new role.
    SetRole(SetRoleArgs),
    /// Replace an account's departments with the ones given.
    SetDepartments(SetDepartmentsArgs),
}

/// `civicdesk api-key ...`
#[derive(Debug, Subcommand)]
pub enum ApiKeyCommand {
    /// Make a key and print it (this is the only time it is shown).
    Create(ApiKeyCreateArgs),
    /// List every key: id, label, first characters, made, last used, revoked.
    List,
    /// Revoke a key by its id (from `list`): requests sent with it are refused at once.
    Revoke(ApiKeyRevokeArgs),
}

#[derive(Debug, Args)]
pub struct ApiKeyCreateArgs {
    /// Who uses the key, e.g. the app's name (up to 100 characters)
    #[arg(long, value_name = "L")]
    pub label: String,
}

#[derive(Debug, Args)]
pub struct ApiKeyRevokeArgs {
    /// The key's id, as `civicdesk api-key list` shows it
    #[arg(value_name = "ID")]
    pub id: i64,
}

#[derive(Debug, Args)]
pub struct UserEmailArgs {
    /// The account's sign-in email address
    #[arg(long, value_name = "E")]
    pub email: String,
}

#[derive(Debug, Args)]
pub struct SetRoleArgs {
    /// The account's sign-in email address
    #[arg(long, value_name = "E")]
    pub email: String,
    /// agent, supervisor, leader or admin. Agents and supervisors need a department first.
    #[arg(long, value_name = "R")]
    pub role: String,
}

#[derive(Debug, Args)]
pub struct SetDepartmentsArgs {
    /// The account's sign-in email address
    #[arg(long, value_name = "E")]
    pub email: String,
    /// Department (slug or exact name); repeat for several. None at all clears them,
    /// which only leaders and administrators may have.
    #[arg(long = "department", value_name = "D")]
    pub departments: Vec<String>,
}

impl Cli {
    fn overrides(&self) -> Overrides {
        let bind = match &self.command {
            Some(Command::Serve(a)) => a.bind.clone(),
            _ => None,
        };
        Overrides {
            bind,
            data_dir: self.global.data_dir.clone(),
            config_dir: self.global.config_dir.clone(),
            set: Vec::new(),
        }
    }
}

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = Settings::load(&cli.overrides())?;
    telemetry::init(&settings.log);
    match cli.command.unwrap_or(Command::Serve(ServeArgs::default())) {
        Command::Serve(_) => commands::serve(settings).await,
        Command::Migrate => with_database(&settings, |db| {
            let applied = crate::db::migrate(&mut crate::db::connect(db.url())?)?;
            if applied.is_empty() {
                println!("The database is up to date.");
            } else {
                println!(
                    "Applied {} migration(s): {}",
                    applied.len(),
                    applied.join(", ")
                );
            }
            Ok(())
        }),
        Command::SeedDemo => with_database(&settings, |db| {
            let mut conn = crate::db::connect(db.url())?;
            crate::db::migrate(&mut conn)?;
            let report = crate::seed::seed_demo(
                &mut conn,
                settings.application.time_zone,
                crate::seed::current_year(settings.application.time_zone),
            )?;
            if report.created_rows == 0 {
                println!("The demo council is already in place; nothing changed.");
            } else {
                println!("Created {} demo rows.", report.created_rows);
            }
            crate::seed::announce_logins(&report.logins, &settings.application.data_dir)
        }),
        Command::CreateUser(args) => {
            let password = read_password()?;
            with_database(&settings, |db| {
                let mut conn = crate::db::connect(db.url())?;
                crate::db::migrate(&mut conn)?;
                let id = commands::create_user(&mut conn, &args, &password)?;
                println!(
                    "Created {} user {} (id {id}).",
                    args.role.to_lowercase(),
                    args.email.trim()
                );
                Ok(())
            })
        }
        Command::Generate(args) => with_database(&settings, |db| {
            let mut conn = crate::db::connect(db.url())?;
            crate::db::migrate(&mut conn)?;
            let tz = settings.application.time_zone;
            let seeded = crate::seed::seed_demo(&mut conn, tz, crate::seed::current_year(tz))?;
            crate::seed::announce_logins(&seeded.logins, &settings.application.data_dir)?;
            drop(conn);
            // The generator places its tickets in the areas itself.
            commands::generate(db.url(), &args)
        }),
        Command::Sla(command) => with_database(&settings, |db| {
            let mut conn = crate::db::connect(db.url())?;
            crate::db::migrate(&mut conn)?;
            commands::sla(&mut conn, &settings, &command)
        }),
        Command::Reports(command) => with_database(&settings, |db| {
            let mut conn = crate::db::connect(db.url())?;
            crate::db::migrate(&mut conn)?;
            commands::reports(&mut conn, &settings, &command)
        }),
        Command::User(command) => with_database(&settings, |db| {
            let mut conn = crate::db::connect(db.url())?;
            crate::db::migrate(&mut conn)?;
            print!(
                "{}",
                commands::user(&mut conn, &command, chrono::Utc::now())?
            );
            Ok(())
        }),
        Command::Areas(command) => with_database(&settings, |db| {
            let mut conn = crate::db::connect(db.url())?;
            crate::db::migrate(&mut conn)?;
            let now = || chrono::Utc::now();
            match command {
                AreasCommand::Import(a) => crate::areas::cli::import_file(
                    &mut conn,
                    &a.file,
                    &crate::areas::geometry::ImportOptions {
                        kind: a.kind.trim().to_string(),
                        name_property: a.name_property.trim().to_string(),
                        code_property: a.code_property.trim().to_string(),
                    },
                    &now,
                ),
                AreasCommand::List => {
                    print!("{}", crate::areas::cli::list(&mut conn)?);
                    Ok(())
                }
                AreasCommand::Place(a) => {
                    if a.all {
                        crate::areas::placement::queue_all(&mut conn, now())?;
                    }
                    crate::areas::cli::place(&mut conn, &now)
                }
            }
        }),
        Command::ApiKey(command) => with_database(&settings, |db| {
            let mut conn = crate::db::connect(db.url())?;
            crate::db::migrate(&mut conn)?;
            print!(
                "{}",
                commands::api_key(&mut conn, &command, chrono::Utc::now())?
            );
            Ok(())
        }),
        Command::DbUrl => {
            let db = Database::open(&settings)?;
            println!("{}", db.url());
            if db.is_embedded() {
                eprintln!(
                    "(The embedded PostgreSQL keeps running for you; the next `civicdesk serve` \
                     on this data dir stops it when it exits.)"
                );
                db.leave_running();
            }
            Ok(())
        }
    }
}

fn with_database(
    settings: &Settings,
    f: impl FnOnce(&Database) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let db = Database::open(settings)?;
    let result = f(&db);
    db.close()?;
    result
}

fn read_password() -> anyhow::Result<SecretString> {
    if let Ok(p) = std::env::var("CIVICDESK_PASSWORD") {
        return Ok(SecretString::from(p));
    }
    let first = rpassword::prompt_password("Password: ").context("reading the password")?;
    let second =
        rpassword::prompt_password("Repeat the password: ").context("reading the password")?;
    if first != second {
        bail!("the two passwords differ");
    }
    Ok(SecretString::from(first))
}
