//! How a ticket's clocks stand at a given instant, for the staff pages and
//! API, queues, the citizen's tracking page and emails: due instants in the
//! handling calendar's zone, time left or overdue by, and an urgency that is
//! always given in words as well as colour.

use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use serde::Serialize;

use super::calendars::Calendars;
use crate::db::models::sla_clock::SlaClockRow;
use crate::domain::sla::{ClockKind, ClockStatus};
use crate::schema::business_calendars;

/// How pressing a clock (or a ticket's earliest due instant) is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    OnTrack,
    /// A warning was raised, or it falls due within `sla.due_soon_minutes`.
    DueSoon,
    Overdue,
    Paused,
    Met,
    /// Met, but after its target.
    MetLate,
    Stopped,
}

impl Urgency {
    /// The message key of its words.
    pub fn message_key(self) -> &'static str {
        match self {
            Self::OnTrack => "sla-urgency-on-track",
            Self::DueSoon => "sla-urgency-due-soon",
            Self::Overdue => "sla-urgency-overdue",
            Self::Paused => "sla-urgency-paused",
            Self::Met => "sla-urgency-met",
            Self::MetLate => "sla-urgency-met-late",
            Self::Stopped => "sla-urgency-stopped",
        }
    }

    /// Of a ticket's earliest due instant (queues).
    pub fn of_due(due: Option<DateTime<Utc>>, now: DateTime<Utc>, soon: Duration) -> Option<Self> {
        let due = due?;
        Some(if due <= now {
            Self::Overdue
        } else if due - now <= soon {
            Self::DueSoon
        } else {
            Self::OnTrack
        })
    }
}

/// One clock as a reader sees it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SlaClockOut {
    /// first_response, keep_in_touch or resolution.
    #[schema(value_type = String, example = "resolution")]
    pub clock: ClockKind,
    /// running, paused, met or stopped.
    #[schema(value_type = String, example = "running")]
    pub status: ClockStatus,
    pub urgency: Urgency,
    /// Message keys for the clock's name and its urgency (pages).
    pub label_key: &'static str,
    pub urgency_key: &'static str,
    /// The target in business minutes, extensions included.
    pub target_minutes: i32,
    /// Business minutes granted on top of the policy's target.
    pub extension_minutes: i32,
    /// Business minutes elapsed so far.
    pub elapsed_minutes: i64,
    /// Business minutes left before the target; negative once it is passed.
    pub remaining_minutes: i64,
    /// Running: when the target is reached; met: when it would have been.
    pub due_at: Option<DateTime<Utc>>,
    /// Calendar minutes from now to `due_at` (negative: overdue by that much).
    pub due_in_minutes: Option<i64>,
    pub met_at: Option<DateTime<Utc>>,
    pub breached_at: Option<DateTime<Utc>>,
    /// Warnings raised so far in this cycle, in percent of the target.
    pub warned_percents: Vec<i16>,
    /// The zone of the calendar the clock counts in (due instants are shown in it).
    pub time_zone: String,
    /// Keep-in-touch: which cycle (1 + the public updates so far).
    pub cycle: i32,
}

impl SlaClockOut {
    pub fn label_key_of(kind: ClockKind) -> &'static str {
        match kind {
            ClockKind::FirstResponse => "sla-clock-first-response",
            ClockKind::KeepInTouch => "sla-clock-keep-in-touch",
            ClockKind::Resolution => "sla-clock-resolution",
        }
    }
}

/// A ticket's clocks as they stand at `now`, first response first.
pub fn clocks(
    conn: &mut PgConnection,
    ticket_id: i64,
    now: DateTime<Utc>,
    due_soon: Duration,
) -> anyhow::Result<Vec<SlaClockOut>> {
    let mut rows = super::engine::load(conn, ticket_id)?;
    rows.sort_by_key(|r| r.clock);
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.calendar_id).collect();
    let calendars = Calendars::load(conn, &ids)?;
    let zones: Vec<(i64, String)> = business_calendars::table
        .filter(business_calendars::id.eq_any(&ids))
        .select((business_calendars::id, business_calendars::time_zone))
        .load(conn)?;
    rows.iter()
        .map(|row| {
            let zone = zones
                .iter()
                .find(|(id, _)| *id == row.calendar_id)
                .map(|(_, z)| z.clone())
                .unwrap_or_else(|| "UTC".to_string());
            clock_out(row, &calendars, zone, now, due_soon)
        })
        .collect()
}

