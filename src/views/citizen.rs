//! Page structs for the citizen's pages: choosing a service, the form,
//! the confirmation, looking a request up, and following it.

use std::collections::BTreeMap;

use serde::Serialize;

use super::Layout;
use crate::domain::extra_fields::ExtraFieldDef;
use crate::requests::track::CitizenView;

/// A kind of request as offered on the choose page.
#[derive(Debug, Clone, Serialize)]
pub struct KindOption {
    pub value: &'static str,
    pub label_key: String,
    pub hint_key: String,
    pub selected: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ServiceLink {
    pub slug: String,
    pub name: String,
    pub description: String,
    /// Other words people use for it; the page's filter-as-you-type searches them too.
    pub keywords: String,
    pub href: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ServiceGroup {
    pub name: String,
    pub services: Vec<ServiceLink>,
}

/// `report/choose.html`.
#[derive(Debug, Serialize)]
pub struct ChoosePage {
    #[serde(flatten)]
    pub layout: Layout,
    pub kinds: Vec<KindOption>,
    pub kind: Option<String>,
    pub query: String,
    pub groups: Vec<ServiceGroup>,
    pub result_count: usize,
    /// "No services", "1 service", "2 services"... for every count up to
    /// `result_count`, so the filter-as-you-type script says the count in words
    /// with the language's own plural rules.
    pub count_texts: Vec<String>,
}

/// `report/form.html`: the form, empty or coming back with errors.
#[derive(Debug, Serialize)]
pub struct FormPage {
    #[serde(flatten)]
    pub layout: Layout,
    pub category_slug: String,
    pub category_name: String,
    pub category_description: String,
    pub department: String,
    pub requires_location: bool,
    pub kinds: Vec<KindOption>,
    pub extra_fields: Vec<ExtraFieldDef>,
    /// What the citizen typed, by field name (multi-value lists: several).
    pub values: BTreeMap<String, Vec<String>>,
    /// Error messages by field name, in the page's language.
    pub errors: BTreeMap<String, String>,
    /// The same messages in the order their fields come on the page, for the
    /// error summary (see [`errors_in_page_order`]).
    pub error_list: Vec<FieldError>,
    /// Problems with files, which cannot be kept on a failed submission.
    pub file_problems: Vec<String>,
    pub files_dropped: bool,
    pub csrf_token: String,
    /// Sent with the form: a second send of the same form finds the request
    /// the first made instead of making another.
    pub idempotency_key: String,
    pub max_files: usize,
    pub max_file_mb: usize,
    pub action: String,
}

/// One line of a form's error summary, linking to `#field-{field}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// The fields of `report/form.html`, top to bottom, with the category's extra
/// questions (`extra.CODE`) after the description. Keep in step with the template.
pub fn form_field_order(extra_fields: &[ExtraFieldDef]) -> Vec<String> {
    let mut order: Vec<String> = ["kind", "subject", "description"]
        .into_iter()
        .map(String::from)
        .collect();
    order.extend(extra_fields.iter().map(|f| format!("extra.{}", f.code)));
    order.extend(
        [
            "address",
            "latitude",
            "longitude",
            "attachments",
            "name",
            "email",
            "phone",
            "locale",
            "privacy_consent",
        ]
        .into_iter()
        .map(String::from),
    );
    order
}

/// Error messages in the order their fields come on the page, so that the
/// summary reads like the form; any field the order does not know goes last.
pub fn errors_in_page_order(
    errors: &BTreeMap<String, String>,
    extra_fields: &[ExtraFieldDef],
) -> Vec<FieldError> {
    let order = form_field_order(extra_fields);
    let position = |field: &str| order.iter().position(|f| f == field).unwrap_or(usize::MAX);
    let mut list: Vec<FieldError> = errors
        .iter()
        .map(|(field, message)| FieldError {
            field: field.clone(),
            message: message.clone(),
        })
        .collect();
    list.sort_by_key(|e| position(&e.field));
    list
}

/// `report/received.html`.
#[derive(Debug, Serialize)]
pub struct ReceivedPage {
    #[serde(flatten)]
    pub layout: Layout,
    pub reference: String,
    pub tracking_url: String,
    pub email_sent: bool,
    pub department: String,
    /// The form was sent again: this is the request it made the first time
    /// (its private link is in the email, and not shown again).
    pub already: bool,
}

/// `track/lookup.html`.
#[derive(Debug, Serialize)]
pub struct LookupPage {
    #[serde(flatten)]
    pub layout: Layout,
    pub reference: String,
    pub email: String,
    pub not_found: bool,
    pub csrf_token: String,
}

/// `track/request.html`.
#[derive(Debug, Serialize)]
pub struct RequestPage {
    #[serde(flatten)]
    pub layout: Layout,
    pub request: CitizenView,
    /// The tracking token, carried in this page's forms when access came by link.
    pub token: Option<String>,
    pub csrf_token: String,
    pub message: Option<String>,
    pub error: Option<String>,
    pub max_files: usize,
}

/// Sample values for the template test.
pub(super) fn samples(
    layout: &Layout,
    m: &mut std::collections::HashMap<&'static str, serde_json::Value>,
) {
    use crate::domain::ticket_status::CitizenStatus;
    use crate::requests::track::{PublicAttachment, PublicEvent};
    let evil = "<b>escaped?</b>".to_string();
    let kinds = vec![KindOption {
        value: "complaint",
        label_key: "kind-complaint".into(),
        hint_key: "kind-complaint-hint".into(),
        selected: true,
    }];
    let choose = ChoosePage {
        layout: layout.clone(),
        kinds: kinds.clone(),
        kind: Some("complaint".into()),
        query: evil.clone(),
        groups: vec![ServiceGroup {
            name: evil.clone(),
            services: vec![ServiceLink {
                slug: "x".into(),
                name: evil.clone(),
                description: evil.clone(),
                keywords: evil.clone(),
                href: "/report/x".into(),
            }],
        }],
        result_count: 1,
        count_texts: vec![evil.clone(), evil.clone()],
    };
    let defs: Vec<ExtraFieldDef> = serde_json::from_str(
        r#"[{"code":"a","label":"<b>escaped?</b>","datatype":"singlevaluelist","required":true,"values":[{"key":"k","name":"K"}]},
            {"code":"b","label":"B","datatype":"multivaluelist","values":[{"key":"k","name":"K"}]},
            {"code":"c","label":"C","datatype":"number"},{"code":"d","label":"D","datatype":"datetime"},
            {"code":"e","label":"E","datatype":"text"},{"code":"f","label":"F","datatype":"string"}]"#,
    )
    .expect("sample definitions");
    let mut values = BTreeMap::new();
    values.insert("subject".to_string(), vec![evil.clone()]);
    values.insert("extra.a".to_string(), vec!["k".to_string()]);
    let mut errors = BTreeMap::new();
    errors.insert("subject".to_string(), evil.clone());
    errors.insert("extra.a".to_string(), "Answer this".to_string());
    let form = FormPage {
        layout: layout.clone(),
        category_slug: "x".into(),
        category_name: evil.clone(),
        category_description: evil.clone(),
        department: evil.clone(),
        requires_location: true,
        kinds: vec![kinds[0].clone(), kinds[0].clone()],
        extra_fields: defs.clone(),
        values,
        error_list: errors_in_page_order(&errors, &defs),
        errors,
        file_problems: vec![evil.clone()],
        files_dropped: true,
        csrf_token: "t".into(),
        idempotency_key: "00000000-0000-4000-8000-000000000000".into(),
        max_files: 5,
        max_file_mb: 10,
        action: "/report/x".into(),
    };
    let received = ReceivedPage {
        layout: layout.clone(),
        reference: "CD-2026-000001".into(),
        tracking_url: "http://x/requests/CD-2026-000001?token=t".into(),
        email_sent: true,
        department: evil.clone(),
        already: false,
    };
    let lookup = LookupPage {
        layout: layout.clone(),
        reference: evil.clone(),
        email: evil.clone(),
        not_found: true,
        csrf_token: "t".into(),
    };
    let now = chrono::Utc::now();
    let view = CitizenView {
        reference: "CD-2026-000001".into(),
        kind: "complaint".into(),
        subject: evil.clone(),
        description: evil.clone(),
        category: evil.clone(),
        category_slug: "x".into(),
        department: evil.clone(),
        status: CitizenStatus::WaitingForYourReply,
        status_key: "status-waiting",
        address: Some(evil.clone()),
        latitude: Some(51.5),
        longitude: Some(-0.1),
        extra_fields: serde_json::json!({"bin": "<b>escaped?</b>", "kinds": ["a", "b"]}),
        extra_answers: vec![crate::requests::track::ExtraAnswer {
            label: evil.clone(),
            value: evil.clone(),
        }],
        created_at: now,
        updated_at: now,
        resolution_code: None,
        timeline: vec![PublicEvent {
            kind: "submitted".into(),
            actor: "citizen".into(),
            body: evil.clone(),
            created_at: now,
            data: serde_json::json!({}),
        }],
        attachments: vec![PublicAttachment {
            id: 1,
            filename: evil.clone(),
            content_type: "image/png".into(),
            size_bytes: 2048,
            created_at: now,
        }],
        can_comment: true,
        can_withdraw: true,
        time_zone: "Europe/London".into(),
        promise: crate::sla::display::Promise {
            respond_by: Some(now),
            resolve_by: Some(now),
            paused: true,
            time_zone: "Europe/London".into(),
        },
        continues_as: Some(crate::requests::track::Continuation {
            reference: "CD-2026-000002".into(),
            status: CitizenStatus::InProgress,
            status_key: "status-in-progress",
            updated_at: now,
            timeline: vec![PublicEvent {
                kind: "status_changed".into(),
                actor: "staff".into(),
                body: String::new(),
                created_at: now,
                data: serde_json::json!({"from": "received", "to": "in_progress", "to_key": "status-in-progress"}),
            }],
        }),
    };
    let request = RequestPage {
        layout: layout.clone(),
        request: view,
        token: Some("t".into()),
        csrf_token: "t".into(),
        message: Some(evil.clone()),
        error: None,
        max_files: 5,
    };
    m.insert(
        "report/choose.html",
        serde_json::to_value(choose).expect("serialisable"),
    );
    m.insert(
        "report/form.html",
        serde_json::to_value(form).expect("serialisable"),
    );
    m.insert(
        "report/received.html",
        serde_json::to_value(received).expect("serialisable"),
    );
    m.insert(
        "track/lookup.html",
        serde_json::to_value(lookup).expect("serialisable"),
    );
    m.insert(
        "track/request.html",
        serde_json::to_value(request).expect("serialisable"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_error_summary_follows_the_form_from_top_to_bottom() {
        let defs: Vec<ExtraFieldDef> = serde_json::from_str(
            r#"[{"code":"size","label":"Size","datatype":"string"},
                {"code":"depth","label":"Depth","datatype":"number"}]"#,
        )
        .unwrap();
        let errors: BTreeMap<String, String> = [
            "privacy_consent",
            "address",
            "extra.depth",
            "subject",
            "email",
            "extra.size",
            "kind",
            "description",
            "something_new",
        ]
        .into_iter()
        .map(|f| (f.to_string(), format!("{f}!")))
        .collect();
        let fields: Vec<String> = errors_in_page_order(&errors, &defs)
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "kind",
                "subject",
                "description",
                "extra.size",
                "extra.depth",
                "address",
                "email",
                "privacy_consent",
                "something_new"
            ]
        );
    }
}
