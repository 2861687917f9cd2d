//! An import replaces the set of active areas, matched by code, in one
//! transaction: new codes are added, known codes take their new outline and
//! name, codes missing from the file are retired (kept, so what named them
//! still can; a later file with the code brings it back). If any outline
//! changed, a re-placement run is queued in the same transaction (see
//! [`super::placement`]).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Nullable};

use super::geometry::{BBox, ParsedArea, Shape};
use super::AREAS_LOCK;
use crate::db::models::area::{Area, AreaImport, AreaRow, NewAreaImport, NewAreaPlacement};
use crate::schema::{area_imports, area_placements, areas};

/// Where an import came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Cli,
    Admin,
    Seed,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cli => "cli",
            Self::Admin => "admin",
            Self::Seed => "seed",
        }
    }
}

/// A checked file and who imports it.
#[derive(Debug, Clone, Copy)]
pub struct ImportRequest<'a> {
    pub areas: &'a [ParsedArea],
    pub kind: &'a str,
    pub source: Source,
    pub file_name: Option<&'a str>,
    pub actor_user_id: Option<i64>,
    pub now: DateTime<Utc>,
}

/// What an import did.
#[derive(Debug, Clone)]
pub struct ImportReport {
    pub import: AreaImport,
    /// The re-placement it queued, when an outline changed.
    pub placement_id: Option<i64>,
}

/// Replaces the active areas with the file's (see the module's notes).
#[tracing::instrument(skip_all, fields(areas = req.areas.len(), source = req.source.as_str()))]
pub fn import_areas(conn: &mut PgConnection, req: ImportRequest) -> QueryResult<ImportReport> {
    conn.transaction(|conn| {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
            .bind::<BigInt, _>(AREAS_LOCK)
            .execute(conn)?;
        let now = req.now;
        let mut import: AreaImport = diesel::insert_into(area_imports::table)
            .values(&NewAreaImport {
                source: req.source.as_str(),
                file_name: req.file_name,
                actor_user_id: req.actor_user_id,
                kind: req.kind,
                features: req.areas.len() as i32,
                created_at: now,
            })
            .returning(AreaImport::as_returning())
            .get_result(conn)?;
        let existing: Vec<Area> = areas::table.select(Area::as_select()).load(conn)?;
        let by_code: HashMap<&str, &Area> = existing.iter().map(|a| (a.code.as_str(), a)).collect();

        let mut changed_ids: Vec<i64> = Vec::new();
        let mut new_box: Option<BBox> = None;
        let mut grow = |b: BBox| new_box = Some(new_box.map_or(b, |n| n.union(b)));
        for area in req.areas {
            let geometry = area.shape.to_geojson();
            let properties = serde_json::Value::Object(area.properties.clone());
            let bbox = area.shape.bbox();
            let mut row = AreaRow {
                kind: req.kind,
                code: &area.code,
                name: &area.name,
                geometry: &geometry,
                min_lat: bbox.min_lat,
                max_lat: bbox.max_lat,
                min_lon: bbox.min_lon,
                max_lon: bbox.max_lon,
                vertex_count: area.shape.vertex_count() as i32,
                properties: &properties,
                import_id: import.id,
                retired_at: None,
                updated_at: now,
            };
            let Some(old) = by_code.get(area.code.as_str()) else {
                diesel::insert_into(areas::table)
                    .values((&row, areas::created_at.eq(now)))
                    .execute(conn)?;
                import.created += 1;
                grow(bbox);
                continue;
            };
            let same_shape = Shape::from_stored(&old.geometry).is_ok_and(|s| s == area.shape);
            if old.retired_at.is_some() {
                import.created += 1;
                grow(bbox);
            } else if !same_shape {
                import.reshaped += 1;
                changed_ids.push(old.id);
                grow(bbox);
            } else if old.name != area.name || old.kind != req.kind || old.properties != properties
            {
                import.renamed += 1;
                row.import_id = old.import_id;
            } else {
                import.unchanged += 1;
                continue;
            }
            diesel::update(areas::table.find(old.id))
                .set(&row)
                .execute(conn)?;
        }

        let in_file: HashSet<&str> = req.areas.iter().map(|a| a.code.as_str()).collect();
        let retire: Vec<i64> = existing
            .iter()
            .filter(|a| a.retired_at.is_none() && !in_file.contains(a.code.as_str()))
            .map(|a| a.id)
            .collect();
        if !retire.is_empty() {
            diesel::update(areas::table.filter(areas::id.eq_any(&retire)))
                .set((areas::retired_at.eq(now), areas::updated_at.eq(now)))
                .execute(conn)?;
        }
        import.retired = retire.len() as i32;
        changed_ids.extend(retire);

        diesel::update(area_imports::table.find(import.id))
            .set((
                area_imports::created.eq(import.created),
                area_imports::reshaped.eq(import.reshaped),
                area_imports::renamed.eq(import.renamed),
                area_imports::unchanged.eq(import.unchanged),
                area_imports::retired.eq(import.retired),
            ))
            .execute(conn)?;

        let placement_id = if changed_ids.is_empty() && new_box.is_none() {
            None
        } else {
            Some(
                diesel::insert_into(area_placements::table)
                    .values(&NewAreaPlacement {
                        import_id: Some(import.id),
                        all_tickets: false,
                        changed_area_ids: changed_ids.into_iter().map(Some).collect(),
                        min_lat: new_box.map(|b| b.min_lat),
                        max_lat: new_box.map(|b| b.max_lat),
                        min_lon: new_box.map(|b| b.min_lon),
                        max_lon: new_box.map(|b| b.max_lon),
                        created_at: now,
                    })
                    .returning(area_placements::id)
                    .get_result(conn)?,
            )
        };
        tracing::info!(
            import.id = import.id,
            created = import.created,
            reshaped = import.reshaped,
            renamed = import.renamed,
            unchanged = import.unchanged,
            retired = import.retired,
            placement.id = placement_id,
            "areas imported"
        );
        Ok(ImportReport {
            import,
            placement_id,
        })
    })
}

