//! Page structs for working tickets: the ticket page and the canned-responses page.

use std::collections::BTreeMap;

use serde::Serialize;

use super::Layout;
use crate::staff::tickets::view::{ActionOptions, Choice, StaffTicketView};

/// `staff/tickets/show.html`: everything about one ticket, and a form for every action.
#[derive(Debug, Serialize)]
pub struct TicketPage {
    #[serde(flatten)]
    pub layout: Layout,
    pub ticket: StaffTicketView,
    pub options: ActionOptions,
    /// The department's canned responses (the "use" buttons).
    pub canned: Vec<Choice>,
    pub may_manage_canned: bool,
    pub staff_id: i64,
    pub csrf_token: String,
    /// What the last action did.
    pub flash: Option<String>,
    /// Why the last action did not happen.
    pub problem: Option<Problem>,
    /// Problems with fields, by field id (`<form>-<field>`), shown beside them.
    pub errors: BTreeMap<String, String>,
    /// What the person typed, kept when an action is refused.
    pub drafts: Drafts,
    /// Now in the council's zone, for the contact form's date (`YYYY-MM-DDTHH:MM`).
    pub now_local: String,
}

/// A refused action, told on the page that is shown again.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Problem {
    pub message: String,
    /// Someone else changed the ticket: the page now shows its current state.
    pub conflict: bool,
}

/// The text fields of the action forms.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Drafts {
    pub reply_body: String,
    pub note_body: String,
    pub transfer_department: String,
    pub transfer_reason: String,
    pub status_action: String,
    pub status_note: String,
    pub status_resolution_code: String,
    pub merge_into: String,
    pub contact_kind: String,
    pub contact_subject: String,
    pub contact_notes: String,
    pub contact_occurred_at: String,
    pub extend_minutes: String,
    pub extend_reason: String,
    /// The location form as typed (empty: the ticket's own location is shown).
    pub location: Option<LocationDraft>,
}

/// The "change location" form as typed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LocationDraft {
    pub address: String,
    pub latitude: String,
    pub longitude: String,
}

/// `staff/tickets/canned_responses.html`: a supervisor's or admin's list of
/// their departments' canned responses, with forms to add, change and delete.
#[derive(Debug, Serialize)]
pub struct CannedResponsesPage {
    #[serde(flatten)]
    pub layout: Layout,
    pub departments: Vec<Choice>,
    pub responses: Vec<CannedRow>,
    /// The one being changed (`?edit=`), or a new one being written again after an error.
    pub form: CannedForm,
    pub flash: Option<String>,
    pub problem: Option<Problem>,
    /// Problems with fields, by field id (`canned-<field>`).
    pub errors: BTreeMap<String, String>,
    pub csrf_token: String,
}

#[derive(Debug, Serialize)]
pub struct CannedRow {
    pub id: i64,
    pub department: String,
    pub title: String,
    pub body: String,
}

#[derive(Debug, Default, Serialize)]
pub struct CannedForm {
    /// `None`: a new response.
    pub id: Option<i64>,
    pub department_id: String,
    pub title: String,
    pub body: String,
}

/// One clock of each kind and urgency the page shows.
fn sample_clocks(at: chrono::DateTime<chrono::Utc>) -> Vec<crate::sla::display::SlaClockOut> {
    use crate::domain::sla::{ClockKind, ClockStatus};
    use crate::sla::display::{SlaClockOut, Urgency};
    let clock = |clock, status, urgency: Urgency, due_in: Option<i64>| SlaClockOut {
        clock,
        status,
        urgency,
        label_key: SlaClockOut::label_key_of(clock),
        urgency_key: urgency.message_key(),
        target_minutes: 600,
        extension_minutes: 60,
        elapsed_minutes: 200,
        remaining_minutes: 400,
        due_at: Some(at),
        due_in_minutes: due_in,
        met_at: (status == ClockStatus::Met).then_some(at),
        breached_at: (urgency == Urgency::Overdue).then_some(at),
        warned_percents: vec![50],
        time_zone: "Europe/London".into(),
        cycle: 2,
    };
    vec![
        clock(
            ClockKind::FirstResponse,
            ClockStatus::Met,
            Urgency::MetLate,
            None,
        ),
        clock(
            ClockKind::KeepInTouch,
            ClockStatus::Running,
            Urgency::Overdue,
            Some(-90),
        ),
        clock(
            ClockKind::Resolution,
            ClockStatus::Running,
            Urgency::DueSoon,
            Some(125),
        ),
    ]
}

