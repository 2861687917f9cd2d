//! Queues and search: pages of tickets in a staff member's scope, newest
//! change first (or newest, or best match), keyset-paginated so tickets
//! arriving meanwhile neither repeat nor hide rows; and how many tickets each
//! queue holds, counted in one query.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::dsl::sql;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::Float;
use serde::Serialize;

use crate::db::capped_counts::CappedCounts;
use crate::db::filters::{
    At, Cursor, CursorKey, ListError, ListQuery, Predicate, Queue, ResolvedFilter, RowsBefore,
    Scope, Score, Sort, TextQuery, TimeColumn,
};
use crate::db::models::ticket::Ticket;
use crate::domain::priority::Priority;
use crate::domain::ticket::Channel;
use crate::domain::ticket_kind::TicketKind;
use crate::domain::ticket_status::TicketStatus;
use crate::schema::{categories, departments, tickets, users};
use crate::sla::display::Urgency;

/// The columns a list shows.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tickets, check_for_backend(Pg))]
pub struct QueueRow {
    pub id: i64,
    pub reference: String,
    pub subject: String,
    pub status: TicketStatus,
    pub priority: Priority,
    pub kind: TicketKind,
    pub channel: Channel,
    pub category_id: i64,
    pub department_id: i64,
    pub assignee_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub awaiting_staff_since: Option<DateTime<Utc>>,
    pub sla_due_at: Option<DateTime<Utc>>,
}

/// A ticket in a list, with the names a person reads.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ListedTicket {
    /// e.g. CD-2026-004217
    pub reference: String,
    pub subject: String,
    #[schema(value_type = String, example = "in_progress")]
    pub status: TicketStatus,
    #[schema(value_type = String, example = "normal")]
    pub priority: Priority,
    #[schema(value_type = String, example = "service_request")]
    pub kind: TicketKind,
    #[schema(value_type = String, example = "phone")]
    pub channel: Channel,
    /// The category's code.
    pub category: String,
    pub category_name: String,
    /// The department's code.
    pub department: String,
    pub department_name: String,
    pub assignee_id: Option<i64>,
    pub assignee_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Set while a citizen's message waits for an answer from staff.
    pub awaiting_staff_since: Option<DateTime<Utc>>,
    /// The earliest due instant of its running SLA clocks.
    pub sla_due_at: Option<DateTime<Utc>>,
    /// on_track, due_soon or overdue (none without a running clock).
    pub sla_urgency: Option<Urgency>,
    /// Minutes from now to `sla_due_at`; negative: overdue by that much.
    pub sla_due_in_minutes: Option<i64>,
}

/// Counts stop here: past it a queue shows "more than 1,000" and the count
/// says [`COUNT_CAP`] + 1. Counting a big department's every ticket on each
/// page view cost more than the page itself (see BENCHMARKS.md).
pub const COUNT_CAP: i64 = 1000;

/// A search in best-match order ranks at most this many matching tickets: the
/// most recently updated ones, and always the one whose reference was typed.
/// Ranking every match of a common word ("pothole": a third of a million
/// tickets) took most of a second (see BENCHMARKS.md).
pub const SEARCH_CANDIDATES: i64 = 500;

/// Whether a count stopped at [`COUNT_CAP`] (there are more).
pub fn capped(count: i64) -> bool {
    count > COUNT_CAP
}

/// How many tickets each queue holds (in scope), and how many match the list
/// asked for. Each count stops at 1001, which means "more than 1,000".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct QueueCounts {
    /// Open and assigned to you.
    pub mine: i64,
    /// Open, in your departments, assigned to nobody.
    pub unassigned: i64,
    /// Waiting on the citizen.
    pub waiting: i64,
    /// Updated in the last 24 hours.
    pub recent: i64,
    /// An SLA clock falls due soon.
    pub due_soon: i64,
    /// An SLA clock is overdue.
    pub overdue: i64,
    /// Matching the list's queue and filters.
    pub matching: i64,
    /// What `matching` counts up to: above it, it means "more than
    /// `matching_cap`". 1,000, or 500 for a search in best-match order
    /// (which ranks at most that many of its matches).
    pub matching_cap: i64,
}

