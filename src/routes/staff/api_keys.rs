//! `/staff/admin/api-keys`: administrators make, relabel and revoke the keys
//! 311 apps submit Open311 requests with. Every handler takes
//! [`StaffAdmin`] (anyone else is refused, 403) and every form its CSRF token.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::accounts::{csrf_token, localise, page, require_csrf, see_other, FormFields};
use super::layout;
use crate::auth::admin::StaffAdmin;
use crate::clock::Clock;
use crate::configuration::Settings;
use crate::db::{self, Pool};
use crate::error::AppError;
use crate::i18n::Locale;
use crate::open311::api_keys::{self, ApiKey, ApiKeyError};
use crate::routes::locale::RequestLocale;
use crate::views::api_keys::{ApiKeyRow, ApiKeysPage, NewKeyShown, NAV_API_KEYS};
use crate::views::staff_accounts::{FormErrors, StaffNav};
use crate::views::Templates;

const LIST: &str = "/staff/admin/api-keys";

/// Mounted inside the `/staff` scope.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(relabel)
        .service(revoke);
}

fn notice_key(done: Option<&str>) -> Option<String> {
    let key = match done? {
        "saved" => "api-keys-done-saved",
        "revoked" => "api-keys-done-revoked",
        "already-revoked" => "api-keys-done-already-revoked",
        _ => return None,
    };
    Some(key.to_string())
}

fn row(k: &ApiKey) -> ApiKeyRow {
    ApiKeyRow {
        id: k.id,
        label: k.label.clone(),
        prefix: k.key_prefix.clone(),
        created_at: k.created_at.to_rfc3339(),
        last_used_at: k.last_used_at.map(|t| t.to_rfc3339()),
        revoked_at: k.revoked_at.map(|t| t.to_rfc3339()),
        href: format!("{LIST}/{}", k.id),
    }
}

/// What the page shows besides the list.
#[derive(Default)]
struct Shown {
    created: Option<NewKeyShown>,
    label: String,
    errors: FormErrors,
    notice_key: Option<String>,
}

#[allow(clippy::too_many_arguments)]
async fn render(
    req: &HttpRequest,
    admin: &StaffAdmin,
    pool: &Pool,
    templates: &Templates,
    settings: &Settings,
    locale: Locale,
    shown: Shown,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let keys = db::run(pool, |conn| api_keys::list(conn).map_err(db::DbError::from)).await?;
    let (token, cookie) = csrf_token(req, settings);
    let p = ApiKeysPage {
        layout: layout(req, settings, locale, "api-keys-title"),
        nav: StaffNav::new(admin, NAV_API_KEYS, &token),
        keys: keys.iter().map(row).collect(),
        created: shown.created,
        label: shown.label,
        errors: shown.errors,
        notice_key: shown.notice_key,
        endpoint_url: crate::open311::answers::endpoint_url(settings),
        time_zone: settings.application.time_zone.name().to_string(),
        csrf_token: token,
    };
    page(templates, "staff/admin/api_keys.html", &p, status, cookie)
}

#[derive(Debug, Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

#[get("/admin/api-keys")]
pub async fn list(
    req: HttpRequest,
    admin: StaffAdmin,
    query: web::Query<DoneQuery>,
    pool: web::Data<Pool>,
    templates: web::Data<Templates>,
    settings: web::Data<Settings>,
    RequestLocale(locale): RequestLocale,
) -> Result<HttpResponse, AppError> {
    let shown = Shown {
        notice_key: notice_key(query.done.as_deref()),
        ..Shown::default()
    };
    render(
        &req,
        &admin,
        &pool,
        &templates,
        &settings,
        locale,
        shown,
        StatusCode::OK,
    )
    .await
}

