//! Keeping the facts and rollups current: a full rebuild (set-based, for
//! `civicdesk reports rebuild` and the first use), and the refresh of the
//! tickets the triggers marked dirty, which applies each one's difference to
//! the rollups. Both hold one advisory lock, so two refreshers never apply
//! the same change twice.

use std::collections::HashSet;
use std::fmt::Write as _;

use anyhow::Context;
use chrono::NaiveDate;
use chrono_tz::Tz;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Date, Nullable, SmallInt, Text};

use super::facts::{insert_sql, Fact, Tickets, COLUMNS};
use super::rollup::{encode_hist, Acc, Rollups, RowKey, COUNTERS};

/// The advisory lock every writer of the facts and rollups holds.
const LOCK: i64 = 0x5245_504f_5254; // "REPORT"

/// Tickets refreshed per transaction.
pub const REFRESH_BATCH: i64 = 5_000;

#[derive(Debug, Clone, QueryableByName)]
pub struct State {
    #[diesel(sql_type = Nullable<Text>)]
    pub time_zone: Option<String>,
    #[diesel(sql_type = Nullable<Date>)]
    pub min_day: Option<NaiveDate>,
}

pub fn state(conn: &mut PgConnection) -> anyhow::Result<State> {
    diesel::sql_query("SELECT time_zone, min_day FROM report_state")
        .get_result(conn)
        .context("reading the reports state")
}

fn lock(conn: &mut PgConnection) -> QueryResult<()> {
    diesel::sql_query(format!("SELECT pg_advisory_xact_lock({LOCK})"))
        .execute(conn)
        .map(|_| ())
}

/// What a rebuild did.
#[derive(Debug, Clone, Copy, Default)]
pub struct RebuildReport {
    pub facts: u64,
    pub rows: u64,
}

/// Works every ticket's facts out again and sums the rollups from them, in
/// one transaction (readers see the old figures until it commits).
pub fn rebuild(
    conn: &mut PgConnection,
    zone: Tz,
    progress: &mut dyn FnMut(&str),
) -> anyhow::Result<RebuildReport> {
    conn.transaction(|conn| -> anyhow::Result<RebuildReport> {
        lock(conn)?;
        diesel::sql_query("SET LOCAL work_mem = '256MB'").execute(conn)?;
        // Everything marked so far is in the facts worked out below; what is
        // marked from now on stays marked and is refreshed later.
        diesel::sql_query("DELETE FROM report_dirty").execute(conn)?;
        diesel::sql_query("TRUNCATE report_facts, report_rollups").execute(conn)?;
        progress("working out every ticket's facts");
        let facts = diesel::sql_query(insert_sql(Tickets::All, false))
            .bind::<Text, _>(zone.name())
            .execute(conn)
            .context("working out the facts")? as u64;
        progress(&format!("{facts} tickets' facts; summing the rollups"));
        let mut rollups = Rollups::default();
        let mut last = i64::MIN;
        let mut min_day: Option<NaiveDate> = None;
        let mut seen = 0u64;
        loop {
            let chunk: Vec<Fact> = diesel::sql_query(format!(
                "SELECT {COLUMNS} FROM report_facts WHERE ticket_id > $1 ORDER BY ticket_id LIMIT 100000"
            ))
            .bind::<BigInt, _>(last)
            .load(conn)
            .context("reading the facts")?;
            let Some(tail) = chunk.last() else { break };
            last = tail.ticket_id;
            for fact in &chunk {
                rollups.add_fact(fact, 1);
                min_day = Some(min_day.map_or(fact.created_day, |d| d.min(fact.created_day)));
            }
            seen += chunk.len() as u64;
            if seen % 1_000_000 < 100_000 {
                progress(&format!("summed {seen} of {facts} tickets"));
            }
        }
        rollups.add_weeks_and_months();
        progress(&format!("writing {} rollup rows", rollups.rows.len()));
        let rows = copy_rows(conn, "report_rollups", &rollups, rollups.rows.iter())?;
        diesel::sql_query(
            "UPDATE report_state SET time_zone = $1, min_day = $2, built_at = now()",
        )
        .bind::<Text, _>(zone.name())
        .bind::<Nullable<Date>, _>(min_day)
        .execute(conn)?;
        Ok(RebuildReport { facts, rows })
    })
}

