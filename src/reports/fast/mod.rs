//! The fast implementation: per-ticket facts and rollups kept current by
//! triggers and a refresh (see [`refresh`]), read by summing whole months,
//! weeks and days (see [`read`]). It gives exactly the reference's figures.

pub mod facts;
pub mod read;
pub mod refresh;
pub mod rollup;
pub mod verify;

pub use read::Fast;
pub use refresh::{rebuild, refresh, RebuildReport, RefreshReport};
