//! The SLA worker's job: raise each warning and breach exactly once, record
//! it, tell people, and apply the policy's escalation.
//!
//! A sweep finds clocks whose next alert has come (`sla_clocks.next_alert_at
//! <= now`, a partial index, so nothing due costs one index probe), then
//! handles them one ticket per transaction: the ticket row is locked with
//! `SKIP LOCKED` (every writer of a ticket's clocks holds that lock), the
//! clocks are re-read under it, and the alerts still due are applied. A
//! second worker racing for the same ticket skips it, or finds its alerts
//! already raised; the unique index on the clock log is the last word. A
//! failing ticket is logged and the sweep goes on.
//!
//! Before that, clocks running on a calendar or policy that changed since
//! their instants were computed are brought up to date.

use std::collections::{HashMap, HashSet};

use anyhow::Context;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::json;

use super::calendars::Calendars;
use super::engine::{self, Actor, Applied, Change, Touch};
use super::policy::{self, Policy};
use crate::configuration::Settings;
use crate::db::models::sla_clock::SlaClockRow;
use crate::db::models::ticket::Ticket;
use crate::db::models::ticket_event::NewTicketEvent;
use crate::domain::priority::Priority;
use crate::domain::role::Role;
use crate::domain::sla::{Alert, ClockKind, ClockStatus, EscalationAction};
use crate::domain::ticket_status::StatusAction;
use crate::email::messages::SlaAlert;
use crate::email::{self, EmailTemplates};
use crate::i18n::{self, Locale};
use crate::schema::{
    business_calendars, departments, sla_applied_versions, sla_clocks, sla_policies, ticket_events,
    ticket_holdings, tickets, user_departments, users,
};

/// What the sweep needs to write email.
pub struct SweepContext<'a> {
    pub templates: &'a EmailTemplates,
    pub settings: &'a Settings,
}

/// What one sweep did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SweepReport {
    pub tickets: u32,
    pub warnings: u32,
    pub breaches: u32,
    pub emails: u32,
    pub priority_raised: u32,
    pub moved: u32,
    /// Tickets another worker (or a person) held; the next sweep sees them.
    pub skipped: u32,
    pub failed: u32,
    /// Clocks whose instants were recomputed after a calendar or policy change.
    pub recomputed: u32,
}

impl SweepReport {
    pub fn alerts(&self) -> u32 {
        self.warnings + self.breaches
    }
}

/// Runs one sweep at `now`, `batch` clocks at a time.
#[tracing::instrument(skip_all)]
pub fn sweep(
    conn: &mut PgConnection,
    cx: &SweepContext,
    now: DateTime<Utc>,
    batch: i64,
) -> anyhow::Result<SweepReport> {
    let mut report = SweepReport::default();
    recompute_changed(conn, now, &mut report)?;
    let mut policies: HashMap<i64, Option<Policy>> = HashMap::new();
    let mut calendars = Calendars::default();
    let mut passed_over: HashSet<i64> = HashSet::new();
    loop {
        let due: Vec<i64> = sla_clocks::table
            .filter(sla_clocks::next_alert_at.le(now))
            .order((sla_clocks::next_alert_at.asc(), sla_clocks::ticket_id.asc()))
            .select(sla_clocks::ticket_id)
            .limit(batch)
            .load(conn)
            .context("finding SLA clocks that fell due")?;
        let mut seen = HashSet::new();
        let tickets: Vec<i64> = due
            .into_iter()
            .filter(|id| !passed_over.contains(id) && seen.insert(*id))
            .collect();
        if tickets.is_empty() {
            break;
        }
        for ticket_id in tickets {
            let outcome = conn.transaction(|conn| {
                alert_ticket(
                    conn,
                    cx,
                    ticket_id,
                    now,
                    &mut policies,
                    &mut calendars,
                    &mut report,
                )
            });
            match outcome {
                Ok(Handled::Alerted) => report.tickets += 1,
                Ok(Handled::NothingLeft) => {}
                Ok(Handled::Busy) => {
                    report.skipped += 1;
                    passed_over.insert(ticket_id);
                }
                Err(e) => {
                    report.failed += 1;
                    passed_over.insert(ticket_id);
                    tracing::error!(ticket.id = ticket_id, error = %format!("{e:#}"),
                        "an SLA alert failed; the next sweep tries again");
                }
            }
        }
    }
    if report.alerts() > 0 || report.failed > 0 || report.recomputed > 0 {
        tracing::info!(
            tickets = report.tickets,
            warnings = report.warnings,
            breaches = report.breaches,
            emails = report.emails,
            skipped = report.skipped,
            failed = report.failed,
            recomputed = report.recomputed,
            "SLA sweep done"
        );
    }
    Ok(report)
}

