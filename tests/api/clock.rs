//! The injectable clock: what the app records is dated by the clock it was
//! built with, so time-dependent behaviour (SLA due instants, sweeps) can be
//! asserted exactly.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use civicdesk::schema::{ticket_events, tickets};
use diesel::prelude::*;
use serde_json::json;

use crate::helpers::spawn_app_at;

#[tokio::test]
async fn a_submission_is_dated_by_the_apps_clock() {
    let t = Utc.with_ymd_and_hms(2026, 2, 3, 10, 15, 0).unwrap();
    let app = spawn_app_at(t).await;
    app.seed_demo();
    let created = app
        .submit(&json!({
            "category": "missed-bin", "kind": "service_request",
            "subject": "Bin not emptied", "description": "Left full.",
            "name": "Ada Lovelace", "email": "ada@example.org", "privacy_consent": true,
            "extra_fields": { "bin_type": "recycling", "collection_date": "2026-02-02" }
        }))
        .await;
    let reference = created["reference"].as_str().unwrap().to_string();
    assert!(reference.starts_with("CD-2026-"), "{reference}");
    let mut conn = app.conn();
    let (created_at, updated_at): (DateTime<Utc>, DateTime<Utc>) = tickets::table
        .filter(tickets::reference.eq(&reference))
        .select((tickets::created_at, tickets::updated_at))
        .first(&mut conn)
        .unwrap();
    assert_eq!((created_at, updated_at), (t, t));
    let events: Vec<DateTime<Utc>> = ticket_events::table
        .select(ticket_events::created_at)
        .load(&mut conn)
        .unwrap();
    // The submission and the SLA clocks it started.
    assert!(
        !events.is_empty() && events.iter().all(|e| *e == t),
        "{events:?}"
    );

    // The clock moves only when told to; a comment an hour later is dated then.
    app.clock.advance(TimeDelta::hours(1));
    let token = created["tracking_token"].as_str().unwrap();
    let res = app
        .client
        .post(app.url(&format!(
            "/api/v1/requests/{reference}/comments?token={token}"
        )))
        .json(&json!({ "body": "It is still full." }))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    let latest: DateTime<Utc> = ticket_events::table
        .select(diesel::dsl::max(ticket_events::created_at))
        .first::<Option<DateTime<Utc>>>(&mut conn)
        .unwrap()
        .unwrap();
    assert_eq!(latest, t + TimeDelta::hours(1));
    let updated_at: DateTime<Utc> = tickets::table
        .select(tickets::updated_at)
        .first(&mut conn)
        .unwrap();
    assert_eq!(updated_at, t + TimeDelta::hours(1));
}
