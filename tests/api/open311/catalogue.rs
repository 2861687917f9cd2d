//! Discovery, the service list and service definitions; unknown resources,
//! formats and methods; the jurisdiction check.

use serde_json::{json, Value};

use super::*;

#[tokio::test]
async fn discovery_names_the_endpoint_its_formats_and_who_to_ask() {
    let app = desk().await;
    let (status, d, x) = both(&app, "discovery", "").await;
    assert_eq!(status, 200);
    assert_eq!(x.name, "discovery");
    assert_eq!(
        x.names(),
        ["changeset", "contact", "key_service", "endpoints"]
    );
    assert!(d["contact"]
        .as_str()
        .unwrap()
        .contains("Demo Borough Council"));
    assert!(!d["key_service"].as_str().unwrap().is_empty());
    let changeset = d["changeset"].as_str().unwrap();
    assert!(
        civicdesk::open311::params::parse_datetime(changeset).is_some(),
        "{changeset}"
    );
    let endpoints = d["endpoints"].as_array().unwrap();
    assert_eq!(endpoints.len(), 1);
    let e = &endpoints[0];
    assert_eq!(e["specification"], "http://wiki.open311.org/GeoReport_v2");
    assert_eq!(
        e["url"],
        format!(
            "{}/open311/v2",
            app.settings
                .application
                .public_base_url
                .as_str()
                .trim_end_matches('/')
        )
    );
    assert_eq!(e["type"], "test", "not production");
    assert_eq!(e["formats"], json!(["text/xml", "application/json"]));
    assert_eq!(e["changeset"], d["changeset"]);
    // The formats' XML: one <format> each.
    let formats = x.child("endpoints").child("endpoint").child("formats");
    assert_eq!(formats.names(), ["format", "format"]);

    // Configured texts win.
    let app = desk_with(&[
        ("open311.contact", "api@council.example"),
        ("open311.key_service", "Ask at api@council.example"),
    ])
    .await;
    let (_, d, _) = both(&app, "discovery", "").await;
    assert_eq!(d["contact"], "api@council.example");
    assert_eq!(d["key_service"], "Ask at api@council.example");
}

#[tokio::test]
async fn services_are_the_active_catalogue_with_the_specs_fields() {
    let app = desk().await;
    app.execute("UPDATE categories SET active = false WHERE slug = 'graffiti'");
    let (status, list, x) = both(&app, "services", "").await;
    assert_eq!(status, 200);
    assert_eq!(x.name, "services");
    assert!(x.children.iter().all(|c| c.name == "service"));
    let list = list.as_array().expect("a bare array");
    let active = app.count("categories WHERE active");
    assert_eq!(list.len() as i64, active);
    assert!(
        list.iter().all(|s| s["service_code"] != "graffiti"),
        "inactive left out"
    );
    let pothole = list
        .iter()
        .find(|s| s["service_code"] == "pothole")
        .unwrap();
    assert_eq!(
        pothole.as_object().unwrap().keys().collect::<Vec<_>>(),
        [
            "description",
            "group",
            "keywords",
            "metadata",
            "service_code",
            "service_name",
            "type"
        ],
    );
    assert_eq!(pothole["service_name"], "Pothole or damaged road");
    assert_eq!(pothole["metadata"], json!(true), "a boolean");
    assert_eq!(pothole["type"], "realtime");
    assert_eq!(pothole["keywords"], "road,hole,tarmac,damage");
    assert!(pothole["group"].is_string());
    let pavement = list
        .iter()
        .find(|s| s["service_code"] == "damaged-pavement")
        .unwrap();
    assert_eq!(pavement["metadata"], json!(false), "no attributes");
    let xml_pothole = x
        .children
        .iter()
        .find(|s| s.text_of("service_code") == "pothole")
        .unwrap();
    assert_eq!(
        xml_pothole.names(),
        [
            "service_code",
            "service_name",
            "description",
            "metadata",
            "type",
            "keywords",
            "group"
        ]
    );
    assert_eq!(xml_pothole.text_of("metadata"), "true");
}

#[tokio::test]
async fn a_service_definition_lists_its_attributes_in_order() {
    let app = desk().await;
    let (status, d, x) = both(&app, "services/pothole", "").await;
    assert_eq!(status, 200);
    assert_eq!(x.name, "service_definition");
    assert_eq!(x.names(), ["service_code", "attributes"]);
    assert_eq!(d["service_code"], "pothole");
    let attrs = d["attributes"].as_array().unwrap();
    assert_eq!(attrs.len(), 2);
    assert_eq!(
        attrs[0],
        json!({
            "variable": true, "code": "size", "datatype": "singlevaluelist", "required": true,
            "datatype_description": null, "order": 1, "description": "Roughly how big is it?",
            "values": [
                {"key": "small", "name": "Smaller than a dinner plate"},
                {"key": "medium", "name": "Up to a car tyre"},
                {"key": "large", "name": "Larger than a car tyre"}
            ]
        })
    );
    assert_eq!(attrs[1]["code"], "depth_cm");
    assert_eq!(attrs[1]["datatype"], "number");
    assert_eq!(attrs[1]["required"], json!(false));
    assert_eq!(attrs[1]["order"], json!(2));
    assert!(attrs[1].get("values").is_none(), "values only for lists");

    // Help text is the datatype_description; a multi-value list has its values.
    let (_, light, _) = both(&app, "services/street-light", "").await;
    assert_eq!(light["attributes"][0]["datatype"], "string");
    assert_eq!(
        light["attributes"][0]["datatype_description"],
        "Usually on a small plate about head height."
    );
    let (_, bin, _) = both(&app, "services/new-bin", "").await;
    assert_eq!(bin["attributes"][1]["datatype"], "multivaluelist");
    assert_eq!(bin["attributes"][1]["values"].as_array().unwrap().len(), 4);
    let (_, missed, _) = both(&app, "services/missed-bin", "").await;
    assert_eq!(missed["attributes"][1]["datatype"], "datetime");
    let (_, bulky, _) = both(&app, "services/bulky-waste", "").await;
    assert_eq!(bulky["attributes"][0]["datatype"], "text");
    let (_, none, nx) = both(&app, "services/damaged-pavement", "").await;
    assert_eq!(none["attributes"], json!([]));
    assert!(nx.child("attributes").children.is_empty());
}

