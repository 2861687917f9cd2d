//! Sending one message: one [`Mailer`] over two backends.
//!
//! - SMTP through lettre (rustls with compiled-in roots: no OpenSSL, nothing
//!   fetched at build or run time), STARTTLS, implicit TLS or plain, with
//!   optional credentials and timeouts so a silent server cannot hold the
//!   outbox worker forever.
//! - Files: each message as an RFC 5322 `.eml` file in `DATA_DIR/mail`, for the
//!   quick start and development. Production refuses it at start-up: mail that
//!   silently piles up in a folder is mail citizens never get.
//!
//! The only caller is the outbox worker; requests queue mail, they never send it.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Address, Message, SmtpTransport, Transport};
use secrecy::ExposeSecret;

use crate::configuration::{Environment, Settings, SmtpSettings, SmtpTls};
use crate::db::models::outbox::OutboxRow;

/// How long one SMTP connection or command may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(20);

/// Why the mailer could not be set up; each message names the setting to fix.
#[derive(Debug, thiserror::Error)]
pub enum MailerError {
    #[error(
        "smtp.host: production does not write mail to files; set smtp.host \
         (CIVICDESK__SMTP__HOST) to your mail server"
    )]
    FileBackendInProduction,
    #[error("smtp.from: `{0}` is not a mailbox such as Council <no-reply@example.org>")]
    InvalidFrom(String),
    #[error("smtp.host: cannot set up TLS for `{host}`")]
    Tls {
        host: String,
        #[source]
        source: lettre::transport::smtp::Error,
    },
    #[error("cannot create the mail folder {}", .0.display())]
    MailDir(PathBuf, #[source] std::io::Error),
}

/// Why one message was not sent. The text goes into `outbox.last_error`; it
/// never contains credentials.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("the recipient is not an email address: {0}")]
    Recipient(#[source] lettre::address::AddressError),
    #[error("the message could not be built: {0}")]
    Message(#[source] lettre::error::Error),
    #[error("SMTP: {0}")]
    Smtp(#[source] lettre::transport::smtp::Error),
    #[error("writing {}: {source}", .path.display())]
    File {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl SendError {
    /// A short, data-free label for logs (the full text may quote an address).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Recipient(_) | Self::Message(_) => "invalid message",
            Self::Smtp(e) if e.is_permanent() => "smtp rejected (permanent)",
            Self::Smtp(e) if e.is_transient() => "smtp rejected (transient)",
            Self::Smtp(e) if e.is_timeout() => "smtp timeout",
            Self::Smtp(e) if e.is_tls() => "smtp tls",
            Self::Smtp(_) => "smtp connection",
            Self::File { .. } => "file",
        }
    }
}

/// One message as the outbox holds it, ready to send.
#[derive(Debug, Clone, Copy)]
pub struct OutgoingEmail<'a> {
    pub recipient: &'a str,
    /// Ours, with angle brackets: `<uuid@domain>`.
    pub message_id: &'a str,
    pub subject: &'a str,
    pub text: &'a str,
    pub html: &'a str,
    /// The `Date` header: when the message was queued, the same on every attempt.
    pub date: DateTime<Utc>,
}

impl<'a> From<&'a OutboxRow> for OutgoingEmail<'a> {
    fn from(row: &'a OutboxRow) -> Self {
        Self {
            recipient: &row.recipient,
            message_id: &row.message_id,
            subject: &row.subject,
            text: &row.body_text,
            html: &row.body_html,
            date: row.created_at,
        }
    }
}

/// Sends mail through the configured backend. Cheap to clone (shared inside);
/// `send` blocks, so call it from a blocking thread.
#[derive(Clone)]
pub struct Mailer {
    inner: Arc<Inner>,
}

struct Inner {
    from: Mailbox,
    backend: Backend,
}

enum Backend {
    Smtp {
        transport: SmtpTransport,
        /// `host:port`, for the start-up log.
        server: String,
    },
    Files(PathBuf),
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("backend", &self.describe())
            .finish()
    }
}

impl Mailer {
    pub fn from_settings(settings: &Settings) -> Result<Self, MailerError> {
        Self::new(settings.environment, &settings.smtp, settings.mail_dir())
    }

