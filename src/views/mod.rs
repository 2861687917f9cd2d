//! Server-rendered pages: tera templates embedded in the binary, one
//! `Serialize` page struct per template, a shared layout, and helpers
//! (translations, hashed asset URLs).

pub mod api_keys;
pub mod assets;
pub mod citizen;
pub mod pages;
pub mod reports;
pub mod sla_admin;
pub mod staff;
pub mod staff_accounts;
pub mod staff_areas;
pub mod staff_queues;
pub mod staff_tickets;

use std::collections::HashMap;

use anyhow::Context as _;
use rust_embed::RustEmbed;
use serde::Serialize;
use tera::Tera;

use crate::i18n::{self, Locale};

#[derive(RustEmbed)]
#[folder = "templates/"]
struct TemplateFiles;

/// The parsed templates, built once at start-up and shared by every worker.
#[derive(Clone)]
pub struct Templates {
    tera: std::sync::Arc<Tera>,
}

impl Templates {
    pub fn load() -> anyhow::Result<Self> {
        let mut tera = Tera::default();
        let mut files: Vec<(String, String)> = Vec::new();
        for name in TemplateFiles::iter() {
            // Emails have their own templates, base and escaping rules.
            if name.starts_with("email/") {
                continue;
            }
            let file = TemplateFiles::get(&name).context("embedded template vanished")?;
            let text = String::from_utf8(file.data.into_owned())
                .with_context(|| format!("template {name} is not UTF-8"))?;
            files.push((name.into_owned(), text));
        }
        tera.add_raw_templates(files)
            .context("parsing the templates")?;
        i18n::register(&mut tera);
        tera.register_function("asset", assets::AssetUrl);
        tera.register_filter("local_time", local_time);
        Ok(Self {
            tera: std::sync::Arc::new(tera),
        })
    }

    /// Renders `name` with a page struct.
    pub fn render<P: Serialize>(&self, name: &str, page: &P) -> anyhow::Result<String> {
        let context = tera::Context::from_serialize(page).context("serialising the page")?;
        self.tera
            .render(name, &context)
            .map_err(|e| anyhow::anyhow!(tera_chain(&e)))
            .with_context(|| format!("rendering {name}"))
    }

    /// The names of every template, for the test that renders them all.
    pub fn names(&self) -> Vec<String> {
        self.tera.get_template_names().map(str::to_string).collect()
    }
}

/// tera: `{{ instant | local_time(tz="Europe/London") }}` → "22 Nov 2026, 14:05 GMT":
/// an instant stored in UTC, shown in a named zone with the zone's abbreviation.
fn local_time(
    value: &tera::Value,
    args: &HashMap<String, tera::Value>,
) -> tera::Result<tera::Value> {
    let text = value
        .as_str()
        .ok_or_else(|| tera::Error::msg("local_time needs an RFC 3339 timestamp"))?;
    let instant = chrono::DateTime::parse_from_rfc3339(text)
        .map_err(|e| tera::Error::msg(format!("local_time: {e}")))?;
    let tz: chrono_tz::Tz = args
        .get("tz")
        .and_then(|v| v.as_str())
        .and_then(|z| z.parse().ok())
        .unwrap_or(chrono_tz::UTC);
    Ok(tera::Value::String(
        instant
            .with_timezone(&tz)
            .format("%-d %b %Y, %H:%M %Z")
            .to_string(),
    ))
}

