//! SLA policies: targets per category's policy and per priority, warning
//! thresholds, what happens on a warning and on a breach, and the calendar
//! business time is counted in. Loading them for the SLA engine
//! ([`targets_for`], [`load`]) and the administrators' use cases, each one
//! transaction.
//!
//! Targets are business minutes. A policy's own targets apply to every
//! priority without an override of its own ([`resolve`]). Changing targets
//! applies to tickets created afterwards: clocks already running keep the
//! target they started with (the SLA engine re-targets them only when a
//! ticket's priority or category changes).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::{check_name, unique_violation, ConfigError, Entered, Problem, MAX_TARGET_MINUTES};
use crate::db::models::sla_policy::{NewSlaPolicy, SlaPolicy, SlaPolicyTarget};
use crate::domain::priority::Priority;
use crate::domain::sla::{EscalationAction, Targets};
use crate::schema::{
    business_calendars, categories, departments, sla_clocks, sla_policies, sla_policy_targets,
};

/// The longest description a policy may have (the table's CHECK).
pub const MAX_DESCRIPTION_CHARS: usize = 2000;

// ---------------------------------------------------------------------------
// Loading, for the SLA engine

/// Everything a policy says, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyConfig {
    pub id: i64,
    pub name: String,
    pub description: String,
    /// The policy's own targets.
    pub targets: Targets,
    /// Per-priority overrides, lowest priority first.
    pub overrides: Vec<(Priority, Targets)>,
    /// Ascending, distinct, 1 to 99.
    pub warning_percents: Vec<i16>,
    pub warning_actions: Vec<EscalationAction>,
    pub breach_actions: Vec<EscalationAction>,
    /// `None`: the handling department's calendar.
    pub calendar_id: Option<i64>,
    /// Where `move_department` sends a ticket.
    pub escalation_department_id: Option<i64>,
    pub updated_at: DateTime<Utc>,
}

impl PolicyConfig {
    /// The targets for a ticket of `priority`.
    pub fn targets_for(&self, priority: Priority) -> Targets {
        self.overrides
            .iter()
            .find(|(p, _)| *p == priority)
            .map_or(self.targets, |(_, t)| *t)
    }
}

/// The targets a policy sets for `priority`: its override for that priority,
/// or else its own.
pub fn resolve(policy: &SlaPolicy, overrides: &[SlaPolicyTarget], priority: Priority) -> Targets {
    overrides
        .iter()
        .find(|o| o.policy_id == policy.id && o.priority == priority)
        .map_or(
            Targets {
                first_response: policy.first_response_minutes,
                keep_in_touch: policy.keep_in_touch_minutes,
                resolution: policy.resolution_minutes,
            },
            |o| Targets {
                first_response: o.first_response_minutes,
                keep_in_touch: o.keep_in_touch_minutes,
                resolution: o.resolution_minutes,
            },
        )
}

