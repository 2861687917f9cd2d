//! Staff ticket lists: what a queue or a search asks for, parsed from the query
//! string into a [`ListQuery`] (a [`TicketFilter`] plus queue, sort and cursor),
//! and turned into `tickets::table.into_boxed()` with one `.filter` per
//! present field. Every query starts from a [`Scope`], which only a staff
//! member who works tickets has, so no list can leave it out.
//!
//! The named fragments (`Ticket::open()`, `Ticket::in_scope(..)`, ...) are
//! shared by the lists, the per-queue counts and (later) reports, so "open" or
//! "mine" means the same everywhere.

use std::fmt;

use base64::Engine;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use diesel::dsl::sql;
use diesel::expression::BoxableExpression;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Float, Nullable, Text};

use crate::auth::policy::Staff;
use crate::db::models::ticket::Ticket;
use crate::domain::new_ticket::PhoneNumber;
use crate::domain::priority::Priority;
use crate::domain::reference::normalise_reference;
use crate::domain::ticket::Channel;
use crate::domain::ticket_kind::TicketKind;
use crate::domain::ticket_status::TicketStatus;
use crate::schema::{areas, categories, departments, tickets};

/// A condition on a ticket row.
pub type Predicate = Box<dyn BoxableExpression<tickets::table, Pg, SqlType = Bool>>;
/// A search score of a ticket row.
pub type Score = Box<dyn BoxableExpression<tickets::table, Pg, SqlType = Float>>;

/// Rows per page of a list.
pub const PAGE_SIZE: i64 = 50;
/// The longest search text accepted.
pub const Q_MAX: usize = 200;
/// "Recently updated": changed within this many hours.
pub const RECENT_HOURS: i64 = 24;

/// The tickets a staff member may list: their departments' and those assigned
/// to them. Only [`Scope::of`] makes one, and leaders and admins get none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    departments: Vec<i64>,
    user_id: i64,
}

impl Scope {
    pub fn of(staff: &Staff) -> Option<Self> {
        staff.ticket_scope().map(|(departments, user_id)| Self {
            departments,
            user_id,
        })
    }

    pub fn user_id(&self) -> i64 {
        self.user_id
    }

    pub fn departments(&self) -> &[i64] {
        &self.departments
    }
}

/// Search text, with what it may also be: a reference ("cd 2026 4217") or a
/// phone number ("01632 960 001"), each matched exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextQuery {
    pub text: String,
    pub reference: Option<String>,
    pub phone: Option<String>,
}

impl TextQuery {
    pub fn new(text: &str) -> Self {
        let text = text.trim().to_string();
        let looks_like_phone =
            text.chars().any(|c| c.is_ascii_digit()) && !text.chars().any(|c| c.is_alphabetic());
        Self {
            reference: normalise_reference(&text),
            phone: looks_like_phone
                .then(|| PhoneNumber::parse(&text).ok())
                .flatten()
                .map(|p| p.as_str().to_string()),
            text,
        }
    }
}

/// At most this many citizens' ids go into a search's condition; a search
/// matching more of them (a common first name) falls back to a sub-select.
pub const CONTACT_IDS_MAX: i64 = 2000;

/// The citizens a search matches by name, email or phone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchingContacts {
    /// At most [`CONTACT_IDS_MAX`] of them.
    pub ids: Vec<i64>,
    /// Whether `ids` holds every one.
    pub complete: bool,
}

impl TextQuery {
    /// The citizens whose name, email or phone match (through the contacts'
    /// search index and phone index).
    pub fn contacts(&self, conn: &mut PgConnection) -> QueryResult<MatchingContacts> {
        use crate::schema::contacts;
        let mut ids: Vec<i64> = contacts::table
            .filter(
                sql::<Bool>("contacts.search @@ websearch_to_tsquery('simple', ")
                    .bind::<Text, _>(self.text.clone())
                    .sql(") OR contacts.phone = ")
                    .bind::<Nullable<Text>, _>(self.phone.clone())
                    .sql(""),
            )
            .select(contacts::id)
            .limit(CONTACT_IDS_MAX + 1)
            .load(conn)?;
        let complete = ids.len() as i64 <= CONTACT_IDS_MAX;
        ids.truncate(CONTACT_IDS_MAX as usize);
        Ok(MatchingContacts { ids, complete })
    }
}

/// Makes a hand-written SQL fragment (a type with its own `QueryFragment`) a
/// condition on a ticket row, usable wherever a [`Predicate`] is.
macro_rules! ticket_condition {
    ($t:ty) => {
        impl diesel::expression::Expression for $t {
            type SqlType = Bool;
        }

        impl diesel::expression::ValidGrouping<()> for $t {
            type IsAggregate = diesel::expression::is_aggregate::Never;
        }

        impl diesel::expression::AppearsOnTable<tickets::table> for $t {}
        impl diesel::expression::SelectableExpression<tickets::table> for $t {}
    };
}

/// `tickets.status [NOT] IN ('a', 'b')` written as constant SQL, not as a
/// bound array. A bound `status = ANY($1)` is what PostgreSQL's generic plan of
/// a cached statement sees, and from it the planner cannot prove that the
/// open-ticket partial indexes (`WHERE status NOT IN ('resolved', 'closed')`)
/// apply, so after five runs a queue count read every ticket's row (see
/// BENCHMARKS.md). The values come from [`TicketStatus`], never from input,
/// and unlike diesel's `sql()` literal this keeps the statement cacheable.
#[derive(Debug, Clone, diesel::QueryId)]
pub struct StatusIn {
    statuses: Vec<TicketStatus>,
    negated: bool,
}

impl StatusIn {
    pub fn any(statuses: Vec<TicketStatus>) -> Self {
        Self {
            statuses,
            negated: false,
        }
    }

