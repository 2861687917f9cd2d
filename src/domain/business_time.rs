//! Business-time arithmetic for SLA deadlines.
//!
//! A [`BusinessCalendar`] says when a council department is open. It is either
//! *always open* (24x7) or a set of weekly working intervals in local
//! wall-clock time, minus holidays. All arithmetic is exact and measured in
//! **real elapsed time** (UTC seconds) spent inside open periods.
//!
//! # Semantics
//!
//! * **Time zone.** Every calendar has an IANA zone ([`chrono_tz::Tz`]).
//!   Weekly intervals and holidays are wall-clock times in that zone, and
//!   daylight-saving transitions are honoured.
//! * **Weekly intervals.** A [`WeeklyInterval`] is a weekday, a start time and
//!   an end time. If `end > start` the interval lies within that day. If
//!   `end < start` it crosses midnight and ends on the *next* day (e.g.
//!   `Fri 22:00–06:00` is Friday 22:00 to Saturday 06:00). `00:00–00:00` is a
//!   full 24-hour day; any other `end == start` is rejected as empty. Any
//!   number of intervals per weekday is allowed (split shifts); overlapping or
//!   touching intervals, including ones from neighbouring days, are merged and
//!   never counted twice. Sub-second parts of times are ignored.
//! * **Holidays.** A [`Holiday`] is a one-off date or a yearly month/day, and
//!   is either closed all day or closed for a part-day range `[from, to)` of
//!   wall-clock time on that date (`to == 00:00` means "until the end of the
//!   day"). Closure applies to wall-clock time on the holiday's date, so it
//!   also cuts intervals that cross midnight into (or out of) that date. A
//!   yearly 29 February only applies in leap years.
//! * **24x7.** [`BusinessCalendar::always_open`] is open at every instant and
//!   has no holidays; business time equals real elapsed time.
//! * **Local → UTC.** Holidays are first removed from the intervals in
//!   wall-clock time; each remaining open wall-clock interval `[s, e)` is then
//!   mapped to UTC as follows. A time that does not exist (spring-forward
//!   gap) maps to the first instant after the gap. An ambiguous time
//!   (fall-back) maps to the *earliest* instant for an interval start and to
//!   the *latest* for an interval end. So `00:00–04:00` is 5 real hours on a
//!   fall-back night and 3 on a spring-forward night, and an interval lying
//!   wholly inside a gap is empty. Because the open side wins at ambiguous
//!   boundaries, a part-day holiday that starts or ends inside a repeated
//!   hour closes the shorter span.
//! * **Intervals are half-open** `[start, end)`: a department that closes at
//!   17:00 is closed at 17:00:00.
//! * **Precision.** Interval boundaries are whole seconds. Instants and
//!   durations keep their nanoseconds; no rounding happens.
//! * **Search horizon.** A weekly calendar must have some open time each week
//!   (otherwise construction fails), but holidays could still close it for a
//!   very long time. A forward search ([`BusinessCalendar::add`]) gives up
//!   after [`MAX_CLOSED_DAYS`] consecutive local days without any open time:
//!   [`BusinessCalendar::checked_add`] then returns `None` and
//!   [`BusinessCalendar::add`] returns the far-future sentinel
//!   [`DateTime::<Utc>::MAX_UTC`]. The same happens if the result would lie
//!   beyond the range chrono can represent.
//! * **Cost.** Work is proportional to the number of local days spanned and
//!   the intervals on them (day-by-day walk, no per-minute loops). Nothing is
//!   allocated per step: only a small buffer, reused, and only when a
//!   holiday falls in the span.
//! * **Far future.** Any date chrono supports works. Note that chrono-tz only
//!   knows DST transitions up to about 2100; after that it reports each
//!   zone's standard offset all year, and this module follows it.

use std::cmp::{max, min};
use std::fmt;

use chrono::{
    DateTime, Datelike, Days, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeDelta,
    TimeZone, Timelike, Utc, Weekday,
};
use chrono_tz::{GapInfo, Tz};
use serde::{Deserialize, Serialize};

/// How many consecutive closed local days a forward search tolerates before
/// it gives up (20 years).
pub const MAX_CLOSED_DAYS: i64 = 7_305;

const DAY: i64 = 86_400;
const NANOS_PER_SEC: i128 = 1_000_000_000;
/// Days from 0001-01-01 (CE day 1) to 1970-01-01.
const UNIX_EPOCH_FROM_CE: i64 = 719_163;
/// Larger than the magnitude of any UTC offset ever used, in seconds.
const OFFSET_MARGIN: i64 = 26 * 3_600;

/// A span of seconds: relative to a local midnight, or Unix seconds.
type Span = (i64, i64);

/// A recurring weekly opening interval in local wall-clock time.
///
/// `end > start`: open from `start` to `end` on `weekday`.
/// `end < start`: crosses midnight, open from `start` on `weekday` to `end`
/// on the following day. `00:00–00:00`: the whole of `weekday` (24 hours).
/// Any other `end == start` is invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct WeeklyInterval {
    /// Day on which the interval starts.
    pub weekday: Weekday,
    /// Local opening time.
    pub start: NaiveTime,
    /// Local closing time (on the next day if `end <= start`).
    pub end: NaiveTime,
}

impl WeeklyInterval {
    /// Convenience constructor.
    pub fn new(weekday: Weekday, start: NaiveTime, end: NaiveTime) -> Self {
        Self {
            weekday,
            start,
            end,
        }
    }
}

/// The date a holiday falls on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum HolidayDate {
    /// A single calendar date.
    OneOff(NaiveDate),
    /// The same month and day every year (29 February: leap years only).
    Yearly {
        /// 1..=12
        month: u32,
        /// 1..=31, valid for the month
        day: u32,
    },
}

impl fmt::Display for HolidayDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HolidayDate::OneOff(date) => write!(f, "{date}"),
            HolidayDate::Yearly { month, day } => {
                write!(f, "{month:02}-{day:02} (every year)")
            }
        }
    }
}

/// A day on which the department is closed, wholly or in part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Holiday {
    /// When the holiday is.
    pub date: HolidayDate,
    /// `None`: closed all day. `Some((from, to))`: closed for local time
    /// `[from, to)` on that date; `from < to`, or `to == 00:00` meaning until
    /// the end of the day.
    pub closed: Option<(NaiveTime, NaiveTime)>,
}

impl Holiday {
    /// A holiday closed for the whole day.
    pub fn whole_day(date: HolidayDate) -> Self {
        Self { date, closed: None }
    }

    /// A holiday closed for local time `[from, to)` on its date.
    pub fn part_day(date: HolidayDate, from: NaiveTime, to: NaiveTime) -> Self {
        Self {
            date,
            closed: Some((from, to)),
        }
    }
}

/// Why a calendar could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// `start == end` (other than `00:00–00:00`).
    #[error(
        "the opening interval on {weekday} from {start} to {end} is empty: \
         its end must differ from its start (use 00:00 to 00:00 for a full day)"
    )]
    EmptyInterval {
        /// Weekday of the interval.
        weekday: Weekday,
        /// Its start.
        start: NaiveTime,
        /// Its end.
        end: NaiveTime,
    },
    /// A yearly holiday whose month/day does not exist in any year.
    #[error("the yearly holiday on month {month}, day {day} is not a real date")]
    InvalidYearlyDate {
        /// Month given.
        month: u32,
        /// Day given.
        day: u32,
    },
    /// A part-day holiday whose closed range is empty or backwards.
    #[error(
        "the holiday on {date} closes from {from} to {to}, which is not a valid range: \
         the end must be after the start (or 00:00 for the end of the day; \
         use a whole-day holiday to close all day)"
    )]
    InvalidClosedRange {
        /// The holiday's date.
        date: HolidayDate,
        /// Start of the closed range.
        from: NaiveTime,
        /// End of the closed range.
        to: NaiveTime,
    },
    /// A weekly calendar with no opening intervals at all.
    #[error("a weekly calendar needs at least one opening interval")]
    NoOpenTime,
    /// Yearly whole-day holidays cover every day of the year.
    #[error(
        "the yearly holidays close every day of the year, so the calendar would never be open"
    )]
    AlwaysClosed,
}

/// When a department is open; see the [module documentation](self) for the
/// exact semantics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessCalendar {
    tz: Tz,
    schedule: Schedule,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Schedule {
    AlwaysOpen,
    Weekly(Box<Weekly>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Weekly {
    /// Per weekday (Monday = 0): sorted, merged open spans in seconds from
    /// the local midnight of that day; ends may reach into the next day.
    days: [Vec<Span>; 7],
    /// Unix day number → sorted, merged closed spans (seconds within the
    /// day), already including any yearly closures of that date.
    one_off: Vec<(i64, Vec<Span>)>,
    /// `month * 32 + day` → sorted, merged closed spans.
    yearly: Vec<Vec<Span>>,
    has_yearly: bool,
}

fn secs_of(t: NaiveTime) -> i64 {
    i64::from(t.num_seconds_from_midnight())
}

fn merge_spans(spans: &mut Vec<Span>) {
    spans.sort_unstable();
    let mut out: Vec<Span> = Vec::with_capacity(spans.len());
    for &(s, e) in spans.iter() {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = max(last.1, e),
            _ => out.push((s, e)),
        }
    }
    *spans = out;
}

fn yearly_key(month: u32, day: u32) -> usize {
    (month * 32 + day) as usize
}

fn unix_day(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce()) - UNIX_EPOCH_FROM_CE
}

