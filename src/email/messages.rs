//! The typed context of each email: one struct per template folder, filled in
//! by the code that sends it. Values arrive ready to show (dates formatted in
//! the recipient's language and zone); the templates only lay them out.

use std::collections::HashMap;

use serde::Serialize;

/// `ticket_received`: confirms to a citizen that their request arrived, gives
/// the reference to quote and the private link to follow it.
#[derive(Debug, Clone, Serialize)]
pub struct TicketReceived {
    pub council_name: String,
    pub citizen_name: String,
    /// e.g. `CD-2026-000123`, short enough to read out over the phone.
    pub reference: String,
    /// The citizen's private tracking page (it carries the secret token).
    pub tracking_url: String,
    /// The citizen's own subject line, shown back to them.
    pub subject: String,
    pub category: String,
    pub department: String,
    /// The SLA's first-response due instant, already formatted for the
    /// reader in the department's zone (with the zone); `None` leaves the
    /// promise out.
    pub respond_by: Option<String>,
    /// The resolution due instant, likewise.
    pub resolve_by: Option<String>,
}

impl TicketReceived {
    /// Its folder under `templates/email/`, also stored in `outbox.template`.
    pub const TEMPLATE: &'static str = "ticket_received";
}

/// `password_reset`: a single-use link for a staff member to choose a new
/// password, because they forgot theirs or because an administrator created
/// their account without one.
#[derive(Debug, Clone, Serialize)]
pub struct PasswordReset {
    pub council_name: String,
    pub staff_name: String,
    /// `PUBLIC_BASE_URL/staff/password-reset/<token>`: the token is the secret.
    pub reset_url: String,
    /// How long the link works.
    pub valid_minutes: i64,
    /// The account is new: "choose your password" rather than "reset it".
    pub new_account: bool,
}

impl PasswordReset {
    pub const TEMPLATE: &'static str = "password_reset";
}

/// `staff_reply`: a member of staff answered the citizen publicly; the
/// answer is in the email and on the tracking page.
#[derive(Debug, Clone, Serialize)]
pub struct StaffReply {
    pub council_name: String,
    pub citizen_name: String,
    pub reference: String,
    pub subject: String,
    pub department: String,
    /// The reply, as the member of staff wrote it.
    pub body: String,
    /// The page where the citizen finds a request by reference and email (the
    /// tracking token is not kept, so it cannot be linked to directly).
    pub lookup_url: String,
}

impl StaffReply {
    pub const TEMPLATE: &'static str = "staff_reply";
}

/// `ticket_merged`: the citizen's request was a duplicate and continues under
/// another reference.
#[derive(Debug, Clone, Serialize)]
pub struct TicketMerged {
    pub council_name: String,
    pub citizen_name: String,
    pub reference: String,
    pub subject: String,
    /// The reference the request continues under.
    pub surviving_reference: String,
    pub lookup_url: String,
}

impl TicketMerged {
    pub const TEMPLATE: &'static str = "ticket_merged";
}

/// `citizen_replied`: to the assignee, when the citizen adds to a ticket they hold.
#[derive(Debug, Clone, Serialize)]
pub struct CitizenReplied {
    pub council_name: String,
    pub staff_name: String,
    pub reference: String,
    pub subject: String,
    pub citizen_name: String,
    /// What the citizen wrote (may be empty when they only sent files).
    pub comment: String,
    pub attachments: usize,
    /// Whether the ticket went back to work because of it (it was waiting on them).
    pub resumed: bool,
    /// The ticket's staff page.
    pub ticket_url: String,
}

impl CitizenReplied {
    pub const TEMPLATE: &'static str = "citizen_replied";
}

/// `sla_alert`: to the assignee or a supervisor, when a ticket's SLA clock
/// passes a warning threshold or its target.
#[derive(Debug, Clone, Serialize)]
pub struct SlaAlert {
    pub council_name: String,
    pub staff_name: String,
    pub reference: String,
    pub subject: String,
    pub department: String,
    /// The clock's name in the recipient's language.
    pub clock: String,
    /// The breach (else a warning at `percent`).
    pub breach: bool,
    pub percent: i16,
    /// The due instant, formatted in the handling calendar's zone with the zone.
    pub due: String,
    /// "Overdue by 2 h" / "Due in 45 min", in words.
    pub state: String,
    /// What the escalation did besides this email (e.g. "priority raised to high").
    pub actions: String,
    /// They hold the ticket (else they supervise its department).
    pub assignee: bool,
    pub ticket_url: String,
}

impl SlaAlert {
    pub const TEMPLATE: &'static str = "sla_alert";
}

/// A sample context for every template, so a test can render each one in
/// every language (and a missing sample fails that test).
pub fn samples() -> HashMap<&'static str, serde_json::Value> {
    let ticket_received = TicketReceived {
        council_name: "Demo Borough Council".into(),
        citizen_name: "<b>escaped?</b>".into(),
        reference: "CD-2026-000123".into(),
        tracking_url: "http://127.0.0.1:8080/track/sample-token".into(),
        subject: "Bins not collected on Elm Road".into(),
        category: "Missed bin collection".into(),
        department: "Waste and Recycling".into(),
        respond_by: Some("4 Dec 2026, 10:00 GMT".into()),
        resolve_by: Some("18 Dec 2026, 12:30 GMT".into()),
    };
    let password_reset = PasswordReset {
        council_name: "Demo Borough Council".into(),
        staff_name: "<b>escaped?</b>".into(),
        reset_url: "http://127.0.0.1:8080/staff/password-reset/sample-token".into(),
        valid_minutes: 60,
        new_account: false,
    };
    let mut samples = HashMap::from([
        (
            TicketReceived::TEMPLATE,
            serde_json::to_value(ticket_received).expect("serialisable"),
        ),
        (
            PasswordReset::TEMPLATE,
            serde_json::to_value(password_reset).expect("serialisable"),
        ),
    ]);
    samples.extend(ticket_work_samples());
    samples
}

