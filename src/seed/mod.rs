//! The demo council: departments, calendars with this year's public holidays,
//! SLA policies, a service catalogue and staff of every role. Idempotent:
//! everything is matched by its unique name, slug or email, so a second run
//! changes nothing.

mod catalogue;
pub mod holidays;

use anyhow::Context;
use chrono::{Datelike, NaiveTime};
use diesel::prelude::*;
use secrecy::{ExposeSecret, SecretString};

use crate::auth::password;
use crate::db::models::calendar::{NewBusinessCalendar, NewCalendarHoliday, NewCalendarInterval};
use crate::db::models::category::NewCategory;
use crate::db::models::department::NewDepartment;
use crate::db::models::sla_policy::{NewSlaPolicy, SlaPolicyTarget};
use crate::db::models::user::{NewMembership, NewUser, User};
use crate::domain::role::Role;
use crate::schema::{
    business_calendars, calendar_holidays, calendar_intervals, categories, departments,
    sla_policies, sla_policy_targets, user_departments, users,
};

pub use catalogue::{CATEGORIES, DEPARTMENTS, SLA_POLICIES, STAFF};

/// The names of the two demo calendars.
pub const OFFICE_CALENDAR: &str = "Council offices (Mon–Fri 08:30–17:00)";
pub const EMERGENCY_CALENDAR: &str = "Emergencies (24x7)";

/// A demo account created by this run, with its one-time password.
pub struct CreatedLogin {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub password: SecretString,
}

#[derive(Default)]
pub struct SeedReport {
    pub created_rows: usize,
    pub logins: Vec<CreatedLogin>,
}

