//! Placing tickets in areas.
//!
//! - [`area_for`]: the area of one point, inside the transaction that creates
//!   or moves the ticket (with a placer kept in memory until the next import).
//! - [`place_pending`]: re-places existing tickets after an import, one
//!   queued run (`area_placements`) at a time, oldest first. Each batch reads
//!   the next tickets by id that the run must look at (those placed in an
//!   area whose outline changed or that was retired, and those inside the box
//!   around the new outlines), computes their area in memory with one
//!   [`Placer`] for the run, and writes only the ones that change in one
//!   `UPDATE ... FROM unnest(...)`, together with the run's progress. A
//!   ticket moved meanwhile (other coordinates) is left to the move, which
//!   placed it already. Only one process re-places at a time (an advisory
//!   lock); the others find it busy and leave it.
//!
//! Re-placing is bookkeeping: it changes neither a ticket's `version` nor its
//! `updated_at`, and writes nothing on its timeline.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Double, Nullable, Text, Timestamptz};

use super::geometry::{Placer, Shape};
use super::AREAS_LOCK;
use crate::db::models::area::{AreaPlacement, NewAreaPlacement};
use crate::schema::{area_placements, areas, tickets};

/// Tickets read per batch (one transaction each). Writing a ticket's area
/// costs about 0.2 ms (every index of the row is updated, the full-text one
/// above all), so a batch of new placements holds its row locks for about a
/// second at most.
pub const BATCH_SIZE: i64 = 5_000;

/// Held (per session) by whoever is re-placing tickets.
const PLACEMENT_LOCK: i64 = 7_243_005;

fn shapes(rows: Vec<(i64, String, serde_json::Value)>) -> Vec<(i64, String, Shape)> {
    rows.into_iter()
        .filter_map(|(id, code, geometry)| match Shape::from_stored(&geometry) {
            Ok(shape) => Some((id, code, shape)),
            Err(e) => {
                // Never happens to an imported area; if it does, the area is
                // skipped rather than every submission failing.
                tracing::error!(area.id = id, error = %e, "an area's stored outline cannot be read");
                None
            }
        })
        .collect()
}

/// Which set of areas a cached [`Placer`] was built from: areas only change
/// through an import, which adds an `area_imports` row in the same
/// transaction, so the latest import's id names the set (with the database,
/// as one process may talk to several).
#[derive(Debug, Clone, PartialEq, QueryableByName)]
struct AreasVersion {
    #[diesel(sql_type = Text)]
    database: String,
    #[diesel(sql_type = Timestamptz)]
    started: DateTime<Utc>,
    #[diesel(sql_type = Nullable<BigInt>)]
    import_id: Option<i64>,
}

/// The placer of the areas as they were at the last import, built once per
/// import rather than per ticket (real boundaries are megabytes of GeoJSON).
static PLACER: Mutex<Option<(AreasVersion, Arc<Placer>)>> = Mutex::new(None);

/// The area `lat, lon` lies in now, by the rule in [`super::geometry`]. Call
/// it inside the transaction that stores the ticket's coordinates.
pub fn area_for(conn: &mut PgConnection, lat: f64, lon: f64) -> QueryResult<Option<i64>> {
    diesel::sql_query("SELECT pg_advisory_xact_lock_shared($1)")
        .bind::<BigInt, _>(AREAS_LOCK)
        .execute(conn)?;
    let version: AreasVersion = diesel::sql_query(
        "SELECT current_database()::text AS database, pg_postmaster_start_time() AS started, \
         (SELECT max(id) FROM area_imports) AS import_id",
    )
    .get_result(conn)?;
    let cached = PLACER
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .as_ref()
        .filter(|(v, _)| *v == version)
        .map(|(_, p)| p.clone());
    let placer = match cached {
        Some(p) => p,
        None => {
            let p = Arc::new(placer(conn)?);
            *PLACER.lock().unwrap_or_else(|e| e.into_inner()) = Some((version, p.clone()));
            p
        }
    };
    Ok(placer.place(lat, lon))
}

/// Every active area, ready to place points.
pub fn placer(conn: &mut PgConnection) -> QueryResult<Placer> {
    let rows = areas::table
        .filter(areas::retired_at.is_null())
        .select((areas::id, areas::code, areas::geometry))
        .load(conn)?;
    Ok(Placer::new(shapes(rows)))
}

