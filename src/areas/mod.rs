//! Areas: the council's wards or districts, imported from GeoJSON, and the
//! area every ticket with coordinates lies in (`tickets.area_id`, which
//! reports group by; `NULL` is "unknown").
//!
//! - [`geometry`]: reading and checking GeoJSON, and the [`geometry::Placer`]
//!   that decides where a point goes (the rule is written there). Pure.
//! - [`import`]: replacing the set of areas by code, in one transaction.
//! - [`placement`]: the area of one point (a ticket created or moved, in its
//!   own transaction) and re-placing existing tickets after an import, in
//!   batches that resume where they stopped.
//! - [`messages`]: every problem in the reader's language.

pub mod cli;
pub mod geometry;
pub mod import;
pub mod messages;
pub mod placement;

/// Taken shared by every transaction that places a ticket and exclusively by
/// an import, so that once an import has committed, every ticket placed with
/// the areas before it is committed too, and re-placement sees it.
pub(crate) const AREAS_LOCK: i64 = 7_243_004;
