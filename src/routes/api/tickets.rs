//! The staff ticket API: `GET /api/v1/tickets/{reference}` (the staff view,
//! internal notes included) and one `POST /api/v1/tickets/{reference}/<action>`
//! per action, each with the `expected_version` the caller last saw. Bearer
//! tokens only (`POST /api/v1/auth/token`).

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use diesel::PgConnection;
use serde::Deserialize;

use super::error::ApiError;
use crate::auth::policy::Action;
use crate::auth::session::CurrentStaff;
use crate::clock::Clock;
use crate::configuration::Settings;
use crate::db::{self, Pool};
use crate::email::EmailTemplates;
use crate::error::AppError;
use crate::i18n::Locale;
use crate::staff::access;
use crate::staff::tickets::actions::{self, ContactInput, LocationInput, StatusChange};
use crate::staff::tickets::view::{self, StaffTicketView, TicketState};
use crate::staff::tickets::{Ctx, Message, Outcome, TicketError};

impl From<TicketError> for ApiError {
    fn from(e: TicketError) -> Self {
        let state = |s: &TicketState| serde_json::to_value(s).ok().map(Box::new);
        match e {
            TicketError::NotFound => ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                "No such ticket, or not one you may see.",
            ),
            TicketError::Forbidden(m) => {
                ApiError::new(StatusCode::FORBIDDEN, "forbidden", m.api_text())
            }
            TicketError::Conflict(current) => ApiError {
                current: state(&current),
                ..ApiError::new(
                    StatusCode::CONFLICT,
                    "version_conflict",
                    Message::With(
                        "tickets-conflict",
                        vec![("version", current.version.to_string())],
                    )
                    .api_text(),
                )
            },
            TicketError::NotAllowed { message, current } => ApiError {
                current: state(&current),
                ..ApiError::new(
                    StatusCode::CONFLICT,
                    if matches!(message, Message::Refused(_)) {
                        "transition_refused"
                    } else {
                        "not_allowed"
                    },
                    message.api_text(),
                )
            },
            TicketError::Invalid(fields) => ApiError::validation(
                fields
                    .into_iter()
                    .map(|(k, m)| (k.to_string(), m.text(Locale::En)))
                    .collect(),
            ),
            TicketError::Db(e) => e.into(),
            TicketError::Other(e) => AppError::Unexpected(e).into(),
        }
    }
}

/// Runs an action for the signed-in staff member, then answers with the
/// ticket as it now stands (200), or 204 when the action took it out of
/// their sight (e.g. transferred to a department they do not work in).
async fn act<F>(
    staff: CurrentStaff,
    reference: String,
    pool: web::Data<Pool>,
    settings: web::Data<Settings>,
    templates: web::Data<EmailTemplates>,
    clock: web::Data<Clock>,
    action: F,
) -> Result<HttpResponse, ApiError>
where
    F: FnOnce(&mut PgConnection, &Ctx, &str) -> Result<Outcome, TicketError> + Send + 'static,
{
    let now = clock.now();
    let when = view::When {
        now,
        due_soon: settings.sla.due_soon,
    };
    let view = db::run(&pool, move |conn| -> Result<_, ApiError> {
        let cx = Ctx {
            staff: &staff,
            now,
            templates: &templates,
            settings: &settings,
        };
        let outcome = action(conn, &cx, &reference)?;
        if access::ticket_for(conn, &staff, &outcome.reference, Action::View, false).is_err() {
            return Ok(None);
        }
        Ok(Some(view::load(conn, &staff, &outcome.reference, when)?.1))
    })
    .await?;
    Ok(match view {
        Some(v) => HttpResponse::Ok().json(v),
        None => HttpResponse::NoContent().finish(),
    })
}

/// `GET /api/v1/tickets/{reference}`
#[utoipa::path(get, path = "/api/v1/tickets/{reference}", tag = "tickets",
    params(("reference" = String, Path, description = "e.g. CD-2026-004217")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The ticket as staff see it, internal notes included", body = StaffTicketView),
        (status = 401, description = "No valid Bearer token"),
        (status = 404, description = "No such ticket, or not one you may see"),
    ))]
