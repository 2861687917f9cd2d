//! What a report asks for and what it answers, shared by the reference
//! implementation (plain SQL over the raw tables) and the fast one. Every
//! definition is in `docs/reports.md`; the types here carry no rule of their
//! own beyond bucketing and the minimum count.

use std::collections::BTreeMap;

use chrono::{DateTime, Days, Months, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Serialize;

/// Whose tickets a reader counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "ids")]
pub enum ReportScope {
    /// Leaders: every ticket.
    All,
    /// Supervisors: tickets whose current department is one of these.
    Departments(Vec<i64>),
    /// Agents: tickets currently assigned to them.
    Assignee(i64),
}

/// Whole local days `[from, to)` in the council's zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    pub fn new(from: NaiveDate, to: NaiveDate) -> Option<Self> {
        (from < to).then_some(Self { from, to })
    }

    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days()
    }

    /// The same number of days just before.
    pub fn previous(&self) -> Self {
        let from = self.from - chrono::Duration::days(self.days());
        Self {
            from,
            to: self.from,
        }
    }

    /// The instants the period starts and ends at in `zone`.
    pub fn instants(&self, zone: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
        (day_start(self.from, zone), day_start(self.to, zone))
    }

    /// The buckets of a time series over the period (the first and last cut
    /// to the period).
    pub fn buckets(&self, grain: Grain) -> Vec<Period> {
        let mut out = Vec::new();
        let mut start = grain.start_of(self.from);
        while start < self.to {
            let next = grain.next(start);
            out.push(Period {
                from: start.max(self.from),
                to: next.min(self.to),
            });
            start = next;
        }
        out
    }
}

/// The instant local day `date` begins in `zone` (the first instant after a
/// gap, where midnight does not exist).
pub fn day_start(date: NaiveDate, zone: Tz) -> DateTime<Utc> {
    let midnight = date.and_hms_opt(0, 0, 0).expect("midnight exists");
    match zone.from_local_datetime(&midnight) {
        chrono::LocalResult::Single(t) => t.with_timezone(&Utc),
        chrono::LocalResult::Ambiguous(a, _) => a.with_timezone(&Utc),
        chrono::LocalResult::None => chrono_tz::GapInfo::new(&midnight, &zone)
            .and_then(|g| g.end)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|| Utc.from_utc_datetime(&midnight)),
    }
}

/// Day, ISO week (from Monday) or calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Grain {
    Day,
    Week,
    Month,
}

impl Grain {
    pub const ALL: [Grain; 3] = [Self::Day, Self::Week, Self::Month];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Day => "day",
            Self::Week => "week",
            Self::Month => "month",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.as_str() == s)
    }

    /// The first day of the bucket `date` is in.
    pub fn start_of(self, date: NaiveDate) -> NaiveDate {
        use chrono::Datelike;
        match self {
            Self::Day => date,
            Self::Week => {
                date - chrono::Duration::days(date.weekday().num_days_from_monday().into())
            }
            Self::Month => date.with_day(1).expect("day 1 exists"),
        }
    }

    /// The first day of the next bucket after the one starting at `start`.
    pub fn next(self, start: NaiveDate) -> NaiveDate {
        match self {
            Self::Day => start + Days::new(1),
            Self::Week => start + Days::new(7),
            Self::Month => start + Months::new(1),
        }
    }
}

/// What a figure can be broken down by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    Department,
    Category,
    Kind,
    Channel,
    Staff,
    Area,
}

impl Dimension {
    pub const ALL: [Dimension; 6] = [
        Self::Department,
        Self::Category,
        Self::Kind,
        Self::Channel,
        Self::Staff,
        Self::Area,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Department => "department",
            Self::Category => "category",
            Self::Kind => "kind",
            Self::Channel => "channel",
            Self::Staff => "staff",
            Self::Area => "area",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == s)
    }
}

/// A breakdown's row: a department, category, area or staff id, a kind or
/// channel name; `None` for "unassigned" (staff) and "unknown" (area).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Key(pub Option<String>);

/// A report's question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportQuery {
    pub scope: ReportScope,
    pub period: Period,
    /// The council's zone, where days are cut.
    pub zone: Tz,
    /// Below this many values a median or percentile is "too few to say".
    pub min_count: i64,
}

/// The median and 90th percentile of bucketed durations, in minutes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Percentiles {
    /// How many values there were.
    pub n: i64,
    /// `None`: too few to say (fewer than the minimum count).
    pub median: Option<i64>,
    pub p90: Option<i64>,
}

