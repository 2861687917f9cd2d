//! The one place the pages, the API, the public statistics and the digest
//! get their [`ReportSource`] from. It answers with the reference
//! implementation for now; the fast one replaces it here, and nowhere else.

use super::model::ReportSource;
use super::reference::Reference;
use crate::configuration::Settings;

static REFERENCE: Reference = Reference;

/// The report source every reader of figures uses.
pub fn source(_settings: &Settings) -> &'static (dyn ReportSource + Send + Sync) {
    &REFERENCE
}
