//! Building and running the HTTP application: every route and shared value in one place.

use std::net::TcpListener;

use actix_web::dev::{Server, ServerHandle, Service};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::{Compress, DefaultHeaders};
use actix_web::{web, App, HttpMessage, HttpServer};
use anyhow::Context;
use tracing_actix_web::TracingLogger;

use crate::abuse::{PasswordResetLimiter, SubmissionLimiter};
use crate::clock::Clock;
use crate::configuration::Settings;
use crate::db::Pool;
use crate::email::{EmailTemplates, Mailer};
use crate::routes;
use crate::views::Templates;

/// Content-Security-Policy: no inline script or style, nothing from other origins.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; \
     object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// A bound, not yet running, HTTP server, and the shared values built with it.
pub struct Application {
    port: u16,
    server: Server,
    email_templates: EmailTemplates,
    mailer: Mailer,
    clock: Clock,
}

impl Application {
    /// Binds the listener (port 0 picks a free port, as tests do) and builds the server.
    pub fn build(settings: Settings, pool: Pool) -> anyhow::Result<Self> {
        Self::build_with_clock(settings, pool, Clock::system())
    }

    /// [`build`](Self::build) reading the time from `clock` (tests set it).
    pub fn build_with_clock(settings: Settings, pool: Pool, clock: Clock) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(settings.application.bind)
            .with_context(|| format!("cannot listen on {}", settings.application.bind))?;
        let port = listener.local_addr()?.port();
        let templates = Templates::load()?;
        // Handlers render with these and queue in the outbox; the Mailer is
        // shared with the outbox worker (commands::serve) and the tests.
        let email_templates = EmailTemplates::load()?;
        let mailer = Mailer::from_settings(&settings).context("setting up outgoing mail")?;
        tracing::info!(mail = %mailer.describe(), "outgoing mail");
        let workers = match settings.application.workers {
            0 => std::thread::available_parallelism().map_or(2, |n| n.get()),
            n => n,
        };
        let limiter = web::Data::new(SubmissionLimiter::new(
            settings.abuse.submissions_per_hour,
            settings.abuse.submission_burst,
            settings.abuse.trust_forwarded_for,
        ));
        let reset_limiter = web::Data::new(PasswordResetLimiter::new(
            settings.abuse.trust_forwarded_for,
        ));
        // Every blocking task a worker runs waits for a pooled connection
        // (db::run), so threads beyond the pool's size only park on it, each
        // with its own stack and malloc arena. Under overload actix's default
        // (512 / cores per worker) let the submission benchmark grow the
        // server to 520 threads and 330 MB. With this cap, surplus work queues
        // as a closure and db::run still answers 503 after
        // database.connect_timeout_seconds (time spent queued included).
        // One worker may use the whole pool, so no connection is left idle.
        let blocking_threads = (pool.max_size() as usize).max(1);
        let settings = web::Data::new(settings);
        let pool = web::Data::new(pool);
        let templates = web::Data::new(templates);
        let email_templates_data = web::Data::new(email_templates.clone());
        let mailer_data = web::Data::new(mailer.clone());
        let clock_data = web::Data::new(clock.clone());
        let server = HttpServer::new(move || {
            App::new()
                .wrap(routes::errors::handlers())
                // `Server-Timing: app;dur=<ms>`: from routing to the handler's
                // finished response (rendering included, compression and
                // sending not), for benchmarks and browsers' developer tools.
                .wrap_fn(|req, srv| {
                    let started = std::time::Instant::now();
                    let fut = srv.call(req);
                    async move {
                        let mut res = fut.await?;
                        res.headers_mut().insert(
                            HeaderName::from_static("server-timing"),
                            crate::telemetry::server_timing(started.elapsed()),
                        );
                        Ok(res)
                    }
                })
                .wrap(security_headers())
                .wrap(Compress::default())
                .wrap_fn(|req, srv| {
                    let id = req
                        .extensions()
                        .get::<tracing_actix_web::RequestId>()
                        .map(|id| id.to_string());
                    let fut = srv.call(req);
                    async move {
                        let mut res = fut.await?;
                        if let Some(v) = id.and_then(|id| HeaderValue::from_str(&id).ok()) {
                            res.headers_mut()
                                .insert(HeaderName::from_static("x-request-id"), v);
                        }
                        Ok(res)
                    }
                })
                .wrap(TracingLogger::<crate::telemetry::RequestSpan>::new())
                .app_data(settings.clone())
                .app_data(pool.clone())
                .app_data(templates.clone())
                .app_data(email_templates_data.clone())
                .app_data(mailer_data.clone())
                .app_data(clock_data.clone())
                .app_data(limiter.clone())
                .app_data(reset_limiter.clone())
                .app_data(web::PayloadConfig::new(256 * 1024))
                .configure(routes::configure)
                .default_service(web::to(routes::errors::not_found))
        })
        .workers(workers)
        .worker_max_blocking_threads(blocking_threads)
        .disable_signals()
        .shutdown_timeout(30)
        .listen(listener)?
        .run();
        Ok(Self {
            port,
            server,
            email_templates,
            mailer,
            clock,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The email templates handlers get as `web::Data<EmailTemplates>`.
    pub fn email_templates(&self) -> &EmailTemplates {
        &self.email_templates
    }

    /// The mailer handlers get as `web::Data<Mailer>`; the outbox worker sends with it.
    pub fn mailer(&self) -> &Mailer {
        &self.mailer
    }

    /// The clock handlers read; background workers should read the same one.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Runs until the server is stopped through its handle.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        // Tracking links carry a secret: never send the URL to another site.
        .add((header::REFERRER_POLICY, "no-referrer"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((
            "Permissions-Policy",
            "geolocation=(self), camera=(), microphone=()",
        ))
        .add(("Cross-Origin-Opener-Policy", "same-origin"))
}

/// Resolves when the process is asked to stop (SIGINT or SIGTERM). The
/// handlers are installed when this is called, not when the future is first
/// polled, so call it before announcing that the server is up: a Ctrl-C in
/// between must not kill the process with the default action.
pub fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).expect("installing the SIGTERM handler");
    let mut int = signal(SignalKind::interrupt()).expect("installing the SIGINT handler");
    async move {
        tokio::select! {
            _ = term.recv() => tracing::info!("SIGTERM received: shutting down"),
            _ = int.recv() => tracing::info!("SIGINT received: shutting down"),
        }
    }
}
