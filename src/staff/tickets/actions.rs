//! The staff actions on a ticket, one function each (see the module above
//! for what every one of them does in its transaction).

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use serde_json::json;

use super::notify;
use super::{lock, record, save, Ctx, Message, Outcome, TicketError};
use crate::auth::policy::Action;
use crate::db::models::contact_log::NewContactLogEntry;
use crate::db::models::ticket::{Ticket, TicketChangeset};
use crate::domain::new_ticket::{Location, DESCRIPTION_MAX};
use crate::domain::priority::Priority;
use crate::domain::reference::normalise_reference;
use crate::domain::role::Role;
use crate::domain::sla::ClockKind;
use crate::domain::ticket::ResolutionCode;
use crate::domain::ticket_status::{StatusAction, TicketStatus};
use crate::schema::{
    categories, contact_log, departments, ticket_events, ticket_holdings, tickets,
    user_departments, users,
};
use crate::sla::Touch;

/// Longest reason for a transfer or a reopening.
pub const REASON_MAX: usize = 2000;
/// Longest contact-log subject.
pub const CONTACT_SUBJECT_MAX: usize = 200;
/// What a contact-log entry may be.
pub const CONTACT_KINDS: [&str; 5] = ["call", "visit", "meeting", "letter", "email"];
/// Codes staff close with by hand. `duplicate` is set by merging (which tells
/// the citizen where their request went on).
pub const CLOSING_CODES: [ResolutionCode; 5] = [
    ResolutionCode::Fixed,
    ResolutionCode::Answered,
    ResolutionCode::Referred,
    ResolutionCode::Withdrawn,
    ResolutionCode::NoAction,
];

/// A staff message: trimmed, present, not too long.
fn text(
    field: &'static str,
    value: &str,
    max: usize,
    required: bool,
) -> Result<String, TicketError> {
    let value = value.trim();
    if required && value.is_empty() {
        return Err(TicketError::invalid(
            field,
            Message::Key("tickets-error-text-required"),
        ));
    }
    if value.chars().count() > max {
        return Err(TicketError::invalid(
            field,
            Message::With(
                "tickets-error-text-too-long",
                vec![("max", max.to_string())],
            ),
        ));
    }
    Ok(value.to_string())
}

/// Whether an event is a human's first response (SLA: automatic mail does not count).
pub fn is_first_response(kind: &str, actor_kind: &str) -> bool {
    actor_kind == "staff" && matches!(kind, "public_reply" | "acknowledged")
}

fn has_first_response(conn: &mut PgConnection, ticket_id: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        ticket_events::table
            .filter(ticket_events::ticket_id.eq(ticket_id))
            .filter(ticket_events::actor_kind.eq("staff"))
            .filter(ticket_events::kind.eq_any(["public_reply", "acknowledged"])),
    ))
    .get_result(conn)
}

fn done(ticket: &Ticket, version: i32, emailed: bool) -> Outcome {
    Outcome {
        reference: ticket.reference.clone(),
        version,
        emailed,
    }
}

/// A public reply: on the citizen's timeline and emailed to them. It answers
/// whatever the citizen was waiting for (`awaiting_staff_since` clears).
#[tracing::instrument(skip_all, fields(user.id = cx.staff.id))]
pub fn reply(
    conn: &mut PgConnection,
    cx: &Ctx,
    reference: &str,
    expected_version: i32,
    body: &str,
) -> Result<Outcome, TicketError> {
    conn.transaction(|conn| {
        let ticket = lock(conn, cx.staff, reference, expected_version, |_| {
            Action::Reply
        })?;
        let body = text("body", body, DESCRIPTION_MAX, true)?;
        let first = !has_first_response(conn, ticket.id)?;
        let emailed = notify::staff_reply(conn, cx, &ticket, &body)?;
        record(
            conn,
            ticket.id,
            cx,
            "public_reply",
            &body,
            json!({ "emailed": emailed, "first_response": first }),
            true,
        )?;
        let version = save(
            conn,
            cx,
            &ticket,
            &TicketChangeset {
                awaiting_staff_since: Some(None),
                ..Default::default()
            },
            Touch::FirstResponse,
        )?;
        tracing::info!(ticket.id = ticket.id, emailed, "public reply");
        Ok(done(&ticket, version, emailed))
    })
}

