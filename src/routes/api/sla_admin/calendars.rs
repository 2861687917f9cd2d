//! `/api/v1/admin/calendars`: business calendars, their opening intervals
//! and holidays, and a preview of what a calendar makes of a deadline.

use actix_web::http::{header, StatusCode};
use actix_web::{delete, get, post, put, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

use super::{api_error, path_id};
use crate::auth::sla_admin::SlaAdmin;
use crate::clock::Clock;
use crate::db::{self, DbError, Pool};
use crate::routes::api::error::ApiError;
use crate::sla_config::calendars::{
    self as cal, format_time, local_rfc3339, weekday_name, weekday_of_iso, CalendarInput,
    CalendarView, HolidayInput, IntervalInput,
};
use crate::sla_config::{ConfigError, Problem, MAX_TARGET_MINUTES};

const NOT_FOUND: &str = "No such calendar.";
const NO_INTERVAL: &str = "No such calendar, or no such opening interval on it.";
const NO_HOLIDAY: &str = "No such calendar, or no such holiday on it.";

/// A weekly opening interval.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IntervalOut {
    pub id: i64,
    /// monday … sunday: the day it starts.
    pub weekday: String,
    /// Local time, HH:MM.
    pub start: String,
    /// Local time, HH:MM; at or before `start` it is on the next day
    /// (00:00 to 00:00 is the whole day).
    pub end: String,
    pub ends_next_day: bool,
}

/// A day on which the calendar is closed, wholly or in part.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HolidayOut {
    pub id: i64,
    pub name: String,
    /// YYYY-MM-DD, or MM-DD when it is every year.
    pub date: String,
    pub every_year: bool,
    /// Closed from (local HH:MM); none when closed all day.
    pub closed_from: Option<String>,
    /// Closed until (local HH:MM; 24:00 is the end of the day).
    pub closed_to: Option<String>,
}

/// What uses the calendar (and so keeps it from being deleted).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CalendarUsageOut {
    /// Names of the departments whose calendar it is.
    pub departments: Vec<String>,
    /// Names of the SLA policies that run on it.
    pub policies: Vec<String>,
    /// Tickets whose SLA clocks have counted time on it.
    pub tickets: i64,
}

/// A business calendar.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CalendarOut {
    pub id: i64,
    pub name: String,
    /// An IANA zone; intervals and holidays are its local time.
    pub time_zone: String,
    /// 24x7: every minute counts; no intervals, no holidays.
    pub always_open: bool,
    /// By weekday, then start.
    pub intervals: Vec<IntervalOut>,
    pub holidays: Vec<HolidayOut>,
    pub used_by: CalendarUsageOut,
    /// Changes with the hours, holidays, zone or 24x7 flag.
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CalendarListOut {
    /// By name.
    pub items: Vec<CalendarOut>,
}

impl From<CalendarView> for CalendarOut {
    fn from(v: CalendarView) -> Self {
        let c = v.stored.calendar;
        Self {
            id: c.id,
            name: c.name,
            time_zone: c.time_zone,
            always_open: c.always_open,
            intervals: v
                .stored
                .intervals
                .into_iter()
                .map(|i| IntervalOut {
                    id: i.id,
                    weekday: weekday_of_iso(i.iso_weekday)
                        .map_or("?", weekday_name)
                        .to_string(),
                    start: format_time(i.start_time),
                    end: format_time(i.end_time),
                    ends_next_day: i.end_time <= i.start_time,
                })
                .collect(),
            holidays: v
                .stored
                .holidays
                .into_iter()
                .map(|h| HolidayOut {
                    id: h.id,
                    date: match (h.on_date, h.month, h.day) {
                        (Some(d), _, _) => d.to_string(),
                        (None, Some(m), Some(d)) => format!("{m:02}-{d:02}"),
                        _ => String::new(),
                    },
                    every_year: h.on_date.is_none(),
                    closed_from: h.closed_from.map(format_time),
                    closed_to: h.closed_to.map(|t| {
                        if t == NaiveTime::MIN {
                            "24:00".into()
                        } else {
                            format_time(t)
                        }
                    }),
                    name: h.name,
                })
                .collect(),
            used_by: CalendarUsageOut {
                departments: v.usage.departments,
                policies: v.usage.policies,
                tickets: v.usage.tickets,
            },
            updated_at: c.updated_at,
        }
    }
}

