//! `/open311/v2`: GeoReport v2's resources, each as `.json` and `.xml`, and
//! the updates extension. Thin handlers: the parameters go to
//! [`crate::open311`], the answer comes back as a document in the format the
//! resource's extension names. Errors are GeoReport's `[{code, description}]`
//! (`<errors><error>` in XML) with the HTTP status as the code: 404 for what
//! does not exist, 403 for a missing or wrong key, 400 for anything else.

use std::borrow::Cow;
use std::collections::HashMap;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use fluent_templates::fluent_bundle::FluentValue;
use futures_util::StreamExt;

use crate::abuse::SubmissionLimiter;
use crate::clock::Clock;
use crate::configuration::Settings;
use crate::db::{self, DbError, Pool};
use crate::domain::reference::normalise_reference;
use crate::email::EmailTemplates;
use crate::i18n::Locale;
use crate::open311::answers;
use crate::open311::document::{Document, Format};
use crate::open311::params::{self, ParamError, Params, MAX_RESULTS};
use crate::open311::read::{self, RequestQuery};
use crate::open311::submit::{self, SubmitError};

/// A form body larger than this is refused (a 4,000-character description
/// and its attributes fit many times over).
const BODY_LIMIT: usize = 256 * 1024;
/// Past this a too-large body is no longer read.
const DRAIN_LIMIT: usize = 8 * 1024 * 1024;
/// How much of an unknown id an error message repeats.
const ECHO_MAX: usize = 100;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/open311/v2")
            .service(resource("/discovery.{format}").route(web::get().to(discovery)))
            .service(resource("/services.{format}").route(web::get().to(services)))
            .service(resource("/services/{code}.{format}").route(web::get().to(service_definition)))
            .service(
                resource("/requests.{format}")
                    .route(web::get().to(list_requests))
                    .route(web::post().to(create_request)),
            )
            .service(resource("/requests/{id}.{format}").route(web::get().to(get_request)))
            .service(resource("/tokens/{token}.{format}").route(web::get().to(get_token)))
            .service(resource("/servicerequestupdates.{format}").route(web::get().to(updates)))
            .default_service(web::to(not_found)),
    );
}

fn resource(path: &str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(method_not_allowed))
}

/// A refusal: its HTTP status and GeoReport's list of errors.
#[derive(Debug)]
pub struct Failure {
    status: StatusCode,
    descriptions: Vec<String>,
    retry_after: Option<u64>,
    /// The cause, for the log only.
    source: Option<anyhow::Error>,
}

impl Failure {
    fn new(status: StatusCode, description: String) -> Self {
        Self {
            status,
            descriptions: vec![description],
            retry_after: None,
            source: None,
        }
    }

    fn text(status: StatusCode, key: &str, locale: Locale) -> Self {
        Self::new(status, locale.text(key))
    }

    fn with(status: StatusCode, key: &str, arg: (&'static str, String), locale: Locale) -> Self {
        let args: HashMap<Cow<'static, str>, FluentValue<'_>> =
            [(Cow::Borrowed(arg.0), FluentValue::from(arg.1))].into();
        Self::new(status, locale.text_with(key, &args))
    }

    /// 400, one error per parameter: "param: what is wrong".
    fn params(errors: &[ParamError], locale: Locale) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            descriptions: errors
                .iter()
                .map(|e| format!("{}: {}", e.param, locale.text(&e.key)))
                .collect(),
            retry_after: None,
            source: None,
        }
    }

    fn internal(source: anyhow::Error) -> Self {
        Self {
            source: Some(source),
            ..Self::text(
                StatusCode::INTERNAL_SERVER_ERROR,
                "open311-error-internal",
                Locale::En,
            )
        }
    }

    fn response(self, format: Format) -> HttpResponse {
        if let Some(source) = &self.source {
            tracing::error!(error = ?source, status = self.status.as_u16(), "Open311 request failed");
        }
        let code = self.status.as_u16();
        let errors: Vec<(u16, String)> = self.descriptions.into_iter().map(|d| (code, d)).collect();
        let mut res = document(self.status, format, &answers::errors(&errors));
        if let Some(wait) = self.retry_after {
            res.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(wait));
        }
        res
    }
}

impl From<DbError> for Failure {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Unavailable(_) => Self {
                retry_after: Some(5),
                source: Some(e.into()),
                ..Self::text(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "open311-error-unavailable",
                    Locale::En,
                )
            },
            other => Self::internal(other.into()),
        }
    }
}

