//! `/staff/password-reset`: ask for a link by email, then choose a new
//! password through it. Asking answers the same whether or not an account
//! has that address (and takes about as long); an expired, used or unknown
//! link is refused with one message.

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::Utc;
use secrecy::SecretString;
use serde::Deserialize;

use super::{csrf_token, localise, page, require_csrf, see_other};
use crate::abuse::PasswordResetLimiter;
use crate::auth::password::MIN_LENGTH;
use crate::auth::session::expired_session_cookie;
use crate::configuration::Settings;
use crate::db::{self, Pool};
use crate::email::EmailTemplates;
use crate::error::AppError;
use crate::routes::locale::RequestLocale;
use crate::routes::staff::layout;
use crate::staff::passwords::{self, ResetOutcome};
use crate::staff::users::is_plausible_email;
use crate::views::staff_accounts::{FormErrors, PasswordResetPage, PasswordResetRequestPage};
use crate::views::Templates;

/// Asking for a link never answers sooner than this, so whether an email was
/// queued (an account exists) does not show in the response time.
const MIN_REQUEST_TIME: Duration = Duration::from_millis(250);

#[derive(Debug, Deserialize)]
pub struct SentQuery {
    sent: Option<String>,
}

#[get("/password-reset")]
pub async fn request_form(
    req: HttpRequest,
    query: web::Query<SentQuery>,
    templates: web::Data<Templates>,
    settings: web::Data<Settings>,
    RequestLocale(locale): RequestLocale,
) -> Result<HttpResponse, AppError> {
    let (token, cookie) = csrf_token(&req, &settings);
    let p = PasswordResetRequestPage {
        layout: layout(&req, &settings, locale, "password-reset-request-title"),
        email: String::new(),
        sent: query.sent.is_some(),
        errors: FormErrors::new(),
        csrf_token: token,
    };
    page(
        &templates,
        "staff/password_reset_request.html",
        &p,
        StatusCode::OK,
        cookie,
    )
}

#[derive(Debug, Deserialize)]
pub struct RequestForm {
    csrf_token: Option<String>,
    #[serde(default)]
    email: String,
}

#[allow(clippy::too_many_arguments)]
#[post("/password-reset")]
pub async fn request(
    req: HttpRequest,
    form: web::Form<RequestForm>,
    pool: web::Data<Pool>,
    templates: web::Data<Templates>,
    email_templates: web::Data<EmailTemplates>,
    settings: web::Data<Settings>,
    limiter: web::Data<PasswordResetLimiter>,
    RequestLocale(locale): RequestLocale,
) -> Result<HttpResponse, AppError> {
    let started = tokio::time::Instant::now();
    let form = form.into_inner();
    require_csrf(&req, form.csrf_token.as_deref(), locale)?;
    let email = form.email.trim().to_string();
    let refuse = |key: &str, status: StatusCode| {
        let (token, cookie) = csrf_token(&req, &settings);
        let p = PasswordResetRequestPage {
            layout: layout(&req, &settings, locale, "password-reset-request-title"),
            email: email.clone(),
            sent: false,
            errors: localise([("email", key)], locale),
            csrf_token: token,
        };
        page(
            &templates,
            "staff/password_reset_request.html",
            &p,
            status,
            cookie,
        )
    };
    if !is_plausible_email(&email) {
        return refuse("accounts-error-email", StatusCode::UNPROCESSABLE_ENTITY);
    }
    if let Err(wait) = limiter.check(&req) {
        let mut res = refuse("error-rate-limited", StatusCode::TOO_MANY_REQUESTS)?;
        res.headers_mut().insert(
            actix_web::http::header::RETRY_AFTER,
            actix_web::http::header::HeaderValue::from(wait),
        );
        return Ok(res);
    }
    let (settings2, email_templates2) = (settings.clone(), email_templates.clone());
    db::run(&pool, move |conn| -> Result<_, AppError> {
        Ok(passwords::request_reset(
            conn,
            &email_templates2,
            &settings2,
            &email,
            Utc::now(),
        )?)
    })
    .await?;
    tokio::time::sleep_until(started + MIN_REQUEST_TIME).await;
    Ok(see_other("/staff/password-reset?sent=1"))
}

fn reset_page(
    req: &HttpRequest,
    settings: &Settings,
    templates: &Templates,
    locale: crate::i18n::Locale,
    state: &'static str,
    errors: FormErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (token, cookie) = csrf_token(req, settings);
    let p = PasswordResetPage {
        layout: layout(req, settings, locale, "password-reset-title"),
        state,
        action: req.path().to_string(),
        errors,
        min_length: MIN_LENGTH,
        csrf_token: token,
    };
    page(templates, "staff/password_reset.html", &p, status, cookie)
}

/// An expired, used or unknown link: one answer for all three.
const INVALID: StatusCode = StatusCode::GONE;

/// Tokens are 43 characters of URL-safe base64; anything else is not one.
fn looks_like_token(token: &str) -> bool {
    token.len() == 43
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[get("/password-reset/{token}")]
pub async fn reset_form(
    req: HttpRequest,
    path: web::Path<String>,
    pool: web::Data<Pool>,
    templates: web::Data<Templates>,
    settings: web::Data<Settings>,
    RequestLocale(locale): RequestLocale,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let usable = looks_like_token(&token)
        && db::run(&pool, move |conn| {
            passwords::reset_is_usable(conn, &token, Utc::now()).map_err(db::DbError::from)
        })
        .await?;
    if usable {
        let errors = FormErrors::new();
        reset_page(
            &req,
            &settings,
            &templates,
            locale,
            PasswordResetPage::FORM,
            errors,
            StatusCode::OK,
        )
    } else {
        reset_page(
            &req,
            &settings,
            &templates,
            locale,
            PasswordResetPage::INVALID,
            FormErrors::new(),
            INVALID,
        )
    }
}

#[derive(Debug, Deserialize)]
pub struct ResetForm {
    csrf_token: Option<String>,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

#[post("/password-reset/{token}")]
pub async fn reset(
    req: HttpRequest,
    path: web::Path<String>,
    form: web::Form<ResetForm>,
    pool: web::Data<Pool>,
    templates: web::Data<Templates>,
    settings: web::Data<Settings>,
    RequestLocale(locale): RequestLocale,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    require_csrf(&req, form.csrf_token.as_deref(), locale)?;
    let token = path.into_inner();
    let outcome = if looks_like_token(&token) {
        db::run(&pool, move |conn| -> Result<_, AppError> {
            Ok(passwords::reset_password(
                conn,
                &token,
                &SecretString::from(form.new_password),
                Some(&SecretString::from(form.confirm_password)),
                Utc::now(),
            )?)
        })
        .await?
    } else {
        ResetOutcome::Invalid
    };
    match outcome {
        ResetOutcome::Done(_) => {
            // Any session in this browser ended with the change; say so.
            let mut res = reset_page(
                &req,
                &settings,
                &templates,
                locale,
                PasswordResetPage::DONE,
                FormErrors::new(),
                StatusCode::OK,
            )?;
            res.add_cookie(&expired_session_cookie())
                .map_err(|e| AppError::Unexpected(e.into()))?;
            Ok(res)
        }
        ResetOutcome::Invalid => reset_page(
            &req,
            &settings,
            &templates,
            locale,
            PasswordResetPage::INVALID,
            FormErrors::new(),
            INVALID,
        ),
        ResetOutcome::Problems(problems) => reset_page(
            &req,
            &settings,
            &templates,
            locale,
            PasswordResetPage::FORM,
            localise(problems, locale),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    }
}
