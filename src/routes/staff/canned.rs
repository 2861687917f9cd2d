//! `/staff/canned-responses`: supervisors keep their departments' canned
//! responses (admins every department's); everyone else gets 403.

use std::collections::BTreeMap;

use actix_web::http::{header, StatusCode};
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::tickets::Deps;
use super::{html, layout};
use crate::auth::csrf;
use crate::auth::session::CurrentStaff;
use crate::db;
use crate::error::AppError;
use crate::i18n::Locale;
use crate::routes::locale::RequestLocale;
use crate::staff::tickets::canned::{self, CannedInput};
use crate::staff::tickets::view::Choice;
use crate::staff::tickets::TicketError;
use crate::views::staff_tickets::{CannedForm, CannedResponsesPage, CannedRow, Problem};

const PATH: &str = "/staff/canned-responses";

fn forbidden(locale: Locale) -> AppError {
    AppError::Forbidden(locale.text("tickets-canned-forbidden"))
}

fn done_key(done: &str) -> Option<&'static str> {
    Some(match done {
        "created" => "tickets-canned-done-created",
        "updated" => "tickets-canned-done-updated",
        "deleted" => "tickets-canned-done-deleted",
        _ => return None,
    })
}

/// What the page shows besides the list.
struct Shown {
    status: StatusCode,
    /// The response to change (`?edit=`).
    edit: Option<i64>,
    /// What was typed, shown again after a problem.
    form: Option<CannedForm>,
    flash: Option<String>,
    problem: Option<(Problem, BTreeMap<String, String>)>,
}

async fn render(
    req: &HttpRequest,
    staff: &CurrentStaff,
    deps: &Deps,
    locale: Locale,
    shown: Shown,
) -> Result<HttpResponse, AppError> {
    let Shown {
        status,
        edit,
        form,
        flash,
        problem,
    } = shown;
    let staff2 = staff.0.clone();
    let (departments, rows, editing) = db::run(deps.pool(), move |conn| -> Result<_, AppError> {
        let departments = canned::manageable_departments(conn, &staff2)?;
        let rows = canned::manageable(conn, &staff2)?;
        let editing = match edit {
            Some(id) => Some(canned::get(conn, &staff2, id).map_err(|e| match e {
                TicketError::NotFound => AppError::NotFound,
                other => AppError::Unexpected(anyhow::anyhow!("{other}")),
            })?),
            None => None,
        };
        Ok((departments, rows, editing))
    })
    .await?;
    let form = form.unwrap_or_else(|| match editing {
        Some(c) => CannedForm {
            id: Some(c.id),
            department_id: c.department_id.to_string(),
            title: c.title,
            body: c.body,
        },
        None => CannedForm::default(),
    });
    let (csrf_token, cookie) = csrf::token_for(
        req,
        deps.settings().application.public_base_url.scheme() == "https",
    );
    let page = CannedResponsesPage {
        layout: layout(req, deps.settings(), locale, "tickets-canned-title"),
        departments: departments
            .into_iter()
            .map(|(id, name)| Choice {
                value: id.to_string(),
                label: name,
            })
            .collect(),
        responses: rows
            .into_iter()
            .map(|(c, department)| CannedRow {
                id: c.id,
                department,
                title: c.title,
                body: c.body,
            })
            .collect(),
        form,
        flash,
        errors: problem.as_ref().map(|p| p.1.clone()).unwrap_or_default(),
        problem: problem.map(|p| p.0),
        csrf_token,
    };
    let mut res = html(
        deps.templates(),
        "staff/tickets/canned_responses.html",
        &page,
        status,
    )?;
    if let Some(c) = cookie {
        res.add_cookie(&c)
            .map_err(|e| AppError::Unexpected(e.into()))?;
    }
    Ok(res)
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    edit: Option<i64>,
    done: Option<String>,
}

#[get("/canned-responses")]
pub async fn list(
    req: HttpRequest,
    staff: CurrentStaff,
    query: web::Query<ListQuery>,
    deps: Deps,
    RequestLocale(locale): RequestLocale,
) -> Result<HttpResponse, AppError> {
    if !canned::may_manage(&staff) {
        return Err(forbidden(locale));
    }
    let flash = query
        .done
        .as_deref()
        .and_then(done_key)
        .map(|k| locale.text(k));
    let shown = Shown {
        status: StatusCode::OK,
        edit: query.edit,
        form: None,
        flash,
        problem: None,
    };
    render(&req, &staff, &deps, locale, shown).await
}

#[derive(Debug, Deserialize)]
pub struct CannedFormIn {
    csrf_token: Option<String>,
    #[serde(default)]
    department_id: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
}

