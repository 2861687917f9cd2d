//! The ticket page `/staff/tickets/{reference}` and one form post per action.
//! A done action redirects (303) back to the page with a message; a refused
//! one shows the page again with the reason (403, 409 with the current state,
//! 422 beside the fields) and what the person typed.

use std::collections::BTreeMap;

use actix_web::http::{header, StatusCode};
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{NaiveDateTime, TimeZone, Utc};
use diesel::PgConnection;
use serde::Deserialize;

use super::{html, layout};
use crate::auth::csrf;
use crate::auth::policy::Action;
use crate::auth::session::CurrentStaff;
use crate::clock::Clock;
use crate::configuration::Settings;
use crate::db::{self, Pool};
use crate::email::EmailTemplates;
use crate::error::AppError;
use crate::i18n::Locale;
use crate::routes::locale::RequestLocale;
use crate::staff::access;
use crate::staff::tickets::actions::{self, ContactInput, LocationInput, StatusChange};
use crate::staff::tickets::canned::{self, Placeholders};
use crate::staff::tickets::view::{self, Choice};
use crate::staff::tickets::{Ctx, Message, Outcome, TicketError};
use crate::views::staff_tickets::{Drafts, LocationDraft, Problem, TicketPage};
use crate::views::Templates;

/// What every handler here needs besides its form.
pub struct Deps {
    pool: web::Data<Pool>,
    templates: web::Data<Templates>,
    email_templates: web::Data<EmailTemplates>,
    settings: web::Data<Settings>,
    clock: web::Data<Clock>,
}

impl actix_web::FromRequest for Deps {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let deps = (|| {
            Some(Deps {
                pool: req.app_data::<web::Data<Pool>>()?.clone(),
                templates: req.app_data::<web::Data<Templates>>()?.clone(),
                email_templates: req.app_data::<web::Data<EmailTemplates>>()?.clone(),
                settings: req.app_data::<web::Data<Settings>>()?.clone(),
                clock: req.app_data::<web::Data<Clock>>()?.clone(),
            })
        })();
        std::future::ready(
            deps.ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("app data is missing"))),
        )
    }
}

impl Deps {
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    pub fn templates(&self) -> &Templates {
        &self.templates
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }
}

/// The flash message of a done action (`?done=`).
fn done_key(action: &str) -> Option<&'static str> {
    Some(match action {
        "reply" => "tickets-done-reply",
        "note" => "tickets-done-note",
        "acknowledge" => "tickets-done-acknowledge",
        "assign" => "tickets-done-assign",
        "transfer" => "tickets-done-transfer",
        "status" => "tickets-done-status",
        "priority" => "tickets-done-priority",
        "category" => "tickets-done-category",
        "merge" => "tickets-done-merge",
        "contact" => "tickets-done-contact",
        "location" => "tickets-done-location",
        "extend" => "sla-extend-done",
        _ => return None,
    })
}

/// What the page shows besides the ticket.
struct Render {
    status: StatusCode,
    flash: Option<String>,
    problem: Option<Problem>,
    errors: BTreeMap<String, String>,
    drafts: Drafts,
    canned: Option<i64>,
}

fn not_found_or(e: TicketError) -> AppError {
    match e {
        TicketError::Db(e) => e.into(),
        TicketError::Other(e) => AppError::Unexpected(e),
        TicketError::NotFound => AppError::NotFound,
        other => AppError::Unexpected(anyhow::anyhow!("loading a ticket: {other}")),
    }
}