/// The targets that apply to a ticket of `priority` under policy
/// `policy_id`; `None` if there is no such policy.
pub fn targets_for(
    conn: &mut PgConnection,
    policy_id: i64,
    priority: Priority,
) -> QueryResult<Option<Targets>> {
    let Some(policy) = sla_policies::table
        .find(policy_id)
        .select(SlaPolicy::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let overrides: Vec<SlaPolicyTarget> = sla_policy_targets::table
        .filter(sla_policy_targets::policy_id.eq(policy_id))
        .filter(sla_policy_targets::priority.eq(priority))
        .select(SlaPolicyTarget::as_select())
        .load(conn)?;
    Ok(Some(resolve(&policy, &overrides, priority)))
}

#[derive(Debug, thiserror::Error)]
#[error("SLA policy {id}: {what}")]
struct StoredPolicyError {
    id: i64,
    what: String,
}

fn actions_of(id: i64, stored: &[Option<String>]) -> QueryResult<Vec<EscalationAction>> {
    stored
        .iter()
        .flatten()
        .map(|a| {
            a.parse::<EscalationAction>().map_err(|what| {
                diesel::result::Error::DeserializationError(Box::new(StoredPolicyError {
                    id,
                    what,
                }))
            })
        })
        .collect()
}

fn config_of(policy: SlaPolicy, overrides: &[SlaPolicyTarget]) -> QueryResult<PolicyConfig> {
    let mut own: Vec<(Priority, Targets)> = overrides
        .iter()
        .filter(|o| o.policy_id == policy.id)
        .map(|o| (o.priority, resolve(&policy, overrides, o.priority)))
        .collect();
    own.sort_by_key(|(p, _)| *p);
    let mut percents: Vec<i16> = policy.warning_percents.iter().flatten().copied().collect();
    percents.sort_unstable();
    Ok(PolicyConfig {
        id: policy.id,
        targets: Targets {
            first_response: policy.first_response_minutes,
            keep_in_touch: policy.keep_in_touch_minutes,
            resolution: policy.resolution_minutes,
        },
        overrides: own,
        warning_percents: percents,
        warning_actions: actions_of(policy.id, &policy.warning_actions)?,
        breach_actions: actions_of(policy.id, &policy.breach_actions)?,
        calendar_id: policy.calendar_id,
        escalation_department_id: policy.escalation_department_id,
        updated_at: policy.updated_at,
        name: policy.name,
        description: policy.description,
    })
}

fn load_where(conn: &mut PgConnection, id: Option<i64>) -> QueryResult<Vec<PolicyConfig>> {
    let mut q = sla_policies::table
        .select(SlaPolicy::as_select())
        .order(sla_policies::name)
        .into_boxed();
    let mut t = sla_policy_targets::table
        .select(SlaPolicyTarget::as_select())
        .into_boxed();
    if let Some(id) = id {
        q = q.filter(sla_policies::id.eq(id));
        t = t.filter(sla_policy_targets::policy_id.eq(id));
    }
    let policies: Vec<SlaPolicy> = q.load(conn)?;
    let overrides: Vec<SlaPolicyTarget> = t.load(conn)?;
    policies
        .into_iter()
        .map(|p| config_of(p, &overrides))
        .collect()
}

/// Everything policy `id` says; `None` if there is no such policy.
pub fn load(conn: &mut PgConnection, id: i64) -> QueryResult<Option<PolicyConfig>> {
    Ok(load_where(conn, Some(id))?.pop())
}

/// Every policy, by name.
pub fn load_all(conn: &mut PgConnection) -> QueryResult<Vec<PolicyConfig>> {
    load_where(conn, None)
}

// ---------------------------------------------------------------------------
// What administrators see

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub id: i64,
    pub slug: String,
    pub name: String,
}

/// A policy with the names of what it refers to and what uses it.
#[derive(Debug, Clone)]
pub struct PolicyView {
    pub policy: PolicyConfig,
    /// Its own calendar, if it has one: `(id, name)`.
    pub calendar: Option<(i64, String)>,
    pub escalation_department: Option<Named>,
    /// The services (categories) that use it, by name.
    pub categories: Vec<Named>,
    /// Tickets whose SLA clocks follow it.
    pub tickets: i64,
}

fn view_of(conn: &mut PgConnection, policy: PolicyConfig) -> QueryResult<PolicyView> {
    let calendar = match policy.calendar_id {
        Some(id) => business_calendars::table
            .find(id)
            .select((business_calendars::id, business_calendars::name))
            .first(conn)
            .optional()?,
        None => None,
    };
    let escalation_department = match policy.escalation_department_id {
        Some(id) => departments::table
            .find(id)
            .select((departments::id, departments::slug, departments::name))
            .first::<(i64, String, String)>(conn)
            .optional()?
            .map(|(id, slug, name)| Named { id, slug, name }),
        None => None,
    };
    let categories = categories::table
        .filter(categories::sla_policy_id.eq(policy.id))
        .select((categories::id, categories::slug, categories::name))
        .order(categories::name)
        .load::<(i64, String, String)>(conn)?
        .into_iter()
        .map(|(id, slug, name)| Named { id, slug, name })
        .collect();
    let tickets: i64 = sla_clocks::table
        .filter(sla_clocks::policy_id.eq(policy.id))
        .select(diesel::dsl::count(sla_clocks::ticket_id).aggregate_distinct())
        .get_result(conn)?;
    Ok(PolicyView {
        policy,
        calendar,
        escalation_department,
        categories,
        tickets,
    })
}

