//! What a ticket's facts add to the rollups: per local day, current
//! department and breakdown key, counters and histograms of bucketed
//! durations; weeks and months are sums of their days. The same code builds
//! the rollups from scratch and works out the difference a changed ticket
//! makes (its old facts subtracted, its new ones added).

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;

use super::facts::Fact;
use crate::reports::model::Grain;

/// Breakdown dimensions as stored (`report_rollups.dim`).
pub const DIM_NONE: i16 = 0;
pub const DIM_CATEGORY: i16 = 1;
pub const DIM_KIND: i16 = 2;
pub const DIM_CHANNEL: i16 = 3;
pub const DIM_STAFF: i16 = 4;
pub const DIM_AREA: i16 = 5;
/// Time held: the key is the holding department.
pub const DIM_HELD: i16 = 6;

/// The `department_id` of the organisation-wide rows: every department's
/// rows of a dimension summed, kept beside them so that a question about the
/// whole organisation reads one row per key instead of one per department
/// and key. Staff and time-held rows have none (an agent's rows are read by
/// key across departments; held is keyed by department already).
pub const ALL_DEPARTMENTS: i64 = 0;

/// Whether `dim` has organisation-wide rows.
pub fn has_org_rows(dim: i16) -> bool {
    !matches!(dim, DIM_STAFF | DIM_HELD)
}

/// Counters, in the column order of `report_rollups`.
pub const COUNTERS: [&str; 14] = [
    "received",
    "outs",
    "resolved",
    "reopened",
    "transfers",
    "res_n",
    "res_within",
    "extended",
    "fr_n",
    "fr_within",
    "breaches",
    "kit",
    "held_micros",
    "held_n",
];
pub const RECEIVED: usize = 0;
pub const OUTS: usize = 1;
pub const RESOLVED: usize = 2;
pub const REOPENED: usize = 3;
pub const TRANSFERS: usize = 4;
pub const RES_N: usize = 5;
pub const RES_WITHIN: usize = 6;
pub const EXTENDED: usize = 7;
pub const FR_N: usize = 8;
pub const FR_WITHIN: usize = 9;
pub const BREACHES: usize = 10;
pub const KIT: usize = 11;
pub const HELD_MICROS: usize = 12;
pub const HELD_N: usize = 13;

/// Histogram measures.
pub const FR_BUSINESS: i64 = 0;
pub const FR_CALENDAR: i64 = 1;
pub const RES_BUSINESS: i64 = 2;
pub const RES_CALENDAR: i64 = 3;
/// Days from receipt to done (days only, under [`OFFSETS`]): backlog age.
pub const DONE_OFFSET: i64 = 4;
/// A backlog is at most this many days old to be told apart by age bucket.
pub const OFFSETS: i64 = 30;
const MEASURE_SHIFT: u32 = 40;

/// A histogram entry's key: a measure and a bucket index.
pub fn hist_key(measure: i64, index: i64) -> i64 {
    (measure << MEASURE_SHIFT) | index
}

pub fn split_hist_key(key: i64) -> (i64, i64) {
    (key >> MEASURE_SHIFT, key & ((1 << MEASURE_SHIFT) - 1))
}

/// Bytes per stored histogram entry (`report_rollups.hist`).
pub const HIST_ENTRY: usize = 8;
const STORED_SHIFT: u32 = 24;

/// A histogram as stored: per entry, big-endian, the key (`measure << 24 |
/// index`) and the count as 32-bit integers, in key order (so the
/// days-to-done offsets, the last measure, are the last entries).
pub fn encode_hist(hist: &BTreeMap<i64, i64>) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(hist.len() * HIST_ENTRY);
    for (key, count) in hist {
        let (measure, index) = split_hist_key(*key);
        anyhow::ensure!(
            (0..=DONE_OFFSET).contains(&measure) && index < 1 << STORED_SHIFT,
            "histogram key {key} cannot be stored"
        );
        let stored = u32::try_from(measure << STORED_SHIFT | index)?;
        let count = i32::try_from(*count)
            .map_err(|_| anyhow::anyhow!("histogram count {count} cannot be stored"))?;
        out.extend_from_slice(&stored.to_be_bytes());
        out.extend_from_slice(&count.to_be_bytes());
    }
    Ok(out)
}

