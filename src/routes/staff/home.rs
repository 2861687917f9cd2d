//! `/staff`: where a signed-in staff member lands.

use actix_web::http::StatusCode;
use actix_web::{get, web, HttpRequest, HttpResponse};
use diesel::prelude::*;

use super::{html, layout};
use crate::auth::csrf;
use crate::auth::session::CurrentStaff;
use crate::configuration::Settings;
use crate::db::{self, Pool};
use crate::error::AppError;
use crate::routes::locale::RequestLocale;
use crate::schema::departments;
use crate::views::staff::StaffHomePage;
use crate::views::Templates;

#[get("")]
pub async fn home(
    req: HttpRequest,
    staff: CurrentStaff,
    pool: web::Data<Pool>,
    templates: web::Data<Templates>,
    settings: web::Data<Settings>,
    RequestLocale(locale): RequestLocale,
) -> Result<HttpResponse, AppError> {
    let ids = staff.departments.clone();
    let names: Vec<String> = db::run(&pool, move |conn| {
        departments::table
            .filter(departments::id.eq_any(ids))
            .order(departments::name)
            .select(departments::name)
            .load(conn)
            .map_err(db::DbError::from)
    })
    .await?;
    let (token, cookie) = csrf::token_for(
        &req,
        settings.application.public_base_url.scheme() == "https",
    );
    let page = StaffHomePage {
        layout: layout(&req, &settings, locale, "staff-home-title"),
        role_key: format!("role-{}", staff.role.as_str()),
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