pub fn list(conn: &mut PgConnection) -> QueryResult<Vec<PolicyView>> {
    load_all(conn)?
        .into_iter()
        .map(|p| view_of(conn, p))
        .collect()
}

pub fn get(conn: &mut PgConnection, id: i64) -> QueryResult<Option<PolicyView>> {
    load(conn, id)?.map(|p| view_of(conn, p)).transpose()
}

/// `(id, name)` of every policy, by name.
pub fn names(conn: &mut PgConnection) -> QueryResult<Vec<(i64, String)>> {
    sla_policies::table
        .select((sla_policies::id, sla_policies::name))
        .order(sla_policies::name)
        .load(conn)
}

/// Active departments, by name (where escalations may move tickets).
pub fn departments(conn: &mut PgConnection) -> QueryResult<Vec<Named>> {
    Ok(departments::table
        .filter(departments::active.eq(true))
        .select((departments::id, departments::slug, departments::name))
        .order(departments::name)
        .load::<(i64, String, String)>(conn)?
        .into_iter()
        .map(|(id, slug, name)| Named { id, slug, name })
        .collect())
}

/// A service and the policy it uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryPolicy {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub group: String,
    pub department: String,
    pub active: bool,
    pub policy_id: Option<i64>,
}

/// Every service, grouped as the catalogue is, with its policy.
pub fn category_policies(conn: &mut PgConnection) -> QueryResult<Vec<CategoryPolicy>> {
    Ok(categories::table
        .inner_join(departments::table)
        .select((
            categories::id,
            categories::slug,
            categories::name,
            categories::group_name,
            departments::name,
            categories::active,
            categories::sla_policy_id,
        ))
        .order((
            categories::group_name,
            categories::sort_order,
            categories::name,
        ))
        .load::<(i64, String, String, String, String, bool, Option<i64>)>(conn)?
        .into_iter()
        .map(
            |(id, slug, name, group, department, active, policy_id)| CategoryPolicy {
                id,
                slug,
                name,
                group,
                department,
                active,
                policy_id,
            },
        )
        .collect())
}

// ---------------------------------------------------------------------------
// Checking what people enter

/// The three targets as entered. Problems at `{field}.first_response_minutes`
/// and so on (no prefix when `field` is empty).
#[derive(Debug, Clone)]
pub struct TargetsInput {
    pub field: String,
    pub first_response: Entered,
    pub keep_in_touch: Entered,
    pub resolution: Entered,
}

/// A policy as entered.
#[derive(Debug, Clone)]
pub struct PolicyInput {
    pub name: String,
    pub description: String,
    pub targets: TargetsInput,
    /// Blank entries are skipped.
    pub warning_percents: Vec<Entered>,
    pub warning_actions: Vec<String>,
    pub breach_actions: Vec<String>,
    /// A calendar's id; blank for the handling department's.
    pub calendar: Entered,
    /// A department's slug; blank for none.
    pub escalation_department: String,
}

/// A per-priority override as entered. Problems at `{targets.field}.priority` too.
#[derive(Debug, Clone)]
pub struct OverrideInput {
    pub priority: String,
    pub targets: TargetsInput,
}