async fn render(
    req: &HttpRequest,
    staff: &CurrentStaff,
    reference: String,
    deps: &Deps,
    locale: Locale,
    r: Render,
) -> Result<HttpResponse, AppError> {
    let staff2 = staff.0.clone();
    let when = view::When {
        now: deps.clock.now(),
        due_soon: deps.settings.sla.due_soon,
    };
    let (view, options, canned_rows) = db::run(&deps.pool, move |conn| -> Result<_, AppError> {
        let (ticket, view) = view::load(conn, &staff2, &reference, when).map_err(not_found_or)?;
        let options = view::options(conn, &staff2, &ticket, &view)?;
        let canned_rows = canned::for_department(conn, ticket.department_id)?;
        Ok((view, options, canned_rows))
    })
    .await?;
    let mut drafts = r.drafts;
    drafts.location.get_or_insert_with(|| LocationDraft {
        address: view.location.address.clone().unwrap_or_default(),
        latitude: view
            .location
            .latitude
            .map(|v| v.to_string())
            .unwrap_or_default(),
        longitude: view
            .location
            .longitude
            .map(|v| v.to_string())
            .unwrap_or_default(),
    });
    if let Some(chosen) = r
        .canned
        .and_then(|id| canned_rows.iter().find(|c| c.id == id))
    {
        drafts.reply_body = canned::expand(
            &chosen.body,
            &Placeholders {
                citizen_name: &view.citizen.name,
                reference: &view.state.reference,
                category: &view.state.category.name,
                due_date: None,
            },
        );
    }
    let (csrf_token, cookie) = csrf::token_for(
        req,
        deps.settings.application.public_base_url.scheme() == "https",
    );
    let mut page_layout = layout(req, &deps.settings, locale, "tickets-page-title");
    page_layout.title = format!("{} – {}", view.state.reference, page_layout.title);
    let zone = deps.settings.application.time_zone;
    let page = TicketPage {
        layout: page_layout,
        options,
        canned: canned_rows
            .into_iter()
            .map(|c| Choice {
                value: c.id.to_string(),
                label: c.title,
            })
            .collect(),
        may_manage_canned: canned::may_manage(staff),
        staff_id: staff.id,
        csrf_token,
        flash: r.flash,
        problem: r.problem,
        errors: r.errors,
        drafts,
        now_local: deps
            .clock
            .now()
            .with_timezone(&zone)
            .format("%Y-%m-%dT%H:%M")
            .to_string(),
        ticket: view,
    };
    let mut res = html(&deps.templates, "staff/tickets/show.html", &page, r.status)?;
    if let Some(c) = cookie {
        res.add_cookie(&c)
            .map_err(|e| AppError::Unexpected(e.into()))?;
    }
    Ok(res)
}

#[derive(Debug, Deserialize)]
pub struct ShowQuery {
    done: Option<String>,
    /// A canned response to put in the reply box.
    canned: Option<i64>,
}

/// `GET /staff/tickets/{reference}`
#[get("/tickets/{reference}")]
pub async fn show(
    req: HttpRequest,
    staff: CurrentStaff,
    path: web::Path<String>,
    query: web::Query<ShowQuery>,
    deps: Deps,
    RequestLocale(locale): RequestLocale,
) -> Result<HttpResponse, AppError> {
    let r = Render {
        status: StatusCode::OK,
        flash: query
            .done
            .as_deref()
            .and_then(done_key)
            .map(|k| locale.text(k)),
        problem: None,
        errors: BTreeMap::new(),
        drafts: Drafts::default(),
        canned: query.canned,
    };
    render(&req, &staff, path.into_inner(), &deps, locale, r).await
}

/// The page's wording of a refusal, and its status.
fn problem_of(
    e: TicketError,
    form: &str,
    locale: Locale,
) -> (StatusCode, Problem, BTreeMap<String, String>) {
    match e {
        TicketError::Forbidden(m) => (
            StatusCode::FORBIDDEN,
            Problem {
                message: m.text(locale),
                ..Problem::default()
            },
            BTreeMap::new(),
        ),
        TicketError::Conflict(current) => (
            StatusCode::CONFLICT,
            Problem {
                message: Message::With(
                    "tickets-conflict",
                    vec![("version", current.version.to_string())],
                )
                .text(locale),
                conflict: true,
            },
            BTreeMap::new(),
        ),
        TicketError::NotAllowed { message, .. } => (
            StatusCode::CONFLICT,
            Problem {
                message: message.text(locale),
                ..Problem::default()
            },
            BTreeMap::new(),
        ),
        TicketError::Invalid(fields) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Problem {
                message: locale.text("tickets-error-summary"),
                conflict: false,
            },
            fields
                .into_iter()
                .map(|(k, m)| (format!("{form}-{}", k.replace('_', "-")), m.text(locale)))
                .collect(),
        ),
        // Handled before: not found, and failures that are not the person's.
        other => (
            StatusCode::INTERNAL_SERVER_ERROR,
            Problem {
                message: other.to_string(),
                ..Problem::default()
            },
            BTreeMap::new(),
        ),
    }
}

