//! `civicdesk areas ...`: the same import and placement as the admin page,
//! from a terminal, with progress while tickets are re-placed.

use std::path::Path;
use std::time::Instant;

use anyhow::{bail, Context};
use chrono::{DateTime, Utc};
use diesel::PgConnection;

use super::geometry::{self, ImportOptions, MAX_IMPORT_BYTES};
use super::import::{self, ImportRequest, Source};
use super::{messages, placement};
use crate::i18n::Locale;

/// Reads, checks and imports `path`, then re-places the tickets it affects.
pub fn import_file(
    conn: &mut PgConnection,
    path: &Path,
    options: &ImportOptions,
    now: &dyn Fn() -> DateTime<Utc>,
) -> anyhow::Result<()> {
    let size = std::fs::metadata(path)
        .with_context(|| format!("reading {}", path.display()))?
        .len();
    if size > MAX_IMPORT_BYTES as u64 {
        bail!(
            "nothing was imported: {}",
            messages::text(
                Locale::En,
                &geometry::Problem::file(geometry::ProblemKind::TooLarge {
                    max_bytes: MAX_IMPORT_BYTES
                })
            )
        );
    }
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let areas = match geometry::parse_import(&bytes, options) {
        Ok(areas) => areas,
        Err(problems) => {
            let lines: Vec<String> = problems
                .iter()
                .map(|p| format!("  {}", messages::text(Locale::En, p)))
                .collect();
            bail!(
                "nothing was imported; {} has {}:\n{}",
                path.display(),
                if problems.len() == 1 {
                    "a problem".to_string()
                } else {
                    format!("{} problems", problems.len())
                },
                lines.join("\n")
            );
        }
    };
    let file_name = path.file_name().map(|f| f.to_string_lossy().into_owned());
    let report = import::import_areas(
        conn,
        ImportRequest {
            areas: &areas,
            kind: &options.kind,
            source: Source::Cli,
            file_name: file_name.as_deref(),
            actor_user_id: None,
            now: now(),
        },
    )
    .context("importing the areas")?;
    let i = &report.import;
    println!(
        "Imported {} areas ({}) from {}: {} new, {} with a new outline, {} renamed, {} unchanged, {} retired.",
        i.features,
        i.kind,
        path.display(),
        i.created,
        i.reshaped,
        i.renamed,
        i.unchanged,
        i.retired
    );
    if report.placement_id.is_none() {
        println!("No outline changed, so no ticket moved.");
        return Ok(());
    }
    place(conn, now)
}

/// Works through every queued re-placement, showing progress.
pub fn place(conn: &mut PgConnection, now: &dyn Fn() -> DateTime<Utc>) -> anyhow::Result<()> {
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{elapsed_precise} [{bar:40}] {percent}% of tickets by id, {msg}",
        )
        .expect("a valid template")
        .progress_chars("=> "),
    );
    let started = Instant::now();
    let outcome = placement::place_pending(conn, now, &placement::Limits::default(), &mut |p| {
        bar.set_length(p.last_ticket_id.max(1) as u64);
        bar.set_position(p.placed_through as u64);
        bar.set_message(format!("{} checked, {} moved", p.checked, p.moved));
    })
    .context("re-placing tickets")?;
    bar.finish_and_clear();
    match outcome.state {
        placement::RunState::Busy => {
            println!(
                "Another CivicDesk process is re-placing tickets now; it will finish the work."
            );
        }
        _ => println!(
            "Re-placed tickets: {} checked, {} moved to another area, in {:.1} s.",
            outcome.checked,
            outcome.moved,
            started.elapsed().as_secs_f64()
        ),
    }
    Ok(())
}

/// `areas list`: one line per area, then the tickets in none.
pub fn list(conn: &mut PgConnection) -> anyhow::Result<String> {
    let list = import::list(conn).context("listing the areas")?;
    let header = ["CODE", "NAME", "KIND", "TICKETS", "STATE"].map(String::from);
    let rows: Vec<[String; 5]> = list
        .areas
        .iter()
        .map(|a| {
            [
                a.code.clone(),
                a.name.clone(),
                a.kind.clone(),
                a.tickets.to_string(),
                if a.retired_at.is_some() {
                    "retired".into()
                } else {
                    "active".into()
                },
            ]
        })
        .collect();
    let mut widths = header.clone().map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let line: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    if rows.is_empty() {
        out.push_str("(no areas; import some with `civicdesk areas import FILE.geojson`)\n");
    }
    out.push_str(&format!(
        "Tickets with coordinates in no area: {}. Tickets without coordinates: {}.\n",
        list.unplaced, list.without_coordinates
    ));
    Ok(out)
}