/// Seeds the demo council in one transaction. `time_zone` is the IANA zone of
/// the council's calendars; `year` picks the public holidays (this year and next).
pub fn seed_demo(
    conn: &mut PgConnection,
    time_zone: chrono_tz::Tz,
    year: i32,
) -> anyhow::Result<SeedReport> {
    conn.transaction(|conn| {
        // Two seeders at once (e.g. two first starts) must not race.
        diesel::sql_query("SELECT pg_advisory_xact_lock(7243001)").execute(conn)?;
        let mut report = SeedReport::default();
        let office = calendar(conn, OFFICE_CALENDAR, time_zone, false, &mut report)?;
        let emergency = calendar(conn, EMERGENCY_CALENDAR, time_zone, true, &mut report)?;
        if report.created_rows > 0 || !has_rows(conn, office)? {
            office_hours(conn, office, year, &mut report)?;
        }

        for d in DEPARTMENTS {
            report.created_rows += diesel::insert_into(departments::table)
                .values(&NewDepartment {
                    slug: d.slug,
                    name: d.name,
                    description: d.description,
                    email: Some(d.email),
                    calendar_id: office,
                })
                .on_conflict(departments::slug)
                .do_nothing()
                .execute(conn)?;
        }

        // Policies after departments: one escalates to a department.
        for p in SLA_POLICIES {
            let escalation_department_id = match p.escalation_department {
                Some(slug) => Some(
                    departments::table
                        .filter(departments::slug.eq(slug))
                        .select(departments::id)
                        .first::<i64>(conn)
                        .with_context(|| format!("escalation department {slug} of {}", p.name))?,
                ),
                None => None,
            };
            let actions = |a: &[crate::domain::sla::EscalationAction]| {
                a.iter().map(|a| Some(a.as_str().to_string())).collect()
            };
            let created: Option<i64> = diesel::insert_into(sla_policies::table)
                .values(&NewSlaPolicy {
                    name: p.name,
                    description: p.description,
                    first_response_minutes: p.first_response_minutes,
                    keep_in_touch_minutes: p.keep_in_touch_minutes,
                    resolution_minutes: p.resolution_minutes,
                    calendar_id: p.emergency.then_some(emergency),
                    warning_percents: p.warning_percents.iter().map(|n| Some(*n)).collect(),
                    warning_actions: actions(p.warning_actions),
                    breach_actions: actions(p.breach_actions),
                    escalation_department_id,
                })
                .on_conflict(sla_policies::name)
                .do_nothing()
                .returning(sla_policies::id)
                .get_result(conn)
                .optional()?;
            // Overrides only with the policy itself: one an administrator
            // removed later stays removed.
            let Some(id) = created else { continue };
            report.created_rows += 1;
            if let Some((first, keep, resolution)) = p.urgent {
                report.created_rows += diesel::insert_into(sla_policy_targets::table)
                    .values(&SlaPolicyTarget {
                        policy_id: id,
                        priority: crate::domain::priority::Priority::Urgent,
                        first_response_minutes: first,
                        keep_in_touch_minutes: keep,
                        resolution_minutes: resolution,
                    })
                    .on_conflict_do_nothing()
                    .execute(conn)?;
            }
        }

        for (i, c) in CATEGORIES.iter().enumerate() {
            let department: i64 = departments::table
                .filter(departments::slug.eq(c.department))
                .select(departments::id)
                .first(conn)
                .with_context(|| format!("department {} for category {}", c.department, c.slug))?;
            let policy: i64 = sla_policies::table
                .filter(sla_policies::name.eq(c.sla_policy))
                .select(sla_policies::id)
                .first(conn)
                .with_context(|| format!("SLA policy {} for category {}", c.sla_policy, c.slug))?;
            let extra: serde_json::Value = serde_json::from_str(c.extra_fields)
                .with_context(|| format!("extra fields of {}", c.slug))?;
            report.created_rows += diesel::insert_into(categories::table)
                .values(&NewCategory {
                    slug: c.slug,
                    name: c.name,
                    description: c.description,
                    group_name: c.group,
                    keywords: c.keywords,
                    kinds: c
                        .kinds
                        .iter()
                        .map(|k| Some(k.as_str().to_string()))
                        .collect(),
                    default_department_id: department,
                    default_priority: c.priority,
                    sla_policy_id: Some(policy),
                    requires_location: c.requires_location,
                    extra_fields: extra,
                    sort_order: i as i32,
                })
                .on_conflict(categories::slug)
                .do_nothing()
                .execute(conn)?;
        }

        for s in STAFF {
            if User::find_by_email(conn, s.email)?.is_some() {
                continue;
            }
            let pw = password::generate();
            let hash = password::hash(&pw).map_err(|e| anyhow::anyhow!("{e}"))?;
            let id: i64 = diesel::insert_into(users::table)
                .values(&NewUser {
                    email: s.email,
                    name: s.name,
                    role: s.role,
                    password_hash: &hash,
                })
                .returning(users::id)
                .get_result(conn)?;
            report.created_rows += 1;
            for slug in s.departments {
                let department: i64 = departments::table
                    .filter(departments::slug.eq(slug))
                    .select(departments::id)
                    .first(conn)?;
                report.created_rows += diesel::insert_into(user_departments::table)
                    .values(&NewMembership {
                        user_id: id,
                        department_id: department,
                    })
                    .on_conflict_do_nothing()
                    .execute(conn)?;
            }
            report.logins.push(CreatedLogin {
                email: s.email.to_string(),
                name: s.name.to_string(),
                role: s.role,
                password: pw,
            });
        }
        report.created_rows += demo_wards(conn)?;
        Ok(report)
    })
}

/// The demo council's wards (made up, around central London where the demo
/// requests are), as a GeoJSON file an administrator could import.
pub const DEMO_WARDS: &str = include_str!("demo_wards.geojson");

