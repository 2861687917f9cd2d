//! Email templates: `templates/email/<name>/{subject.txt, body.txt, body.html}`
//! over `templates/email/base.txt` and `base.html`, embedded in the binary and
//! parsed once at start-up.
//!
//! Escaping follows the file name: tera autoescapes `.html` and leaves `.txt`
//! alone, so a citizen's `<script>` is `&lt;script&gt;` in the HTML part and
//! exactly what they typed in the text part. Never name a template
//! `*.html.tera` (or similar): it would silently lose its escaping.

use std::sync::Arc;

use anyhow::{bail, ensure, Context as _};
use rust_embed::RustEmbed;
use serde::Serialize;
use tera::Tera;

use crate::i18n::{self, Locale};

#[derive(RustEmbed)]
#[folder = "templates/email/"]
struct EmailFiles;

/// The parts every message folder must have.
const PARTS: [&str; 3] = ["subject.txt", "body.txt", "body.html"];

/// Subjects longer than this are cut (the outbox allows 300 characters).
const MAX_SUBJECT_CHARS: usize = 250;

/// Context keys the renderer adds; a message context must not use them.
const RESERVED_KEYS: [&str; 3] = ["lang", "dir", "email_subject"];

/// One message rendered for one recipient, in their language: what an outbox
/// row stores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedEmail {
    /// A single line: CR, LF and runs of whitespace are folded to one space.
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The parsed email templates, built once at start-up and shared.
#[derive(Clone)]
pub struct EmailTemplates {
    tera: Arc<Tera>,
    names: Arc<Vec<String>>,
}

impl EmailTemplates {
    /// Parses every embedded template and checks each message has all its parts.
    pub fn load() -> anyhow::Result<Self> {
        let mut tera = Tera::default();
        // Stated rather than inherited from tera's default, which also covers
        // `.htm` and `.xml`: only `.html` is escaped, `.txt` never is.
        tera.autoescape_on(vec![".html"]);
        let mut files: Vec<(String, String)> = Vec::new();
        for name in EmailFiles::iter() {
            let file = EmailFiles::get(&name).context("embedded email template vanished")?;
            let text = String::from_utf8(file.data.into_owned())
                .with_context(|| format!("email template {name} is not UTF-8"))?;
            files.push((name.into_owned(), text));
        }
        tera.add_raw_templates(files)
            .map_err(|e| anyhow::anyhow!(crate::views::tera_chain(&e)))
            .context("parsing the email templates")?;
        i18n::register(&mut tera);

        let mut names: Vec<String> = tera
            .get_template_names()
            .filter_map(|t| t.split_once('/').map(|(dir, _)| dir.to_string()))
            .collect();
        names.sort();
        names.dedup();
        for name in &names {
            ensure!(
                is_template_name(name),
                "email template folder `{name}` must be lower-case letters and _ \
                 (it is stored in outbox.template)"
            );
            for part in PARTS {
                let path = format!("{name}/{part}");
                ensure!(
                    tera.get_template_names().any(|t| t == path),
                    "email template {name} has no {part}"
                );
            }
        }
        Ok(Self {
            tera: Arc::new(tera),
            names: Arc::new(names),
        })
    }

    /// The message names (one per folder), e.g. `ticket_received`.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Renders message `name` in `locale` with its typed context. Besides the
    /// context's own fields, templates see `lang`, `dir` and (in the bodies)
    /// `email_subject`.
    pub fn render<C: Serialize>(
        &self,
        name: &str,
        locale: Locale,
        ctx: &C,
    ) -> anyhow::Result<RenderedEmail> {
        if !self.names.iter().any(|n| n == name) {
            bail!("there is no email template `{name}`");
        }
        let mut context = tera::Context::from_serialize(ctx)
            .with_context(|| format!("serialising the context of email {name}"))?;
        for key in RESERVED_KEYS {
            ensure!(
                !context.contains_key(key),
                "the context of email {name} may not have a field `{key}`"
            );
        }
        context.insert("lang", locale.tag());
        context.insert("dir", locale.dir());
        let subject = one_line(&self.part(name, "subject.txt", &context)?);
        ensure!(
            !subject.is_empty(),
            "email {name} rendered an empty subject"
        );
        context.insert("email_subject", &subject);
        let text = tidy_text(&self.part(name, "body.txt", &context)?);
        let html = self.part(name, "body.html", &context)?;
        Ok(RenderedEmail {
            subject,
            text,
            html,
        })
    }

    fn part(&self, name: &str, part: &str, context: &tera::Context) -> anyhow::Result<String> {
        let path = format!("{name}/{part}");
        self.tera
            .render(&path, context)
            .map_err(|e| anyhow::anyhow!(crate::views::tera_chain(&e)))
            .with_context(|| format!("rendering {path}"))
    }
}

/// What `outbox.template` accepts: `^[a-z][a-z_]{1,60}$`.
fn is_template_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && (2..=61).contains(&name.len())
        && chars.all(|c| c.is_ascii_lowercase() || c == '_')
}

