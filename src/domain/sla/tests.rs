use chrono::{NaiveTime, TimeZone, Weekday};
use chrono_tz::Europe::London;
use proptest::prelude::*;

use super::*;
use crate::domain::business_time::WeeklyInterval;

const OFFICE: i64 = 1;
const ALWAYS: i64 = 2;

fn office() -> BusinessCalendar {
    let t = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap();
    let days = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
    ];
    BusinessCalendar::weekly(
        London,
        days.iter()
            .map(|d| WeeklyInterval::new(*d, t(9), t(17)))
            .collect(),
        vec![],
    )
    .unwrap()
}

struct Cals {
    office: BusinessCalendar,
    always: BusinessCalendar,
}

impl Cals {
    fn new() -> Self {
        Self {
            office: office(),
            always: BusinessCalendar::always_open(London),
        }
    }
    fn get(&self, id: i64) -> &BusinessCalendar {
        if id == OFFICE {
            &self.office
        } else {
            &self.always
        }
    }
}

/// London wall-clock time (winter: equal to UTC; summer: UTC+1).
fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    London
        .with_ymd_and_hms(y, mo, d, h, mi, 0)
        .unwrap()
        .with_timezone(&Utc)
}

fn mins(m: i64) -> TimeDelta {
    TimeDelta::minutes(m)
}

#[test]
fn an_office_clock_counts_only_opening_hours() {
    let c = Cals::new();
    // Friday 16:00 with two hours to go: due on Monday at 10:00.
    let s = ClockState::start(
        ClockKind::Resolution,
        at(2026, 1, 9, 16, 0),
        120,
        OFFICE,
        false,
    );
    assert_eq!(s.due_at(&c.office), Some(at(2026, 1, 12, 10, 0)));
    assert_eq!(s.elapsed_at(at(2026, 1, 10, 12, 0), &c.office), mins(60));
    assert_eq!(s.elapsed_at(at(2026, 1, 12, 9, 30), &c.office), mins(90));
}

#[test]
fn pausing_keeps_the_elapsed_time_and_a_retarget_keeps_it_too() {
    let c = Cals::new();
    let cal = &c.office;
    let mut s = ClockState::start(
        ClockKind::Resolution,
        at(2026, 1, 12, 9, 0),
        8 * 60,
        OFFICE,
        false,
    );
    s.apply(at(2026, 1, 12, 11, 0), ClockEvent::Paused, cal)
        .unwrap();
    assert_eq!(s.elapsed, mins(120));
    assert_eq!(s.due_at(cal), None);
    // A priority change while paused: the 2 hours stay, 4 hours is the new target.
    s.apply(
        at(2026, 1, 13, 15, 0),
        ClockEvent::Retargeted {
            target_minutes: 240,
        },
        cal,
    )
    .unwrap();
    assert_eq!(s.elapsed, mins(120));
    s.apply(at(2026, 1, 14, 16, 0), ClockEvent::Resumed, cal)
        .unwrap();
    assert_eq!(s.paused, TimeDelta::hours(53));
    // 2 hours left from Wednesday 16:00: Thursday 10:00.
    assert_eq!(s.due_at(cal), Some(at(2026, 1, 15, 10, 0)));
}

#[test]
fn a_retarget_below_the_elapsed_time_is_due_when_it_was_passed() {
    let c = Cals::new();
    let cal = &c.office;
    let mut s = ClockState::start(
        ClockKind::Resolution,
        at(2026, 1, 12, 9, 0),
        600,
        OFFICE,
        false,
    );
    s.apply(
        at(2026, 1, 13, 10, 0),
        ClockEvent::Retargeted { target_minutes: 60 },
        cal,
    )
    .unwrap();
    assert_eq!(s.elapsed, mins(9 * 60));
    assert_eq!(s.due_at(cal), Some(at(2026, 1, 12, 10, 0)));
    assert_eq!(
        s.alerts_due(at(2026, 1, 13, 10, 0), &[50, 75], cal),
        vec![Alert::Warning(50), Alert::Warning(75), Alert::Breach]
    );
}

