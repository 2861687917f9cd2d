//! The dashboards as people read them: sections, each with a table (and
//! perhaps a chart of the same data), every cell with its text for the page,
//! its value for the CSV and, for readers who may see tickets, a link to the
//! tickets behind it. Built from [`super::dashboards`] data; nothing here
//! computes a figure, it only names, orders and formats them.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, Days};
use diesel::prelude::*;
use serde::Serialize;

use super::charts::{self, Series};
use super::dashboards::{AgentData, Compared, LeaderData, SupervisorData};
use super::format;
use super::model::{Dimension, Figures, Grain, Held, Key, Period};
use crate::i18n::Locale;
use crate::schema::{areas, categories, departments, users};

/// One cell: the page's text, the CSV's value, and maybe a drill-down link.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Cell {
    pub text: String,
    pub csv: String,
    pub href: Option<String>,
    /// Right-aligned (a number).
    pub num: bool,
}

impl Cell {
    pub(crate) fn label(text: impl Into<String>) -> Self {
        let text = text.into();
        Self {
            csv: text.clone(),
            text,
            href: None,
            num: false,
        }
    }

    pub(crate) fn count(n: i64, href: Option<String>) -> Self {
        Self {
            text: n.to_string(),
            csv: n.to_string(),
            href,
            num: true,
        }
    }

    pub(crate) fn value(text: String, csv: String) -> Self {
        Self {
            text,
            csv,
            href: None,
            num: true,
        }
    }
}

/// A table, downloadable as CSV.
#[derive(Debug, Clone, Serialize)]
pub struct Table {
    pub id: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// A chart of a section's table.
#[derive(Debug, Clone, Serialize)]
pub struct Chart {
    pub id: String,
    pub title: String,
    pub description: String,
    /// Built by [`charts`], every text escaped.
    pub svg: String,
}

/// A part of a dashboard: a heading, what it shows, a chart and the table.
#[derive(Debug, Clone, Serialize)]
pub struct Section {
    pub id: String,
    pub title: String,
    pub description: String,
    pub chart: Option<Chart>,
    pub table: Table,
}

/// A whole dashboard.
#[derive(Debug, Clone, Serialize)]
pub struct Dashboard {
    pub sections: Vec<Section>,
}

impl Dashboard {
    pub fn table(&self, id: &str) -> Option<&Table> {
        self.sections.iter().map(|s| &s.table).find(|t| t.id == id)
    }
}

impl Table {
    /// The table as CSV (RFC 4180: CRLF line ends, quoted where needed).
    pub fn to_csv(&self) -> String {
        fn field(s: &str) -> String {
            // A leading = + - @ would be a formula in a spreadsheet.
            let s = if s.starts_with(['=', '+', '-', '@']) && s.parse::<f64>().is_err() {
                format!("'{s}")
            } else {
                s.to_string()
            };
            if s.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", s.replace('"', "\"\""))
            } else {
                s
            }
        }
        let mut out = String::new();
        let line =
            |cells: Vec<String>| cells.iter().map(|c| field(c)).collect::<Vec<_>>().join(",");
        out.push_str(&line(self.columns.clone()));
        out.push_str("\r\n");
        for row in &self.rows {
            out.push_str(&line(row.iter().map(|c| c.csv.clone()).collect()));
            out.push_str("\r\n");
        }
        out
    }
}

/// The names behind breakdown keys (ids), looked up once per page.
#[derive(Debug, Clone, Default)]
pub struct Names {
    pub departments: HashMap<i64, String>,
    pub categories: HashMap<i64, String>,
    pub areas: HashMap<i64, String>,
    /// Staff names: only for readers shown a staff breakdown.
    pub staff: HashMap<i64, String>,
}

impl Names {
    pub fn load(conn: &mut PgConnection, staff: bool) -> QueryResult<Self> {
        let pairs = |rows: Vec<(i64, String)>| rows.into_iter().collect::<HashMap<_, _>>();
        Ok(Self {
            departments: pairs(
                departments::table
                    .select((departments::id, departments::name))
                    .load(conn)?,
            ),
            categories: pairs(
                categories::table
                    .select((categories::id, categories::name))
                    .load(conn)?,
            ),
            areas: pairs(areas::table.select((areas::id, areas::name)).load(conn)?),
            staff: if staff {
                pairs(users::table.select((users::id, users::name)).load(conn)?)
            } else {
                HashMap::new()
            },
        })
    }

