//! Page struct for `/staff/admin/areas`: the areas, their ticket counts, the
//! latest imports and the import form.

use std::collections::HashMap;

use serde::Serialize;

use super::staff_accounts::StaffNav;
use super::Layout;

/// `staff/admin/areas.html`.
#[derive(Debug, Serialize)]
pub struct AreasPage {
    #[serde(flatten)]
    pub layout: Layout,
    pub nav: StaffNav,
    pub active: Vec<AreaRowView>,
    pub retired: Vec<AreaRowView>,
    pub unplaced: i64,
    pub without_coordinates: i64,
    pub recent: Vec<ImportRowView>,
    /// What the import just done changed (`?import=`), and how re-placing went.
    pub done: Option<String>,
    pub placement: Option<String>,
    /// Why the file was refused (nothing changed), one line per problem.
    pub problems: Vec<String>,
    pub form: ImportForm,
    /// The largest file, in words ("32 MB").
    pub max_size: String,
    pub csrf_token: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AreaRowView {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub vertex_count: i32,
    pub tickets: i64,
    /// Local time, `YYYY-MM-DD HH:MM`.
    pub updated: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ImportRowView {
    pub when: String,
    /// `areas-recent-source-*`
    pub source_key: String,
    pub by: Option<String>,
    pub file_name: Option<String>,
    pub summary: String,
}

/// The import form as typed (the file itself must be chosen again).
#[derive(Debug, Clone, Serialize)]
pub struct ImportForm {
    pub kind: String,
    pub name_property: String,
    pub code_property: String,
    pub text: String,
}

impl Default for ImportForm {
    fn default() -> Self {
        let o = crate::areas::geometry::ImportOptions::default();
        Self {
            kind: o.kind,
            name_property: o.name_property,
            code_property: o.code_property,
            text: String::new(),
        }
    }
}

pub(super) fn samples(layout: &Layout, m: &mut HashMap<&'static str, serde_json::Value>) {
    use crate::auth::policy::Staff;
    use crate::domain::role::Role;
    let evil = "<b>escaped?</b>".to_string();
    let staff = Staff {
        id: 1,
        role: Role::Admin,
        name: evil.clone(),
        email: "a@b.org".into(),
        departments: vec![],
    };
    let row = AreaRowView {
        code: evil.clone(),
        name: evil.clone(),
        kind: "ward".into(),
        vertex_count: 120,
        tickets: 42,
        updated: "2026-11-22 10:00".into(),
    };
    let page = AreasPage {
        layout: layout.clone(),
        nav: StaffNav::new(&staff, StaffNav::AREAS, "t"),
        active: vec![row.clone()],
        retired: vec![row],
        unplaced: 3,
        without_coordinates: 7,
        recent: vec![ImportRowView {
            when: "2026-11-22 10:00".into(),
            source_key: "areas-recent-source-admin".into(),
            by: Some(evil.clone()),
            file_name: Some(evil.clone()),
            summary: evil.clone(),
        }],
        done: Some(evil.clone()),
        placement: Some(evil.clone()),
        problems: vec![evil.clone()],
        form: ImportForm {
            text: evil.clone(),
            ..ImportForm::default()
        },
        max_size: "32 MB".into(),
        csrf_token: "t".into(),
    };
    m.insert(
        "staff/admin/areas.html",
        serde_json::to_value(page).expect("serialisable"),
    );
}
