//! The one place the pages, the API, the public statistics and the digest
//! get their [`ReportSource`] from: the fast implementation, which reads the
//! rollups (refreshing the tickets changed since) and gives exactly the
//! reference's figures (`tests/api/fast_reports.rs` holds it to that).

use super::fast::Fast;
use super::model::ReportSource;
use crate::configuration::Settings;

static FAST: Fast = Fast;

/// The report source every reader of figures uses.
pub fn source(_settings: &Settings) -> &'static (dyn ReportSource + Send + Sync) {
    &FAST
}
