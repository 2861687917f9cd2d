//! Structured logs through `tracing`. Never log citizen emails, phones, names,
//! tokens or secrets; log ids.

use tracing_subscriber::{fmt, prelude::*, EnvFilter};

use crate::configuration::{LogFormat, LogSettings};

/// Installs the global subscriber. `RUST_LOG`, when set, wins over the config.
/// Safe to call more than once (later calls do nothing), which tests rely on.
pub fn init(settings: &LogSettings) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&settings.level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let registry = tracing_subscriber::registry().with(filter);
    let result = match settings.format {
        LogFormat::Json => registry
            .with(
                fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_current_span(false),
            )
            .try_init(),
        LogFormat::Pretty => registry
            .with(fmt::layer().with_target(false).compact())
            .try_init(),
    };
    // Already installed (tests): keep the first.
    drop(result);
}
