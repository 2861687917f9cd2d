//! The staff API for queues and intake (Bearer token):
//! `GET /api/v1/tickets` (lists, the same filters as `/staff/queue`),
//! `POST /api/v1/tickets` (intake on a citizen's behalf) and
//! `GET /api/v1/contacts` (the citizen look-up intake uses).

use std::collections::BTreeMap;

use actix_web::http::{header, StatusCode};
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

use super::error::ApiError;
use crate::auth::session::CurrentStaff;
use crate::clock::Clock;
use crate::configuration::Settings;
use crate::db::filters::{At, ListError, ListQuery, Scope, PAGE_SIZE};
use crate::db::{self, Pool};
use crate::domain::new_ticket::{FieldErrors, SubmissionInput};
use crate::domain::ticket::Channel;
use crate::email::EmailTemplates;
use crate::i18n::Locale;
use crate::requests::notify;
use crate::staff::intake::{self, ContactMatch, Intake, IntakeError};
use crate::staff::queues::{self, ListedTicket, QueueCounts};

fn forbidden() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "forbidden",
        "Your role does not work tickets.",
    )
}

fn bad_query(message: String) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "bad_query", message)
}

/// The query parameters of `GET /api/v1/tickets` (for the documentation; they
/// are parsed into a `ListQuery`).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct TicketListParams {
    /// One of the named queues: all (default), mine (open, assigned to you),
    /// unassigned (open, your departments, nobody's), waiting (on the citizen),
    /// recent (updated in the last 24 hours).
    queue: Option<String>,
    /// Statuses: new, triaged, assigned, in_progress, waiting_on_citizen,
    /// resolved, closed, reopened. Repeat the parameter or separate with commas.
    status: Option<Vec<String>>,
    /// service_request, complaint, inquiry, information_request, suggestion or compliment.
    kind: Option<String>,
    /// A category's code, e.g. missed-bin.
    category: Option<String>,
    /// low, normal, high or urgent.
    priority: Option<String>,
    /// web, email, phone, counter, api or staff.
    channel: Option<String>,
    /// me, none, or a staff member's id.
    assignee: Option<String>,
    /// A department's code, e.g. roads.
    department: Option<String>,
    /// An area's code (ward, district), or `none` for tickets in no area.
    area: Option<String>,
    /// Created on or after this day (YYYY-MM-DD) in the council's time zone.
    created_from: Option<String>,
    /// Created on or before this day (YYYY-MM-DD) in the council's time zone.
    created_to: Option<String>,
    /// Search: a reference (matched exactly, listed first), words of the subject or
    /// description, or the citizen's name, email or phone.
    q: Option<String>,
    /// updated (default), created, or relevance (the default when searching).
    sort: Option<String>,
    /// The `next_cursor` of the previous page, unchanged.
    cursor: Option<String>,
}

/// A page of tickets.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TicketListOut {
    /// At most 50.
    pub items: Vec<ListedTicket>,
    /// Pass as `cursor` for the next page; null on the last.
    pub next_cursor: Option<String>,
    pub counts: QueueCounts,
}

#[utoipa::path(get, path = "/api/v1/tickets", tag = "staff", params(TicketListParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of tickets in your scope, with queue counts", body = TicketListOut),
        (status = 400, description = "A parameter has a value that cannot be; error.message says which"),
        (status = 401, description = "No valid Bearer token"),
        (status = 403, description = "Your role sees no tickets (leaders, admins)"),
    ))]
