//! Business calendars: loading them for the SLA engine, and the
//! administrators' use cases (create, change, add and remove opening
//! intervals and holidays, delete), each one transaction that builds the
//! stored rows into a [`BusinessCalendar`] before it commits.
//!
//! Rows and what they mean (see `domain::business_time` for the arithmetic):
//! an interval is an ISO weekday (1 = Monday) and local start and end times,
//! ending on the next day when `end <= start` (`00:00–00:00` is the whole
//! day); a holiday is a date, or a month and day every year, closed all day
//! or for `closed_from..closed_to` (`closed_to = 00:00`: until midnight). A
//! 24x7 calendar has neither.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, NaiveTime, SecondsFormat, TimeDelta, Utc, Weekday};
use chrono_tz::Tz;
use diesel::prelude::*;

use super::{check_name, unique_violation, ConfigError, Problem};
use crate::db::models::calendar::{
    BusinessCalendar as CalendarRow, CalendarHoliday, CalendarInterval, NewBusinessCalendar,
    NewCalendarHoliday, NewCalendarInterval,
};
use crate::domain::business_time::{
    BusinessCalendar, CalendarError, Holiday, HolidayDate, WeeklyInterval,
};
use crate::schema::{
    business_calendars, calendar_holidays, calendar_intervals, departments, sla_clock_events,
    sla_clocks, sla_policies,
};

// ---------------------------------------------------------------------------
// Loading, for the SLA engine

/// A calendar's stored rows.
#[derive(Debug, Clone)]
pub struct StoredCalendar {
    pub calendar: CalendarRow,
    /// By weekday, then start.
    pub intervals: Vec<CalendarInterval>,
    /// Yearly ones by month and day, then one-off ones by date.
    pub holidays: Vec<CalendarHoliday>,
}

/// Stored rows that do not make a calendar. The admin use cases never commit
/// such rows; this is for rows written some other way.
#[derive(Debug, thiserror::Error)]
pub enum StoredCalendarError {
    #[error("calendar {id}: {zone:?} is not an IANA time zone")]
    Zone { id: i64, zone: String },
    #[error("calendar {id}: an opening interval has weekday {weekday}, not 1 to 7")]
    Weekday { id: i64, weekday: i16 },
    #[error("calendar {id}: holiday {holiday} has neither a date nor a month and day")]
    HolidayDate { id: i64, holiday: i64 },
    #[error("calendar {id}: {source}")]
    Rules {
        id: i64,
        #[source]
        source: CalendarError,
    },
}

impl StoredCalendar {
    /// The calendar the rows describe.
    pub fn build(&self) -> Result<BusinessCalendar, StoredCalendarError> {
        let id = self.calendar.id;
        let tz = parse_zone(&self.calendar.time_zone).ok_or_else(|| StoredCalendarError::Zone {
            id,
            zone: self.calendar.time_zone.clone(),
        })?;
        if self.calendar.always_open {
            return Ok(BusinessCalendar::always_open(tz));
        }
        let intervals = self
            .intervals
            .iter()
            .map(|i| {
                Ok(WeeklyInterval::new(
                    weekday_of_iso(i.iso_weekday).ok_or(StoredCalendarError::Weekday {
                        id,
                        weekday: i.iso_weekday,
                    })?,
                    i.start_time,
                    i.end_time,
                ))
            })
            .collect::<Result<Vec<_>, StoredCalendarError>>()?;
        let holidays = self
            .holidays
            .iter()
            .map(|h| {
                holiday_of_row(h).ok_or(StoredCalendarError::HolidayDate { id, holiday: h.id })
            })
            .collect::<Result<Vec<_>, _>>()?;
        BusinessCalendar::weekly(tz, intervals, holidays)
            .map_err(|source| StoredCalendarError::Rules { id, source })
    }
}

fn holiday_of_row(h: &CalendarHoliday) -> Option<Holiday> {
    let date = match (h.on_date, h.month, h.day) {
        (Some(d), _, _) => HolidayDate::OneOff(d),
        (None, Some(month), Some(day)) => HolidayDate::Yearly {
            month: u32::try_from(month).ok()?,
            day: u32::try_from(day).ok()?,
        },
        _ => return None,
    };
    Some(match (h.closed_from, h.closed_to) {
        (Some(from), Some(to)) => Holiday::part_day(date, from, to),
        _ => Holiday::whole_day(date),
    })
}

fn broken(e: StoredCalendarError) -> diesel::result::Error {
    diesel::result::Error::DeserializationError(Box::new(e))
}

