//! Domain rules: plain Rust, no actix, no diesel DSL. Everything else depends
//! on these modules, never the reverse.

pub mod business_time;
pub mod extra_fields;
pub mod new_ticket;
pub mod priority;
pub mod reference;
pub mod role;
pub mod sla;
pub mod ticket;
pub mod ticket_kind;
pub mod ticket_status;
