//! `/statistics`: the public statistics page (no sign-in) and its CSV
//! (`/statistics.csv`): the last six whole months, by month, department and
//! category, with every count under 5 suppressed (see
//! [`crate::reports::public`]).

use actix_web::http::StatusCode;
use actix_web::{get, web, HttpRequest, HttpResponse};

use crate::clock::Clock;
use crate::configuration::Settings;
use crate::db::{self, Pool};
use crate::error::AppError;
use crate::i18n::Locale;
use crate::reports::public;
use crate::reports::view::{Names, Section};
use crate::routes::locale::RequestLocale;
use crate::routes::staff::reports::{csv_response, period_text, today};
use crate::views::reports::StatisticsPage;
use crate::views::{Layout, Templates};

async fn sections(
    pool: &Pool,
    settings: &Settings,
    clock: &Clock,
    locale: Locale,
) -> Result<(public::PublicStats, Vec<Section>), AppError> {
    let source = crate::reports::source(settings);
    let zone = settings.application.time_zone;
    let day = today(clock, settings);
    let min = settings.reports.min_count;
    let (stats, names) = db::run(pool, move |conn| -> Result<_, AppError> {
        let stats = public::figures(conn, source, zone, day, min)?;
        Ok((stats, Names::load(conn, false)?))
    })
    .await?;
    let sections = public::sections(&stats, &names, locale);
    Ok((stats, sections))
}

#[get("/statistics")]
pub async fn page(
    req: HttpRequest,
    pool: web::Data<Pool>,
    templates: web::Data<Templates>,
    settings: web::Data<Settings>,
    RequestLocale(locale): RequestLocale,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, AppError> {
    let (stats, sections) = sections(&pool, &settings, &clock, locale).await?;
    let page = StatisticsPage {
        layout: Layout::new(
            locale,
            &settings.application.council_name,
            req.uri().path(),
            locale.text("statistics-title"),
        ),
        period_text: period_text(&stats.period, locale),
        sections,
    };
    let body = templates.render("statistics.html", &page)?;
    Ok(HttpResponse::build(StatusCode::OK)
        .content_type("text/html; charset=utf-8")
        .body(body))
}

#[get("/statistics.csv")]
pub async fn csv(
    pool: web::Data<Pool>,
    settings: web::Data<Settings>,
    RequestLocale(locale): RequestLocale,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, AppError> {
    let (_, sections) = sections(&pool, &settings, &clock, locale).await?;
    Ok(csv_response(
        "statistics",
        None,
        public::csv(&sections, locale),
    ))
}
