//! Areas (wards, districts), their imports, and the re-placement runs that
//! follow an import.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::schema::{area_imports, area_placements, areas};

/// An area as stored. `geometry` is a GeoJSON MultiPolygon (see `areas::geometry::Shape`).
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = areas)]
pub struct Area {
    pub id: i64,
    pub kind: String,
    pub code: String,
    pub name: String,
    pub geometry: serde_json::Value,
    pub min_lat: f64,
    pub max_lat: f64,
    pub min_lon: f64,
    pub max_lon: f64,
    pub vertex_count: i32,
    pub properties: serde_json::Value,
    pub import_id: i64,
    pub retired_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An area's new or changed columns (everything but its id and creation).
#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = areas)]
#[diesel(treat_none_as_null = true)]
pub struct AreaRow<'a> {
    pub kind: &'a str,
    pub code: &'a str,
    pub name: &'a str,
    pub geometry: &'a serde_json::Value,
    pub min_lat: f64,
    pub max_lat: f64,
    pub min_lon: f64,
    pub max_lon: f64,
    pub vertex_count: i32,
    pub properties: &'a serde_json::Value,
    pub import_id: i64,
    pub retired_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = area_imports)]
pub struct AreaImport {
    pub id: i64,
    pub source: String,
    pub file_name: Option<String>,
    pub actor_user_id: Option<i64>,
    pub kind: String,
    pub features: i32,
    pub created: i32,
    pub reshaped: i32,
    pub renamed: i32,
    pub unchanged: i32,
    pub retired: i32,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = area_imports)]
pub struct NewAreaImport<'a> {
    pub source: &'a str,
    pub file_name: Option<&'a str>,
    pub actor_user_id: Option<i64>,
    pub kind: &'a str,
    pub features: i32,
    pub created_at: DateTime<Utc>,
}

/// A run of re-placing tickets, and how far it got.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = area_placements)]
pub struct AreaPlacement {
    pub id: i64,
    pub import_id: Option<i64>,
    pub all_tickets: bool,
    pub changed_area_ids: Vec<Option<i64>>,
    pub min_lat: Option<f64>,
    pub max_lat: Option<f64>,
    pub min_lon: Option<f64>,
    pub max_lon: Option<f64>,
    pub placed_through: i64,
    pub tickets_checked: i64,
    pub tickets_moved: i64,
    pub finished_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = area_placements)]
pub struct NewAreaPlacement {
    pub import_id: Option<i64>,
    pub all_tickets: bool,
    pub changed_area_ids: Vec<Option<i64>>,
    pub min_lat: Option<f64>,
    pub max_lat: Option<f64>,
    pub min_lon: Option<f64>,
    pub max_lon: Option<f64>,
    pub created_at: DateTime<Utc>,
}
