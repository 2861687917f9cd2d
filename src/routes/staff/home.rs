//! `/staff`: the dashboard a signed-in staff member lands on: their queues
//! with counts, their open tickets, their departments' unassigned ones, the
//! search box, and signing out. Leaders and admins, who work no tickets, see
//! only their departments and the sign-out forms.

use actix_web::http::StatusCode;
use actix_web::{get, web, HttpRequest, HttpResponse};
use diesel::prelude::*;

use super::queues::{list_error, queue_links};
use super::{html, layout};
use crate::auth::csrf;
use crate::auth::session::CurrentStaff;
use crate::clock::Clock;
use crate::configuration::Settings;
use crate::db::filters::{At, Queue, Scope};
use crate::db::{self, Pool};
use crate::error::AppError;
use crate::routes::locale::RequestLocale;
use crate::schema::departments;
use crate::staff::queues::{self, Dashboard};
use crate::views::staff_queues::{StaffDashboardPage, TicketRow};
use crate::views::Templates;

/// Rows of each short list on the dashboard.
const DASHBOARD_ROWS: i64 = 10;

#[get("")]
pub async fn home(
    req: HttpRequest,
    staff: CurrentStaff,
    pool: web::Data<Pool>,
    templates: web::Data<Templates>,
    settings: web::Data<Settings>,
    RequestLocale(locale): RequestLocale,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, AppError> {
    let ids = staff.departments.clone();
    let scope = Scope::of(&staff);
    let zone = settings.application.time_zone;
    let now = clock.now();
    let at = At {
        now,
        due_soon: settings.sla.due_soon,
    };
    let scope2 = scope.clone();
    let (names, dashboard): (Vec<String>, Option<Dashboard>) =
        db::run(&pool, move |conn| -> Result<_, AppError> {
            let names = departments::table
                .filter(departments::id.eq_any(ids))
                .order(departments::name)
                .select(departments::name)
                .load(conn)?;
            let dashboard = match &scope2 {
                Some(scope) => Some(
                    queues::dashboard(conn, scope, zone, at, DASHBOARD_ROWS)
                        .map_err(|e| list_error(e, locale))?,
                ),
                None => None,
            };
            Ok((names, dashboard))
        })
        .await?;
    let (token, cookie) = csrf::token_for(
        &req,
        settings.application.public_base_url.scheme() == "https",
    );
    let me = staff.id;
    let rows = |p: &queues::Page| p.items.iter().map(|t| TicketRow::new(t, me)).collect();
    let page = StaffDashboardPage {
        layout: layout(&req, &settings, locale, "staff-home-title"),
        role_key: format!("role-{}", staff.role.as_str()),
        works_tickets: scope.is_some(),
        queues: dashboard
            .as_ref()
            .map(|d| queue_links(&d.counts, Queue::All))
            .unwrap_or_default(),
        open_count: dashboard
            .as_ref()
            .map_or(0, |d| d.counts.matching_shown().0),
        open_capped: dashboard
            .as_ref()
            .is_some_and(|d| d.counts.matching_shown().1),
        mine: dashboard
            .as_ref()
            .map(|d| rows(&d.mine))
            .unwrap_or_default(),
        mine_more: dashboard
            .as_ref()
            .is_some_and(|d| d.mine.next_cursor.is_some()),
        unassigned: dashboard
            .as_ref()
            .map(|d| rows(&d.unassigned))
            .unwrap_or_default(),
        unassigned_more: dashboard
            .as_ref()
            .is_some_and(|d| d.unassigned.next_cursor.is_some()),
        zone: zone.name().to_string(),
        staff: staff.0,
        department_names: names,
        csrf_token: token,
    };
    let mut res = html(&templates, "staff/home.html", &page, StatusCode::OK)?;
    if let Some(c) = cookie {
        res.add_cookie(&c)
            .map_err(|e| AppError::Unexpected(e.into()))?;
    }
    Ok(res)
}
