//! A citizen's submission becomes a [`NewTicket`] only through
//! [`NewTicket::parse`], which checks every field and reports every problem at
//! once, keyed by field name, as message keys the pages translate and the API
//! turns into English text.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::extra_fields::{ExtraFieldDef, ExtraFieldValues};
use super::ticket_kind::TicketKind;
use crate::i18n::Locale;

pub const SUBJECT_MAX: usize = 200;
pub const DESCRIPTION_MAX: usize = 10_000;
pub const NAME_MAX: usize = 200;
pub const ADDRESS_MAX: usize = 500;

/// Problems with a submission: field name → message key (see `locales/*/main.ftl`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FieldErrors(pub BTreeMap<String, String>);

impl FieldErrors {
    pub fn add(&mut self, field: impl Into<String>, key: impl Into<String>) {
        self.0.entry(field.into()).or_insert_with(|| key.into());
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn contains(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }

    /// The messages in a language, by field.
    pub fn localised(&self, locale: Locale) -> BTreeMap<String, String> {
        self.0
            .iter()
            .map(|(f, k)| (f.clone(), locale.text(k)))
            .collect()
    }
}

/// An email address with a plausible shape (the only real check is delivery).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CitizenEmail(String);

impl CitizenEmail {
    pub fn parse(s: &str) -> Result<Self, &'static str> {
        let s = s.trim();
        let valid = s.len() <= 254
            && !s.chars().any(|c| {
                c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';' | '"')
            })
            && s.rsplit_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && local.len() <= 64
                    && !local.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with(['.', '-'])
                    && !domain.ends_with(['.', '-'])
                    && !domain.contains("..")
            });
        if valid {
            Ok(Self(s.to_string()))
        } else {
            Err("error-email-invalid")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A phone number kept as `+` and digits (spaces, dashes, dots and brackets dropped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    pub fn parse(s: &str) -> Result<Self, &'static str> {
        let s = s.trim();
        let mut out = String::with_capacity(s.len());
        for (i, c) in s.chars().enumerate() {
            match c {
                '+' if i == 0 => out.push('+'),
                '0'..='9' => out.push(c),
                // Persian and Arabic-Indic digits, as typed on phones set to those languages.
                '۰'..='۹' => out.push(char::from(b'0' + (c as u32 - '۰' as u32) as u8)),
                '٠'..='٩' => out.push(char::from(b'0' + (c as u32 - '٠' as u32) as u8)),
                ' ' | '-' | '.' | '(' | ')' => {}
                _ => return Err("error-phone-invalid"),
            }
        }
        let digits = out.trim_start_matches('+').len();
        if (6..=20).contains(&digits) {
            Ok(Self(out))
        } else {
            Err("error-phone-invalid")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A location: address text, coordinates, or both.
#[derive(Debug, Clone, PartialEq)]
pub struct Location {
    pub address: Option<String>,
    /// `(latitude, longitude)`.
    pub coordinates: Option<(f64, f64)>,
}

impl Location {
    /// Checks a location as typed (a citizen's, or a staff member's when they
    /// change it): the address tidied to one line, the coordinates in range
    /// and both or neither; `required` refuses neither address nor coordinates.
    pub fn parse(
        address: &str,
        latitude: &str,
        longitude: &str,
        required: bool,
    ) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::default();
        let address = one_line(&clean_text(address));
        if address.chars().count() > ADDRESS_MAX {
            errors.add("address", "error-address-too-long");
        }
        let lat = parse_coordinate(latitude, 90.0)
            .map_err(|_| errors.add("latitude", "error-latitude-invalid"));
        let lon = parse_coordinate(longitude, 180.0)
            .map_err(|_| errors.add("longitude", "error-longitude-invalid"));
        let coordinates = match (lat, lon) {
            (Ok(Some(a)), Ok(Some(b))) => Some((a, b)),
            (Ok(Some(_)), Ok(None)) => {
                errors.add("longitude", "error-coordinates-pair");
                None
            }
            (Ok(None), Ok(Some(_))) => {
                errors.add("latitude", "error-coordinates-pair");
                None
            }
            _ => None,
        };
        let location = Location {
            address: (!address.is_empty()).then_some(address),
            coordinates,
        };
        if required
            && location.address.is_none()
            && location.coordinates.is_none()
            && !errors.contains("latitude")
            && !errors.contains("longitude")
        {
            errors.add("address", "error-location-required");
        }
        if errors.is_empty() {
            Ok(location)
        } else {
            Err(errors)
        }
    }
}

/// Everything a citizen (or an API client) sent, as text, before checking.
#[derive(Debug, Clone, Default)]
pub struct SubmissionInput {
    pub kind: String,
    pub subject: String,
    pub description: String,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub address: String,
    pub latitude: String,
    pub longitude: String,
    pub locale: String,
    pub privacy_consent: bool,
    /// Extra-field values by code; multi-value lists have several.
    pub extra: BTreeMap<String, Vec<String>>,
}

/// What the category being submitted to asks for.
#[derive(Debug, Clone)]
pub struct CategoryRules {
    pub kinds: Vec<TicketKind>,
    pub requires_location: bool,
    pub extra_fields: Vec<ExtraFieldDef>,
}

/// A checked submission. It cannot be built any other way than [`NewTicket::parse`].
#[derive(Debug, Clone)]
pub struct NewTicket {
    kind: TicketKind,
    subject: String,
    description: String,
    name: String,
    email: Option<CitizenEmail>,
    phone: Option<PhoneNumber>,
    location: Location,
    locale: Locale,
    extra: ExtraFieldValues,
    privacy_consent_at: DateTime<Utc>,
}

fn clean_text(s: &str) -> String {
    // Keep newlines and tabs; drop other control characters.
    s.trim()
        .chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
        .collect::<String>()
        .replace("\r\n", "\n")
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn parse_coordinate(s: &str, range: f64) -> Result<Option<f64>, ()> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v.abs() <= range => Ok(Some(v)),
        _ => Err(()),
    }
}

/// Whether a submission must say how to reach its citizen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactRule {
    /// An email address or a phone number (every channel of our own).
    Required,
    /// Neither is needed: Open311 (GeoReport v2) makes both optional. A
    /// submission without them is anonymous ([`NewTicket::is_anonymous`]).
    Optional,
}