/// Queues re-placing every ticket with coordinates (after a bulk load, or to
/// repair); [`place_pending`] does it.
pub fn queue_all(conn: &mut PgConnection, now: DateTime<Utc>) -> QueryResult<i64> {
    diesel::insert_into(area_placements::table)
        .values(&NewAreaPlacement {
            import_id: None,
            all_tickets: true,
            changed_area_ids: vec![],
            min_lat: None,
            max_lat: None,
            min_lon: None,
            max_lon: None,
            created_at: now,
        })
        .returning(area_placements::id)
        .get_result(conn)
}

/// The run queued first and not finished, if any.
pub fn next_pending(conn: &mut PgConnection) -> QueryResult<Option<AreaPlacement>> {
    area_placements::table
        .filter(area_placements::finished_at.is_null())
        .order(area_placements::id.asc())
        .select(AreaPlacement::as_select())
        .first(conn)
        .optional()
}

/// When to stop before everything is done.
pub struct Limits<'a> {
    /// Stop after the batch that passes this much time (the rest stays queued).
    pub budget: Option<Duration>,
    /// Asked between batches; `true` stops (shutdown).
    pub stop: &'a dyn Fn() -> bool,
    pub batch_size: i64,
}

impl Default for Limits<'_> {
    fn default() -> Self {
        Self {
            budget: None,
            stop: &|| false,
            batch_size: BATCH_SIZE,
        }
    }
}

/// Where a run stands, after each batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub placement_id: i64,
    /// Tickets up to this id have been looked at...
    pub placed_through: i64,
    /// ...of tickets up to this one (the highest id when the run started).
    pub last_ticket_id: i64,
    pub checked: i64,
    pub moved: i64,
}

/// How a call to [`place_pending`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunState {
    /// Nothing is left queued.
    Done,
    /// Stopped by its limits; the rest is still queued.
    Paused,
    /// Another process is re-placing; nothing was done here.
    Busy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunOutcome {
    pub state: RunState,
    /// Runs finished by this call.
    pub finished: usize,
    /// Tickets looked at and moved by this call.
    pub checked: i64,
    pub moved: i64,
}

/// Works through the queued runs (oldest first) until none is left or
/// `limits` say stop. `now` dates a finished run. Outside any transaction:
/// each batch is its own.
pub fn place_pending(
    conn: &mut PgConnection,
    now: &dyn Fn() -> DateTime<Utc>,
    limits: &Limits,
    progress: &mut dyn FnMut(&Progress),
) -> QueryResult<RunOutcome> {
    #[derive(QueryableByName)]
    struct Locked {
        #[diesel(sql_type = Bool)]
        locked: bool,
    }
    let got: Locked = diesel::sql_query("SELECT pg_try_advisory_lock($1) AS locked")
        .bind::<BigInt, _>(PLACEMENT_LOCK)
        .get_result(conn)?;
    if !got.locked {
        return Ok(RunOutcome {
            state: RunState::Busy,
            finished: 0,
            checked: 0,
            moved: 0,
        });
    }
    let result = run_locked(conn, now, limits, progress);
    let unlocked = diesel::sql_query("SELECT pg_advisory_unlock($1)")
        .bind::<BigInt, _>(PLACEMENT_LOCK)
        .execute(conn);
    let outcome = result?;
    unlocked?;
    Ok(outcome)
}

