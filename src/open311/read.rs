//! What the Open311 GET calls read: the catalogue, requests (any channel's
//! tickets, as GeoReport's public view of them), tokens and the public
//! updates on requests.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Jsonb, Nullable, Text, Timestamptz};

use crate::domain::extra_fields::ExtraFieldDef;
use crate::domain::priority::Priority;
use crate::domain::reference::normalise_reference;
use crate::domain::ticket_status::TicketStatus;
use crate::schema::{
    categories, departments, open311_requests, sla_clocks, sla_policies, sla_policy_targets,
    ticket_events, tickets,
};

use super::params::StatusFilter;

/// A service of the catalogue.
#[derive(Debug, Clone)]
pub struct Service {
    pub code: String,
    pub name: String,
    pub description: String,
    pub keywords: String,
    pub group: String,
    pub attributes: Vec<ExtraFieldDef>,
}

type ServiceRow = (String, String, String, String, String, serde_json::Value);

fn service_of(row: ServiceRow) -> anyhow::Result<Service> {
    let (code, name, description, keywords, group, extra) = row;
    let attributes = ExtraFieldDef::parse_all(&extra)
        .map_err(|e| anyhow::anyhow!("category {code} has invalid extra fields: {e}"))?;
    Ok(Service {
        code,
        name,
        description,
        keywords,
        group,
        attributes,
    })
}

fn service_columns() -> (
    categories::slug,
    categories::name,
    categories::description,
    categories::keywords,
    categories::group_name,
    categories::extra_fields,
) {
    (
        categories::slug,
        categories::name,
        categories::description,
        categories::keywords,
        categories::group_name,
        categories::extra_fields,
    )
}

/// The active catalogue, in the order the public pages list it.
pub fn services(conn: &mut PgConnection) -> anyhow::Result<Vec<Service>> {
    let rows: Vec<ServiceRow> = categories::table
        .filter(categories::active.eq(true))
        .order((
            categories::group_name,
            categories::sort_order,
            categories::name,
        ))
        .select(service_columns())
        .load(conn)?;
    rows.into_iter().map(service_of).collect()
}

/// One active service.
pub fn service(conn: &mut PgConnection, code: &str) -> anyhow::Result<Option<Service>> {
    let row: Option<ServiceRow> = categories::table
        .filter(categories::slug.eq(code))
        .filter(categories::active.eq(true))
        .select(service_columns())
        .first(conn)
        .optional()?;
    row.map(service_of).transpose()
}

/// When the catalogue last changed: discovery's `changeset`.
pub fn catalogue_changed(conn: &mut PgConnection) -> QueryResult<Option<DateTime<Utc>>> {
    categories::table
        .select(diesel::dsl::max(categories::updated_at))
        .first(conn)
}

/// A request as GeoReport shows it.
#[derive(Debug, Clone)]
pub struct Request {
    pub id: i64,
    pub reference: String,
    pub status: TicketStatus,
    pub service_name: String,
    pub service_code: String,
    pub description: String,
    pub department: String,
    pub requested: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    pub expected: Option<DateTime<Utc>>,
    pub address: Option<String>,
    pub address_id: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub media_url: Option<String>,
    /// The latest public staff reply.
    pub status_notes: Option<String>,
    /// The SLA resolution target, in business minutes, if the service has a policy.
    pub target_minutes: Option<i32>,
}

/// What `GET requests` asks for.
#[derive(Debug, Clone)]
pub enum RequestQuery {
    /// `service_request_id`: these, whatever else was asked.
    Ids(Vec<String>),
    Filter {
        service_codes: Vec<String>,
        status: StatusFilter,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        page: i64,
        page_size: i64,
    },
}

type RequestRow = (
    i64,
    String,
    TicketStatus,
    String,
    String,
    Option<i64>,
    Priority,
    String,
    String,
    DateTime<Utc>,
    DateTime<Utc>,
    Option<String>,
    Option<f64>,
    Option<f64>,
    Option<String>,
    Option<String>,
    Option<DateTime<Utc>>,
);

