//! Background work that runs beside the HTTP server, on the same database:
//! the outbox worker and the SLA worker. Work is always persisted first
//! (a row in a table) and done by a worker here, so nothing lives only in
//! memory and several instances can share it safely (`FOR UPDATE SKIP LOCKED`).
//! `jobs.enabled` lets a deployment run the workers on one instance only.

pub mod digest;
pub mod outbox;
pub mod placement;
pub mod reports;
pub mod sla;

pub use outbox::{deliver_due, run_outbox_worker, DeliveryReport};
pub use sla::run_sla_worker;