fn at(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

fn check_minutes(
    entered: &Entered,
    field: String,
    label: &'static str,
    required: bool,
    problems: &mut Vec<Problem>,
) -> Option<Option<i32>> {
    match entered {
        Entered::Blank if required => {
            problems.push(
                Problem::new(field, "sla-admin-error-target-required")
                    .with_message("target", label),
            );
            None
        }
        Entered::Blank => Some(None),
        Entered::Invalid(text) => {
            problems.push(
                Problem::new(field, "sla-admin-error-target-number")
                    .with_message("target", label)
                    .with("value", text),
            );
            None
        }
        Entered::Number(n) if (1..=MAX_TARGET_MINUTES).contains(n) => {
            Some(Some(i32::try_from(*n).unwrap_or(i32::MAX)))
        }
        Entered::Number(n) => {
            problems.push(
                Problem::new(field, "sla-admin-error-target-range")
                    .with_message("target", label)
                    .with("value", n)
                    .with("max", MAX_TARGET_MINUTES),
            );
            None
        }
    }
}

/// Targets positive (and within ten years), first response no later than resolution.
pub fn check_targets(input: &TargetsInput, problems: &mut Vec<Problem>) -> Option<Targets> {
    let p = input.field.as_str();
    let first = check_minutes(
        &input.first_response,
        at(p, "first_response_minutes"),
        "sla-admin-target-name-first-response",
        true,
        problems,
    );
    let keep = check_minutes(
        &input.keep_in_touch,
        at(p, "keep_in_touch_minutes"),
        "sla-admin-target-name-keep-in-touch",
        false,
        problems,
    );
    let resolution = check_minutes(
        &input.resolution,
        at(p, "resolution_minutes"),
        "sla-admin-target-name-resolution",
        true,
        problems,
    );
    let (first, keep, resolution) = (first??, keep?, resolution??);
    if first > resolution {
        problems.push(
            Problem::new(
                at(p, "first_response_minutes"),
                "sla-admin-error-response-after-resolution",
            )
            .with("first", first)
            .with("resolution", resolution),
        );
        return None;
    }
    Some(Targets {
        first_response: first,
        keep_in_touch: keep,
        resolution,
    })
}

/// Thresholds 1 to 99, distinct, at least one; ascending.
pub fn check_percents(entered: &[Entered], problems: &mut Vec<Problem>) -> Option<Vec<i16>> {
    const FIELD: &str = "warning_percents";
    let before = problems.len();
    let mut out: Vec<i16> = Vec::new();
    for e in entered {
        match e {
            Entered::Blank => {}
            Entered::Invalid(text) => problems
                .push(Problem::new(FIELD, "sla-admin-error-threshold-number").with("value", text)),
            Entered::Number(n) if (1..=99).contains(n) => {
                let n = *n as i16;
                if out.contains(&n) {
                    problems.push(
                        Problem::new(FIELD, "sla-admin-error-threshold-duplicate").with("value", n),
                    );
                } else {
                    out.push(n);
                }
            }
            Entered::Number(n) => problems
                .push(Problem::new(FIELD, "sla-admin-error-threshold-range").with("value", n)),
        }
    }
    if out.is_empty() && problems.len() == before {
        problems.push(Problem::new(FIELD, "sla-admin-error-thresholds-required"));
    }
    out.sort_unstable();
    (problems.len() == before).then_some(out)
}

/// Known actions, each once, in their usual order.
fn check_actions(
    entered: &[String],
    field: &'static str,
    problems: &mut Vec<Problem>,
) -> Vec<EscalationAction> {
    let mut chosen = Vec::new();
    for text in entered.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
        match text.parse::<EscalationAction>() {
            Ok(a) => chosen.push(a),
            Err(_) => {
                problems.push(Problem::new(field, "sla-admin-error-action").with("value", text))
            }
        }
    }
    EscalationAction::ALL
        .into_iter()
        .filter(|a| chosen.contains(a))
        .collect()
}

