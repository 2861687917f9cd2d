use chrono::{DateTime, TimeDelta, Utc};
use diesel::prelude::*;

use crate::domain::sla::{ClockKind, ClockState, ClockStatus};
use crate::schema::{sla_clock_events, sla_clocks};

/// A ticket's clock as kept: the state its event log replays to, plus the
/// instants derived from it with its calendar and policy (`due_at`,
/// `next_alert_at`), which the worker and the queues search by.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = sla_clocks, check_for_backend(diesel::pg::Pg))]
#[diesel(treat_none_as_null = true)]
pub struct SlaClockRow {
    pub ticket_id: i64,
    pub clock: ClockKind,
    pub policy_id: Option<i64>,
    pub calendar_id: i64,
    pub state: ClockStatus,
    pub cycle: i32,
    pub started_at: DateTime<Utc>,
    pub target_minutes: i32,
    pub extension_minutes: i32,
    pub elapsed_seconds: i64,
    pub since: DateTime<Utc>,
    pub due_at: Option<DateTime<Utc>>,
    pub met_at: Option<DateTime<Utc>>,
    pub breached_at: Option<DateTime<Utc>>,
    pub warned_percents: Vec<Option<i16>>,
    pub next_alert_at: Option<DateTime<Utc>>,
    pub paused_seconds: i64,
    pub updated_at: DateTime<Utc>,
}

impl SlaClockRow {
    /// The pure state this row holds.
    pub fn state(&self) -> ClockState {
        ClockState {
            kind: self.clock,
            status: self.state,
            calendar_id: self.calendar_id,
            cycle: self.cycle,
            started_at: self.started_at,
            target_minutes: self.target_minutes,
            extension_minutes: self.extension_minutes,
            elapsed: TimeDelta::seconds(self.elapsed_seconds),
            since: self.since,
            met_at: self.met_at,
            breached_at: self.breached_at,
            warned: {
                let mut w: Vec<i16> = self.warned_percents.iter().flatten().copied().collect();
                w.sort_unstable();
                w
            },
            paused: TimeDelta::seconds(self.paused_seconds),
            met_due_at: if self.state == ClockStatus::Met {
                self.due_at
            } else {
                None
            },
        }
    }

    /// A row holding `state`, with its derived instants.
    pub fn from_state(
        ticket_id: i64,
        policy_id: Option<i64>,
        state: &ClockState,
        due_at: Option<DateTime<Utc>>,
        next_alert_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            ticket_id,
            clock: state.kind,
            policy_id,
            calendar_id: state.calendar_id,
            state: state.status,
            cycle: state.cycle,
            started_at: state.started_at,
            target_minutes: state.target_minutes,
            extension_minutes: state.extension_minutes,
            elapsed_seconds: state.elapsed.num_seconds(),
            since: state.since,
            due_at,
            met_at: state.met_at,
            breached_at: state.breached_at,
            warned_percents: state.warned.iter().map(|p| Some(*p)).collect(),
            next_alert_at,
            paused_seconds: state.paused.num_seconds(),
            updated_at: now,
        }
    }
}

/// One entry of a clock's append-only log.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sla_clock_events, check_for_backend(diesel::pg::Pg))]
pub struct SlaClockEvent {
    pub id: i64,
    pub ticket_id: i64,
    pub clock: ClockKind,
    pub cycle: i32,
    pub kind: String,
    pub at: DateTime<Utc>,
    pub target_minutes: Option<i32>,
    pub calendar_id: Option<i64>,
    pub minutes: Option<i32>,
    pub percent: Option<i16>,
    pub reason: Option<String>,
    pub actor_user_id: Option<i64>,
    pub elapsed_seconds: i64,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = sla_clock_events)]
pub struct NewSlaClockEvent {
    pub ticket_id: i64,
    pub clock: ClockKind,
    pub cycle: i32,
    pub kind: &'static str,
    pub at: DateTime<Utc>,
    pub target_minutes: Option<i32>,
    pub calendar_id: Option<i64>,
    pub minutes: Option<i32>,
    pub percent: Option<i16>,
    pub reason: Option<String>,
    pub actor_user_id: Option<i64>,
    pub elapsed_seconds: i64,
    pub created_at: DateTime<Utc>,
}
