use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use diesel::prelude::*;

use crate::schema::{business_calendars, calendar_holidays, calendar_intervals};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = business_calendars)]
pub struct BusinessCalendar {
    pub id: i64,
    pub name: String,
    pub time_zone: String,
    pub always_open: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = business_calendars)]
pub struct NewBusinessCalendar<'a> {
    pub name: &'a str,
    pub time_zone: &'a str,
    pub always_open: bool,
}

#[derive(Debug, Clone, Queryable, Selectable, Associations)]
#[diesel(table_name = calendar_intervals, belongs_to(BusinessCalendar, foreign_key = calendar_id))]
pub struct CalendarInterval {
    pub id: i64,
    pub calendar_id: i64,
    pub iso_weekday: i16,
    pub start_time: NaiveTime,
    pub end_time: NaiveTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = calendar_intervals)]
pub struct NewCalendarInterval {
    pub calendar_id: i64,
    pub iso_weekday: i16,
    pub start_time: NaiveTime,
    pub end_time: NaiveTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Associations)]
#[diesel(table_name = calendar_holidays, belongs_to(BusinessCalendar, foreign_key = calendar_id))]
pub struct CalendarHoliday {
    pub id: i64,
    pub calendar_id: i64,
    pub name: String,
    pub on_date: Option<NaiveDate>,
    pub month: Option<i16>,
    pub day: Option<i16>,
    pub closed_from: Option<NaiveTime>,
    pub closed_to: Option<NaiveTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = calendar_holidays)]
pub struct NewCalendarHoliday<'a> {
    pub calendar_id: i64,
    pub name: &'a str,
    pub on_date: Option<NaiveDate>,
    pub month: Option<i16>,
    pub day: Option<i16>,
    pub closed_from: Option<NaiveTime>,
    pub closed_to: Option<NaiveTime>,
}