    pub fn none_of(statuses: Vec<TicketStatus>) -> Self {
        Self {
            statuses,
            negated: true,
        }
    }
}

ticket_condition!(StatusIn);

impl diesel::query_builder::QueryFragment<Pg> for StatusIn {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, Pg>,
    ) -> QueryResult<()> {
        if self.statuses.is_empty() {
            // IN () is not SQL: nothing matches, everything is "none of".
            out.push_sql(if self.negated { "TRUE" } else { "FALSE" });
            return Ok(());
        }
        out.push_sql("tickets.status ");
        out.push_sql(if self.negated { "NOT IN (" } else { "IN (" });
        for (i, status) in self.statuses.iter().enumerate() {
            if i > 0 {
                out.push_sql(", ");
            }
            out.push_sql("'");
            out.push_sql(status.as_str());
            out.push_sql("'");
        }
        out.push_sql(")");
        Ok(())
    }
}

/// `(tickets.updated_at, tickets.id) < ($1, $2)` (or `created_at`): the rows
/// after a keyset cursor in a newest-first list, as one row comparison.
/// Written as `t < $1 OR (t = $1 AND id < $2)` the same condition is no index
/// range, so page eleven walked the index from its top through the ten pages
/// before it; as a row comparison the walk starts at the cursor.
#[derive(Debug, Clone, diesel::QueryId)]
pub struct RowsBefore {
    column: TimeColumn,
    at: DateTime<Utc>,
    id: i64,
}

/// Which time a newest-first list is ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, diesel::QueryId)]
pub enum TimeColumn {
    Updated,
    Created,
}

impl RowsBefore {
    pub fn new(column: TimeColumn, at: DateTime<Utc>, id: i64) -> Self {
        Self { column, at, id }
    }
}

ticket_condition!(RowsBefore);

impl diesel::query_builder::QueryFragment<Pg> for RowsBefore {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, Pg>,
    ) -> QueryResult<()> {
        out.push_sql(match self.column {
            TimeColumn::Updated => "(tickets.updated_at, tickets.id) < (",
            TimeColumn::Created => "(tickets.created_at, tickets.id) < (",
        });
        out.push_bind_param::<diesel::sql_types::Timestamptz, _>(&self.at)?;
        out.push_sql(", ");
        out.push_bind_param::<diesel::sql_types::BigInt, _>(&self.id)?;
        out.push_sql(")");
        Ok(())
    }
}

/// The named fragments of ticket queries. They live here, beside the filter
/// that combines them, so the model file stays about rows.
impl Ticket {
    /// In the staff member's departments, or assigned to them.
    pub fn in_scope(scope: &Scope) -> Predicate {
        // `assignee_id = $1` is NULL for unassigned tickets: false in WHERE and
        // FILTER, which is what is meant (never negate this fragment).
        Box::new(
            tickets::department_id
                .eq_any(scope.departments.clone())
                .or(tickets::assignee_id.eq(scope.user_id))
                .assume_not_null(),
        )
    }

    /// Neither resolved nor closed.
    pub fn open() -> Predicate {
        Box::new(StatusIn::none_of(vec![
            TicketStatus::Resolved,
            TicketStatus::Closed,
        ]))
    }

    pub fn assigned_to(user_id: i64) -> Predicate {
        Box::new(tickets::assignee_id.eq(user_id).assume_not_null())
    }

    pub fn unassigned() -> Predicate {
        Box::new(tickets::assignee_id.is_null())
    }

    pub fn in_departments(ids: Vec<i64>) -> Predicate {
        Box::new(tickets::department_id.eq_any(ids))
    }

    pub fn waiting_on_citizen() -> Predicate {
        Box::new(StatusIn::any(vec![TicketStatus::WaitingOnCitizen]))
    }

    /// A running SLA clock falls due at or before `at` (overdue when `at` is now).
    pub fn due_by(at: DateTime<Utc>) -> Predicate {
        // NULL (no running clock) is false in WHERE and FILTER, as meant.
        Box::new(tickets::sla_due_at.le(at).assume_not_null())
    }

    /// The earliest running SLA clock falls due after `at`.
    pub fn due_after(at: DateTime<Utc>) -> Predicate {
        Box::new(tickets::sla_due_at.gt(at).assume_not_null())
    }

    pub fn updated_since(at: DateTime<Utc>) -> Predicate {
        Box::new(tickets::updated_at.ge(at))
    }

    /// The citizen wrote and no one has answered yet.
    pub fn citizen_replied() -> Predicate {
        Box::new(tickets::awaiting_staff_since.is_not_null())
    }

    /// Full text over the ticket (reference, subject, description) and its
    /// citizen (name, email, phone), or exactly its reference or phone. The
    /// citizens are found first ([`TextQuery::contacts`]), so each branch of
    /// the OR has an index (words, citizen, reference) and PostgreSQL ORs the
    /// three bitmaps; as a sub-select on contacts it read every ticket in
    /// scope (half a second at a million tickets, see BENCHMARKS.md).
    pub fn matching_text(q: &TextQuery, contacts: &MatchingContacts) -> Predicate {
        let mut out = Ticket::text_matches(q);
        if !contacts.complete {
            // Too many citizens to list: the exact, slower form.
            out = Box::new(
                out.or(sql::<Bool>(
                    "tickets.contact_id IN (SELECT c.id FROM contacts c WHERE c.search @@ websearch_to_tsquery('simple', ",
                )
                .bind::<Text, _>(q.text.clone())
                .sql(") OR c.phone = ")
                .bind::<Nullable<Text>, _>(q.phone.clone())
                .sql(")")),
            );
        } else if !contacts.ids.is_empty() {
            out = Box::new(out.or(tickets::contact_id.eq_any(contacts.ids.clone())));
        }
        if let Some(reference) = &q.reference {
            out = Box::new(out.or(tickets::reference.eq(reference.clone())));
        }
        out
    }