/// The stored rows of every calendar in `ids` (all of them with `None`).
pub fn load_stored(
    conn: &mut PgConnection,
    ids: Option<&[i64]>,
) -> QueryResult<Vec<StoredCalendar>> {
    let mut calendars = business_calendars::table
        .select(CalendarRow::as_select())
        .order(business_calendars::name)
        .into_boxed();
    if let Some(ids) = ids {
        calendars = calendars.filter(business_calendars::id.eq_any(ids.to_vec()));
    }
    let calendars: Vec<CalendarRow> = calendars.load(conn)?;
    let ids: Vec<i64> = calendars.iter().map(|c| c.id).collect();
    let intervals: Vec<CalendarInterval> = calendar_intervals::table
        .filter(calendar_intervals::calendar_id.eq_any(&ids))
        .select(CalendarInterval::as_select())
        .order((
            calendar_intervals::iso_weekday,
            calendar_intervals::start_time,
            calendar_intervals::end_time,
        ))
        .load(conn)?;
    let holidays: Vec<CalendarHoliday> = calendar_holidays::table
        .filter(calendar_holidays::calendar_id.eq_any(&ids))
        .select(CalendarHoliday::as_select())
        .order((
            calendar_holidays::on_date.asc().nulls_first(),
            calendar_holidays::month,
            calendar_holidays::day,
            calendar_holidays::id,
        ))
        .load(conn)?;
    let mut intervals_of: HashMap<i64, Vec<CalendarInterval>> = HashMap::new();
    for i in intervals {
        intervals_of.entry(i.calendar_id).or_default().push(i);
    }
    let mut holidays_of: HashMap<i64, Vec<CalendarHoliday>> = HashMap::new();
    for h in holidays {
        holidays_of.entry(h.calendar_id).or_default().push(h);
    }
    let intervals: Vec<Vec<CalendarInterval>> = calendars
        .iter()
        .map(|c| intervals_of.remove(&c.id).unwrap_or_default())
        .collect();
    let holidays: Vec<Vec<CalendarHoliday>> = calendars
        .iter()
        .map(|c| holidays_of.remove(&c.id).unwrap_or_default())
        .collect();
    Ok(calendars
        .into_iter()
        .zip(intervals)
        .zip(holidays)
        .map(|((calendar, intervals), holidays)| StoredCalendar {
            calendar,
            intervals,
            holidays,
        })
        .collect())
}

fn load_one(conn: &mut PgConnection, id: i64) -> QueryResult<Option<StoredCalendar>> {
    Ok(load_stored(conn, Some(&[id]))?.pop())
}

/// The calendar `id` as the arithmetic needs it; `None` if there is none.
/// Rows that do not make a calendar come back as a deserialisation error
/// saying why.
pub fn load_calendar(conn: &mut PgConnection, id: i64) -> QueryResult<Option<BusinessCalendar>> {
    load_one(conn, id)?
        .map(|s| s.build().map_err(broken))
        .transpose()
}

/// Every calendar by id, with its `updated_at` (which changes whenever its
/// hours, holidays, zone or 24x7 flag do).
pub fn load_calendars(
    conn: &mut PgConnection,
) -> QueryResult<HashMap<i64, (BusinessCalendar, DateTime<Utc>)>> {
    load_stored(conn, None)?
        .into_iter()
        .map(|s| {
            let calendar = s.build().map_err(broken)?;
            Ok((s.calendar.id, (calendar, s.calendar.updated_at)))
        })
        .collect()
}

// ---------------------------------------------------------------------------
// What administrators see

/// What uses a calendar (and so keeps it from being deleted).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Usage {
    /// Names of the departments whose calendar it is.
    pub departments: Vec<String>,
    /// Names of the policies that run on it.
    pub policies: Vec<String>,
    /// Tickets whose SLA clocks have counted time on it.
    pub tickets: i64,
}

impl Usage {
    pub fn is_empty(&self) -> bool {
        self.departments.is_empty() && self.policies.is_empty() && self.tickets == 0
    }
}

/// A calendar with its rows and what uses it.
#[derive(Debug, Clone)]
pub struct CalendarView {
    pub stored: StoredCalendar,
    pub usage: Usage,
}

fn usage(conn: &mut PgConnection, id: i64) -> QueryResult<Usage> {
    let departments = departments::table
        .filter(departments::calendar_id.eq(id))
        .select(departments::name)
        .order(departments::name)
        .load(conn)?;
    let policies = sla_policies::table
        .filter(sla_policies::calendar_id.eq(id))
        .select(sla_policies::name)
        .order(sla_policies::name)
        .load(conn)?;
    let logged: i64 = sla_clock_events::table
        .filter(sla_clock_events::calendar_id.eq(id))
        .select(diesel::dsl::count(sla_clock_events::ticket_id).aggregate_distinct())
        .get_result(conn)?;
    let running: i64 = sla_clocks::table
        .filter(sla_clocks::calendar_id.eq(id))
        .select(diesel::dsl::count(sla_clocks::ticket_id).aggregate_distinct())
        .get_result(conn)?;
    Ok(Usage {
        departments,
        policies,
        tickets: logged.max(running),
    })
}

/// Every calendar, by name.
pub fn list(conn: &mut PgConnection) -> QueryResult<Vec<CalendarView>> {
    load_stored(conn, None)?
        .into_iter()
        .map(|stored| {
            let usage = usage(conn, stored.calendar.id)?;
            Ok(CalendarView { stored, usage })
        })
        .collect()
}

pub fn get(conn: &mut PgConnection, id: i64) -> QueryResult<Option<CalendarView>> {
    let Some(stored) = load_one(conn, id)? else {
        return Ok(None);
    };
    let usage = usage(conn, id)?;
    Ok(Some(CalendarView { stored, usage }))
}