/// Samples of the emails staff work on tickets sends.
fn ticket_work_samples() -> HashMap<&'static str, serde_json::Value> {
    let staff_reply = StaffReply {
        council_name: "Demo Borough Council".into(),
        citizen_name: "<b>escaped?</b>".into(),
        reference: "CD-2026-000123".into(),
        subject: "Bins not collected on Elm Road".into(),
        department: "Waste and Recycling".into(),
        body: "We will collect it on Thursday.\n<script>x</script>".into(),
        lookup_url: "http://127.0.0.1:8080/track".into(),
    };
    let ticket_merged = TicketMerged {
        council_name: "Demo Borough Council".into(),
        citizen_name: "<b>escaped?</b>".into(),
        reference: "CD-2026-000124".into(),
        subject: "Bins again".into(),
        surviving_reference: "CD-2026-000123".into(),
        lookup_url: "http://127.0.0.1:8080/track".into(),
    };
    let citizen_replied = CitizenReplied {
        council_name: "Demo Borough Council".into(),
        staff_name: "Sam Agent".into(),
        reference: "CD-2026-000123".into(),
        subject: "Bins not collected on Elm Road".into(),
        citizen_name: "<b>escaped?</b>".into(),
        comment: "It is still not collected.".into(),
        attachments: 1,
        resumed: true,
        ticket_url: "http://127.0.0.1:8080/staff/tickets/CD-2026-000123".into(),
    };
    let sla_alert = SlaAlert {
        council_name: "Demo Borough Council".into(),
        staff_name: "Sam Agent".into(),
        reference: "CD-2026-000123".into(),
        subject: "<b>escaped?</b>".into(),
        department: "Waste and Recycling".into(),
        clock: "Resolution".into(),
        breach: true,
        percent: 75,
        due: "4 Dec 2026, 10:00 GMT".into(),
        state: "Overdue by 2 h".into(),
        actions: "Priority raised to high".into(),
        assignee: true,
        ticket_url: "http://127.0.0.1:8080/staff/tickets/CD-2026-000123".into(),
    };
    let value = |v: serde_json::Result<serde_json::Value>| v.expect("serialisable");
    HashMap::from([
        (
            StaffReply::TEMPLATE,
            value(serde_json::to_value(staff_reply)),
        ),
        (
            TicketMerged::TEMPLATE,
            value(serde_json::to_value(ticket_merged)),
        ),
        (
            CitizenReplied::TEMPLATE,
            value(serde_json::to_value(citizen_replied)),
        ),
        (SlaAlert::TEMPLATE, value(serde_json::to_value(sla_alert))),
        (
            WeeklyDigest::TEMPLATE,
            value(serde_json::to_value(WeeklyDigest {
                council_name: "Demo Borough Council".into(),
                staff_name: "<b>escaped?</b>".into(),
                week: "2026-W10".into(),
                from: "2 Mar 2026".into(),
                to: "8 Mar 2026".into(),
                scope: "Your departments: Roads.".into(),
                lines: vec![DigestLine {
                    label: "Received".into(),
                    value: "2".into(),
                    previous: "1".into(),
                }],
                breaches: 2,
                breach_departments: vec![DigestCount {
                    name: "Roads".into(),
                    count: 2,
                }],
                breach_tickets: vec![DigestTicket {
                    reference: "CD-2026-000002".into(),
                    category: "Pothole".into(),
                    department: "Roads".into(),
                    url: "http://127.0.0.1:8080/staff/tickets/CD-2026-000002".into(),
                }],
                more_tickets: true,
                dashboard_url: "http://127.0.0.1:8080/staff/reports?from=2026-03-02&to=2026-03-08"
                    .into(),
                account_url: "http://127.0.0.1:8080/staff/account".into(),
            })),
        ),
    ])
}

/// `weekly_digest`: a leader's or supervisor's headline figures for the
/// week (Monday to Sunday, council time) and its breaches. Leaders get
/// counts only; supervisors also the references of their departments'
/// tickets that breached.
#[derive(Debug, Clone, Serialize)]
pub struct WeeklyDigest {
    pub council_name: String,
    pub staff_name: String,
    /// e.g. `2026-W10`.
    pub week: String,
    /// The first and last day, formatted.
    pub from: String,
    pub to: String,
    /// Whose figures: "the whole council" or the supervisor's departments.
    pub scope: String,
    pub lines: Vec<DigestLine>,
    pub breaches: i64,
    /// Breaches per department (those with any).
    pub breach_departments: Vec<DigestCount>,
    /// Supervisors only: the tickets with a breach this week.
    pub breach_tickets: Vec<DigestTicket>,
    /// More breached tickets than listed.
    pub more_tickets: bool,
    /// The dashboard for the same week.
    pub dashboard_url: String,
    /// Where to stop these emails.
    pub account_url: String,
}

/// One headline figure: its name, this week's value, the week before's.
#[derive(Debug, Clone, Serialize)]
pub struct DigestLine {
    pub label: String,
    pub value: String,
    pub previous: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DigestCount {
    pub name: String,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct DigestTicket {
    pub reference: String,
    pub category: String,
    pub department: String,
    pub url: String,
}

impl WeeklyDigest {
    pub const TEMPLATE: &'static str = "weekly_digest";
}
