//! Citizens' requests: what happens when a request is submitted, looked up,
//! commented on or withdrawn. Each use case is one database transaction; the
//! HTTP handlers (pages and API) only translate to and from these functions.

pub mod notify;
pub mod submit;
pub mod track;

use diesel::prelude::*;

use crate::db::models::category::Category;
use crate::domain::extra_fields::ExtraFieldDef;
use crate::domain::new_ticket::CategoryRules;
use crate::domain::ticket_kind::TicketKind;
use crate::schema::{business_calendars, categories, departments};

/// A file a citizen attached, already checked (type by content, size).
#[derive(Debug, Clone)]
pub struct Attachment {
    pub filename: String,
    pub content_type: &'static str,
    pub data: Vec<u8>,
    pub sha256: [u8; 32],
}

/// Why a use case could not go ahead.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// Unknown or inactive category, or unknown/inaccessible request.
    #[error("not found")]
    NotFound,
    /// The request is in a state that does not allow this (message key).
    #[error("not allowed now: {0}")]
    NotAllowed(&'static str),
    /// The same submission (idempotency key) already made this request.
    #[error("already submitted as {0}")]
    AlreadySubmitted(String),
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// An active category and what it asks of a submission.
pub fn active_category(
    conn: &mut PgConnection,
    slug: &str,
) -> Result<(Category, CategoryRules), RequestError> {
    let category: Category = categories::table
        .filter(categories::slug.eq(slug))
        .filter(categories::active.eq(true))
        .select(Category::as_select())
        .first(conn)
        .optional()?
        .ok_or(RequestError::NotFound)?;
    let rules = rules_of(&category)?;
    Ok((category, rules))
}

/// An active category with everything a submission to it needs: its rules and
/// the department that takes it (name and time zone), so neither the
/// confirmation email nor the answer has to look them up again.
#[derive(Debug, Clone)]
pub struct SubmissionTarget {
    pub category: Category,
    pub rules: CategoryRules,
    pub department: String,
    pub time_zone: String,
}

/// [`active_category`] and its department, in one query.
pub fn submission_target(
    conn: &mut PgConnection,
    slug: &str,
) -> Result<SubmissionTarget, RequestError> {
    let (category, department, time_zone): (Category, String, String) = categories::table
        .inner_join(departments::table)
        .inner_join(
            business_calendars::table.on(business_calendars::id.eq(departments::calendar_id)),
        )
        .filter(categories::slug.eq(slug))
        .filter(categories::active.eq(true))
        .select((
            Category::as_select(),
            departments::name,
            business_calendars::time_zone,
        ))
        .first(conn)
        .optional()?
        .ok_or(RequestError::NotFound)?;
    let rules = rules_of(&category)?;
    Ok(SubmissionTarget {
        category,
        rules,
        department,
        time_zone,
    })
}

pub fn rules_of(category: &Category) -> Result<CategoryRules, RequestError> {
    let extra_fields = ExtraFieldDef::parse_all(&category.extra_fields)
        .map_err(|e| anyhow::anyhow!("category {} has invalid extra fields: {e}", category.slug))?;
    Ok(CategoryRules {
        kinds: category
            .kinds
            .iter()
            .filter_map(|k| k.as_deref()?.parse::<TicketKind>().ok())
            .collect(),
        requires_location: category.requires_location,
        extra_fields,
    })
}