/// `(id, name)` of every calendar, by name, for a `<select>`.
pub fn names(conn: &mut PgConnection) -> QueryResult<Vec<(i64, String)>> {
    business_calendars::table
        .select((business_calendars::id, business_calendars::name))
        .order(business_calendars::name)
        .load(conn)
}

// ---------------------------------------------------------------------------
// Parsing what people type

/// An IANA zone, matched without regard to case, e.g. `europe/london`.
pub fn parse_zone(text: &str) -> Option<Tz> {
    let t = text.trim();
    t.parse::<Tz>().ok().or_else(|| {
        chrono_tz::TZ_VARIANTS
            .iter()
            .copied()
            .find(|z| z.name().eq_ignore_ascii_case(t))
    })
}

/// `1`–`7` (ISO, Monday = 1), or an English name (`monday`, `Mon`).
pub fn parse_weekday(text: &str) -> Option<Weekday> {
    let t = text.trim();
    if let Ok(n) = t.parse::<i16>() {
        return weekday_of_iso(n);
    }
    t.parse::<Weekday>().ok()
}

pub fn weekday_of_iso(iso: i16) -> Option<Weekday> {
    u8::try_from(iso.checked_sub(1)?)
        .ok()
        .and_then(|n| Weekday::try_from(n).ok())
}

pub fn iso_of_weekday(w: Weekday) -> i16 {
    w.number_from_monday() as i16
}

/// The lower-case English name the API uses, e.g. `monday`.
pub fn weekday_name(w: Weekday) -> &'static str {
    const NAMES: [&str; 7] = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    NAMES[w.num_days_from_monday() as usize]
}

/// The Fluent key of a weekday's name.
pub fn weekday_key(w: Weekday) -> &'static str {
    const KEYS: [&str; 7] = [
        "sla-admin-weekday-1",
        "sla-admin-weekday-2",
        "sla-admin-weekday-3",
        "sla-admin-weekday-4",
        "sla-admin-weekday-5",
        "sla-admin-weekday-6",
        "sla-admin-weekday-7",
    ];
    KEYS[w.num_days_from_monday() as usize]
}

/// `HH:MM` (or `HH:MM:SS`), 24-hour. With `end`, `24:00` is accepted for
/// midnight at the end of the day (stored as `00:00`).
pub fn parse_time(text: &str, end: bool) -> Option<NaiveTime> {
    let t = text.trim();
    if end && (t == "24:00" || t == "24:00:00") {
        return Some(NaiveTime::MIN);
    }
    let shaped = t.len() == 5 || t.len() == 8;
    if !shaped {
        return None;
    }
    NaiveTime::parse_from_str(t, "%H:%M:%S")
        .or_else(|_| NaiveTime::parse_from_str(t, "%H:%M"))
        .ok()
}

/// `09:00`, or `09:00:30` when there are seconds.
pub fn format_time(t: NaiveTime) -> String {
    use chrono::Timelike;
    if t.second() == 0 {
        t.format("%H:%M").to_string()
    } else {
        t.format("%H:%M:%S").to_string()
    }
}

/// An instant in `tz` as RFC 3339 with that zone's offset.
pub fn local_rfc3339(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz)
        .to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// `prefix.name`, or `name` when there is no prefix.
