//! `/staff/intake`: taking a request for a citizen, without JavaScript. The
//! page's state (the look-up, the citizen picked, the service) is in its URL;
//! the request itself is a POST that reuses the citizens' submit use case.

use std::collections::BTreeMap;

use actix_web::http::{header, StatusCode};
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use diesel::prelude::*;
use serde::Deserialize;

use super::{html, layout};
use crate::auth::csrf;
use crate::auth::session::CurrentStaff;
use crate::clock::Clock;
use crate::configuration::Settings;
use crate::db::{self, Pool};
use crate::domain::new_ticket::SubmissionInput;
use crate::domain::ticket::Channel;
use crate::email::EmailTemplates;
use crate::error::AppError;
use crate::i18n::Locale;
use crate::requests::{self, notify, RequestError};
use crate::routes::locale::RequestLocale;
use crate::schema::{categories, contacts, departments, ticket_events, tickets};
use crate::staff::intake::{self, ContactMatch, Intake, IntakeError, INTAKE_CHANNELS};
use crate::views::staff_queues::{Choice, IntakeCategory, IntakeDone, IntakePage};
use crate::views::Templates;

#[derive(Debug, Default, Deserialize)]
pub struct IntakeQuery {
    lookup: Option<String>,
    contact: Option<String>,
    category: Option<String>,
    created: Option<String>,
}

/// What the page shows besides the form's values.
struct State {
    lookup: String,
    contact_id: Option<i64>,
    category: Option<String>,
    created: Option<String>,
    values: BTreeMap<String, Vec<String>>,
    errors: BTreeMap<String, String>,
}

fn forbidden_unless_works_tickets(staff: &CurrentStaff, locale: Locale) -> Result<(), AppError> {
    if staff.works_tickets() {
        Ok(())
    } else {
        Err(AppError::Forbidden(locale.text("queues-forbidden")))
    }
}

fn href(pairs: &[(&str, Option<&str>)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    let mut any = false;
    for (k, v) in pairs {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            s.append_pair(k, v);
            any = true;
        }
    }
    if any {
        format!("/staff/intake?{}", s.finish())
    } else {
        "/staff/intake".to_string()
    }
}

fn match_of(c: crate::db::models::contact::Contact, requests: i64) -> ContactMatch {
    ContactMatch {
        id: c.id,
        name: c.name,
        email: c.email,
        phone: c.phone,
        locale: c.locale,
        requests,
    }
}