/// What happened to one ticket the sweep looked at.
enum Handled {
    /// Its due alerts were raised.
    Alerted,
    /// Nothing was due any more (another worker raised it, or the clock
    /// changed); its next alert instant is current again.
    NothingLeft,
    /// Someone else holds the ticket now; the next sweep sees it.
    Busy,
}

/// Raises what is due on one ticket.
#[allow(clippy::too_many_arguments)]
fn alert_ticket(
    conn: &mut PgConnection,
    cx: &SweepContext,
    ticket_id: i64,
    now: DateTime<Utc>,
    policies: &mut HashMap<i64, Option<Policy>>,
    calendars: &mut Calendars,
    report: &mut SweepReport,
) -> anyhow::Result<Handled> {
    let Some(ticket) = tickets::table
        .filter(tickets::id.eq(ticket_id))
        .for_update()
        .skip_locked()
        .select(Ticket::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(Handled::Busy);
    };
    let rows: Vec<SlaClockRow> = sla_clocks::table
        .filter(sla_clocks::ticket_id.eq(ticket_id))
        .filter(sla_clocks::next_alert_at.le(now))
        .select(SlaClockRow::as_select())
        .load(conn)?;
    if rows.is_empty() {
        return Ok(Handled::NothingLeft);
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.calendar_id).collect();
    calendars.ensure(conn, &ids)?;
    let mut fired: Vec<(ClockKind, Alert, Option<i64>)> = Vec::new();
    let mut by_policy: HashMap<Option<i64>, Applied> = HashMap::new();
    for row in &rows {
        let policy = match row.policy_id {
            Some(id) => policy_cached(conn, policies, id)?,
            None => None,
        };
        let percents = policy
            .as_ref()
            .map(|p| p.warning_percents.clone())
            .unwrap_or_default();
        let state = row.state();
        let cal = calendars.get(row.calendar_id)?;
        let alerts = state.alerts_due(now, &percents, cal);
        let events: Vec<_> = alerts.iter().map(|a| a.event()).collect();
        by_policy
            .entry(row.policy_id)
            .or_insert_with(|| Applied::new(ticket_id, Actor::System, None, now))
            .run(row.clock, Some(state), &events, calendars)?;
        by_policy
            .get_mut(&row.policy_id)
            .expect("just inserted")
            .policy_of
            .push((row.clock, row.policy_id));
        fired.extend(alerts.into_iter().map(|a| (row.clock, a, row.policy_id)));
    }
    for (policy_id, applied) in by_policy {
        let percents = match policy_id {
            Some(id) => policy_cached(conn, policies, id)?
                .map(|p| p.warning_percents)
                .unwrap_or_default(),
            None => Vec::new(),
        };
        // A clock whose alert fell due but raised nothing (its policy's
        // thresholds changed) just gets its next alert recomputed here.
        applied.persist(conn, calendars, &percents)?;
    }
    if fired.is_empty() {
        return Ok(Handled::NothingLeft);
    }
    let fresh = engine::load(conn, ticket_id)?;
    for (clock, alert, _) in &fired {
        let row = fresh.iter().find(|r| r.clock == *clock);
        record_alert(conn, &ticket, *clock, *alert, row, now)?;
        match alert {
            Alert::Warning(_) => report.warnings += 1,
            Alert::Breach => report.breaches += 1,
        }
    }
    escalate(conn, cx, &ticket, &fired, &fresh, policies, now, report)?;
    Ok(Handled::Alerted)
}

fn policy_cached(
    conn: &mut PgConnection,
    policies: &mut HashMap<i64, Option<Policy>>,
    id: i64,
) -> anyhow::Result<Option<Policy>> {
    if let Some(p) = policies.get(&id) {
        return Ok(p.clone());
    }
    let p = policy::by_id(conn, id)?;
    policies.insert(id, p.clone());
    Ok(p)
}

