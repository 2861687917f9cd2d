//! Answering report questions from the rollups. A period is cut into whole
//! months, ISO weeks and days (a year is a few dozen rows per key); backlog at
//! the period's end is everything received minus everything done before it
//! (the rows before the period, counters only), and its age comes from the
//! 30 days before the end, whose rows count the days each ticket took to be
//! done. Percentiles come from the summed histograms.

use std::collections::{BTreeMap, HashMap};

use anyhow::Context;
use chrono::{Datelike, Days, Months, NaiveDate};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Binary, Date, Integer, SmallInt, Text};

use super::facts::{Fact, COLUMNS};
use super::refresh::{any_dirty, rebuild, refresh, state};
use super::rollup::*;
use crate::reports::model::{
    age_bucket, Answer, Ask, Dimension, Figures, Grain, Held, Key, Percentiles, Period,
    ReportQuery, ReportScope, ReportSource, Share,
};
use crate::reports::reference::Reference;

/// Rollups kept current by triggers; exactly the reference's figures.
#[derive(Debug, Clone, Copy, Default)]
pub struct Fast;

#[derive(Debug, Clone, QueryableByName)]
pub struct Counters {
    #[diesel(sql_type = BigInt)]
    received: i64,
    #[diesel(sql_type = BigInt)]
    outs: i64,
    #[diesel(sql_type = BigInt)]
    resolved: i64,
    #[diesel(sql_type = BigInt)]
    reopened: i64,
    #[diesel(sql_type = BigInt)]
    transfers: i64,
    #[diesel(sql_type = BigInt)]
    res_n: i64,
    #[diesel(sql_type = BigInt)]
    res_within: i64,
    #[diesel(sql_type = BigInt)]
    extended: i64,
    #[diesel(sql_type = BigInt)]
    fr_n: i64,
    #[diesel(sql_type = BigInt)]
    fr_within: i64,
    #[diesel(sql_type = BigInt)]
    breaches: i64,
    #[diesel(sql_type = BigInt)]
    kit: i64,
    #[diesel(sql_type = BigInt)]
    held_micros: i64,
    #[diesel(sql_type = BigInt)]
    held_n: i64,
}

impl Counters {
    fn array(&self) -> [i64; 14] {
        [
            self.received,
            self.outs,
            self.resolved,
            self.reopened,
            self.transfers,
            self.res_n,
            self.res_within,
            self.extended,
            self.fr_n,
            self.fr_within,
            self.breaches,
            self.kit,
            self.held_micros,
            self.held_n,
        ]
    }
}

/// A stored rollup row.
#[derive(Debug, Clone, QueryableByName)]
pub struct StoredRow {
    #[diesel(sql_type = SmallInt)]
    pub dim: i16,
    #[diesel(sql_type = SmallInt)]
    pub grain: i16,
    #[diesel(sql_type = Date)]
    pub start: NaiveDate,
    #[diesel(sql_type = BigInt)]
    pub department_id: i64,
    #[diesel(sql_type = Text)]
    pub key: String,
    #[diesel(embed)]
    counters: Counters,
    #[diesel(sql_type = Binary)]
    hist: Vec<u8>,
}

impl StoredRow {
    pub fn acc(&self) -> Acc {
        Acc {
            counters: self.counters.array(),
            hist: decode_hist(&self.hist).collect(),
        }
    }
}

#[derive(QueryableByName)]
struct FetchedRow {
    #[diesel(sql_type = Integer)]
    tag: i32,
    #[diesel(sql_type = BigInt)]
    department_id: i64,
    #[diesel(sql_type = Text)]
    key: String,
    #[diesel(embed)]
    counters: Counters,
    /// The stored histogram, whole, its tail, or empty (see [`Unit::hist`]).
    #[diesel(sql_type = Binary)]
    hist: Vec<u8>,
}

/// What a fetched row counts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    /// The figures of the `i`-th bucket.
    Bucket(usize),
    /// Before the period: received minus done, for the backlog.
    Before,
    /// A day shortly before some bucket's end: backlog age.
    Day(NaiveDate),
}

