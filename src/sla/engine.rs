//! Keeps a ticket's clocks in step with the ticket, inside the transaction of
//! the use case that changed it (which holds the ticket's row lock, so no one
//! else writes these clocks meanwhile).
//!
//! [`sync`] compares the ticket before and after the change, asks the pure
//! planner ([`domain::sla::plan`]) what that means for each clock, appends
//! the events to the log, keeps the derived state (`sla_clocks`) and the
//! ticket's earliest due instant (`tickets.sla_due_at`) current, and puts one
//! internal entry on the timeline saying what changed.

use anyhow::Context;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::upsert::excluded;
use serde_json::json;

use super::calendars::Calendars;
use super::policy::{self, Applicable};
use crate::db::models::sla_clock::{NewSlaClockEvent, SlaClockRow};
use crate::db::models::ticket::Ticket;
use crate::db::models::ticket_event::NewTicketEvent;
pub use crate::domain::sla::Touch;
use crate::domain::sla::{
    self, ClockEvent, ClockKind, ClockState, ClockStatus, Desired, TicketChange,
};
use crate::schema::{sla_clock_events, sla_clocks, ticket_events, tickets};

/// Who made the change (for the clock log).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    Staff(i64),
    Citizen,
    /// The SLA worker's escalations.
    System,
}

impl Actor {
    fn user_id(self) -> Option<i64> {
        match self {
            Self::Staff(id) => Some(id),
            Self::Citizen | Self::System => None,
        }
    }
}

/// One clock after a change, for the timeline and for callers.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ClockChange {
    pub clock: ClockKind,
    pub events: Vec<&'static str>,
    pub status: ClockStatus,
    pub target_minutes: i32,
    pub due_at: Option<DateTime<Utc>>,
    /// The zone of the calendar it counts in, for showing `due_at`.
    pub time_zone: String,
}

/// What a use case tells the engine.
#[derive(Debug, Clone, Copy)]
pub struct Change<'a> {
    /// The ticket before the change; `None` when it was just created.
    pub before: Option<&'a Ticket>,
    /// The ticket as saved.
    pub after: &'a Ticket,
    pub touch: Touch,
    pub actor: Actor,
    /// A reason to keep with the clock events (e.g. an escalation's).
    pub reason: Option<&'a str>,
    pub now: DateTime<Utc>,
}

impl Change<'_> {
    /// Whether anything a clock cares about changed.
    fn matters(&self) -> bool {
        let Some(b) = self.before else {
            return true;
        };
        let a = self.after;
        self.touch != Touch::None
            || b.status.clock_effect() != a.status.clock_effect()
            || b.priority != a.priority
            || b.category_id != a.category_id
            || b.department_id != a.department_id
    }

    fn ticket_change(&self) -> TicketChange {
        TicketChange {
            before: self.before.map(|b| b.status),
            after: self.after.status,
            resolution: self.after.resolution_code,
            by_staff: matches!(self.actor, Actor::Staff(_)),
            touch: self.touch,
        }
    }
}

/// Brings the ticket's clocks up to date after `change`; returns what
/// changed (empty when nothing did).
#[tracing::instrument(skip_all, fields(ticket.id = change.after.id))]
pub fn sync(conn: &mut PgConnection, change: &Change) -> anyhow::Result<Vec<ClockChange>> {
    if !change.matters() {
        return Ok(Vec::new());
    }
    let ticket = change.after;
    let applicable = policy::applicable(
        conn,
        ticket.category_id,
        ticket.priority,
        ticket.department_id,
    )
    .context("finding the ticket's SLA policy")?;
    let rows = load(conn, ticket.id)?;
    let mut calendars = Calendars::default();
    let mut ids: Vec<i64> = rows.iter().map(|r| r.calendar_id).collect();
    ids.extend(applicable.as_ref().map(|a| a.calendar_id));
    calendars.ensure(conn, &ids)?;

    let what = change.ticket_change();
    let mut plans: Vec<(ClockKind, Option<ClockState>, Vec<ClockEvent>)> = Vec::new();
    for kind in ClockKind::ALL {
        let current = rows
            .iter()
            .find(|r| r.clock == kind)
            .map(SlaClockRow::state);
        let desired = applicable.as_ref().and_then(|a| {
            a.targets.for_clock(kind).map(|target_minutes| Desired {
                target_minutes,
                calendar_id: a.calendar_id,
            })
        });
        let events = sla::plan(kind, current.as_ref(), desired, &what);
        if !events.is_empty() {
            plans.push((kind, current, events));
        }
    }
    if plans.is_empty() {
        return Ok(Vec::new());
    }
    let mut applied = Applied::new(ticket.id, change.actor, change.reason, change.now);
    for (kind, current, events) in plans {
        let policy_id = applicable.as_ref().map(|a| a.policy.id).or_else(|| {
            rows.iter()
                .find(|r| r.clock == kind)
                .and_then(|r| r.policy_id)
        });
        applied.run(kind, current, &events, &calendars)?;
        applied.policy_of.push((kind, policy_id));
    }
    let percents = applicable
        .as_ref()
        .map(|a| a.policy.warning_percents.clone())
        .unwrap_or_default();
    let changes = applied.persist(conn, &calendars, &percents)?;
    update_ticket_due(conn, ticket.id)?;
    timeline(conn, ticket.id, change.now, &changes, applicable.as_ref())?;
    Ok(changes)
}