    /// A key's name: a department, category, area or staff member's name, a
    /// kind or channel in words; "unassigned" / "unknown" for none.
    pub fn label(&self, dim: Dimension, key: &Key, locale: Locale) -> String {
        let id = || key.0.as_deref().and_then(|k| k.parse::<i64>().ok());
        let named = |map: &HashMap<i64, String>| {
            id().and_then(|i| map.get(&i).cloned())
                .unwrap_or_else(|| locale.text("reports-unknown"))
        };
        match (dim, &key.0) {
            (Dimension::Staff, None) => locale.text("reports-unassigned"),
            (_, None) => locale.text("reports-unknown"),
            (Dimension::Department, _) => named(&self.departments),
            (Dimension::Category, _) => named(&self.categories),
            (Dimension::Area, _) => named(&self.areas),
            (Dimension::Staff, _) => named(&self.staff),
            (Dimension::Kind, Some(k)) => {
                locale.text(&format!("reports-kind-{}", k.replace('_', "-")))
            }
            (Dimension::Channel, Some(c)) => locale.text(&format!("queues-channel-{c}")),
        }
    }
}

/// Where numbers link to, for readers who may see the tickets behind them
/// (`None` for leaders: aggregates only).
#[derive(Debug, Clone)]
pub struct Drill {
    /// The period, as `from=…&to=…`.
    pub period_query: String,
}

/// The figures a drill-down can list.
pub const DRILL_FIGURES: [&str; 4] = ["received", "resolved", "backlog", "breaches"];

impl Drill {
    fn href(&self, figure: &str, by: Option<(Dimension, &Key)>, period: Option<&Period>) -> String {
        let period_query = period
            .map(|p| format!("from={}&to={}", p.from, p.to - Days::new(1)))
            .unwrap_or_else(|| self.period_query.clone());
        let mut href = format!("/staff/reports/tickets?figure={figure}&{period_query}");
        if let Some((dim, key)) = by {
            href.push_str(&format!(
                "&by={}&key={}",
                dim.as_str(),
                key.0.as_deref().unwrap_or("none")
            ));
        }
        href
    }
}

fn link(drill: Option<&Drill>, figure: &str, by: Option<(Dimension, &Key)>) -> Option<String> {
    drill.map(|d| d.href(figure, by, None))
}

fn pct_cells(locale: Locale, v: Option<i64>) -> Cell {
    Cell::value(
        format::percentile(locale, v),
        v.map(|m| m.to_string()).unwrap_or_default(),
    )
}

fn share_cell(locale: Locale, s: super::model::Share) -> Cell {
    Cell::value(format::share(locale, s), format::csv_ratio(s.ratio()))
}

/// How a share is read off a figure set.
type ShareOf = fn(&Figures) -> super::model::Share;

/// How a percentile is read off a figure set.
type MinutesOf = fn(&Figures) -> Option<i64>;