/// The whole months, ISO weeks and days that make up `[from, to)`.
pub fn decompose(from: NaiveDate, to: NaiveDate) -> Vec<(Grain, NaiveDate)> {
    let mut out = Vec::new();
    let mut d = from;
    while d < to {
        let month_end = d + Months::new(1);
        if d.day() == 1 && month_end <= to {
            out.push((Grain::Month, d));
            d = month_end;
            continue;
        }
        let week_end = d + Days::new(7);
        // A week that would step over the start of a whole month is left to days.
        let next_month = Grain::Month.next(Grain::Month.start_of(d));
        let crosses = next_month < week_end && next_month + Months::new(1) <= to;
        if d.weekday() == chrono::Weekday::Mon && week_end <= to && !crosses {
            out.push((Grain::Week, d));
            d = week_end;
            continue;
        }
        out.push((Grain::Day, d));
        d = d + Days::new(1);
    }
    out
}

/// The sums for one key in one bucket.
#[derive(Debug, Clone, Default)]
struct Dense {
    counters: [i64; 14],
    hist: [Vec<i64>; 4],
}

impl Dense {
    fn add(&mut self, counters: &[i64; 14], hist: &[(i64, i64)]) {
        for (a, b) in self.counters.iter_mut().zip(counters) {
            *a += b;
        }
        for (k, c) in hist {
            let (m, i) = split_hist_key(*k);
            if m < 4 {
                let v = &mut self.hist[m as usize];
                let i = i as usize;
                if v.len() <= i {
                    v.resize(i + 1, 0);
                }
                v[i] += c;
            }
        }
    }

    fn percentiles(&self, measure: i64, min_count: i64) -> Percentiles {
        let hist: BTreeMap<i64, i64> = self.hist[measure as usize]
            .iter()
            .enumerate()
            .filter(|(_, c)| **c != 0)
            .map(|(i, c)| (bucket_value(i as i64), *c))
            .collect();
        Percentiles::of_histogram(&hist, min_count)
    }
}

#[derive(Debug, Clone, Default)]
struct Group {
    buckets: Vec<Dense>,
    before: i64,
    /// Per day: received, and how many were done after 0..30 days.
    days: HashMap<NaiveDate, (i64, [i64; OFFSETS as usize])>,
}

/// The question in rollup terms: the buckets, and which units to read.
struct Plan {
    buckets: Vec<Period>,
    /// (part, grain, start, histogram: 0 none, 1 whole, 2 the last
    /// [`OFFSETS`] entries, where the days-to-done offsets sort)
    units: Vec<(Part, Grain, NaiveDate, i16)>,
}

impl Plan {
    fn new(buckets: Vec<Period>, min_day: Option<NaiveDate>, coarse: bool) -> Self {
        let mut units = Vec::new();
        let split = |from, to| {
            if coarse {
                decompose(from, to)
            } else {
                days(from, to).map(|d| (Grain::Day, d)).collect()
            }
        };
        for (i, b) in buckets.iter().enumerate() {
            for (g, s) in split(b.from, b.to) {
                units.push((Part::Bucket(i), g, s, 1));
            }
        }
        if let (Some(min), Some(first)) = (min_day, buckets.first()) {
            if min < first.from {
                for (g, s) in split(min, first.from) {
                    units.push((Part::Before, g, s, 0));
                }
            }
            let mut wanted = std::collections::BTreeSet::new();
            for b in &buckets {
                let from = (b.to - chrono::Duration::days(OFFSETS)).max(min);
                wanted.extend(days(from, b.to));
            }
            units.extend(wanted.into_iter().map(|d| (Part::Day(d), Grain::Day, d, 2)));
        }
        Self { buckets, units }
    }
}

fn days(from: NaiveDate, to: NaiveDate) -> impl Iterator<Item = NaiveDate> {
    from.iter_days().take_while(move |d| *d < to)
}

/// How rows are grouped into answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Grouping {
    /// One answer (the key is ignored).
    One,
    /// By current department (stored with no key).
    Department,
    /// By the stored key.
    Key,
}

struct Assembly {
    /// How many buckets each group has.
    buckets: usize,
    grouping: Grouping,
    groups: HashMap<Key, Group>,
}

impl Assembly {
    fn new(buckets: usize, grouping: Grouping) -> Self {
        Self {
            buckets,
            grouping,
            groups: HashMap::new(),
        }
    }

