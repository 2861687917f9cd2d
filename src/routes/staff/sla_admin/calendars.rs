//! `/staff/admin/calendars`: business calendars (weekly hours, holidays,
//! zone, 24x7), with a preview of what each makes of a deadline.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, LocalResult, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

use super::{duration, notice_key, refusal, Admin};
use crate::db::{self, DbError};
use crate::error::AppError;
use crate::i18n::Locale;
use crate::routes::staff::accounts::{see_other, FormFields};
use crate::sla_config::calendars::{
    self as cal, format_time, weekday_key, weekday_of_iso, CalendarInput, CalendarView,
    HolidayInput, IntervalInput,
};
use crate::sla_config::ConfigError;
use crate::views::sla_admin::{
    errors_in_order, CalendarForm, CalendarListPage, CalendarPage, CalendarRow, HolidayForm,
    HolidayRow, HoursRow, IntervalForm, IntervalRow, KeyChoice, NewCalendarPage, PeriodRow,
    PreviewView, UsageView,
};
use crate::views::staff_accounts::{FormErrors, StaffNav};

const LIST: &str = "/staff/admin/calendars";

fn href(id: i64) -> String {
    format!("{LIST}/{id}")
}

/// The fields of the calendar pages, top to bottom (for the error summary).
const FIELD_ORDER: &[&str] = &[
    "name",
    "time_zone",
    "always_open",
    "hours",
    "intervals",
    "interval",
    "holidays",
    "holiday",
    "preview",
    "delete",
];

/// The preview's target when none is asked for: an 8-hour working day.
const PREVIEW_HOURS: &str = "8";
const PREVIEW_PERIODS: usize = 5;