/// An internal note: staff only, never shown to the citizen.
#[tracing::instrument(skip_all, fields(user.id = cx.staff.id))]
pub fn note(
    conn: &mut PgConnection,
    cx: &Ctx,
    reference: &str,
    expected_version: i32,
    body: &str,
) -> Result<Outcome, TicketError> {
    conn.transaction(|conn| {
        let ticket = lock(conn, cx.staff, reference, expected_version, |_| {
            Action::Note
        })?;
        let body = text("body", body, DESCRIPTION_MAX, true)?;
        record(
            conn,
            ticket.id,
            cx,
            "internal_note",
            &body,
            json!({}),
            false,
        )?;
        let version = save(conn, cx, &ticket, &TicketChangeset::default(), Touch::None)?;
        tracing::info!(ticket.id = ticket.id, "internal note");
        Ok(done(&ticket, version, false))
    })
}

/// An explicit first response without a message: the citizen sees that a
/// person has picked their request up.
#[tracing::instrument(skip_all, fields(user.id = cx.staff.id))]
pub fn acknowledge(
    conn: &mut PgConnection,
    cx: &Ctx,
    reference: &str,
    expected_version: i32,
) -> Result<Outcome, TicketError> {
    conn.transaction(|conn| {
        let ticket = lock(conn, cx.staff, reference, expected_version, |_| {
            Action::Reply
        })?;
        if has_first_response(conn, ticket.id)? {
            return Err(TicketError::refused(
                conn,
                &ticket,
                Message::Key("tickets-error-already-responded"),
            )?);
        }
        record(
            conn,
            ticket.id,
            cx,
            "acknowledged",
            "",
            json!({ "first_response": true }),
            true,
        )?;
        let version = save(
            conn,
            cx,
            &ticket,
            &TicketChangeset::default(),
            Touch::FirstResponse,
        )?;
        tracing::info!(ticket.id = ticket.id, "acknowledged");
        Ok(done(&ticket, version, false))
    })
}

/// Gives the ticket to `assignee_id`, who must work in the ticket's
/// department. Taking it from a colleague who holds it is a reassignment,
/// which only the department's supervisors may do.
#[tracing::instrument(skip_all, fields(user.id = cx.staff.id))]
pub fn assign(
    conn: &mut PgConnection,
    cx: &Ctx,
    reference: &str,
    expected_version: i32,
    assignee_id: i64,
) -> Result<Outcome, TicketError> {
    let me = cx.staff.id;
    conn.transaction(|conn| {
        let ticket = lock(conn, cx.staff, reference, expected_version, |t| {
            if t.assignee_id.is_some_and(|a| a != me) {
                Action::Reassign
            } else {
                Action::Assign
            }
        })?;
        let assignee: Option<(String, Role, bool)> = users::table
            .filter(users::id.eq(assignee_id))
            .select((users::name, users::role, users::active))
            .first(conn)
            .optional()?;
        let member_departments: Vec<i64> = user_departments::table
            .filter(user_departments::user_id.eq(assignee_id))
            .select(user_departments::department_id)
            .load(conn)?;
        let Some((name, _, _)) = assignee.filter(|(_, role, active)| {
            *active
                && role.belongs_to_departments()
                && cx
                    .staff
                    .may_assign_to(&member_departments, ticket.department_id)
        }) else {
            return Err(TicketError::invalid(
                "assignee_id",
                Message::Key("tickets-error-assignee-not-in-department"),
            ));
        };
        if ticket.assignee_id == Some(assignee_id) {
            return Err(TicketError::invalid(
                "assignee_id",
                Message::Key("tickets-error-already-assigned"),
            ));
        }
        let next = match ticket.status.apply(StatusAction::Assign) {
            Ok(s) => s,
            Err(e) => return Err(TicketError::refused(conn, &ticket, Message::Refused(e))?),
        };
        let from = super::view::TicketState::of(conn, &ticket)?.assignee;
        record(
            conn,
            ticket.id,
            cx,
            "assigned",
            "",
            json!({
                "from": from.map(|p| json!({ "id": p.id, "name": p.name })),
                "to": { "id": assignee_id, "name": name },
                "status_from": ticket.status.as_str(),
                "status_to": next.as_str(),
            }),
            false,
        )?;
        let version = save(
            conn,
            cx,
            &ticket,
            &TicketChangeset {
                assignee_id: Some(Some(assignee_id)),
                status: Some(next),
                ..Default::default()
            },
            Touch::None,
        )?;
        tracing::info!(ticket.id = ticket.id, assignee.id = assignee_id, "assigned");
        Ok(done(&ticket, version, false))
    })
}

