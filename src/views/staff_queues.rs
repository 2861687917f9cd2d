//! Page structs for the staff dashboard (`/staff`), the queue and search list
//! (`/staff/queue`) and intake (`/staff/intake`).

use std::collections::BTreeMap;

use serde::Serialize;

use super::Layout;
use crate::auth::policy::Staff;
use crate::domain::extra_fields::ExtraFieldDef;
use crate::sla::display::Urgency;
use crate::staff::intake::ContactMatch;
use crate::staff::queues::ListedTicket;

/// A ticket as a row of a queue table.
#[derive(Debug, Clone, Serialize)]
pub struct TicketRow {
    pub reference: String,
    /// The ticket page (`/staff/tickets/{reference}`).
    pub href: String,
    pub subject: String,
    pub status: &'static str,
    pub status_key: String,
    pub priority: &'static str,
    pub priority_key: String,
    pub category_name: String,
    pub department_name: String,
    pub assignee_name: Option<String>,
    pub assigned_to_me: bool,
    /// RFC 3339, for the `local_time` filter.
    pub updated_at: String,
    pub created_at: String,
    /// The citizen wrote and awaits an answer since then (RFC 3339).
    pub awaiting_staff_since: Option<String>,
    /// The earliest SLA due instant (RFC 3339), how far off it is, and how
    /// pressing (`on_track`, `due_soon`, `overdue`), with its message key.
    pub sla_due_at: Option<String>,
    pub sla_due_in_minutes: Option<i64>,
    pub sla_urgency: Option<&'static str>,
    pub sla_urgency_key: Option<&'static str>,
}

impl TicketRow {
    pub fn new(t: &ListedTicket, me: i64) -> Self {
        Self {
            href: format!("/staff/tickets/{}", t.reference),
            reference: t.reference.clone(),
            subject: t.subject.clone(),
            status: t.status.as_str(),
            status_key: format!("queues-status-{}", t.status.as_str().replace('_', "-")),
            priority: t.priority.as_str(),
            priority_key: format!("queues-priority-{}", t.priority.as_str()),
            category_name: t.category_name.clone(),
            department_name: t.department_name.clone(),
            assignee_name: t.assignee_name.clone(),
            assigned_to_me: t.assignee_id == Some(me),
            updated_at: t.updated_at.to_rfc3339(),
            created_at: t.created_at.to_rfc3339(),
            awaiting_staff_since: t.awaiting_staff_since.map(|t| t.to_rfc3339()),
            sla_due_at: t.sla_due_at.map(|t| t.to_rfc3339()),
            sla_due_in_minutes: t.sla_due_in_minutes,
            sla_urgency: t.sla_urgency.map(|u| match u {
                Urgency::Overdue => "overdue",
                Urgency::DueSoon => "due-soon",
                _ => "on-track",
            }),
            sla_urgency_key: t.sla_urgency.map(Urgency::message_key),
        }
    }
}

/// A named queue with its count, as a link.
#[derive(Debug, Clone, Serialize)]
pub struct QueueLink {
    pub queue: &'static str,
    pub label_key: String,
    pub hint_key: String,
    pub count: i64,
    /// The count stopped at its cap: say "more than".
    pub capped: bool,
    pub href: String,
    pub current: bool,
}

/// An option of a select, a radio or a checkbox: translated by key, or a name from the database.
#[derive(Debug, Clone, Serialize)]
pub struct Choice {
    pub value: String,
    pub label_key: Option<String>,
    pub label: String,
    pub selected: bool,
}

/// `staff/home.html`: the dashboard.
#[derive(Debug, Serialize)]
pub struct StaffDashboardPage {
    #[serde(flatten)]
    pub layout: Layout,
    pub staff: Staff,
    pub role_key: String,
    pub department_names: Vec<String>,
    pub csrf_token: String,
    /// Leaders and admins see no tickets, so no queues.
    pub works_tickets: bool,
    pub queues: Vec<QueueLink>,
    pub open_count: i64,
    /// `open_count` stopped at its cap: say "more than".
    pub open_capped: bool,
    pub mine: Vec<TicketRow>,
    pub mine_more: bool,
    pub unassigned: Vec<TicketRow>,
    pub unassigned_more: bool,
    /// Where times are shown (the council's zone).
    pub zone: String,
}

