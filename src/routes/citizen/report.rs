//! Making a request on the website: choose a service, fill in the form, see
//! the confirmation. Works without JavaScript.

use std::collections::BTreeMap;

use actix_web::http::{header, StatusCode};
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::{html, locale_text_problem, page_layout, see_other};
use crate::abuse::SubmissionLimiter;
use crate::auth::csrf;
use crate::clock::Clock;
use crate::configuration::Settings;
use crate::db::models::category::Category;
use crate::db::{self, Pool};
use crate::domain::extra_fields::ExtraFieldDef;
use crate::domain::new_ticket::{NewTicket, SubmissionInput};
use crate::domain::ticket::Channel;
use crate::domain::ticket_kind::TicketKind;
use crate::email::EmailTemplates;
use crate::error::AppError;
use crate::i18n::Locale;
use crate::requests::{self, notify, submit, track, Attachment, RequestError};
use crate::routes::locale::RequestLocale;
use crate::schema::{categories, departments};
use crate::uploads::{self, UploadLimits};
use crate::views::citizen::{
    errors_in_page_order, ChoosePage, FormPage, KindOption, ReceivedPage, ServiceGroup, ServiceLink,
};
use crate::views::Templates;

/// The hidden field people never see; bots fill it in.
pub const HONEYPOT_FIELD: &str = "website";

fn kind_options(offered: &[TicketKind], selected: Option<&str>) -> Vec<KindOption> {
    offered
        .iter()
        .map(|k| KindOption {
            value: k.as_str(),
            label_key: format!("kind-{}", k.as_str().replace('_', "-")),
            hint_key: format!("kind-{}-hint", k.as_str().replace('_', "-")),
            selected: selected == Some(k.as_str()),
        })
        .collect()
}

#[derive(Debug, Deserialize)]
pub struct ChooseQuery {
    kind: Option<String>,
    q: Option<String>,
}

/// `GET /report`: what do you want to do, and about what? Filter by kind and
/// by words; every service is a plain link.
#[get("/report")]
pub async fn choose(
    req: HttpRequest,
    query: web::Query<ChooseQuery>,
    pool: web::Data<Pool>,
    templates: web::Data<Templates>,
    settings: web::Data<Settings>,
    RequestLocale(locale): RequestLocale,
) -> Result<HttpResponse, AppError> {
    use diesel::prelude::*;
    let kind = query
        .kind
        .as_deref()
        .and_then(|k| k.parse::<TicketKind>().ok());
    let words: Vec<String> = query
        .q
        .as_deref()
        .unwrap_or("")
        .split_whitespace()
        .take(8)
        .map(str::to_lowercase)
        .collect();
    let rows: Vec<Category> = db::run(&pool, |conn| {
        categories::table
            .filter(categories::active.eq(true))
            .order((
                categories::group_name,
                categories::sort_order,
                categories::name,
            ))
            .select(Category::as_select())
            .load(conn)
            .map_err(db::DbError::from)
    })
    .await?;
    let mut groups: Vec<ServiceGroup> = Vec::new();
    let mut count = 0;
    for c in rows {
        let offers = |k: TicketKind| c.kinds.iter().flatten().any(|x| x == k.as_str());
        if kind.is_some_and(|k| !offers(k)) {
            continue;
        }
        let haystack = format!(
            "{} {} {} {}",
            c.name, c.description, c.keywords, c.group_name
        )
        .to_lowercase();
        if !words.iter().all(|w| haystack.contains(w.as_str())) {
            continue;
        }
        count += 1;
        let href = match kind {
            Some(k) => format!("/report/{}?kind={}", c.slug, k.as_str()),
            None => format!("/report/{}", c.slug),
        };
        let link = ServiceLink {
            slug: c.slug,
            name: c.name,
            description: c.description,
            keywords: c.keywords,
            href,
        };
        match groups.last_mut() {
            Some(g) if g.name == c.group_name => g.services.push(link),
            _ => groups.push(ServiceGroup {
                name: c.group_name,
                services: vec![link],
            }),
        }
    }
    let page = ChoosePage {
        layout: page_layout(&req, &settings, locale, "report-choose-title"),
        kinds: kind_options(&TicketKind::ALL, kind.map(|k| k.as_str())),
        kind: kind.map(|k| k.as_str().to_string()),
        query: query.q.clone().unwrap_or_default(),
        groups,
        result_count: count,
        count_texts: (0..=count).map(|n| result_count_text(locale, n)).collect(),
    };
    html(&templates, "report/choose.html", &page, StatusCode::OK)
}

