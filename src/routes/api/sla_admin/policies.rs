//! `/api/v1/admin/sla-policies`: SLA policies, their per-priority targets,
//! and which services use them.

use actix_web::http::header;
use actix_web::{delete, get, post, put, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{api_error, path_id};
use crate::auth::sla_admin::SlaAdmin;
use crate::db::{self, DbError, Pool};
use crate::domain::priority::Priority;
use crate::routes::api::error::ApiError;
use crate::sla_config::policies::{
    self as pol, OverrideInput, PolicyInput, PolicyView, TargetsInput,
};
use crate::sla_config::{ConfigError, Entered};

const NOT_FOUND: &str = "No such SLA policy.";
const NO_OVERRIDE: &str =
    "No such SLA policy, or it has no targets of its own for that priority (use low, normal, high or urgent).";

/// A policy's own targets for one priority.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OverrideOut {
    /// low, normal, high or urgent.
    pub priority: String,
    pub first_response_minutes: i32,
    pub keep_in_touch_minutes: Option<i32>,
    pub resolution_minutes: i32,
}

/// An SLA policy. Targets are business minutes.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PolicyOut {
    pub id: i64,
    pub name: String,
    pub description: String,
    /// Until the first public reply or acknowledgement.
    pub first_response_minutes: i32,
    /// The longest a citizen waits between public updates while it is open; null: none.
    pub keep_in_touch_minutes: Option<i32>,
    pub resolution_minutes: i32,
    /// Percentages of a target at which a warning is raised, ascending.
    pub warning_percents: Vec<i16>,
    /// notify_assignee, notify_supervisors, raise_priority, move_department.
    pub warning_actions: Vec<String>,
    pub breach_actions: Vec<String>,
    /// The calendar business time is counted in; null: the handling department's.
    pub calendar_id: Option<i64>,
    pub calendar_name: Option<String>,
    /// Where move_department sends a ticket (a department's code).
    pub escalation_department: Option<String>,
    /// Targets that replace the policy's own for tickets of that priority.
    pub overrides: Vec<OverrideOut>,
    /// Codes of the services that use it.
    pub categories: Vec<String>,
    /// Tickets whose SLA clocks follow it.
    pub tickets: i64,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PolicyListOut {
    /// By name.
    pub items: Vec<PolicyOut>,
}

impl From<PolicyView> for PolicyOut {
    fn from(v: PolicyView) -> Self {
        let p = v.policy;
        let actions = |a: &[crate::domain::sla::EscalationAction]| {
            a.iter().map(|a| a.as_str().to_string()).collect()
        };
        Self {
            id: p.id,
            first_response_minutes: p.targets.first_response,
            keep_in_touch_minutes: p.targets.keep_in_touch,
            resolution_minutes: p.targets.resolution,
            warning_actions: actions(&p.warning_actions),
            breach_actions: actions(&p.breach_actions),
            warning_percents: p.warning_percents,
            calendar_id: p.calendar_id,
            calendar_name: v.calendar.map(|c| c.1),
            escalation_department: v.escalation_department.map(|d| d.slug),
            overrides: p
                .overrides
                .into_iter()
                .map(|(priority, t)| OverrideOut {
                    priority: priority.as_str().to_string(),
                    first_response_minutes: t.first_response,
                    keep_in_touch_minutes: t.keep_in_touch,
                    resolution_minutes: t.resolution,
                })
                .collect(),
            categories: v.categories.into_iter().map(|c| c.slug).collect(),
            tickets: v.tickets,
            updated_at: p.updated_at,
            name: p.name,
            description: p.description,
        }
    }
}

/// A policy as written. Targets in business minutes.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyIn {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// At least 1.
    pub first_response_minutes: Option<i64>,
    /// Null or left out: no keep-in-touch target.
    pub keep_in_touch_minutes: Option<i64>,
    /// At least the first response.
    pub resolution_minutes: Option<i64>,
    /// One or more, each 1 to 99, all different, e.g. [50, 75, 90].
    #[serde(default)]
    pub warning_percents: Vec<i64>,
    /// notify_assignee, notify_supervisors, raise_priority, move_department.
    #[serde(default)]
    pub warning_actions: Vec<String>,
    #[serde(default)]
    pub breach_actions: Vec<String>,
    /// A calendar's id; null or left out: the handling department's calendar.
    pub calendar_id: Option<i64>,
    /// A department's code; needed by move_department.
    pub escalation_department: Option<String>,
}

impl From<PolicyIn> for PolicyInput {
    fn from(b: PolicyIn) -> Self {
        Self {
            name: b.name,
            description: b.description,
            targets: TargetsInput {
                field: String::new(),
                first_response: Entered::from_option(b.first_response_minutes),
                keep_in_touch: Entered::from_option(b.keep_in_touch_minutes),
                resolution: Entered::from_option(b.resolution_minutes),
            },
            warning_percents: b
                .warning_percents
                .into_iter()
                .map(Entered::Number)
                .collect(),
            warning_actions: b.warning_actions,
            breach_actions: b.breach_actions,
            calendar: Entered::from_option(b.calendar_id),
            escalation_department: b.escalation_department.unwrap_or_default(),
        }
    }
}

