//! Authentication: password hashing now; sessions and extractors arrive with
//! the staff back office.

pub mod password;