/// The headline table: every figure of `docs/reports.md`, this period and
/// the one before.
fn headline(c: &Compared, locale: Locale, drill: Option<&Drill>, prev: &Period) -> Section {
    let t = |k: &str| locale.text(k);
    let (cur, was) = (&c.current, &c.previous);
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    let mut count = |key: &str, figure: Option<&str>, now: i64, before: i64| {
        let href = figure.and_then(|f| link(drill, f, None));
        let prev_href = figure.and_then(|f| drill.map(|d| d.href(f, None, Some(prev))));
        rows.push(vec![
            Cell::label(t(key)),
            Cell::count(now, href),
            Cell::count(before, prev_href),
            Cell::value(
                format::change(locale, now, before),
                (now - before).to_string(),
            ),
        ]);
    };
    count(
        "reports-received",
        Some("received"),
        cur.received,
        was.received,
    );
    count(
        "reports-resolved",
        Some("resolved"),
        cur.resolved,
        was.resolved,
    );
    count("reports-backlog", Some("backlog"), cur.backlog, was.backlog);
    for (i, key) in [
        "reports-age-0-2",
        "reports-age-3-7",
        "reports-age-8-30",
        "reports-age-over-30",
    ]
    .into_iter()
    .enumerate()
    {
        count(key, None, cur.backlog_age[i], was.backlog_age[i]);
    }
    count(
        "reports-breaches",
        Some("breaches"),
        cur.breaches,
        was.breaches,
    );
    count(
        "reports-keep-in-touch-breaches",
        None,
        cur.keep_in_touch_breaches,
        was.keep_in_touch_breaches,
    );
    count("reports-extended", None, cur.extended, was.extended);
    let blank = || Cell::value(String::new(), String::new());
    let pcts: [(&str, MinutesOf); 8] = [
        ("reports-fr-median-business", |f| {
            f.first_response_business.median
        }),
        ("reports-fr-p90-business", |f| f.first_response_business.p90),
        ("reports-fr-median-calendar", |f| {
            f.first_response_calendar.median
        }),
        ("reports-fr-p90-calendar", |f| f.first_response_calendar.p90),
        ("reports-res-median-business", |f| {
            f.resolution_business.median
        }),
        ("reports-res-p90-business", |f| f.resolution_business.p90),
        ("reports-res-median-calendar", |f| {
            f.resolution_calendar.median
        }),
        ("reports-res-p90-calendar", |f| f.resolution_calendar.p90),
    ];
    for (key, get) in pcts {
        rows.push(vec![
            Cell::label(t(key)),
            pct_cells(locale, get(cur)),
            pct_cells(locale, get(was)),
            blank(),
        ]);
    }
    for (key, get) in [
        (
            "reports-fr-within",
            (|f: &Figures| f.first_response_within) as ShareOf,
        ),
        ("reports-res-within", |f| f.resolution_within),
        ("reports-reopen-rate", |f| f.reopened),
    ] {
        rows.push(vec![
            Cell::label(t(key)),
            share_cell(locale, get(cur)),
            share_cell(locale, get(was)),
            blank(),
        ]);
    }
    rows.push(vec![
        Cell::label(t("reports-transfers-per-ticket")),
        Cell::value(
            format::ratio(locale, cur.transfers_per_ticket()),
            format::csv_ratio(cur.transfers_per_ticket()),
        ),
        Cell::value(
            format::ratio(locale, was.transfers_per_ticket()),
            format::csv_ratio(was.transfers_per_ticket()),
        ),
        blank(),
    ]);
    rows.push(vec![
        Cell::label(t("reports-satisfaction")),
        Cell::value(t("reports-no-data-yet"), String::new()),
        Cell::value(t("reports-no-data-yet"), String::new()),
        blank(),
    ]);
    Section {
        id: "headline".into(),
        title: t("reports-headline-title"),
        description: t("reports-headline-description"),
        chart: None,
        table: Table {
            id: "headline".into(),
            columns: vec![
                t("reports-col-figure"),
                t("reports-col-this-period"),
                t("reports-col-previous-period"),
                t("reports-col-change"),
            ],
            rows,
        },
    }
}

/// A bucket of a time series, named by its first day.
fn bucket_label(p: &Period, grain: Grain) -> String {
    match grain {
        Grain::Day => p.from.format("%-d %b").to_string(),
        Grain::Week => p.from.format("%-d %b").to_string(),
        Grain::Month => p.from.format("%b %Y").to_string(),
    }
}