#[derive(Debug, Deserialize)]
pub struct ShowQuery {
    done: Option<String>,
    /// Local date and time in the calendar's zone, `YYYY-MM-DDTHH:MM`.
    at: Option<String>,
    /// Target in hours (decimals allowed).
    hours: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct CsrfOnly {
    csrf_token: Option<String>,
}

/// The weekly-hours table (`hours.N.start`, `hours.N.end`), empty or as typed.
fn hours_rows(fields: Option<&FormFields>) -> Vec<HoursRow> {
    (1..=7)
        .map(|iso| {
            let value = |part: &str| {
                fields
                    .map(|f| f.text(&format!("hours.{iso}.{part}")))
                    .unwrap_or_default()
            };
            HoursRow {
                iso,
                label_key: weekday_key(weekday_of_iso(iso).expect("1 to 7")).to_string(),
                start: value("start"),
                end: value("end"),
            }
        })
        .collect()
}

/// The filled rows of the weekly-hours table, as intervals.
fn hours_inputs(rows: &[HoursRow]) -> Vec<IntervalInput> {
    rows.iter()
        .filter(|r| !(r.start.trim().is_empty() && r.end.trim().is_empty()))
        .map(|r| IntervalInput {
            field: format!("hours.{}", r.iso),
            weekday: r.iso.to_string(),
            start: r.start.clone(),
            end: r.end.clone(),
        })
        .collect()
}

#[get("/admin/calendars")]
pub async fn list(cx: Admin, query: web::Query<DoneQuery>) -> Result<HttpResponse, AppError> {
    let calendars = db::run(&cx.pool, |conn| cal::list(conn).map_err(DbError::from)).await?;
    let (token, cookie) = cx.csrf();
    let p = CalendarListPage {
        layout: cx.layout("sla-admin-calendars-title"),
        nav: cx.nav(StaffNav::CALENDARS, &token),
        calendars: calendars
            .into_iter()
            .map(|c| CalendarRow {
                href: href(c.stored.calendar.id),
                name: c.stored.calendar.name,
                time_zone: c.stored.calendar.time_zone,
                always_open: c.stored.calendar.always_open,
                interval_count: c.stored.intervals.len(),
                holiday_count: c.stored.holidays.len(),
                departments: c.usage.departments,
                policies: c.usage.policies,
            })
            .collect(),
        notice_key: notice_key(query.done.as_deref()),
        csrf_token: token,
    };
    cx.render("staff/admin/calendars.html", &p, StatusCode::OK, cookie)
}

fn render_new(
    cx: &Admin,
    form: CalendarForm,
    hours: Vec<HoursRow>,
    errors: FormErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (token, cookie) = cx.csrf();
    let p = NewCalendarPage {
        layout: cx.layout("sla-admin-calendar-new-title"),
        nav: cx.nav(StaffNav::CALENDARS, &token),
        form,
        hours,
        error_list: errors_in_order(&errors, FIELD_ORDER),
        errors,
        csrf_token: token,
    };
    cx.render("staff/admin/calendar_new.html", &p, status, cookie)
}

#[get("/admin/calendars/new")]
pub async fn new_form(cx: Admin) -> Result<HttpResponse, AppError> {
    let form = CalendarForm {
        time_zone: cx.settings.application.time_zone.name().to_string(),
        ..CalendarForm::default()
    };
    render_new(
        &cx,
        form,
        hours_rows(None),
        FormErrors::new(),
        StatusCode::OK,
    )
}

fn details_of(fields: &FormFields) -> CalendarForm {
    CalendarForm {
        name: fields.text("name"),
        time_zone: fields.text("time_zone"),
        always_open: fields.get("always_open").is_some(),
    }
}

fn input_of(form: &CalendarForm) -> CalendarInput {
    CalendarInput {
        name: form.name.clone(),
        time_zone: form.time_zone.clone(),
        always_open: form.always_open,
    }
}

#[post("/admin/calendars")]
pub async fn create(cx: Admin, body: web::Bytes) -> Result<HttpResponse, AppError> {
    let fields = FormFields::parse(&body);
    cx.check_csrf(fields.get("csrf_token"))?;
    let form = details_of(&fields);
    let hours = hours_rows(Some(&fields));
    let (input, intervals) = (input_of(&form), hours_inputs(&hours));
    let created = db::run(&cx.pool, move |conn| -> Result<_, DbError> {
        Ok(cal::create(conn, &input, &intervals, &[]))
    })
    .await?;
    match created {
        Ok(id) => {
            tracing::info!(calendar.id = id, actor = cx.admin.id, "calendar created");
            Ok(see_other(format!("{}?done=created", href(id))))
        }
        Err(e) => {
            let (status, errors) = refusal(e, cx.locale)?;
            render_new(&cx, form, hours, errors, status)
        }
    }
}

/// What the calendar page shows besides the calendar.
struct Shown {
    status: StatusCode,
    details: Option<CalendarForm>,
    hours: Option<Vec<HoursRow>>,
    interval_form: IntervalForm,
    holiday_form: HolidayForm,
    errors: FormErrors,
    notice_key: Option<String>,
    preview_at: Option<String>,
    preview_hours: Option<String>,
}

impl Default for Shown {
    fn default() -> Self {
        Self {
            status: StatusCode::OK,
            details: None,
            hours: None,
            interval_form: IntervalForm {
                weekday: "1".into(),
                ..IntervalForm::default()
            },
            holiday_form: HolidayForm::default(),
            errors: FormErrors::new(),
            notice_key: None,
            preview_at: None,
            preview_hours: None,
        }
    }
}

/// An instant in `tz` for people: "Mon 30 Mar 2026, 09:00 BST".
fn local_text(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz)
        .format("%a %-d %b %Y, %H:%M %Z")
        .to_string()
}

/// A local `YYYY-MM-DDTHH:MM` in `tz`: the earlier instant of a repeated
/// hour; `Err` for a time the clocks skip.
fn parse_local(text: &str, tz: Tz) -> Result<DateTime<Utc>, &'static str> {
    let naive = NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%dT%H:%M")
        .map_err(|_| "sla-admin-error-preview-at")?;
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(a, b) => Ok(a.min(b).with_timezone(&Utc)),
        LocalResult::None => Err("sla-admin-error-preview-gap"),
    }
}

fn preview_hours(text: &str) -> Option<i64> {
    let h: f64 = text.trim().replace(',', ".").parse().ok()?;
    (h.is_finite() && h > 0.0 && h <= 100_000.0).then(|| (h * 60.0).round() as i64)
}