/// A posted action form: the ticket, its CSRF token, the form's name (for
/// the message and field ids) and what was typed (kept if it is refused).
struct Posted {
    reference: String,
    csrf_token: Option<String>,
    form: &'static str,
    drafts: Drafts,
}

/// Checks the form's CSRF token, runs the action, and answers as the module says.
async fn act<F>(
    req: HttpRequest,
    staff: CurrentStaff,
    posted: Posted,
    deps: Deps,
    locale: Locale,
    action: F,
) -> Result<HttpResponse, AppError>
where
    F: FnOnce(&mut PgConnection, &Ctx, &str) -> Result<Outcome, TicketError> + Send + 'static,
{
    let Posted {
        reference,
        csrf_token,
        form,
        drafts,
    } = posted;
    if !csrf::verify(&req, csrf_token.as_deref()) {
        return Err(AppError::Forbidden(locale.text("error-csrf")));
    }
    let (staff2, reference2) = (staff.0.clone(), reference.clone());
    let (settings, email_templates) = (deps.settings.clone(), deps.email_templates.clone());
    let now = deps.clock.now();
    let result = db::run(&deps.pool, move |conn| -> Result<_, AppError> {
        let cx = Ctx {
            staff: &staff2,
            now,
            templates: &email_templates,
            settings: &settings,
        };
        match action(conn, &cx, &reference2) {
            Ok(outcome) => {
                let visible =
                    access::ticket_for(conn, &staff2, &outcome.reference, Action::View, false)
                        .is_ok();
                Ok(Ok((outcome, visible)))
            }
            Err(TicketError::Db(e)) => Err(e.into()),
            Err(TicketError::Other(e)) => Err(AppError::Unexpected(e)),
            Err(TicketError::NotFound) => Err(AppError::NotFound),
            Err(refused) => Ok(Err(refused)),
        }
    })
    .await?;
    match result {
        Ok((outcome, true)) => Ok(HttpResponse::SeeOther()
            .insert_header((
                header::LOCATION,
                format!("/staff/tickets/{}?done={form}", outcome.reference),
            ))
            .finish()),
        // Out of their sight now (e.g. transferred away): back to their work.
        Ok((_, false)) => Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, "/staff"))
            .finish()),
        Err(refused) => {
            let (status, problem, errors) = problem_of(refused, form, locale);
            let r = Render {
                status,
                flash: None,
                problem: Some(problem),
                errors,
                drafts,
                canned: None,
            };
            render(&req, &staff, reference, &deps, locale, r).await
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct TextForm {
    csrf_token: Option<String>,
    expected_version: i32,
    #[serde(default)]
    body: String,
}

#[post("/tickets/{reference}/reply")]
pub async fn reply(
    req: HttpRequest,
    staff: CurrentStaff,
    path: web::Path<String>,
    form: web::Form<TextForm>,
    deps: Deps,
    RequestLocale(locale): RequestLocale,
) -> Result<HttpResponse, AppError> {
    let f = form.into_inner();
    let drafts = Drafts {
        reply_body: f.body.clone(),
        ..Drafts::default()
    };
    let posted = Posted {
        reference: path.into_inner(),
        csrf_token: f.csrf_token,
        form: "reply",
        drafts,
    };
    act(req, staff, posted, deps, locale, move |conn, cx, r| {
        actions::reply(conn, cx, r, f.expected_version, &f.body)
    })
    .await
}

#[post("/tickets/{reference}/note")]
pub async fn note(
    req: HttpRequest,
    staff: CurrentStaff,
    path: web::Path<String>,
    form: web::Form<TextForm>,
    deps: Deps,
    RequestLocale(locale): RequestLocale,
) -> Result<HttpResponse, AppError> {
    let f = form.into_inner();
    let drafts = Drafts {
        note_body: f.body.clone(),
        ..Drafts::default()
    };
    let posted = Posted {
        reference: path.into_inner(),
        csrf_token: f.csrf_token,
        form: "note",
        drafts,
    };
    act(req, staff, posted, deps, locale, move |conn, cx, r| {
        actions::note(conn, cx, r, f.expected_version, &f.body)
    })
    .await
}

#[derive(Debug, Deserialize)]
pub struct VersionForm {
    csrf_token: Option<String>,
    expected_version: i32,
}

#[post("/tickets/{reference}/acknowledge")]
pub async fn acknowledge(
    req: HttpRequest,
    staff: CurrentStaff,
    path: web::Path<String>,
    form: web::Form<VersionForm>,
    deps: Deps,
    RequestLocale(locale): RequestLocale,
) -> Result<HttpResponse, AppError> {
    let f = form.into_inner();
    let posted = Posted {
        reference: path.into_inner(),
        csrf_token: f.csrf_token,
        form: "acknowledge",
        drafts: Drafts::default(),
    };
    act(req, staff, posted, deps, locale, move |conn, cx, r| {
        actions::acknowledge(conn, cx, r, f.expected_version)
    })
    .await
}

#[derive(Debug, Deserialize)]
pub struct AssignForm {
    csrf_token: Option<String>,
    expected_version: i32,
    #[serde(default)]
    assignee_id: String,
}

#[post("/tickets/{reference}/assign")]
pub async fn assign(
    req: HttpRequest,
    staff: CurrentStaff,
    path: web::Path<String>,
    form: web::Form<AssignForm>,
    deps: Deps,
    RequestLocale(locale): RequestLocale,
) -> Result<HttpResponse, AppError> {
    let f = form.into_inner();
    let posted = Posted {
        reference: path.into_inner(),
        csrf_token: f.csrf_token,
        form: "assign",
        drafts: Drafts::default(),
    };
    act(req, staff, posted, deps, locale, move |conn, cx, r| {
        // Nothing chosen reads as nobody, whom nobody works with.
        let id = f.assignee_id.trim().parse().unwrap_or(0);
        actions::assign(conn, cx, r, f.expected_version, id)
    })
    .await
}

#[derive(Debug, Deserialize)]
pub struct TransferForm {
    csrf_token: Option<String>,
    expected_version: i32,
    #[serde(default)]
    department: String,
    #[serde(default)]
    reason: String,
}

#[post("/tickets/{reference}/transfer")]
pub async fn transfer(
    req: HttpRequest,
    staff: CurrentStaff,
    path: web::Path<String>,
    form: web::Form<TransferForm>,
    deps: Deps,
    RequestLocale(locale): RequestLocale,
) -> Result<HttpResponse, AppError> {
    let f = form.into_inner();
    let drafts = Drafts {
        transfer_department: f.department.clone(),
        transfer_reason: f.reason.clone(),
        ..Drafts::default()
    };
    let posted = Posted {
        reference: path.into_inner(),
        csrf_token: f.csrf_token,
        form: "transfer",
        drafts,
    };
    act(req, staff, posted, deps, locale, move |conn, cx, r| {
        actions::transfer(conn, cx, r, f.expected_version, &f.department, &f.reason)
    })
    .await
}

#[derive(Debug, Deserialize)]
pub struct StatusForm {
    csrf_token: Option<String>,
    expected_version: i32,
    #[serde(default)]
    action: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    resolution_code: String,
}

#[post("/tickets/{reference}/status")]
pub async fn change_status(
    req: HttpRequest,
    staff: CurrentStaff,
    path: web::Path<String>,
    form: web::Form<StatusForm>,
    deps: Deps,
    RequestLocale(locale): RequestLocale,
) -> Result<HttpResponse, AppError> {
    let f = form.into_inner();
    let drafts = Drafts {
        status_action: f.action.clone(),
        status_note: f.note.clone(),
        status_resolution_code: f.resolution_code.clone(),
        ..Drafts::default()
    };
    let posted = Posted {
        reference: path.into_inner(),
        csrf_token: f.csrf_token,
        form: "status",
        drafts,
    };
    act(req, staff, posted, deps, locale, move |conn, cx, r| {
        let change = StatusChange::parse(&f.action, &f.note, &f.resolution_code)?;
        actions::change_status(conn, cx, r, f.expected_version, change)
    })
    .await
}

#[derive(Debug, Deserialize)]
pub struct PriorityForm {
    csrf_token: Option<String>,
    expected_version: i32,
    #[serde(default)]
    priority: String,
}

#[post("/tickets/{reference}/priority")]
pub async fn priority(
    req: HttpRequest,
    staff: CurrentStaff,
    path: web::Path<String>,
    form: web::Form<PriorityForm>,
    deps: Deps,
    RequestLocale(locale): RequestLocale,
) -> Result<HttpResponse, AppError> {
    let f = form.into_inner();
    let posted = Posted {
        reference: path.into_inner(),
        csrf_token: f.csrf_token,
        form: "priority",
        drafts: Drafts::default(),
    };
    act(req, staff, posted, deps, locale, move |conn, cx, r| {
        actions::change_priority(conn, cx, r, f.expected_version, &f.priority)
    })
    .await
}

#[derive(Debug, Deserialize)]
pub struct CategoryForm {
    csrf_token: Option<String>,
    expected_version: i32,
    #[serde(default)]
    category: String,
}

#[post("/tickets/{reference}/category")]
pub async fn category(
    req: HttpRequest,
    staff: CurrentStaff,
    path: web::Path<String>,
    form: web::Form<CategoryForm>,
    deps: Deps,
    RequestLocale(locale): RequestLocale,
) -> Result<HttpResponse, AppError> {
    let f = form.into_inner();
    let posted = Posted {
        reference: path.into_inner(),
        csrf_token: f.csrf_token,
        form: "category",
        drafts: Drafts::default(),
    };
    act(req, staff, posted, deps, locale, move |conn, cx, r| {
        actions::change_category(conn, cx, r, f.expected_version, &f.category)
    })
    .await
}

#[derive(Debug, Deserialize)]
pub struct MergeForm {
    csrf_token: Option<String>,
    expected_version: i32,
    #[serde(default)]
    into: String,
}

#[post("/tickets/{reference}/merge")]
pub async fn merge(
    req: HttpRequest,
    staff: CurrentStaff,
    path: web::Path<String>,
    form: web::Form<MergeForm>,
    deps: Deps,
    RequestLocale(locale): RequestLocale,
) -> Result<HttpResponse, AppError> {
    let f = form.into_inner();
    let drafts = Drafts {
        merge_into: f.into.clone(),
        ..Drafts::default()
    };
    let posted = Posted {
        reference: path.into_inner(),
        csrf_token: f.csrf_token,
        form: "merge",
        drafts,
    };
    act(req, staff, posted, deps, locale, move |conn, cx, r| {
        actions::merge(conn, cx, r, f.expected_version, &f.into)
    })
    .await
}

#[derive(Debug, Deserialize)]
pub struct ExtendForm {
    csrf_token: Option<String>,
    expected_version: i32,
    #[serde(default)]
    clock: String,
    /// Kept as typed, so a mistake comes back with a message rather than a 400.
    #[serde(default)]
    minutes: String,
    #[serde(default)]
    reason: String,
}

#[post("/tickets/{reference}/extend")]
pub async fn extend(
    req: HttpRequest,
    staff: CurrentStaff,
    path: web::Path<String>,
    form: web::Form<ExtendForm>,
    deps: Deps,
    RequestLocale(locale): RequestLocale,
) -> Result<HttpResponse, AppError> {
    let f = form.into_inner();
    let drafts = Drafts {
        extend_minutes: f.minutes.clone(),
        extend_reason: f.reason.clone(),
        ..Drafts::default()
    };
    // Not a whole number: out of range, so the use case names the field.
    let minutes = f.minutes.trim().parse::<i64>().unwrap_or(0);
    let posted = Posted {
        reference: path.into_inner(),
        csrf_token: f.csrf_token,
        form: "extend",
        drafts,
    };
    act(req, staff, posted, deps, locale, move |conn, cx, r| {
        actions::extend_sla(
            conn,
            cx,
            r,
            f.expected_version,
            &f.clock,
            minutes,
            &f.reason,
        )
    })
    .await
}

#[derive(Debug, Deserialize)]
pub struct ContactForm {
    csrf_token: Option<String>,
    expected_version: i32,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    notes: String,
    /// `YYYY-MM-DDTHH:MM` in the council's zone (a `datetime-local` field).
    #[serde(default)]
    occurred_at: String,
    about_ticket: Option<String>,
}

#[post("/tickets/{reference}/contacts")]
pub async fn contact(
    req: HttpRequest,
    staff: CurrentStaff,
    path: web::Path<String>,
    form: web::Form<ContactForm>,
    deps: Deps,
    RequestLocale(locale): RequestLocale,
) -> Result<HttpResponse, AppError> {
    let f = form.into_inner();
    let drafts = Drafts {
        contact_kind: f.kind.clone(),
        contact_subject: f.subject.clone(),
        contact_notes: f.notes.clone(),
        contact_occurred_at: f.occurred_at.clone(),
        ..Drafts::default()
    };
    let zone = deps.settings.application.time_zone;
    let occurred_at = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|fmt| NaiveDateTime::parse_from_str(f.occurred_at.trim(), fmt).ok())
        .and_then(|local| zone.from_local_datetime(&local).earliest())
        .map(|t| t.with_timezone(&Utc));
    let input = ContactInput {
        kind: f.kind,
        subject: f.subject,
        notes: f.notes,
        occurred_at,
        about_ticket: f.about_ticket.is_some(),
    };
    let posted = Posted {
        reference: path.into_inner(),
        csrf_token: f.csrf_token,
        form: "contact",
        drafts,
    };
    act(req, staff, posted, deps, locale, move |conn, cx, r| {
        actions::log_contact(conn, cx, r, f.expected_version, &input)
    })
    .await
}