    fn add(
        &mut self,
        part: Part,
        department_id: i64,
        key: &str,
        counters: &[i64; 14],
        hist: &[(i64, i64)],
    ) {
        let key = match self.grouping {
            Grouping::One => Key(None),
            Grouping::Department => Key(Some(department_id.to_string())),
            Grouping::Key if key.is_empty() => Key(None),
            Grouping::Key => Key(Some(key.to_string())),
        };
        let n = self.buckets;
        let g = self.groups.entry(key).or_insert_with(|| Group {
            buckets: vec![Dense::default(); n],
            ..Group::default()
        });
        match part {
            Part::Bucket(i) => g.buckets[i].add(counters, hist),
            Part::Before => g.before += counters[RECEIVED] - counters[OUTS],
            Part::Day(d) => {
                let e = g.days.entry(d).or_insert((0, [0; OFFSETS as usize]));
                e.0 += counters[RECEIVED];
                for (k, c) in hist {
                    let (m, o) = split_hist_key(*k);
                    if m == DONE_OFFSET && o < OFFSETS {
                        e.1[o as usize] += c;
                    }
                }
            }
        }
    }

    /// Figures per key, per bucket.
    fn finish(self, buckets: &[Period], min_count: i64) -> BTreeMap<Key, Vec<Figures>> {
        self.groups
            .into_iter()
            .map(|(key, g)| {
                let mut backlog = g.before;
                let figures = buckets
                    .iter()
                    .zip(&g.buckets)
                    .map(|(b, d)| {
                        let c = &d.counters;
                        backlog += c[RECEIVED] - c[OUTS];
                        let mut age = [0i64; 4];
                        for (day, (received, offsets)) in &g.days {
                            let a = (b.to - *day).num_days();
                            if (1..=OFFSETS).contains(&a) {
                                let done: i64 = offsets[..a as usize].iter().sum();
                                age[age_bucket(a)] += received - done;
                            }
                        }
                        age[3] = backlog - age[0] - age[1] - age[2];
                        Figures {
                            received: c[RECEIVED],
                            resolved: c[RESOLVED],
                            backlog,
                            backlog_age: age,
                            first_response_business: d.percentiles(FR_BUSINESS, min_count),
                            first_response_calendar: d.percentiles(FR_CALENDAR, min_count),
                            resolution_business: d.percentiles(RES_BUSINESS, min_count),
                            resolution_calendar: d.percentiles(RES_CALENDAR, min_count),
                            first_response_within: Share {
                                count: c[FR_WITHIN],
                                of: c[FR_N],
                            },
                            resolution_within: Share {
                                count: c[RES_WITHIN],
                                of: c[RES_N],
                            },
                            breaches: c[BREACHES],
                            keep_in_touch_breaches: c[KIT],
                            extended: c[EXTENDED],
                            reopened: Share {
                                count: c[REOPENED],
                                of: c[RESOLVED],
                            },
                            transfers: c[TRANSFERS],
                            ..Figures::default()
                        }
                    })
                    .collect();
                (key, figures)
            })
            .collect()
    }
}

/// How the rollups can answer `q`.
enum Ready {
    Rollups {
        min_day: Option<NaiveDate>,
    },
    /// The rollups are cut in another zone: the reference answers.
    OtherZone,
}

fn ready(conn: &mut PgConnection, q: &ReportQuery) -> anyhow::Result<Ready> {
    let mut st = state(conn)?;
    if st.time_zone.is_none() {
        rebuild(conn, q.zone, &mut |_| {})?;
        st = state(conn)?;
    }
    if st.time_zone.as_deref() != Some(q.zone.name()) {
        tracing::warn!(
            rollups = st.time_zone.as_deref().unwrap_or(""),
            asked = q.zone.name(),
            "report rollups are cut in another zone: run `civicdesk reports rebuild`"
        );
        return Ok(Ready::OtherZone);
    }
    if any_dirty(conn)? {
        refresh(conn)?;
    }
    Ok(Ready::Rollups {
        min_day: st.min_day,
    })
}

fn dim_code(dim: Dimension) -> i16 {
    match dim {
        Dimension::Department => DIM_NONE,
        Dimension::Category => DIM_CATEGORY,
        Dimension::Kind => DIM_KIND,
        Dimension::Channel => DIM_CHANNEL,
        Dimension::Staff => DIM_STAFF,
        Dimension::Area => DIM_AREA,
    }
}

/// Several questions in rollup terms: one assembly per question, and the
/// units they read, each (dimension, grain, start) read once however many
/// questions want it.
struct Batch {
    asks: Vec<(Vec<Period>, Assembly)>,
    units: Vec<Unit>,
    index: HashMap<(i16, bool, Grain, NaiveDate), usize>,
}

