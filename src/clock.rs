//! The time the application reads. Production uses the system clock; tests
//! set it, so SLA due instants and the worker's sweeps can be asserted
//! exactly without sleeping.
//!
//! Handlers take `web::Data<Clock>` and pass `clock.now()` down: use cases
//! and the domain are given `now`, never read it themselves.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, SubsecRound as _, TimeDelta, Utc};

#[derive(Debug, Clone)]
pub struct Clock(Arc<Source>);

#[derive(Debug)]
enum Source {
    System,
    Manual(Mutex<DateTime<Utc>>),
}

impl Clock {
    /// The system's clock.
    pub fn system() -> Self {
        Self(Arc::new(Source::System))
    }

    /// A clock that stands still at `at` until it is set or advanced.
    pub fn manual(at: DateTime<Utc>) -> Self {
        Self(Arc::new(Source::Manual(Mutex::new(at))))
    }

    /// Now, to the microsecond: the precision PostgreSQL keeps, so an
    /// instant the app computes from it (a due instant) is the one it reads back.
    pub fn now(&self) -> DateTime<Utc> {
        let now = match &*self.0 {
            Source::System => Utc::now(),
            Source::Manual(at) => *at.lock().unwrap_or_else(|e| e.into_inner()),
        };
        now.trunc_subsecs(6)
    }

    /// Sets a manual clock (a system clock ignores it).
    pub fn set(&self, to: DateTime<Utc>) {
        if let Source::Manual(at) = &*self.0 {
            *at.lock().unwrap_or_else(|e| e.into_inner()) = to;
        }
    }

    /// Moves a manual clock on by `by` (a system clock ignores it).
    pub fn advance(&self, by: TimeDelta) {
        if let Source::Manual(at) = &*self.0 {
            let mut at = at.lock().unwrap_or_else(|e| e.into_inner());
            *at += by;
        }
    }

    pub fn is_manual(&self) -> bool {
        matches!(&*self.0, Source::Manual(_))
    }
}

impl Default for Clock {
    fn default() -> Self {
        Self::system()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_told() {
        let t = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let c = Clock::manual(t);
        assert_eq!(c.now(), t);
        c.advance(TimeDelta::minutes(5));
        assert_eq!(c.now(), t + TimeDelta::minutes(5));
        let shared = c.clone();
        shared.set(t);
        assert_eq!(c.now(), t);
        assert!(!Clock::system().is_manual());
        assert_eq!(Clock::system().now().timestamp_subsec_nanos() % 1000, 0);
    }
}
