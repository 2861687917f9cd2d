//! Page structs for the administrators' SLA configuration: business
//! calendars (`/staff/admin/calendars`) and SLA policies
//! (`/staff/admin/sla-policies`, with the services → policy page).

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::citizen::FieldError;
use super::staff_accounts::{FormErrors, StaffNav};
use super::Layout;

/// The errors in the order of `order` (a field matches the first entry it
/// equals or starts with `entry.`); fields it does not know come last.
pub fn errors_in_order(errors: &BTreeMap<String, String>, order: &[&str]) -> Vec<FieldError> {
    let position = |field: &str| {
        order
            .iter()
            .position(|o| field == *o || field.starts_with(&format!("{o}.")))
            .unwrap_or(usize::MAX)
    };
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

/// An option of a `<select>` whose label is data.
#[derive(Debug, Clone, Serialize)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// An option or checkbox whose label is a message key.
#[derive(Debug, Clone, Serialize)]
pub struct KeyChoice {
    pub value: String,
    pub label_key: String,
    pub selected: bool,
}

// ---------------------------------------------------------------------------
// Calendars

/// One calendar in the list.
#[derive(Debug, Clone, Serialize)]
pub struct CalendarRow {
    pub name: String,
    pub href: String,
    pub time_zone: String,
    pub always_open: bool,
    pub interval_count: usize,
    pub holiday_count: usize,
    pub departments: Vec<String>,
    pub policies: Vec<String>,
}

/// `staff/admin/calendars.html`.
#[derive(Debug, Serialize)]
pub struct CalendarListPage {
    #[serde(flatten)]
    pub layout: Layout,
    pub nav: StaffNav,
    pub calendars: Vec<CalendarRow>,
    pub notice_key: Option<String>,
    pub csrf_token: String,
}

/// Name, zone and kind as shown in a form.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CalendarForm {
    pub name: String,
    pub time_zone: String,
    pub always_open: bool,
}

/// One weekday of the weekly-hours table (one interval per day; split
/// shifts are added on the calendar's page). Fields `hours.N.start` / `.end`.
#[derive(Debug, Clone, Serialize)]
pub struct HoursRow {
    /// ISO weekday, 1 = Monday.
    pub iso: i16,
    pub label_key: String,
    pub start: String,
    pub end: String,
}

