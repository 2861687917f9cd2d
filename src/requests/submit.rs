//! Submitting a request: contact, ticket, first timeline event, attachments and
//! the confirmation email are written together or not at all.

use chrono::{DateTime, Datelike, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text};

use super::{Attachment, RequestError};
use crate::db::models::attachment::{AttachmentMeta, NewAttachment};
use crate::db::models::category::Category;
use crate::db::models::ticket::{NewTicketRow, Ticket};
use crate::db::models::ticket_event::{NewTicketEvent, TicketEvent};
use crate::domain::new_ticket::NewTicket;
use crate::domain::reference::{format_reference, new_tracking_token};
use crate::domain::ticket::Channel;
use crate::domain::ticket_status::TicketStatus;
use crate::schema::{attachments, ticket_events, ticket_holdings, tickets};
use crate::sla;

/// A request just created. The tracking token exists only here: it is shown
/// or emailed once and stored only as a hash.
#[derive(Debug, Clone)]
pub struct Submitted {
    pub ticket: Ticket,
    pub tracking_token: String,
    pub contact_email: Option<String>,
    pub contact_name: String,
    /// The `submitted` timeline entry, as stored.
    pub event: TicketEvent,
    /// The attachments, as stored (without their bytes).
    pub attachments: Vec<AttachmentMeta>,
    /// The SLA clocks it started (empty when its category has no policy).
    pub sla: Vec<sla::engine::ClockChange>,
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// The next number of `year`'s references. Runs on its own (autocommit), like a
/// sequence, so concurrent submissions never wait on each other's transactions;
/// a rolled-back submission leaves a gap, never a duplicate.
pub fn next_reference(conn: &mut PgConnection, year: i32) -> QueryResult<String> {
    #[derive(QueryableByName)]
    struct Value {
        #[diesel(sql_type = BigInt)]
        last_value: i64,
    }
    let v: Value = diesel::sql_query(
        "INSERT INTO reference_counters (year, last_value) VALUES ($1, 1) \
         ON CONFLICT (year) DO UPDATE SET last_value = reference_counters.last_value + 1 \
         RETURNING last_value",
    )
    .bind::<Integer, _>(year)
    .get_result(conn)?;
    Ok(format_reference(year, v.last_value))
}

/// The contact for this submission: the existing one with the same email
/// (case-insensitive), else a new one. Race-free under concurrent submissions.
fn contact_for(conn: &mut PgConnection, new: &NewTicket) -> QueryResult<i64> {
    let locale = new.locale().tag();
    let phone = new.phone().map(|p| p.as_str());
    match new.email() {
        Some(email) => {
            // DO UPDATE (not DO NOTHING) so RETURNING gives the existing row; a
            // phone number is added when the contact had none, nothing is overwritten.
            let row: Id = diesel::sql_query(
                "INSERT INTO contacts (name, email, phone, locale) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (lower(email)) WHERE email IS NOT NULL \
                 DO UPDATE SET phone = COALESCE(contacts.phone, EXCLUDED.phone) \
                 RETURNING id",
            )
            .bind::<Text, _>(new.name())
            .bind::<Text, _>(email.as_str())
            .bind::<Nullable<Text>, _>(phone)
            .bind::<Text, _>(locale)
            .get_result(conn)?;
            Ok(row.id)
        }
        None => {
            // Without an email or a phone the contact is anonymous (only Open311
            // submissions may be: see `ContactRule`).
            let row: Id = diesel::sql_query(
                "INSERT INTO contacts (name, phone, locale, anonymous) VALUES ($1, $2, $3, $4) \
                 RETURNING id",
            )
            .bind::<Text, _>(new.name())
            .bind::<Nullable<Text>, _>(phone)
            .bind::<Text, _>(locale)
            .bind::<diesel::sql_types::Bool, _>(new.is_anonymous())
            .get_result(conn)?;
            Ok(row.id)
        }
    }
}

/// How and when a request arrived.
#[derive(Debug, Clone, Copy)]
pub struct Arrival {
    pub channel: Channel,
    pub at: DateTime<Utc>,
    /// The council's zone: a request made at 00:30 on 1 January local time
    /// belongs to the new year's references.
    pub council_zone: chrono_tz::Tz,
    /// The key the form or API call carried: sent again, it finds the
    /// request the first one made instead of making another.
    pub key: Option<IdempotencyKey>,
}

/// A submission's idempotency key, and who may use it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdempotencyKey {
    pub scope: KeyScope,
    pub key: uuid::Uuid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyScope {
    /// The public form.
    Citizen,
    /// The JSON API (`Idempotency-Key` header).
    Api,
    /// A member of staff's intake form.
    Staff(i64),
}

impl KeyScope {
    fn as_text(self) -> String {
        match self {
            Self::Citizen => "citizen".to_string(),
            Self::Api => "api".to_string(),
            Self::Staff(id) => format!("staff:{id}"),
        }
    }
}

/// The reference of the request a key already made, if it did.
fn made_with(conn: &mut PgConnection, key: IdempotencyKey) -> QueryResult<Option<String>> {
    use crate::schema::idempotency_keys;
    idempotency_keys::table
        .inner_join(tickets::table)
        .filter(idempotency_keys::scope.eq(key.scope.as_text()))
        .filter(idempotency_keys::key.eq(key.key))
        .select(tickets::reference)
        .first(conn)
        .optional()
}

/// Records that `key` made `ticket_id`; `false` if a submission with the same
/// key got there first (it has committed by the time this returns).
fn remember(
    conn: &mut PgConnection,
    key: IdempotencyKey,
    ticket_id: i64,
    at: DateTime<Utc>,
) -> QueryResult<bool> {
    use crate::schema::idempotency_keys;
    let n = diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::scope.eq(key.scope.as_text()),
            idempotency_keys::key.eq(key.key),
            idempotency_keys::ticket_id.eq(ticket_id),
            idempotency_keys::created_at.eq(at),
        ))
        .on_conflict_do_nothing()
        .execute(conn)?;
    Ok(n == 1)
}

