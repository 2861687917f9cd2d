//! The SLA worker: runs [`crate::sla::sweep::sweep`] every
//! `jobs.sla_interval_seconds`, with the application's clock. Safe beside
//! other instances' workers (see the sweep's module docs).

use std::future::Future;
use std::time::Duration;

use anyhow::Context;

use crate::clock::Clock;
use crate::configuration::Settings;
use crate::db::Pool;
use crate::email::EmailTemplates;
use crate::sla::sweep::{sweep, SweepContext, SweepReport};

/// Clocks handled per query; a sweep goes on until nothing is due.
pub const BATCH_SIZE: i64 = 500;

/// Sweeps every `settings.jobs.sla_interval` until `shutdown` resolves; a
/// sweep under way is finished first.
pub async fn run_sla_worker<F>(
    pool: Pool,
    clock: Clock,
    templates: EmailTemplates,
    settings: Settings,
    shutdown: F,
) where
    F: Future<Output = ()>,
{
    tokio::pin!(shutdown);
    let interval = settings.jobs.sla_interval;
    tracing::info!(
        interval_seconds = interval.as_secs_f64(),
        "SLA worker started"
    );
    loop {
        if let Err(e) = sweep_once(&pool, &clock, &templates, &settings).await {
            tracing::error!(error = %format!("{e:#}"), "SLA sweep failed");
        }
        tokio::select! {
            biased;
            () = &mut shutdown => break,
            () = tokio::time::sleep(interval) => {}
        }
    }
    tracing::info!("SLA worker stopped");
}

async fn sweep_once(
    pool: &Pool,
    clock: &Clock,
    templates: &EmailTemplates,
    settings: &Settings,
) -> anyhow::Result<SweepReport> {
    let (pool, clock, templates, settings) = (
        pool.clone(),
        clock.clone(),
        templates.clone(),
        settings.clone(),
    );
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || {
        let _entered = span.enter();
        let mut conn = pool
            .get_timeout(Duration::from_secs(30))
            .context("no database connection for the SLA worker")?;
        let cx = SweepContext {
            templates: &templates,
            settings: &settings,
        };
        sweep(&mut conn, &cx, clock.now(), BATCH_SIZE)
    })
    .await
    .context("the SLA sweep panicked")?
}