#[allow(clippy::too_many_arguments)]
async fn render(
    req: &HttpRequest,
    staff: &CurrentStaff,
    pool: &Pool,
    templates: &Templates,
    settings: &Settings,
    locale: Locale,
    state: State,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (lookup, contact_id, category_slug, created) = (
        state.lookup.clone(),
        state.contact_id,
        state.category.clone(),
        state.created.clone(),
    );
    let me = staff.id;
    type Loaded = (
        Vec<ContactMatch>,
        Option<ContactMatch>,
        Vec<(String, String)>,
        Option<IntakeCategory>,
        Option<IntakeDone>,
    );
    let (matches, contact, categories, category, done): Loaded =
        db::run(pool, move |conn| -> Result<Loaded, AppError> {
            let matches = if lookup.trim().is_empty() {
                vec![]
            } else {
                intake::find_contacts(conn, &lookup)?
            };
            let contact = match contact_id {
                Some(id) => intake::contact(conn, id)?.map(|c| {
                    let n = tickets::table
                        .filter(tickets::contact_id.eq(c.id))
                        .count()
                        .get_result(conn)
                        .unwrap_or(0);
                    match_of(c, n)
                }),
                None => None,
            };
            let categories = categories::table
                .filter(categories::active.eq(true))
                .order(categories::name)
                .select((categories::slug, categories::name))
                .load(conn)?;
            let category = match category_slug.as_deref() {
                Some(slug) => match requests::active_category(conn, slug) {
                    Ok((c, rules)) => {
                        let department: String = departments::table
                            .find(c.default_department_id)
                            .select(departments::name)
                            .first(conn)?;
                        Some(IntakeCategory {
                            slug: c.slug,
                            name: c.name,
                            department,
                            requires_location: c.requires_location,
                            kinds: rules
                                .kinds
                                .iter()
                                .map(|k| Choice {
                                    value: k.as_str().to_string(),
                                    label_key: Some(format!(
                                        "kind-{}",
                                        k.as_str().replace('_', "-")
                                    )),
                                    label: String::new(),
                                    selected: false,
                                })
                                .collect(),
                            extra_fields: rules.extra_fields,
                        })
                    }
                    Err(RequestError::NotFound) => None,
                    Err(e) => return Err(AppError::Unexpected(e.into())),
                },
                None => None,
            };
            // Only the person who took a request sees its confirmation here.
            let done = match created.as_deref() {
                Some(reference) => tickets::table
                    .inner_join(contacts::table)
                    .inner_join(ticket_events::table)
                    .filter(tickets::reference.eq(reference))
                    .filter(ticket_events::kind.eq("submitted"))
                    .filter(ticket_events::actor_user_id.eq(me))
                    .select((tickets::reference, contacts::email))
                    .first::<(String, Option<String>)>(conn)
                    .optional()?
                    .map(|(reference, email)| IntakeDone {
                        href: format!("/staff/tickets/{reference}"),
                        reference,
                        email_sent: email.is_some(),
                    }),
                None => None,
            };
            Ok((matches, contact, categories, category, done))
        })
        .await?;
    // Kept across a form shown again with its mistakes (nothing was made).
    let idempotency_key = state
        .values
        .get("idempotency_key")
        .and_then(|v| v.first())
        .and_then(|k| uuid::Uuid::parse_str(k.trim()).ok())
        .unwrap_or_else(uuid::Uuid::new_v4)
        .to_string();
    let mut values = state.values;
    let category = category.map(|mut c| {
        let chosen = values
            .get("kind")
            .and_then(|v| v.first())
            .cloned()
            .or_else(|| (c.kinds.len() == 1).then(|| c.kinds[0].value.clone()));
        for k in &mut c.kinds {
            k.selected = chosen.as_deref() == Some(k.value.as_str());
        }
        c
    });
    values
        .entry("channel".into())
        .or_insert_with(|| vec![Channel::Phone.as_str().into()]);
    let chosen_channel = values
        .get("channel")
        .and_then(|v| v.first())
        .cloned()
        .unwrap_or_default();
    if let Some(c) = &contact {
        values
            .entry("locale".into())
            .or_insert_with(|| vec![c.locale.clone()]);
    }
    let slug = category.as_ref().map(|c| c.slug.clone());
    let choose_hrefs = matches
        .iter()
        .map(|m| {
            href(&[
                ("contact", Some(&m.id.to_string())),
                ("category", slug.as_deref()),
            ])
        })
        .collect();
    let (token, cookie) = csrf::token_for(
        req,
        settings.application.public_base_url.scheme() == "https",
    );
    let page = IntakePage {
        layout: layout(req, settings, locale, "intake-title"),
        csrf_token: token,
        idempotency_key,
        done,
        searched: !state.lookup.trim().is_empty(),
        lookup: state.lookup.clone(),
        matches,
        choose_hrefs,
        clear_contact_href: href(&[
            ("lookup", Some(&state.lookup)),
            ("category", slug.as_deref()),
        ]),
        contact,
        categories: categories
            .into_iter()
            .map(|(value, label)| Choice {
                selected: slug.as_deref() == Some(value.as_str()),
                value,
                label_key: None,
                label,
            })
            .collect(),
        category,
        channels: INTAKE_CHANNELS
            .iter()
            .map(|c| Choice {
                value: c.as_str().into(),
                label_key: Some(format!("queues-channel-{}", c.as_str())),
                label: String::new(),
                selected: chosen_channel == c.as_str(),
            })
            .collect(),
        values,
        errors: state.errors,
    };
    let mut res = html(templates, "staff/intake.html", &page, status)?;
    if let Some(c) = cookie {
        res.add_cookie(&c)
            .map_err(|e| AppError::Unexpected(e.into()))?;
    }
    Ok(res)
}

/// `GET /staff/intake`: look a citizen up, pick them (or enter a new one),
/// choose the service, then fill in the request.
#[get("/intake")]
pub async fn show(
    req: HttpRequest,
    staff: CurrentStaff,
    query: web::Query<IntakeQuery>,
    pool: web::Data<Pool>,
    templates: web::Data<Templates>,
    settings: web::Data<Settings>,
    RequestLocale(locale): RequestLocale,
) -> Result<HttpResponse, AppError> {
    forbidden_unless_works_tickets(&staff, locale)?;
    let q = query.into_inner();
    let state = State {
        lookup: q.lookup.unwrap_or_default().chars().take(200).collect(),
        contact_id: q.contact.and_then(|c| c.trim().parse().ok()),
        category: q.category.filter(|c| !c.is_empty()),
        created: q.created,
        values: BTreeMap::new(),
        errors: BTreeMap::new(),
    };
    render(
        &req,
        &staff,
        &pool,
        &templates,
        &settings,
        locale,
        state,
        StatusCode::OK,
    )
    .await
}

