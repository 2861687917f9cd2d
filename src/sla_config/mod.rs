//! SLA configuration as administrators manage it: business calendars
//! ([`calendars`]) and SLA policies ([`policies`]).
//!
//! The admin pages, the admin API and the SLA engine all come through here,
//! so the rules live once:
//!
//! - every change is one transaction, and a calendar is only ever committed
//!   after the stored rows have been built into a
//!   [`BusinessCalendar`](crate::domain::business_time::BusinessCalendar):
//!   nothing an administrator saves can be a calendar the engine cannot use;
//! - what people typed is checked field by field first, so a form or an API
//!   call gets every problem at once ([`ConfigError::Invalid`]), each with
//!   the field it belongs to and a Fluent message ([`Problem`]);
//! - a calendar used by a department, a policy or a ticket's SLA clock, and
//!   a policy used by a service or a clock, is never deleted
//!   ([`ConfigError::Conflict`] says by what).
//!
//! The engine reads calendars with [`calendars::load_calendar`] /
//! [`calendars::load_calendars`] and targets with [`policies::targets_for`]
//! (or [`policies::load`] for everything a policy says).

pub mod calendars;
pub mod policies;

use std::collections::BTreeMap;
use std::fmt;

use crate::i18n::Locale;

/// The most business minutes a target may have: ten years around the clock.
pub const MAX_TARGET_MINUTES: i64 = 10 * 365 * 24 * 60;

/// The longest name a calendar or policy may have (the tables' CHECKs).
pub const MAX_NAME_CHARS: usize = 120;

/// A value in a message: plain text, or a Fluent key shown in the reader's
/// language (a weekday's name, say).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    Text(String),
    /// A number Fluent can choose a plural form by.
    Number(i64),
    Message(&'static str),
}

/// One thing wrong with what an administrator entered: the field it belongs
/// to (dotted for nested fields, e.g. `intervals.2.end`) and a Fluent message
/// from `locales/*/sla_admin.ftl`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: String,
    pub key: &'static str,
    pub args: Vec<(&'static str, Arg)>,
}

impl Problem {
    pub fn new(field: impl Into<String>, key: &'static str) -> Self {
        Self {
            field: field.into(),
            key,
            args: Vec::new(),
        }
    }

    /// Adds a variable to the message.
    pub fn with(mut self, name: &'static str, value: impl fmt::Display) -> Self {
        self.args.push((name, Arg::Text(value.to_string())));
        self
    }

    /// Adds a number (for plural forms: `{ $count -> [one] ... *[other] ... }`).
    pub fn with_count(mut self, name: &'static str, n: impl TryInto<i64>) -> Self {
        self.args
            .push((name, Arg::Number(n.try_into().unwrap_or(i64::MAX))));
        self
    }

    /// Adds a variable whose value is itself a message (translated too).
    pub fn with_message(mut self, name: &'static str, key: &'static str) -> Self {
        self.args.push((name, Arg::Message(key)));
        self
    }

    /// The message in `locale`.
    pub fn text(&self, locale: Locale) -> String {
        use std::borrow::Cow;
        use std::collections::HashMap;

        use fluent_templates::fluent_bundle::FluentValue;
        let args: HashMap<Cow<'static, str>, FluentValue<'_>> = self
            .args
            .iter()
            .map(|(name, value)| {
                let value = match value {
                    Arg::Text(t) => FluentValue::from(t.clone()),
                    Arg::Number(n) => FluentValue::from(*n),
                    Arg::Message(key) => FluentValue::from(locale.text(key)),
                };
                (Cow::Borrowed(*name), value)
            })
            .collect();
        locale.text_with(self.key, &args)
    }
}

/// Field → message in `locale`, the first problem of each field.
pub fn messages(problems: &[Problem], locale: Locale) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for p in problems {
        out.entry(p.field.clone()).or_insert_with(|| p.text(locale));
    }
    out
}

/// What a configuration change can come to, besides success.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// What was entered is wrong (422): every problem, in field order.
    #[error("invalid: {}", english(.0))]
    Invalid(Vec<Problem>),
    /// No such calendar, policy, interval, holiday or override (404).
    #[error("not found")]
    NotFound,
    /// Well-formed, but refused as things stand (409): in use, or the last
    /// opening interval. `code` is the API's `error.code`.
    #[error("{code}: {}", .problem.text(Locale::En))]
    Conflict {
        code: &'static str,
        problem: Problem,
    },
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

fn english(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("{}: {}", p.field, p.text(Locale::En)))
        .collect::<Vec<_>>()
        .join("; ")
}

impl ConfigError {
    pub fn invalid(problem: Problem) -> Self {
        Self::Invalid(vec![problem])
    }

    pub fn in_use(problem: Problem) -> Self {
        Self::Conflict {
            code: "in_use",
            problem,
        }
    }
}

/// A whole number as entered: a form's text or a JSON number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entered {
    Blank,
    Number(i64),
    /// Text that is not a whole number, kept to say so.
    Invalid(String),
}

impl Entered {
    pub fn parse(text: &str) -> Self {
        let t = text.trim();
        if t.is_empty() {
            return Self::Blank;
        }
        match t.parse::<i64>() {
            Ok(n) => Self::Number(n),
            Err(_) => Self::Invalid(t.to_string()),
        }
    }

    pub fn from_option(n: Option<i64>) -> Self {
        n.map_or(Self::Blank, Self::Number)
    }
}

/// Checks a trimmed name of 1 to [`MAX_NAME_CHARS`] characters.
fn check_name(name: &str, field: &str, problems: &mut Vec<Problem>) -> String {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        problems.push(Problem::new(field, "sla-admin-error-name").with("max", MAX_NAME_CHARS));
    }
    name.to_string()
}

/// The name of a unique constraint a write violated, if that is what failed.
fn unique_violation(e: &diesel::result::Error) -> Option<&str> {
    use diesel::result::{DatabaseErrorKind, Error};
    match e {
        Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => info.constraint_name(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entered_numbers_blank_and_nonsense() {
        assert_eq!(Entered::parse(" 42 "), Entered::Number(42));
        assert_eq!(Entered::parse(""), Entered::Blank);
        assert_eq!(Entered::parse("-3"), Entered::Number(-3));
        assert_eq!(Entered::parse("1.5"), Entered::Invalid("1.5".into()));
        assert_eq!(Entered::from_option(None), Entered::Blank);
    }

    #[test]
    fn problems_read_in_english_with_their_values() {
        let p = Problem::new("name", "sla-admin-error-name").with("max", 120);
        assert!(p.text(Locale::En).contains("120"), "{}", p.text(Locale::En));
        let m = messages(
            &[p.clone(), Problem::new("name", "sla-admin-error-name")],
            Locale::En,
        );
        assert_eq!(m.len(), 1);
    }
}
