//! `/staff/account`: who you are, and changing your password.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpMessage, HttpRequest, HttpResponse};
use chrono::Utc;
use diesel::prelude::*;
use secrecy::SecretString;
use serde::Deserialize;

use super::{csrf_token, localise, page, require_csrf, see_other};
use crate::auth::jwt;
use crate::auth::password::MIN_LENGTH;
use crate::auth::policy::Staff;
use crate::auth::session::{session_cookie, CurrentStaff, RenewedSession};
use crate::configuration::Settings;
use crate::db::{self, Pool};
use crate::error::AppError;
use crate::i18n::Locale;
use crate::routes::locale::RequestLocale;
use crate::routes::staff::layout;
use crate::schema::departments;
use crate::staff::passwords;
use crate::views::staff_accounts::{AccountPage, FormErrors, StaffNav};
use crate::views::Templates;

#[derive(Debug, Deserialize)]
pub struct AccountQuery {
    changed: Option<String>,
}

/// Who the weekly report digest is for.
fn gets_digest(staff: &Staff) -> bool {
    matches!(
        staff.role,
        crate::domain::role::Role::Leader | crate::domain::role::Role::Supervisor
    )
}

async fn department_names(pool: &Pool, staff: &Staff) -> Result<Vec<String>, AppError> {
    let ids = staff.departments.clone();
    Ok(db::run(pool, move |conn| {
        departments::table
            .filter(departments::id.eq_any(ids))
            .order(departments::name)
            .select(departments::name)
            .load(conn)
            .map_err(db::DbError::from)
    })
    .await?)
}

#[allow(clippy::too_many_arguments)]
async fn render(
    req: &HttpRequest,
    staff: &Staff,
    pool: &Pool,
    templates: &Templates,
    settings: &Settings,
    locale: Locale,
    errors: FormErrors,
    changed: bool,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (token, cookie) = csrf_token(req, settings);
    let digest = if gets_digest(staff) {
        let id = staff.id;
        let opted_out = db::run(pool, move |conn| {
            crate::staff::users::digest_opt_out(conn, id).map_err(db::DbError::from)
        })
        .await?;
        Some(!opted_out)
    } else {
        None
    };
    let digest_saved = url::form_urlencoded::parse(req.query_string().as_bytes())
        .any(|(k, v)| k == "digest" && v == "saved");
    let account = AccountPage {
        layout: layout(req, settings, locale, "account-title"),
        nav: StaffNav::new(staff, StaffNav::ACCOUNT, &token),
        name: staff.name.clone(),
        email: staff.email.clone(),
        role_key: format!("role-{}", staff.role.as_str()),
        department_names: department_names(pool, staff).await?,
        errors,
        changed,
        digest_offered: digest.is_some(),
        digest: digest.unwrap_or(false),
        digest_saved,
        min_length: MIN_LENGTH,
        csrf_token: token,
    };
    page(templates, "staff/account.html", &account, status, cookie)
}

#[get("/account")]
pub async fn show(
    req: HttpRequest,
    staff: CurrentStaff,
    query: web::Query<AccountQuery>,
    pool: web::Data<Pool>,
    templates: web::Data<Templates>,
    settings: web::Data<Settings>,
    RequestLocale(locale): RequestLocale,
) -> Result<HttpResponse, AppError> {
    render(
        &req,
        &staff,
        &pool,
        &templates,
        &settings,
        locale,
        FormErrors::new(),
        query.changed.is_some(),
        StatusCode::OK,
    )
    .await
}

#[derive(Debug, Deserialize)]
pub struct DigestForm {
    csrf_token: Option<String>,
    /// `yes`: send it; `no`: opt out.
    #[serde(default)]
    digest: String,
}

/// Opts in to or out of the weekly report digest.
#[post("/account/digest")]
pub async fn digest_setting(
    req: HttpRequest,
    staff: CurrentStaff,
    form: web::Form<DigestForm>,
    pool: web::Data<Pool>,
    RequestLocale(locale): RequestLocale,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    require_csrf(&req, form.csrf_token.as_deref(), locale)?;
    let opt_out = match form.digest.as_str() {
        "yes" => false,
        "no" => true,
        _ => return Err(AppError::BadRequest(locale.text("account-digest-invalid"))),
    };
    let id = staff.id;
    db::run(&pool, move |conn| {
        crate::staff::users::set_digest_opt_out(conn, id, opt_out).map_err(db::DbError::from)
    })
    .await?;
    Ok(see_other("/staff/account?digest=saved"))
}

#[derive(Debug, Deserialize)]
pub struct ChangePasswordForm {
    csrf_token: Option<String>,
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

/// Changes the password; every other session ends, and this browser gets a
/// fresh session at the new token version.
#[post("/account/password")]
pub async fn change_password(
    req: HttpRequest,
    staff: CurrentStaff,
    form: web::Form<ChangePasswordForm>,
    pool: web::Data<Pool>,
    templates: web::Data<Templates>,
    settings: web::Data<Settings>,
    RequestLocale(locale): RequestLocale,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    require_csrf(&req, form.csrf_token.as_deref(), locale)?;
    let id = staff.id;
    let outcome = db::run(&pool, move |conn| -> Result<_, AppError> {
        Ok(passwords::change_password(
            conn,
            id,
            &SecretString::from(form.current_password),
            &SecretString::from(form.new_password),
            Some(&SecretString::from(form.confirm_password)),
            Utc::now(),
        )?)
    })
    .await?;
    match outcome {
        Ok(version) => {
            // The session this request came with is now revoked: it must not
            // be renewed on the way out, or it would replace the fresh one.
            req.extensions_mut().remove::<RenewedSession>();
            let token = jwt::issue(
                &settings.security.jwt_secret,
                staff.id,
                staff.role,
                version,
                chrono::Duration::minutes(settings.security.session_minutes.into()),
                Utc::now(),
            );
            let mut res = see_other("/staff/account?changed=1");
            res.add_cookie(&session_cookie(&settings, token))
                .map_err(|e| AppError::Unexpected(e.into()))?;
            Ok(res)
        }
        Err(problems) => {
            render(
                &req,
                &staff,
                &pool,
                &templates,
                &settings,
                locale,
                localise(problems, locale),
                false,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}
