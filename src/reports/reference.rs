//! The reference implementation: every figure of `docs/reports.md` computed
//! with plain SQL over the raw tables (tickets, SLA clocks, holdings, the
//! timeline), written to be read against the definitions rather than to be
//! fast. The dashboards use the fast implementation; tests and the benchmark
//! hold it to this one.

use std::collections::BTreeMap;

use anyhow::Context;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Nullable, Text, Timestamptz};

use super::model::{
    bucket_sql, Dimension, Figures, Grain, Held, Key, Percentiles, Period, ReportQuery,
    ReportScope, ReportSource, Share,
};

/// Plain SQL over the raw tables.
#[derive(Debug, Clone, Copy, Default)]
pub struct Reference;

/// `t` (a ticket) is in the reader's scope. Ids are typed integers, so
/// writing them into the SQL is safe.
fn scope_sql(scope: &ReportScope) -> String {
    match scope {
        ReportScope::All => "TRUE".to_string(),
        ReportScope::Departments(ids) if ids.is_empty() => "FALSE".to_string(),
        ReportScope::Departments(ids) => format!(
            "t.department_id IN ({})",
            ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
        ),
        ReportScope::Assignee(id) => format!("t.assignee_id = {id}"),
    }
}

/// The breakdown key of ticket `t`, as text (NULL: unassigned, unknown).
fn key_sql(dim: Option<Dimension>) -> &'static str {
    match dim {
        None => "''",
        Some(Dimension::Department) => "t.department_id::text",
        Some(Dimension::Category) => "t.category_id::text",
        Some(Dimension::Kind) => "t.kind",
        Some(Dimension::Channel) => "t.channel",
        Some(Dimension::Staff) => "t.assignee_id::text",
        Some(Dimension::Area) => "t.area_id::text",
    }
}

/// A ticket's done instant and whether it had an outcome.
const DONE: &str = "CROSS JOIN LATERAL (SELECT COALESCE(t.resolved_at, t.closed_at) AS done_at, \
     (COALESCE(t.resolved_at, t.closed_at) IS NOT NULL \
      AND COALESCE(t.resolution_code, '') NOT IN ('withdrawn', 'duplicate')) AS outcome) d";

#[derive(QueryableByName)]
struct CountsRow {
    #[diesel(sql_type = Nullable<Text>)]
    key: Option<String>,
    #[diesel(sql_type = BigInt)]
    received: i64,
    #[diesel(sql_type = BigInt)]
    resolved: i64,
    #[diesel(sql_type = BigInt)]
    backlog: i64,
    #[diesel(sql_type = BigInt)]
    age0: i64,
    #[diesel(sql_type = BigInt)]
    age1: i64,
    #[diesel(sql_type = BigInt)]
    age2: i64,
    #[diesel(sql_type = BigInt)]
    age3: i64,
    #[diesel(sql_type = BigInt)]
    reopened: i64,
    #[diesel(sql_type = BigInt)]
    transfers: i64,
}

#[derive(QueryableByName)]
struct PercentileRow {
    #[diesel(sql_type = Nullable<Text>)]
    key: Option<String>,
    #[diesel(sql_type = BigInt)]
    n: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    median: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    p90: Option<i64>,
}

#[derive(QueryableByName)]
struct ClockCountsRow {
    #[diesel(sql_type = Nullable<Text>)]
    key: Option<String>,
    #[diesel(sql_type = BigInt)]
    n: i64,
    #[diesel(sql_type = BigInt)]
    within: i64,
    #[diesel(sql_type = BigInt)]
    extended: i64,
}

#[derive(QueryableByName)]
struct BreachRow {
    #[diesel(sql_type = Nullable<Text>)]
    key: Option<String>,
    #[diesel(sql_type = BigInt)]
    breaches: i64,
    #[diesel(sql_type = BigInt)]
    keep_in_touch: i64,
}

/// The `p`-th percentile (nearest rank) of `value` over `source` rows, per key,
/// with integer ranks only (no floating point).
fn percentile_sql(source: &str, value: &str) -> String {
    format!(
        "SELECT key, max(n)::bigint AS n, \
           min(v) FILTER (WHERE rn = GREATEST((50 * n + 99) / 100, 1))::bigint AS median, \
           min(v) FILTER (WHERE rn = GREATEST((90 * n + 99) / 100, 1))::bigint AS p90 \
         FROM (SELECT key, v, row_number() OVER (PARTITION BY key ORDER BY v) AS rn, \
                      count(*) OVER (PARTITION BY key) AS n \
               FROM (SELECT key, {bucketed} AS v FROM ({source}) AS src) AS b) AS ranked \
         GROUP BY key",
        bucketed = bucket_sql(value),
    )
}

