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

/// The span of each HTTP request: tracing-actix-web's default fields, except
/// that `http.target` is the path alone. A query string may carry a secret (the
/// `?token=` of tracking links), and every event logged while handling the
/// request (e.g. a 404 for a wrong token) repeats the span's fields. A route
/// with a `{token}` segment carries its secret in the path itself (password
/// reset links): those are logged as their pattern.
pub struct RequestSpan;

fn loggable_path(request: &actix_web::dev::ServiceRequest, route: &str) -> String {
    if route.contains("{token}") {
        route.to_string()
    } else {
        request.path().to_string()
    }
}

impl tracing_actix_web::RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &actix_web::dev::ServiceRequest) -> tracing::Span {
        use actix_web::HttpMessage;
        use tracing::field::Empty;
        let route = request
            .match_pattern()
            .unwrap_or_else(|| "default".to_string());
        let request_id = request
            .extensions()
            .get::<tracing_actix_web::RequestId>()
            .map(|id| id.to_string())
            .unwrap_or_default();
        let user_agent = request
            .headers()
            .get(actix_web::http::header::USER_AGENT)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        let info = request.connection_info();
        tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.route = %route,
            http.flavor = ?request.version(),
            http.scheme = %info.scheme(),
            http.host = %info.host(),
            http.client_ip = %info.realip_remote_addr().unwrap_or(""),
            http.user_agent = %user_agent,
            http.target = %loggable_path(request, &route),
            http.status_code = Empty,
            otel.name = %format!("{} {}", request.method(), route),
            otel.kind = "server",
            otel.status_code = Empty,
            request_id = %request_id,
            exception.message = Empty,
            exception.details = Empty,
        )
    }

    fn on_request_end<B: actix_web::body::MessageBody>(
        span: tracing::Span,
        outcome: &Result<actix_web::dev::ServiceResponse<B>, actix_web::Error>,
    ) {
        tracing_actix_web::DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}

/// The `Server-Timing` header of a response that took `elapsed` to make:
/// `app;dur=1.234` (milliseconds, as the W3C Server Timing draft has it).
pub fn server_timing(elapsed: std::time::Duration) -> actix_web::http::header::HeaderValue {
    let ms = elapsed.as_secs_f64() * 1000.0;
    actix_web::http::header::HeaderValue::from_str(&format!("app;dur={ms:.3}"))
        .expect("digits and ASCII are a valid header value")
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use actix_web::{test, web, App, HttpResponse};
    use tracing_actix_web::TracingLogger;
    use tracing_subscriber::fmt::MakeWriter;

    use super::*;

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Captured {
        type Writer = Captured;
        fn make_writer(&'a self) -> Self::Writer {
            self.clone()
        }
    }

    #[actix_web::test]
    async fn request_logs_have_the_path_but_never_the_query_string() {
        let captured = Captured::default();
        let subscriber = tracing_subscriber::registry().with(
            fmt::layer()
                .with_writer(captured.clone())
                .with_ansi(false)
                .compact(),
        );
        let _guard = tracing::subscriber::set_default(subscriber);
        let app = test::init_service(
            App::new()
                .wrap(TracingLogger::<RequestSpan>::new())
                .route(
                    "/requests/{reference}",
                    web::get().to(|| async {
                        tracing::info!("looking it up");
                        HttpResponse::NotFound().finish()
                    }),
                )
                .route(
                    "/staff/password-reset/{token}",
                    web::get().to(|| async {
                        tracing::info!("checking the link");
                        HttpResponse::Gone().finish()
                    }),
                )
                .route(
                    "/fails",
                    web::get().to(|| async {
                        Err::<HttpResponse, _>(actix_web::error::ErrorNotFound("no such request"))
                    }),
                ),
        )
        .await;
        for uri in [
            "/requests/CD-2026-000042?token=s3cret-t0ken",
            "/fails?token=s3cret-t0ken",
        ] {
            let res =
                test::call_service(&app, test::TestRequest::get().uri(uri).to_request()).await;
            assert_eq!(res.status(), 404);
        }
        let reset = "/staff/password-reset/s3cret-in-the-path";
        let res = test::call_service(&app, test::TestRequest::get().uri(reset).to_request()).await;
        assert_eq!(res.status(), 410);
        let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        assert!(logs.contains("looking it up"), "{logs}");
        assert!(
            logs.contains("http.target=/requests/CD-2026-000042"),
            "{logs}"
        );
        assert!(logs.contains("http.route=/requests/{reference}"), "{logs}");
        assert!(logs.contains("http.status_code=404"), "{logs}");
        assert!(
            logs.contains("no such request"),
            "the error event is logged: {logs}"
        );
        assert!(
            logs.contains("http.target=/staff/password-reset/{token}"),
            "{logs}"
        );
        assert!(!logs.contains("s3cret"), "the token was logged: {logs}");
        assert!(!logs.contains("token="), "{logs}");
    }
}