impl QueueCounts {
    /// The number of matches to show, and whether it means "more than".
    pub fn matching_shown(&self) -> (i64, bool) {
        if self.matching > self.matching_cap {
            (self.matching_cap, true)
        } else {
            (self.matching, false)
        }
    }

    pub fn of(&self, queue: Queue) -> i64 {
        match queue {
            Queue::All => self.matching,
            Queue::Mine => self.mine,
            Queue::Unassigned => self.unassigned,
            Queue::Waiting => self.waiting,
            Queue::Recent => self.recent,
            Queue::DueSoon => self.due_soon,
            Queue::Overdue => self.overdue,
        }
    }
}

/// One page of a list.
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub items: Vec<ListedTicket>,
    /// Where the next page starts, if there is one.
    pub next_cursor: Option<String>,
}

fn no_score() -> Score {
    Box::new(sql::<Float>("0::real"))
}

/// Rows after the cursor, in the list's order (descending).
fn after(cursor: Cursor, score: impl Fn() -> Score) -> Predicate {
    let id = cursor.id;
    match (cursor.sort, cursor.key) {
        (Sort::Created, CursorKey::Time(t)) => {
            Box::new(RowsBefore::new(TimeColumn::Created, t, id))
        }
        (Sort::Relevance, CursorKey::Rank(r)) => {
            Box::new(score().lt(r).or(score().eq(r).and(tickets::id.lt(id))))
        }
        (_, CursorKey::Time(t)) => Box::new(RowsBefore::new(TimeColumn::Updated, t, id)),
        // Ascending by due instant, then id; the tickets without one come last.
        (Sort::Due, CursorKey::Due(Some(t))) => Box::new(
            tickets::sla_due_at
                .gt(t)
                .or(tickets::sla_due_at.eq(t).and(tickets::id.gt(id)))
                .or(tickets::sla_due_at.is_null())
                .assume_not_null(),
        ),
        (Sort::Due, CursorKey::Due(None)) => Box::new(
            tickets::sla_due_at
                .is_null()
                .and(tickets::id.gt(id))
                .assume_not_null(),
        ),
        // Cursors of another order cannot be made by `ListQuery`.
        (_, CursorKey::Rank(_) | CursorKey::Due(_)) => {
            Box::new(sql::<diesel::sql_types::Bool>("FALSE"))
        }
    }
}

/// A page of at most `limit` tickets.
pub fn list(
    conn: &mut PgConnection,
    scope: &Scope,
    query: &ListQuery,
    zone: chrono_tz::Tz,
    at: At,
    limit: i64,
) -> Result<Page, ListError> {
    let filter = query.filter.resolve(conn)?;
    Ok(page_of(conn, scope, query, &filter, zone, at, limit)?.0)
}