/// Imports [`DEMO_WARDS`] when the council has no areas yet; returns how many
/// were created. Tickets already there are re-placed by the worker (or
/// `civicdesk areas place`).
fn demo_wards(conn: &mut PgConnection) -> anyhow::Result<usize> {
    use crate::areas::geometry::{parse_import, ImportOptions};
    use crate::areas::import::{import_areas, ImportRequest, Source};
    use crate::schema::areas;
    let existing: i64 = areas::table.count().get_result(conn)?;
    if existing > 0 {
        return Ok(0);
    }
    let wards = parse_import(DEMO_WARDS.as_bytes(), &ImportOptions::default())
        .map_err(|p| anyhow::anyhow!("the demo wards do not import: {p:?}"))?;
    import_areas(
        conn,
        ImportRequest {
            areas: &wards,
            kind: "ward",
            source: Source::Seed,
            file_name: Some("demo_wards.geojson"),
            actor_user_id: None,
            now: chrono::Utc::now(),
        },
    )?;
    Ok(wards.len())
}

/// Whether any staff account exists (the embedded first start seeds when none does).
pub fn is_empty(conn: &mut PgConnection) -> QueryResult<bool> {
    let n: i64 = departments::table.count().get_result(conn)?;
    Ok(n == 0)
}

fn calendar(
    conn: &mut PgConnection,
    name: &str,
    tz: chrono_tz::Tz,
    always_open: bool,
    report: &mut SeedReport,
) -> anyhow::Result<i64> {
    report.created_rows += diesel::insert_into(business_calendars::table)
        .values(&NewBusinessCalendar {
            name,
            time_zone: tz.name(),
            always_open,
        })
        .on_conflict(business_calendars::name)
        .do_nothing()
        .execute(conn)?;
    Ok(business_calendars::table
        .filter(business_calendars::name.eq(name))
        .select(business_calendars::id)
        .first(conn)?)
}

fn has_rows(conn: &mut PgConnection, calendar: i64) -> QueryResult<bool> {
    let n: i64 = calendar_intervals::table
        .filter(calendar_intervals::calendar_id.eq(calendar))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

fn office_hours(
    conn: &mut PgConnection,
    calendar: i64,
    year: i32,
    report: &mut SeedReport,
) -> anyhow::Result<()> {
    let open = NaiveTime::from_hms_opt(8, 30, 0).expect("valid time");
    let close = NaiveTime::from_hms_opt(17, 0, 0).expect("valid time");
    for weekday in 1..=5 {
        report.created_rows += diesel::insert_into(calendar_intervals::table)
            .values(&NewCalendarInterval {
                calendar_id: calendar,
                iso_weekday: weekday,
                start_time: open,
                end_time: close,
            })
            .on_conflict_do_nothing()
            .execute(conn)?;
    }
    for y in [year, year + 1] {
        for (date, name) in holidays::england_and_wales(y) {
            report.created_rows += diesel::insert_into(calendar_holidays::table)
                .values(&NewCalendarHoliday {
                    calendar_id: calendar,
                    name: &name,
                    on_date: Some(date),
                    month: None,
                    day: None,
                    closed_from: None,
                    closed_to: None,
                })
                .on_conflict_do_nothing()
                .execute(conn)?;
        }
    }
    Ok(())
}

/// Prints demo logins once; also keeps them, readable only by this user, in
/// `DATA_DIR/demo-logins.txt` so a person who missed the terminal can find them.
pub fn announce_logins(logins: &[CreatedLogin], data_dir: &std::path::Path) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    if logins.is_empty() {
        return Ok(());
    }
    let mut text = String::from("Demo staff accounts (sign in at /staff):\n");
    for l in logins {
        text.push_str(&format!(
            "  {:<10} {:<38} {}\n",
            l.role.as_str(),
            l.email,
            l.password.expose_secret()
        ));
    }
    println!("\n{text}");
    std::fs::create_dir_all(data_dir)?;
    let path = data_dir.join("demo-logins.txt");
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(&path)
        .with_context(|| format!("writing {}", path.display()))?;
    f.write_all(text.as_bytes())?;
    println!(
        "(These passwords are shown once; a copy is in {}.)\n",
        path.display()
    );
    Ok(())
}

/// The current year in the council's zone.
pub fn current_year(tz: chrono_tz::Tz) -> i32 {
    chrono::Utc::now().with_timezone(&tz).year()
}
