//! Page structs for staff accounts: one's own account and password, password
//! resets, and the administrators' staff management; and the staff
//! navigation every signed-in staff page can include.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::Layout;
use crate::auth::policy::Staff;
use crate::domain::role::Role;

/// `partials/staff_nav.html`: put it on a page struct as `nav` and write
/// `{% include "partials/staff_nav.html" %}` at the top of the content.
#[derive(Debug, Clone, Serialize)]
pub struct StaffNav {
    pub name: String,
    /// Shows the link to staff administration (the policy decides).
    pub manage_staff: bool,
    /// Shows the link to the areas (wards, districts) page.
    pub manage_areas: bool,
    /// Shows the links to SLA policies and business calendars (the policy decides).
    pub configure_sla: bool,
    /// Shows the link to the reports (every role but administrators).
    pub reports: bool,
    /// The current page's link, marked `aria-current`: one of [`StaffNav::HOME`],
    /// [`StaffNav::ACCOUNT`], [`StaffNav::STAFF`] (others add theirs).
    pub current: &'static str,
    /// For the sign-out form.
    pub csrf_token: String,
}

impl StaffNav {
    pub const HOME: &'static str = "home";
    pub const ACCOUNT: &'static str = "account";
    pub const STAFF: &'static str = "staff";
    pub const AREAS: &'static str = "areas";
    pub const SLA_POLICIES: &'static str = "sla-policies";
    pub const CALENDARS: &'static str = "calendars";
    pub const REPORTS: &'static str = "reports";

    pub fn new(staff: &Staff, current: &'static str, csrf_token: &str) -> Self {
        Self {
            name: staff.name.clone(),
            manage_staff: staff.may_manage_staff(),
            manage_areas: staff.may_manage_areas(),
            configure_sla: staff.may_configure_sla(),
            reports: crate::reports::scope_of(staff).is_some(),
            current,
            csrf_token: csrf_token.to_string(),
        }
    }
}

/// A form's problems: field name → message, shown in the error summary
/// (linking to `#field-<name>`) and beside the field.
pub type FormErrors = BTreeMap<String, String>;

/// `staff/account.html`: who you are, and the change-password form.
#[derive(Debug, Serialize)]
pub struct AccountPage {
    #[serde(flatten)]
    pub layout: Layout,
    pub nav: StaffNav,
    pub name: String,
    pub email: String,
    pub role_key: String,
    pub department_names: Vec<String>,
    pub errors: FormErrors,
    /// The password was just changed.
    pub changed: bool,
    /// Leaders and supervisors are offered the weekly digest...
    pub digest_offered: bool,
    /// ...and this says whether they get it.
    pub digest: bool,
    /// The digest setting was just saved.
    pub digest_saved: bool,
    pub min_length: usize,
    pub csrf_token: String,
}

/// `staff/password_reset_request.html`: ask for a reset link by email.
#[derive(Debug, Serialize)]
pub struct PasswordResetRequestPage {
    #[serde(flatten)]
    pub layout: Layout,
    pub email: String,
    /// The request was taken (said whether or not the account exists).
    pub sent: bool,
    pub errors: FormErrors,
    pub csrf_token: String,
}

/// `staff/password_reset.html`: choose a new password through a link.
#[derive(Debug, Serialize)]
pub struct PasswordResetPage {
    #[serde(flatten)]
    pub layout: Layout,
    /// `form`, `invalid` (expired, used or unknown: one message) or `done`.
    pub state: &'static str,
    /// Where the form posts (the link itself).
    pub action: String,
    pub errors: FormErrors,
    pub min_length: usize,
    pub csrf_token: String,
}

impl PasswordResetPage {
    pub const FORM: &'static str = "form";
    pub const INVALID: &'static str = "invalid";
    pub const DONE: &'static str = "done";
}

/// One account in the administrators' list.
#[derive(Debug, Clone, Serialize)]
pub struct StaffRow {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role_key: String,
    pub active: bool,
    /// Locked out after failed sign-ins, for now.
    pub locked: bool,
    pub department_names: Vec<String>,
    pub href: String,
}

/// `staff/admin/users.html`: every staff account.
#[derive(Debug, Serialize)]
pub struct StaffListPage {
    #[serde(flatten)]
    pub layout: Layout,
    pub nav: StaffNav,
    pub accounts: Vec<StaffRow>,
    /// Message key of what was just done, e.g. `accounts-done-created`.
    pub notice_key: Option<String>,
    pub csrf_token: String,
}

/// A role to choose, for a `<select>`.
#[derive(Debug, Clone, Serialize)]
pub struct RoleChoice {
    pub value: &'static str,
    pub label_key: String,
    pub selected: bool,
}