/// Targets for one priority, in business minutes.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetsIn {
    pub first_response_minutes: Option<i64>,
    pub keep_in_touch_minutes: Option<i64>,
    pub resolution_minutes: Option<i64>,
}

/// Services (by code) to move to this policy.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoriesIn {
    pub categories: Vec<String>,
}

fn out(conn: &mut diesel::PgConnection, id: i64) -> Result<PolicyOut, ApiError> {
    pol::get(conn, id)
        .map_err(DbError::from)?
        .map(PolicyOut::from)
        .ok_or_else(|| api_error(ConfigError::NotFound, NOT_FOUND))
}

#[utoipa::path(get, path = "/api/v1/admin/sla-policies", tag = "admin",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every SLA policy, by name", body = PolicyListOut),
        (status = 401, description = "No valid Bearer token"),
        (status = 403, description = "Not an administrator"),
    ))]
#[get("/admin/sla-policies")]
pub async fn list_policies(
    _admin: SlaAdmin,
    pool: web::Data<Pool>,
) -> Result<HttpResponse, ApiError> {
    let items = db::run(&pool, |conn| pol::list(conn).map_err(DbError::from)).await?;
    Ok(HttpResponse::Ok().json(PolicyListOut {
        items: items.into_iter().map(PolicyOut::from).collect(),
    }))
}

#[utoipa::path(post, path = "/api/v1/admin/sla-policies", tag = "admin",
    request_body = PolicyIn,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = PolicyOut),
        (status = 400, description = "Malformed JSON"),
        (status = 401, description = "No valid Bearer token"),
        (status = 403, description = "Not an administrator"),
        (status = 422, description = "What is wrong, per field in error.fields; nothing is stored"),
    ))]
#[post("/admin/sla-policies")]
pub async fn create_policy(
    admin: SlaAdmin,
    body: web::Json<PolicyIn>,
    pool: web::Data<Pool>,
) -> Result<HttpResponse, ApiError> {
    let input = PolicyInput::from(body.into_inner());
    let policy = db::run(&pool, move |conn| -> Result<_, ApiError> {
        let id = pol::create(conn, &input).map_err(|e| api_error(e, NOT_FOUND))?;
        out(conn, id)
    })
    .await?;
    tracing::info!(
        policy.id = policy.id,
        actor = admin.id,
        "SLA policy created"
    );
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/admin/sla-policies/{}", policy.id),
        ))
        .json(policy))
}

#[utoipa::path(get, path = "/api/v1/admin/sla-policies/{id}", tag = "admin",
    params(("id" = i64, Path, description = "The policy's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The policy", body = PolicyOut),
        (status = 401, description = "No valid Bearer token"),
        (status = 403, description = "Not an administrator"),
        (status = 404, description = "No such policy"),
    ))]
#[get("/admin/sla-policies/{id}")]
pub async fn get_policy(
    _admin: SlaAdmin,
    path: web::Path<String>,
    pool: web::Data<Pool>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path, NOT_FOUND)?;
    let policy = db::run(&pool, move |conn| out(conn, id)).await?;
    Ok(HttpResponse::Ok().json(policy))
}

#[utoipa::path(put, path = "/api/v1/admin/sla-policies/{id}", tag = "admin",
    params(("id" = i64, Path, description = "The policy's id")),
    request_body = PolicyIn,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed (its per-priority targets stay); applies to tickets created from now on", body = PolicyOut),
        (status = 400, description = "Malformed JSON"),
        (status = 401, description = "No valid Bearer token"),
        (status = 403, description = "Not an administrator"),
        (status = 404, description = "No such policy"),
        (status = 422, description = "What is wrong, per field; nothing is changed"),
    ))]
#[put("/admin/sla-policies/{id}")]
pub async fn update_policy(
    admin: SlaAdmin,
    path: web::Path<String>,
    body: web::Json<PolicyIn>,
    pool: web::Data<Pool>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path, NOT_FOUND)?;
    let input = PolicyInput::from(body.into_inner());
    let policy = db::run(&pool, move |conn| -> Result<_, ApiError> {
        pol::update(conn, id, &input).map_err(|e| api_error(e, NOT_FOUND))?;
        out(conn, id)
    })
    .await?;
    tracing::info!(policy.id = id, actor = admin.id, "SLA policy changed");
    Ok(HttpResponse::Ok().json(policy))
}

#[utoipa::path(delete, path = "/api/v1/admin/sla-policies/{id}", tag = "admin",
    params(("id" = i64, Path, description = "The policy's id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted, with its per-priority targets"),
        (status = 401, description = "No valid Bearer token"),
        (status = 403, description = "Not an administrator"),
        (status = 404, description = "No such policy"),
        (status = 409, description = "in_use: services or tickets use it; error.message says which"),
    ))]
