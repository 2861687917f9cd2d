//! Loading a ticket for a staff member, with the policy applied: a ticket
//! they may not see is "not found" (404), so its existence stays hidden.

use diesel::prelude::*;

use crate::auth::policy::{Action, Denied, Staff, TicketAccess};
use crate::db::models::ticket::Ticket;
use crate::domain::reference::normalise_reference;
use crate::schema::tickets;

#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    /// Unknown, or not theirs to see.
    #[error("not found")]
    NotFound,
    /// They may see it, but not do this (403 with the reason).
    #[error("{0}")]
    Forbidden(&'static str),
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

impl From<Denied> for AccessError {
    fn from(d: Denied) -> Self {
        if d.hide {
            Self::NotFound
        } else {
            Self::Forbidden(d.reason)
        }
    }
}

pub fn access_of(t: &Ticket) -> TicketAccess {
    TicketAccess {
        department_id: t.department_id,
        assignee_id: t.assignee_id,
    }
}

/// The ticket with this reference, if `staff` may do `action` on it.
/// `lock` takes a row lock for the rest of the caller's transaction.
pub fn ticket_for(
    conn: &mut PgConnection,
    staff: &Staff,
    reference: &str,
    action: Action,
    lock: bool,
) -> Result<Ticket, AccessError> {
    let reference = normalise_reference(reference).ok_or(AccessError::NotFound)?;
    let query = tickets::table
        .filter(tickets::reference.eq(reference))
        .select(Ticket::as_select());
    let ticket = if lock {
        query.for_update().first(conn).optional()?
    } else {
        query.first(conn).optional()?
    }
    .ok_or(AccessError::NotFound)?;
    staff.may(action, access_of(&ticket))?;
    Ok(ticket)
}