/// Requests newest first (requested time), at most `MAX_RESULTS` of them.
pub fn requests(conn: &mut PgConnection, query: &RequestQuery) -> QueryResult<Vec<Request>> {
    let mut q = tickets::table
        .inner_join(categories::table.on(categories::id.eq(tickets::category_id)))
        .inner_join(departments::table.on(departments::id.eq(tickets::department_id)))
        .left_join(open311_requests::table.on(open311_requests::ticket_id.eq(tickets::id)))
        .left_join(
            sla_clocks::table.on(sla_clocks::ticket_id
                .eq(tickets::id)
                .and(sla_clocks::clock.eq("resolution"))),
        )
        .select((
            tickets::id,
            tickets::reference,
            tickets::status,
            categories::name,
            categories::slug,
            categories::sla_policy_id,
            tickets::priority,
            tickets::description,
            departments::name,
            tickets::created_at,
            tickets::updated_at,
            tickets::address,
            tickets::latitude,
            tickets::longitude,
            open311_requests::address_id.nullable(),
            open311_requests::media_url.nullable(),
            sla_clocks::due_at.nullable(),
        ))
        .order((tickets::created_at.desc(), tickets::id.desc()))
        .into_boxed();
    match query {
        RequestQuery::Ids(ids) => {
            let refs: Vec<String> = ids.iter().filter_map(|i| normalise_reference(i)).collect();
            q = q
                .filter(tickets::reference.eq_any(refs))
                .limit(super::params::MAX_RESULTS);
        }
        RequestQuery::Filter {
            service_codes,
            status,
            from,
            to,
            page,
            page_size,
        } => {
            if !service_codes.is_empty() {
                q = q.filter(categories::slug.eq_any(service_codes.clone()));
            }
            let done = [TicketStatus::Resolved, TicketStatus::Closed];
            match (status.open, status.closed) {
                (true, false) => q = q.filter(tickets::status.ne_all(done)),
                (false, true) => q = q.filter(tickets::status.eq_any(done)),
                _ => {}
            }
            q = q
                .filter(tickets::created_at.between(*from, *to))
                .limit(*page_size)
                .offset((page - 1) * page_size);
        }
    }
    let rows: Vec<RequestRow> = q.load(conn)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let notes: HashMap<i64, String> = ticket_events::table
        .filter(ticket_events::ticket_id.eq_any(&ids))
        .filter(ticket_events::kind.eq("public_reply"))
        .filter(ticket_events::public.eq(true))
        .distinct_on(ticket_events::ticket_id)
        .order((
            ticket_events::ticket_id,
            ticket_events::created_at.desc(),
            ticket_events::id.desc(),
        ))
        .select((ticket_events::ticket_id, ticket_events::body))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    let targets = resolution_targets(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| Request {
            id: r.0,
            reference: r.1,
            status: r.2,
            service_name: r.3,
            service_code: r.4,
            target_minutes: r.5.and_then(|p| targets.minutes(p, r.6)),
            description: r.7,
            department: r.8,
            requested: r.9,
            updated: r.10,
            address: r.11,
            latitude: r.12,
            longitude: r.13,
            address_id: r.14,
            media_url: r.15,
            expected: r.16,
            status_notes: notes.get(&r.0).cloned(),
        })
        .collect())
}

/// Every policy's resolution target, and its per-priority ones.
pub struct ResolutionTargets {
    policies: HashMap<i64, i32>,
    by_priority: HashMap<(i64, String), i32>,
}

impl ResolutionTargets {
    pub fn minutes(&self, policy_id: i64, priority: Priority) -> Option<i32> {
        self.by_priority
            .get(&(policy_id, priority.as_str().to_string()))
            .or_else(|| self.policies.get(&policy_id))
            .copied()
    }
}

/// The SLA policies' resolution targets (small tables: read whole).
pub fn resolution_targets(conn: &mut PgConnection) -> QueryResult<ResolutionTargets> {
    let policies = sla_policies::table
        .select((sla_policies::id, sla_policies::resolution_minutes))
        .load::<(i64, i32)>(conn)?
        .into_iter()
        .collect();
    let by_priority = sla_policy_targets::table
        .select((
            sla_policy_targets::policy_id,
            sla_policy_targets::priority,
            sla_policy_targets::resolution_minutes,
        ))
        .load::<(i64, String, i32)>(conn)?
        .into_iter()
        .map(|(p, pr, m)| ((p, pr), m))
        .collect();
    Ok(ResolutionTargets {
        policies,
        by_priority,
    })
}

/// The request an Open311 token stands for: `(service_request_id, token)`.
pub fn token(conn: &mut PgConnection, token: &str) -> QueryResult<Option<(String, String)>> {
    let token = token.trim().to_ascii_lowercase();
    if token.len() != 32 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    open311_requests::table
        .inner_join(tickets::table)
        .filter(open311_requests::token.eq(token))
        .select((tickets::reference, open311_requests::token))
        .first(conn)
        .optional()
}

/// Timeline events that are updates to a 311 app: what staff told the
/// citizen, and the changes of status the citizen sees.
pub const UPDATE_KINDS: [&str; 5] = [
    "public_reply",
    "acknowledged",
    "status_changed",
    "merged_into",
    "withdrawn",
];

/// A public update on a request.
#[derive(Debug, Clone, QueryableByName)]
pub struct Update {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub reference: String,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Text)]
    pub body: String,
    #[diesel(sql_type = Jsonb)]
    pub data: serde_json::Value,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    /// The ticket's status once this update applied (`new` when nothing had
    /// changed it yet).
    #[diesel(sql_type = Nullable<Text>)]
    pub status_after: Option<String>,
}

impl Update {
    pub fn status(&self) -> TicketStatus {
        self.status_after
            .as_deref()
            .and_then(|s| s.parse().ok())
            .unwrap_or(TicketStatus::New)
    }
}

/// Updates made from `from` to `to` (inclusive), oldest first, at most `limit`.
pub fn updates(
    conn: &mut PgConnection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    limit: i64,
) -> QueryResult<Vec<Update>> {
    // The status after each update is the `to` of the latest event up to it
    // that changed the status (only these change open to closed and back).
    diesel::sql_query(
        "SELECT e.id, t.reference, e.kind, e.body, e.data, e.created_at, \
           (SELECT s.data->>'to' FROM ticket_events s \
             WHERE s.ticket_id = e.ticket_id AND s.id <= e.id \
               AND s.kind IN ('status_changed', 'merged_into', 'withdrawn') \
             ORDER BY s.id DESC LIMIT 1) AS status_after \
         FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id \
         WHERE e.public AND e.kind = ANY($1) AND e.created_at BETWEEN $2 AND $3 \
         ORDER BY e.created_at, e.id LIMIT $4",
    )
    .bind::<diesel::sql_types::Array<Text>, _>(UPDATE_KINDS.to_vec())
    .bind::<Timestamptz, _>(from)
    .bind::<Timestamptz, _>(to)
    .bind::<BigInt, _>(limit)
    .load(conn)
}