fn trend(
    series: &[(Period, Figures)],
    grain: Grain,
    locale: Locale,
    drill: Option<&Drill>,
) -> Section {
    let t = |k: &str| locale.text(k);
    let rows = series
        .iter()
        .map(|(p, f)| {
            let last = p.to - Days::new(1);
            let link = |fig: &str| drill.map(|d| d.href(fig, None, Some(p)));
            vec![
                Cell::label(p.from.to_string()),
                Cell::label(last.to_string()),
                Cell::count(f.received, link("received")),
                Cell::count(f.resolved, link("resolved")),
                Cell::count(f.backlog, link("backlog")),
                Cell::count(f.breaches, link("breaches")),
                pct_cells(locale, f.first_response_business.median),
                pct_cells(locale, f.resolution_business.median),
                share_cell(locale, f.resolution_within),
            ]
        })
        .collect();
    let labels: Vec<String> = series.iter().map(|(p, _)| bucket_label(p, grain)).collect();
    let title = t(&format!("reports-trend-title-{}", grain.as_str()));
    let description = t("reports-trend-description");
    let svg = charts::line_chart(
        "chart-trend",
        &title,
        &description,
        &labels,
        &[
            Series {
                name: t("reports-received"),
                values: series.iter().map(|(_, f)| f.received).collect(),
            },
            Series {
                name: t("reports-resolved"),
                values: series.iter().map(|(_, f)| f.resolved).collect(),
            },
        ],
    );
    Section {
        id: "trend".into(),
        title: title.clone(),
        description: description.clone(),
        chart: Some(Chart {
            id: "chart-trend".into(),
            title,
            description,
            svg,
        }),
        table: Table {
            id: "trend".into(),
            columns: vec![
                t("reports-col-from"),
                t("reports-col-to"),
                t("reports-received"),
                t("reports-resolved"),
                t("reports-backlog-end"),
                t("reports-breaches"),
                t("reports-fr-median-business"),
                t("reports-res-median-business"),
                t("reports-res-within"),
            ],
            rows,
        },
    }
}

fn backlog_age(f: &Figures, locale: Locale) -> Section {
    let t = |k: &str| locale.text(k);
    let keys = [
        "reports-age-0-2",
        "reports-age-3-7",
        "reports-age-8-30",
        "reports-age-over-30",
    ];
    let items: Vec<(String, f64, String)> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| (t(k), f.backlog_age[i] as f64, f.backlog_age[i].to_string()))
        .collect();
    let title = t("reports-age-title");
    let description = t("reports-age-description");
    Section {
        id: "backlog-age".into(),
        title: title.clone(),
        description: description.clone(),
        chart: Some(Chart {
            id: "chart-backlog-age".into(),
            svg: charts::bar_chart("chart-backlog-age", &title, &description, &items),
            title,
            description,
        }),
        table: Table {
            id: "backlog-age".into(),
            columns: vec![t("reports-col-age"), t("reports-col-tickets")],
            rows: items
                .iter()
                .enumerate()
                .map(|(i, (label, _, _))| {
                    vec![
                        Cell::label(label.clone()),
                        Cell::count(f.backlog_age[i], None),
                    ]
                })
                .collect(),
        },
    }
}

/// The columns of a breakdown, after its name.
fn breakdown_columns(locale: Locale, first: &str) -> Vec<String> {
    let t = |k: &str| locale.text(k);
    vec![
        t(first),
        t("reports-received"),
        t("reports-resolved"),
        t("reports-backlog"),
        t("reports-fr-median-business"),
        t("reports-fr-median-calendar"),
        t("reports-res-median-business"),
        t("reports-res-median-calendar"),
        t("reports-res-p90-business"),
        t("reports-fr-within"),
        t("reports-res-within"),
        t("reports-breaches"),
        t("reports-reopen-rate"),
        t("reports-transfers-per-ticket"),
    ]
}

fn breakdown_row(
    label: String,
    dim: Dimension,
    key: &Key,
    f: &Figures,
    locale: Locale,
    drill: Option<&Drill>,
) -> Vec<Cell> {
    let by = Some((dim, key));
    vec![
        Cell::label(label),
        Cell::count(f.received, link(drill, "received", by)),
        Cell::count(f.resolved, link(drill, "resolved", by)),
        Cell::count(f.backlog, link(drill, "backlog", by)),
        pct_cells(locale, f.first_response_business.median),
        pct_cells(locale, f.first_response_calendar.median),
        pct_cells(locale, f.resolution_business.median),
        pct_cells(locale, f.resolution_calendar.median),
        pct_cells(locale, f.resolution_business.p90),
        share_cell(locale, f.first_response_within),
        share_cell(locale, f.resolution_within),
        Cell::count(f.breaches, link(drill, "breaches", by)),
        share_cell(locale, f.reopened),
        Cell::value(
            format::ratio(locale, f.transfers_per_ticket()),
            format::csv_ratio(f.transfers_per_ticket()),
        ),
    ]
}