fn date_of_unix_day(day: i64) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(i32::try_from(day + UNIX_EPOCH_FROM_CE).ok()?)
}

/// Monday = 0 … Sunday = 6. 1970-01-01 was a Thursday.
fn weekday_index(day: i64) -> usize {
    (day + 3).rem_euclid(7) as usize
}

fn to_nanos(t: DateTime<Utc>) -> i128 {
    i128::from(t.timestamp()) * NANOS_PER_SEC + i128::from(t.timestamp_subsec_nanos())
}

fn delta_nanos(d: TimeDelta) -> i128 {
    i128::from(d.num_seconds()) * NANOS_PER_SEC + i128::from(d.subsec_nanos())
}

fn from_nanos(n: i128) -> Option<DateTime<Utc>> {
    let secs = i64::try_from(n.div_euclid(NANOS_PER_SEC)).ok()?;
    DateTime::from_timestamp(secs, n.rem_euclid(NANOS_PER_SEC) as u32)
}

fn delta_from_nanos(n: i128) -> TimeDelta {
    let secs = i64::try_from(n.div_euclid(NANOS_PER_SEC)).unwrap_or(i64::MAX);
    TimeDelta::new(secs, n.rem_euclid(NANOS_PER_SEC) as u32).unwrap_or(TimeDelta::MAX)
}

/// Smallest whole second `>= t`.
fn ceil_secs(t: DateTime<Utc>) -> i64 {
    t.timestamp() + i64::from(t.timestamp_subsec_nanos() > 0)
}

/// Maps a local wall-clock time to Unix seconds: gap → first instant after
/// the gap; ambiguous → earliest for a start, latest for an end. `local` is
/// `naive` as seconds since the local epoch. `None` outside chrono's range.
fn local_to_utc(tz: Tz, naive: NaiveDateTime, local: i64, is_end: bool) -> Option<i64> {
    match tz.offset_from_local_datetime(&naive) {
        LocalResult::Single(o) => Some(local - i64::from(o.fix().local_minus_utc())),
        LocalResult::Ambiguous(a, b) => {
            let ua = local - i64::from(a.fix().local_minus_utc());
            let ub = local - i64::from(b.fix().local_minus_utc());
            Some(if is_end { max(ua, ub) } else { min(ua, ub) })
        }
        LocalResult::None => GapInfo::new(&naive, &tz)
            .and_then(|g| g.end)
            .map(|d| d.timestamp()),
    }
}

impl Weekly {
    /// Closed spans of local date `date` (Unix day `day`).
    fn closures(&self, day: i64, date: NaiveDate) -> &[Span] {
        if !self.one_off.is_empty() {
            if let Ok(i) = self.one_off.binary_search_by_key(&day, |e| e.0) {
                return &self.one_off[i].1;
            }
        }
        if self.has_yearly {
            return &self.yearly[yearly_key(date.month(), date.day())];
        }
        &[]
    }
}

/// Disjoint, sorted open chunks (Unix seconds) of a weekly calendar. Chunks
/// may touch; they cover exactly the open set. Chunks ending at or before
/// `floor` are skipped; the stream stops before any chunk starting at or
/// after `ceil`, or after [`MAX_CLOSED_DAYS`] closed days when unbounded.
struct Chunks<'a> {
    tz: Tz,
    w: &'a Weekly,
    /// Local date whose pieces are being consumed, its Unix day number and
    /// the following date.
    date: NaiveDate,
    day: i64,
    next: NaiveDate,
    /// Holiday closures of `next`.
    tomorrow: &'a [Span],
    idx: usize,
    /// Pieces of `date` when holidays apply; otherwise the template is used.
    buf: Vec<Span>,
    use_buf: bool,
    floor: i64,
    ceil: Option<i64>,
    pending: Option<Span>,
    closed_days: i64,
    done: bool,
}

impl<'a> Chunks<'a> {
    fn new(tz: Tz, w: &'a Weekly, floor: i64, ceil: Option<i64>) -> Self {
        let mut chunks = Chunks {
            tz,
            w,
            date: NaiveDate::MIN,
            day: 0,
            next: NaiveDate::MIN,
            tomorrow: &[],
            idx: 0,
            buf: Vec::new(),
            use_buf: false,
            floor,
            ceil,
            pending: None,
            closed_days: 0,
            done: true,
        };
        if ceil.is_some_and(|c| c <= floor) {
            return chunks;
        }
        let Some(at) = DateTime::from_timestamp(floor, 0) else {
            return chunks;
        };
        let local = at.with_timezone(&tz).date_naive();
        // Two days back: nothing starting earlier can reach `floor`.
        let (Some(date), Some(next)) = (
            local.checked_sub_days(Days::new(2)),
            local.checked_sub_days(Days::new(1)),
        ) else {
            return chunks;
        };
        chunks.next = date;
        chunks.day = unix_day(date) - 1;
        chunks.tomorrow = w.closures(unix_day(date), date);
        chunks.done = false;
        chunks.load_day(next);
        chunks
    }

    /// Moves on to `self.next` (whose successor is `after`) and expands it
    /// into pieces (wall-clock spans relative to its midnight), subtracting
    /// holiday closures of that date and the next.
    fn load_day(&mut self, after: NaiveDate) {
        let w = self.w;
        self.date = self.next;
        self.day += 1;
        self.next = after;
        self.idx = 0;
        let today = self.tomorrow;
        let tomorrow = w.closures(self.day + 1, after);
        self.tomorrow = tomorrow;
        if today.is_empty() && tomorrow.is_empty() {
            self.use_buf = false;
            return;
        }
        self.use_buf = true;
        self.buf.clear();
        for &(s, e) in &w.days[weekday_index(self.day)] {
            let mut cur = s;
            let closed = today
                .iter()
                .copied()
                .chain(tomorrow.iter().map(|&(a, b)| (a + DAY, b + DAY)));
            for (ca, cb) in closed {
                if cb <= cur {
                    continue;
                }
                if ca >= e {
                    break;
                }
                if ca > cur {
                    self.buf.push((cur, ca));
                }
                cur = max(cur, cb);
                if cur >= e {
                    break;
                }
            }
            if cur < e {
                self.buf.push((cur, e));
            }
        }
    }

    /// `secs` after the local midnight starting `self.date` (`secs < 2 * DAY`).
    fn naive(&self, secs: i64) -> Option<NaiveDateTime> {
        let (date, secs) = if secs < DAY {
            (self.date, secs)
        } else {
            (self.next, secs - DAY)
        };
        let time = NaiveTime::from_num_seconds_from_midnight_opt(u32::try_from(secs).ok()?, 0)?;
        Some(date.and_time(time))
    }

    fn map_local(&self, secs: i64, is_end: bool) -> Option<i64> {
        local_to_utc(self.tz, self.naive(secs)?, self.day * DAY + secs, is_end)
    }

    /// Next open piece in UTC, in order of start.
    fn next_piece(&mut self) -> Option<Span> {
        loop {
            if self.done {
                return None;
            }
            let pieces: &[Span] = if self.use_buf {
                &self.buf
            } else {
                &self.w.days[weekday_index(self.day)]
            };
            if let Some(&(rs, re)) = pieces.get(self.idx) {
                self.idx += 1;
                if self.day * DAY + re + OFFSET_MARGIN <= self.floor {
                    continue;
                }
                let Some(s) = self.map_local(rs, false) else {
                    self.done = true;
                    return None;
                };
                if self.ceil.is_some_and(|c| s >= c) {
                    self.done = true;
                    return None;
                }
                let Some(e) = self.map_local(re, true) else {
                    self.done = true;
                    return None;
                };
                if e <= s || e <= self.floor {
                    continue;
                }
                self.closed_days = 0;
                return Some((s, e));
            }
            // Day exhausted: move on, unless nothing more can come.
            self.closed_days += 1;
            let beyond_ceil = self
                .ceil
                .is_some_and(|c| (self.day + 1) * DAY - OFFSET_MARGIN >= c);
            let gave_up = self.ceil.is_none() && self.closed_days > MAX_CLOSED_DAYS;
            match self.next.succ_opt() {
                Some(after) if !beyond_ceil && !gave_up => self.load_day(after),
                _ => {
                    self.done = true;
                    return None;
                }
            }
        }
    }
}

