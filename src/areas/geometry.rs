//! Area shapes in plain Rust (no web, no SQL): reading a GeoJSON file of
//! wards or districts into checked [`ParsedArea`]s, every problem named with
//! its feature, and the [`Placer`] that finds the area a point lies in.
//!
//! GeoJSON is read with the `geojson` crate and tested with `geo`:
//! validity (self-intersecting rings, holes outside their polygon, parts that
//! overlap) is geo's own check, and containment uses its interval-tree index
//! (`IntervalTreeMultiPolygon`, O(log n) per point rather than O(n)).
//!
//! # Where a point goes
//!
//! 1. Into the area whose inside (not its edge) holds it. Areas are not
//!    checked against each other, so where two overlap, the one whose code
//!    sorts first (plain character order) wins.
//! 2. A point exactly on an edge (the line between two wards, or an area's
//!    outer edge) and inside no area goes to the area, among those whose edge
//!    it is on, whose code sorts first. So a shared boundary is never counted
//!    twice and never lost, and the answer is the same every time.
//! 3. A point in no area (or on no edge) has none: "unknown" in reports.
//!
//! Holes (interior rings) are not part of their area: a point in a hole is
//! placed by whatever area fills the hole, if any.
//!
//! # Why not PostgreSQL's `polygon @> point`
//!
//! Core PostgreSQL's geometric types would keep placement in SQL, but its
//! `polygon` has one ring (holes and MultiPolygons would be split into rows
//! and combined by hand), counts a point on an edge as inside both areas
//! that share it, compares with a fixed tolerance of 1e-6 degrees (about
//! 10 cm), and reads a large polygon from TOAST for every row it tests. geo's
//! robust predicates are exact, and one in-memory index per area serves a
//! re-placement of millions of points.

use std::collections::HashMap;

use geo::coordinate_position::CoordPos;
use geo::indexed::IntervalTreeMultiPolygon;
use geo::orient::{Direction, Orient};
use geo::validation::{InvalidMultiPolygon, InvalidPolygon, RingRole};
use geo::HasDimensions;
use geo::{Contains, Coord, CoordinatePosition, LineString, MultiPolygon, Polygon};
use serde_json::{json, Map, Value};

/// The largest file an import takes.
pub const MAX_IMPORT_BYTES: usize = 32 * 1024 * 1024;
/// The most features one file may have.
pub const MAX_FEATURES: usize = 5_000;
/// Problems listed for one file; the rest are counted.
pub const MAX_PROBLEMS: usize = 50;
/// Longest area name and code.
pub const NAME_MAX: usize = 200;
pub const CODE_MAX: usize = 100;

/// How to read a file: what its areas are, and which properties name them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportOptions {
    /// e.g. `ward` or `district`: lowercase letters, digits and `_`.
    pub kind: String,
    pub name_property: String,
    pub code_property: String,
}

impl Default for ImportOptions {
    fn default() -> Self {
        Self {
            kind: "ward".into(),
            name_property: "name".into(),
            code_property: "code".into(),
        }
    }
}

/// A latitude/longitude box, edges included.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BBox {
    pub min_lat: f64,
    pub max_lat: f64,
    pub min_lon: f64,
    pub max_lon: f64,
}

impl BBox {
    pub fn contains(&self, lat: f64, lon: f64) -> bool {
        self.min_lat <= lat && lat <= self.max_lat && self.min_lon <= lon && lon <= self.max_lon
    }

    /// The smallest box holding both.
    pub fn union(self, other: BBox) -> BBox {
        BBox {
            min_lat: self.min_lat.min(other.min_lat),
            max_lat: self.max_lat.max(other.max_lat),
            min_lon: self.min_lon.min(other.min_lon),
            max_lon: self.max_lon.max(other.max_lon),
        }
    }

    fn of(coords: impl Iterator<Item = Coord<f64>>) -> Option<BBox> {
        coords.fold(None, |b: Option<BBox>, c| {
            let here = BBox {
                min_lat: c.y,
                max_lat: c.y,
                min_lon: c.x,
                max_lon: c.x,
            };
            Some(b.map_or(here, |b| b.union(here)))
        })
    }
}

