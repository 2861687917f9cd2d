//! `/staff/admin/sla-policies`: SLA policies, their per-priority targets,
//! and which policy each service uses (`/staff/admin/sla-policies/categories`).

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;

use super::{duration, notice_key, refusal, Admin};
use crate::db::{self, DbError};
use crate::domain::priority::Priority;
use crate::domain::sla::EscalationAction;
use crate::error::AppError;
use crate::i18n::Locale;
use crate::routes::staff::accounts::{see_other, FormFields};
use crate::sla_config::policies::{
    self as pol, Assignment, OverrideInput, PolicyInput, PolicyView, TargetsInput,
};
use crate::sla_config::{calendars, ConfigError, Entered};
use crate::views::sla_admin::{
    errors_in_order, CategoriesPage, CategoryGroup, CategoryRow, Choice, KeyChoice, OverrideForm,
    OverrideRow, PolicyForm, PolicyListPage, PolicyPage, PolicyRow,
};
use crate::views::staff_accounts::{FormErrors, StaffNav};

const LIST: &str = "/staff/admin/sla-policies";
const CATEGORIES: &str = "/staff/admin/sla-policies/categories";

fn href(id: i64) -> String {
    format!("{LIST}/{id}")
}

/// The fields of the policy page, top to bottom.
const FIELD_ORDER: &[&str] = &[
    "name",
    "description",
    "first_response_minutes",
    "keep_in_touch_minutes",
    "resolution_minutes",
    "warning_percents",
    "warning_actions",
    "breach_actions",
    "escalation_department",
    "calendar_id",
    "override",
    "delete",
];

#[derive(Debug, Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct CsrfOnly {
    csrf_token: Option<String>,
}

fn priority_key(p: Priority) -> String {
    format!("sla-admin-priority-{}", p.as_str())
}

fn action_key(a: EscalationAction) -> String {
    format!("sla-admin-action-{}", a.as_str())
}

fn minutes(n: i32, locale: Locale) -> String {
    duration(i64::from(n), locale)
}