/// A unit to read, and which questions' parts it counts for.
struct Unit {
    dim: i16,
    /// The organisation-wide rows ([`ALL_DEPARTMENTS`]) rather than the
    /// departments' (those in scope).
    org: bool,
    grain: Grain,
    start: NaiveDate,
    /// 0 no histogram, 1 whole, 2 only the tail (see [`Plan`]).
    hist: i16,
    wanted: Vec<(usize, Part)>,
}

impl Batch {
    fn new() -> Self {
        Self {
            asks: Vec::new(),
            units: Vec::new(),
            index: HashMap::new(),
        }
    }

    /// Adds a question: `dim`'s rows over `plan` (the organisation-wide
    /// ones if `org`), grouped by `grouping`.
    fn ask(&mut self, plan: Plan, dim: i16, org: bool, grouping: Grouping) {
        let ask = self.asks.len();
        for (part, grain, start, hist) in plan.units {
            let at = *self
                .index
                .entry((dim, org, grain, start))
                .or_insert_with(|| {
                    self.units.push(Unit {
                        dim,
                        org,
                        grain,
                        start,
                        hist,
                        wanted: Vec::new(),
                    });
                    self.units.len() - 1
                });
            let unit = &mut self.units[at];
            // The whole histogram holds the tail; either holds nothing.
            unit.hist = match (unit.hist, hist) {
                (1, _) | (_, 1) => 1,
                (a, b) => a.max(b),
            };
            unit.wanted.push((ask, part));
        }
        let assembly = Assembly::new(plan.buckets.len(), grouping);
        self.asks.push((plan.buckets, assembly));
    }

    /// Reads every unit for `scope` in one statement and hands each row to
    /// the questions that want it.
    fn fetch(&mut self, conn: &mut PgConnection, scope: &ReportScope) -> anyhow::Result<()> {
        if self.units.is_empty() || matches!(scope, ReportScope::Departments(ids) if ids.is_empty())
        {
            return Ok(());
        }
        let (filter, departments, key) = match scope {
            ReportScope::All => ("TRUE", Vec::new(), String::new()),
            ReportScope::Departments(ids) => {
                ("r.department_id = ANY($6)", ids.clone(), String::new())
            }
            ReportScope::Assignee(id) => ("r.key = $7", Vec::new(), id.to_string()),
        };
        let tags: Vec<i32> = (0..self.units.len() as i32).collect();
        let dims: Vec<i16> = self.units.iter().map(|u| u.dim).collect();
        let grains: Vec<i16> = self.units.iter().map(|u| grain_code(u.grain)).collect();
        let starts: Vec<NaiveDate> = self.units.iter().map(|u| u.start).collect();
        let hist: Vec<i16> = self.units.iter().map(|u| u.hist).collect();
        let org: Vec<bool> = self.units.iter().map(|u| u.org).collect();
        let rows: Vec<FetchedRow> = diesel::sql_query(format!(
            "SELECT u.tag, r.department_id, r.key, {counters}, \
               CASE u.hist WHEN 1 THEN r.hist \
                 WHEN 2 THEN substring(r.hist FROM GREATEST(length(r.hist) - {tail} + 1, 1)) \
                 ELSE ''::bytea END AS hist \
             FROM unnest($1::int4[], $2::int2[], $3::int2[], $4::date[], $5::int2[], $8::bool[]) \
               AS u(tag, dim, grain, start, hist, org) \
             JOIN report_rollups r ON r.dim = u.dim AND r.grain = u.grain AND r.start = u.start \
             WHERE CASE WHEN u.org THEN r.department_id = {all} \
                   ELSE r.department_id <> {all} AND {filter} END \
               AND cardinality($6::bigint[]) >= 0 AND length($7) >= 0",
            all = ALL_DEPARTMENTS,
            counters = COUNTERS.map(|c| format!("r.{c}")).join(", "),
            // The offsets are the last measure, at most OFFSETS entries.
            tail = OFFSETS as usize * HIST_ENTRY,
        ))
        .bind::<Array<Integer>, _>(&tags)
        .bind::<Array<SmallInt>, _>(&dims)
        .bind::<Array<SmallInt>, _>(&grains)
        .bind::<Array<Date>, _>(&starts)
        .bind::<Array<SmallInt>, _>(&hist)
        .bind::<Array<BigInt>, _>(&departments)
        .bind::<Text, _>(&key)
        .bind::<Array<diesel::sql_types::Bool>, _>(&org)
        .load(conn)
        .context("reading report rollups")?;
        let mut pairs = Vec::new();
        for r in rows {
            pairs.clear();
            pairs.extend(decode_hist(&r.hist));
            let counters = r.counters.array();
            for (ask, part) in &self.units[r.tag as usize].wanted {
                self.asks[*ask]
                    .1
                    .add(*part, r.department_id, &r.key, &counters, &pairs);
            }
        }
        Ok(())
    }

