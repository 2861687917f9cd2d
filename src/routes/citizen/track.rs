//! Following a request on the website: by its secret link, or by reference
//! and email; adding information; withdrawing; downloading attachments.

use actix_web::cookie::{time::Duration as CookieDuration, Cookie, SameSite};
use actix_web::http::{header, StatusCode};
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::Utc;
use serde::Deserialize;

use super::{html, page_layout, see_other};
use crate::auth::{csrf, grant};
use crate::clock::Clock;
use crate::configuration::Settings;
use crate::db::models::ticket::Ticket;
use crate::db::{self, Pool};
use crate::domain::reference::normalise_reference;
use crate::email::EmailTemplates;
use crate::error::AppError;
use crate::requests::{track, Attachment, RequestError};
use crate::routes::locale::RequestLocale;
use crate::staff::tickets::notify::on_citizen_comment;
use crate::uploads::{self, UploadLimits};
use crate::views::citizen::{LookupPage, RequestPage};
use crate::views::Templates;

/// Finds the ticket the visitor may see: by token, else by a grant cookie for it.
fn access(
    conn: &mut diesel::PgConnection,
    granted: Option<String>,
    reference: &str,
    token: Option<&str>,
) -> Result<Ticket, RequestError> {
    if let Some(token) = token.filter(|t| !t.is_empty()) {
        return track::by_token(conn, reference, token);
    }
    match (granted, normalise_reference(reference)) {
        (Some(g), Some(r)) if g == r => track::by_reference(conn, &r),
        _ => Err(RequestError::NotFound),
    }
}

/// The reference a valid grant cookie on this request is for.
fn granted(req: &HttpRequest, settings: &Settings) -> Option<String> {
    req.cookie(grant::GRANT_COOKIE)
        .and_then(|c| grant::verify(&settings.security.jwt_secret, c.value()))
}

fn grant_cookie(settings: &Settings, reference: &str) -> Cookie<'static> {
    Cookie::build(
        grant::GRANT_COOKIE,
        grant::issue(&settings.security.jwt_secret, reference, Utc::now()),
    )
    .path("/requests")
    .http_only(true)
    .secure(super::secure_cookies(settings))
    .same_site(SameSite::Lax)
    .max_age(CookieDuration::seconds(grant::GRANT_SECONDS))
    .finish()
}

/// `GET /track`: look a request up by reference and email.
#[get("/track")]
pub async fn lookup_form(
    req: HttpRequest,
    templates: web::Data<Templates>,
    settings: web::Data<Settings>,
    RequestLocale(locale): RequestLocale,
) -> Result<HttpResponse, AppError> {
    let (token, cookie) = csrf::token_for(&req, super::secure_cookies(&settings));
    let page = LookupPage {
        layout: page_layout(&req, &settings, locale, "lookup-title"),
        reference: String::new(),
        email: String::new(),
        not_found: false,
        csrf_token: token,
    };
    let mut res = html(&templates, "track/lookup.html", &page, StatusCode::OK)?;
    if let Some(c) = cookie {
        res.add_cookie(&c)
            .map_err(|e| AppError::Unexpected(e.into()))?;
    }
    Ok(res)
}

#[derive(Debug, Deserialize)]
pub struct LookupForm {
    reference: String,
    email: String,
    csrf_token: Option<String>,
}