/// The entries of a stored histogram (or of its tail), as (key, count).
pub fn decode_hist(bytes: &[u8]) -> impl Iterator<Item = (i64, i64)> + '_ {
    bytes.chunks_exact(HIST_ENTRY).map(|e| {
        let stored = i64::from(u32::from_be_bytes([e[0], e[1], e[2], e[3]]));
        let count = i64::from(i32::from_be_bytes([e[4], e[5], e[6], e[7]]));
        (
            hist_key(stored >> STORED_SHIFT, stored & ((1 << STORED_SHIFT) - 1)),
            count,
        )
    })
}

/// The dense index of a bucketed duration (a value `bucket_minutes` returns):
/// minutes under an hour, tenths of an hour under a day, tenths of a day under
/// 30 days, then days.
pub fn bucket_index(v: i64) -> i64 {
    match v.max(0) {
        v @ 0..=59 => v,
        v @ 60..=1439 => 60 + (v - 60) / 6,
        v @ 1440..=43_199 => 290 + (v - 1440) / 144,
        v => 580 + (v - 43_200) / 1440,
    }
}

/// The bucketed duration of a dense index (the inverse of [`bucket_index`]).
pub fn bucket_value(i: i64) -> i64 {
    match i {
        0..=59 => i,
        60..=289 => 60 + (i - 60) * 6,
        290..=579 => 1440 + (i - 290) * 144,
        _ => 43_200 + (i - 580) * 1440,
    }
}

pub fn grain_code(g: Grain) -> i16 {
    match g {
        Grain::Day => 0,
        Grain::Week => 1,
        Grain::Month => 2,
    }
}

/// A rollup row's identity. `key` is an interned breakdown key (see [`Keys`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RowKey {
    pub dim: i16,
    pub grain: i16,
    pub start: NaiveDate,
    pub department_id: i64,
    pub key: u32,
}

/// What a rollup row holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Acc {
    pub counters: [i64; 14],
    /// Histogram key → count (zero counts removed).
    pub hist: BTreeMap<i64, i64>,
}

impl Acc {
    pub fn add(&mut self, other: &Acc) {
        for (a, b) in self.counters.iter_mut().zip(other.counters) {
            *a += b;
        }
        for (k, c) in &other.hist {
            self.add_hist(*k, *c);
        }
    }

    pub fn add_hist(&mut self, key: i64, count: i64) {
        let e = self.hist.entry(key).or_insert(0);
        *e += count;
        if *e == 0 {
            self.hist.remove(&key);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.counters.iter().all(|c| *c == 0) && self.hist.is_empty()
    }
}

/// Breakdown keys as text (`''`: none, unassigned, unknown), interned.
#[derive(Debug, Default)]
pub struct Keys {
    ids: HashMap<String, u32>,
    names: Vec<String>,
}

impl Keys {
    pub fn intern(&mut self, s: &str) -> u32 {
        if let Some(id) = self.ids.get(s) {
            return *id;
        }
        let id = self.names.len() as u32;
        self.names.push(s.to_string());
        self.ids.insert(s.to_string(), id);
        id
    }

