//! Page structs for the staff back office.

use serde::Serialize;

use super::Layout;

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

pub(super) fn samples(
    layout: &Layout,
    m: &mut std::collections::HashMap<&'static str, serde_json::Value>,
) {
    let evil = "<b>escaped?</b>".to_string();
    let sign_in = SignInPage {
        layout: layout.clone(),
        email: evil.clone(),
        next: "/staff".into(),
        error: Some(evil),
        csrf_token: "t".into(),
    };
    m.insert(
        "staff/sign_in.html",
        serde_json::to_value(sign_in).expect("serialisable"),
    );
}