fn record_alert(
    conn: &mut PgConnection,
    ticket: &Ticket,
    clock: ClockKind,
    alert: Alert,
    row: Option<&SlaClockRow>,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let (kind, percent) = match alert {
        Alert::Warning(p) => ("sla_warning", Some(p)),
        Alert::Breach => ("sla_breach", None),
    };
    diesel::insert_into(ticket_events::table)
        .values(&NewTicketEvent {
            ticket_id: ticket.id,
            kind,
            actor_kind: "system",
            actor_user_id: None,
            actor_contact_id: None,
            body: "",
            data: json!({
                "clock": clock,
                "percent": percent,
                "due_at": row.and_then(|r| r.due_at),
                "target_minutes": row.map(|r| r.target_minutes + r.extension_minutes),
                "elapsed_minutes": row.map(|r| r.elapsed_seconds / 60),
            }),
            public: false,
            created_at: now,
        })
        .execute(conn)?;
    tracing::info!(
        ticket.id = ticket.id,
        clock = clock.as_str(),
        ?percent,
        "{kind}"
    );
    Ok(())
}

/// The policy's actions for what fired: each action at most once per sweep
/// of a ticket, and one email per person (about the most serious alert), so
/// a clock that jumps past several thresholds at once does not flood anyone.
#[allow(clippy::too_many_arguments)]
fn escalate(
    conn: &mut PgConnection,
    cx: &SweepContext,
    ticket: &Ticket,
    fired: &[(ClockKind, Alert, Option<i64>)],
    clocks: &[SlaClockRow],
    policies: &mut HashMap<i64, Option<Policy>>,
    now: DateTime<Utc>,
    report: &mut SweepReport,
) -> anyhow::Result<()> {
    let mut actions: Vec<EscalationAction> = Vec::new();
    let mut move_to: Option<i64> = None;
    for (_, alert, policy_id) in fired {
        let Some(policy) = (match policy_id {
            Some(id) => policy_cached(conn, policies, *id)?,
            None => None,
        }) else {
            continue;
        };
        let list = match alert {
            Alert::Warning(_) => &policy.warning_actions,
            Alert::Breach => &policy.breach_actions,
        };
        for a in list {
            if !actions.contains(a) {
                actions.push(*a);
            }
        }
        move_to = move_to.or(policy.escalation_department_id);
    }
    // The most serious alert: a breach over a warning, the higher warning over a lower.
    let (clock, alert, _) = *fired
        .iter()
        .max_by_key(|(_, a, _)| match a {
            Alert::Breach => 1000,
            Alert::Warning(p) => i32::from(*p),
        })
        .expect("something fired");
    let mut done: Vec<String> = Vec::new();
    let mut current = ticket.clone();
    let staff_locale = Locale::En;
    if actions.contains(&EscalationAction::RaisePriority) {
        let raised = current.priority.raised();
        if raised != current.priority {
            current = change_priority(conn, &current, raised, now)?;
            report.priority_raised += 1;
            done.push(i18n_action(
                staff_locale,
                "email-sla-action-raise-priority",
                "priority",
                raised.as_str(),
            ));
        }
    }
    if actions.contains(&EscalationAction::MoveDepartment) {
        if let Some(to) = move_to.filter(|to| *to != current.department_id) {
            let (moved, name) = move_department(conn, &current, to, now)?;
            current = moved;
            report.moved += 1;
            done.push(i18n_action(
                staff_locale,
                "email-sla-action-move-department",
                "department",
                &name,
            ));
        }
    }
    let mut recipients: Vec<(i64, bool)> = Vec::new();
    if actions.contains(&EscalationAction::NotifyAssignee) {
        match ticket.assignee_id {
            Some(a) => recipients.push((a, true)),
            // Nobody holds it: its supervisors are the ones to know.
            None => recipients.extend(
                supervisors(conn, ticket.department_id)?
                    .into_iter()
                    .map(|s| (s, false)),
            ),
        }
    }
    if actions.contains(&EscalationAction::NotifySupervisors) {
        // The department that has it now (after a move, the one it went to).
        for s in supervisors(conn, current.department_id)? {
            recipients.push((s, false));
        }
    }
    let mut seen = HashSet::new();
    recipients.retain(|(id, _)| seen.insert(*id));
    let row = clocks.iter().find(|r| r.clock == clock);
    for (user_id, assignee) in recipients {
        if notify(
            conn, cx, &current, clock, alert, row, user_id, assignee, &done, now,
        )? {
            report.emails += 1;
        }
    }
    Ok(())
}

