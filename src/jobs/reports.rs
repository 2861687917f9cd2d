//! The reports worker: refreshes the facts and rollups of the tickets the
//! triggers marked (`report_dirty`) every few seconds, so a report rarely has
//! any left to refresh before it answers. Builds them on first start.

use std::future::Future;
use std::time::Duration;

use anyhow::Context as _;
use chrono_tz::Tz;

use crate::db::Pool;
use crate::reports::fast;

/// How often the worker refreshes.
pub const REPORTS_INTERVAL: Duration = Duration::from_secs(3);

pub async fn run_reports_worker<F>(pool: Pool, zone: Tz, interval: Duration, shutdown: F)
where
    F: Future<Output = ()>,
{
    tokio::pin!(shutdown);
    tracing::info!(
        interval_seconds = interval.as_secs_f64(),
        "reports worker started"
    );
    loop {
        let pool2 = pool.clone();
        let task = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
            let mut conn = pool2
                .get()
                .context("no database connection for refreshing reports")?;
            let st = fast::refresh::state(&mut conn)?;
            if st.time_zone.as_deref() != Some(zone.name()) {
                // First start, or the council's zone changed: cut the days again.
                let r = fast::rebuild(&mut conn, zone, &mut |_| {})?;
                tracing::info!(facts = r.facts, rows = r.rows, "report rollups built");
            }
            fast::refresh(&mut conn)
        });
        match task.await {
            Ok(Ok(r)) if r.tickets > 0 => {
                tracing::debug!(
                    tickets = r.tickets,
                    rows = r.rows,
                    "report rollups refreshed"
                );
            }
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::error!(error = %format!("{e:#}"), "refreshing reports failed"),
            Err(e) => tracing::error!(error = %e, "the reports task panicked"),
        }
        tokio::select! {
            biased;
            () = &mut shutdown => break,
            () = tokio::time::sleep(interval) => {}
        }
    }
    tracing::info!("reports worker stopped");
}
