use proptest::prelude::*;
use serde_json::{json, Value};

use super::*;
use geo::validation::{InvalidMultiPolygon, InvalidPolygon};

fn square(x0: f64, y0: f64, x1: f64, y1: f64) -> Value {
    json!([[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]])
}

fn feature(name: &str, code: &str, geometry: Value) -> Value {
    json!({ "type": "Feature", "properties": { "name": name, "code": code }, "geometry": geometry })
}

fn polygon(rings: Vec<Value>) -> Value {
    json!({ "type": "Polygon", "coordinates": rings })
}

fn collection(features: Vec<Value>) -> Vec<u8> {
    serde_json::to_vec(&json!({ "type": "FeatureCollection", "features": features })).unwrap()
}

fn parse(bytes: &[u8]) -> Result<Vec<ParsedArea>, Vec<Problem>> {
    parse_import(bytes, &ImportOptions::default())
}

/// The problems of a file that must fail.
fn problems(bytes: &[u8]) -> Vec<ProblemKind> {
    parse(bytes)
        .expect_err("the file should be refused")
        .into_iter()
        .map(|p| p.kind)
        .collect()
}

/// The only problem of a one-feature file, with the feature it names.
fn only_problem(geometry: Value) -> (Option<FeatureRef>, ProblemKind) {
    let mut p = parse(&collection(vec![feature("Riverside", "W1", geometry)]))
        .expect_err("the file should be refused");
    assert_eq!(p.len(), 1, "{p:?}");
    let p = p.remove(0);
    (p.feature, p.kind)
}

const OUTER: RingRef = RingRef {
    part: None,
    hole: None,
};

#[test]
fn reads_polygons_and_multipolygons_with_holes() {
    let with_hole = polygon(vec![square(0., 0., 10., 10.), square(4., 4., 6., 6.)]);
    let two_parts = json!({ "type": "MultiPolygon", "coordinates": [
        [square(20., 0., 30., 10.)],
        [square(40., 0., 50., 10.)],
    ]});
    let mut extra = feature("Market", "W2", two_parts);
    extra["properties"]["population"] = json!(8123);
    let areas = parse(&collection(vec![
        feature("Riverside", "W1", with_hole),
        extra,
    ]))
    .unwrap();
    assert_eq!(areas.len(), 2);
    assert_eq!(
        (areas[0].code.as_str(), areas[0].name.as_str()),
        ("W1", "Riverside")
    );
    assert_eq!(areas[0].shape.vertex_count(), 10);
    assert_eq!(
        areas[1].shape.bbox(),
        BBox {
            min_lat: 0.,
            max_lat: 10.,
            min_lon: 20.,
            max_lon: 50.
        }
    );
    // Name and code are columns; the other properties are kept as they were.
    assert_eq!(areas[1].properties.get("population"), Some(&json!(8123)));
    assert!(!areas[1].properties.contains_key("name"));
    // Stored and read back, the shape is the same.
    let stored = areas[0].shape.to_geojson();
    assert_eq!(stored["type"], "MultiPolygon");
    assert_eq!(Shape::from_stored(&stored).unwrap(), areas[0].shape);
}

#[test]
fn a_single_feature_numeric_codes_a_bom_and_other_property_names_are_fine() {
    let f = json!({ "type": "Feature",
        "properties": { "WD23CD": "E05000644", "WD23NM": "  St  Mary's ", "n": 7 },
        "geometry": polygon(vec![square(0., 0., 1., 1.)]) });
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(serde_json::to_vec(&f).unwrap());
    let options = ImportOptions {
        kind: "district".into(),
        name_property: "WD23NM".into(),
        code_property: "n".into(),
    };
    let areas = parse_import(&bytes, &options).unwrap();
    assert_eq!(areas[0].name, "St Mary's", "whitespace is tidied");
    assert_eq!(areas[0].code, "7", "a number is a code too");
}

