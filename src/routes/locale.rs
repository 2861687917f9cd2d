//! The visitor's language: chosen on the page, remembered in a cookie,
//! defaulting from `Accept-Language`, then the council's default.

use std::future::{ready, Ready};

use actix_web::cookie::{time::Duration as CookieDuration, Cookie, SameSite};
use actix_web::{dev::Payload, get, http::header, web, FromRequest, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::configuration::Settings;
use crate::i18n::{Locale, LOCALE_COOKIE};

/// The language to answer this request in.
#[derive(Debug, Clone, Copy)]
pub struct RequestLocale(pub Locale);

impl RequestLocale {
    pub fn resolve(req: &HttpRequest) -> Locale {
        if let Some(l) = req
            .cookie(LOCALE_COOKIE)
            .and_then(|c| Locale::from_tag(c.value()))
        {
            return l;
        }
        if let Some(l) = req
            .headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(Locale::from_accept_language)
        {
            return l;
        }
        req.app_data::<web::Data<Settings>>()
            .map(|s| s.application.default_locale)
            .unwrap_or(Locale::En)
    }
}

impl FromRequest for RequestLocale {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(RequestLocale(Self::resolve(req))))
    }
}

#[derive(Debug, Deserialize)]
pub struct SwitchQuery {
    next: Option<String>,
}

/// `GET /lang/{tag}?next=/path`: remembers the choice for a year and goes back.
/// Only local paths are followed, so the link cannot redirect off-site.
#[get("/lang/{tag}")]
pub async fn switch(path: web::Path<String>, query: web::Query<SwitchQuery>) -> HttpResponse {
    let Some(locale) = Locale::from_tag(&path) else {
        return HttpResponse::NotFound().finish();
    };
    let next = query
        .next
        .as_deref()
        .filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\'))
        .unwrap_or("/");
    let cookie = Cookie::build(LOCALE_COOKIE, locale.tag())
        .path("/")
        .max_age(CookieDuration::days(365))
        .same_site(SameSite::Lax)
        .http_only(true)
        .finish();
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, next.to_string()))
        .cookie(cookie)
        .finish()
}