/// A policy that passed every check, ready to write.
struct Checked {
    name: String,
    description: String,
    targets: Targets,
    percents: Vec<i16>,
    warning: Vec<EscalationAction>,
    breach: Vec<EscalationAction>,
    calendar_id: Option<i64>,
    escalation_department_id: Option<i64>,
}

impl Checked {
    fn row(&self) -> NewSlaPolicy<'_> {
        let texts =
            |a: &[EscalationAction]| a.iter().map(|a| Some(a.as_str().to_string())).collect();
        NewSlaPolicy {
            name: &self.name,
            description: &self.description,
            first_response_minutes: self.targets.first_response,
            keep_in_touch_minutes: self.targets.keep_in_touch,
            resolution_minutes: self.targets.resolution,
            calendar_id: self.calendar_id,
            warning_percents: self.percents.iter().map(|p| Some(*p)).collect(),
            warning_actions: texts(&self.warning),
            breach_actions: texts(&self.breach),
            escalation_department_id: self.escalation_department_id,
        }
    }
}

/// Every check, the database's included (the calendar and department exist).
fn check(conn: &mut PgConnection, input: &PolicyInput) -> Result<Checked, ConfigError> {
    let mut problems = Vec::new();
    let name = check_name(&input.name, "name", &mut problems);
    let description = input.description.trim().to_string();
    if description.chars().count() > MAX_DESCRIPTION_CHARS {
        problems.push(
            Problem::new("description", "sla-admin-error-description")
                .with("max", MAX_DESCRIPTION_CHARS),
        );
    }
    let targets = check_targets(&input.targets, &mut problems);
    let percents = check_percents(&input.warning_percents, &mut problems);
    let warning = check_actions(&input.warning_actions, "warning_actions", &mut problems);
    let breach = check_actions(&input.breach_actions, "breach_actions", &mut problems);

    let calendar_id = match &input.calendar {
        Entered::Blank => None,
        Entered::Number(id) => {
            let exists: bool =
                diesel::select(diesel::dsl::exists(business_calendars::table.find(*id)))
                    .get_result(conn)?;
            if !exists {
                problems.push(
                    Problem::new("calendar_id", "sla-admin-error-calendar-unknown")
                        .with("value", id),
                );
            }
            Some(*id)
        }
        Entered::Invalid(text) => {
            problems.push(
                Problem::new("calendar_id", "sla-admin-error-calendar-unknown").with("value", text),
            );
            None
        }
    };

    let slug = input.escalation_department.trim();
    let escalation_department_id = if slug.is_empty() {
        None
    } else {
        let found: Option<(i64, String, bool)> = departments::table
            .filter(departments::slug.eq(slug))
            .select((departments::id, departments::name, departments::active))
            .first(conn)
            .optional()?;
        match found {
            Some((id, _, true)) => Some(id),
            Some((_, name, false)) => {
                problems.push(
                    Problem::new(
                        "escalation_department",
                        "sla-admin-error-department-inactive",
                    )
                    .with("name", name),
                );
                None
            }
            None => {
                problems.push(
                    Problem::new(
                        "escalation_department",
                        "sla-admin-error-department-unknown",
                    )
                    .with("value", slug),
                );
                None
            }
        }
    };
    let moves = warning.contains(&EscalationAction::MoveDepartment)
        || breach.contains(&EscalationAction::MoveDepartment);
    if moves && slug.is_empty() {
        problems.push(Problem::new(
            "escalation_department",
            "sla-admin-error-escalation-department-required",
        ));
    }
    match (targets, percents) {
        (Some(targets), Some(percents)) if problems.is_empty() => Ok(Checked {
            name,
            description,
            targets,
            percents,
            warning,
            breach,
            calendar_id,
            escalation_department_id,
        }),
        _ => Err(ConfigError::Invalid(problems)),
    }
}

fn name_taken(name: &str) -> ConfigError {
    ConfigError::invalid(
        Problem::new("name", "sla-admin-error-policy-name-taken").with("name", name),
    )
}