fn figures_by_key(
    conn: &mut PgConnection,
    q: &ReportQuery,
    dim: Option<Dimension>,
) -> anyhow::Result<BTreeMap<Key, Figures>> {
    let (from, to) = q.period.instants(q.zone);
    let zone = q.zone.name();
    let scope = scope_sql(&q.scope);
    let key = key_sql(dim);
    let resolved = "d.done_at >= $1 AND d.done_at < $2 AND d.outcome";
    let backlog = "t.created_at < $2 AND (d.done_at IS NULL OR d.done_at >= $2)";
    let age = "($3::date - (t.created_at AT TIME ZONE $4)::date)";
    let counts_sql = format!(
        "SELECT {key} AS key, \
           count(*) FILTER (WHERE t.created_at >= $1 AND t.created_at < $2) AS received, \
           count(*) FILTER (WHERE {resolved}) AS resolved, \
           count(*) FILTER (WHERE {backlog}) AS backlog, \
           count(*) FILTER (WHERE {backlog} AND {age} <= 2) AS age0, \
           count(*) FILTER (WHERE {backlog} AND {age} BETWEEN 3 AND 7) AS age1, \
           count(*) FILTER (WHERE {backlog} AND {age} BETWEEN 8 AND 30) AS age2, \
           count(*) FILTER (WHERE {backlog} AND {age} > 30) AS age3, \
           count(*) FILTER (WHERE {resolved} AND r.reopens > 0) AS reopened, \
           COALESCE(sum(h.holdings - 1) FILTER (WHERE {resolved}), 0)::bigint AS transfers \
         FROM tickets t {DONE} \
         CROSS JOIN LATERAL (SELECT count(*) AS reopens FROM ticket_events e \
             WHERE e.ticket_id = t.id AND e.kind = 'status_changed' \
               AND e.data->>'action' = 'reopen') r \
         CROSS JOIN LATERAL (SELECT count(*) AS holdings FROM ticket_holdings h \
             WHERE h.ticket_id = t.id) h \
         WHERE {scope} \
         GROUP BY 1"
    );
    let counts: Vec<CountsRow> = diesel::sql_query(&counts_sql)
        .bind::<Timestamptz, _>(from)
        .bind::<Timestamptz, _>(to)
        .bind::<Date, _>(q.period.to)
        .bind::<Text, _>(zone)
        .load(conn)
        .context("reference: counts")?;

    let minutes = |a: &str, b: &str| format!("floor(extract(epoch FROM ({a} - {b})) / 60)::bigint");
    let fr_source = format!(
        "SELECT {key} AS key, c.elapsed_seconds / 60 AS bus, {cal} AS cal, \
                c.elapsed_seconds <= (c.target_minutes + c.extension_minutes) * 60 AS within \
         FROM tickets t JOIN sla_clocks c ON c.ticket_id = t.id \
         WHERE {scope} AND c.clock = 'first_response' AND c.state = 'met' \
           AND c.met_at >= $1 AND c.met_at < $2",
        cal = minutes("c.met_at", "t.created_at"),
    );
    let res_clock_source = format!(
        "SELECT {key} AS key, c.elapsed_seconds / 60 AS bus, \
                c.elapsed_seconds <= (c.target_minutes + c.extension_minutes) * 60 AS within, \
                c.extension_minutes > 0 AS extended \
         FROM tickets t {DONE} JOIN sla_clocks c ON c.ticket_id = t.id \
         WHERE {scope} AND {resolved} AND c.clock = 'resolution' AND c.state = 'met'"
    );
    let res_calendar_source = format!(
        "SELECT {key} AS key, {cal} AS cal FROM tickets t {DONE} WHERE {scope} AND {resolved}",
        cal = minutes("d.done_at", "t.created_at"),
    );
    let percentiles = |conn: &mut PgConnection, source: &str, value: &str| {
        diesel::sql_query(percentile_sql(source, value))
            .bind::<Timestamptz, _>(from)
            .bind::<Timestamptz, _>(to)
            .load::<PercentileRow>(conn)
            .context("reference: percentiles")
    };
    let fr_bus = percentiles(conn, &fr_source, "bus")?;
    let fr_cal = percentiles(conn, &fr_source, "cal")?;
    let res_bus = percentiles(conn, &res_clock_source, "bus")?;
    let res_cal = percentiles(conn, &res_calendar_source, "cal")?;
    let clock_counts = |conn: &mut PgConnection, source: &str, extended: &str| {
        diesel::sql_query(format!(
            "SELECT key, count(*) AS n, count(*) FILTER (WHERE within) AS within, \
                    count(*) FILTER (WHERE {extended}) AS extended \
             FROM ({source}) AS s GROUP BY key"
        ))
        .bind::<Timestamptz, _>(from)
        .bind::<Timestamptz, _>(to)
        .load::<ClockCountsRow>(conn)
        .context("reference: clocks within target")
    };
    let fr_clocks = clock_counts(conn, &fr_source, "FALSE")?;
    let res_clocks = clock_counts(conn, &res_clock_source, "extended")?;
    // Breaches from the clock log: a keep-in-touch clock can breach once in
    // each of its cycles, and its kept state only shows the current one.
    let breaches: Vec<BreachRow> = diesel::sql_query(format!(
        "SELECT {key} AS key, \
           count(*) FILTER (WHERE e.clock IN ('first_response', 'resolution')) AS breaches, \
           count(*) FILTER (WHERE e.clock = 'keep_in_touch') AS keep_in_touch \
         FROM tickets t JOIN sla_clock_events e ON e.ticket_id = t.id \
         WHERE {scope} AND e.kind = 'breached' AND e.at >= $1 AND e.at < $2 \
         GROUP BY 1"
    ))
    .bind::<Timestamptz, _>(from)
    .bind::<Timestamptz, _>(to)
    .load(conn)
    .context("reference: breaches")?;

    let mut out: BTreeMap<Key, Figures> = BTreeMap::new();
    let min = q.min_count;
    let limit = |p: &PercentileRow| Percentiles {
        n: p.n,
        median: p.median.filter(|_| p.n >= min.max(1)),
        p90: p.p90.filter(|_| p.n >= min.max(1)),
    };
    for r in counts {
        let f = out.entry(Key(r.key)).or_default();
        f.received = r.received;
        f.resolved = r.resolved;
        f.backlog = r.backlog;
        f.backlog_age = [r.age0, r.age1, r.age2, r.age3];
        f.reopened = Share {
            count: r.reopened,
            of: r.resolved,
        };
        f.transfers = r.transfers;
    }
    for r in &fr_bus {
        out.entry(Key(r.key.clone()))
            .or_default()
            .first_response_business = limit(r);
    }
    for r in &fr_cal {
        out.entry(Key(r.key.clone()))
            .or_default()
            .first_response_calendar = limit(r);
    }
    for r in &res_bus {
        out.entry(Key(r.key.clone()))
            .or_default()
            .resolution_business = limit(r);
    }
    for r in &res_cal {
        out.entry(Key(r.key.clone()))
            .or_default()
            .resolution_calendar = limit(r);
    }
    for r in fr_clocks {
        out.entry(Key(r.key)).or_default().first_response_within = Share {
            count: r.within,
            of: r.n,
        };
    }
    for r in res_clocks {
        let f = out.entry(Key(r.key)).or_default();
        f.resolution_within = Share {
            count: r.within,
            of: r.n,
        };
        f.extended = r.extended;
    }
    for r in breaches {
        let f = out.entry(Key(r.key)).or_default();
        f.breaches = r.breaches;
        f.keep_in_touch_breaches = r.keep_in_touch;
    }
    // A key only with tickets that count in no figure is left out.
    out.retain(|_, f| *f != Figures::default());
    Ok(out)
}

