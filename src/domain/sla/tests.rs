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
    let s = ClockState::start(ClockKind::Resolution, at(2026, 1, 9, 16, 0), 120, OFFICE);
    assert_eq!(s.due_at(&c.office), Some(at(2026, 1, 12, 10, 0)));
    assert_eq!(s.elapsed_at(at(2026, 1, 10, 12, 0), &c.office), mins(60));
    assert_eq!(s.elapsed_at(at(2026, 1, 12, 9, 30), &c.office), mins(90));
}

#[test]
fn pausing_keeps_the_elapsed_time_and_a_retarget_keeps_it_too() {
    let c = Cals::new();
    let cal = &c.office;
    let mut s = ClockState::start(ClockKind::Resolution, at(2026, 1, 12, 9, 0), 8 * 60, OFFICE);
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
    let mut s = ClockState::start(ClockKind::Resolution, at(2026, 1, 12, 9, 0), 600, OFFICE);
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
    let mut s = ClockState::start(ClockKind::Resolution, at(2026, 1, 9, 16, 0), 240, OFFICE);
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
    let mut s = ClockState::start(ClockKind::Resolution, t0, 100, ALWAYS);
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
    let mut s = ClockState::start(ClockKind::Resolution, t0, 600, ALWAYS);
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
    let mut s = ClockState::start(ClockKind::KeepInTouch, t0, 60, ALWAYS);
    s.apply(t0 + mins(61), ClockEvent::Breached, cal).unwrap();
    s.apply(
        t0 + mins(70),
        ClockEvent::Restarted { target_minutes: 60 },
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
    let mut s = ClockState::start(ClockKind::FirstResponse, t0, 60, ALWAYS);
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
        (1i32..600).prop_map(|target_minutes| ClockEvent::Restarted { target_minutes }),
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
        let mut kept = ClockState::start(ClockKind::Resolution, t0, target, start_cal);
        let mut log = vec![(t0, ClockEvent::Started { target_minutes: target, calendar_id: start_cal })];
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
        let mut s = ClockState::start(ClockKind::Resolution, t0, target, cal_id);
        let due = s.due_at(cal).unwrap();
        let t = t0 + mins(gap);
        s.apply(t, ClockEvent::Paused, cal).unwrap();
        s.apply(t, ClockEvent::Resumed, cal).unwrap();
        prop_assert_eq!(s.due_at(cal).unwrap(), due);
    }
}

mod planning {
    use super::*;
    use crate::domain::ticket::ResolutionCode;
    use crate::domain::ticket_status::{ClockEffect, StatusAction, TicketStatus};

    fn change(before: Option<TicketStatus>, after: TicketStatus, touch: Touch) -> TicketChange {
        TicketChange {
            before,
            after,
            resolution: None,
            by_staff: true,
            touch,
        }
    }

    const D: Desired = Desired {
        target_minutes: 60,
        calendar_id: ALWAYS,
    };

    #[test]
    fn a_new_ticket_starts_its_clocks_and_a_waiting_one_pauses_them() {
        let c = change(None, TicketStatus::New, Touch::None);
        assert_eq!(
            plan(ClockKind::Resolution, None, Some(D), &c),
            vec![ClockEvent::Started {
                target_minutes: 60,
                calendar_id: ALWAYS
            }]
        );
        let c = change(None, TicketStatus::WaitingOnCitizen, Touch::None);
        assert_eq!(
            plan(ClockKind::FirstResponse, None, Some(D), &c)[1],
            ClockEvent::Paused
        );
        assert!(plan(ClockKind::KeepInTouch, None, None, &c).is_empty());
    }

    #[test]
    fn a_staff_resolution_meets_the_first_response_but_a_withdrawal_stops_it() {
        let t0 = at(2026, 3, 2, 8, 0);
        let fr = ClockState::start(ClockKind::FirstResponse, t0, 60, ALWAYS);
        let resolve = change(
            Some(TicketStatus::InProgress),
            TicketStatus::Resolved,
            Touch::None,
        );
        assert_eq!(
            plan(ClockKind::FirstResponse, Some(&fr), Some(D), &resolve),
            vec![ClockEvent::Met]
        );
        let withdraw = TicketChange {
            resolution: Some(ResolutionCode::Withdrawn),
            by_staff: false,
            ..change(Some(TicketStatus::New), TicketStatus::Closed, Touch::None)
        };
        assert_eq!(
            plan(ClockKind::FirstResponse, Some(&fr), Some(D), &withdraw),
            vec![ClockEvent::Stopped]
        );
        assert_eq!(
            plan(ClockKind::Resolution, Some(&fr), Some(D), &withdraw),
            vec![ClockEvent::Stopped]
        );
    }

