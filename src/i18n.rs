//! Languages. Every user-facing string goes through the Fluent catalogues in
//! `locales/<tag>/*.ftl`, embedded in the binary; templates call
//! `{{ t(key="...", lang=lang) }}`. English is complete; Persian is started
//! (missing keys fall back to English).

use std::borrow::Cow;
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{static_loader, Loader};
use unic_langid::LanguageIdentifier;

static_loader! {
    pub static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// A language the portal speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Locale {
    #[serde(rename = "en")]
    En,
    #[serde(rename = "fa")]
    Fa,
}

/// The cookie that remembers a visitor's choice of language.
pub const LOCALE_COOKIE: &str = "civicdesk_lang";

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::En, Locale::Fa];

    pub fn tag(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Fa => "fa",
        }
    }

    /// Text direction for the page's `dir` attribute.
    pub fn dir(self) -> &'static str {
        match self {
            Self::En => "ltr",
            Self::Fa => "rtl",
        }
    }

    /// The language's name in that language, for the switcher.
    pub fn native_name(self) -> &'static str {
        match self {
            Self::En => "English",
            Self::Fa => "فارسی",
        }
    }

    pub fn langid(self) -> LanguageIdentifier {
        match self {
            Self::En => unic_langid::langid!("en"),
            Self::Fa => unic_langid::langid!("fa"),
        }
    }

    /// `en`, `en-GB`, `FA`, `fa-IR` ...
    pub fn from_tag(tag: &str) -> Option<Self> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        Self::ALL.into_iter().find(|l| l.tag() == primary)
    }

    /// The best supported language in an `Accept-Language` header, by q-value.
    pub fn from_accept_language(header: &str) -> Option<Self> {
        let mut best: Option<(f32, usize, Self)> = None;
        for (i, part) in header.split(',').enumerate() {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or("").trim();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if q <= 0.0 {
                continue;
            }
            if let Some(locale) = Self::from_tag(tag) {
                // Higher q wins; on a tie the earlier entry wins.
                if best.is_none_or(|(bq, _, _)| q > bq) {
                    best = Some((q, i, locale));
                }
            }
        }
        best.map(|(_, _, l)| l)
    }

    /// Looks up a message; unknown keys come back as the key itself so a
    /// missing translation is visible rather than blank.
    pub fn text(self, key: &str) -> String {
        LOCALES
            .try_lookup(&self.langid(), key)
            .unwrap_or_else(|| key.to_string())
    }

    pub fn text_with(
        self,
        key: &str,
        args: &HashMap<Cow<'static, str>, FluentValue<'_>>,
    ) -> String {
        LOCALES
            .try_lookup_with_args(&self.langid(), key, args)
            .unwrap_or_else(|| key.to_string())
    }
}

/// Registers `t(key="...", lang=lang, name=value...)` with tera: a Fluent
/// lookup in the page's language, with any further arguments as Fluent
/// variables; and the filter `minutes | duration(lang=lang)` ("2 d 3 h").
pub fn register(tera: &mut tera::Tera) {
    tera.register_function("t", Translate);
    tera.register_filter("duration", duration_filter);
}

/// A length of time in words, to the minute under a day and to the hour
/// from a day on: "45 min", "3 h 20 min", "2 d 3 h". The sign is ignored
/// (callers say "overdue by" or "due in").
pub fn duration_words(locale: Locale, minutes: i64) -> String {
    let m = minutes.unsigned_abs();
    let (days, hours, mins) = (m / 1440, (m % 1440) / 60, m % 60);
    let part = |key: &str, n: u64| {
        let args = HashMap::from([(Cow::Borrowed("n"), FluentValue::from(n.to_string()))]);
        locale.text_with(key, &args)
    };
    let mut parts = Vec::new();
    if days > 0 {
        parts.push(part("sla-duration-days", days));
    }
    if hours > 0 {
        parts.push(part("sla-duration-hours", hours));
    }
    if days == 0 && mins > 0 {
        parts.push(part("sla-duration-minutes", mins));
    }
    if parts.is_empty() {
        return locale.text("sla-duration-zero");
    }
    parts.join(" ")
}

fn duration_filter(
    value: &tera::Value,
    args: &HashMap<String, tera::Value>,
) -> tera::Result<tera::Value> {
    let minutes = value
        .as_i64()
        .or_else(|| value.as_f64().map(|f| f as i64))
        .ok_or_else(|| tera::Error::msg("duration needs a number of minutes"))?;
    let locale = args
        .get("lang")
        .and_then(|v| v.as_str())
        .and_then(Locale::from_tag)
        .unwrap_or(Locale::En);
    Ok(tera::Value::String(duration_words(locale, minutes)))
}

struct Translate;

impl tera::Function for Translate {
    fn call(&self, args: &HashMap<String, tera::Value>) -> tera::Result<tera::Value> {
        let key = args
            .get("key")
            .and_then(|v| v.as_str())
            .ok_or_else(|| tera::Error::msg("t() needs key=\"...\""))?;
        let locale = args
            .get("lang")
            .and_then(|v| v.as_str())
            .and_then(Locale::from_tag)
            .unwrap_or(Locale::En);
        let mut fluent_args: HashMap<Cow<'static, str>, FluentValue<'_>> = HashMap::new();
        for (name, value) in args {
            if name == "key" || name == "lang" {
                continue;
            }
            let v = match value {
                tera::Value::Number(n) => FluentValue::from(n.as_f64().unwrap_or_default()),
                tera::Value::String(s) => FluentValue::from(s.clone()),
                tera::Value::Null => FluentValue::from(""),
                other => FluentValue::from(other.to_string()),
            };
            fluent_args.insert(Cow::Owned(name.clone()), v);
        }
        Ok(tera::Value::String(locale.text_with(key, &fluent_args)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_best_supported_language() {
        assert_eq!(
            Locale::from_accept_language("fa-IR,fa;q=0.9,en;q=0.8"),
            Some(Locale::Fa)
        );
        assert_eq!(
            Locale::from_accept_language("de-DE, en;q=0.5, fa;q=0.7"),
            Some(Locale::Fa)
        );
        assert_eq!(Locale::from_accept_language("de, fr"), None);
        assert_eq!(Locale::from_accept_language("fa;q=0, en"), Some(Locale::En));
    }

    #[test]
    fn durations_read_like_people_say_them() {
        assert_eq!(duration_words(Locale::En, 0), "0 min");
        assert_eq!(duration_words(Locale::En, 45), "45 min");
        assert_eq!(duration_words(Locale::En, -200), "3 h 20 min");
        assert_eq!(duration_words(Locale::En, 60), "1 h");
        assert_eq!(duration_words(Locale::En, 2 * 1440 + 190), "2 d 3 h");
    }

    #[test]
    fn every_english_key_exists() {
        assert_eq!(Locale::En.text("home-title"), "How can we help?");
        assert_ne!(Locale::Fa.text("home-title"), "home-title");
    }
}
