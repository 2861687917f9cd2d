//! Staff accounts under `/staff`: one's own account and password
//! ([`account`]), password reset by email ([`password_reset`]), and the
//! administrators' staff management ([`admin_users`]).

pub mod account;
pub mod admin_users;
pub mod password_reset;

use actix_web::cookie::Cookie;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;

use crate::auth::csrf;
use crate::configuration::Settings;
use crate::error::AppError;
use crate::i18n::Locale;
use crate::views::staff_accounts::FormErrors;
use crate::views::Templates;

/// Mounted inside the `/staff` scope.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(account::show)
        .service(account::change_password)
        .service(account::digest_setting)
        .service(password_reset::request_form)
        .service(password_reset::request)
        .service(password_reset::reset_form)
        .service(password_reset::reset)
        .service(admin_users::list)
        .service(admin_users::new_form)
        .service(admin_users::create)
        .service(admin_users::show)
        .service(admin_users::update_access)
        .service(admin_users::deactivate)
        .service(admin_users::activate)
        .service(admin_users::send_reset_link);
}

/// The CSRF token for a page's forms, and the cookie to set if it is new.
pub(crate) fn csrf_token(
    req: &HttpRequest,
    settings: &Settings,
) -> (String, Option<Cookie<'static>>) {
    csrf::token_for(
        req,
        settings.application.public_base_url.scheme() == "https",
    )
}

/// Renders a page, setting the CSRF cookie when it is new.
pub(crate) fn page<P: Serialize>(
    templates: &Templates,
    name: &str,
    page: &P,
    status: StatusCode,
    csrf_cookie: Option<Cookie<'static>>,
) -> Result<HttpResponse, AppError> {
    let mut res = super::html(templates, name, page, status)?;
    if let Some(c) = csrf_cookie {
        res.add_cookie(&c)
            .map_err(|e| AppError::Unexpected(e.into()))?;
    }
    Ok(res)
}

/// Refuses a form without the CSRF token (403).
pub(crate) fn require_csrf(
    req: &HttpRequest,
    submitted: Option<&str>,
    locale: Locale,
) -> Result<(), AppError> {
    if csrf::verify(req, submitted) {
        Ok(())
    } else {
        Err(AppError::Forbidden(locale.text("error-csrf")))
    }
}

/// Field → Fluent key, in the reader's language.
pub(crate) fn localise<'a>(
    problems: impl IntoIterator<Item = (&'a str, &'a str)>,
    locale: Locale,
) -> FormErrors {
    problems
        .into_iter()
        .map(|(field, key)| (field.to_string(), locale.text(key)))
        .collect()
}

pub(crate) fn see_other(location: impl Into<String>) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, location.into()))
        .finish()
}

/// An `application/x-www-form-urlencoded` body with repeated names (a set of
/// checkboxes), which `web::Form` cannot hold.
#[derive(Debug, Default)]
pub(crate) struct FormFields(Vec<(String, String)>);

impl FormFields {
    pub(crate) fn parse(body: &[u8]) -> Self {
        Self(
            url::form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// The first value of `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first value of `name`, or "".
    pub(crate) fn text(&self, name: &str) -> String {
        self.get(name).unwrap_or_default().to_string()
    }

    /// Every name and value, in order.
    pub(crate) fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Every non-empty value of `name`.
    pub(crate) fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| v.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_fields_keep_repeated_names() {
        let f = FormFields::parse(
            b"name=A+B&departments=roads&departments=waste&departments=&x=%3Cb%3E",
        );
        assert_eq!(f.text("name"), "A B");
        assert_eq!(f.all("departments"), ["roads", "waste"]);
        assert_eq!(f.get("x"), Some("<b>"));
        assert_eq!(f.get("missing"), None);
    }
}
