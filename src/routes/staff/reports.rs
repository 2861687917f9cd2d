//! `/staff/reports`: the dashboards (a leader's, a supervisor's, an
//! agent's), each table as CSV, and the tickets behind a number. The period
//! is in the URL (`from`/`to`, both days included, or `preset`); a bad one
//! is a 400 that says why. Scope comes from the reader's role
//! ([`crate::reports::scope_of`]) and goes into every query.

use std::borrow::Cow;
use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{Days, NaiveDate};
use fluent_templates::fluent_bundle::FluentValue;
use serde::Deserialize;

use super::{html, layout};
use crate::auth::csrf;
use crate::auth::policy::Staff;
use crate::auth::session::CurrentStaff;
use crate::clock::Clock;
use crate::configuration::Settings;
use crate::db::{self, Pool};
use crate::error::AppError;
use crate::i18n::Locale;
use crate::reports::drilldown::{self, Figure};
use crate::reports::model::{Dimension, Key, Period, ReportQuery, ReportScope};
use crate::reports::period::{self, Chosen, PeriodError, Preset};
use crate::reports::view::{long_date, Cell, Dashboard, Data, Drill, Names, Table};
use crate::routes::locale::RequestLocale;
use crate::views::reports::{DrillPage, DrillTicket, PeriodForm, PresetChoice, ReportsPage};
use crate::views::staff_accounts::StaffNav;
use crate::views::Templates;

/// Tickets a drill-down lists at most.
pub const DRILL_LIMIT: i64 = 500;

/// Mounted inside the `/staff` scope.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(dashboard).service(csv).service(tickets);
}

/// The reader's report scope, or 403 (administrators have no reports).
pub(crate) fn scope_or_403(staff: &Staff, locale: Locale) -> Result<ReportScope, AppError> {
    crate::reports::scope_of(staff)
        .ok_or_else(|| AppError::Forbidden(locale.text("reports-forbidden")))
}

/// A period problem in the reader's language.
pub(crate) fn period_error_text(e: &PeriodError, locale: Locale) -> String {
    let (key, value) = e.message();
    let args = HashMap::from([
        (Cow::Borrowed("value"), FluentValue::from(value)),
        (
            Cow::Borrowed("max"),
            FluentValue::from(period::MAX_DAYS.to_string()),
        ),
    ]);
    locale.text_with(key, &args)
}

/// "1 Mar 2026 to 31 Mar 2026".
pub(crate) fn period_text(p: &Period, locale: Locale) -> String {
    let args = HashMap::from([
        (Cow::Borrowed("from"), FluentValue::from(long_date(p.from))),
        (
            Cow::Borrowed("to"),
            FluentValue::from(long_date(p.to - Days::new(1))),
        ),
    ]);
    locale.text_with("reports-period-range", &args)
}

pub(crate) fn today(clock: &Clock, settings: &Settings) -> NaiveDate {
    clock
        .now()
        .with_timezone(&settings.application.time_zone)
        .date_naive()
}

pub(crate) fn query(scope: ReportScope, chosen: &Chosen, settings: &Settings) -> ReportQuery {
    ReportQuery {
        scope,
        period: chosen.period,
        zone: settings.application.time_zone,
        min_count: settings.reports.min_count,
    }
}

/// Loads a reader's dashboard for `q`, with names for its keys.
pub(crate) async fn load(
    pool: &Pool,
    settings: &Settings,
    q: ReportQuery,
) -> Result<(Data, Names), AppError> {
    let source = crate::reports::source(settings);
    db::run(pool, move |conn| -> Result<_, AppError> {
        let data = Data::load(conn, source, &q)?;
        let names = Names::load(conn, data.shows_staff())?;
        Ok((data, names))
    })
    .await
}

fn scope_text(staff: &Staff, names: Option<&Names>, locale: Locale) -> String {
    match crate::reports::scope_of(staff) {
        Some(ReportScope::All) => locale.text("reports-scope-all"),
        Some(ReportScope::Departments(ids)) => {
            let mut list: Vec<String> = ids
                .iter()
                .filter_map(|i| names.and_then(|n| n.departments.get(i).cloned()))
                .collect();
            list.sort();
            let args =
                HashMap::from([(Cow::Borrowed("names"), FluentValue::from(list.join(", ")))]);
            locale.text_with("reports-scope-departments", &args)
        }
        _ => locale.text("reports-scope-own"),
    }
}

fn form(query: &str, chosen: Option<&Chosen>) -> PeriodForm {
    let asked = |name: &str| {
        url::form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.chars().take(40).collect::<String>())
    };
    let (from, to) = match chosen {
        Some(c) => (c.period.from.to_string(), c.last_day().to_string()),
        None => (
            asked("from").unwrap_or_default(),
            asked("to").unwrap_or_default(),
        ),
    };
    PeriodForm {
        from,
        to,
        presets: Preset::ALL
            .into_iter()
            .map(|p| PresetChoice {
                value: p.as_str(),
                label_key: format!("reports-preset-{}", p.as_str()),
                href: format!("/staff/reports?preset={}", p.as_str()),
                current: chosen.and_then(|c| c.preset) == Some(p),
            })
            .collect(),
    }
}

