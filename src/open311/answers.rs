//! Every Open311 answer as a [`Document`], with GeoReport v2's element names.

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use fluent_templates::fluent_bundle::FluentValue;

use super::document::{Document, Val};
use super::params::format_datetime;
use super::read::{Request, Service, Update};
use super::submit::Accepted;
use crate::configuration::{Environment, Open311ServiceType, Settings};
use crate::domain::extra_fields::Datatype;
use crate::domain::ticket_status::TicketStatus;
use crate::i18n::Locale;

/// The specification discovery names.
pub const SPECIFICATION: &str = "http://wiki.open311.org/GeoReport_v2";

/// GeoReport's two statuses: closed once resolved or closed, open before.
pub fn status_word(status: TicketStatus) -> &'static str {
    if status.is_open() {
        "open"
    } else {
        "closed"
    }
}

fn time(at: DateTime<Utc>, zone: chrono_tz::Tz) -> Val {
    Val::text(format_datetime(at, zone))
}

fn opt_time(at: Option<DateTime<Utc>>, zone: chrono_tz::Tz) -> Val {
    Val::Text(at.map(|t| format_datetime(t, zone)))
}

/// `endpoint/open311/v2` under the public address.
pub fn endpoint_url(settings: &Settings) -> String {
    let base = settings.application.public_base_url.as_str();
    format!("{}/open311/v2", base.trim_end_matches('/'))
}

fn with_council(locale: Locale, key: &str, council: &str) -> String {
    let args: HashMap<Cow<'static, str>, FluentValue<'_>> =
        [(Cow::Borrowed("council"), FluentValue::from(council))].into();
    locale.text_with(key, &args)
}

/// `GET discovery`.
pub fn discovery(settings: &Settings, changed: Option<DateTime<Utc>>) -> Document {
    let zone = settings.application.time_zone;
    let locale = settings.application.default_locale;
    let council = &settings.application.council_name;
    let changeset = changed.map(|t| time(t, zone)).unwrap_or(Val::Text(None));
    let open311 = &settings.open311;
    Document {
        root: "discovery",
        body: Val::Obj(vec![
            ("changeset", changeset.clone()),
            (
                "contact",
                Val::text(
                    open311.contact.clone().unwrap_or_else(|| {
                        with_council(locale, "open311-discovery-contact", council)
                    }),
                ),
            ),
            (
                "key_service",
                Val::text(open311.key_service.clone().unwrap_or_else(|| {
                    with_council(locale, "open311-discovery-key-service", council)
                })),
            ),
            (
                "endpoints",
                Val::List(
                    "endpoint",
                    vec![Val::Obj(vec![
                        ("specification", Val::text(SPECIFICATION)),
                        ("url", Val::text(endpoint_url(settings))),
                        ("changeset", changeset),
                        (
                            "type",
                            Val::text(if settings.environment == Environment::Production {
                                "production"
                            } else {
                                "test"
                            }),
                        ),
                        (
                            "formats",
                            Val::List(
                                "format",
                                vec![Val::text("text/xml"), Val::text("application/json")],
                            ),
                        ),
                    ])],
                ),
            ),
        ]),
    }
}

/// Keywords as GeoReport's comma-separated list.
fn keywords(text: &str) -> String {
    text.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(",")
}

/// `GET services`.
pub fn services(services: &[Service], kind: Open311ServiceType) -> Document {
    Document {
        root: "services",
        body: Val::List(
            "service",
            services
                .iter()
                .map(|s| {
                    Val::Obj(vec![
                        ("service_code", Val::text(&s.code)),
                        ("service_name", Val::text(&s.name)),
                        ("description", Val::text(&s.description)),
                        ("metadata", Val::Bool(!s.attributes.is_empty())),
                        ("type", Val::text(kind.as_str())),
                        ("keywords", Val::text(keywords(&s.keywords))),
                        ("group", Val::text(&s.group)),
                    ])
                })
                .collect(),
        ),
    }
}

