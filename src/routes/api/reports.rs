//! `/api/v1/reports`: the dashboards as JSON (`dashboard`) and each of
//! their tables as CSV (`csv/{table}`), scoped by the caller's role exactly
//! as the pages are. Documented in [`ReportsApiDoc`].

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::Days;
use serde::Serialize;

use super::error::ApiError;
use crate::auth::session::CurrentStaff;
use crate::clock::Clock;
use crate::configuration::Settings;
use crate::db::Pool;
use crate::i18n::Locale;
use crate::reports::dashboards::Compared;
use crate::reports::model::{Dimension, Figures, Grain, Held, Key, Period, ReportScope};
use crate::reports::period::{self, Chosen};
use crate::reports::view::{Data, Names};
use crate::routes::staff::reports::{csv_response, load, query, today, valid_table_id};

/// A period as whole days, both included.
#[derive(Debug, Serialize)]
pub struct PeriodOut {
    pub from: chrono::NaiveDate,
    pub to: chrono::NaiveDate,
}

impl From<Period> for PeriodOut {
    fn from(p: Period) -> Self {
        Self {
            from: p.from,
            to: p.to - Days::new(1),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct BucketOut {
    #[serde(flatten)]
    pub period: PeriodOut,
    pub figures: Figures,
}

#[derive(Debug, Serialize)]
pub struct RowOut {
    /// The id (department, category, area, staff), kind or channel; null for
    /// "unassigned" / "unknown".
    pub key: Option<String>,
    pub name: String,
    pub figures: Figures,
}

#[derive(Debug, Serialize)]
pub struct HeldOut {
    pub department_id: i64,
    pub department: String,
    pub minutes: i64,
    pub tickets: i64,
}

#[derive(Debug, Serialize)]
pub struct DashboardOut {
    /// `leader`, `supervisor` or `agent`.
    pub dashboard: &'static str,
    pub scope: ReportScope,
    pub period: PeriodOut,
    pub previous: PeriodOut,
    pub time_zone: String,
    pub min_count: i64,
    pub headline: Compared,
    pub grain: Grain,
    pub series: Vec<BucketOut>,
    pub breakdowns: BTreeMap<&'static str, Vec<RowOut>>,
    pub held: Vec<HeldOut>,
}

fn rows(dim: Dimension, map: &BTreeMap<Key, Figures>, names: &Names) -> Vec<RowOut> {
    map.iter()
        .map(|(k, f)| RowOut {
            key: k.0.clone(),
            name: names.label(dim, k, Locale::En),
            figures: f.clone(),
        })
        .collect()
}

fn out(
    data: &Data,
    names: &Names,
    chosen: &Chosen,
    settings: &Settings,
    scope: ReportScope,
) -> DashboardOut {
    let series = |s: &[(Period, Figures)]| {
        s.iter()
            .map(|(p, f)| BucketOut {
                period: (*p).into(),
                figures: f.clone(),
            })
            .collect()
    };
    let held = |h: &[Held]| {
        h.iter()
            .map(|h| HeldOut {
                department_id: h.department_id,
                department: names
                    .departments
                    .get(&h.department_id)
                    .cloned()
                    .unwrap_or_default(),
                minutes: h.minutes,
                tickets: h.tickets,
            })
            .collect()
    };
    let mut breakdowns = BTreeMap::new();
    let (name, headline, grain, s, h) = match data {
        Data::Leader(d) => {
            breakdowns.insert(
                "department",
                rows(Dimension::Department, &d.departments, names),
            );
            breakdowns.insert("category", rows(Dimension::Category, &d.categories, names));
            breakdowns.insert("channel", rows(Dimension::Channel, &d.channels, names));
            breakdowns.insert("kind", rows(Dimension::Kind, &d.kinds, names));
            breakdowns.insert("area", rows(Dimension::Area, &d.areas, names));
            (
                "leader",
                &d.headline,
                d.grain,
                series(&d.series),
                held(&d.held),
            )
        }
        Data::Supervisor(d) => {
            breakdowns.insert("staff", rows(Dimension::Staff, &d.staff, names));
            breakdowns.insert(
                "department",
                rows(Dimension::Department, &d.departments, names),
            );
            breakdowns.insert("category", rows(Dimension::Category, &d.categories, names));
            breakdowns.insert("channel", rows(Dimension::Channel, &d.channels, names));
            (
                "supervisor",
                &d.headline,
                d.grain,
                series(&d.series),
                held(&d.held),
            )
        }
        Data::Agent(d) => {
            breakdowns.insert("category", rows(Dimension::Category, &d.categories, names));
            ("agent", &d.headline, d.grain, series(&d.series), Vec::new())
        }
    };
    DashboardOut {
        dashboard: name,
        scope,
        period: chosen.period.into(),
        previous: chosen.period.previous().into(),
        time_zone: settings.application.time_zone.name().to_string(),
        min_count: settings.reports.min_count,
        headline: headline.clone(),
        grain,
        series: s,
        breakdowns,
        held: h,
    }
}

fn bad_period(e: period::PeriodError) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "bad_period", e.to_string())
}

fn scope(staff: &CurrentStaff) -> Result<ReportScope, ApiError> {
    crate::reports::scope_of(staff).ok_or_else(|| {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Administrators configure the portal; they have no reports.",
        )
    })
}

