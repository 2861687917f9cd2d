//! Intake: a staff member records a request on a citizen's behalf (by phone,
//! at the counter, from an email). The citizen is an existing contact the
//! staff member picked after a look-up, or a new one from the details given;
//! either way the ticket is made by the same use case as a citizen's own
//! submission ([`submit::submit_by`]), and its first event names the staff member.

use chrono::{DateTime, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Float, Nullable, Text};
use serde::Serialize;

use crate::auth::policy::Staff;
use crate::db::models::contact::Contact;
use crate::domain::new_ticket::{FieldErrors, NewTicket, PhoneNumber, SubmissionInput};
use crate::domain::ticket::Channel;
use crate::requests::submit::{self, Arrival, Submitted, Submitter};
use crate::requests::{self, RequestError};
use crate::schema::contacts;

/// The channels a request reaches staff through.
pub const INTAKE_CHANNELS: [Channel; 3] = [Channel::Phone, Channel::Counter, Channel::Email];

/// Most contacts a look-up shows.
pub const LOOKUP_LIMIT: i64 = 20;

/// A citizen found by the look-up.
#[derive(Debug, Clone, Serialize, Queryable, utoipa::ToSchema)]
pub struct ContactMatch {
    pub id: i64,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub locale: String,
    /// How many requests they have made.
    pub requests: i64,
}

/// A prefix query over what a person typed: `ada lov` → `'ada':* & 'lov':*`.
/// Only letters, digits and `@ . + _ -` survive, so the syntax is always valid;
/// the text is still bound as a parameter, never put into SQL.
fn prefix_tsquery(q: &str) -> Option<String> {
    let words: Vec<String> = q
        .split_whitespace()
        .map(|w| {
            w.chars()
                .filter(|c| c.is_alphanumeric() || matches!(c, '@' | '.' | '+' | '_' | '-'))
                .collect::<String>()
                .to_lowercase()
        })
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .take(8)
        .collect();
    (!words.is_empty()).then(|| {
        words
            .iter()
            .map(|w| format!("'{w}':*"))
            .collect::<Vec<_>>()
            .join(" & ")
    })
}

/// Citizens whose name, email or phone match `q` (words as prefixes; a phone
/// number in any common format matches exactly), best match first.
pub fn find_contacts(conn: &mut PgConnection, q: &str) -> QueryResult<Vec<ContactMatch>> {
    let q = q.trim();
    let phone = PhoneNumber::parse(q).ok().map(|p| p.as_str().to_string());
    let words = prefix_tsquery(q);
    if words.is_none() && phone.is_none() {
        return Ok(vec![]);
    }
    contacts::table
        .filter(
            sql::<Bool>("(contacts.search @@ to_tsquery('simple', coalesce(")
                .bind::<Nullable<Text>, _>(words.clone())
                .sql(", '')) OR contacts.phone = ")
                .bind::<Nullable<Text>, _>(phone.clone())
                .sql(" OR lower(contacts.email) = lower(")
                .bind::<Text, _>(q.to_string())
                .sql("))"),
        )
        .select((
            contacts::id,
            contacts::name,
            contacts::email,
            contacts::phone,
            contacts::locale,
            sql::<BigInt>("(SELECT count(*) FROM tickets t WHERE t.contact_id = contacts.id)"),
        ))
        .order((
            sql::<Float>("ts_rank(contacts.search, to_tsquery('simple', coalesce(")
                .bind::<Nullable<Text>, _>(words)
                .sql(", ''))) DESC"),
            contacts::name.asc(),
            contacts::id.asc(),
        ))
        .limit(LOOKUP_LIMIT)
        .load(conn)
}

pub fn contact(conn: &mut PgConnection, id: i64) -> QueryResult<Option<Contact>> {
    contacts::table
        .find(id)
        .select(Contact::as_select())
        .first(conn)
        .optional()
}

/// A request taken by a staff member.
#[derive(Debug, Clone)]
pub struct Intake {
    pub channel: Channel,
    /// The category's code.
    pub category: String,
    /// The citizen picked from the look-up; `None` to use the details in `input`.
    pub contact_id: Option<i64>,
    /// The request, and the citizen's details when no contact was picked.
    pub input: SubmissionInput,
    /// The form's idempotency key: sent twice, the form makes one request.
    pub key: Option<uuid::Uuid>,
}

#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    /// Leaders and admins do not take requests.
    #[error("your role does not take requests")]
    Forbidden,
    /// Field → message key (as [`FieldErrors`]).
    #[error("some fields are missing or invalid")]
    Invalid(FieldErrors),
    #[error(transparent)]
    Request(#[from] RequestError),
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

/// Checks the intake and creates the ticket (with `notify` in its transaction).
pub fn take<F>(
    conn: &mut PgConnection,
    staff: &Staff,
    intake: Intake,
    at: DateTime<Utc>,
    council_zone: chrono_tz::Tz,
    notify: F,
) -> Result<Submitted, IntakeError>
where
    F: FnOnce(&mut PgConnection, &Submitted) -> anyhow::Result<()>,
{
    if !staff.works_tickets() {
        return Err(IntakeError::Forbidden);
    }
    let mut errors = FieldErrors::default();
    if !INTAKE_CHANNELS.contains(&intake.channel) {
        errors.add("channel", "intake-error-channel");
    }
    let category = match requests::active_category(conn, &intake.category) {
        Ok(found) => Some(found),
        Err(RequestError::NotFound) => {
            errors.add("category", "error-category-unknown");
            None
        }
        Err(e) => return Err(e.into()),
    };
    let mut input = intake.input;
    if let Some(id) = intake.contact_id {
        match contact(conn, id)? {
            Some(c) => {
                input.name = c.name;
                input.email = c.email.unwrap_or_default();
                input.phone = c.phone.unwrap_or_default();
                if input.locale.trim().is_empty() {
                    input.locale = c.locale;
                }
            }
            None => errors.add("contact_id", "intake-error-contact"),
        }
    }
    let Some((category, rules)) = category else {
        return Err(IntakeError::Invalid(errors));
    };
    let new = match NewTicket::parse(input, &rules, at) {
        Ok(new) if errors.is_empty() => new,
        Ok(_) => return Err(IntakeError::Invalid(errors)),
        Err(more) => {
            for (field, key) in more.0 {
                errors.add(field, key);
            }
            return Err(IntakeError::Invalid(errors));
        }
    };
    let submitted = submit::submit_by(
        conn,
        &category,
        &new,
        &[],
        Arrival {
            channel: intake.channel,
            at,
            council_zone,
            key: intake.key.map(|key| submit::IdempotencyKey {
                scope: submit::KeyScope::Staff(staff.id),
                key,
            }),
        },
        Submitter::Staff {
            user_id: staff.id,
            contact_id: intake.contact_id,
        },
        notify,
    )?;
    tracing::info!(
        ticket.id = submitted.ticket.id,
        user.id = staff.id,
        "request taken by staff"
    );
    Ok(submitted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_queries_are_always_well_formed() {
        assert_eq!(
            prefix_tsquery("Ada  LOV").as_deref(),
            Some("'ada':* & 'lov':*")
        );
        assert_eq!(
            prefix_tsquery("ada@example.org").as_deref(),
            Some("'ada@example.org':*")
        );
        assert_eq!(
            prefix_tsquery("o'brien & (x | !y) <-> 'z'").as_deref(),
            Some("'obrien':* & 'x':* & 'y':* & 'z':*")
        );
        assert_eq!(prefix_tsquery("  ' & | ! "), None);
    }
}
