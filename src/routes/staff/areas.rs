//! `/staff/admin/areas`: administrators import the council's wards or
//! districts (a GeoJSON file, or its text pasted) and see every area with the
//! requests placed in it. Anyone else gets 403.
//!
//! An import is checked whole before anything is written; a file with any
//! problem comes back with all of them, naming each feature, and changes
//! nothing. A good one replaces the areas in one transaction and then
//! re-places the requests it affects here, for up to [`INLINE_PLACEMENT`];
//! what is left goes on in the background worker, and the page says how far
//! it got.

use std::time::Duration;

use actix_web::http::{header, StatusCode};
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use diesel::prelude::*;
use futures_util::StreamExt;
use serde::Deserialize;

use super::accounts::{csrf_token, page, see_other};
use super::layout;
use crate::areas::geometry::{self, ImportOptions, Problem, ProblemKind, MAX_IMPORT_BYTES};
use crate::areas::import::{self, ImportRequest, Source};
use crate::areas::{messages, placement};
use crate::auth::csrf;
use crate::auth::policy::Staff;
use crate::auth::session::CurrentStaff;
use crate::clock::Clock;
use crate::configuration::Settings;
use crate::db::models::area::{AreaImport, AreaPlacement};
use crate::db::{self, Pool};
use crate::error::AppError;
use crate::i18n::Locale;
use crate::routes::locale::RequestLocale;
use crate::schema::{area_imports, area_placements, users};
use crate::uploads::{self, UploadLimits};
use crate::views::staff_accounts::StaffNav;
use crate::views::staff_areas::{AreaRowView, AreasPage, ImportForm, ImportRowView};
use crate::views::Templates;

const PAGE: &str = "/staff/admin/areas";

/// How long the import request itself spends re-placing requests.
pub const INLINE_PLACEMENT: Duration = Duration::from_secs(10);

/// Room for the form's other fields and the parts' headers.
const FORM_ALLOWANCE: usize = 64 * 1024;

fn require_admin(staff: &Staff, locale: Locale) -> Result<(), AppError> {
    if staff.may_manage_areas() {
        Ok(())
    } else {
        tracing::info!(user.id = staff.id, role = %staff.role, "refused: areas");
        Err(AppError::Forbidden(locale.text("areas-forbidden")))
    }
}

#[derive(Debug, Deserialize)]
pub struct ShowQuery {
    /// The import just done: its summary is shown.
    import: Option<i64>,
}

/// What the page shows besides the areas.
#[derive(Default)]
struct Extra {
    import: Option<i64>,
    problems: Vec<String>,
    form: Option<ImportForm>,
}