pub(super) fn samples(
    layout: &Layout,
    m: &mut std::collections::HashMap<&'static str, serde_json::Value>,
) {
    use crate::domain::priority::Priority;
    use crate::domain::ticket::ResolutionCode;
    use crate::domain::ticket_status::{CitizenStatus, TicketStatus};
    use crate::staff::tickets::view::*;
    let evil = "<b>escaped?</b>".to_string();
    let at: chrono::DateTime<chrono::Utc> = "2026-11-22T10:00:00Z".parse().expect("a time");
    let event = |kind: &str, public: bool, data: serde_json::Value| StaffEvent {
        id: 1,
        kind: kind.into(),
        public,
        actor_kind: "staff".into(),
        actor_name: Some(evil.clone()),
        body: evil.clone(),
        data,
        created_at: at,
    };
    let ticket = StaffTicketView {
        state: TicketState {
            reference: "CD-2026-000123".into(),
            version: 3,
            status: TicketStatus::InProgress,
            priority: Priority::High,
            department: Named {
                id: 1,
                name: evil.clone(),
            },
            category: Named {
                id: 2,
                name: evil.clone(),
            },
            assignee: Some(Named {
                id: 7,
                name: evil.clone(),
            }),
            updated_at: at,
        },
        citizen_status: CitizenStatus::InProgress,
        kind: "complaint".into(),
        channel: "web".into(),
        subject: evil.clone(),
        description: evil.clone(),
        category_code: "missed-bin".into(),
        location: Location {
            address: Some(evil.clone()),
            latitude: Some(51.5),
            longitude: Some(-0.12),
            area: Some(crate::staff::tickets::view::AreaRef {
                id: 1,
                kind: "ward".into(),
                code: evil.clone(),
                name: evil.clone(),
            }),
        },
        extra_fields: vec![ExtraAnswer {
            code: "bin_type".into(),
            label: evil.clone(),
            value: evil.clone(),
        }],
        created_at: at,
        awaiting_staff_since: Some(at),
        resolution_code: Some(ResolutionCode::Fixed),
        resolution_note: Some(evil.clone()),
        resolved_at: Some(at),
        closed_at: Some(at),
        merged_into: Some("CD-2026-000100".into()),
        merged_from: vec!["CD-2026-000099".into()],
        citizen: CitizenOut {
            id: 1,
            name: evil.clone(),
            email: Some("ada@example.org".into()),
            phone: Some("+441632960001".into()),
            locale: "fa".into(),
        },
        other_requests: vec![OtherRequest {
            reference: "CD-2026-000001".into(),
            subject: evil.clone(),
            status: TicketStatus::Closed,
            department: evil.clone(),
            created_at: at,
        }],
        other_requests_elsewhere: 2,
        contact_log: vec![ContactLogOut {
            id: 1,
            kind: "call".into(),
            subject: evil.clone(),
            notes: evil.clone(),
            occurred_at: at,
            logged_by: evil.clone(),
            ticket: Some("CD-2026-000123".into()),
        }],
        timeline: vec![
            StaffEvent {
                actor_kind: "citizen".into(),
                ..event("submitted", true, serde_json::json!({ "channel": "web" }))
            },
            StaffEvent {
                actor_kind: "citizen".into(),
                ..event("citizen_comment", true, serde_json::json!({}))
            },
            event("public_reply", true, serde_json::json!({ "emailed": true })),
            event("internal_note", false, serde_json::json!({})),
            event(
                "location_changed",
                false,
                serde_json::json!({
                    "from": { "address": evil, "latitude": null, "longitude": null, "area": null },
                    "to": { "address": null, "latitude": 51.5, "longitude": -0.12,
                            "area": { "id": 1, "code": evil, "name": evil } },
                }),
            ),
            event("acknowledged", true, serde_json::json!({})),
            event(
                "status_changed",
                true,
                serde_json::json!({ "from": "new", "to": "closed", "resolution_code": "fixed" }),
            ),
            event(
                "assigned",
                false,
                serde_json::json!({ "from": null, "to": { "id": 7, "name": evil } }),
            ),
            event(
                "transferred",
                false,
                serde_json::json!({ "from": { "name": evil }, "to": { "name": evil } }),
            ),
            event(
                "priority_changed",
                false,
                serde_json::json!({ "from": "low", "to": "urgent" }),
            ),
            event(
                "category_changed",
                false,
                serde_json::json!({ "from": { "name": evil }, "to": { "name": evil } }),
            ),
            event(
                "merged_into",
                true,
                serde_json::json!({ "into": "CD-2026-000100" }),
            ),
            event(
                "merged_from",
                false,
                serde_json::json!({ "from": "CD-2026-000099" }),
            ),
            event(
                "contact_logged",
                false,
                serde_json::json!({ "kind": "visit", "subject": evil }),
            ),
            StaffEvent {
                actor_kind: "citizen".into(),
                ..event("withdrawn", true, serde_json::json!({}))
            },
            StaffEvent {
                actor_kind: "system".into(),
                actor_name: None,
                ..event(
                    "sla_updated",
                    false,
                    serde_json::json!({ "policy": evil, "clocks": [
                        { "clock": "resolution", "events": ["paused"], "status": "paused",
                          "target_minutes": 600, "due_at": null, "time_zone": "Europe/London" },
                        { "clock": "first_response", "events": ["met"], "status": "met",
                          "target_minutes": 60, "due_at": at, "time_zone": "Europe/London" }
                    ] }),
                )
            },
            StaffEvent {
                actor_kind: "system".into(),
                actor_name: None,
                ..event(
                    "sla_warning",
                    false,
                    serde_json::json!({ "clock": "resolution", "percent": 75, "due_at": at }),
                )
            },
            StaffEvent {
                actor_kind: "system".into(),
                actor_name: None,
                ..event(
                    "sla_breach",
                    false,
                    serde_json::json!({ "clock": "first_response", "percent": null, "due_at": at }),
                )
            },
            event(
                "sla_extended",
                true,
                serde_json::json!({ "clock": "resolution", "minutes": 510, "due_at": at, "time_zone": "Europe/London" }),
            ),
        ],
        attachments: vec![StaffAttachment {
            id: 1,
            filename: evil.clone(),
            content_type: "image/png".into(),
            size_bytes: 2048,
            public: true,
            created_at: at,
        }],
        holdings: vec![Holding {
            department: evil.clone(),
            started_at: at,
            ended_at: None,
        }],
        time_zone: "Europe/London".into(),
        sla: sample_clocks(at),
    };
    let choice = |v: &str| Choice {
        value: v.into(),
        label: evil.clone(),
    };
    let options = ActionOptions {
        status_actions: vec!["start_work", "resolve", "close", "reopen"],
        colleagues: vec![choice("7")],
        may_assign: true,
        departments: vec![choice("waste")],
        categories: vec![choice("missed-bin")],
        priorities: Priority::ALL.iter().map(|p| p.as_str()).collect(),
        resolution_codes: vec!["fixed", "no_action"],
        contact_kinds: vec!["call", "visit"],
        may_acknowledge: true,
        may_transfer: true,
        may_merge: true,
        extendable_clocks: vec!["resolution"],
    };
    let page = TicketPage {
        layout: layout.clone(),
        ticket,
        options,
        canned: vec![choice("1")],
        may_manage_canned: true,
        staff_id: 7,
        csrf_token: "t".into(),
        flash: Some(evil.clone()),
        problem: Some(Problem {
            message: evil.clone(),
            conflict: true,
        }),
        errors: BTreeMap::from([("reply-body".to_string(), evil.clone())]),
        drafts: Drafts {
            reply_body: evil.clone(),
            location: Some(LocationDraft {
                address: evil.clone(),
                latitude: evil.clone(),
                longitude: evil.clone(),
            }),
            ..Drafts::default()
        },
        now_local: "2026-11-22T10:00".into(),
    };
    let canned = CannedResponsesPage {
        layout: layout.clone(),
        departments: vec![choice("1")],
        responses: vec![CannedRow {
            id: 1,
            department: evil.clone(),
            title: evil.clone(),
            body: evil.clone(),
        }],
        form: CannedForm {
            id: Some(1),
            department_id: "1".into(),
            title: evil.clone(),
            body: evil.clone(),
        },
        flash: Some(evil.clone()),
        problem: Some(Problem {
            message: evil.clone(),
            conflict: false,
        }),
        errors: BTreeMap::from([("canned-title".to_string(), evil)]),
        csrf_token: "t".into(),
    };
    m.insert(
        "staff/tickets/show.html",
        serde_json::to_value(page).expect("serialisable"),
    );
    m.insert(
        "staff/tickets/canned_responses.html",
        serde_json::to_value(canned).expect("serialisable"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Locale;

    /// Keys the ticket page builds from data: each must exist in every language.
    fn data_keys() -> Vec<String> {
        use crate::domain::priority::Priority;
        use crate::domain::ticket::{Channel, ResolutionCode};
        use crate::domain::ticket_kind::TicketKind;
        use crate::domain::ticket_status::TicketStatus;
        use crate::staff::tickets::actions::{StatusChangeKind, CONTACT_KINDS};
        let dash = |s: &str| s.replace('_', "-");
        let mut keys = vec![];
        for s in TicketStatus::ALL {
            keys.push(format!("tickets-status-{}", dash(s.as_str())));
            let citizen = serde_json::to_value(s.citizen_status()).unwrap();
            keys.push(format!(
                "tickets-citizen-status-{}",
                dash(citizen.as_str().unwrap())
            ));
        }
        keys.extend(
            Priority::ALL
                .iter()
                .map(|p| format!("tickets-priority-{p}")),
        );
        keys.extend(Channel::ALL.iter().map(|c| format!("tickets-channel-{c}")));
        keys.extend(
            TicketKind::ALL
                .iter()
                .map(|k| format!("tickets-kind-{}", dash(k.as_str()))),
        );
        keys.extend(
            ResolutionCode::ALL
                .iter()
                .map(|c| format!("tickets-resolution-{}", dash(c.as_str()))),
        );
        keys.extend(
            CONTACT_KINDS
                .iter()
                .map(|k| format!("tickets-contact-kind-{k}")),
        );
        keys.extend(
            StatusChangeKind::ALL
                .iter()
                .map(|k| format!("tickets-status-action-{}", dash(k.as_str()))),
        );
        for kind in [
            "submitted",
            "citizen_comment",
            "withdrawn",
            "public_reply",
            "internal_note",
            "acknowledged",
            "status_changed",
            "assigned",
            "transferred",
            "priority_changed",
            "category_changed",
            "merged_into",
            "merged_from",
            "contact_logged",
            "location_changed",
        ] {
            keys.push(format!("tickets-event-{}", dash(kind)));
        }
        // The public ones, on the citizen's tracking page.
        for kind in [
            "acknowledged",
            "merged_into",
            "status_changed",
            "public_reply",
        ] {
            keys.push(format!("event-{}", dash(kind)));
        }
        for actor in ["citizen", "staff", "system"] {
            keys.push(format!("tickets-actor-{actor}"));
        }
        for locale in Locale::ALL {
            keys.push(format!("tickets-language-{}", locale.tag()));
        }
        keys
    }

    #[test]
    fn every_key_the_ticket_pages_build_from_data_exists_in_every_language() {
        for key in data_keys() {
            for locale in Locale::ALL {
                assert_ne!(locale.text(&key), key, "{key} is missing in {locale:?}");
            }
            assert_ne!(
                Locale::Fa.text(&key),
                Locale::En.text(&key),
                "{key} is not translated into Persian"
            );
        }
    }

    #[test]
    fn the_ticket_pages_show_no_raw_keys_in_either_language() {
        let templates = crate::views::Templates::load().unwrap();
        for locale in Locale::ALL {
            let layout = Layout::new(locale, "Council", "/staff", "Title".into());
            let mut m = std::collections::HashMap::new();
            samples(&layout, &mut m);
            for (name, page) in m {
                let html = templates.render(name, &page).unwrap();
                assert!(
                    !html.contains("tickets-"),
                    "{name} ({locale:?}) shows a raw key"
                );
                assert!(html.contains(&format!("lang=\"{}\"", locale.tag())));
            }
        }
    }

    #[test]
    fn every_persian_ticket_message_is_translated() {
        let read = |lang: &str| {
            std::fs::read_to_string(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join(format!("locales/{lang}/tickets.ftl")),
            )
            .unwrap()
        };
        let keys = |text: &str| -> Vec<String> {
            text.lines()
                .filter(|l| !l.starts_with(' ') && !l.starts_with('#'))
                .filter_map(|l| l.split_once(" =").map(|(k, _)| k.trim().to_string()))
                .collect()
        };
        let (en, fa) = (keys(&read("en")), keys(&read("fa")));
        let missing: Vec<_> = en.iter().filter(|k| !fa.contains(k)).collect();
        assert!(missing.is_empty(), "not in Persian: {missing:?}");
        let extra: Vec<_> = fa.iter().filter(|k| !en.contains(k)).collect();
        assert!(extra.is_empty(), "not in English: {extra:?}");
    }
}