#[get("/tickets/{reference}")]
pub async fn get_ticket(
    staff: CurrentStaff,
    path: web::Path<String>,
    pool: web::Data<Pool>,
    settings: web::Data<Settings>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, ApiError> {
    let reference = path.into_inner();
    let when = view::When {
        now: clock.now(),
        due_soon: settings.sla.due_soon,
    };
    let view = db::run(&pool, move |conn| -> Result<_, ApiError> {
        Ok(view::load(conn, &staff, &reference, when)?.1)
    })
    .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// A public reply, emailed to the citizen.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplyIn {
    /// The `version` you last saw; a newer one answers 409 with the current state.
    pub expected_version: i32,
    pub body: String,
}

/// An internal note: never shown to the citizen.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteIn {
    pub expected_version: i32,
    pub body: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcknowledgeIn {
    pub expected_version: i32,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignIn {
    pub expected_version: i32,
    /// A member of the ticket's department (yourself included).
    pub assignee_id: i64,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferIn {
    pub expected_version: i32,
    /// The department's slug, e.g. `waste`.
    pub department: String,
    pub reason: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusIn {
    pub expected_version: i32,
    /// triage, start_work, wait_on_citizen, resolve, close or reopen (supervisors).
    pub action: String,
    /// Required to resolve (the citizen reads it); optional otherwise.
    pub note: Option<String>,
    /// Required to close: fixed, answered, referred, withdrawn or no_action.
    pub resolution_code: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriorityIn {
    pub expected_version: i32,
    /// low, normal, high or urgent.
    pub priority: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryIn {
    pub expected_version: i32,
    /// An active category's code, from `/api/v1/categories`.
    pub category: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeIn {
    pub expected_version: i32,
    /// The surviving ticket's reference; it must be open and one you may see.
    pub into: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactIn {
    pub expected_version: i32,
    /// call, visit, meeting, letter or email.
    pub kind: String,
    pub subject: String,
    pub notes: Option<String>,
    /// When it happened (not in the future).
    pub occurred_at: DateTime<Utc>,
    /// Whether it was about this ticket (default true); if not, it is kept
    /// on the citizen's history only.
    pub about_ticket: Option<bool>,
}

/// The ticket's location as a whole: an address and/or both coordinates;
/// what is left out is cleared (both may be left out only where the category
/// does not require a location). The ticket is placed in the area of its new
/// coordinates.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LocationIn {
    pub expected_version: i32,
    pub address: Option<String>,
    /// WGS 84 degrees, -90 to 90; with `longitude`.
    pub latitude: Option<f64>,
    /// WGS 84 degrees, -180 to 180; with `latitude`.
    pub longitude: Option<f64>,
}

macro_rules! ticket_action {
    ($(#[$doc:meta])* $name:ident, $path:literal, $body:ty, |$conn:ident, $cx:ident, $reference:ident, $input:ident| $run:expr) => {
        $(#[$doc])*
        #[post($path)]
        pub async fn $name(
            staff: CurrentStaff,
            path: web::Path<String>,
            body: web::Json<$body>,
            pool: web::Data<Pool>,
            settings: web::Data<Settings>,
            templates: web::Data<EmailTemplates>,
            clock: web::Data<Clock>,
        ) -> Result<HttpResponse, ApiError> {
            let $input = body.into_inner();
            act(
                staff,
                path.into_inner(),
                pool,
                settings,
                templates,
                clock,
                move |$conn: &mut PgConnection, $cx: &Ctx, $reference: &str| $run,
            )
            .await
        }
    };
}

ticket_action!(
    #[utoipa::path(post, path = "/api/v1/tickets/{reference}/reply", tag = "tickets",
        params(("reference" = String, Path, description = "e.g. CD-2026-004217")),
        request_body = ReplyIn, security(("bearer" = [])),
        responses(
            (status = 200, description = "Replied and emailed; the ticket now", body = StaffTicketView),
            (status = 401, description = "No valid Bearer token"),
            (status = 403, description = "You may see the ticket but not do this"),
            (status = 404, description = "No such ticket, or not one you may see"),
            (status = 409, description = "The ticket changed since your version; `error.current` is its state", body = TicketConflictOut),
            (status = 422, description = "Invalid fields, listed in error.fields"),
        ))]
    reply,
    "/tickets/{reference}/reply",
    ReplyIn,
    |conn, cx, reference, input| actions::reply(
        conn,
        cx,
        reference,
        input.expected_version,
        &input.body
    )
);

ticket_action!(
    #[utoipa::path(post, path = "/api/v1/tickets/{reference}/note", tag = "tickets",
        params(("reference" = String, Path, description = "e.g. CD-2026-004217")),
        request_body = NoteIn, security(("bearer" = [])),
        responses(
            (status = 200, description = "Noted; the ticket now", body = StaffTicketView),
            (status = 401, description = "No valid Bearer token"),
            (status = 403, description = "You may see the ticket but not do this"),
            (status = 404, description = "No such ticket, or not one you may see"),
            (status = 409, description = "The ticket changed since your version", body = TicketConflictOut),
            (status = 422, description = "Invalid fields, listed in error.fields"),
        ))]
    note,
    "/tickets/{reference}/note",
    NoteIn,
    |conn, cx, reference, input| actions::note(
        conn,
        cx,
        reference,
        input.expected_version,
        &input.body
    )
);

ticket_action!(
    #[utoipa::path(post, path = "/api/v1/tickets/{reference}/acknowledge", tag = "tickets",
        params(("reference" = String, Path, description = "e.g. CD-2026-004217")),
        request_body = AcknowledgeIn, security(("bearer" = [])),
        responses(
            (status = 200, description = "Acknowledged (a first response); the ticket now", body = StaffTicketView),
            (status = 401, description = "No valid Bearer token"),
            (status = 404, description = "No such ticket, or not one you may see"),
            (status = 409, description = "Changed since your version, or already responded to", body = TicketConflictOut),
        ))]
    acknowledge,
    "/tickets/{reference}/acknowledge",
    AcknowledgeIn,
    |conn, cx, reference, input| actions::acknowledge(conn, cx, reference, input.expected_version)
);

ticket_action!(
    #[utoipa::path(post, path = "/api/v1/tickets/{reference}/assign", tag = "tickets",
        params(("reference" = String, Path, description = "e.g. CD-2026-004217")),
        request_body = AssignIn, security(("bearer" = [])),
        responses(
            (status = 200, description = "Assigned; the ticket now", body = StaffTicketView),
            (status = 204, description = "Assigned; you no longer see the ticket"),
            (status = 401, description = "No valid Bearer token"),
            (status = 403, description = "A colleague holds it: only a supervisor may reassign"),
            (status = 404, description = "No such ticket, or not one you may see"),
            (status = 409, description = "Changed since your version, or its status does not allow it", body = TicketConflictOut),
            (status = 422, description = "The assignee does not work in the ticket's department"),
        ))]
    assign,
    "/tickets/{reference}/assign",
    AssignIn,
    |conn, cx, reference, input| actions::assign(
        conn,
        cx,
        reference,
        input.expected_version,
        input.assignee_id
    )
);

ticket_action!(
    #[utoipa::path(post, path = "/api/v1/tickets/{reference}/transfer", tag = "tickets",
        params(("reference" = String, Path, description = "e.g. CD-2026-004217")),
        request_body = TransferIn, security(("bearer" = [])),
        responses(
            (status = 200, description = "Transferred; the ticket now", body = StaffTicketView),
            (status = 204, description = "Transferred to a department you do not work in"),
            (status = 401, description = "No valid Bearer token"),
            (status = 404, description = "No such ticket, or not one you may see"),
            (status = 409, description = "Changed since your version, or closed", body = TicketConflictOut),
            (status = 422, description = "Unknown or same department, or no reason"),
        ))]
    transfer,
    "/tickets/{reference}/transfer",
    TransferIn,
    |conn, cx, reference, input| actions::transfer(
        conn,
        cx,
        reference,
        input.expected_version,
        &input.department,
        &input.reason
    )
);

