//! `/staff/queue`: a queue, a filtered list or search results. The filter
//! form is a GET form, so its whole state is in the URL (bookmarkable,
//! shareable, back-button safe); pages follow a keyset cursor.

use std::borrow::Cow;
use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{get, web, HttpRequest, HttpResponse};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Jsonb};
use fluent_templates::fluent_bundle::FluentValue;

use super::{html, layout};
use crate::auth::session::CurrentStaff;
use crate::clock::Clock;
use crate::configuration::Settings;
use crate::db::filters::{
    AreaFilter, AssigneeFilter, At, FilterError, ListError, ListQuery, Queue, Scope, Sort,
    PAGE_SIZE,
};
use crate::db::{self, Pool};
use crate::domain::priority::Priority;
use crate::domain::ticket::Channel;
use crate::domain::ticket_kind::TicketKind;
use crate::domain::ticket_status::TicketStatus;
use crate::error::AppError;
use crate::i18n::Locale;
use crate::routes::locale::RequestLocale;
use crate::staff::queues::{self, Colleague, Page, QueueCounts};
use crate::views::staff_queues::{
    Choice, FilterForm, FilterSelect, QueueLink, StaffQueuePage, TicketRow,
};
use crate::views::Templates;

/// A filter problem in the reader's language.
pub(crate) fn filter_error_text(e: &FilterError, locale: Locale) -> String {
    let mut args: HashMap<Cow<'static, str>, FluentValue<'_>> = HashMap::new();
    let field_label = |f: &str| {
        let key = format!("queues-field-{}", f.replace('_', "-"));
        let label = locale.text(&key);
        if label == key {
            f.to_string()
        } else {
            label
        }
    };
    let key = match e {
        FilterError::Unknown { name } => {
            args.insert("name".into(), name.clone().into());
            "queues-error-unknown"
        }
        FilterError::Invalid { field, value, .. } => {
            args.insert("field".into(), field_label(field).into());
            args.insert("value".into(), value.clone().into());
            "queues-error-invalid"
        }
        FilterError::Repeated { field } => {
            args.insert("field".into(), field_label(field).into());
            "queues-error-repeated"
        }
        FilterError::TooLong { field, max } => {
            args.insert("field".into(), field_label(field).into());
            args.insert("max".into(), (*max as f64).into());
            "queues-error-too-long"
        }
        FilterError::DatesReversed => "queues-error-dates",
        FilterError::BadCursor => "queues-error-cursor",
    };
    locale.text_with(key, &args)
}

/// A list's error as a page's: a bad filter is a 400 with a readable reason.
pub(crate) fn list_error(e: ListError, locale: Locale) -> AppError {
    match e {
        ListError::Filter(f) => AppError::BadRequest(filter_error_text(&f, locale)),
        ListError::Db(e) => e.into(),
    }
}

/// The four named queues as links with their counts.
pub(crate) fn queue_links(counts: &QueueCounts, current: Queue) -> Vec<QueueLink> {
    Queue::NAMED
        .into_iter()
        .map(|q| QueueLink {
            queue: q.as_str(),
            label_key: format!("queues-queue-{}", q.as_str()),
            hint_key: format!("queues-queue-{}-hint", q.as_str()),
            count: counts.of(q).min(queues::COUNT_CAP),
            capped: queues::capped(counts.of(q)),
            href: format!("/staff/queue?queue={}", q.as_str()),
            current: q == current,
        })
        .collect()
}

fn keyed<T: Copy + PartialEq>(
    all: &[T],
    value: fn(T) -> &'static str,
    key_prefix: &str,
    selected: &[T],
) -> Vec<Choice> {
    all.iter()
        .map(|v| Choice {
            value: value(*v).to_string(),
            label_key: Some(format!("{key_prefix}{}", value(*v).replace('_', "-"))),
            label: String::new(),
            selected: selected.contains(v),
        })
        .collect()
}

/// What the filter form offers: every status, kind, priority and channel,
/// the active categories, the departments and my departments' colleagues.
pub(crate) struct FormOptions {
    pub categories: Vec<(String, String)>,
    pub departments: Vec<(String, String)>,
    /// Active areas: (code, name).
    pub areas: Vec<(String, String)>,
    pub colleagues: Vec<Colleague>,
}