/// A header must be one line: a CR or LF from a template or a citizen's input
/// would otherwise end the header. Whitespace runs fold to one space, and a
/// very long subject is cut at a character boundary.
fn one_line(s: &str) -> String {
    let folded = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if folded.chars().count() <= MAX_SUBJECT_CHARS {
        return folded;
    }
    let mut cut: String = folded.chars().take(MAX_SUBJECT_CHARS - 1).collect();
    cut.truncate(cut.trim_end().len());
    cut.push('…');
    cut
}

/// Text templates stay readable with their tags on lines of their own; this
/// removes what that leaves behind: trailing spaces and runs of blank lines.
fn tidy_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut blank_run = 0;
    for line in s.trim().lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank_run += 1;
            if blank_run > 1 {
                continue;
            }
        } else {
            blank_run = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::email::messages::{self, TicketReceived};

    fn ticket(subject: &str, respond_by: Option<&str>) -> TicketReceived {
        TicketReceived {
            council_name: "Demo Borough Council".into(),
            citizen_name: "Jo Bloggs".into(),
            reference: "CD-2026-000042".into(),
            tracking_url: "https://portal.example.org/track/abc123".into(),
            subject: subject.into(),
            category: "Missed bin collection".into(),
            department: "Waste Services".into(),
            respond_by: respond_by.map(str::to_string),
            resolve_by: None,
        }
    }

    #[test]
    fn every_email_template_renders_in_every_language_without_raw_keys() {
        let templates = EmailTemplates::load().expect("email templates parse");
        let samples = messages::samples();
        assert!(!templates.names().is_empty());
        for name in templates.names() {
            let ctx = samples
                .get(name.as_str())
                .unwrap_or_else(|| panic!("no sample context for email {name}"));
            for locale in Locale::ALL {
                let email = templates
                    .render(name, locale, ctx)
                    .unwrap_or_else(|e| panic!("{name} ({locale:?}): {e:?}"));
                for part in [&email.subject, &email.text, &email.html] {
                    // An unknown Fluent key renders as itself.
                    assert!(
                        !part.contains("email-"),
                        "{name} ({locale:?}) shows a raw key"
                    );
                }
                assert!(!email.subject.contains('\n') && !email.subject.contains('\r'));
                assert!(email.html.contains(&format!("dir=\"{}\"", locale.dir())));
            }
        }
    }

    #[test]
    fn ticket_received_escapes_html_and_keeps_text_verbatim() {
        let templates = EmailTemplates::load().unwrap();
        let hostile = "<script>alert(\"x\")</script> & more";
        let email = templates
            .render(TicketReceived::TEMPLATE, Locale::En, &ticket(hostile, None))
            .unwrap();
        assert!(email.text.contains(hostile), "{}", email.text);
        assert!(!email.html.contains("<script>"), "{}", email.html);
        assert!(email.html.contains("&lt;script&gt;"), "{}", email.html);
        assert!(email.html.contains("&amp; more"));
    }

    #[test]
    fn ticket_received_says_what_happens_next() {
        let templates = EmailTemplates::load().unwrap();
        let with_date = templates
            .render(
                TicketReceived::TEMPLATE,
                Locale::En,
                &ticket("Bins", Some("Friday 4 December 2026")),
            )
            .unwrap();
        assert!(with_date.subject.contains("CD-2026-000042"));
        assert!(with_date.text.contains("Dear Jo Bloggs"));
        assert!(with_date
            .text
            .contains("https://portal.example.org/track/abc123"));
        assert!(with_date.text.contains("Waste Services"));
        assert!(with_date
            .text
            .contains("We aim to respond by Friday 4 December 2026"));
        assert!(with_date.html.contains("Friday 4 December 2026"));
        let without = templates
            .render(TicketReceived::TEMPLATE, Locale::En, &ticket("Bins", None))
            .unwrap();
        assert!(!without.text.contains("We aim to respond"));
        assert!(!without.text.contains("\n\n\n"), "{}", without.text);
    }

    #[test]
    fn ticket_received_in_persian_is_right_to_left() {
        let templates = EmailTemplates::load().unwrap();
        let email = templates
            .render(TicketReceived::TEMPLATE, Locale::Fa, &ticket("Bins", None))
            .unwrap();
        assert!(email.html.contains(r#"lang="fa""#));
        assert!(email.html.contains(r#"dir="rtl""#));
        assert!(email.subject.contains("درخواست"), "{}", email.subject);
        assert!(email.text.contains("سپاسگزاریم"), "{}", email.text);
    }

    #[test]
    fn email_subject_is_one_line() {
        assert_eq!(
            one_line("  Your request\r\nBcc: x@y \t here\n"),
            "Your request Bcc: x@y here"
        );
        let long = "x".repeat(400);
        let cut = one_line(&long);
        assert_eq!(cut.chars().count(), MAX_SUBJECT_CHARS);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn an_unknown_email_template_is_an_error() {
        let templates = EmailTemplates::load().unwrap();
        let err = templates
            .render("no_such_email", Locale::En, &ticket("x", None))
            .unwrap_err();
        assert!(err.to_string().contains("no_such_email"));
    }

    #[test]
    fn email_template_names_fit_the_outbox() {
        assert!(is_template_name("ticket_received"));
        assert!(!is_template_name("Ticket"));
        assert!(!is_template_name("a"));
        assert!(!is_template_name("ticket-received"));
    }
}
