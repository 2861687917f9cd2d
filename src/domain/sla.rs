//! SLA clocks, as pure data: a clock's state is what its append-only log of
//! events makes of it. [`ClockState::apply`] applies one event (refusing one
//! that does not fit the state); replaying a log from the start with
//! [`ClockState::replay`] gives exactly the state that was kept while the
//! events happened, so no warning, breach or escalation already raised is
//! raised again after a re-target, a pause or a transfer.
//!
//! # Semantics
//!
//! * A clock counts **business time** on one [`BusinessCalendar`] at a time,
//!   towards `target + extension` business minutes.
//! * **Running** accrues; **paused** (waiting on the citizen) does not, and
//!   counts the calendar time spent paused; **met** and **stopped** are at
//!   rest. Elapsed time is *banked* at every event, so a later change of
//!   target or calendar never loses or recounts what already elapsed.
//! * **Re-targeting** (priority or category change) keeps the elapsed time;
//!   the new target applies from then on. **Calendar change** (transfer)
//!   counts the time up to the change on the old calendar and from then on
//!   the new one. **Extensions** add minutes to the target.
//! * **Due**: while running, the instant the target is reached
//!   (`calendar.add(since, remaining)`); if the target was already passed
//!   when the clock was last banked, the instant it was passed
//!   (`calendar.sub(since, overshoot)`). Paused and stopped clocks have no due
//!   instant; a met clock keeps the one it had when it was met.
//! * **Warnings** at each threshold percentage and the **breach** are raised
//!   at most once per clock cycle, recorded in `warned` / `breached_at`, and
//!   kept across every later change. A keep-in-touch **restart** begins a new
//!   cycle (elapsed, warnings and breach start afresh).
//! * **Reopening** a met or stopped clock resumes it with its banked time.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, TimeDelta, Utc};

use super::business_time::BusinessCalendar;

/// Which obligation a clock measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockKind {
    /// Until a person's first public reply or acknowledgement.
    FirstResponse,
    /// The longest a citizen waits between public updates while the ticket is open.
    KeepInTouch,
    /// Until the ticket is resolved.
    Resolution,
}

impl ClockKind {
    pub const ALL: [ClockKind; 3] = [Self::FirstResponse, Self::KeepInTouch, Self::Resolution];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::FirstResponse => "first_response",
            Self::KeepInTouch => "keep_in_touch",
            Self::Resolution => "resolution",
        }
    }
}

impl fmt::Display for ClockKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an SLA clock (first_response, keep_in_touch or resolution)")]
pub struct UnknownClock(pub String);

impl FromStr for ClockKind {
    type Err = UnknownClock;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownClock(s.to_string()))
    }
}

/// Where a clock stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockStatus {
    Running,
    Paused,
    Met,
    Stopped,
}

impl ClockStatus {
    pub const ALL: [ClockStatus; 4] = [Self::Running, Self::Paused, Self::Met, Self::Stopped];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Paused => "paused",
            Self::Met => "met",
            Self::Stopped => "stopped",
        }
    }
}

impl FromStr for ClockStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("`{s}` is not a clock state"))
    }
}

/// One thing that happened to a clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockEvent {
    /// The clock exists from `at`, counting on `calendar_id` towards `target_minutes`.
    /// `paused`: the ticket was already waiting on the citizen.
    Started {
        target_minutes: i32,
        calendar_id: i64,
        paused: bool,
    },
    Paused,
    Resumed,
    Retargeted {
        target_minutes: i32,
    },
    CalendarChanged {
        calendar_id: i64,
    },
    Extended {
        minutes: i32,
    },
    Met,
    Stopped,
    Reopened,
    /// Keep-in-touch: a public update starts a new cycle.
    Restarted {
        target_minutes: i32,
        paused: bool,
    },
    Warned {
        percent: i16,
    },
    Breached,
}

impl ClockEvent {
    /// The name stored in `sla_clock_events.kind`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Started { .. } => "started",
            Self::Paused => "paused",
            Self::Resumed => "resumed",
            Self::Retargeted { .. } => "retargeted",
            Self::CalendarChanged { .. } => "calendar_changed",
            Self::Extended { .. } => "extended",
            Self::Met => "met",
            Self::Stopped => "stopped",
            Self::Reopened => "reopened",
            Self::Restarted { .. } => "restarted",
            Self::Warned { .. } => "warned",
            Self::Breached => "breached",
        }
    }
}