/// A page of `query`, and how many tickets match it when the page itself
/// says so: a first page with no next page holds every match, and a search
/// in best-match order counts from its candidates (see [`Candidates`]). (Reading a
/// first page's ids up to the count's cap, to count in the same walk, was
/// tried: a selective filter then walked the newest-first index for 1,001
/// matches where a count on its own used the status index and read half as
/// much; see BENCHMARKS.md.)
fn page_of(
    conn: &mut PgConnection,
    scope: &Scope,
    query: &ListQuery,
    filter: &ResolvedFilter,
    zone: chrono_tz::Tz,
    at: At,
    limit: i64,
) -> Result<(Page, Option<Matching>), ListError> {
    let text = filter.text();
    let sort = match (query.sort(), text) {
        (Sort::Relevance, None) => Sort::Updated,
        (s, _) => s,
    };
    let score = || text.map(Ticket::relevance).unwrap_or_else(no_score);
    let mut q = filter.make_query(scope, zone);
    for p in query.queue.predicates(scope, at) {
        q = q.filter(p);
    }
    // A ranked search knows its count from its candidates.
    let mut counted = None;
    if let (Sort::Relevance, Some(text)) = (sort, text) {
        let found = candidates(conn, scope, query, filter, zone, at, text)?;
        counted = found.count();
        q = q.filter(tickets::id.eq_any(found.ids));
    }
    if let Some(c) = query.cursor {
        q = q.filter(after(c, score));
    }
    q = match sort {
        Sort::Updated => q.order((tickets::updated_at.desc(), tickets::id.desc())),
        Sort::Created => q.order((tickets::created_at.desc(), tickets::id.desc())),
        Sort::Relevance => q.order((score().desc(), tickets::id.desc())),
        Sort::Due => q.order((tickets::sla_due_at.asc().nulls_last(), tickets::id.asc())),
    };
    // The page's ids (and ranks) first, then the page's own rows. Finding
    // the ids reads only the covering index when there is no text (a
    // selective filter walks tens of thousands of entries), and a ranking
    // reads no more of each candidate than its words.
    let ranked: Vec<(i64, f32)> = q
        .select((tickets::id, score()))
        .limit(limit + 1)
        .load(conn)?;
    let whole = query.cursor.is_none() && ranked.len() as i64 <= limit;
    let matched = counted.or(whole.then_some(Matching::Counted(ranked.len() as i64)));
    let ids: Vec<i64> = ranked.iter().map(|(id, _)| *id).collect();
    let ranks: HashMap<i64, f32> = ranked.into_iter().collect();
    let mut rows: Vec<(ListedRow, f32)> = rows_in_order(conn, &ids)?
        .into_iter()
        .map(|row| {
            let rank = ranks.get(&row.0.id).copied().unwrap_or_default();
            (row, rank)
        })
        .collect();
    let next_cursor = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|((row, ..), rank)| {
            Cursor {
                sort,
                key: match sort {
                    Sort::Updated => CursorKey::Time(row.updated_at),
                    Sort::Created => CursorKey::Time(row.created_at),
                    Sort::Relevance => CursorKey::Rank(*rank),
                    Sort::Due => CursorKey::Due(row.sla_due_at),
                },
                id: row.id,
            }
            .encode()
        })
    } else {
        None
    };
    let items = rows.into_iter().map(|(row, _)| listed(row, at)).collect();
    Ok((Page { items, next_cursor }, matched))
}

/// A ticket's list columns with its category's and department's code and
/// name and its assignee's name.
type ListedRow = (QueueRow, (String, String), (String, String), Option<String>);

/// The rows of `ids`, in that order, with the names a list shows, in one
/// statement.
fn rows_in_order(conn: &mut PgConnection, ids: &[i64]) -> QueryResult<Vec<ListedRow>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let mut by_id: HashMap<i64, ListedRow> = tickets::table
        .inner_join(categories::table)
        .inner_join(departments::table)
        .left_join(users::table)
        .filter(tickets::id.eq_any(ids))
        .select((
            QueueRow::as_select(),
            (categories::slug, categories::name),
            (departments::slug, departments::name),
            users::name.nullable(),
        ))
        .load::<ListedRow>(conn)?
        .into_iter()
        .map(|row| (row.0.id, row))
        .collect();
    // A ticket deleted between the two reads is left out, not an error.
    Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
}

