//! `/api/v1/auth/password`: a staff member changes their own password over
//! the API (Bearer). Documented in [`AccountsApiDoc`], merged into the
//! served OpenAPI document.

use std::collections::BTreeMap;

use actix_web::{get, post, put, web, HttpResponse};
use chrono::Utc;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use super::error::ApiError;
use crate::auth::jwt;
use crate::auth::session::CurrentStaff;
use crate::configuration::Settings;
use crate::db::{self, Pool};
use crate::i18n::Locale;
use crate::routes::staff::auth::TokenResponse;
use crate::staff::passwords;

/// A new password for the signed-in staff member.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    /// The password in use now.
    pub current_password: String,
    /// At least 12 characters.
    pub new_password: String,
}

/// Changes the password. Every session and token of this person ends,
/// including the one that made the call; the answer carries a fresh token.
#[utoipa::path(post, path = "/api/v1/auth/password", tag = "staff",
    request_body = PasswordChange,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed; every older token is revoked. Use this new one", body = TokenResponse),
        (status = 400, description = "Malformed JSON"),
        (status = 401, description = "No valid Bearer token"),
        (status = 422, description = "Wrong current password or a new one that breaks the policy, listed in error.fields"),
    ))]
#[post("/auth/password")]
pub async fn change_password(
    staff: CurrentStaff,
    body: web::Json<PasswordChange>,
    pool: web::Data<Pool>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let id = staff.id;
    let outcome = db::run(&pool, move |conn| -> Result<_, ApiError> {
        passwords::change_password(
            conn,
            id,
            &SecretString::from(body.current_password),
            &SecretString::from(body.new_password),
            None,
            Utc::now(),
        )
        .map_err(|e| crate::error::AppError::Unexpected(e).into())
    })
    .await?;
    match outcome {
        Ok(version) => {
            let minutes = i64::from(settings.security.session_minutes);
            let token = jwt::issue(
                &settings.security.jwt_secret,
                staff.id,
                staff.role,
                version,
                chrono::Duration::minutes(minutes),
                Utc::now(),
            );
            Ok(HttpResponse::Ok().json(TokenResponse {
                access_token: token,
                token_type: "Bearer",
                expires_in: minutes * 60,
            }))
        }
        Err(problems) => Err(ApiError::validation(
            problems
                .into_iter()
                .map(|(field, key)| (field.to_string(), Locale::En.text(key)))
                .collect::<BTreeMap<_, _>>(),
        )),
    }
}

/// Whether the signed-in person gets the weekly report digest.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DigestSetting {
    /// True: no weekly digest for me.
    pub opt_out: bool,
}

/// The weekly digest goes to leaders and supervisors; this says whether the
/// caller has opted out (anyone may set it; only those roles get it).
#[utoipa::path(get, path = "/api/v1/account/digest", tag = "staff",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The setting", body = DigestSetting),
        (status = 401, description = "No valid Bearer token"),
    ))]
#[get("/account/digest")]
pub async fn digest_setting(
    staff: CurrentStaff,
    pool: web::Data<Pool>,
) -> Result<HttpResponse, ApiError> {
    let id = staff.id;
    let opt_out = db::run(&pool, move |conn| {
        crate::staff::users::digest_opt_out(conn, id).map_err(db::DbError::from)
    })
    .await?;
    Ok(HttpResponse::Ok().json(DigestSetting { opt_out }))
}

/// Opts the caller out of the weekly digest, or back in.
#[utoipa::path(put, path = "/api/v1/account/digest", tag = "staff",
    request_body = DigestSetting,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Saved", body = DigestSetting),
        (status = 400, description = "Malformed JSON"),
        (status = 401, description = "No valid Bearer token"),
    ))]
#[put("/account/digest")]
pub async fn set_digest(
    staff: CurrentStaff,
    body: web::Json<DigestSetting>,
    pool: web::Data<Pool>,
) -> Result<HttpResponse, ApiError> {
    let (id, opt_out) = (staff.id, body.opt_out);
    db::run(&pool, move |conn| {
        crate::staff::users::set_digest_opt_out(conn, id, opt_out).map_err(db::DbError::from)
    })
    .await?;
    Ok(HttpResponse::Ok().json(DigestSetting { opt_out }))
}

/// Adds the `bearer` security scheme the staff operations name.
struct BearerScheme;

impl utoipa::Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme(
                "bearer",
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .bearer_format("JWT")
                        .description(Some(
                            "A staff token from POST /api/v1/auth/token, sent as \
                             `Authorization: Bearer <token>`.",
                        ))
                        .build(),
                ),
            );
    }
}

/// The staff account operations of the API.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(change_password, digest_setting, set_digest),
    components(schemas(PasswordChange, TokenResponse, DigestSetting)),
    modifiers(&BearerScheme)
)]
pub struct AccountsApiDoc;