#[allow(clippy::too_many_arguments)]
async fn render(
    req: &HttpRequest,
    staff: &Staff,
    pool: &Pool,
    templates: &Templates,
    settings: &Settings,
    locale: Locale,
    extra: Extra,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    type Loaded = (
        import::AreaList,
        Vec<(AreaImport, Option<String>)>,
        Option<(AreaImport, Option<AreaPlacement>)>,
    );
    let wanted = extra.import;
    let (list, recent, done): Loaded = db::run(pool, move |conn| -> Result<Loaded, AppError> {
        let list = import::list(conn)?;
        let recent = area_imports::table
            .left_join(users::table)
            .order(area_imports::id.desc())
            .limit(5)
            .select((AreaImport::as_select(), users::name.nullable()))
            .load(conn)?;
        let done = match wanted {
            Some(id) => {
                let found: Option<AreaImport> = area_imports::table
                    .find(id)
                    .select(AreaImport::as_select())
                    .first(conn)
                    .optional()?;
                match found {
                    Some(i) => {
                        let run = area_placements::table
                            .filter(area_placements::import_id.eq(i.id))
                            .select(AreaPlacement::as_select())
                            .first(conn)
                            .optional()?;
                        Some((i, run))
                    }
                    None => None,
                }
            }
            None => None,
        };
        Ok((list, recent, done))
    })
    .await?;
    let zone = settings.application.time_zone;
    let local = |t: chrono::DateTime<chrono::Utc>| {
        t.with_timezone(&zone).format("%Y-%m-%d %H:%M").to_string()
    };
    let say = |key: &str, args: &[(&'static str, i64)]| {
        use fluent_templates::fluent_bundle::FluentValue;
        let args: std::collections::HashMap<std::borrow::Cow<'static, str>, FluentValue<'_>> = args
            .iter()
            .map(|(k, v)| {
                (
                    std::borrow::Cow::Borrowed(*k),
                    FluentValue::from(v.to_string()),
                )
            })
            .collect();
        locale.text_with(key, &args)
    };
    let counts = |i: &AreaImport| {
        [
            ("features", i.features as i64),
            ("created", i.created as i64),
            ("reshaped", i.reshaped as i64),
            ("renamed", i.renamed as i64),
            ("unchanged", i.unchanged as i64),
            ("retired", i.retired as i64),
        ]
    };
    let (done_text, placement_text) = match &done {
        Some((i, run)) => (
            Some(say("areas-done", &counts(i))),
            Some(match run {
                None => locale.text("areas-placement-none"),
                Some(r) => say(
                    if r.finished_at.is_some() {
                        "areas-placement-done"
                    } else {
                        "areas-placement-running"
                    },
                    &[("checked", r.tickets_checked), ("moved", r.tickets_moved)],
                ),
            }),
        ),
        None => (None, None),
    };
    let row = |a: &import::AreaSummary| AreaRowView {
        code: a.code.clone(),
        name: a.name.clone(),
        kind: a.kind.clone(),
        vertex_count: a.vertex_count,
        tickets: a.tickets,
        updated: local(a.updated_at),
    };
    let (token, cookie) = csrf_token(req, settings);
    let p = AreasPage {
        layout: layout(req, settings, locale, "areas-title"),
        nav: StaffNav::new(staff, StaffNav::AREAS, &token),
        active: list
            .areas
            .iter()
            .filter(|a| a.retired_at.is_none())
            .map(row)
            .collect(),
        retired: list
            .areas
            .iter()
            .filter(|a| a.retired_at.is_some())
            .map(row)
            .collect(),
        unplaced: list.unplaced,
        without_coordinates: list.without_coordinates,
        recent: recent
            .iter()
            .map(|(i, by)| ImportRowView {
                when: local(i.created_at),
                source_key: format!("areas-recent-source-{}", i.source),
                by: by.clone(),
                file_name: i.file_name.clone(),
                summary: say("areas-recent-summary", &counts(i)),
            })
            .collect(),
        done: done_text,
        placement: placement_text,
        problems: extra.problems,
        form: extra.form.unwrap_or_default(),
        max_size: format!("{} MB", MAX_IMPORT_BYTES / (1024 * 1024)),
        csrf_token: token,
    };
    page(templates, "staff/admin/areas.html", &p, status, cookie)
}

/// `GET /staff/admin/areas`
#[get("/admin/areas")]
pub async fn show(
    req: HttpRequest,
    CurrentStaff(staff): CurrentStaff,
    query: web::Query<ShowQuery>,
    pool: web::Data<Pool>,
    templates: web::Data<Templates>,
    settings: web::Data<Settings>,
    RequestLocale(locale): RequestLocale,
) -> Result<HttpResponse, AppError> {
    require_admin(&staff, locale)?;
    let extra = Extra {
        import: query.import,
        ..Extra::default()
    };
    render(
        &req,
        &staff,
        &pool,
        &templates,
        &settings,
        locale,
        extra,
        StatusCode::OK,
    )
    .await
}

/// The import form as sent.
#[derive(Debug, Default)]
struct Posted {
    csrf_token: Option<String>,
    form: ImportForm,
    file: Option<(Option<String>, Vec<u8>)>,
}

impl Posted {
    fn set(&mut self, name: &str, value: String) {
        match name {
            csrf::CSRF_FIELD => self.csrf_token = Some(value),
            "kind" => self.form.kind = value,
            "name_property" => self.form.name_property = value,
            "code_property" => self.form.code_property = value,
            "text" => self.form.text = value,
            _ => {}
        }
    }
}

/// Why the body could not be read as a whole.
enum BodyError {
    TooLarge,
    Bad(AppError),
}

/// Reads the form: `multipart/form-data` (the page, with a file) or
/// `application/x-www-form-urlencoded` (text only), within the size limit.
async fn read_form(req: &HttpRequest, payload: web::Payload) -> Result<Posted, BodyError> {
    let cap = MAX_IMPORT_BYTES + FORM_ALLOWANCE;
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let mut posted = Posted::default();
    if content_type.starts_with("multipart/form-data") {
        let limits = UploadLimits {
            max_files: 1,
            max_file_bytes: MAX_IMPORT_BYTES,
            max_total_bytes: cap,
            max_field_bytes: MAX_IMPORT_BYTES,
            max_fields: 20,
        };
        let mut multipart = uploads::multipart_from_request(req.headers(), payload, &limits)
            .map_err(|_| BodyError::TooLarge)?;
        while let Some(field) = multipart.next().await {
            let mut field = field.map_err(|e| match uploads::UploadError::from(e) {
                uploads::UploadError::BodyTooLarge => BodyError::TooLarge,
                other => BodyError::Bad(AppError::BadRequest(other.to_string())),
            })?;
            let name = field.name().unwrap_or_default().to_string();
            let file_name = field
                .content_disposition()
                .and_then(|cd| cd.get_filename().map(uploads::sanitize_filename));
            let mut bytes = Vec::new();
            while let Some(chunk) = field.next().await {
                let chunk = chunk.map_err(|e| match uploads::UploadError::from(e) {
                    uploads::UploadError::BodyTooLarge => BodyError::TooLarge,
                    other => BodyError::Bad(AppError::BadRequest(other.to_string())),
                })?;
                if bytes.len() + chunk.len() > MAX_IMPORT_BYTES {
                    return Err(BodyError::TooLarge);
                }
                bytes.extend_from_slice(&chunk);
            }
            match file_name {
                Some(f) if name == "file" => {
                    // A file input left empty sends no name and no bytes.
                    if !bytes.is_empty() || !f.is_empty() {
                        posted.file = Some(((!f.is_empty()).then_some(f), bytes));
                    }
                }
                _ => {
                    let value = String::from_utf8(bytes).map_err(|_| {
                        BodyError::Bad(AppError::BadRequest(format!(
                            "the form field `{name}` is not UTF-8 text"
                        )))
                    })?;
                    posted.set(&name, value);
                }
            }
        }
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        let mut payload = payload;
        let mut body = Vec::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|e| BodyError::Bad(AppError::BadRequest(e.to_string())))?;
            if body.len() + chunk.len() > cap {
                return Err(BodyError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        for (k, v) in url::form_urlencoded::parse(&body) {
            posted.set(&k, v.into_owned());
        }
    } else {
        return Err(BodyError::Bad(AppError::BadRequest(
            "send the import as multipart/form-data (a file) or a form".into(),
        )));
    }
    Ok(posted)
}

/// `POST /staff/admin/areas`: import a file (see the module's notes).
#[allow(clippy::too_many_arguments)]
#[post("/admin/areas")]
pub async fn import_file(
    req: HttpRequest,
    CurrentStaff(staff): CurrentStaff,
    payload: web::Payload,
    pool: web::Data<Pool>,
    templates: web::Data<Templates>,
    settings: web::Data<Settings>,
    clock: web::Data<Clock>,
    RequestLocale(locale): RequestLocale,
) -> Result<HttpResponse, AppError> {
    require_admin(&staff, locale)?;
    let refuse = |problems: Vec<Problem>, form: ImportForm, status: StatusCode| {
        let extra = Extra {
            import: None,
            problems: problems.iter().map(|p| messages::text(locale, p)).collect(),
            form: Some(form),
        };
        render(
            &req, &staff, &pool, &templates, &settings, locale, extra, status,
        )
    };
    let read = tokio::time::timeout(Duration::from_secs(120), read_form(&req, payload))
        .await
        .map_err(|_| AppError::BadRequest("the form took too long to arrive".into()))?;
    let posted = match read {
        Ok(p) => p,
        Err(BodyError::Bad(e)) => return Err(e),
        Err(BodyError::TooLarge) => {
            // Nothing was changed, so no CSRF check is needed to say so.
            let too_large = Problem::file(ProblemKind::TooLarge {
                max_bytes: MAX_IMPORT_BYTES,
            });
            return refuse(
                vec![too_large],
                ImportForm::default(),
                StatusCode::PAYLOAD_TOO_LARGE,
            )
            .await;
        }
    };
    if !csrf::verify(&req, posted.csrf_token.as_deref()) {
        return Err(AppError::Forbidden(locale.text("error-csrf")));
    }
    let options = ImportOptions {
        kind: posted.form.kind.trim().to_string(),
        name_property: posted.form.name_property.trim().to_string(),
        code_property: posted.form.code_property.trim().to_string(),
    };
    let (file_name, bytes) = match posted.file {
        Some((name, bytes)) => (name, bytes),
        None => (None, posted.form.text.clone().into_bytes()),
    };
    // Checking a large file takes a while: off the async threads.
    let parsed = web::block(move || (geometry::parse_import(&bytes, &options), options))
        .await
        .map_err(|e| AppError::Unexpected(e.into()))?;
    let (areas, options) = match parsed {
        (Ok(areas), options) => (areas, options),
        (Err(problems), _) => {
            let mut form = posted.form;
            // A pasted text is shown again; a file must be chosen again.
            if form.text.len() > 256 * 1024 {
                form.text.clear();
            }
            return refuse(problems, form, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let now = clock.now();
    let actor = staff.id;
    let report = db::run(&pool, move |conn| -> Result<_, AppError> {
        Ok(import::import_areas(
            conn,
            ImportRequest {
                areas: &areas,
                kind: &options.kind,
                source: Source::Admin,
                file_name: file_name.as_deref(),
                actor_user_id: Some(actor),
                now,
            },
        )?)
    })
    .await?;
    if report.placement_id.is_some() {
        let clock = clock.clone();
        let outcome = db::run(&pool, move |conn| -> Result<_, AppError> {
            let limits = placement::Limits {
                budget: Some(INLINE_PLACEMENT),
                ..placement::Limits::default()
            };
            Ok(placement::place_pending(
                conn,
                &|| clock.now(),
                &limits,
                &mut |_| {},
            )?)
        })
        .await?;
        tracing::info!(import.id = report.import.id, state = ?outcome.state,
            checked = outcome.checked, moved = outcome.moved, "re-placed after an import");
    }
    Ok(see_other(format!("{PAGE}?import={}", report.import.id)))
}