fn i18n_action(locale: Locale, key: &str, name: &'static str, value: &str) -> String {
    let args = HashMap::from([(
        std::borrow::Cow::Borrowed(name),
        fluent_templates::fluent_bundle::FluentValue::from(value.to_string()),
    )]);
    locale.text_with(key, &args)
}

fn supervisors(conn: &mut PgConnection, department_id: i64) -> QueryResult<Vec<i64>> {
    users::table
        .inner_join(user_departments::table)
        .filter(user_departments::department_id.eq(department_id))
        .filter(users::role.eq(Role::Supervisor))
        .filter(users::active.eq(true))
        .order(users::id.asc())
        .select(users::id)
        .load(conn)
}

/// Raises the priority as the SLA escalation: on the timeline, and the
/// clocks re-target (keeping their time and what was already raised).
fn change_priority(
    conn: &mut PgConnection,
    ticket: &Ticket,
    to: Priority,
    now: DateTime<Utc>,
) -> anyhow::Result<Ticket> {
    system_event(
        conn,
        ticket.id,
        "priority_changed",
        "",
        json!({ "from": ticket.priority.as_str(), "to": to.as_str(), "escalation": true }),
        now,
    )?;
    let after: Ticket = diesel::update(tickets::table.filter(tickets::id.eq(ticket.id)))
        .set((
            tickets::priority.eq(to),
            tickets::version.eq(tickets::version + 1),
            tickets::updated_at.eq(now),
        ))
        .returning(Ticket::as_returning())
        .get_result(conn)?;
    engine::sync(
        conn,
        &Change {
            before: Some(ticket),
            after: &after,
            touch: Touch::None,
            actor: Actor::System,
            reason: Some("escalation"),
            now,
        },
    )?;
    Ok(after)
}

/// Moves the ticket to the policy's escalation department, as a transfer
/// would (holdings, assignee cleared, the calendar follows).
fn move_department(
    conn: &mut PgConnection,
    ticket: &Ticket,
    to: i64,
    now: DateTime<Utc>,
) -> anyhow::Result<(Ticket, String)> {
    let next = ticket
        .status
        .apply(StatusAction::Transfer)
        .unwrap_or(ticket.status);
    let names: Vec<(i64, String)> = departments::table
        .filter(departments::id.eq_any([ticket.department_id, to]))
        .select((departments::id, departments::name))
        .load(conn)?;
    let name = |id: i64| {
        names
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, n)| n.clone())
            .unwrap_or_default()
    };
    diesel::update(
        ticket_holdings::table
            .filter(ticket_holdings::ticket_id.eq(ticket.id))
            .filter(ticket_holdings::ended_at.is_null()),
    )
    .set(ticket_holdings::ended_at.eq(now))
    .execute(conn)?;
    diesel::insert_into(ticket_holdings::table)
        .values((
            ticket_holdings::ticket_id.eq(ticket.id),
            ticket_holdings::department_id.eq(to),
            ticket_holdings::started_at.eq(now),
        ))
        .execute(conn)?;
    system_event(
        conn,
        ticket.id,
        "transferred",
        "",
        json!({
            "from": { "id": ticket.department_id, "name": name(ticket.department_id) },
            "to": { "id": to, "name": name(to) },
            "previous_assignee_id": ticket.assignee_id,
            "status_from": ticket.status.as_str(),
            "status_to": next.as_str(),
            "escalation": true,
        }),
        now,
    )?;
    let after: Ticket = diesel::update(tickets::table.filter(tickets::id.eq(ticket.id)))
        .set((
            tickets::department_id.eq(to),
            tickets::assignee_id.eq(None::<i64>),
            tickets::status.eq(next),
            tickets::version.eq(tickets::version + 1),
            tickets::updated_at.eq(now),
        ))
        .returning(Ticket::as_returning())
        .get_result(conn)?;
    engine::sync(
        conn,
        &Change {
            before: Some(ticket),
            after: &after,
            touch: Touch::None,
            actor: Actor::System,
            reason: Some("escalation"),
            now,
        },
    )?;
    Ok((after, name(to)))
}

