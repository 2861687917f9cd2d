//! What staff see of a ticket: everything, internal notes included, with the
//! citizen's other requests and contact history (the 360-degree view), limited
//! to what this person may see.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

use super::TicketError;
use crate::auth::policy::{Action, Staff, TicketAccess};
use crate::db::models::attachment::AttachmentMeta;
use crate::db::models::contact::Contact;
use crate::db::models::ticket::Ticket;
use crate::db::models::ticket_event::TicketEvent;
use crate::domain::extra_fields::ExtraFieldDef;
use crate::domain::priority::Priority;
use crate::domain::ticket::ResolutionCode;
use crate::domain::ticket_status::TicketStatus;
use crate::schema::{
    attachments, business_calendars, categories, contact_log, contacts, departments, ticket_events,
    ticket_holdings, tickets, users,
};
use crate::staff::access;

/// Something with an id and a name (a department, category or person).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Named {
    pub id: i64,
    pub name: String,
}

/// The ticket's current state in brief: what a person who lost an edit race
/// needs to see before trying again.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TicketState {
    pub reference: String,
    /// Send this as `expected_version` with the next change.
    pub version: i32,
    #[schema(value_type = String, example = "in_progress")]
    pub status: TicketStatus,
    #[schema(value_type = String, example = "normal")]
    pub priority: Priority,
    pub department: Named,
    pub category: Named,
    pub assignee: Option<Named>,
    pub updated_at: DateTime<Utc>,
}

impl TicketState {
    pub fn of(conn: &mut PgConnection, t: &Ticket) -> QueryResult<Self> {
        let (department, category): (String, String) = departments::table
            .inner_join(categories::table.on(categories::id.eq(t.category_id)))
            .filter(departments::id.eq(t.department_id))
            .select((departments::name, categories::name))
            .first(conn)?;
        Ok(Self {
            reference: t.reference.clone(),
            version: t.version,
            status: t.status,
            priority: t.priority,
            department: Named {
                id: t.department_id,
                name: department,
            },
            category: Named {
                id: t.category_id,
                name: category,
            },
            assignee: person(conn, t.assignee_id)?,
            updated_at: t.updated_at,
        })
    }
}

fn person(conn: &mut PgConnection, id: Option<i64>) -> QueryResult<Option<Named>> {
    let Some(id) = id else { return Ok(None) };
    let name: String = users::table
        .filter(users::id.eq(id))
        .select(users::name)
        .first(conn)?;
    Ok(Some(Named { id, name }))
}

/// The citizen behind the ticket.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CitizenOut {
    pub id: i64,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// The language they are written to in: en or fa.
    pub locale: String,
}

/// An answer to one of the category's extra questions.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ExtraAnswer {
    pub code: String,
    /// The question as the category words it (the code when the category no longer asks it).
    pub label: String,
    pub value: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Location {
    pub address: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// The area (ward, district) the coordinates lie in; empty when there are
    /// no coordinates or they are in no area ("unknown" in reports).
    pub area: Option<AreaRef>,
}

/// An area a ticket is placed in.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AreaRef {
    pub id: i64,
    /// e.g. ward or district.
    pub kind: String,
    pub code: String,
    pub name: String,
}

impl AreaRef {
    pub fn of(conn: &mut PgConnection, id: Option<i64>) -> QueryResult<Option<Self>> {
        use crate::schema::areas;
        let Some(id) = id else { return Ok(None) };
        let (kind, code, name) = areas::table
            .find(id)
            .select((areas::kind, areas::code, areas::name))
            .first::<(String, String, String)>(conn)?;
        Ok(Some(Self {
            id,
            kind,
            code,
            name,
        }))
    }
}

/// One timeline entry, internal ones included.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StaffEvent {
    pub id: i64,
    /// e.g. submitted, public_reply, internal_note, status_changed, transferred.
    pub kind: String,
    /// Whether the citizen sees this entry on their tracking page.
    pub public: bool,
    /// citizen, staff or system.
    pub actor_kind: String,
    /// The staff member or citizen who acted.
    pub actor_name: Option<String>,
    pub body: String,
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StaffAttachment {
    pub id: i64,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    /// Whether the citizen can download it too.
    pub public: bool,
    pub created_at: DateTime<Utc>,
}

/// Another request of the same citizen that this person may see.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OtherRequest {
    pub reference: String,
    pub subject: String,
    #[schema(value_type = String)]
    pub status: TicketStatus,
    pub department: String,
    pub created_at: DateTime<Utc>,
}

/// A logged call, visit, meeting, letter or email with the citizen.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ContactLogOut {
    pub id: i64,
    /// call, visit, meeting, letter or email.
    pub kind: String,
    pub subject: String,
    pub notes: String,
    pub occurred_at: DateTime<Utc>,
    /// Who logged it.
    pub logged_by: String,
    /// The request it was about, if any.
    pub ticket: Option<String>,
}