/// Forgets keys older than a week (the worker's housekeeping).
pub fn forget_old_keys(conn: &mut PgConnection, now: DateTime<Utc>) -> QueryResult<usize> {
    use crate::schema::idempotency_keys;
    diesel::delete(
        idempotency_keys::table
            .filter(idempotency_keys::created_at.lt(now - chrono::Duration::days(7))),
    )
    .execute(conn)
}

/// Who made the submission, and so who the first timeline event names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Submitter {
    /// The citizen themselves: their contact is found by email, or created.
    Citizen,
    /// A staff member on the citizen's behalf (intake by phone, at the counter,
    /// from an email): for the contact they picked, or, with `None`, the
    /// contact found or created from the submission's details as for a citizen.
    Staff {
        user_id: i64,
        contact_id: Option<i64>,
    },
}

/// Creates the ticket. `notify` runs inside the same transaction (it writes the
/// confirmation email to the outbox); if it fails, nothing is stored.
pub fn submit<F>(
    conn: &mut PgConnection,
    category: &Category,
    new: &NewTicket,
    files: &[Attachment],
    arrival: Arrival,
    notify: F,
) -> Result<Submitted, RequestError>
where
    F: FnOnce(&mut PgConnection, &Submitted) -> anyhow::Result<()>,
{
    submit_by(
        conn,
        category,
        new,
        files,
        arrival,
        Submitter::Citizen,
        notify,
    )
}

