//! Areas (wards, districts): importing GeoJSON through the admin page and the
//! CLI, every problem a file can have and that a bad file changes nothing,
//! tickets placed when they arrive (API and form), when staff change their
//! location (page and API) and again after an import moves a boundary, the
//! boundary, hole and MultiPolygon rules end to end, re-placement that
//! resumes, the background worker, the queue filter, and who may do what.

use std::process::Command;
use std::time::Duration;

use civicdesk::areas::placement::{self, Limits, RunState};
use civicdesk::schema::{area_placements, areas, ticket_events, tickets};
use diesel::prelude::*;
use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{spawn_app_with, TestApp};
use crate::staff_helpers::{bare_client, csrf_on, device, session_token, staff_user, CSRF};

// ---------------------------------------------------------------- fixtures

/// A rectangle ring, counter-clockwise: `[lon, lat]` positions.
fn rect(lon0: f64, lat0: f64, lon1: f64, lat1: f64) -> Value {
    json!([
        [lon0, lat0],
        [lon1, lat0],
        [lon1, lat1],
        [lon0, lat1],
        [lon0, lat0]
    ])
}

fn ward(code: &str, name: &str, geometry: Value) -> Value {
    json!({ "type": "Feature", "properties": { "code": code, "name": name, "population": 9000 },
            "geometry": geometry })
}

fn polygon(rings: Vec<Value>) -> Value {
    json!({ "type": "Polygon", "coordinates": rings })
}

fn collection(features: Vec<Value>) -> String {
    json!({ "type": "FeatureCollection", "features": features }).to_string()
}

/// The test council (longitude 10 to 14, latitude 10 to 11):
/// - W1 West and W2 East side by side, split at longitude `split`;
/// - W3 Ring east of them, with a hole (12.5 to 13.5);
/// - W4 Island: one part inside W3's hole, another far away (20 to 21).
fn council(split: f64) -> String {
    collection(vec![
        ward("W1", "West", polygon(vec![rect(10.0, 10.0, split, 11.0)])),
        ward("W2", "East", polygon(vec![rect(split, 10.0, 12.0, 11.0)])),
        ward(
            "W3",
            "Ring",
            polygon(vec![
                rect(12.0, 10.0, 14.0, 11.0),
                rect(12.5, 10.25, 13.5, 10.75),
            ]),
        ),
        ward(
            "W4",
            "Island",
            json!({ "type": "MultiPolygon", "coordinates": [
                [rect(12.6, 10.3, 13.4, 10.7)],
                [rect(20.0, 10.0, 21.0, 11.0)],
            ]}),
        ),
    ])
}

/// The demo council, taking as many submissions as a test needs, and its admin.
async fn desk() -> (TestApp, String) {
    let app = spawn_app_with(|o| {
        o.set
            .push(("abuse.submissions_per_hour".into(), "1000000".into()));
        o.set
            .push(("abuse.submission_burst".into(), "10000".into()));
    })
    .await;
    app.seed_demo();
    staff_user(&app, "areas.admin@example.org", "admin", &[]);
    let admin = session_token(&app, "areas.admin@example.org");
    (app, admin)
}

fn cookies(session: &str) -> String {
    format!("civicdesk_session={session}; civicdesk_csrf={CSRF}")
}