/// Makes a key and shows it, this once (the page is not cached).
#[allow(clippy::too_many_arguments)]
#[post("/admin/api-keys")]
pub async fn create(
    req: HttpRequest,
    admin: StaffAdmin,
    body: web::Bytes,
    pool: web::Data<Pool>,
    templates: web::Data<Templates>,
    settings: web::Data<Settings>,
    clock: web::Data<Clock>,
    RequestLocale(locale): RequestLocale,
) -> Result<HttpResponse, AppError> {
    let fields = FormFields::parse(&body);
    require_csrf(&req, fields.get("csrf_token"), locale)?;
    let label = fields.text("label");
    let (label2, actor, now) = (label.clone(), admin.id, clock.now());
    let made = db::run(&pool, move |conn| -> Result<_, db::DbError> {
        Ok(api_keys::create(conn, &label2, Some(actor), now))
    })
    .await?;
    let (shown, status) = match made {
        Ok(k) => (
            Shown {
                created: Some(NewKeyShown {
                    label: k.label,
                    key: k.key,
                }),
                ..Shown::default()
            },
            StatusCode::OK,
        ),
        Err(e @ ApiKeyError::Label(_)) => (
            Shown {
                label,
                errors: localise([("label", e.message_key())], locale),
                ..Shown::default()
            },
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(e) => return Err(AppError::Unexpected(e.into())),
    };
    render(
        &req, &admin, &pool, &templates, &settings, locale, shown, status,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
#[post("/admin/api-keys/{id:\\d+}/label")]
pub async fn relabel(
    req: HttpRequest,
    admin: StaffAdmin,
    path: web::Path<i64>,
    body: web::Bytes,
    pool: web::Data<Pool>,
    templates: web::Data<Templates>,
    settings: web::Data<Settings>,
    RequestLocale(locale): RequestLocale,
) -> Result<HttpResponse, AppError> {
    let fields = FormFields::parse(&body);
    require_csrf(&req, fields.get("csrf_token"), locale)?;
    let id = path.into_inner();
    let label = fields.text("label");
    let result = db::run(&pool, move |conn| -> Result<_, db::DbError> {
        Ok(api_keys::relabel(conn, id, &label))
    })
    .await?;
    match result {
        Ok(_) => Ok(see_other(format!("{LIST}?done=saved"))),
        Err(ApiKeyError::NotFound(_)) => Err(AppError::NotFound),
        Err(e @ ApiKeyError::Label(_)) => {
            let field = format!("label-{id}");
            let shown = Shown {
                errors: localise([(field.as_str(), e.message_key())], locale),
                ..Shown::default()
            };
            render(
                &req,
                &admin,
                &pool,
                &templates,
                &settings,
                locale,
                shown,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(AppError::Unexpected(e.into())),
    }
}

#[allow(clippy::too_many_arguments)]
#[post("/admin/api-keys/{id:\\d+}/revoke")]
pub async fn revoke(
    req: HttpRequest,
    admin: StaffAdmin,
    path: web::Path<i64>,
    body: web::Bytes,
    pool: web::Data<Pool>,
    clock: web::Data<Clock>,
    RequestLocale(locale): RequestLocale,
) -> Result<HttpResponse, AppError> {
    let fields = FormFields::parse(&body);
    require_csrf(&req, fields.get("csrf_token"), locale)?;
    let (id, actor, now) = (path.into_inner(), admin.id, clock.now());
    let result = db::run(&pool, move |conn| -> Result<_, db::DbError> {
        Ok(api_keys::revoke(conn, id, Some(actor), now))
    })
    .await?;
    match result {
        Ok(true) => Ok(see_other(format!("{LIST}?done=revoked"))),
        Ok(false) => Ok(see_other(format!("{LIST}?done=already-revoked"))),
        Err(ApiKeyError::NotFound(_)) => Err(AppError::NotFound),
        Err(e) => Err(AppError::Unexpected(e.into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_known_notices_are_shown() {
        assert_eq!(
            notice_key(Some("revoked")).as_deref(),
            Some("api-keys-done-revoked")
        );
        assert_eq!(notice_key(Some("<script>")), None);
    }
}