fn at(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

/// The message for a calendar the arithmetic refuses, at `field`.
pub fn calendar_problem(e: &CalendarError, field: &str) -> Problem {
    match e {
        CalendarError::EmptyInterval {
            weekday,
            start,
            end,
        } => Problem::new(field, "sla-admin-error-empty-interval")
            .with_message("weekday", weekday_key(*weekday))
            .with("start", format_time(*start))
            .with("end", format_time(*end)),
        CalendarError::InvalidYearlyDate { month, day } => {
            Problem::new(field, "sla-admin-error-yearly-date")
                .with("month", month)
                .with("day", day)
        }
        CalendarError::InvalidClosedRange { from, to, .. } => {
            Problem::new(field, "sla-admin-error-closed-range")
                .with("from", format_time(*from))
                .with("to", format_time(*to))
        }
        CalendarError::NoOpenTime => Problem::new(field, "sla-admin-error-no-open-time"),
        CalendarError::AlwaysClosed => Problem::new(field, "sla-admin-error-always-closed"),
    }
}

/// A calendar's name, zone and kind, as entered.
#[derive(Debug, Clone, Default)]
pub struct CalendarInput {
    pub name: String,
    pub time_zone: String,
    pub always_open: bool,
}

/// A weekly opening interval as entered. Problems are reported at
/// `{field}.weekday`, `{field}.start` and `{field}.end` (no prefix when
/// `field` is empty).
#[derive(Debug, Clone, Default)]
pub struct IntervalInput {
    pub field: String,
    pub weekday: String,
    pub start: String,
    pub end: String,
}

/// A holiday as entered. `date` is `YYYY-MM-DD`; with `every_year` only
/// its month and day count, and `MM-DD` also does. Both closing times
/// blank: closed all day. Problems at `{field}.name`, `.date`,
/// `.closed_from`, `.closed_to`.
#[derive(Debug, Clone, Default)]
pub struct HolidayInput {
    pub field: String,
    pub name: String,
    pub date: String,
    pub every_year: bool,
    pub closed_from: String,
    pub closed_to: String,
}

fn check_zone(text: &str, problems: &mut Vec<Problem>) -> Option<Tz> {
    let tz = parse_zone(text);
    if tz.is_none() {
        problems.push(Problem::new("time_zone", "sla-admin-error-zone").with("value", text.trim()));
    }
    tz
}

/// A calendar that is open all of Monday, to check one holiday against.
fn probe(holiday: Holiday) -> Result<BusinessCalendar, CalendarError> {
    BusinessCalendar::weekly(
        chrono_tz::UTC,
        vec![WeeklyInterval::new(
            Weekday::Mon,
            NaiveTime::MIN,
            NaiveTime::MIN,
        )],
        vec![holiday],
    )
}

/// Checks one interval on its own (with the arithmetic's own rules).
pub fn check_interval(
    input: &IntervalInput,
    problems: &mut Vec<Problem>,
) -> Option<WeeklyInterval> {
    let p = input.field.as_str();
    let weekday = parse_weekday(&input.weekday);
    if weekday.is_none() {
        problems.push(
            Problem::new(at(p, "weekday"), "sla-admin-error-weekday")
                .with("value", input.weekday.trim()),
        );
    }
    let start = parse_time(&input.start, false);
    if start.is_none() {
        problems.push(
            Problem::new(at(p, "start"), "sla-admin-error-time").with("value", input.start.trim()),
        );
    }
    let end = parse_time(&input.end, true);
    if end.is_none() {
        problems.push(
            Problem::new(at(p, "end"), "sla-admin-error-time").with("value", input.end.trim()),
        );
    }
    let iv = WeeklyInterval::new(weekday?, start?, end?);
    match BusinessCalendar::weekly(chrono_tz::UTC, vec![iv], vec![]) {
        Ok(_) => Some(iv),
        Err(e) => {
            problems.push(calendar_problem(&e, &at(p, "end")));
            None
        }
    }
}

/// A checked holiday and its name.
#[derive(Debug, Clone)]
pub struct CheckedHoliday {
    pub name: String,
    pub holiday: Holiday,
}

fn parse_holiday_date(text: &str, every_year: bool) -> Result<HolidayDate, bool> {
    let t = text.trim();
    let numbers: Vec<&str> = t.split('-').collect();
    let all_digits = numbers
        .iter()
        .all(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
    // Err(true): shaped like a date but not one; Err(false): not even shaped.
    match (numbers.as_slice(), all_digits) {
        ([y, m, d], true) if y.len() == 4 && m.len() == 2 && d.len() == 2 => {
            if every_year {
                Ok(HolidayDate::Yearly {
                    month: m.parse().map_err(|_| true)?,
                    day: d.parse().map_err(|_| true)?,
                })
            } else {
                NaiveDate::parse_from_str(t, "%Y-%m-%d")
                    .map(HolidayDate::OneOff)
                    .map_err(|_| true)
            }
        }
        ([m, d], true) if every_year && m.len() == 2 && d.len() == 2 => Ok(HolidayDate::Yearly {
            month: m.parse().map_err(|_| true)?,
            day: d.parse().map_err(|_| true)?,
        }),
        _ => Err(false),
    }
}

/// Checks one holiday on its own (with the arithmetic's own rules).
pub fn check_holiday(input: &HolidayInput, problems: &mut Vec<Problem>) -> Option<CheckedHoliday> {
    let p = input.field.as_str();
    let before = problems.len();
    let name = check_name(&input.name, &at(p, "name"), problems);
    let date = match parse_holiday_date(&input.date, input.every_year) {
        Ok(d) => Some(d),
        Err(shaped) => {
            let key = if shaped {
                "sla-admin-error-date-unreal"
            } else if input.every_year {
                "sla-admin-error-date-yearly-format"
            } else {
                "sla-admin-error-date-format"
            };
            problems.push(Problem::new(at(p, "date"), key).with("value", input.date.trim()));
            None
        }
    };
    let (from, to) = (input.closed_from.trim(), input.closed_to.trim());
    let closed = match (from.is_empty(), to.is_empty()) {
        (true, true) => Some(None),
        (false, true) | (true, false) => {
            let field = if from.is_empty() {
                "closed_from"
            } else {
                "closed_to"
            };
            problems.push(Problem::new(at(p, field), "sla-admin-error-part-day-both"));
            None
        }
        (false, false) => {
            let f = parse_time(from, false);
            let t = parse_time(to, true);
            if f.is_none() {
                problems.push(
                    Problem::new(at(p, "closed_from"), "sla-admin-error-time").with("value", from),
                );
            }
            if t.is_none() {
                problems.push(
                    Problem::new(at(p, "closed_to"), "sla-admin-error-time").with("value", to),
                );
            }
            f.zip(t).map(Some)
        }
    };
    let (date, closed) = (date?, closed?);
    let holiday = Holiday { date, closed };
    if let Err(e) = probe(holiday) {
        let field = match e {
            CalendarError::InvalidClosedRange { .. } => "closed_to",
            _ => "date",
        };
        problems.push(calendar_problem(&e, &at(p, field)));
    }
    (problems.len() == before).then_some(CheckedHoliday { name, holiday })
}

fn new_interval_row(calendar_id: i64, iv: &WeeklyInterval) -> NewCalendarInterval {
    NewCalendarInterval {
        calendar_id,
        iso_weekday: iso_of_weekday(iv.weekday),
        start_time: iv.start,
        end_time: iv.end,
    }
}

fn new_holiday_row(calendar_id: i64, h: &CheckedHoliday) -> NewCalendarHoliday<'_> {
    let (on_date, month, day) = match h.holiday.date {
        HolidayDate::OneOff(d) => (Some(d), None, None),
        HolidayDate::Yearly { month, day } => (None, Some(month as i16), Some(day as i16)),
    };
    NewCalendarHoliday {
        calendar_id,
        name: &h.name,
        on_date,
        month,
        day,
        closed_from: h.holiday.closed.map(|c| c.0),
        closed_to: h.holiday.closed.map(|c| c.1),
    }
}

/// Intervals and holidays checked one by one and against each other
/// (the same start twice on a weekday, two holidays on one date).
fn check_rows(
    intervals: &[IntervalInput],
    holidays: &[HolidayInput],
    problems: &mut Vec<Problem>,
) -> (Vec<WeeklyInterval>, Vec<CheckedHoliday>) {
    let mut ivs: Vec<WeeklyInterval> = Vec::new();
    for input in intervals {
        if let Some(iv) = check_interval(input, problems) {
            if ivs
                .iter()
                .any(|o| o.weekday == iv.weekday && o.start == iv.start)
            {
                problems.push(duplicate_interval(&at(&input.field, "start"), &iv));
            } else {
                ivs.push(iv);
            }
        }
    }
    let mut hols: Vec<CheckedHoliday> = Vec::new();
    for input in holidays {
        if let Some(h) = check_holiday(input, problems) {
            if hols.iter().any(|o| o.holiday.date == h.holiday.date) {
                problems.push(duplicate_holiday(
                    &at(&input.field, "date"),
                    &h.holiday.date,
                ));
            } else {
                hols.push(h);
            }
        }
    }
    (ivs, hols)
}

fn duplicate_interval(field: &str, iv: &WeeklyInterval) -> Problem {
    Problem::new(field, "sla-admin-error-interval-duplicate")
        .with_message("weekday", weekday_key(iv.weekday))
        .with("start", format_time(iv.start))
}

fn duplicate_holiday(field: &str, date: &HolidayDate) -> Problem {
    Problem::new(field, "sla-admin-error-holiday-duplicate").with("date", date)
}

fn name_taken(name: &str) -> ConfigError {
    ConfigError::invalid(
        Problem::new("name", "sla-admin-error-calendar-name-taken").with("name", name),
    )
}

/// Locks the calendar row for the rest of the transaction.
fn lock(conn: &mut PgConnection, id: i64) -> Result<CalendarRow, ConfigError> {
    business_calendars::table
        .find(id)
        .select(CalendarRow::as_select())
        .for_update()
        .first(conn)
        .optional()?
        .ok_or(ConfigError::NotFound)
}

/// Builds what is now stored, refusing the change if it is not a calendar;
/// `field` says where the problem shows.
fn verify(conn: &mut PgConnection, id: i64, field: &str) -> Result<(), ConfigError> {
    let stored = load_one(conn, id)?.ok_or(ConfigError::NotFound)?;
    match stored.build() {
        Ok(_) => Ok(()),
        Err(StoredCalendarError::Rules { source, .. }) => {
            Err(ConfigError::invalid(calendar_problem(&source, field)))
        }
        Err(other) => Err(broken(other).into()),
    }
}

// ---------------------------------------------------------------------------
// Use cases

/// Creates a calendar with its intervals and holidays (none for 24x7).
pub fn create(
    conn: &mut PgConnection,
    input: &CalendarInput,
    intervals: &[IntervalInput],
    holidays: &[HolidayInput],
) -> Result<i64, ConfigError> {
    let mut problems = Vec::new();
    let name = check_name(&input.name, "name", &mut problems);
    let tz = check_zone(&input.time_zone, &mut problems);
    if input.always_open && !(intervals.is_empty() && holidays.is_empty()) {
        problems.push(Problem::new(
            "always_open",
            "sla-admin-error-always-open-rows",
        ));
    }
    let (ivs, hols) = check_rows(intervals, holidays, &mut problems);
    if problems.is_empty() && !input.always_open {
        if let Some(tz) = tz {
            let all = hols.iter().map(|h| h.holiday).collect();
            if let Err(e) = BusinessCalendar::weekly(tz, ivs.clone(), all) {
                let field = match e {
                    CalendarError::AlwaysClosed => "holidays",
                    _ => "intervals",
                };
                problems.push(calendar_problem(&e, field));
            }
        }
    }
    let tz = match tz {
        Some(tz) if problems.is_empty() => tz,
        _ => return Err(ConfigError::Invalid(problems)),
    };
    conn.transaction(|conn| {
        let id: i64 = diesel::insert_into(business_calendars::table)
            .values(&NewBusinessCalendar {
                name: &name,
                time_zone: tz.name(),
                always_open: input.always_open,
            })
            .returning(business_calendars::id)
            .get_result(conn)
            .map_err(|e| match unique_violation(&e) {
                Some("business_calendars_name_key") => name_taken(&name),
                _ => e.into(),
            })?;
        let rows: Vec<_> = ivs.iter().map(|iv| new_interval_row(id, iv)).collect();
        diesel::insert_into(calendar_intervals::table)
            .values(&rows)
            .execute(conn)?;
        let rows: Vec<_> = hols.iter().map(|h| new_holiday_row(id, h)).collect();
        diesel::insert_into(calendar_holidays::table)
            .values(&rows)
            .execute(conn)?;
        verify(conn, id, "intervals")?;
        Ok(id)
    })
}

/// Changes a calendar's name, zone and kind. Making it 24x7 removes its
/// intervals and holidays (a 24x7 calendar has none). `intervals` /
/// `holidays`, when given, replace the stored ones (a calendar that stops
/// being 24x7 needs its opening hours this way).
pub fn update(
    conn: &mut PgConnection,
    id: i64,
    input: &CalendarInput,
    intervals: Option<&[IntervalInput]>,
    holidays: Option<&[HolidayInput]>,
) -> Result<(), ConfigError> {
    let mut problems = Vec::new();
    let name = check_name(&input.name, "name", &mut problems);
    let tz = check_zone(&input.time_zone, &mut problems);
    let given_rows =
        intervals.is_some_and(|i| !i.is_empty()) || holidays.is_some_and(|h| !h.is_empty());
    if input.always_open && given_rows {
        problems.push(Problem::new(
            "always_open",
            "sla-admin-error-always-open-rows",
        ));
    }
    let (ivs, hols) = check_rows(
        intervals.unwrap_or_default(),
        holidays.unwrap_or_default(),
        &mut problems,
    );
    let tz = match tz {
        Some(tz) if problems.is_empty() => tz,
        _ => return Err(ConfigError::Invalid(problems)),
    };
    conn.transaction(|conn| {
        lock(conn, id)?;
        diesel::update(business_calendars::table.find(id))
            .set((
                business_calendars::name.eq(&name),
                business_calendars::time_zone.eq(tz.name()),
                business_calendars::always_open.eq(input.always_open),
            ))
            .execute(conn)
            .map_err(|e| match unique_violation(&e) {
                Some("business_calendars_name_key") => name_taken(&name),
                _ => e.into(),
            })?;
        let own_intervals =
            calendar_intervals::table.filter(calendar_intervals::calendar_id.eq(id));
        let own_holidays = calendar_holidays::table.filter(calendar_holidays::calendar_id.eq(id));
        if input.always_open {
            diesel::delete(own_intervals).execute(conn)?;
            diesel::delete(own_holidays).execute(conn)?;
        } else {
            if intervals.is_some() {
                diesel::delete(own_intervals).execute(conn)?;
                let rows: Vec<_> = ivs.iter().map(|iv| new_interval_row(id, iv)).collect();
                diesel::insert_into(calendar_intervals::table)
                    .values(&rows)
                    .execute(conn)?;
            }
            if holidays.is_some() {
                diesel::delete(own_holidays).execute(conn)?;
                let rows: Vec<_> = hols.iter().map(|h| new_holiday_row(id, h)).collect();
                diesel::insert_into(calendar_holidays::table)
                    .values(&rows)
                    .execute(conn)?;
            }
        }
        let stored = load_one(conn, id)?.ok_or(ConfigError::NotFound)?;
        match stored.build() {
            Ok(_) => Ok(()),
            Err(StoredCalendarError::Rules { source, .. }) => {
                let field = match source {
                    CalendarError::AlwaysClosed => "holidays",
                    _ => "intervals",
                };
                Err(ConfigError::invalid(calendar_problem(&source, field)))
            }
            Err(other) => Err(broken(other).into()),
        }
    })
}

/// Deletes a calendar nothing uses.
pub fn delete(conn: &mut PgConnection, id: i64) -> Result<(), ConfigError> {
    conn.transaction(|conn| {
        lock(conn, id)?;
        let used = usage(conn, id)?;
        if !used.departments.is_empty() {
            return Err(ConfigError::in_use(
                Problem::new("delete", "sla-admin-error-calendar-used-by-departments")
                    .with_count("count", used.departments.len())
                    .with("names", used.departments.join(", ")),
            ));
        }
        if !used.policies.is_empty() {
            return Err(ConfigError::in_use(
                Problem::new("delete", "sla-admin-error-calendar-used-by-policies")
                    .with_count("count", used.policies.len())
                    .with("names", used.policies.join(", ")),
            ));
        }
        if used.tickets > 0 {
            return Err(ConfigError::in_use(
                Problem::new("delete", "sla-admin-error-calendar-used-by-tickets")
                    .with_count("count", used.tickets),
            ));
        }
        // Rows first: their triggers touch the calendar, which must still be there.
        diesel::delete(calendar_intervals::table.filter(calendar_intervals::calendar_id.eq(id)))
            .execute(conn)?;
        diesel::delete(calendar_holidays::table.filter(calendar_holidays::calendar_id.eq(id)))
            .execute(conn)?;
        diesel::delete(business_calendars::table.find(id)).execute(conn)?;
        Ok(())
    })
}

/// Adds a weekly opening interval; returns its id.
pub fn add_interval(
    conn: &mut PgConnection,
    id: i64,
    input: &IntervalInput,
) -> Result<i64, ConfigError> {
    let mut problems = Vec::new();
    let Some(iv) = check_interval(input, &mut problems) else {
        return Err(ConfigError::Invalid(problems));
    };
    let start_field = at(&input.field, "start");
    conn.transaction(|conn| {
        let calendar = lock(conn, id)?;
        if calendar.always_open {
            return Err(ConfigError::invalid(Problem::new(
                at(&input.field, "weekday"),
                "sla-admin-error-always-open-rows",
            )));
        }
        let row_id: i64 = diesel::insert_into(calendar_intervals::table)
            .values(&new_interval_row(id, &iv))
            .returning(calendar_intervals::id)
            .get_result(conn)
            .map_err(|e| match unique_violation(&e) {
                Some("calendar_intervals_unique") => {
                    ConfigError::invalid(duplicate_interval(&start_field, &iv))
                }
                _ => e.into(),
            })?;
        verify(conn, id, &start_field)?;
        Ok(row_id)
    })
}

/// Removes an opening interval; the last one of a weekly calendar stays.
pub fn remove_interval(
    conn: &mut PgConnection,
    id: i64,
    interval_id: i64,
) -> Result<(), ConfigError> {
    conn.transaction(|conn| {
        lock(conn, id)?;
        let n = diesel::delete(
            calendar_intervals::table
                .filter(calendar_intervals::calendar_id.eq(id))
                .filter(calendar_intervals::id.eq(interval_id)),
        )
        .execute(conn)?;
        if n == 0 {
            return Err(ConfigError::NotFound);
        }
        match verify(conn, id, "intervals") {
            Err(ConfigError::Invalid(problems))
                if problems
                    .iter()
                    .any(|p| p.key == "sla-admin-error-no-open-time") =>
            {
                Err(ConfigError::Conflict {
                    code: "last_interval",
                    problem: Problem::new("intervals", "sla-admin-error-last-interval"),
                })
            }
            other => other,
        }
    })
}

/// Adds a holiday; returns its id.
pub fn add_holiday(
    conn: &mut PgConnection,
    id: i64,
    input: &HolidayInput,
) -> Result<i64, ConfigError> {
    let mut problems = Vec::new();
    let Some(h) = check_holiday(input, &mut problems) else {
        return Err(ConfigError::Invalid(problems));
    };
    let date_field = at(&input.field, "date");
    conn.transaction(|conn| {
        let calendar = lock(conn, id)?;
        if calendar.always_open {
            return Err(ConfigError::invalid(Problem::new(
                date_field.clone(),
                "sla-admin-error-always-open-rows",
            )));
        }
        let row_id: i64 = diesel::insert_into(calendar_holidays::table)
            .values(&new_holiday_row(id, &h))
            .returning(calendar_holidays::id)
            .get_result(conn)
            .map_err(|e| match unique_violation(&e) {
                Some("calendar_holidays_one_off_key" | "calendar_holidays_yearly_key") => {
                    ConfigError::invalid(duplicate_holiday(&date_field, &h.holiday.date))
                }
                _ => e.into(),
            })?;
        verify(conn, id, &date_field)?;
        Ok(row_id)
    })
}

pub fn remove_holiday(
    conn: &mut PgConnection,
    id: i64,
    holiday_id: i64,
) -> Result<(), ConfigError> {
    conn.transaction(|conn| {
        lock(conn, id)?;
        let n = diesel::delete(
            calendar_holidays::table
                .filter(calendar_holidays::calendar_id.eq(id))
                .filter(calendar_holidays::id.eq(holiday_id)),
        )
        .execute(conn)?;
        if n == 0 {
            return Err(ConfigError::NotFound);
        }
        verify(conn, id, "holidays")
    })
}

// ---------------------------------------------------------------------------
// Preview: what the calendar makes of a deadline

/// How far ahead the preview looks for opening periods.
const PREVIEW_HORIZON_DAYS: i64 = 400;

/// What a calendar makes of a request arriving at `from` with a target of
/// `minutes` business minutes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    pub from: DateTime<Utc>,
    pub minutes: i64,
    pub open_now: bool,
    /// `None`: not within the arithmetic's search horizon (closed for decades).
    pub due_at: Option<DateTime<Utc>>,
    /// The next opening periods from `from` (none listed for 24x7).
    pub periods: Vec<(DateTime<Utc>, DateTime<Utc>)>,
    /// Business minutes from `from` to `to`, when asked.
    pub business_minutes: Option<i64>,
}