#[derive(Debug, Deserialize)]
pub struct LocationForm {
    csrf_token: Option<String>,
    expected_version: i32,
    #[serde(default)]
    address: String,
    #[serde(default)]
    latitude: String,
    #[serde(default)]
    longitude: String,
}

#[post("/tickets/{reference}/location")]
pub async fn location(
    req: HttpRequest,
    staff: CurrentStaff,
    path: web::Path<String>,
    form: web::Form<LocationForm>,
    deps: Deps,
    RequestLocale(locale): RequestLocale,
) -> Result<HttpResponse, AppError> {
    let f = form.into_inner();
    let input = LocationInput {
        address: f.address,
        latitude: f.latitude,
        longitude: f.longitude,
    };
    let drafts = Drafts {
        location: Some(LocationDraft {
            address: input.address.clone(),
            latitude: input.latitude.clone(),
            longitude: input.longitude.clone(),
        }),
        ..Drafts::default()
    };
    let posted = Posted {
        reference: path.into_inner(),
        csrf_token: f.csrf_token,
        form: "location",
        drafts,
    };
    act(req, staff, posted, deps, locale, move |conn, cx, r| {
        actions::change_location(conn, cx, r, f.expected_version, &input)
    })
    .await
}

/// `GET /staff/tickets/{reference}/attachments/{id}`: any file of a ticket the
/// person may see, always as a download.
#[get("/tickets/{reference}/attachments/{id}")]
pub async fn attachment(
    staff: CurrentStaff,
    path: web::Path<(String, i64)>,
    pool: web::Data<Pool>,
) -> Result<HttpResponse, AppError> {
    use crate::schema::attachments;
    use diesel::prelude::*;
    let (reference, id) = path.into_inner();
    let (filename, content_type, data) = db::run(&pool, move |conn| -> Result<_, AppError> {
        let ticket = access::ticket_for(conn, &staff, &reference, Action::View, false)
            .map_err(|e| not_found_or(e.into()))?;
        attachments::table
            .filter(attachments::id.eq(id))
            .filter(attachments::ticket_id.eq(ticket.id))
            .select((
                attachments::filename,
                attachments::content_type,
                attachments::data,
            ))
            .first::<(String, String, Vec<u8>)>(conn)
            .optional()?
            .ok_or(AppError::NotFound)
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
