//! The outbox worker: delivers queued email, retries failures with backoff,
//! never drops a message.
//!
//! Each batch is one transaction: due rows are locked `FOR UPDATE SKIP LOCKED`
//! (so any number of workers, on any number of instances, never take the same
//! row), sent one by one, and marked in that same transaction. A message that
//! fails gets `attempts`, `last_error` and a later `next_attempt_at`; the rest
//! of the batch carries on. If the process dies after a send but before the
//! commit, the message goes again with the same Message-ID, which receivers
//! use to drop the repeat: delivery is at least once, never zero.

use std::future::Future;
use std::time::Duration;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::models::outbox::OutboxRow;
use crate::db::Pool;
use crate::email::{Mailer, OutgoingEmail};
use crate::schema::outbox;

/// Rows one batch takes. Small, because the batch's transaction (and its row
/// locks) lasts as long as its sends, and shutdown waits for it.
pub const BATCH_SIZE: i64 = 20;

/// The first retry waits this long; each further failure doubles it...
const FIRST_RETRY: Duration = Duration::from_secs(30);
/// ...up to this. Retries never stop: a message is never dropped.
const MAX_RETRY: Duration = Duration::from_secs(60 * 60);

/// `outbox.last_error` keeps this many characters of the error.
const MAX_ERROR_CHARS: usize = 1000;

/// What one batch did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    pub sent: usize,
    pub failed: usize,
}

impl DeliveryReport {
    pub fn total(&self) -> usize {
        self.sent + self.failed
    }
}

/// Delivers up to `batch` due messages (`sent_at IS NULL AND next_attempt_at
/// <= now`, oldest due first) in one transaction. `now` is passed in, never
/// read here, so tests can move time. Only a database error fails the call;
/// a message that cannot be sent is recorded and the batch goes on.
pub fn deliver_due(
    conn: &mut PgConnection,
    mailer: &Mailer,
    now: DateTime<Utc>,
    batch: i64,
) -> anyhow::Result<DeliveryReport> {
    conn.transaction(|conn| {
        let due: Vec<OutboxRow> = outbox::table
            .filter(outbox::sent_at.is_null())
            .filter(outbox::next_attempt_at.le(now))
            .order((outbox::next_attempt_at.asc(), outbox::id.asc()))
            .limit(batch.max(0))
            .for_update()
            .skip_locked()
            .select(OutboxRow::as_select())
            .load(conn)
            .context("selecting due email")?;
        let mut report = DeliveryReport::default();
        for row in due {
            let attempts = row.attempts.saturating_add(1);
            match mailer.send(&OutgoingEmail::from(&row)) {
                Ok(()) => {
                    diesel::update(outbox::table.find(row.id))
                        .set((outbox::sent_at.eq(Some(now)), outbox::attempts.eq(attempts)))
                        .execute(conn)
                        .context("marking an email sent")?;
                    report.sent += 1;
                }
                Err(e) => {
                    let retry_at = now + backoff(attempts);
                    tracing::warn!(
                        outbox.id = row.id,
                        message_id = %row.message_id,
                        attempts,
                        error.kind = e.kind(),
                        retry_at = %retry_at,
                        "email not sent; will retry"
                    );
                    diesel::update(outbox::table.find(row.id))
                        .set((
                            outbox::attempts.eq(attempts),
                            outbox::last_error.eq(Some(truncate(&e.to_string()))),
                            outbox::next_attempt_at.eq(retry_at),
                        ))
                        .execute(conn)
                        .context("recording a failed email")?;
                    report.failed += 1;
                }
            }
        }
        Ok(report)
    })
}

/// The wait after the `attempts`-th failure: 30 s, 1 min, 2 min, ... capped
/// at an hour.
pub fn backoff(attempts: i32) -> chrono::Duration {
    let doublings = attempts.saturating_sub(1).clamp(0, 16) as u32;
    let wait = FIRST_RETRY.saturating_mul(1 << doublings).min(MAX_RETRY);
    chrono::Duration::from_std(wait).expect("an hour fits")
}

fn truncate(s: &str) -> String {
    match s.char_indices().nth(MAX_ERROR_CHARS) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_string(),
    }
}

/// Runs [`deliver_due`] on a blocking thread every `interval` (at once again
/// while batches come back full) until `shutdown` resolves. A batch under way
/// when it does is finished first, never cut off.
pub async fn run_outbox_worker<F>(pool: Pool, mailer: Mailer, interval: Duration, shutdown: F)
where
    F: Future<Output = ()>,
{
    tokio::pin!(shutdown);
    tracing::info!(
        interval_seconds = interval.as_secs_f64(),
        mail = %mailer.describe(),
        "outbox worker started"
    );
    loop {
        let full = match deliver_batch(&pool, &mailer).await {
            Ok(report) => {
                if report.total() > 0 {
                    tracing::info!(
                        sent = report.sent,
                        failed = report.failed,
                        "outbox batch done"
                    );
                }
                report.total() as i64 >= BATCH_SIZE
            }
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "outbox batch failed");
                false
            }
        };
        let pause = if full { Duration::ZERO } else { interval };
        tokio::select! {
            biased;
            () = &mut shutdown => break,
            () = tokio::time::sleep(pause) => {}
        }
    }
    tracing::info!("outbox worker stopped");
}

async fn deliver_batch(pool: &Pool, mailer: &Mailer) -> anyhow::Result<DeliveryReport> {
    let pool = pool.clone();
    let mailer = mailer.clone();
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || {
        let _entered = span.enter();
        let mut conn = pool
            .get()
            .context("no database connection for the outbox")?;
        deliver_due(&mut conn, &mailer, Utc::now(), BATCH_SIZE)
    })
    .await
    .context("the outbox batch panicked")?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_thirty_seconds_to_an_hour() {
        let secs = |n| backoff(n).num_seconds();
        assert_eq!(secs(1), 30);
        assert_eq!(secs(2), 60);
        assert_eq!(secs(3), 120);
        assert_eq!(secs(7), 1920);
        assert_eq!(secs(8), 3600);
        assert_eq!(secs(1000), 3600);
        assert_eq!(secs(i32::MAX), 3600);
        assert_eq!(secs(0), 30);
    }

    #[test]
    fn long_errors_are_cut_at_a_character_boundary() {
        let long = "é".repeat(MAX_ERROR_CHARS + 10);
        let cut = truncate(&long);
        assert_eq!(cut.chars().count(), MAX_ERROR_CHARS + 1);
        assert_eq!(truncate("short"), "short");
    }
}