/// How long a department held the ticket (`ended_at` empty: it holds it now).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Holding {
    pub department: String,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
}

/// Everything staff see of a ticket.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StaffTicketView {
    #[serde(flatten)]
    pub state: TicketState,
    /// What the citizen is told: received, in_progress, waiting_for_your_reply, resolved, closed.
    #[schema(value_type = String)]
    pub citizen_status: crate::domain::ticket_status::CitizenStatus,
    pub kind: String,
    pub channel: String,
    pub subject: String,
    pub description: String,
    pub category_code: String,
    pub location: Location,
    pub extra_fields: Vec<ExtraAnswer>,
    pub created_at: DateTime<Utc>,
    /// Set while a message from the citizen waits for a staff answer.
    pub awaiting_staff_since: Option<DateTime<Utc>>,
    #[schema(value_type = Option<String>)]
    pub resolution_code: Option<ResolutionCode>,
    pub resolution_note: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// The surviving ticket, when this one was merged into another.
    pub merged_into: Option<String>,
    /// Tickets merged into this one.
    pub merged_from: Vec<String>,
    pub citizen: CitizenOut,
    pub other_requests: Vec<OtherRequest>,
    /// The citizen's requests in departments this person does not work for: counted, not shown.
    pub other_requests_elsewhere: usize,
    pub contact_log: Vec<ContactLogOut>,
    /// Oldest first; internal entries have `public: false`.
    pub timeline: Vec<StaffEvent>,
    pub attachments: Vec<StaffAttachment>,
    pub holdings: Vec<Holding>,
    /// The handling department's time zone, for showing times.
    pub time_zone: String,
    /// Its SLA clocks as they stand now (empty when its category has no policy).
    pub sla: Vec<crate::sla::display::SlaClockOut>,
}

/// The ticket and its staff view, if `staff` may see it.
pub fn load(
    conn: &mut PgConnection,
    staff: &Staff,
    reference: &str,
    at: When,
) -> Result<(Ticket, StaffTicketView), TicketError> {
    let ticket = access::ticket_for(conn, staff, reference, Action::View, false)?;
    let view = view_of(conn, staff, &ticket, at)?;
    Ok((ticket, view))
}

/// The instant a view is for, and what counts as "due soon" then.
#[derive(Debug, Clone, Copy)]
pub struct When {
    pub now: DateTime<Utc>,
    pub due_soon: chrono::Duration,
}

