//! Public holidays for the demo calendar: England and Wales bank holidays,
//! computed (Easter by the anonymous Gregorian algorithm) with the weekend
//! substitution rules.

use chrono::{Datelike, Duration, NaiveDate, Weekday};

/// Easter Sunday of `year` (Gregorian).
pub fn easter_sunday(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).expect("Easter is a valid date")
}

fn first_weekday(year: i32, month: u32, weekday: Weekday) -> NaiveDate {
    NaiveDate::from_weekday_of_month_opt(year, month, weekday, 1).expect("valid")
}

fn last_weekday(year: i32, month: u32, weekday: Weekday) -> NaiveDate {
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    }
    .expect("valid");
    let mut d = next - Duration::days(1);
    while d.weekday() != weekday {
        d -= Duration::days(1);
    }
    d
}

/// The next weekday on or after `d` that is not in `taken`.
fn substitute(d: NaiveDate, taken: &[NaiveDate]) -> NaiveDate {
    let mut d = d;
    while matches!(d.weekday(), Weekday::Sat | Weekday::Sun) || taken.contains(&d) {
        d += Duration::days(1);
    }
    d
}

/// The eight bank holidays of England and Wales in `year`.
pub fn england_and_wales(year: i32) -> Vec<(NaiveDate, String)> {
    let easter = easter_sunday(year);
    let new_year = substitute(NaiveDate::from_ymd_opt(year, 1, 1).expect("valid"), &[]);
    let christmas = substitute(NaiveDate::from_ymd_opt(year, 12, 25).expect("valid"), &[]);
    let boxing = substitute(
        NaiveDate::from_ymd_opt(year, 12, 26).expect("valid"),
        &[christmas],
    );
    vec![
        (new_year, "New Year's Day".into()),
        (easter - Duration::days(2), "Good Friday".into()),
        (easter + Duration::days(1), "Easter Monday".into()),
        (
            first_weekday(year, 5, Weekday::Mon),
            "Early May bank holiday".into(),
        ),
        (
            last_weekday(year, 5, Weekday::Mon),
            "Spring bank holiday".into(),
        ),
        (
            last_weekday(year, 8, Weekday::Mon),
            "Summer bank holiday".into(),
        ),
        (christmas, "Christmas Day".into()),
        (boxing, "Boxing Day".into()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn matches_the_published_2026_and_2027_lists() {
        let dates = |y| {
            england_and_wales(y)
                .into_iter()
                .map(|(d, _)| d)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            dates(2026),
            vec![
                d(2026, 1, 1),
                d(2026, 4, 3),
                d(2026, 4, 6),
                d(2026, 5, 4),
                d(2026, 5, 25),
                d(2026, 8, 31),
                d(2026, 12, 25),
                d(2026, 12, 28)
            ]
        );
        assert_eq!(
            dates(2027),
            vec![
                d(2027, 1, 1),
                d(2027, 3, 26),
                d(2027, 3, 29),
                d(2027, 5, 3),
                d(2027, 5, 31),
                d(2027, 8, 30),
                d(2027, 12, 27),
                d(2027, 12, 28)
            ]
        );
    }

    #[test]
    fn easter_dates() {
        assert_eq!(easter_sunday(2024), d(2024, 3, 31));
        assert_eq!(easter_sunday(2025), d(2025, 4, 20));
        assert_eq!(easter_sunday(2038), d(2038, 4, 25));
    }
}