/// "1 service", "5 services" in the visitor's language.
fn result_count_text(locale: Locale, n: usize) -> String {
    let mut args = std::collections::HashMap::new();
    args.insert(
        "count".into(),
        fluent_templates::fluent_bundle::FluentValue::from(n),
    );
    locale.text_with("report-result-count", &args)
}

struct FormContext {
    category: Category,
    department: String,
    rules: crate::domain::new_ticket::CategoryRules,
    extra_fields: Vec<ExtraFieldDef>,
}

async fn load_form_context(pool: &Pool, slug: String) -> Result<FormContext, AppError> {
    use diesel::prelude::*;
    db::run(pool, move |conn| -> Result<FormContext, AppError> {
        let (category, rules) = requests::active_category(conn, &slug).map_err(|e| match e {
            RequestError::NotFound => AppError::NotFound,
            other => AppError::Unexpected(other.into()),
        })?;
        let department: String = departments::table
            .filter(departments::id.eq(category.default_department_id))
            .select(departments::name)
            .first(conn)?;
        let extra_fields = rules.extra_fields.clone();
        Ok(FormContext {
            category,
            department,
            rules,
            extra_fields,
        })
    })
    .await
}

#[allow(clippy::too_many_arguments)]
fn form_page(
    req: &HttpRequest,
    settings: &Settings,
    locale: Locale,
    ctx: &FormContext,
    values: BTreeMap<String, Vec<String>>,
    errors: BTreeMap<String, String>,
    file_problems: Vec<String>,
    files_dropped: bool,
    csrf_token: String,
) -> FormPage {
    let mut layout = page_layout(req, settings, locale, "report-form-title");
    layout.title = format!("{} – {}", ctx.category.name, layout.title);
    let selected = values
        .get("kind")
        .and_then(|v| v.first())
        .map(String::as_str);
    let idempotency_key = values
        .get("idempotency_key")
        .and_then(|v| v.first())
        .and_then(|k| uuid::Uuid::parse_str(k.trim()).ok())
        .unwrap_or_else(uuid::Uuid::new_v4)
        .to_string();
    FormPage {
        layout,
        category_slug: ctx.category.slug.clone(),
        category_name: ctx.category.name.clone(),
        category_description: ctx.category.description.clone(),
        department: ctx.department.clone(),
        requires_location: ctx.category.requires_location,
        kinds: kind_options(
            &ctx.rules.kinds,
            selected.or(if ctx.rules.kinds.len() == 1 {
                Some(ctx.rules.kinds[0].as_str())
            } else {
                None
            }),
        ),
        extra_fields: ctx.extra_fields.clone(),
        values,
        error_list: errors_in_page_order(&errors, &ctx.extra_fields),
        errors,
        file_problems,
        files_dropped,
        idempotency_key,
        csrf_token,
        max_files: settings.uploads.max_files,
        max_file_mb: settings.uploads.max_file_mb,
        action: format!("/report/{}", ctx.category.slug),
    }
}

#[derive(Debug, Deserialize)]
pub struct FormQuery {
    kind: Option<String>,
}