/// A checked area outline: one or more polygons, each possibly with holes,
/// exterior rings counter-clockwise and holes clockwise (as RFC 7946 asks and
/// the containment index needs). `x` is longitude, `y` latitude.
#[derive(Debug, Clone, PartialEq)]
pub struct Shape {
    polygons: MultiPolygon<f64>,
    bbox: BBox,
    vertex_count: usize,
}

impl Shape {
    fn new(polygons: MultiPolygon<f64>) -> Option<Self> {
        let polygons = polygons.orient(Direction::Default);
        let bbox = BBox::of(polygons.iter().flat_map(|p| {
            p.exterior()
                .coords()
                .chain(p.interiors().iter().flat_map(|r| r.coords()))
                .copied()
        }))?;
        let vertex_count = polygons
            .iter()
            .map(|p| p.exterior().0.len() + p.interiors().iter().map(|r| r.0.len()).sum::<usize>())
            .sum();
        Some(Self {
            polygons,
            bbox,
            vertex_count,
        })
    }

    /// Builds a shape from `[[[[lon, lat], ...], ...], ...]` rings without
    /// checking them (for tests and trusted input; imports go through
    /// [`parse_import`]).
    pub fn from_rings(parts: &[Vec<Vec<(f64, f64)>>]) -> Option<Self> {
        let polygons = parts
            .iter()
            .filter_map(|rings| {
                let mut rings = rings.iter().map(|r| {
                    LineString::from(r.iter().map(|&(x, y)| Coord { x, y }).collect::<Vec<_>>())
                });
                let exterior = rings.next()?;
                Some(Polygon::new(exterior, rings.collect()))
            })
            .collect::<Vec<_>>();
        Self::new(MultiPolygon::new(polygons))
    }

    pub fn bbox(&self) -> BBox {
        self.bbox
    }

    pub fn vertex_count(&self) -> usize {
        self.vertex_count
    }

    /// As stored: a GeoJSON MultiPolygon geometry.
    pub fn to_geojson(&self) -> Value {
        let ring = |r: &LineString<f64>| -> Value {
            Value::Array(r.coords().map(|c| json!([c.x, c.y])).collect())
        };
        let coordinates: Vec<Value> = self
            .polygons
            .iter()
            .map(|p| {
                Value::Array(
                    std::iter::once(p.exterior())
                        .chain(p.interiors())
                        .map(ring)
                        .collect(),
                )
            })
            .collect();
        json!({ "type": "MultiPolygon", "coordinates": coordinates })
    }

    /// A shape as [`Shape::to_geojson`] stored it. Trusted: it was checked
    /// when imported, so only its form is checked here.
    pub fn from_stored(geometry: &Value) -> Result<Self, String> {
        let geometry: geojson::Geometry = serde_json::from_value(geometry.clone())
            .map_err(|e| format!("a stored area is not GeoJSON: {e}"))?;
        let parts = match geometry.value {
            geojson::GeometryValue::MultiPolygon { coordinates } => coordinates,
            geojson::GeometryValue::Polygon { coordinates } => vec![coordinates],
            other => return Err(format!("a stored area is a {}", other.type_name())),
        };
        let polygons = parts
            .iter()
            .map(|rings| to_polygon(rings))
            .collect::<Option<Vec<_>>>()
            .ok_or("a stored area has a polygon without rings")?;
        Self::new(MultiPolygon::new(polygons)).ok_or_else(|| "a stored area is empty".into())
    }

    /// Where `lat, lon` is: inside, on an edge, or outside (O(n) in the vertices).
    pub fn position(&self, lat: f64, lon: f64) -> CoordPos {
        self.polygons.coordinate_position(&Coord { x: lon, y: lat })
    }
}

fn to_polygon(rings: &[Vec<geojson::Position>]) -> Option<Polygon<f64>> {
    let mut rings = rings.iter().map(|r| {
        LineString::from(
            r.iter()
                .map(|p| Coord { x: p[0], y: p[1] })
                .collect::<Vec<_>>(),
        )
    });
    let exterior = rings.next()?;
    Some(Polygon::new(exterior, rings.collect()))
}

/// One feature of an import, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedArea {
    /// Its place in the file's `features` (from 0).
    pub index: usize,
    pub code: String,
    pub name: String,
    pub shape: Shape,
    /// The feature's other properties, kept as they were.
    pub properties: Map<String, Value>,
}