struct Ctx<'a> {
    names: &'a Names,
    locale: Locale,
    drill: Option<&'a Drill>,
}

fn breakdown(
    cx: &Ctx<'_>,
    id: &str,
    dim: Dimension,
    map: &BTreeMap<Key, Figures>,
    first_col: &str,
) -> Section {
    let t = |k: &str| cx.locale.text(k);
    let mut rows: Vec<(String, &Key, &Figures)> = map
        .iter()
        .map(|(k, f)| (cx.names.label(dim, k, cx.locale), k, f))
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    Section {
        id: id.into(),
        title: t(&format!("reports-{id}-title")),
        description: t(&format!("reports-{id}-description")),
        chart: None,
        table: Table {
            id: id.into(),
            columns: breakdown_columns(cx.locale, first_col),
            rows: rows
                .into_iter()
                .map(|(label, k, f)| breakdown_row(label, dim, k, f, cx.locale, cx.drill))
                .collect(),
        },
    }
}

/// The department league table: ranked by the share of resolutions within
/// their target (best first; none counted last), then by name.
fn league(cx: &Ctx<'_>, map: &BTreeMap<Key, Figures>) -> Section {
    let dim = Dimension::Department;
    let mut s = breakdown(cx, "departments", dim, map, "reports-col-department");
    let mut entries: Vec<(String, &Key, &Figures)> = map
        .iter()
        .map(|(k, f)| (cx.names.label(dim, k, cx.locale), k, f))
        .collect();
    entries.sort_by(|a, b| {
        let (x, y) = (a.2.resolution_within.ratio(), b.2.resolution_within.ratio());
        let by_share = match (x, y) {
            (Some(x), Some(y)) => y.partial_cmp(&x).unwrap_or(std::cmp::Ordering::Equal),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        };
        by_share.then_with(|| a.0.cmp(&b.0))
    });
    s.table
        .columns
        .insert(0, cx.locale.text("reports-col-rank"));
    s.table.rows = entries
        .into_iter()
        .enumerate()
        .map(|(i, (label, k, f))| {
            let mut row = breakdown_row(label, dim, k, f, cx.locale, cx.drill);
            row.insert(0, Cell::count(i as i64 + 1, None));
            row
        })
        .collect();
    s
}

/// The share of a period's met clocks that missed their target.
fn late_share(f: &Figures) -> super::model::Share {
    let of = f.first_response_within.of + f.resolution_within.of;
    let within = f.first_response_within.count + f.resolution_within.count;
    super::model::Share {
        count: of - within,
        of,
    }
}

/// The categories whose SLA clocks most often missed their targets (the
/// ten worst; categories with no clock met in the period are left out).
fn worst_categories(cx: &Ctx<'_>, map: &BTreeMap<Key, Figures>) -> Section {
    let t = |k: &str| cx.locale.text(k);
    let mut rows: Vec<(String, &Key, &Figures, f64)> = map
        .iter()
        .filter_map(|(k, f)| {
            late_share(f)
                .ratio()
                .map(|r| (cx.names.label(Dimension::Category, k, cx.locale), k, f, r))
        })
        .collect();
    rows.sort_by(|a, b| {
        b.3.partial_cmp(&a.3)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.0.cmp(&b.0))
    });
    rows.truncate(10);
    let title = t("reports-worst-title");
    let description = t("reports-worst-description");
    let items: Vec<(String, f64, String)> = rows
        .iter()
        .map(|(l, _, _, r)| (l.clone(), *r, format::percent(*r)))
        .collect();
    Section {
        id: "worst-categories".into(),
        title: title.clone(),
        description: description.clone(),
        chart: Some(Chart {
            id: "chart-worst".into(),
            svg: charts::bar_chart("chart-worst", &title, &description, &items),
            title,
            description,
        }),
        table: Table {
            id: "worst-categories".into(),
            columns: vec![
                t("reports-col-category"),
                t("reports-col-late-share"),
                t("reports-breaches"),
                t("reports-received"),
            ],
            rows: rows
                .iter()
                .map(|(l, k, f, _)| {
                    vec![
                        Cell::label(l.clone()),
                        share_cell(cx.locale, late_share(f)),
                        Cell::count(
                            f.breaches,
                            link(cx.drill, "breaches", Some((Dimension::Category, k))),
                        ),
                        Cell::count(
                            f.received,
                            link(cx.drill, "received", Some((Dimension::Category, k))),
                        ),
                    ]
                })
                .collect(),
        },
    }
}