/// `GET /report/{slug}`: the empty form.
#[get("/report/{slug}")]
pub async fn show_form(
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<FormQuery>,
    pool: web::Data<Pool>,
    templates: web::Data<Templates>,
    settings: web::Data<Settings>,
    RequestLocale(locale): RequestLocale,
) -> Result<HttpResponse, AppError> {
    let ctx = load_form_context(&pool, path.into_inner()).await?;
    let (token, cookie) = csrf::token_for(&req, super::secure_cookies(&settings));
    let mut values = BTreeMap::new();
    if let Some(k) = &query.kind {
        values.insert("kind".to_string(), vec![k.clone()]);
    }
    values.insert("locale".to_string(), vec![locale.tag().to_string()]);
    let page = form_page(
        &req,
        &settings,
        locale,
        &ctx,
        values,
        BTreeMap::new(),
        vec![],
        false,
        token,
    );
    let mut res = html(&templates, "report/form.html", &page, StatusCode::OK)?;
    if let Some(c) = cookie {
        res.add_cookie(&c)
            .map_err(|e| AppError::Unexpected(e.into()))?;
    }
    Ok(res)
}

fn input_from(values: &BTreeMap<String, Vec<String>>) -> SubmissionInput {
    let one = |k: &str| {
        values
            .get(k)
            .and_then(|v| v.first())
            .cloned()
            .unwrap_or_default()
    };
    let extra = values
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("extra.")
                .map(|code| (code.to_string(), v.clone()))
        })
        .collect();
    SubmissionInput {
        kind: one("kind"),
        subject: one("subject"),
        description: one("description"),
        name: one("name"),
        email: one("email"),
        phone: one("phone"),
        address: one("address"),
        latitude: one("latitude"),
        longitude: one("longitude"),
        locale: one("locale"),
        privacy_consent: values.contains_key("privacy_consent"),
        extra,
    }
}

