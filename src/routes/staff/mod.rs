//! The staff back office under `/staff`, and the staff API's sign-in.

pub mod accounts;
pub mod api_keys;
pub mod areas;
pub mod auth;
pub mod canned;
pub mod home;
pub mod intake;
pub mod queues;
pub mod reports;
pub mod sla_admin;
pub mod tickets;

use actix_web::http::StatusCode;
use actix_web::middleware::from_fn;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;

use crate::auth::session::renew_session;
use crate::configuration::Settings;
use crate::error::AppError;
use crate::i18n::Locale;
use crate::views::{Layout, Templates};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/staff")
            .wrap(from_fn(renew_session))
            .service(auth::sign_in_form)
            .service(auth::sign_in)
            .service(auth::sign_out)
            .service(auth::sign_out_everywhere)
            .service(home::home)
            .configure(accounts::configure)
            .service(areas::show)
            .service(areas::import_file)
            .configure(sla_admin::configure)
            .configure(api_keys::configure)
            .service(queues::queue)
            .configure(reports::configure)
            .service(intake::show)
            .service(intake::submit)
            .service(tickets::show)
            .service(tickets::reply)
            .service(tickets::note)
            .service(tickets::acknowledge)
            .service(tickets::assign)
            .service(tickets::transfer)
            .service(tickets::change_status)
            .service(tickets::priority)
            .service(tickets::category)
            .service(tickets::merge)
            .service(tickets::contact)
            .service(tickets::location)
            .service(tickets::extend)
            .service(tickets::attachment)
            .service(canned::list)
            .service(canned::create)
            .service(canned::update)
            .service(canned::delete),
    );
}

pub(crate) fn html<P: Serialize>(
    templates: &Templates,
    name: &str,
    page: &P,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let body = templates.render(name, page)?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(body))
}

pub(crate) fn layout(
    req: &HttpRequest,
    settings: &Settings,
    locale: Locale,
    title_key: &str,
) -> Layout {
    Layout::new(
        locale,
        &settings.application.council_name,
        req.uri()
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/staff"),
        locale.text(title_key),
    )
}

/// Only local paths are followed after signing in.
pub(crate) fn safe_next(next: Option<&str>) -> String {
    next.filter(|n| n.starts_with("/staff") && !n.starts_with("//") && !n.contains('\\'))
        .unwrap_or("/staff")
        .to_string()
}