/// A weekly opening interval to add.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntervalIn {
    /// monday … sunday (or 1 … 7, Monday = 1).
    #[serde(default)]
    pub weekday: String,
    /// Local HH:MM, 24-hour.
    #[serde(default)]
    pub start: String,
    /// Local HH:MM; at or before `start` it ends on the next day; 00:00 with
    /// a start of 00:00 is the whole day; 24:00 is midnight.
    #[serde(default)]
    pub end: String,
}

/// A holiday to add.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HolidayIn {
    #[serde(default)]
    pub name: String,
    /// YYYY-MM-DD; with `every_year`, only its month and day count (MM-DD works too).
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub every_year: bool,
    /// Closed from (local HH:MM). Leave both times out to close all day.
    pub closed_from: Option<String>,
    /// Closed until (local HH:MM; 24:00 for the end of the day).
    pub closed_to: Option<String>,
}

/// A new calendar.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarIn {
    #[serde(default)]
    pub name: String,
    /// An IANA zone such as Europe/London.
    #[serde(default)]
    pub time_zone: String,
    /// 24x7: then give no intervals and no holidays.
    #[serde(default)]
    pub always_open: bool,
    /// At least one for a weekly calendar.
    #[serde(default)]
    pub intervals: Vec<IntervalIn>,
    #[serde(default)]
    pub holidays: Vec<HolidayIn>,
}

/// A calendar's new name, zone and kind. Making it 24x7 removes its
/// intervals and holidays; `intervals` / `holidays`, when given, replace them.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarUpdateIn {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub time_zone: String,
    #[serde(default)]
    pub always_open: bool,
    pub intervals: Option<Vec<IntervalIn>>,
    pub holidays: Option<Vec<HolidayIn>>,
}

fn interval_input(field: String, i: IntervalIn) -> IntervalInput {
    IntervalInput {
        field,
        weekday: i.weekday,
        start: i.start,
        end: i.end,
    }
}

fn holiday_input(field: String, h: HolidayIn) -> HolidayInput {
    HolidayInput {
        field,
        name: h.name,
        date: h.date,
        every_year: h.every_year,
        closed_from: h.closed_from.unwrap_or_default(),
        closed_to: h.closed_to.unwrap_or_default(),
    }
}

fn intervals_of(list: Vec<IntervalIn>) -> Vec<IntervalInput> {
    list.into_iter()
        .enumerate()
        .map(|(n, i)| interval_input(format!("intervals.{n}"), i))
        .collect()
}

fn holidays_of(list: Vec<HolidayIn>) -> Vec<HolidayInput> {
    list.into_iter()
        .enumerate()
        .map(|(n, h)| holiday_input(format!("holidays.{n}"), h))
        .collect()
}

/// The calendar as it now stands.
fn out(conn: &mut diesel::PgConnection, id: i64) -> Result<CalendarOut, ApiError> {
    cal::get(conn, id)
        .map_err(DbError::from)?
        .map(CalendarOut::from)
        .ok_or_else(|| api_error(ConfigError::NotFound, NOT_FOUND))
}

fn created(calendar: CalendarOut) -> HttpResponse {
    HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/admin/calendars/{}", calendar.id),
        ))
        .json(calendar)
}

#[utoipa::path(get, path = "/api/v1/admin/calendars", tag = "admin",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every business calendar, by name", body = CalendarListOut),
        (status = 401, description = "No valid Bearer token"),
        (status = 403, description = "Not an administrator"),
    ))]
#[get("/admin/calendars")]
pub async fn list_calendars(
    _admin: SlaAdmin,
    pool: web::Data<Pool>,
) -> Result<HttpResponse, ApiError> {
    let items = db::run(&pool, |conn| cal::list(conn).map_err(DbError::from)).await?;
    Ok(HttpResponse::Ok().json(CalendarListOut {
        items: items.into_iter().map(CalendarOut::from).collect(),
    }))
}

#[utoipa::path(post, path = "/api/v1/admin/calendars", tag = "admin",
    request_body = CalendarIn,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = CalendarOut),
        (status = 400, description = "Malformed JSON"),
        (status = 401, description = "No valid Bearer token"),
        (status = 403, description = "Not an administrator"),
        (status = 422, description = "What is wrong, per field in error.fields (e.g. intervals.0.end); nothing is stored"),
    ))]
