//! The signed-in staff member of a request: a session cookie (pages) or a
//! Bearer token (API), checked against the user's current token version and
//! active flag on every request. Pages without a session redirect to the
//! sign-in page; the API answers 401 JSON.

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{time::Duration as CookieDuration, Cookie, SameSite};
use actix_web::http::{header, StatusCode};
use actix_web::{web, FromRequest, HttpMessage, HttpRequest, HttpResponse, ResponseError};
use chrono::Utc;
use diesel::prelude::*;

use super::jwt::{self, Claims};
use super::policy::Staff;
use crate::configuration::Settings;
use crate::db::{self, Pool};
use crate::domain::role::Role;
use crate::schema::{user_departments, users};

pub const SESSION_COOKIE: &str = "civicdesk_session";

/// The current staff member. Extracting it fails with 401 (API) or a redirect
/// to the sign-in page (pages).
#[derive(Debug, Clone)]
pub struct CurrentStaff(pub Staff);

impl std::ops::Deref for CurrentStaff {
    type Target = Staff;
    fn deref(&self) -> &Staff {
        &self.0
    }
}

/// A fresh session token to send back (the old one was past half its life).
#[derive(Debug, Clone)]
pub struct RenewedSession(pub String);

pub enum AuthError {
    /// No usable session: 401 or a redirect to sign in.
    SignedOut {
        api: bool,
        next: String,
    },
    /// Signed in, but the role may not use this area.
    Forbidden {
        api: bool,
    },
    Unavailable,
}

/// Logged for every refused request: the path only, since a query string may
/// hold a staff member's search for a citizen's email or phone number.
impl std::fmt::Debug for AuthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::SignedOut { api, next } => f
                .debug_struct("SignedOut")
                .field("api", api)
                .field("path", &next.split('?').next().unwrap_or_default())
                .finish(),
            Self::Forbidden { api } => f.debug_struct("Forbidden").field("api", api).finish(),
            Self::Unavailable => f.write_str("Unavailable"),
        }
    }
}

impl std::fmt::Display for AuthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::SignedOut { .. } => f.write_str("sign in required"),
            Self::Forbidden { .. } => f.write_str("not allowed for your role"),
            Self::Unavailable => f.write_str("the service is temporarily unavailable"),
        }
    }
}

impl ResponseError for AuthError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::SignedOut { api: true, .. } => StatusCode::UNAUTHORIZED,
            Self::SignedOut { api: false, .. } => StatusCode::SEE_OTHER,
            Self::Forbidden { .. } => StatusCode::FORBIDDEN,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let json = |status: StatusCode, code: &str, message: &str| {
            HttpResponse::build(status)
                .json(serde_json::json!({ "error": { "code": code, "message": message } }))
        };
        match self {
            Self::SignedOut { api: true, .. } => {
                let mut r = json(
                    StatusCode::UNAUTHORIZED,
                    "unauthorized",
                    "Sign in: send a valid Bearer token.",
                );
                r.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    header::HeaderValue::from_static("Bearer"),
                );
                r
            }
            Self::SignedOut { api: false, next } => {
                let next: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
                HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, format!("/staff/sign-in?next={next}")))
                    .finish()
            }
            Self::Forbidden { api: true } => json(
                StatusCode::FORBIDDEN,
                "forbidden",
                "Your role may not do this.",
            ),
            Self::Forbidden { api: false } => HttpResponse::Forbidden()
                .content_type("text/plain; charset=utf-8")
                .body("Your role may not use this page."),
            Self::Unavailable => json(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "Try again shortly.",
            ),
        }
    }
}

fn is_api(req: &HttpRequest) -> bool {
    req.path().starts_with("/api/")
}

/// The raw token: `Authorization: Bearer` for the API, the cookie for pages.
fn raw_token(req: &HttpRequest) -> Option<String> {
    if let Some(v) = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        return v.strip_prefix("Bearer ").map(|t| t.trim().to_string());
    }
    if is_api(req) {
        // The API takes Bearer tokens only, so a page's cookie cannot be used
        // cross-site against it.
        return None;
    }
    req.cookie(SESSION_COOKIE).map(|c| c.value().to_string())
}

/// Loads the user behind verified claims; `None` if deactivated or the token version moved on.
pub fn load_staff(conn: &mut PgConnection, claims: &Claims) -> QueryResult<Option<Staff>> {
    let Some(id) = claims.user_id() else {
        return Ok(None);
    };
    let row: Option<(i64, String, String, Role, bool, i32)> = users::table
        .filter(users::id.eq(id))
        .select((
            users::id,
            users::name,
            users::email,
            users::role,
            users::active,
            users::token_version,
        ))
        .first(conn)
        .optional()?;
    let Some((id, name, email, role, active, version)) = row else {
        return Ok(None);
    };
    if !active || version != claims.ver || role != claims.role {
        return Ok(None);
    }
    let departments = user_departments::table
        .filter(user_departments::user_id.eq(id))
        .select(user_departments::department_id)
        .order(user_departments::department_id)
        .load(conn)?;
    Ok(Some(Staff {
        id,
        role,
        name,
        email,
        departments,
    }))
}

impl FromRequest for CurrentStaff {
    type Error = AuthError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AuthError>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let api = is_api(&req);
            let signed_out = || AuthError::SignedOut {
                api,
                next: req
                    .uri()
                    .path_and_query()
                    .map(|p| p.as_str().to_string())
                    .unwrap_or_else(|| "/staff".into()),
            };
            let (Some(settings), Some(pool)) = (
                req.app_data::<web::Data<Settings>>(),
                req.app_data::<web::Data<Pool>>(),
            ) else {
                return Err(AuthError::Unavailable);
            };
            let token = raw_token(&req).ok_or_else(signed_out)?;
            let claims =
                jwt::verify(&settings.security.jwt_secret, &token).map_err(|_| signed_out())?;
            let claims2 = claims.clone();
            let staff = db::run(pool, move |conn| {
                load_staff(conn, &claims2).map_err(db::DbError::from)
            })
            .await
            .map_err(|_: db::DbError| AuthError::Unavailable)?
            .ok_or_else(signed_out)?;
            let now = Utc::now();
            if !api && claims.wants_renewal(now) {
                let fresh = jwt::issue(
                    &settings.security.jwt_secret,
                    staff.id,
                    staff.role,
                    claims.ver,
                    chrono::Duration::minutes(settings.security.session_minutes.into()),
                    now,
                );
                req.extensions_mut().insert(RenewedSession(fresh));
            }
            Ok(CurrentStaff(staff))
        })
    }
}

/// The session cookie: HttpOnly, SameSite=Lax, Secure when the site is https.
pub fn session_cookie(settings: &Settings, token: String) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, token)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(settings.application.public_base_url.scheme() == "https")
        .max_age(CookieDuration::minutes(
            settings.security.session_minutes.into(),
        ))
        .finish()
}

pub fn expired_session_cookie() -> Cookie<'static> {
    let mut c = Cookie::build(SESSION_COOKIE, "")
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .finish();
    c.make_removal();
    c
}

/// Middleware body: adds the renewed session cookie, if any, to the response.
pub async fn renew_session(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let settings = req.app_data::<web::Data<Settings>>().cloned();
    let mut res = next.call(req).await?;
    let renewed = res.request().extensions().get::<RenewedSession>().cloned();
    if let (Some(RenewedSession(token)), Some(settings)) = (renewed, settings) {
        let cookie = session_cookie(&settings, token);
        if let Ok(v) = header::HeaderValue::from_str(&cookie.to_string()) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    Ok(res)
}