fn system_event(
    conn: &mut PgConnection,
    ticket_id: i64,
    kind: &str,
    body: &str,
    data: serde_json::Value,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(ticket_events::table)
        .values(&NewTicketEvent {
            ticket_id,
            kind,
            actor_kind: "system",
            actor_user_id: None,
            actor_contact_id: None,
            body,
            data,
            public: false,
            created_at: now,
        })
        .execute(conn)?;
    Ok(())
}

/// Queues the alert email for one member of staff; `false` if they are inactive.
#[allow(clippy::too_many_arguments)]
fn notify(
    conn: &mut PgConnection,
    cx: &SweepContext,
    ticket: &Ticket,
    clock: ClockKind,
    alert: Alert,
    row: Option<&SlaClockRow>,
    user_id: i64,
    assignee: bool,
    done: &[String],
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let person: Option<(String, String, String)> = users::table
        .filter(users::id.eq(user_id))
        .filter(users::active.eq(true))
        .select((users::name, users::email, users::locale))
        .first(conn)
        .optional()?;
    let Some((staff_name, recipient, locale)) = person else {
        return Ok(false);
    };
    let locale = Locale::from_tag(&locale).unwrap_or(Locale::En);
    let department: String = departments::table
        .filter(departments::id.eq(ticket.department_id))
        .select(departments::name)
        .first(conn)?;
    let zone: String = match row {
        Some(r) => business_calendars::table
            .filter(business_calendars::id.eq(r.calendar_id))
            .select(business_calendars::time_zone)
            .first(conn)?,
        None => cx.settings.application.time_zone.name().to_string(),
    };
    let tz = super::display::zone(&zone);
    let due_at = row.and_then(|r| r.due_at);
    let due = due_at
        .map(|d| {
            d.with_timezone(&tz)
                .format("%-d %b %Y, %H:%M %Z")
                .to_string()
        })
        .unwrap_or_default();
    let state = match due_at {
        Some(d) if d <= now => words(locale, "sla-overdue-by", (now - d).num_minutes()),
        Some(d) => words(locale, "sla-due-in", (d - now).num_minutes()),
        None => locale.text("sla-urgency-paused"),
    };
    let rendered = cx.templates.render(
        SlaAlert::TEMPLATE,
        locale,
        &SlaAlert {
            council_name: cx.settings.application.council_name.clone(),
            staff_name,
            reference: ticket.reference.clone(),
            subject: ticket.subject.clone(),
            department,
            clock: locale.text(super::display::SlaClockOut::label_key_of(clock)),
            breach: alert == Alert::Breach,
            percent: match alert {
                Alert::Warning(p) => p,
                Alert::Breach => 100,
            },
            due,
            state,
            actions: done.join("; "),
            assignee,
            ticket_url: crate::staff::tickets::notify::staff_ticket_url(
                cx.settings,
                &ticket.reference,
            ),
        },
    )?;
    email::enqueue(
        conn,
        SlaAlert::TEMPLATE,
        &recipient,
        &rendered,
        Some(ticket.id),
        &email::message_id_domain(&cx.settings.application.public_base_url),
    )?;
    Ok(true)
}

fn words(locale: Locale, key: &str, minutes: i64) -> String {
    let args = HashMap::from([(
        std::borrow::Cow::Borrowed("duration"),
        fluent_templates::fluent_bundle::FluentValue::from(i18n::duration_words(locale, minutes)),
    )]);
    locale.text_with(key, &args)
}