/// Moves the ticket to another department, with a reason. The department's
/// holding ends and the new one's begins; the assignee is cleared (the new
/// department picks it up), so the old department's people lose sight of it.
#[tracing::instrument(skip_all, fields(user.id = cx.staff.id))]
pub fn transfer(
    conn: &mut PgConnection,
    cx: &Ctx,
    reference: &str,
    expected_version: i32,
    department: &str,
    reason: &str,
) -> Result<Outcome, TicketError> {
    conn.transaction(|conn| {
        let ticket = lock(conn, cx.staff, reference, expected_version, |_| {
            Action::Transfer
        })?;
        let reason = text("reason", reason, REASON_MAX, true)?;
        let to: Option<(i64, String)> = departments::table
            .filter(departments::slug.eq(department.trim()))
            .filter(departments::active.eq(true))
            .select((departments::id, departments::name))
            .first(conn)
            .optional()?;
        let Some((to_id, to_name)) = to else {
            return Err(TicketError::invalid(
                "department",
                Message::Key("tickets-error-department-unknown"),
            ));
        };
        if to_id == ticket.department_id {
            return Err(TicketError::invalid(
                "department",
                Message::Key("tickets-error-department-same"),
            ));
        }
        let next = match ticket.status.apply(StatusAction::Transfer) {
            Ok(s) => s,
            Err(e) => return Err(TicketError::refused(conn, &ticket, Message::Refused(e))?),
        };
        let from_name: String = departments::table
            .filter(departments::id.eq(ticket.department_id))
            .select(departments::name)
            .first(conn)?;
        let ended = diesel::update(
            ticket_holdings::table
                .filter(ticket_holdings::ticket_id.eq(ticket.id))
                .filter(ticket_holdings::ended_at.is_null()),
        )
        .set(ticket_holdings::ended_at.eq(cx.now))
        .execute(conn)?;
        if ended != 1 {
            tracing::warn!(
                ticket.id = ticket.id,
                ended,
                "a ticket had no open holding when it was transferred"
            );
        }
        diesel::insert_into(ticket_holdings::table)
            .values((
                ticket_holdings::ticket_id.eq(ticket.id),
                ticket_holdings::department_id.eq(to_id),
                ticket_holdings::started_at.eq(cx.now),
            ))
            .execute(conn)?;
        record(
            conn,
            ticket.id,
            cx,
            "transferred",
            &reason,
            json!({
                "from": { "id": ticket.department_id, "name": from_name },
                "to": { "id": to_id, "name": to_name },
                "previous_assignee_id": ticket.assignee_id,
                "status_from": ticket.status.as_str(),
                "status_to": next.as_str(),
            }),
            false,
        )?;
        let version = save(
            conn,
            cx,
            &ticket,
            &TicketChangeset {
                department_id: Some(to_id),
                assignee_id: Some(None),
                status: Some(next),
                ..Default::default()
            },
            Touch::None,
        )?;
        tracing::info!(
            ticket.id = ticket.id,
            department.from = ticket.department_id,
            department.to = to_id,
            "transferred"
        );
        Ok(done(&ticket, version, false))
    })
}

/// The status changes staff make by hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusChangeKind {
    Triage,
    StartWork,
    WaitOnCitizen,
    Resolve,
    Close,
    Reopen,
}

impl StatusChangeKind {
    pub const ALL: [StatusChangeKind; 6] = [
        Self::Triage,
        Self::StartWork,
        Self::WaitOnCitizen,
        Self::Resolve,
        Self::Close,
        Self::Reopen,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Triage => "triage",
            Self::StartWork => "start_work",
            Self::WaitOnCitizen => "wait_on_citizen",
            Self::Resolve => "resolve",
            Self::Close => "close",
            Self::Reopen => "reopen",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The state machine's action (closing is checked with any code: all behave alike).
    pub fn action(self) -> StatusAction {
        match self {
            Self::Triage => StatusAction::Triage,
            Self::StartWork => StatusAction::StartWork,
            Self::WaitOnCitizen => StatusAction::WaitOnCitizen,
            Self::Resolve => StatusAction::Resolve,
            Self::Close => StatusAction::Close(ResolutionCode::Fixed),
            Self::Reopen => StatusAction::Reopen,
        }
    }

    /// Reopening is a supervisor's decision; every other change is anyone's
    /// who works the ticket.
    pub fn policy_action(self) -> Action {
        match self {
            Self::Reopen => Action::Reopen,
            _ => Action::ChangeStatus,
        }
    }
}

/// A status change with what it needs: resolving says what was done (the
/// citizen reads it), closing says how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusChange {
    Triage,
    StartWork,
    WaitOnCitizen,
    Resolve { note: String },
    Close { code: ResolutionCode, note: String },
    Reopen { reason: String },
}

