//! `/api/v1`: the catalogue, submitting a request, following it, commenting.

use std::collections::BTreeMap;

use actix_web::http::header;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::error::ApiError;
use crate::abuse::SubmissionLimiter;
use crate::clock::Clock;
use crate::configuration::Settings;
use crate::db::{self, Pool};
use crate::domain::new_ticket::{NewTicket, SubmissionInput};
use crate::domain::ticket::Channel;
use crate::email::EmailTemplates;
use crate::i18n::Locale;
use crate::requests::track::{self, CitizenView};
use crate::requests::{self, notify, submit, RequestError};
use crate::schema::{categories, departments};
use crate::staff::tickets::notify::on_citizen_comment;

/// A category of the service catalogue.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CategoryOut {
    /// Stable service code.
    pub code: String,
    pub name: String,
    pub description: String,
    pub group: String,
    pub department: String,
    /// Kinds of request this service takes.
    pub kinds: Vec<String>,
    pub requires_location: bool,
    /// Extra questions: code, label, datatype, required, values.
    #[schema(value_type = Vec<Object>)]
    pub extra_fields: serde_json::Value,
}

#[utoipa::path(get, path = "/api/v1/categories", tag = "catalogue",
    responses((status = 200, description = "Active services, grouped order", body = [CategoryOut])))]
#[get("/categories")]
pub async fn list_categories(pool: web::Data<Pool>) -> Result<HttpResponse, ApiError> {
    use diesel::prelude::*;
    let rows = db::run(&pool, |conn| {
        categories::table
            .inner_join(departments::table)
            .filter(categories::active.eq(true))
            .order((
                categories::group_name,
                categories::sort_order,
                categories::name,
            ))
            .select((
                categories::slug,
                categories::name,
                categories::description,
                categories::group_name,
                departments::name,
                categories::kinds,
                categories::requires_location,
                categories::extra_fields,
            ))
            .load::<(
                String,
                String,
                String,
                String,
                String,
                Vec<Option<String>>,
                bool,
                serde_json::Value,
            )>(conn)
            .map_err(db::DbError::from)
    })
    .await?;
    let out: Vec<CategoryOut> = rows
        .into_iter()
        .map(
            |(
                code,
                name,
                description,
                group,
                department,
                kinds,
                requires_location,
                extra_fields,
            )| CategoryOut {
                code,
                name,
                description,
                group,
                department,
                kinds: kinds.into_iter().flatten().collect(),
                requires_location,
                extra_fields,
            },
        )
        .collect();
    Ok(HttpResponse::Ok().json(out))
}

/// A new request.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRequest {
    /// Service code from `/api/v1/categories`.
    pub category: String,
    /// service_request, complaint, inquiry, information_request, suggestion or compliment;
    /// may be left out when the service takes only one kind.
    pub kind: Option<String>,
    pub subject: Option<String>,
    pub description: Option<String>,
    /// The citizen's name.
    pub name: Option<String>,
    /// Email and/or phone: at least one.
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// Language for replies: en or fa.
    pub locale: Option<String>,
    /// Must be true: the citizen agreed to the privacy notice.
    pub privacy_consent: Option<bool>,
    /// Answers to the service's extra questions by code; a list for multi-value lists.
    #[schema(value_type = Object)]
    pub extra_fields: Option<BTreeMap<String, serde_json::Value>>,
}

impl CreateRequest {
    fn into_input(self) -> (String, SubmissionInput) {
        let extra = extra_values(self.extra_fields);
        let input = SubmissionInput {
            kind: self.kind.unwrap_or_default(),
            subject: self.subject.unwrap_or_default(),
            description: self.description.unwrap_or_default(),
            name: self.name.unwrap_or_default(),
            email: self.email.unwrap_or_default(),
            phone: self.phone.unwrap_or_default(),
            address: self.address.unwrap_or_default(),
            latitude: self.latitude.map(|v| v.to_string()).unwrap_or_default(),
            longitude: self.longitude.map(|v| v.to_string()).unwrap_or_default(),
            locale: self.locale.unwrap_or_default(),
            privacy_consent: self.privacy_consent.unwrap_or(false),
            extra,
        };
        (self.category, input)
    }
}

/// Extra-field answers sent as JSON, as the form values the domain checks:
/// a list for multi-value lists, numbers and booleans as their text.
pub(crate) fn extra_values(
    fields: Option<BTreeMap<String, serde_json::Value>>,
) -> BTreeMap<String, Vec<String>> {
    let text = |v: serde_json::Value| match v {
        serde_json::Value::String(s) => s,
        other => other.to_string(),
    };
    fields
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| {
            let values = match v {
                serde_json::Value::Array(items) => items.into_iter().map(text).collect(),
                serde_json::Value::Null => vec![],
                other => vec![text(other)],
            };
            (k, values)
        })
        .collect()
}