#[test]
fn the_file_as_a_whole_must_be_geojson_features() {
    assert_eq!(problems(b"   "), vec![ProblemKind::Empty]);
    assert_eq!(
        problems(b"{\"type\": \"FeatureCollection\",\n \"features\": [}"),
        vec![ProblemKind::NotJson {
            line: 2,
            column: 15
        }]
    );
    assert_eq!(
        problems(br#"{"type": "Polygon", "coordinates": []}"#),
        vec![ProblemKind::NotGeoJson {
            found: Some("Polygon".into())
        }]
    );
    assert_eq!(
        problems(b"[1, 2]"),
        vec![ProblemKind::NotGeoJson { found: None }]
    );
    assert_eq!(
        problems(br#"{"type": "FeatureCollection"}"#),
        vec![ProblemKind::NotGeoJson {
            found: Some("FeatureCollection".into())
        }]
    );
    assert_eq!(problems(&collection(vec![])), vec![ProblemKind::NoFeatures]);
    let big = vec![b' '; MAX_IMPORT_BYTES + 1];
    assert_eq!(
        problems(&big),
        vec![ProblemKind::TooLarge {
            max_bytes: MAX_IMPORT_BYTES
        }]
    );
}

#[test]
fn options_are_checked_first() {
    let file = collection(vec![feature(
        "A",
        "1",
        polygon(vec![square(0., 0., 1., 1.)]),
    )]);
    let bad = ImportOptions {
        kind: "Ward Boundaries".into(),
        ..ImportOptions::default()
    };
    assert!(matches!(
        parse_import(&file, &bad).unwrap_err()[0].kind,
        ProblemKind::BadKind { .. }
    ));
    assert!(valid_kind("ward") && valid_kind("district_2024") && !valid_kind("2ward"));
}

#[test]
fn only_polygons_and_multipolygons_are_areas() {
    let (at, kind) = only_problem(json!({ "type": "LineString", "coordinates": [[0, 0], [1, 1]] }));
    assert_eq!(
        at,
        Some(FeatureRef {
            index: 0,
            name: Some("Riverside".into())
        })
    );
    assert_eq!(
        kind,
        ProblemKind::GeometryType {
            found: "LineString".into()
        }
    );
    assert_eq!(only_problem(Value::Null).1, ProblemKind::NoGeometry);
    assert_eq!(
        only_problem(json!({ "type": "Polygon", "coordinates": "here" })).1,
        ProblemKind::BadCoordinates
    );
    assert_eq!(
        only_problem(json!({ "type": "MultiPolygon", "coordinates": [] })).1,
        ProblemKind::NoPolygons
    );
}

#[test]
fn rings_must_be_closed_with_four_positions_in_range() {
    assert_eq!(
        only_problem(polygon(vec![json!([[0, 0], [1, 0], [1, 1], [0, 1]])])).1,
        ProblemKind::RingNotClosed { ring: OUTER }
    );
    assert_eq!(
        only_problem(polygon(vec![json!([[0, 0], [1, 0], [0, 0]])])).1,
        ProblemKind::TooFewPositions {
            ring: OUTER,
            count: 3
        }
    );
    // British National Grid eastings and northings, not longitude and latitude.
    assert_eq!(
        only_problem(polygon(vec![square(530000., 180000., 531000., 181000.)])).1,
        ProblemKind::OutOfRange {
            ring: OUTER,
            position: 1,
            lon: 530000.,
            lat: 180000.
        }
    );
    assert_eq!(
        only_problem(polygon(vec![json!([[0, 0], [1, 0], [1], [0, 0]])])).1,
        ProblemKind::BadPosition {
            ring: OUTER,
            position: 3
        }
    );
    // Repeated positions that leave fewer than three distinct corners.
    assert_eq!(
        only_problem(polygon(vec![json!([[0, 0], [1, 1], [1, 1], [0, 0]])])).1,
        ProblemKind::TooFewPositions {
            ring: OUTER,
            count: 0
        }
    );
    // The hole of the second polygon of a MultiPolygon is named as such.
    let (_, kind) = only_problem(json!({ "type": "MultiPolygon", "coordinates": [
        [square(0., 0., 1., 1.)],
        [square(2., 0., 3., 1.), [[2.2, 0.2], [2.4, 0.2], [2.4, 0.4]]],
    ]}));
    assert_eq!(
        kind,
        ProblemKind::TooFewPositions {
            ring: RingRef {
                part: Some(2),
                hole: Some(1)
            },
            count: 3
        }
    );
}

#[test]
fn invalid_shapes_are_refused_by_geos_validity_check() {
    // A bow tie: the outer ring crosses itself.
    let bow_tie = json!([[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]);
    assert_eq!(
        only_problem(polygon(vec![bow_tie])).1,
        ProblemKind::SelfIntersection { ring: OUTER }
    );
    // A hole outside its polygon.
    assert_eq!(
        only_problem(polygon(vec![
            square(0., 0., 1., 1.),
            square(5., 5., 6., 6.)
        ]))
        .1,
        ProblemKind::HoleOutside {
            ring: RingRef {
                part: None,
                hole: Some(1)
            }
        }
    );
    // Two parts of a MultiPolygon that overlap.
    assert_eq!(
        only_problem(json!({ "type": "MultiPolygon", "coordinates": [
            [square(0., 0., 2., 2.)], [square(1., 1., 3., 3.)]
        ]}))
        .1,
        ProblemKind::PartsOverlap { a: 1, b: 2 }
    );
}

#[test]
fn names_and_codes_are_required_and_codes_unique() {
    let shape = polygon(vec![square(0., 0., 1., 1.)]);
    let nameless = json!({ "type": "Feature", "properties": { "code": "W9", "WD23NM": "x" }, "geometry": shape });
    let p = parse(&collection(vec![nameless])).unwrap_err();
    assert_eq!(
        p,
        vec![Problem {
            feature: Some(FeatureRef {
                index: 0,
                name: Some("W9".into())
            }),
            kind: ProblemKind::MissingProperty {
                property: "name".into(),
                available: vec!["WD23NM".into(), "code".into()]
            }
        }]
    );
    let blank =
        json!({ "type": "Feature", "properties": { "code": " ", "name": "N" }, "geometry": shape });
    assert_eq!(
        problems(&collection(vec![blank])),
        vec![ProblemKind::BadProperty {
            property: "code".into()
        }]
    );
    let p = parse(&collection(vec![
        feature("A", "W1", shape.clone()),
        feature("B", "W2", shape.clone()),
        feature("C", "W1", shape.clone()),
    ]))
    .unwrap_err();
    assert_eq!(
        p,
        vec![Problem {
            feature: Some(FeatureRef {
                index: 2,
                name: Some("C".into())
            }),
            kind: ProblemKind::DuplicateCode {
                code: "W1".into(),
                first_index: 0
            }
        }]
    );
    assert_eq!(
        problems(&collection(vec![json!({ "type": "Point" })])),
        vec![ProblemKind::NotAFeature]
    );
}

#[test]
fn every_problem_is_reported_up_to_a_limit() {
    let bad = json!({ "type": "Point", "coordinates": [0, 0] });
    let many: Vec<Value> = (0..MAX_PROBLEMS + 7)
        .map(|i| feature(&format!("A{i}"), &format!("{i}"), bad.clone()))
        .collect();
    let p = parse(&collection(many)).unwrap_err();
    assert_eq!(p.len(), MAX_PROBLEMS + 1);
    assert_eq!(p[3].feature.as_ref().unwrap().index, 3);
    assert_eq!(p.last().unwrap().kind, ProblemKind::More { count: 7 });
}

fn shape(parts: &[Vec<Vec<(f64, f64)>>]) -> Shape {
    Shape::from_rings(parts).unwrap()
}

fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> Vec<(f64, f64)> {
    vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
}

/// Two wards side by side sharing the line x = 1 (B's ring runs the other way
/// round), a third with a hole, the enclave that fills it, and a ward in two
/// parts. Coordinates are (longitude, latitude).
fn council() -> Placer {
    Placer::new([
        (1, "B".to_string(), shape(&[vec![rect(0., 0., 1., 1.)]])),
        (
            2,
            "A".to_string(),
            shape(&[vec![vec![(1., 0.), (1., 1.), (2., 1.), (2., 0.), (1., 0.)]]]),
        ),
        (
            3,
            "C".to_string(),
            shape(&[vec![rect(0., 2., 3., 5.), rect(1., 3., 2., 4.)]]),
        ),
        (4, "D".to_string(), shape(&[vec![rect(1., 3., 2., 4.)]])),
        (
            5,
            "E".to_string(),
            shape(&[vec![rect(10., 0., 11., 1.)], vec![rect(12., 0., 13., 1.)]]),
        ),
    ])
}

#[test]
fn points_go_to_the_area_around_them() {
    let p = council();
    assert_eq!(p.len(), 5);
    // (lat, lon)
    assert_eq!(p.place(0.5, 0.5), Some(1));
    assert_eq!(p.place(0.5, 1.5), Some(2));
    assert_eq!(p.place(2.5, 0.5), Some(3));
    assert_eq!(
        p.place(0.5, 12.5),
        Some(5),
        "the second part of a MultiPolygon"
    );
    assert_eq!(p.place(0.5, 11.5), None, "between the parts");
    assert_eq!(p.place(7.0, 7.0), None, "in no area");
    assert_eq!(p.place(f64::NAN, 0.5), None);
}

#[test]
fn a_hole_is_not_its_area_but_the_enclave_that_fills_it() {
    let p = council();
    assert_eq!(p.place(3.5, 1.5), Some(4), "inside the hole: the enclave");
    let without_enclave = Placer::new([(
        3,
        "C".to_string(),
        shape(&[vec![rect(0., 2., 3., 5.), rect(1., 3., 2., 4.)]]),
    )]);
    assert_eq!(
        without_enclave.place(3.5, 1.5),
        None,
        "a hole with nothing in it"
    );
    assert_eq!(
        without_enclave.place(3.0, 1.5),
        Some(3),
        "the hole's edge belongs to the area"
    );
    // On the hole's edge both C and the enclave D claim it: C sorts first.
    assert_eq!(p.place(3.0, 1.5), Some(3));
}

#[test]
fn a_shared_boundary_goes_to_the_code_that_sorts_first() {
    let p = council();
    // The line x = 1 between B (id 1) and A (id 2): A sorts first.
    for lat in [0.0, 0.25, 0.5, 1.0] {
        assert_eq!(p.place(lat, 1.0), Some(2), "lat {lat}");
    }
    // An outer edge belongs to the only area there.
    assert_eq!(p.place(0.5, 0.0), Some(1));
    assert_eq!(p.place(1.0, 0.5), Some(1));
    // Overlapping areas: the inside of both goes to the first code, too.
    let overlap = Placer::new([
        (7, "Z".to_string(), shape(&[vec![rect(0., 0., 2., 2.)]])),
        (8, "Y".to_string(), shape(&[vec![rect(1., 1., 3., 3.)]])),
    ]);
    assert_eq!(overlap.place(1.5, 1.5), Some(8));
    assert_eq!(overlap.place(0.5, 0.5), Some(7));
    // Inside one area beats the edge of another that sorts first.
    assert_eq!(overlap.place(1.0, 1.5), Some(7), "on Y's edge but inside Z");
}

#[test]
fn ring_orientation_does_not_matter() {
    // Exterior clockwise and hole counter-clockwise (the reverse of RFC 7946).
    let cw = vec![(0., 0.), (0., 4.), (4., 4.), (4., 0.), (0., 0.)];
    let ccw_hole = vec![(1., 1.), (3., 1.), (3., 3.), (1., 3.), (1., 1.)];
    let p = Placer::new([(1, "X".to_string(), shape(&[vec![cw, ccw_hole]]))]);
    assert_eq!(p.place(0.5, 0.5), Some(1));
    assert_eq!(p.place(2.0, 2.0), None, "the hole stays a hole");
}

/// A ward with a wiggly edge: many vertices, as real boundaries have.
fn wiggly() -> Shape {
    let mut ring = Vec::new();
    let n = 400;
    for i in 0..n {
        let t = i as f64 / n as f64 * std::f64::consts::TAU;
        let r = 1.0 + 0.3 * (7.0 * t).sin() + 0.1 * (23.0 * t).cos();
        ring.push((r * t.cos(), r * t.sin()));
    }
    ring.push(ring[0]);
    let hole = vec![
        (-0.2, -0.2),
        (0.2, -0.2),
        (0.2, 0.2),
        (-0.2, 0.2),
        (-0.2, -0.2),
    ];
    shape(&[vec![ring, hole]])
}

proptest! {
    /// The index the placer uses agrees with geo's plain O(n) test everywhere,
    /// vertices and edges included.
    #[test]
    fn the_index_agrees_with_the_plain_test(lat in -1.5f64..1.5, lon in -1.5f64..1.5, vertex in 0usize..400) {
        let s = wiggly();
        let p = Placer::new([(1, "W".to_string(), s.clone())]);
        let expected = (s.position(lat, lon) != CoordPos::Outside).then_some(1);
        prop_assert_eq!(p.place(lat, lon), expected);
        let ring: Vec<_> = s.polygons.0[0].exterior().coords().copied().collect();
        let v = ring[vertex];
        prop_assert_eq!(p.place(v.y, v.x), Some(1), "a vertex is on the edge");
        let next = ring[vertex + 1];
        let mid = Coord { x: (v.x + next.x) / 2.0, y: (v.y + next.y) / 2.0 };
        let expected = (s.position(mid.y, mid.x) != CoordPos::Outside).then_some(1);
        prop_assert_eq!(p.place(mid.y, mid.x), expected);
    }
}

#[test]
fn the_demo_wards_import_and_cover_the_demo_requests() {
    let wards = parse(crate::seed::DEMO_WARDS.as_bytes()).expect("the demo wards are valid");
    assert_eq!(wards.len(), 7);
    let p = Placer::new(
        wards
            .iter()
            .enumerate()
            .map(|(i, w)| (i as i64, w.code.clone(), w.shape.clone())),
    );
    let name = |lat, lon| p.place(lat, lon).map(|i| wards[i as usize].name.as_str());
    // Where the tests and the benchmark put requests.
    assert_eq!(name(51.5072, -0.1276), Some("St Mary's"));
    // The enclave, the ward around it, and the exclave of another.
    assert_eq!(name(51.463, -0.105), Some("Castle"));
    assert_eq!(name(51.45, -0.08), Some("Market"));
    assert_eq!(name(51.486, 0.027), Some("Riverside"));
    // Outside the borough.
    assert_eq!(name(51.6, -0.1), None);
    // The generator's box (51.45-51.55, -0.2-0.0) is all in some ward.
    for i in 0..=20 {
        for j in 0..=20 {
            let (lat, lon) = (51.45 + 0.005 * i as f64, -0.2 + 0.01 * j as f64);
            assert!(p.place(lat, lon).is_some(), "{lat}, {lon} is in no ward");
        }
    }
}

fn random_ring(points: &[(u8, u8)]) -> LineString<f64> {
    let mut coords: Vec<Coord<f64>> = points
        .iter()
        .map(|&(x, y)| Coord {
            x: f64::from(x % 11),
            y: f64::from(y % 11),
        })
        .collect();
    coords.push(coords[0]);
    LineString::from(coords)
}

fn mp_rings(parts: &[Polygon<f64>]) -> impl Iterator<Item = &LineString<f64>> {
    parts
        .iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
}

#[test]
fn a_ring_that_encloses_nothing_is_refused() {
    assert_eq!(
        only_problem(polygon(vec![json!([[0, 0], [1, 0], [2, 0], [0, 0]])])).1,
        ProblemKind::TooFewPositions {
            ring: OUTER,
            count: 0
        }
    );
}

proptest! {
    #![proptest_config(ProptestConfig { max_global_rejects: 1_000_000, ..ProptestConfig::default() })]
    /// The validity check is geo's (`geo::Validation`) with a faster search
    /// for self-intersections: on small random shapes, simple or not, with
    /// holes and several parts, both give the same verdict, and the same
    /// problems whenever the rings themselves are simple.
    #[test]
    fn the_validity_check_is_geos(
        outer in proptest::collection::vec((0u8..11, 0u8..11), 3..7),
        hole in proptest::option::of(proptest::collection::vec((0u8..11, 0u8..11), 3..5)),
        second in proptest::option::of(proptest::collection::vec((0u8..11, 0u8..11), 3..5)),
    ) {
        use geo::Validation;
        let mut parts = vec![Polygon::new(random_ring(&outer), hole.iter().map(|h| random_ring(h)).collect())];
        if let Some(s) = &second {
            parts.push(Polygon::new(random_ring(s), vec![]));
        }
        // geo's own check trips over rings that enclose nothing (a debug
        // assertion in its relate); ours refuses them before relating.
        use geo::Area;
        prop_assume!(mp_rings(&parts).all(|r| Polygon::new(r.clone(), vec![]).unsigned_area() > 0.0));
        let mp = MultiPolygon::new(parts);
        let ours = validation_errors(&mp);
        let geos = mp.validation_errors();
        prop_assert_eq!(ours.is_empty(), geos.is_empty(), "ours {:?}, geo's {:?}", ours, geos);
        let ring_level = |e: &InvalidMultiPolygon| matches!(e, InvalidMultiPolygon::InvalidPolygon(_,
            InvalidPolygon::SelfIntersection(_) | InvalidPolygon::TooFewPointsInRing(_)));
        if !geos.iter().any(ring_level) {
            prop_assert_eq!(ours, geos);
        }
    }
}

#[test]
fn a_ring_with_many_corners_is_checked_quickly() {
    let n = 50_000;
    let mut ring = Vec::new();
    for i in 0..n {
        let t = i as f64 / n as f64 * std::f64::consts::TAU;
        let r = 0.05 * (1.0 + 0.3 * (7.0 * t).sin() + 0.1 * (23.0 * t).cos());
        ring.push(json!([r * t.cos(), 51.5 + r * t.sin()]));
    }
    ring.push(ring[0].clone());
    let file = collection(vec![feature("Big", "B", polygon(vec![Value::Array(ring)]))]);
    let started = std::time::Instant::now();
    let areas = parse(&file).unwrap();
    assert_eq!(areas[0].shape.vertex_count(), n + 1);
    // Testing every pair of its edges would take minutes.
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
}