impl StatusChange {
    /// From the form or JSON fields; problems come back by field.
    pub fn parse(action: &str, note: &str, code: &str) -> Result<Self, TicketError> {
        let kind = StatusChangeKind::parse(action.trim()).ok_or_else(|| {
            TicketError::invalid("action", Message::Key("tickets-error-status-action"))
        })?;
        Ok(match kind {
            StatusChangeKind::Triage => Self::Triage,
            StatusChangeKind::StartWork => Self::StartWork,
            StatusChangeKind::WaitOnCitizen => Self::WaitOnCitizen,
            StatusChangeKind::Resolve => Self::Resolve {
                note: text("note", note, DESCRIPTION_MAX, true)?,
            },
            StatusChangeKind::Close => {
                let code = code
                    .trim()
                    .parse::<ResolutionCode>()
                    .ok()
                    .filter(|c| CLOSING_CODES.contains(c))
                    .ok_or_else(|| {
                        TicketError::invalid(
                            "resolution_code",
                            Message::Key("tickets-error-resolution-code"),
                        )
                    })?;
                Self::Close {
                    code,
                    note: text("note", note, DESCRIPTION_MAX, false)?,
                }
            }
            StatusChangeKind::Reopen => Self::Reopen {
                reason: text("note", note, REASON_MAX, false)?,
            },
        })
    }

    pub fn kind(&self) -> StatusChangeKind {
        match self {
            Self::Triage => StatusChangeKind::Triage,
            Self::StartWork => StatusChangeKind::StartWork,
            Self::WaitOnCitizen => StatusChangeKind::WaitOnCitizen,
            Self::Resolve { .. } => StatusChangeKind::Resolve,
            Self::Close { .. } => StatusChangeKind::Close,
            Self::Reopen { .. } => StatusChangeKind::Reopen,
        }
    }

    fn action(&self) -> StatusAction {
        match self {
            Self::Close { code, .. } => StatusAction::Close(*code),
            other => other.kind().action(),
        }
    }
}

/// Moves the ticket along its life by `TicketStatus::apply`. The citizen sees
/// the change when what they are told changes (and always a resolution or a
/// closing, with its note).
#[tracing::instrument(skip_all, fields(user.id = cx.staff.id))]
pub fn change_status(
    conn: &mut PgConnection,
    cx: &Ctx,
    reference: &str,
    expected_version: i32,
    change: StatusChange,
) -> Result<Outcome, TicketError> {
    let kind = change.kind();
    conn.transaction(|conn| {
        let ticket = lock(conn, cx.staff, reference, expected_version, |_| {
            kind.policy_action()
        })?;
        let from = ticket.status;
        let to = match from.apply(change.action()) {
            Ok(s) => s,
            Err(e) => return Err(TicketError::refused(conn, &ticket, Message::Refused(e))?),
        };
        let mut changes = TicketChangeset {
            status: Some(to),
            ..Default::default()
        };
        let mut data = json!({ "from": from.as_str(), "to": to.as_str(), "action": kind.as_str() });
        let body = match &change {
            StatusChange::Triage | StatusChange::StartWork | StatusChange::WaitOnCitizen => "",
            StatusChange::Resolve { note } => {
                changes.resolved_at = Some(Some(cx.now));
                changes.resolution_note = Some(Some(note.clone()));
                changes.awaiting_staff_since = Some(None);
                note.as_str()
            }
            StatusChange::Close { code, note } => {
                changes.closed_at = Some(Some(cx.now));
                changes.resolution_code = Some(Some(*code));
                if !note.is_empty() {
                    changes.resolution_note = Some(Some(note.clone()));
                }
                changes.awaiting_staff_since = Some(None);
                data["resolution_code"] = json!(code.as_str());
                note.as_str()
            }
            StatusChange::Reopen { reason } => {
                changes.resolved_at = Some(None);
                changes.closed_at = Some(None);
                changes.resolution_code = Some(None);
                changes.resolution_note = Some(None);
                if ticket.merged_into_id.is_some() {
                    // Reopening a merged ticket undoes the merge.
                    data["unmerged_from"] = json!(ticket.merged_into_id);
                    changes.merged_into_id = Some(None);
                }
                reason.as_str()
            }
        };
        let public = from.citizen_status() != to.citizen_status()
            || matches!(
                change,
                StatusChange::Resolve { .. } | StatusChange::Close { .. }
            );
        record(conn, ticket.id, cx, "status_changed", body, data, public)?;
        let touch = if public {
            Touch::PublicUpdate
        } else {
            Touch::None
        };
        let version = save(conn, cx, &ticket, &changes, touch)?;
        tracing::info!(
            ticket.id = ticket.id,
            from = from.as_str(),
            to = to.as_str(),
            "status changed"
        );
        Ok(done(&ticket, version, false))
    })
}