/// The preview section, and any problem with what was asked.
fn preview(
    view: &CalendarView,
    now: DateTime<Utc>,
    at: Option<&str>,
    hours: Option<&str>,
    locale: Locale,
    errors: &mut FormErrors,
) -> Result<PreviewView, AppError> {
    let calendar = view
        .stored
        .build()
        .map_err(|e| AppError::Unexpected(e.into()))?;
    let tz = calendar.tz();
    let from = match at.filter(|a| !a.trim().is_empty()) {
        Some(text) => match parse_local(text, tz) {
            Ok(t) => t,
            Err(key) => {
                errors.insert("preview.at".into(), locale.text(key));
                now
            }
        },
        None => now,
    };
    let hours_text = hours.unwrap_or(PREVIEW_HOURS).to_string();
    let minutes = match preview_hours(&hours_text) {
        Some(m) => m,
        None => {
            errors.insert(
                "preview.hours".into(),
                locale.text("sla-admin-error-preview-hours"),
            );
            480
        }
    };
    let p = cal::preview(
        &calendar,
        view.stored.calendar.always_open,
        from,
        minutes,
        PREVIEW_PERIODS,
        None,
    );
    Ok(PreviewView {
        zone: tz.name().to_string(),
        at: from.with_timezone(&tz).format("%Y-%m-%dT%H:%M").to_string(),
        hours: hours_text,
        arrived: local_text(from, tz),
        open_now: p.open_now,
        always_open: view.stored.calendar.always_open,
        due: p.due_at.map(|d| local_text(d, tz)),
        periods: p
            .periods
            .iter()
            .map(|(s, e)| PeriodRow {
                start: local_text(*s, tz),
                end: local_text(*e, tz),
                length: duration((*e - *s).num_minutes(), locale),
            })
            .collect(),
    })
}

async fn render(cx: &Admin, id: i64, mut shown: Shown) -> Result<HttpResponse, AppError> {
    let view = db::run(&cx.pool, move |conn| -> Result<_, AppError> {
        cal::get(conn, id)?.ok_or(AppError::NotFound)
    })
    .await?;
    let locale = cx.locale;
    let preview = preview(
        &view,
        cx.clock.now(),
        shown.preview_at.as_deref(),
        shown.preview_hours.as_deref(),
        locale,
        &mut shown.errors,
    )?;
    let c = &view.stored.calendar;
    let base = href(id);
    let (token, cookie) = cx.csrf();
    let details = shown.details.unwrap_or_else(|| CalendarForm {
        name: c.name.clone(),
        time_zone: c.time_zone.clone(),
        always_open: c.always_open,
    });
    let p = CalendarPage {
        layout: cx.layout_titled(c.name.clone()),
        nav: cx.nav(StaffNav::CALENDARS, &token),
        href: base.clone(),
        name: c.name.clone(),
        time_zone: c.time_zone.clone(),
        always_open: c.always_open,
        usage: UsageView {
            unused: view.usage.is_empty(),
            departments: view.usage.departments.clone(),
            policies: view.usage.policies.clone(),
            tickets: view.usage.tickets,
        },
        details,
        hours: shown.hours.unwrap_or_else(|| hours_rows(None)),
        intervals: view
            .stored
            .intervals
            .iter()
            .map(|i| IntervalRow {
                weekday_key: weekday_of_iso(i.iso_weekday)
                    .map_or("sla-admin-weekday-1", weekday_key)
                    .to_string(),
                start: format_time(i.start_time),
                end: format_time(i.end_time),
                whole_day: i.start_time == i.end_time,
                next_day: i.end_time < i.start_time,
                remove_action: format!("{base}/intervals/{}/delete", i.id),
            })
            .collect(),
        holidays: view
            .stored
            .holidays
            .iter()
            .map(|h| HolidayRow {
                name: h.name.clone(),
                date: match (h.on_date, h.month, h.day) {
                    (Some(d), _, _) => d.to_string(),
                    (None, Some(m), Some(d)) => format!("{m:02}-{d:02}"),
                    _ => String::new(),
                },
                every_year: h.on_date.is_none(),
                closed_from: h.closed_from.map(format_time),
                closed_to: h.closed_to.map(|t| {
                    if t == chrono::NaiveTime::MIN {
                        "24:00".to_string()
                    } else {
                        format_time(t)
                    }
                }),
                remove_action: format!("{base}/holidays/{}/delete", h.id),
            })
            .collect(),
        weekdays: (1..=7)
            .map(|iso| KeyChoice {
                value: iso.to_string(),
                label_key: weekday_key(weekday_of_iso(iso).expect("1 to 7")).to_string(),
                selected: shown.interval_form.weekday == iso.to_string(),
            })
            .collect(),
        interval_form: shown.interval_form,
        holiday_form: shown.holiday_form,
        preview,
        notice_key: shown.notice_key,
        error_list: errors_in_order(&shown.errors, FIELD_ORDER),
        errors: shown.errors,
        csrf_token: token,
    };
    cx.render("staff/admin/calendar.html", &p, shown.status, cookie)
}