    #[test]
    fn a_reply_meets_the_first_response_and_restarts_keep_in_touch() {
        let t0 = at(2026, 3, 2, 8, 0);
        let fr = ClockState::start(ClockKind::FirstResponse, t0, 60, ALWAYS);
        let kit = ClockState::start(ClockKind::KeepInTouch, t0, 60, ALWAYS);
        let reply = change(
            Some(TicketStatus::New),
            TicketStatus::New,
            Touch::FirstResponse,
        );
        assert_eq!(
            plan(ClockKind::FirstResponse, Some(&fr), Some(D), &reply),
            vec![ClockEvent::Met]
        );
        assert_eq!(
            plan(ClockKind::KeepInTouch, Some(&kit), Some(D), &reply),
            vec![ClockEvent::Restarted { target_minutes: 60 }]
        );
        // Asking the citizen something publicly: keep-in-touch restarts, paused.
        let ask = change(
            Some(TicketStatus::InProgress),
            TicketStatus::WaitingOnCitizen,
            Touch::PublicUpdate,
        );
        assert_eq!(
            plan(ClockKind::KeepInTouch, Some(&kit), Some(D), &ask),
            vec![
                ClockEvent::Restarted { target_minutes: 60 },
                ClockEvent::Paused
            ]
        );
    }

    #[test]
    fn reopening_resumes_the_resolution_and_restarts_keep_in_touch() {
        let c = Cals::new();
        let t0 = at(2026, 3, 2, 8, 0);
        let mut res = ClockState::start(ClockKind::Resolution, t0, 600, ALWAYS);
        res.apply(t0 + mins(30), ClockEvent::Met, &c.always)
            .unwrap();
        let reopen = change(
            Some(TicketStatus::Resolved),
            TicketStatus::Reopened,
            Touch::PublicUpdate,
        );
        let urgent = Desired {
            target_minutes: 120,
            calendar_id: ALWAYS,
        };
        assert_eq!(
            plan(ClockKind::Resolution, Some(&res), Some(urgent), &reopen),
            vec![
                ClockEvent::Reopened,
                ClockEvent::Retargeted {
                    target_minutes: 120
                }
            ]
        );
        let mut kit = ClockState::start(ClockKind::KeepInTouch, t0, 60, ALWAYS);
        kit.apply(t0, ClockEvent::Stopped, &c.always).unwrap();
        assert_eq!(
            plan(ClockKind::KeepInTouch, Some(&kit), Some(D), &reopen),
            vec![ClockEvent::Restarted { target_minutes: 60 }]
        );
    }

    #[test]
    fn a_transfer_changes_the_calendar_and_a_new_priority_the_target() {
        let t0 = at(2026, 3, 2, 8, 0);
        let res = ClockState::start(ClockKind::Resolution, t0, 600, OFFICE);
        let moved = change(
            Some(TicketStatus::Assigned),
            TicketStatus::Triaged,
            Touch::None,
        );
        assert_eq!(
            plan(
                ClockKind::Resolution,
                Some(&res),
                Some(Desired {
                    target_minutes: 300,
                    calendar_id: ALWAYS
                }),
                &moved
            ),
            vec![
                ClockEvent::CalendarChanged {
                    calendar_id: ALWAYS
                },
                ClockEvent::Retargeted {
                    target_minutes: 300
                }
            ]
        );
        // No policy any more: the clock stops.
        assert_eq!(
            plan(ClockKind::Resolution, Some(&res), None, &moved),
            vec![ClockEvent::Stopped]
        );
    }

    #[derive(Debug, Clone)]
    enum Step {
        Status(StatusAction),
        Reply,
        Update,
        Target(i32),
        Calendar(i64),
        Policy(bool),
    }

