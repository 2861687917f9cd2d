//! Staff use cases: signing in, and (in later modules) working tickets.

pub mod access;
pub mod sign_in;
pub mod tickets;