#[test]
fn a_transfer_counts_each_calendar_for_its_own_part() {
    let c = Cals::new();
    let mut s = ClockState::start(
        ClockKind::Resolution,
        at(2026, 1, 9, 16, 0),
        240,
        OFFICE,
        false,
    );
    // Moved at 17:30 on Friday to a 24x7 department: 60 minutes so far.
    s.apply(
        at(2026, 1, 9, 17, 30),
        ClockEvent::CalendarChanged {
            calendar_id: ALWAYS,
        },
        c.get(s.calendar_id),
    )
    .unwrap();
    assert_eq!(s.elapsed, mins(60));
    assert_eq!(s.due_at(c.get(s.calendar_id)), Some(at(2026, 1, 9, 20, 30)));
}

#[test]
fn warnings_and_the_breach_are_raised_once_across_retargets() {
    let c = Cals::new();
    let cal = &c.always;
    let t0 = at(2026, 1, 12, 0, 0);
    let mut s = ClockState::start(ClockKind::Resolution, t0, 100, ALWAYS, false);
    assert_eq!(
        s.next_alert(&[50, 75], cal),
        Some((t0 + mins(50), Alert::Warning(50)))
    );
    assert!(s.alerts_due(t0 + mins(49), &[50, 75], cal).is_empty());
    s.apply(t0 + mins(51), ClockEvent::Warned { percent: 50 }, cal)
        .unwrap();
    // Doubling the target: 50 % would be at 100 minutes now, but it was raised.
    s.apply(
        t0 + mins(60),
        ClockEvent::Retargeted {
            target_minutes: 200,
        },
        cal,
    )
    .unwrap();
    assert_eq!(
        s.next_alert(&[50, 75], cal),
        Some((t0 + mins(150), Alert::Warning(75)))
    );
    assert!(s
        .apply(t0 + mins(200), ClockEvent::Warned { percent: 50 }, cal)
        .is_err());
    s.apply(t0 + mins(151), ClockEvent::Warned { percent: 75 }, cal)
        .unwrap();
    assert_eq!(
        s.next_alert(&[50, 75], cal),
        Some((t0 + mins(200), Alert::Breach))
    );
    s.apply(t0 + mins(201), ClockEvent::Breached, cal).unwrap();
    assert_eq!(s.next_alert(&[50, 75], cal), None);
    assert!(s.apply(t0 + mins(202), ClockEvent::Breached, cal).is_err());
    assert!(s.alerts_due(t0 + mins(900), &[50, 75], cal).is_empty());
}

#[test]
fn a_met_clock_keeps_its_due_instant_and_resumes_on_reopening() {
    let c = Cals::new();
    let cal = &c.always;
    let t0 = at(2026, 3, 2, 8, 0);
    let mut s = ClockState::start(ClockKind::Resolution, t0, 600, ALWAYS, false);
    s.apply(t0 + mins(100), ClockEvent::Met, cal).unwrap();
    assert_eq!(s.status, ClockStatus::Met);
    assert_eq!(s.due_at(cal), Some(t0 + mins(600)));
    assert!(s.within_target());
    s.apply(t0 + mins(1000), ClockEvent::Reopened, cal).unwrap();
    assert_eq!(s.elapsed, mins(100));
    assert_eq!(s.due_at(cal), Some(t0 + mins(1500)));
}

#[test]
fn keep_in_touch_restarts_a_new_cycle() {
    let c = Cals::new();
    let cal = &c.always;
    let t0 = at(2026, 3, 2, 8, 0);
    let mut s = ClockState::start(ClockKind::KeepInTouch, t0, 60, ALWAYS, false);
    s.apply(t0 + mins(61), ClockEvent::Breached, cal).unwrap();
    s.apply(
        t0 + mins(70),
        ClockEvent::Restarted {
            target_minutes: 60,
            paused: false,
        },
        cal,
    )
    .unwrap();
    assert_eq!(s.cycle, 2);
    assert_eq!(s.breached_at, None);
    assert_eq!(s.due_at(cal), Some(t0 + mins(130)));
}