impl Iterator for Chunks<'_> {
    type Item = Span;

    fn next(&mut self) -> Option<Span> {
        loop {
            let Some((s, e)) = self.next_piece() else {
                return self.pending.take();
            };
            let Some((pa, pb)) = self.pending else {
                self.pending = Some((s, e));
                continue;
            };
            let out = if s > pb {
                self.pending = Some((s, e));
                (pa, pb)
            } else {
                let start = max(s, pa);
                self.pending = Some((start, max(pb, e)));
                (pa, start)
            };
            if out.1 > self.floor && out.0 < out.1 {
                return Some(out);
            }
        }
    }
}

impl BusinessCalendar {
    /// A calendar that is open at every instant (24x7). It has no holidays;
    /// business time equals real elapsed time.
    pub fn always_open(tz: Tz) -> Self {
        Self {
            tz,
            schedule: Schedule::AlwaysOpen,
        }
    }

    /// A calendar open during `intervals` every week, except during
    /// `holidays`. Fails if an interval or holiday is malformed, if there are
    /// no intervals, or if yearly whole-day holidays cover the whole year.
    pub fn weekly(
        tz: Tz,
        intervals: Vec<WeeklyInterval>,
        holidays: Vec<Holiday>,
    ) -> Result<Self, CalendarError> {
        if intervals.is_empty() {
            return Err(CalendarError::NoOpenTime);
        }
        let mut days: [Vec<Span>; 7] = Default::default();
        for iv in &intervals {
            let s = secs_of(iv.start);
            let mut e = secs_of(iv.end);
            if e == s {
                if s != 0 {
                    return Err(CalendarError::EmptyInterval {
                        weekday: iv.weekday,
                        start: iv.start,
                        end: iv.end,
                    });
                }
                e = DAY;
            } else if e < s {
                e += DAY;
            }
            days[iv.weekday.num_days_from_monday() as usize].push((s, e));
        }
        for d in &mut days {
            merge_spans(d);
        }

        let mut yearly: Vec<Vec<Span>> = vec![Vec::new(); 13 * 32];
        let mut one_off: Vec<(i64, Vec<Span>)> = Vec::new();
        let mut has_yearly = false;
        for h in &holidays {
            let span = match h.closed {
                None => (0, DAY),
                Some((from, to)) => {
                    let (a, b) = (secs_of(from), secs_of(to));
                    if b == 0 && a > 0 {
                        (a, DAY)
                    } else if a < b {
                        (a, b)
                    } else {
                        return Err(CalendarError::InvalidClosedRange {
                            date: h.date,
                            from,
                            to,
                        });
                    }
                }
            };
            match h.date {
                HolidayDate::OneOff(date) => one_off.push((unix_day(date), vec![span])),
                HolidayDate::Yearly { month, day } => {
                    // 2000 is a leap year, so 29 February is accepted.
                    if NaiveDate::from_ymd_opt(2000, month, day).is_none() {
                        return Err(CalendarError::InvalidYearlyDate { month, day });
                    }
                    yearly[yearly_key(month, day)].push(span);
                    has_yearly = true;
                }
            }
        }
        for y in &mut yearly {
            merge_spans(y);
        }
        let every_day_closed = (1..=366).all(|ordinal| {
            NaiveDate::from_yo_opt(2000, ordinal)
                .is_some_and(|d| yearly[yearly_key(d.month(), d.day())].as_slice() == [(0, DAY)])
        });
        if every_day_closed {
            return Err(CalendarError::AlwaysClosed);
        }
        one_off.sort_by_key(|e| e.0);
        let mut grouped: Vec<(i64, Vec<Span>)> = Vec::with_capacity(one_off.len());
        for (day, spans) in one_off {
            match grouped.last_mut() {
                Some(last) if last.0 == day => last.1.extend(spans),
                _ => grouped.push((day, spans)),
            }
        }
        for (day, spans) in &mut grouped {
            if let Some(d) = date_of_unix_day(*day) {
                spans.extend_from_slice(&yearly[yearly_key(d.month(), d.day())]);
            }
            merge_spans(spans);
        }

        Ok(Self {
            tz,
            schedule: Schedule::Weekly(Box::new(Weekly {
                days,
                one_off: grouped,
                yearly,
                has_yearly,
            })),
        })
    }

    /// The calendar's time zone.
    pub fn tz(&self) -> Tz {
        self.tz
    }

    /// Whether the calendar is open at `at` (open periods are `[start, end)`).
    pub fn is_open(&self, at: DateTime<Utc>) -> bool {
        match &self.schedule {
            Schedule::AlwaysOpen => true,
            Schedule::Weekly(w) => {
                let s = at.timestamp();
                Chunks::new(self.tz, w, s, s.checked_add(1))
                    .next()
                    .is_some()
            }
        }
    }

    /// The earliest instant at which `business` of open time has accrued
    /// since `start`, or `None` if that needs more than [`MAX_CLOSED_DAYS`]
    /// consecutive closed days or lies beyond chrono's range.
    ///
    /// `checked_add(t, 0) == Some(t)`, even when closed. Otherwise the result
    /// is inside or at the end of an open period: a deadline that is used up
    /// exactly at closing time is that closing time. Negative durations are
    /// treated as zero.
    pub fn checked_add(&self, start: DateTime<Utc>, business: TimeDelta) -> Option<DateTime<Utc>> {
        let mut remaining = delta_nanos(business);
        if remaining <= 0 {
            return Some(start);
        }
        // Business time never runs faster than real time.
        let at_least = start.checked_add_signed(business)?;
        let w = match &self.schedule {
            Schedule::AlwaysOpen => return Some(at_least),
            Schedule::Weekly(w) => w,
        };
        let start_ns = to_nanos(start);
        for (a, b) in Chunks::new(self.tz, w, start.timestamp(), None) {
            let a_ns = max(i128::from(a) * NANOS_PER_SEC, start_ns);
            let len = i128::from(b) * NANOS_PER_SEC - a_ns;
            if len <= 0 {
                continue;
            }
            if remaining <= len {
                return from_nanos(a_ns + remaining);
            }
            remaining -= len;
        }
        None
    }

    /// Like [`checked_add`](Self::checked_add), but returns the far-future
    /// sentinel [`DateTime::<Utc>::MAX_UTC`] instead of `None`. Negative
    /// durations are treated as zero (the result is `start`).
    pub fn add(&self, start: DateTime<Utc>, business: TimeDelta) -> DateTime<Utc> {
        self.checked_add(start, business)
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }

    /// The earliest instant `s <= end` with `between(s, end) <= business`:
    /// count `business` of open time back from `end`, then go back over any
    /// closed time before it. It answers "when was this mark reached?" for a
    /// clock that had accrued `business` more than the mark by `end`, with
    /// the same convention as [`checked_add`](Self::checked_add) (a mark
    /// reached at closing time was reached at closing time, not at the next
    /// opening). With `business <= 0` it is `end` when `end` is open, else
    /// the end of the last open period before it. `None` when that needs
    /// more than [`MAX_CLOSED_DAYS`] consecutive closed days, or lies before
    /// chrono's range.
    pub fn checked_sub(&self, end: DateTime<Utc>, business: TimeDelta) -> Option<DateTime<Utc>> {
        let mut remaining = max(delta_nanos(business), 0);
        if matches!(self.schedule, Schedule::AlwaysOpen) {
            return from_nanos(to_nanos(end) - remaining);
        }
        // Walk back a week at a time. A period split by a window's edge is
        // counted in two parts, which gives the same answer.
        const WINDOW_DAYS: i64 = 7;
        let mut hi = end;
        let mut closed_days = 0;
        while closed_days <= MAX_CLOSED_DAYS {
            let lo = hi.checked_sub_signed(TimeDelta::days(WINDOW_DAYS))?;
            let periods: Vec<_> = self.open_periods(lo, hi).collect();
            if periods.is_empty() {
                closed_days += WINDOW_DAYS;
            } else {
                closed_days = 0;
            }
            for (a, b) in periods.into_iter().rev() {
                let len = to_nanos(b) - to_nanos(a);
                if remaining < len {
                    return from_nanos(to_nanos(b) - remaining);
                }
                remaining -= len;
            }
            hi = lo;
        }
        None
    }

    /// Like [`checked_sub`](Self::checked_sub), with the far-past sentinel
    /// [`DateTime::<Utc>::MIN_UTC`] instead of `None`.
    pub fn sub(&self, end: DateTime<Utc>, business: TimeDelta) -> DateTime<Utc> {
        self.checked_sub(end, business)
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    }