    /// The full-text half of [`Ticket::matching_text`]: the ticket's own words.
    pub fn text_matches(q: &TextQuery) -> Predicate {
        Box::new(
            sql::<Bool>("tickets.search @@ websearch_to_tsquery('simple', ")
                .bind::<Text, _>(q.text.clone())
                .sql(")"),
        )
    }

    /// How well a ticket matches: `ts_rank` over the ticket (subject weighs
    /// more than description) plus its citizen's, and far above everything the
    /// ticket whose reference was typed.
    pub fn relevance(q: &TextQuery) -> Score {
        Box::new(
            sql::<Float>("(ts_rank(tickets.search, websearch_to_tsquery('simple', ")
                .bind::<Text, _>(q.text.clone())
                .sql(")) + coalesce((SELECT ts_rank(c.search, websearch_to_tsquery('simple', ")
                .bind::<Text, _>(q.text.clone())
                .sql(")) + CASE WHEN c.phone = ")
                .bind::<Nullable<Text>, _>(q.phone.clone())
                .sql(" THEN 0.5 ELSE 0 END FROM contacts c WHERE c.id = tickets.contact_id), 0) + CASE WHEN tickets.reference = ")
                .bind::<Nullable<Text>, _>(q.reference.clone())
                .sql(" THEN 1000 ELSE 0 END)::real"),
        )
    }
}

/// Everything true of no row in particular (an empty AND).
fn always() -> Predicate {
    Box::new(sql::<Bool>("TRUE"))
}

/// All the predicates, ANDed into one (for counts).
pub fn all_of(predicates: Vec<Predicate>) -> Predicate {
    predicates
        .into_iter()
        .reduce(|a, b| Box::new(a.and(b)))
        .unwrap_or_else(always)
}

/// Whose tickets: mine, nobody's, or a colleague's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssigneeFilter {
    Me,
    Nobody,
    User(i64),
}

/// Which area's tickets: one area (by code, retired ones too), or those in none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AreaFilter {
    Code(String),
    /// Placed in no area ("unknown"): no coordinates, or outside every area.
    Nowhere,
}

/// When a list is made, and how near a due instant counts as "due soon"
/// (`sla.due_soon_minutes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct At {
    pub now: DateTime<Utc>,
    pub due_soon: Duration,
}

/// The named queues of the back office.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Queue {
    /// Everything in scope (the filtered list).
    #[default]
    All,
    /// Open and assigned to me.
    Mine,
    /// Open, in my departments, assigned to nobody.
    Unassigned,
    /// Waiting on the citizen.
    Waiting,
    /// Updated in the last [`RECENT_HOURS`] hours.
    Recent,
    /// An SLA clock falls due within `sla.due_soon_minutes` (not yet overdue).
    DueSoon,
    /// An SLA clock passed its target.
    Overdue,
}

impl Queue {
    pub const NAMED: [Queue; 6] = [
        Self::Mine,
        Self::Unassigned,
        Self::Waiting,
        Self::Recent,
        Self::DueSoon,
        Self::Overdue,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Mine => "mine",
            Self::Unassigned => "unassigned",
            Self::Waiting => "waiting",
            Self::Recent => "recent",
            Self::DueSoon => "due_soon",
            Self::Overdue => "overdue",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [
            Self::All,
            Self::Mine,
            Self::Unassigned,
            Self::Waiting,
            Self::Recent,
            Self::DueSoon,
            Self::Overdue,
        ]
        .into_iter()
        .find(|q| q.as_str() == s)
    }

    /// The queue's conditions, on top of the scope.
    pub fn predicates(self, scope: &Scope, at: At) -> Vec<Predicate> {
        let now = at.now;
        match self {
            Self::All => vec![],
            Self::Mine => vec![Ticket::assigned_to(scope.user_id), Ticket::open()],
            Self::Unassigned => vec![
                Ticket::in_departments(scope.departments.clone()),
                Ticket::unassigned(),
                Ticket::open(),
            ],
            Self::Waiting => vec![Ticket::waiting_on_citizen()],
            Self::Recent => vec![Ticket::updated_since(now - Duration::hours(RECENT_HOURS))],
            Self::DueSoon => vec![Ticket::due_after(now), Ticket::due_by(now + at.due_soon)],
            Self::Overdue => vec![Ticket::due_by(now)],
        }
    }
}

/// The order of a list. Keyset pagination follows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    /// Most recently updated first (the default).
    Updated,
    /// Newest first.
    Created,
    /// Best match first (searches only; their default).
    Relevance,
    /// Earliest SLA due instant first; tickets with no running clock last.
    Due,
}

impl Sort {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Updated => "updated",
            Self::Created => "created",
            Self::Relevance => "relevance",
            Self::Due => "due",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [Self::Updated, Self::Created, Self::Relevance, Self::Due]
            .into_iter()
            .find(|x| x.as_str() == s)
    }

    fn tag(self) -> char {
        match self {
            Self::Updated => 'u',
            Self::Created => 'c',
            Self::Relevance => 'r',
            Self::Due => 'd',
        }
    }
}

/// Where the next page starts: the last row's sort key and id. Opaque to
/// clients (base64); new tickets arriving at the top do not move it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cursor {
    pub sort: Sort,
    pub key: CursorKey,
    pub id: i64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CursorKey {
    Time(DateTime<Utc>),
    /// The exact `real` score, kept bit for bit.
    Rank(f32),
    /// The due instant; `None` once the list reached tickets without one.
    Due(Option<DateTime<Utc>>),
}