/// An event that does not fit the clock's state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot apply `{event}` to a {clock} clock that is {status}")]
pub struct ClockEventError {
    pub clock: ClockKind,
    pub event: &'static str,
    pub status: &'static str,
}

/// A clock's state: everything needed to say where it stands at any instant,
/// given its calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClockState {
    pub kind: ClockKind,
    pub status: ClockStatus,
    pub calendar_id: i64,
    pub cycle: i32,
    /// When this cycle began.
    pub started_at: DateTime<Utc>,
    pub target_minutes: i32,
    pub extension_minutes: i32,
    /// Business time banked up to `since`.
    pub elapsed: TimeDelta,
    /// When the status last changed, or time was last banked.
    pub since: DateTime<Utc>,
    pub met_at: Option<DateTime<Utc>>,
    pub breached_at: Option<DateTime<Utc>>,
    /// Threshold percentages already warned about in this cycle, ascending.
    pub warned: Vec<i16>,
    /// Calendar time spent paused in this cycle.
    pub paused: TimeDelta,
    /// The due instant when the clock was met (kept for "met N before due").
    pub met_due_at: Option<DateTime<Utc>>,
}

impl ClockState {
    /// The state after the first event of a log (which must be `Started`).
    pub fn start(
        kind: ClockKind,
        at: DateTime<Utc>,
        target_minutes: i32,
        calendar_id: i64,
        paused: bool,
    ) -> Self {
        Self {
            kind,
            status: if paused {
                ClockStatus::Paused
            } else {
                ClockStatus::Running
            },
            calendar_id,
            cycle: 1,
            started_at: at,
            target_minutes,
            extension_minutes: 0,
            elapsed: TimeDelta::zero(),
            since: at,
            met_at: None,
            breached_at: None,
            warned: Vec::new(),
            paused: TimeDelta::zero(),
            met_due_at: None,
        }
    }