/// `staff/admin/calendar_new.html`.
#[derive(Debug, Serialize)]
pub struct NewCalendarPage {
    #[serde(flatten)]
    pub layout: Layout,
    pub nav: StaffNav,
    pub form: CalendarForm,
    pub hours: Vec<HoursRow>,
    pub errors: FormErrors,
    pub error_list: Vec<FieldError>,
    pub csrf_token: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct IntervalRow {
    pub weekday_key: String,
    pub start: String,
    pub end: String,
    /// Ends on the following day.
    pub next_day: bool,
    pub whole_day: bool,
    pub remove_action: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct HolidayRow {
    pub name: String,
    /// `2026-12-25`, or `12-25` every year.
    pub date: String,
    pub every_year: bool,
    /// Closed from / to; none when closed all day.
    pub closed_from: Option<String>,
    pub closed_to: Option<String>,
    pub remove_action: String,
}

/// The add-an-interval form (fields `interval.weekday`, `.start`, `.end`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct IntervalForm {
    pub weekday: String,
    pub start: String,
    pub end: String,
}

/// The add-a-holiday form (fields `holiday.name`, `.date`, `.every_year`,
/// `.closed_from`, `.closed_to`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct HolidayForm {
    pub name: String,
    pub date: String,
    pub every_year: bool,
    pub closed_from: String,
    pub closed_to: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PeriodRow {
    pub start: String,
    pub end: String,
    /// e.g. "8 h 30 min".
    pub length: String,
}

/// What the calendar makes of a deadline, in its own zone.
#[derive(Debug, Clone, Serialize)]
pub struct PreviewView {
    pub zone: String,
    /// The `at` input's value (`YYYY-MM-DDTHH:MM`, local).
    pub at: String,
    /// The `hours` input's value.
    pub hours: String,
    pub arrived: String,
    pub open_now: bool,
    pub always_open: bool,
    /// `None`: not within twenty years.
    pub due: Option<String>,
    pub periods: Vec<PeriodRow>,
}

/// What uses a calendar.
#[derive(Debug, Clone, Serialize)]
pub struct UsageView {
    pub departments: Vec<String>,
    pub policies: Vec<String>,
    pub tickets: i64,
    pub unused: bool,
}

/// `staff/admin/calendar.html`: one calendar, its hours and holidays, a
/// preview, and the forms that change them.
#[derive(Debug, Serialize)]
pub struct CalendarPage {
    #[serde(flatten)]
    pub layout: Layout,
    pub nav: StaffNav,
    pub href: String,
    /// As stored.
    pub name: String,
    pub time_zone: String,
    pub always_open: bool,
    pub usage: UsageView,
    /// The details form's values (as typed, after a problem).
    pub details: CalendarForm,
    /// For a 24x7 calendar becoming weekly.
    pub hours: Vec<HoursRow>,
    pub intervals: Vec<IntervalRow>,
    pub holidays: Vec<HolidayRow>,
    pub interval_form: IntervalForm,
    pub holiday_form: HolidayForm,
    pub weekdays: Vec<KeyChoice>,
    pub preview: PreviewView,
    pub notice_key: Option<String>,
    pub errors: FormErrors,
    pub error_list: Vec<FieldError>,
    pub csrf_token: String,
}

// ---------------------------------------------------------------------------
// Policies

#[derive(Debug, Clone, Serialize)]
pub struct PolicyRow {
    pub name: String,
    pub href: String,
    pub first_response: String,
    pub keep_in_touch: Option<String>,
    pub resolution: String,
    /// e.g. "50%, 75%, 90%".
    pub warnings: String,
    /// `None`: the handling department's.
    pub calendar: Option<String>,
    /// Priorities with their own targets (message keys).
    pub override_keys: Vec<String>,
    pub category_count: usize,
}

/// `staff/admin/sla_policies.html`.
#[derive(Debug, Serialize)]
pub struct PolicyListPage {
    #[serde(flatten)]
    pub layout: Layout,
    pub nav: StaffNav,
    pub policies: Vec<PolicyRow>,
    pub notice_key: Option<String>,
    pub csrf_token: String,
}

/// The policy form's values, as stored or as typed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PolicyForm {
    pub name: String,
    pub description: String,
    pub first_response_minutes: String,
    pub keep_in_touch_minutes: String,
    pub resolution_minutes: String,
    /// e.g. "50, 75, 90".
    pub warning_percents: String,
    pub warning_actions: Vec<KeyChoice>,
    pub breach_actions: Vec<KeyChoice>,
    pub calendars: Vec<Choice>,
    pub departments: Vec<Choice>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OverrideRow {
    pub priority_key: String,
    pub first_response: String,
    pub keep_in_touch: Option<String>,
    pub resolution: String,
    pub remove_action: String,
}

/// The per-priority form (fields `override.priority`, `.first_response_minutes`, ...).
#[derive(Debug, Clone, Default, Serialize)]
pub struct OverrideForm {
    pub priorities: Vec<KeyChoice>,
    pub first_response_minutes: String,
    pub keep_in_touch_minutes: String,
    pub resolution_minutes: String,
}

/// `staff/admin/sla_policy.html`: a new policy, or one policy with its
/// per-priority targets.
#[derive(Debug, Serialize)]
pub struct PolicyPage {
    #[serde(flatten)]
    pub layout: Layout,
    pub nav: StaffNav,
    /// Where the main form posts.
    pub action: String,
    /// Editing (not creating): the page also has overrides and deletion.
    pub editing: bool,
    pub href: String,
    pub heading: String,
    pub form: PolicyForm,
    pub overrides: Vec<OverrideRow>,
    pub override_form: OverrideForm,
    pub categories: Vec<String>,
    pub tickets: i64,
    pub notice_key: Option<String>,
    pub errors: FormErrors,
    pub error_list: Vec<FieldError>,
    pub csrf_token: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CategoryRow {
    /// The select's name, `category.ID`.
    pub field: String,
    pub name: String,
    pub department: String,
    pub active: bool,
    pub policies: Vec<Choice>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CategoryGroup {
    pub name: String,
    pub categories: Vec<CategoryRow>,
}

/// `staff/admin/sla_categories.html`: which policy each service uses.
#[derive(Debug, Serialize)]
pub struct CategoriesPage {
    #[serde(flatten)]
    pub layout: Layout,
    pub nav: StaffNav,
    pub groups: Vec<CategoryGroup>,
    pub notice_key: Option<String>,
    pub errors: FormErrors,
    pub error_list: Vec<FieldError>,
    pub csrf_token: String,
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
    let nav = StaffNav::new(&staff, StaffNav::CALENDARS, "t");
    let errors: FormErrors = [
        ("name".to_string(), evil.clone()),
        ("hours.1.start".to_string(), evil.clone()),
        ("interval.end".to_string(), evil.clone()),
        ("holiday.date".to_string(), evil.clone()),
        ("override.resolution_minutes".to_string(), evil.clone()),
        ("category.3".to_string(), evil.clone()),
        ("delete".to_string(), evil.clone()),
    ]
    .into();
    let error_list = errors_in_order(&errors, &["name"]);
    let choice = |v: &str| Choice {
        value: v.into(),
        label: evil.clone(),
        selected: true,
    };
    let key_choice = |v: &str| KeyChoice {
        value: v.into(),
        label_key: "sla-admin-weekday-1".into(),
        selected: true,
    };
    let hours = vec![HoursRow {
        iso: 1,
        label_key: "sla-admin-weekday-1".into(),
        start: evil.clone(),
        end: evil.clone(),
    }];
    let form = CalendarForm {
        name: evil.clone(),
        time_zone: evil.clone(),
        always_open: false,
    };
    let usage = UsageView {
        departments: vec![evil.clone()],
        policies: vec![evil.clone()],
        tickets: 3,
        unused: false,
    };
    let calendar = CalendarPage {
        layout: layout.clone(),
        nav: nav.clone(),
        href: "/staff/admin/calendars/1".into(),
        name: evil.clone(),
        time_zone: evil.clone(),
        always_open: true,
        usage,
        details: form.clone(),
        hours: hours.clone(),
        intervals: vec![IntervalRow {
            weekday_key: "sla-admin-weekday-5".into(),
            start: evil.clone(),
            end: evil.clone(),
            next_day: true,
            whole_day: false,
            remove_action: "/x".into(),
        }],
        holidays: vec![HolidayRow {
            name: evil.clone(),
            date: evil.clone(),
            every_year: true,
            closed_from: Some(evil.clone()),
            closed_to: Some(evil.clone()),
            remove_action: "/x".into(),
        }],
        interval_form: IntervalForm {
            weekday: "1".into(),
            start: evil.clone(),
            end: evil.clone(),
        },
        holiday_form: HolidayForm {
            name: evil.clone(),
            date: evil.clone(),
            every_year: true,
            closed_from: evil.clone(),
            closed_to: evil.clone(),
        },
        weekdays: vec![key_choice("1")],
        preview: PreviewView {
            zone: evil.clone(),
            at: evil.clone(),
            hours: evil.clone(),
            arrived: evil.clone(),
            open_now: false,
            always_open: false,
            due: Some(evil.clone()),
            periods: vec![PeriodRow {
                start: evil.clone(),
                end: evil.clone(),
                length: evil.clone(),
            }],
        },
        notice_key: Some("sla-admin-done-saved".into()),
        errors: errors.clone(),
        error_list: error_list.clone(),
        csrf_token: "t".into(),
    };
    let policy_form = PolicyForm {
        name: evil.clone(),
        description: evil.clone(),
        first_response_minutes: evil.clone(),
        keep_in_touch_minutes: evil.clone(),
        resolution_minutes: evil.clone(),
        warning_percents: evil.clone(),
        warning_actions: vec![KeyChoice {
            value: "notify_assignee".into(),
            label_key: "sla-admin-action-notify_assignee".into(),
            selected: true,
        }],
        breach_actions: vec![KeyChoice {
            value: "move_department".into(),
            label_key: "sla-admin-action-move_department".into(),
            selected: false,
        }],
        calendars: vec![choice("1")],
        departments: vec![choice("roads")],
    };
    let pages: [(&'static str, serde_json::Result<serde_json::Value>); 6] = [
        (
            "staff/admin/calendars.html",
            serde_json::to_value(CalendarListPage {
                layout: layout.clone(),
                nav: nav.clone(),
                calendars: vec![CalendarRow {
                    name: evil.clone(),
                    href: "/staff/admin/calendars/1".into(),
                    time_zone: evil.clone(),
                    always_open: false,
                    interval_count: 5,
                    holiday_count: 8,
                    departments: vec![evil.clone()],
                    policies: vec![evil.clone()],
                }],
                notice_key: Some("sla-admin-done-deleted".into()),
                csrf_token: "t".into(),
            }),
        ),
        (
            "staff/admin/calendar_new.html",
            serde_json::to_value(NewCalendarPage {
                layout: layout.clone(),
                nav: nav.clone(),
                form,
                hours,
                errors: errors.clone(),
                error_list: error_list.clone(),
                csrf_token: "t".into(),
            }),
        ),
        ("staff/admin/calendar.html", serde_json::to_value(calendar)),
        (
            "staff/admin/sla_policies.html",
            serde_json::to_value(PolicyListPage {
                layout: layout.clone(),
                nav: nav.clone(),
                policies: vec![PolicyRow {
                    name: evil.clone(),
                    href: "/staff/admin/sla-policies/1".into(),
                    first_response: evil.clone(),
                    keep_in_touch: Some(evil.clone()),
                    resolution: evil.clone(),
                    warnings: evil.clone(),
                    calendar: Some(evil.clone()),
                    override_keys: vec!["sla-admin-priority-urgent".into()],
                    category_count: 3,
                }],
                notice_key: Some("sla-admin-done-deleted".into()),
                csrf_token: "t".into(),
            }),
        ),
        (
            "staff/admin/sla_policy.html",
            serde_json::to_value(PolicyPage {
                layout: layout.clone(),
                nav: nav.clone(),
                action: "/staff/admin/sla-policies/1".into(),
                editing: true,
                href: "/staff/admin/sla-policies/1".into(),
                heading: evil.clone(),
                form: policy_form,
                overrides: vec![OverrideRow {
                    priority_key: "sla-admin-priority-urgent".into(),
                    first_response: evil.clone(),
                    keep_in_touch: None,
                    resolution: evil.clone(),
                    remove_action: "/x".into(),
                }],
                override_form: OverrideForm {
                    priorities: vec![KeyChoice {
                        value: "urgent".into(),
                        label_key: "sla-admin-priority-urgent".into(),
                        selected: true,
                    }],
                    first_response_minutes: evil.clone(),
                    keep_in_touch_minutes: evil.clone(),
                    resolution_minutes: evil.clone(),
                },
                categories: vec![evil.clone()],
                tickets: 2,
                notice_key: Some("sla-admin-done-saved".into()),
                errors: errors.clone(),
                error_list: error_list.clone(),
                csrf_token: "t".into(),
            }),
        ),
        (
            "staff/admin/sla_categories.html",
            serde_json::to_value(CategoriesPage {
                layout: layout.clone(),
                nav,
                groups: vec![CategoryGroup {
                    name: evil.clone(),
                    categories: vec![CategoryRow {
                        field: "category.3".into(),
                        name: evil.clone(),
                        department: evil.clone(),
                        active: false,
                        policies: vec![choice("")],
                    }],
                }],
                notice_key: Some("sla-admin-done-assigned".into()),
                errors,
                error_list,
                csrf_token: "t".into(),
            }),
        ),
    ];
    for (name, page) in pages {
        m.insert(name, page.expect("serialisable"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_follow_the_form() {
        let errors: BTreeMap<String, String> = [
            ("zzz".to_string(), "z".to_string()),
            ("resolution_minutes".to_string(), "r".to_string()),
            ("hours.2.end".to_string(), "h".to_string()),
            ("name".to_string(), "n".to_string()),
        ]
        .into();
        let fields: Vec<String> =
            errors_in_order(&errors, &["name", "hours", "resolution_minutes"])
                .into_iter()
                .map(|e| e.field)
                .collect();
        assert_eq!(fields, ["name", "hours.2.end", "resolution_minutes", "zzz"]);
    }
}