#[get("/admin/calendars/{id:\\d+}")]
pub async fn show(
    cx: Admin,
    path: web::Path<i64>,
    query: web::Query<ShowQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let shown = Shown {
        notice_key: notice_key(query.done.as_deref()),
        preview_at: query.at,
        preview_hours: query.hours,
        ..Shown::default()
    };
    render(&cx, path.into_inner(), shown).await
}

/// Back to the page saying why, with what was typed.
async fn refused(
    cx: &Admin,
    id: i64,
    e: ConfigError,
    shown: Shown,
) -> Result<HttpResponse, AppError> {
    let (status, errors) = refusal(e, cx.locale)?;
    render(
        cx,
        id,
        Shown {
            status,
            errors,
            ..shown
        },
    )
    .await
}

#[post("/admin/calendars/{id:\\d+}")]
pub async fn update(
    cx: Admin,
    path: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let fields = FormFields::parse(&body);
    cx.check_csrf(fields.get("csrf_token"))?;
    let form = details_of(&fields);
    // The weekly-hours table is on the form only while the calendar is 24x7.
    let hours = fields
        .get("hours_shown")
        .is_some()
        .then(|| hours_rows(Some(&fields)));
    let input = input_of(&form);
    let intervals = hours.as_deref().map(hours_inputs);
    let result = db::run(&cx.pool, move |conn| -> Result<_, DbError> {
        Ok(cal::update(conn, id, &input, intervals.as_deref(), None))
    })
    .await?;
    match result {
        Ok(()) => Ok(see_other(format!("{}?done=saved", href(id)))),
        Err(e) => {
            let shown = Shown {
                details: Some(form),
                hours,
                ..Shown::default()
            };
            refused(&cx, id, e, shown).await
        }
    }
}

#[post("/admin/calendars/{id:\\d+}/intervals")]
pub async fn add_interval(
    cx: Admin,
    path: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let fields = FormFields::parse(&body);
    cx.check_csrf(fields.get("csrf_token"))?;
    let form = IntervalForm {
        weekday: fields.text("interval.weekday"),
        start: fields.text("interval.start"),
        end: fields.text("interval.end"),
    };
    let input = IntervalInput {
        field: "interval".into(),
        weekday: form.weekday.clone(),
        start: form.start.clone(),
        end: form.end.clone(),
    };
    let result = db::run(&cx.pool, move |conn| -> Result<_, DbError> {
        Ok(cal::add_interval(conn, id, &input))
    })
    .await?;
    match result {
        Ok(_) => Ok(see_other(format!("{}?done=interval-added", href(id)))),
        Err(e) => {
            let shown = Shown {
                interval_form: form,
                ..Shown::default()
            };
            refused(&cx, id, e, shown).await
        }
    }
}