/// A request as its citizen sees it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RequestOut {
    pub reference: String,
    /// Internal state folded for citizens: received, in_progress, waiting_for_your_reply, resolved, closed.
    #[schema(value_type = String)]
    pub status: crate::domain::ticket_status::CitizenStatus,
    pub status_label: String,
    pub kind: String,
    pub category: String,
    pub category_code: String,
    pub department: String,
    pub subject: String,
    pub description: String,
    pub address: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    #[schema(value_type = Object)]
    pub extra_fields: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Public timeline entries, oldest first.
    #[schema(value_type = Vec<Object>)]
    pub timeline: Vec<track::PublicEvent>,
    #[schema(value_type = Vec<Object>)]
    pub attachments: Vec<track::PublicAttachment>,
    /// When we aim to give a first response, while that clock runs.
    pub respond_by: Option<DateTime<Utc>>,
    /// When we aim to resolve the request, while that clock runs.
    pub resolve_by: Option<DateTime<Utc>>,
    /// The target dates are paused while we wait for the citizen's reply.
    pub targets_paused: bool,
    /// The IANA zone the handling department works in (show the dates in it).
    pub time_zone: String,
    /// Set when the request was merged into another about the same thing:
    /// follow that one here (its citizen's details are not shown).
    pub continues_as: Option<ContinuationOut>,
}

/// How the request a merged request continues as is getting on.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ContinuationOut {
    pub reference: String,
    #[schema(value_type = String)]
    pub status: crate::domain::ticket_status::CitizenStatus,
    pub status_label: String,
    pub updated_at: DateTime<Utc>,
    /// Its public status changes, oldest first (`data.from`, `data.to`).
    #[schema(value_type = Vec<Object>)]
    pub timeline: Vec<track::PublicEvent>,
}

impl RequestOut {
    fn from_view(v: CitizenView, locale: Locale) -> Self {
        Self {
            status_label: locale.text(v.status_key),
            reference: v.reference,
            status: v.status,
            kind: v.kind,
            category: v.category,
            category_code: v.category_slug,
            department: v.department,
            subject: v.subject,
            description: v.description,
            address: v.address,
            latitude: v.latitude,
            longitude: v.longitude,
            extra_fields: v.extra_fields,
            created_at: v.created_at,
            updated_at: v.updated_at,
            timeline: v.timeline,
            attachments: v.attachments,
            respond_by: v.promise.respond_by,
            resolve_by: v.promise.resolve_by,
            targets_paused: v.promise.paused,
            time_zone: v.promise.time_zone,
            continues_as: v.continues_as.map(|c| ContinuationOut {
                status_label: locale.text(c.status_key),
                reference: c.reference,
                status: c.status,
                updated_at: c.updated_at,
                timeline: c.timeline,
            }),
        }
    }
}

/// The answer to a submission: the only time the tracking token is shown.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedOut {
    /// Secret: whoever has it can follow and comment on the request.
    pub tracking_token: String,
    pub tracking_url: String,
    #[serde(flatten)]
    pub request: RequestOut,
}

#[utoipa::path(post, path = "/api/v1/requests", tag = "requests", request_body = CreateRequest,
    responses(
        (status = 201, description = "Created; keep the tracking token", body = CreatedOut),
        (status = 400, description = "Malformed JSON"),
        (status = 413, description = "Body too large"),
        (status = 409, description = "The Idempotency-Key was used before: `already_submitted` names that request"),
        (status = 415, description = "Not application/json"),
        (status = 422, description = "Invalid fields, listed in error.fields"),
        (status = 429, description = "Too many submissions; see Retry-After"),
    ),
    params(("Idempotency-Key" = Option<String>, Header, description = "A UUID: the same request sent again makes nothing new")))]