/// A new priority (the SLA engine re-targets its clocks from the event).
#[tracing::instrument(skip_all, fields(user.id = cx.staff.id))]
pub fn change_priority(
    conn: &mut PgConnection,
    cx: &Ctx,
    reference: &str,
    expected_version: i32,
    priority: &str,
) -> Result<Outcome, TicketError> {
    conn.transaction(|conn| {
        let ticket = lock(conn, cx.staff, reference, expected_version, |_| {
            Action::ChangePriority
        })?;
        let priority: Priority = priority.trim().parse().map_err(|_| {
            TicketError::invalid("priority", Message::Key("tickets-error-priority"))
        })?;
        if priority == ticket.priority {
            return Err(TicketError::invalid(
                "priority",
                Message::Key("tickets-error-priority-same"),
            ));
        }
        record(
            conn,
            ticket.id,
            cx,
            "priority_changed",
            "",
            json!({ "from": ticket.priority.as_str(), "to": priority.as_str() }),
            false,
        )?;
        let version = save(
            conn,
            cx,
            &ticket,
            &TicketChangeset {
                priority: Some(priority),
                ..Default::default()
            },
            Touch::None,
        )?;
        tracing::info!(
            ticket.id = ticket.id,
            priority = priority.as_str(),
            "priority changed"
        );
        Ok(done(&ticket, version, false))
    })
}

/// Another (active) category; the department stays (transfer moves it).
#[tracing::instrument(skip_all, fields(user.id = cx.staff.id))]
pub fn change_category(
    conn: &mut PgConnection,
    cx: &Ctx,
    reference: &str,
    expected_version: i32,
    category_code: &str,
) -> Result<Outcome, TicketError> {
    conn.transaction(|conn| {
        let ticket = lock(conn, cx.staff, reference, expected_version, |_| {
            Action::ChangeCategory
        })?;
        let to: Option<(i64, String)> = categories::table
            .filter(categories::slug.eq(category_code.trim()))
            .filter(categories::active.eq(true))
            .select((categories::id, categories::name))
            .first(conn)
            .optional()?;
        let Some((to_id, to_name)) = to else {
            return Err(TicketError::invalid(
                "category",
                Message::Key("tickets-error-category-unknown"),
            ));
        };
        if to_id == ticket.category_id {
            return Err(TicketError::invalid(
                "category",
                Message::Key("tickets-error-category-same"),
            ));
        }
        let from_name: String = categories::table
            .filter(categories::id.eq(ticket.category_id))
            .select(categories::name)
            .first(conn)?;
        record(
            conn,
            ticket.id,
            cx,
            "category_changed",
            "",
            json!({
                "from": { "id": ticket.category_id, "name": from_name },
                "to": { "id": to_id, "name": to_name },
            }),
            false,
        )?;
        let version = save(
            conn,
            cx,
            &ticket,
            &TicketChangeset {
                category_id: Some(to_id),
                ..Default::default()
            },
            Touch::None,
        )?;
        tracing::info!(
            ticket.id = ticket.id,
            category.id = to_id,
            "category changed"
        );
        Ok(done(&ticket, version, false))
    })
}