/// Grants `minutes` more business time on a running or paused clock (a
/// supervisor's extension, with a reason). `None` when the ticket has no
/// such clock, or it is met or stopped.
pub fn extend(
    conn: &mut PgConnection,
    ticket: &Ticket,
    kind: ClockKind,
    minutes: i32,
    reason: &str,
    actor: Actor,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<ClockChange>> {
    let rows = load(conn, ticket.id)?;
    let Some(row) = rows
        .iter()
        .find(|r| r.clock == kind && matches!(r.state, ClockStatus::Running | ClockStatus::Paused))
    else {
        return Ok(None);
    };
    let calendars = Calendars::load(conn, &[row.calendar_id])?;
    let percents = match row.policy_id {
        Some(id) => policy::by_id(conn, id)?
            .map(|p| p.warning_percents)
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let mut applied = Applied::new(ticket.id, actor, Some(reason), now);
    applied.run(
        kind,
        Some(row.state()),
        &[ClockEvent::Extended { minutes }],
        &calendars,
    )?;
    applied.policy_of.push((kind, row.policy_id));
    let mut changes = applied.persist(conn, &calendars, &percents)?;
    update_ticket_due(conn, ticket.id)?;
    Ok(changes.pop())
}

/// A ticket's clocks, as kept.
pub fn load(conn: &mut PgConnection, ticket_id: i64) -> anyhow::Result<Vec<SlaClockRow>> {
    sla_clocks::table
        .filter(sla_clocks::ticket_id.eq(ticket_id))
        .select(SlaClockRow::as_select())
        .load(conn)
        .context("loading the ticket's SLA clocks")
}

/// Events applied to clocks in memory, waiting to be written.
pub(super) struct Applied<'a> {
    ticket_id: i64,
    actor: Actor,
    reason: Option<&'a str>,
    now: DateTime<Utc>,
    pub(super) states: Vec<(ClockState, Vec<&'static str>)>,
    pub(super) policy_of: Vec<(ClockKind, Option<i64>)>,
    events: Vec<NewSlaClockEvent>,
}

impl<'a> Applied<'a> {
    pub(super) fn new(
        ticket_id: i64,
        actor: Actor,
        reason: Option<&'a str>,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            ticket_id,
            actor,
            reason,
            now,
            states: Vec::new(),
            policy_of: Vec::new(),
            events: Vec::new(),
        }
    }

    /// Applies `events` to the clock (starting it if the first is `Started`).
    pub(super) fn run(
        &mut self,
        kind: ClockKind,
        current: Option<ClockState>,
        events: &[ClockEvent],
        calendars: &Calendars,
    ) -> anyhow::Result<()> {
        let at = self.now;
        let mut state = current;
        let mut names = Vec::new();
        for &event in events {
            let s = match (state.take(), event) {
                (
                    None,
                    ClockEvent::Started {
                        target_minutes,
                        calendar_id,
                    },
                ) => ClockState::start(kind, at, target_minutes, calendar_id),
                (Some(mut s), event) => {
                    let cal = calendars.get(s.calendar_id)?;
                    s.apply(at, event, cal)?;
                    s
                }
                (None, other) => anyhow::bail!("{} before the {kind} clock started", other.kind()),
            };
            self.events.push(event_row(
                self.ticket_id,
                &s,
                event,
                at,
                self.actor,
                self.reason,
                self.now,
            ));
            names.push(event.kind());
            state = Some(s);
        }
        if let Some(s) = state {
            self.states.push((s, names));
        }
        Ok(())
    }

    /// Writes the log entries and the clocks' new state.
    pub(super) fn persist(
        self,
        conn: &mut PgConnection,
        calendars: &Calendars,
        percents: &[i16],
    ) -> anyhow::Result<Vec<ClockChange>> {
        diesel::insert_into(sla_clock_events::table)
            .values(&self.events)
            .execute(conn)
            .context("appending to the SLA clock log")?;
        let mut rows = Vec::with_capacity(self.states.len());
        let mut changes = Vec::with_capacity(self.states.len());
        for (state, events) in &self.states {
            let cal = calendars.get(state.calendar_id)?;
            let due_at = state.due_at(cal);
            let next_alert_at = state.next_alert(percents, cal).map(|(t, _)| t);
            let policy_id = self
                .policy_of
                .iter()
                .find(|(k, _)| *k == state.kind)
                .and_then(|(_, p)| *p);
            rows.push(SlaClockRow::from_state(
                self.ticket_id,
                policy_id,
                state,
                due_at,
                next_alert_at,
                self.now,
            ));
            changes.push(ClockChange {
                clock: state.kind,
                events: events.clone(),
                status: state.status,
                target_minutes: state.target_minutes + state.extension_minutes,
                due_at,
                time_zone: cal.tz().name().to_string(),
            });
        }
        upsert(conn, &rows)?;
        Ok(changes)
    }
}

/// Writes clock rows, new or changed, in one statement.
pub(super) fn upsert(conn: &mut PgConnection, rows: &[SlaClockRow]) -> anyhow::Result<()> {
    use sla_clocks::dsl as c;
    diesel::insert_into(sla_clocks::table)
        .values(rows)
        .on_conflict((c::ticket_id, c::clock))
        .do_update()
        .set((
            c::policy_id.eq(excluded(c::policy_id)),
            c::calendar_id.eq(excluded(c::calendar_id)),
            c::state.eq(excluded(c::state)),
            c::cycle.eq(excluded(c::cycle)),
            c::started_at.eq(excluded(c::started_at)),
            c::target_minutes.eq(excluded(c::target_minutes)),
            c::extension_minutes.eq(excluded(c::extension_minutes)),
            c::elapsed_seconds.eq(excluded(c::elapsed_seconds)),
            c::since.eq(excluded(c::since)),
            c::due_at.eq(excluded(c::due_at)),
            c::met_at.eq(excluded(c::met_at)),
            c::breached_at.eq(excluded(c::breached_at)),
            c::warned_percents.eq(excluded(c::warned_percents)),
            c::next_alert_at.eq(excluded(c::next_alert_at)),
            c::paused_seconds.eq(excluded(c::paused_seconds)),
            c::updated_at.eq(excluded(c::updated_at)),
        ))
        .execute(conn)
        .context("saving the SLA clocks")?;
    Ok(())
}

/// The log row for `event`, applied at `at`, leaving the clock in `state`.
pub(super) fn event_row(
    ticket_id: i64,
    state: &ClockState,
    event: ClockEvent,
    at: DateTime<Utc>,
    actor: Actor,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> NewSlaClockEvent {
    let (target_minutes, calendar_id, minutes, percent) = match event {
        ClockEvent::Started {
            target_minutes,
            calendar_id,
        } => (Some(target_minutes), Some(calendar_id), None, None),
        ClockEvent::Retargeted { target_minutes } | ClockEvent::Restarted { target_minutes } => {
            (Some(target_minutes), None, None, None)
        }
        ClockEvent::CalendarChanged { calendar_id } => (None, Some(calendar_id), None, None),
        ClockEvent::Extended { minutes } => (None, None, Some(minutes), None),
        ClockEvent::Warned { percent } => (None, None, None, Some(percent)),
        ClockEvent::Paused
        | ClockEvent::Resumed
        | ClockEvent::Met
        | ClockEvent::Stopped
        | ClockEvent::Reopened
        | ClockEvent::Breached => (None, None, None, None),
    };
    NewSlaClockEvent {
        ticket_id,
        clock: state.kind,
        cycle: state.cycle,
        kind: event.kind(),
        at,
        target_minutes,
        calendar_id,
        minutes,
        percent,
        reason: reason.map(str::to_string),
        actor_user_id: actor.user_id(),
        elapsed_seconds: state.elapsed.num_seconds(),
        created_at: now,
    }
}

/// The domain event a log row records.
pub fn event_of(row: &crate::db::models::sla_clock::SlaClockEvent) -> anyhow::Result<ClockEvent> {
    let need = |v: Option<i64>, what: &str| {
        v.with_context(|| format!("clock event {} ({}) has no {what}", row.id, row.kind))
    };
    Ok(match row.kind.as_str() {
        "started" => ClockEvent::Started {
            target_minutes: need(row.target_minutes.map(i64::from), "target")? as i32,
            calendar_id: need(row.calendar_id, "calendar")?,
        },
        "paused" => ClockEvent::Paused,
        "resumed" => ClockEvent::Resumed,
        "retargeted" => ClockEvent::Retargeted {
            target_minutes: need(row.target_minutes.map(i64::from), "target")? as i32,
        },
        "calendar_changed" => ClockEvent::CalendarChanged {
            calendar_id: need(row.calendar_id, "calendar")?,
        },
        "extended" => ClockEvent::Extended {
            minutes: need(row.minutes.map(i64::from), "minutes")? as i32,
        },
        "met" => ClockEvent::Met,
        "stopped" => ClockEvent::Stopped,
        "reopened" => ClockEvent::Reopened,
        "restarted" => ClockEvent::Restarted {
            target_minutes: need(row.target_minutes.map(i64::from), "target")? as i32,
        },
        "warned" => ClockEvent::Warned {
            percent: need(row.percent.map(i64::from), "percent")? as i16,
        },
        "breached" => ClockEvent::Breached,
        other => anyhow::bail!("clock event {} has an unknown kind `{other}`", row.id),
    })
}

/// `tickets.sla_due_at`: the earliest due instant among the ticket's running
/// clocks, which queues sort and filter by.
pub(super) fn update_ticket_due(conn: &mut PgConnection, ticket_id: i64) -> anyhow::Result<()> {
    let due: Option<DateTime<Utc>> = sla_clocks::table
        .filter(sla_clocks::ticket_id.eq(ticket_id))
        .filter(sla_clocks::state.eq(ClockStatus::Running))
        .select(diesel::dsl::min(sla_clocks::due_at))
        .first(conn)
        .context("finding the ticket's next due instant")?;
    diesel::update(tickets::table.filter(tickets::id.eq(ticket_id)))
        .set(tickets::sla_due_at.eq(due))
        .execute(conn)
        .context("saving the ticket's next due instant")?;
    Ok(())
}

/// One internal timeline entry for the clock changes of a use case.
fn timeline(
    conn: &mut PgConnection,
    ticket_id: i64,
    now: DateTime<Utc>,
    changes: &[ClockChange],
    applicable: Option<&Applicable>,
) -> anyhow::Result<()> {
    diesel::insert_into(ticket_events::table)
        .values(&NewTicketEvent {
            ticket_id,
            kind: "sla_updated",
            actor_kind: "system",
            actor_user_id: None,
            actor_contact_id: None,
            body: "",
            data: json!({
                "policy": applicable.map(|a| a.policy.name.clone()),
                "clocks": changes,
            }),
            public: false,
            created_at: now,
        })
        .execute(conn)
        .context("recording the SLA change on the timeline")?;
    Ok(())
}

/// Replays every clock of a ticket from its log and compares the result with
/// what is kept; returns the clocks that differ (empty: all agree).
pub fn verify_ticket(
    conn: &mut PgConnection,
    ticket_id: i64,
    calendars: &Calendars,
) -> anyhow::Result<Vec<(ClockKind, String)>> {
    use crate::db::models::sla_clock::SlaClockEvent;
    let log: Vec<SlaClockEvent> = sla_clock_events::table
        .filter(sla_clock_events::ticket_id.eq(ticket_id))
        .order(sla_clock_events::id.asc())
        .select(SlaClockEvent::as_select())
        .load(conn)?;
    let mut problems = Vec::new();
    for row in load(conn, ticket_id)? {
        let events = log
            .iter()
            .filter(|e| e.clock == row.clock)
            .map(|e| Ok((e.at, event_of(e)?)))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let cals = |id: i64| calendars.get(id).expect("calendar loaded for replay");
        match ClockState::replay(row.clock, events, cals) {
            Ok(Some(replayed)) if replayed == row.state() => {}
            Ok(Some(replayed)) => problems.push((
                row.clock,
                format!("kept {:?}, replayed {:?}", row.state(), replayed),
            )),
            Ok(None) => problems.push((row.clock, "no log".to_string())),
            Err(e) => problems.push((row.clock, e.to_string())),
        }
    }
    Ok(problems)
}