fn map_write(e: diesel::result::Error, name: &str) -> ConfigError {
    match unique_violation(&e) {
        Some("sla_policies_name_key") => name_taken(name),
        _ => e.into(),
    }
}

fn lock(conn: &mut PgConnection, id: i64) -> Result<(), ConfigError> {
    sla_policies::table
        .find(id)
        .select(sla_policies::id)
        .for_update()
        .first::<i64>(conn)
        .optional()?
        .ok_or(ConfigError::NotFound)
        .map(|_| ())
}

// ---------------------------------------------------------------------------
// Use cases

/// Creates a policy; returns its id.
pub fn create(conn: &mut PgConnection, input: &PolicyInput) -> Result<i64, ConfigError> {
    conn.transaction(|conn| {
        let checked = check(conn, input)?;
        diesel::insert_into(sla_policies::table)
            .values(&checked.row())
            .returning(sla_policies::id)
            .get_result(conn)
            .map_err(|e| map_write(e, &checked.name))
    })
}

/// Replaces everything a policy says (its overrides stay).
pub fn update(conn: &mut PgConnection, id: i64, input: &PolicyInput) -> Result<(), ConfigError> {
    conn.transaction(|conn| {
        lock(conn, id)?;
        let checked = check(conn, input)?;
        diesel::update(sla_policies::table.find(id))
            .set(&checked.row())
            .execute(conn)
            .map_err(|e| map_write(e, &checked.name))?;
        Ok(())
    })
}

/// Deletes a policy no service and no ticket uses (its overrides go with it).
pub fn delete(conn: &mut PgConnection, id: i64) -> Result<(), ConfigError> {
    conn.transaction(|conn| {
        lock(conn, id)?;
        let names: Vec<String> = categories::table
            .filter(categories::sla_policy_id.eq(id))
            .select(categories::name)
            .order(categories::name)
            .load(conn)?;
        if !names.is_empty() {
            return Err(ConfigError::in_use(
                Problem::new("delete", "sla-admin-error-policy-used-by-categories")
                    .with_count("count", names.len())
                    .with("names", names.join(", ")),
            ));
        }
        let tickets: i64 = sla_clocks::table
            .filter(sla_clocks::policy_id.eq(id))
            .select(diesel::dsl::count(sla_clocks::ticket_id).aggregate_distinct())
            .get_result(conn)?;
        if tickets > 0 {
            return Err(ConfigError::in_use(
                Problem::new("delete", "sla-admin-error-policy-used-by-tickets")
                    .with_count("count", tickets),
            ));
        }
        diesel::delete(sla_policies::table.find(id)).execute(conn)?;
        Ok(())
    })
}

/// Sets (adds or replaces) the targets for one priority.
pub fn set_override(
    conn: &mut PgConnection,
    id: i64,
    input: &OverrideInput,
) -> Result<Priority, ConfigError> {
    let mut problems = Vec::new();
    let priority = input.priority.trim().parse::<Priority>().ok();
    if priority.is_none() {
        problems.push(
            Problem::new(
                at(&input.targets.field, "priority"),
                "sla-admin-error-priority",
            )
            .with("value", input.priority.trim()),
        );
    }
    let targets = check_targets(&input.targets, &mut problems);
    let (Some(priority), Some(targets)) = (priority, targets) else {
        return Err(ConfigError::Invalid(problems));
    };
    conn.transaction(|conn| {
        lock(conn, id)?;
        let row = SlaPolicyTarget {
            policy_id: id,
            priority,
            first_response_minutes: targets.first_response,
            keep_in_touch_minutes: targets.keep_in_touch,
            resolution_minutes: targets.resolution,
        };
        diesel::insert_into(sla_policy_targets::table)
            .values(&row)
            .on_conflict((sla_policy_targets::policy_id, sla_policy_targets::priority))
            .do_update()
            .set((
                sla_policy_targets::first_response_minutes.eq(targets.first_response),
                sla_policy_targets::keep_in_touch_minutes.eq(targets.keep_in_touch),
                sla_policy_targets::resolution_minutes.eq(targets.resolution),
            ))
            .execute(conn)?;
        Ok(priority)
    })
}

