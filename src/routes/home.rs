use actix_web::{get, web, HttpRequest, HttpResponse};

use super::locale::RequestLocale;
use crate::configuration::Settings;
use crate::db::{self, models::category::Category, Pool};
use crate::error::AppError;
use crate::views::pages::{CatalogueGroup, HomePage};
use crate::views::{Layout, Templates};

/// The first page a citizen sees: what the council can help with, grouped.
#[get("/")]
pub async fn home(
    req: HttpRequest,
    pool: web::Data<Pool>,
    templates: web::Data<Templates>,
    settings: web::Data<Settings>,
    RequestLocale(locale): RequestLocale,
) -> Result<HttpResponse, AppError> {
    let entries = db::run(&pool, |conn| {
        Category::catalogue(conn).map_err(db::DbError::from)
    })
    .await?;
    let page = HomePage {
        layout: Layout::new(
            locale,
            &settings.application.council_name,
            req.uri().path(),
            locale.text("home-title"),
        ),
        category_count: entries.len(),
        groups: CatalogueGroup::group(entries),
    };
    let html = templates.render("home.html", &page)?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(html))
}