impl From<diesel::result::Error> for Failure {
    fn from(e: diesel::result::Error) -> Self {
        DbError::Query(e).into()
    }
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Self::internal(e)
    }
}

fn document(status: StatusCode, format: Format, doc: &Document) -> HttpResponse {
    HttpResponse::build(status)
        .content_type(format.content_type())
        .body(doc.render(format))
}

/// The answer in the resource's format.
fn reply(format: Format, result: Result<Document, Failure>) -> HttpResponse {
    match result {
        Ok(doc) => document(StatusCode::OK, format, &doc),
        Err(f) => f.response(format),
    }
}

/// The format the resource's extension names.
fn format_of(req: &HttpRequest) -> Option<Format> {
    req.match_info()
        .get("format")
        .and_then(Format::from_extension)
}

/// An unknown format is a 404 (in XML, GeoReport's required format).
fn bad_format(locale: Locale) -> HttpResponse {
    Failure::text(StatusCode::NOT_FOUND, "open311-error-format", locale).response(Format::Xml)
}

fn locale(settings: &Settings) -> Locale {
    settings.application.default_locale
}

fn query(req: &HttpRequest) -> Params {
    Params::parse(req.query_string().as_bytes())
}

fn jurisdiction(params: &Params, settings: &Settings) -> Result<(), Failure> {
    if submit::check_jurisdiction(params, settings) {
        Ok(())
    } else {
        Err(Failure::text(
            StatusCode::NOT_FOUND,
            "open311-error-jurisdiction",
            locale(settings),
        ))
    }
}

fn echo(s: &str) -> String {
    s.chars().take(ECHO_MAX).collect()
}

/// Unknown paths under `/open311/v2`: 404 in the format their extension
/// names, else XML.
async fn not_found(req: HttpRequest, settings: web::Data<Settings>) -> HttpResponse {
    let format = req
        .path()
        .rsplit_once('.')
        .and_then(|(_, ext)| Format::from_extension(ext))
        .unwrap_or(Format::Xml);
    Failure::text(
        StatusCode::NOT_FOUND,
        "open311-error-not-found",
        locale(&settings),
    )
    .response(format)
}

async fn method_not_allowed(req: HttpRequest, settings: web::Data<Settings>) -> HttpResponse {
    let format = req
        .match_info()
        .get("format")
        .and_then(Format::from_extension)
        .unwrap_or(Format::Xml);
    Failure::text(
        StatusCode::METHOD_NOT_ALLOWED,
        "open311-error-method",
        locale(&settings),
    )
    .response(format)
}

/// `GET discovery`: where the endpoint is, its formats, who to ask.
async fn discovery(
    req: HttpRequest,
    pool: web::Data<Pool>,
    settings: web::Data<Settings>,
) -> HttpResponse {
    let Some(format) = format_of(&req) else {
        return bad_format(locale(&settings));
    };
    let result = async {
        jurisdiction(&query(&req), &settings)?;
        let changed = db::run(&pool, |conn| -> Result<_, Failure> {
            Ok(read::catalogue_changed(conn)?)
        })
        .await?;
        Ok(answers::discovery(&settings, changed))
    }
    .await;
    reply(format, result)
}

/// `GET services`: the active catalogue.
async fn services(
    req: HttpRequest,
    pool: web::Data<Pool>,
    settings: web::Data<Settings>,
) -> HttpResponse {
    let Some(format) = format_of(&req) else {
        return bad_format(locale(&settings));
    };
    let result = async {
        jurisdiction(&query(&req), &settings)?;
        let list = db::run(&pool, |conn| -> Result<_, Failure> {
            Ok(read::services(conn)?)
        })
        .await?;
        Ok(answers::services(&list, settings.open311.service_type))
    }
    .await;
    reply(format, result)
}

/// `GET services/{service_code}`: the service's attributes.
async fn service_definition(
    req: HttpRequest,
    pool: web::Data<Pool>,
    settings: web::Data<Settings>,
) -> HttpResponse {
    let Some(format) = format_of(&req) else {
        return bad_format(locale(&settings));
    };
    let code = req.match_info().get("code").unwrap_or_default().to_string();
    let result = async {
        jurisdiction(&query(&req), &settings)?;
        let code2 = code.clone();
        let found = db::run(&pool, move |conn| -> Result<_, Failure> {
            Ok(read::service(conn, &code2)?)
        })
        .await?;
        let service = found.ok_or_else(|| {
            Failure::with(
                StatusCode::NOT_FOUND,
                "open311-error-service-unknown",
                ("code", echo(&code)),
                locale(&settings),
            )
        })?;
        Ok(answers::service_definition(&service))
    }
    .await;
    reply(format, result)
}