impl ReportSource for Reference {
    fn figures(&self, conn: &mut PgConnection, q: &ReportQuery) -> anyhow::Result<Figures> {
        Ok(figures_by_key(conn, q, None)?
            .into_values()
            .next()
            .unwrap_or_default())
    }

    fn breakdown(
        &self,
        conn: &mut PgConnection,
        q: &ReportQuery,
        dim: Dimension,
    ) -> anyhow::Result<BTreeMap<Key, Figures>> {
        figures_by_key(conn, q, Some(dim))
    }

    fn series(
        &self,
        conn: &mut PgConnection,
        q: &ReportQuery,
        grain: Grain,
    ) -> anyhow::Result<Vec<(Period, Figures)>> {
        q.period
            .buckets(grain)
            .into_iter()
            .map(|period| {
                let bucket = ReportQuery {
                    period,
                    ..q.clone()
                };
                Ok((period, self.figures(conn, &bucket)?))
            })
            .collect()
    }

    fn held(&self, conn: &mut PgConnection, q: &ReportQuery) -> anyhow::Result<Vec<Held>> {
        #[derive(QueryableByName)]
        struct Row {
            #[diesel(sql_type = BigInt)]
            department_id: i64,
            #[diesel(sql_type = BigInt)]
            minutes: i64,
            #[diesel(sql_type = BigInt)]
            tickets: i64,
        }
        let (from, to) = q.period.instants(q.zone);
        let rows: Vec<Row> = diesel::sql_query(format!(
            "SELECT h.department_id, \
               floor(sum(extract(epoch FROM (COALESCE(h.ended_at, d.done_at) - h.started_at))) / 60)::bigint \
                 AS minutes, \
               count(DISTINCT t.id) AS tickets \
             FROM tickets t {DONE} JOIN ticket_holdings h ON h.ticket_id = t.id \
             WHERE {scope} AND d.done_at >= $1 AND d.done_at < $2 AND d.outcome \
             GROUP BY 1 ORDER BY 1",
            scope = scope_sql(&q.scope)
        ))
        .bind::<Timestamptz, _>(from)
        .bind::<Timestamptz, _>(to)
        .load(conn)
        .context("reference: time held")?;
        Ok(rows
            .into_iter()
            .map(|r| Held {
                department_id: r.department_id,
                minutes: r.minutes,
                tickets: r.tickets,
            })
            .collect())
    }
}