impl NewTicket {
    /// Checks a submission against the category's rules.
    pub fn parse(
        input: SubmissionInput,
        rules: &CategoryRules,
        now: DateTime<Utc>,
    ) -> Result<Self, FieldErrors> {
        Self::parse_with(input, rules, now, ContactRule::Required)
    }

    /// [`parse`](Self::parse), saying whether contact details are needed.
    pub fn parse_with(
        input: SubmissionInput,
        rules: &CategoryRules,
        now: DateTime<Utc>,
        contact: ContactRule,
    ) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::default();

        let kind = match input.kind.trim().parse::<TicketKind>() {
            Ok(k) if rules.kinds.contains(&k) => Some(k),
            Ok(_) => {
                errors.add("kind", "error-kind-not-offered");
                None
            }
            Err(_) if input.kind.trim().is_empty() && rules.kinds.len() == 1 => {
                Some(rules.kinds[0])
            }
            Err(_) => {
                errors.add("kind", "error-kind-required");
                None
            }
        };

        let subject = one_line(&clean_text(&input.subject));
        if subject.is_empty() {
            errors.add("subject", "error-subject-required");
        } else if subject.chars().count() > SUBJECT_MAX {
            errors.add("subject", "error-subject-too-long");
        }

        let description = clean_text(&input.description);
        if description.is_empty() {
            errors.add("description", "error-description-required");
        } else if description.chars().count() > DESCRIPTION_MAX {
            errors.add("description", "error-description-too-long");
        }