#[post("/requests")]
pub async fn create_request(
    req: HttpRequest,
    body: web::Json<CreateRequest>,
    pool: web::Data<Pool>,
    settings: web::Data<Settings>,
    templates: web::Data<EmailTemplates>,
    limiter: web::Data<SubmissionLimiter>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, ApiError> {
    limiter.check(&req).map_err(ApiError::rate_limited)?;
    let key = super::error::idempotency_key(&req)?.map(|key| submit::IdempotencyKey {
        scope: submit::KeyScope::Api,
        key,
    });
    let (category_code, input) = body.into_inner().into_input();
    let now = clock.now();
    let (settings2, templates2) = (settings.clone(), templates.clone());
    let (submitted, view) = db::run(&pool, move |conn| -> Result<_, ApiError> {
        let target = match requests::submission_target(conn, &category_code) {
            Ok(found) => found,
            Err(RequestError::NotFound) => {
                let mut fields = BTreeMap::new();
                fields.insert(
                    "category".to_string(),
                    Locale::En.text("error-category-unknown"),
                );
                return Err(ApiError::validation(fields));
            }
            Err(e) => return Err(e.into()),
        };
        let new = NewTicket::parse(input, &target.rules, now)
            .map_err(|e| ApiError::validation(e.localised(Locale::En)))?;
        let submitted = submit::submit(
            conn,
            &target.category,
            &new,
            &[],
            submit::Arrival {
                channel: Channel::Api,
                at: now,
                council_zone: settings2.application.time_zone,
                key,
            },
            |conn, s| {
                notify::confirmation_naming(
                    conn,
                    &templates2,
                    &settings2,
                    s,
                    &target.category.name,
                    &target.department,
                )
            },
        )?;
        // Everything the answer shows was just written or loaded: no reading back.
        let view = track::submitted_view(
            &submitted,
            &target.category,
            &target.department,
            &target.time_zone,
        );
        Ok((submitted, view))
    })
    .await?;
    let url = notify::tracking_url(
        &settings,
        &submitted.ticket.reference,
        &submitted.tracking_token,
    );
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/requests/{}", submitted.ticket.reference),
        ))
        .json(CreatedOut {
            tracking_token: submitted.tracking_token,
            tracking_url: url,
            request: RequestOut::from_view(view, Locale::En),
        }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TokenQuery {
    /// The tracking token (or send it in the X-Tracking-Token header).
    token: Option<String>,
}

fn token_of(req: &HttpRequest, query: &TokenQuery) -> String {
    req.headers()
        .get("X-Tracking-Token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| query.token.clone())
        .unwrap_or_default()
}

#[utoipa::path(get, path = "/api/v1/requests/{reference}", tag = "requests",
    params(("reference" = String, Path, description = "e.g. CD-2026-004217"), TokenQuery,
        ("X-Tracking-Token" = Option<String>, Header, description = "The tracking token, instead of the query")),
    responses(
        (status = 200, description = "The request as its citizen sees it", body = RequestOut),
        (status = 404, description = "No such request, or a wrong or missing token"),
    ))]
#[get("/requests/{reference}")]
pub async fn get_request(
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<TokenQuery>,
    pool: web::Data<Pool>,
) -> Result<HttpResponse, ApiError> {
    let token = token_of(&req, &query);
    let reference = path.into_inner();
    let view = db::run(&pool, move |conn| -> Result<_, ApiError> {
        let ticket = track::by_token(conn, &reference, &token)?;
        Ok(track::citizen_view(conn, &ticket)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(RequestOut::from_view(view, Locale::En)))
}

/// Information or an answer from the citizen.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentIn {
    pub body: String,
}

#[utoipa::path(post, path = "/api/v1/requests/{reference}/comments", tag = "requests",
    params(("reference" = String, Path, description = "e.g. CD-2026-004217"), TokenQuery,
        ("X-Tracking-Token" = Option<String>, Header, description = "The tracking token, instead of the query")),
    request_body = CommentIn,
    responses(
        (status = 201, description = "Added; the request as it now stands", body = RequestOut),
        (status = 404, description = "No such request, or a wrong or missing token"),
        (status = 409, description = "The request is closed"),
        (status = 422, description = "Empty or too long"),
    ))]
#[allow(clippy::too_many_arguments)]
#[post("/requests/{reference}/comments")]
pub async fn add_comment(
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<TokenQuery>,
    body: web::Json<CommentIn>,
    pool: web::Data<Pool>,
    settings: web::Data<Settings>,
    templates: web::Data<EmailTemplates>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, ApiError> {
    let token = token_of(&req, &query);
    let reference = path.into_inner();
    let text = body.into_inner().body;
    let view = db::run(&pool, move |conn| -> Result<_, ApiError> {
        let ticket = track::by_token(conn, &reference, &token)?;
        track::add_comment(
            conn,
            &ticket,
            &text,
            &[],
            clock.now(),
            on_citizen_comment(&templates, &settings),
        )?;
        let ticket = track::by_token(conn, &reference, &token)?;
        Ok(track::citizen_view(conn, &ticket)?)
    })
    .await?;
    Ok(HttpResponse::Created().json(RequestOut::from_view(view, Locale::En)))
}

/// Every operation of the API, for `/api/v1/openapi.json`.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(title = "CivicDesk API", description = "Submit and follow citizens' requests."),
    paths(list_categories, create_request, get_request, add_comment, crate::routes::staff::auth::issue_token),
    components(schemas(CategoryOut, CreateRequest, RequestOut, ContinuationOut, CreatedOut, CommentIn,
        crate::routes::staff::auth::TokenRequest, crate::routes::staff::auth::TokenResponse)),
    tags((name = "catalogue", description = "The services citizens can ask for"),
         (name = "requests", description = "Citizens' requests"),
         (name = "staff", description = "Staff sign-in and ticket handling (Bearer token)"))
)]
pub struct ApiDoc;

#[get("/openapi.json")]
pub async fn openapi_document() -> HttpResponse {
    use utoipa::OpenApi;
    let mut doc = ApiDoc::openapi();
    doc.merge(super::accounts::AccountsApiDoc::openapi());
    doc.merge(super::queues::QueuesApiDoc::openapi());
    doc.merge(super::tickets::TicketsApiDoc::openapi());
    doc.merge(super::sla_admin::SlaAdminApiDoc::openapi());
    doc.merge(super::reports::ReportsApiDoc::openapi());
    HttpResponse::Ok().json(doc)
}
