//! Response-time and performance reports. What every figure means is in
//! `docs/reports.md`; [`model`] carries the questions and answers,
//! [`reference`] computes them plainly from the raw tables.

pub mod model;
pub mod reference;