#[get("/reports")]
pub async fn dashboard(
    req: HttpRequest,
    staff: CurrentStaff,
    pool: web::Data<Pool>,
    templates: web::Data<Templates>,
    settings: web::Data<Settings>,
    RequestLocale(locale): RequestLocale,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, AppError> {
    let scope = scope_or_403(&staff, locale)?;
    let heading_key = format!("reports-title-{}", staff.role.as_str());
    let (token, cookie) = csrf::token_for(
        &req,
        settings.application.public_base_url.scheme() == "https",
    );
    let nav = StaffNav::new(&staff, StaffNav::REPORTS, &token);
    let mut page_layout = layout(&req, &settings, locale, &heading_key);
    let chosen = period::choose(req.query_string(), today(&clock, &settings), &[]);
    let (status, page) = match chosen {
        Err(e) => {
            page_layout.title = format!(
                "{} – {}",
                locale.text("reports-error-title"),
                page_layout.title
            );
            (
                StatusCode::BAD_REQUEST,
                ReportsPage {
                    layout: page_layout,
                    nav,
                    heading_key,
                    scope_text: scope_text(&staff, None, locale),
                    form: form(req.query_string(), None),
                    period_text: String::new(),
                    previous_text: String::new(),
                    preset_note_key: None,
                    error: Some(period_error_text(&e, locale)),
                    sections: vec![],
                    period_query: String::new(),
                    drill: false,
                    zone: settings.application.time_zone.name().to_string(),
                },
            )
        }
        Ok(chosen) => {
            let drill = staff.works_tickets().then(|| Drill {
                period_query: chosen.query(),
            });
            let (data, names) = load(&pool, &settings, query(scope, &chosen, &settings)).await?;
            let Dashboard { sections } = data.dashboard(&names, locale, drill.as_ref());
            (
                StatusCode::OK,
                ReportsPage {
                    layout: page_layout,
                    nav,
                    heading_key,
                    scope_text: scope_text(&staff, Some(&names), locale),
                    form: form(req.query_string(), Some(&chosen)),
                    period_text: period_text(&chosen.period, locale),
                    previous_text: period_text(&chosen.period.previous(), locale),
                    preset_note_key: chosen
                        .preset
                        .map(|p| format!("reports-preset-note-{}", p.as_str())),
                    error: None,
                    sections,
                    period_query: chosen.query(),
                    drill: drill.is_some(),
                    zone: settings.application.time_zone.name().to_string(),
                },
            )
        }
    };
    let mut res = html(&templates, "staff/reports/dashboard.html", &page, status)?;
    if let Some(c) = cookie {
        res.add_cookie(&c)
            .map_err(|e| AppError::Unexpected(e.into()))?;
    }
    Ok(res)
}

/// A CSV download.
pub(crate) fn csv_response(name: &str, chosen: Option<&Chosen>, body: String) -> HttpResponse {
    let file = match chosen {
        Some(c) => format!("civicdesk-{name}-{}-{}.csv", c.period.from, c.last_day()),
        None => format!("civicdesk-{name}.csv"),
    };
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{file}\""),
        ))
        .insert_header(("Cache-Control", "no-store"))
        .body(body)
}

/// Table ids are short lower-case words with hyphens.
pub(crate) fn valid_table_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 40 && id.chars().all(|c| c.is_ascii_lowercase() || c == '-')
}

