//! HTTP routes, one module per area; `configure` mounts them all.

pub mod api;
pub mod citizen;
pub mod errors;
pub mod health;
pub mod home;
pub mod locale;
pub mod open311;
pub mod staff;
pub mod static_files;
pub mod statistics;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.configure(api::configure);
    cfg.configure(citizen::configure);
    cfg.configure(open311::configure);
    cfg.configure(staff::configure);
    cfg.service(health::healthz)
        .service(health::readyz)
        .service(home::home)
        .service(statistics::page)
        .service(statistics::csv)
        .service(locale::switch)
        .service(static_files::serve);
}