    /// SMTP when `smtp.host` is set, else `.eml` files in `mail_dir`
    /// (refused in production).
    pub fn new(
        environment: Environment,
        smtp: &SmtpSettings,
        mail_dir: PathBuf,
    ) -> Result<Self, MailerError> {
        let from: Mailbox = smtp
            .from
            .parse()
            .map_err(|_| MailerError::InvalidFrom(smtp.from.clone()))?;
        let backend = match &smtp.host {
            Some(host) => Backend::Smtp {
                transport: smtp_transport(smtp, host)?,
                server: format!("{host}:{}", smtp.port),
            },
            None if environment == Environment::Production => {
                return Err(MailerError::FileBackendInProduction)
            }
            None => {
                std::fs::create_dir_all(&mail_dir)
                    .map_err(|e| MailerError::MailDir(mail_dir.clone(), e))?;
                Backend::Files(mail_dir)
            }
        };
        Ok(Self {
            inner: Arc::new(Inner { from, backend }),
        })
    }

    /// Where mail goes, for the start-up log: `smtp host:port` or `files in DIR`.
    pub fn describe(&self) -> String {
        match &self.inner.backend {
            Backend::Smtp { server, .. } => format!("smtp {server}"),
            Backend::Files(dir) => format!("files in {}", dir.display()),
        }
    }

    /// Sends one message: multipart/alternative (text, then HTML), our
    /// Message-ID, Date and From. Blocks until the server accepts it or fails.
    pub fn send(&self, email: &OutgoingEmail<'_>) -> Result<(), SendError> {
        let message = self.build(email)?;
        let backend = match &self.inner.backend {
            Backend::Smtp { transport, .. } => {
                transport.send(&message).map_err(SendError::Smtp)?;
                "smtp"
            }
            Backend::Files(dir) => {
                write_eml(dir, email, &message.formatted())?;
                "file"
            }
        };
        tracing::info!(
            message_id = %email.message_id,
            to = %mask_recipient(email.recipient),
            backend,
            "email sent"
        );
        Ok(())
    }

    fn build(&self, email: &OutgoingEmail<'_>) -> Result<Message, SendError> {
        // An address, never a display name: nothing but the address reaches `To`.
        let to: Address = email
            .recipient
            .trim()
            .parse()
            .map_err(SendError::Recipient)?;
        Message::builder()
            .from(self.inner.from.clone())
            .to(Mailbox::new(None, to))
            .subject(email.subject)
            .message_id(Some(email.message_id.to_string()))
            .date(email.date.into())
            .header(AutoSubmitted)
            .multipart(MultiPart::alternative_plain_html(
                email.text.to_string(),
                email.html.to_string(),
            ))
            .map_err(SendError::Message)
    }
}

fn smtp_transport(smtp: &SmtpSettings, host: &str) -> Result<SmtpTransport, MailerError> {
    let tls_error = |source| MailerError::Tls {
        host: host.to_string(),
        source,
    };
    let builder = match smtp.tls {
        SmtpTls::StartTls => SmtpTransport::starttls_relay(host).map_err(tls_error)?,
        SmtpTls::Tls => SmtpTransport::relay(host).map_err(tls_error)?,
        SmtpTls::None => SmtpTransport::builder_dangerous(host),
    };
    let mut builder = builder.port(smtp.port).timeout(Some(SMTP_TIMEOUT));
    if let Some(username) = &smtp.username {
        let password = smtp
            .password
            .as_ref()
            .map(|p| p.expose_secret().to_string())
            .unwrap_or_default();
        builder = builder.credentials(Credentials::new(username.clone(), password));
    }
    Ok(builder.build())
}

/// Writes `bytes` to `DIR/<queued time>-<message id>.eml`, through a temporary
/// file so a reader never sees half a message. A retry of the same message
/// writes the same file.
fn write_eml(dir: &Path, email: &OutgoingEmail<'_>, bytes: &[u8]) -> Result<(), SendError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let id: String = email
        .message_id
        .trim_matches(['<', '>'])
        .split('@')
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    let stem = format!("{}-{id}", email.date.format("%Y%m%dT%H%M%SZ"));
    let path = dir.join(format!("{stem}.eml"));
    let tmp = dir.join(format!(".{stem}.eml.tmp"));
    let file_error = |source| SendError::File {
        path: path.clone(),
        source,
    };
    // Mail holds personal data: readable by the portal's user only.
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(file_error)?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(file_error)?;
    std::fs::rename(&tmp, &path).map_err(file_error)
}

