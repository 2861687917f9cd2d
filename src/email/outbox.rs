//! Queueing mail: a row in `outbox`, written in the same transaction as the
//! change that causes it, so a rolled-back change sends nothing and a
//! committed one is never forgotten (the worker in `jobs::outbox` delivers it).

use diesel::prelude::*;

use super::RenderedEmail;
use crate::db::models::outbox::NewOutboxRow;
use crate::schema::outbox;

/// Queues `email` for `recipient`; returns the outbox row's id.
///
/// Call it INSIDE the caller's transaction (`conn.transaction(|conn| { ...;
/// enqueue(conn, ...)?; ... })`), never on its own after the change has been
/// committed: that is what makes "the ticket exists" and "the email will go"
/// the same fact. `domain` is the right-hand side of our Message-ID (see
/// [`message_id_domain`]).
pub fn enqueue(
    conn: &mut PgConnection,
    template: &str,
    recipient: &str,
    email: &RenderedEmail,
    ticket_id: Option<i64>,
    domain: &str,
) -> QueryResult<i64> {
    let message_id = new_message_id(domain);
    let id = diesel::insert_into(outbox::table)
        .values(&NewOutboxRow {
            template,
            recipient,
            subject: &email.subject,
            body_text: &email.text,
            body_html: &email.html,
            message_id: &message_id,
            ticket_id,
        })
        .returning(outbox::id)
        .get_result(conn)?;
    tracing::debug!(outbox.id = id, template, "email queued");
    Ok(id)
}

/// A new, globally unique Message-ID: `<uuid@domain>`. It is chosen once, at
/// queueing, and sent on every attempt, so a receiver can drop a repeat.
pub fn new_message_id(domain: &str) -> String {
    format!("<{}@{}>", uuid::Uuid::new_v4().simple(), domain)
}

/// The Message-ID domain: the host citizens reach the portal at.
pub fn message_id_domain(public_base_url: &url::Url) -> String {
    public_base_url
        .host_str()
        .unwrap_or("localhost")
        .to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_message_ids_are_unique_and_well_formed() {
        let a = new_message_id("portal.example.org");
        let b = new_message_id("portal.example.org");
        assert_ne!(a, b);
        assert!(
            a.starts_with('<') && a.ends_with("@portal.example.org>"),
            "{a}"
        );
        assert!(!a.contains(char::is_whitespace));
    }

    #[test]
    fn email_message_id_domain_is_the_public_host() {
        let url = url::Url::parse("https://Requests.Example.org:8443/portal").unwrap();
        assert_eq!(message_id_domain(&url), "requests.example.org");
        let ip = url::Url::parse("http://127.0.0.1:8080").unwrap();
        assert_eq!(message_id_domain(&ip), "127.0.0.1");
    }
}
