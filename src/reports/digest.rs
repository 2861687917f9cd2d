//! The weekly digest's weeks and content. A digest covers one ISO week,
//! Monday to Sunday in the council's zone, and falls due on the Monday after
//! it at [`SEND_HOUR`]:00 council time. The job that sends it (exactly once
//! per person per week) is `jobs::digest`.

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::{DateTime, Datelike, Days, IsoWeek, NaiveDate, Utc, Weekday};
use chrono_tz::Tz;
use diesel::PgConnection;
use fluent_templates::fluent_bundle::FluentValue;

use super::dashboards::Compared;
use super::drilldown::{self, Figure};
use super::format;
use super::model::{day_start, Dimension, Period, ReportQuery, ReportScope, ReportSource};
use super::view::{long_date, Names};
use crate::configuration::Settings;
use crate::email::messages::{DigestCount, DigestLine, DigestTicket, WeeklyDigest};
use crate::i18n::Locale;

/// The hour (council time) on Monday the previous week's digest goes out.
pub const SEND_HOUR: u32 = 7;

/// Breached tickets listed in a supervisor's digest at most.
pub const MAX_TICKETS: i64 = 25;

/// An ISO week, by its Monday.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Week {
    pub monday: NaiveDate,
}

impl Week {
    /// The week `date` is in.
    pub fn of(date: NaiveDate) -> Self {
        Self {
            monday: date - Days::new(date.weekday().num_days_from_monday().into()),
        }
    }

    /// `2026-W10`.
    pub fn parse(s: &str) -> Option<Self> {
        let (y, w) = s.trim().split_once("-W")?;
        let (y, w) = (y.parse::<i32>().ok()?, w.parse::<u32>().ok()?);
        NaiveDate::from_isoywd_opt(y, w, Weekday::Mon).map(|monday| Self { monday })
    }

    pub fn iso(&self) -> IsoWeek {
        self.monday.iso_week()
    }

    pub fn label(&self) -> String {
        let w = self.iso();
        format!("{}-W{:02}", w.year(), w.week())
    }

    pub fn period(&self) -> Period {
        Period {
            from: self.monday,
            to: self.monday + Days::new(7),
        }
    }

    pub fn previous(&self) -> Self {
        Self {
            monday: self.monday - Days::new(7),
        }
    }

    /// When its digest falls due: the next Monday, [`SEND_HOUR`]:00 council time.
    pub fn due_at(&self, zone: Tz) -> DateTime<Utc> {
        day_start(self.monday + Days::new(7), zone) + chrono::Duration::hours(SEND_HOUR.into())
    }

    /// The latest week whose digest is due at `now`.
    pub fn latest_due(now: DateTime<Utc>, zone: Tz) -> Self {
        let today = now.with_timezone(&zone).date_naive();
        let last = Self::of(today).previous();
        if last.due_at(zone) <= now {
            last
        } else {
            last.previous()
        }
    }
}

/// Whose digest it is.
#[derive(Debug, Clone)]
pub struct Reader {
    pub name: String,
    pub locale: Locale,
    pub scope: ReportScope,
}

fn arg(locale: Locale, key: &str, name: &'static str, value: String) -> String {
    let args = HashMap::from([(Cow::Borrowed(name), FluentValue::from(value))]);
    locale.text_with(key, &args)
}

