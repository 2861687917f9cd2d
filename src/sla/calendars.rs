//! Business calendars as the SLA engine needs them: the rows of
//! `business_calendars`, `calendar_intervals` and `calendar_holidays` turned
//! into [`BusinessCalendar`]s, the pure arithmetic.

use std::collections::HashMap;

use anyhow::{anyhow, Context};
use chrono::{DateTime, Utc, Weekday};
use diesel::prelude::*;

use crate::db::models::calendar::{CalendarHoliday, CalendarInterval};
use crate::domain::business_time::{BusinessCalendar, Holiday, HolidayDate, WeeklyInterval};
use crate::schema::{business_calendars, calendar_holidays, calendar_intervals};

/// Calendars by id, each with the `updated_at` it was loaded at.
#[derive(Debug, Default, Clone)]
pub struct Calendars {
    by_id: HashMap<i64, (BusinessCalendar, DateTime<Utc>)>,
}

impl Calendars {
    /// Every calendar (a council has a handful).
    pub fn load_all(conn: &mut PgConnection) -> anyhow::Result<Self> {
        Self::load_where(conn, None)
    }

    /// Just these calendars.
    pub fn load(conn: &mut PgConnection, ids: &[i64]) -> anyhow::Result<Self> {
        Self::load_where(conn, Some(ids))
    }

    fn load_where(conn: &mut PgConnection, ids: Option<&[i64]>) -> anyhow::Result<Self> {
        let mut q = business_calendars::table
            .select((
                business_calendars::id,
                business_calendars::time_zone,
                business_calendars::always_open,
                business_calendars::updated_at,
            ))
            .into_boxed();
        let mut iq = calendar_intervals::table
            .select(CalendarInterval::as_select())
            .into_boxed();
        let mut hq = calendar_holidays::table
            .select(CalendarHoliday::as_select())
            .into_boxed();
        if let Some(ids) = ids {
            q = q.filter(business_calendars::id.eq_any(ids.to_vec()));
            iq = iq.filter(calendar_intervals::calendar_id.eq_any(ids.to_vec()));
            hq = hq.filter(calendar_holidays::calendar_id.eq_any(ids.to_vec()));
        }
        let heads: Vec<(i64, String, bool, DateTime<Utc>)> =
            q.load(conn).context("loading calendars")?;
        let mut intervals: HashMap<i64, Vec<CalendarInterval>> = HashMap::new();
        for i in iq.load(conn).context("loading calendar hours")? {
            intervals.entry(i.calendar_id).or_default().push(i);
        }
        let mut holidays: HashMap<i64, Vec<CalendarHoliday>> = HashMap::new();
        for h in hq.load(conn).context("loading calendar holidays")? {
            holidays.entry(h.calendar_id).or_default().push(h);
        }
        let mut by_id = HashMap::new();
        for (id, zone, always_open, updated_at) in heads {
            let cal = build(
                &zone,
                always_open,
                intervals.get(&id).map(Vec::as_slice).unwrap_or(&[]),
                holidays.get(&id).map(Vec::as_slice).unwrap_or(&[]),
            )
            .with_context(|| format!("business calendar {id}"))?;
            by_id.insert(id, (cal, updated_at));
        }
        Ok(Self { by_id })
    }

    pub fn get(&self, id: i64) -> anyhow::Result<&BusinessCalendar> {
        self.by_id
            .get(&id)
            .map(|(c, _)| c)
            .ok_or_else(|| anyhow!("business calendar {id} does not exist"))
    }

    pub fn contains(&self, id: i64) -> bool {
        self.by_id.contains_key(&id)
    }

    /// Loads `ids` not loaded yet.
    pub fn ensure(&mut self, conn: &mut PgConnection, ids: &[i64]) -> anyhow::Result<()> {
        let missing: Vec<i64> = ids
            .iter()
            .copied()
            .filter(|id| !self.by_id.contains_key(id))
            .collect();
        if !missing.is_empty() {
            let more = Self::load(conn, &missing)?;
            self.by_id.extend(more.by_id);
        }
        Ok(())
    }

    pub fn versions(&self) -> impl Iterator<Item = (i64, DateTime<Utc>)> + '_ {
        self.by_id.iter().map(|(id, (_, at))| (*id, *at))
    }
}

/// One calendar from its stored rows.
pub fn build(
    zone: &str,
    always_open: bool,
    intervals: &[CalendarInterval],
    holidays: &[CalendarHoliday],
) -> anyhow::Result<BusinessCalendar> {
    let tz: chrono_tz::Tz = zone
        .parse()
        .map_err(|_| anyhow!("`{zone}` is not an IANA time zone"))?;
    if always_open {
        return Ok(BusinessCalendar::always_open(tz));
    }
    let weekly = intervals
        .iter()
        .map(|i| {
            Ok(WeeklyInterval::new(
                weekday(i.iso_weekday)?,
                i.start_time,
                i.end_time,
            ))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let holidays = holidays
        .iter()
        .map(holiday)
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(BusinessCalendar::weekly(tz, weekly, holidays)?)
}

fn weekday(iso: i16) -> anyhow::Result<Weekday> {
    Ok(match iso {
        1 => Weekday::Mon,
        2 => Weekday::Tue,
        3 => Weekday::Wed,
        4 => Weekday::Thu,
        5 => Weekday::Fri,
        6 => Weekday::Sat,
        7 => Weekday::Sun,
        other => return Err(anyhow!("{other} is not an ISO weekday")),
    })
}

fn holiday(h: &CalendarHoliday) -> anyhow::Result<Holiday> {
    let date = match (h.on_date, h.month, h.day) {
        (Some(d), None, None) => HolidayDate::OneOff(d),
        (None, Some(m), Some(d)) => HolidayDate::Yearly {
            month: u32::try_from(m)?,
            day: u32::try_from(d)?,
        },
        _ => {
            return Err(anyhow!(
                "holiday {} has neither a date nor a month and day",
                h.id
            ))
        }
    };
    Ok(match (h.closed_from, h.closed_to) {
        (Some(from), Some(to)) => Holiday::part_day(date, from, to),
        _ => Holiday::whole_day(date),
    })
}