#[post("/admin/calendars/{id:\\d+}/intervals/{interval:\\d+}/delete")]
pub async fn remove_interval(
    cx: Admin,
    path: web::Path<(i64, i64)>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, AppError> {
    let (id, interval) = path.into_inner();
    cx.check_csrf(form.csrf_token.as_deref())?;
    let result = db::run(&cx.pool, move |conn| -> Result<_, DbError> {
        Ok(cal::remove_interval(conn, id, interval))
    })
    .await?;
    match result {
        Ok(()) => Ok(see_other(format!("{}?done=interval-removed", href(id)))),
        Err(e) => refused(&cx, id, e, Shown::default()).await,
    }
}

#[post("/admin/calendars/{id:\\d+}/holidays")]
pub async fn add_holiday(
    cx: Admin,
    path: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let fields = FormFields::parse(&body);
    cx.check_csrf(fields.get("csrf_token"))?;
    let form = HolidayForm {
        name: fields.text("holiday.name"),
        date: fields.text("holiday.date"),
        every_year: fields.get("holiday.every_year").is_some(),
        closed_from: fields.text("holiday.closed_from"),
        closed_to: fields.text("holiday.closed_to"),
    };
    let input = HolidayInput {
        field: "holiday".into(),
        name: form.name.clone(),
        date: form.date.clone(),
        every_year: form.every_year,
        closed_from: form.closed_from.clone(),
        closed_to: form.closed_to.clone(),
    };
    let result = db::run(&cx.pool, move |conn| -> Result<_, DbError> {
        Ok(cal::add_holiday(conn, id, &input))
    })
    .await?;
    match result {
        Ok(_) => Ok(see_other(format!("{}?done=holiday-added", href(id)))),
        Err(e) => {
            let shown = Shown {
                holiday_form: form,
                ..Shown::default()
            };
            refused(&cx, id, e, shown).await
        }
    }
}

#[post("/admin/calendars/{id:\\d+}/holidays/{holiday:\\d+}/delete")]
pub async fn remove_holiday(
    cx: Admin,
    path: web::Path<(i64, i64)>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, AppError> {
    let (id, holiday) = path.into_inner();
    cx.check_csrf(form.csrf_token.as_deref())?;
    let result = db::run(&cx.pool, move |conn| -> Result<_, DbError> {
        Ok(cal::remove_holiday(conn, id, holiday))
    })
    .await?;
    match result {
        Ok(()) => Ok(see_other(format!("{}?done=holiday-removed", href(id)))),
        Err(e) => refused(&cx, id, e, Shown::default()).await,
    }
}

#[post("/admin/calendars/{id:\\d+}/delete")]
pub async fn delete(
    cx: Admin,
    path: web::Path<i64>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    cx.check_csrf(form.csrf_token.as_deref())?;
    let result = db::run(&cx.pool, move |conn| -> Result<_, DbError> {
        Ok(cal::delete(conn, id))
    })
    .await?;
    match result {
        Ok(()) => {
            tracing::info!(calendar.id = id, actor = cx.admin.id, "calendar deleted");
            Ok(see_other(format!("{LIST}?done=deleted")))
        }
        Err(e) => refused(&cx, id, e, Shown::default()).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preview_times_in_the_calendars_zone() {
        let london = chrono_tz::Europe::London;
        // 01:30 on 29 March 2026 does not exist in London; on 25 October it
        // happens twice (the earlier is BST).
        assert_eq!(
            parse_local("2026-03-29T01:30", london),
            Err("sla-admin-error-preview-gap")
        );
        assert_eq!(
            parse_local("2026-10-25T01:30", london)
                .unwrap()
                .to_rfc3339(),
            "2026-10-25T00:30:00+00:00"
        );
        assert_eq!(
            parse_local("tomorrow", london),
            Err("sla-admin-error-preview-at")
        );
        assert_eq!(preview_hours("8"), Some(480));
        assert_eq!(preview_hours("1,5"), Some(90));
        assert_eq!(preview_hours("0"), None);
        assert_eq!(preview_hours("NaN"), None);
        let at = parse_local("2026-07-01T09:00", london).unwrap();
        assert_eq!(local_text(at, london), "Wed 1 Jul 2026, 09:00 BST");
    }
}