/// An area with how many tickets it holds now.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AreaSummary {
    pub id: i64,
    pub kind: String,
    pub code: String,
    pub name: String,
    pub vertex_count: i32,
    pub tickets: i64,
    pub retired_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

/// Every area (active ones first, each by code) and the tickets outside any.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AreaList {
    pub areas: Vec<AreaSummary>,
    /// Tickets with coordinates in no area.
    pub unplaced: i64,
    /// Tickets without coordinates.
    pub without_coordinates: i64,
}

/// Lists the areas with their ticket counts: one pass over the tickets.
pub fn list(conn: &mut PgConnection) -> QueryResult<AreaList> {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = Nullable<BigInt>)]
        area_id: Option<i64>,
        #[diesel(sql_type = Bool)]
        located: bool,
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let counts: Vec<Count> = diesel::sql_query(
        "SELECT area_id, latitude IS NOT NULL AS located, count(*) AS n \
         FROM tickets GROUP BY 1, 2",
    )
    .load(conn)?;
    let mut by_area: HashMap<i64, i64> = HashMap::new();
    let (mut unplaced, mut without_coordinates) = (0, 0);
    for c in counts {
        match (c.area_id, c.located) {
            (Some(id), _) => *by_area.entry(id).or_default() += c.n,
            (None, true) => unplaced += c.n,
            (None, false) => without_coordinates += c.n,
        }
    }
    type Row = (
        i64,
        String,
        String,
        String,
        i32,
        Option<DateTime<Utc>>,
        DateTime<Utc>,
    );
    let rows: Vec<Row> = areas::table
        .order((areas::retired_at.is_not_null(), areas::code.asc()))
        .select((
            areas::id,
            areas::kind,
            areas::code,
            areas::name,
            areas::vertex_count,
            areas::retired_at,
            areas::updated_at,
        ))
        .load(conn)?;
    let areas = rows
        .into_iter()
        .map(
            |(id, kind, code, name, vertex_count, retired_at, updated_at)| AreaSummary {
                tickets: by_area.get(&id).copied().unwrap_or(0),
                id,
                kind,
                code,
                name,
                vertex_count,
                retired_at,
                updated_at,
            },
        )
        .collect();
    Ok(AreaList {
        areas,
        unplaced,
        without_coordinates,
    })
}

/// The latest imports, newest first.
pub fn recent_imports(conn: &mut PgConnection, limit: i64) -> QueryResult<Vec<AreaImport>> {
    area_imports::table
        .order(area_imports::id.desc())
        .limit(limit)
        .select(AreaImport::as_select())
        .load(conn)
}