impl Cursor {
    pub fn encode(&self) -> String {
        let key = match self.key {
            CursorKey::Time(t) => t.timestamp_micros().to_string(),
            CursorKey::Rank(r) => r.to_bits().to_string(),
            CursorKey::Due(Some(t)) => t.timestamp_micros().to_string(),
            CursorKey::Due(None) => "-".to_string(),
        };
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!(
            "{}:{key}:{}",
            self.sort.tag(),
            self.id
        ))
    }

    pub fn decode(s: &str) -> Option<Self> {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(s.trim())
            .ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let mut parts = text.split(':');
        let (tag, key, id) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let id: i64 = id.parse().ok()?;
        let (sort, key) = match tag {
            "u" | "c" => (
                if tag == "u" {
                    Sort::Updated
                } else {
                    Sort::Created
                },
                CursorKey::Time(DateTime::from_timestamp_micros(key.parse().ok()?)?),
            ),
            "r" => (
                Sort::Relevance,
                CursorKey::Rank(f32::from_bits(key.parse().ok()?)),
            ),
            "d" if key == "-" => (Sort::Due, CursorKey::Due(None)),
            "d" => (
                Sort::Due,
                CursorKey::Due(Some(DateTime::from_timestamp_micros(key.parse().ok()?)?)),
            ),
            _ => return None,
        };
        Some(Self { sort, key, id })
    }
}

/// Why a list's parameters were refused (a 400).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterError {
    /// A parameter no list takes.
    Unknown { name: String },
    /// A value that cannot be: `expected` says what can.
    Invalid {
        field: &'static str,
        value: String,
        expected: String,
    },
    /// A single-valued parameter given twice.
    Repeated { field: &'static str },
    /// Longer than `max` characters. The value is not repeated: search text
    /// may be a citizen's email or phone, and errors are logged.
    TooLong { field: &'static str, max: usize },
    /// `created_from` after `created_to`.
    DatesReversed,
    /// The cursor was not one of ours, or belongs to another order.
    BadCursor,
}

impl FilterError {
    fn invalid(field: &'static str, value: &str, expected: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            value: value.chars().take(80).collect(),
            expected: expected.into(),
        }
    }

    /// The field concerned, if one.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Unknown { name } => Some(name),
            Self::Invalid { field, .. }
            | Self::Repeated { field }
            | Self::TooLong { field, .. } => Some(field),
            Self::DatesReversed => Some("created_from"),
            Self::BadCursor => Some("cursor"),
        }
    }
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unknown { name } => write!(
                f,
                "`{name}` is not a parameter of ticket lists; use status, kind, category, \
                 priority, channel, assignee, department, area, created_from, created_to, q, \
                 queue, sort or cursor"
            ),
            Self::Invalid {
                field,
                value,
                expected,
            } => write!(f, "`{field}` cannot be `{value}`: {expected}"),
            Self::Repeated { field } => write!(f, "give `{field}` at most once"),
            Self::TooLong { field, max } => write!(f, "`{field}` must be at most {max} characters"),
            Self::DatesReversed => f.write_str("`created_from` is after `created_to`"),
            Self::BadCursor => f.write_str(
                "`cursor` is not valid here: pass back a `next_cursor` unchanged, with the same sort",
            ),
        }
    }
}

impl std::error::Error for FilterError {}

/// What a list shows, field by field; empty fields filter nothing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TicketFilter {
    /// Any of these statuses.
    pub statuses: Vec<TicketStatus>,
    pub kind: Option<TicketKind>,
    /// A category's code (slug).
    pub category: Option<String>,
    pub priority: Option<Priority>,
    pub channel: Option<Channel>,
    pub assignee: Option<AssigneeFilter>,
    /// A department's slug.
    pub department: Option<String>,
    pub area: Option<AreaFilter>,
    /// Created on or after this day, in the council's time zone.
    pub created_from: Option<NaiveDate>,
    /// Created on or before this day, in the council's time zone.
    pub created_to: Option<NaiveDate>,
    pub q: Option<String>,
}

/// A list request: the filter, the queue it narrows, the order and the page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListQuery {
    pub queue: Queue,
    pub filter: TicketFilter,
    /// `None`: relevance when searching, else most recently updated.
    pub sort: Option<Sort>,
    pub cursor: Option<Cursor>,
}

fn one_of<T: Copy>(all: &[T], name: impl Fn(T) -> &'static str) -> String {
    let names: Vec<&str> = all.iter().map(|v| name(*v)).collect();
    format!("use one of {}", names.join(", "))
}

fn set_once<T>(slot: &mut Option<T>, field: &'static str, value: T) -> Result<(), FilterError> {
    if slot.is_some() {
        return Err(FilterError::Repeated { field });
    }
    *slot = Some(value);
    Ok(())
}

fn parse_date(field: &'static str, v: &str) -> Result<NaiveDate, FilterError> {
    NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .map_err(|_| FilterError::invalid(field, v, "use a date such as 2026-11-22"))
}