/// The caller's dashboard: a leader's (the whole organisation, aggregates
/// only), a supervisor's (their departments, with each staff member) or an
/// agent's (their own tickets). Figures are defined in docs/reports.md;
/// durations are minutes, a percentile of too few values is null.
#[utoipa::path(get, path = "/api/v1/reports/dashboard", tag = "reports",
    security(("bearer" = [])),
    params(
        ("from" = Option<String>, Query, description = "First day, e.g. 2026-03-01 (with `to`)"),
        ("to" = Option<String>, Query, description = "Last day, included, e.g. 2026-03-31"),
        ("preset" = Option<String>, Query, description = "Instead of dates: 7d, 30d (the default), 12m (the 12 whole months before this one) or month"),
    ),
    responses(
        (status = 200, description = "The dashboard's figures, with the previous period's, a time series and breakdowns"),
        (status = 400, description = "A bad period (`bad_period`), with the reason"),
        (status = 401, description = "No valid Bearer token"),
        (status = 403, description = "Administrators have no reports"),
    ))]
#[get("/reports/dashboard")]
pub async fn dashboard(
    req: HttpRequest,
    staff: CurrentStaff,
    pool: web::Data<Pool>,
    settings: web::Data<Settings>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, ApiError> {
    let scope = scope(&staff)?;
    let chosen =
        period::choose(req.query_string(), today(&clock, &settings), &[]).map_err(bad_period)?;
    let (data, names) = load(&pool, &settings, query(scope.clone(), &chosen, &settings)).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(out(&data, &names, &chosen, &settings, scope)))
}

/// One table of the caller's dashboard as CSV, as the page's download
/// links give it: `headline`, `trend`, `backlog-age`, `departments`,
/// `worst-categories`, `channels`, `categories`, `kinds`, `areas`, `held`
/// (leaders); `staff` (supervisors). Durations in minutes, shares as ratios.
#[utoipa::path(get, path = "/api/v1/reports/csv/{table}", tag = "reports",
    security(("bearer" = [])),
    params(
        ("table" = String, Path, description = "The table's id, e.g. departments"),
        ("from" = Option<String>, Query, description = "First day"),
        ("to" = Option<String>, Query, description = "Last day, included"),
        ("preset" = Option<String>, Query, description = "7d, 30d, 12m or month"),
    ),
    responses(
        (status = 200, description = "text/csv", content_type = "text/csv"),
        (status = 400, description = "A bad period"),
        (status = 401, description = "No valid Bearer token"),
        (status = 403, description = "Administrators have no reports"),
        (status = 404, description = "No such table on the caller's dashboard"),
    ))]
#[get("/reports/csv/{table}")]
pub async fn csv(
    req: HttpRequest,
    staff: CurrentStaff,
    table: web::Path<String>,
    pool: web::Data<Pool>,
    settings: web::Data<Settings>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, ApiError> {
    let scope = scope(&staff)?;
    let table = table.into_inner();
    let not_found = || {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "No such table on your dashboard.",
        )
    };
    if !valid_table_id(&table) {
        return Err(not_found());
    }
    let chosen =
        period::choose(req.query_string(), today(&clock, &settings), &[]).map_err(bad_period)?;
    let (data, names) = load(&pool, &settings, query(scope, &chosen, &settings))
        .await
        .map_err(ApiError::from)?;
    let dash = data.dashboard(&names, Locale::En, None);
    let t = dash.table(&table).ok_or_else(not_found)?;
    Ok(csv_response(&table, Some(&chosen), t.to_csv()))
}

/// The report operations, merged into `/api/v1/openapi.json`.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(dashboard, csv),
    tags((name = "reports", description = "Dashboards and their tables, scoped by role (Bearer token)"))
)]
pub struct ReportsApiDoc;
