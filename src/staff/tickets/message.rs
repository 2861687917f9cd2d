//! What a ticket use case tells the person: a Fluent key (with arguments) in
//! the reader's language, or one of the domain's refusals. The domain words
//! its refusals in English (`TransitionError`, the policy's `Denied`); pages
//! show them translated through keys derived from those words, and the API
//! returns them verbatim.

use std::borrow::Cow;
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;

use crate::domain::ticket_status::{TicketStatus, TransitionError};
use crate::i18n::Locale;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A message from `locales/*/tickets.ftl`.
    Key(&'static str),
    /// A message with Fluent variables.
    With(&'static str, Vec<(&'static str, String)>),
    /// The state machine said no.
    Refused(TransitionError),
    /// The policy said no (a reason the person may be told).
    Denied(&'static str),
}

impl Message {
    /// The message in `locale`.
    pub fn text(&self, locale: Locale) -> String {
        match self {
            Self::Key(key) => locale.text(key),
            Self::With(key, args) => {
                let args: HashMap<Cow<'static, str>, FluentValue<'_>> = args
                    .iter()
                    .map(|(k, v)| (Cow::Borrowed(*k), FluentValue::from(v.clone())))
                    .collect();
                locale.text_with(key, &args)
            }
            Self::Refused(e) => {
                let args: HashMap<Cow<'static, str>, FluentValue<'_>> = HashMap::from([
                    (
                        Cow::Borrowed("action"),
                        FluentValue::from(locale.text(&verb_key(e.action))),
                    ),
                    (
                        Cow::Borrowed("status"),
                        FluentValue::from(locale.text(&state_key(e.status))),
                    ),
                    (
                        Cow::Borrowed("reason"),
                        FluentValue::from(locale.text(&reason_key(e.reason))),
                    ),
                ]);
                locale.text_with("tickets-refused", &args)
            }
            Self::Denied(reason) => locale.text(&denied_key(reason)),
        }
    }

    /// The API's wording: the domain's own sentence for refusals, English otherwise.
    pub fn api_text(&self) -> String {
        match self {
            Self::Refused(e) => e.to_string(),
            Self::Denied(reason) => (*reason).to_string(),
            other => other.text(Locale::En),
        }
    }
}

/// `Some words; here` → `some-words-here`: a Fluent identifier from English words.
pub fn slug(words: &str) -> String {
    let mut out = String::with_capacity(words.len());
    for c in words.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// The staff's name for a status, e.g. `tickets-status-in-progress`.
pub fn status_key(status: TicketStatus) -> String {
    format!("tickets-status-{}", status.as_str().replace('_', "-"))
}

/// A status as the refusal sentence words it ("in progress").
fn state_key(status: TicketStatus) -> String {
    format!("tickets-state-{}", status.as_str().replace('_', "-"))
}

fn verb_key(verb: &str) -> String {
    format!("tickets-verb-{}", slug(verb))
}

fn reason_key(reason: &str) -> String {
    format!("tickets-reason-{}", slug(reason))
}

fn denied_key(reason: &str) -> String {
    format!("tickets-denied-{}", slug(reason))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::policy::{Action, Staff, TicketAccess};
    use crate::domain::role::Role;
    use crate::domain::ticket::ResolutionCode;
    use crate::domain::ticket_status::StatusAction;

    const ACTIONS: [StatusAction; 10] = [
        StatusAction::Triage,
        StatusAction::Assign,
        StatusAction::StartWork,
        StatusAction::WaitOnCitizen,
        StatusAction::CitizenReplied,
        StatusAction::Resolve,
        StatusAction::Close(ResolutionCode::Fixed),
        StatusAction::Reopen,
        StatusAction::Withdraw,
        StatusAction::Transfer,
    ];

    fn capitalised(s: &str) -> String {
        let mut c = s.chars();
        c.next()
            .map(|f| f.to_uppercase().chain(c).collect())
            .unwrap_or_default()
    }

    #[test]
    fn slugs_are_fluent_identifiers() {
        assert_eq!(slug("start work on"), "start-work-on");
        assert_eq!(
            slug("it is closed; please make a new request"),
            "it-is-closed-please-make-a-new-request"
        );
        assert_eq!(slug("add a citizen's reply to"), "add-a-citizen-s-reply-to");
    }

    #[test]
    fn every_refused_transition_reads_as_the_domain_says_in_english_and_is_translated() {
        let mut refusals = 0;
        for status in TicketStatus::ALL {
            assert_ne!(Locale::En.text(&status_key(status)), status_key(status));
            assert_ne!(Locale::Fa.text(&status_key(status)), status_key(status));
            assert_ne!(
                Locale::Fa.text(&state_key(status)),
                Locale::En.text(&state_key(status))
            );
            for action in ACTIONS {
                let Err(e) = status.apply(action) else {
                    continue;
                };
                refusals += 1;
                let m = Message::Refused(e.clone());
                assert_eq!(m.api_text(), e.to_string());
                assert_eq!(
                    m.text(Locale::En),
                    format!("{}.", capitalised(&e.to_string()))
                );
                let fa = m.text(Locale::Fa);
                assert!(!fa.contains("tickets-"), "{fa}");
                // Every piece has its own Persian words, not the English fallback.
                for key in [verb_key(e.action), reason_key(e.reason)] {
                    assert_ne!(Locale::Fa.text(&key), Locale::En.text(&key), "{key}");
                }
            }
        }
        assert!(refusals > 10);
    }

    #[test]
    fn every_policy_refusal_a_person_may_see_is_worded() {
        let access = TicketAccess {
            department_id: 1,
            assignee_id: Some(99),
        };
        for role in [Role::Agent, Role::Supervisor] {
            let staff = Staff {
                id: 1,
                role,
                name: "n".into(),
                email: "e@x.org".into(),
                departments: if role == Role::Agent {
                    vec![1]
                } else {
                    vec![2]
                },
            };
            let seen = TicketAccess {
                assignee_id: Some(1),
                ..access
            };
            for t in [access, seen] {
                for action in [
                    Action::Assign,
                    Action::Reassign,
                    Action::Reopen,
                    Action::ExtendSla,
                ] {
                    if let Err(d) = staff.may(action, t) {
                        if d.hide {
                            continue;
                        }
                        for locale in Locale::ALL {
                            let text = Message::Denied(d.reason).text(locale);
                            assert!(!text.starts_with("tickets-"), "{}: {text}", d.reason);
                        }
                    }
                }
            }
        }
    }
}