/// A new location as typed: any of the three may be empty.
#[derive(Debug, Clone, Default)]
pub struct LocationInput {
    pub address: String,
    pub latitude: String,
    pub longitude: String,
}

/// The messages `Location::parse` may give (from `locales/*/main.ftl`).
const LOCATION_ERRORS: [&str; 5] = [
    "error-address-too-long",
    "error-latitude-invalid",
    "error-longitude-invalid",
    "error-coordinates-pair",
    "error-location-required",
];

/// Corrects where the request is about: its address and/or coordinates, as
/// the citizen's form checks them (clearing both only where the category
/// does not need a location). The ticket is placed in the area of its new
/// coordinates in the same transaction; the timeline records both locations
/// and areas, internally.
#[tracing::instrument(skip_all, fields(user.id = cx.staff.id))]
pub fn change_location(
    conn: &mut PgConnection,
    cx: &Ctx,
    reference: &str,
    expected_version: i32,
    input: &LocationInput,
) -> Result<Outcome, TicketError> {
    use super::view::AreaRef;
    conn.transaction(|conn| {
        let ticket = lock(conn, cx.staff, reference, expected_version, |_| {
            Action::ChangeLocation
        })?;
        let required: bool = categories::table
            .find(ticket.category_id)
            .select(categories::requires_location)
            .first(conn)?;
        let location = Location::parse(&input.address, &input.latitude, &input.longitude, required)
            .map_err(|e| {
                TicketError::Invalid(
                    e.0.iter()
                        .map(|(field, key)| {
                            let field = match field.as_str() {
                                "latitude" => "latitude",
                                "longitude" => "longitude",
                                _ => "address",
                            };
                            let key = LOCATION_ERRORS
                                .into_iter()
                                .find(|k| k == key)
                                .unwrap_or("tickets-error-summary");
                            (field, Message::Key(key))
                        })
                        .collect(),
                )
            })?;
        let before = ticket.latitude.zip(ticket.longitude);
        if location.address == ticket.address && location.coordinates == before {
            return Err(TicketError::invalid(
                "address",
                Message::Key("tickets-error-location-same"),
            ));
        }
        let area_id = match location.coordinates {
            Some((lat, lon)) => crate::areas::placement::area_for(conn, lat, lon)?,
            None => None,
        };
        let side = |address: &Option<String>, at: Option<(f64, f64)>, area: Option<AreaRef>| {
            json!({
                "address": address,
                "latitude": at.map(|c| c.0),
                "longitude": at.map(|c| c.1),
                "area": area.map(|a| json!({ "id": a.id, "code": a.code, "name": a.name })),
            })
        };
        let from = side(&ticket.address, before, AreaRef::of(conn, ticket.area_id)?);
        let to = side(
            &location.address,
            location.coordinates,
            AreaRef::of(conn, area_id)?,
        );
        record(
            conn,
            ticket.id,
            cx,
            "location_changed",
            "",
            json!({ "from": from, "to": to }),
            false,
        )?;
        let version = save(
            conn,
            cx,
            &ticket,
            &TicketChangeset {
                address: Some(location.address.clone()),
                latitude: Some(location.coordinates.map(|c| c.0)),
                longitude: Some(location.coordinates.map(|c| c.1)),
                area_id: Some(area_id),
                ..Default::default()
            },
            Touch::None,
        )?;
        tracing::info!(ticket.id = ticket.id, area.id = area_id, "location changed");
        Ok(done(&ticket, version, false))
    })
}