/// The tickets a best-match search ranks: the [`SEARCH_CANDIDATES`] most
/// recently updated tickets whose words match, as many whose citizen
/// matches, and the ticket whose reference was typed. Each is its own query,
/// so each can use its index (the words' GIN index, the contacts' search
/// index and `tickets_contact_idx`, the reference's unique index).
fn candidates(
    conn: &mut PgConnection,
    scope: &Scope,
    query: &ListQuery,
    filter: &ResolvedFilter,
    zone: chrono_tz::Tz,
    at: At,
    text: &TextQuery,
) -> Result<Candidates, ListError> {
    let without_text = filter.without_text();
    let contacts = filter.contacts();
    let mut truncated = false;
    // One more than is ranked, to tell whether a branch held them all.
    let mut branch = |conn: &mut PgConnection, extra: Predicate| -> Result<Vec<i64>, ListError> {
        let mut q = without_text.make_query(scope, zone);
        for p in query.queue.predicates(scope, at) {
            q = q.filter(p);
        }
        let mut ids: Vec<i64> = q
            .filter(extra)
            .select(tickets::id)
            .order((tickets::updated_at.desc(), tickets::id.desc()))
            .limit(SEARCH_CANDIDATES + 1)
            .load(conn)?;
        if ids.len() as i64 > SEARCH_CANDIDATES {
            ids.truncate(SEARCH_CANDIDATES as usize);
            truncated = true;
        }
        Ok(ids)
    };
    let mut ids = branch(conn, Ticket::text_matches(text))?;
    // The citizens first: a name matches a few hundred of them, whose tickets
    // the contact index finds; as one condition the planner would scan.
    if let Some(contacts) = contacts.filter(|c| !c.ids.is_empty()) {
        ids.extend(branch(
            conn,
            Box::new(tickets::contact_id.eq_any(contacts.ids.clone())),
        )?);
    }
    if let Some(reference) = &text.reference {
        ids.extend(branch(
            conn,
            Box::new(tickets::reference.eq(reference.clone())),
        )?);
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(Candidates {
        ids,
        truncated,
        every_citizen: contacts.is_none_or(|c| c.complete),
    })
}

/// The tickets a best-match search ranks.
struct Candidates {
    ids: Vec<i64>,
    /// A branch stopped at [`SEARCH_CANDIDATES`]: it had more.
    truncated: bool,
    /// Every matching citizen was listed (else their branch may miss some).
    every_citizen: bool,
}

impl Candidates {
    /// How many tickets the search matches, as far as the candidates tell:
    /// all of them when complete, else more than [`SEARCH_CANDIDATES`] if a
    /// branch stopped there. (Counting the matches apart, up to 1,001, cost
    /// a common word 20-100 ms at a million tickets, more than the search.)
    fn count(&self) -> Option<Matching> {
        let n = self.ids.len() as i64;
        if self.truncated || n > SEARCH_CANDIDATES {
            Some(Matching::MoreThan(SEARCH_CANDIDATES))
        } else if self.every_citizen {
            Some(Matching::Counted(n))
        } else {
            // Too many citizens to list, and no more candidates than the
            // cap: only a count can tell.
            None
        }
    }
}

/// A listed row as a list shows it.
fn listed((r, category, department, assignee_name): ListedRow, at: At) -> ListedTicket {
    ListedTicket {
        reference: r.reference,
        subject: r.subject,
        status: r.status,
        priority: r.priority,
        kind: r.kind,
        channel: r.channel,
        category: category.0,
        category_name: category.1,
        department: department.0,
        department_name: department.1,
        assignee_name,
        assignee_id: r.assignee_id,
        created_at: r.created_at,
        updated_at: r.updated_at,
        awaiting_staff_since: r.awaiting_staff_since,
        sla_due_at: r.sla_due_at,
        sla_urgency: Urgency::of_due(r.sla_due_at, at.now, at.due_soon),
        sla_due_in_minutes: r.sla_due_at.map(|d| (d - at.now).num_minutes()),
    }
}

/// Every queue's count, and the count of `matching`, each stopping at
/// [`COUNT_CAP`] + 1. Each count reads at most that many index entries (an
/// exact count of a big department read all its tickets), and all of them
/// are one statement ([`CappedCounts`]): as seven, each paid its own
/// planning and round trip, which was most of a queue page's time.
pub fn counts(
    conn: &mut PgConnection,
    scope: &Scope,
    matching: Matching,
    at: At,
) -> QueryResult<QueueCounts> {
    let queues = [
        Queue::Mine,
        Queue::Unassigned,
        Queue::Waiting,
        Queue::Recent,
        Queue::DueSoon,
        Queue::Overdue,
    ];
    let mut parts: Vec<Vec<Predicate>> = queues.iter().map(|q| q.predicates(scope, at)).collect();
    let known = match matching {
        Matching::Counted(n) => Some((n.min(COUNT_CAP + 1), COUNT_CAP)),
        Matching::MoreThan(n) => Some((n + 1, n)),
        Matching::Where(predicates) => {
            parts.push(predicates);
            None
        }
    };
    let n = CappedCounts::new(scope, parts).load(conn)?;
    let of = |i: usize| n.get(i).copied().unwrap_or_default();
    Ok(QueueCounts {
        mine: of(0),
        unassigned: of(1),
        waiting: of(2),
        recent: of(3),
        due_soon: of(4),
        overdue: of(5),
        matching: known.map_or_else(|| of(6), |(n, _)| n),
        matching_cap: known.map_or(COUNT_CAP, |(_, cap)| cap),
    })
}

/// What the `matching` count counts.
pub enum Matching {
    /// Already counted exactly (a first page that holds every match, or a
    /// search's complete candidates).
    Counted(i64),
    /// More than this many (a search whose candidates stopped there).
    MoreThan(i64),
    /// The tickets in scope for which all of these hold.
    Where(Vec<Predicate>),
}

/// A list page and the counts, as the queue page and the API show them.
pub fn list_with_counts(
    conn: &mut PgConnection,
    scope: &Scope,
    query: &ListQuery,
    zone: chrono_tz::Tz,
    at: At,
    limit: i64,
) -> Result<(Page, QueueCounts), ListError> {
    let filter = query.filter.resolve(conn)?;
    let (page, matched) = page_of(conn, scope, query, &filter, zone, at, limit)?;
    let matching = match matched {
        Some(m) => m,
        None => {
            let mut p = filter.predicates(scope, zone);
            p.extend(query.queue.predicates(scope, at));
            Matching::Where(p)
        }
    };
    let counts = counts(conn, scope, matching, at)?;
    Ok((page, counts))
}

/// The dashboard: counts, and the first tickets of "mine" and "unassigned".
pub struct Dashboard {
    pub counts: QueueCounts,
    pub mine: Page,
    pub unassigned: Page,
}

pub fn dashboard(
    conn: &mut PgConnection,
    scope: &Scope,
    zone: chrono_tz::Tz,
    at: At,
    rows: i64,
) -> Result<Dashboard, ListError> {
    let of = |queue| ListQuery {
        queue,
        ..ListQuery::default()
    };
    Ok(Dashboard {
        counts: counts(conn, scope, Matching::Where(vec![Ticket::open()]), at)?,
        mine: list(conn, scope, &of(Queue::Mine), zone, at, rows)?,
        unassigned: list(conn, scope, &of(Queue::Unassigned), zone, at, rows)?,
    })
}

/// A colleague one may filter by or assign to: someone in one of my departments.
#[derive(Debug, Clone, Serialize, Queryable)]
pub struct Colleague {
    pub id: i64,
    pub name: String,
}

pub fn colleagues(conn: &mut PgConnection, scope: &Scope) -> QueryResult<Vec<Colleague>> {
    use crate::schema::user_departments;
    users::table
        .inner_join(user_departments::table)
        .filter(user_departments::department_id.eq_any(scope.departments().to_vec()))
        .filter(users::active.eq(true))
        .select((users::id, users::name))
        .distinct()
        .order((users::name, users::id))
        .load(conn)
}