/// Recomputes the due instants and next alerts of the clocks running on a
/// calendar or under a policy that changed since they were computed.
fn recompute_changed(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    report: &mut SweepReport,
) -> anyhow::Result<()> {
    let applied: Vec<(String, i64, DateTime<Utc>)> = sla_applied_versions::table
        .select((
            sla_applied_versions::source,
            sla_applied_versions::source_id,
            sla_applied_versions::updated_at,
        ))
        .load(conn)?;
    let known = |source: &str, id: i64| {
        applied
            .iter()
            .find(|(s, i, _)| s == source && *i == id)
            .map(|(_, _, at)| *at)
    };
    let calendars: Vec<(i64, DateTime<Utc>)> = business_calendars::table
        .select((business_calendars::id, business_calendars::updated_at))
        .load(conn)?;
    let policies: Vec<(i64, DateTime<Utc>)> = sla_policies::table
        .select((sla_policies::id, sla_policies::updated_at))
        .load(conn)?;
    let changed: Vec<(&str, i64, DateTime<Utc>)> = calendars
        .iter()
        .map(|(id, at)| ("calendar", *id, *at))
        .chain(policies.iter().map(|(id, at)| ("policy", *id, *at)))
        .filter(|(source, id, at)| known(source, *id) != Some(*at))
        .collect();
    for (source, id, at) in changed {
        let n = conn.transaction(|conn| -> anyhow::Result<u32> {
            let n = recompute(conn, source, id, now)?;
            diesel::insert_into(sla_applied_versions::table)
                .values((
                    sla_applied_versions::source.eq(source),
                    sla_applied_versions::source_id.eq(id),
                    sla_applied_versions::updated_at.eq(at),
                ))
                .on_conflict((
                    sla_applied_versions::source,
                    sla_applied_versions::source_id,
                ))
                .do_update()
                .set(sla_applied_versions::updated_at.eq(at))
                .execute(conn)?;
            Ok(n)
        })?;
        report.recomputed += n;
    }
    Ok(())
}

/// Recomputes, under their tickets' locks, the running clocks of one
/// calendar or policy. Clocks whose ticket is busy are left to the change
/// being made to it (which computes with the current calendar).
fn recompute(
    conn: &mut PgConnection,
    source: &str,
    id: i64,
    now: DateTime<Utc>,
) -> anyhow::Result<u32> {
    const CHUNK: i64 = 2000;
    let mut after_ticket = 0i64;
    let mut n = 0u32;
    let mut calendars = Calendars::default();
    let mut policies: HashMap<i64, Option<Policy>> = HashMap::new();
    loop {
        let mut q = sla_clocks::table
            .filter(sla_clocks::state.eq_any([ClockStatus::Running, ClockStatus::Paused]))
            .filter(sla_clocks::ticket_id.gt(after_ticket))
            .into_boxed();
        q = if source == "calendar" {
            q.filter(sla_clocks::calendar_id.eq(id))
        } else {
            q.filter(sla_clocks::policy_id.eq(id))
        };
        let ids: Vec<i64> = q
            .order(sla_clocks::ticket_id.asc())
            .select(sla_clocks::ticket_id)
            .limit(CHUNK)
            .load(conn)?;
        let Some(&last) = ids.last() else { break };
        after_ticket = last;
        let locked: Vec<i64> = tickets::table
            .filter(tickets::id.eq_any(&ids))
            .for_update()
            .skip_locked()
            .select(tickets::id)
            .load(conn)?;
        let rows: Vec<SlaClockRow> = sla_clocks::table
            .filter(sla_clocks::ticket_id.eq_any(&locked))
            .filter(sla_clocks::state.eq_any([ClockStatus::Running, ClockStatus::Paused]))
            .select(SlaClockRow::as_select())
            .load(conn)?;
        let cal_ids: Vec<i64> = rows.iter().map(|r| r.calendar_id).collect();
        calendars.ensure(conn, &cal_ids)?;
        let mut changed = Vec::new();
        for row in rows {
            let percents = match row.policy_id {
                Some(p) => policy_cached(conn, &mut policies, p)?
                    .map(|p| p.warning_percents)
                    .unwrap_or_default(),
                None => Vec::new(),
            };
            let state = row.state();
            let cal = calendars.get(row.calendar_id)?;
            let due_at = state.due_at(cal);
            let next_alert_at = state.next_alert(&percents, cal).map(|(t, _)| t);
            if due_at != row.due_at || next_alert_at != row.next_alert_at {
                changed.push(SlaClockRow {
                    due_at,
                    next_alert_at,
                    updated_at: now,
                    ..row
                });
            }
        }
        if !changed.is_empty() {
            engine::upsert(conn, &changed)?;
            let touched: HashSet<i64> = changed.iter().map(|r| r.ticket_id).collect();
            for t in touched {
                engine::update_ticket_due(conn, t)?;
            }
            n += changed.len() as u32;
        }
    }
    Ok(n)
}