/// Which feature a problem is about: its place in `features` (from 0) and,
/// when it has one, its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeatureRef {
    pub index: usize,
    pub name: Option<String>,
}

/// A ring of a feature's geometry. `part` is the polygon of a MultiPolygon
/// (from 1; `None` for a Polygon); `hole` the interior ring (from 1; `None`
/// for the outer ring).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RingRef {
    pub part: Option<usize>,
    pub hole: Option<usize>,
}

/// What is wrong, in data; `areas::messages` words it.
#[derive(Debug, Clone, PartialEq)]
pub enum ProblemKind {
    /// Over [`MAX_IMPORT_BYTES`].
    TooLarge {
        max_bytes: usize,
    },
    /// No file and no text.
    Empty,
    NotJson {
        line: usize,
        column: usize,
    },
    /// JSON, but not a FeatureCollection or Feature. `found`: its `type`, if any.
    NotGeoJson {
        found: Option<String>,
    },
    NoFeatures,
    TooManyFeatures {
        max: usize,
        found: usize,
    },
    /// The `--kind` given is not a word such as `ward`.
    BadKind {
        kind: String,
    },
    /// An empty property name was given for the name or the code.
    BadPropertyOption,
    /// An element of `features` is not an object with `"type": "Feature"`.
    NotAFeature,
    NoGeometry,
    /// A geometry other than Polygon or MultiPolygon.
    GeometryType {
        found: String,
    },
    /// The geometry's `coordinates` are not arrays of positions as its type needs.
    BadCoordinates,
    NoPolygons,
    /// A position that is not two finite numbers (at `position`, from 1).
    BadPosition {
        ring: RingRef,
        position: usize,
    },
    TooFewPositions {
        ring: RingRef,
        count: usize,
    },
    RingNotClosed {
        ring: RingRef,
    },
    OutOfRange {
        ring: RingRef,
        position: usize,
        lon: f64,
        lat: f64,
    },
    SelfIntersection {
        ring: RingRef,
    },
    /// Two rings of one polygon cross or share a stretch of line.
    RingsCross {
        part: Option<usize>,
        a: RingRef,
        b: RingRef,
    },
    HoleOutside {
        ring: RingRef,
    },
    /// Two polygons of a MultiPolygon overlap or share an edge (from 1).
    PartsOverlap {
        a: usize,
        b: usize,
    },
    MissingProperty {
        property: String,
        available: Vec<String>,
    },
    /// The property is there but empty, or not text or a number.
    BadProperty {
        property: String,
    },
    PropertyTooLong {
        property: String,
        max: usize,
    },
    DuplicateCode {
        code: String,
        first_index: usize,
    },
    /// More problems than are listed.
    More {
        count: usize,
    },
}

/// One problem with an import, and the feature it concerns (`None`: the whole file).
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub feature: Option<FeatureRef>,
    pub kind: ProblemKind,
}

impl Problem {
    pub fn file(kind: ProblemKind) -> Self {
        Self {
            feature: None,
            kind,
        }
    }
}