    fn arb_step() -> impl Strategy<Value = (u32, Step)> {
        let status = prop_oneof![
            Just(StatusAction::Triage),
            Just(StatusAction::Assign),
            Just(StatusAction::StartWork),
            Just(StatusAction::WaitOnCitizen),
            Just(StatusAction::CitizenReplied),
            Just(StatusAction::Resolve),
            Just(StatusAction::Close(ResolutionCode::Fixed)),
            Just(StatusAction::Close(ResolutionCode::Duplicate)),
            Just(StatusAction::Reopen),
            Just(StatusAction::Withdraw),
            Just(StatusAction::Transfer),
        ];
        let step = prop_oneof![
            4 => status.prop_map(Step::Status),
            1 => Just(Step::Reply),
            1 => Just(Step::Update),
            1 => (1i32..3000).prop_map(Step::Target),
            1 => prop_oneof![Just(OFFICE), Just(ALWAYS)].prop_map(Step::Calendar),
            1 => any::<bool>().prop_map(Step::Policy),
        ];
        (0u32..3000, step)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

        /// Whatever happens to a ticket, the planned events always apply,
        /// and the clocks follow the ticket: none runs while it waits on the
        /// citizen or after it is resolved or closed, and every clock its
        /// policy asks for exists while it is open.
        #[test]
        fn clocks_follow_any_ticket_life(steps in prop::collection::vec(arb_step(), 0..60)) {
            let c = Cals::new();
            let mut t = at(2026, 3, 20, 10, 0);
            let mut status = TicketStatus::New;
            let mut target = 600;
            let mut calendar = OFFICE;
            let mut policy = true;
            let mut clocks: Vec<Option<ClockState>> = vec![None, None, None];
            let apply_change = |clocks: &mut Vec<Option<ClockState>>, ch: TicketChange, t: DateTime<Utc>, desired: Option<Desired>| -> Result<(), TestCaseError> {
                for (i, kind) in ClockKind::ALL.into_iter().enumerate() {
                    let events = plan(kind, clocks[i].as_ref(), desired, &ch);
                    for e in events {
                        match (&mut clocks[i], e) {
                            (slot @ None, ClockEvent::Started { target_minutes, calendar_id }) => {
                                *slot = Some(ClockState::start(kind, t, target_minutes, calendar_id));
                            }
                            (Some(s), e) => {
                                let cal = c.get(s.calendar_id);
                                prop_assert!(s.apply(t, e, cal).is_ok(), "{:?} on {:?}", e, s);
                            }
                            (None, e) => prop_assert!(false, "{:?} before the clock started", e),
                        }
                    }
                }
                Ok(())
            };
            let desired = |policy: bool, target: i32, calendar: i64| policy.then_some(Desired { target_minutes: target, calendar_id: calendar });
            apply_change(&mut clocks, change(None, status, Touch::None), t, desired(policy, target, calendar))?;
            for (gap, step) in steps {
                t += mins(i64::from(gap));
                let before = status;
                let mut ch = change(Some(before), status, Touch::None);
                match step {
                    Step::Status(a) => {
                        let Ok(next) = status.apply(a) else { continue };
                        status = next;
                        ch.after = next;
                        ch.by_staff = !matches!(a, StatusAction::Withdraw | StatusAction::CitizenReplied);
                        if let StatusAction::Close(code) = a { ch.resolution = Some(code) }
                        if a == StatusAction::Withdraw { ch.resolution = Some(ResolutionCode::Withdrawn) }
                    }
                    Step::Reply => ch.touch = Touch::FirstResponse,
                    Step::Update => ch.touch = Touch::PublicUpdate,
                    Step::Target(m) => target = m,
                    Step::Calendar(id) => calendar = id,
                    Step::Policy(p) => policy = p,
                }
                apply_change(&mut clocks, ch, t, desired(policy, target, calendar))?;
                let effect = status.clock_effect();
                for s in clocks.iter().flatten() {
                    match effect {
                        ClockEffect::Stopped => prop_assert!(!matches!(s.status, ClockStatus::Running | ClockStatus::Paused)),
                        ClockEffect::Paused => prop_assert!(s.status != ClockStatus::Running),
                        ClockEffect::Running => prop_assert!(s.status != ClockStatus::Paused),
                    }
                    if policy && effect != ClockEffect::Stopped && s.kind != ClockKind::FirstResponse {
                        prop_assert!(matches!(s.status, ClockStatus::Running | ClockStatus::Paused), "{:?}", s);
                        prop_assert_eq!(s.target_minutes, target);
                        prop_assert_eq!(s.calendar_id, calendar);
                    }
                }
                if policy && effect != ClockEffect::Stopped {
                    prop_assert!(clocks.iter().all(Option::is_some));
                }
            }
        }
    }
}
