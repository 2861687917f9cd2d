//! Authentication and request protection: staff sessions (JWT), the
//! `CurrentStaff` extractor, the authorisation policy, passwords, CSRF, and
//! citizens' request grants.

pub mod admin;
pub mod csrf;
pub mod grant;
pub mod jwt;
pub mod password;
pub mod policy;
pub mod session;
pub mod sla_admin;