impl ListQuery {
    /// Parses `key=value` pairs (a query string's). Empty values are ignored,
    /// so a GET form's blank fields filter nothing; `status` may repeat or
    /// hold a comma-separated list.
    pub fn from_pairs<I, K, V>(pairs: I) -> Result<Self, FilterError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut out = ListQuery::default();
        let (mut queue, mut sort, mut cursor) = (None, None, None);
        let f = &mut out.filter;
        for (k, v) in pairs {
            let (k, v) = (k.as_ref(), v.as_ref().trim());
            if v.is_empty() {
                if !KNOWN.contains(&k) {
                    return Err(FilterError::Unknown {
                        name: k.chars().take(40).collect(),
                    });
                }
                continue;
            }
            match k {
                "status" => {
                    for s in v.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                        let status = TicketStatus::ALL
                            .into_iter()
                            .find(|x| x.as_str() == s)
                            .ok_or_else(|| {
                                FilterError::invalid(
                                    "status",
                                    s,
                                    one_of(&TicketStatus::ALL, TicketStatus::as_str),
                                )
                            })?;
                        if !f.statuses.contains(&status) {
                            f.statuses.push(status);
                        }
                    }
                }
                "kind" => {
                    let kind = v.parse::<TicketKind>().map_err(|_| {
                        FilterError::invalid(
                            "kind",
                            v,
                            one_of(&TicketKind::ALL, TicketKind::as_str),
                        )
                    })?;
                    set_once(&mut f.kind, "kind", kind)?;
                }
                "priority" => {
                    let p = v.parse::<Priority>().map_err(|_| {
                        FilterError::invalid(
                            "priority",
                            v,
                            one_of(&Priority::ALL, Priority::as_str),
                        )
                    })?;
                    set_once(&mut f.priority, "priority", p)?;
                }
                "channel" => {
                    let c = v.parse::<Channel>().map_err(|_| {
                        FilterError::invalid("channel", v, one_of(Channel::ALL, Channel::as_str))
                    })?;
                    set_once(&mut f.channel, "channel", c)?;
                }
                "assignee" => {
                    let a = match v {
                        "me" => AssigneeFilter::Me,
                        "none" => AssigneeFilter::Nobody,
                        id => id
                            .parse::<i64>()
                            .ok()
                            .filter(|id| *id > 0)
                            .map(AssigneeFilter::User)
                            .ok_or_else(|| {
                                FilterError::invalid("assignee", v, "use me, none or a user id")
                            })?,
                    };
                    set_once(&mut f.assignee, "assignee", a)?;
                }
                "category" | "department" => {
                    let slug_like = v.len() <= 60
                        && v.chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
                    let field = if k == "category" {
                        "category"
                    } else {
                        "department"
                    };
                    if !slug_like {
                        return Err(FilterError::invalid(
                            field,
                            v,
                            format!("use a {field} code such as roads"),
                        ));
                    }
                    let slot = if k == "category" {
                        &mut f.category
                    } else {
                        &mut f.department
                    };
                    set_once(slot, field, v.to_string())?;
                }
                "area" => {
                    let a = match v {
                        "none" => AreaFilter::Nowhere,
                        code if code.chars().count() <= 100
                            && !code.chars().any(char::is_control) =>
                        {
                            AreaFilter::Code(code.to_string())
                        }
                        _ => {
                            return Err(FilterError::invalid(
                                "area",
                                v,
                                "use an area's code, or none for tickets in no area",
                            ))
                        }
                    };
                    set_once(&mut f.area, "area", a)?;
                }
                "created_from" => {
                    let d = parse_date("created_from", v)?;
                    set_once(&mut f.created_from, "created_from", d)?;
                }
                "created_to" => {
                    let d = parse_date("created_to", v)?;
                    set_once(&mut f.created_to, "created_to", d)?;
                }
                "q" => {
                    if v.chars().count() > Q_MAX {
                        return Err(FilterError::TooLong {
                            field: "q",
                            max: Q_MAX,
                        });
                    }
                    set_once(&mut f.q, "q", v.to_string())?;
                }
                "queue" => {
                    let q = Queue::parse(v).ok_or_else(|| {
                        FilterError::invalid(
                            "queue",
                            v,
                            "use all, mine, unassigned, waiting or recent",
                        )
                    })?;
                    set_once(&mut queue, "queue", q)?;
                }
                "sort" => {
                    let s = Sort::parse(v).ok_or_else(|| {
                        FilterError::invalid("sort", v, "use updated, created or relevance")
                    })?;
                    set_once(&mut sort, "sort", s)?;
                }
                "cursor" => {
                    let c = Cursor::decode(v).ok_or(FilterError::BadCursor)?;
                    set_once(&mut cursor, "cursor", c)?;
                }
                other => {
                    return Err(FilterError::Unknown {
                        name: other.chars().take(40).collect(),
                    })
                }
            }
        }
        if let (Some(from), Some(to)) = (f.created_from, f.created_to) {
            if from > to {
                return Err(FilterError::DatesReversed);
            }
        }
        if sort == Some(Sort::Relevance) && f.q.is_none() {
            return Err(FilterError::invalid(
                "sort",
                "relevance",
                "relevance needs a search (q); use updated or created",
            ));
        }
        out.queue = queue.unwrap_or_default();
        out.sort = sort;
        out.cursor = cursor;
        if let Some(c) = out.cursor {
            if c.sort != out.sort() {
                return Err(FilterError::BadCursor);
            }
        }
        Ok(out)
    }

    /// Parses a raw query string (`a=1&b=2`).
    pub fn from_query_string(query: &str) -> Result<Self, FilterError> {
        Self::from_pairs(url::form_urlencoded::parse(query.as_bytes()))
    }

    /// The order in effect.
    pub fn sort(&self) -> Sort {
        self.sort.unwrap_or(if self.filter.q.is_some() {
            Sort::Relevance
        } else {
            Sort::Updated
        })
    }

    /// The query-string pairs that reproduce this list (without the cursor),
    /// for links and the next page.
    pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
        let f = &self.filter;
        let mut out: Vec<(&'static str, String)> = Vec::new();
        if self.queue != Queue::All {
            out.push(("queue", self.queue.as_str().into()));
        }
        for s in &f.statuses {
            out.push(("status", s.as_str().into()));
        }
        let mut push = |k: &'static str, v: Option<String>| {
            if let Some(v) = v {
                out.push((k, v));
            }
        };
        push("kind", f.kind.map(|k| k.as_str().into()));
        push("category", f.category.clone());
        push("priority", f.priority.map(|p| p.as_str().into()));
        push("channel", f.channel.map(|c| c.as_str().into()));
        push(
            "assignee",
            f.assignee.map(|a| match a {
                AssigneeFilter::Me => "me".into(),
                AssigneeFilter::Nobody => "none".into(),
                AssigneeFilter::User(id) => id.to_string(),
            }),
        );
        push("department", f.department.clone());
        push(
            "area",
            f.area.as_ref().map(|a| match a {
                AreaFilter::Code(code) => code.clone(),
                AreaFilter::Nowhere => "none".into(),
            }),
        );
        push("created_from", f.created_from.map(|d| d.to_string()));
        push("created_to", f.created_to.map(|d| d.to_string()));
        push("q", f.q.clone());
        push("sort", self.sort.map(|s| s.as_str().into()));
        out
    }

    /// `a=1&b=2` for these pairs plus `extra`.
    pub fn query_string(&self, extra: &[(&str, &str)]) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in self.to_pairs() {
            s.append_pair(k, &v);
        }
        for (k, v) in extra {
            s.append_pair(k, v);
        }
        s.finish()
    }
}

