//! Probes for load balancers and orchestrators.

use std::time::Duration;

use actix_web::{get, web, HttpResponse};
use diesel::RunQueryDsl;
use serde_json::json;

use crate::db::Pool;

/// The process is alive and serving HTTP.
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// The process can do useful work: the database answers.
#[get("/readyz")]
pub async fn readyz(pool: web::Data<Pool>) -> HttpResponse {
    let pool = pool.get_ref().clone();
    let check = web::block(move || -> Result<(), String> {
        let mut conn = pool
            .get_timeout(Duration::from_secs(2))
            .map_err(|_| "no connection could be made".to_string())?;
        diesel::sql_query("SELECT 1")
            .execute(&mut conn)
            .map(|_| ())
            .map_err(|_| "the database did not answer".to_string())
    })
    .await
    .unwrap_or_else(|_| Err("the check was cancelled".into()));
    match check {
        Ok(()) => {
            HttpResponse::Ok().json(json!({ "status": "ready", "checks": { "database": "ok" } }))
        }
        Err(problem) => {
            tracing::warn!(problem, "readiness check failed");
            HttpResponse::ServiceUnavailable()
                .insert_header(("Retry-After", "5"))
                .json(json!({ "status": "unavailable", "checks": { "database": problem } }))
        }
    }
}
