//! `/staff/admin/users`: administrators manage staff accounts. Every handler
//! takes [`StaffAdmin`], so anyone else is refused (403) before it runs.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::Utc;
use diesel::Connection as _;
use secrecy::SecretString;
use serde::Deserialize;

use super::{csrf_token, localise, page, require_csrf, see_other, FormFields};
use crate::auth::admin::StaffAdmin;
use crate::auth::password::{self, MIN_LENGTH};
use crate::configuration::Settings;
use crate::db::{self, Pool};
use crate::domain::role::Role;
use crate::email::EmailTemplates;
use crate::error::AppError;
use crate::i18n::Locale;
use crate::routes::locale::RequestLocale;
use crate::routes::staff::layout;
use crate::staff::passwords::{self, ResetReason};
use crate::staff::users::{self, AccountError, AccountInput, DepartmentRef, StaffAccount};
use crate::views::staff_accounts::{
    DepartmentChoice, EditStaffPage, FormErrors, NewStaffPage, RoleChoice, StaffListPage, StaffNav,
    StaffRow,
};
use crate::views::Templates;

const LIST: &str = "/staff/admin/users";

fn href(id: i64) -> String {
    format!("{LIST}/{id}")
}

/// `?done=` values and what the page then says.
fn notice_key(done: Option<&str>) -> Option<String> {
    let key = match done? {
        "created" => "accounts-done-created",
        "invited" => "accounts-done-invited",
        "saved" => "accounts-done-saved",
        "deactivated" => "accounts-done-deactivated",
        "activated" => "accounts-done-activated",
        "reset-link" => "accounts-done-reset-link",
        _ => return None,
    };
    Some(key.to_string())
}

#[derive(Debug, Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

fn row(a: &StaffAccount) -> StaffRow {
    StaffRow {
        id: a.id,
        name: a.name.clone(),
        email: a.email.clone(),
        role_key: format!("role-{}", a.role.as_str()),
        active: a.active,
        locked: a.locked_until.is_some_and(|t| t > Utc::now()),
        department_names: a.departments.iter().map(|d| d.name.clone()).collect(),
        href: href(a.id),
    }
}

fn department_choices(all: Vec<DepartmentRef>, checked: &[String]) -> Vec<DepartmentChoice> {
    all.into_iter()
        .map(|d| DepartmentChoice {
            checked: checked.contains(&d.slug),
            slug: d.slug,
            name: d.name,
        })
        .collect()
}

#[get("/admin/users")]
pub async fn list(
    req: HttpRequest,
    admin: StaffAdmin,
    query: web::Query<DoneQuery>,
    pool: web::Data<Pool>,
    templates: web::Data<Templates>,
    settings: web::Data<Settings>,
    RequestLocale(locale): RequestLocale,
) -> Result<HttpResponse, AppError> {
    let accounts = db::run(&pool, |conn| users::list(conn).map_err(db::DbError::from)).await?;
    let (token, cookie) = csrf_token(&req, &settings);
    let p = StaffListPage {
        layout: layout(&req, &settings, locale, "admin-users-title"),
        nav: StaffNav::new(&admin, StaffNav::STAFF, &token),
        accounts: accounts.iter().map(row).collect(),
        notice_key: notice_key(query.done.as_deref()),
        csrf_token: token,
    };
    page(
        &templates,
        "staff/admin/users.html",
        &p,
        StatusCode::OK,
        cookie,
    )
}

/// What the create form holds, to show it again.
#[derive(Debug, Default)]
struct NewAccountForm {
    name: String,
    email: String,
    role: Option<Role>,
    departments: Vec<String>,
    password_mode: String,
}

#[allow(clippy::too_many_arguments)]
async fn render_new(
    req: &HttpRequest,
    admin: &StaffAdmin,
    pool: &Pool,
    templates: &Templates,
    settings: &Settings,
    locale: Locale,
    form: NewAccountForm,
    errors: FormErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let all = db::run(pool, |conn| {
        users::all_departments(conn).map_err(db::DbError::from)
    })
    .await?;
    let (token, cookie) = csrf_token(req, settings);
    let p = NewStaffPage {
        layout: layout(req, settings, locale, "admin-users-new-title"),
        nav: StaffNav::new(admin, StaffNav::STAFF, &token),
        name: form.name,
        email: form.email,
        roles: RoleChoice::all(form.role),
        departments: department_choices(all, &form.departments),
        password_mode: form.password_mode,
        errors,
        min_length: MIN_LENGTH,
        csrf_token: token,
    };
    page(templates, "staff/admin/user_new.html", &p, status, cookie)
}