/// A select of the filter form ("any" first).
#[derive(Debug, Clone, Serialize)]
pub struct FilterSelect {
    /// The query parameter.
    pub name: &'static str,
    /// `queues-field-<name>`.
    pub label_key: String,
    /// The element id.
    pub id: String,
    pub choices: Vec<Choice>,
}

impl FilterSelect {
    pub fn new(name: &'static str, choices: Vec<Choice>) -> Self {
        Self {
            name,
            label_key: format!("queues-field-{name}"),
            id: format!("filter-{name}"),
            choices,
        }
    }
}

/// The filter form's state and options (all in the URL).
#[derive(Debug, Clone, Serialize, Default)]
pub struct FilterForm {
    pub queue: String,
    pub q: String,
    pub statuses: Vec<Choice>,
    /// kind, category, priority, channel, assignee, department: one select each.
    pub selects: Vec<FilterSelect>,
    pub created_from: String,
    pub created_to: String,
    pub sorts: Vec<Choice>,
}

/// `staff/queue.html`: a queue, a filtered list or search results.
#[derive(Debug, Serialize)]
pub struct StaffQueuePage {
    #[serde(flatten)]
    pub layout: Layout,
    pub heading_key: String,
    pub queues: Vec<QueueLink>,
    pub form: FilterForm,
    /// Why the filter could not be used (the list is then empty).
    pub error: Option<String>,
    pub error_field: Option<String>,
    pub rows: Vec<TicketRow>,
    pub matching: i64,
    /// `matching` stopped at its cap (it is the cap): say "more than".
    pub matching_capped: bool,
    pub searching: bool,
    pub next_href: Option<String>,
    pub first_href: Option<String>,
    pub zone: String,
}

/// The service chosen on the intake page, with what its form asks.
#[derive(Debug, Clone, Serialize)]
pub struct IntakeCategory {
    pub slug: String,
    pub name: String,
    pub department: String,
    pub requires_location: bool,
    pub kinds: Vec<Choice>,
    pub extra_fields: Vec<ExtraFieldDef>,
}

/// What was just created, shown at the top of a fresh intake page.
#[derive(Debug, Clone, Serialize)]
pub struct IntakeDone {
    pub reference: String,
    pub href: String,
    pub email_sent: bool,
}

/// `staff/intake.html`: find the citizen, choose the service, take the request.
#[derive(Debug, Serialize)]
pub struct IntakePage {
    #[serde(flatten)]
    pub layout: Layout,
    pub csrf_token: String,
    /// Sent with the form: sent twice, it makes one request.
    pub idempotency_key: String,
    pub done: Option<IntakeDone>,
    /// The look-up's text and results (`searched`: a look-up was made).
    pub lookup: String,
    pub searched: bool,
    pub matches: Vec<ContactMatch>,
    /// Links that keep the other choices.
    pub choose_hrefs: Vec<String>,
    /// The citizen picked, if any, and the link to pick someone else.
    pub contact: Option<ContactMatch>,
    pub clear_contact_href: String,
    pub categories: Vec<Choice>,
    pub category: Option<IntakeCategory>,
    pub channels: Vec<Choice>,
    /// What was typed, by field (multi-value lists: several).
    pub values: BTreeMap<String, Vec<String>>,
    /// Field → message, already translated.
    pub errors: BTreeMap<String, String>,
}