fn clock_out(
    row: &SlaClockRow,
    calendars: &Calendars,
    time_zone: String,
    now: DateTime<Utc>,
    due_soon: Duration,
) -> anyhow::Result<SlaClockOut> {
    let state = row.state();
    let cal = calendars.get(row.calendar_id)?;
    let elapsed = state.elapsed_at(now, cal);
    let total = state.total_target();
    let due_at = row.due_at;
    let urgency = match row.state {
        ClockStatus::Running => {
            let due = due_at.unwrap_or(now);
            if due <= now {
                Urgency::Overdue
            } else if !state.warned.is_empty() || due - now <= due_soon {
                Urgency::DueSoon
            } else {
                Urgency::OnTrack
            }
        }
        ClockStatus::Paused => Urgency::Paused,
        ClockStatus::Met if state.within_target() => Urgency::Met,
        ClockStatus::Met => Urgency::MetLate,
        ClockStatus::Stopped => Urgency::Stopped,
    };
    Ok(SlaClockOut {
        clock: row.clock,
        status: row.state,
        urgency,
        label_key: SlaClockOut::label_key_of(row.clock),
        urgency_key: urgency.message_key(),
        target_minutes: row.target_minutes + row.extension_minutes,
        extension_minutes: row.extension_minutes,
        elapsed_minutes: elapsed.num_minutes(),
        remaining_minutes: (total - elapsed).num_minutes(),
        due_at,
        due_in_minutes: (row.state == ClockStatus::Running)
            .then(|| due_at.map(|d| (d - now).num_minutes()))
            .flatten(),
        met_at: row.met_at,
        breached_at: row.breached_at,
        warned_percents: state.warned.clone(),
        time_zone,
        cycle: row.cycle,
    })
}

/// What a citizen is told about when to expect an answer and a resolution.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Promise {
    /// When we aim to respond (running first-response clock), or `None`.
    pub respond_by: Option<DateTime<Utc>>,
    /// When we aim to resolve it (running resolution clock), or `None`.
    pub resolve_by: Option<DateTime<Utc>>,
    /// The clocks wait for the citizen.
    pub paused: bool,
    /// The zone the instants are to be shown in (the handling department's calendar).
    pub time_zone: String,
}

impl Promise {
    /// From the clocks a change left (e.g. those a submission started).
    pub fn from_changes(changes: &[super::engine::ClockChange]) -> Self {
        let running = |k: ClockKind| {
            changes
                .iter()
                .find(|c| c.clock == k && c.status == ClockStatus::Running)
                .and_then(|c| c.due_at)
        };
        Self {
            respond_by: running(ClockKind::FirstResponse),
            resolve_by: running(ClockKind::Resolution),
            paused: changes
                .iter()
                .any(|c| c.clock == ClockKind::Resolution && c.status == ClockStatus::Paused),
            time_zone: changes
                .iter()
                .find(|c| c.clock == ClockKind::Resolution)
                .or(changes.first())
                .map(|c| c.time_zone.clone())
                .unwrap_or_else(|| "UTC".to_string()),
        }
    }

    /// A ticket's promise as its clocks stand (no business-time arithmetic needed).
    pub fn of_ticket(conn: &mut PgConnection, ticket_id: i64) -> QueryResult<Self> {
        use crate::schema::sla_clocks;
        let rows: Vec<(ClockKind, ClockStatus, Option<DateTime<Utc>>, String)> = sla_clocks::table
            .inner_join(business_calendars::table)
            .filter(sla_clocks::ticket_id.eq(ticket_id))
            .select((
                sla_clocks::clock,
                sla_clocks::state,
                sla_clocks::due_at,
                business_calendars::time_zone,
            ))
            .load(conn)?;
        let running = |k: ClockKind| {
            rows.iter()
                .find(|r| r.0 == k && r.1 == ClockStatus::Running)
                .and_then(|r| r.2)
        };
        Ok(Self {
            respond_by: running(ClockKind::FirstResponse),
            resolve_by: running(ClockKind::Resolution),
            paused: rows
                .iter()
                .any(|r| r.0 == ClockKind::Resolution && r.1 == ClockStatus::Paused),
            time_zone: rows
                .iter()
                .find(|r| r.0 == ClockKind::Resolution)
                .or(rows.first())
                .map(|r| r.3.clone())
                .unwrap_or_else(|| "UTC".to_string()),
        })
    }

    /// An instant as citizens read it: "4 Dec 2026, 10:00 GMT" in the promise's zone.
    pub fn format(&self, at: DateTime<Utc>) -> String {
        at.with_timezone(&zone(&self.time_zone))
            .format("%-d %b %Y, %H:%M %Z")
            .to_string()
    }

    pub fn from_clocks(clocks: &[SlaClockOut]) -> Self {
        let running = |k: ClockKind| {
            clocks
                .iter()
                .find(|c| c.clock == k && c.status == ClockStatus::Running)
                .and_then(|c| c.due_at)
        };
        Self {
            respond_by: running(ClockKind::FirstResponse),
            resolve_by: running(ClockKind::Resolution),
            paused: clocks
                .iter()
                .any(|c| c.clock == ClockKind::Resolution && c.status == ClockStatus::Paused),
            time_zone: clocks
                .iter()
                .find(|c| c.clock == ClockKind::Resolution)
                .or(clocks.first())
                .map(|c| c.time_zone.clone())
                .unwrap_or_else(|| "UTC".to_string()),
        }
    }
}

/// `Tz` of a stored zone name (UTC when it is not one, which CHECKs prevent).
pub fn zone(name: &str) -> chrono_tz::Tz {
    chrono_tz::Tz::from_str(name).unwrap_or(chrono_tz::UTC)
}