#[get("/admin/users/new")]
pub async fn new_form(
    req: HttpRequest,
    admin: StaffAdmin,
    pool: web::Data<Pool>,
    templates: web::Data<Templates>,
    settings: web::Data<Settings>,
    RequestLocale(locale): RequestLocale,
) -> Result<HttpResponse, AppError> {
    let form = NewAccountForm {
        role: Some(Role::Agent),
        password_mode: "link".into(),
        ..NewAccountForm::default()
    };
    render_new(
        &req,
        &admin,
        &pool,
        &templates,
        &settings,
        locale,
        form,
        FormErrors::new(),
        StatusCode::OK,
    )
    .await
}

/// Why creating an account failed inside its transaction.
#[derive(Debug, thiserror::Error)]
enum CreateError {
    #[error(transparent)]
    Account(#[from] AccountError),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<diesel::result::Error> for CreateError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Account(e.into())
    }
}

impl From<db::DbError> for CreateError {
    fn from(e: db::DbError) -> Self {
        Self::Other(e.into())
    }
}

/// Creates an account with either a password the administrator sets now, or
/// no usable password and an emailed link to choose one (sent in the same
/// transaction, so there is never an account whose invitation was lost).
#[allow(clippy::too_many_arguments)]
#[post("/admin/users")]
pub async fn create(
    req: HttpRequest,
    admin: StaffAdmin,
    body: web::Bytes,
    pool: web::Data<Pool>,
    templates: web::Data<Templates>,
    email_templates: web::Data<EmailTemplates>,
    settings: web::Data<Settings>,
    RequestLocale(locale): RequestLocale,
) -> Result<HttpResponse, AppError> {
    let fields = FormFields::parse(&body);
    require_csrf(&req, fields.get("csrf_token"), locale)?;
    let departments = fields.all("departments");
    let (name, email, role_text) = (
        fields.text("name"),
        fields.text("email"),
        fields.text("role"),
    );
    let send_link = fields.get("password_mode") != Some("password");
    let initial = SecretString::from(fields.text("password"));
    let form = NewAccountForm {
        name: name.clone(),
        email: email.clone(),
        role: role_text.parse().ok(),
        departments: departments.clone(),
        password_mode: if send_link { "link" } else { "password" }.into(),
    };
    let input = AccountInput {
        email: &email,
        name: &name,
        role: &role_text,
        departments: &departments,
    };
    let (account, mut problems) = match users::check_all(&input) {
        Ok(account) => (Some(account), Vec::new()),
        Err(problems) => (None, problems),
    };
    if !send_link {
        if let Err(e) = password::check_policy(&initial) {
            problems.push(e.into());
        }
    }
    let refuse = |problems: Vec<AccountError>, form, status| {
        let errors = localise(
            problems
                .iter()
                .map(|p| (p.field().unwrap_or("name"), p.message_key())),
            locale,
        );
        render_new(
            &req, &admin, &pool, &templates, &settings, locale, form, errors, status,
        )
    };
    let account = match account {
        Some(account) if problems.is_empty() => account,
        _ => return refuse(problems, form, StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let (settings2, email_templates2) = (settings.clone(), email_templates.clone());
    let created = db::run(&pool, move |conn| -> Result<i64, CreateError> {
        // A link-only account gets a password nobody knows until they choose one.
        let secret = if send_link {
            password::generate()
        } else {
            initial
        };
        let hash = password::hash(&secret).map_err(AccountError::from)?;
        conn.transaction(|conn| {
            let id = users::create(conn, &account, &hash)?;
            if send_link {
                passwords::issue_reset(
                    conn,
                    &email_templates2,
                    &settings2,
                    id,
                    ResetReason::NewAccount,
                    Utc::now(),
                )?;
            }
            Ok(id)
        })
    })
    .await;
    match created {
        Ok(id) => {
            tracing::info!(
                user.id = id,
                actor = admin.id,
                "staff account created by an administrator"
            );
            Ok(see_other(format!(
                "{LIST}?done={}",
                if send_link { "invited" } else { "created" }
            )))
        }
        Err(CreateError::Account(e)) if e.field().is_some() => {
            refuse(vec![e], form, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(CreateError::Account(e)) => Err(AppError::Unexpected(e.into())),
        Err(CreateError::Other(e)) => Err(AppError::Unexpected(e)),
    }
}

#[allow(clippy::too_many_arguments)]
async fn render_edit(
    req: &HttpRequest,
    admin: &StaffAdmin,
    pool: &Pool,
    templates: &Templates,
    settings: &Settings,
    locale: Locale,
    id: i64,
    shown: Option<(Option<Role>, Vec<String>)>,
    errors: FormErrors,
    notice_key: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (account, all) = db::run(pool, move |conn| -> Result<_, AppError> {
        let account = users::get(conn, id)?.ok_or(AppError::NotFound)?;
        Ok((account, users::all_departments(conn)?))
    })
    .await?;
    let (role, checked) = shown.unwrap_or_else(|| {
        (
            Some(account.role),
            account.departments.iter().map(|d| d.slug.clone()).collect(),
        )
    });
    let (token, cookie) = csrf_token(req, settings);
    let p = EditStaffPage {
        layout: layout(req, settings, locale, "admin-users-edit-title"),
        nav: StaffNav::new(admin, StaffNav::STAFF, &token),
        account: row(&account),
        roles: RoleChoice::all(role),
        departments: department_choices(all, &checked),
        is_self: account.id == admin.id,
        errors,
        notice_key,
        csrf_token: token,
    };
    page(templates, "staff/admin/user_edit.html", &p, status, cookie)
}

#[allow(clippy::too_many_arguments)]
#[get("/admin/users/{id:\\d+}")]
pub async fn show(
    req: HttpRequest,
    admin: StaffAdmin,
    path: web::Path<i64>,
    query: web::Query<DoneQuery>,
    pool: web::Data<Pool>,
    templates: web::Data<Templates>,
    settings: web::Data<Settings>,
    RequestLocale(locale): RequestLocale,
) -> Result<HttpResponse, AppError> {
    let notice = notice_key(query.done.as_deref());
    render_edit(
        &req,
        &admin,
        &pool,
        &templates,
        &settings,
        locale,
        path.into_inner(),
        None,
        FormErrors::new(),
        notice,
        StatusCode::OK,
    )
    .await
}

/// An account change the rules refused: back to the page, saying why.
#[allow(clippy::too_many_arguments)]
async fn refused(
    req: &HttpRequest,
    admin: &StaffAdmin,
    pool: &Pool,
    templates: &Templates,
    settings: &Settings,
    locale: Locale,
    id: i64,
    shown: Option<(Option<Role>, Vec<String>)>,
    e: AccountError,
) -> Result<HttpResponse, AppError> {
    let (field, status) = match &e {
        AccountError::UnknownUser(_) => return Err(AppError::NotFound),
        AccountError::Db(_) => return Err(AppError::Unexpected(e.into())),
        AccountError::OwnAccount | AccountError::LastAdmin => ("state", StatusCode::CONFLICT),
        other => (
            other.field().unwrap_or("state"),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    };
    let errors = localise([(field, e.message_key())], locale);
    render_edit(
        req, admin, pool, templates, settings, locale, id, shown, errors, None, status,
    )
    .await
}

/// Role and departments together: the rule "agents and supervisors belong to
/// a department" is about both.
#[allow(clippy::too_many_arguments)]
#[post("/admin/users/{id:\\d+}/role")]
pub async fn update_access(
    req: HttpRequest,
    admin: StaffAdmin,
    path: web::Path<i64>,
    body: web::Bytes,
    pool: web::Data<Pool>,
    templates: web::Data<Templates>,
    settings: web::Data<Settings>,
    RequestLocale(locale): RequestLocale,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let fields = FormFields::parse(&body);
    require_csrf(&req, fields.get("csrf_token"), locale)?;
    let departments = fields.all("departments");
    // One's own role is not offered (the field is disabled), so it is not sent.
    let role = match fields.get("role").filter(|r| !r.is_empty()) {
        Some(text) => match text.parse::<Role>() {
            Ok(role) => Some(role),
            Err(e) => {
                let shown = Some((None, departments));
                return refused(
                    &req,
                    &admin,
                    &pool,
                    &templates,
                    &settings,
                    locale,
                    id,
                    shown,
                    e.into(),
                )
                .await;
            }
        },
        None => None,
    };
    let (actor, departments2) = (admin.id, departments.clone());
    let result = db::run(&pool, move |conn| -> Result<_, db::DbError> {
        Ok(users::set_role_and_departments(
            conn,
            Some(actor),
            id,
            role,
            Some(&departments2),
        ))
    })
    .await?;
    match result {
        Ok(()) => Ok(see_other(format!("{}?done=saved", href(id)))),
        Err(e) => {
            let shown = Some((role, departments));
            refused(
                &req, &admin, &pool, &templates, &settings, locale, id, shown, e,
            )
            .await
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct CsrfOnly {
    csrf_token: Option<String>,
}

#[allow(clippy::too_many_arguments)]
async fn set_active(
    req: HttpRequest,
    admin: StaffAdmin,
    id: i64,
    form: CsrfOnly,
    active: bool,
    pool: web::Data<Pool>,
    templates: web::Data<Templates>,
    settings: web::Data<Settings>,
    locale: Locale,
) -> Result<HttpResponse, AppError> {
    require_csrf(&req, form.csrf_token.as_deref(), locale)?;
    let actor = admin.id;
    let result = db::run(&pool, move |conn| -> Result<_, db::DbError> {
        Ok(users::set_active(conn, Some(actor), id, active, Utc::now()))
    })
    .await?;
    match result {
        Ok(()) => Ok(see_other(format!(
            "{}?done={}",
            href(id),
            if active { "activated" } else { "deactivated" }
        ))),
        Err(e) => {
            refused(
                &req, &admin, &pool, &templates, &settings, locale, id, None, e,
            )
            .await
        }
    }
}

/// Deactivates the account; its sessions end at once.
#[allow(clippy::too_many_arguments)]
#[post("/admin/users/{id:\\d+}/deactivate")]
pub async fn deactivate(
    req: HttpRequest,
    admin: StaffAdmin,
    path: web::Path<i64>,
    form: web::Form<CsrfOnly>,
    pool: web::Data<Pool>,
    templates: web::Data<Templates>,
    settings: web::Data<Settings>,
    RequestLocale(locale): RequestLocale,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    set_active(
        req,
        admin,
        id,
        form.into_inner(),
        false,
        pool,
        templates,
        settings,
        locale,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
#[post("/admin/users/{id:\\d+}/activate")]
pub async fn activate(
    req: HttpRequest,
    admin: StaffAdmin,
    path: web::Path<i64>,
    form: web::Form<CsrfOnly>,
    pool: web::Data<Pool>,
    templates: web::Data<Templates>,
    settings: web::Data<Settings>,
    RequestLocale(locale): RequestLocale,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    set_active(
        req,
        admin,
        id,
        form.into_inner(),
        true,
        pool,
        templates,
        settings,
        locale,
    )
    .await
}

/// Emails the account a link to choose a new password (its current one keeps
/// working until then).
#[allow(clippy::too_many_arguments)]
#[post("/admin/users/{id:\\d+}/reset-link")]
pub async fn send_reset_link(
    req: HttpRequest,
    admin: StaffAdmin,
    path: web::Path<i64>,
    form: web::Form<CsrfOnly>,
    pool: web::Data<Pool>,
    templates: web::Data<Templates>,
    email_templates: web::Data<EmailTemplates>,
    settings: web::Data<Settings>,
    RequestLocale(locale): RequestLocale,
) -> Result<HttpResponse, AppError> {
    require_csrf(&req, form.csrf_token.as_deref(), locale)?;
    let id = path.into_inner();
    let (settings2, email_templates2) = (settings.clone(), email_templates.clone());
    let sent = db::run(&pool, move |conn| -> Result<bool, AppError> {
        let account = users::get(conn, id)?.ok_or(AppError::NotFound)?;
        if !account.active {
            return Ok(false);
        }
        passwords::issue_reset(
            conn,
            &email_templates2,
            &settings2,
            id,
            ResetReason::Forgotten,
            Utc::now(),
        )?;
        Ok(true)
    })
    .await?;
    if sent {
        tracing::info!(
            user.id = id,
            actor = admin.id,
            "reset link sent by an administrator"
        );
        return Ok(see_other(format!("{}?done=reset-link", href(id))));
    }
    let errors = localise([("state", "accounts-error-inactive")], locale);
    render_edit(
        &req,
        &admin,
        &pool,
        &templates,
        &settings,
        locale,
        id,
        None,
        errors,
        None,
        StatusCode::CONFLICT,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::password::PasswordError;

    #[test]
    fn only_known_notices_are_shown() {
        assert_eq!(
            notice_key(Some("created")).as_deref(),
            Some("accounts-done-created")
        );
        assert_eq!(notice_key(Some("<script>")), None);
        assert_eq!(notice_key(None), None);
    }

    #[test]
    fn password_errors_point_at_the_password_field() {
        let e: AccountError = PasswordError::TooShort.into();
        assert_eq!(e.field(), Some("password"));
    }
}