#[post("/admin/calendars")]
pub async fn create_calendar(
    admin: SlaAdmin,
    body: web::Json<CalendarIn>,
    pool: web::Data<Pool>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let input = CalendarInput {
        name: body.name,
        time_zone: body.time_zone,
        always_open: body.always_open,
    };
    let (intervals, holidays) = (intervals_of(body.intervals), holidays_of(body.holidays));
    let calendar = db::run(&pool, move |conn| -> Result<_, ApiError> {
        let id = cal::create(conn, &input, &intervals, &holidays)
            .map_err(|e| api_error(e, NOT_FOUND))?;
        out(conn, id)
    })
    .await?;
    tracing::info!(
        calendar.id = calendar.id,
        actor = admin.id,
        "calendar created"
    );
    Ok(created(calendar))
}

#[utoipa::path(get, path = "/api/v1/admin/calendars/{id}", tag = "admin",
    params(("id" = i64, Path, description = "The calendar's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The calendar", body = CalendarOut),
        (status = 401, description = "No valid Bearer token"),
        (status = 403, description = "Not an administrator"),
        (status = 404, description = "No such calendar"),
    ))]
#[get("/admin/calendars/{id}")]
pub async fn get_calendar(
    _admin: SlaAdmin,
    path: web::Path<String>,
    pool: web::Data<Pool>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path, NOT_FOUND)?;
    let calendar = db::run(&pool, move |conn| out(conn, id)).await?;
    Ok(HttpResponse::Ok().json(calendar))
}

#[utoipa::path(put, path = "/api/v1/admin/calendars/{id}", tag = "admin",
    params(("id" = i64, Path, description = "The calendar's id")),
    request_body = CalendarUpdateIn,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed", body = CalendarOut),
        (status = 400, description = "Malformed JSON"),
        (status = 401, description = "No valid Bearer token"),
        (status = 403, description = "Not an administrator"),
        (status = 404, description = "No such calendar"),
        (status = 422, description = "What is wrong, per field; nothing is changed"),
    ))]
#[put("/admin/calendars/{id}")]
pub async fn update_calendar(
    admin: SlaAdmin,
    path: web::Path<String>,
    body: web::Json<CalendarUpdateIn>,
    pool: web::Data<Pool>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path, NOT_FOUND)?;
    let body = body.into_inner();
    let input = CalendarInput {
        name: body.name,
        time_zone: body.time_zone,
        always_open: body.always_open,
    };
    let intervals = body.intervals.map(intervals_of);
    let holidays = body.holidays.map(holidays_of);
    let calendar = db::run(&pool, move |conn| -> Result<_, ApiError> {
        cal::update(conn, id, &input, intervals.as_deref(), holidays.as_deref())
            .map_err(|e| api_error(e, NOT_FOUND))?;
        out(conn, id)
    })
    .await?;
    tracing::info!(calendar.id = id, actor = admin.id, "calendar changed");
    Ok(HttpResponse::Ok().json(calendar))
}

#[utoipa::path(delete, path = "/api/v1/admin/calendars/{id}", tag = "admin",
    params(("id" = i64, Path, description = "The calendar's id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No valid Bearer token"),
        (status = 403, description = "Not an administrator"),
        (status = 404, description = "No such calendar"),
        (status = 409, description = "in_use: a department, policy or ticket uses it; error.message says which"),
    ))]
#[delete("/admin/calendars/{id}")]
pub async fn delete_calendar(
    admin: SlaAdmin,
    path: web::Path<String>,
    pool: web::Data<Pool>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path, NOT_FOUND)?;
    db::run(&pool, move |conn| -> Result<_, ApiError> {
        cal::delete(conn, id).map_err(|e| api_error(e, NOT_FOUND))
    })
    .await?;
    tracing::info!(calendar.id = id, actor = admin.id, "calendar deleted");
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(post, path = "/api/v1/admin/calendars/{id}/intervals", tag = "admin",
    params(("id" = i64, Path, description = "The calendar's id")),
    request_body = IntervalIn,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Added; the calendar as it now stands", body = CalendarOut),
        (status = 400, description = "Malformed JSON"),
        (status = 401, description = "No valid Bearer token"),
        (status = 403, description = "Not an administrator"),
        (status = 404, description = "No such calendar"),
        (status = 422, description = "What is wrong (weekday, start, end); nothing is stored"),
    ))]