        let name = one_line(&clean_text(&input.name));
        if name.is_empty() {
            errors.add("name", "error-name-required");
        } else if name.chars().count() > NAME_MAX {
            errors.add("name", "error-name-too-long");
        }

        let email = match input.email.trim() {
            "" => None,
            e => CitizenEmail::parse(e)
                .map_err(|k| errors.add("email", k))
                .ok(),
        };
        let phone = match input.phone.trim() {
            "" => None,
            p => PhoneNumber::parse(p)
                .map_err(|k| errors.add("phone", k))
                .ok(),
        };
        if contact == ContactRule::Required
            && input.email.trim().is_empty()
            && input.phone.trim().is_empty()
        {
            errors.add("email", "error-contact-required");
        }

        let location = Location::parse(
            &input.address,
            &input.latitude,
            &input.longitude,
            rules.requires_location,
        )
        .unwrap_or_else(|e| {
            for (field, key) in e.0 {
                errors.add(field, key);
            }
            Location {
                address: None,
                coordinates: None,
            }
        });

        let locale = match input.locale.trim() {
            "" => Some(Locale::En),
            l => Locale::from_tag(l).or_else(|| {
                errors.add("locale", "error-locale-invalid");
                None
            }),
        };

        if !input.privacy_consent {
            errors.add("privacy_consent", "error-consent-required");
        }

        let extra = ExtraFieldValues::parse(&rules.extra_fields, &input.extra)
            .map_err(|field_errors| {
                for (field, key) in field_errors {
                    errors.add(format!("extra.{field}"), key);
                }
            })
            .ok();

        match (kind, locale, extra) {
            (Some(kind), Some(locale), Some(extra)) if errors.is_empty() => Ok(Self {
                kind,
                subject,
                description,
                name,
                email,
                phone,
                location,
                locale,
                extra,
                privacy_consent_at: now,
            }),
            _ => Err(errors),
        }
    }

    pub fn kind(&self) -> TicketKind {
        self.kind
    }
    pub fn subject(&self) -> &str {
        &self.subject
    }
    pub fn description(&self) -> &str {
        &self.description
    }
    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn email(&self) -> Option<&CitizenEmail> {
        self.email.as_ref()
    }
    pub fn phone(&self) -> Option<&PhoneNumber> {
        self.phone.as_ref()
    }
    /// Neither an email address nor a phone number (only with [`ContactRule::Optional`]).
    pub fn is_anonymous(&self) -> bool {
        self.email.is_none() && self.phone.is_none()
    }
    pub fn location(&self) -> &Location {
        &self.location
    }
    pub fn locale(&self) -> Locale {
        self.locale
    }
    pub fn extra(&self) -> &ExtraFieldValues {
        &self.extra
    }
    pub fn privacy_consent_at(&self) -> DateTime<Utc> {
        self.privacy_consent_at
    }
}