impl Percentiles {
    /// From every (bucketed) value, in any order.
    pub fn of(mut values: Vec<i64>, min_count: i64) -> Self {
        values.sort_unstable();
        let n = values.len() as i64;
        let pick = |p: i64| (n >= min_count.max(1)).then(|| values[(rank(p, n) - 1) as usize]);
        Self {
            n,
            median: pick(50),
            p90: pick(90),
        }
    }

    /// From a histogram of bucketed values (value → how many), as the fast
    /// implementation keeps them.
    pub fn of_histogram(hist: &BTreeMap<i64, i64>, min_count: i64) -> Self {
        let n: i64 = hist.values().sum();
        let pick = |p: i64| {
            if n < min_count.max(1) {
                return None;
            }
            let k = rank(p, n);
            let mut seen = 0;
            for (v, c) in hist {
                seen += c;
                if seen >= k {
                    return Some(*v);
                }
            }
            None
        };
        Self {
            n,
            median: pick(50),
            p90: pick(90),
        }
    }
}

/// The nearest rank of the `p`-th percentile of `n` values: `ceil(p·n/100)`, at least 1.
pub fn rank(p: i64, n: i64) -> i64 {
    ((p * n + 99) / 100).max(1)
}

/// A share: `count` of `of` (no value when `of` is zero).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Share {
    pub count: i64,
    pub of: i64,
}

impl Share {
    pub fn ratio(&self) -> Option<f64> {
        (self.of > 0).then(|| self.count as f64 / self.of as f64)
    }
}

/// There are no satisfaction surveys yet; the figure says so.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Satisfaction {
    #[default]
    NoDataYet,
}

/// Every figure of a period (see `docs/reports.md`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Figures {
    pub received: i64,
    pub resolved: i64,
    pub backlog: i64,
    /// 0–2 days, 3–7, 8–30, over 30.
    pub backlog_age: [i64; 4],
    pub first_response_business: Percentiles,
    pub first_response_calendar: Percentiles,
    pub resolution_business: Percentiles,
    pub resolution_calendar: Percentiles,
    pub first_response_within: Share,
    pub resolution_within: Share,
    pub breaches: i64,
    pub keep_in_touch_breaches: i64,
    pub extended: i64,
    /// Of the resolved tickets, those reopened at least once.
    pub reopened: Share,
    /// The transfers of the resolved tickets (holdings − 1, summed).
    pub transfers: i64,
    pub satisfaction: Satisfaction,
}

impl Figures {
    /// Transfers per resolved ticket.
    pub fn transfers_per_ticket(&self) -> Option<f64> {
        (self.resolved > 0).then(|| self.transfers as f64 / self.resolved as f64)
    }
}

/// How long one department held the resolved tickets of a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Held {
    pub department_id: i64,
    /// Calendar minutes its holdings lasted, summed.
    pub minutes: i64,
    /// How many of the tickets it held.
    pub tickets: i64,
}

/// Durations are compared at the precision they are shown at: to the minute
/// under an hour, to a tenth of an hour under a day, to a tenth of a day under
/// 30 days, to the day beyond. Each value becomes the start of its bucket.
pub fn bucket_minutes(minutes: i64) -> i64 {
    let m = minutes.max(0);
    match m {
        0..=59 => m,
        60..=1439 => m - m % 6,
        1440..=43_199 => m - m % 144,
        _ => m - m % 1440,
    }
}

/// The same as [`bucket_minutes`], as SQL over an integer expression `v`.
pub fn bucket_sql(v: &str) -> String {
    format!(
        "(CASE WHEN ({v}) < 60 THEN GREATEST(({v}), 0) WHEN ({v}) < 1440 THEN ({v}) - ({v}) % 6 \
         WHEN ({v}) < 43200 THEN ({v}) - ({v}) % 144 ELSE ({v}) - ({v}) % 1440 END)"
    )
}

/// The four backlog age buckets of an age in whole days.
pub fn age_bucket(days: i64) -> usize {
    match days {
        ..=2 => 0,
        3..=7 => 1,
        8..=30 => 2,
        _ => 3,
    }
}

/// Answers report questions. Both implementations give the same figures.
pub trait ReportSource {
    fn figures(&self, conn: &mut diesel::PgConnection, q: &ReportQuery) -> anyhow::Result<Figures>;

    /// One row per key that has any ticket in scope counted in some figure.
    fn breakdown(
        &self,
        conn: &mut diesel::PgConnection,
        q: &ReportQuery,
        dim: Dimension,
    ) -> anyhow::Result<BTreeMap<Key, Figures>>;

    /// Figures per bucket of the period, in order.
    fn series(
        &self,
        conn: &mut diesel::PgConnection,
        q: &ReportQuery,
        grain: Grain,
    ) -> anyhow::Result<Vec<(Period, Figures)>>;

