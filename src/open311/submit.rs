//! `POST requests`: a GeoReport v2 submission becomes an ordinary ticket
//! (channel `api`) through the one use case that creates every ticket
//! ([`crate::requests::submit`]). The checks run in the order the spec's
//! status codes imply: the key (403), the jurisdiction and the service (404),
//! then everything else at once (400). Nothing is written unless all pass;
//! the ticket, its Open311 details and the confirmation email are one
//! transaction.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use rand::RngCore;

use super::api_keys;
use super::params::{self, ParamError, Params, DESCRIPTION_MAX};
use crate::configuration::Settings;
use crate::domain::new_ticket::{ContactRule, NewTicket, SubmissionInput, SUBJECT_MAX};
use crate::domain::ticket::Channel;
use crate::domain::ticket_kind::TicketKind;
use crate::email::EmailTemplates;
use crate::requests::{self, notify, submit, RequestError};
use crate::schema::open311_requests;

/// Longest `device_id`, `account_id` and `address_id` kept.
const ID_MAX: usize = 200;
const MEDIA_URL_MAX: usize = 2000;
/// Longest subject made from the description's first line.
const SUBJECT_FROM_DESCRIPTION: usize = 120;

/// Why a submission was refused.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error("no api_key")]
    MissingKey,
    #[error("wrong or revoked api_key")]
    InvalidKey,
    #[error("unknown jurisdiction_id")]
    UnknownJurisdiction,
    #[error("no service_code")]
    MissingServiceCode,
    #[error("unknown service_code")]
    UnknownService(String),
    #[error("invalid parameters")]
    Invalid(Vec<ParamError>),
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<RequestError> for SubmitError {
    fn from(e: RequestError) -> Self {
        match e {
            RequestError::Db(e) => Self::Db(e),
            RequestError::Other(e) => Self::Other(e),
            other => Self::Other(anyhow::anyhow!("submitting: {other}")),
        }
    }
}

/// A request taken.
#[derive(Debug, Clone)]
pub struct Accepted {
    pub reference: String,
    /// For `GET tokens/{token}`.
    pub token: String,
    pub account_id: Option<String>,
    /// The service's SLA resolution target, for the service notice.
    pub target_minutes: Option<i32>,
}

/// What the submission needs besides its parameters.
pub struct Context<'a> {
    pub settings: &'a Settings,
    pub templates: &'a EmailTemplates,
    pub now: DateTime<Utc>,
}

/// `jurisdiction_id`, when sent, must be the configured one (when there is one).
pub fn check_jurisdiction(params: &Params, settings: &Settings) -> bool {
    match (
        params.get("jurisdiction_id"),
        settings.open311.jurisdiction_id.as_deref(),
    ) {
        (Some(given), Some(ours)) => given.eq_ignore_ascii_case(ours),
        _ => true,
    }
}

/// The Open311-only details kept beside the ticket.
#[derive(Debug, Clone, Default)]
struct Details {
    device_id: Option<String>,
    account_id: Option<String>,
    address_id: Option<String>,
    media_url: Option<String>,
}

fn identifier(params: &Params, name: &str, errors: &mut Vec<ParamError>) -> Option<String> {
    let v = params.get(name)?;
    if v.chars().count() > ID_MAX || v.chars().any(char::is_control) {
        errors.push(ParamError::new(name, "open311-error-identifier"));
        return None;
    }
    Some(v.to_string())
}

fn media_url(params: &Params, errors: &mut Vec<ParamError>) -> Option<String> {
    let v = params.get("media_url")?;
    let ok = v.len() <= MEDIA_URL_MAX
        && url::Url::parse(v)
            .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
    if !ok {
        errors.push(ParamError::new("media_url", "open311-error-media-url"));
        return None;
    }
    Some(v.to_string())
}

/// The first line of the description, shortened to a summary.
fn subject_from(description: &str) -> String {
    let line = description
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .find(|l| !l.is_empty())
        .unwrap_or_default();
    if line.chars().count() <= SUBJECT_FROM_DESCRIPTION {
        return line;
    }
    let cut: String = line.chars().take(SUBJECT_FROM_DESCRIPTION - 1).collect();
    let cut = match cut.rfind(' ') {
        Some(at) if at > SUBJECT_FROM_DESCRIPTION / 2 => cut[..at].to_string(),
        _ => cut,
    };
    debug_assert!(cut.chars().count() < SUBJECT_MAX);
    format!("{}…", cut.trim_end())
}

/// The parameter a [`NewTicket`] field error is about.
fn param_of(field: &str) -> String {
    if let Some(code) = field.strip_prefix("extra.") {
        return format!("attribute[{code}]");
    }
    match field {
        "kind" => "service_code",
        "subject" | "description" => "description",
        "name" => "first_name",
        "address" => "address_string",
        "latitude" => "lat",
        "longitude" => "long",
        other => other,
    }
    .to_string()
}

