//! The JSON API under `/api/v1`. Errors are always JSON (see [`error`]).

pub mod accounts;
pub mod error;
pub mod queues;
pub mod reports;
pub mod requests;
pub mod sla_admin;
pub mod tickets;

use actix_web::web;

/// 64 KiB is ample for a request's text fields.
const JSON_LIMIT: usize = 64 * 1024;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1")
            .app_data(
                web::JsonConfig::default()
                    .limit(JSON_LIMIT)
                    .error_handler(error::json_error),
            )
            .app_data(web::QueryConfig::default().error_handler(|e, _| {
                let api = error::ApiError::new(
                    actix_web::http::StatusCode::BAD_REQUEST,
                    "bad_query",
                    e.to_string(),
                );
                actix_web::error::InternalError::from_response(
                    e,
                    actix_web::ResponseError::error_response(&api),
                )
                .into()
            }))
            .service(requests::list_categories)
            .service(requests::create_request)
            .service(requests::get_request)
            .service(requests::add_comment)
            .service(crate::routes::staff::auth::issue_token)
            .service(accounts::change_password)
            .service(accounts::digest_setting)
            .service(accounts::set_digest)
            .service(reports::dashboard)
            .service(reports::csv)
            .service(queues::list_tickets)
            .service(queues::create_ticket)
            .service(queues::find_contacts)
            .service(requests::openapi_document)
            .service(tickets::services())
            .service(sla_admin::services())
            .default_service(web::to(error::not_found)),
    );
}