ticket_action!(
    #[utoipa::path(post, path = "/api/v1/tickets/{reference}/status", tag = "tickets",
        params(("reference" = String, Path, description = "e.g. CD-2026-004217")),
        request_body = StatusIn, security(("bearer" = [])),
        responses(
            (status = 200, description = "Status changed; the ticket now", body = StaffTicketView),
            (status = 401, description = "No valid Bearer token"),
            (status = 403, description = "Only a supervisor of the department may reopen"),
            (status = 404, description = "No such ticket, or not one you may see"),
            (status = 409, description = "Changed since your version (`version_conflict`), or the state machine refused (`transition_refused`, with its reason)", body = TicketConflictOut),
            (status = 422, description = "Unknown action, or a missing note or resolution code"),
        ))]
    change_status,
    "/tickets/{reference}/status",
    StatusIn,
    |conn, cx, reference, input| {
        let change = StatusChange::parse(
            &input.action,
            input.note.as_deref().unwrap_or(""),
            input.resolution_code.as_deref().unwrap_or(""),
        )?;
        actions::change_status(conn, cx, reference, input.expected_version, change)
    }
);

ticket_action!(
    #[utoipa::path(post, path = "/api/v1/tickets/{reference}/priority", tag = "tickets",
        params(("reference" = String, Path, description = "e.g. CD-2026-004217")),
        request_body = PriorityIn, security(("bearer" = [])),
        responses(
            (status = 200, description = "Priority changed; the ticket now", body = StaffTicketView),
            (status = 401, description = "No valid Bearer token"),
            (status = 404, description = "No such ticket, or not one you may see"),
            (status = 409, description = "The ticket changed since your version", body = TicketConflictOut),
            (status = 422, description = "Unknown or unchanged priority"),
        ))]
    change_priority,
    "/tickets/{reference}/priority",
    PriorityIn,
    |conn, cx, reference, input| actions::change_priority(
        conn,
        cx,
        reference,
        input.expected_version,
        &input.priority
    )
);