/// The form's choices in one statement (four look-ups as one round trip;
/// each statement cost a queue page a planning and a round trip).
pub(crate) fn form_options(conn: &mut PgConnection, scope: &Scope) -> QueryResult<FormOptions> {
    #[derive(QueryableByName)]
    struct Options {
        #[diesel(sql_type = Jsonb)]
        categories: serde_json::Value,
        #[diesel(sql_type = Jsonb)]
        departments: serde_json::Value,
        #[diesel(sql_type = Jsonb)]
        areas: serde_json::Value,
        #[diesel(sql_type = Jsonb)]
        colleagues: serde_json::Value,
    }
    let o: Options = diesel::sql_query(
        "SELECT \
           (SELECT coalesce(jsonb_agg(jsonb_build_array(slug, name) ORDER BY name, id), '[]') \
              FROM categories WHERE active) AS categories, \
           (SELECT coalesce(jsonb_agg(jsonb_build_array(slug, name) ORDER BY name, id), '[]') \
              FROM departments WHERE active) AS departments, \
           (SELECT coalesce(jsonb_agg(jsonb_build_array(code, name) ORDER BY name, id), '[]') \
              FROM areas WHERE retired_at IS NULL) AS areas, \
           (SELECT coalesce(jsonb_agg(jsonb_build_array(u.id, u.name) ORDER BY u.name, u.id), '[]') \
              FROM users u WHERE u.active AND EXISTS (SELECT 1 FROM user_departments ud \
                WHERE ud.user_id = u.id AND ud.department_id = ANY($1))) AS colleagues",
    )
    .bind::<Array<BigInt>, _>(scope.departments())
    .get_result(conn)?;
    let pairs = |v: serde_json::Value| -> QueryResult<Vec<(String, String)>> {
        serde_json::from_value(v).map_err(|e| diesel::result::Error::DeserializationError(e.into()))
    };
    let colleagues: Vec<(i64, String)> = serde_json::from_value(o.colleagues)
        .map_err(|e| diesel::result::Error::DeserializationError(e.into()))?;
    Ok(FormOptions {
        categories: pairs(o.categories)?,
        departments: pairs(o.departments)?,
        areas: pairs(o.areas)?,
        colleagues: colleagues
            .into_iter()
            .map(|(id, name)| Colleague { id, name })
            .collect(),
    })
}

fn filter_form(q: &ListQuery, options: &FormOptions, me: i64) -> FilterForm {
    let f = &q.filter;
    let named = |rows: &[(String, String)], selected: Option<&String>| -> Vec<Choice> {
        rows.iter()
            .map(|(slug, name)| Choice {
                value: slug.clone(),
                label_key: None,
                label: name.clone(),
                selected: selected == Some(slug),
            })
            .collect()
    };
    let assignee = f.assignee;
    let mut assignees = vec![
        Choice {
            value: "me".into(),
            label_key: Some("queues-assignee-me".into()),
            label: String::new(),
            selected: assignee == Some(AssigneeFilter::Me),
        },
        Choice {
            value: "none".into(),
            label_key: Some("queues-assignee-none".into()),
            label: String::new(),
            selected: assignee == Some(AssigneeFilter::Nobody),
        },
    ];
    assignees.extend(
        options
            .colleagues
            .iter()
            .filter(|c| c.id != me)
            .map(|c| Choice {
                value: c.id.to_string(),
                label_key: None,
                label: c.name.clone(),
                selected: assignee == Some(AssigneeFilter::User(c.id)),
            }),
    );
    FilterForm {
        queue: q.queue.as_str().to_string(),
        q: f.q.clone().unwrap_or_default(),
        statuses: keyed(
            &TicketStatus::ALL,
            TicketStatus::as_str,
            "queues-status-",
            &f.statuses,
        ),
        selects: vec![
            FilterSelect::new(
                "kind",
                keyed(
                    &TicketKind::ALL,
                    TicketKind::as_str,
                    "kind-",
                    f.kind.as_slice(),
                ),
            ),
            FilterSelect::new("category", named(&options.categories, f.category.as_ref())),
            FilterSelect::new(
                "priority",
                keyed(
                    &Priority::ALL,
                    Priority::as_str,
                    "queues-priority-",
                    f.priority.as_slice(),
                ),
            ),
            FilterSelect::new(
                "channel",
                keyed(
                    Channel::ALL,
                    Channel::as_str,
                    "queues-channel-",
                    f.channel.as_slice(),
                ),
            ),
            FilterSelect::new("assignee", assignees),
            FilterSelect::new(
                "department",
                named(&options.departments, f.department.as_ref()),
            ),
            FilterSelect::new("area", {
                let chosen = match &f.area {
                    Some(AreaFilter::Code(code)) => Some(code),
                    _ => None,
                };
                let mut choices = named(&options.areas, chosen);
                choices.push(Choice {
                    value: "none".into(),
                    label_key: Some("areas-area-unknown".into()),
                    label: String::new(),
                    selected: f.area == Some(AreaFilter::Nowhere),
                });
                choices
            }),
        ],
        created_from: f.created_from.map(|d| d.to_string()).unwrap_or_default(),
        created_to: f.created_to.map(|d| d.to_string()).unwrap_or_default(),
        // "Default" first, so a search typed into this form is ranked by
        // relevance even when the list before it was by date.
        sorts: std::iter::once(Choice {
            value: String::new(),
            label_key: Some("queues-sort-default".into()),
            label: String::new(),
            selected: q.sort.is_none(),
        })
        .chain(keyed(
            if f.q.is_some() {
                &[Sort::Relevance, Sort::Updated, Sort::Created][..]
            } else {
                &[Sort::Updated, Sort::Created][..]
            },
            Sort::as_str,
            "queues-sort-",
            q.sort.as_slice(),
        ))
        .collect(),
    }
}

