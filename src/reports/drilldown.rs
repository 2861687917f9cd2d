//! The tickets behind a number on a dashboard: those a figure counted, in
//! the reader's report scope, optionally for one row of a breakdown. Each
//! condition is the definition in `docs/reports.md` (the same as
//! `reference.rs`), so the list has as many tickets as the figure counts
//! (for breaches: the tickets with a breach, one row each).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz};

use super::model::{Dimension, Key, ReportQuery, ReportScope};

/// A figure whose tickets can be listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Figure {
    Received,
    Resolved,
    Backlog,
    Breaches,
}

impl Figure {
    pub const ALL: [Figure; 4] = [
        Self::Received,
        Self::Resolved,
        Self::Backlog,
        Self::Breaches,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::Resolved => "resolved",
            Self::Backlog => "backlog",
            Self::Breaches => "breaches",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }

    fn condition(self) -> &'static str {
        match self {
            Self::Received => "t.created_at >= $1 AND t.created_at < $2",
            Self::Resolved => "d.done_at >= $1 AND d.done_at < $2 AND d.outcome",
            Self::Backlog => "t.created_at < $2 AND (d.done_at IS NULL OR d.done_at >= $2)",
            Self::Breaches => {
                "EXISTS (SELECT 1 FROM sla_clock_events e WHERE e.ticket_id = t.id \
                 AND e.kind = 'breached' AND e.clock IN ('first_response', 'resolution') \
                 AND e.at >= $1 AND e.at < $2)"
            }
        }
    }
}

/// A listed ticket.
#[derive(Debug, Clone, QueryableByName, serde::Serialize)]
pub struct DrillRow {
    #[diesel(sql_type = Text)]
    pub reference: String,
    #[diesel(sql_type = Text)]
    pub subject: String,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = Text)]
    pub department: String,
    #[diesel(sql_type = Text)]
    pub category: String,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub done_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = BigInt)]
    pub total: i64,
}

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

fn key_sql(dim: Dimension) -> &'static str {
    match dim {
        Dimension::Department => "t.department_id::text",
        Dimension::Category => "t.category_id::text",
        Dimension::Kind => "t.kind",
        Dimension::Channel => "t.channel",
        Dimension::Staff => "t.assignee_id::text",
        Dimension::Area => "t.area_id::text",
    }
}

/// The tickets `figure` counted for `q` (and the breakdown row `by`), oldest
/// first, at most `limit`; each row carries how many there are in all.
pub fn tickets(
    conn: &mut PgConnection,
    q: &ReportQuery,
    figure: Figure,
    by: Option<(Dimension, &Key)>,
    limit: i64,
) -> QueryResult<Vec<DrillRow>> {
    let (from, to) = q.period.instants(q.zone);
    let key_filter = match by {
        Some((dim, _)) => format!("({}) IS NOT DISTINCT FROM $3", key_sql(dim)),
        None => "$3::text IS NULL OR TRUE".to_string(),
    };
    let sql = format!(
        "SELECT t.reference, t.subject, t.status, dep.name AS department, cat.name AS category, \
                t.created_at, d.done_at, count(*) OVER () AS total \
         FROM tickets t \
         CROSS JOIN LATERAL (SELECT COALESCE(t.resolved_at, t.closed_at) AS done_at, \
             (COALESCE(t.resolved_at, t.closed_at) IS NOT NULL \
              AND COALESCE(t.resolution_code, '') NOT IN ('withdrawn', 'duplicate')) AS outcome) d \
         JOIN departments dep ON dep.id = t.department_id \
         JOIN categories cat ON cat.id = t.category_id \
         WHERE ({scope}) AND ({key_filter}) AND ({condition}) \
         ORDER BY t.created_at, t.id LIMIT {limit}",
        scope = scope_sql(&q.scope),
        condition = figure.condition(),
        limit = limit.max(1),
    );
    diesel::sql_query(sql)
        .bind::<Timestamptz, _>(from)
        .bind::<Timestamptz, _>(to)
        .bind::<Nullable<Text>, _>(by.and_then(|(_, k)| k.0.clone()))
        .load(conn)
}