ticket_action!(
    #[utoipa::path(post, path = "/api/v1/tickets/{reference}/category", tag = "tickets",
        params(("reference" = String, Path, description = "e.g. CD-2026-004217")),
        request_body = CategoryIn, security(("bearer" = [])),
        responses(
            (status = 200, description = "Category changed; the ticket now", body = StaffTicketView),
            (status = 401, description = "No valid Bearer token"),
            (status = 404, description = "No such ticket, or not one you may see"),
            (status = 409, description = "The ticket changed since your version", body = TicketConflictOut),
            (status = 422, description = "Unknown, inactive or unchanged category"),
        ))]
    change_category,
    "/tickets/{reference}/category",
    CategoryIn,
    |conn, cx, reference, input| actions::change_category(
        conn,
        cx,
        reference,
        input.expected_version,
        &input.category
    )
);

ticket_action!(
    #[utoipa::path(post, path = "/api/v1/tickets/{reference}/merge", tag = "tickets",
        params(("reference" = String, Path, description = "The duplicate, e.g. CD-2026-004217")),
        request_body = MergeIn, security(("bearer" = [])),
        responses(
            (status = 200, description = "Merged: this ticket is closed as a duplicate and its citizen emailed", body = StaffTicketView),
            (status = 401, description = "No valid Bearer token"),
            (status = 404, description = "No such ticket, or not one you may see"),
            (status = 409, description = "Changed since your version, or already closed", body = TicketConflictOut),
            (status = 422, description = "The target is unknown, not yours to see, closed, or this ticket"),
        ))]
    merge,
    "/tickets/{reference}/merge",
    MergeIn,
    |conn, cx, reference, input| actions::merge(
        conn,
        cx,
        reference,
        input.expected_version,
        &input.into
    )
);

ticket_action!(
    #[utoipa::path(post, path = "/api/v1/tickets/{reference}/contacts", tag = "tickets",
        params(("reference" = String, Path, description = "e.g. CD-2026-004217")),
        request_body = ContactIn, security(("bearer" = [])),
        responses(
            (status = 200, description = "Logged on the citizen's history; the ticket now", body = StaffTicketView),
            (status = 401, description = "No valid Bearer token"),
            (status = 404, description = "No such ticket, or not one you may see"),
            (status = 409, description = "The ticket changed since your version", body = TicketConflictOut),
            (status = 422, description = "Invalid fields, listed in error.fields"),
        ))]
    log_contact,
    "/tickets/{reference}/contacts",
    ContactIn,
    |conn, cx, reference, input| actions::log_contact(
        conn,
        cx,
        reference,
        input.expected_version,
        &ContactInput {
            kind: input.kind,
            subject: input.subject,
            notes: input.notes.unwrap_or_default(),
            occurred_at: Some(input.occurred_at),
            about_ticket: input.about_ticket.unwrap_or(true),
        },
    )
);

