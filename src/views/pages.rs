//! One page struct per template.

use std::collections::HashMap;

use serde::Serialize;

use super::Layout;
use crate::db::models::category::CatalogueEntry;
use crate::i18n::Locale;

/// `home.html`: the service catalogue, grouped.
#[derive(Debug, Serialize)]
pub struct HomePage {
    #[serde(flatten)]
    pub layout: Layout,
    pub groups: Vec<CatalogueGroup>,
    pub category_count: usize,
}

#[derive(Debug, Serialize)]
pub struct CatalogueGroup {
    pub name: String,
    pub anchor: String,
    pub categories: Vec<CatalogueEntry>,
}

impl CatalogueGroup {
    /// Groups entries already sorted by group name.
    pub fn group(entries: Vec<CatalogueEntry>) -> Vec<CatalogueGroup> {
        let mut groups: Vec<CatalogueGroup> = Vec::new();
        for entry in entries {
            match groups.last_mut() {
                Some(g) if g.name == entry.group_name => g.categories.push(entry),
                _ => groups.push(CatalogueGroup {
                    anchor: slugify(&entry.group_name),
                    name: entry.group_name.clone(),
                    categories: vec![entry],
                }),
            }
        }
        groups
    }
}

fn slugify(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// `errors/404.html`, `errors/500.html`, `errors/503.html`.
#[derive(Debug, Serialize)]
pub struct ErrorPage {
    #[serde(flatten)]
    pub layout: Layout,
    pub status: u16,
    /// Shown on 5xx pages so a citizen can quote it; never a stack trace.
    pub request_id: Option<String>,
}

pub(super) fn samples() -> HashMap<&'static str, serde_json::Value> {
    let layout = Layout::new(Locale::En, "Sample Council", "/", "Sample".into());
    let entry = |n: &str, g: &str| CatalogueEntry {
        slug: n.to_lowercase().replace(' ', "-"),
        name: n.into(),
        description: "<b>escaped?</b>".into(),
        group_name: g.into(),
        department: "Roads".into(),
    };
    let home = HomePage {
        layout: layout.clone(),
        groups: CatalogueGroup::group(vec![
            entry("Pothole", "Roads"),
            entry("Missed bin", "Waste"),
        ]),
        category_count: 2,
    };
    let error = |status| ErrorPage {
        layout: layout.clone(),
        status,
        request_id: Some("0000-sample".into()),
    };
    let mut m = HashMap::new();
    super::api_keys::samples(&layout, &mut m);
    super::citizen::samples(&layout, &mut m);
    super::staff::samples(&layout, &mut m);
    super::staff_accounts::samples(&layout, &mut m);
    super::staff_areas::samples(&layout, &mut m);
    super::staff_queues::samples(&layout, &mut m);
    super::staff_tickets::samples(&layout, &mut m);
    super::sla_admin::samples(&layout, &mut m);
    super::reports::samples(&layout, &mut m);
    m.insert(
        "home.html",
        serde_json::to_value(home).expect("serialisable"),
    );
    for (name, status) in [
        ("errors/404.html", 404),
        ("errors/500.html", 500),
        ("errors/503.html", 503),
    ] {
        m.insert(
            name,
            serde_json::to_value(error(status)).expect("serialisable"),
        );
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_consecutive_entries_and_slugifies() {
        assert_eq!(slugify("Roads & Transport"), "roads-transport");
        let e = |g: &str| CatalogueEntry {
            slug: "x".into(),
            name: "x".into(),
            description: String::new(),
            group_name: g.into(),
            department: String::new(),
        };
        let groups = CatalogueGroup::group(vec![e("A"), e("A"), e("B")]);
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].categories.len(), 2);
    }
}