pub fn preview(
    calendar: &BusinessCalendar,
    always_open: bool,
    from: DateTime<Utc>,
    minutes: i64,
    periods: usize,
    to: Option<DateTime<Utc>>,
) -> Preview {
    let due_at = TimeDelta::try_minutes(minutes.max(0)).and_then(|d| calendar.checked_add(from, d));
    let periods = if always_open {
        Vec::new()
    } else {
        let horizon = from
            .checked_add_signed(TimeDelta::days(PREVIEW_HORIZON_DAYS))
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        calendar.open_periods(from, horizon).take(periods).collect()
    };
    Preview {
        from,
        minutes,
        open_now: calendar.is_open(from),
        due_at,
        periods,
        business_minutes: to.map(|to| calendar.minutes_between(from, to)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn times_weekdays_and_zones_parse_as_people_type_them() {
        assert_eq!(parse_time("09:30", false), Some(t(9, 30)));
        assert_eq!(parse_time("24:00", true), Some(t(0, 0)));
        assert_eq!(parse_time("24:00", false), None);
        assert_eq!(parse_time("9:30", false), None);
        assert_eq!(parse_time("25:00", false), None);
        assert_eq!(parse_weekday("1"), Some(Weekday::Mon));
        assert_eq!(parse_weekday("Sunday"), Some(Weekday::Sun));
        assert_eq!(parse_weekday("8"), None);
        assert_eq!(parse_weekday("0"), None);
        assert_eq!(parse_zone("europe/london"), Some(chrono_tz::Europe::London));
        assert_eq!(parse_zone("Mars/Olympus"), None);
        assert_eq!(format_time(t(7, 5)), "07:05");
    }

    #[test]
    fn interval_problems_name_their_fields() {
        let mut problems = Vec::new();
        let input = IntervalInput {
            field: "intervals.0".into(),
            weekday: "monday".into(),
            start: "09:00".into(),
            end: "09:00".into(),
        };
        assert!(check_interval(&input, &mut problems).is_none());
        assert_eq!(problems[0].field, "intervals.0.end");
        assert_eq!(problems[0].key, "sla-admin-error-empty-interval");

        let mut problems = Vec::new();
        let input = IntervalInput {
            field: String::new(),
            weekday: "funday".into(),
            start: "22:00".into(),
            end: "06:00".into(),
        };
        assert!(check_interval(&input, &mut problems).is_none());
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].field, "weekday");

        let whole_day = IntervalInput {
            weekday: "7".into(),
            start: "00:00".into(),
            end: "00:00".into(),
            ..IntervalInput::default()
        };
        assert!(check_interval(&whole_day, &mut Vec::new()).is_some());
    }

    #[test]
    fn holiday_dates_and_ranges() {
        let h = |date: &str, every_year: bool, from: &str, to: &str| HolidayInput {
            field: "holiday".into(),
            name: "Day".into(),
            date: date.into(),
            every_year,
            closed_from: from.into(),
            closed_to: to.into(),
        };
        let check = |input: HolidayInput| {
            let mut problems = Vec::new();
            let out = check_holiday(&input, &mut problems);
            (out.map(|c| c.holiday), problems)
        };
        assert_eq!(
            check(h("2026-12-25", false, "", "")).0,
            Some(Holiday::whole_day(HolidayDate::OneOff(
                NaiveDate::from_ymd_opt(2026, 12, 25).unwrap()
            )))
        );
        assert_eq!(
            check(h("12-24", true, "13:00", "24:00")).0,
            Some(Holiday::part_day(
                HolidayDate::Yearly { month: 12, day: 24 },
                t(13, 0),
                t(0, 0)
            ))
        );
        assert!(check(h("2028-02-29", true, "", "")).0.is_some());
        let (none, problems) = check(h("2026-02-30", false, "", ""));
        assert!(none.is_none());
        assert_eq!(problems[0].key, "sla-admin-error-date-unreal");
        assert_eq!(
            check(h("02-30", true, "", "")).1[0].key,
            "sla-admin-error-yearly-date"
        );
        assert_eq!(
            check(h("12-25", false, "", "")).1[0].key,
            "sla-admin-error-date-format"
        );
        assert_eq!(
            check(h("soon", true, "", "")).1[0].key,
            "sla-admin-error-date-yearly-format"
        );
        let (_, problems) = check(h("2026-12-24", false, "13:00", ""));
        assert_eq!(problems[0].field, "holiday.closed_to");
        assert_eq!(problems[0].key, "sla-admin-error-part-day-both");
        let (_, problems) = check(h("2026-12-24", false, "15:00", "13:00"));
        assert_eq!(problems[0].field, "holiday.closed_to");
        assert_eq!(problems[0].key, "sla-admin-error-closed-range");
        let (_, problems) = check(h("2026-12-24", false, "00:00", "00:00"));
        assert_eq!(problems[0].key, "sla-admin-error-closed-range");
    }

    #[test]
    fn the_preview_counts_business_time() {
        let cal = BusinessCalendar::weekly(
            chrono_tz::Europe::London,
            vec![WeeklyInterval::new(Weekday::Mon, t(9, 0), t(17, 0))],
            vec![],
        )
        .unwrap();
        // Monday 2 March 2026, 16:00 GMT: one hour today, seven next Monday.
        let from = DateTime::parse_from_rfc3339("2026-03-02T16:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let p = preview(&cal, false, from, 480, 3, None);
        assert!(p.open_now);
        assert_eq!(
            p.due_at.map(|d| d.to_rfc3339()),
            Some("2026-03-09T16:00:00+00:00".to_string())
        );
        assert_eq!(p.periods.len(), 3);
        assert_eq!(p.periods[0].0, from);
        let always = preview(
            &BusinessCalendar::always_open(chrono_tz::UTC),
            true,
            from,
            60,
            3,
            None,
        );
        assert!(always.periods.is_empty());
        assert_eq!(always.due_at, Some(from + TimeDelta::hours(1)));
    }
}