/// Merges this ticket into `into` (another open ticket the person may see):
/// this one closes as a duplicate pointing at the survivor, both timelines
/// record it, and this ticket's citizen is told where it continues.
#[tracing::instrument(skip_all, fields(user.id = cx.staff.id))]
pub fn merge(
    conn: &mut PgConnection,
    cx: &Ctx,
    reference: &str,
    expected_version: i32,
    into: &str,
) -> Result<Outcome, TicketError> {
    let unknown_target =
        || TicketError::invalid("into", Message::Key("tickets-error-merge-target-unknown"));
    conn.transaction(|conn| {
        let source_ref = normalise_reference(reference).ok_or(TicketError::NotFound)?;
        let target_ref = normalise_reference(into).ok_or_else(unknown_target)?;
        let ids: Vec<(i64, String)> = tickets::table
            .filter(tickets::reference.eq_any([&source_ref, &target_ref]))
            .select((tickets::id, tickets::reference))
            .load(conn)?;
        let id_of = |r: &str| ids.iter().find(|(_, x)| x == r).map(|(id, _)| *id);
        let source_id = id_of(&source_ref).ok_or(TicketError::NotFound)?;
        // Both rows locked, lowest id first: two opposite merges cannot deadlock.
        let mut locked: Vec<Ticket> = tickets::table
            .filter(tickets::id.eq_any(ids.iter().map(|(id, _)| *id)))
            .order(tickets::id.asc())
            .for_update()
            .select(Ticket::as_select())
            .load(conn)?;
        let source_at = locked
            .iter()
            .position(|t| t.id == source_id)
            .ok_or(TicketError::NotFound)?;
        let source = locked.remove(source_at);
        cx.staff
            .may(Action::Merge, crate::staff::access::access_of(&source))
            .map_err(crate::staff::access::AccessError::from)?;
        super::check_version(conn, &source, expected_version)?;
        if target_ref == source.reference {
            return Err(TicketError::invalid(
                "into",
                Message::Key("tickets-error-merge-itself"),
            ));
        }
        let target = locked
            .pop()
            .filter(|t| cx.staff.can_see(crate::staff::access::access_of(t)))
            .ok_or_else(unknown_target)?;
        if !target.status.is_open() {
            return Err(TicketError::invalid(
                "into",
                Message::Key("tickets-error-merge-target-closed"),
            ));
        }
        let next = match source
            .status
            .apply(StatusAction::Close(ResolutionCode::Duplicate))
        {
            Ok(s) => s,
            Err(e) => return Err(TicketError::refused(conn, &source, Message::Refused(e))?),
        };
        let emailed = notify::ticket_merged(conn, cx, &source, &target.reference)?;
        record(
            conn,
            source.id,
            cx,
            "merged_into",
            // The citizen's tracking page shows where their request went on.
            &target.reference,
            json!({ "into": target.reference, "from": source.status.as_str(), "to": next.as_str(), "emailed": emailed }),
            true,
        )?;
        // The survivor's citizen is someone else: they never see the other request.
        record(
            conn,
            target.id,
            cx,
            "merged_from",
            "",
            json!({ "from": source.reference }),
            false,
        )?;
        let version = save(
            conn,
            cx,
            &source,
            &TicketChangeset {
                status: Some(next),
                resolution_code: Some(Some(ResolutionCode::Duplicate)),
                closed_at: Some(Some(cx.now)),
                merged_into_id: Some(Some(target.id)),
                awaiting_staff_since: Some(None),
                ..Default::default()
            },
            Touch::None,
        )?;
        save(conn, cx, &target, &TicketChangeset::default(), Touch::None)?;
        tracing::info!(
            ticket.id = source.id,
            into.id = target.id,
            emailed,
            "merged"
        );
        Ok(done(&source, version, emailed))
    })
}

/// A call, visit, meeting, letter or email with the ticket's citizen.
#[derive(Debug, Clone)]
pub struct ContactInput {
    pub kind: String,
    pub subject: String,
    pub notes: String,
    pub occurred_at: Option<DateTime<Utc>>,
    /// Whether it was about this ticket (else it is only on the citizen's history).
    pub about_ticket: bool,
}