fn datatype(d: Datatype) -> &'static str {
    match d {
        Datatype::String => "string",
        Datatype::Number => "number",
        Datatype::Datetime => "datetime",
        Datatype::Text => "text",
        Datatype::Singlevaluelist => "singlevaluelist",
        Datatype::Multivaluelist => "multivaluelist",
    }
}

/// `GET services/{service_code}`: the category's extra questions as
/// attributes. The question people read is GeoReport's `description`; the
/// question's help text is its `datatype_description`.
pub fn service_definition(service: &Service) -> Document {
    let attributes = service
        .attributes
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let mut fields = vec![
                ("variable", Val::Bool(true)),
                ("code", Val::text(&a.code)),
                ("datatype", Val::text(datatype(a.datatype))),
                ("required", Val::Bool(a.required)),
                (
                    "datatype_description",
                    Val::opt(Some(a.description.clone())),
                ),
                ("order", Val::Int(i as i64 + 1)),
                ("description", Val::text(&a.label)),
            ];
            if matches!(
                a.datatype,
                Datatype::Singlevaluelist | Datatype::Multivaluelist
            ) {
                fields.push((
                    "values",
                    Val::List(
                        "value",
                        a.values
                            .iter()
                            .map(|v| {
                                Val::Obj(vec![
                                    ("key", Val::text(&v.key)),
                                    ("name", Val::text(&v.name)),
                                ])
                            })
                            .collect(),
                    ),
                ));
            }
            Val::Obj(fields)
        })
        .collect();
    Document {
        root: "service_definition",
        body: Val::Obj(vec![
            ("service_code", Val::text(&service.code)),
            ("attributes", Val::List("attribute", attributes)),
        ]),
    }
}

/// What the council aims for, from the service's SLA resolution target.
pub fn service_notice(target_minutes: Option<i32>, locale: Locale) -> Option<String> {
    let minutes = target_minutes.filter(|m| *m > 0)?;
    let hours = (i64::from(minutes) + 59) / 60;
    let args: HashMap<Cow<'static, str>, FluentValue<'_>> =
        [(Cow::Borrowed("hours"), FluentValue::from(hours))].into();
    Some(locale.text_with("open311-service-notice", &args))
}

/// `POST requests`: the id (realtime) or a token (batch), never both.
pub fn accepted(a: &Accepted, kind: Open311ServiceType, locale: Locale) -> Document {
    let id = match kind {
        Open311ServiceType::Realtime => ("service_request_id", Val::text(&a.reference)),
        Open311ServiceType::Batch => ("token", Val::text(&a.token)),
    };
    Document {
        root: "service_requests",
        body: Val::List(
            "request",
            vec![Val::Obj(vec![
                id,
                (
                    "service_notice",
                    Val::Text(service_notice(a.target_minutes, locale)),
                ),
                ("account_id", Val::opt(a.account_id.clone())),
            ])],
        ),
    }
}

/// `GET requests` and `GET requests/{id}`.
pub fn requests(requests: &[Request], zone: chrono_tz::Tz, locale: Locale) -> Document {
    Document {
        root: "service_requests",
        body: Val::List(
            "request",
            requests
                .iter()
                .map(|r| {
                    Val::Obj(vec![
                        ("service_request_id", Val::text(&r.reference)),
                        ("status", Val::text(status_word(r.status))),
                        ("status_notes", Val::opt(r.status_notes.clone())),
                        ("service_name", Val::text(&r.service_name)),
                        ("service_code", Val::text(&r.service_code)),
                        ("description", Val::opt(Some(r.description.clone()))),
                        ("agency_responsible", Val::text(&r.department)),
                        (
                            "service_notice",
                            Val::Text(service_notice(r.target_minutes, locale)),
                        ),
                        ("requested_datetime", time(r.requested, zone)),
                        ("updated_datetime", time(r.updated, zone)),
                        ("expected_datetime", opt_time(r.expected, zone)),
                        ("address", Val::opt(r.address.clone())),
                        ("address_id", Val::opt(r.address_id.clone())),
                        ("zipcode", Val::Text(None)),
                        ("lat", Val::Num(r.latitude)),
                        ("long", Val::Num(r.longitude)),
                        ("media_url", Val::opt(r.media_url.clone())),
                    ])
                })
                .collect(),
        ),
    }
}