    /// Figures per key per bucket, for each question in the order asked.
    fn finish(self, min_count: i64) -> Vec<BTreeMap<Key, Vec<Figures>>> {
        self.asks
            .into_iter()
            .map(|(buckets, asm)| asm.finish(&buckets, min_count))
            .collect()
    }
}

/// The day rows of one agent's tickets, from their facts.
fn agent_rollups(conn: &mut PgConnection, assignee: i64) -> anyhow::Result<Rollups> {
    let facts: Vec<Fact> = diesel::sql_query(format!(
        "SELECT {COLUMNS} FROM report_facts WHERE assignee_id = $1"
    ))
    .bind::<BigInt, _>(assignee)
    .load(conn)
    .context("reading an agent's report facts")?;
    let mut rollups = Rollups::default();
    for f in &facts {
        rollups.add_fact(f, 1);
    }
    Ok(rollups)
}

/// Feeds in-memory day rows of `dim` to the assembly over `plan` (a day-only one).
fn feed(asm: &mut Assembly, plan: &Plan, rollups: &Rollups, dim: i16) {
    let mut by_day: HashMap<NaiveDate, Vec<Part>> = HashMap::new();
    for (part, _, start, _) in &plan.units {
        by_day.entry(*start).or_default().push(*part);
    }
    let mut pairs = Vec::new();
    for (k, acc) in &rollups.rows {
        if k.dim != dim || k.department_id == ALL_DEPARTMENTS {
            continue;
        }
        let Some(parts) = by_day.get(&k.start) else {
            continue;
        };
        pairs.clear();
        pairs.extend(acc.hist.iter().map(|(a, b)| (*a, *b)));
        let key = rollups.keys.name(k.key).to_string();
        for part in parts.clone() {
            asm.add(part, k.department_id, &key, &acc.counters, &pairs);
        }
    }
}

fn grouping(dim: Option<Dimension>) -> Grouping {
    match dim {
        None => Grouping::One,
        Some(Dimension::Department) => Grouping::Department,
        Some(_) => Grouping::Key,
    }
}

/// What a question reads: its dimension's code, whether the
/// organisation-wide rows answer it, and how rows are grouped.
fn code_and_grouping(scope: &ReportScope, dim: Option<Dimension>) -> (i16, bool, Grouping) {
    let code = match (scope, dim) {
        (ReportScope::Assignee(_), None) => DIM_STAFF,
        (_, None) => DIM_NONE,
        (_, Some(d)) => dim_code(d),
    };
    let grouping = grouping(dim);
    let org =
        matches!(scope, ReportScope::All) && has_org_rows(code) && grouping != Grouping::Department;
    (code, org, grouping)
}

impl Fast {
    /// Figures per key (or one) for each bucket, for each question: the
    /// `(buckets, dimension)` pairs, read together where they can be.
    fn figures_per_key(
        conn: &mut PgConnection,
        q: &ReportQuery,
        min_day: Option<NaiveDate>,
        asks: Vec<(Vec<Period>, Option<Dimension>)>,
    ) -> anyhow::Result<Vec<BTreeMap<Key, Vec<Figures>>>> {
        let mut batch = Batch::new();
        // An agent's breakdowns come from their own facts, summed here.
        let mut agent = None;
        let mut answers: Vec<Option<BTreeMap<Key, Vec<Figures>>>> = Vec::new();
        let mut nones = Vec::new();
        for (buckets, dim) in asks {
            nones.push((dim.is_none(), buckets.len()));
            match (&q.scope, dim) {
                (ReportScope::Assignee(id), Some(d)) => {
                    if agent.is_none() {
                        agent = Some(agent_rollups(conn, *id)?);
                    }
                    let rollups = agent.as_ref().expect("just read");
                    let plan = Plan::new(buckets, min_day, false);
                    let mut asm = Assembly::new(plan.buckets.len(), grouping(dim));
                    feed(&mut asm, &plan, rollups, dim_code(d));
                    answers.push(Some(asm.finish(&plan.buckets, q.min_count)));
                }
                _ => {
                    let (code, org, grouping) = code_and_grouping(&q.scope, dim);
                    batch.ask(Plan::new(buckets, min_day, true), code, org, grouping);
                    answers.push(None);
                }
            }
        }
        batch.fetch(conn, &q.scope)?;
        let mut fetched = batch.finish(q.min_count).into_iter();
        answers
            .into_iter()
            .zip(nones)
            .map(|(answer, (none, n))| {
                let mut out = match answer {
                    Some(a) => a,
                    None => fetched.next().context("a batch answer")?,
                };
                if none && out.is_empty() {
                    out.insert(Key(None), vec![Figures::default(); n]);
                }
                Ok(out)
            })
            .collect()
    }

