//! Figures in words and numbers people read: durations in human units
//! ("42 min", "3.4 h", "2.1 days", to the precision they are bucketed at),
//! shares as percentages, "too few to say" for a percentile with too few
//! values. Formatting only: every number comes from a `ReportSource`.

use std::borrow::Cow;
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;

use super::model::Share;
use crate::i18n::Locale;

fn with(locale: Locale, key: &str, n: String) -> String {
    let args = HashMap::from([(Cow::Borrowed("n"), FluentValue::from(n))]);
    locale.text_with(key, &args)
}

/// A (bucketed) duration in minutes, in the unit it is shown at.
pub fn duration(locale: Locale, minutes: i64) -> String {
    let m = minutes.max(0);
    match m {
        0..=59 => with(locale, "reports-minutes", m.to_string()),
        60..=1439 => with(locale, "reports-hours", format!("{:.1}", m as f64 / 60.0)),
        1440..=43_199 => with(locale, "reports-days", format!("{:.1}", m as f64 / 1440.0)),
        _ => with(locale, "reports-days", (m / 1440).to_string()),
    }
}

/// A percentile: its value, or "too few to say".
pub fn percentile(locale: Locale, value: Option<i64>) -> String {
    match value {
        Some(m) => duration(locale, m),
        None => locale.text("reports-too-few"),
    }
}

/// A share as a whole percentage with its counts: "67% (2 of 3)"; with
/// nothing to count, "too few to say".
pub fn share(locale: Locale, s: Share) -> String {
    match s.ratio() {
        Some(r) => {
            let args = HashMap::from([
                (Cow::Borrowed("percent"), FluentValue::from(percent(r))),
                (
                    Cow::Borrowed("count"),
                    FluentValue::from(s.count.to_string()),
                ),
                (Cow::Borrowed("of"), FluentValue::from(s.of.to_string())),
            ]);
            locale.text_with("reports-share", &args)
        }
        None => locale.text("reports-too-few"),
    }
}

/// A ratio (0–1) as a whole percentage.
pub fn percent(r: f64) -> String {
    format!("{}%", (r * 100.0).round() as i64)
}

/// A ratio with two decimals (transfers per ticket), or "too few to say".
pub fn ratio(locale: Locale, r: Option<f64>) -> String {
    match r {
        Some(r) => format!("{r:.2}"),
        None => locale.text("reports-too-few"),
    }
}

/// The change of a count against the previous period: "+3", "−2", "no change".
pub fn change(locale: Locale, now: i64, before: i64) -> String {
    let d = now - before;
    match d {
        0 => locale.text("reports-no-change"),
        d if d > 0 => format!("+{d}"),
        d => format!("−{}", -d),
    }
}

/// A ratio for CSV: four decimals, empty when there is none.
pub fn csv_ratio(r: Option<f64>) -> String {
    r.map(|r| format!("{r:.4}")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_in_human_units() {
        let en = Locale::En;
        assert_eq!(duration(en, 42), "42 min");
        assert_eq!(duration(en, 204), "3.4 h");
        assert_eq!(duration(en, 3024), "2.1 days");
        assert_eq!(duration(en, 45 * 1440), "45 days");
        assert_eq!(percentile(en, None), "too few to say");
        assert_eq!(share(en, Share { count: 2, of: 3 }), "67% (2 of 3)");
        assert_eq!(share(en, Share { count: 0, of: 0 }), "too few to say");
        assert_eq!(change(en, 5, 2), "+3");
        assert_eq!(change(en, 2, 5), "−3");
    }
}
