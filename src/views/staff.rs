//! Page structs for the staff back office.

use serde::Serialize;

use super::Layout;
use crate::auth::policy::Staff;

/// `staff/sign_in.html`.
#[derive(Debug, Serialize)]
pub struct SignInPage {
    #[serde(flatten)]
    pub layout: Layout,
    pub email: String,
    pub next: String,
    pub error: Option<String>,
    pub csrf_token: String,
}

/// `staff/home.html`.
#[derive(Debug, Serialize)]
pub struct StaffHomePage {
    #[serde(flatten)]
    pub layout: Layout,
    pub staff: Staff,
    pub role_key: String,
    pub department_names: Vec<String>,
    pub csrf_token: String,
}

pub(super) fn samples(
    layout: &Layout,
    m: &mut std::collections::HashMap<&'static str, serde_json::Value>,
) {
    let evil = "<b>escaped?</b>".to_string();
    let sign_in = SignInPage {
        layout: layout.clone(),
        email: evil.clone(),
        next: "/staff".into(),
        error: Some(evil.clone()),
        csrf_token: "t".into(),
    };
    let home = StaffHomePage {
        layout: layout.clone(),
        staff: Staff {
            id: 1,
            role: crate::domain::role::Role::Agent,
            name: evil.clone(),
            email: "a@b.org".into(),
            departments: vec![1],
        },
        role_key: "role-agent".into(),
        department_names: vec![evil],
        csrf_token: "t".into(),
    };
    m.insert(
        "staff/sign_in.html",
        serde_json::to_value(sign_in).expect("serialisable"),
    );
    m.insert(
        "staff/home.html",
        serde_json::to_value(home).expect("serialisable"),
    );
}
