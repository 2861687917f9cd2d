//! What each dashboard shows, as data: composed from [`ReportSource`] calls,
//! so the same composition runs on the fast implementation (pages) and the
//! reference one (tests, the benchmark's naive column).

use std::collections::BTreeMap;

use diesel::PgConnection;
use serde::Serialize;

use super::model::{Dimension, Figures, Grain, Held, Key, Period, ReportQuery, ReportSource};

/// A figure set for the period and the one before it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Compared {
    pub current: Figures,
    pub previous: Figures,
}

/// The leader's dashboard: the whole organisation (aggregates only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LeaderData {
    pub period: Period,
    pub previous: Period,
    pub headline: Compared,
    /// The trend: months for periods over 92 days, weeks over 31, else days.
    pub grain: Grain,
    pub series: Vec<(Period, Figures)>,
    /// The department league table.
    pub departments: BTreeMap<Key, Figures>,
    /// For the categories with the worst breach rates.
    pub categories: BTreeMap<Key, Figures>,
    /// The channel mix.
    pub channels: BTreeMap<Key, Figures>,
    pub kinds: BTreeMap<Key, Figures>,
    pub areas: BTreeMap<Key, Figures>,
    pub held: Vec<Held>,
}

/// A supervisor's dashboard: their departments, and each staff member's
/// workload and times.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SupervisorData {
    pub period: Period,
    pub previous: Period,
    pub headline: Compared,
    pub grain: Grain,
    pub series: Vec<(Period, Figures)>,
    pub staff: BTreeMap<Key, Figures>,
    pub departments: BTreeMap<Key, Figures>,
    pub categories: BTreeMap<Key, Figures>,
    pub channels: BTreeMap<Key, Figures>,
    pub held: Vec<Held>,
}

/// An agent's own figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgentData {
    pub period: Period,
    pub previous: Period,
    pub headline: Compared,
    pub grain: Grain,
    pub series: Vec<(Period, Figures)>,
    pub categories: BTreeMap<Key, Figures>,
}

/// The trend's grain for a period of `days`.
pub fn grain_for(days: i64) -> Grain {
    match days {
        ..=31 => Grain::Day,
        32..=92 => Grain::Week,
        _ => Grain::Month,
    }
}

fn compared(
    conn: &mut PgConnection,
    source: &dyn ReportSource,
    q: &ReportQuery,
) -> anyhow::Result<Compared> {
    let previous = ReportQuery {
        period: q.period.previous(),
        ..q.clone()
    };
    Ok(Compared {
        current: source.figures(conn, q)?,
        previous: source.figures(conn, &previous)?,
    })
}

/// `q.scope` should be `All` (a leader's).
pub fn leader(
    conn: &mut PgConnection,
    source: &dyn ReportSource,
    q: &ReportQuery,
) -> anyhow::Result<LeaderData> {
    let grain = grain_for(q.period.days());
    Ok(LeaderData {
        period: q.period,
        previous: q.period.previous(),
        headline: compared(conn, source, q)?,
        grain,
        series: source.series(conn, q, grain)?,
        departments: source.breakdown(conn, q, Dimension::Department)?,
        categories: source.breakdown(conn, q, Dimension::Category)?,
        channels: source.breakdown(conn, q, Dimension::Channel)?,
        kinds: source.breakdown(conn, q, Dimension::Kind)?,
        areas: source.breakdown(conn, q, Dimension::Area)?,
        held: source.held(conn, q)?,
    })
}

/// `q.scope` should be the supervisor's departments.
pub fn supervisor(
    conn: &mut PgConnection,
    source: &dyn ReportSource,
    q: &ReportQuery,
) -> anyhow::Result<SupervisorData> {
    let grain = grain_for(q.period.days());
    Ok(SupervisorData {
        period: q.period,
        previous: q.period.previous(),
        headline: compared(conn, source, q)?,
        grain,
        series: source.series(conn, q, grain)?,
        staff: source.breakdown(conn, q, Dimension::Staff)?,
        departments: source.breakdown(conn, q, Dimension::Department)?,
        categories: source.breakdown(conn, q, Dimension::Category)?,
        channels: source.breakdown(conn, q, Dimension::Channel)?,
        held: source.held(conn, q)?,
    })
}

/// `q.scope` should be the agent's own (`Assignee`).
pub fn agent(
    conn: &mut PgConnection,
    source: &dyn ReportSource,
    q: &ReportQuery,
) -> anyhow::Result<AgentData> {
    let grain = grain_for(q.period.days());
    Ok(AgentData {
        period: q.period,
        previous: q.period.previous(),
        headline: compared(conn, source, q)?,
        grain,
        series: source.series(conn, q, grain)?,
        categories: source.breakdown(conn, q, Dimension::Category)?,
    })
}