/// Removes the override for `priority` (the policy's own targets apply again).
pub fn remove_override(
    conn: &mut PgConnection,
    id: i64,
    priority: Priority,
) -> Result<(), ConfigError> {
    conn.transaction(|conn| {
        lock(conn, id)?;
        let n = diesel::delete(
            sla_policy_targets::table
                .filter(sla_policy_targets::policy_id.eq(id))
                .filter(sla_policy_targets::priority.eq(priority)),
        )
        .execute(conn)?;
        if n == 0 {
            return Err(ConfigError::NotFound);
        }
        Ok(())
    })
}

/// One service's policy, as chosen. Problems at `field`.
#[derive(Debug, Clone)]
pub struct Assignment {
    pub field: String,
    pub category_id: i64,
    /// `None`: the service has no SLA.
    pub policy: Entered,
}

/// Gives services their policies, all or none; returns how many changed.
pub fn assign(conn: &mut PgConnection, assignments: &[Assignment]) -> Result<usize, ConfigError> {
    conn.transaction(|conn| {
        let policies: BTreeMap<i64, String> = names(conn)?.into_iter().collect();
        let mut problems = Vec::new();
        let mut chosen: Vec<(i64, Option<i64>)> = Vec::new();
        for a in assignments {
            match &a.policy {
                Entered::Blank => chosen.push((a.category_id, None)),
                Entered::Number(id) if policies.contains_key(id) => {
                    chosen.push((a.category_id, Some(*id)));
                }
                Entered::Number(id) => problems.push(
                    Problem::new(a.field.clone(), "sla-admin-error-policy-unknown")
                        .with("value", id),
                ),
                Entered::Invalid(text) => problems.push(
                    Problem::new(a.field.clone(), "sla-admin-error-policy-unknown")
                        .with("value", text),
                ),
            }
        }
        if !problems.is_empty() {
            return Err(ConfigError::Invalid(problems));
        }
        let mut changed = 0;
        for (category, policy) in chosen {
            let exists: bool =
                diesel::select(diesel::dsl::exists(categories::table.find(category)))
                    .get_result(conn)?;
            if !exists {
                return Err(ConfigError::NotFound);
            }
            changed += diesel::update(
                categories::table
                    .find(category)
                    .filter(categories::sla_policy_id.is_distinct_from(policy)),
            )
            .set(categories::sla_policy_id.eq(policy))
            .execute(conn)?;
        }
        Ok(changed)
    })
}

