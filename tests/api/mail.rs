//! Email through the outbox, delivered over real SMTP to the app's capture
//! server (or written as .eml files), never through a mock.

use std::collections::HashSet;
use std::sync::{Arc, Barrier};
use std::time::Duration;

use chrono::{DateTime, Utc};
use civicdesk::db::models::outbox::OutboxRow;
use civicdesk::email::messages::TicketReceived;
use civicdesk::email::{enqueue, Mailer};
use civicdesk::i18n::Locale;
use civicdesk::jobs::{deliver_due, run_outbox_worker, DeliveryReport};
use civicdesk::schema::outbox;
use diesel::prelude::*;

use crate::helpers::{spawn_app, TestApp};
use crate::smtp_capture::CapturedEmail;

fn ticket(subject: &str) -> TicketReceived {
    TicketReceived {
        council_name: "Demo Borough Council".into(),
        citizen_name: "Jo Bloggs".into(),
        reference: "CD-2026-000042".into(),
        tracking_url: "http://127.0.0.1:8080/track/secret-token".into(),
        subject: subject.into(),
        category: "Missed bin collection".into(),
        department: "Waste and Recycling".into(),
        respond_by: Some("Friday 4 December 2026".into()),
        resolve_by: None,
    }
}

/// Queues a ticket_received email to each recipient, in one transaction as a
/// use case would; returns the outbox ids.
fn queue(app: &TestApp, recipients: &[String], locale: Locale, subject: &str) -> Vec<i64> {
    let email = app
        .email_templates
        .render(TicketReceived::TEMPLATE, locale, &ticket(subject))
        .expect("rendering");
    let domain = app.mail_domain();
    let mut conn = app.conn();
    conn.transaction(|conn| {
        recipients
            .iter()
            .map(|to| enqueue(conn, TicketReceived::TEMPLATE, to, &email, None, &domain))
            .collect::<QueryResult<Vec<i64>>>()
    })
    .expect("queueing")
}

fn citizens(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("citizen{i}@example.org")).collect()
}

fn rows(app: &TestApp) -> Vec<OutboxRow> {
    outbox::table
        .order(outbox::id)
        .select(OutboxRow::as_select())
        .load(&mut app.conn())
        .expect("reading the outbox")
}

fn message_ids(emails: &[CapturedEmail]) -> HashSet<String> {
    emails.iter().map(|e| e.message_id.clone()).collect()
}

/// Postgres keeps microseconds; compare times at that precision.
fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