/// `GET tokens/{token}`.
pub fn token(reference: &str, token: &str) -> Document {
    Document {
        root: "service_requests",
        body: Val::List(
            "request",
            vec![Val::Obj(vec![
                ("service_request_id", Val::text(reference)),
                ("token", Val::text(token)),
            ])],
        ),
    }
}

/// What an update says: staff's words, or what happened when they wrote none.
fn update_description(u: &Update, locale: Locale) -> String {
    if !u.body.trim().is_empty() && u.kind != "withdrawn" {
        return u.body.clone();
    }
    match u.kind.as_str() {
        "acknowledged" => locale.text("open311-update-acknowledged"),
        "withdrawn" => locale.text("open311-update-withdrawn"),
        "merged_into" => {
            let into = u.data["into"].as_str().unwrap_or_default().to_string();
            let args: HashMap<Cow<'static, str>, FluentValue<'_>> =
                [(Cow::Borrowed("reference"), FluentValue::from(into))].into();
            locale.text_with("open311-update-merged", &args)
        }
        _ => {
            let status = locale.text(u.status().citizen_status().message_key());
            let args: HashMap<Cow<'static, str>, FluentValue<'_>> =
                [(Cow::Borrowed("status"), FluentValue::from(status))].into();
            locale.text_with("open311-update-status", &args)
        }
    }
}

/// `GET servicerequestupdates` (the updates extension FixMyStreet reads).
pub fn updates(updates: &[Update], zone: chrono_tz::Tz, locale: Locale) -> Document {
    Document {
        root: "service_request_updates",
        body: Val::List(
            "request_update",
            updates
                .iter()
                .map(|u| {
                    Val::Obj(vec![
                        ("update_id", Val::text(u.id.to_string())),
                        ("service_request_id", Val::text(&u.reference)),
                        ("status", Val::text(status_word(u.status()))),
                        ("updated_datetime", time(u.created_at, zone)),
                        ("description", Val::text(update_description(u, locale))),
                        ("media_url", Val::Text(None)),
                    ])
                })
                .collect(),
        ),
    }
}

/// The errors answer: `[{code, description}]`, `<errors><error>`.
pub fn errors(errors: &[(u16, String)]) -> Document {
    Document {
        root: "errors",
        body: Val::List(
            "error",
            errors
                .iter()
                .map(|(code, description)| {
                    Val::Obj(vec![
                        ("code", Val::Int(i64::from(*code))),
                        ("description", Val::text(description)),
                    ])
                })
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_fold_to_open_and_closed() {
        for s in TicketStatus::ALL {
            let expected = match s {
                TicketStatus::Resolved | TicketStatus::Closed => "closed",
                _ => "open",
            };
            assert_eq!(status_word(s), expected, "{s}");
        }
    }

    #[test]
    fn keywords_become_a_comma_list() {
        assert_eq!(
            keywords("road hole  tarmac,damage"),
            "road,hole,tarmac,damage"
        );
        assert_eq!(keywords(""), "");
    }

    #[test]
    fn the_notice_rounds_business_minutes_up_to_hours() {
        assert_eq!(service_notice(None, Locale::En), None);
        let one = service_notice(Some(30), Locale::En).unwrap();
        assert!(one.contains("within 1 working hour."), "{one}");
        let many = service_notice(Some(2401), Locale::En).unwrap();
        assert!(many.contains("41 working hours"), "{many}");
    }
}
