//! A ticket's report facts: every value the figures of `docs/reports.md`
//! need, worked out from the raw tables in one statement by the same rules
//! as the reference implementation, with days cut in the council's zone.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Date, Integer, Nullable, Text};

use crate::reports::model::bucket_sql;

/// One row of `report_facts`.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct Fact {
    #[diesel(sql_type = BigInt)]
    pub ticket_id: i64,
    #[diesel(sql_type = BigInt)]
    pub department_id: i64,
    #[diesel(sql_type = BigInt)]
    pub category_id: i64,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Text)]
    pub channel: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub assignee_id: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub area_id: Option<i64>,
    #[diesel(sql_type = Date)]
    pub created_day: NaiveDate,
    #[diesel(sql_type = Nullable<Date>)]
    pub out_day: Option<NaiveDate>,
    #[diesel(sql_type = Nullable<Date>)]
    pub resolved_day: Option<NaiveDate>,
    #[diesel(sql_type = Bool)]
    pub reopened: bool,
    #[diesel(sql_type = Integer)]
    pub transfers: i32,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub res_calendar: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub res_business: Option<i64>,
    #[diesel(sql_type = Nullable<Bool>)]
    pub res_within: Option<bool>,
    #[diesel(sql_type = Nullable<Bool>)]
    pub res_extended: Option<bool>,
    #[diesel(sql_type = Nullable<Date>)]
    pub fr_day: Option<NaiveDate>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub fr_business: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub fr_calendar: Option<i64>,
    #[diesel(sql_type = Nullable<Bool>)]
    pub fr_within: Option<bool>,
    #[diesel(sql_type = Array<Date>)]
    pub breach_days: Vec<NaiveDate>,
    #[diesel(sql_type = Array<Date>)]
    pub kit_days: Vec<NaiveDate>,
    #[diesel(sql_type = Array<BigInt>)]
    pub held_departments: Vec<i64>,
    #[diesel(sql_type = Array<BigInt>)]
    pub held_micros: Vec<i64>,
}

/// The columns of `report_facts`, in [`Fact`]'s order.
pub const COLUMNS: &str = "ticket_id, department_id, category_id, kind, channel, assignee_id, \
    area_id, created_day, out_day, resolved_day, reopened, transfers, res_calendar, res_business, \
    res_within, res_extended, fr_day, fr_business, fr_calendar, fr_within, breach_days, kit_days, \
    held_departments, held_micros";

/// Which tickets a facts statement covers.
#[derive(Debug, Clone, Copy)]
pub enum Tickets {
    /// Every ticket (a rebuild).
    All,
    /// The ids bound as `$2` (a `BIGINT[]`).
    Bound,
}

impl Tickets {
    fn filter(self, column: &str) -> String {
        match self {
            Self::All => "TRUE".to_string(),
            Self::Bound => format!("{column} = ANY($2)"),
        }
    }
}