/// Whether `kind` is a word such as `ward` (lowercase letters, digits, `_`).
pub fn valid_kind(kind: &str) -> bool {
    let mut chars = kind.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && kind.len() <= 40
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Reads a GeoJSON FeatureCollection (or a single Feature) of Polygons and
/// MultiPolygons. Either every feature is good, or nothing is returned but
/// the problems (at most [`MAX_PROBLEMS`], then a count of the rest).
pub fn parse_import(
    bytes: &[u8],
    options: &ImportOptions,
) -> Result<Vec<ParsedArea>, Vec<Problem>> {
    let file = |k| Err(vec![Problem::file(k)]);
    if bytes.len() > MAX_IMPORT_BYTES {
        return file(ProblemKind::TooLarge {
            max_bytes: MAX_IMPORT_BYTES,
        });
    }
    let mut option_problems = Vec::new();
    if !valid_kind(&options.kind) {
        option_problems.push(Problem::file(ProblemKind::BadKind {
            kind: options.kind.chars().take(60).collect(),
        }));
    }
    if options.name_property.trim().is_empty() || options.code_property.trim().is_empty() {
        option_problems.push(Problem::file(ProblemKind::BadPropertyOption));
    }
    if !option_problems.is_empty() {
        return Err(option_problems);
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return file(ProblemKind::Empty);
    }
    let value: Value = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        Err(e) => {
            return file(ProblemKind::NotJson {
                line: e.line(),
                column: e.column(),
            })
        }
    };
    let features: Vec<&Value> = match value.get("type").and_then(Value::as_str) {
        Some("FeatureCollection") => match value.get("features").and_then(Value::as_array) {
            Some(f) => f.iter().collect(),
            None => {
                return file(ProblemKind::NotGeoJson {
                    found: Some("FeatureCollection".into()),
                })
            }
        },
        Some("Feature") => vec![&value],
        other => {
            return file(ProblemKind::NotGeoJson {
                found: other.map(|s| s.chars().take(60).collect()),
            })
        }
    };
    if features.is_empty() {
        return file(ProblemKind::NoFeatures);
    }
    if features.len() > MAX_FEATURES {
        return file(ProblemKind::TooManyFeatures {
            max: MAX_FEATURES,
            found: features.len(),
        });
    }

    let mut problems = Vec::new();
    let mut areas = Vec::with_capacity(features.len());
    let mut first_of_code: HashMap<String, usize> = HashMap::new();
    for (index, feature) in features.into_iter().enumerate() {
        match parse_feature(index, feature, options) {
            Ok(area) => {
                if let Some(&first_index) = first_of_code.get(&area.code) {
                    problems.push(Problem {
                        feature: Some(FeatureRef {
                            index,
                            name: Some(area.name.clone()),
                        }),
                        kind: ProblemKind::DuplicateCode {
                            code: area.code.clone(),
                            first_index,
                        },
                    });
                } else {
                    first_of_code.insert(area.code.clone(), index);
                }
                areas.push(area);
            }
            Err(mut p) => problems.append(&mut p),
        }
    }
    if problems.is_empty() {
        return Ok(areas);
    }
    if problems.len() > MAX_PROBLEMS {
        let count = problems.len() - MAX_PROBLEMS;
        problems.truncate(MAX_PROBLEMS);
        problems.push(Problem::file(ProblemKind::More { count }));
    }
    Err(problems)
}

/// A property as text: a non-empty string (trimmed) or a number.
fn property(props: &Map<String, Value>, name: &str, max: usize) -> Result<String, ProblemKind> {
    let text = match props.get(name) {
        None | Some(Value::Null) => {
            return Err(ProblemKind::MissingProperty {
                property: name.to_string(),
                available: props.keys().take(30).cloned().collect(),
            })
        }
        Some(Value::String(s)) => s.split_whitespace().collect::<Vec<_>>().join(" "),
        Some(Value::Number(n)) => n.to_string(),
        Some(_) => String::new(),
    };
    if text.is_empty() {
        return Err(ProblemKind::BadProperty {
            property: name.to_string(),
        });
    }
    if text.chars().count() > max {
        return Err(ProblemKind::PropertyTooLong {
            property: name.to_string(),
            max,
        });
    }
    Ok(text)
}

fn parse_feature(
    index: usize,
    feature: &Value,
    options: &ImportOptions,
) -> Result<ParsedArea, Vec<Problem>> {
    let Some(obj) = feature
        .as_object()
        .filter(|o| o.get("type").and_then(Value::as_str) == Some("Feature"))
    else {
        return Err(vec![Problem {
            feature: Some(FeatureRef { index, name: None }),
            kind: ProblemKind::NotAFeature,
        }]);
    };
    let empty = Map::new();
    let props = obj
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let name = property(props, options.name_property.trim(), NAME_MAX);
    let code = property(props, options.code_property.trim(), CODE_MAX);
    let at = FeatureRef {
        index,
        name: name.as_ref().ok().or(code.as_ref().ok()).cloned(),
    };
    let problem = |kind| Problem {
        feature: Some(at.clone()),
        kind,
    };
    let mut problems: Vec<Problem> = Vec::new();
    if let Err(k) = &name {
        problems.push(problem(k.clone()));
    }
    if let Err(k) = &code {
        problems.push(problem(k.clone()));
    }
    match parse_geometry(obj.get("geometry")) {
        Ok(shape) => match (name, code, problems.is_empty()) {
            (Ok(name), Ok(code), true) => {
                let mut properties = props.clone();
                properties.remove(options.name_property.trim());
                properties.remove(options.code_property.trim());
                Ok(ParsedArea {
                    index,
                    code,
                    name,
                    shape,
                    properties,
                })
            }
            _ => Err(problems),
        },
        Err(kinds) => {
            problems.extend(kinds.into_iter().map(problem));
            Err(problems)
        }
    }
}