#[test]
fn events_that_do_not_fit_are_refused_with_the_reason() {
    let c = Cals::new();
    let cal = &c.always;
    let t0 = at(2026, 3, 2, 8, 0);
    let mut s = ClockState::start(ClockKind::FirstResponse, t0, 60, ALWAYS, false);
    let e = s.apply(t0, ClockEvent::Resumed, cal).unwrap_err();
    assert_eq!(
        e.to_string(),
        "cannot apply `resumed` to a first_response clock that is running"
    );
    s.apply(t0, ClockEvent::Met, cal).unwrap();
    assert!(s.apply(t0, ClockEvent::Paused, cal).is_err());
    assert!(s.apply(t0, ClockEvent::Met, cal).is_err());
}

fn arb_event() -> impl Strategy<Value = (u32, ClockEvent)> {
    let ev = prop_oneof![
        Just(ClockEvent::Paused),
        Just(ClockEvent::Resumed),
        (1i32..5000).prop_map(|target_minutes| ClockEvent::Retargeted { target_minutes }),
        prop_oneof![Just(OFFICE), Just(ALWAYS)]
            .prop_map(|calendar_id| ClockEvent::CalendarChanged { calendar_id }),
        (1i32..600).prop_map(|minutes| ClockEvent::Extended { minutes }),
        Just(ClockEvent::Met),
        Just(ClockEvent::Stopped),
        Just(ClockEvent::Reopened),
        (1i32..600, any::<bool>()).prop_map(|(target_minutes, paused)| ClockEvent::Restarted {
            target_minutes,
            paused
        }),
        prop_oneof![Just(50i16), Just(75), Just(90)]
            .prop_map(|percent| ClockEvent::Warned { percent }),
        Just(ClockEvent::Breached),
    ];
    // Minutes since the previous event: up to four days.
    (0u32..6000, ev)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    /// What is kept while events happen equals what replaying the log gives,
    /// and the elapsed time never goes down within a cycle.
    #[test]
    fn replaying_the_log_gives_the_kept_state(
        start_cal in prop_oneof![Just(OFFICE), Just(ALWAYS)],
        target in 1i32..5000,
        events in prop::collection::vec(arb_event(), 0..40),
    ) {
        let c = Cals::new();
        let t0 = at(2026, 3, 20, 10, 0);
        let mut kept = ClockState::start(ClockKind::Resolution, t0, target, start_cal, false);
        let mut log = vec![(t0, ClockEvent::Started { target_minutes: target, calendar_id: start_cal, paused: false })];
        let mut t = t0;
        for (gap, event) in events {
            t += mins(i64::from(gap));
            let before = kept.clone();
            match kept.apply(t, event, c.get(kept.calendar_id)) {
                Ok(()) => {
                    log.push((t, event));
                    if kept.cycle == before.cycle && kept.status != ClockStatus::Running {
                        prop_assert!(kept.elapsed >= before.elapsed);
                    }
                    if let ClockEvent::Warned { percent } = event {
                        prop_assert!(kept.warned.contains(&percent));
                    }
                }
                Err(_) => prop_assert_eq!(&kept, &before),
            }
        }
        let replayed = ClockState::replay(ClockKind::Resolution, log, |id| c.get(id)).unwrap();
        prop_assert_eq!(replayed, Some(kept));
    }

    /// The due instant does not depend on when time was banked: pausing and
    /// resuming at the same instant changes nothing.
    #[test]
    fn banking_does_not_move_the_due_instant(
        cal_id in prop_oneof![Just(OFFICE), Just(ALWAYS)],
        target in 1i32..5000,
        gap in 0i64..20_000,
    ) {
        let c = Cals::new();
        let cal = c.get(cal_id);
        let t0 = at(2026, 3, 20, 10, 0);
        let mut s = ClockState::start(ClockKind::Resolution, t0, target, cal_id, false);
        let due = s.due_at(cal).unwrap();
        let t = t0 + mins(gap);
        s.apply(t, ClockEvent::Paused, cal).unwrap();
        s.apply(t, ClockEvent::Resumed, cal).unwrap();
        prop_assert_eq!(s.due_at(cal).unwrap(), due);
    }
}