#[get("/tickets")]
pub async fn list_tickets(
    req: HttpRequest,
    staff: CurrentStaff,
    pool: web::Data<Pool>,
    settings: web::Data<Settings>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, ApiError> {
    let scope = Scope::of(&staff).ok_or_else(forbidden)?;
    let query = web::Query::<ListQuery>::from_query(req.query_string())
        .map_err(|e| bad_query(e.to_string()))?
        .into_inner();
    let zone = settings.application.time_zone;
    let at = At {
        now: clock.now(),
        due_soon: settings.sla.due_soon,
    };
    let (page, counts) = db::run(&pool, move |conn| {
        queues::list_with_counts(conn, &scope, &query, zone, at, PAGE_SIZE).map_err(|e| match e {
            ListError::Filter(f) => bad_query(f.to_string()),
            ListError::Db(e) => db::DbError::from(e).into(),
        })
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(TicketListOut {
            items: page.items,
            next_cursor: page.next_cursor,
            counts,
        }))
}

/// A request taken on a citizen's behalf: for `contact_id` (from
/// `/api/v1/contacts`), or for the citizen described by name, email and phone
/// (an existing contact with that email is reused).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntakeIn {
    /// How the request reached you: phone, counter or email.
    pub channel: String,
    /// Service code from `/api/v1/categories`.
    pub category: String,
    /// An existing citizen; leave out to give name, email and/or phone instead.
    pub contact_id: Option<i64>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Language for replies: en or fa (default: the contact's, else en).
    pub locale: Option<String>,
    /// May be left out when the service takes only one kind.
    pub kind: Option<String>,
    pub subject: Option<String>,
    pub description: Option<String>,
    pub address: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// Must be true: the citizen was told how their information is used.
    pub privacy_consent: Option<bool>,
    /// Answers to the service's extra questions by code; a list for multi-value lists.
    #[schema(value_type = Object)]
    pub extra_fields: Option<BTreeMap<String, serde_json::Value>>,
}

impl IntakeIn {
    fn into_intake(self) -> Result<Intake, FieldErrors> {
        let mut errors = FieldErrors::default();
        let gave_details = [&self.name, &self.email, &self.phone]
            .iter()
            .any(|v| v.as_deref().is_some_and(|s| !s.trim().is_empty()));
        if self.contact_id.is_some() && gave_details {
            errors.add("contact_id", "intake-error-contact-both");
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let extra = super::requests::extra_values(self.extra_fields);
        Ok(Intake {
            // Unknown channels are refused by the use case, with the field named.
            channel: self.channel.parse().unwrap_or(Channel::Staff),
            category: self.category,
            contact_id: self.contact_id,
            key: None,
            input: SubmissionInput {
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
            },
        })
    }
}

/// What intake created.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IntakeOut {
    pub reference: String,
    /// The citizen's contact (reuse it for their next request).
    pub contact_id: i64,
    #[schema(value_type = String, example = "phone")]
    pub channel: Channel,
    /// The department that handles it.
    pub department_id: i64,
    /// Whether a confirmation email is on its way to the citizen.
    pub confirmation_emailed: bool,
}

#[utoipa::path(post, path = "/api/v1/tickets", tag = "staff", request_body = IntakeIn,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created on the citizen's behalf", body = IntakeOut),
        (status = 400, description = "Malformed JSON"),
        (status = 401, description = "No valid Bearer token"),
        (status = 403, description = "Your role does not take requests (leaders, admins)"),
        (status = 409, description = "The Idempotency-Key was used before: `already_submitted` names that request"),
        (status = 422, description = "Invalid fields, listed in error.fields"),
    ),
    params(("Idempotency-Key" = Option<String>, Header, description = "A UUID: the same intake sent again makes nothing new")))]
#[post("/tickets")]
pub async fn create_ticket(
    req: actix_web::HttpRequest,
    staff: CurrentStaff,
    body: web::Json<IntakeIn>,
    pool: web::Data<Pool>,
    settings: web::Data<Settings>,
    templates: web::Data<EmailTemplates>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, ApiError> {
    if !staff.works_tickets() {
        return Err(forbidden());
    }
    let key = super::error::idempotency_key(&req)?;
    let mut intake = body
        .into_inner()
        .into_intake()
        .map_err(|e| ApiError::validation(e.localised(Locale::En)))?;
    intake.key = key;
    let staff_member = staff.0.clone();
    let (settings2, templates2) = (settings.clone(), templates.clone());
    let submitted = db::run(&pool, move |conn| {
        intake::take(
            conn,
            &staff_member,
            intake,
            clock.now(),
            settings2.application.time_zone,
            |conn, s| notify::confirmation(conn, &templates2, &settings2, s),
        )
        .map_err(|e| match e {
            IntakeError::Forbidden => forbidden(),
            IntakeError::Invalid(fields) => ApiError::validation(fields.localised(Locale::En)),
            IntakeError::Request(e) => e.into(),
            IntakeError::Db(e) => db::DbError::from(e).into(),
        })
    })
    .await?;
    let t = &submitted.ticket;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/tickets/{}", t.reference)))
        .json(IntakeOut {
            reference: t.reference.clone(),
            contact_id: t.contact_id,
            channel: t.channel,
            department_id: t.department_id,
            confirmation_emailed: submitted.contact_email.is_some(),
        }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContactQuery {
    /// A name (words may be the start of words), an email address or a phone number.
    pub q: String,
}

/// Citizens matching a look-up.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ContactListOut {
    /// At most 20, best match first.
    pub items: Vec<ContactMatch>,
}

#[utoipa::path(get, path = "/api/v1/contacts", tag = "staff", params(ContactQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Citizens whose name, email or phone match", body = ContactListOut),
        (status = 400, description = "q is missing"),
        (status = 401, description = "No valid Bearer token"),
        (status = 403, description = "Your role does not take requests (leaders, admins)"),
    ))]
#[get("/contacts")]
pub async fn find_contacts(
    req: HttpRequest,
    staff: CurrentStaff,
    pool: web::Data<Pool>,
) -> Result<HttpResponse, ApiError> {
    if !staff.works_tickets() {
        return Err(forbidden());
    }
    let query = web::Query::<ContactQuery>::from_query(req.query_string())
        .map_err(|e| bad_query(e.to_string()))?
        .into_inner();
    if query.q.chars().count() > 200 {
        return Err(bad_query("`q` must be at most 200 characters".into()));
    }
    let items = db::run(&pool, move |conn| {
        intake::find_contacts(conn, &query.q).map_err(db::DbError::from)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(ContactListOut { items }))
}

/// Adds the Bearer scheme the staff operations name.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
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

/// The queue and intake operations, merged into `/api/v1/openapi.json`.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list_tickets, create_ticket, find_contacts),
    components(schemas(TicketListOut, ListedTicket, QueueCounts, IntakeIn, IntakeOut,
        ContactListOut, ContactMatch)),
    modifiers(&BearerAuth)
)]
pub struct QueuesApiDoc;