/// Logs a contact with the ticket's citizen. When it was about this ticket it
/// also goes on the ticket's timeline, as an internal entry.
#[tracing::instrument(skip_all, fields(user.id = cx.staff.id))]
pub fn log_contact(
    conn: &mut PgConnection,
    cx: &Ctx,
    reference: &str,
    expected_version: i32,
    input: &ContactInput,
) -> Result<Outcome, TicketError> {
    conn.transaction(|conn| {
        let ticket = lock(conn, cx.staff, reference, expected_version, |_| Action::Note)?;
        let mut errors = super::FieldErrors::new();
        let kind = input.kind.trim();
        if !CONTACT_KINDS.contains(&kind) {
            errors.insert("kind", Message::Key("tickets-error-contact-kind"));
        }
        let subject = text("subject", &input.subject, CONTACT_SUBJECT_MAX, true);
        let notes = text("notes", &input.notes, DESCRIPTION_MAX, false);
        for r in [&subject, &notes] {
            if let Err(TicketError::Invalid(e)) = r {
                errors.extend(e.clone());
            }
        }
        let occurred_at = match input.occurred_at {
            Some(at) if at <= cx.now + Duration::minutes(5) && at.timestamp() > 946_684_800 => {
                Some(at)
            }
            _ => {
                errors.insert("occurred_at", Message::Key("tickets-error-contact-date"));
                None
            }
        };
        let (Ok(subject), Ok(notes), Some(occurred_at), true) =
            (subject, notes, occurred_at, errors.is_empty())
        else {
            return Err(TicketError::Invalid(errors));
        };
        let id: i64 = diesel::insert_into(contact_log::table)
            .values(&NewContactLogEntry {
                contact_id: ticket.contact_id,
                ticket_id: input.about_ticket.then_some(ticket.id),
                user_id: cx.staff.id,
                kind,
                subject: &subject,
                notes: &notes,
                occurred_at,
            })
            .returning(contact_log::id)
            .get_result(conn)?;
        let version = if input.about_ticket {
            record(
                conn,
                ticket.id,
                cx,
                "contact_logged",
                &notes,
                json!({ "contact_log_id": id, "kind": kind, "subject": subject, "occurred_at": occurred_at }),
                false,
            )?;
            // A call, visit or letter about the ticket keeps the citizen informed.
            save(
                conn,
                cx,
                &ticket,
                &TicketChangeset::default(),
                Touch::PublicUpdate,
            )?
        } else {
            ticket.version
        };
        tracing::info!(ticket.id = ticket.id, contact_log.id = id, "contact logged");
        Ok(done(&ticket, version, false))
    })
}

/// Whether a status is one a ticket can be merged from (kept for the page).
pub fn may_merge_from(status: TicketStatus) -> bool {
    status
        .apply(StatusAction::Close(ResolutionCode::Duplicate))
        .is_ok()
}

/// Most business minutes one extension may add (about 200 working days).
pub const EXTENSION_MAX_MINUTES: i64 = 100_000;

/// A supervisor grants more time on one SLA clock, with a reason: the due
/// instant moves, the citizen sees the new date and the reason on their
/// timeline, and reports count the extension.
#[tracing::instrument(skip_all, fields(user.id = cx.staff.id))]
pub fn extend_sla(
    conn: &mut PgConnection,
    cx: &Ctx,
    reference: &str,
    expected_version: i32,
    clock: &str,
    minutes: i64,
    reason: &str,
) -> Result<Outcome, TicketError> {
    conn.transaction(|conn| {
        let ticket = lock(conn, cx.staff, reference, expected_version, |_| {
            Action::ExtendSla
        })?;
        let mut errors = super::FieldErrors::new();
        let kind = clock.trim().parse::<ClockKind>().ok();
        if kind.is_none() {
            errors.insert("clock", Message::Key("sla-extend-error-clock"));
        }
        if !(1..=EXTENSION_MAX_MINUTES).contains(&minutes) {
            errors.insert("minutes", Message::Key("sla-extend-error-minutes"));
        }
        let reason = match text("reason", reason, REASON_MAX, true) {
            Ok(r) => Some(r),
            Err(TicketError::Invalid(e)) => {
                errors.extend(e);
                None
            }
            Err(other) => return Err(other),
        };
        let (Some(kind), Some(reason), true) = (kind, reason, errors.is_empty()) else {
            return Err(TicketError::Invalid(errors));
        };
        let Some(change) = crate::sla::engine::extend(
            conn,
            &ticket,
            kind,
            minutes as i32,
            &reason,
            crate::sla::Actor::Staff(cx.staff.id),
            cx.now,
        )?
        else {
            return Err(TicketError::invalid(
                "clock",
                Message::Key("sla-extend-error-clock"),
            ));
        };
        record(
            conn,
            ticket.id,
            cx,
            "sla_extended",
            &reason,
            json!({
                "clock": kind,
                "minutes": minutes,
                "due_at": change.due_at,
                "time_zone": change.time_zone,
            }),
            true,
        )?;
        let version = save(
            conn,
            cx,
            &ticket,
            &TicketChangeset::default(),
            Touch::PublicUpdate,
        )?;
        tracing::info!(
            ticket.id = ticket.id,
            clock = kind.as_str(),
            minutes,
            "SLA extended"
        );
        Ok(done(&ticket, version, false))
    })
}