const KNOWN: [&str; 14] = [
    "status",
    "kind",
    "category",
    "priority",
    "channel",
    "assignee",
    "department",
    "area",
    "created_from",
    "created_to",
    "q",
    "queue",
    "sort",
    "cursor",
];

/// `web::Query<ListQuery>` works too: repeated keys (`status=new&status=triaged`)
/// are collected rather than refused, and bad values are serde errors with
/// the same messages (the API turns them into 400 `bad_query`).
impl<'de> serde::Deserialize<'de> for ListQuery {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Pairs;
        impl<'de> serde::de::Visitor<'de> for Pairs {
            type Value = Vec<(String, String)>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("query parameters")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(pair) = map.next_entry::<String, String>()? {
                    out.push(pair);
                }
                Ok(out)
            }
        }
        let pairs = d.deserialize_map(Pairs)?;
        ListQuery::from_pairs(pairs).map_err(serde::de::Error::custom)
    }
}

/// The first instant of `date` in `zone` (the next existing one if midnight
/// falls in a daylight-saving gap).
pub fn start_of_day(date: NaiveDate, zone: chrono_tz::Tz) -> DateTime<Utc> {
    let midnight = date.and_hms_opt(0, 0, 0).expect("midnight exists");
    for minutes in (0..=180).step_by(15) {
        if let Some(t) = zone
            .from_local_datetime(&(midnight + Duration::minutes(minutes)))
            .earliest()
        {
            return t.with_timezone(&Utc);
        }
    }
    midnight.and_utc()
}

impl TicketFilter {
    /// Looks up what the filter names (category, department and area codes,
    /// the citizens a text matches), once per request: the list, its counts
    /// and a search's candidates then build their conditions from the answer
    /// without asking again. An unknown code is a bad value, not an empty list.
    pub fn resolve(&self, conn: &mut PgConnection) -> Result<ResolvedFilter, ListError> {
        let category_id = self
            .category
            .as_deref()
            .map(|slug| {
                let found = categories::table
                    .filter(categories::slug.eq(slug))
                    .select(categories::id)
                    .first(conn)
                    .optional()?;
                known(found, "category", slug)
            })
            .transpose()?;
        let department_id = self
            .department
            .as_deref()
            .map(|slug| {
                let found = departments::table
                    .filter(departments::slug.eq(slug))
                    .select(departments::id)
                    .first(conn)
                    .optional()?;
                known(found, "department", slug)
            })
            .transpose()?;
        let area_id = match &self.area {
            Some(AreaFilter::Code(code)) => {
                let found = areas::table
                    .filter(areas::code.eq(code))
                    .select(areas::id)
                    .first(conn)
                    .optional()?;
                Some(known(found, "area", code)?)
            }
            _ => None,
        };
        let text = match &self.q {
            Some(q) => {
                let text = TextQuery::new(q);
                let contacts = text.contacts(conn)?;
                Some((text, contacts))
            }
            None => None,
        };
        Ok(ResolvedFilter {
            filter: self.clone(),
            category_id,
            department_id,
            area_id,
            text,
        })
    }
}

/// The id a filter's code named, or why the code is a bad value.
fn known(found: Option<i64>, field: &'static str, code: &str) -> Result<i64, ListError> {
    found.ok_or_else(|| {
        FilterError::invalid(field, code, format!("no {field} has this code")).into()
    })
}

/// A [`TicketFilter`] with its codes and citizens looked up: its conditions
/// can be made as often as needed without the database.
#[derive(Debug, Clone)]
pub struct ResolvedFilter {
    filter: TicketFilter,
    category_id: Option<i64>,
    department_id: Option<i64>,
    area_id: Option<i64>,
    text: Option<(TextQuery, MatchingContacts)>,
}

impl ResolvedFilter {
    /// The search text, if any.
    pub fn text(&self) -> Option<&TextQuery> {
        self.text.as_ref().map(|(t, _)| t)
    }

    /// The citizens the search text matches, if there is one.
    pub fn contacts(&self) -> Option<&MatchingContacts> {
        self.text.as_ref().map(|(_, c)| c)
    }

    /// The same filter without its search text.
    pub fn without_text(&self) -> Self {
        Self {
            text: None,
            ..self.clone()
        }
    }

