//! The weekly digest job: on Monday at 07:00 council time, each active
//! leader and supervisor who has not opted out gets an email with the
//! previous week's headline figures and breaches, through the outbox.
//!
//! Exactly once per person per week, however many instances run it: the
//! person's `digest_runs (user_id, week_start)` row is inserted with
//! `ON CONFLICT DO NOTHING` in the same transaction as the outbox row, so a
//! second instance (or a second run) finds it and sends nothing, and a
//! failure rolls both back for the next run to retry. `now` is always
//! passed in (the app's clock), so tests step time without sleeping.

use std::future::Future;
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::clock::Clock;
use crate::configuration::Settings;
use crate::db::Pool;
use crate::domain::role::Role;
use crate::email::{self, messages::WeeklyDigest, EmailTemplates};
use crate::i18n::Locale;
use crate::reports::digest::{content, Reader, Week};
use crate::reports::model::ReportScope;
use crate::schema::{digest_runs, user_departments, users};

/// How often the worker checks whether a digest is due.
pub const INTERVAL: Duration = Duration::from_secs(60);

/// What a run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DigestReport {
    /// Digests queued.
    pub sent: usize,
    /// People who already had this week's.
    pub already: usize,
}

/// Queues `week`'s digest for everyone due one who has not had it.
pub fn send_week(
    conn: &mut PgConnection,
    templates: &EmailTemplates,
    settings: &Settings,
    week: Week,
    now: DateTime<Utc>,
) -> anyhow::Result<DigestReport> {
    let people: Vec<(i64, String, String, Role, String)> = users::table
        .filter(users::active.eq(true))
        .filter(users::digest_opt_out.eq(false))
        .filter(users::role.eq_any([Role::Leader.as_str(), Role::Supervisor.as_str()]))
        .left_join(
            digest_runs::table.on(digest_runs::user_id
                .eq(users::id)
                .and(digest_runs::week_start.eq(week.monday))),
        )
        .filter(digest_runs::user_id.is_null())
        .order(users::id)
        .select((
            users::id,
            users::name,
            users::email,
            users::role,
            users::locale,
        ))
        .load(conn)
        .context("finding the digest's readers")?;
    let mut report = DigestReport::default();
    let source = crate::reports::source(settings);
    let domain = email::message_id_domain(&settings.application.public_base_url);
    for (id, name, address, role, locale) in people {
        let sent = conn.transaction(|conn| -> anyhow::Result<bool> {
            let claimed = diesel::insert_into(digest_runs::table)
                .values((
                    digest_runs::user_id.eq(id),
                    digest_runs::week_start.eq(week.monday),
                    digest_runs::sent_at.eq(now),
                ))
                .on_conflict_do_nothing()
                .execute(conn)?;
            if claimed == 0 {
                return Ok(false);
            }
            let scope = match role {
                Role::Leader => ReportScope::All,
                _ => ReportScope::Departments(
                    user_departments::table
                        .filter(user_departments::user_id.eq(id))
                        .select(user_departments::department_id)
                        .order(user_departments::department_id)
                        .load(conn)?,
                ),
            };
            let locale = Locale::from_tag(&locale).unwrap_or(Locale::En);
            let reader = Reader {
                name,
                locale,
                scope,
            };
            let digest = content(conn, source, &reader, week, settings)?;
            let rendered = templates.render(WeeklyDigest::TEMPLATE, locale, &digest)?;
            email::enqueue(
                conn,
                WeeklyDigest::TEMPLATE,
                &address,
                &rendered,
                None,
                &domain,
            )?;
            Ok(true)
        });
        match sent {
            Ok(true) => report.sent += 1,
            Ok(false) => report.already += 1,
            // Logged and retried at the next run; the others go on.
            Err(e) => {
                tracing::error!(user.id = id, error = %format!("{e:#}"), "weekly digest failed")
            }
        }
    }
    Ok(report)
}

/// Queues the latest week's digest that is due at `now`.
pub fn send_due(
    conn: &mut PgConnection,
    templates: &EmailTemplates,
    settings: &Settings,
    now: DateTime<Utc>,
) -> anyhow::Result<DigestReport> {
    let week = Week::latest_due(now, settings.application.time_zone);
    send_week(conn, templates, settings, week, now)
}

/// Checks every [`INTERVAL`] until `shutdown` resolves.
pub async fn run_digest_worker<F>(
    pool: Pool,
    clock: Clock,
    templates: EmailTemplates,
    settings: Settings,
    shutdown: F,
) where
    F: Future<Output = ()>,
{
    tokio::pin!(shutdown);
    tracing::info!("weekly digest worker started");
    loop {
        let (pool2, clock2, templates2, settings2) = (
            pool.clone(),
            clock.clone(),
            templates.clone(),
            settings.clone(),
        );
        let run = tokio::task::spawn_blocking(move || -> anyhow::Result<DigestReport> {
            let mut conn = pool2
                .get_timeout(Duration::from_secs(30))
                .context("no database connection for the digest worker")?;
            send_due(&mut conn, &templates2, &settings2, clock2.now())
        })
        .await;
        match run {
            Ok(Ok(r)) if r.sent > 0 => tracing::info!(sent = r.sent, "weekly digests queued"),
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::error!(error = %format!("{e:#}"), "weekly digest run failed"),
            Err(e) => tracing::error!(error = %e, "weekly digest run panicked"),
        }
        tokio::select! {
            biased;
            () = &mut shutdown => break,
            () = tokio::time::sleep(INTERVAL) => {}
        }
    }
    tracing::info!("weekly digest worker stopped");
}
