//! The SLA engine: every ticket's clocks (first response, keep in touch,
//! resolution) kept in step with what happens to the ticket, and the worker
//! that raises warnings and breaches exactly once and escalates.
//!
//! * [`engine`]: called inside every use case that changes a ticket, in its
//!   transaction (the ticket row is locked, so nothing else writes its clocks).
//! * [`sweep`]: the worker's job, safe to run in several instances at once.
//! * [`display`]: due instants and time left, in words, for pages and mail.
//!
//! The clock rules themselves are pure and live in [`crate::domain::sla`].

pub mod calendars;
pub mod display;
pub mod engine;
pub mod policy;
pub mod sweep;

pub use engine::{Actor, Touch};
