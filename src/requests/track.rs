//! Following a request: finding it by its secret token (or reference and
//! email), the citizen's view of it, adding information, withdrawing.
//!
//! A reference alone finds nothing. Every failure to find looks the same, so a
//! caller cannot learn whether a reference exists.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

use super::submit::{store_attachments, Submitted};
use super::{Attachment, RequestError};
use crate::db::models::attachment::AttachmentMeta;
use crate::db::models::category::Category;
use crate::db::models::ticket::Ticket;
use crate::db::models::ticket_event::{NewTicketEvent, TicketEvent};
use crate::db::models::user::lower;
use crate::domain::extra_fields::ExtraFieldDef;
use crate::domain::new_ticket::DESCRIPTION_MAX;
use crate::domain::reference::{hash_tracking_token, normalise_reference};
use crate::domain::ticket::ResolutionCode;
use crate::domain::ticket_status::{CitizenStatus, StatusAction, TicketStatus};
use crate::schema::{attachments, categories, contacts, departments, ticket_events, tickets};

/// The ticket whose reference and token match.
pub fn by_token(
    conn: &mut PgConnection,
    reference: &str,
    token: &str,
) -> Result<Ticket, RequestError> {
    let reference = normalise_reference(reference).ok_or(RequestError::NotFound)?;
    if token.trim().is_empty() || token.len() > 200 {
        return Err(RequestError::NotFound);
    }
    let hash = hash_tracking_token(token);
    tickets::table
        .filter(tickets::reference.eq(reference))
        .filter(tickets::tracking_token_hash.eq(hash.as_slice()))
        .select(Ticket::as_select())
        .first(conn)
        .optional()?
        .ok_or(RequestError::NotFound)
}

/// The ticket whose reference matches and whose contact has this email; or,
/// when the reference is of a ticket others were merged into (the merge email
/// tells their citizens to follow it), the citizen's own merged ticket, whose
/// page shows how the surviving one is getting on without showing its
/// citizen's details.
pub fn by_reference_and_email(
    conn: &mut PgConnection,
    reference: &str,
    email: &str,
) -> Result<Ticket, RequestError> {
    let reference = normalise_reference(reference).ok_or(RequestError::NotFound)?;
    let email = email.trim().to_lowercase();
    if email.is_empty() {
        return Err(RequestError::NotFound);
    }
    let own = tickets::table
        .inner_join(contacts::table)
        .filter(tickets::reference.eq(&reference))
        .filter(lower(contacts::email.assume_not_null()).eq(&email))
        .select(Ticket::as_select())
        .first(conn)
        .optional()?;
    if let Some(ticket) = own {
        return Ok(ticket);
    }
    let survivor = tickets::table
        .filter(tickets::reference.eq(&reference))
        .select(tickets::id)
        .first::<i64>(conn)
        .optional()?
        .ok_or(RequestError::NotFound)?;
    tickets::table
        .inner_join(contacts::table)
        .filter(tickets::merged_into_id.eq(survivor))
        .filter(lower(contacts::email.assume_not_null()).eq(&email))
        .order(tickets::id.desc())
        .select(Ticket::as_select())
        .first(conn)
        .optional()?
        .ok_or(RequestError::NotFound)
}

/// The ticket by id (after access was established another way, e.g. a signed grant).
pub fn by_reference(conn: &mut PgConnection, reference: &str) -> Result<Ticket, RequestError> {
    let reference = normalise_reference(reference).ok_or(RequestError::NotFound)?;
    tickets::table
        .filter(tickets::reference.eq(reference))
        .select(Ticket::as_select())
        .first(conn)
        .optional()?
        .ok_or(RequestError::NotFound)
}

/// What a citizen may see of their request. Internal notes and staff names are not in it.
#[derive(Debug, Clone, Serialize)]
pub struct CitizenView {
    pub reference: String,
    pub kind: String,
    pub subject: String,
    pub description: String,
    pub category: String,
    pub category_slug: String,
    pub department: String,
    pub status: CitizenStatus,
    pub status_key: &'static str,
    pub address: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub extra_fields: serde_json::Value,
    /// The answers to the category's extra questions as a person reads them:
    /// the question's label, and list answers by their names rather than keys.
    pub extra_answers: Vec<ExtraAnswer>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub resolution_code: Option<ResolutionCode>,
    pub timeline: Vec<PublicEvent>,
    pub attachments: Vec<PublicAttachment>,
    pub can_comment: bool,
    pub can_withdraw: bool,
    /// The department's time zone, for showing times.
    pub time_zone: String,
    /// When we aim to respond and to resolve (the SLA), in `promise.time_zone`.
    pub promise: crate::sla::display::Promise,
    /// Where a merged request continues, and how that one is getting on.
    pub continues_as: Option<Continuation>,
}