/// The submission as the ticket use case takes it, the Open311 details, and
/// the problems only GeoReport's rules find (the ticket's own rules find the rest).
fn input_of(
    params: &Params,
    service_name: &str,
    kinds: &[TicketKind],
    locale_tag: &str,
    unnamed: &str,
) -> (SubmissionInput, Details, Vec<ParamError>) {
    let mut errors = Vec::new();
    let description = params.get("description").unwrap_or_default();
    if description.chars().count() > DESCRIPTION_MAX {
        errors.push(ParamError::new(
            "description",
            "open311-error-description-too-long",
        ));
    }
    let (lat, long) = (params.get("lat"), params.get("long"));
    let address = params.get("address_string");
    let details = Details {
        device_id: identifier(params, "device_id", &mut errors),
        account_id: identifier(params, "account_id", &mut errors),
        address_id: identifier(params, "address_id", &mut errors),
        media_url: media_url(params, &mut errors),
    };
    let address_id_given = params.get("address_id").is_some();
    if !(lat.is_some() && long.is_some() || address.is_some() || address_id_given) {
        errors.push(ParamError::new("location", "open311-error-location"));
    }
    let attributes = match params::attributes(params) {
        Ok(a) => a,
        Err(e) => {
            errors.push(e);
            BTreeMap::new()
        }
    };
    let name = [params.get("first_name"), params.get("last_name")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let kind = kinds
        .iter()
        .find(|k| **k == TicketKind::ServiceRequest)
        .or(kinds.first())
        .map(|k| k.as_str().to_string())
        .unwrap_or_default();
    let input = SubmissionInput {
        kind,
        subject: if description.is_empty() {
            service_name.to_string()
        } else {
            subject_from(description)
        },
        // The ticket needs a description; GeoReport does not.
        description: if description.is_empty() {
            service_name.to_string()
        } else {
            description.to_string()
        },
        name: if name.is_empty() {
            unnamed.to_string()
        } else {
            name
        },
        email: params.get("email").unwrap_or_default().to_string(),
        phone: params.get("phone").unwrap_or_default().to_string(),
        address: address.unwrap_or_default().to_string(),
        latitude: lat.unwrap_or_default().to_string(),
        longitude: long.unwrap_or_default().to_string(),
        locale: locale_tag.to_string(),
        // The 311 app asked its user; holding a key means agreeing to do so.
        privacy_consent: true,
        extra: attributes,
    };
    (input, details, errors)
}

fn new_token() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Takes a submission: checks it, then creates the ticket.
pub fn submit(
    conn: &mut PgConnection,
    params: &Params,
    cx: Context<'_>,
) -> Result<Accepted, SubmitError> {
    let key = params.get("api_key").ok_or(SubmitError::MissingKey)?;
    let key_id = api_keys::authenticate(conn, key)?.ok_or(SubmitError::InvalidKey)?;
    if !check_jurisdiction(params, cx.settings) {
        return Err(SubmitError::UnknownJurisdiction);
    }
    let code = params
        .get("service_code")
        .ok_or(SubmitError::MissingServiceCode)?;
    let target = match requests::submission_target(conn, code) {
        Ok(t) => t,
        Err(RequestError::NotFound) => return Err(SubmitError::UnknownService(code.into())),
        Err(e) => return Err(e.into()),
    };
    let locale = cx.settings.application.default_locale;
    let mut rules = target.rules.clone();
    let (input, details, mut errors) = input_of(
        params,
        &target.category.name,
        &rules.kinds,
        locale.tag(),
        &locale.text("open311-no-name"),
    );
    // GeoReport's location rule is checked in `input_of`, and an address_id
    // alone meets it.
    rules.requires_location = false;
    let new = match NewTicket::parse_with(input, &rules, cx.now, ContactRule::Optional) {
        Ok(new) => Some(new),
        Err(e) => {
            errors.extend(
                e.0.iter()
                    .map(|(field, key)| ParamError::new(param_of(field), key.as_str())),
            );
            None
        }
    };
    let new = match new {
        Some(new) if errors.is_empty() => new,
        _ => return Err(SubmitError::Invalid(errors)),
    };
    let token = new_token();
    let (settings, templates, now) = (cx.settings, cx.templates, cx.now);
    let submitted = submit::submit(
        conn,
        &target.category,
        &new,
        &[],
        submit::Arrival {
            channel: Channel::Api,
            at: now,
            council_zone: settings.application.time_zone,
        },
        |conn, s| {
            notify::confirmation_naming(
                conn,
                templates,
                settings,
                s,
                &target.category.name,
                &target.department,
            )?;
            diesel::insert_into(open311_requests::table)
                .values((
                    open311_requests::ticket_id.eq(s.ticket.id),
                    open311_requests::api_key_id.eq(key_id),
                    open311_requests::token.eq(&token),
                    open311_requests::device_id.eq(&details.device_id),
                    open311_requests::account_id.eq(&details.account_id),
                    open311_requests::address_id.eq(&details.address_id),
                    open311_requests::media_url.eq(&details.media_url),
                    open311_requests::created_at.eq(now),
                ))
                .execute(conn)?;
            api_keys::touch(conn, key_id, now)?;
            Ok(())
        },
    )?;
    let target_minutes = match target.category.sla_policy_id {
        Some(policy) => {
            super::read::resolution_targets(conn)?.minutes(policy, submitted.ticket.priority)
        }
        None => None,
    };
    tracing::info!(
        ticket.id = submitted.ticket.id,
        api_key.id = key_id,
        "Open311 request taken"
    );
    Ok(Accepted {
        reference: submitted.ticket.reference,
        token,
        account_id: details.account_id,
        target_minutes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(s: &str) -> Params {
        Params::parse(s.as_bytes())
    }

    fn input(s: &str) -> Result<SubmissionInput, Vec<ParamError>> {
        let (input, _, errors) = input_of(
            &params(s),
            "Pothole",
            &[TicketKind::Complaint, TicketKind::ServiceRequest],
            "en",
            "Name not given",
        );
        if errors.is_empty() {
            Ok(input)
        } else {
            Err(errors)
        }
    }

    #[test]
    fn a_location_is_required_in_one_of_three_forms() {
        for ok in [
            "lat=51.5&long=-0.1",
            "address_string=1+High+Street",
            "address_id=ABC123",
        ] {
            assert!(input(ok).is_ok(), "{ok}");
        }
        for missing in ["", "lat=51.5", "long=-0.1", "address_string=&lat="] {
            let errors = input(missing).unwrap_err();
            assert_eq!(errors[0].param, "location", "{missing}");
        }
    }

    #[test]
    fn a_submission_is_shaped_into_a_ticket() {
        let i = input(
            "address_string=1+High+St&first_name=Ada&last_name=Lovelace&description=\
             %0A++Deep+hole%0Anear+the+stop&attribute[size]=large",
        )
        .unwrap();
        assert_eq!(i.kind, "service_request");
        assert_eq!(i.subject, "Deep hole");
        assert_eq!(i.description, "\n  Deep hole\nnear the stop".trim());
        assert_eq!(i.name, "Ada Lovelace");
        assert!(i.privacy_consent);
        assert_eq!(i.extra["size"], ["large"]);
        let bare = input("lat=1&long=2").unwrap();
        assert_eq!(bare.subject, "Pothole");
        assert_eq!(bare.description, "Pothole");
        assert_eq!(bare.name, "Name not given");
    }

    #[test]
    fn long_first_lines_make_a_short_subject() {
        let long = "word ".repeat(100);
        let s = subject_from(&long);
        assert!(s.chars().count() <= SUBJECT_FROM_DESCRIPTION);
        assert!(s.ends_with("word…"), "{s}");
        let unbroken = "x".repeat(500);
        assert_eq!(
            subject_from(&unbroken).chars().count(),
            SUBJECT_FROM_DESCRIPTION
        );
    }

    #[test]
    fn descriptions_media_and_identifiers_are_checked() {
        let ok_4000 = format!("address_id=1&description={}", "é".repeat(4000));
        assert!(input(&ok_4000).is_ok());
        let too_long = format!("address_id=1&description={}", "a".repeat(4001));
        assert_eq!(
            input(&too_long).unwrap_err()[0].key,
            "open311-error-description-too-long"
        );
        for bad in ["ftp://x.org/a.jpg", "not a url", "http://"] {
            let q = format!("address_id=1&media_url={}", urlencode(bad));
            assert_eq!(input(&q).unwrap_err()[0].param, "media_url", "{bad}");
        }
        assert!(input("address_id=1&media_url=https%3A%2F%2Fx.org%2Fa.jpg").is_ok());
        let long_id = format!("address_id={}", "1".repeat(201));
        assert_eq!(input(&long_id).unwrap_err()[0].param, "address_id");
    }

    fn urlencode(s: &str) -> String {
        url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
    }

    #[test]
    fn field_errors_name_the_open311_parameter() {
        assert_eq!(param_of("extra.size"), "attribute[size]");
        assert_eq!(param_of("latitude"), "lat");
        assert_eq!(param_of("longitude"), "long");
        assert_eq!(param_of("email"), "email");
        assert_eq!(param_of("address"), "address_string");
    }
}