/// A date typed in a form (`2026-11-22`) or an RFC 3339 instant.
pub fn parse_date_or_datetime(s: &str) -> Option<String> {
    let s = s.trim();
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Some(d.to_string());
    }
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|d| d.with_timezone(&Utc).to_rfc3339())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rules() -> CategoryRules {
        CategoryRules {
            kinds: vec![TicketKind::ServiceRequest, TicketKind::Complaint],
            requires_location: true,
            extra_fields: vec![],
        }
    }

    fn valid() -> SubmissionInput {
        SubmissionInput {
            kind: "service_request".into(),
            subject: "  Pothole   on High Street ".into(),
            description: "Deep hole\r\nnear the bus stop".into(),
            name: "Ada Lovelace".into(),
            email: "ada@example.org".into(),
            address: "1 High Street".into(),
            privacy_consent: true,
            ..Default::default()
        }
    }

    #[test]
    fn a_valid_submission_is_cleaned() {
        let t = NewTicket::parse(valid(), &rules(), Utc::now()).unwrap();
        assert_eq!(t.subject(), "Pothole on High Street");
        assert_eq!(t.description(), "Deep hole\nnear the bus stop");
        assert_eq!(t.email().unwrap().as_str(), "ada@example.org");
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let input = SubmissionInput {
            kind: "compliment".into(),
            latitude: "91".into(),
            longitude: "x".into(),
            email: "not-an-email".into(),
            ..Default::default()
        };
        let errors = NewTicket::parse(input, &rules(), Utc::now()).unwrap_err();
        for field in [
            "kind",
            "subject",
            "description",
            "name",
            "email",
            "latitude",
            "longitude",
            "privacy_consent",
        ] {
            assert!(errors.contains(field), "{field}: {errors:?}");
        }
    }

    #[test]
    fn contact_and_location_rules() {
        let mut i = valid();
        i.email.clear();
        assert!(NewTicket::parse(i.clone(), &rules(), Utc::now())
            .unwrap_err()
            .contains("email"));
        i.phone = "+44 (0)20 7946-0000".into();
        let t = NewTicket::parse(i.clone(), &rules(), Utc::now()).unwrap();
        assert_eq!(t.phone().unwrap().as_str(), "+4402079460000");
        i.address.clear();
        assert_eq!(
            NewTicket::parse(i.clone(), &rules(), Utc::now())
                .unwrap_err()
                .0["address"],
            "error-location-required"
        );
        i.latitude = "51.5".into();
        i.longitude = "-0.12".into();
        assert!(NewTicket::parse(i, &rules(), Utc::now()).is_ok());
    }

    #[test]
    fn contact_details_are_optional_only_when_the_rule_says_so() {
        let mut i = valid();
        i.email.clear();
        assert!(NewTicket::parse(i.clone(), &rules(), Utc::now()).is_err());
        let t =
            NewTicket::parse_with(i.clone(), &rules(), Utc::now(), ContactRule::Optional).unwrap();
        assert!(t.is_anonymous());
        i.email = "not an email".into();
        assert!(
            NewTicket::parse_with(i, &rules(), Utc::now(), ContactRule::Optional)
                .unwrap_err()
                .contains("email"),
            "a bad address is still refused"
        );
        assert!(!NewTicket::parse(valid(), &rules(), Utc::now())
            .unwrap()
            .is_anonymous());
    }

    #[test]
    fn emails_and_phones() {
        for ok in ["a@b.co", "first.last+tag@sub.example.org"] {
            assert!(CitizenEmail::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "a",
            "a@b",
            "@b.co",
            "a@.co",
            "a b@c.co",
            "a@b..co",
            "<a@b.co>",
            "a@b.co,c@d.co",
        ] {
            assert!(CitizenEmail::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            PhoneNumber::parse("۰۹۱۲ ۳۴۵ ۶۷۸۹").unwrap().as_str(),
            "09123456789"
        );
        assert!(PhoneNumber::parse("12345").is_err());
        assert!(PhoneNumber::parse("0800 CALL NOW").is_err());
    }

    proptest! {
        #[test]
        fn parse_never_panics_and_valid_output_respects_limits(
            subject in "\\PC{0,300}", description in "\\PC{0,50}", name in "\\PC{0,50}",
            email in "\\PC{0,40}", lat in "\\PC{0,10}", lon in "\\PC{0,10}",
        ) {
            let input = SubmissionInput {
                kind: "complaint".into(), subject, description, name, email,
                latitude: lat, longitude: lon, address: "x".into(), privacy_consent: true,
                ..Default::default()
            };
            if let Ok(t) = NewTicket::parse(input, &rules(), Utc::now()) {
                prop_assert!(!t.subject().is_empty() && t.subject().chars().count() <= SUBJECT_MAX);
                prop_assert!(!t.subject().contains('\n'));
                prop_assert!(t.email().is_some() || t.phone().is_some());
            }
        }
    }
}