    /// Open time in `[from, to)`; zero if `to <= from`.
    pub fn between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> TimeDelta {
        if to <= from {
            return TimeDelta::zero();
        }
        let w = match &self.schedule {
            Schedule::AlwaysOpen => return to - from,
            Schedule::Weekly(w) => w,
        };
        let (from_ns, to_ns) = (to_nanos(from), to_nanos(to));
        let mut total: i128 = 0;
        for (a, b) in Chunks::new(self.tz, w, from.timestamp(), Some(ceil_secs(to))) {
            let lo = max(i128::from(a) * NANOS_PER_SEC, from_ns);
            let hi = min(i128::from(b) * NANOS_PER_SEC, to_ns);
            if hi > lo {
                total += hi - lo;
            }
        }
        delta_from_nanos(total)
    }

    /// [`add`](Self::add) with a whole number of minutes (negative → zero).
    pub fn add_minutes(&self, start: DateTime<Utc>, minutes: i64) -> DateTime<Utc> {
        match TimeDelta::try_minutes(max(minutes, 0)) {
            Some(d) => self.add(start, d),
            None => DateTime::<Utc>::MAX_UTC,
        }
    }

    /// Whole minutes of open time in `[from, to)`, rounded down; 0 if
    /// `to <= from`.
    pub fn minutes_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
        self.between(from, to).num_minutes()
    }

    /// The open periods within `[from, to)`, in order, merged (no two touch
    /// or overlap) and clipped to `[from, to)`.
    pub fn open_periods(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> impl Iterator<Item = (DateTime<Utc>, DateTime<Utc>)> + '_ {
        let (always, chunks) = match &self.schedule {
            _ if to <= from => (None, None),
            Schedule::AlwaysOpen => (Some((from, to)), None),
            Schedule::Weekly(w) => (
                None,
                Some(Chunks::new(
                    self.tz,
                    w,
                    from.timestamp(),
                    Some(ceil_secs(to)),
                )),
            ),
        };
        OpenPeriods {
            always,
            chunks,
            pending: None,
            from,
            to,
        }
    }
}

struct OpenPeriods<'a> {
    always: Option<(DateTime<Utc>, DateTime<Utc>)>,
    chunks: Option<Chunks<'a>>,
    pending: Option<Span>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
}

impl OpenPeriods<'_> {
    fn clip(&self, (a, b): Span) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let start = max(DateTime::from_timestamp(a, 0)?, self.from);
        let end = min(DateTime::from_timestamp(b, 0)?, self.to);
        (start < end).then_some((start, end))
    }
}

