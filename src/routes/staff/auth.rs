//! Signing in and out: pages (session cookie) and `POST /api/v1/auth/token` (Bearer).

use actix_web::http::{header, StatusCode};
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::Utc;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use super::{html, layout, safe_next};
use crate::auth::session::{expired_session_cookie, session_cookie, CurrentStaff};
use crate::auth::{csrf, jwt};
use crate::configuration::Settings;
use crate::db::{self, Pool};
use crate::error::AppError;
use crate::routes::api::error::ApiError;
use crate::routes::locale::RequestLocale;
use crate::staff::sign_in::{self as signing, SignInError};
use crate::views::staff::SignInPage;
use crate::views::Templates;

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

#[get("/sign-in")]
pub async fn sign_in_form(
    req: HttpRequest,
    query: web::Query<NextQuery>,
    templates: web::Data<Templates>,
    settings: web::Data<Settings>,
    RequestLocale(locale): RequestLocale,
) -> Result<HttpResponse, AppError> {
    let (token, cookie) = csrf::token_for(
        &req,
        settings.application.public_base_url.scheme() == "https",
    );
    let page = SignInPage {
        layout: layout(&req, &settings, locale, "staff-sign-in-title"),
        email: String::new(),
        next: safe_next(query.next.as_deref()),
        error: None,
        csrf_token: token,
    };
    let mut res = html(&templates, "staff/sign_in.html", &page, StatusCode::OK)?;
    if let Some(c) = cookie {
        res.add_cookie(&c)
            .map_err(|e| AppError::Unexpected(e.into()))?;
    }
    Ok(res)
}

#[derive(Debug, Deserialize)]
pub struct SignInForm {
    email: String,
    password: String,
    next: Option<String>,
    csrf_token: Option<String>,
}

async fn check_password(
    pool: &Pool,
    email: String,
    password: String,
) -> Result<crate::db::models::user::User, SignInError> {
    let attempt = db::run(pool, move |conn| -> Result<_, db::DbError> {
        Ok(signing::sign_in(
            conn,
            &email,
            &SecretString::from(password),
            Utc::now(),
        ))
    })
    .await
    .unwrap_or(Err(SignInError::Invalid { failures: 0 }));
    if let Err(SignInError::Invalid { failures }) = &attempt {
        tokio::time::sleep(signing::slow_down(*failures)).await;
    }
    attempt
}

#[post("/sign-in")]
pub async fn sign_in(
    req: HttpRequest,
    form: web::Form<SignInForm>,
    pool: web::Data<Pool>,
    templates: web::Data<Templates>,
    settings: web::Data<Settings>,
    RequestLocale(locale): RequestLocale,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    if !csrf::verify(&req, form.csrf_token.as_deref()) {
        return Err(AppError::Forbidden(locale.text("error-csrf")));
    }
    let next = safe_next(form.next.as_deref());
    match check_password(&pool, form.email.clone(), form.password).await {
        Ok(user) => {
            let token = jwt::issue(
                &settings.security.jwt_secret,
                user.id,
                user.role,
                user.token_version,
                chrono::Duration::minutes(settings.security.session_minutes.into()),
                Utc::now(),
            );
            tracing::info!(user.id = user.id, "staff signed in");
            Ok(HttpResponse::SeeOther()
                .insert_header((header::LOCATION, next))
                .cookie(session_cookie(&settings, token))
                .finish())
        }
        Err(e) => {
            let message = match e {
                SignInError::Invalid { .. } => locale.text("staff-sign-in-invalid"),
                SignInError::Locked { .. } => locale.text("staff-sign-in-locked"),
            };
            let (token, _) = csrf::token_for(
                &req,
                settings.application.public_base_url.scheme() == "https",
            );
            let page = SignInPage {
                layout: layout(&req, &settings, locale, "staff-sign-in-title"),
                email: form.email,
                next,
                error: Some(message),
                csrf_token: token,
            };
            let status = match e {
                SignInError::Invalid { .. } => StatusCode::UNAUTHORIZED,
                SignInError::Locked { .. } => StatusCode::TOO_MANY_REQUESTS,
            };
            html(&templates, "staff/sign_in.html", &page, status)
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    csrf_token: Option<String>,
}

#[post("/sign-out")]
pub async fn sign_out(
    req: HttpRequest,
    form: web::Form<CsrfForm>,
    RequestLocale(locale): RequestLocale,
) -> Result<HttpResponse, AppError> {
    if !csrf::verify(&req, form.csrf_token.as_deref()) {
        return Err(AppError::Forbidden(locale.text("error-csrf")));
    }
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/staff/sign-in"))
        .cookie(expired_session_cookie())
        .finish())
}

/// Invalidates every session of this person, on every device.
#[post("/sign-out-everywhere")]
pub async fn sign_out_everywhere(
    req: HttpRequest,
    staff: CurrentStaff,
    form: web::Form<CsrfForm>,
    pool: web::Data<Pool>,
    RequestLocale(locale): RequestLocale,
) -> Result<HttpResponse, AppError> {
    if !csrf::verify(&req, form.csrf_token.as_deref()) {
        return Err(AppError::Forbidden(locale.text("error-csrf")));
    }
    let id = staff.id;
    db::run(&pool, move |conn| {
        signing::revoke_all_sessions(conn, id).map_err(db::DbError::from)
    })
    .await?;
    tracing::info!(user.id = id, "signed out everywhere");
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/staff/sign-in"))
        .cookie(expired_session_cookie())
        .finish())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    /// Always "Bearer".
    pub token_type: &'static str,
    /// Seconds until the token expires (at most 3600).
    pub expires_in: i64,
}

/// `POST /api/v1/auth/token`: a Bearer token for the staff API.
#[utoipa::path(post, path = "/api/v1/auth/token", tag = "staff", request_body = TokenRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 401, description = "Wrong email or password"),
        (status = 429, description = "Locked after repeated failures; see Retry-After"),
    ))]
#[post("/auth/token")]
pub async fn issue_token(
    body: web::Json<TokenRequest>,
    pool: web::Data<Pool>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    match check_password(&pool, body.email, body.password).await {
        Ok(user) => {
            let minutes = i64::from(settings.security.session_minutes);
            let token = jwt::issue(
                &settings.security.jwt_secret,
                user.id,
                user.role,
                user.token_version,
                chrono::Duration::minutes(minutes),
                Utc::now(),
            );
            Ok(HttpResponse::Ok().json(TokenResponse {
                access_token: token,
                token_type: "Bearer",
                expires_in: minutes * 60,
            }))
        }
        Err(SignInError::Invalid { .. }) => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            "The email or password is not right.",
        )),
        Err(SignInError::Locked { until }) => Err(ApiError {
            retry_after: Some((until - Utc::now()).num_seconds().max(1) as u64),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "locked",
                "Too many failed attempts; try again later.",
            )
        }),
    }
}