    fn one(
        conn: &mut PgConnection,
        q: &ReportQuery,
        min_day: Option<NaiveDate>,
        buckets: Vec<Period>,
        dim: Option<Dimension>,
    ) -> anyhow::Result<BTreeMap<Key, Vec<Figures>>> {
        Self::figures_per_key(conn, q, min_day, vec![(buckets, dim)])?
            .pop()
            .context("an answer")
    }
}

/// The single key's figures per bucket (a question with no dimension).
fn only(out: BTreeMap<Key, Vec<Figures>>, buckets: usize) -> Vec<Figures> {
    out.into_values()
        .next()
        .unwrap_or_else(|| vec![Figures::default(); buckets])
}

/// A breakdown's figures: its one bucket per key, keys that count nothing left out.
fn breakdown_of(out: BTreeMap<Key, Vec<Figures>>) -> BTreeMap<Key, Figures> {
    out.into_iter()
        .filter_map(|(k, v)| v.into_iter().next().map(|f| (k, f)))
        .filter(|(_, f)| *f != Figures::default())
        .collect()
}

impl ReportSource for Fast {
    fn figures(&self, conn: &mut PgConnection, q: &ReportQuery) -> anyhow::Result<Figures> {
        let min_day = match ready(conn, q)? {
            Ready::OtherZone => return Reference.figures(conn, q),
            Ready::Rollups { min_day } => min_day,
        };
        let out = Self::one(conn, q, min_day, vec![q.period], None)?;
        Ok(only(out, 1).into_iter().next().unwrap_or_default())
    }

    fn breakdown(
        &self,
        conn: &mut PgConnection,
        q: &ReportQuery,
        dim: Dimension,
    ) -> anyhow::Result<BTreeMap<Key, Figures>> {
        let min_day = match ready(conn, q)? {
            Ready::OtherZone => return Reference.breakdown(conn, q, dim),
            Ready::Rollups { min_day } => min_day,
        };
        let out = Self::one(conn, q, min_day, vec![q.period], Some(dim))?;
        Ok(breakdown_of(out))
    }

    fn series(
        &self,
        conn: &mut PgConnection,
        q: &ReportQuery,
        grain: Grain,
    ) -> anyhow::Result<Vec<(Period, Figures)>> {
        let min_day = match ready(conn, q)? {
            Ready::OtherZone => return Reference.series(conn, q, grain),
            Ready::Rollups { min_day } => min_day,
        };
        let buckets = q.period.buckets(grain);
        let out = Self::one(conn, q, min_day, buckets.clone(), None)?;
        let n = buckets.len();
        Ok(buckets.into_iter().zip(only(out, n)).collect())
    }

    /// Every question read from the rollups in one statement.
    fn answer(
        &self,
        conn: &mut PgConnection,
        q: &ReportQuery,
        asks: &[Ask],
    ) -> anyhow::Result<Vec<Answer>> {
        let min_day = match ready(conn, q)? {
            Ready::OtherZone => return Reference.answer(conn, q, asks),
            Ready::Rollups { min_day } => min_day,
        };
        let questions = asks
            .iter()
            .map(|ask| match *ask {
                Ask::Figures(p) => (vec![p], None),
                Ask::Breakdown(p, d) => (vec![p], Some(d)),
                Ask::Series(p, grain) => (p.buckets(grain), None),
            })
            .collect();
        let outs = Self::figures_per_key(conn, q, min_day, questions)?;
        Ok(asks
            .iter()
            .zip(outs)
            .map(|(ask, out)| match *ask {
                Ask::Figures(_) => Answer::Figures(Box::new(
                    only(out, 1).into_iter().next().unwrap_or_default(),
                )),
                Ask::Breakdown(..) => Answer::Breakdown(breakdown_of(out)),
                Ask::Series(p, grain) => {
                    let buckets = p.buckets(grain);
                    let n = buckets.len();
                    Answer::Series(buckets.into_iter().zip(only(out, n)).collect())
                }
            })
            .collect())
    }