fn view_of(
    conn: &mut PgConnection,
    staff: &Staff,
    t: &Ticket,
    at: When,
) -> Result<StaffTicketView, TicketError> {
    let state = TicketState::of(conn, t)?;
    let (category_code, defs, time_zone): (String, serde_json::Value, String) = categories::table
        .inner_join(departments::table.on(departments::id.eq(t.department_id)))
        .inner_join(
            business_calendars::table.on(business_calendars::id.eq(departments::calendar_id)),
        )
        .filter(categories::id.eq(t.category_id))
        .select((
            categories::slug,
            categories::extra_fields,
            business_calendars::time_zone,
        ))
        .first(conn)?;
    let contact: Contact = contacts::table
        .filter(contacts::id.eq(t.contact_id))
        .select(Contact::as_select())
        .first(conn)?;

    let events: Vec<(TicketEvent, Option<String>, Option<String>)> = ticket_events::table
        .left_join(users::table.on(users::id.nullable().eq(ticket_events::actor_user_id)))
        .left_join(contacts::table.on(contacts::id.nullable().eq(ticket_events::actor_contact_id)))
        .filter(ticket_events::ticket_id.eq(t.id))
        .order((ticket_events::created_at.asc(), ticket_events::id.asc()))
        .select((
            TicketEvent::as_select(),
            users::name.nullable(),
            contacts::name.nullable(),
        ))
        .load(conn)?;
    let files: Vec<AttachmentMeta> = attachments::table
        .filter(attachments::ticket_id.eq(t.id))
        .order(attachments::id.asc())
        .select(AttachmentMeta::as_select())
        .load(conn)?;

    type OtherRow = (
        String,
        String,
        TicketStatus,
        i64,
        Option<i64>,
        String,
        DateTime<Utc>,
    );
    let others: Vec<OtherRow> = tickets::table
        .inner_join(departments::table)
        .filter(tickets::contact_id.eq(t.contact_id))
        .filter(tickets::id.ne(t.id))
        .order((tickets::created_at.desc(), tickets::id.desc()))
        .select((
            tickets::reference,
            tickets::subject,
            tickets::status,
            tickets::department_id,
            tickets::assignee_id,
            departments::name,
            tickets::created_at,
        ))
        .load(conn)?;
    let visible = |department_id: i64, assignee_id: Option<i64>| {
        staff.can_see(TicketAccess {
            department_id,
            assignee_id,
        })
    };
    let other_requests_elsewhere = others.iter().filter(|o| !visible(o.3, o.4)).count();
    let other_requests = others
        .into_iter()
        .filter(|o| visible(o.3, o.4))
        .map(
            |(reference, subject, status, _, _, department, created_at)| OtherRequest {
                reference,
                subject,
                status,
                department,
                created_at,
            },
        )
        .collect();

    type LogRow = (
        i64,
        String,
        String,
        String,
        DateTime<Utc>,
        String,
        Option<String>,
        Option<i64>,
        Option<i64>,
    );
    let log: Vec<LogRow> = contact_log::table
        .inner_join(users::table)
        .left_join(tickets::table)
        .filter(contact_log::contact_id.eq(t.contact_id))
        .order((contact_log::occurred_at.desc(), contact_log::id.desc()))
        .select((
            contact_log::id,
            contact_log::kind,
            contact_log::subject,
            contact_log::notes,
            contact_log::occurred_at,
            users::name,
            tickets::reference.nullable(),
            tickets::department_id.nullable(),
            tickets::assignee_id.nullable(),
        ))
        .load(conn)?;
    // Notes about a request this person may not see stay with that request's people.
    let contact_log = log
        .into_iter()
        .filter(|r| r.7.is_none_or(|d| visible(d, r.8)))
        .map(
            |(id, kind, subject, notes, occurred_at, logged_by, ticket, _, _)| ContactLogOut {
                id,
                kind,
                subject,
                notes,
                occurred_at,
                logged_by,
                ticket,
            },
        )
        .collect();

    let holdings = ticket_holdings::table
        .inner_join(departments::table)
        .filter(ticket_holdings::ticket_id.eq(t.id))
        .order((ticket_holdings::started_at.asc(), ticket_holdings::id.asc()))
        .select((
            departments::name,
            ticket_holdings::started_at,
            ticket_holdings::ended_at,
        ))
        .load::<(String, DateTime<Utc>, Option<DateTime<Utc>>)>(conn)?
        .into_iter()
        .map(|(department, started_at, ended_at)| Holding {
            department,
            started_at,
            ended_at,
        })
        .collect();

    let merged_into = match t.merged_into_id {
        Some(id) => Some(
            tickets::table
                .filter(tickets::id.eq(id))
                .select(tickets::reference)
                .first(conn)?,
        ),
        None => None,
    };
    let merged_from = tickets::table
        .filter(tickets::merged_into_id.eq(t.id))
        .order(tickets::id.asc())
        .select(tickets::reference)
        .load(conn)?;
    let sla = crate::sla::display::clocks(conn, t.id, at.now, at.due_soon)?;

    Ok(StaffTicketView {
        state,
        citizen_status: t.status.citizen_status(),
        kind: t.kind.as_str().to_string(),
        channel: t.channel.as_str().to_string(),
        subject: t.subject.clone(),
        description: t.description.clone(),
        category_code,
        location: Location {
            address: t.address.clone(),
            latitude: t.latitude,
            longitude: t.longitude,
            area: AreaRef::of(conn, t.area_id)?,
        },
        extra_fields: extra_answers(&defs, &t.extra_fields),
        created_at: t.created_at,
        awaiting_staff_since: t.awaiting_staff_since,
        resolution_code: t.resolution_code,
        resolution_note: t.resolution_note.clone(),
        resolved_at: t.resolved_at,
        closed_at: t.closed_at,
        merged_into,
        merged_from,
        citizen: CitizenOut {
            id: contact.id,
            name: contact.name,
            email: contact.email,
            phone: contact.phone,
            locale: contact.locale,
        },
        other_requests,
        other_requests_elsewhere,
        contact_log,
        timeline: events
            .into_iter()
            .map(|(e, staff_name, citizen_name)| StaffEvent {
                id: e.id,
                actor_name: match e.actor_kind.as_str() {
                    "staff" => staff_name,
                    "citizen" => citizen_name,
                    _ => None,
                },
                kind: e.kind,
                public: e.public,
                actor_kind: e.actor_kind,
                body: e.body,
                data: e.data,
                created_at: e.created_at,
            })
            .collect(),
        attachments: files
            .into_iter()
            .map(|a| StaffAttachment {
                id: a.id,
                filename: a.filename,
                content_type: a.content_type,
                size_bytes: a.size_bytes,
                public: a.public,
                created_at: a.created_at,
            })
            .collect(),
        holdings,
        time_zone,
        sla,
    })
}