/// An SLA extension: supervisors of the ticket's department only.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtendIn {
    pub expected_version: i32,
    /// first_response, keep_in_touch or resolution; it must be running or paused.
    pub clock: String,
    /// Business (working) minutes to add to its target, 1 to 100000.
    pub minutes: i64,
    /// Why; the citizen sees it with the new date.
    pub reason: String,
}

ticket_action!(
    #[utoipa::path(post, path = "/api/v1/tickets/{reference}/extend", tag = "tickets",
        params(("reference" = String, Path, description = "e.g. CD-2026-004217")),
        request_body = ExtendIn, security(("bearer" = [])),
        responses(
            (status = 200, description = "Extended; the ticket now, with its new due instants", body = StaffTicketView),
            (status = 401, description = "No valid Bearer token"),
            (status = 403, description = "Only a supervisor of the ticket's department extends its SLA"),
            (status = 404, description = "No such ticket, or not one you may see"),
            (status = 409, description = "The ticket changed since your version", body = TicketConflictOut),
            (status = 422, description = "Invalid fields, listed in error.fields"),
        ))]
    extend_sla,
    "/tickets/{reference}/extend",
    ExtendIn,
    |conn, cx, reference, input| actions::extend_sla(
        conn,
        cx,
        reference,
        input.expected_version,
        &input.clock,
        input.minutes,
        &input.reason,
    )
);

ticket_action!(
    #[utoipa::path(post, path = "/api/v1/tickets/{reference}/location", tag = "tickets",
        params(("reference" = String, Path, description = "e.g. CD-2026-004217")),
        request_body = LocationIn, security(("bearer" = [])),
        responses(
            (status = 200, description = "Location changed and the ticket placed in the area of its coordinates (`location.area`); the ticket now", body = StaffTicketView),
            (status = 401, description = "No valid Bearer token"),
            (status = 404, description = "No such ticket, or not one you may see"),
            (status = 409, description = "The ticket changed since your version", body = TicketConflictOut),
            (status = 422, description = "Coordinates out of range or not both given, an address too long, no location where the category needs one, or the same location"),
        ))]
    change_location,
    "/tickets/{reference}/location",
    LocationIn,
    |conn, cx, reference, input| actions::change_location(
        conn,
        cx,
        reference,
        input.expected_version,
        &LocationInput {
            address: input.address.unwrap_or_default(),
            latitude: input.latitude.map(|v| v.to_string()).unwrap_or_default(),
            longitude: input.longitude.map(|v| v.to_string()).unwrap_or_default(),
        },
    )
);

/// The body of a 409: what stopped the change and the ticket as it now stands.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct TicketConflictOut {
    pub error: TicketConflict,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct TicketConflict {
    /// version_conflict, transition_refused or not_allowed.
    pub code: String,
    pub message: String,
    pub current: TicketState,
}

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme(
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

/// The staff ticket operations, merged into `/api/v1/openapi.json`.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(get_ticket, reply, note, acknowledge, assign, transfer, change_status,
        change_priority, change_category, merge, log_contact, extend_sla, change_location),
    components(schemas(StaffTicketView, TicketState, ReplyIn, NoteIn, AcknowledgeIn, AssignIn,
        TransferIn, StatusIn, PriorityIn, CategoryIn, MergeIn, ContactIn, ExtendIn, LocationIn,
        TicketConflictOut, TicketConflict, crate::sla::display::SlaClockOut,
        crate::sla::display::Urgency)),
    modifiers(&BearerAuth),
    tags((name = "tickets", description = "Staff work on tickets (Bearer token)"))
)]
pub struct TicketsApiDoc;

/// Every route of this module, for the `/api/v1` scope (actix takes
/// tuples of at most 12, hence two).
pub fn services() -> impl actix_web::dev::HttpServiceFactory {
    (
        (
            get_ticket,
            reply,
            note,
            acknowledge,
            assign,
            transfer,
            change_status,
            change_priority,
            change_category,
            merge,
            log_contact,
        ),
        (change_location, extend_sla),
    )
}