    /// Time held per department, departments that held none left out.
    fn held(&self, conn: &mut diesel::PgConnection, q: &ReportQuery) -> anyhow::Result<Vec<Held>>;

    /// Several questions about `q`'s scope at once, answered in order (a
    /// dashboard's). The default asks them one by one; a source that can
    /// share the work between them (one read for all) does.
    fn answer(
        &self,
        conn: &mut diesel::PgConnection,
        q: &ReportQuery,
        asks: &[Ask],
    ) -> anyhow::Result<Vec<Answer>> {
        asks.iter()
            .map(|ask| {
                let at = |period| ReportQuery {
                    period,
                    ..q.clone()
                };
                Ok(match *ask {
                    Ask::Figures(p) => Answer::Figures(Box::new(self.figures(conn, &at(p))?)),
                    Ask::Breakdown(p, dim) => {
                        Answer::Breakdown(self.breakdown(conn, &at(p), dim)?)
                    }
                    Ask::Series(p, grain) => Answer::Series(self.series(conn, &at(p), grain)?),
                })
            })
            .collect()
    }
}

/// One question of a batch ([`ReportSource::answer`]); the scope, zone and
/// minimum count are the query's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ask {
    /// [`ReportSource::figures`] for the period.
    Figures(Period),
    /// [`ReportSource::breakdown`] of the period.
    Breakdown(Period, Dimension),
    /// [`ReportSource::series`] over the period.
    Series(Period, Grain),
}

/// The answer to an [`Ask`], of the same variant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Figures(Box<Figures>),
    Breakdown(BTreeMap<Key, Figures>),
    Series(Vec<(Period, Figures)>),
}

impl Answer {
    pub fn figures(self) -> anyhow::Result<Figures> {
        match self {
            Self::Figures(f) => Ok(*f),
            _ => anyhow::bail!("the report source answered another question than figures"),
        }
    }

    pub fn breakdown(self) -> anyhow::Result<BTreeMap<Key, Figures>> {
        match self {
            Self::Breakdown(b) => Ok(b),
            _ => anyhow::bail!("the report source answered another question than a breakdown"),
        }
    }

    pub fn series(self) -> anyhow::Result<Vec<(Period, Figures)>> {
        match self {
            Self::Series(s) => Ok(s),
            _ => anyhow::bail!("the report source answered another question than a series"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_follow_the_shown_precision_and_are_monotone() {
        assert_eq!(bucket_minutes(0), 0);
        assert_eq!(bucket_minutes(59), 59);
        assert_eq!(bucket_minutes(65), 60);
        assert_eq!(bucket_minutes(1439), 1434);
        assert_eq!(bucket_minutes(1440 + 143), 1440);
        assert_eq!(bucket_minutes(43_200 + 1500), 44_640);
        let mut last = 0;
        for m in 0..100_000 {
            let b = bucket_minutes(m);
            assert!(b <= m && b >= last);
            last = b;
        }
    }

    #[test]
    fn percentiles_use_the_nearest_rank_and_refuse_small_counts() {
        let p = Percentiles::of(vec![5, 1, 4, 2, 3], 5);
        assert_eq!((p.median, p.p90), (Some(3), Some(5)));
        let p = Percentiles::of(vec![1, 2, 3, 4], 5);
        assert_eq!((p.n, p.median), (4, None));
        let p = Percentiles::of((1..=10).collect(), 5);
        assert_eq!((p.median, p.p90), (Some(5), Some(9)));
        let hist = BTreeMap::from([(1, 5), (2, 4), (9, 1)]);
        let h = Percentiles::of_histogram(&hist, 5);
        let v = Percentiles::of(vec![1, 1, 1, 1, 1, 2, 2, 2, 2, 9], 5);
        assert_eq!(h, v);
    }

    #[test]
    fn periods_have_a_previous_and_buckets() {
        let d = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
        let p = Period::new(d(3, 1), d(4, 1)).unwrap();
        assert_eq!(p.previous(), Period::new(d(1, 29), d(3, 1)).unwrap());
        let weeks = p.buckets(Grain::Week);
        assert_eq!(weeks.first().unwrap().from, d(3, 1));
        assert_eq!(weeks[1].from, d(3, 2), "weeks start on Monday");
        assert_eq!(weeks.last().unwrap().to, d(4, 1));
        assert_eq!(p.buckets(Grain::Month).len(), 1);
        assert_eq!(p.buckets(Grain::Day).len(), 31);
        // Local midnight in London on the day the clocks go forward is still 00:00 GMT.
        let (start, end) = p.instants(chrono_tz::Europe::London);
        assert_eq!(start, Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap());
        assert_eq!(end, Utc.with_ymd_and_hms(2026, 3, 31, 23, 0, 0).unwrap());
    }
}