fn parse_geometry(geometry: Option<&Value>) -> Result<Shape, Vec<ProblemKind>> {
    let geometry = match geometry {
        None | Some(Value::Null) => return Err(vec![ProblemKind::NoGeometry]),
        Some(g) => g,
    };
    let multi = match geometry.get("type").and_then(Value::as_str) {
        Some("Polygon") => false,
        Some("MultiPolygon") => true,
        other => {
            return Err(vec![ProblemKind::GeometryType {
                found: other.unwrap_or("(none)").chars().take(60).collect(),
            }])
        }
    };
    // The positions are checked here (geojson accepts any array of numbers).
    let parsed: geojson::Geometry =
        serde_json::from_value(geometry.clone()).map_err(|_| vec![ProblemKind::BadCoordinates])?;
    let parts = match parsed.value {
        geojson::GeometryValue::Polygon { coordinates } => vec![coordinates],
        geojson::GeometryValue::MultiPolygon { coordinates } => coordinates,
        _ => return Err(vec![ProblemKind::BadCoordinates]),
    };
    if parts.is_empty() {
        return Err(vec![ProblemKind::NoPolygons]);
    }
    let mut problems = Vec::new();
    for (p, rings) in parts.iter().enumerate() {
        let part = multi.then_some(p + 1);
        if rings.is_empty() {
            problems.push(ProblemKind::TooFewPositions {
                ring: RingRef { part, hole: None },
                count: 0,
            });
        }
        for (r, positions) in rings.iter().enumerate() {
            let ring = RingRef {
                part,
                hole: (r > 0).then_some(r),
            };
            check_ring(ring, positions, &mut problems);
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let polygons = MultiPolygon::new(parts.iter().filter_map(|rings| to_polygon(rings)).collect());
    for e in validation_errors(&polygons) {
        problems.push(validity_problem(e, multi));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    if polygons.is_empty() {
        return Err(vec![ProblemKind::NoPolygons]);
    }
    Shape::new(polygons).ok_or_else(|| vec![ProblemKind::NoPolygons])
}

fn check_ring(ring: RingRef, positions: &[geojson::Position], problems: &mut Vec<ProblemKind>) {
    if let Some(position) = positions
        .iter()
        .position(|p| p.len() < 2 || !p[0].is_finite() || !p[1].is_finite())
    {
        problems.push(ProblemKind::BadPosition {
            ring,
            position: position + 1,
        });
        return;
    }
    if positions.len() < 4 {
        problems.push(ProblemKind::TooFewPositions {
            ring,
            count: positions.len(),
        });
        return;
    }
    if let Some((i, p)) = positions
        .iter()
        .enumerate()
        .find(|(_, p)| !(-180.0..=180.0).contains(&p[0]) || !(-90.0..=90.0).contains(&p[1]))
    {
        problems.push(ProblemKind::OutOfRange {
            ring,
            position: i + 1,
            lon: p[0],
            lat: p[1],
        });
        return;
    }
    let (first, last) = (&positions[0], &positions[positions.len() - 1]);
    if first[0] != last[0] || first[1] != last[1] {
        problems.push(ProblemKind::RingNotClosed { ring });
    }
}

/// geo's validity check for a MultiPolygon (`geo::Validation`), rule for
/// rule, but finding self-intersecting rings with geo's sweep
/// (`Intersections`) rather than by testing every pair of edges: real ward
/// boundaries have tens of thousands of corners, and the pairwise test takes
/// minutes on one such ring. `the_validity_check_is_geos` (tests) holds the
/// two to the same answers.
pub(crate) fn validation_errors(mp: &MultiPolygon<f64>) -> Vec<InvalidMultiPolygon> {
    use geo::dimensions::Dimensions;
    use geo::validation::{CoordIndex, GeometryIndex};
    use geo::{Area, PreparedGeometry, Relate, RemoveRepeatedPoints};

    let mut errors = Vec::new();
    let mut all_rings_simple = true;
    let mut flat = Vec::new();
    for (i, polygon) in mp.iter().enumerate() {
        let mut error = |e| errors.push(InvalidMultiPolygon::InvalidPolygon(GeometryIndex(i), e));
        if polygon.is_empty() {
            continue;
        }
        let rings = std::iter::once(polygon.exterior()).chain(polygon.interiors());
        let mut simple = true;
        for (r, ring) in rings.enumerate() {
            if ring.0.is_empty() {
                continue;
            }
            let role = if r == 0 {
                RingRole::Exterior
            } else {
                RingRole::Interior(r - 1)
            };
            if ring.remove_repeated_points().0.len() < 4 {
                error(InvalidPolygon::TooFewPointsInRing(role));
                simple = false;
            }
            if crosses_itself(ring) {
                error(InvalidPolygon::SelfIntersection(role));
                simple = false;
            }
            if simple && Polygon::new(ring.clone(), vec![]).unsigned_area() == 0.0 {
                // Corners on one line: geo counts it simple, but it encloses
                // nothing (and relating it to another ring means little).
                flat.push((i, role));
                simple = false;
            }
            if let Some(at) = ring
                .0
                .iter()
                .position(|c| !c.x.is_finite() || !c.y.is_finite())
            {
                error(InvalidPolygon::NonFiniteCoord(role, CoordIndex(at)));
                simple = false;
            }
        }
        all_rings_simple &= simple;
        if !simple || polygon.interiors().iter().all(|r| r.0.is_empty()) {
            continue;
        }
        let exterior = Polygon::new(polygon.exterior().clone(), vec![]);
        let exterior = PreparedGeometry::from(&exterior);
        let holes: Vec<Polygon<f64>> = polygon
            .interiors()
            .iter()
            .map(|r| Polygon::new(r.clone(), vec![]))
            .collect();
        for (h, hole) in holes.iter().enumerate() {
            if hole.exterior().0.is_empty() {
                continue;
            }
            let role = RingRole::Interior(h);
            let prepared = PreparedGeometry::from(hole);
            let m = exterior.relate(&prepared);
            if !m.is_contains() {
                error(InvalidPolygon::InteriorRingNotContainedInExteriorRing(role));
            }
            if m.get(CoordPos::OnBoundary, CoordPos::OnBoundary) == Dimensions::OneDimensional {
                error(InvalidPolygon::IntersectingRingsOnALine(
                    RingRole::Exterior,
                    role,
                ));
            }
            for (o, other) in holes.iter().enumerate().skip(h + 1) {
                if other.exterior().0.is_empty() {
                    continue;
                }
                let m = prepared.relate(other);
                if m.get(CoordPos::Inside, CoordPos::Inside) == Dimensions::TwoDimensional {
                    error(InvalidPolygon::IntersectingRingsOnAnArea(
                        role,
                        RingRole::Interior(o),
                    ));
                }
                if m.get(CoordPos::OnBoundary, CoordPos::OnBoundary) == Dimensions::OneDimensional {
                    error(InvalidPolygon::IntersectingRingsOnALine(
                        role,
                        RingRole::Interior(o),
                    ));
                }
            }
        }
    }
    for (i, role) in flat {
        errors.push(InvalidMultiPolygon::InvalidPolygon(
            GeometryIndex(i),
            InvalidPolygon::TooFewPointsInRing(role),
        ));
    }
    // Relating polygons whose rings are not simple means little: say what is
    // wrong with the rings first.
    if all_rings_simple {
        for (i, a) in mp.iter().enumerate() {
            for (j, b) in mp.iter().enumerate().skip(i + 1) {
                let m = a.relate(b);
                if m.get(CoordPos::Inside, CoordPos::Inside) == Dimensions::TwoDimensional {
                    errors.push(InvalidMultiPolygon::ElementsOverlaps(
                        GeometryIndex(i),
                        GeometryIndex(j),
                    ));
                }
                if m.get(CoordPos::OnBoundary, CoordPos::OnBoundary) == Dimensions::OneDimensional {
                    errors.push(InvalidMultiPolygon::ElementsTouchOnALine(
                        GeometryIndex(i),
                        GeometryIndex(j),
                    ));
                }
            }
        }
    }
    errors
}

/// Whether two edges of the ring meet other than where one ends and the
/// next begins: geo's own rule for a self-intersection, with its sweep.
fn crosses_itself(ring: &LineString<f64>) -> bool {
    use geo::algorithm::sweep::Intersections;
    ring.lines()
        .collect::<Intersections<_>>()
        .any(|(a, b, _)| a.start != b.end && a.end != b.start)
}

fn ring_of(part: Option<usize>, role: &RingRole) -> RingRef {
    RingRef {
        part,
        hole: match role {
            RingRole::Exterior => None,
            RingRole::Interior(i) => Some(i + 1),
        },
    }
}

fn validity_problem(e: InvalidMultiPolygon, multi: bool) -> ProblemKind {
    match e {
        InvalidMultiPolygon::InvalidPolygon(index, e) => {
            let part = multi.then_some(index.0 + 1);
            match e {
                // Fewer than 4 positions once repeated ones are dropped: a
                // ring of one or two points (its positions are counted above).
                InvalidPolygon::TooFewPointsInRing(role) => ProblemKind::TooFewPositions {
                    ring: ring_of(part, &role),
                    count: 0,
                },
                InvalidPolygon::SelfIntersection(role) => ProblemKind::SelfIntersection {
                    ring: ring_of(part, &role),
                },
                InvalidPolygon::NonFiniteCoord(role, position) => ProblemKind::BadPosition {
                    ring: ring_of(part, &role),
                    position: position.0 + 1,
                },
                InvalidPolygon::InteriorRingNotContainedInExteriorRing(role) => {
                    ProblemKind::HoleOutside {
                        ring: ring_of(part, &role),
                    }
                }
                InvalidPolygon::IntersectingRingsOnALine(a, b)
                | InvalidPolygon::IntersectingRingsOnAnArea(a, b) => ProblemKind::RingsCross {
                    part,
                    a: ring_of(part, &a),
                    b: ring_of(part, &b),
                },
            }
        }
        InvalidMultiPolygon::ElementsOverlaps(a, b)
        | InvalidMultiPolygon::ElementsTouchOnALine(a, b) => ProblemKind::PartsOverlap {
            a: a.0 + 1,
            b: b.0 + 1,
        },
    }
}

/// One area the placer knows.
struct Candidate {
    id: i64,
    code: String,
    shape: Shape,
    index: IntervalTreeMultiPolygon<f64>,
}

/// Finds the area a point lies in, by the rule in the module's notes.
/// Built once for a set of areas (each indexed for fast containment); used
/// for one point (a new or moved ticket) and for millions (re-placement), so
/// both always agree.
pub struct Placer {
    areas: Vec<Candidate>,
}

impl Placer {
    /// `areas`: `(id, code, shape)`. Their order does not matter.
    pub fn new(areas: impl IntoIterator<Item = (i64, String, Shape)>) -> Self {
        let mut areas: Vec<Candidate> = areas
            .into_iter()
            .map(|(id, code, shape)| Candidate {
                index: IntervalTreeMultiPolygon::new(&shape.polygons),
                id,
                code,
                shape,
            })
            .collect();
        areas.sort_by(|a, b| {
            a.code
                .as_bytes()
                .cmp(b.code.as_bytes())
                .then(a.id.cmp(&b.id))
        });
        Self { areas }
    }

    pub fn len(&self) -> usize {
        self.areas.len()
    }

    pub fn is_empty(&self) -> bool {
        self.areas.is_empty()
    }

    /// The id of the area `lat, lon` goes to, if any.
    pub fn place(&self, lat: f64, lon: f64) -> Option<i64> {
        if !lat.is_finite() || !lon.is_finite() {
            return None;
        }
        let point = Coord { x: lon, y: lat };
        let mut boxed = self
            .areas
            .iter()
            .filter(|a| a.shape.bbox.contains(lat, lon));
        if let Some(a) = boxed.clone().find(|a| a.index.contains(&point)) {
            return Some(a.id);
        }
        boxed
            .find(|a| a.shape.position(lat, lon) != CoordPos::Outside)
            .map(|a| a.id)
    }
}

#[cfg(test)]
mod tests;