/// The parameters that can be used, when some cannot: each pair on its own
/// must parse (so the form keeps what the person chose, less the bad part).
fn lenient(query_string: &str) -> ListQuery {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query_string.as_bytes())
        .into_owned()
        .filter(|(k, _)| k != "cursor")
        .collect();
    let good: Vec<(String, String)> = pairs
        .into_iter()
        .filter(|p| ListQuery::from_pairs([p.clone()]).is_ok())
        .collect();
    ListQuery::from_pairs(good.clone())
        .or_else(|_| ListQuery::from_pairs(good.into_iter().filter(|(k, _)| k != "sort")))
        .unwrap_or_default()
}

#[get("/queue")]
pub async fn queue(
    req: HttpRequest,
    staff: CurrentStaff,
    pool: web::Data<Pool>,
    templates: web::Data<Templates>,
    settings: web::Data<Settings>,
    RequestLocale(locale): RequestLocale,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, AppError> {
    let Some(scope) = Scope::of(&staff) else {
        return Err(AppError::Forbidden(locale.text("queues-forbidden")));
    };
    let zone = settings.application.time_zone;
    let now = clock.now();
    let at = At {
        now,
        due_soon: settings.sla.due_soon,
    };
    let parsed = ListQuery::from_query_string(req.query_string());
    let query = match &parsed {
        Ok(q) => q.clone(),
        Err(_) => lenient(req.query_string()),
    };
    let (scope2, query2, parsed_ok) = (scope.clone(), query.clone(), parsed.is_ok());
    let (options, listed, counts) = db::run(&pool, move |conn| -> Result<_, AppError> {
        let options = form_options(conn, &scope2)?;
        let listed = if parsed_ok {
            match queues::list_with_counts(conn, &scope2, &query2, zone, at, PAGE_SIZE) {
                Ok(found) => Ok(found),
                Err(ListError::Filter(e)) => Err(e),
                Err(ListError::Db(e)) => return Err(e.into()),
            }
        } else {
            Err(FilterError::BadCursor)
        };
        let counts = match &listed {
            Ok((_, counts)) => *counts,
            Err(_) => queues::counts(conn, &scope2, queues::Matching::Where(vec![]), at)?,
        };
        Ok((options, listed.map(|(page, _)| page), counts))
    })
    .await?;
    let error = match (&parsed, &listed) {
        (Err(e), _) | (Ok(_), Err(e)) => Some(e.clone()),
        _ => None,
    };
    let page: Page = listed.unwrap_or_default();
    let me = staff.id;
    let heading_key = if query.filter.q.is_some() {
        "queues-search-title".to_string()
    } else if query.queue != Queue::All {
        format!("queues-queue-{}", query.queue.as_str())
    } else {
        "queues-all-title".to_string()
    };
    let mut page_layout = layout(&req, &settings, locale, &heading_key);
    if error.is_some() {
        page_layout.title = format!(
            "{} – {}",
            locale.text("queues-error-title"),
            page_layout.title
        );
    }
    let view = StaffQueuePage {
        layout: page_layout,
        heading_key,
        queues: queue_links(&counts, query.queue),
        form: filter_form(&query, &options, me),
        error_field: error
            .as_ref()
            .and_then(|e| e.field().map(|f| f.replace('_', "-"))),
        error: error.as_ref().map(|e| filter_error_text(e, locale)),
        rows: page.items.iter().map(|t| TicketRow::new(t, me)).collect(),
        matching: counts.matching_shown().0,
        matching_capped: counts.matching_shown().1,
        searching: query.filter.q.is_some(),
        next_href: page
            .next_cursor
            .as_deref()
            .map(|c| format!("/staff/queue?{}", query.query_string(&[("cursor", c)]))),
        first_href: query
            .cursor
            .map(|_| format!("/staff/queue?{}", query.query_string(&[]))),
        zone: zone.name().to_string(),
    };
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    html(&templates, "staff/queue.html", &view, status)
}