/// A tera error with its causes (tera puts the useful part in the source).
pub(crate) fn tera_chain(e: &tera::Error) -> String {
    let mut s = e.to_string();
    let mut cur = std::error::Error::source(e);
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

/// What every page's layout needs.
#[derive(Debug, Clone, Serialize)]
pub struct Layout {
    pub lang: &'static str,
    pub dir: &'static str,
    pub council_name: String,
    /// The path (and query) of this page, for the language switcher's return.
    pub path: String,
    pub locales: Vec<LocaleLink>,
    /// The page's `<title>` before the council name.
    pub title: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct LocaleLink {
    pub tag: &'static str,
    pub name: &'static str,
    pub href: String,
    pub current: bool,
}

impl Layout {
    pub fn new(locale: Locale, council_name: &str, path: &str, title: String) -> Self {
        let encoded: String = url::form_urlencoded::byte_serialize(path.as_bytes()).collect();
        Self {
            lang: locale.tag(),
            dir: locale.dir(),
            council_name: council_name.to_string(),
            path: path.to_string(),
            locales: Locale::ALL
                .iter()
                .map(|l| LocaleLink {
                    tag: l.tag(),
                    name: l.native_name(),
                    href: format!("/lang/{}?next={encoded}", l.tag()),
                    current: *l == locale,
                })
                .collect(),
            title,
        }
    }
}

/// Sample values for every page struct, so a test can render every template.
pub fn sample_pages() -> HashMap<&'static str, serde_json::Value> {
    pages::samples()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_parses_and_every_page_renders() {
        let templates = Templates::load().expect("templates parse");
        let samples = sample_pages();
        for name in templates.names() {
            if name == "base.html"
                || name.starts_with("partials/")
                || name.starts_with("macros")
                || name.starts_with("email/")
            {
                continue;
            }
            let page = samples
                .get(name.as_str())
                .unwrap_or_else(|| panic!("no sample page for {name}"));
            let html = templates
                .render(&name, page)
                .unwrap_or_else(|e| panic!("{name}: {e:?}"));
            assert!(!html.contains("<b>escaped?</b>"), "{name} does not escape");
        }
    }

    #[test]
    fn every_message_key_in_the_templates_exists_in_english() {
        // Messages with variables do not resolve without them, so look for the
        // definitions in every English catalogue file.
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("locales/en");
        let catalogue: String = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
            .collect::<Vec<_>>()
            .join("\n");
        let defined = |key: &str| {
            catalogue.lines().any(|l| {
                l.strip_prefix(key)
                    .is_some_and(|r| r.trim_start().starts_with('='))
            })
        };
        let mut missing = Vec::new();
        for name in TemplateFiles::iter() {
            let text =
                String::from_utf8(TemplateFiles::get(&name).unwrap().data.into_owned()).unwrap();
            for piece in text.split("key=\"").skip(1) {
                let key = piece.split('"').next().unwrap_or_default();
                // `key="event-" ~ kind` builds the key from data; checked below.
                if piece[key.len() + 1..].trim_start().starts_with('~') {
                    continue;
                }
                if !defined(key) {
                    missing.push(format!("{name}: {key}"));
                }
            }
        }
        // Keys built from data.
        use crate::domain::ticket_kind::TicketKind;
        for k in TicketKind::ALL {
            let base = format!("kind-{}", k.as_str().replace('_', "-"));
            for key in [base.clone(), format!("{base}-hint")] {
                if !defined(&key) {
                    missing.push(key);
                }
            }
        }
        for key in [
            "status-received",
            "status-in-progress",
            "status-waiting",
            "status-resolved",
            "status-closed",
            "event-submitted",
            "event-citizen-comment",
            "event-withdrawn",
            "actor-citizen",
            "actor-staff",
            "actor-system",
        ] {
            if !defined(key) {
                missing.push(key.to_string());
            }
        }
        assert!(missing.is_empty(), "missing English messages: {missing:#?}");
    }

    #[test]
    fn no_message_key_is_missing_in_english() {
        let templates = Templates::load().unwrap();
        for (name, page) in sample_pages() {
            let html = templates.render(name, &page).unwrap();
            // An unknown key renders as itself, e.g. "home-title".
            for key in [
                "home-title",
                "error-404-title",
                "skip-to-content",
                "footer-open-hours",
            ] {
                assert!(!html.contains(key), "{name} shows the raw key {key}");
            }
        }
    }
}
