//! Canned responses: replies a department uses often. Agents pick one on the
//! ticket page, where its placeholders are filled in; the department's
//! supervisors (and admins, who keep the configuration) write them.

use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use super::{FieldErrors, Message, TicketError};
use crate::auth::policy::Staff;
use crate::db::models::canned_response::{
    CannedResponse, CannedResponseChangeset, NewCannedResponse,
};
use crate::domain::role::Role;
use crate::schema::{canned_responses, departments};

pub const TITLE_MAX: usize = 120;
pub const BODY_MAX: usize = 10_000;

/// What the placeholders stand for on one ticket.
#[derive(Debug, Clone)]
pub struct Placeholders<'a> {
    pub citizen_name: &'a str,
    pub reference: &'a str,
    pub category: &'a str,
    /// The resolution target, formatted for the reader; `None` until the SLA
    /// engine sets one, shown as "—".
    pub due_date: Option<&'a str>,
}

/// Fills in `{citizen_name}`, `{reference}`, `{category}` and `{due_date}`;
/// anything else in braces stays as written.
pub fn expand(body: &str, p: &Placeholders<'_>) -> String {
    let mut out = String::with_capacity(body.len() + 32);
    let mut rest = body;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        let replaced = [
            ("{citizen_name}", p.citizen_name),
            ("{reference}", p.reference),
            ("{category}", p.category),
            ("{due_date}", p.due_date.unwrap_or("—")),
        ]
        .into_iter()
        .find(|(name, _)| after.starts_with(name));
        match replaced {
            Some((name, value)) => {
                out.push_str(value);
                rest = &after[name.len()..];
            }
            None => {
                out.push('{');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// A department's canned responses, by title.
pub fn for_department(
    conn: &mut PgConnection,
    department_id: i64,
) -> QueryResult<Vec<CannedResponse>> {
    canned_responses::table
        .filter(canned_responses::department_id.eq(department_id))
        .order((canned_responses::title.asc(), canned_responses::id.asc()))
        .select(CannedResponse::as_select())
        .load(conn)
}

/// The departments whose canned responses this person keeps: a supervisor's
/// own departments; every active department for an admin; none otherwise.
pub fn manageable_departments(
    conn: &mut PgConnection,
    staff: &Staff,
) -> QueryResult<Vec<(i64, String)>> {
    let query = departments::table
        .filter(departments::active.eq(true))
        .order(departments::name.asc())
        .select((departments::id, departments::name))
        .into_boxed();
    match staff.role {
        Role::Admin => query.load(conn),
        Role::Supervisor => query
            .filter(departments::id.eq_any(staff.departments.clone()))
            .load(conn),
        Role::Agent | Role::Leader => Ok(vec![]),
    }
}

/// Whether this person keeps any department's canned responses.
pub fn may_manage(staff: &Staff) -> bool {
    matches!(staff.role, Role::Admin | Role::Supervisor)
}

/// Every canned response this person keeps, by department then title.
pub fn manageable(
    conn: &mut PgConnection,
    staff: &Staff,
) -> QueryResult<Vec<(CannedResponse, String)>> {
    let ids: Vec<i64> = manageable_departments(conn, staff)?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    canned_responses::table
        .inner_join(departments::table)
        .filter(canned_responses::department_id.eq_any(ids))
        .order((
            departments::name.asc(),
            canned_responses::title.asc(),
            canned_responses::id.asc(),
        ))
        .select((CannedResponse::as_select(), departments::name))
        .load(conn)
}

/// A canned response as written on the form.
#[derive(Debug, Clone, Default)]
pub struct CannedInput {
    pub department_id: i64,
    pub title: String,
    pub body: String,
}

fn check(input: &CannedInput) -> Result<(String, String), TicketError> {
    let mut errors = FieldErrors::new();
    let title = input.title.trim();
    let body = input.body.trim();
    if title.is_empty() {
        errors.insert("title", Message::Key("tickets-error-text-required"));
    } else if title.chars().count() > TITLE_MAX {
        errors.insert(
            "title",
            Message::With(
                "tickets-error-text-too-long",
                vec![("max", TITLE_MAX.to_string())],
            ),
        );
    }
    if body.is_empty() {
        errors.insert("body", Message::Key("tickets-error-text-required"));
    } else if body.chars().count() > BODY_MAX {
        errors.insert(
            "body",
            Message::With(
                "tickets-error-text-too-long",
                vec![("max", BODY_MAX.to_string())],
            ),
        );
    }
    if errors.is_empty() {
        Ok((title.to_string(), body.to_string()))
    } else {
        Err(TicketError::Invalid(errors))
    }
}

fn title_taken(e: DieselError) -> TicketError {
    match &e {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info)
            if info.constraint_name() == Some("canned_responses_title_key") =>
        {
            TicketError::invalid("title", Message::Key("tickets-error-canned-title-taken"))
        }
        _ => e.into(),
    }
}

fn allowed(
    conn: &mut PgConnection,
    staff: &Staff,
    department_id: i64,
) -> Result<bool, TicketError> {
    Ok(manageable_departments(conn, staff)?
        .iter()
        .any(|(id, _)| *id == department_id))
}

pub fn create(
    conn: &mut PgConnection,
    staff: &Staff,
    input: &CannedInput,
) -> Result<i64, TicketError> {
    if !may_manage(staff) {
        return Err(TicketError::Forbidden(Message::Key(
            "tickets-canned-forbidden",
        )));
    }
    if !allowed(conn, staff, input.department_id)? {
        return Err(TicketError::invalid(
            "department_id",
            Message::Key("tickets-error-department-unknown"),
        ));
    }
    let (title, body) = check(input)?;
    let id = diesel::insert_into(canned_responses::table)
        .values(&NewCannedResponse {
            department_id: input.department_id,
            title: &title,
            body: &body,
            created_by: Some(staff.id),
        })
        .returning(canned_responses::id)
        .get_result(conn)
        .map_err(title_taken)?;
    tracing::info!(
        canned_response.id = id,
        user.id = staff.id,
        "canned response created"
    );
    Ok(id)
}

/// The response, if this person keeps its department's responses (else not found).
fn owned(conn: &mut PgConnection, staff: &Staff, id: i64) -> Result<CannedResponse, TicketError> {
    if !may_manage(staff) {
        return Err(TicketError::Forbidden(Message::Key(
            "tickets-canned-forbidden",
        )));
    }
    let row: CannedResponse = canned_responses::table
        .filter(canned_responses::id.eq(id))
        .select(CannedResponse::as_select())
        .first(conn)
        .optional()?
        .ok_or(TicketError::NotFound)?;
    if !allowed(conn, staff, row.department_id)? {
        return Err(TicketError::NotFound);
    }
    Ok(row)
}

/// Changes the title and text (the department stays).
pub fn update(
    conn: &mut PgConnection,
    staff: &Staff,
    id: i64,
    input: &CannedInput,
) -> Result<(), TicketError> {
    let row = owned(conn, staff, id)?;
    let (title, body) = check(input)?;
    diesel::update(canned_responses::table.filter(canned_responses::id.eq(row.id)))
        .set(&CannedResponseChangeset {
            title: &title,
            body: &body,
        })
        .execute(conn)
        .map_err(title_taken)?;
    tracing::info!(
        canned_response.id = id,
        user.id = staff.id,
        "canned response changed"
    );
    Ok(())
}

pub fn delete(conn: &mut PgConnection, staff: &Staff, id: i64) -> Result<(), TicketError> {
    let row = owned(conn, staff, id)?;
    diesel::delete(canned_responses::table.filter(canned_responses::id.eq(row.id)))
        .execute(conn)?;
    tracing::info!(
        canned_response.id = id,
        user.id = staff.id,
        "canned response deleted"
    );
    Ok(())
}

/// One response for editing.
pub fn get(conn: &mut PgConnection, staff: &Staff, id: i64) -> Result<CannedResponse, TicketError> {
    owned(conn, staff, id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> Placeholders<'static> {
        Placeholders {
            citizen_name: "Ada {reference}",
            reference: "CD-2026-000001",
            category: "Missed bin",
            due_date: None,
        }
    }

    #[test]
    fn placeholders_are_filled_in_once_and_others_left_alone() {
        assert_eq!(
            expand(
                "Dear {citizen_name}, about {reference} ({category}) by {due_date}. {unknown} {",
                &p()
            ),
            // A value that looks like a placeholder is not expanded again.
            "Dear Ada {reference}, about CD-2026-000001 (Missed bin) by —. {unknown} {"
        );
        let with_date = Placeholders {
            due_date: Some("4 December"),
            ..p()
        };
        assert_eq!(
            expand("{due_date}{due_date}", &with_date),
            "4 December4 December"
        );
        assert_eq!(
            expand("جمع‌آوری {reference}", &p()),
            "جمع‌آوری CD-2026-000001"
        );
    }
}