pub(super) fn samples(
    layout: &Layout,
    m: &mut std::collections::HashMap<&'static str, serde_json::Value>,
) {
    use crate::domain::priority::Priority;
    use crate::domain::ticket::Channel;
    use crate::domain::ticket_kind::TicketKind;
    use crate::domain::ticket_status::TicketStatus;

    let evil = "<b>escaped?</b>".to_string();
    let now = chrono::Utc::now();
    let listed = ListedTicket {
        reference: "CD-2026-000042".into(),
        subject: evil.clone(),
        status: TicketStatus::InProgress,
        priority: Priority::High,
        kind: TicketKind::Complaint,
        channel: Channel::Phone,
        category: "pothole".into(),
        category_name: evil.clone(),
        department: "roads".into(),
        department_name: evil.clone(),
        assignee_id: Some(1),
        assignee_name: Some(evil.clone()),
        created_at: now,
        updated_at: now,
        awaiting_staff_since: Some(now),
        sla_due_at: Some(now),
        sla_urgency: Some(Urgency::Overdue),
        sla_due_in_minutes: Some(-75),
    };
    let unassigned = ListedTicket {
        sla_urgency: Some(Urgency::DueSoon),
        sla_due_in_minutes: Some(30),
        assignee_id: None,
        assignee_name: None,
        awaiting_staff_since: None,
        status: TicketStatus::New,
        ..listed.clone()
    };
    let rows = vec![TicketRow::new(&listed, 1), TicketRow::new(&unassigned, 1)];
    let queue_links: Vec<QueueLink> = ["mine", "unassigned", "waiting", "recent"]
        .into_iter()
        .map(|q| QueueLink {
            queue: q,
            label_key: format!("queues-queue-{q}"),
            hint_key: format!("queues-queue-{q}-hint"),
            count: 3,
            capped: q == "recent",
            href: format!("/staff/queue?queue={q}"),
            current: q == "mine",
        })
        .collect();
    let choice = |v: &str, key: Option<String>| Choice {
        value: v.into(),
        label_key: key,
        label: evil.clone(),
        selected: true,
    };
    let dashboard = StaffDashboardPage {
        layout: layout.clone(),
        staff: Staff {
            id: 1,
            role: crate::domain::role::Role::Agent,
            name: evil.clone(),
            email: "a@b.org".into(),
            departments: vec![1],
        },
        role_key: "role-agent".into(),
        department_names: vec![evil.clone()],
        csrf_token: "t".into(),
        works_tickets: true,
        queues: queue_links.clone(),
        open_count: 12,
        open_capped: false,
        mine: rows.clone(),
        mine_more: true,
        unassigned: rows.clone(),
        unassigned_more: false,
        zone: "Europe/London".into(),
    };
    let form = FilterForm {
        queue: "mine".into(),
        q: evil.clone(),
        statuses: vec![choice("new", Some("queues-status-new".into()))],
        selects: vec![
            FilterSelect::new(
                "kind",
                vec![choice("complaint", Some("kind-complaint".into()))],
            ),
            FilterSelect::new("category", vec![choice("pothole", None)]),
            FilterSelect::new(
                "assignee",
                vec![
                    choice("me", Some("queues-assignee-me".into())),
                    choice("7", None),
                ],
            ),
        ],
        created_from: "2026-11-01".into(),
        created_to: "2026-11-22".into(),
        sorts: vec![choice("updated", Some("queues-sort-updated".into()))],
    };
    let queue = StaffQueuePage {
        layout: layout.clone(),
        heading_key: "queues-queue-mine".into(),
        queues: queue_links,
        form,
        error: Some(evil.clone()),
        error_field: Some("kind".into()),
        rows,
        matching: 2,
        matching_capped: false,
        searching: true,
        next_href: Some("/staff/queue?cursor=abc".into()),
        first_href: Some("/staff/queue".into()),
        zone: "Europe/London".into(),
    };
    let contact = ContactMatch {
        id: 3,
        name: evil.clone(),
        email: Some(evil.clone()),
        phone: Some("01632960001".into()),
        locale: "en".into(),
        requests: 2,
    };
    let mut values = BTreeMap::new();
    values.insert("subject".to_string(), vec![evil.clone()]);
    values.insert("extra.size".to_string(), vec!["small".to_string()]);
    let mut errors = BTreeMap::new();
    errors.insert("subject".to_string(), evil.clone());
    let intake = IntakePage {
        layout: layout.clone(),
        csrf_token: "t".into(),
        idempotency_key: "00000000-0000-4000-8000-000000000000".into(),
        done: Some(IntakeDone {
            reference: "CD-2026-000042".into(),
            href: "/staff/tickets/CD-2026-000042".into(),
            email_sent: true,
        }),
        lookup: evil.clone(),
        searched: true,
        matches: vec![contact.clone()],
        choose_hrefs: vec!["/staff/intake?contact=3".into()],
        contact: Some(contact),
        clear_contact_href: "/staff/intake".into(),
        categories: vec![choice("pothole", None)],
        category: Some(IntakeCategory {
            slug: "pothole".into(),
            name: evil.clone(),
            department: evil.clone(),
            requires_location: true,
            kinds: vec![
                choice("service_request", Some("kind-service-request".into())),
                choice("complaint", Some("kind-complaint".into())),
            ],
            extra_fields: crate::domain::extra_fields::ExtraFieldDef::parse_all(
                &serde_json::json!([
                    {"code": "size", "label": "<b>escaped?</b>", "datatype": "singlevaluelist", "required": true,
                     "values": [{"key": "small", "name": "Small"}]},
                    {"code": "depth_cm", "label": "Depth", "datatype": "number", "required": false},
                    {"code": "notes", "label": "Notes", "datatype": "text", "required": false}
                ]),
            )
            .expect("sample extra fields"),
        }),
        channels: vec![choice("phone", Some("queues-channel-phone".into()))],
        values,
        errors,
    };
    for (name, page) in [
        ("staff/home.html", serde_json::to_value(dashboard)),
        ("staff/queue.html", serde_json::to_value(queue)),
        ("staff/intake.html", serde_json::to_value(intake)),
    ] {
        m.insert(name, page.expect("serialisable"));
    }
}

