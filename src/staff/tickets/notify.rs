//! The emails ticket work sends, queued in the outbox inside the action's
//! transaction: to the citizen in their language (the ticket's locale), to
//! staff in theirs.

use anyhow::Context;
use diesel::prelude::*;

use super::Ctx;
use crate::configuration::Settings;
use crate::db::models::ticket::Ticket;
use crate::email::messages::{CitizenReplied, StaffReply, TicketMerged};
use crate::email::{self, EmailTemplates};
use crate::i18n::Locale;
use crate::requests::track::Comment;
use crate::schema::{contacts, departments, users};

/// A page of the public site, keeping the public address's path.
fn public_url(settings: &Settings, path: &str) -> String {
    let mut url = settings.application.public_base_url.clone();
    let full = format!("{}{path}", url.path().trim_end_matches('/'));
    url.set_path(&full);
    url.set_query(None);
    url.set_fragment(None);
    url.to_string()
}

/// Where a citizen finds a request by its reference and their email. Only
/// the tracking token's hash is kept, so later emails cannot carry the link.
pub fn lookup_url(settings: &Settings) -> String {
    public_url(settings, "/track")
}

/// A ticket's staff page.
pub fn staff_ticket_url(settings: &Settings, reference: &str) -> String {
    public_url(settings, &format!("/staff/tickets/{reference}"))
}

fn citizen(conn: &mut PgConnection, ticket: &Ticket) -> QueryResult<(String, Option<String>)> {
    contacts::table
        .filter(contacts::id.eq(ticket.contact_id))
        .select((contacts::name, contacts::email))
        .first(conn)
}

fn locale_of(tag: &str) -> Locale {
    Locale::from_tag(tag).unwrap_or(Locale::En)
}

/// Queues the staff reply to the citizen; `false` when they gave no email address.
pub(super) fn staff_reply(
    conn: &mut PgConnection,
    cx: &Ctx,
    ticket: &Ticket,
    body: &str,
) -> anyhow::Result<bool> {
    let (citizen_name, email) = citizen(conn, ticket).context("loading the citizen")?;
    let Some(recipient) = email else {
        return Ok(false);
    };
    let department: String = departments::table
        .filter(departments::id.eq(ticket.department_id))
        .select(departments::name)
        .first(conn)
        .context("loading the department")?;
    let rendered = cx.templates.render(
        StaffReply::TEMPLATE,
        locale_of(&ticket.locale),
        &StaffReply {
            council_name: cx.settings.application.council_name.clone(),
            citizen_name,
            reference: ticket.reference.clone(),
            subject: ticket.subject.clone(),
            department,
            body: body.to_string(),
            lookup_url: lookup_url(cx.settings),
        },
    )?;
    email::enqueue(
        conn,
        StaffReply::TEMPLATE,
        &recipient,
        &rendered,
        Some(ticket.id),
        &email::message_id_domain(&cx.settings.application.public_base_url),
    )
    .context("queueing the staff reply")?;
    Ok(true)
}

/// Tells the citizen of a merged ticket where it continues.
pub(super) fn ticket_merged(
    conn: &mut PgConnection,
    cx: &Ctx,
    source: &Ticket,
    surviving_reference: &str,
) -> anyhow::Result<bool> {
    let (citizen_name, email) = citizen(conn, source).context("loading the citizen")?;
    let Some(recipient) = email else {
        return Ok(false);
    };
    let rendered = cx.templates.render(
        TicketMerged::TEMPLATE,
        locale_of(&source.locale),
        &TicketMerged {
            council_name: cx.settings.application.council_name.clone(),
            citizen_name,
            reference: source.reference.clone(),
            subject: source.subject.clone(),
            surviving_reference: surviving_reference.to_string(),
            lookup_url: lookup_url(cx.settings),
        },
    )?;
    email::enqueue(
        conn,
        TicketMerged::TEMPLATE,
        &recipient,
        &rendered,
        Some(source.id),
        &email::message_id_domain(&cx.settings.application.public_base_url),
    )
    .context("queueing the merge notice")?;
    Ok(true)
}

/// The `notify` step of `requests::track::add_comment`: the assignee hears of it.
pub fn on_citizen_comment<'a>(
    templates: &'a EmailTemplates,
    settings: &'a Settings,
) -> impl FnOnce(&mut PgConnection, &Ticket, &Comment<'_>) -> anyhow::Result<()> + 'a {
    move |conn, ticket, comment| citizen_replied(conn, templates, settings, ticket, comment)
}

/// Tells the ticket's assignee, if it has an active one, that the citizen
/// wrote. Runs inside the comment's transaction.
pub fn citizen_replied(
    conn: &mut PgConnection,
    templates: &EmailTemplates,
    settings: &Settings,
    ticket: &Ticket,
    comment: &Comment<'_>,
) -> anyhow::Result<()> {
    let Some(assignee_id) = ticket.assignee_id else {
        return Ok(());
    };
    let assignee: Option<(String, String, String)> = users::table
        .filter(users::id.eq(assignee_id))
        .filter(users::active.eq(true))
        .select((users::name, users::email, users::locale))
        .first(conn)
        .optional()
        .context("loading the assignee")?;
    let Some((staff_name, recipient, locale)) = assignee else {
        return Ok(());
    };
    let (citizen_name, _) = citizen(conn, ticket).context("loading the citizen")?;
    let rendered = templates.render(
        CitizenReplied::TEMPLATE,
        locale_of(&locale),
        &CitizenReplied {
            council_name: settings.application.council_name.clone(),
            staff_name,
            reference: ticket.reference.clone(),
            subject: ticket.subject.clone(),
            citizen_name,
            comment: comment.body.to_string(),
            attachments: comment.attachments,
            resumed: comment.from != comment.to,
            ticket_url: staff_ticket_url(settings, &ticket.reference),
        },
    )?;
    email::enqueue(
        conn,
        CitizenReplied::TEMPLATE,
        &recipient,
        &rendered,
        Some(ticket.id),
        &email::message_id_domain(&settings.application.public_base_url),
    )
    .context("queueing the assignee's notice")?;
    tracing::info!(
        ticket.id = ticket.id,
        assignee.id = assignee_id,
        "assignee told of the citizen's message"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::configuration::{Environment, Overrides};

    #[test]
    fn links_stay_under_the_public_base_url() {
        let data_dir = tempfile::tempdir().unwrap();
        let settings = Settings::load_for(
            Environment::Test,
            &Overrides {
                data_dir: Some(data_dir.path().to_path_buf()),
                config_dir: Some(concat!(env!("CARGO_MANIFEST_DIR"), "/config").into()),
                set: vec![
                    ("security.jwt_secret".into(), "k".repeat(40)),
                    (
                        "application.public_base_url".into(),
                        "https://council.example.org/civicdesk/?x=1".into(),
                    ),
                ],
                ..Overrides::default()
            },
        )
        .unwrap();
        assert_eq!(
            lookup_url(&settings),
            "https://council.example.org/civicdesk/track"
        );
        assert_eq!(
            staff_ticket_url(&settings, "CD-2026-000001"),
            "https://council.example.org/civicdesk/staff/tickets/CD-2026-000001"
        );
    }
}