/// `POST /track`: the same answer whether the reference exists or not.
#[post("/track")]
pub async fn lookup(
    req: HttpRequest,
    form: web::Form<LookupForm>,
    pool: web::Data<Pool>,
    templates: web::Data<Templates>,
    settings: web::Data<Settings>,
    limiter: web::Data<crate::abuse::SubmissionLimiter>,
    RequestLocale(locale): RequestLocale,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    if !csrf::verify(&req, form.csrf_token.as_deref()) {
        return Err(AppError::Forbidden(locale.text("error-csrf")));
    }
    // Guessing emails for a reference counts against the same limit as submitting.
    if let Err(wait) = limiter.check(&req) {
        return Ok(HttpResponse::TooManyRequests()
            .insert_header((header::RETRY_AFTER, wait.to_string()))
            .body(locale.text("error-rate-limited")));
    }
    let (reference, email) = (form.reference.clone(), form.email.clone());
    let found = db::run(&pool, move |conn| -> Result<_, AppError> {
        match track::by_reference_and_email(conn, &reference, &email) {
            Ok(t) => Ok(Some(t.reference)),
            Err(RequestError::NotFound) => Ok(None),
            Err(e) => Err(AppError::Unexpected(e.into())),
        }
    })
    .await?;
    match found {
        Some(reference) => {
            let mut res = see_other(&format!("/requests/{reference}"));
            res.add_cookie(&grant_cookie(&settings, &reference))
                .map_err(|e| AppError::Unexpected(e.into()))?;
            Ok(res)
        }
        None => {
            let (token, _) = csrf::token_for(&req, super::secure_cookies(&settings));
            let page = LookupPage {
                layout: page_layout(&req, &settings, locale, "lookup-title"),
                reference: form.reference,
                email: form.email,
                not_found: true,
                csrf_token: token,
            };
            html(
                &templates,
                "track/lookup.html",
                &page,
                StatusCode::NOT_FOUND,
            )
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct ViewQuery {
    token: Option<String>,
    done: Option<String>,
}

/// `GET /requests/{reference}`: the citizen's view of their request.
#[get("/requests/{reference}")]
pub async fn view(
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<ViewQuery>,
    pool: web::Data<Pool>,
    templates: web::Data<Templates>,
    settings: web::Data<Settings>,
    RequestLocale(locale): RequestLocale,
) -> Result<HttpResponse, AppError> {
    let reference = path.into_inner();
    let token = query.token.clone();
    let (granted, token2) = (granted(&req, &settings), token.clone());
    let view = db::run(&pool, move |conn| -> Result<_, AppError> {
        let ticket =
            access(conn, granted, &reference, token2.as_deref()).map_err(super::not_found_or)?;
        track::citizen_view(conn, &ticket).map_err(super::not_found_or)
    })
    .await?;
    let (csrf_token, cookie) = csrf::token_for(&req, super::secure_cookies(&settings));
    let message = match query.done.as_deref() {
        Some("comment") => Some(locale.text("request-comment-added")),
        Some("withdrawn") => Some(locale.text("request-withdrawn")),
        _ => None,
    };
    let mut layout = page_layout(&req, &settings, locale, "request-title");
    layout.title = format!("{} – {}", view.reference, layout.title);
    let page = RequestPage {
        layout,
        request: view,
        token: token.filter(|t| !t.is_empty()),
        csrf_token,
        message,
        error: None,
        max_files: settings.uploads.max_files,
    };
    let mut res = html(&templates, "track/request.html", &page, StatusCode::OK)?;
    if let Some(c) = cookie {
        res.add_cookie(&c)
            .map_err(|e| AppError::Unexpected(e.into()))?;
    }
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(res)
}

fn back_to(reference: &str, token: Option<&str>, done: &str) -> HttpResponse {
    let mut url = format!("/requests/{reference}?done={done}");
    if let Some(t) = token.filter(|t| !t.is_empty()) {
        url.push_str("&token=");
        url.extend(url::form_urlencoded::byte_serialize(t.as_bytes()));
    }
    see_other(&url)
}

/// `POST /requests/{reference}/comments`: information or an answer, with files.
#[allow(clippy::too_many_arguments)]
#[post("/requests/{reference}/comments")]
pub async fn comment(
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    pool: web::Data<Pool>,
    settings: web::Data<Settings>,
    templates: web::Data<EmailTemplates>,
    RequestLocale(locale): RequestLocale,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, AppError> {
    let limits = UploadLimits::from_settings(&settings);
    let multipart = uploads::multipart_from_request(req.headers(), payload, &limits)
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    let form = tokio::time::timeout(
        std::time::Duration::from_secs(120),
        uploads::read_multipart(multipart, &limits),
    )
    .await
    .map_err(|_| AppError::BadRequest("the form took too long to arrive".into()))?
    .map_err(|e| AppError::BadRequest(e.to_string()))?;
    if !csrf::verify(&req, form.get(csrf::CSRF_FIELD)) {
        return Err(AppError::Forbidden(locale.text("error-csrf")));
    }
    if let Some(p) = form.file_problems.first() {
        return Err(AppError::BadRequest(super::locale_text_problem(locale, p)));
    }
    let token = form.get("token").map(str::to_string);
    let body = form.get("body").unwrap_or("").to_string();
    let files: Vec<Attachment> = form
        .files
        .iter()
        .map(|f| Attachment {
            filename: f.filename.clone(),
            content_type: f.content_type,
            data: f.data.to_vec(),
            sha256: f.sha256,
        })
        .collect();
    let reference = path.into_inner();
    let (granted, token2) = (granted(&req, &settings), token.clone());
    let (reference2, settings2) = (reference.clone(), settings.clone());
    db::run(&pool, move |conn| -> Result<_, AppError> {
        let ticket =
            access(conn, granted, &reference2, token2.as_deref()).map_err(super::not_found_or)?;
        track::add_comment(
            conn,
            &ticket,
            &body,
            &files,
            clock.now(),
            on_citizen_comment(&templates, &settings2),
        )
        .map_err(|e| super::request_error(e, locale))
    })
    .await?;
    Ok(back_to(&reference, token.as_deref(), "comment"))
}

#[derive(Debug, Deserialize)]
pub struct WithdrawForm {
    reason: Option<String>,
    token: Option<String>,
    confirm: Option<String>,
    csrf_token: Option<String>,
}

/// `POST /requests/{reference}/withdraw`.
#[post("/requests/{reference}/withdraw")]
pub async fn withdraw(
    req: HttpRequest,
    path: web::Path<String>,
    form: web::Form<WithdrawForm>,
    pool: web::Data<Pool>,
    settings: web::Data<Settings>,
    RequestLocale(locale): RequestLocale,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    if !csrf::verify(&req, form.csrf_token.as_deref()) {
        return Err(AppError::Forbidden(locale.text("error-csrf")));
    }
    if form.confirm.as_deref() != Some("yes") {
        return Err(AppError::BadRequest(locale.text("error-withdraw-confirm")));
    }
    let reference = path.into_inner();
    let (granted, token2, reference2) = (
        granted(&req, &settings),
        form.token.clone(),
        reference.clone(),
    );
    let reason = form.reason.unwrap_or_default();
    db::run(&pool, move |conn| -> Result<_, AppError> {
        let ticket =
            access(conn, granted, &reference2, token2.as_deref()).map_err(super::not_found_or)?;
        track::withdraw(conn, &ticket, &reason, clock.now())
            .map_err(|e| super::request_error(e, locale))
    })
    .await?;
    Ok(back_to(&reference, form.token.as_deref(), "withdrawn"))
}

/// `GET /requests/{reference}/attachments/{id}`: always a download, never rendered inline.
#[get("/requests/{reference}/attachments/{id}")]
pub async fn attachment(
    req: HttpRequest,
    path: web::Path<(String, i64)>,
    query: web::Query<ViewQuery>,
    pool: web::Data<Pool>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, AppError> {
    let (reference, id) = path.into_inner();
    let (granted, token) = (granted(&req, &settings), query.token.clone());
    let (filename, content_type, data) = db::run(&pool, move |conn| -> Result<_, AppError> {
        let ticket =
            access(conn, granted, &reference, token.as_deref()).map_err(super::not_found_or)?;
        track::attachment(conn, &ticket, id).map_err(super::not_found_or)
    })
    .await?;
    let disposition = header::ContentDisposition {
        disposition: header::DispositionType::Attachment,
        parameters: vec![header::DispositionParam::FilenameExt(
            header::ExtendedValue {
                charset: header::Charset::Ext("UTF-8".into()),
                language_tag: None,
                value: filename.into_bytes(),
            },
        )],
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(disposition)
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header(("Content-Security-Policy", "default-src 'none'; sandbox"))
        .body(data))
}