#[get("/admin/sla-policies")]
pub async fn list(cx: Admin, query: web::Query<DoneQuery>) -> Result<HttpResponse, AppError> {
    let policies = db::run(&cx.pool, |conn| pol::list(conn).map_err(DbError::from)).await?;
    let locale = cx.locale;
    let (token, cookie) = cx.csrf();
    let p = PolicyListPage {
        layout: cx.layout("sla-admin-policies-title"),
        nav: cx.nav(StaffNav::SLA_POLICIES, &token),
        policies: policies
            .into_iter()
            .map(|v| {
                let t = v.policy.targets;
                PolicyRow {
                    href: href(v.policy.id),
                    first_response: minutes(t.first_response, locale),
                    keep_in_touch: t.keep_in_touch.map(|k| minutes(k, locale)),
                    resolution: minutes(t.resolution, locale),
                    warnings: v
                        .policy
                        .warning_percents
                        .iter()
                        .map(|p| format!("{p}%"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    calendar: v.calendar.map(|c| c.1),
                    override_keys: v
                        .policy
                        .overrides
                        .iter()
                        .map(|(p, _)| priority_key(*p))
                        .collect(),
                    category_count: v.categories.len(),
                    name: v.policy.name,
                }
            })
            .collect(),
        notice_key: notice_key(query.done.as_deref()),
        csrf_token: token,
    };
    cx.render("staff/admin/sla_policies.html", &p, StatusCode::OK, cookie)
}

/// The main form as typed (its choices' labels are filled in by `render`).
#[derive(Debug, Clone, Default)]
struct Typed {
    name: String,
    description: String,
    first_response: String,
    keep_in_touch: String,
    resolution: String,
    warning_percents: String,
    warning_actions: Vec<String>,
    breach_actions: Vec<String>,
    calendar_id: String,
    escalation_department: String,
}

impl Typed {
    fn of_form(f: &FormFields) -> Self {
        Self {
            name: f.text("name"),
            description: f.text("description"),
            first_response: f.text("first_response_minutes"),
            keep_in_touch: f.text("keep_in_touch_minutes"),
            resolution: f.text("resolution_minutes"),
            warning_percents: f.text("warning_percents"),
            warning_actions: f.all("warning_actions"),
            breach_actions: f.all("breach_actions"),
            calendar_id: f.text("calendar_id"),
            escalation_department: f.text("escalation_department"),
        }
    }

    fn of_policy(v: &PolicyView) -> Self {
        let p = &v.policy;
        let actions = |a: &[EscalationAction]| a.iter().map(|a| a.as_str().to_string()).collect();
        Self {
            name: p.name.clone(),
            description: p.description.clone(),
            first_response: p.targets.first_response.to_string(),
            keep_in_touch: p
                .targets
                .keep_in_touch
                .map(|k| k.to_string())
                .unwrap_or_default(),
            resolution: p.targets.resolution.to_string(),
            warning_percents: p
                .warning_percents
                .iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            warning_actions: actions(&p.warning_actions),
            breach_actions: actions(&p.breach_actions),
            calendar_id: p.calendar_id.map(|c| c.to_string()).unwrap_or_default(),
            escalation_department: v
                .escalation_department
                .as_ref()
                .map(|d| d.slug.clone())
                .unwrap_or_default(),
        }
    }

    fn input(&self) -> PolicyInput {
        PolicyInput {
            name: self.name.clone(),
            description: self.description.clone(),
            targets: TargetsInput {
                field: String::new(),
                first_response: Entered::parse(&self.first_response),
                keep_in_touch: Entered::parse(&self.keep_in_touch),
                resolution: Entered::parse(&self.resolution),
            },
            warning_percents: self
                .warning_percents
                .split([',', ' ', ';'])
                .map(|p| Entered::parse(p.trim().trim_end_matches('%')))
                .collect(),
            warning_actions: self.warning_actions.clone(),
            breach_actions: self.breach_actions.clone(),
            calendar: Entered::parse(&self.calendar_id),
            escalation_department: self.escalation_department.clone(),
        }
    }
}

/// The override form as typed.
#[derive(Debug, Clone, Default)]
struct TypedOverride {
    priority: String,
    first_response: String,
    keep_in_touch: String,
    resolution: String,
}

struct Shown {
    status: StatusCode,
    form: Option<Typed>,
    override_form: TypedOverride,
    errors: FormErrors,
    notice_key: Option<String>,
}

impl Default for Shown {
    fn default() -> Self {
        Self {
            status: StatusCode::OK,
            form: None,
            override_form: TypedOverride {
                priority: Priority::Urgent.as_str().into(),
                ..TypedOverride::default()
            },
            errors: FormErrors::new(),
            notice_key: None,
        }
    }
}

/// The policy page: `id` `None` is the new-policy form.
async fn render(cx: &Admin, id: Option<i64>, shown: Shown) -> Result<HttpResponse, AppError> {
    let (view, calendar_names, departments) =
        db::run(&cx.pool, move |conn| -> Result<_, AppError> {
            let view = match id {
                Some(id) => Some(pol::get(conn, id)?.ok_or(AppError::NotFound)?),
                None => None,
            };
            Ok((view, calendars::names(conn)?, pol::departments(conn)?))
        })
        .await?;
    let locale = cx.locale;
    let typed = shown
        .form
        .unwrap_or_else(|| view.as_ref().map(Typed::of_policy).unwrap_or_default());
    let actions = |chosen: &[String]| {
        EscalationAction::ALL
            .into_iter()
            .map(|a| KeyChoice {
                value: a.as_str().into(),
                label_key: action_key(a),
                selected: chosen.iter().any(|c| c == a.as_str()),
            })
            .collect()
    };
    let mut calendar_choices = vec![Choice {
        value: String::new(),
        label: locale.text("sla-admin-calendar-department"),
        selected: typed.calendar_id.is_empty(),
    }];
    calendar_choices.extend(calendar_names.into_iter().map(|(cid, name)| Choice {
        selected: typed.calendar_id == cid.to_string(),
        value: cid.to_string(),
        label: name,
    }));
    let mut department_choices = vec![Choice {
        value: String::new(),
        label: locale.text("sla-admin-escalation-none"),
        selected: typed.escalation_department.is_empty(),
    }];
    department_choices.extend(departments.into_iter().map(|d| Choice {
        selected: typed.escalation_department == d.slug,
        value: d.slug,
        label: d.name,
    }));
    let form = PolicyForm {
        name: typed.name.clone(),
        description: typed.description.clone(),
        first_response_minutes: typed.first_response.clone(),
        keep_in_touch_minutes: typed.keep_in_touch.clone(),
        resolution_minutes: typed.resolution.clone(),
        warning_percents: typed.warning_percents.clone(),
        warning_actions: actions(&typed.warning_actions),
        breach_actions: actions(&typed.breach_actions),
        calendars: calendar_choices,
        departments: department_choices,
    };
    let o = shown.override_form;
    let override_form = OverrideForm {
        priorities: Priority::ALL
            .into_iter()
            .map(|p| KeyChoice {
                value: p.as_str().into(),
                label_key: priority_key(p),
                selected: o.priority == p.as_str(),
            })
            .collect(),
        first_response_minutes: o.first_response,
        keep_in_touch_minutes: o.keep_in_touch,
        resolution_minutes: o.resolution,
    };
    let (token, cookie) = cx.csrf();
    let (layout, heading, action, base) = match &view {
        Some(v) => (
            cx.layout_titled(v.policy.name.clone()),
            v.policy.name.clone(),
            href(v.policy.id),
            href(v.policy.id),
        ),
        None => (
            cx.layout("sla-admin-policy-new-title"),
            locale.text("sla-admin-policy-new-title"),
            LIST.to_string(),
            LIST.to_string(),
        ),
    };
    let p = PolicyPage {
        layout,
        nav: cx.nav(StaffNav::SLA_POLICIES, &token),
        editing: view.is_some(),
        action,
        heading,
        form,
        overrides: view
            .as_ref()
            .map(|v| {
                v.policy
                    .overrides
                    .iter()
                    .map(|(p, t)| OverrideRow {
                        priority_key: priority_key(*p),
                        first_response: minutes(t.first_response, locale),
                        keep_in_touch: t.keep_in_touch.map(|k| minutes(k, locale)),
                        resolution: minutes(t.resolution, locale),
                        remove_action: format!("{base}/targets/{}/delete", p.as_str()),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        override_form,
        categories: view
            .as_ref()
            .map(|v| v.categories.iter().map(|c| c.name.clone()).collect())
            .unwrap_or_default(),
        tickets: view.as_ref().map_or(0, |v| v.tickets),
        href: base,
        notice_key: shown.notice_key,
        error_list: errors_in_order(&shown.errors, FIELD_ORDER),
        errors: shown.errors,
        csrf_token: token,
    };
    cx.render("staff/admin/sla_policy.html", &p, shown.status, cookie)
}

async fn refused(
    cx: &Admin,
    id: Option<i64>,
    e: ConfigError,
    shown: Shown,
) -> Result<HttpResponse, AppError> {
    let (status, errors) = refusal(e, cx.locale)?;
    render(
        cx,
        id,
        Shown {
            status,
            errors,
            ..shown
        },
    )
    .await
}

#[get("/admin/sla-policies/new")]
pub async fn new_form(cx: Admin) -> Result<HttpResponse, AppError> {
    let typed = Typed {
        warning_percents: "75".into(),
        warning_actions: vec![EscalationAction::NotifyAssignee.as_str().into()],
        breach_actions: vec![
            EscalationAction::NotifyAssignee.as_str().into(),
            EscalationAction::NotifySupervisors.as_str().into(),
        ],
        ..Typed::default()
    };
    let shown = Shown {
        form: Some(typed),
        ..Shown::default()
    };
    render(&cx, None, shown).await
}

#[post("/admin/sla-policies")]
pub async fn create(cx: Admin, body: web::Bytes) -> Result<HttpResponse, AppError> {
    let fields = FormFields::parse(&body);
    cx.check_csrf(fields.get("csrf_token"))?;
    let typed = Typed::of_form(&fields);
    let input = typed.input();
    let result = db::run(&cx.pool, move |conn| -> Result<_, DbError> {
        Ok(pol::create(conn, &input))
    })
    .await?;
    match result {
        Ok(id) => {
            tracing::info!(policy.id = id, actor = cx.admin.id, "SLA policy created");
            Ok(see_other(format!("{}?done=created", href(id))))
        }
        Err(e) => {
            let shown = Shown {
                form: Some(typed),
                ..Shown::default()
            };
            refused(&cx, None, e, shown).await
        }
    }
}

#[get("/admin/sla-policies/{id:\\d+}")]
pub async fn show(
    cx: Admin,
    path: web::Path<i64>,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, AppError> {
    let shown = Shown {
        notice_key: notice_key(query.done.as_deref()),
        ..Shown::default()
    };
    render(&cx, Some(path.into_inner()), shown).await
}

#[post("/admin/sla-policies/{id:\\d+}")]
pub async fn update(
    cx: Admin,
    path: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let fields = FormFields::parse(&body);
    cx.check_csrf(fields.get("csrf_token"))?;
    let typed = Typed::of_form(&fields);
    let input = typed.input();
    let result = db::run(&cx.pool, move |conn| -> Result<_, DbError> {
        Ok(pol::update(conn, id, &input))
    })
    .await?;
    match result {
        Ok(()) => {
            tracing::info!(policy.id = id, actor = cx.admin.id, "SLA policy changed");
            Ok(see_other(format!("{}?done=saved", href(id))))
        }
        Err(e) => {
            let shown = Shown {
                form: Some(typed),
                ..Shown::default()
            };
            refused(&cx, Some(id), e, shown).await
        }
    }
}

#[post("/admin/sla-policies/{id:\\d+}/targets")]
pub async fn set_override(
    cx: Admin,
    path: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let fields = FormFields::parse(&body);
    cx.check_csrf(fields.get("csrf_token"))?;
    let typed = TypedOverride {
        priority: fields.text("override.priority"),
        first_response: fields.text("override.first_response_minutes"),
        keep_in_touch: fields.text("override.keep_in_touch_minutes"),
        resolution: fields.text("override.resolution_minutes"),
    };
    let input = OverrideInput {
        priority: typed.priority.clone(),
        targets: TargetsInput {
            field: "override".into(),
            first_response: Entered::parse(&typed.first_response),
            keep_in_touch: Entered::parse(&typed.keep_in_touch),
            resolution: Entered::parse(&typed.resolution),
        },
    };
    let result = db::run(&cx.pool, move |conn| -> Result<_, DbError> {
        Ok(pol::set_override(conn, id, &input))
    })
    .await?;
    match result {
        Ok(_) => Ok(see_other(format!("{}?done=override-saved", href(id)))),
        Err(e) => {
            let shown = Shown {
                override_form: typed,
                ..Shown::default()
            };
            refused(&cx, Some(id), e, shown).await
        }
    }
}

#[post("/admin/sla-policies/{id:\\d+}/targets/{priority}/delete")]
pub async fn remove_override(
    cx: Admin,
    path: web::Path<(i64, String)>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, AppError> {
    let (id, priority) = path.into_inner();
    cx.check_csrf(form.csrf_token.as_deref())?;
    let priority: Priority = priority.parse().map_err(|_| AppError::NotFound)?;
    let result = db::run(&cx.pool, move |conn| -> Result<_, DbError> {
        Ok(pol::remove_override(conn, id, priority))
    })
    .await?;
    match result {
        Ok(()) => Ok(see_other(format!("{}?done=override-removed", href(id)))),
        Err(e) => refused(&cx, Some(id), e, Shown::default()).await,
    }
}

#[post("/admin/sla-policies/{id:\\d+}/delete")]
pub async fn delete(
    cx: Admin,
    path: web::Path<i64>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    cx.check_csrf(form.csrf_token.as_deref())?;
    let result = db::run(&cx.pool, move |conn| -> Result<_, DbError> {
        Ok(pol::delete(conn, id))
    })
    .await?;
    match result {
        Ok(()) => {
            tracing::info!(policy.id = id, actor = cx.admin.id, "SLA policy deleted");
            Ok(see_other(format!("{LIST}?done=deleted")))
        }
        Err(e) => refused(&cx, Some(id), e, Shown::default()).await,
    }
}

// ---------------------------------------------------------------------------
// Which policy each service uses

async fn render_categories(
    cx: &Admin,
    typed: Option<Vec<(i64, String)>>,
    errors: FormErrors,
    notice_key: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (rows, policies) = db::run(&cx.pool, |conn| -> Result<_, DbError> {
        Ok((pol::category_policies(conn)?, pol::names(conn)?))
    })
    .await?;
    let locale = cx.locale;
    let mut groups: Vec<CategoryGroup> = Vec::new();
    for r in rows {
        let chosen = typed
            .as_ref()
            .and_then(|t| t.iter().find(|(id, _)| *id == r.id).map(|(_, v)| v.clone()))
            .unwrap_or_else(|| r.policy_id.map(|p| p.to_string()).unwrap_or_default());
        let mut choices = vec![Choice {
            value: String::new(),
            label: locale.text("sla-admin-categories-none"),
            selected: chosen.is_empty(),
        }];
        choices.extend(policies.iter().map(|(id, name)| Choice {
            value: id.to_string(),
            label: name.clone(),
            selected: chosen == id.to_string(),
        }));
        let row = CategoryRow {
            field: format!("category.{}", r.id),
            name: r.name,
            department: r.department,
            active: r.active,
            policies: choices,
        };
        match groups.last_mut() {
            Some(g) if g.name == r.group => g.categories.push(row),
            _ => groups.push(CategoryGroup {
                name: r.group,
                categories: vec![row],
            }),
        }
    }
    let (token, cookie) = cx.csrf();
    let p = CategoriesPage {
        layout: cx.layout("sla-admin-categories-title"),
        nav: cx.nav(StaffNav::SLA_POLICIES, &token),
        groups,
        notice_key,
        error_list: errors_in_order(&errors, &[]),
        errors,
        csrf_token: token,
    };
    cx.render("staff/admin/sla_categories.html", &p, status, cookie)
}

#[get("/admin/sla-policies/categories")]
pub async fn categories_form(
    cx: Admin,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, AppError> {
    let notice = notice_key(query.done.as_deref());
    render_categories(&cx, None, FormErrors::new(), notice, StatusCode::OK).await
}

/// Every `category.ID` select of the page, saved together.
#[post("/admin/sla-policies/categories")]
pub async fn assign_categories(cx: Admin, body: web::Bytes) -> Result<HttpResponse, AppError> {
    let fields = FormFields::parse(&body);
    cx.check_csrf(fields.get("csrf_token"))?;
    let typed: Vec<(i64, String)> = fields
        .pairs()
        .filter_map(|(k, v)| {
            let id = k.strip_prefix("category.")?.parse::<i64>().ok()?;
            Some((id, v.to_string()))
        })
        .collect();
    let assignments: Vec<Assignment> = typed
        .iter()
        .map(|(id, v)| Assignment {
            field: format!("category.{id}"),
            category_id: *id,
            policy: Entered::parse(v),
        })
        .collect();
    let result = db::run(&cx.pool, move |conn| -> Result<_, DbError> {
        Ok(pol::assign(conn, &assignments))
    })
    .await?;
    match result {
        Ok(changed) => {
            tracing::info!(changed, actor = cx.admin.id, "services given SLA policies");
            Ok(see_other(format!("{CATEGORIES}?done=assigned")))
        }
        Err(e) => {
            let (status, errors) = refusal(e, cx.locale)?;
            render_categories(&cx, Some(typed), errors, None, status).await
        }
    }
}