#[get("/reports/csv/{table}")]
pub async fn csv(
    req: HttpRequest,
    staff: CurrentStaff,
    table: web::Path<String>,
    pool: web::Data<Pool>,
    settings: web::Data<Settings>,
    RequestLocale(locale): RequestLocale,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, AppError> {
    let scope = scope_or_403(&staff, locale)?;
    let table = table.into_inner();
    if !valid_table_id(&table) {
        return Err(AppError::NotFound);
    }
    let chosen = period::choose(req.query_string(), today(&clock, &settings), &[])
        .map_err(|e| AppError::BadRequest(period_error_text(&e, locale)))?;
    let (data, names) = load(&pool, &settings, query(scope, &chosen, &settings)).await?;
    let dash = data.dashboard(&names, locale, None);
    let t = dash.table(&table).ok_or(AppError::NotFound)?;
    Ok(csv_response(&table, Some(&chosen), t.to_csv()))
}

#[derive(Debug, Deserialize)]
struct DrillQuery {
    figure: Option<String>,
    /// `csv`: the list as a CSV download.
    format: Option<String>,
    by: Option<String>,
    key: Option<String>,
}

/// A breakdown key from the URL: `none`, an id, or a kind or channel name.
fn parse_key(dim: Dimension, key: &str) -> Option<Key> {
    use crate::domain::ticket::Channel;
    use crate::domain::ticket_kind::TicketKind;
    if key == "none" {
        return Some(Key(None));
    }
    let ok = match dim {
        Dimension::Kind => TicketKind::ALL.iter().any(|k| k.as_str() == key),
        Dimension::Channel => Channel::ALL.iter().any(|c| c.as_str() == key),
        _ => key.len() <= 18 && key.parse::<i64>().is_ok_and(|i| i > 0),
    };
    ok.then(|| Key(Some(key.to_string())))
}

#[get("/reports/tickets")]
pub async fn tickets(
    req: HttpRequest,
    staff: CurrentStaff,
    pool: web::Data<Pool>,
    templates: web::Data<Templates>,
    settings: web::Data<Settings>,
    RequestLocale(locale): RequestLocale,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, AppError> {
    // Leaders read aggregates only; administrators have no reports.
    if !staff.works_tickets() {
        return Err(AppError::Forbidden(locale.text("reports-drill-forbidden")));
    }
    let scope = scope_or_403(&staff, locale)?;
    let bad = |key: &str| AppError::BadRequest(locale.text(key));
    let chosen = period::choose(
        req.query_string(),
        today(&clock, &settings),
        &["figure", "by", "key", "format"],
    )
    .map_err(|e| AppError::BadRequest(period_error_text(&e, locale)))?;
    let q: DrillQuery = web::Query::<DrillQuery>::from_query(req.query_string())
        .map_err(|_| bad("reports-drill-bad"))?
        .into_inner();
    let figure = q
        .figure
        .as_deref()
        .and_then(Figure::parse)
        .ok_or_else(|| bad("reports-drill-bad-figure"))?;
    let by = match (q.by.as_deref(), q.key.as_deref()) {
        (None | Some(""), None | Some("")) => None,
        (Some(by), Some(key)) => {
            let dim = Dimension::parse(by).ok_or_else(|| bad("reports-drill-bad-by"))?;
            Some((
                dim,
                parse_key(dim, key).ok_or_else(|| bad("reports-drill-bad-key"))?,
            ))
        }
        _ => return Err(bad("reports-drill-bad-by")),
    };
    let as_csv = match q.format.as_deref() {
        None | Some("") | Some("html") => false,
        Some("csv") => true,
        Some(_) => return Err(bad("reports-drill-bad-format")),
    };
    let rq = query(scope, &chosen, &settings);
    let by2 = by.clone();
    let (rows, names) = db::run(&pool, move |conn| -> Result<_, AppError> {
        let rows = drilldown::tickets(
            conn,
            &rq,
            figure,
            by2.as_ref().map(|(d, k)| (*d, k)),
            DRILL_LIMIT,
        )?;
        Ok((rows, Names::load(conn, true)?))
    })
    .await?;
    let total = rows.first().map_or(0, |r| r.total);
    let figure_key = format!("reports-{}", figure.as_str());
    let mut heading = format!(
        "{} – {}",
        locale.text(&figure_key),
        period_text(&chosen.period, locale)
    );
    if let Some((dim, key)) = &by {
        heading.push_str(" – ");
        heading.push_str(&names.label(*dim, key, locale));
    }
    if as_csv {
        let zone = settings.application.time_zone;
        let local = |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&zone).to_rfc3339();
        let table = Table {
            id: "tickets".into(),
            columns: [
                "reports-col-reference",
                "reports-col-subject",
                "reports-col-status",
                "reports-col-department",
                "reports-col-category",
                "reports-col-created",
                "reports-col-done",
            ]
            .into_iter()
            .map(|k| locale.text(k))
            .collect(),
            rows: rows
                .iter()
                .map(|r| {
                    [
                        r.reference.clone(),
                        r.subject.clone(),
                        r.status.clone(),
                        r.department.clone(),
                        r.category.clone(),
                        local(r.created_at),
                        r.done_at.map(local).unwrap_or_default(),
                    ]
                    .into_iter()
                    .map(Cell::label)
                    .collect()
                })
                .collect(),
        };
        return Ok(csv_response(
            &format!("tickets-{}", figure.as_str()),
            Some(&chosen),
            table.to_csv(),
        ));
    }
    let (token, cookie) = csrf::token_for(
        &req,
        settings.application.public_base_url.scheme() == "https",
    );
    let page = DrillPage {
        layout: layout(&req, &settings, locale, &figure_key),
        nav: StaffNav::new(&staff, StaffNav::REPORTS, &token),
        heading,
        figure_key,
        total,
        truncated: total > rows.len() as i64,
        tickets: rows
            .into_iter()
            .map(|r| DrillTicket {
                href: format!("/staff/tickets/{}", r.reference),
                reference: r.reference,
                subject: r.subject,
                status_key: format!("queues-status-{}", r.status.replace('_', "-")),
                department: r.department,
                category: r.category,
                created_at: r.created_at.to_rfc3339(),
                done_at: r.done_at.map(|d| d.to_rfc3339()),
            })
            .collect(),
        back_href: format!("/staff/reports?{}", chosen.query()),
        csv_href: format!("{}&format=csv", req.uri()),
        zone: settings.application.time_zone.name().to_string(),
    };
    let mut res = html(
        &templates,
        "staff/reports/tickets.html",
        &page,
        StatusCode::OK,
    )?;
    if let Some(c) = cookie {
        res.add_cookie(&c)
            .map_err(|e| AppError::Unexpected(e.into()))?;
    }
    Ok(res)
}