    /// One predicate per present field.
    pub fn predicates(&self, scope: &Scope, zone: chrono_tz::Tz) -> Vec<Predicate> {
        let f = &self.filter;
        let mut p: Vec<Predicate> = Vec::new();
        if !f.statuses.is_empty() {
            p.push(Box::new(StatusIn::any(f.statuses.clone())));
        }
        if let Some(kind) = f.kind {
            p.push(Box::new(tickets::kind.eq(kind)));
        }
        if let Some(id) = self.category_id {
            p.push(Box::new(tickets::category_id.eq(id)));
        }
        if let Some(priority) = f.priority {
            p.push(Box::new(tickets::priority.eq(priority)));
        }
        if let Some(channel) = f.channel {
            p.push(Box::new(tickets::channel.eq(channel)));
        }
        match f.assignee {
            Some(AssigneeFilter::Me) => p.push(Ticket::assigned_to(scope.user_id)),
            Some(AssigneeFilter::Nobody) => p.push(Ticket::unassigned()),
            Some(AssigneeFilter::User(id)) => p.push(Ticket::assigned_to(id)),
            None => {}
        }
        if let Some(id) = self.department_id {
            p.push(Box::new(tickets::department_id.eq(id)));
        }
        match (&f.area, self.area_id) {
            (Some(AreaFilter::Code(_)), Some(id)) => {
                p.push(Box::new(tickets::area_id.eq(id).assume_not_null()))
            }
            (Some(AreaFilter::Nowhere), _) => p.push(Box::new(tickets::area_id.is_null())),
            _ => {}
        }
        if let Some(from) = f.created_from {
            p.push(Box::new(tickets::created_at.ge(start_of_day(from, zone))));
        }
        if let Some(to) = f.created_to {
            let next = to.succ_opt().unwrap_or(to);
            p.push(Box::new(tickets::created_at.lt(start_of_day(next, zone))));
        }
        if let Some((text, contacts)) = &self.text {
            p.push(Ticket::matching_text(text, contacts));
        }
        p
    }

    /// `tickets::table.into_boxed()`, in scope, with one `.filter` per present field.
    pub fn make_query(
        &self,
        scope: &Scope,
        zone: chrono_tz::Tz,
    ) -> tickets::BoxedQuery<'static, Pg> {
        let mut query = tickets::table.into_boxed().filter(Ticket::in_scope(scope));
        for p in self.predicates(scope, zone) {
            query = query.filter(p);
        }
        query
    }
}

