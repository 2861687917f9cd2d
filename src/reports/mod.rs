//! Response-time and performance reports. What every figure means is in
//! `docs/reports.md`; [`model`] carries the questions and answers,
//! [`reference`] computes them plainly from the raw tables, [`dashboards`]
//! composes what each dashboard shows.

pub mod dashboards;
pub mod fast;
pub mod model;
pub mod reference;
