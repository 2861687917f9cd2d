//! [`SlaAdmin`]: the signed-in staff member, when the policy lets them
//! configure SLA policies and business calendars. Like
//! [`StaffAdmin`](super::admin::StaffAdmin): signed out is a redirect to sign
//! in (401 on the API), any other role is 403.

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest};

use super::policy::Staff;
use super::session::{AuthError, CurrentStaff};
use crate::error::AppError;
use crate::routes::locale::RequestLocale;

#[derive(Debug, Clone)]
pub struct SlaAdmin(pub Staff);

impl std::ops::Deref for SlaAdmin {
    type Target = Staff;
    fn deref(&self) -> &Staff {
        &self.0
    }
}

impl FromRequest for SlaAdmin {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let staff = CurrentStaff::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let CurrentStaff(staff) = staff.await?;
            if staff.may_configure_sla() {
                return Ok(SlaAdmin(staff));
            }
            tracing::info!(user.id = staff.id, role = %staff.role, "refused: SLA configuration");
            if req.path().starts_with("/api/") {
                Err(AuthError::Forbidden { api: true }.into())
            } else {
                let locale = RequestLocale::resolve(&req);
                Err(AppError::Forbidden(locale.text("sla-admin-forbidden")).into())
            }
        })
    }
}
