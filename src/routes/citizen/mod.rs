//! The citizen's website: make a request, follow it.

pub mod report;
pub mod track;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;

use crate::configuration::Settings;
use crate::error::AppError;
use crate::i18n::Locale;
use crate::requests::RequestError;
use crate::uploads::FileProblem;
use crate::views::{Layout, Templates};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(report::choose)
        .service(report::show_form)
        .service(report::submit_form)
        .service(report::received)
        .service(track::lookup_form)
        .service(track::lookup)
        .service(track::view)
        .service(track::comment)
        .service(track::withdraw)
        .service(track::attachment);
}

fn html<P: Serialize>(
    templates: &Templates,
    name: &str,
    page: &P,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let body = templates.render(name, page)?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body))
}

fn page_layout(req: &HttpRequest, settings: &Settings, locale: Locale, title_key: &str) -> Layout {
    let path = match req.uri().path_and_query() {
        // Never put a tracking token into the language switcher's links.
        Some(pq) if !pq.as_str().contains("token=") => pq.as_str().to_string(),
        _ => req.path().to_string(),
    };
    Layout::new(
        locale,
        &settings.application.council_name,
        &path,
        locale.text(title_key),
    )
}

fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location.to_string()))
        .finish()
}

/// Cookies are marked Secure when the public site is served over HTTPS.
pub fn secure_cookies(settings: &Settings) -> bool {
    settings.application.public_base_url.scheme() == "https"
}

fn not_found_or(e: RequestError) -> AppError {
    match e {
        RequestError::NotFound => AppError::NotFound,
        other => AppError::Unexpected(other.into()),
    }
}

fn request_error(e: RequestError, locale: Locale) -> AppError {
    match e {
        RequestError::NotFound => AppError::NotFound,
        RequestError::NotAllowed(key) => AppError::Conflict(locale.text(key)),
        other => AppError::Unexpected(other.into()),
    }
}

fn locale_text_problem(locale: Locale, p: &FileProblem) -> String {
    match locale {
        // The upload reader words its problems in English; other languages get a
        // translated general message with the file name.
        Locale::En => p.to_string(),
        _ => format!("{} ({})", locale.text("error-file-problem"), p),
    }
}