/// The answers in the category's order, labelled; answers to questions the
/// category no longer asks come last under their code.
fn extra_answers(defs: &serde_json::Value, answers: &serde_json::Value) -> Vec<ExtraAnswer> {
    let defs = ExtraFieldDef::parse_all(defs).unwrap_or_default();
    let Some(answers) = answers.as_object() else {
        return vec![];
    };
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(items) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| i.to_string())
            })
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    };
    let mut out: Vec<ExtraAnswer> = defs
        .iter()
        .filter_map(|d| {
            answers.get(&d.code).map(|v| ExtraAnswer {
                code: d.code.clone(),
                label: d.label.clone(),
                value: text(v),
            })
        })
        .collect();
    for (code, v) in answers {
        if !defs.iter().any(|d| &d.code == code) {
            out.push(ExtraAnswer {
                code: code.clone(),
                label: code.clone(),
                value: text(v),
            });
        }
    }
    out
}

/// A choice in one of the page's forms.
#[derive(Debug, Clone, Serialize)]
pub struct Choice {
    pub value: String,
    pub label: String,
}

/// What the ticket page offers this person, beyond the view.
#[derive(Debug, Clone, Serialize)]
pub struct ActionOptions {
    /// Status actions the state machine and the policy allow now (values for `action`).
    pub status_actions: Vec<&'static str>,
    /// Colleagues the ticket may be assigned to (members of its department).
    pub colleagues: Vec<Choice>,
    pub may_assign: bool,
    /// Other active departments it may be transferred to (value: slug).
    pub departments: Vec<Choice>,
    /// Active categories (value: code).
    pub categories: Vec<Choice>,
    pub priorities: Vec<&'static str>,
    /// Resolution codes staff may close with (duplicates go through merge).
    pub resolution_codes: Vec<&'static str>,
    pub contact_kinds: Vec<&'static str>,
    /// Whether a first response is still to be given.
    pub may_acknowledge: bool,
    pub may_transfer: bool,
    pub may_merge: bool,
    /// Clocks a supervisor may extend now (running or paused); empty for others.
    pub extendable_clocks: Vec<&'static str>,
}

pub fn options(
    conn: &mut PgConnection,
    staff: &Staff,
    ticket: &Ticket,
    view: &StaffTicketView,
) -> QueryResult<ActionOptions> {
    use crate::schema::user_departments;
    let access = access::access_of(ticket);
    let colleagues = users::table
        .inner_join(user_departments::table)
        .filter(user_departments::department_id.eq(ticket.department_id))
        .filter(users::active.eq(true))
        .filter(users::role.eq_any(["agent", "supervisor"]))
        .order((users::name.asc(), users::id.asc()))
        .select((users::id, users::name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .map(|(id, name)| Choice {
            value: id.to_string(),
            label: name,
        })
        .collect();
    let departments = departments::table
        .filter(departments::active.eq(true))
        .filter(departments::id.ne(ticket.department_id))
        .order(departments::name.asc())
        .select((departments::slug, departments::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .map(|(value, label)| Choice { value, label })
        .collect();
    let categories = categories::table
        .filter(categories::active.eq(true))
        .order((categories::group_name.asc(), categories::name.asc()))
        .select((categories::slug, categories::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .map(|(value, label)| Choice { value, label })
        .collect();
    let status_actions = super::actions::StatusChangeKind::ALL
        .into_iter()
        .filter(|k| {
            ticket.status.apply(k.action()).is_ok() && staff.may(k.policy_action(), access).is_ok()
        })
        .map(|k| k.as_str())
        .collect();
    let reassigning = ticket.assignee_id.is_some_and(|a| a != staff.id);
    Ok(ActionOptions {
        status_actions,
        colleagues,
        may_assign: staff
            .may(
                if reassigning {
                    Action::Reassign
                } else {
                    Action::Assign
                },
                access,
            )
            .is_ok()
            && ticket
                .status
                .apply(crate::domain::ticket_status::StatusAction::Assign)
                .is_ok(),
        departments,
        categories,
        priorities: Priority::ALL.iter().map(|p| p.as_str()).collect(),
        resolution_codes: super::actions::CLOSING_CODES
            .iter()
            .map(|c| c.as_str())
            .collect(),
        contact_kinds: super::actions::CONTACT_KINDS.to_vec(),
        may_acknowledge: !view
            .timeline
            .iter()
            .any(|e| super::actions::is_first_response(&e.kind, &e.actor_kind)),
        may_transfer: ticket
            .status
            .apply(crate::domain::ticket_status::StatusAction::Transfer)
            .is_ok(),
        may_merge: super::actions::may_merge_from(ticket.status),
        extendable_clocks: if staff.may(Action::ExtendSla, access).is_ok() {
            view.sla
                .iter()
                .filter(|c| {
                    matches!(
                        c.status,
                        crate::domain::sla::ClockStatus::Running
                            | crate::domain::sla::ClockStatus::Paused
                    )
                })
                .map(|c| c.clock.as_str())
                .collect()
        } else {
            Vec::new()
        },
    })
}