/// COPYs rows into `table` (`report_rollups` or a temporary twin).
fn copy_rows<'a>(
    conn: &mut PgConnection,
    table: &str,
    rollups: &Rollups,
    rows: impl Iterator<Item = (&'a RowKey, &'a Acc)>,
) -> anyhow::Result<u64> {
    let mut out = String::new();
    let mut n = 0u64;
    let flush = |conn: &mut PgConnection, out: &mut String| -> anyhow::Result<()> {
        if out.is_empty() {
            return Ok(());
        }
        copy_text(conn, table, out)?;
        out.clear();
        Ok(())
    };
    for (k, acc) in rows {
        write!(
            out,
            "{}\t{}\t{}\t{}\t{}",
            k.dim,
            k.grain,
            k.start,
            k.department_id,
            copy_escape(rollups.keys.name(k.key))
        )?;
        for c in acc.counters {
            write!(out, "\t{c}")?;
        }
        // bytea in hex, its backslash escaped for COPY's text format.
        out.push_str("\t\\\\x");
        for b in encode_hist(&acc.hist)? {
            write!(out, "{b:02x}")?;
        }
        out.push('\n');
        n += 1;
        if out.len() > 8 << 20 {
            flush(conn, &mut out)?;
        }
    }
    flush(conn, &mut out)?;
    Ok(n)
}

fn copy_text(conn: &mut PgConnection, _table: &str, data: &str) -> anyhow::Result<()> {
    use crate::schema::report_rollups as r;
    diesel::copy_from(r::table)
        .from_raw_data(
            (
                r::dim,
                r::grain,
                r::start,
                r::department_id,
                r::key,
                r::received,
                r::outs,
                r::resolved,
                r::reopened,
                r::transfers,
                r::res_n,
                r::res_within,
                r::extended,
                r::fr_n,
                r::fr_within,
                r::breaches,
                r::kit,
                r::held_micros,
                r::held_n,
                r::hist,
            ),
            |w| {
                std::io::Write::write_all(w, data.as_bytes())
                    .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))
            },
        )
        .execute(conn)
        .context("writing rollup rows")?;
    Ok(())
}

fn copy_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out
}

/// What a refresh did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RefreshReport {
    pub tickets: u64,
    pub rows: u64,
}

/// Whether any ticket is waiting to be refreshed.
pub fn any_dirty(conn: &mut PgConnection) -> anyhow::Result<bool> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        dirty: bool,
    }
    Ok(
        diesel::sql_query("SELECT EXISTS (SELECT 1 FROM report_dirty) AS dirty")
            .get_result::<Row>(conn)?
            .dirty,
    )
}

/// Refreshes every ticket marked dirty, a batch per transaction, until none
/// is left. Does nothing before the first build (which covers them all).
pub fn refresh(conn: &mut PgConnection) -> anyhow::Result<RefreshReport> {
    let mut total = RefreshReport::default();
    loop {
        let r = refresh_batch(conn, REFRESH_BATCH)?;
        total.tickets += r.tickets;
        total.rows += r.rows;
        if r.tickets == 0 {
            return Ok(total);
        }
    }
}