/// A posted form: its CSRF token, what to show again if it is refused, and
/// the message key (`?done=`) if it goes through.
struct Posted {
    csrf_token: Option<String>,
    form: CannedForm,
    done: &'static str,
}

/// Runs a change; 303 back to the list, or the page again with the problem.
async fn change<F>(
    req: HttpRequest,
    staff: CurrentStaff,
    deps: Deps,
    locale: Locale,
    posted: Posted,
    run: F,
) -> Result<HttpResponse, AppError>
where
    F: FnOnce(&mut diesel::PgConnection, &crate::auth::policy::Staff) -> Result<(), TicketError>
        + Send
        + 'static,
{
    if !csrf::verify(&req, posted.csrf_token.as_deref()) {
        return Err(AppError::Forbidden(locale.text("error-csrf")));
    }
    if !canned::may_manage(&staff) {
        return Err(forbidden(locale));
    }
    let staff2 = staff.0.clone();
    let result = db::run(deps.pool(), move |conn| -> Result<_, AppError> {
        match run(conn, &staff2) {
            Ok(()) => Ok(Ok(())),
            Err(TicketError::NotFound) => Err(AppError::NotFound),
            Err(TicketError::Forbidden(_)) => Err(forbidden(locale)),
            Err(TicketError::Db(e)) => Err(e.into()),
            Err(TicketError::Other(e)) => Err(AppError::Unexpected(e)),
            Err(TicketError::Invalid(fields)) => Ok(Err(fields)),
            Err(other) => Err(AppError::Unexpected(anyhow::anyhow!("{other}"))),
        }
    })
    .await?;
    match result {
        Ok(()) => Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, format!("{PATH}?done={}", posted.done)))
            .finish()),
        Err(fields) => {
            let problem = Problem {
                message: locale.text("tickets-error-summary"),
                conflict: false,
            };
            let errors = fields
                .into_iter()
                .map(|(k, m)| (format!("canned-{}", k.replace('_', "-")), m.text(locale)))
                .collect();
            let shown = Shown {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                edit: None,
                form: Some(posted.form),
                flash: None,
                problem: Some((problem, errors)),
            };
            render(&req, &staff, &deps, locale, shown).await
        }
    }
}

fn input_of(f: &CannedFormIn) -> CannedInput {
    CannedInput {
        department_id: f.department_id.trim().parse().unwrap_or(0),
        title: f.title.clone(),
        body: f.body.clone(),
    }
}

#[post("/canned-responses")]
pub async fn create(
    req: HttpRequest,
    staff: CurrentStaff,
    form: web::Form<CannedFormIn>,
    deps: Deps,
    RequestLocale(locale): RequestLocale,
) -> Result<HttpResponse, AppError> {
    let f = form.into_inner();
    let input = input_of(&f);
    let shown = CannedForm {
        id: None,
        department_id: f.department_id,
        title: f.title,
        body: f.body,
    };
    let posted = Posted {
        csrf_token: f.csrf_token,
        form: shown,
        done: "created",
    };
    change(req, staff, deps, locale, posted, move |conn, staff| {
        canned::create(conn, staff, &input).map(|_| ())
    })
    .await
}

#[post("/canned-responses/{id}")]
pub async fn update(
    req: HttpRequest,
    staff: CurrentStaff,
    path: web::Path<i64>,
    form: web::Form<CannedFormIn>,
    deps: Deps,
    RequestLocale(locale): RequestLocale,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let f = form.into_inner();
    let input = input_of(&f);
    let shown = CannedForm {
        id: Some(id),
        department_id: f.department_id,
        title: f.title,
        body: f.body,
    };
    let posted = Posted {
        csrf_token: f.csrf_token,
        form: shown,
        done: "updated",
    };
    change(req, staff, deps, locale, posted, move |conn, staff| {
        canned::update(conn, staff, id, &input)
    })
    .await
}

#[derive(Debug, Deserialize)]
pub struct DeleteForm {
    csrf_token: Option<String>,
}

#[post("/canned-responses/{id}/delete")]
pub async fn delete(
    req: HttpRequest,
    staff: CurrentStaff,
    path: web::Path<i64>,
    form: web::Form<DeleteForm>,
    deps: Deps,
    RequestLocale(locale): RequestLocale,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let posted = Posted {
        csrf_token: form.into_inner().csrf_token,
        form: CannedForm::default(),
        done: "deleted",
    };
    change(req, staff, deps, locale, posted, move |conn, staff| {
        canned::delete(conn, staff, id)
    })
    .await
}
