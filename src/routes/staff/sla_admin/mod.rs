//! The administrators' SLA configuration pages: business calendars
//! ([`calendars`], `/staff/admin/calendars`) and SLA policies with the
//! services → policy assignment ([`policies`], `/staff/admin/sla-policies`).
//! Every handler takes [`Admin`], which extracts [`SlaAdmin`] first, so
//! anyone else is refused before it runs. The rules are in
//! [`crate::sla_config`].

pub mod calendars;
pub mod policies;

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::Cookie;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use serde::Serialize;

use super::accounts::{csrf_token, page, require_csrf};
use super::layout;
use crate::auth::sla_admin::SlaAdmin;
use crate::clock::Clock;
use crate::configuration::Settings;
use crate::db::Pool;
use crate::error::AppError;
use crate::i18n::Locale;
use crate::routes::locale::RequestLocale;
use crate::sla_config::{messages, ConfigError};
use crate::views::staff_accounts::{FormErrors, StaffNav};
use crate::views::{Layout, Templates};

/// Mounted inside the `/staff` scope.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(calendars::list)
        .service(calendars::new_form)
        .service(calendars::create)
        .service(calendars::show)
        .service(calendars::update)
        .service(calendars::add_interval)
        .service(calendars::remove_interval)
        .service(calendars::add_holiday)
        .service(calendars::remove_holiday)
        .service(calendars::delete)
        .service(policies::list)
        .service(policies::new_form)
        .service(policies::create)
        .service(policies::categories_form)
        .service(policies::assign_categories)
        .service(policies::show)
        .service(policies::update)
        .service(policies::set_override)
        .service(policies::remove_override)
        .service(policies::delete);
}

/// An administrator's request, with what every handler here needs.
pub struct Admin {
    req: HttpRequest,
    admin: SlaAdmin,
    pool: web::Data<Pool>,
    templates: web::Data<Templates>,
    settings: web::Data<Settings>,
    clock: web::Data<Clock>,
    locale: Locale,
}

impl FromRequest for Admin {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let admin = SlaAdmin::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let admin = admin.await?;
            let missing = || AppError::Unexpected(anyhow::anyhow!("app data is missing"));
            let data = |req: &HttpRequest| {
                Some((
                    req.app_data::<web::Data<Pool>>()?.clone(),
                    req.app_data::<web::Data<Templates>>()?.clone(),
                    req.app_data::<web::Data<Settings>>()?.clone(),
                    req.app_data::<web::Data<Clock>>()?.clone(),
                ))
            };
            let (pool, templates, settings, clock) = data(&req).ok_or_else(missing)?;
            let locale = RequestLocale::resolve(&req);
            Ok(Admin {
                req,
                admin,
                pool,
                templates,
                settings,
                clock,
                locale,
            })
        })
    }
}

impl Admin {
    fn layout(&self, title_key: &str) -> Layout {
        layout(&self.req, &self.settings, self.locale, title_key)
    }

    fn layout_titled(&self, title: String) -> Layout {
        let mut l = self.layout("sla-admin-policies-title");
        l.title = title;
        l
    }

    fn csrf(&self) -> (String, Option<Cookie<'static>>) {
        csrf_token(&self.req, &self.settings)
    }

    fn nav(&self, current: &'static str, token: &str) -> StaffNav {
        StaffNav::new(&self.admin, current, token)
    }

    fn check_csrf(&self, submitted: Option<&str>) -> Result<(), AppError> {
        require_csrf(&self.req, submitted, self.locale)
    }

    fn render<P: Serialize>(
        &self,
        name: &str,
        p: &P,
        status: StatusCode,
        cookie: Option<Cookie<'static>>,
    ) -> Result<HttpResponse, AppError> {
        page(&self.templates, name, p, status, cookie)
    }
}

/// `?done=` values and what the page then says.
pub(crate) fn notice_key(done: Option<&str>) -> Option<String> {
    let key = match done? {
        "created" => "sla-admin-done-created",
        "saved" => "sla-admin-done-saved",
        "deleted" => "sla-admin-done-deleted",
        "interval-added" => "sla-admin-done-interval-added",
        "interval-removed" => "sla-admin-done-interval-removed",
        "holiday-added" => "sla-admin-done-holiday-added",
        "holiday-removed" => "sla-admin-done-holiday-removed",
        "override-saved" => "sla-admin-done-override-saved",
        "override-removed" => "sla-admin-done-override-removed",
        "assigned" => "sla-admin-done-assigned",
        _ => return None,
    };
    Some(key.to_string())
}

/// A refused change as a page shows it: its status and field messages.
/// "Not found" is the 404 page; database failures are 500s.
pub(crate) fn refusal(
    e: ConfigError,
    locale: Locale,
) -> Result<(StatusCode, FormErrors), AppError> {
    match e {
        ConfigError::Invalid(problems) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            messages(&problems, locale),
        )),
        ConfigError::Conflict { problem, .. } => {
            Ok((StatusCode::CONFLICT, messages(&[problem], locale)))
        }
        ConfigError::NotFound => Err(AppError::NotFound),
        ConfigError::Db(e) => Err(e.into()),
    }
}

/// Business minutes as people read them: "45 min", "8 h", "8 h 30 min".
pub(crate) fn duration(minutes: i64, locale: Locale) -> String {
    use std::borrow::Cow;
    use std::collections::HashMap;

    use fluent_templates::fluent_bundle::FluentValue;
    let (h, m) = (minutes / 60, minutes % 60);
    let key = match (h, m) {
        (0, _) => "sla-admin-duration-minutes",
        (_, 0) => "sla-admin-duration-hours",
        _ => "sla-admin-duration-hours-minutes",
    };
    let args: HashMap<Cow<'static, str>, FluentValue<'_>> = [
        (Cow::Borrowed("hours"), FluentValue::from(h)),
        (Cow::Borrowed("minutes"), FluentValue::from(m)),
    ]
    .into();
    locale.text_with(key, &args)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_known_notices_are_shown() {
        assert_eq!(
            notice_key(Some("saved")).as_deref(),
            Some("sla-admin-done-saved")
        );
        assert_eq!(notice_key(Some("<script>")), None);
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(45, Locale::En), "45 min");
        assert_eq!(duration(480, Locale::En), "8 h");
        assert_eq!(duration(510, Locale::En), "8 h 30 min");
    }
}