    pub fn name(&self, id: u32) -> &str {
        &self.names[id as usize]
    }
}

/// Rollup rows being summed: days first, then weeks and months from them.
#[derive(Debug, Default)]
pub struct Rollups {
    pub keys: Keys,
    pub rows: HashMap<RowKey, Acc>,
}

fn opt_id(v: Option<i64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

impl Rollups {
    fn day_row(&mut self, dim: i16, day: NaiveDate, department_id: i64, key: u32) -> &mut Acc {
        self.rows
            .entry(RowKey {
                dim,
                grain: 0,
                start: day,
                department_id,
                key,
            })
            .or_default()
    }

    /// Adds (`weight` 1) or takes away (`weight` -1) what `fact` counts in.
    pub fn add_fact(&mut self, fact: &Fact, weight: i64) {
        let dept = fact.department_id;
        let none = self.keys.intern("");
        let keys = [
            (DIM_NONE, none),
            (
                DIM_CATEGORY,
                self.keys.intern(&fact.category_id.to_string()),
            ),
            (DIM_KIND, self.keys.intern(&fact.kind)),
            (DIM_CHANNEL, self.keys.intern(&fact.channel)),
            (DIM_STAFF, self.keys.intern(&opt_id(fact.assignee_id))),
            (DIM_AREA, self.keys.intern(&opt_id(fact.area_id))),
        ];
        let offset = fact
            .out_day
            .map(|o| (o - fact.created_day).num_days())
            .filter(|o| (0..OFFSETS).contains(o));
        let rows = keys.into_iter().flat_map(|(dim, key)| {
            let org = has_org_rows(dim).then_some((dim, ALL_DEPARTMENTS, key));
            std::iter::once((dim, dept, key)).chain(org)
        });
        for (dim, dept, key) in rows {
            let acc = self.day_row(dim, fact.created_day, dept, key);
            acc.counters[RECEIVED] += weight;
            if let Some(o) = offset {
                acc.add_hist(hist_key(DONE_OFFSET, o), weight);
            }
            if let Some(day) = fact.out_day {
                self.day_row(dim, day, dept, key).counters[OUTS] += weight;
            }
            if let Some(day) = fact.resolved_day {
                let acc = self.day_row(dim, day, dept, key);
                acc.counters[RESOLVED] += weight;
                acc.counters[REOPENED] += weight * i64::from(fact.reopened);
                acc.counters[TRANSFERS] += weight * i64::from(fact.transfers);
                if let Some(v) = fact.res_calendar {
                    acc.add_hist(hist_key(RES_CALENDAR, bucket_index(v)), weight);
                }
                if let Some(v) = fact.res_business {
                    acc.counters[RES_N] += weight;
                    acc.counters[RES_WITHIN] += weight * i64::from(fact.res_within == Some(true));
                    acc.counters[EXTENDED] += weight * i64::from(fact.res_extended == Some(true));
                    acc.add_hist(hist_key(RES_BUSINESS, bucket_index(v)), weight);
                }
            }
            if let (Some(day), Some(bus), Some(cal)) =
                (fact.fr_day, fact.fr_business, fact.fr_calendar)
            {
                let acc = self.day_row(dim, day, dept, key);
                acc.counters[FR_N] += weight;
                acc.counters[FR_WITHIN] += weight * i64::from(fact.fr_within == Some(true));
                acc.add_hist(hist_key(FR_BUSINESS, bucket_index(bus)), weight);
                acc.add_hist(hist_key(FR_CALENDAR, bucket_index(cal)), weight);
            }
            for day in &fact.breach_days {
                self.day_row(dim, *day, dept, key).counters[BREACHES] += weight;
            }
            for day in &fact.kit_days {
                self.day_row(dim, *day, dept, key).counters[KIT] += weight;
            }
        }
        if let Some(day) = fact.resolved_day {
            for (held, micros) in fact.held_departments.iter().zip(&fact.held_micros) {
                let key = self.keys.intern(&held.to_string());
                let acc = self.day_row(DIM_HELD, day, dept, key);
                acc.counters[HELD_MICROS] += weight * micros;
                acc.counters[HELD_N] += weight;
            }
        }
    }

    /// Adds the weeks and months of the day rows (backlog-age offsets stay
    /// on days only). Call once, after the last fact.
    pub fn add_weeks_and_months(&mut self) {
        let mut coarse: HashMap<RowKey, Acc> = HashMap::new();
        for (k, acc) in &self.rows {
            if k.grain != 0 {
                continue;
            }
            let mut summed = acc.clone();
            summed
                .hist
                .retain(|key, _| split_hist_key(*key).0 != DONE_OFFSET);
            for grain in [Grain::Week, Grain::Month] {
                let key = RowKey {
                    grain: grain_code(grain),
                    start: grain.start_of(k.start),
                    ..*k
                };
                coarse.entry(key).or_default().add(&summed);
            }
        }
        self.rows.extend(coarse);
        self.rows.retain(|_, acc| !acc.is_empty());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reports::model::bucket_minutes;

    #[test]
    fn bucket_indexes_are_dense_and_invertible() {
        let mut last = -1;
        for m in 0..200_000 {
            let b = bucket_minutes(m);
            let i = bucket_index(b);
            assert_eq!(bucket_value(i), b, "minute {m}");
            assert!(i == last || i == last + 1, "dense at {m}");
            last = i;
        }
        assert_eq!(split_hist_key(hist_key(3, 581)), (3, 581));
    }

    fn fact(ticket_id: i64, department_id: i64, kind: &str, day: u32) -> Fact {
        let d = |day| NaiveDate::from_ymd_opt(2026, 3, day).unwrap();
        Fact {
            ticket_id,
            department_id,
            category_id: department_id * 10,
            kind: kind.into(),
            channel: "web".into(),
            assignee_id: Some(department_id * 100),
            area_id: None,
            created_day: d(day),
            out_day: Some(d(day + 2)),
            resolved_day: Some(d(day + 2)),
            reopened: false,
            transfers: 1,
            res_calendar: Some(2 * 1440 + ticket_id),
            res_business: Some(600 + ticket_id),
            res_within: Some(true),
            res_extended: Some(false),
            fr_day: Some(d(day)),
            fr_business: Some(30),
            fr_calendar: Some(45),
            fr_within: Some(true),
            breach_days: vec![d(day + 1)],
            kit_days: vec![],
            held_departments: vec![department_id],
            held_micros: vec![1_000_000],
        }
    }

    #[test]
    fn organisation_rows_are_the_departments_summed_except_staff_and_held() {
        let mut r = Rollups::default();
        for (id, dept, kind, day) in [
            (1, 1, "complaint", 2),
            (2, 2, "complaint", 2),
            (3, 2, "inquiry", 5),
        ] {
            r.add_fact(&fact(id, dept, kind, day), 1);
        }
        r.add_weeks_and_months();
        let mut summed: HashMap<RowKey, Acc> = HashMap::new();
        for (k, acc) in &r.rows {
            if k.department_id != ALL_DEPARTMENTS {
                let org = RowKey {
                    department_id: ALL_DEPARTMENTS,
                    ..*k
                };
                summed.entry(org).or_default().add(acc);
            }
        }
        let org: HashMap<RowKey, Acc> = r
            .rows
            .iter()
            .filter(|(k, _)| k.department_id == ALL_DEPARTMENTS)
            .map(|(k, a)| (*k, a.clone()))
            .collect();
        summed.retain(|k, _| has_org_rows(k.dim));
        assert!(!org.is_empty());
        assert_eq!(org, summed);
        assert!(org.keys().all(|k| k.dim != DIM_STAFF && k.dim != DIM_HELD));
        // Taking a fact away takes it from both.
        r.add_fact(&fact(3, 2, "inquiry", 5), -1);
        let inquiry = r.keys.intern("inquiry");
        assert!(r
            .rows
            .iter()
            .filter(|(k, _)| k.dim == DIM_KIND && k.key == inquiry && k.grain == 0)
            .all(|(_, a)| a.is_empty()));
    }

    #[test]
    fn stored_histograms_round_trip_in_key_order_with_offsets_last() {
        let hist: BTreeMap<i64, i64> = [
            (hist_key(DONE_OFFSET, 0), 7),
            (hist_key(FR_BUSINESS, 3), 1),
            (hist_key(RES_CALENDAR, 4_000), 2_000_000),
            (hist_key(DONE_OFFSET, 29), 1),
        ]
        .into_iter()
        .collect();
        let bytes = encode_hist(&hist).unwrap();
        assert_eq!(bytes.len(), 4 * HIST_ENTRY);
        let back: Vec<(i64, i64)> = decode_hist(&bytes).collect();
        assert_eq!(back, hist.clone().into_iter().collect::<Vec<_>>());
        // The tail the reader takes for backlog age is the offsets.
        let tail: Vec<i64> = decode_hist(&bytes[2 * HIST_ENTRY..])
            .map(|(k, _)| split_hist_key(k).0)
            .collect();
        assert_eq!(tail, [DONE_OFFSET, DONE_OFFSET]);
        // Keys and counts a row cannot hold are refused, not wrapped.
        assert!(encode_hist(&[(hist_key(1, 1 << 24), 1)].into_iter().collect()).is_err());
        assert!(encode_hist(&[(hist_key(1, 1), 1 << 40)].into_iter().collect()).is_err());
    }
}
