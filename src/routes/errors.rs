//! HTML pages for 404 and 5xx answers. JSON answers (the API) pass through
//! untouched; if rendering fails the plain body stays.

use actix_web::body::{BoxBody, EitherBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::{header, StatusCode};
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};
use actix_web::{web, HttpMessage, HttpResponse};

use super::locale::RequestLocale;
use crate::configuration::Settings;
use crate::views::pages::ErrorPage;
use crate::views::{Layout, Templates};

pub fn handlers() -> ErrorHandlers<BoxBody> {
    ErrorHandlers::new()
        .handler(StatusCode::NOT_FOUND, render)
        .default_handler_server(render)
}

/// Unknown routes.
pub async fn not_found() -> HttpResponse {
    HttpResponse::NotFound()
        .content_type("text/plain; charset=utf-8")
        .body("not found")
}

fn render(res: ServiceResponse<BoxBody>) -> actix_web::Result<ErrorHandlerResponse<BoxBody>> {
    let is_json = res
        .response()
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.starts_with("application/json") || v.contains("xml") || v.starts_with("text/html")
        });
    // JSON and XML answers (the APIs), and pages a handler already rendered, stay as they are.
    if is_json {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let req = res.request().clone();
    let (Some(templates), Some(settings)) = (
        req.app_data::<web::Data<Templates>>(),
        req.app_data::<web::Data<Settings>>(),
    ) else {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    };
    let locale = RequestLocale::resolve(&req);
    let request_id = req
        .extensions()
        .get::<tracing_actix_web::RequestId>()
        .map(|id| id.to_string());
    let (template, title_key) = match status.as_u16() {
        404 => ("errors/404.html", "error-404-title"),
        503 => ("errors/503.html", "error-503-title"),
        _ => ("errors/500.html", "error-500-title"),
    };
    let page = ErrorPage {
        layout: Layout::new(
            locale,
            &settings.application.council_name,
            req.path(),
            locale.text(title_key),
        ),
        status: status.as_u16(),
        request_id: status.is_server_error().then_some(request_id).flatten(),
    };
    match templates.render(template, &page) {
        Ok(html) => {
            let mut new = HttpResponse::build(status);
            for (name, value) in res.response().headers() {
                if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
                    new.insert_header((name.clone(), value.clone()));
                }
            }
            let new = new.content_type("text/html; charset=utf-8").body(html);
            Ok(ErrorHandlerResponse::Response(
                ServiceResponse::new(req, new)
                    .map_into_right_body::<BoxBody>()
                    .map_body(|_, b| match b {
                        EitherBody::Left { body } => body,
                        EitherBody::Right { body } => body,
                    })
                    .map_into_left_body(),
            ))
        }
        Err(e) => {
            tracing::error!(error = ?e, "could not render the error page");
            Ok(ErrorHandlerResponse::Response(res.map_into_left_body()))
        }
    }
}