/// Posts the import form as the page does (multipart), with the file.
async fn import_file(
    app: &TestApp,
    session: &str,
    file: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let mut form = Form::new().text("csrf_token", CSRF).part(
        "file",
        Part::bytes(file.as_bytes().to_vec()).file_name("wards.geojson"),
    );
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    bare_client()
        .post(app.url("/staff/admin/areas"))
        .header("cookie", cookies(session))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// Posts GeoJSON text (the textarea), as an ordinary form.
async fn import_text(app: &TestApp, session: &str, text: &str) -> reqwest::Response {
    bare_client()
        .post(app.url("/staff/admin/areas"))
        .header("cookie", cookies(session))
        .form(&[("csrf_token", CSRF), ("text", text), ("kind", "ward")])
        .send()
        .await
        .unwrap()
}

async fn page(app: &TestApp, session: &str, path: &str) -> (StatusCode, String) {
    let res = bare_client()
        .get(app.url(path))
        .header("cookie", cookies(session))
        .send()
        .await
        .unwrap();
    (res.status(), unescape(&res.text().await.unwrap()))
}

/// Decodes what tera escapes.
fn unescape(html: &str) -> String {
    html.replace("&#x2F;", "/")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Imports a file through the page, which must accept it.
async fn import_ok(app: &TestApp, session: &str, file: &str) -> String {
    let res = import_file(app, session, file, &[]).await;
    assert_eq!(
        res.status(),
        303,
        "{}",
        unescape(&res.text().await.unwrap_or_default())
    );
    res.headers()["location"].to_str().unwrap().to_string()
}

/// A pothole reported through the API at `lat, lon`; its reference.
async fn report_at(app: &TestApp, lat: f64, lon: f64) -> String {
    let res = bare_client()
        .post(app.url("/api/v1/requests"))
        .json(&json!({
            "category": "pothole", "kind": "service_request",
            "subject": format!("Pothole at {lat}, {lon}"), "description": "Deep.",
            "extra_fields": { "size": "small" },
            "latitude": lat, "longitude": lon,
            "name": "Ada Lovelace", "email": "ada@example.org", "privacy_consent": true,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    res.json::<Value>().await.unwrap()["reference"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The code of the area a ticket is placed in.
fn area_of(app: &TestApp, reference: &str) -> Option<String> {
    tickets::table
        .left_join(areas::table)
        .filter(tickets::reference.eq(reference))
        .select(areas::code.nullable())
        .first(&mut app.conn())
        .unwrap()
}

fn version_of(app: &TestApp, reference: &str) -> (i32, chrono::DateTime<chrono::Utc>) {
    tickets::table
        .filter(tickets::reference.eq(reference))
        .select((tickets::version, tickets::updated_at))
        .first(&mut app.conn())
        .unwrap()
}

/// Everything the areas tables hold, to show a refused import changed nothing.
fn snapshot(app: &TestApp) -> (i64, i64, i64, Vec<(String, Option<i64>)>) {
    let mut conn = app.conn();
    let placed: Vec<(String, Option<i64>)> = tickets::table
        .order(tickets::id)
        .select((tickets::reference, tickets::area_id))
        .load(&mut conn)
        .unwrap();
    (
        app.count("areas"),
        app.count("area_imports"),
        app.count("area_placements"),
        placed,
    )
}

const BIN: &str = env!("CARGO_BIN_EXE_civicdesk");

fn cli(app: &TestApp, args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["--data-dir", app.data_dir.to_str().unwrap()])
        .args(args)
        .env_remove("CIVICDESK_ENV")
        .env("DATABASE_URL", &app.db_url)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

fn write_file(app: &TestApp, name: &str, text: &str) -> String {
    let path = app.data_dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

// ---------------------------------------------------------------- imports

#[tokio::test]
async fn the_admin_page_imports_a_file_and_shows_every_area_with_its_requests() {
    let (app, admin) = desk().await;
    let (status, html) = page(&app, &admin, "/staff/admin/areas").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Northgate") && html.contains("DB01"),
        "the demo wards are listed"
    );

    let west = report_at(&app, 10.5, 10.5).await;
    let island = report_at(&app, 10.5, 20.5).await;
    assert_eq!(area_of(&app, &west), None, "the demo wards are elsewhere");

    let location = import_ok(&app, &admin, &council(11.0)).await;
    assert!(
        location.starts_with("/staff/admin/areas?import="),
        "{location}"
    );
    // Existing tickets were re-placed by the request itself.
    assert_eq!(area_of(&app, &west).as_deref(), Some("W1"));
    assert_eq!(area_of(&app, &island).as_deref(), Some("W4"));

    let (_, html) = page(&app, &admin, &location).await;
    assert!(
        html.contains(
            "Imported 4 areas: 4 new, 0 with a new outline, 0 renamed, 0 unchanged, 7 retired."
        ),
        "{html}"
    );
    assert!(
        html.contains("Requests re-placed: 2 looked at, 2 moved to another area."),
        "{html}"
    );
    assert!(
        html.contains(r#"data-area-code="W1">1<"#),
        "W1 holds one request"
    );
    assert!(html.contains(r#"data-area-code="W2">0<"#));
    assert!(html.contains("Retired areas") && html.contains("Northgate"));
    assert!(
        html.contains("admin page") && html.contains("wards.geojson"),
        "recent imports"
    );

    // The same file again changes nothing and moves nothing.
    let location = import_ok(&app, &admin, &council(11.0)).await;
    let (_, html) = page(&app, &admin, &location).await;
    assert!(html.contains("0 new, 0 with a new outline, 0 renamed, 4 unchanged, 0 retired"));
    assert!(html.contains("No outline changed, so no request moved."));
    // Kept properties are stored; name and code are columns.
    let properties: Value = areas::table
        .filter(areas::code.eq("W3"))
        .select(areas::properties)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(properties, json!({ "population": 9000 }));
}

#[tokio::test]
async fn the_cli_imports_lists_and_re_places_with_other_property_names() {
    let (app, _) = desk().await;
    let ticket = report_at(&app, 10.5, 11.5).await;
    let file = council(11.0)
        .replace("\"code\"", "\"WD23CD\"")
        .replace("\"name\"", "\"WD23NM\"");
    let path = write_file(&app, "wards.geojson", &file);
    let out = cli(
        &app,
        &[
            "areas",
            "import",
            &path,
            "--kind",
            "district",
            "--name-property",
            "WD23NM",
            "--code-property",
            "WD23CD",
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("Imported 4 areas (district)")
            && stdout.contains("4 new")
            && stdout.contains("7 retired"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Re-placed tickets: 1 checked, 1 moved"),
        "{stdout}"
    );
    assert_eq!(area_of(&app, &ticket).as_deref(), Some("W2"));
    let kind: String = areas::table
        .filter(areas::code.eq("W2"))
        .select(areas::kind)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(kind, "district");

    let out = cli(&app, &["areas", "list"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    let w2 = stdout
        .lines()
        .find(|l| l.starts_with("W2"))
        .expect("W2 listed");
    assert!(
        w2.contains("East")
            && w2.contains("district")
            && w2.contains(" 1 ")
            && w2.contains("active"),
        "{w2}"
    );
    assert!(stdout
        .lines()
        .any(|l| l.starts_with("DB01") && l.contains("retired")));

    // The default property names miss here: the file is refused, naming them.
    let before = snapshot(&app);
    let out = cli(&app, &["areas", "import", &path]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("nothing was imported"), "{stderr}");
    assert!(
        stderr.contains(r#"features[0]: it has no "name" property. Its properties are: WD23CD, WD23NM, population."#),
        "{stderr}"
    );
    assert_eq!(snapshot(&app), before, "a refused file changes nothing");

    let missing = cli(&app, &["areas", "import", "/nonexistent/wards.geojson"]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/nonexistent/wards.geojson"));
}

/// Every problem a file can have, with the message it gets on the page; none
/// of them changes anything.
#[tokio::test]
async fn every_problem_is_named_with_its_feature_and_nothing_changes() {
    let (app, admin) = desk().await;
    import_ok(&app, &admin, &council(11.0)).await;
    let ticket = report_at(&app, 10.5, 10.5).await;
    let before = snapshot(&app);

    let one = |geometry: Value| collection(vec![ward("X1", "Riverside", geometry)]);
    let square = rect(0.0, 0.0, 1.0, 1.0);
    let cases: Vec<(String, &str)> = vec![
        ("{\"type\": \"FeatureCollection\",".into(),
            "This is not JSON: there is a mistake at line 1, column 29."),
        (r#"{"type": "Polygon", "coordinates": []}"#.into(),
            r#"This is JSON but not a GeoJSON FeatureCollection or Feature (its "type" is "Polygon")."#),
        ("[1, 2]".into(), "This is JSON but not GeoJSON: it has no \"type\"."),
        (collection(vec![]), "The file has no features, so there is nothing to import."),
        ("".into(), "There is nothing to import: choose a GeoJSON file or paste its text."),
        (collection(vec![json!({ "type": "Point", "coordinates": [0, 0] })]),
            r#"features[0]: it is not a GeoJSON Feature (an object with "type": "Feature")."#),
        (one(Value::Null), "features[0] (Riverside): it has no geometry."),
        (one(json!({ "type": "LineString", "coordinates": [[0, 0], [1, 1]] })),
            "features[0] (Riverside): its geometry is a LineString; an area must be a Polygon or MultiPolygon."),
        (one(json!({ "type": "Point", "coordinates": [0, 0] })),
            "features[0] (Riverside): its geometry is a Point; an area must be a Polygon or MultiPolygon."),
        (one(polygon(vec![json!([[0, 0], [1, 0], [1, 1], [0, 1]])])),
            "features[0] (Riverside): the outer ring is not closed: its last position must be the same as its first."),
        (one(polygon(vec![json!([[0, 0], [1, 0], [0, 0]])])),
            "features[0] (Riverside): the outer ring has 3 positions; a ring needs at least 4 (three corners, then the first again to close it)."),
        (one(polygon(vec![rect(530000.0, 180000.0, 531000.0, 181000.0)])),
            "features[0] (Riverside): position 1 of the outer ring is [530000, 180000], which is not a longitude (-180 to 180) and latitude (-90 to 90)."),
        (one(polygon(vec![json!([[0, 0], [1, 0], ["x", 1], [0, 0]])])),
            "features[0] (Riverside): its coordinates are not lists of [longitude, latitude] positions"),
        (one(polygon(vec![json!([[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]])])),
            "features[0] (Riverside): the outer ring crosses or touches itself."),
        (one(polygon(vec![square.clone(), rect(5.0, 5.0, 6.0, 6.0)])),
            "features[0] (Riverside): hole 1 is not inside its polygon's outer ring."),
        (one(json!({ "type": "MultiPolygon", "coordinates": [
                [rect(0.0, 0.0, 2.0, 2.0)], [rect(1.0, 1.0, 3.0, 3.0)] ]})),
            "features[0] (Riverside): polygons 1 and 2 of its MultiPolygon overlap or share an edge"),
        (one(json!({ "type": "MultiPolygon", "coordinates": [
                [rect(0.0, 0.0, 1.0, 1.0)], [rect(2.0, 0.0, 3.0, 1.0), json!([[2.2, 0.2], [2.4, 0.2], [2.2, 0.2]])] ]})),
            "features[0] (Riverside): hole 1 of polygon 2 has 3 positions"),
        (collection(vec![json!({ "type": "Feature", "properties": { "code": "X9" }, "geometry": polygon(vec![square.clone()]) })]),
            r#"features[0] (X9): it has no "name" property. Its properties are: code."#),
        (collection(vec![json!({ "type": "Feature", "properties": { "name": "Nocode" }, "geometry": polygon(vec![square.clone()]) })]),
            r#"features[0] (Nocode): it has no "code" property. Its properties are: name."#),
        (collection(vec![json!({ "type": "Feature", "properties": null, "geometry": polygon(vec![square.clone()]) })]),
            r#"features[0]: it has no "name" property, and no properties at all."#),
        (collection(vec![
            ward("X1", "One", polygon(vec![square.clone()])),
            ward("X2", "Two", polygon(vec![rect(2.0, 0.0, 3.0, 1.0)])),
            ward("X1", "Three", polygon(vec![rect(4.0, 0.0, 5.0, 1.0)])),
        ]), r#"features[2] (Three): its code "X1" is also the code of features[0]; every area needs a code of its own."#),
    ];
    for (file, expected) in &cases {
        let res = import_text(&app, &admin, file).await;
        assert_eq!(res.status(), 422, "{expected}");
        let html = unescape(&res.text().await.unwrap());
        assert!(html.contains("The file was not imported"), "{expected}");
        assert!(html.contains(expected), "expected «{expected}» in:\n{html}");
        assert_eq!(snapshot(&app), before, "{expected}: nothing changed");
    }

    // Several problems are all listed, in the file's order.
    let res = import_file(
        &app,
        &admin,
        &collection(vec![
            ward("X1", "Good", polygon(vec![square.clone()])),
            ward(
                "X2",
                "Open",
                polygon(vec![json!([[0, 0], [1, 0], [1, 1], [0, 1]])]),
            ),
            ward(
                "X3",
                "Line",
                json!({ "type": "LineString", "coordinates": [[0, 0], [1, 1]] }),
            ),
        ]),
        &[],
    )
    .await;
    assert_eq!(res.status(), 422);
    let html = unescape(&res.text().await.unwrap());
    let open = html
        .find("features[1] (Open): the outer ring is not closed")
        .expect("Open");
    let line = html
        .find("features[2] (Line): its geometry is a LineString")
        .expect("Line");
    assert!(open < line);

    // A bad kind, and a file over the size limit (413).
    let res = import_file(&app, &admin, &council(11.0), &[("kind", "Ward Boundaries")]).await;
    assert_eq!(res.status(), 422);
    assert!(unescape(&res.text().await.unwrap())
        .contains(r#""Ward Boundaries" cannot be the kind of area"#));
    let huge = " ".repeat(civicdesk::areas::geometry::MAX_IMPORT_BYTES + 10);
    let res = import_file(&app, &admin, &huge, &[]).await;
    assert_eq!(res.status(), 413);
    assert!(unescape(&res.text().await.unwrap()).contains("The file is larger than 32 MB"));

    // Without the CSRF token: 403, nothing changed.
    let res = bare_client()
        .post(app.url("/staff/admin/areas"))
        .header("cookie", format!("civicdesk_session={admin}"))
        .form(&[("text", council(11.5).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(snapshot(&app), before);
    assert_eq!(area_of(&app, &ticket).as_deref(), Some("W1"));
}

#[tokio::test]
async fn only_administrators_see_or_import_areas() {
    let (app, admin) = desk().await;
    for (email, role, departments) in [
        ("agent@example.org", "agent", &["roads"][..]),
        ("supervisor@example.org", "supervisor", &["roads"][..]),
        ("leader@example.org", "leader", &[][..]),
    ] {
        staff_user(&app, email, role, departments);
        let session = session_token(&app, email);
        let (status, html) = page(&app, &session, "/staff/admin/areas").await;
        assert_eq!(status, 403, "{role}");
        assert!(
            html.contains("Only administrators can import areas."),
            "{role}"
        );
        let res = import_text(&app, &session, &council(11.0)).await;
        assert_eq!(res.status(), 403, "{role}");
        let (_, account) = page(&app, &session, "/staff/account").await;
        assert!(
            !account.contains("/staff/admin/areas"),
            "{role} has no link to it"
        );
    }
    assert_eq!(app.count("area_imports"), 1, "only the demo seed's");
    let res = bare_client()
        .get(app.url("/staff/admin/areas"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "signed out: to sign in");
    let (_, account) = page(&app, &admin, "/staff/account").await;
    assert!(
        account.contains(r#"href="/staff/admin/areas""#),
        "the admin's navigation links it"
    );
}

// ---------------------------------------------------------------- placement

#[tokio::test]
async fn requests_are_placed_when_they_arrive_by_the_api_and_the_form() {
    let (app, admin) = desk().await;
    import_ok(&app, &admin, &council(11.0)).await;
    let by_api = report_at(&app, 10.5, 11.5).await;
    assert_eq!(area_of(&app, &by_api).as_deref(), Some("W2"));

    // The citizen's form.
    let client = device();
    let csrf = csrf_on(&app, &client, "/report/pothole").await;
    let form = Form::new()
        .text("csrf_token", csrf)
        .text("kind", "service_request")
        .text("subject", "Pothole in the island")
        .text("description", "Deep")
        .text("extra.size", "large")
        .text("latitude", "10.5")
        .text("longitude", "13")
        .text("name", "Ada Lovelace")
        .text("email", "ada@example.org")
        .text("privacy_consent", "yes")
        .text("website", "");
    let res = client
        .post(app.url("/report/pothole"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let by_form: String = tickets::table
        .filter(tickets::subject.eq("Pothole in the island"))
        .select(tickets::reference)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(
        area_of(&app, &by_form).as_deref(),
        Some("W4"),
        "the enclave in W3's hole"
    );

    // Staff see it, on the page and in the API.
    staff_user(&app, "roads@example.org", "agent", &["roads"]);
    let agent = session_token(&app, "roads@example.org");
    let (_, html) = page(&app, &agent, &format!("/staff/tickets/{by_form}")).await;
    assert!(
        html.contains(r#"<dd id="ticket-area">Island <span class="muted">(W4)</span>"#),
        "{html}"
    );
    let view: Value = bare_client()
        .get(app.url(&format!("/api/v1/tickets/{by_api}")))
        .bearer_auth(&agent)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(view["location"]["area"]["code"], "W2");
    assert_eq!(view["location"]["area"]["name"], "East");
    assert_eq!(view["location"]["area"]["kind"], "ward");

    // Without coordinates, or outside every area: no area ("unknown").
    let nowhere = report_at(&app, 50.0, 50.0).await;
    assert_eq!(area_of(&app, &nowhere), None);
    let (_, html) = page(&app, &agent, &format!("/staff/tickets/{nowhere}")).await;
    assert!(html.contains("Not in any area"));
}

#[tokio::test]
async fn holes_multipolygons_and_shared_boundaries_place_exactly_once() {
    let (app, admin) = desk().await;
    import_ok(&app, &admin, &council(11.0)).await;
    for ((lat, lon), expected) in [
        ((10.5, 10.5), Some("W1")),
        // On the line between West (W1) and East (W2): the code that sorts first.
        ((10.5, 11.0), Some("W1")),
        ((10.0, 11.0), Some("W1")),
        // On the line between East (W2) and Ring (W3).
        ((10.9, 12.0), Some("W2")),
        // An outer edge belongs to the area.
        ((11.0, 10.5), Some("W1")),
        // In Ring's hole but outside the island in it: no area.
        ((10.27, 12.55), None),
        // The island in the hole, and its far part.
        ((10.5, 13.0), Some("W4")),
        ((10.5, 20.5), Some("W4")),
        // On the hole's edge: Ring (W3) and not the island.
        ((10.25, 13.0), Some("W3")),
        ((10.9, 13.0), Some("W3")),
    ] {
        let reference = report_at(&app, lat, lon).await;
        assert_eq!(
            area_of(&app, &reference).as_deref(),
            expected,
            "{lat}, {lon}"
        );
    }
}

#[tokio::test]
async fn a_moved_boundary_or_a_retired_area_re_places_existing_tickets() {
    let (app, admin) = desk().await;
    import_ok(&app, &admin, &council(11.0)).await;
    let near = report_at(&app, 10.5, 11.2).await;
    let far = report_at(&app, 10.5, 11.8).await;
    let west = report_at(&app, 10.5, 10.2).await;
    let island = report_at(&app, 10.5, 20.5).await;
    assert_eq!(area_of(&app, &near).as_deref(), Some("W2"));
    let before = version_of(&app, &near);

    // The boundary moves east to 11.5: `near` is now in the West.
    let location = import_ok(&app, &admin, &council(11.5)).await;
    assert_eq!(area_of(&app, &near).as_deref(), Some("W1"));
    assert_eq!(area_of(&app, &far).as_deref(), Some("W2"));
    assert_eq!(area_of(&app, &west).as_deref(), Some("W1"));
    assert_eq!(
        version_of(&app, &near),
        before,
        "re-placing is bookkeeping: neither version nor updated_at changes"
    );
    // New requests are placed with the new outlines too.
    let after = report_at(&app, 10.5, 11.3).await;
    assert_eq!(area_of(&app, &after).as_deref(), Some("W1"));
    let (_, html) = page(&app, &admin, &location).await;
    assert!(
        html.contains("0 new, 2 with a new outline, 0 renamed, 2 unchanged, 0 retired"),
        "{html}"
    );
    // Only tickets in the reshaped areas or their box were looked at.
    let run: (bool, i64, i64) = area_placements::table
        .order(area_placements::id.desc())
        .select((
            area_placements::all_tickets,
            area_placements::tickets_checked,
            area_placements::tickets_moved,
        ))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(
        run,
        (false, 3, 1),
        "near, far and west were looked at; near moved"
    );

    // The island is left out: it is retired, and its tickets are in no area.
    let without_island = collection(
        serde_json::from_str::<Value>(&council(11.5)).unwrap()["features"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["properties"]["code"] != "W4")
            .cloned()
            .collect(),
    );
    import_ok(&app, &admin, &without_island).await;
    assert_eq!(area_of(&app, &island), None);
    let retired: Option<chrono::DateTime<chrono::Utc>> = areas::table
        .filter(areas::code.eq("W4"))
        .select(areas::retired_at)
        .first(&mut app.conn())
        .unwrap();
    assert!(retired.is_some());
    // It comes back with its code.
    let location = import_ok(&app, &admin, &council(11.5)).await;
    assert_eq!(area_of(&app, &island).as_deref(), Some("W4"));
    let (_, html) = page(&app, &admin, &location).await;
    assert!(html.contains("1 new, 0 with a new outline"), "{html}");
}

#[tokio::test]
async fn staff_change_a_location_and_the_ticket_moves_area() {
    let (app, admin) = desk().await;
    import_ok(&app, &admin, &council(11.0)).await;
    let reference = report_at(&app, 10.5, 10.5).await;
    staff_user(&app, "roads@example.org", "agent", &["roads"]);
    let agent = session_token(&app, "roads@example.org");
    let version = |app: &TestApp| version_of(app, &reference).0.to_string();

    // The page's form.
    let res = bare_client()
        .post(app.url(&format!("/staff/tickets/{reference}/location")))
        .header("cookie", cookies(&agent))
        .form(&[
            ("csrf_token", CSRF),
            ("expected_version", version(&app).as_str()),
            ("address", "3 Island Road"),
            ("latitude", "10.5"),
            ("longitude", "20.5"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()["location"],
        format!("/staff/tickets/{reference}?done=location").as_str()
    );
    assert_eq!(area_of(&app, &reference).as_deref(), Some("W4"));
    let (_, html) = page(
        &app,
        &agent,
        &format!("/staff/tickets/{reference}?done=location"),
    )
    .await;
    assert!(html.contains("The location was changed."));
    assert!(
        html.contains("Location changed") && html.contains("(West) → 3 Island Road"),
        "{html}"
    );
    assert!(html.contains(r#"name="address" maxlength="500" value="3 Island Road""#));
    let (kind, actor, public, data): (String, Option<i64>, bool, Value) = ticket_events::table
        .inner_join(tickets::table)
        .filter(tickets::reference.eq(&reference))
        .order(ticket_events::id.desc())
        .select((
            ticket_events::kind,
            ticket_events::actor_user_id,
            ticket_events::public,
            ticket_events::data,
        ))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(kind, "location_changed");
    assert_eq!(
        actor,
        Some(crate::staff_helpers::user_id(&app, "roads@example.org"))
    );
    assert!(
        !public,
        "internal: the citizen's tracking page does not show it"
    );
    assert_eq!(data["from"]["area"]["code"], "W1");
    assert_eq!(data["to"]["area"]["code"], "W4");
    assert_eq!(data["to"]["address"], "3 Island Road");

    // The API: 200 with the ticket now; then the rules.
    let post = |body: Value| {
        bare_client()
            .post(app.url(&format!("/api/v1/tickets/{reference}/location")))
            .bearer_auth(&agent)
            .json(&body)
            .send()
    };
    let v: i64 = version(&app).parse().unwrap();
    let res = post(json!({ "expected_version": v, "latitude": 10.5, "longitude": 11.5 }))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["location"]["area"]["code"], "W2");
    assert_eq!(
        body["location"]["address"],
        Value::Null,
        "left out: cleared"
    );
    assert_eq!(body["version"], v + 1);

    let v = v + 1;
    for (body, field) in [
        (
            json!({ "expected_version": v, "latitude": 91.0, "longitude": 0.0 }),
            "latitude",
        ),
        (
            json!({ "expected_version": v, "latitude": 10.0 }),
            "longitude",
        ),
        (json!({ "expected_version": v }), "address"),
        (
            json!({ "expected_version": v, "latitude": 10.5, "longitude": 11.5 }),
            "address",
        ),
    ] {
        let res = post(body.clone()).await.unwrap();
        assert_eq!(res.status(), 422, "{body}");
        let err: Value = res.json().await.unwrap();
        assert!(err["error"]["fields"][field].is_string(), "{body}: {err}");
    }
    let res = post(json!({ "expected_version": v - 1, "address": "Old" }))
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    assert_eq!(
        area_of(&app, &reference).as_deref(),
        Some("W2"),
        "refusals changed nothing"
    );

    // Moving it out of every area, keeping an address.
    let res = post(json!({ "expected_version": v, "address": "Somewhere", "latitude": 40.0, "longitude": 40.0 }))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(area_of(&app, &reference), None);
    // Another department's agent does not see it.
    staff_user(&app, "parks@example.org", "agent", &["parks"]);
    let other = session_token(&app, "parks@example.org");
    let res = bare_client()
        .post(app.url(&format!("/api/v1/tickets/{reference}/location")))
        .bearer_auth(&other)
        .json(&json!({ "expected_version": v + 1, "address": "Mine now" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn re_placement_resumes_where_it_stopped_and_one_process_runs_it() {
    let (app, admin) = desk().await;
    import_ok(&app, &admin, &council(11.0)).await;
    let refs: Vec<String> = {
        let mut v = Vec::new();
        for i in 0..5 {
            v.push(report_at(&app, 10.5, 11.1 + 0.12 * i as f64).await);
        }
        v
    };
    // Boundary moved without placing (as if the process stopped right after the import).
    let areas: Vec<civicdesk::areas::geometry::ParsedArea> =
        civicdesk::areas::geometry::parse_import(council(11.5).as_bytes(), &Default::default())
            .unwrap();
    let mut conn = app.conn();
    civicdesk::areas::import::import_areas(
        &mut conn,
        civicdesk::areas::import::ImportRequest {
            areas: &areas,
            kind: "ward",
            source: civicdesk::areas::import::Source::Cli,
            file_name: None,
            actor_user_id: None,
            now: chrono::Utc::now(),
        },
    )
    .unwrap();
    assert!(refs
        .iter()
        .all(|r| area_of(&app, r).as_deref() == Some("W2")));

    // Another process holds the lock: this one leaves the work alone.
    let mut other = app.conn();
    diesel::sql_query("SELECT pg_advisory_lock(7243005)")
        .execute(&mut other)
        .unwrap();
    let now = chrono::Utc::now;
    let busy = placement::place_pending(&mut conn, &now, &Limits::default(), &mut |_| {}).unwrap();
    assert_eq!(busy.state, RunState::Busy);
    diesel::sql_query("SELECT pg_advisory_unlock(7243005)")
        .execute(&mut other)
        .unwrap();

    // Two tickets a batch, stopped after the first batch.
    let calls = std::cell::Cell::new(0);
    let stop = || calls.get() >= 1;
    let limits = Limits {
        stop: &stop,
        batch_size: 2,
        budget: None,
    };
    let mut seen = Vec::new();
    let paused = placement::place_pending(&mut conn, &now, &limits, &mut |p| {
        calls.set(calls.get() + 1);
        seen.push(*p);
    })
    .unwrap();
    assert_eq!(paused.state, RunState::Paused);
    assert_eq!((paused.checked, paused.moved), (2, 2));
    assert_eq!(seen.len(), 1);
    let moved_so_far = refs
        .iter()
        .filter(|r| area_of(&app, r).as_deref() == Some("W1"))
        .count();
    assert_eq!(moved_so_far, 2);

    // The rest, from where it stopped.
    let done = placement::place_pending(
        &mut conn,
        &now,
        &Limits {
            batch_size: 2,
            ..Limits::default()
        },
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(done.state, RunState::Done);
    assert_eq!(done.finished, 1);
    assert_eq!(done.checked, 3, "nothing was looked at twice");
    let expected = ["W1", "W1", "W1", "W1", "W2"];
    for (r, e) in refs.iter().zip(expected) {
        assert_eq!(area_of(&app, r).as_deref(), Some(e), "{r}");
    }

    // `place --all` looks at every ticket with coordinates, and moves none now.
    let out = cli(&app, &["areas", "place", "--all"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("5 checked, 0 moved"), "{stdout}");
}

#[tokio::test]
async fn the_background_worker_finishes_a_queued_re_placement() {
    let (app, admin) = desk().await;
    import_ok(&app, &admin, &council(11.0)).await;
    let ticket = report_at(&app, 10.5, 10.5).await;
    app.execute("UPDATE tickets SET area_id = NULL");
    placement::queue_all(&mut app.conn(), chrono::Utc::now()).unwrap();
    let pool = civicdesk::db::build_pool(&app.db_url, 2, Duration::from_secs(5));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let worker = tokio::spawn(civicdesk::jobs::placement::run_placement_worker(
        pool,
        civicdesk::clock::Clock::system(),
        Duration::from_millis(50),
        async move {
            let _ = stopped.await;
        },
    ));
    let mut placed = false;
    for _ in 0..100 {
        if area_of(&app, &ticket).is_some() {
            placed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), worker)
        .await
        .unwrap()
        .unwrap();
    assert!(placed, "the worker placed the ticket");
    assert_eq!(area_of(&app, &ticket).as_deref(), Some("W1"));
    let pending: i64 = area_placements::table
        .filter(area_placements::finished_at.is_null())
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(pending, 0);
}

#[tokio::test]
async fn the_queue_filters_by_area() {
    let (app, admin) = desk().await;
    import_ok(&app, &admin, &council(11.0)).await;
    let west = report_at(&app, 10.5, 10.5).await;
    let east = report_at(&app, 10.5, 11.5).await;
    let nowhere = report_at(&app, 40.0, 40.0).await;
    staff_user(&app, "roads@example.org", "agent", &["roads"]);
    let agent = session_token(&app, "roads@example.org");
    let list = |query: &'static str| {
        let agent = agent.clone();
        let app = &app;
        async move {
            let res = bare_client()
                .get(app.url(&format!("/api/v1/tickets?{query}")))
                .bearer_auth(&agent)
                .send()
                .await
                .unwrap();
            let status = res.status();
            let body: Value = res.json().await.unwrap();
            let refs: Vec<String> = body["items"]
                .as_array()
                .map(|items| {
                    items
                        .iter()
                        .map(|i| i["reference"].as_str().unwrap().to_string())
                        .collect()
                })
                .unwrap_or_default();
            (status, refs, body)
        }
    };
    assert_eq!(list("area=W1").await.1, vec![west.clone()]);
    assert_eq!(list("area=W2").await.1, vec![east.clone()]);
    assert_eq!(list("area=none").await.1, vec![nowhere.clone()]);
    let (status, _, body) = list("area=NOPE").await;
    assert_eq!(status, 400);
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("no area has this code"));
    // The page offers the areas in its filter form and keeps the choice.
    let (status, html) = page(&app, &agent, "/staff/queue?area=W2").await;
    assert_eq!(status, 200);
    assert!(html.contains(&east) && !html.contains(&west));
    assert!(
        html.contains(r#"<option value="W2" selected>East</option>"#),
        "{html}"
    );
    assert!(html.contains(r#"<option value="none" >Not in any area</option>"#));
}

#[tokio::test]
async fn the_demo_seed_brings_its_wards_once() {
    let (app, _) = desk().await;
    let names: Vec<String> = areas::table
        .filter(areas::retired_at.is_null())
        .order(areas::code)
        .select(areas::name)
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(
        names,
        [
            "Northgate",
            "St Mary's",
            "Eastbrook",
            "Parkside",
            "Market",
            "Riverside",
            "Castle"
        ]
    );
    // The demo requests' usual spot is in a ward.
    let reference = report_at(&app, 51.5072, -0.1276).await;
    assert_eq!(area_of(&app, &reference).as_deref(), Some("DB02"));
    // Seeding again changes nothing.
    let again = app.seed_demo();
    assert_eq!(again.created_rows, 0);
    assert_eq!(app.count("areas"), 7);
    assert_eq!(app.count("area_imports"), 1);
}
