//! `staff/admin/api_keys.html`: the administrators' Open311 API keys.

use std::collections::HashMap;

use serde::Serialize;

use super::staff_accounts::{FormErrors, StaffNav};
use super::Layout;
use crate::auth::policy::Staff;
use crate::domain::role::Role;

/// The navigation's `current` value on this page.
pub const NAV_API_KEYS: &str = "api-keys";

/// One key in the list.
#[derive(Debug, Clone, Serialize)]
pub struct ApiKeyRow {
    pub id: i64,
    pub label: String,
    pub prefix: String,
    /// RFC 3339 instants, shown with `local_time`.
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
    pub href: String,
}

/// A key just made, shown this once.
#[derive(Debug, Clone, Serialize)]
pub struct NewKeyShown {
    pub label: String,
    pub key: String,
}

#[derive(Debug, Serialize)]
pub struct ApiKeysPage {
    #[serde(flatten)]
    pub layout: Layout,
    pub nav: StaffNav,
    pub keys: Vec<ApiKeyRow>,
    pub created: Option<NewKeyShown>,
    /// The create form's label, kept when it comes back with an error.
    pub label: String,
    pub errors: FormErrors,
    pub notice_key: Option<String>,
    /// Where 311 apps send requests (`…/open311/v2`).
    pub endpoint_url: String,
    pub time_zone: String,
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
    let row = |id: i64, revoked: bool| ApiKeyRow {
        id,
        label: evil.clone(),
        prefix: "cd311_ab12".into(),
        created_at: "2026-12-01T10:00:00+00:00".into(),
        last_used_at: (!revoked).then(|| "2026-12-02T10:00:00+00:00".into()),
        revoked_at: revoked.then(|| "2026-12-03T10:00:00+00:00".into()),
        href: format!("/staff/admin/api-keys/{id}"),
    };
    let page = ApiKeysPage {
        layout: layout.clone(),
        nav: StaffNav::new(&staff, NAV_API_KEYS, "t"),
        keys: vec![row(1, false), row(2, true)],
        created: Some(NewKeyShown {
            label: evil.clone(),
            key: evil.clone(),
        }),
        label: evil.clone(),
        errors: [("label".to_string(), evil.clone())].into(),
        notice_key: Some("api-keys-done-saved".into()),
        endpoint_url: evil,
        time_zone: "Europe/London".into(),
        csrf_token: "t".into(),
    };
    m.insert(
        "staff/admin/api_keys.html",
        serde_json::to_value(page).expect("serialisable"),
    );
}