#[post("/admin/calendars/{id}/intervals")]
pub async fn add_interval(
    _admin: SlaAdmin,
    path: web::Path<String>,
    body: web::Json<IntervalIn>,
    pool: web::Data<Pool>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path, NOT_FOUND)?;
    let input = interval_input(String::new(), body.into_inner());
    let calendar = db::run(&pool, move |conn| -> Result<_, ApiError> {
        cal::add_interval(conn, id, &input).map_err(|e| api_error(e, NOT_FOUND))?;
        out(conn, id)
    })
    .await?;
    Ok(HttpResponse::Created().json(calendar))
}

#[utoipa::path(delete, path = "/api/v1/admin/calendars/{id}/intervals/{interval_id}", tag = "admin",
    params(("id" = i64, Path, description = "The calendar's id"),
           ("interval_id" = i64, Path, description = "The interval's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Removed; the calendar as it now stands", body = CalendarOut),
        (status = 401, description = "No valid Bearer token"),
        (status = 403, description = "Not an administrator"),
        (status = 404, description = "No such calendar or interval"),
        (status = 409, description = "last_interval: a weekly calendar keeps at least one"),
    ))]
#[delete("/admin/calendars/{id}/intervals/{interval_id}")]
pub async fn remove_interval(
    _admin: SlaAdmin,
    path: web::Path<(String, String)>,
    pool: web::Data<Pool>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path.0, NOT_FOUND)?;
    let interval = path_id(&path.1, NO_INTERVAL)?;
    let calendar = db::run(&pool, move |conn| -> Result<_, ApiError> {
        cal::remove_interval(conn, id, interval).map_err(|e| api_error(e, NO_INTERVAL))?;
        out(conn, id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(calendar))
}

#[utoipa::path(post, path = "/api/v1/admin/calendars/{id}/holidays", tag = "admin",
    params(("id" = i64, Path, description = "The calendar's id")),
    request_body = HolidayIn,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Added; the calendar as it now stands", body = CalendarOut),
        (status = 400, description = "Malformed JSON"),
        (status = 401, description = "No valid Bearer token"),
        (status = 403, description = "Not an administrator"),
        (status = 404, description = "No such calendar"),
        (status = 422, description = "What is wrong (name, date, closed_from, closed_to); nothing is stored"),
    ))]
#[post("/admin/calendars/{id}/holidays")]
pub async fn add_holiday(
    _admin: SlaAdmin,
    path: web::Path<String>,
    body: web::Json<HolidayIn>,
    pool: web::Data<Pool>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path, NOT_FOUND)?;
    let input = holiday_input(String::new(), body.into_inner());
    let calendar = db::run(&pool, move |conn| -> Result<_, ApiError> {
        cal::add_holiday(conn, id, &input).map_err(|e| api_error(e, NOT_FOUND))?;
        out(conn, id)
    })
    .await?;
    Ok(HttpResponse::Created().json(calendar))
}

#[utoipa::path(delete, path = "/api/v1/admin/calendars/{id}/holidays/{holiday_id}", tag = "admin",
    params(("id" = i64, Path, description = "The calendar's id"),
           ("holiday_id" = i64, Path, description = "The holiday's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Removed; the calendar as it now stands", body = CalendarOut),
        (status = 401, description = "No valid Bearer token"),
        (status = 403, description = "Not an administrator"),
        (status = 404, description = "No such calendar or holiday"),
    ))]
#[delete("/admin/calendars/{id}/holidays/{holiday_id}")]
pub async fn remove_holiday(
    _admin: SlaAdmin,
    path: web::Path<(String, String)>,
    pool: web::Data<Pool>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path.0, NOT_FOUND)?;
    let holiday = path_id(&path.1, NO_HOLIDAY)?;
    let calendar = db::run(&pool, move |conn| -> Result<_, ApiError> {
        cal::remove_holiday(conn, id, holiday).map_err(|e| api_error(e, NO_HOLIDAY))?;
        out(conn, id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(calendar))
}

/// What to preview.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PreviewQuery {
    /// When the request arrives (RFC 3339, e.g. 2026-03-27T16:00:00Z); now when left out.
    pub from: Option<DateTime<Utc>>,
    /// The target in business minutes (0 to 5256000); 480 when left out.
    pub minutes: Option<i64>,
    /// Also count the business minutes from `from` to this instant.
    pub to: Option<DateTime<Utc>>,
    /// How many opening periods to list (1 to 50); 5 when left out.
    pub periods: Option<usize>,
}