impl Iterator for OpenPeriods<'_> {
    type Item = (DateTime<Utc>, DateTime<Utc>);

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(p) = self.always.take() {
            return Some(p);
        }
        loop {
            let next = self.chunks.as_mut().and_then(Iterator::next);
            match (self.pending, next) {
                (None, None) => return None,
                (None, Some(c)) => self.pending = Some(c),
                (Some(p), None) => {
                    self.pending = None;
                    if let Some(out) = self.clip(p) {
                        return Some(out);
                    }
                }
                (Some((pa, pb)), Some((a, b))) => {
                    if a <= pb {
                        self.pending = Some((pa, max(pb, b)));
                    } else {
                        self.pending = Some((a, b));
                        if let Some(out) = self.clip((pa, pb)) {
                            return Some(out);
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::America::New_York;
    use chrono_tz::Asia::Tehran;
    use chrono_tz::Australia::Lord_Howe;
    use chrono_tz::Europe::London;
    use chrono_tz::UTC;
    use proptest::prelude::*;
    use Weekday::{Fri, Mon, Sat, Sun, Thu, Tue, Wed};

    fn hm(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    fn iv(weekday: Weekday, start: (u32, u32), end: (u32, u32)) -> WeeklyInterval {
        WeeklyInterval::new(weekday, hm(start.0, start.1), hm(end.0, end.1))
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// An unambiguous, existing local time, as UTC.
    fn local(tz: Tz, y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        match tz.with_ymd_and_hms(y, mo, d, h, mi, 0) {
            LocalResult::Single(t) => t.with_timezone(&Utc),
            other => panic!("{y}-{mo}-{d} {h}:{mi} is not unique in {tz}: {other:?}"),
        }
    }

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    fn mins(m: i64) -> TimeDelta {
        TimeDelta::minutes(m)
    }

    fn hours(h: i64) -> TimeDelta {
        TimeDelta::hours(h)
    }

    fn office(tz: Tz, holidays: Vec<Holiday>) -> BusinessCalendar {
        let intervals = [Mon, Tue, Wed, Thu, Fri]
            .into_iter()
            .map(|d| iv(d, (8, 30), (17, 0)))
            .collect();
        BusinessCalendar::weekly(tz, intervals, holidays).unwrap()
    }

    fn periods(
        cal: &BusinessCalendar,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        cal.open_periods(from, to).collect()
    }

    fn yearly(month: u32, day: u32) -> HolidayDate {
        HolidayDate::Yearly { month, day }
    }

    // ---------------------------------------------------------------- tables

    #[test]
    fn friday_afternoon_rolls_to_monday_morning() {
        let cal = office(London, vec![]);
        let fri = local(London, 2024, 3, 8, 16, 0);
        assert_eq!(fri.with_timezone(&London).weekday(), Fri);
        assert_eq!(cal.add_minutes(fri, 120), local(London, 2024, 3, 11, 9, 30));
        assert_eq!(cal.add(fri, mins(120)), local(London, 2024, 3, 11, 9, 30));
        assert_eq!(
            cal.minutes_between(fri, local(London, 2024, 3, 11, 9, 30)),
            120
        );
    }

    #[test]
    fn weekend_ticket_lands_on_monday() {
        let cal = office(London, vec![]);
        let sat = local(London, 2024, 3, 9, 10, 0);
        assert_eq!(cal.add_minutes(sat, 60), local(London, 2024, 3, 11, 9, 30));
        assert_eq!(
            cal.add_minutes(sat, 0),
            sat,
            "zero adds nothing even when closed"
        );
        assert_eq!(
            cal.between(sat, local(London, 2024, 3, 11, 8, 30)),
            TimeDelta::zero()
        );
        assert!(!cal.is_open(sat));
    }

    #[test]
    fn exhausted_exactly_at_close_returns_close() {
        let cal = office(London, vec![]);
        let mon = |h, m| local(London, 2024, 3, 11, h, m);
        assert_eq!(cal.add_minutes(mon(16, 0), 60), mon(17, 0));
        assert_eq!(cal.add_minutes(mon(8, 30), 510), mon(17, 0));
        assert_eq!(
            cal.add_minutes(mon(16, 0), 61),
            local(London, 2024, 3, 12, 8, 31)
        );
        // Friday close stays on Friday.
        assert_eq!(
            cal.add_minutes(local(London, 2024, 3, 15, 16, 0), 60),
            local(London, 2024, 3, 15, 17, 0)
        );
    }

    #[test]
    fn start_inside_closed_period() {
        let cal = office(London, vec![]);
        let mon = |h, m| local(London, 2024, 3, 11, h, m);
        assert_eq!(
            cal.add_minutes(mon(18, 0), 30),
            local(London, 2024, 3, 12, 9, 0)
        );
        assert_eq!(cal.add_minutes(mon(7, 0), 30), mon(9, 0));
        assert_eq!(
            cal.add_minutes(mon(17, 0), 30),
            local(London, 2024, 3, 12, 9, 0)
        );
        assert!(cal.is_open(mon(8, 30)));
        assert!(cal.is_open(mon(17, 0) - TimeDelta::seconds(1)));
        assert!(!cal.is_open(mon(17, 0)));
        assert!(!cal.is_open(mon(8, 30) - TimeDelta::seconds(1)));
    }

    #[test]
    fn negative_durations_are_zero() {
        let cal = office(London, vec![]);
        let t = local(London, 2024, 3, 9, 10, 0);
        assert_eq!(cal.add(t, mins(-5)), t);
        assert_eq!(cal.add_minutes(t, -5), t);
        assert_eq!(cal.checked_add(t, mins(-5)), Some(t));
        assert_eq!(cal.between(t + hours(100), t), TimeDelta::zero());
        assert_eq!(cal.minutes_between(t + hours(100), t), 0);
    }

    #[test]
    fn sub_second_instants_and_floor_minutes() {
        let cal = office(London, vec![]);
        let open = local(London, 2024, 3, 11, 8, 30);
        assert_eq!(cal.minutes_between(open, open + TimeDelta::seconds(119)), 1);
        assert_eq!(cal.minutes_between(open, open + TimeDelta::seconds(120)), 2);
        let t = open + TimeDelta::milliseconds(1_500);
        assert_eq!(
            cal.add(t, TimeDelta::milliseconds(250)),
            t + TimeDelta::milliseconds(250)
        );
        let close = local(London, 2024, 3, 11, 17, 0);
        let before = close - TimeDelta::milliseconds(500);
        assert_eq!(
            cal.between(before, close + hours(1)),
            TimeDelta::milliseconds(500)
        );
        assert_eq!(
            cal.add(before, TimeDelta::seconds(1)),
            local(London, 2024, 3, 12, 8, 30) + TimeDelta::milliseconds(500)
        );
    }

    #[test]
    fn london_spring_forward_open_across_1_to_3() {
        // 2024-03-31: 01:00 GMT jumps to 02:00 BST.
        let night =
            BusinessCalendar::weekly(London, vec![iv(Sun, (0, 0), (4, 0))], vec![]).unwrap();
        let (sat, mon) = (utc(2024, 3, 30, 12, 0), utc(2024, 4, 1, 0, 0));
        assert_eq!(night.between(sat, mon), hours(3));
        assert_eq!(
            periods(&night, sat, mon),
            vec![(utc(2024, 3, 31, 0, 0), utc(2024, 3, 31, 3, 0))]
        );
        // Forward across the gap: 00:30 GMT + 1h = 01:30 UTC = 02:30 BST.
        assert_eq!(
            night.add(utc(2024, 3, 31, 0, 30), hours(1)),
            utc(2024, 3, 31, 1, 30)
        );
        assert_eq!(
            night.add(utc(2024, 3, 31, 0, 0), hours(3)),
            local(London, 2024, 3, 31, 4, 0)
        );
        assert_eq!(
            night.add(sat, hours(3) + mins(1)),
            local(London, 2024, 4, 7, 0, 1)
        );

        // Open 01:00–03:00: the start does not exist, so it opens when the
        // clocks reach 02:00 BST; one real hour.
        let cal = BusinessCalendar::weekly(London, vec![iv(Sun, (1, 0), (3, 0))], vec![]).unwrap();
        assert_eq!(cal.between(sat, mon), hours(1));
        assert_eq!(
            periods(&cal, sat, mon),
            vec![(utc(2024, 3, 31, 1, 0), utc(2024, 3, 31, 2, 0))]
        );
        assert_eq!(cal.add(sat, mins(30)), utc(2024, 3, 31, 1, 30));
        // An ordinary week later it is two hours again.
        assert_eq!(cal.between(mon, utc(2024, 4, 8, 0, 0)), hours(2));

        // Wholly inside the gap: no open time that night.
        let gap =
            BusinessCalendar::weekly(London, vec![iv(Sun, (1, 15), (1, 45))], vec![]).unwrap();
        assert_eq!(gap.between(sat, mon), TimeDelta::zero());
        assert_eq!(gap.add(sat, mins(10)), local(London, 2024, 4, 7, 1, 25));
    }

    #[test]
    fn london_fall_back_open_across_1_to_3() {
        // 2024-10-27: 02:00 BST falls back to 01:00 GMT; 01:xx happens twice.
        let (sat, mon) = (utc(2024, 10, 26, 12, 0), utc(2024, 10, 28, 0, 0));
        let night =
            BusinessCalendar::weekly(London, vec![iv(Sun, (0, 0), (4, 0))], vec![]).unwrap();
        assert_eq!(night.between(sat, mon), hours(5));
        assert_eq!(
            periods(&night, sat, mon),
            vec![(utc(2024, 10, 26, 23, 0), utc(2024, 10, 27, 4, 0))]
        );
        assert_eq!(
            night.add(utc(2024, 10, 26, 23, 0), hours(2)),
            utc(2024, 10, 27, 1, 0)
        );
        assert_eq!(night.add(sat, hours(5)), utc(2024, 10, 27, 4, 0));

        // 01:00–03:00: start is ambiguous → earliest (01:00 BST = 00:00 UTC).
        let cal = BusinessCalendar::weekly(London, vec![iv(Sun, (1, 0), (3, 0))], vec![]).unwrap();
        assert_eq!(cal.between(sat, mon), hours(3));
        assert_eq!(cal.add(sat, hours(3)), utc(2024, 10, 27, 3, 0));
        assert_eq!(cal.add(sat, mins(90)), utc(2024, 10, 27, 1, 30));

        // End is ambiguous → latest (01:30 GMT = 01:30 UTC).
        let early =
            BusinessCalendar::weekly(London, vec![iv(Sun, (0, 0), (1, 30))], vec![]).unwrap();
        assert_eq!(
            periods(&early, sat, mon),
            vec![(utc(2024, 10, 26, 23, 0), utc(2024, 10, 27, 1, 30))]
        );
        assert!(early.is_open(utc(2024, 10, 27, 1, 15)));
        assert!(!early.is_open(utc(2024, 10, 27, 1, 30)));
    }

    #[test]
    fn new_york_dst() {
        let cal = BusinessCalendar::weekly(
            New_York,
            [Mon, Tue, Wed, Thu, Fri]
                .into_iter()
                .map(|d| iv(d, (9, 0), (17, 0)))
                .collect(),
            vec![],
        )
        .unwrap();
        // Fri 2024-03-08 16:00 EST + 2h → Mon 2024-03-11 10:00 EDT.
        let fri = local(New_York, 2024, 3, 8, 16, 0);
        assert_eq!(fri, utc(2024, 3, 8, 21, 0));
        assert_eq!(cal.add_minutes(fri, 120), utc(2024, 3, 11, 14, 0));
        assert_eq!(
            cal.add_minutes(fri, 120),
            local(New_York, 2024, 3, 11, 10, 0)
        );
        // And across fall-back: Fri 2024-11-01 16:00 EDT + 2h → Mon 10:00 EST.
        let fri = local(New_York, 2024, 11, 1, 16, 0);
        assert_eq!(cal.add_minutes(fri, 120), utc(2024, 11, 4, 15, 0));

        let night =
            BusinessCalendar::weekly(New_York, vec![iv(Sun, (1, 0), (4, 0))], vec![]).unwrap();
        // 2024-03-10: 02:00 EST → 03:00 EDT.
        assert_eq!(
            periods(&night, utc(2024, 3, 9, 0, 0), utc(2024, 3, 11, 0, 0)),
            vec![(utc(2024, 3, 10, 6, 0), utc(2024, 3, 10, 8, 0))]
        );
        // 2024-11-03: 02:00 EDT → 01:00 EST; 01:00 is ambiguous → earliest.
        assert_eq!(
            periods(&night, utc(2024, 11, 2, 0, 0), utc(2024, 11, 4, 0, 0)),
            vec![(utc(2024, 11, 3, 5, 0), utc(2024, 11, 3, 9, 0))]
        );

        // A shift crossing midnight into the spring-forward night.
        let shift =
            BusinessCalendar::weekly(New_York, vec![iv(Sat, (22, 0), (6, 0))], vec![]).unwrap();
        let sat = local(New_York, 2024, 3, 9, 22, 0);
        assert_eq!(shift.between(sat, sat + hours(24)), hours(7));
        assert_eq!(shift.add(sat, hours(7)), local(New_York, 2024, 3, 10, 6, 0));
    }

    #[test]
    fn lord_howe_half_hour_dst() {
        let night =
            BusinessCalendar::weekly(Lord_Howe, vec![iv(Sun, (0, 0), (4, 0))], vec![]).unwrap();
        // 2024-10-06: 02:00 → 02:30 (+10:30 → +11:00).
        let sun = local(Lord_Howe, 2024, 10, 6, 0, 0);
        assert_eq!(night.between(sun, sun + hours(24)), hours(3) + mins(30));
        assert_eq!(
            night.add(sun, hours(3) + mins(30)),
            local(Lord_Howe, 2024, 10, 6, 4, 0)
        );
        // 2024-04-07: 02:00 → 01:30.
        let sun = local(Lord_Howe, 2024, 4, 7, 0, 0);
        assert_eq!(night.between(sun, sun + hours(24)), hours(4) + mins(30));
    }

    #[test]
    fn tehran_midnight_transitions() {
        // Iran (until 2022) sprang forward at 00:00 → 01:00 and fell back at
        // 24:00 → 23:00. 2021-03-22 00:00 did not exist.
        let cal = BusinessCalendar::weekly(Tehran, vec![iv(Mon, (0, 0), (2, 0))], vec![]).unwrap();
        let from = utc(2021, 3, 21, 0, 0);
        assert_eq!(
            periods(&cal, from, from + hours(48)),
            vec![(
                local(Tehran, 2021, 3, 22, 1, 0),
                local(Tehran, 2021, 3, 22, 2, 0)
            )]
        );
        // 2021-09-21 (Tue) 23:00–24:00 happened twice; a Tuesday shift to
        // midnight ends at the latest midnight.
        let cal = BusinessCalendar::weekly(Tehran, vec![iv(Tue, (22, 0), (0, 0))], vec![]).unwrap();
        let from = utc(2021, 9, 20, 0, 0);
        assert_eq!(cal.between(from, from + hours(72)), hours(3));
    }

    #[test]
    fn whole_and_part_day_holidays() {
        let cal = office(
            London,
            vec![
                Holiday::whole_day(yearly(12, 25)),
                Holiday::part_day(yearly(12, 24), hm(12, 0), hm(17, 0)),
                Holiday::whole_day(HolidayDate::OneOff(date(2024, 5, 6))),
            ],
        );
        // Tue 24 Dec 2024 11:00 + 2h: 1h before noon, then Thu 26 Dec.
        let t = local(London, 2024, 12, 24, 11, 0);
        assert_eq!(cal.add_minutes(t, 60), local(London, 2024, 12, 24, 12, 0));
        assert_eq!(cal.add_minutes(t, 120), local(London, 2024, 12, 26, 9, 30));
        assert_eq!(
            cal.between(
                local(London, 2024, 12, 23, 0, 0),
                local(London, 2024, 12, 27, 0, 0)
            ),
            hours(20) + mins(30)
        );
        // Yearly: Thursday 25 Dec 2025 is closed too, 24 Dec morning open.
        assert!(!cal.is_open(local(London, 2025, 12, 25, 10, 0)));
        assert!(cal.is_open(local(London, 2025, 12, 24, 10, 0)));
        assert!(!cal.is_open(local(London, 2025, 12, 24, 12, 0)));
        // One-off: Mon 6 May 2024 (BST).
        assert_eq!(
            cal.add_minutes(local(London, 2024, 5, 3, 16, 0), 120),
            local(London, 2024, 5, 7, 9, 30)
        );
        assert!(
            cal.is_open(local(London, 2025, 5, 5, 10, 0)),
            "one-off does not recur"
        );
    }

    #[test]
    fn part_day_holiday_until_end_of_day_and_overlapping_holidays() {
        let cal = office(
            London,
            vec![
                Holiday::part_day(yearly(12, 31), hm(15, 0), hm(0, 0)),
                Holiday::part_day(HolidayDate::OneOff(date(2024, 12, 31)), hm(9, 0), hm(10, 0)),
                Holiday::part_day(
                    HolidayDate::OneOff(date(2024, 12, 31)),
                    hm(9, 30),
                    hm(11, 0),
                ),
            ],
        );
        let d = |h, m| local(London, 2024, 12, 31, h, m);
        assert_eq!(cal.between(d(0, 0), d(23, 59)), mins(30) + hours(4));
        assert_eq!(cal.add_minutes(d(8, 30), 31), d(11, 1));
        assert_eq!(cal.add_minutes(d(8, 30), 270), d(15, 0));
        assert_eq!(
            cal.add_minutes(d(8, 30), 271),
            local(London, 2025, 1, 1, 8, 31)
        );

        // `to == 00:00` closes through midnight, not a second less.
        let night = BusinessCalendar::weekly(
            London,
            vec![iv(Fri, (22, 0), (6, 0))],
            vec![Holiday::part_day(
                HolidayDate::OneOff(date(2024, 1, 5)),
                hm(23, 0),
                hm(0, 0),
            )],
        )
        .unwrap();
        let fri = local(London, 2024, 1, 5, 0, 0);
        assert_eq!(
            periods(&night, fri, fri + hours(48)),
            vec![
                (
                    local(London, 2024, 1, 5, 22, 0),
                    local(London, 2024, 1, 5, 23, 0)
                ),
                (
                    local(London, 2024, 1, 6, 0, 0),
                    local(London, 2024, 1, 6, 6, 0)
                ),
            ]
        );
    }

    #[test]
    fn yearly_feb_29_only_in_leap_years() {
        let cal = office(London, vec![Holiday::whole_day(yearly(2, 29))]);
        assert!(!cal.is_open(local(London, 2024, 2, 29, 10, 0)));
        assert!(!cal.is_open(local(London, 2028, 2, 29, 10, 0)));
        assert!(cal.is_open(local(London, 2028, 2, 28, 10, 0)));
        assert!(cal.is_open(local(London, 2028, 3, 1, 10, 0)));
    }

    #[test]
    fn split_shifts() {
        let cal = BusinessCalendar::weekly(
            London,
            vec![iv(Mon, (8, 30), (12, 0)), iv(Mon, (13, 0), (17, 0))],
            vec![],
        )
        .unwrap();
        let mon = |h, m| local(London, 2024, 3, 11, h, m);
        assert_eq!(cal.add_minutes(mon(11, 30), 30), mon(12, 0));
        assert_eq!(cal.add_minutes(mon(11, 30), 60), mon(13, 30));
        assert_eq!(cal.add_minutes(mon(12, 15), 1), mon(13, 1));
        assert_eq!(cal.between(mon(0, 0), mon(23, 0)), hours(7) + mins(30));
        assert_eq!(
            periods(&cal, mon(0, 0), mon(23, 0)),
            vec![(mon(8, 30), mon(12, 0)), (mon(13, 0), mon(17, 0))]
        );
        assert!(!cal.is_open(mon(12, 30)));
        // Next Monday.
        assert_eq!(
            cal.add_minutes(mon(16, 0), 90),
            local(London, 2024, 3, 18, 9, 0)
        );
    }

    #[test]
    fn midnight_crossing_interval() {
        let cal = BusinessCalendar::weekly(London, vec![iv(Fri, (22, 0), (6, 0))], vec![]).unwrap();
        let fri = |h, m| local(London, 2024, 1, 5, h, m);
        let sat = |h, m| local(London, 2024, 1, 6, h, m);
        assert_eq!(cal.add(fri(23, 0), hours(5)), sat(4, 0));
        assert_eq!(cal.add(fri(23, 0), hours(7)), sat(6, 0));
        assert_eq!(
            cal.add(fri(23, 0), hours(8)),
            local(London, 2024, 1, 12, 23, 0)
        );
        assert_eq!(
            cal.add(local(London, 2024, 1, 3, 12, 0), hours(1)),
            fri(23, 0)
        );
        assert!(cal.is_open(sat(6, 0) - TimeDelta::seconds(1)));
        assert!(!cal.is_open(sat(6, 0)));
        assert!(!cal.is_open(fri(21, 59)));
        assert_eq!(
            periods(&cal, fri(0, 0), sat(23, 0)),
            vec![(fri(22, 0), sat(6, 0))]
        );

        // A holiday on the Saturday closes the part after midnight…
        let sat_off = BusinessCalendar::weekly(
            London,
            vec![iv(Fri, (22, 0), (6, 0))],
            vec![Holiday::whole_day(HolidayDate::OneOff(date(2024, 1, 6)))],
        )
        .unwrap();
        assert_eq!(sat_off.add(fri(22, 0), hours(2)), sat(0, 0));
        assert_eq!(
            sat_off.add(fri(22, 0), hours(3)),
            local(London, 2024, 1, 12, 23, 0)
        );
        // …and one on the Friday closes only the part before midnight.
        let fri_off = BusinessCalendar::weekly(
            London,
            vec![iv(Fri, (22, 0), (6, 0))],
            vec![Holiday::whole_day(HolidayDate::OneOff(date(2024, 1, 5)))],
        )
        .unwrap();
        assert_eq!(fri_off.add(fri(20, 0), hours(1)), sat(1, 0));
        // Part-day closure on the next date.
        let part = BusinessCalendar::weekly(
            London,
            vec![iv(Fri, (22, 0), (6, 0))],
            vec![Holiday::part_day(
                HolidayDate::OneOff(date(2024, 1, 6)),
                hm(1, 0),
                hm(2, 0),
            )],
        )
        .unwrap();
        assert_eq!(
            periods(&part, fri(0, 0), sat(23, 0)),
            vec![(fri(22, 0), sat(1, 0)), (sat(2, 0), sat(6, 0))]
        );
    }

    #[test]
    fn overlapping_intervals_are_merged() {
        let cal = BusinessCalendar::weekly(
            London,
            vec![
                iv(Fri, (22, 0), (6, 0)),
                iv(Sat, (0, 0), (8, 0)),
                iv(Mon, (9, 0), (17, 0)),
                iv(Mon, (9, 0), (17, 0)),
                iv(Mon, (12, 0), (18, 0)),
            ],
            vec![],
        )
        .unwrap();
        let fri = local(London, 2024, 1, 5, 20, 0);
        let sat = |h| local(London, 2024, 1, 6, h, 0);
        assert_eq!(cal.between(fri, sat(12)), hours(10));
        assert_eq!(
            periods(&cal, fri, sat(12)),
            vec![(local(London, 2024, 1, 5, 22, 0), sat(8))]
        );
        let mon = |h| local(London, 2024, 1, 8, h, 0);
        assert_eq!(cal.between(mon(0), mon(23)), hours(9));
        assert_eq!(cal.add(mon(8), hours(9)), mon(18));
    }

    #[test]
    fn full_days_and_all_week_open() {
        let all: Vec<_> = [Mon, Tue, Wed, Thu, Fri, Sat, Sun]
            .into_iter()
            .map(|d| iv(d, (0, 0), (0, 0)))
            .collect();
        let cal = BusinessCalendar::weekly(London, all, vec![]).unwrap();
        let t = utc(2024, 3, 20, 13, 17);
        // Across the spring-forward night: still plain real time.
        assert_eq!(cal.add(t, TimeDelta::days(30)), t + TimeDelta::days(30));
        assert_eq!(cal.between(t, t + TimeDelta::days(30)), TimeDelta::days(30));
        assert_eq!(
            periods(&cal, t, t + TimeDelta::days(30)),
            vec![(t, t + TimeDelta::days(30))]
        );
        assert!(cal.is_open(t));

        let sunday = BusinessCalendar::weekly(UTC, vec![iv(Sun, (0, 0), (0, 0))], vec![]).unwrap();
        let sun = utc(2024, 3, 10, 0, 0);
        assert_eq!(sunday.between(sun - hours(1), sun + hours(25)), hours(24));
        assert_eq!(sunday.add(sun, hours(24)), sun + hours(24));
    }

    #[test]
    fn always_open_is_plain_time() {
        let cal = BusinessCalendar::always_open(London);
        assert_eq!(cal.tz(), London);
        let t = utc(2024, 3, 30, 23, 0);
        assert_eq!(cal.add_minutes(t, 90), t + mins(90));
        assert_eq!(cal.between(t, t + hours(48)), hours(48));
        assert_eq!(cal.minutes_between(t, t + TimeDelta::seconds(119)), 1);
        assert!(cal.is_open(t));
        assert_eq!(periods(&cal, t, t + hours(2)), vec![(t, t + hours(2))]);
        assert_eq!(periods(&cal, t, t), vec![]);
        assert_eq!(
            cal.add(DateTime::<Utc>::MAX_UTC, hours(1)),
            DateTime::<Utc>::MAX_UTC
        );
    }

    #[test]
    fn far_future() {
        let cal = office(London, vec![Holiday::whole_day(yearly(12, 25))]);
        assert_eq!(cal.tz(), London);
        let mut fri = date(2150, 6, 1);
        while fri.weekday() != Fri {
            fri = fri.succ_opt().unwrap();
        }
        let mon = fri + TimeDelta::days(3);
        let start = local(London, 2150, fri.month(), fri.day(), 16, 0);
        assert_eq!(
            cal.add_minutes(start, 120),
            local(London, 2150, mon.month(), mon.day(), 9, 30)
        );
        // 25 Dec 2150 is a Friday.
        assert_eq!(date(2150, 12, 25).weekday(), Fri);
        assert_eq!(
            cal.add_minutes(local(London, 2150, 12, 24, 16, 0), 120),
            local(London, 2150, 12, 28, 9, 30)
        );
        let t = local(London, 2999, 1, 1, 0, 0);
        assert_eq!(
            cal.between(t, t + TimeDelta::days(7)),
            hours(8 * 5) + mins(150)
        );
    }

    #[test]
    fn gives_up_after_twenty_closed_years() {
        let mut mondays = Vec::new();
        let mut d = date(2024, 1, 1);
        while d.year() < 2046 {
            mondays.push(Holiday::whole_day(HolidayDate::OneOff(d)));
            d += TimeDelta::days(7);
        }
        let cal =
            BusinessCalendar::weekly(London, vec![iv(Mon, (9, 0), (10, 0))], mondays).unwrap();
        let t = utc(2024, 1, 1, 0, 0);
        assert_eq!(cal.checked_add(t, mins(1)), None);
        assert_eq!(cal.add(t, mins(1)), DateTime::<Utc>::MAX_UTC);
        assert_eq!(cal.add(t, TimeDelta::zero()), t);
        // 2046 starts on a Monday and has 53 of them.
        assert_eq!(cal.between(t, utc(2047, 1, 1, 0, 0)), hours(53));
        assert!(!cal.is_open(utc(2030, 1, 7, 9, 30)));
    }

    #[test]
    fn huge_durations_saturate() {
        let cal = office(London, vec![]);
        let t = utc(2024, 1, 1, 0, 0);
        assert_eq!(cal.checked_add(t, TimeDelta::MAX), None);
        assert_eq!(cal.add(t, TimeDelta::MAX), DateTime::<Utc>::MAX_UTC);
        assert_eq!(cal.add_minutes(t, i64::MAX), DateTime::<Utc>::MAX_UTC);
        let always = BusinessCalendar::always_open(UTC);
        assert_eq!(always.checked_add(t, TimeDelta::MAX), None);
    }

    #[test]
    fn construction_errors() {
        let e = BusinessCalendar::weekly(London, vec![], vec![]).unwrap_err();
        assert_eq!(e, CalendarError::NoOpenTime);
        assert!(e.to_string().contains("at least one"));

        let e =
            BusinessCalendar::weekly(London, vec![iv(Tue, (9, 0), (9, 0))], vec![]).unwrap_err();
        assert!(matches!(
            e,
            CalendarError::EmptyInterval { weekday: Tue, .. }
        ));
        assert!(
            e.to_string()
                .contains("Tue from 09:00:00 to 09:00:00 is empty"),
            "{e}"
        );

        let ok = vec![iv(Mon, (9, 0), (17, 0))];
        for (month, day) in [(2, 30), (13, 1), (0, 5), (4, 31), (1, 0)] {
            let e = BusinessCalendar::weekly(
                London,
                ok.clone(),
                vec![Holiday::whole_day(yearly(month, day))],
            )
            .unwrap_err();
            assert_eq!(e, CalendarError::InvalidYearlyDate { month, day });
        }
        let e =
            BusinessCalendar::weekly(London, ok.clone(), vec![Holiday::whole_day(yearly(2, 30))])
                .unwrap_err();
        assert!(e.to_string().contains("month 2, day 30"), "{e}");

        for (from, to) in [
            (hm(12, 0), hm(12, 0)),
            (hm(17, 0), hm(12, 0)),
            (hm(0, 0), hm(0, 0)),
        ] {
            let e = BusinessCalendar::weekly(
                London,
                ok.clone(),
                vec![Holiday::part_day(yearly(12, 24), from, to)],
            )
            .unwrap_err();
            assert!(matches!(e, CalendarError::InvalidClosedRange { .. }), "{e}");
        }
        let e = BusinessCalendar::weekly(
            London,
            ok.clone(),
            vec![Holiday::part_day(
                HolidayDate::OneOff(date(2024, 12, 24)),
                hm(17, 0),
                hm(12, 0),
            )],
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("2024-12-24 closes from 17:00:00 to 12:00:00"),
            "{e}"
        );

        let every_day: Vec<_> = (1..=366)
            .map(|o| {
                let d = NaiveDate::from_yo_opt(2000, o).unwrap();
                Holiday::whole_day(yearly(d.month(), d.day()))
            })
            .collect();
        let e = BusinessCalendar::weekly(London, ok.clone(), every_day.clone()).unwrap_err();
        assert_eq!(e, CalendarError::AlwaysClosed);
        // Leaving one day free is allowed.
        assert!(BusinessCalendar::weekly(London, ok, every_day[1..].to_vec()).is_ok());
    }

    #[test]
    fn serde_round_trip_of_inputs() {
        // Only checks the derives exist and agree (no serde_json dependency).
        fn assert_serde<T: Serialize + for<'de> Deserialize<'de>>() {}
        assert_serde::<WeeklyInterval>();
        assert_serde::<Holiday>();
        assert_serde::<HolidayDate>();
    }

    // ------------------------------------------------------------ properties

    /// Reference: is a *unique* local wall-clock time open?
    fn wall_clock_open(
        intervals: &[WeeklyInterval],
        holidays: &[Holiday],
        l: NaiveDateTime,
    ) -> bool {
        let day = l.date();
        let tod = secs_of(l.time());
        for h in holidays {
            let applies = match h.date {
                HolidayDate::OneOff(d) => d == day,
                HolidayDate::Yearly { month, day: dd } => day.month() == month && day.day() == dd,
            };
            if applies {
                match h.closed {
                    None => return false,
                    Some((a, b)) => {
                        let (a, b) = (secs_of(a), secs_of(b));
                        let b = if b == 0 { DAY } else { b };
                        if a <= tod && tod < b {
                            return false;
                        }
                    }
                }
            }
        }
        intervals.iter().any(|iv| {
            let s = secs_of(iv.start);
            let mut e = secs_of(iv.end);
            if e <= s {
                e += DAY;
            }
            (iv.weekday == day.weekday() && s <= tod && tod < e)
                || (iv.weekday == day.weekday().pred() && tod + DAY < e)
        })
    }

    #[derive(Debug, Clone)]
    struct Case {
        tz: Tz,
        intervals: Vec<WeeklyInterval>,
        holidays: Vec<Holiday>,
    }

    impl Case {
        fn cal(&self) -> BusinessCalendar {
            BusinessCalendar::weekly(self.tz, self.intervals.clone(), self.holidays.clone())
                .unwrap()
        }
    }

    fn arb_tz() -> impl Strategy<Value = Tz> {
        prop_oneof![
            Just(London),
            Just(New_York),
            Just(Tehran),
            Just(Lord_Howe),
            Just(UTC),
        ]
    }

    /// Minute of day, biased towards the small hours where DST happens.
    fn arb_minute() -> impl Strategy<Value = u32> {
        prop_oneof![
            0u32..1440,
            0u32..240,
            Just(0),
            (0u32..48).prop_map(|h| h * 30)
        ]
    }

    fn t_of(minute: u32) -> NaiveTime {
        hm(minute / 60, minute % 60)
    }

    fn arb_interval() -> impl Strategy<Value = WeeklyInterval> {
        (
            0u8..7,
            arb_minute(),
            1u32..1440,
            proptest::bool::weighted(0.05),
        )
            .prop_map(|(wd, start, len, full)| {
                let weekday = Weekday::try_from(wd).unwrap();
                if full {
                    WeeklyInterval::new(weekday, hm(0, 0), hm(0, 0))
                } else {
                    WeeklyInterval::new(weekday, t_of(start), t_of((start + len) % 1440))
                }
            })
    }

    fn arb_holiday() -> impl Strategy<Value = Holiday> {
        let date = prop_oneof![
            (0i64..2_700).prop_map(|d| HolidayDate::OneOff(date(2019, 1, 1) + TimeDelta::days(d))),
            (1u32..=12, 1u32..=28).prop_map(|(month, day)| HolidayDate::Yearly { month, day }),
        ];
        let closed = prop_oneof![
            Just(None),
            (arb_minute(), 1u32..1440).prop_map(|(a, len)| {
                let b = a + len;
                Some(if b >= 1440 {
                    (t_of(a), hm(0, 0))
                } else {
                    (t_of(a), t_of(b))
                })
            }),
        ];
        (date, closed).prop_map(|(date, closed)| Holiday { date, closed })
    }

    fn arb_case() -> impl Strategy<Value = Case> {
        (
            arb_tz(),
            proptest::collection::vec(arb_interval(), 1..6),
            proptest::collection::vec(arb_holiday(), 0..6),
        )
            .prop_map(|(tz, intervals, holidays)| Case {
                tz,
                intervals,
                holidays,
            })
    }

    /// Instants in 2019–2026 (Tehran still had DST until 2022), to the second.
    fn arb_instant() -> impl Strategy<Value = DateTime<Utc>> {
        let lo = utc(2019, 1, 1, 0, 0).timestamp();
        let hi = utc(2026, 6, 1, 0, 0).timestamp();
        (lo..hi).prop_map(|s| DateTime::from_timestamp(s, 0).unwrap())
    }

    /// Up to 40 days, to the second; often a round number of minutes.
    fn arb_duration() -> impl Strategy<Value = TimeDelta> {
        prop_oneof![
            (0i64..40 * 86_400).prop_map(TimeDelta::seconds),
            (0i64..40 * 1_440).prop_map(TimeDelta::minutes),
            (0i64..600).prop_map(TimeDelta::minutes),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

        #[test]
        fn add_composes(case in arb_case(), t in arb_instant(), a in arb_duration(), b in arb_duration()) {
            let cal = case.cal();
            prop_assert_eq!(cal.add(cal.add(t, a), b), cal.add(t, a + b));
        }

        #[test]
        fn between_inverts_add(case in arb_case(), t in arb_instant(), m in arb_duration()) {
            let cal = case.cal();
            let end = cal.add(t, m);
            prop_assert!(end >= t);
            prop_assert_eq!(cal.between(t, end), m);
            if m > TimeDelta::zero() {
                // Never lands in a closed period: the second before is open,
                // and less business time is not enough.
                prop_assert!(cal.is_open(end - TimeDelta::seconds(1)));
                prop_assert!(cal.between(t, end - TimeDelta::seconds(1)) < m);
            }
        }

        #[test]
        fn sub_inverts_between(case in arb_case(), t in arb_instant(), m in arb_duration()) {
            let cal = case.cal();
            let start = cal.sub(t, m);
            prop_assert!(start <= t);
            prop_assert_eq!(cal.between(start, t), m);
            // The earliest such instant: a second earlier counts more.
            prop_assert!(cal.between(start - TimeDelta::seconds(1), t) > m);
            // Counting forward again reaches the mark by `t`, with no open
            // time left between.
            let back = cal.add(start, m);
            prop_assert!(back <= t);
            prop_assert_eq!(cal.between(back, t), TimeDelta::zero());
        }

        #[test]
        fn add_is_monotonic(case in arb_case(), t in arb_instant(), a in arb_duration(), b in arb_duration()) {
            let cal = case.cal();
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            prop_assert!(cal.add(t, lo) <= cal.add(t, hi));
            prop_assert!(cal.add(t, hi) <= cal.add(t + TimeDelta::seconds(1), hi));
        }

        #[test]
        fn between_is_additive(case in arb_case(), a in arb_instant(), d1 in 0i64..30 * 86_400, d2 in 0i64..30 * 86_400) {
            let cal = case.cal();
            let b = a + TimeDelta::seconds(d1);
            let c = b + TimeDelta::seconds(d2);
            prop_assert_eq!(cal.between(a, b) + cal.between(b, c), cal.between(a, c));
            prop_assert!(cal.between(a, c) <= c - a);
        }

        #[test]
        fn is_open_matches_wall_clock(case in arb_case(), t in arb_instant()) {
            let cal = case.cal();
            let l = t.with_timezone(&case.tz).naive_local();
            if let LocalResult::Single(_) = case.tz.from_local_datetime(&l) {
                prop_assert_eq!(cal.is_open(t), wall_clock_open(&case.intervals, &case.holidays, l));
            }
        }

        #[test]
        fn is_open_matches_wall_clock_near_holidays(
            case in arb_case(),
            pick in any::<prop::sample::Index>(),
            year in 2019i32..2026,
            offset in 0i64..4 * 86_400,
        ) {
            if case.holidays.is_empty() {
                return Ok(());
            }
            let day = match case.holidays[pick.index(case.holidays.len())].date {
                HolidayDate::OneOff(d) => d,
                HolidayDate::Yearly { month, day } => date(year, month, day),
            };
            let t = utc(day.year(), day.month(), day.day(), 0, 0) - TimeDelta::days(1)
                + TimeDelta::seconds(offset);
            let cal = case.cal();
            let l = t.with_timezone(&case.tz).naive_local();
            if let LocalResult::Single(_) = case.tz.from_local_datetime(&l) {
                prop_assert_eq!(cal.is_open(t), wall_clock_open(&case.intervals, &case.holidays, l));
            }
        }

        #[test]
        fn open_periods_are_consistent(case in arb_case(), from in arb_instant(), d in 0i64..20 * 86_400) {
            let cal = case.cal();
            let to = from + TimeDelta::seconds(d);
            let ps = periods(&cal, from, to);
            let mut total = TimeDelta::zero();
            let mut prev_end: Option<DateTime<Utc>> = None;
            for &(s, e) in &ps {
                prop_assert!(from <= s && s < e && e <= to);
                if let Some(p) = prev_end {
                    prop_assert!(p < s, "periods must be merged: {:?}", ps);
                    prop_assert!(!cal.is_open(p));
                }
                prop_assert!(cal.is_open(s));
                prop_assert!(cal.is_open(e - TimeDelta::seconds(1)));
                if s > from {
                    prop_assert!(!cal.is_open(s - TimeDelta::seconds(1)));
                }
                if e < to {
                    prop_assert!(!cal.is_open(e));
                }
                total += e - s;
                prev_end = Some(e);
            }
            prop_assert_eq!(total, cal.between(from, to));
        }

        #[test]
        fn always_open_is_plain_addition(tz in arb_tz(), t in arb_instant(), m in arb_duration(), d in 0i64..10_000_000) {
            let cal = BusinessCalendar::always_open(tz);
            prop_assert_eq!(cal.add(t, m), t + m);
            prop_assert_eq!(cal.between(t, t + m), m);
            prop_assert_eq!(cal.between(t, t + TimeDelta::seconds(d)), TimeDelta::seconds(d));
            prop_assert!(cal.is_open(t));
        }

        #[test]
        fn far_years_compose(
            tz in arb_tz(),
            intervals in proptest::collection::vec(arb_interval(), 1..5),
            year in prop_oneof![1990i32..2030, 2095i32..2105, 2148i32..2152, 2400i32..2401],
            secs in 0i64..365 * 86_400,
            a in arb_duration(),
            b in arb_duration(),
        ) {
            let cal = BusinessCalendar::weekly(tz, intervals, vec![]).unwrap();
            let t = utc(year, 1, 1, 0, 0) + TimeDelta::seconds(secs);
            let end = cal.add(t, a);
            prop_assert_eq!(cal.between(t, end), a);
            prop_assert_eq!(cal.add(end, b), cal.add(t, a + b));
        }
    }
}