fn run_locked(
    conn: &mut PgConnection,
    now: &dyn Fn() -> DateTime<Utc>,
    limits: &Limits,
    progress: &mut dyn FnMut(&Progress),
) -> QueryResult<RunOutcome> {
    let started = Instant::now();
    let mut outcome = RunOutcome {
        state: RunState::Done,
        finished: 0,
        checked: 0,
        moved: 0,
    };
    let out_of_time = || (limits.stop)() || limits.budget.is_some_and(|b| started.elapsed() >= b);
    while let Some(mut run) = next_pending(conn)? {
        // A later run of every ticket covers this one and any before it.
        let superseded = diesel::update(
            area_placements::table
                .filter(area_placements::finished_at.is_null())
                .filter(
                    area_placements::id
                        .lt(diesel::dsl::sql::<BigInt>(
                            "(SELECT max(id) FROM area_placements \
                         WHERE all_tickets AND finished_at IS NULL)",
                        ))
                        .assume_not_null(),
                ),
        )
        .set(area_placements::finished_at.eq(now()))
        .execute(conn)?;
        if superseded > 0 {
            tracing::info!(
                superseded,
                "re-placements covered by a later one of every ticket"
            );
            continue;
        }
        // Loaded after the run's import committed (it queued the run).
        let placer = placer(conn)?;
        let last_ticket_id: i64 = tickets::table
            .select(diesel::dsl::max(tickets::id))
            .first::<Option<i64>>(conn)?
            .unwrap_or(0);
        tracing::info!(
            placement.id = run.id,
            areas = placer.len(),
            from = run.placed_through,
            "re-placing tickets"
        );
        loop {
            if out_of_time() {
                outcome.state = RunState::Paused;
                return Ok(outcome);
            }
            let batch = next_batch(conn, &run, limits.batch_size)?;
            let full = batch.len() as i64 >= limits.batch_size;
            let through = batch.last().map_or(run.placed_through, |t| t.0);
            let mut ids = Vec::new();
            let mut area_ids = Vec::new();
            let mut lats = Vec::new();
            let mut lons = Vec::new();
            for &(id, lat, lon, area_id) in &batch {
                let area = placer.place(lat, lon);
                if area != area_id {
                    ids.push(id);
                    area_ids.push(area);
                    lats.push(lat);
                    lons.push(lon);
                }
            }
            let checked = batch.len() as i64;
            let finished_at = (!full).then(now);
            let moved = conn.transaction(|conn| -> QueryResult<i64> {
                let moved = if ids.is_empty() {
                    0
                } else {
                    diesel::sql_query(
                        "UPDATE tickets AS t SET area_id = c.area_id \
                         FROM unnest($1, $2, $3, $4) AS c(id, area_id, lat, lon) \
                         WHERE t.id = c.id AND t.latitude = c.lat AND t.longitude = c.lon \
                         AND t.area_id IS DISTINCT FROM c.area_id",
                    )
                    .bind::<Array<BigInt>, _>(&ids)
                    .bind::<Array<Nullable<BigInt>>, _>(&area_ids)
                    .bind::<Array<Double>, _>(&lats)
                    .bind::<Array<Double>, _>(&lons)
                    .execute(conn)? as i64
                };
                diesel::update(area_placements::table.find(run.id))
                    .set((
                        area_placements::placed_through.eq(through),
                        area_placements::tickets_checked
                            .eq(area_placements::tickets_checked + checked),
                        area_placements::tickets_moved.eq(area_placements::tickets_moved + moved),
                        area_placements::finished_at.eq(finished_at),
                    ))
                    .execute(conn)?;
                Ok(moved)
            })?;
            run.placed_through = through;
            run.tickets_checked += checked;
            run.tickets_moved += moved;
            outcome.checked += checked;
            outcome.moved += moved;
            progress(&Progress {
                placement_id: run.id,
                placed_through: through,
                last_ticket_id: last_ticket_id.max(through),
                checked: run.tickets_checked,
                moved: run.tickets_moved,
            });
            if !full {
                outcome.finished += 1;
                tracing::info!(
                    placement.id = run.id,
                    checked = run.tickets_checked,
                    moved = run.tickets_moved,
                    "tickets re-placed"
                );
                break;
            }
        }
    }
    Ok(outcome)
}

/// A ticket as re-placement reads it: `(id, latitude, longitude, area_id)`.
type Located = (i64, f64, f64, Option<i64>);

/// The run's next tickets, by id.
fn next_batch(
    conn: &mut PgConnection,
    run: &AreaPlacement,
    size: i64,
) -> QueryResult<Vec<Located>> {
    let mut query = tickets::table
        .filter(tickets::id.gt(run.placed_through))
        .filter(tickets::latitude.is_not_null())
        .filter(tickets::longitude.is_not_null())
        .order(tickets::id.asc())
        .limit(size)
        .select((
            tickets::id,
            tickets::latitude.assume_not_null(),
            tickets::longitude.assume_not_null(),
            tickets::area_id,
        ))
        .into_boxed();
    if !run.all_tickets {
        let changed: Vec<i64> = run.changed_area_ids.iter().flatten().copied().collect();
        let in_changed = tickets::area_id.eq_any(changed).assume_not_null();
        query = match (run.min_lat, run.max_lat, run.min_lon, run.max_lon) {
            (Some(min_lat), Some(max_lat), Some(min_lon), Some(max_lon)) => query.filter(
                in_changed.or(tickets::latitude
                    .between(min_lat, max_lat)
                    .and(tickets::longitude.between(min_lon, max_lon))
                    .assume_not_null()),
            ),
            _ => query.filter(in_changed),
        };
    }
    query.load(conn)
}
