//! One module per table: a read row (`Queryable`), an insert struct and, where
//! rows change, a changeset.

pub mod calendar;
pub mod category;
pub mod department;
pub mod sla_policy;
pub mod user;
