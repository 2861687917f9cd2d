//! What each dashboard shows, as data: composed from [`ReportSource`] calls,
//! so the same composition runs on the fast implementation (pages) and the
//! reference one (tests, the benchmark's naive column).

use std::collections::BTreeMap;

use anyhow::Context;
use diesel::PgConnection;
use serde::Serialize;

use super::model::{
    Answer, Ask, Dimension, Figures, Grain, Held, Key, Period, ReportQuery, ReportSource,
};

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

/// The asks every dashboard starts with: the period, the one before, and
/// the trend.
fn common_asks(q: &ReportQuery, grain: Grain) -> Vec<Ask> {
    vec![
        Ask::Figures(q.period),
        Ask::Figures(q.period.previous()),
        Ask::Series(q.period, grain),
    ]
}

/// A dashboard's answers, taken in the order they were asked.
struct Answers(std::vec::IntoIter<Answer>);

impl Answers {
    fn ask(
        conn: &mut PgConnection,
        source: &dyn ReportSource,
        q: &ReportQuery,
        asks: &[Ask],
    ) -> anyhow::Result<Self> {
        let answers = source.answer(conn, q, asks)?;
        anyhow::ensure!(
            answers.len() == asks.len(),
            "the report source left questions unanswered"
        );
        Ok(Self(answers.into_iter()))
    }

    fn next(&mut self) -> anyhow::Result<Answer> {
        self.0
            .next()
            .context("the report source left questions unanswered")
    }

    fn compared(&mut self) -> anyhow::Result<Compared> {
        Ok(Compared {
            current: self.next()?.figures()?,
            previous: self.next()?.figures()?,
        })
    }

    fn series(&mut self) -> anyhow::Result<Vec<(Period, Figures)>> {
        self.next()?.series()
    }

    fn breakdown(&mut self) -> anyhow::Result<BTreeMap<Key, Figures>> {
        self.next()?.breakdown()
    }
}

/// `q.scope` should be `All` (a leader's).
pub fn leader(
    conn: &mut PgConnection,
    source: &dyn ReportSource,
    q: &ReportQuery,
) -> anyhow::Result<LeaderData> {
    let grain = grain_for(q.period.days());
    let mut asks = common_asks(q, grain);
    asks.extend(
        [
            Dimension::Department,
            Dimension::Category,
            Dimension::Channel,
            Dimension::Kind,
            Dimension::Area,
        ]
        .map(|d| Ask::Breakdown(q.period, d)),
    );
    let mut a = Answers::ask(conn, source, q, &asks)?;
    Ok(LeaderData {
        period: q.period,
        previous: q.period.previous(),
        headline: a.compared()?,
        grain,
        series: a.series()?,
        departments: a.breakdown()?,
        categories: a.breakdown()?,
        channels: a.breakdown()?,
        kinds: a.breakdown()?,
        areas: a.breakdown()?,
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
    let mut asks = common_asks(q, grain);
    asks.extend(
        [
            Dimension::Staff,
            Dimension::Department,
            Dimension::Category,
            Dimension::Channel,
        ]
        .map(|d| Ask::Breakdown(q.period, d)),
    );
    let mut a = Answers::ask(conn, source, q, &asks)?;
    Ok(SupervisorData {
        period: q.period,
        previous: q.period.previous(),
        headline: a.compared()?,
        grain,
        series: a.series()?,
        staff: a.breakdown()?,
        departments: a.breakdown()?,
        categories: a.breakdown()?,
        channels: a.breakdown()?,
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
    let mut asks = common_asks(q, grain);
    asks.push(Ask::Breakdown(q.period, Dimension::Category));
    let mut a = Answers::ask(conn, source, q, &asks)?;
    Ok(AgentData {
        period: q.period,
        previous: q.period.previous(),
        headline: a.compared()?,
        grain,
        series: a.series()?,
        categories: a.breakdown()?,
    })
}