#[cfg(test)]
mod tests {
    use crate::db::filters::{Queue, Sort};
    use crate::domain::priority::Priority;
    use crate::domain::ticket::Channel;
    use crate::domain::ticket_status::TicketStatus;

    fn keys(lang: &str) -> std::collections::BTreeSet<String> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("locales")
            .join(lang)
            .join("queues.ftl");
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .filter(|l| !l.starts_with([' ', '#']) && l.contains(" ="))
            .map(|l| l.split(" =").next().unwrap().to_string())
            .collect()
    }

    #[test]
    fn keys_built_from_data_exist_and_persian_is_complete() {
        let en = keys("en");
        let mut wanted: Vec<String> = Vec::new();
        for s in TicketStatus::ALL {
            wanted.push(format!("queues-status-{}", s.as_str().replace('_', "-")));
        }
        for p in Priority::ALL {
            wanted.push(format!("queues-priority-{}", p.as_str()));
        }
        for c in Channel::ALL {
            wanted.push(format!("queues-channel-{}", c.as_str()));
        }
        for q in Queue::NAMED {
            wanted.push(format!("queues-queue-{}", q.as_str()));
            wanted.push(format!("queues-queue-{}-hint", q.as_str()));
        }
        for s in [Sort::Updated, Sort::Created, Sort::Relevance] {
            wanted.push(format!("queues-sort-{}", s.as_str()));
        }
        wanted.push("queues-sort-default".into());
        for f in [
            "queue",
            "status",
            "kind",
            "category",
            "priority",
            "channel",
            "assignee",
            "department",
            "created-from",
            "created-to",
            "q",
            "sort",
            "cursor",
        ] {
            wanted.push(format!("queues-field-{f}"));
        }
        let missing: Vec<&String> = wanted.iter().filter(|k| !en.contains(*k)).collect();
        assert!(missing.is_empty(), "missing in en/queues.ftl: {missing:?}");
        let fa = keys("fa");
        let untranslated: Vec<&String> = en.difference(&fa).collect();
        assert!(
            untranslated.is_empty(),
            "missing in fa/queues.ftl: {untranslated:?}"
        );
    }
}