/// An opening period.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PeriodOut {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// `start` in the calendar's zone, with its offset.
    pub start_local: String,
    pub end_local: String,
    pub minutes: i64,
}

/// What the calendar makes of a request arriving at `from`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PreviewOut {
    pub calendar_id: i64,
    pub time_zone: String,
    pub always_open: bool,
    pub from: DateTime<Utc>,
    /// `from` in the calendar's zone, with its offset.
    pub from_local: String,
    pub open_at_from: bool,
    /// The target, in business minutes.
    pub minutes: i64,
    /// When `minutes` of open time have passed since `from`; null when
    /// that is not within twenty years (closed for too long).
    pub due_at: Option<DateTime<Utc>>,
    pub due_at_local: Option<String>,
    pub to: Option<DateTime<Utc>>,
    /// Business minutes from `from` to `to` (whole minutes, rounded down), when `to` is given.
    pub business_minutes: Option<i64>,
    /// The next opening periods from `from` (none listed for 24x7).
    pub open_periods: Vec<PeriodOut>,
}

#[utoipa::path(get, path = "/api/v1/admin/calendars/{id}/preview", tag = "admin",
    params(("id" = i64, Path, description = "The calendar's id"), PreviewQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The due instant and the next opening periods", body = PreviewOut),
        (status = 400, description = "A parameter is not what it should be (e.g. not an RFC 3339 instant)"),
        (status = 401, description = "No valid Bearer token"),
        (status = 403, description = "Not an administrator"),
        (status = 404, description = "No such calendar"),
        (status = 422, description = "minutes or periods out of range"),
    ))]
#[get("/admin/calendars/{id}/preview")]
pub async fn preview(
    req: HttpRequest,
    _admin: SlaAdmin,
    path: web::Path<String>,
    pool: web::Data<Pool>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path, NOT_FOUND)?;
    let query = web::Query::<PreviewQuery>::from_query(req.query_string())
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad_query", e.to_string()))?
        .into_inner();
    let minutes = query.minutes.unwrap_or(480);
    let periods = query.periods.unwrap_or(5);
    let mut problems = Vec::new();
    if !(0..=MAX_TARGET_MINUTES).contains(&minutes) {
        problems.push(
            Problem::new("minutes", "sla-admin-error-target-range")
                .with_message("target", "sla-admin-target-name-resolution")
                .with("value", minutes)
                .with("max", MAX_TARGET_MINUTES),
        );
    }
    if !(1..=50).contains(&periods) {
        problems.push(Problem::new("periods", "sla-admin-error-preview-periods"));
    }
    if !problems.is_empty() {
        return Err(api_error(ConfigError::Invalid(problems), NOT_FOUND));
    }
    let from = query.from.unwrap_or_else(|| clock.now());
    let view = db::run(&pool, move |conn| -> Result<_, ApiError> {
        cal::get(conn, id)
            .map_err(DbError::from)?
            .ok_or_else(|| api_error(ConfigError::NotFound, NOT_FOUND))
    })
    .await?;
    let calendar = view
        .stored
        .build()
        .map_err(|e| ApiError::from(crate::error::AppError::Unexpected(e.into())))?;
    let tz = calendar.tz();
    let always_open = view.stored.calendar.always_open;
    let p = cal::preview(&calendar, always_open, from, minutes, periods, query.to);
    Ok(HttpResponse::Ok().json(PreviewOut {
        calendar_id: id,
        time_zone: tz.name().to_string(),
        always_open,
        from,
        from_local: local_rfc3339(from, tz),
        open_at_from: p.open_now,
        minutes,
        due_at: p.due_at,
        due_at_local: p.due_at.map(|d| local_rfc3339(d, tz)),
        to: query.to,
        business_minutes: p.business_minutes,
        open_periods: p
            .periods
            .into_iter()
            .map(|(s, e)| PeriodOut {
                start: s,
                end: e,
                start_local: local_rfc3339(s, tz),
                end_local: local_rfc3339(e, tz),
                minutes: (e - s).num_minutes(),
            })
            .collect(),
    }))
}

pub fn services() -> impl actix_web::dev::HttpServiceFactory {
    (
        list_calendars,
        create_calendar,
        get_calendar,
        update_calendar,
        delete_calendar,
        add_interval,
        remove_interval,
        add_holiday,
        remove_holiday,
        preview,
    )
}
