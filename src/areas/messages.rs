//! Import problems in words (`locales/*/areas.ftl`): the same text on the
//! admin page (in the reader's language) and in the CLI (English).

use std::borrow::Cow;
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;

use super::geometry::{Problem, ProblemKind, RingRef};
use crate::i18n::Locale;

fn say(locale: Locale, key: &str, args: &[(&'static str, String)]) -> String {
    let args: HashMap<Cow<'static, str>, FluentValue<'_>> = args
        .iter()
        .map(|(k, v)| (Cow::Borrowed(*k), FluentValue::from(v.clone())))
        .collect();
    locale.text_with(key, &args)
}

/// "the outer ring", "hole 2", "hole 1 of polygon 3".
fn ring(locale: Locale, r: RingRef) -> String {
    let ring = match r.hole {
        None => locale.text("areas-ring-outer"),
        Some(hole) => say(locale, "areas-ring-hole", &[("hole", hole.to_string())]),
    };
    match r.part {
        None => ring,
        Some(part) => say(
            locale,
            "areas-ring-in-part",
            &[("ring", ring), ("part", part.to_string())],
        ),
    }
}

fn mib(bytes: usize) -> String {
    format!("{} MB", bytes / (1024 * 1024))
}

/// What is wrong, without saying which feature.
fn problem_text(locale: Locale, kind: &ProblemKind) -> String {
    let r = |x: &RingRef| ring(locale, *x);
    match kind {
        ProblemKind::TooLarge { max_bytes } => say(
            locale,
            "areas-problem-too-large",
            &[("max", mib(*max_bytes))],
        ),
        ProblemKind::Empty => locale.text("areas-problem-empty"),
        ProblemKind::NotJson { line, column } => say(
            locale,
            "areas-problem-not-json",
            &[("line", line.to_string()), ("column", column.to_string())],
        ),
        ProblemKind::NotGeoJson { found: Some(found) } => say(
            locale,
            "areas-problem-not-geojson",
            &[("found", found.clone())],
        ),
        ProblemKind::NotGeoJson { found: None } => locale.text("areas-problem-not-geojson-untyped"),
        ProblemKind::NoFeatures => locale.text("areas-problem-no-features"),
        ProblemKind::TooManyFeatures { max, found } => say(
            locale,
            "areas-problem-too-many-features",
            &[("max", max.to_string()), ("found", found.to_string())],
        ),
        ProblemKind::BadKind { kind } => {
            say(locale, "areas-problem-bad-kind", &[("kind", kind.clone())])
        }
        ProblemKind::BadPropertyOption => locale.text("areas-problem-bad-property-option"),
        ProblemKind::NotAFeature => locale.text("areas-problem-not-a-feature"),
        ProblemKind::NoGeometry => locale.text("areas-problem-no-geometry"),
        ProblemKind::GeometryType { found } => say(
            locale,
            "areas-problem-geometry-type",
            &[("found", found.clone())],
        ),
        ProblemKind::BadCoordinates => locale.text("areas-problem-bad-coordinates"),
        ProblemKind::NoPolygons => locale.text("areas-problem-no-polygons"),
        ProblemKind::BadPosition { ring, position } => say(
            locale,
            "areas-problem-bad-position",
            &[("ring", r(ring)), ("position", position.to_string())],
        ),
        ProblemKind::TooFewPositions { ring, count: 0 } => say(
            locale,
            "areas-problem-too-few-distinct",
            &[("ring", r(ring))],
        ),
        ProblemKind::TooFewPositions { ring, count } => say(
            locale,
            "areas-problem-too-few",
            &[("ring", r(ring)), ("count", count.to_string())],
        ),
        ProblemKind::RingNotClosed { ring } => {
            say(locale, "areas-problem-not-closed", &[("ring", r(ring))])
        }
        ProblemKind::OutOfRange {
            ring,
            position,
            lon,
            lat,
        } => say(
            locale,
            "areas-problem-out-of-range",
            &[
                ("ring", r(ring)),
                ("position", position.to_string()),
                ("lon", lon.to_string()),
                ("lat", lat.to_string()),
            ],
        ),
        ProblemKind::SelfIntersection { ring } => say(
            locale,
            "areas-problem-self-intersection",
            &[("ring", r(ring))],
        ),
        ProblemKind::RingsCross { a, b, .. } => say(
            locale,
            "areas-problem-rings-cross",
            &[("a", r(a)), ("b", r(b))],
        ),
        ProblemKind::HoleOutside { ring } => {
            say(locale, "areas-problem-hole-outside", &[("ring", r(ring))])
        }
        ProblemKind::PartsOverlap { a, b } => say(
            locale,
            "areas-problem-parts-overlap",
            &[("a", a.to_string()), ("b", b.to_string())],
        ),
        ProblemKind::MissingProperty {
            property,
            available,
        } if available.is_empty() => say(
            locale,
            "areas-problem-missing-property-none",
            &[("property", property.clone())],
        ),
        ProblemKind::MissingProperty {
            property,
            available,
        } => say(
            locale,
            "areas-problem-missing-property",
            &[
                ("property", property.clone()),
                ("available", available.join(", ")),
            ],
        ),
        ProblemKind::BadProperty { property } => say(
            locale,
            "areas-problem-bad-property",
            &[("property", property.clone())],
        ),
        ProblemKind::PropertyTooLong { property, max } => say(
            locale,
            "areas-problem-property-too-long",
            &[("property", property.clone()), ("max", max.to_string())],
        ),
        ProblemKind::DuplicateCode { code, first_index } => say(
            locale,
            "areas-problem-duplicate-code",
            &[("code", code.clone()), ("first", first_index.to_string())],
        ),
        ProblemKind::More { count } => say(
            locale,
            "areas-problem-more",
            &[("count", count.to_string())],
        ),
    }
}

/// The problem in `locale`, naming its feature: `features[3] (Riverside): ...`.
pub fn text(locale: Locale, p: &Problem) -> String {
    let problem = problem_text(locale, &p.kind);
    match &p.feature {
        None => problem,
        Some(f) => match &f.name {
            Some(name) => say(
                locale,
                "areas-problem-in-feature",
                &[
                    ("index", f.index.to_string()),
                    ("name", name.clone()),
                    ("problem", problem),
                ],
            ),
            None => say(
                locale,
                "areas-problem-in-feature-unnamed",
                &[("index", f.index.to_string()), ("problem", problem)],
            ),
        },
    }
}