    fn held(&self, conn: &mut PgConnection, q: &ReportQuery) -> anyhow::Result<Vec<Held>> {
        if let Ready::OtherZone = ready(conn, q)? {
            return Reference.held(conn, q);
        }
        let mut sums: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
        let mut add = |key: &str, counters: &[i64; 14]| -> anyhow::Result<()> {
            let department: i64 = key.parse().context("a holding department key")?;
            let e = sums.entry(department).or_insert((0, 0));
            e.0 += counters[HELD_MICROS];
            e.1 += counters[HELD_N];
            Ok(())
        };
        match &q.scope {
            ReportScope::Assignee(id) => {
                let rollups = agent_rollups(conn, *id)?;
                for (k, acc) in &rollups.rows {
                    if k.dim == DIM_HELD && k.start >= q.period.from && k.start < q.period.to {
                        add(rollups.keys.name(k.key), &acc.counters)?;
                    }
                }
            }
            ReportScope::Departments(ids) if ids.is_empty() => {}
            scope => {
                // Only the period's own units: no backlog here.
                let units = Plan::new(vec![q.period], None, true).units;
                let mut rows = HeldRows::default();
                fetch_held(conn, &units, scope, &mut rows)?;
                for (key, counters) in rows.0 {
                    add(&key, &counters)?;
                }
            }
        }
        Ok(sums
            .into_iter()
            .filter(|(_, (_, n))| *n > 0)
            .map(|(department_id, (micros, tickets))| Held {
                department_id,
                minutes: micros.div_euclid(60_000_000),
                tickets,
            })
            .collect())
    }
}

#[derive(Default)]
struct HeldRows(Vec<(String, [i64; 14])>);

fn fetch_held(
    conn: &mut PgConnection,
    units: &[(Part, Grain, NaiveDate, i16)],
    scope: &ReportScope,
    out: &mut HeldRows,
) -> anyhow::Result<()> {
    let (filter, departments) = match scope {
        ReportScope::Departments(ids) => ("r.department_id = ANY($4)", ids.clone()),
        _ => ("TRUE", Vec::new()),
    };
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Text)]
        key: String,
        #[diesel(sql_type = BigInt)]
        held_micros: i64,
        #[diesel(sql_type = BigInt)]
        held_n: i64,
    }
    let grains: Vec<i16> = units.iter().map(|u| grain_code(u.1)).collect();
    let starts: Vec<NaiveDate> = units.iter().map(|u| u.2).collect();
    let rows: Vec<Row> = diesel::sql_query(format!(
        "SELECT r.key, sum(r.held_micros)::bigint AS held_micros, sum(r.held_n)::bigint AS held_n \
         FROM unnest($1::int2[], $2::date[]) AS u(grain, start) \
         JOIN report_rollups r ON r.dim = $3 AND r.grain = u.grain AND r.start = u.start \
         WHERE {filter} AND cardinality($4::bigint[]) >= 0 GROUP BY r.key"
    ))
    .bind::<Array<SmallInt>, _>(&grains)
    .bind::<Array<Date>, _>(&starts)
    .bind::<SmallInt, _>(DIM_HELD)
    .bind::<Array<BigInt>, _>(&departments)
    .load(conn)
    .context("reading time held")?;
    for r in rows {
        let mut c = [0i64; 14];
        c[HELD_MICROS] = r.held_micros;
        c[HELD_N] = r.held_n;
        out.0.push((r.key, c));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_year_is_months_weeks_and_days_without_gaps() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        for (from, to) in [
            (d(2025, 12, 3), d(2026, 12, 3)),
            (d(2026, 3, 1), d(2026, 4, 1)),
            (d(2026, 2, 23), d(2026, 3, 9)),
        ] {
            let units = decompose(from, to);
            let mut at = from;
            for (g, s) in &units {
                assert_eq!(*s, at);
                assert_eq!(g.start_of(*s), *s);
                at = g.next(*s);
            }
            assert_eq!(at, to);
        }
        assert!(decompose(d(2025, 12, 3), d(2026, 12, 3)).len() < 30);
    }
}