/// Why a list could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    #[error("{0}")]
    Filter(#[from] FilterError),
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The SQL of `SELECT id FROM tickets WHERE p`, with its binds.
    fn where_sql(p: Predicate) -> String {
        diesel::debug_query::<Pg, _>(&tickets::table.select(tickets::id).filter(p)).to_string()
    }

    #[test]
    fn a_cursor_is_one_row_comparison_an_index_can_start_from() {
        let at = Utc::now();
        let updated = where_sql(Box::new(RowsBefore::new(TimeColumn::Updated, at, 7)));
        assert!(
            updated.contains("(tickets.updated_at, tickets.id) < ($1, $2)"),
            "{updated}"
        );
        assert!(
            updated.contains("binds: [") && updated.contains(", 7"),
            "{updated}"
        );
        let created = where_sql(Box::new(RowsBefore::new(TimeColumn::Created, at, 7)));
        assert!(
            created.contains("(tickets.created_at, tickets.id) < ($1, $2)"),
            "{created}"
        );
    }

    #[test]
    fn status_conditions_are_constant_sql_the_partial_indexes_match() {
        let open = where_sql(Ticket::open());
        assert!(
            open.contains("tickets.status NOT IN ('resolved', 'closed')"),
            "{open}"
        );
        assert!(open.ends_with("-- binds: []"), "no bound values: {open}");
        let some = where_sql(Box::new(StatusIn::any(vec![
            TicketStatus::InProgress,
            TicketStatus::Assigned,
        ])));
        assert!(
            some.contains("tickets.status IN ('in_progress', 'assigned')"),
            "{some}"
        );
        assert!(where_sql(Box::new(StatusIn::any(vec![]))).contains("WHERE FALSE"));
        assert!(where_sql(Box::new(StatusIn::none_of(vec![]))).contains("WHERE TRUE"));
    }

    #[test]
    fn a_search_ors_words_citizens_and_reference_without_a_sub_select() {
        let contacts = |ids: Vec<i64>, complete| MatchingContacts { ids, complete };
        let text =
            |t: &str, c: MatchingContacts| where_sql(Ticket::matching_text(&TextQuery::new(t), &c));
        let sql = text("CD-2026-000042", contacts(vec![7, 9], true));
        assert!(sql.contains("\"tickets\".\"contact_id\" = ANY("), "{sql}");
        assert!(sql.contains("\"tickets\".\"reference\" = "), "{sql}");
        assert!(!sql.contains("SELECT c.id"), "{sql}");
        let sql = text("pothole", contacts(vec![], true));
        assert!(!sql.contains("contact_id"), "{sql}");
        let sql = text("smith", contacts(vec![1], false));
        assert!(sql.contains("SELECT c.id FROM contacts c"), "{sql}");
    }

    #[test]
    fn parses_every_field_and_repeats_statuses() {
        let q = ListQuery::from_query_string(
            "status=new&status=triaged,in_progress&kind=complaint&category=missed-bin\
             &priority=high&channel=phone&assignee=me&department=roads\
             &created_from=2026-11-01&created_to=2026-11-22&q=bin+lid&queue=mine&sort=created\
             &unused_blank=",
        );
        assert!(matches!(q, Err(FilterError::Unknown { .. })), "{q:?}");
        let q = ListQuery::from_query_string(
            "status=new&status=triaged,in_progress&kind=complaint&category=missed-bin\
             &priority=high&channel=phone&assignee=me&department=roads\
             &created_from=2026-11-01&created_to=2026-11-22&q=bin+lid&queue=mine&sort=created&kind=",
        )
        .unwrap();
        assert_eq!(
            q.filter.statuses,
            vec![
                TicketStatus::New,
                TicketStatus::Triaged,
                TicketStatus::InProgress
            ]
        );
        assert_eq!(q.filter.kind, Some(TicketKind::Complaint));
        assert_eq!(q.filter.assignee, Some(AssigneeFilter::Me));
        assert_eq!(q.filter.q.as_deref(), Some("bin lid"));
        assert_eq!(q.queue, Queue::Mine);
        assert_eq!(q.sort(), Sort::Created);
        // The pairs reproduce the query.
        let again = ListQuery::from_query_string(&q.query_string(&[])).unwrap();
        assert_eq!(again, q);
    }

    #[test]
    fn bad_values_say_what_is_expected() {
        for (query, field) in [
            ("status=open", "status"),
            ("kind=rant", "kind"),
            ("priority=URGENT", "priority"),
            ("channel=pigeon", "channel"),
            ("assignee=someone", "assignee"),
            ("assignee=-4", "assignee"),
            ("category=Not%20A%20Slug", "category"),
            ("created_from=22/11/2026", "created_from"),
            ("queue=everything", "queue"),
            ("sort=random", "sort"),
            ("sort=relevance", "sort"),
            ("kind=complaint&kind=inquiry", "kind"),
            (
                "created_from=2026-11-22&created_to=2026-11-01",
                "created_from",
            ),
            ("cursor=bm9wZQ", "cursor"),
            ("colour=red", "colour"),
        ] {
            let e = ListQuery::from_query_string(query).unwrap_err();
            assert_eq!(e.field(), Some(field), "{query}: {e}");
            assert!(!e.to_string().is_empty());
        }
        let long = format!("q=ada%40example.org{}", "x".repeat(Q_MAX));
        let e = ListQuery::from_query_string(&long).unwrap_err();
        assert_eq!(e.field(), Some("q"));
        assert!(
            !e.to_string().contains("ada"),
            "search text is never echoed: {e}"
        );
        let e = ListQuery::from_query_string("kind=rant")
            .unwrap_err()
            .to_string();
        assert!(e.contains("service_request") && e.contains("rant"), "{e}");
    }

    #[test]
    fn areas_are_named_by_code_or_none() {
        let q = ListQuery::from_query_string("area=E05000644").unwrap();
        assert_eq!(q.filter.area, Some(AreaFilter::Code("E05000644".into())));
        assert_eq!(
            ListQuery::from_query_string(&q.query_string(&[])).unwrap(),
            q
        );
        let q = ListQuery::from_query_string("area=none").unwrap();
        assert_eq!(q.filter.area, Some(AreaFilter::Nowhere));
        let e = ListQuery::from_query_string("area=a&area=b").unwrap_err();
        assert_eq!(e.field(), Some("area"));
        let long = format!("area={}", "x".repeat(101));
        assert_eq!(
            ListQuery::from_query_string(&long).unwrap_err().field(),
            Some("area")
        );
    }

    #[test]
    fn cursors_round_trip_and_must_match_the_sort() {
        let t = DateTime::from_timestamp_micros(1_790_000_000_123_456).unwrap();
        for c in [
            Cursor {
                sort: Sort::Updated,
                key: CursorKey::Time(t),
                id: 42,
            },
            Cursor {
                sort: Sort::Created,
                key: CursorKey::Time(t),
                id: 1,
            },
            Cursor {
                sort: Sort::Relevance,
                key: CursorKey::Rank(0.060_792_71),
                id: 7,
            },
        ] {
            assert_eq!(Cursor::decode(&c.encode()), Some(c));
        }
        let updated = Cursor {
            sort: Sort::Updated,
            key: CursorKey::Time(t),
            id: 42,
        }
        .encode();
        assert!(ListQuery::from_query_string(&format!("cursor={updated}")).is_ok());
        assert_eq!(
            ListQuery::from_query_string(&format!("cursor={updated}&sort=created")),
            Err(FilterError::BadCursor)
        );
        for junk in ["", "!!!", "dTo6", "eDoxOjI"] {
            assert_eq!(Cursor::decode(junk), None, "{junk}");
        }
    }

    #[test]
    fn days_are_cut_in_the_council_zone() {
        let d = NaiveDate::from_ymd_opt(2026, 7, 1).unwrap();
        // London is an hour ahead of UTC in summer.
        assert_eq!(
            start_of_day(d, chrono_tz::Europe::London).to_rfc3339(),
            "2026-06-30T23:00:00+00:00"
        );
        assert_eq!(
            start_of_day(d, chrono_tz::Asia::Tehran).to_rfc3339(),
            "2026-06-30T20:30:00+00:00"
        );
        // Midnight does not exist on a spring-forward day in Santiago.
        let gap = NaiveDate::from_ymd_opt(2026, 9, 6).unwrap();
        let t = start_of_day(gap, chrono_tz::America::Santiago);
        assert_eq!(
            t.with_timezone(&chrono_tz::America::Santiago).date_naive(),
            gap
        );
    }

    #[test]
    fn search_text_knows_references_and_phones() {
        let q = TextQuery::new(" cd 2026 4217 ");
        assert_eq!(q.reference.as_deref(), Some("CD-2026-004217"));
        assert_eq!(q.phone, None);
        let q = TextQuery::new("01632 960 001");
        assert_eq!(q.phone.as_deref(), Some("01632960001"));
        assert_eq!(TextQuery::new("pothole 12").phone, None);
    }
}
