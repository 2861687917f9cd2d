//! One module per table: a read row (`Queryable`), an insert struct and, where
//! rows change, a changeset.

pub mod area;
pub mod attachment;
pub mod calendar;
pub mod canned_response;
pub mod category;
pub mod contact;
pub mod contact_log;
pub mod department;
pub mod outbox;
pub mod password_reset;
pub mod sla_clock;
pub mod sla_policy;
pub mod ticket;
pub mod ticket_event;
pub mod user;