impl RoleChoice {
    pub fn all(selected: Option<Role>) -> Vec<RoleChoice> {
        Role::ALL
            .into_iter()
            .map(|r| RoleChoice {
                value: r.as_str(),
                label_key: format!("role-{}", r.as_str()),
                selected: Some(r) == selected,
            })
            .collect()
    }
}

/// A department to tick.
#[derive(Debug, Clone, Serialize)]
pub struct DepartmentChoice {
    pub slug: String,
    pub name: String,
    pub checked: bool,
}

/// `staff/admin/user_new.html`: create an account.
#[derive(Debug, Serialize)]
pub struct NewStaffPage {
    #[serde(flatten)]
    pub layout: Layout,
    pub nav: StaffNav,
    pub name: String,
    pub email: String,
    pub roles: Vec<RoleChoice>,
    pub departments: Vec<DepartmentChoice>,
    /// `link` (email a link to choose a password) or `password` (set one now).
    pub password_mode: String,
    pub errors: FormErrors,
    pub min_length: usize,
    pub csrf_token: String,
}

/// `staff/admin/user_edit.html`: one account's role, departments and state.
#[derive(Debug, Serialize)]
pub struct EditStaffPage {
    #[serde(flatten)]
    pub layout: Layout,
    pub nav: StaffNav,
    pub account: StaffRow,
    pub roles: Vec<RoleChoice>,
    pub departments: Vec<DepartmentChoice>,
    /// The administrator is looking at their own account (no role change,
    /// no deactivation offered).
    pub is_self: bool,
    pub errors: FormErrors,
    pub notice_key: Option<String>,
    pub csrf_token: String,
}

pub(super) fn samples(layout: &Layout, m: &mut HashMap<&'static str, serde_json::Value>) {
    let evil = "<b>escaped?</b>".to_string();
    let staff = Staff {
        id: 1,
        role: Role::Admin,
        name: evil.clone(),
        email: "a@b.org".into(),
        departments: vec![],
    };
    let nav = StaffNav::new(&staff, StaffNav::ACCOUNT, "t");
    let errors: FormErrors = [("new_password".to_string(), evil.clone())].into();
    let row = StaffRow {
        id: 2,
        name: evil.clone(),
        email: evil.clone(),
        role_key: "role-agent".into(),
        active: false,
        locked: true,
        department_names: vec![evil.clone()],
        href: "/staff/admin/users/2".into(),
    };
    let departments = vec![DepartmentChoice {
        slug: "roads".into(),
        name: evil.clone(),
        checked: true,
    }];
    let pages: [(&'static str, serde_json::Result<serde_json::Value>); 6] = [
        (
            "staff/account.html",
            serde_json::to_value(AccountPage {
                layout: layout.clone(),
                nav: nav.clone(),
                name: evil.clone(),
                email: evil.clone(),
                role_key: "role-admin".into(),
                department_names: vec![evil.clone()],
                errors: errors.clone(),
                changed: true,
                digest_offered: true,
                digest: true,
                digest_saved: true,
                min_length: 12,
                csrf_token: "t".into(),
            }),
        ),
        (
            "staff/password_reset_request.html",
            serde_json::to_value(PasswordResetRequestPage {
                layout: layout.clone(),
                email: evil.clone(),
                sent: true,
                errors: [("email".to_string(), evil.clone())].into(),
                csrf_token: "t".into(),
            }),
        ),
        (
            "staff/password_reset.html",
            serde_json::to_value(PasswordResetPage {
                layout: layout.clone(),
                state: PasswordResetPage::FORM,
                action: "/staff/password-reset/token".into(),
                errors: errors.clone(),
                min_length: 12,
                csrf_token: "t".into(),
            }),
        ),
        (
            "staff/admin/users.html",
            serde_json::to_value(StaffListPage {
                layout: layout.clone(),
                nav: nav.clone(),
                accounts: vec![row.clone()],
                notice_key: Some("accounts-done-created".into()),
                csrf_token: "t".into(),
            }),
        ),
        (
            "staff/admin/user_new.html",
            serde_json::to_value(NewStaffPage {
                layout: layout.clone(),
                nav: nav.clone(),
                name: evil.clone(),
                email: evil.clone(),
                roles: RoleChoice::all(Some(Role::Agent)),
                departments: departments.clone(),
                password_mode: "password".into(),
                errors: [("email".to_string(), evil.clone())].into(),
                min_length: 12,
                csrf_token: "t".into(),
            }),
        ),
        (
            "staff/admin/user_edit.html",
            serde_json::to_value(EditStaffPage {
                layout: layout.clone(),
                nav,
                account: row,
                roles: RoleChoice::all(Some(Role::Agent)),
                departments,
                is_self: false,
                errors: [("departments".to_string(), evil)].into(),
                notice_key: Some("accounts-done-saved".into()),
                csrf_token: "t".into(),
            }),
        ),
    ];
    for (name, page) in pages {
        m.insert(name, page.expect("serialisable"));
    }
}
