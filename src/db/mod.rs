//! Database access: the r2d2 pool, the one helper every blocking diesel call
//! goes through, and the embedded migrations.

pub mod capped_counts;
pub mod enums;
pub mod filters;
pub mod models;

use std::time::{Duration, Instant};

use anyhow::Context;
use diesel::pg::PgConnection;
use diesel::r2d2::{ConnectionManager, PooledConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

pub type Pool = diesel::r2d2::Pool<ConnectionManager<PgConnection>>;
pub type Conn = PooledConnection<ConnectionManager<PgConnection>>;

/// The migrations in `migrations/`, compiled into the binary.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Why a database call failed, as the HTTP layer needs to tell it.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// No connection could be had in time (database down or pool exhausted).
    #[error("the database is unavailable")]
    Unavailable(#[source] diesel::r2d2::PoolError),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    #[error("the blocking task was cancelled")]
    Cancelled,
}

/// Builds the pool without connecting: the first request (or the readiness
/// probe) finds out whether the database answers.
pub fn build_pool(url: &str, size: u32, connect_timeout: Duration) -> Pool {
    diesel::r2d2::Pool::builder()
        .max_size(size)
        .min_idle(Some(0))
        .connection_timeout(connect_timeout)
        .test_on_check_out(true)
        .build_unchecked(ConnectionManager::new(url))
}

/// Runs blocking diesel work on actix's blocking thread pool, never on the
/// async executor. The connection is taken inside the closure; the current
/// tracing span follows the work.
///
/// The pool's connection timeout bounds the whole wait: time spent queued for
/// a blocking thread (there are no more threads than connections, see
/// `startup`) counts towards it, so an overloaded server still answers
/// `Unavailable` after `database.connect_timeout_seconds`.
pub async fn run<F, T, E>(pool: &Pool, f: F) -> Result<T, E>
where
    F: FnOnce(&mut PgConnection) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<DbError> + Send + 'static,
{
    let pool = pool.clone();
    let span = tracing::Span::current();
    let queued = Instant::now();
    actix_web::web::block(move || {
        let _entered = span.enter();
        let budget = pool.connection_timeout().saturating_sub(queued.elapsed());
        let mut conn = pool
            .get_timeout(budget)
            .map_err(|e| E::from(DbError::Unavailable(e)))?;
        f(&mut conn)
    })
    .await
    .map_err(|_| E::from(DbError::Cancelled))?
}

/// Applies every pending migration; returns the versions applied.
pub fn migrate(conn: &mut PgConnection) -> anyhow::Result<Vec<String>> {
    let applied = conn
        .run_pending_migrations(MIGRATIONS)
        .map_err(|e| anyhow::anyhow!("{e}"))
        .context("applying database migrations")?;
    Ok(applied.iter().map(|v| v.to_string()).collect())
}

/// Connects once, outside the pool (CLI commands).
pub fn connect(url: &str) -> anyhow::Result<PgConnection> {
    use diesel::Connection;
    PgConnection::establish(url).context("connecting to the database")
}