/// What the citizen of a merged request sees of the request it was merged
/// into: its reference, status and status changes, not its citizen's words,
/// details or the council's messages to them.
#[derive(Debug, Clone, Serialize)]
pub struct Continuation {
    pub reference: String,
    pub status: CitizenStatus,
    pub status_key: &'static str,
    pub updated_at: DateTime<Utc>,
    /// Its public status changes, oldest first (kind, when, and the `from`
    /// and `to` statuses in `data`).
    pub timeline: Vec<PublicEvent>,
}

impl Continuation {
    fn of(conn: &mut PgConnection, survivor_id: i64) -> QueryResult<Self> {
        let (reference, status, updated_at): (String, TicketStatus, DateTime<Utc>) = tickets::table
            .find(survivor_id)
            .select((tickets::reference, tickets::status, tickets::updated_at))
            .first(conn)?;
        let changes: Vec<TicketEvent> = ticket_events::table
            .filter(ticket_events::ticket_id.eq(survivor_id))
            .filter(ticket_events::public.eq(true))
            .filter(ticket_events::kind.eq("status_changed"))
            .order((ticket_events::created_at.asc(), ticket_events::id.asc()))
            .select(TicketEvent::as_select())
            .load(conn)?;
        // As a citizen reads statuses, except that waiting on the other
        // request's citizen is not waiting on this one: to them it is in
        // progress. A change that reads the same is not one.
        let seen = |s: TicketStatus| match s.citizen_status() {
            CitizenStatus::WaitingForYourReply => CitizenStatus::InProgress,
            other => other,
        };
        let citizen = |v: Option<&serde_json::Value>| {
            v.and_then(|v| v.as_str())
                .and_then(|s| s.parse::<TicketStatus>().ok())
                .map(seen)
        };
        let status = seen(status);
        Ok(Self {
            reference,
            status,
            status_key: status.message_key(),
            updated_at,
            timeline: changes
                .into_iter()
                .filter_map(|e| {
                    let (from, to) = (citizen(e.data.get("from")), citizen(e.data.get("to"))?);
                    (from != Some(to)).then(|| PublicEvent {
                        kind: e.kind,
                        actor: e.actor_kind,
                        body: String::new(),
                        created_at: e.created_at,
                        data: serde_json::json!({
                            "from": from,
                            "to": to,
                            "to_key": to.message_key(),
                        }),
                    })
                })
                .collect(),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExtraAnswer {
    pub label: String,
    pub value: String,
}

/// Labels the stored answers with the category's questions, in the questions'
/// order. An answer whose question has since been removed keeps its code.
pub fn extra_answers(
    definitions: &serde_json::Value,
    answers: &serde_json::Value,
) -> Vec<ExtraAnswer> {
    use serde_json::Value;
    let defs = ExtraFieldDef::parse_all(definitions).unwrap_or_default();
    let Some(answers) = answers.as_object() else {
        return Vec::new();
    };
    let text = |def: Option<&ExtraFieldDef>, v: &Value| -> String {
        let one = |v: &Value| match v {
            Value::String(s) => def
                .and_then(|d| d.values.iter().find(|lv| &lv.key == s))
                .map_or_else(|| s.clone(), |lv| lv.name.clone()),
            // Numbers are stored as floats: 8 was typed, so show 8, not 8.0.
            Value::Number(n) => match n.as_f64() {
                Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
                _ => n.to_string(),
            },
            other => other.to_string(),
        };
        match v {
            Value::Array(items) => items.iter().map(one).collect::<Vec<_>>().join(", "),
            other => one(other),
        }
    };
    let mut out: Vec<ExtraAnswer> = defs
        .iter()
        .filter_map(|d| {
            answers.get(&d.code).map(|v| ExtraAnswer {
                label: d.label.clone(),
                value: text(Some(d), v),
            })
        })
        .collect();
    out.extend(
        answers
            .iter()
            .filter(|(code, _)| !defs.iter().any(|d| &d.code == *code))
            .map(|(code, v)| ExtraAnswer {
                label: code.clone(),
                value: text(None, v),
            }),
    );
    out
}

#[derive(Debug, Clone, Serialize)]
pub struct PublicEvent {
    pub kind: String,
    /// `citizen`, `staff` or `system`: staff appear as the council, not by name.
    pub actor: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub data: serde_json::Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct PublicAttachment {
    pub id: i64,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub created_at: DateTime<Utc>,
}

pub fn citizen_view(conn: &mut PgConnection, ticket: &Ticket) -> Result<CitizenView, RequestError> {
    use crate::schema::business_calendars;
    let (category, category_slug, questions, department, time_zone): (
        String,
        String,
        serde_json::Value,
        String,
        String,
    ) = categories::table
        .filter(categories::id.eq(ticket.category_id))
        .inner_join(departments::table.on(departments::id.eq(ticket.department_id)))
        .inner_join(
            business_calendars::table.on(business_calendars::id.eq(departments::calendar_id)),
        )
        .select((
            categories::name,
            categories::slug,
            categories::extra_fields,
            departments::name,
            business_calendars::time_zone,
        ))
        .first(conn)?;
    let events: Vec<TicketEvent> = ticket_events::table
        .filter(ticket_events::ticket_id.eq(ticket.id))
        .filter(ticket_events::public.eq(true))
        .order((ticket_events::created_at.asc(), ticket_events::id.asc()))
        .select(TicketEvent::as_select())
        .load(conn)?;
    let files: Vec<AttachmentMeta> = attachments::table
        .filter(attachments::ticket_id.eq(ticket.id))
        .filter(attachments::public.eq(true))
        .order(attachments::id.asc())
        .select(AttachmentMeta::as_select())
        .load(conn)?;
    let promise = crate::sla::display::Promise::of_ticket(conn, ticket.id)?;
    let continues_as = match ticket.merged_into_id {
        Some(id) => Some(Continuation::of(conn, id)?),
        None => None,
    };
    Ok(view_of(
        ticket,
        Names {
            category,
            category_slug,
            questions,
            department,
            time_zone,
        },
        events,
        files,
        promise,
        continues_as,
    ))
}

/// The view of a request just submitted, built from what
/// [`submit`](super::submit::submit) wrote and returned: the same as
/// [`citizen_view`] would read back, without three more queries. `department`
/// and `time_zone` are those of the category's department (see
/// [`super::submission_target`]).
pub fn submitted_view(
    submitted: &Submitted,
    category: &Category,
    department: &str,
    time_zone: &str,
) -> CitizenView {
    view_of(
        &submitted.ticket,
        Names {
            category: category.name.clone(),
            category_slug: category.slug.clone(),
            questions: category.extra_fields.clone(),
            department: department.to_string(),
            time_zone: time_zone.to_string(),
        },
        std::iter::once(submitted.event.clone())
            .filter(|e| e.public)
            .collect(),
        submitted
            .attachments
            .iter()
            .filter(|a| a.public)
            .cloned()
            .collect(),
        crate::sla::display::Promise::from_changes(&submitted.sla),
        None,
    )
}

/// What a view shows of the ticket's category and department.
struct Names {
    category: String,
    category_slug: String,
    /// The category's extra-field definitions, to show answers in words.
    questions: serde_json::Value,
    department: String,
    time_zone: String,
}

fn view_of(
    ticket: &Ticket,
    names: Names,
    events: Vec<TicketEvent>,
    files: Vec<AttachmentMeta>,
    promise: crate::sla::display::Promise,
    continues_as: Option<Continuation>,
) -> CitizenView {
    let status = ticket.status.citizen_status();
    CitizenView {
        reference: ticket.reference.clone(),
        kind: ticket.kind.as_str().to_string(),
        subject: ticket.subject.clone(),
        description: ticket.description.clone(),
        category: names.category,
        category_slug: names.category_slug,
        department: names.department,
        status,
        status_key: status.message_key(),
        address: ticket.address.clone(),
        latitude: ticket.latitude,
        longitude: ticket.longitude,
        extra_fields: ticket.extra_fields.clone(),
        extra_answers: extra_answers(&names.questions, &ticket.extra_fields),
        created_at: ticket.created_at,
        updated_at: ticket.updated_at,
        resolution_code: ticket.resolution_code,
        timeline: events
            .into_iter()
            .map(|e| PublicEvent {
                kind: e.kind,
                actor: e.actor_kind,
                body: e.body,
                created_at: e.created_at,
                data: e.data,
            })
            .collect(),
        attachments: files
            .into_iter()
            .map(|a| PublicAttachment {
                id: a.id,
                filename: a.filename,
                content_type: a.content_type,
                size_bytes: a.size_bytes,
                created_at: a.created_at,
            })
            .collect(),
        can_comment: ticket.status.apply(StatusAction::CitizenReplied).is_ok(),
        can_withdraw: ticket.status.apply(StatusAction::Withdraw).is_ok(),
        time_zone: names.time_zone,
        promise,
        continues_as,
    }
}

/// A public attachment's bytes, if it belongs to this ticket.
pub fn attachment(
    conn: &mut PgConnection,
    ticket: &Ticket,
    id: i64,
) -> Result<(String, String, Vec<u8>), RequestError> {
    attachments::table
        .filter(attachments::id.eq(id))
        .filter(attachments::ticket_id.eq(ticket.id))
        .filter(attachments::public.eq(true))
        .select((
            attachments::filename,
            attachments::content_type,
            attachments::data,
        ))
        .first(conn)
        .optional()?
        .ok_or(RequestError::NotFound)
}

/// The citizen's change, as the SLA clocks see it (waiting → back to work
/// resumes them; a withdrawal stops them).
fn sync_clocks(
    conn: &mut PgConnection,
    before: &Ticket,
    now: DateTime<Utc>,
) -> Result<(), RequestError> {
    let after: Ticket = tickets::table
        .filter(tickets::id.eq(before.id))
        .select(Ticket::as_select())
        .first(conn)?;
    crate::sla::engine::sync(
        conn,
        &crate::sla::engine::Change {
            before: Some(before),
            after: &after,
            touch: crate::sla::Touch::None,
            actor: crate::sla::Actor::Citizen,
            reason: None,
            now,
        },
    )
    .map_err(RequestError::Other)?;
    Ok(())
}

/// Changes the status and records who did what, bumping the version.
fn change_status(
    conn: &mut PgConnection,
    ticket: &Ticket,
    to: TicketStatus,
    resolution: Option<ResolutionCode>,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    let closed_at = (to == TicketStatus::Closed).then_some(now);
    diesel::update(tickets::table.filter(tickets::id.eq(ticket.id)))
        .set((
            tickets::status.eq(to),
            tickets::version.eq(tickets::version + 1),
            tickets::updated_at.eq(now),
            resolution.map(|r| tickets::resolution_code.eq(r)),
            closed_at.map(|t| tickets::closed_at.eq(t)),
        ))
        .execute(conn)?;
    Ok(())
}

/// The citizen adds information or answers a question. A ticket waiting on
/// the citizen goes back to work. `notify` runs inside the same transaction
/// with the ticket as it was (locked) and the comment, and queues the emails
/// it causes (the assignee's); if it fails, nothing is stored.
pub fn add_comment<F>(
    conn: &mut PgConnection,
    ticket: &Ticket,
    body: &str,
    files: &[Attachment],
    now: DateTime<Utc>,
    notify: F,
) -> Result<TicketStatus, RequestError>
where
    F: FnOnce(&mut PgConnection, &Ticket, &Comment<'_>) -> anyhow::Result<()>,
{
    let body = body.trim();
    if body.is_empty() && files.is_empty() {
        return Err(RequestError::NotAllowed("error-comment-required"));
    }
    if body.chars().count() > DESCRIPTION_MAX {
        return Err(RequestError::NotAllowed("error-comment-too-long"));
    }
    conn.transaction(|conn| {
        // Lock the row: the status decision and the write see the same state.
        let current: Ticket = tickets::table
            .filter(tickets::id.eq(ticket.id))
            .for_update()
            .select(Ticket::as_select())
            .first(conn)?;
        let next = current
            .status
            .apply(StatusAction::CitizenReplied)
            .map_err(|_| RequestError::NotAllowed("error-request-closed"))?;
        let event_id: i64 = diesel::insert_into(ticket_events::table)
            .values(&NewTicketEvent {
                ticket_id: current.id,
                kind: "citizen_comment",
                actor_kind: "citizen",
                actor_user_id: None,
                actor_contact_id: Some(current.contact_id),
                body,
                data: serde_json::json!({ "from": current.status.as_str(), "to": next.as_str(), "attachments": files.len() }),
                public: true,
                created_at: now,
            })
            .returning(ticket_events::id)
            .get_result(conn)?;
        store_attachments(conn, current.id, Some(event_id), files)?;
        change_status(conn, &current, next, None, now)?;
        sync_clocks(conn, &current, now)?;
        // The queue marker: the citizen is waiting for staff (keep the oldest time).
        diesel::update(tickets::table.filter(tickets::id.eq(current.id)))
            .set((
                tickets::awaiting_staff_since.eq(current.awaiting_staff_since.unwrap_or(now)),
                tickets::updated_at.eq(now),
            ))
            .execute(conn)?;
        let comment = Comment {
            body,
            attachments: files.len(),
            from: current.status,
            to: next,
        };
        notify(conn, &current, &comment).map_err(RequestError::Other)?;
        Ok(next)
    })
}

/// What a citizen's comment was, for the emails it causes.
#[derive(Debug, Clone)]
pub struct Comment<'a> {
    pub body: &'a str,
    pub attachments: usize,
    pub from: TicketStatus,
    pub to: TicketStatus,
}

/// The citizen withdraws the request: it closes with the code `withdrawn`.
pub fn withdraw(
    conn: &mut PgConnection,
    ticket: &Ticket,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), RequestError> {
    let reason = reason.trim();
    if reason.chars().count() > 2000 {
        return Err(RequestError::NotAllowed("error-comment-too-long"));
    }
    conn.transaction(|conn| {
        let current: Ticket = tickets::table
            .filter(tickets::id.eq(ticket.id))
            .for_update()
            .select(Ticket::as_select())
            .first(conn)?;
        let next = current
            .status
            .apply(StatusAction::Withdraw)
            .map_err(|_| RequestError::NotAllowed("error-request-closed"))?;
        diesel::insert_into(ticket_events::table)
            .values(&NewTicketEvent {
                ticket_id: current.id,
                kind: "withdrawn",
                actor_kind: "citizen",
                actor_user_id: None,
                actor_contact_id: Some(current.contact_id),
                body: reason,
                data: serde_json::json!({ "from": current.status.as_str(), "to": next.as_str() }),
                public: true,
                created_at: now,
            })
            .execute(conn)?;
        change_status(conn, &current, next, Some(ResolutionCode::Withdrawn), now)?;
        sync_clocks(conn, &current, now)?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn extra_answers_read_as_the_questions_and_the_choices_names() {
        let questions = json!([
            {"code": "size", "label": "Roughly how big is it?", "datatype": "singlevaluelist",
             "values": [{"key": "large", "name": "Larger than a car tyre"}]},
            {"code": "bins", "label": "Which bins?", "datatype": "multivaluelist",
             "values": [{"key": "food", "name": "Food waste"}, {"key": "garden", "name": "Garden waste"}]},
            {"code": "depth_cm", "label": "Depth in centimetres", "datatype": "number"},
            {"code": "unanswered", "label": "Never asked", "datatype": "string"}
        ]);
        let answers =
            json!({"depth_cm": 8.0, "size": "large", "bins": ["garden", "food"], "old": "kept"});
        let shown = extra_answers(&questions, &answers);
        assert_eq!(
            extra_answers(&questions, &json!({"depth_cm": 2.5}))[0].value,
            "2.5"
        );
        let pairs: Vec<(&str, &str)> = shown
            .iter()
            .map(|a| (a.label.as_str(), a.value.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("Roughly how big is it?", "Larger than a car tyre"),
                ("Which bins?", "Garden waste, Food waste"),
                ("Depth in centimetres", "8"),
                ("old", "kept"),
            ]
        );
    }
}
