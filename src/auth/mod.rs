//! Authentication and request protection.

pub mod csrf;
pub mod grant;
pub mod password;