/// Which channels requests came through, by share of those received.
fn channel_mix(cx: &Ctx<'_>, map: &BTreeMap<Key, Figures>) -> Section {
    let t = |k: &str| cx.locale.text(k);
    let total: i64 = map.values().map(|f| f.received).sum();
    let mut rows: Vec<(String, &Key, i64)> = map
        .iter()
        .map(|(k, f)| {
            (
                cx.names.label(Dimension::Channel, k, cx.locale),
                k,
                f.received,
            )
        })
        .collect();
    rows.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
    let share = |n: i64| super::model::Share {
        count: n,
        of: total,
    };
    let title = t("reports-channels-title");
    let description = t("reports-channels-description");
    let items: Vec<(String, f64, String)> = rows
        .iter()
        .map(|(l, _, n)| (l.clone(), *n as f64, format::share(cx.locale, share(*n))))
        .collect();
    Section {
        id: "channels".into(),
        title: title.clone(),
        description: description.clone(),
        chart: Some(Chart {
            id: "chart-channels".into(),
            svg: charts::bar_chart("chart-channels", &title, &description, &items),
            title,
            description,
        }),
        table: Table {
            id: "channels".into(),
            columns: vec![
                t("reports-col-channel"),
                t("reports-received"),
                t("reports-col-share-received"),
            ],
            rows: rows
                .iter()
                .map(|(l, k, n)| {
                    vec![
                        Cell::label(l.clone()),
                        Cell::count(
                            *n,
                            link(cx.drill, "received", Some((Dimension::Channel, k))),
                        ),
                        share_cell(cx.locale, share(*n)),
                    ]
                })
                .collect(),
        },
    }
}

fn held(cx: &Ctx<'_>, held: &[Held]) -> Section {
    let t = |k: &str| cx.locale.text(k);
    let mut rows: Vec<(String, &Held)> = held
        .iter()
        .map(|h| {
            (
                cx.names
                    .departments
                    .get(&h.department_id)
                    .cloned()
                    .unwrap_or_else(|| t("reports-unknown")),
                h,
            )
        })
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    Section {
        id: "held".into(),
        title: t("reports-held-title"),
        description: t("reports-held-description"),
        chart: None,
        table: Table {
            id: "held".into(),
            columns: vec![
                t("reports-col-department"),
                t("reports-col-tickets"),
                t("reports-col-time-held"),
            ],
            rows: rows
                .into_iter()
                .map(|(name, h)| {
                    vec![
                        Cell::label(name),
                        Cell::count(h.tickets, None),
                        Cell::value(
                            format::duration(cx.locale, h.minutes),
                            h.minutes.to_string(),
                        ),
                    ]
                })
                .collect(),
        },
    }
}

pub fn leader(data: &LeaderData, names: &Names, locale: Locale) -> Dashboard {
    let cx = Ctx {
        names,
        locale,
        drill: None,
    };
    Dashboard {
        sections: vec![
            headline(&data.headline, locale, None, &data.previous),
            trend(&data.series, data.grain, locale, None),
            backlog_age(&data.headline.current, locale),
            league(&cx, &data.departments),
            worst_categories(&cx, &data.categories),
            channel_mix(&cx, &data.channels),
            breakdown(
                &cx,
                "categories",
                Dimension::Category,
                &data.categories,
                "reports-col-category",
            ),
            breakdown(
                &cx,
                "kinds",
                Dimension::Kind,
                &data.kinds,
                "reports-col-kind",
            ),
            breakdown(
                &cx,
                "areas",
                Dimension::Area,
                &data.areas,
                "reports-col-area",
            ),
            held(&cx, &data.held),
        ],
    }
}