    /// Replays a whole log. `calendar` looks a calendar up by id.
    pub fn replay<'c>(
        kind: ClockKind,
        events: impl IntoIterator<Item = (DateTime<Utc>, ClockEvent)>,
        calendar: impl Fn(i64) -> &'c BusinessCalendar,
    ) -> Result<Option<Self>, ClockEventError> {
        let mut state: Option<Self> = None;
        for (at, event) in events {
            state = Some(match (state, event) {
                (
                    None,
                    ClockEvent::Started {
                        target_minutes,
                        calendar_id,
                        paused,
                    },
                ) => Self::start(kind, at, target_minutes, calendar_id, paused),
                (None, other) => {
                    return Err(ClockEventError {
                        clock: kind,
                        event: other.kind(),
                        status: "not started",
                    })
                }
                (Some(mut s), event) => {
                    s.apply(at, event, calendar(s.calendar_id))?;
                    s
                }
            });
        }
        Ok(state)
    }

    /// The whole target, extensions included.
    pub fn total_target(&self) -> TimeDelta {
        TimeDelta::minutes(i64::from(self.target_minutes) + i64::from(self.extension_minutes))
    }

    /// Business time elapsed by `at` (not before `since`).
    pub fn elapsed_at(&self, at: DateTime<Utc>, calendar: &BusinessCalendar) -> TimeDelta {
        match self.status {
            ClockStatus::Running => self.elapsed + calendar.between(self.since, at),
            _ => self.elapsed,
        }
    }

    /// When the target is (or was) reached, for a running clock; the due
    /// instant it had, for a met one; none while paused or stopped.
    pub fn due_at(&self, calendar: &BusinessCalendar) -> Option<DateTime<Utc>> {
        match self.status {
            ClockStatus::Running => Some(self.instant_of(self.total_target(), calendar)),
            ClockStatus::Met => self.met_due_at,
            ClockStatus::Paused | ClockStatus::Stopped => None,
        }
    }

    /// The instant a running clock's elapsed time reaches `mark`.
    fn instant_of(&self, mark: TimeDelta, calendar: &BusinessCalendar) -> DateTime<Utc> {
        let remaining = mark - self.elapsed;
        if remaining >= TimeDelta::zero() {
            calendar.add(self.since, remaining)
        } else {
            calendar.sub(self.since, -remaining)
        }
    }

    /// The business time at which the `percent` warning falls due, rounded up
    /// to the second.
    pub fn warning_mark(&self, percent: i16) -> TimeDelta {
        let total = self.total_target().num_seconds();
        let secs = (total * i64::from(percent) + 99) / 100;
        TimeDelta::seconds(secs)
    }

    /// The next alert not yet raised in this cycle, for a running clock: the
    /// earliest unraised warning in `percents`, or the breach. Each comes
    /// with its instant.
    pub fn next_alert(
        &self,
        percents: &[i16],
        calendar: &BusinessCalendar,
    ) -> Option<(DateTime<Utc>, Alert)> {
        if self.status != ClockStatus::Running {
            return None;
        }
        let mut pending: Vec<i16> = percents
            .iter()
            .copied()
            .filter(|p| (1..=99).contains(p) && !self.warned.contains(p))
            .collect();
        pending.sort_unstable();
        if let Some(&p) = pending.first() {
            return Some((
                self.instant_of(self.warning_mark(p), calendar),
                Alert::Warning(p),
            ));
        }
        if self.breached_at.is_none() {
            return Some((
                self.instant_of(self.total_target(), calendar),
                Alert::Breach,
            ));
        }
        None
    }

    /// Every alert due by `now`, in order: warnings (lowest threshold first)
    /// then the breach. A clock that jumps past several thresholds at once
    /// (after a re-target) raises each of them, once.
    pub fn alerts_due(
        &self,
        now: DateTime<Utc>,
        percents: &[i16],
        calendar: &BusinessCalendar,
    ) -> Vec<Alert> {
        if self.status != ClockStatus::Running {
            return Vec::new();
        }
        let elapsed = self.elapsed_at(now, calendar);
        let mut out: Vec<Alert> = Vec::new();
        let mut pending: Vec<i16> = percents
            .iter()
            .copied()
            .filter(|p| (1..=99).contains(p) && !self.warned.contains(p))
            .collect();
        pending.sort_unstable();
        pending.dedup();
        let breach_due = self.breached_at.is_none() && elapsed >= self.total_target();
        for p in pending {
            // A warning whose moment has passed together with the breach is
            // still raised first (it tells the assignee what happened), but
            // only ever once.
            if elapsed >= self.warning_mark(p) {
                out.push(Alert::Warning(p));
            }
        }
        if breach_due {
            out.push(Alert::Breach);
        }
        out
    }

    /// Counts time up to `at`: running time on `calendar` into `elapsed`,
    /// paused calendar time into `paused`.
    fn bank(&mut self, at: DateTime<Utc>, calendar: &BusinessCalendar) {
        if at <= self.since {
            return;
        }
        match self.status {
            ClockStatus::Running => self.elapsed += calendar.between(self.since, at),
            ClockStatus::Paused => self.paused += at - self.since,
            ClockStatus::Met | ClockStatus::Stopped => {}
        }
        self.since = at;
    }

    /// Applies `event` at `at`. `calendar` is the clock's current calendar
    /// (`self.calendar_id`); time up to `at` is counted on it.
    pub fn apply(
        &mut self,
        at: DateTime<Utc>,
        event: ClockEvent,
        calendar: &BusinessCalendar,
    ) -> Result<(), ClockEventError> {
        use ClockEvent as E;
        use ClockStatus as S;
        let refuse = |s: &Self| {
            Err(ClockEventError {
                clock: s.kind,
                event: event.kind(),
                status: s.status.as_str(),
            })
        };
        match (self.status, event) {
            (_, E::Started { .. }) => return refuse(self),
            (S::Running, E::Paused) => {
                self.bank(at, calendar);
                self.status = S::Paused;
            }
            (S::Paused, E::Resumed) => {
                self.bank(at, calendar);
                self.status = S::Running;
            }
            (S::Running | S::Paused, E::Retargeted { target_minutes }) => {
                self.bank(at, calendar);
                self.target_minutes = target_minutes;
            }
            (S::Running | S::Paused, E::CalendarChanged { calendar_id }) => {
                self.bank(at, calendar);
                self.calendar_id = calendar_id;
            }
            (S::Running | S::Paused, E::Extended { minutes }) => {
                self.bank(at, calendar);
                self.extension_minutes += minutes;
            }
            (S::Running | S::Paused, E::Met) => {
                self.bank(at, calendar);
                // The due instant as it stood (for a paused clock: as if it
                // had resumed at this moment).
                self.met_due_at = Some(self.instant_of(self.total_target(), calendar));
                self.status = S::Met;
                self.met_at = Some(at);
            }
            (S::Running | S::Paused, E::Stopped) => {
                self.bank(at, calendar);
                self.status = S::Stopped;
            }
            (S::Met | S::Stopped, E::Reopened) => {
                self.since = at;
                self.status = S::Running;
                self.met_at = None;
                self.met_due_at = None;
            }
            (
                _,
                E::Restarted {
                    target_minutes,
                    paused,
                },
            ) => {
                self.cycle += 1;
                self.started_at = at;
                self.since = at;
                self.target_minutes = target_minutes;
                self.extension_minutes = 0;
                self.elapsed = TimeDelta::zero();
                self.paused = TimeDelta::zero();
                self.met_at = None;
                self.met_due_at = None;
                self.breached_at = None;
                self.warned.clear();
                self.status = if paused { S::Paused } else { S::Running };
            }
            (S::Running, E::Warned { percent }) if !self.warned.contains(&percent) => {
                self.bank(at, calendar);
                self.warned.push(percent);
                self.warned.sort_unstable();
            }
            (S::Running, E::Breached) if self.breached_at.is_none() => {
                self.bank(at, calendar);
                self.breached_at = Some(at);
            }
            (
                S::Paused | S::Met | S::Stopped,
                E::Paused
                | E::Warned { .. }
                | E::Breached
                | E::Retargeted { .. }
                | E::CalendarChanged { .. }
                | E::Extended { .. }
                | E::Met
                | E::Stopped,
            )
            | (S::Running | S::Met | S::Stopped, E::Resumed)
            | (S::Running | S::Paused, E::Reopened)
            | (S::Running, E::Warned { .. } | E::Breached) => return refuse(self),
        }
        Ok(())
    }

    /// Whether it was (or will be, if met now) within its target.
    pub fn within_target(&self) -> bool {
        self.elapsed <= self.total_target()
    }
}

