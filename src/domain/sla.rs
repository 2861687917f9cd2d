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
use super::ticket::ResolutionCode;
use super::ticket_status::{ClockEffect, TicketStatus};

/// Which obligation a clock measures.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    serde::Serialize,
    diesel::AsExpression,
    diesel::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
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
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    serde::Serialize,
    diesel::AsExpression,
    diesel::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
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
    /// The clock exists from `at`, running on `calendar_id` towards
    /// `target_minutes`. (A ticket already waiting on the citizen pauses it
    /// with a `Paused` at the same instant.)
    Started {
        target_minutes: i32,
        calendar_id: i64,
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
    /// Keep-in-touch: a public update starts a new cycle, running.
    Restarted {
        target_minutes: i32,
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
    ) -> Self {
        Self {
            kind,
            status: ClockStatus::Running,
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
                    },
                ) => Self::start(kind, at, target_minutes, calendar_id),
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
            (_, E::Restarted { target_minutes }) => {
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
                self.status = S::Running;
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

/// What happened to a ticket, as far as its clocks care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TicketChange {
    /// Its status before (`None`: the ticket was just created).
    pub before: Option<TicketStatus>,
    pub after: TicketStatus,
    /// How it was closed, when it is.
    pub resolution: Option<ResolutionCode>,
    /// A member of staff did it (a resolution by staff is a response; a
    /// citizen's withdrawal is not).
    pub by_staff: bool,
    pub touch: Touch,
}

/// Whether the change told the citizen something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Touch {
    /// Nothing public, or not from a person on staff (automatic email does not count).
    None,
    /// A public update by staff: restarts keep-in-touch.
    PublicUpdate,
    /// A person's public reply or explicit acknowledgement: meets the first
    /// response, and is a public update.
    FirstResponse,
}

/// The target and calendar a clock should have now (from the ticket's
/// policy, priority and department).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Desired {
    pub target_minutes: i32,
    pub calendar_id: i64,
}

/// The events a change brings to one clock, in order. `clock` is the clock
/// as it stands (`None`: the ticket has none of this kind yet); `desired`
/// what the ticket's SLA asks for now (`None`: no policy or no target of
/// this kind). Applying the result with [`ClockState::apply`] never fails.
///
/// * A clock that should exist starts when the ticket is open (paused at
///   once if the ticket waits on the citizen); one that should not stops.
/// * A different calendar (transfer) or target (priority or category
///   change) applies to an active clock, keeping its elapsed time.
/// * Waiting on the citizen pauses running clocks; their answer resumes them.
/// * Resolving (or closing with an outcome: fixed, answered, referred, no
///   action possible) meets the resolution clock and, when staff do it, the
///   first response; a withdrawal or a merge stops them. Keep-in-touch stops.
/// * Reopening resumes the resolution clock (and a first response never
///   given) with their elapsed time, and restarts keep-in-touch.
/// * A person's first public reply or acknowledgement meets the first
///   response; every public update by staff restarts keep-in-touch.
pub fn plan(
    kind: ClockKind,
    clock: Option<&ClockState>,
    desired: Option<Desired>,
    change: &TicketChange,
) -> Vec<ClockEvent> {
    use ClockEvent as E;
    use ClockStatus as S;
    let after = change.after.clock_effect();
    let open = after != ClockEffect::Stopped;
    let Some(clock) = clock else {
        return match desired {
            Some(d) if open => {
                let mut out = vec![E::Started {
                    target_minutes: d.target_minutes,
                    calendar_id: d.calendar_id,
                }];
                if after == ClockEffect::Paused {
                    out.push(E::Paused);
                }
                out
            }
            _ => Vec::new(),
        };
    };
    let mut p = Planner {
        status: clock.status,
        target: clock.target_minutes,
        calendar: clock.calendar_id,
        out: Vec::new(),
    };
    let Some(d) = desired else {
        if p.active() {
            p.push(E::Stopped);
        }
        return p.out;
    };
    if !open {
        if p.active() {
            let outcome = change.after == TicketStatus::Resolved
                || (change.after == TicketStatus::Closed
                    && !matches!(
                        change.resolution,
                        Some(ResolutionCode::Withdrawn | ResolutionCode::Duplicate)
                    ));
            let met = match kind {
                ClockKind::Resolution => outcome,
                ClockKind::FirstResponse => outcome && change.by_staff,
                ClockKind::KeepInTouch => false,
            };
            p.push(if met { E::Met } else { E::Stopped });
        }
        return p.out;
    }
    // The ticket is open from here on: a clock at rest that should run again
    // (reopened, or its policy came back) resumes; keep-in-touch starts a new cycle.
    let reopening = change.before.map(TicketStatus::clock_effect) == Some(ClockEffect::Stopped)
        || p.status == S::Stopped
        || (kind == ClockKind::Resolution && p.status == S::Met);
    let mut restarted = false;
    if reopening {
        match (kind, p.status) {
            (ClockKind::KeepInTouch, _) => {
                p.push(E::Restarted {
                    target_minutes: d.target_minutes,
                });
                restarted = true;
            }
            (ClockKind::Resolution, S::Met | S::Stopped)
            | (ClockKind::FirstResponse, S::Stopped) => p.push(E::Reopened),
            _ => {}
        }
    }
    if p.active() && p.calendar != d.calendar_id {
        p.push(E::CalendarChanged {
            calendar_id: d.calendar_id,
        });
    }
    if p.active() && p.target != d.target_minutes {
        p.push(E::Retargeted {
            target_minutes: d.target_minutes,
        });
    }
    if change.touch == Touch::FirstResponse && kind == ClockKind::FirstResponse && p.active() {
        p.push(E::Met);
    }
    if matches!(change.touch, Touch::PublicUpdate | Touch::FirstResponse)
        && kind == ClockKind::KeepInTouch
        && !restarted
    {
        p.push(E::Restarted {
            target_minutes: d.target_minutes,
        });
    }
    match after {
        ClockEffect::Paused if p.status == S::Running => p.push(E::Paused),
        ClockEffect::Running if p.status == S::Paused => p.push(E::Resumed),
        _ => {}
    }
    p.out
}

/// Tracks what the planned events do to a clock.
struct Planner {
    status: ClockStatus,
    target: i32,
    calendar: i64,
    out: Vec<ClockEvent>,
}

impl Planner {
    fn active(&self) -> bool {
        matches!(self.status, ClockStatus::Running | ClockStatus::Paused)
    }

    fn push(&mut self, e: ClockEvent) {
        use ClockEvent as E;
        self.status = match e {
            E::Started { .. } | E::Resumed | E::Reopened | E::Restarted { .. } => {
                ClockStatus::Running
            }
            E::Paused => ClockStatus::Paused,
            E::Met => ClockStatus::Met,
            E::Stopped => ClockStatus::Stopped,
            E::Retargeted { .. }
            | E::CalendarChanged { .. }
            | E::Extended { .. }
            | E::Warned { .. }
            | E::Breached => self.status,
        };
        match e {
            E::Retargeted { target_minutes } | E::Restarted { target_minutes } => {
                self.target = target_minutes
            }
            E::CalendarChanged { calendar_id } => self.calendar = calendar_id,
            _ => {}
        }
        self.out.push(e);
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