/// `jo.bloggs@example.org` -> `j***@example.org`: enough to tell messages
/// apart in a log, not enough to identify the citizen.
pub fn mask_recipient(address: &str) -> String {
    match address.trim().rsplit_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".to_string(),
    }
}

/// `Auto-Submitted: auto-generated` (RFC 3834): out-of-office replies and
/// other robots leave our messages alone.
#[derive(Debug, Clone, Copy)]
struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn smtp(host: Option<&str>) -> SmtpSettings {
        SmtpSettings {
            host: host.map(str::to_string),
            port: 2525,
            tls: SmtpTls::None,
            username: None,
            password: None,
            from: "Demo Borough Council <no-reply@civicdesk.invalid>".into(),
        }
    }

    fn email<'a>(recipient: &'a str, subject: &'a str) -> OutgoingEmail<'a> {
        OutgoingEmail {
            recipient,
            message_id: "<0123abcd@portal.example.org>",
            subject,
            text: "Plain text, with a Persian word: درخواست",
            html: "<p>HTML</p>",
            date: DateTime::parse_from_rfc3339("2026-11-22T10:15:00Z")
                .unwrap()
                .with_timezone(&Utc),
        }
    }

    #[test]
    fn email_recipients_are_masked_in_logs() {
        assert_eq!(mask_recipient("jo.bloggs@example.org"), "j***@example.org");
        assert_eq!(mask_recipient("ژاله@example.org"), "ژ***@example.org");
        assert_eq!(mask_recipient("@example.org"), "***@example.org");
        assert_eq!(mask_recipient("not an address"), "***");
    }

    #[test]
    fn production_refuses_the_email_file_backend() {
        let dir = tempfile::tempdir().unwrap();
        let err = Mailer::new(
            Environment::Production,
            &smtp(None),
            dir.path().join("mail"),
        )
        .unwrap_err();
        assert!(matches!(err, MailerError::FileBackendInProduction));
        assert!(err.to_string().contains("smtp.host"), "{err}");
        // With a server it is fine, and development may use files.
        Mailer::new(
            Environment::Production,
            &smtp(Some("127.0.0.1")),
            dir.path().into(),
        )
        .unwrap();
        let files = Mailer::new(
            Environment::Development,
            &smtp(None),
            dir.path().join("mail"),
        )
        .unwrap();
        assert!(files.describe().starts_with("files in"));
    }

    #[test]
    fn email_from_must_be_a_mailbox() {
        let mut settings = smtp(Some("127.0.0.1"));
        settings.from = "nobody".into();
        let err = Mailer::new(Environment::Test, &settings, PathBuf::new()).unwrap_err();
        assert!(err.to_string().starts_with("smtp.from"), "{err}");
    }

    #[test]
    fn email_messages_are_multipart_with_our_headers() {
        let mailer =
            Mailer::new(Environment::Test, &smtp(Some("127.0.0.1")), PathBuf::new()).unwrap();
        let raw = mailer
            .build(&email("jo@example.org", "Reçu: CD-2026-000001"))
            .unwrap()
            .formatted();
        let raw = String::from_utf8(raw).unwrap();
        assert!(
            raw.contains("Message-ID: <0123abcd@portal.example.org>\r\n"),
            "{raw}"
        );
        assert!(
            raw.contains("Date: Sun, 22 Nov 2026 10:15:00 +0000\r\n"),
            "{raw}"
        );
        assert!(
            raw.contains("From: \"Demo Borough Council\" <no-reply@civicdesk.invalid>"),
            "{raw}"
        );
        assert!(raw.contains("To: jo@example.org\r\n"), "{raw}");
        assert!(raw.contains("Auto-Submitted: auto-generated\r\n"));
        assert!(raw.contains("multipart/alternative"));
        assert!(raw.contains("text/plain") && raw.contains("text/html"));
    }

    #[test]
    fn a_bad_email_recipient_fails_that_message_only() {
        let mailer =
            Mailer::new(Environment::Test, &smtp(Some("127.0.0.1")), PathBuf::new()).unwrap();
        let err = mailer
            .send(&email("Evil <x@example.org>, y@example.org", "x"))
            .unwrap_err();
        assert!(matches!(err, SendError::Recipient(_)), "{err:?}");
        assert_eq!(err.kind(), "invalid message");
    }
}
