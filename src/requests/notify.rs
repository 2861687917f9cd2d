//! The emails a request's changes send, queued inside the change's transaction.

use anyhow::Context;
use diesel::prelude::*;

use super::submit::Submitted;
use crate::configuration::Settings;
use crate::email::messages::TicketReceived;
use crate::email::{self, EmailTemplates};
use crate::i18n::Locale;
use crate::schema::{categories, departments};

/// The public link that opens a request with its secret token. It keeps the
/// public address's path: a portal served under `/civicdesk/` links there.
pub fn tracking_url(settings: &Settings, reference: &str, token: &str) -> String {
    let mut url = settings.application.public_base_url.clone();
    let path = format!("{}/requests/{reference}", url.path().trim_end_matches('/'));
    url.set_path(&path);
    url.set_fragment(None);
    url.query_pairs_mut().clear().append_pair("token", token);
    url.to_string()
}

/// Queues the confirmation to the citizen, if they gave an email address.
pub fn confirmation(
    conn: &mut PgConnection,
    templates: &EmailTemplates,
    settings: &Settings,
    submitted: &Submitted,
) -> anyhow::Result<()> {
    if submitted.contact_email.is_none() {
        return Ok(());
    }
    let ticket = &submitted.ticket;
    let (category, department): (String, String) = categories::table
        .inner_join(departments::table.on(departments::id.eq(ticket.department_id)))
        .filter(categories::id.eq(ticket.category_id))
        .select((categories::name, departments::name))
        .first(conn)
        .context("loading the category for the confirmation")?;
    confirmation_naming(conn, templates, settings, submitted, &category, &department)
}

/// [`confirmation`] when the caller already has the names of the request's
/// category and department (e.g. from [`super::submission_target`]): no query
/// besides the outbox insert.
pub fn confirmation_naming(
    conn: &mut PgConnection,
    templates: &EmailTemplates,
    settings: &Settings,
    submitted: &Submitted,
    category: &str,
    department: &str,
) -> anyhow::Result<()> {
    let Some(recipient) = submitted.contact_email.as_deref() else {
        return Ok(());
    };
    let ticket = &submitted.ticket;
    let locale = Locale::from_tag(&ticket.locale).unwrap_or(Locale::En);
    let promise = crate::sla::display::Promise::from_changes(&submitted.sla);
    let rendered = templates.render(
        TicketReceived::TEMPLATE,
        locale,
        &TicketReceived {
            council_name: settings.application.council_name.clone(),
            citizen_name: submitted.contact_name.clone(),
            reference: ticket.reference.clone(),
            tracking_url: tracking_url(settings, &ticket.reference, &submitted.tracking_token),
            subject: ticket.subject.clone(),
            category: category.to_string(),
            department: department.to_string(),
            respond_by: promise.respond_by.map(|t| promise.format(t)),
            resolve_by: promise.resolve_by.map(|t| promise.format(t)),
        },
    )?;
    email::enqueue(
        conn,
        TicketReceived::TEMPLATE,
        recipient,
        &rendered,
        Some(ticket.id),
        &email::message_id_domain(&settings.application.public_base_url),
    )
    .context("queueing the confirmation")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::configuration::{Environment, Overrides};

    fn settings_with_base(base: &str) -> Settings {
        let data_dir = tempfile::tempdir().expect("temp dir");
        Settings::load_for(
            Environment::Test,
            &Overrides {
                data_dir: Some(data_dir.path().to_path_buf()),
                config_dir: Some(concat!(env!("CARGO_MANIFEST_DIR"), "/config").into()),
                set: vec![
                    ("security.jwt_secret".into(), "k".repeat(40)),
                    ("application.public_base_url".into(), base.into()),
                ],
                ..Overrides::default()
            },
        )
        .expect("settings")
    }

    #[test]
    fn tracking_urls_stay_under_the_public_base_url() {
        for (base, expected) in [
            (
                "http://127.0.0.1:8080",
                "http://127.0.0.1:8080/requests/CD-2026-000042?token=t0k-en_",
            ),
            (
                "https://council.example.org/civicdesk/",
                "https://council.example.org/civicdesk/requests/CD-2026-000042?token=t0k-en_",
            ),
            (
                "https://council.example.org/civicdesk?x=1#top",
                "https://council.example.org/civicdesk/requests/CD-2026-000042?token=t0k-en_",
            ),
        ] {
            let settings = settings_with_base(base);
            assert_eq!(
                tracking_url(&settings, "CD-2026-000042", "t0k-en_"),
                expected,
                "{base}"
            );
        }
    }
}