/// [`submit`], saying who submitted: staff intake uses this with
/// [`Submitter::Staff`], so one use case creates every ticket.
pub fn submit_by<F>(
    conn: &mut PgConnection,
    category: &Category,
    new: &NewTicket,
    files: &[Attachment],
    arrival: Arrival,
    submitter: Submitter,
    notify: F,
) -> Result<Submitted, RequestError>
where
    F: FnOnce(&mut PgConnection, &Submitted) -> anyhow::Result<()>,
{
    let Arrival {
        channel,
        at: now,
        council_zone,
        key,
    } = arrival;
    if let Some(key) = key {
        if let Some(reference) = made_with(conn, key)? {
            return Err(RequestError::AlreadySubmitted(reference));
        }
    }
    let reference = next_reference(conn, now.with_timezone(&council_zone).year())?;
    let (token, token_hash) = new_tracking_token();
    conn.transaction(|conn| {
        let contact_id = match submitter {
            Submitter::Staff {
                contact_id: Some(id),
                ..
            } => id,
            _ => contact_for(conn, new)?,
        };
        let (actor_kind, actor_user_id, actor_contact_id) = match submitter {
            Submitter::Citizen => ("citizen", None, Some(contact_id)),
            Submitter::Staff { user_id, .. } => ("staff", Some(user_id), None),
        };
        let extra = new.extra().to_json();
        let location = new.location();
        // Placed with the areas as they are now; an import waits for this
        // transaction (see `areas::AREAS_LOCK`) and re-places after it.
        let area_id = match location.coordinates {
            Some((lat, lon)) => crate::areas::placement::area_for(conn, lat, lon)?,
            None => None,
        };
        let ticket: Ticket = diesel::insert_into(tickets::table)
            .values(&NewTicketRow {
                reference: &reference,
                tracking_token_hash: &token_hash,
                kind: new.kind(),
                category_id: category.id,
                department_id: category.default_department_id,
                status: TicketStatus::New,
                priority: category.default_priority,
                channel,
                subject: new.subject(),
                description: new.description(),
                address: location.address.as_deref(),
                latitude: location.coordinates.map(|c| c.0),
                longitude: location.coordinates.map(|c| c.1),
                area_id,
                extra_fields: &extra,
                contact_id,
                locale: new.locale().tag(),
                privacy_consent_at: Some(new.privacy_consent_at()),
                created_at: now,
                updated_at: now,
            })
            .returning(Ticket::as_returning())
            .get_result(conn)?;
        if let Some(key) = key {
            if !remember(conn, key, ticket.id, now)? {
                // The same form, sent twice at once: the other one made it.
                let reference = made_with(conn, key)?.ok_or(RequestError::NotFound)?;
                return Err(RequestError::AlreadySubmitted(reference));
            }
        }
        diesel::insert_into(ticket_holdings::table)
            .values((
                ticket_holdings::ticket_id.eq(ticket.id),
                ticket_holdings::department_id.eq(ticket.department_id),
                ticket_holdings::started_at.eq(ticket.created_at),
            ))
            .execute(conn)?;
        let event: TicketEvent = diesel::insert_into(ticket_events::table)
            .values(&NewTicketEvent {
                ticket_id: ticket.id,
                kind: "submitted",
                actor_kind,
                actor_user_id,
                actor_contact_id,
                body: "",
                data: serde_json::json!({ "channel": channel.as_str(), "attachments": files.len() }),
                public: true,
                created_at: now,
            })
            .returning(TicketEvent::as_returning())
            .get_result(conn)?;
        let attachments = store_attachments(conn, ticket.id, Some(event.id), files)?;
        let sla = sla::engine::sync(
            conn,
            &sla::engine::Change {
                before: None,
                after: &ticket,
                touch: sla::Touch::None,
                actor: match submitter {
                    Submitter::Citizen => sla::Actor::Citizen,
                    Submitter::Staff { user_id, .. } => sla::Actor::Staff(user_id),
                },
                reason: None,
                now,
            },
        )
        .map_err(RequestError::Other)?;
        let submitted = Submitted {
            ticket,
            tracking_token: token.clone(),
            contact_email: new.email().map(|e| e.as_str().to_string()),
            contact_name: new.name().to_string(),
            event,
            attachments,
            sla,
        };
        notify(conn, &submitted).map_err(RequestError::Other)?;
        tracing::info!(ticket.id = submitted.ticket.id, reference = %submitted.ticket.reference,
            channel = channel.as_str(), "request submitted");
        Ok(submitted)
    })
}

/// Stores the files; returns them as stored, in order, without their bytes.
pub fn store_attachments(
    conn: &mut PgConnection,
    ticket_id: i64,
    event_id: Option<i64>,
    files: &[Attachment],
) -> QueryResult<Vec<AttachmentMeta>> {
    let mut stored = Vec::with_capacity(files.len());
    for f in files {
        let meta = diesel::insert_into(attachments::table)
            .values(&NewAttachment {
                ticket_id,
                event_id,
                filename: &f.filename,
                content_type: f.content_type,
                size_bytes: f.data.len() as i64,
                sha256: &f.sha256,
                data: &f.data,
                public: true,
            })
            .returning(AttachmentMeta::as_returning())
            .get_result(conn)?;
        stored.push(meta);
    }
    Ok(stored)
}
