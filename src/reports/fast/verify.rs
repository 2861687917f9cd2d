//! `civicdesk reports verify`: the leader's dashboard and every department
//! supervisor's, from the fast implementation and from the reference, compared.

use chrono::NaiveDate;
use chrono_tz::Tz;
use diesel::prelude::*;

use super::Fast;
use crate::reports::dashboards;
use crate::reports::model::{Period, ReportQuery, ReportScope};
use crate::reports::reference::Reference;

/// One dashboard that differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub dashboard: String,
}

/// Compares every dashboard for `period`; returns those that differ and how
/// many were compared.
pub fn verify(
    conn: &mut PgConnection,
    zone: Tz,
    period: Period,
    min_count: i64,
) -> anyhow::Result<(usize, Vec<Difference>)> {
    let q = |scope| ReportQuery {
        scope,
        period,
        zone,
        min_count,
    };
    let mut differ = Vec::new();
    let leader = q(ReportScope::All);
    if dashboards::leader(conn, &Fast, &leader)? != dashboards::leader(conn, &Reference, &leader)? {
        differ.push(Difference {
            dashboard: "leader".into(),
        });
    }
    let departments: Vec<(i64, String)> = crate::schema::departments::table
        .select((
            crate::schema::departments::id,
            crate::schema::departments::slug,
        ))
        .order(crate::schema::departments::id)
        .load(conn)?;
    for (id, slug) in &departments {
        let s = q(ReportScope::Departments(vec![*id]));
        if dashboards::supervisor(conn, &Fast, &s)? != dashboards::supervisor(conn, &Reference, &s)?
        {
            differ.push(Difference {
                dashboard: format!("supervisor of {slug}"),
            });
        }
    }
    Ok((1 + departments.len(), differ))
}

/// `reports.min_count`'s default (docs/reports.md).
pub const MIN_COUNT: i64 = 5;

/// The last 12 months before `today` (its default period).
pub fn last_year(today: NaiveDate) -> Period {
    let from = today - chrono::Months::new(12);
    Period { from, to: today }
}