#[tokio::test]
async fn an_enqueued_email_is_delivered_once_with_both_parts_and_its_message_id() {
    let app = spawn_app().await;
    let ids = queue(&app, &["jo@example.org".into()], Locale::En, "Bins");
    assert_eq!(app.emails().len(), 0, "queueing sends nothing");

    let report = app.run_pending_jobs();
    assert_eq!(report, DeliveryReport { sent: 1, failed: 0 });
    let emails = app.emails();
    assert_eq!(emails.len(), 1);
    let email = &emails[0];
    let row = &rows(&app)[0];
    assert_eq!(row.id, ids[0]);
    assert_eq!(email.envelope_from, "no-reply@civicdesk.invalid");
    assert_eq!(email.envelope_to, vec!["jo@example.org".to_string()]);
    assert_eq!(email.to, "jo@example.org");
    assert_eq!(email.from, "no-reply@civicdesk.invalid");
    assert_eq!(
        email.subject,
        "We have received your request CD-2026-000042"
    );
    assert_eq!(email.message_id, row.message_id);
    assert!(
        row.message_id.ends_with("@127.0.0.1>"),
        "{}",
        row.message_id
    );
    assert!(email.has_date);
    assert_eq!(email.content_type, "multipart/alternative");
    assert!(email.text.contains("CD-2026-000042"), "{}", email.text);
    assert!(email
        .text
        .contains("http://127.0.0.1:8080/track/secret-token"));
    assert!(email.html.contains("CD-2026-000042"), "{}", email.html);
    assert!(email.html.contains(r#"dir="ltr""#));
    assert!(row.sent_at.is_some());
    assert_eq!(row.attempts, 1);

    // Sent means done: later runs send nothing again.
    assert_eq!(app.run_pending_jobs(), DeliveryReport::default());
    assert_eq!(
        app.run_pending_jobs_at(Utc::now() + chrono::Duration::days(1)),
        DeliveryReport::default()
    );
    assert_eq!(app.emails().len(), 1);
}

#[tokio::test]
async fn an_email_queued_in_a_rolled_back_transaction_is_never_sent() {
    let app = spawn_app().await;
    let email = app
        .email_templates
        .render(TicketReceived::TEMPLATE, Locale::En, &ticket("Bins"))
        .unwrap();
    let mut conn = app.conn();
    let result: Result<(), diesel::result::Error> = conn.transaction(|conn| {
        enqueue(
            conn,
            TicketReceived::TEMPLATE,
            "jo@example.org",
            &email,
            None,
            "127.0.0.1",
        )?;
        // The change that caused the email fails: both go.
        Err(diesel::result::Error::RollbackTransaction)
    });
    assert!(result.is_err());
    assert_eq!(app.run_pending_jobs(), DeliveryReport::default());
    assert!(rows(&app).is_empty());
    assert!(app.emails().is_empty());
}

#[tokio::test]
async fn smtp_down_records_failures_then_every_email_is_delivered_exactly_once() {
    let mut app = spawn_app().await;
    queue(&app, &citizens(3), Locale::En, "Bins");
    app.smtp.stop();

    let t0 = Utc::now();
    assert_eq!(
        app.run_pending_jobs_at(t0),
        DeliveryReport { sent: 0, failed: 3 }
    );
    for row in rows(&app) {
        assert_eq!(row.attempts, 1);
        assert!(row.sent_at.is_none(), "nothing is marked sent");
        let error = row.last_error.as_deref().expect("the error is recorded");
        assert!(error.starts_with("SMTP"), "{error}");
        assert_eq!(
            micros(row.next_attempt_at),
            micros(t0 + chrono::Duration::seconds(30))
        );
    }

    // Not due again until the backoff has passed.
    let t1 = t0 + chrono::Duration::seconds(10);
    assert_eq!(app.run_pending_jobs_at(t1), DeliveryReport::default());

    // Still down: the wait doubles, nothing is dropped.
    let t2 = t0 + chrono::Duration::seconds(31);
    assert_eq!(
        app.run_pending_jobs_at(t2),
        DeliveryReport { sent: 0, failed: 3 }
    );
    for row in rows(&app) {
        assert_eq!(row.attempts, 2);
        assert_eq!(
            micros(row.next_attempt_at),
            micros(t2 + chrono::Duration::seconds(60))
        );
    }
    assert!(app.emails().is_empty());

    // Back up: everything goes, once.
    app.smtp.restart();
    let t3 = t2 + chrono::Duration::seconds(61);
    assert_eq!(
        app.run_pending_jobs_at(t3),
        DeliveryReport { sent: 3, failed: 0 }
    );
    let later = t3 + chrono::Duration::hours(2);
    assert_eq!(app.run_pending_jobs_at(later), DeliveryReport::default());

    let emails = app.emails();
    assert_eq!(emails.len(), 3);
    let rows = rows(&app);
    let expected: HashSet<String> = rows.iter().map(|r| r.message_id.clone()).collect();
    assert_eq!(message_ids(&emails), expected);
    let recipients: HashSet<String> = emails.iter().map(|e| e.to.clone()).collect();
    assert_eq!(recipients, citizens(3).into_iter().collect());
    for row in rows {
        assert_eq!(row.attempts, 3);
        assert_eq!(row.sent_at.map(micros), Some(micros(t3)));
    }
}

#[tokio::test]
async fn two_workers_racing_deliver_each_email_exactly_once() {
    let app = spawn_app().await;
    queue(&app, &citizens(50), Locale::En, "Bins");

    let start = Arc::new(Barrier::new(2));
    let sent: Vec<usize> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..2)
            .map(|_| {
                let (start, mailer, mut conn) = (start.clone(), app.mailer.clone(), app.conn());
                s.spawn(move || {
                    start.wait();
                    let mut sent = 0;
                    loop {
                        let report = deliver_due(&mut conn, &mailer, Utc::now(), 7).unwrap();
                        assert_eq!(report.failed, 0);
                        if report.total() == 0 {
                            return sent;
                        }
                        sent += report.sent;
                    }
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });

    assert_eq!(sent.iter().sum::<usize>(), 50, "{sent:?}");
    let emails = app.emails();
    assert_eq!(emails.len(), 50);
    assert_eq!(message_ids(&emails).len(), 50, "no email went twice");
    for row in rows(&app) {
        assert!(row.sent_at.is_some());
        assert_eq!(row.attempts, 1, "row {} was taken twice", row.id);
    }
}

#[tokio::test]
async fn the_file_backend_writes_parseable_eml_files() {
    let app = spawn_app().await;
    let mut smtp = app.settings.smtp.clone();
    smtp.host = None;
    let dir = app.data_dir.join("mail");
    let files = Mailer::new(app.settings.environment, &smtp, dir.clone()).unwrap();
    queue(&app, &citizens(2), Locale::En, "Bins");

    let report = deliver_due(&mut app.conn(), &files, Utc::now(), 10).unwrap();
    assert_eq!(report, DeliveryReport { sent: 2, failed: 0 });
    assert!(app.emails().is_empty(), "nothing went over SMTP");

    let mut written: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    written.sort();
    assert_eq!(written.len(), 2, "{written:?}");
    let mut ids = HashSet::new();
    for path in written {
        assert_eq!(path.extension().unwrap(), "eml", "{path:?}");
        let email = CapturedEmail::parse(String::new(), Vec::new(), &std::fs::read(&path).unwrap());
        assert_eq!(email.content_type, "multipart/alternative");
        assert!(email.to.starts_with("citizen"));
        assert!(email.text.contains("CD-2026-000042"));
        assert!(email.html.contains("CD-2026-000042"));
        assert!(email.has_date);
        ids.insert(email.message_id);
    }
    let expected: HashSet<String> = rows(&app).into_iter().map(|r| r.message_id).collect();
    assert_eq!(ids, expected);
}

#[tokio::test]
async fn ticket_received_is_escaped_in_html_and_verbatim_in_text() {
    let app = spawn_app().await;
    let hostile = r#"<script>alert("hi")</script> & <b>bold</b>"#;
    queue(&app, &["jo@example.org".into()], Locale::En, hostile);
    app.run_pending_jobs();
    let email = &app.emails()[0];
    assert!(email.text.contains(hostile), "{}", email.text);
    assert!(!email.html.contains("<script>"), "{}", email.html);
    assert!(!email.html.contains("<b>bold"), "{}", email.html);
    assert!(email.html.contains("&lt;script&gt;"), "{}", email.html);
    assert!(email.html.contains("&amp; &lt;b&gt;bold"), "{}", email.html);
}

#[tokio::test]
async fn ticket_received_in_persian_is_right_to_left() {
    let app = spawn_app().await;
    queue(&app, &["jo@example.org".into()], Locale::Fa, "Bins");
    app.run_pending_jobs();
    let email = &app.emails()[0];
    assert!(email.subject.contains("درخواست شما"), "{}", email.subject);
    assert!(email.subject.contains("CD-2026-000042"));
    assert!(
        email.html.contains(r#"<html lang="fa" dir="rtl">"#),
        "{}",
        email.html
    );
    assert!(email.html.contains("سپاسگزاریم"));
    assert!(email.text.contains("سپاسگزاریم"), "{}", email.text);
    assert!(email.text.contains("Jo Bloggs گرامی"), "{}", email.text);
}

#[tokio::test]
async fn the_outbox_worker_delivers_in_the_background_and_stops_when_asked() {
    let app = spawn_app().await;
    let pool = civicdesk::db::build_pool(&app.db_url, 2, Duration::from_secs(5));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let worker = tokio::spawn(run_outbox_worker(
        pool,
        app.mailer.clone(),
        Duration::from_millis(100),
        async move {
            let _ = stopped.await;
        },
    ));
    queue(&app, &citizens(3), Locale::En, "Bins");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while app.emails().len() < 3 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the worker sent nothing"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), worker)
        .await
        .expect("the worker stops when asked")
        .unwrap();
    assert_eq!(app.emails().len(), 3);
    assert!(rows(&app).iter().all(|r| r.sent_at.is_some()));
}