/// Refreshes up to `limit` marked tickets in one transaction.
pub fn refresh_batch(conn: &mut PgConnection, limit: i64) -> anyhow::Result<RefreshReport> {
    conn.transaction(|conn| -> anyhow::Result<RefreshReport> {
        lock(conn)?;
        let st = state(conn)?;
        let Some(zone) = st.time_zone else {
            return Ok(RefreshReport::default());
        };
        #[derive(QueryableByName)]
        struct Id {
            #[diesel(sql_type = BigInt)]
            ticket_id: i64,
        }
        let ids: Vec<Id> = diesel::sql_query(
            "DELETE FROM report_dirty WHERE id IN \
               (SELECT id FROM report_dirty ORDER BY id LIMIT $1) RETURNING ticket_id",
        )
        .bind::<BigInt, _>(limit)
        .load(conn)
        .context("taking the tickets to refresh")?;
        let ids: Vec<i64> = ids
            .into_iter()
            .map(|i| i.ticket_id)
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        if ids.is_empty() {
            return Ok(RefreshReport::default());
        }
        let old: Vec<Fact> = diesel::sql_query(format!(
            "DELETE FROM report_facts WHERE ticket_id = ANY($1) RETURNING {COLUMNS}"
        ))
        .bind::<Array<BigInt>, _>(&ids)
        .load(conn)
        .context("taking the old facts")?;
        let new: Vec<Fact> = diesel::sql_query(insert_sql(Tickets::Bound, true))
            .bind::<Text, _>(&zone)
            .bind::<Array<BigInt>, _>(&ids)
            .load(conn)
            .context("working out the new facts")?;
        let mut delta = Rollups::default();
        for f in &old {
            delta.add_fact(f, -1);
        }
        for f in &new {
            delta.add_fact(f, 1);
        }
        delta.add_weeks_and_months();
        let rows = apply(conn, &delta)?;
        if let Some(min) = new.iter().map(|f| f.created_day).min() {
            diesel::sql_query("UPDATE report_state SET min_day = LEAST(COALESCE(min_day, $1), $1)")
                .bind::<Date, _>(min)
                .execute(conn)?;
        }
        Ok(RefreshReport {
            tickets: ids.len() as u64,
            rows,
        })
    })
}

/// Adds `delta`'s rows to the stored ones: reads those rows, sums, deletes
/// them and writes the sums that are not empty.
fn apply(conn: &mut PgConnection, delta: &Rollups) -> anyhow::Result<u64> {
    if delta.rows.is_empty() {
        return Ok(0);
    }
    let mut dims = Vec::new();
    let mut grains = Vec::new();
    let mut starts = Vec::new();
    let mut depts = Vec::new();
    let mut keys = Vec::new();
    for k in delta.rows.keys() {
        dims.push(k.dim);
        grains.push(k.grain);
        starts.push(k.start);
        depts.push(k.department_id);
        keys.push(delta.keys.name(k.key).to_string());
    }
    let stored: Vec<super::read::StoredRow> = diesel::sql_query(format!(
        "DELETE FROM report_rollups r USING unnest($1::smallint[], $2::smallint[], $3::date[], \
           $4::bigint[], $5::text[]) AS k(dim, grain, start, department_id, key) \
         WHERE r.dim = k.dim AND r.grain = k.grain AND r.start = k.start \
           AND r.department_id = k.department_id AND r.key = k.key \
         RETURNING r.dim, r.grain, r.start, r.department_id, r.key, {}, r.hist",
        COUNTERS.map(|c| format!("r.{c}")).join(", ")
    ))
    .bind::<Array<SmallInt>, _>(&dims)
    .bind::<Array<SmallInt>, _>(&grains)
    .bind::<Array<Date>, _>(&starts)
    .bind::<Array<BigInt>, _>(&depts)
    .bind::<Array<Text>, _>(&keys)
    .load(conn)
    .context("reading the rollup rows to change")?;
    let mut sums = Rollups::default();
    for row in stored {
        let key = RowKey {
            dim: row.dim,
            grain: row.grain,
            start: row.start,
            department_id: row.department_id,
            key: sums.keys.intern(&row.key),
        };
        sums.rows.insert(key, row.acc());
    }
    for (k, acc) in &delta.rows {
        let key = RowKey {
            key: sums.keys.intern(delta.keys.name(k.key)),
            ..*k
        };
        sums.rows.entry(key).or_default().add(acc);
    }
    sums.rows.retain(|_, acc| !acc.is_empty());
    copy_rows(conn, "report_rollups", &sums, sums.rows.iter())
}
