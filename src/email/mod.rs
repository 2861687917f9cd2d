//! Email to citizens and staff, always through the outbox.
//!
//! A use case renders a message in the recipient's language
//! ([`EmailTemplates::render`] with a typed context from [`messages`]) and
//! queues it with [`enqueue`] inside its own transaction. No request sends
//! mail: the outbox worker (`jobs::outbox`) delivers queued rows through the
//! [`Mailer`], retries with backoff and never drops one, so mail survives
//! restarts, SMTP outages and several portal instances.

mod mailer;
pub mod messages;
mod outbox;
mod templates;

pub use mailer::{mask_recipient, Mailer, MailerError, OutgoingEmail, SendError};
pub use outbox::{enqueue, message_id_domain, new_message_id};
pub use templates::{EmailTemplates, RenderedEmail};
