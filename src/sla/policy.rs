//! Which SLA applies to a ticket: its category's policy, with the override
//! for its priority when there is one, and the calendar business time is
//! counted in (the policy's own, else the handling department's).

use std::str::FromStr;

use diesel::prelude::*;

use crate::domain::priority::Priority;
use crate::domain::sla::{EscalationAction, Targets};
use crate::schema::{categories, departments, sla_policies, sla_policy_targets};

/// A policy as the engine and the worker use it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub id: i64,
    pub name: String,
    /// The policy's own calendar (e.g. 24x7), overriding the department's.
    pub calendar_id: Option<i64>,
    pub warning_percents: Vec<i16>,
    pub warning_actions: Vec<EscalationAction>,
    pub breach_actions: Vec<EscalationAction>,
    pub escalation_department_id: Option<i64>,
}

/// What applies to one ticket now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applicable {
    pub policy: Policy,
    pub targets: Targets,
    /// Where business time is counted for this ticket.
    pub calendar_id: i64,
}

type Override = (Option<i32>, Option<i32>, Option<i32>);

/// A policy, its own targets, the override for a priority, the department's calendar.
type Found = (PolicyRow, (i32, Option<i32>, i32), Override, i64);

type PolicyRow = (
    i64,
    String,
    Option<i64>,
    Vec<Option<i16>>,
    Vec<Option<String>>,
    Vec<Option<String>>,
    Option<i64>,
);

fn policy_columns() -> (
    sla_policies::id,
    sla_policies::name,
    sla_policies::calendar_id,
    sla_policies::warning_percents,
    sla_policies::warning_actions,
    sla_policies::breach_actions,
    sla_policies::escalation_department_id,
) {
    (
        sla_policies::id,
        sla_policies::name,
        sla_policies::calendar_id,
        sla_policies::warning_percents,
        sla_policies::warning_actions,
        sla_policies::breach_actions,
        sla_policies::escalation_department_id,
    )
}

fn actions(list: &[Option<String>]) -> Vec<EscalationAction> {
    // A CHECK keeps the column to known actions; anything else is skipped.
    list.iter()
        .flatten()
        .filter_map(|a| EscalationAction::from_str(a).ok())
        .collect()
}

fn policy_of(row: PolicyRow) -> Policy {
    let (id, name, calendar_id, percents, warning, breach, escalation_department_id) = row;
    let mut warning_percents: Vec<i16> = percents.into_iter().flatten().collect();
    warning_percents.sort_unstable();
    warning_percents.dedup();
    Policy {
        id,
        name,
        calendar_id,
        warning_percents,
        warning_actions: actions(&warning),
        breach_actions: actions(&breach),
        escalation_department_id,
    }
}

/// The SLA for a ticket in `category_id` with `priority`, handled by
/// `department_id`; `None` when the category has no policy.
pub fn applicable(
    conn: &mut PgConnection,
    category_id: i64,
    priority: Priority,
    department_id: i64,
) -> QueryResult<Option<Applicable>> {
    let found: Option<Found> = categories::table
        .inner_join(sla_policies::table)
        .inner_join(departments::table.on(departments::id.eq(department_id)))
        .left_join(
            sla_policy_targets::table.on(sla_policy_targets::policy_id
                .eq(sla_policies::id)
                .and(sla_policy_targets::priority.eq(priority.as_str()))),
        )
        .filter(categories::id.eq(category_id))
        .select((
            policy_columns(),
            (
                sla_policies::first_response_minutes,
                sla_policies::keep_in_touch_minutes,
                sla_policies::resolution_minutes,
            ),
            (
                sla_policy_targets::first_response_minutes.nullable(),
                sla_policy_targets::keep_in_touch_minutes.nullable(),
                sla_policy_targets::resolution_minutes.nullable(),
            ),
            departments::calendar_id,
        ))
        .first(conn)
        .optional()?;
    let Some((row, (fr, kit, res), (o_fr, o_kit, o_res), department_calendar)) = found else {
        return Ok(None);
    };
    let policy = policy_of(row);
    // An override replaces all of the policy's targets for its priority
    // (one without a keep-in-touch target means none for that priority), as
    // `sla_config::policies::resolve` and the admin pages say.
    let (first_response, keep_in_touch, resolution) = match (o_fr, o_res) {
        (Some(f), Some(r)) => (f, o_kit, r),
        _ => (fr, kit, res),
    };
    Ok(Some(Applicable {
        calendar_id: policy.calendar_id.unwrap_or(department_calendar),
        targets: Targets {
            first_response,
            keep_in_touch,
            resolution,
        },
        policy,
    }))
}

/// A policy by id (the worker: which thresholds and escalations a clock has).
pub fn by_id(conn: &mut PgConnection, id: i64) -> QueryResult<Option<Policy>> {
    Ok(sla_policies::table
        .filter(sla_policies::id.eq(id))
        .select(policy_columns())
        .first::<PolicyRow>(conn)
        .optional()?
        .map(policy_of))
}