/// The spec's own service definition example, as this catalogue holds it.
#[tokio::test]
async fn the_specs_service_definition_example() {
    let app = desk().await;
    add_service(
        &app,
        "dmv66",
        "DMV example",
        &json!([{ "code": "WHISHETN", "label": "What is the ticket/tag/DL number?",
                  "datatype": "singlevaluelist", "required": true,
                  "values": [{"key": "123", "name": "Ford"}, {"key": "124", "name": "Chrysler"}] }]),
    );
    let (_, d, x) = both(&app, "services/dmv66", "").await;
    // The spec's JSON, with its ids as strings.
    let expected: Value = serde_json::from_str(
        r#"{
          "service_code":"dmv66",
          "attributes":[
            {
              "variable":true,
              "code":"WHISHETN",
              "datatype":"singlevaluelist",
              "required":true,
              "datatype_description":null,
              "order":1,
              "description":"What is the ticket/tag/DL number?",
              "values":[
                { "key":"123", "name":"Ford" },
                { "key":"124", "name":"Chrysler" }
              ]
            }
          ]
        }"#,
    )
    .unwrap();
    assert_eq!(d, expected);
    // And the spec's XML, element for element.
    let attribute = x.child("attributes").child("attribute");
    assert_eq!(
        attribute.names(),
        [
            "variable",
            "code",
            "datatype",
            "required",
            "datatype_description",
            "order",
            "description",
            "values"
        ]
    );
    assert_eq!(attribute.text_of("datatype_description"), "");
    let values = attribute.child("values");
    assert_eq!(values.names(), ["value", "value"]);
    assert_eq!(values.children[0].names(), ["key", "name"]);
}

#[tokio::test]
async fn unknown_services_resources_formats_and_methods() {
    let app = desk().await;
    assert_get_error(&app, "services/no-such-service", "", 404, "no-such-service").await;
    app.execute("UPDATE categories SET active = false WHERE slug = 'graffiti'");
    assert_get_error(&app, "services/graffiti", "", 404, "graffiti").await;
    // Markup in the path is escaped, never echoed raw.
    let a = get(&app, &format!("{BASE}/services/%3Cb%3Ex.xml")).await;
    assert_error(&a, 404, "<b>x");
    assert!(a.body.contains("&lt;b&gt;x"), "{}", a.body);

    // A format other than .json and .xml, or none: 404 in XML.
    for path in [
        "services.html",
        "services",
        "requests/CD-2026-000001",
        "discovery.yaml",
    ] {
        let a = get(&app, &format!("{BASE}/{path}")).await;
        assert_error(&a, 404, "");
        assert!(
            a.content_type.starts_with("text/xml"),
            "{path}: {}",
            a.content_type
        );
    }
    let a = get(&app, &format!("{BASE}/nothing.json")).await;
    assert_error(&a, 404, "no such Open311 resource");
    assert_eq!(a.content_type, "application/json; charset=utf-8");

    // A method a resource does not take.
    let res = app
        .client
        .delete(app.url(&format!("{BASE}/requests.json")))
        .send()
        .await
        .unwrap();
    let a = Answer::of(res).await;
    assert_error(&a, 405, "method");
    let res = app
        .client
        .post(app.url(&format!("{BASE}/services.xml")))
        .send()
        .await
        .unwrap();
    assert_error(&Answer::of(res).await, 405, "method");
}

#[tokio::test]
async fn a_configured_jurisdiction_is_checked_wherever_it_is_given() {
    let app = desk_with(&[("open311.jurisdiction_id", "demo-council.example")]).await;
    let key = api_key(&app);
    for resource in [
        "discovery",
        "services",
        "services/pothole",
        "requests",
        "servicerequestupdates",
    ] {
        let (status, _, _) = both(&app, resource, "").await;
        assert_eq!(status, 200, "{resource} without jurisdiction_id");
        let (status, _, _) = both(&app, resource, "jurisdiction_id=").await;
        assert_eq!(status, 200, "{resource}: empty is absent");
        let (status, _, _) = both(&app, resource, "jurisdiction_id=Demo-Council.example").await;
        assert_eq!(status, 200, "{resource}: the same id in other case");
        assert_get_error(
            &app,
            resource,
            "jurisdiction_id=elsewhere.gov",
            404,
            "jurisdiction_id",
        )
        .await;
    }
    let before = written(&app);
    let mut fields = pothole(&key);
    fields.push(("jurisdiction_id", "elsewhere.gov"));
    for format in ["json", "xml"] {
        assert_error(&post(&app, format, &fields).await, 404, "jurisdiction_id");
    }
    assert_eq!(written(&app), before);
    fields.pop();
    fields.push(("jurisdiction_id", "demo-council.example"));
    submit(&app, &fields).await;

    // Without one configured, any jurisdiction_id is accepted.
    let app = desk().await;
    let (status, _, _) = both(&app, "services", "jurisdiction_id=anything.gov").await;
    assert_eq!(status, 200);
}