/// What the worker raises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alert {
    Warning(i16),
    Breach,
}

impl Alert {
    pub fn event(self) -> ClockEvent {
        match self {
            Self::Warning(percent) => ClockEvent::Warned { percent },
            Self::Breach => ClockEvent::Breached,
        }
    }
}

/// The targets that apply to one ticket, from its category's policy and its
/// priority (in business minutes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Targets {
    pub first_response: i32,
    pub keep_in_touch: Option<i32>,
    pub resolution: i32,
}

impl Targets {
    pub fn for_clock(&self, kind: ClockKind) -> Option<i32> {
        match kind {
            ClockKind::FirstResponse => Some(self.first_response),
            ClockKind::KeepInTouch => self.keep_in_touch,
            ClockKind::Resolution => Some(self.resolution),
        }
    }
}

/// What an escalation does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EscalationAction {
    NotifyAssignee,
    NotifySupervisors,
    RaisePriority,
    MoveDepartment,
}

impl EscalationAction {
    pub const ALL: [EscalationAction; 4] = [
        Self::NotifyAssignee,
        Self::NotifySupervisors,
        Self::RaisePriority,
        Self::MoveDepartment,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotifyAssignee => "notify_assignee",
            Self::NotifySupervisors => "notify_supervisors",
            Self::RaisePriority => "raise_priority",
            Self::MoveDepartment => "move_department",
        }
    }
}

impl FromStr for EscalationAction {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("`{s}` is not an escalation action"))
    }
}

#[cfg(test)]
mod tests;