pub fn supervisor(
    data: &SupervisorData,
    names: &Names,
    locale: Locale,
    drill: &Drill,
) -> Dashboard {
    let cx = Ctx {
        names,
        locale,
        drill: Some(drill),
    };
    Dashboard {
        sections: vec![
            headline(&data.headline, locale, Some(drill), &data.previous),
            trend(&data.series, data.grain, locale, Some(drill)),
            backlog_age(&data.headline.current, locale),
            breakdown(
                &cx,
                "staff",
                Dimension::Staff,
                &data.staff,
                "reports-col-staff",
            ),
            league(&cx, &data.departments),
            worst_categories(&cx, &data.categories),
            channel_mix(&cx, &data.channels),
            breakdown(
                &cx,
                "categories",
                Dimension::Category,
                &data.categories,
                "reports-col-category",
            ),
            held(&cx, &data.held),
        ],
    }
}

pub fn agent(data: &AgentData, names: &Names, locale: Locale, drill: &Drill) -> Dashboard {
    let cx = Ctx {
        names,
        locale,
        drill: Some(drill),
    };
    Dashboard {
        sections: vec![
            headline(&data.headline, locale, Some(drill), &data.previous),
            trend(&data.series, data.grain, locale, Some(drill)),
            backlog_age(&data.headline.current, locale),
            breakdown(
                &cx,
                "categories",
                Dimension::Category,
                &data.categories,
                "reports-col-category",
            ),
        ],
    }
}

/// "1 Mar 2026" for a local date.
pub fn long_date(d: chrono::NaiveDate) -> String {
    format!("{} {}", d.day(), d.format("%b %Y"))
}

/// A reader's dashboard data, by role.
#[derive(Debug, Clone)]
pub enum Data {
    Leader(LeaderData),
    Supervisor(SupervisorData),
    Agent(AgentData),
}

impl Data {
    /// Loads the dashboard `q.scope` calls for: the organisation's (a
    /// leader's), departments' (a supervisor's) or one's own (an agent's).
    pub fn load(
        conn: &mut PgConnection,
        source: &dyn super::model::ReportSource,
        q: &super::model::ReportQuery,
    ) -> anyhow::Result<Self> {
        use super::model::ReportScope;
        Ok(match &q.scope {
            ReportScope::All => Self::Leader(super::dashboards::leader(conn, source, q)?),
            ReportScope::Departments(_) => {
                Self::Supervisor(super::dashboards::supervisor(conn, source, q)?)
            }
            ReportScope::Assignee(_) => Self::Agent(super::dashboards::agent(conn, source, q)?),
        })
    }

    /// Whether names of staff are shown (a supervisor's staff breakdown).
    pub fn shows_staff(&self) -> bool {
        matches!(self, Self::Supervisor(_))
    }

    pub fn headline(&self) -> &Compared {
        match self {
            Self::Leader(d) => &d.headline,
            Self::Supervisor(d) => &d.headline,
            Self::Agent(d) => &d.headline,
        }
    }

    /// The sections; numbers link to their tickets when `drill` is given
    /// (never for a leader).
    pub fn dashboard(&self, names: &Names, locale: Locale, drill: Option<&Drill>) -> Dashboard {
        match (self, drill) {
            (Self::Leader(d), _) => leader(d, names, locale),
            (Self::Supervisor(d), Some(drill)) => supervisor(d, names, locale, drill),
            (Self::Agent(d), Some(drill)) => agent(d, names, locale, drill),
            (Self::Supervisor(d), None) => {
                let mut dash = supervisor(
                    d,
                    names,
                    locale,
                    &Drill {
                        period_query: String::new(),
                    },
                );
                strip_links(&mut dash);
                dash
            }
            (Self::Agent(d), None) => {
                let mut dash = agent(
                    d,
                    names,
                    locale,
                    &Drill {
                        period_query: String::new(),
                    },
                );
                strip_links(&mut dash);
                dash
            }
        }
    }
}

fn strip_links(d: &mut Dashboard) {
    for s in &mut d.sections {
        for r in &mut s.table.rows {
            for c in r {
                c.href = None;
            }
        }
    }
}