/// The body of a POST, up to [`BODY_LIMIT`]. A larger one is read on (up to
/// [`DRAIN_LIMIT`]) and dropped, so the client gets the answer rather than a
/// connection cut while it is still sending.
async fn read_body(mut payload: web::Payload, locale: Locale) -> Result<Vec<u8>, Failure> {
    let refused = || Failure::text(StatusCode::BAD_REQUEST, "open311-error-body", locale);
    let mut body = Vec::new();
    let mut seen = 0usize;
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| refused())?;
        seen += chunk.len();
        if seen > DRAIN_LIMIT {
            return Err(refused());
        }
        if seen <= BODY_LIMIT {
            body.extend_from_slice(&chunk);
        }
    }
    if seen > BODY_LIMIT {
        return Err(refused());
    }
    Ok(body)
}

fn is_form(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

/// `POST requests`: a new request, answered with its id (or a token).
#[allow(clippy::too_many_arguments)]
async fn create_request(
    req: HttpRequest,
    payload: web::Payload,
    pool: web::Data<Pool>,
    settings: web::Data<Settings>,
    templates: web::Data<EmailTemplates>,
    limiter: web::Data<SubmissionLimiter>,
    clock: web::Data<Clock>,
) -> HttpResponse {
    let locale = locale(&settings);
    let Some(format) = format_of(&req) else {
        return bad_format(locale);
    };
    let result = async {
        limiter.check(&req).map_err(|wait| Failure {
            retry_after: Some(wait),
            ..Failure::text(
                StatusCode::TOO_MANY_REQUESTS,
                "open311-error-rate-limited",
                locale,
            )
        })?;
        if !is_form(&req) {
            return Err(Failure::text(
                StatusCode::BAD_REQUEST,
                "open311-error-content-type",
                locale,
            ));
        }
        let mut params = Params::parse(&read_body(payload, locale).await?);
        // Some clients put the key in the URL.
        if params.get("api_key").is_none() {
            if let Some(key) = query(&req).get("api_key") {
                params.push("api_key", key);
            }
        }
        let now = clock.now();
        let (settings2, templates2) = (settings.clone(), templates.clone());
        let accepted = db::run(&pool, move |conn| -> Result<_, Failure> {
            submit::submit(
                conn,
                &params,
                submit::Context {
                    settings: &settings2,
                    templates: &templates2,
                    now,
                },
            )
            .map_err(|e| submit_failure(e, locale))
        })
        .await?;
        Ok(answers::accepted(
            &accepted,
            settings.open311.service_type,
            locale,
        ))
    }
    .await;
    reply(format, result)
}

fn submit_failure(e: SubmitError, locale: Locale) -> Failure {
    match e {
        SubmitError::MissingKey => Failure::text(
            StatusCode::FORBIDDEN,
            "open311-error-api-key-missing",
            locale,
        ),
        SubmitError::InvalidKey => Failure::text(
            StatusCode::FORBIDDEN,
            "open311-error-api-key-invalid",
            locale,
        ),
        SubmitError::UnknownJurisdiction => {
            Failure::text(StatusCode::NOT_FOUND, "open311-error-jurisdiction", locale)
        }
        SubmitError::MissingServiceCode => Failure::text(
            StatusCode::BAD_REQUEST,
            "open311-error-service-code-missing",
            locale,
        ),
        SubmitError::UnknownService(code) => Failure::with(
            StatusCode::NOT_FOUND,
            "open311-error-service-unknown",
            ("code", echo(&code)),
            locale,
        ),
        SubmitError::Invalid(errors) => Failure::params(&errors, locale),
        SubmitError::Db(e) => e.into(),
        SubmitError::Other(e) => Failure::internal(e),
    }
}

/// `GET requests`: by id (which overrides every other parameter), or by
/// service, status and requested time, newest first, paged.
async fn list_requests(
    req: HttpRequest,
    pool: web::Data<Pool>,
    settings: web::Data<Settings>,
    clock: web::Data<Clock>,
) -> HttpResponse {
    let locale = locale(&settings);
    let Some(format) = format_of(&req) else {
        return bad_format(locale);
    };
    let result = async {
        let p = query(&req);
        jurisdiction(&p, &settings)?;
        let ids = p.list("service_request_id");
        let q = if !ids.is_empty() {
            if ids.len() as i64 > MAX_RESULTS {
                return Err(Failure::params(
                    &[ParamError::new(
                        "service_request_id",
                        "open311-error-too-many-ids",
                    )],
                    locale,
                ));
            }
            RequestQuery::Ids(ids)
        } else {
            let mut errors = Vec::new();
            let window = params::window(p.get("start_date"), p.get("end_date"), clock.now())
                .map_err(|e| errors.extend(e))
                .ok();
            let status = params::StatusFilter::parse(&p.list("status"))
                .map_err(|e| errors.push(e))
                .ok();
            let paging = params::paging(p.get("page"), p.get("page_size"))
                .map_err(|e| errors.extend(e))
                .ok();
            match (window, status, paging) {
                (Some((from, to)), Some(status), Some((page, page_size))) if errors.is_empty() => {
                    RequestQuery::Filter {
                        service_codes: p.list("service_code"),
                        status,
                        from,
                        to,
                        page,
                        page_size,
                    }
                }
                _ => return Err(Failure::params(&errors, locale)),
            }
        };
        let found = db::run(&pool, move |conn| -> Result<_, Failure> {
            Ok(read::requests(conn, &q)?)
        })
        .await?;
        Ok(answers::requests(
            &found,
            settings.application.time_zone,
            locale,
        ))
    }
    .await;
    reply(format, result)
}

/// `GET requests/{service_request_id}`.
async fn get_request(
    req: HttpRequest,
    pool: web::Data<Pool>,
    settings: web::Data<Settings>,
) -> HttpResponse {
    let locale = locale(&settings);
    let Some(format) = format_of(&req) else {
        return bad_format(locale);
    };
    let id = req.match_info().get("id").unwrap_or_default().to_string();
    let result = async {
        jurisdiction(&query(&req), &settings)?;
        let unknown = || {
            Failure::with(
                StatusCode::NOT_FOUND,
                "open311-error-request-unknown",
                ("id", echo(&id)),
                locale,
            )
        };
        let reference = normalise_reference(&id).ok_or_else(unknown)?;
        let found = db::run(&pool, move |conn| -> Result<_, Failure> {
            Ok(read::requests(conn, &RequestQuery::Ids(vec![reference]))?)
        })
        .await?;
        if found.is_empty() {
            return Err(unknown());
        }
        Ok(answers::requests(
            &found,
            settings.application.time_zone,
            locale,
        ))
    }
    .await;
    reply(format, result)
}

/// `GET tokens/{token}`: the id of the request a token stands for.
async fn get_token(
    req: HttpRequest,
    pool: web::Data<Pool>,
    settings: web::Data<Settings>,
) -> HttpResponse {
    let locale = locale(&settings);
    let Some(format) = format_of(&req) else {
        return bad_format(locale);
    };
    let token = req
        .match_info()
        .get("token")
        .unwrap_or_default()
        .to_string();
    let result = async {
        jurisdiction(&query(&req), &settings)?;
        let t = token.clone();
        let found = db::run(&pool, move |conn| -> Result<_, Failure> {
            Ok(read::token(conn, &t)?)
        })
        .await?;
        let (reference, token) = found.ok_or_else(|| {
            Failure::with(
                StatusCode::NOT_FOUND,
                "open311-error-token-unknown",
                ("token", echo(&token)),
                locale,
            )
        })?;
        Ok(answers::token(&reference, &token))
    }
    .await;
    reply(format, result)
}

/// `GET servicerequestupdates`: public updates made in the window, oldest
/// first, at most 1,000.
async fn updates(
    req: HttpRequest,
    pool: web::Data<Pool>,
    settings: web::Data<Settings>,
    clock: web::Data<Clock>,
) -> HttpResponse {
    let locale = locale(&settings);
    let Some(format) = format_of(&req) else {
        return bad_format(locale);
    };
    let result = async {
        let p = query(&req);
        jurisdiction(&p, &settings)?;
        let (from, to) = params::window(p.get("start_date"), p.get("end_date"), clock.now())
            .map_err(|e| Failure::params(&e, locale))?;
        let found = db::run(&pool, move |conn| -> Result<_, Failure> {
            Ok(read::updates(conn, from, to, MAX_RESULTS)?)
        })
        .await?;
        Ok(answers::updates(
            &found,
            settings.application.time_zone,
            locale,
        ))
    }
    .await;
    reply(format, result)
}
