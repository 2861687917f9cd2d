//! Staff use cases: signing in, and (in later modules) working tickets.

pub mod sign_in;
