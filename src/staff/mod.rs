//! Staff use cases: signing in, queues and search, intake, and (in later
//! modules) working tickets.

pub mod access;
pub mod intake;
pub mod passwords;
pub mod queues;
pub mod sign_in;
pub mod tickets;
pub mod users;
