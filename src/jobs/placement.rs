//! The re-placement worker: finishes queued re-placements of tickets into
//! areas (`area_placements`) that an import left unfinished, e.g. because the
//! admin page's request stopped after its time budget, or the process ended
//! halfway. Each batch records its progress, so a run resumes where it
//! stopped; only one process works at a time (`areas::placement`).

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;

use crate::areas::placement::{self, Limits, RunState};
use crate::clock::Clock;
use crate::db::Pool;

/// How often the worker looks for queued work.
pub const PLACEMENT_INTERVAL: Duration = Duration::from_secs(10);

/// Runs [`placement::place_pending`] on a blocking thread every `interval`
/// until `shutdown` resolves; a run under way then stops after its current
/// batch (the rest stays queued).
pub async fn run_placement_worker<F>(pool: Pool, clock: Clock, interval: Duration, shutdown: F)
where
    F: Future<Output = ()>,
{
    tokio::pin!(shutdown);
    let stopping = Arc::new(AtomicBool::new(false));
    tracing::info!(
        interval_seconds = interval.as_secs_f64(),
        "area placement worker started"
    );
    loop {
        let (pool2, clock2, stop) = (pool.clone(), clock.clone(), stopping.clone());
        let span = tracing::Span::current();
        let mut task = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
            let _entered = span.enter();
            let mut conn = pool2
                .get()
                .context("no database connection for re-placing tickets")?;
            let stop = move || stop.load(Ordering::Relaxed);
            let limits = Limits {
                stop: &stop,
                ..Limits::default()
            };
            Ok(placement::place_pending(
                &mut conn,
                &|| clock2.now(),
                &limits,
                &mut |_| {},
            )?)
        });
        let result = tokio::select! {
            biased;
            () = &mut shutdown => {
                stopping.store(true, Ordering::Relaxed);
                let _ = task.await;
                break;
            }
            r = &mut task => r,
        };
        match result {
            Ok(Ok(outcome)) if outcome.checked > 0 || outcome.state == RunState::Paused => {
                tracing::info!(state = ?outcome.state, finished = outcome.finished,
                    checked = outcome.checked, moved = outcome.moved, "re-placement worker ran");
            }
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::error!(error = %format!("{e:#}"), "re-placing tickets failed"),
            Err(e) => tracing::error!(error = %e, "the re-placement task panicked"),
        }
        tokio::select! {
            biased;
            () = &mut shutdown => break,
            () = tokio::time::sleep(interval) => {}
        }
    }
    tracing::info!("area placement worker stopped");
}