/// Moves the services with these slugs to policy `id` (the API's form of
/// [`assign`]). Problems at `categories`.
pub fn assign_slugs(
    conn: &mut PgConnection,
    id: i64,
    slugs: &[String],
) -> Result<usize, ConfigError> {
    conn.transaction(|conn| {
        lock(conn, id)?;
        let mut problems = Vec::new();
        let mut assignments = Vec::new();
        for slug in slugs {
            let found: Option<i64> = categories::table
                .filter(categories::slug.eq(slug.trim()))
                .select(categories::id)
                .first(conn)
                .optional()?;
            match found {
                Some(category_id) => assignments.push(Assignment {
                    field: "categories".into(),
                    category_id,
                    policy: Entered::Number(id),
                }),
                None => problems.push(
                    Problem::new("categories", "sla-admin-error-category-unknown")
                        .with("value", slug.trim()),
                ),
            }
        }
        if !problems.is_empty() {
            return Err(ConfigError::Invalid(problems));
        }
        assign(conn, &assignments)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targets(first: Entered, keep: Entered, resolution: Entered) -> TargetsInput {
        TargetsInput {
            field: String::new(),
            first_response: first,
            keep_in_touch: keep,
            resolution,
        }
    }

    #[test]
    fn targets_must_be_positive_and_in_order() {
        use Entered::*;
        let mut p = Vec::new();
        assert_eq!(
            check_targets(&targets(Number(60), Blank, Number(600)), &mut p),
            Some(Targets {
                first_response: 60,
                keep_in_touch: None,
                resolution: 600
            })
        );
        assert!(p.is_empty());
        for (input, field, key) in [
            (
                targets(Number(0), Blank, Number(10)),
                "first_response_minutes",
                "sla-admin-error-target-range",
            ),
            (
                targets(Number(10), Number(-1), Number(10)),
                "keep_in_touch_minutes",
                "sla-admin-error-target-range",
            ),
            (
                targets(Number(10), Blank, Blank),
                "resolution_minutes",
                "sla-admin-error-target-required",
            ),
            (
                targets(Invalid("soon".into()), Blank, Number(10)),
                "first_response_minutes",
                "sla-admin-error-target-number",
            ),
            (
                targets(Number(20), Blank, Number(10)),
                "first_response_minutes",
                "sla-admin-error-response-after-resolution",
            ),
            (
                targets(Number(10), Blank, Number(MAX_TARGET_MINUTES + 1)),
                "resolution_minutes",
                "sla-admin-error-target-range",
            ),
        ] {
            let mut p = Vec::new();
            assert_eq!(check_targets(&input, &mut p), None);
            assert_eq!((p[0].field.as_str(), p[0].key), (field, key), "{input:?}");
        }
    }

    #[test]
    fn thresholds_are_distinct_percentages() {
        use Entered::*;
        let mut p = Vec::new();
        assert_eq!(
            check_percents(&[Number(90), Blank, Number(50), Number(75)], &mut p),
            Some(vec![50, 75, 90])
        );
        for (input, key) in [
            (vec![], "sla-admin-error-thresholds-required"),
            (vec![Number(0)], "sla-admin-error-threshold-range"),
            (vec![Number(100)], "sla-admin-error-threshold-range"),
            (
                vec![Number(50), Number(50)],
                "sla-admin-error-threshold-duplicate",
            ),
            (
                vec![Invalid("half".into())],
                "sla-admin-error-threshold-number",
            ),
        ] {
            let mut p = Vec::new();
            assert_eq!(check_percents(&input, &mut p), None, "{input:?}");
            assert_eq!(p[0].key, key);
        }
    }

    #[test]
    fn overrides_replace_the_policy_targets_for_their_priority_only() {
        let policy = SlaPolicy {
            id: 1,
            name: "p".into(),
            description: String::new(),
            first_response_minutes: 60,
            keep_in_touch_minutes: Some(600),
            resolution_minutes: 6000,
            calendar_id: None,
            warning_percents: vec![Some(75)],
            warning_actions: vec![],
            breach_actions: vec![],
            escalation_department_id: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        };
        let urgent = SlaPolicyTarget {
            policy_id: 1,
            priority: Priority::Urgent,
            first_response_minutes: 15,
            keep_in_touch_minutes: None,
            resolution_minutes: 120,
        };
        let other_policy = SlaPolicyTarget {
            policy_id: 2,
            priority: Priority::Low,
            ..urgent.clone()
        };
        let overrides = [urgent, other_policy];
        assert_eq!(
            resolve(&policy, &overrides, Priority::Urgent),
            Targets {
                first_response: 15,
                keep_in_touch: None,
                resolution: 120
            }
        );
        assert_eq!(
            resolve(&policy, &overrides, Priority::Low).first_response,
            60
        );
        let config = config_of(policy, &overrides).unwrap();
        assert_eq!(config.overrides.len(), 1);
        assert_eq!(config.targets_for(Priority::Urgent).resolution, 120);
        assert_eq!(config.targets_for(Priority::High).resolution, 6000);
    }
}
