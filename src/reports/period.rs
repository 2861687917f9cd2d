//! The period chooser: `from` and `to` dates in the URL (both days
//! included), or a preset, checked into a [`Period`] of whole local days.
//!
//! Presets, all cut in the council's time zone:
//! * `7d`, `30d`: the last 7 or 30 days, today (so far) included;
//! * `12m`: the 12 whole calendar months before the current one;
//! * `month`: the current calendar month so far.
//!
//! Without any parameter the period is `30d`.

use chrono::{Datelike, Days, Months, NaiveDate};

use super::model::Period;

/// The longest period a report may cover, in days (about three years).
pub const MAX_DAYS: i64 = 1100;

/// A named period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Preset {
    #[serde(rename = "7d")]
    Last7Days,
    #[serde(rename = "30d")]
    Last30Days,
    #[serde(rename = "12m")]
    Last12Months,
    #[serde(rename = "month")]
    ThisMonth,
}

impl Preset {
    pub const ALL: [Preset; 4] = [
        Self::Last7Days,
        Self::Last30Days,
        Self::Last12Months,
        Self::ThisMonth,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Last7Days => "7d",
            Self::Last30Days => "30d",
            Self::Last12Months => "12m",
            Self::ThisMonth => "month",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// The period this preset names on local day `today`.
    pub fn period(self, today: NaiveDate) -> Period {
        let tomorrow = today + Days::new(1);
        let month_start = today.with_day(1).expect("day 1 exists");
        let (from, to) = match self {
            Self::Last7Days => (tomorrow - Days::new(7), tomorrow),
            Self::Last30Days => (tomorrow - Days::new(30), tomorrow),
            Self::Last12Months => (month_start - Months::new(12), month_start),
            Self::ThisMonth => (month_start, tomorrow),
        };
        Period { from, to }
    }
}

/// What the chooser was asked for, and the period it means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chosen {
    pub period: Period,
    /// The preset, when one was used (or by default).
    pub preset: Option<Preset>,
}

impl Chosen {
    /// The last day in the period (the URL's `to`).
    pub fn last_day(&self) -> NaiveDate {
        self.period.to - Days::new(1)
    }

    /// The query string that asks for this period again.
    pub fn query(&self) -> String {
        format!(
            "from={}&to={}",
            self.period.from,
            self.period.to - Days::new(1)
        )
    }
}

/// Why a period cannot be used; each says what to send instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("`{field}` is not a date: {value:?}; use a date such as 2026-03-01")]
    BadDate { field: &'static str, value: String },
    #[error("give both `from` and `to`, or neither")]
    HalfOpen,
    #[error("`from` ({from}) is after `to` ({to})")]
    Reversed { from: NaiveDate, to: NaiveDate },
    #[error("the period is {days} days long; at most {MAX_DAYS} are allowed")]
    TooLong { days: i64 },
    #[error("`preset` must be one of 7d, 30d, 12m, month, not {0:?}")]
    BadPreset(String),
    #[error("give a preset or dates, not both")]
    Both,
    #[error("`{0}` was given more than once")]
    Repeated(&'static str),
    #[error("unknown parameter `{0}`; use from, to or preset")]
    Unknown(String),
}

impl PeriodError {
    /// The message key (locales/en/reports.ftl) and its one variable.
    pub fn message(&self) -> (&'static str, String) {
        match self {
            Self::BadDate { field, value } => {
                ("reports-error-bad-date", format!("{field}: {value}"))
            }
            Self::HalfOpen => ("reports-error-half-open", String::new()),
            Self::Reversed { from, to } => ("reports-error-reversed", format!("{from} > {to}")),
            Self::TooLong { days } => ("reports-error-too-long", days.to_string()),
            Self::BadPreset(p) => ("reports-error-bad-preset", p.clone()),
            Self::Both => ("reports-error-both", String::new()),
            Self::Repeated(f) => ("reports-error-repeated", f.to_string()),
            Self::Unknown(f) => ("reports-error-unknown", f.clone()),
        }
    }
}

fn date(field: &'static str, v: &str) -> Result<NaiveDate, PeriodError> {
    NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d").map_err(|_| PeriodError::BadDate {
        field,
        value: v.chars().take(40).collect(),
    })
}