/// The digest's content for `reader` and `week`, from `source`.
pub fn content(
    conn: &mut PgConnection,
    source: &dyn ReportSource,
    reader: &Reader,
    week: Week,
    settings: &Settings,
) -> anyhow::Result<WeeklyDigest> {
    let zone = settings.application.time_zone;
    let min_count = settings.reports.min_count;
    let council_name = &settings.application.council_name;
    let base_url = &settings.application.public_base_url;
    let locale = reader.locale;
    let q = ReportQuery {
        scope: reader.scope.clone(),
        period: week.period(),
        zone,
        min_count,
    };
    let compared = Compared {
        current: source.figures(conn, &q)?,
        previous: source.figures(
            conn,
            &ReportQuery {
                period: week.previous().period(),
                ..q.clone()
            },
        )?,
    };
    let names = Names::load(conn, false)?;
    let (cur, was) = (&compared.current, &compared.previous);
    let t = |k: &str| locale.text(k);
    let count = |key: &str, a: i64, b: i64| DigestLine {
        label: t(key),
        value: a.to_string(),
        previous: b.to_string(),
    };
    let lines = vec![
        count("reports-received", cur.received, was.received),
        count("reports-resolved", cur.resolved, was.resolved),
        count("reports-backlog", cur.backlog, was.backlog),
        DigestLine {
            label: t("reports-fr-median-business"),
            value: format::percentile(locale, cur.first_response_business.median),
            previous: format::percentile(locale, was.first_response_business.median),
        },
        DigestLine {
            label: t("reports-res-median-business"),
            value: format::percentile(locale, cur.resolution_business.median),
            previous: format::percentile(locale, was.resolution_business.median),
        },
        DigestLine {
            label: t("reports-fr-within"),
            value: format::share(locale, cur.first_response_within),
            previous: format::share(locale, was.first_response_within),
        },
        DigestLine {
            label: t("reports-res-within"),
            value: format::share(locale, cur.resolution_within),
            previous: format::share(locale, was.resolution_within),
        },
        count("reports-breaches", cur.breaches, was.breaches),
    ];
    let mut breach_departments: Vec<DigestCount> = source
        .breakdown(conn, &q, Dimension::Department)?
        .into_iter()
        .filter(|(_, f)| f.breaches > 0)
        .map(|(k, f)| DigestCount {
            name: names.label(Dimension::Department, &k, locale),
            count: f.breaches,
        })
        .collect();
    breach_departments.sort_by(|a, b| b.count.cmp(&a.count).then(a.name.cmp(&b.name)));
    // Leaders read aggregates only: no ticket lists.
    let (breach_tickets, more_tickets) = match &reader.scope {
        ReportScope::All => (Vec::new(), false),
        scope => {
            let rows = drilldown::tickets(
                conn,
                &ReportQuery {
                    scope: scope.clone(),
                    ..q.clone()
                },
                Figure::Breaches,
                None,
                MAX_TICKETS,
            )?;
            let more = rows.first().is_some_and(|r| r.total > MAX_TICKETS);
            (
                rows.into_iter()
                    .map(|r| DigestTicket {
                        url: base_url
                            .join(&format!("/staff/tickets/{}", r.reference))
                            .map(|u| u.to_string())
                            .unwrap_or_default(),
                        reference: r.reference,
                        category: r.category,
                        department: r.department,
                    })
                    .collect(),
                more,
            )
        }
    };
    let scope = match &reader.scope {
        ReportScope::All => t("email-digest-scope-all"),
        ReportScope::Departments(ids) => {
            let mut n: Vec<String> = ids
                .iter()
                .filter_map(|i| names.departments.get(i).cloned())
                .collect();
            n.sort();
            arg(
                locale,
                "email-digest-scope-departments",
                "names",
                n.join(", "),
            )
        }
        ReportScope::Assignee(_) => t("email-digest-scope-own"),
    };
    let last = week.monday + Days::new(6);
    Ok(WeeklyDigest {
        council_name: council_name.to_string(),
        staff_name: reader.name.clone(),
        week: week.label(),
        from: long_date(week.monday),
        to: long_date(last),
        scope,
        lines,
        breaches: cur.breaches,
        breach_departments,
        breach_tickets,
        more_tickets,
        dashboard_url: base_url
            .join(&format!("/staff/reports?from={}&to={last}", week.monday))
            .map(|u| u.to_string())
            .unwrap_or_default(),
        account_url: base_url
            .join("/staff/account")
            .map(|u| u.to_string())
            .unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_week_is_due_on_the_monday_after_at_seven_council_time() {
        let london = chrono_tz::Europe::London;
        let w = Week::parse("2026-W10").unwrap();
        assert_eq!(w.monday, NaiveDate::from_ymd_opt(2026, 3, 2).unwrap());
        assert_eq!(w.label(), "2026-W10");
        assert_eq!(Week::parse("2026-W54"), None);
        assert_eq!(Week::parse("2026-10"), None);
        // Summer time: 07:00 BST is 06:00 UTC.
        let summer = Week::parse("2026-W27").unwrap();
        assert_eq!(
            summer.due_at(london),
            Utc.with_ymd_and_hms(2026, 7, 6, 6, 0, 0).unwrap()
        );
        let monday_early = Utc.with_ymd_and_hms(2026, 3, 9, 6, 59, 0).unwrap();
        assert_eq!(Week::latest_due(monday_early, london), w.previous());
        let monday_seven = Utc.with_ymd_and_hms(2026, 3, 9, 7, 0, 0).unwrap();
        assert_eq!(Week::latest_due(monday_seven, london), w);
        let sunday = Utc.with_ymd_and_hms(2026, 3, 15, 23, 0, 0).unwrap();
        assert_eq!(Week::latest_due(sunday, london), w);
    }
}