#[delete("/admin/sla-policies/{id}")]
pub async fn delete_policy(
    admin: SlaAdmin,
    path: web::Path<String>,
    pool: web::Data<Pool>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path, NOT_FOUND)?;
    db::run(&pool, move |conn| -> Result<_, ApiError> {
        pol::delete(conn, id).map_err(|e| api_error(e, NOT_FOUND))
    })
    .await?;
    tracing::info!(policy.id = id, actor = admin.id, "SLA policy deleted");
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(put, path = "/api/v1/admin/sla-policies/{id}/targets/{priority}", tag = "admin",
    params(("id" = i64, Path, description = "The policy's id"),
           ("priority" = String, Path, description = "low, normal, high or urgent")),
    request_body = TargetsIn,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Set; the policy as it now stands", body = PolicyOut),
        (status = 400, description = "Malformed JSON"),
        (status = 401, description = "No valid Bearer token"),
        (status = 403, description = "Not an administrator"),
        (status = 404, description = "No such policy, or not a priority"),
        (status = 422, description = "What is wrong with the targets"),
    ))]
#[put("/admin/sla-policies/{id}/targets/{priority}")]
pub async fn set_targets(
    _admin: SlaAdmin,
    path: web::Path<(String, String)>,
    body: web::Json<TargetsIn>,
    pool: web::Data<Pool>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path.0, NOT_FOUND)?;
    let priority: Priority = path
        .1
        .parse()
        .map_err(|_| api_error(ConfigError::NotFound, NO_OVERRIDE))?;
    let b = body.into_inner();
    let input = OverrideInput {
        priority: priority.as_str().to_string(),
        targets: TargetsInput {
            field: String::new(),
            first_response: Entered::from_option(b.first_response_minutes),
            keep_in_touch: Entered::from_option(b.keep_in_touch_minutes),
            resolution: Entered::from_option(b.resolution_minutes),
        },
    };
    let policy = db::run(&pool, move |conn| -> Result<_, ApiError> {
        pol::set_override(conn, id, &input).map_err(|e| api_error(e, NOT_FOUND))?;
        out(conn, id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(policy))
}

#[utoipa::path(delete, path = "/api/v1/admin/sla-policies/{id}/targets/{priority}", tag = "admin",
    params(("id" = i64, Path, description = "The policy's id"),
           ("priority" = String, Path, description = "low, normal, high or urgent")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Removed: the policy's own targets apply to that priority again", body = PolicyOut),
        (status = 401, description = "No valid Bearer token"),
        (status = 403, description = "Not an administrator"),
        (status = 404, description = "No such policy, or no targets of its own for that priority"),
    ))]
#[delete("/admin/sla-policies/{id}/targets/{priority}")]
pub async fn remove_targets(
    _admin: SlaAdmin,
    path: web::Path<(String, String)>,
    pool: web::Data<Pool>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path.0, NOT_FOUND)?;
    let priority: Priority = path
        .1
        .parse()
        .map_err(|_| api_error(ConfigError::NotFound, NO_OVERRIDE))?;
    let policy = db::run(&pool, move |conn| -> Result<_, ApiError> {
        pol::remove_override(conn, id, priority).map_err(|e| api_error(e, NO_OVERRIDE))?;
        out(conn, id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(policy))
}

#[utoipa::path(post, path = "/api/v1/admin/sla-policies/{id}/categories", tag = "admin",
    params(("id" = i64, Path, description = "The policy's id")),
    request_body = CategoriesIn,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Those services now use this policy; the policy as it now stands", body = PolicyOut),
        (status = 400, description = "Malformed JSON"),
        (status = 401, description = "No valid Bearer token"),
        (status = 403, description = "Not an administrator"),
        (status = 404, description = "No such policy"),
        (status = 422, description = "A service code that does not exist (error.fields.categories); nothing is changed"),
    ))]
#[post("/admin/sla-policies/{id}/categories")]
pub async fn assign_categories(
    admin: SlaAdmin,
    path: web::Path<String>,
    body: web::Json<CategoriesIn>,
    pool: web::Data<Pool>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path, NOT_FOUND)?;
    let slugs = body.into_inner().categories;
    let policy = db::run(&pool, move |conn| -> Result<_, ApiError> {
        pol::assign_slugs(conn, id, &slugs).map_err(|e| api_error(e, NOT_FOUND))?;
        out(conn, id)
    })
    .await?;
    tracing::info!(
        policy.id = id,
        actor = admin.id,
        "services given an SLA policy"
    );
    Ok(HttpResponse::Ok().json(policy))
}

pub fn services() -> impl actix_web::dev::HttpServiceFactory {
    (
        list_policies,
        create_policy,
        get_policy,
        update_policy,
        delete_policy,
        set_targets,
        remove_targets,
        assign_categories,
    )
}