/// Reads `from`, `to` and `preset` from a query string; `extra` names other
/// parameters the caller accepts (and ignores here). Empty values count as
/// absent, so a GET form's blank fields do no harm.
pub fn choose(query: &str, today: NaiveDate, extra: &[&str]) -> Result<Chosen, PeriodError> {
    let mut from = None;
    let mut to = None;
    let mut preset = None;
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        let slot = match k.as_ref() {
            "from" => &mut from,
            "to" => &mut to,
            "preset" => &mut preset,
            other if extra.contains(&other) => continue,
            other => return Err(PeriodError::Unknown(other.chars().take(40).collect())),
        };
        if v.trim().is_empty() {
            continue;
        }
        if slot.is_some() {
            return Err(PeriodError::Repeated(match k.as_ref() {
                "from" => "from",
                "to" => "to",
                _ => "preset",
            }));
        }
        *slot = Some(v.into_owned());
    }
    match (from, to, preset) {
        (None, None, None) => Ok(Chosen {
            period: Preset::Last30Days.period(today),
            preset: Some(Preset::Last30Days),
        }),
        (None, None, Some(p)) => {
            let preset = Preset::parse(p.trim()).ok_or(PeriodError::BadPreset(p))?;
            Ok(Chosen {
                period: preset.period(today),
                preset: Some(preset),
            })
        }
        (Some(_), _, Some(_)) | (_, Some(_), Some(_)) => Err(PeriodError::Both),
        (Some(f), Some(t), None) => {
            let (from, to) = (date("from", &f)?, date("to", &t)?);
            if from > to {
                return Err(PeriodError::Reversed { from, to });
            }
            let days = (to - from).num_days() + 1;
            if days > MAX_DAYS {
                return Err(PeriodError::TooLong { days });
            }
            Ok(Chosen {
                period: Period::new(from, to + Days::new(1)).expect("from <= to"),
                preset: None,
            })
        }
        _ => Err(PeriodError::HalfOpen),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn presets_name_whole_local_days() {
        let today = d(2026, 3, 15);
        assert_eq!(
            Preset::Last7Days.period(today),
            Period::new(d(2026, 3, 9), d(2026, 3, 16)).unwrap()
        );
        assert_eq!(Preset::Last30Days.period(today).days(), 30);
        assert_eq!(
            Preset::Last12Months.period(today),
            Period::new(d(2025, 3, 1), d(2026, 3, 1)).unwrap()
        );
        assert_eq!(
            Preset::ThisMonth.period(today),
            Period::new(d(2026, 3, 1), d(2026, 3, 16)).unwrap()
        );
    }

    #[test]
    fn dates_include_both_days_and_bad_ones_say_why() {
        let today = d(2026, 3, 15);
        let c = choose("from=2026-03-01&to=2026-03-31", today, &[]).unwrap();
        assert_eq!(c.period, Period::new(d(2026, 3, 1), d(2026, 4, 1)).unwrap());
        assert_eq!(c.query(), "from=2026-03-01&to=2026-03-31");
        assert_eq!(
            choose("", today, &[]).unwrap().preset,
            Some(Preset::Last30Days)
        );
        assert_eq!(
            choose("from=&to=&preset=7d", today, &[])
                .unwrap()
                .period
                .days(),
            7
        );
        assert!(matches!(
            choose("from=2026-02-30&to=2026-03-01", today, &[]),
            Err(PeriodError::BadDate { field: "from", .. })
        ));
        assert_eq!(
            choose("from=2026-03-01", today, &[]),
            Err(PeriodError::HalfOpen)
        );
        assert!(matches!(
            choose("from=2026-03-02&to=2026-03-01", today, &[]),
            Err(PeriodError::Reversed { .. })
        ));
        assert!(matches!(
            choose("from=2020-01-01&to=2026-03-01", today, &[]),
            Err(PeriodError::TooLong { .. })
        ));
        assert!(matches!(
            choose("preset=1y", today, &[]),
            Err(PeriodError::BadPreset(_))
        ));
        assert_eq!(
            choose("preset=7d&from=2026-03-01&to=2026-03-02", today, &[]),
            Err(PeriodError::Both)
        );
        assert!(matches!(
            choose("fro=x", today, &[]),
            Err(PeriodError::Unknown(_))
        ));
        assert!(choose("figure=received&preset=7d", today, &["figure"]).is_ok());
        assert_eq!(
            choose("from=2026-03-01&from=2026-03-02&to=2026-03-03", today, &[]),
            Err(PeriodError::Repeated("from"))
        );
    }
}
