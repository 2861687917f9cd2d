//! The administrators' SLA configuration over the API (Bearer token, admins
//! only: other roles 403, no token 401): business calendars
//! (`/api/v1/admin/calendars`, [`calendars`]) and SLA policies
//! (`/api/v1/admin/sla-policies`, [`policies`]). The rules are in
//! [`crate::sla_config`]; documented in [`SlaAdminApiDoc`].

pub mod calendars;
pub mod policies;

use actix_web::http::StatusCode;

use super::error::ApiError;
use crate::db::DbError;
use crate::i18n::Locale;
use crate::sla_config::{messages, ConfigError};

/// A refused change as the API answers it. `not_found` is the 404's message.
fn api_error(e: ConfigError, not_found: &'static str) -> ApiError {
    match e {
        ConfigError::Invalid(problems) => ApiError::validation(messages(&problems, Locale::En)),
        ConfigError::Conflict { code, problem } => {
            ApiError::new(StatusCode::CONFLICT, code, problem.text(Locale::En))
        }
        ConfigError::NotFound => ApiError::new(StatusCode::NOT_FOUND, "not_found", not_found),
        ConfigError::Db(e) => DbError::Query(e).into(),
    }
}

/// A numeric id from the path; anything else is "not found".
fn path_id(text: &str, not_found: &'static str) -> Result<i64, ApiError> {
    text.parse::<i64>()
        .map_err(|_| ApiError::new(StatusCode::NOT_FOUND, "not_found", not_found))
}

/// Every route of this module, for the `/api/v1` scope.
pub fn services() -> impl actix_web::dev::HttpServiceFactory {
    (calendars::services(), policies::services())
}

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme(
                "bearer",
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .bearer_format("JWT")
                        .description(Some("From POST /api/v1/auth/token"))
                        .build(),
                ),
            );
    }
}

/// The SLA configuration operations, merged into `/api/v1/openapi.json`.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        calendars::list_calendars, calendars::create_calendar, calendars::get_calendar,
        calendars::update_calendar, calendars::delete_calendar, calendars::add_interval,
        calendars::remove_interval, calendars::add_holiday, calendars::remove_holiday,
        calendars::preview,
        policies::list_policies, policies::create_policy, policies::get_policy,
        policies::update_policy, policies::delete_policy, policies::set_targets,
        policies::remove_targets, policies::assign_categories,
    ),
    components(schemas(
        calendars::CalendarOut, calendars::CalendarListOut, calendars::IntervalOut,
        calendars::HolidayOut, calendars::CalendarUsageOut, calendars::CalendarIn,
        calendars::CalendarUpdateIn, calendars::IntervalIn, calendars::HolidayIn,
        calendars::PreviewOut, calendars::PeriodOut,
        policies::PolicyIn, policies::PolicyOut, policies::PolicyListOut, policies::OverrideOut,
        policies::TargetsIn, policies::CategoriesIn,
    )),
    modifiers(&BearerAuth),
    tags((name = "admin", description = "SLA policies and business calendars (administrators, Bearer token)"))
)]
pub struct SlaAdminApiDoc;
