//! The public statistics page (`/statistics`): for transparency, recent
//! months' volumes, median response and resolution times and the share
//! within target, by month, department and category. Aggregates only, and
//! small numbers are suppressed: any cell whose underlying count is under
//! [`PUBLIC_MIN`] reads "fewer than 5", and no median of fewer than 5 values
//! is shown.

use std::collections::BTreeMap;

use chrono::{Datelike, Months, NaiveDate};
use diesel::PgConnection;

use super::format;
use super::model::{
    Dimension, Figures, Grain, Key, Period, ReportQuery, ReportScope, ReportSource, Share,
};
use super::view::{Cell, Names, Section, Table};
use crate::i18n::Locale;

/// Counts under this are suppressed; medians need at least this many values.
pub const PUBLIC_MIN: i64 = 5;

/// How many whole calendar months the page covers.
pub const MONTHS: u32 = 6;

/// The figures the page shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicStats {
    pub period: Period,
    pub months: Vec<(Period, Figures)>,
    pub departments: BTreeMap<Key, Figures>,
    pub categories: BTreeMap<Key, Figures>,
}

/// The [`MONTHS`] whole calendar months before the one `today` is in.
pub fn period(today: NaiveDate) -> Period {
    let this_month = today.with_day(1).expect("day 1 exists");
    Period {
        from: this_month - Months::new(MONTHS),
        to: this_month,
    }
}

/// The figures for the page: the whole organisation, with medians of at
/// least `min_count` (and never fewer than [`PUBLIC_MIN`]) values.
pub fn figures(
    conn: &mut PgConnection,
    source: &dyn ReportSource,
    zone: chrono_tz::Tz,
    today: NaiveDate,
    min_count: i64,
) -> anyhow::Result<PublicStats> {
    let q = ReportQuery {
        scope: ReportScope::All,
        period: period(today),
        zone,
        min_count: min_count.max(PUBLIC_MIN),
    };
    Ok(PublicStats {
        period: q.period,
        months: source.series(conn, &q, Grain::Month)?,
        departments: source.breakdown(conn, &q, Dimension::Department)?,
        categories: source.breakdown(conn, &q, Dimension::Category)?,
    })
}

fn suppressed(locale: Locale) -> Cell {
    let text = locale.text("statistics-fewer-than-5");
    Cell::value(text.clone(), text)
}

fn count(locale: Locale, n: i64) -> Cell {
    if n < PUBLIC_MIN {
        suppressed(locale)
    } else {
        Cell::count(n, None)
    }
}

fn median(locale: Locale, n: i64, m: Option<i64>) -> Cell {
    match m {
        _ if n < PUBLIC_MIN => suppressed(locale),
        Some(m) => Cell::value(format::duration(locale, m), m.to_string()),
        None => Cell::value(locale.text("reports-too-few"), String::new()),
    }
}

fn share(locale: Locale, s: Share) -> Cell {
    if s.of < PUBLIC_MIN {
        return suppressed(locale);
    }
    let r = s.ratio();
    Cell::value(
        r.map(format::percent).unwrap_or_default(),
        format::csv_ratio(r),
    )
}

fn columns(locale: Locale, first: &str) -> Vec<String> {
    [
        first,
        "reports-received",
        "reports-resolved",
        "statistics-col-fr-median",
        "statistics-col-res-median",
        "statistics-col-fr-within",
        "statistics-col-res-within",
    ]
    .into_iter()
    .map(|k| locale.text(k))
    .collect()
}

fn row(locale: Locale, label: String, f: &Figures) -> Vec<Cell> {
    vec![
        Cell::label(label),
        count(locale, f.received),
        count(locale, f.resolved),
        median(
            locale,
            f.first_response_business.n,
            f.first_response_business.median,
        ),
        median(
            locale,
            f.resolution_business.n,
            f.resolution_business.median,
        ),
        share(locale, f.first_response_within),
        share(locale, f.resolution_within),
    ]
}

fn section(locale: Locale, id: &str, first: &str, rows: Vec<Vec<Cell>>) -> Section {
    Section {
        id: id.into(),
        title: locale.text(&format!("statistics-{id}-title")),
        description: locale.text(&format!("statistics-{id}-description")),
        chart: None,
        table: Table {
            id: id.into(),
            columns: columns(locale, first),
            rows,
        },
    }
}

/// The page's three tables, suppressed.
pub fn sections(stats: &PublicStats, names: &Names, locale: Locale) -> Vec<Section> {
    let named = |dim: Dimension, map: &BTreeMap<Key, Figures>| {
        let mut rows: Vec<(String, &Figures)> = map
            .iter()
            .map(|(k, f)| (names.label(dim, k, locale), f))
            .collect();
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        rows.into_iter()
            .map(|(l, f)| row(locale, l, f))
            .collect::<Vec<_>>()
    };
    vec![
        section(
            locale,
            "months",
            "statistics-col-month",
            stats
                .months
                .iter()
                .map(|(p, f)| row(locale, p.from.format("%Y-%m").to_string(), f))
                .collect(),
        ),
        section(
            locale,
            "departments",
            "reports-col-department",
            named(Dimension::Department, &stats.departments),
        ),
        section(
            locale,
            "categories",
            "reports-col-category",
            named(Dimension::Category, &stats.categories),
        ),
    ]
}

/// All three tables in one CSV: a first column names the table.
pub fn csv(sections: &[Section], locale: Locale) -> String {
    let mut out = String::new();
    for (i, s) in sections.iter().enumerate() {
        let mut t = s.table.clone();
        t.columns.insert(0, locale.text("statistics-col-table"));
        for r in &mut t.rows {
            r.insert(0, Cell::label(s.id.clone()));
        }
        let text = t.to_csv();
        // One header line for all: the first column of the first table's
        // header names the table; the others share the same columns after
        // the first, so only their rows follow.
        if i == 0 {
            out.push_str(&text);
        } else {
            out.push_str(text.split_once("\r\n").map(|x| x.1).unwrap_or_default());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_counts_and_medians_of_few_are_suppressed() {
        let en = Locale::En;
        assert_eq!(count(en, 4).text, "fewer than 5");
        assert_eq!(count(en, 0).text, "fewer than 5");
        assert_eq!(count(en, 5).text, "5");
        assert_eq!(median(en, 4, Some(30)).text, "fewer than 5");
        assert_eq!(median(en, 5, Some(30)).text, "30 min");
        assert_eq!(share(en, Share { count: 4, of: 4 }).text, "fewer than 5");
        assert_eq!(share(en, Share { count: 3, of: 6 }).text, "50%");
        assert_eq!(
            period(NaiveDate::from_ymd_opt(2026, 3, 15).unwrap()),
            Period::new(
                NaiveDate::from_ymd_opt(2025, 9, 1).unwrap(),
                NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()
            )
            .unwrap()
        );
    }
}
