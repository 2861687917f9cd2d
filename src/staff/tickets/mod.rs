//! Working a ticket: one use case per staff action. Each is one transaction
//! that locks the ticket row, applies the policy (404 for a ticket the person
//! may not see, 403 with the reason for one they may see but not change),
//! checks the version the person was looking at (a mismatch is a conflict
//! carrying the ticket's current state, never a silent overwrite), applies the
//! rule, writes a timeline event naming the actor, queues any email, and bumps
//! the ticket's `version` and `updated_at`.
//!
//! Pages and the API only translate to and from these functions.

pub mod actions;
pub mod canned;
pub mod message;
pub mod notify;
pub mod view;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::auth::policy::{Action, Staff};
use crate::configuration::Settings;
use crate::db::models::ticket::{Ticket, TicketChangeset};
use crate::db::models::ticket_event::NewTicketEvent;
use crate::db::DbError;
use crate::email::EmailTemplates;
use crate::schema::{ticket_events, tickets};
use crate::sla::{self, Touch};
use crate::staff::access::{self, AccessError};

pub use message::Message;
pub use view::TicketState;

/// Who acts, when, and what they need to send email.
pub struct Ctx<'a> {
    pub staff: &'a Staff,
    pub now: DateTime<Utc>,
    pub templates: &'a EmailTemplates,
    pub settings: &'a Settings,
}

/// A change that went through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub reference: String,
    /// The ticket's version after the change.
    pub version: i32,
    /// Whether an email to the citizen was queued.
    pub emailed: bool,
}

/// Problems with what was sent, by field name.
pub type FieldErrors = BTreeMap<&'static str, Message>;

/// Why an action did not happen.
#[derive(Debug, thiserror::Error)]
pub enum TicketError {
    /// No such ticket, or not one this person may see (404).
    #[error("not found")]
    NotFound,
    /// They may see it but not do this (403).
    #[error("forbidden: {0:?}")]
    Forbidden(Message),
    /// Someone changed the ticket since the person loaded it (409).
    #[error("the ticket is at version {}", .0.version)]
    Conflict(Box<TicketState>),
    /// The ticket's state does not allow this (409); `refused` when the
    /// state machine said so.
    #[error("not allowed: {message:?}")]
    NotAllowed {
        message: Message,
        current: Box<TicketState>,
    },
    /// What was sent is missing or wrong (422).
    #[error("invalid: {0:?}")]
    Invalid(FieldErrors),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<diesel::result::Error> for TicketError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Db(DbError::Query(e))
    }
}

impl From<AccessError> for TicketError {
    fn from(e: AccessError) -> Self {
        match e {
            AccessError::NotFound => Self::NotFound,
            AccessError::Forbidden(reason) => Self::Forbidden(Message::Denied(reason)),
            AccessError::Db(e) => e.into(),
        }
    }
}

impl TicketError {
    pub fn invalid(field: &'static str, message: Message) -> Self {
        Self::Invalid(BTreeMap::from([(field, message)]))
    }

    /// The state machine refused: 409 with the ticket as it stands.
    fn refused(
        conn: &mut PgConnection,
        ticket: &Ticket,
        message: Message,
    ) -> Result<Self, TicketError> {
        Ok(Self::NotAllowed {
            message,
            current: Box::new(TicketState::of(conn, ticket)?),
        })
    }
}

/// Locks the ticket for the rest of the transaction and checks, in this order,
/// that the person may see it (404), may do `action_of(ticket)` (403), and
/// was looking at `expected_version` (409 with the current state).
pub(crate) fn lock(
    conn: &mut PgConnection,
    staff: &Staff,
    reference: &str,
    expected_version: i32,
    action_of: impl FnOnce(&Ticket) -> Action,
) -> Result<Ticket, TicketError> {
    let ticket = access::ticket_for(conn, staff, reference, Action::View, true)?;
    staff
        .may(action_of(&ticket), access::access_of(&ticket))
        .map_err(AccessError::from)?;
    check_version(conn, &ticket, expected_version)?;
    Ok(ticket)
}

fn check_version(
    conn: &mut PgConnection,
    ticket: &Ticket,
    expected_version: i32,
) -> Result<(), TicketError> {
    if ticket.version != expected_version {
        tracing::info!(
            ticket.id = ticket.id,
            expected_version,
            version = ticket.version,
            "edit conflict"
        );
        return Err(TicketError::Conflict(Box::new(TicketState::of(
            conn, ticket,
        )?)));
    }
    Ok(())
}

/// Appends a staff member's event to the timeline.
pub(crate) fn record(
    conn: &mut PgConnection,
    ticket_id: i64,
    cx: &Ctx,
    kind: &str,
    body: &str,
    data: serde_json::Value,
    public: bool,
) -> QueryResult<i64> {
    diesel::insert_into(ticket_events::table)
        .values(&NewTicketEvent {
            ticket_id,
            kind,
            actor_kind: "staff",
            actor_user_id: Some(cx.staff.id),
            actor_contact_id: None,
            body,
            data,
            public,
            created_at: cx.now,
        })
        .returning(ticket_events::id)
        .get_result(conn)
}

/// Writes `changes` to `before` (the ticket as locked), bumps the version,
/// and brings the SLA clocks up to date with what changed and what the
/// citizen was told (`touch`); returns the new version.
pub(crate) fn save(
    conn: &mut PgConnection,
    cx: &Ctx,
    before: &Ticket,
    changes: &TicketChangeset,
    touch: Touch,
) -> Result<i32, TicketError> {
    let after: Ticket = diesel::update(tickets::table.filter(tickets::id.eq(before.id)))
        .set((
            changes,
            tickets::version.eq(tickets::version + 1),
            tickets::updated_at.eq(cx.now),
        ))
        .returning(Ticket::as_returning())
        .get_result(conn)?;
    sla::engine::sync(
        conn,
        &sla::engine::Change {
            before: Some(before),
            after: &after,
            touch,
            actor: sla::Actor::Staff(cx.staff.id),
            reason: None,
            now: cx.now,
        },
    )?;
    Ok(after.version)
}