/// Messages written for citizens ("Enter your name") said to staff instead.
fn staff_voice(key: &str) -> &str {
    match key {
        "error-name-required" => "intake-error-name-required",
        "error-contact-required" => "intake-error-contact-required",
        "error-consent-required" => "intake-error-consent-required",
        other => other,
    }
}

/// The intake form's fields, as the submit use case takes them.
pub(crate) fn input_from(values: &BTreeMap<String, Vec<String>>) -> SubmissionInput {
    let one = |k: &str| {
        values
            .get(k)
            .and_then(|v| v.first())
            .cloned()
            .unwrap_or_default()
    };
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
        extra: values
            .iter()
            .filter_map(|(k, v)| {
                k.strip_prefix("extra.")
                    .map(|code| (code.to_string(), v.clone()))
            })
            .collect(),
    }
}

/// `POST /staff/intake`: creates the ticket, or shows the form again with
/// every problem. Then back to a fresh intake page that confirms it.
#[allow(clippy::too_many_arguments)]
#[post("/intake")]
pub async fn submit(
    req: HttpRequest,
    staff: CurrentStaff,
    form: web::Form<Vec<(String, String)>>,
    pool: web::Data<Pool>,
    templates: web::Data<Templates>,
    email_templates: web::Data<EmailTemplates>,
    settings: web::Data<Settings>,
    RequestLocale(locale): RequestLocale,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, AppError> {
    forbidden_unless_works_tickets(&staff, locale)?;
    let mut values: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut csrf_token = None;
    for (k, v) in form.into_inner() {
        if k == csrf::CSRF_FIELD {
            csrf_token = Some(v);
        } else {
            values.entry(k).or_default().push(v);
        }
    }
    if !csrf::verify(&req, csrf_token.as_deref()) {
        return Err(AppError::Forbidden(locale.text("error-csrf")));
    }
    let one = |k: &str| values.get(k).and_then(|v| v.first()).cloned();
    let contact_id = one("contact_id").and_then(|c| c.trim().parse::<i64>().ok());
    let category = one("category").unwrap_or_default();
    let channel = one("channel")
        .and_then(|c| c.parse::<Channel>().ok())
        .unwrap_or(Channel::Staff);
    let intake = Intake {
        channel,
        category: category.clone(),
        contact_id,
        input: input_from(&values),
        key: one("idempotency_key").and_then(|k| uuid::Uuid::parse_str(k.trim()).ok()),
    };
    let now = clock.now();
    let staff_member = staff.0.clone();
    let (settings2, email_templates2) = (settings.clone(), email_templates.clone());
    let outcome = db::run(&pool, move |conn| -> Result<_, AppError> {
        match intake::take(
            conn,
            &staff_member,
            intake,
            now,
            settings2.application.time_zone,
            |conn, s| notify::confirmation(conn, &email_templates2, &settings2, s),
        ) {
            Ok(submitted) => Ok(Ok(submitted.ticket.reference)),
            // The form sent twice: the request the first one made.
            Err(IntakeError::Request(crate::requests::RequestError::AlreadySubmitted(r))) => {
                Ok(Ok(r))
            }
            Err(IntakeError::Invalid(errors)) => Ok(Err(errors)),
            Err(IntakeError::Forbidden) => Err(AppError::Forbidden(String::new())),
            Err(e) => Err(AppError::Unexpected(e.into())),
        }
    })
    .await?;
    match outcome {
        Ok(reference) => Ok(HttpResponse::SeeOther()
            .insert_header((
                header::LOCATION,
                format!("/staff/intake?created={reference}"),
            ))
            .finish()),
        Err(errors) => {
            let errors = errors
                .0
                .iter()
                .map(|(field, key)| (field.clone(), locale.text(staff_voice(key))))
                .collect();
            let state = State {
                lookup: String::new(),
                contact_id,
                category: Some(category).filter(|c| !c.is_empty()),
                created: None,
                values,
                errors,
            };
            render(
                &req,
                &staff,
                &pool,
                &templates,
                &settings,
                locale,
                state,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ticket_kind::TicketKind;

    #[test]
    fn kinds_have_their_message_keys() {
        for k in TicketKind::ALL {
            assert!(!format!("kind-{}", k.as_str().replace('_', "-")).contains('_'));
        }
        assert_eq!(
            href(&[("lookup", Some("")), ("category", None)]),
            "/staff/intake"
        );
        assert_eq!(
            href(&[("contact", Some("3")), ("category", Some("missed-bin"))]),
            "/staff/intake?contact=3&category=missed-bin"
        );
    }
}
