//! Report figures against values worked out by hand from a small council
//! month: transfers across time zones, breaches raised by the worker, a
//! withdrawal, a ticket from the previous period still open.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use civicdesk::reports::model::{
    Dimension, Figures, Grain, Held, Key, Percentiles, Period, ReportQuery, ReportScope,
    ReportSource, Share,
};
use civicdesk::reports::reference::Reference;
use serde_json::json;

use crate::helpers::TestApp;
use crate::sla::{council, utc, ROADS_AGENT, WASTE_AGENT};

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

fn id(app: &TestApp, sql: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    use diesel::RunQueryDsl;
    diesel::sql_query(sql)
        .get_result::<Id>(&mut app.conn())
        .unwrap()
        .id
}

/// The month of March 2026, worked by hand:
/// * A: Mon 2 Mar 10:00, acknowledged 11:00, resolved Tue 10:00 (waste, London);
/// * B: Mon 12:00, moved to roads (New York hours) at 14:00, answered Tue
///   14:00 UTC, resolved Wed 15:00 UTC;
/// * C: Fri 27 Feb 09:00, never answered (waste);
/// * D: Tue 31 Mar 10:00, withdrawn by the citizen at 11:00.
///
/// The SLA worker sweeps on Tue 3 Mar and Wed 4 Mar at 12:00.
pub(crate) async fn march() -> (TestApp, [String; 4]) {
    let app = council(utc(2026, 2, 27, 9, 0)).await;
    let (c, _) = app.submit_to("sla-test", "c@example.org").await;
    app.clock.set(utc(2026, 3, 2, 10, 0));
    let (a, _) = app.submit_to("sla-test", "a@example.org").await;
    app.clock.set(utc(2026, 3, 2, 11, 0));
    app.must_act(WASTE_AGENT, &a, "acknowledge", json!({}))
        .await;
    app.clock.set(utc(2026, 3, 2, 12, 0));
    let (b, _) = app.submit_to("sla-test", "b@example.org").await;
    app.clock.set(utc(2026, 3, 2, 14, 0));
    app.must_act(
        WASTE_AGENT,
        &b,
        "transfer",
        json!({ "department": "roads", "reason": "Roads" }),
    )
    .await;
    app.clock.set(utc(2026, 3, 3, 10, 0));
    app.must_act(
        WASTE_AGENT,
        &a,
        "status",
        json!({ "action": "resolve", "note": "Emptied." }),
    )
    .await;
    app.clock.set(utc(2026, 3, 3, 12, 0));
    app.run_sla_sweep();
    app.clock.set(utc(2026, 3, 3, 14, 0));
    app.must_act(ROADS_AGENT, &b, "reply", json!({ "body": "On it." }))
        .await;
    app.clock.set(utc(2026, 3, 4, 12, 0));
    app.run_sla_sweep();
    app.clock.set(utc(2026, 3, 4, 15, 0));
    app.must_act(
        ROADS_AGENT,
        &b,
        "status",
        json!({ "action": "resolve", "note": "Fixed." }),
    )
    .await;
    app.clock.set(utc(2026, 3, 31, 10, 0));
    let (d, token) = app.submit_to("sla-test", "d@example.org").await;
    app.clock.set(utc(2026, 3, 31, 11, 0));
    let page = app
        .client
        .get(app.url(&format!("/requests/{d}?token={token}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = crate::staff_helpers::csrf_of(&page);
    let res = app
        .client
        .post(app.url(&format!("/requests/{d}/withdraw")))
        .form(&[
            ("token", token.as_str()),
            ("confirm", "yes"),
            ("csrf_token", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_redirection(), "withdraw: {}", res.status());
    (app, [a, b, c, d])
}

fn query(scope: ReportScope, period: Period, min_count: i64) -> ReportQuery {
    ReportQuery {
        scope,
        period,
        zone: chrono_tz::Europe::London,
        min_count,
    }
}

fn pct(n: i64, median: i64, p90: i64) -> Percentiles {
    Percentiles {
        n,
        median: Some(median),
        p90: Some(p90),
    }
}

#[tokio::test]
async fn every_figure_of_a_hand_worked_month() {
    let (app, _) = march().await;
    let mut conn = app.conn();
    let period = Period::new(day(3, 1), day(4, 1)).unwrap();
    let all = query(ReportScope::All, period, 1);
    let f = Reference.figures(&mut conn, &all).unwrap();
    let expected = Figures {
        received: 3,
        resolved: 2,
        backlog: 1,
        // C, from 27 February to the end of March: 33 days.
        backlog_age: [0, 0, 0, 1],
        // A: 60 business and calendar minutes. B: 120 on London's hours,
        // then 480 on New York's; 26 hours of calendar time (1560 minutes,
        // shown to the tenth of a day: 1440).
        first_response_business: pct(2, 60, 600),
        first_response_calendar: pct(2, 60, 1440),
        // A: 420 + 60 = 480; 24 h. B: 120 + 480 + 480 + 60 = 1140; 51 h = 3060
        // minutes, to the tenth of a day 3024.
        resolution_business: pct(2, 480, 1140),
        resolution_calendar: pct(2, 1440, 3024),
        first_response_within: Share { count: 1, of: 2 },
        resolution_within: Share { count: 1, of: 2 },
        // Raised by the sweeps: B's first response (Tue) and resolution (Wed),
        // and C's two (Tue), whose targets passed long before.
        breaches: 4,
        // B's first cycle (Tue), its second after the reply (Wed), and C's (Tue).
        keep_in_touch_breaches: 3,
        extended: 0,
        reopened: Share { count: 0, of: 2 },
        transfers: 1,
        ..Figures::default()
    };
    assert_eq!(f, expected);

    // With the default minimum of 5, two values are too few to say.
    let f5 = Reference
        .figures(&mut conn, &query(ReportScope::All, period, 5))
        .unwrap();
    assert_eq!(f5.resolution_business.n, 2);
    assert_eq!(f5.resolution_business.median, None);
    assert_eq!(f5.resolution_business.p90, None);

    // The previous period: C arrived; at its end (1 March) C was 2 days old.
    let before = Reference
        .figures(&mut conn, &query(ReportScope::All, period.previous(), 1))
        .unwrap();
    assert_eq!(
        (before.received, before.backlog, before.backlog_age),
        (1, 1, [1, 0, 0, 0])
    );

    // By department: A, C and D stayed in waste; B is in roads.
    let waste = id(&app, "SELECT id FROM departments WHERE slug = 'waste'");
    let roads = id(&app, "SELECT id FROM departments WHERE slug = 'roads'");
    let by: BTreeMap<Key, Figures> = Reference
        .breakdown(&mut conn, &all, Dimension::Department)
        .unwrap();
    let w = &by[&Key(Some(waste.to_string()))];
    assert_eq!((w.received, w.resolved, w.backlog), (2, 1, 1));
    assert_eq!((w.breaches, w.keep_in_touch_breaches), (2, 1));
    assert_eq!(w.first_response_business, pct(1, 60, 60));
    let r = &by[&Key(Some(roads.to_string()))];
    assert_eq!((r.received, r.resolved, r.transfers), (1, 1, 1));
    assert_eq!(r.resolution_calendar, pct(1, 3024, 3024));
    assert_eq!(by.len(), 2);

    // Nobody is assigned: the staff breakdown is one "unassigned" row.
    let staff = Reference
        .breakdown(&mut conn, &all, Dimension::Staff)
        .unwrap();
    assert_eq!(staff.keys().collect::<Vec<_>>(), vec![&Key(None)]);

    // A supervisor of roads sees roads only.
    let sup = Reference
        .figures(
            &mut conn,
            &query(ReportScope::Departments(vec![roads]), period, 1),
        )
        .unwrap();
    assert_eq!(sup, *r);

    // Time held: waste held A for a day and B for two hours; roads held B
    // from Monday 14:00 to Wednesday 15:00.
    let held = Reference.held(&mut conn, &all).unwrap();
    assert!(roads < waste, "the demo seeds roads first");
    assert_eq!(
        held,
        vec![
            Held {
                department_id: roads,
                minutes: 49 * 60,
                tickets: 1
            },
            Held {
                department_id: waste,
                minutes: 1440 + 120,
                tickets: 2
            },
        ]
    );

    // Weekly: the week from Monday 2 March holds A and B; the last bucket, D.
    let weeks = Reference.series(&mut conn, &all, Grain::Week).unwrap();
    assert_eq!(weeks[0].0, Period::new(day(3, 1), day(3, 2)).unwrap());
    assert_eq!(weeks[1].1.received, 2);
    assert_eq!(weeks[1].1.resolved, 2);
    assert_eq!(weeks.last().unwrap().1.received, 1);
    let sum: i64 = weeks.iter().map(|(_, f)| f.received).sum();
    assert_eq!(sum, 3);
}