/// `POST /report/{slug}`: checks everything; stores all or nothing.
#[allow(clippy::too_many_arguments)]
#[post("/report/{slug}")]
pub async fn submit_form(
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    pool: web::Data<Pool>,
    templates: web::Data<Templates>,
    email_templates: web::Data<EmailTemplates>,
    settings: web::Data<Settings>,
    limiter: web::Data<SubmissionLimiter>,
    RequestLocale(locale): RequestLocale,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, AppError> {
    let ctx = load_form_context(&pool, path.into_inner()).await?;
    let limits = UploadLimits::from_settings(&settings);
    let multipart =
        uploads::multipart_from_request(req.headers(), payload, &limits).map_err(upload_error)?;
    let form = tokio::time::timeout(
        std::time::Duration::from_secs(120),
        uploads::read_multipart(multipart, &limits),
    )
    .await
    .map_err(|_| AppError::BadRequest("the form took too long to arrive".into()))?
    .map_err(upload_error)?;
    if !csrf::verify(&req, form.get(csrf::CSRF_FIELD)) {
        return Err(AppError::Forbidden(locale.text("error-csrf")));
    }
    if form.get_all(HONEYPOT_FIELD).iter().any(|v| !v.is_empty()) {
        tracing::warn!("honeypot field filled: submission refused");
        return Err(AppError::BadRequest(locale.text("error-honeypot")));
    }
    if let Err(wait) = limiter.check(&req) {
        return Ok(HttpResponse::TooManyRequests()
            .insert_header((header::RETRY_AFTER, wait.to_string()))
            .content_type("text/plain; charset=utf-8")
            .body(locale.text("error-rate-limited")));
    }
    let file_problems: Vec<String> = form
        .file_problems
        .iter()
        .map(|p| locale_text_problem(locale, p))
        .collect();
    let files: Vec<Attachment> = form
        .files
        .iter()
        .map(|f| Attachment {
            filename: f.filename.clone(),
            content_type: f.content_type,
            data: f.data.to_vec(),
            sha256: f.sha256,
        })
        .collect();
    let mut values: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in form.into_pairs() {
        if k == csrf::CSRF_FIELD || k == HONEYPOT_FIELD {
            continue;
        }
        values.entry(k).or_default().push(v);
    }
    let now = clock.now();
    let key = values
        .get("idempotency_key")
        .and_then(|v| v.first())
        .and_then(|k| uuid::Uuid::parse_str(k.trim()).ok())
        .map(|key| submit::IdempotencyKey {
            scope: submit::KeyScope::Citizen,
            key,
        });
    let input = input_from(&values);
    let parsed = NewTicket::parse(input, &ctx.rules, now);
    let (new, errors) = match parsed {
        Ok(n) if file_problems.is_empty() => (Some(n), BTreeMap::new()),
        Ok(_) => (None, BTreeMap::new()),
        Err(e) => (None, e.localised(locale)),
    };
    let Some(new) = new else {
        let (token, _) = csrf::token_for(&req, super::secure_cookies(&settings));
        let dropped = !files.is_empty() || !file_problems.is_empty();
        let page = form_page(
            &req,
            &settings,
            locale,
            &ctx,
            values,
            errors,
            file_problems,
            dropped,
            token,
        );
        return html(
            &templates,
            "report/form.html",
            &page,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    let (settings2, email_templates2) = (settings.clone(), email_templates.clone());
    let category = ctx.category.clone();
    let submitted = db::run(&pool, move |conn| -> Result<_, AppError> {
        match submit::submit(
            conn,
            &category,
            &new,
            &files,
            submit::Arrival {
                channel: Channel::Web,
                at: now,
                council_zone: settings2.application.time_zone,
                key,
            },
            |conn, s| notify::confirmation(conn, &email_templates2, &settings2, s),
        ) {
            Ok(s) => Ok(Ok(s)),
            Err(crate::requests::RequestError::AlreadySubmitted(reference)) => Ok(Err(reference)),
            Err(e) => Err(AppError::Unexpected(e.into())),
        }
    })
    .await?;
    let submitted = match submitted {
        Ok(s) => s,
        Err(reference) => {
            // Sent twice (a double click, a retry): the request the first made.
            let page = ReceivedPage {
                layout: page_layout(&req, &settings, locale, "received-title"),
                reference,
                tracking_url: String::new(),
                email_sent: false,
                department: ctx.department.clone(),
                already: true,
            };
            return html(&templates, "report/received.html", &page, StatusCode::OK);
        }
    };
    Ok(see_other(&format!(
        "/requests/{}/received?token={}",
        submitted.ticket.reference, submitted.tracking_token
    )))
}

fn upload_error(e: uploads::UploadError) -> AppError {
    use actix_web::ResponseError;
    match e.status_code() {
        StatusCode::PAYLOAD_TOO_LARGE => AppError::TooLarge(e.to_string()),
        _ => AppError::BadRequest(e.to_string()),
    }
}

#[derive(Debug, Deserialize)]
pub struct TokenQuery {
    token: Option<String>,
}

/// `GET /requests/{reference}/received?token=...`: the confirmation.
#[get("/requests/{reference}/received")]
pub async fn received(
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<TokenQuery>,
    pool: web::Data<Pool>,
    templates: web::Data<Templates>,
    settings: web::Data<Settings>,
    RequestLocale(locale): RequestLocale,
) -> Result<HttpResponse, AppError> {
    let token = query.token.clone().unwrap_or_default();
    let reference = path.into_inner();
    let token2 = token.clone();
    let (ticket, view, has_email) = db::run(&pool, move |conn| -> Result<_, AppError> {
        use diesel::prelude::*;
        let ticket = track::by_token(conn, &reference, &token2).map_err(super::not_found_or)?;
        let view = track::citizen_view(conn, &ticket).map_err(super::not_found_or)?;
        let email: Option<String> = crate::schema::contacts::table
            .filter(crate::schema::contacts::id.eq(ticket.contact_id))
            .select(crate::schema::contacts::email)
            .first(conn)?;
        Ok((ticket, view, email.is_some()))
    })
    .await?;
    let page = ReceivedPage {
        layout: page_layout(&req, &settings, locale, "received-title"),
        tracking_url: notify::tracking_url(&settings, &ticket.reference, &token),
        reference: ticket.reference,
        email_sent: has_email,
        department: view.department,
        already: false,
    };
    html(&templates, "report/received.html", &page, StatusCode::OK)
}