/// `INSERT INTO report_facts SELECT …` for `tickets`, the zone bound as `$1`,
/// returning the new rows when `returning`.
pub fn insert_sql(tickets: Tickets, returning: bool) -> String {
    let minutes = |a: &str, b: &str| format!("floor(extract(epoch FROM ({a} - {b})) / 60)::bigint");
    let f = |c: &str| tickets.filter(c);
    let local = |t: &str| format!("(({t}) AT TIME ZONE $1)::date");
    format!(
        "INSERT INTO report_facts ({COLUMNS}) \
         SELECT t.id, t.department_id, t.category_id, t.kind, t.channel, t.assignee_id, t.area_id, \
           {created_day}, \
           CASE WHEN d.done_at IS NOT NULL THEN {out_day} END, \
           CASE WHEN d.outcome THEN {done_day} END, \
           r.ticket_id IS NOT NULL, \
           (COALESCE(h.n, 0) - 1)::integer, \
           CASE WHEN d.outcome THEN {res_cal} END, \
           CASE WHEN d.outcome AND rc.ticket_id IS NOT NULL THEN {res_bus} END, \
           CASE WHEN d.outcome AND rc.ticket_id IS NOT NULL \
             THEN rc.elapsed_seconds <= (rc.target_minutes + rc.extension_minutes) * 60 END, \
           CASE WHEN d.outcome AND rc.ticket_id IS NOT NULL THEN rc.extension_minutes > 0 END, \
           {fr_day}, {fr_bus}, {fr_cal}, \
           fc.elapsed_seconds <= (fc.target_minutes + fc.extension_minutes) * 60, \
           COALESCE(b.breach_days, '{{}}'), COALESCE(b.kit_days, '{{}}'), \
           COALESCE(hd.departments, '{{}}'), COALESCE(hd.micros, '{{}}') \
         FROM tickets t \
         CROSS JOIN LATERAL (SELECT COALESCE(t.resolved_at, t.closed_at) AS done_at, \
             (COALESCE(t.resolved_at, t.closed_at) IS NOT NULL \
              AND COALESCE(t.resolution_code, '') NOT IN ('withdrawn', 'duplicate')) AS outcome) d \
         LEFT JOIN (SELECT DISTINCT ticket_id FROM ticket_events \
             WHERE {fe} AND kind = 'status_changed' AND data->>'action' = 'reopen') r \
           ON r.ticket_id = t.id \
         LEFT JOIN (SELECT ticket_id, count(*) AS n FROM ticket_holdings WHERE {fh} GROUP BY 1) h \
           ON h.ticket_id = t.id \
         LEFT JOIN sla_clocks rc ON rc.ticket_id = t.id AND rc.clock = 'resolution' AND rc.state = 'met' \
         LEFT JOIN sla_clocks fc ON fc.ticket_id = t.id AND fc.clock = 'first_response' AND fc.state = 'met' \
         LEFT JOIN (SELECT ticket_id, \
               COALESCE(array_agg({breach_day} ORDER BY at) \
                 FILTER (WHERE clock IN ('first_response', 'resolution')), '{{}}') AS breach_days, \
               COALESCE(array_agg({breach_day} ORDER BY at) \
                 FILTER (WHERE clock = 'keep_in_touch'), '{{}}') AS kit_days \
             FROM sla_clock_events WHERE {fb} AND kind = 'breached' GROUP BY 1) b \
           ON b.ticket_id = t.id \
         LEFT JOIN (SELECT ticket_id, array_agg(department_id ORDER BY department_id) AS departments, \
               array_agg(micros ORDER BY department_id) AS micros \
             FROM (SELECT h.ticket_id, h.department_id, \
                     sum((extract(epoch FROM (COALESCE(h.ended_at, \
                        COALESCE(t2.resolved_at, t2.closed_at)) - h.started_at)) * 1000000)::bigint)::bigint \
                       AS micros \
                   FROM ticket_holdings h JOIN tickets t2 ON t2.id = h.ticket_id \
                   WHERE {fh2} AND COALESCE(t2.resolved_at, t2.closed_at) IS NOT NULL \
                     AND COALESCE(t2.resolution_code, '') NOT IN ('withdrawn', 'duplicate') \
                   GROUP BY 1, 2) per_department \
             GROUP BY 1) hd \
           ON hd.ticket_id = t.id \
         WHERE {ft}{returning}",
        created_day = local("t.created_at"),
        out_day = local("GREATEST(t.created_at, d.done_at)"),
        done_day = local("d.done_at"),
        res_cal = bucket_sql(&minutes("d.done_at", "t.created_at")),
        res_bus = bucket_sql("rc.elapsed_seconds / 60"),
        fr_day = local("fc.met_at"),
        fr_bus = bucket_sql("fc.elapsed_seconds / 60"),
        fr_cal = bucket_sql(&minutes("fc.met_at", "t.created_at")),
        breach_day = local("at"),
        fe = f("ticket_id"),
        fh = f("ticket_id"),
        fb = f("ticket_id"),
        fh2 = f("h.ticket_id"),
        ft = f("t.id"),
        returning = if returning {
            format!(" RETURNING {COLUMNS}")
        } else {
            String::new()
        },
    )
}
