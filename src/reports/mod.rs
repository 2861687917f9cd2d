//! Response-time and performance reports. What every figure means is in
//! `docs/reports.md`; [`model`] carries the questions and answers,
//! [`reference`] computes them plainly from the raw tables, [`dashboards`]
//! composes what each dashboard shows, [`source()`] picks the implementation
//! every reader uses. [`period`] reads the period chooser, [`view`] turns
//! figures into sections, tables and [`charts`] (formatted by [`format`]),
//! [`drilldown`] lists the tickets behind a number, [`public`] makes the
//! public statistics and [`digest`] the weekly email.

pub mod charts;
pub mod dashboards;
pub mod digest;
pub mod drilldown;
pub mod fast;
pub mod format;
pub mod model;
pub mod period;
pub mod public;
pub mod reference;
mod source;
pub mod view;

pub use source::source;

use crate::auth::policy::Staff;
use crate::domain::role::Role;
use model::ReportScope;

/// Whose figures a reader sees (`docs/reports.md`, "scope"): a leader the
/// whole organisation, a supervisor their departments, an agent their own;
/// administrators configure and have no reports (`None`).
pub fn scope_of(staff: &Staff) -> Option<ReportScope> {
    match staff.role {
        Role::Leader => Some(ReportScope::All),
        Role::Supervisor => Some(ReportScope::Departments(staff.departments.clone())),
        Role::Agent => Some(ReportScope::Assignee(staff.id)),
        Role::Admin => None,
    }
}
