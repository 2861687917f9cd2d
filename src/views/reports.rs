//! Page structs for the report pages: the dashboards (`/staff/reports`),
//! the tickets behind a number (`/staff/reports/tickets`) and the public
//! statistics (`/statistics`).

use std::collections::HashMap;

use serde::Serialize;

use super::staff_accounts::StaffNav;
use super::Layout;
use crate::reports::view::{Cell, Chart, Section, Table};

/// A choice in the period chooser.
#[derive(Debug, Clone, Serialize)]
pub struct PresetChoice {
    pub value: &'static str,
    pub label_key: String,
    pub href: String,
    pub current: bool,
}

/// The period chooser's state.
#[derive(Debug, Clone, Serialize)]
pub struct PeriodForm {
    /// The dates in the form (what was asked for, even if it was wrong).
    pub from: String,
    pub to: String,
    pub presets: Vec<PresetChoice>,
}

/// `staff/reports/dashboard.html`.
#[derive(Debug, Serialize)]
pub struct ReportsPage {
    #[serde(flatten)]
    pub layout: Layout,
    pub nav: StaffNav,
    /// `reports-title-leader`, `-supervisor`, `-agent`.
    pub heading_key: String,
    /// Whose figures, in words.
    pub scope_text: String,
    pub form: PeriodForm,
    /// "1 Mar 2026 to 31 Mar 2026", and the previous period likewise.
    pub period_text: String,
    pub previous_text: String,
    /// What the chosen preset covers, in words.
    pub preset_note_key: Option<String>,
    /// A bad period: the reason (the page is a 400 without figures).
    pub error: Option<String>,
    pub sections: Vec<Section>,
    /// `from=…&to=…`, for the CSV links.
    pub period_query: String,
    /// Numbers link to their tickets.
    pub drill: bool,
    pub zone: String,
}

/// A ticket behind a number.
#[derive(Debug, Clone, Serialize)]
pub struct DrillTicket {
    pub reference: String,
    pub href: String,
    pub subject: String,
    pub status_key: String,
    pub department: String,
    pub category: String,
    /// RFC 3339, for `local_time`.
    pub created_at: String,
    pub done_at: Option<String>,
}

/// `staff/reports/tickets.html`.
#[derive(Debug, Serialize)]
pub struct DrillPage {
    #[serde(flatten)]
    pub layout: Layout,
    pub nav: StaffNav,
    /// What is listed, in words: "Received, 1 Mar 2026 to 31 Mar 2026, Roads".
    pub heading: String,
    pub figure_key: String,
    pub total: i64,
    /// More than are listed.
    pub truncated: bool,
    pub tickets: Vec<DrillTicket>,
    pub back_href: String,
    /// The same list as CSV.
    pub csv_href: String,
    pub zone: String,
}

/// `statistics.html`: the public statistics.
#[derive(Debug, Serialize)]
pub struct StatisticsPage {
    #[serde(flatten)]
    pub layout: Layout,
    pub period_text: String,
    pub sections: Vec<Section>,
}

pub(super) fn samples(layout: &Layout, m: &mut HashMap<&'static str, serde_json::Value>) {
    let evil = "<b>escaped?</b>".to_string();
    let staff = crate::auth::policy::Staff {
        id: 1,
        role: crate::domain::role::Role::Supervisor,
        name: evil.clone(),
        email: "s@b.org".into(),
        departments: vec![1],
    };
    let nav = StaffNav::new(&staff, StaffNav::REPORTS, "t");
    let cell = |t: &str, href: Option<&str>| Cell {
        text: t.into(),
        csv: t.into(),
        href: href.map(str::to_string),
        num: false,
    };
    let section = Section {
        id: "trend".into(),
        title: evil.clone(),
        description: evil.clone(),
        chart: Some(Chart {
            id: "chart-trend".into(),
            title: evil.clone(),
            description: evil.clone(),
            svg: crate::reports::charts::bar_chart("c", "<b>escaped?</b>", "d", &[]),
        }),
        table: Table {
            id: "trend".into(),
            columns: vec![evil.clone(), "Received".into()],
            rows: vec![vec![
                cell("<b>escaped?</b>", None),
                cell("3", Some("/staff/reports/tickets?figure=received")),
            ]],
        },
    };
    let form = PeriodForm {
        from: "2026-03-01".into(),
        to: "2026-03-31".into(),
        presets: vec![PresetChoice {
            value: "7d",
            label_key: "reports-preset-7d".into(),
            href: "/staff/reports?preset=7d".into(),
            current: false,
        }],
    };
    let page = ReportsPage {
        layout: layout.clone(),
        nav: nav.clone(),
        heading_key: "reports-title-supervisor".into(),
        scope_text: evil.clone(),
        form,
        period_text: evil.clone(),
        previous_text: evil.clone(),
        preset_note_key: Some("reports-preset-note-7d".into()),
        error: Some(evil.clone()),
        sections: vec![section.clone()],
        period_query: "from=2026-03-01&to=2026-03-31".into(),
        drill: true,
        zone: "Europe/London".into(),
    };
    m.insert(
        "staff/reports/dashboard.html",
        serde_json::to_value(page).expect("serialisable"),
    );
    let drill = DrillPage {
        layout: layout.clone(),
        nav,
        heading: evil.clone(),
        figure_key: "reports-received".into(),
        total: 1,
        truncated: true,
        tickets: vec![DrillTicket {
            reference: "CD-2026-000001".into(),
            href: "/staff/tickets/CD-2026-000001".into(),
            subject: evil.clone(),
            status_key: "queues-status-new".into(),
            department: evil.clone(),
            category: evil.clone(),
            created_at: "2026-03-02T10:00:00+00:00".into(),
            done_at: Some("2026-03-03T10:00:00+00:00".into()),
        }],
        back_href: "/staff/reports".into(),
        csv_href: "/staff/reports/tickets?figure=received&format=csv".into(),
        zone: "Europe/London".into(),
    };
    m.insert(
        "staff/reports/tickets.html",
        serde_json::to_value(drill).expect("serialisable"),
    );
    let stats = StatisticsPage {
        layout: layout.clone(),
        period_text: evil,
        sections: vec![section],
    };
    m.insert(
        "statistics.html",
        serde_json::to_value(stats).expect("serialisable"),
    );
}
