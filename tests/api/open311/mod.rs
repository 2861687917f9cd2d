//! Open311 GeoReport v2 under `/open311/v2`, through real HTTP, in both
//! formats. Every XML answer is parsed with a real XML parser (roxmltree) and
//! read back by the Spark convention, which must give exactly the JSON answer.

mod catalogue;
mod follow;
mod keys;
mod submit;

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{spawn_app_at_with, spawn_app_with, TestApp};
use crate::staff_auth::{staff_user, PASSWORD};
use civicdesk::configuration::Overrides;

pub const BASE: &str = "/open311/v2";
const JSON_TYPE: &str = "application/json; charset=utf-8";
const XML_TYPE: &str = "text/xml; charset=utf-8";
const DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?>";

/// Elements whose children form a list (the Spark convention's arrays).
const LISTS: [&str; 8] = [
    "services",
    "service_requests",
    "attributes",
    "values",
    "endpoints",
    "formats",
    "errors",
    "service_request_updates",
];

fn lenient(o: &mut Overrides) {
    o.set
        .push(("abuse.submissions_per_hour".into(), "1000000".into()));
    o.set
        .push(("abuse.submission_burst".into(), "10000".into()));
}

/// The demo council, taking as many submissions as a test needs.
pub async fn desk() -> TestApp {
    desk_with(&[]).await
}

/// [`desk`] with settings changed (`("open311.jurisdiction_id", "city.gov")`).
pub async fn desk_with(set: &[(&str, &str)]) -> TestApp {
    let set: Vec<(String, String)> = set
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let app = spawn_app_with(|o| {
        lenient(o);
        o.set.extend(set);
    })
    .await;
    app.seed_demo();
    app
}

/// [`desk`] on a manual clock standing at `now`.
pub async fn desk_at(now: DateTime<Utc>) -> TestApp {
    let app = spawn_app_at_with(now, lenient).await;
    app.seed_demo();
    app
}

/// A new API key (as `civicdesk api-key create` makes them).
pub fn api_key(app: &TestApp) -> String {
    civicdesk::open311::api_keys::create(&mut app.conn(), "Test app", None, Utc::now())
        .unwrap()
        .key
}

/// A whole answer.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub content_type: String,
    pub body: String,
}

impl Answer {
    async fn of(res: reqwest::Response) -> Self {
        let status = res.status();
        let content_type = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        Self {
            status,
            content_type,
            body: res.text().await.unwrap(),
        }
    }

    pub fn json(&self) -> Value {
        assert_eq!(self.content_type, JSON_TYPE, "{}", self.body);
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("{}: not JSON ({e}): {}", self.status, self.body))
    }

    pub fn xml(&self) -> Node {
        assert_eq!(self.content_type, XML_TYPE, "{}", self.body);
        parse_xml(&self.body)
    }
}

/// An XML element, owned.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub name: String,
    pub text: String,
    pub children: Vec<Node>,
}

impl Node {
    pub fn child(&self, name: &str) -> &Node {
        self.children
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("<{}> has no <{name}>: {self:?}", self.name))
    }

    pub fn text_of(&self, name: &str) -> &str {
        &self.child(name).text
    }

    pub fn names(&self) -> Vec<&str> {
        self.children.iter().map(|c| c.name.as_str()).collect()
    }
}

/// Parses with a real XML parser: the declaration first, well-formed, no DTD.
pub fn parse_xml(body: &str) -> Node {
    assert!(body.starts_with(DECLARATION), "no XML declaration: {body}");
    let doc = roxmltree::Document::parse(body)
        .unwrap_or_else(|e| panic!("not well-formed XML ({e}): {body}"));
    fn own(n: roxmltree::Node) -> Node {
        let children: Vec<Node> = n.children().filter(|c| c.is_element()).map(own).collect();
        let text = if children.is_empty() {
            n.text().unwrap_or_default().to_string()
        } else {
            String::new()
        };
        Node {
            name: n.tag_name().name().to_string(),
            text,
            children,
        }
    }
    own(doc.root_element())
}

/// The XML read as JSON by the Spark convention (without the root element),
/// every value as text.
pub fn spark(node: &Node) -> Value {
    fn value(n: &Node) -> Value {
        if LISTS.contains(&n.name.as_str()) {
            Value::Array(n.children.iter().map(value).collect())
        } else if n.children.is_empty() {
            Value::String(n.text.clone())
        } else {
            let mut map = serde_json::Map::new();
            for c in &n.children {
                assert!(
                    map.insert(c.name.clone(), value(c)).is_none(),
                    "<{}> repeats <{}>",
                    n.name,
                    c.name
                );
            }
            Value::Object(map)
        }
    }
    value(node)
}

/// JSON with every value as XML would write it: `null` is empty.
pub fn as_text(v: &Value) -> Value {
    match v {
        Value::Null => Value::String(String::new()),
        Value::Bool(b) => Value::String(b.to_string()),
        Value::Number(n) => Value::String(n.to_string()),
        Value::String(_) => v.clone(),
        Value::Array(a) => Value::Array(a.iter().map(as_text).collect()),
        Value::Object(o) => Value::Object(o.iter().map(|(k, v)| (k.clone(), as_text(v))).collect()),
    }
}

pub async fn get(app: &TestApp, path: &str) -> Answer {
    Answer::of(app.client.get(app.url(path)).send().await.unwrap()).await
}

/// `{BASE}/{resource}.json?{query}` and `.xml`: the same status, and the XML
/// says exactly what the JSON says.
pub async fn both(app: &TestApp, resource: &str, query: &str) -> (StatusCode, Value, Node) {
    let q = if query.is_empty() {
        String::new()
    } else {
        format!("?{query}")
    };
    let j = get(app, &format!("{BASE}/{resource}.json{q}")).await;
    let x = get(app, &format!("{BASE}/{resource}.xml{q}")).await;
    assert_eq!(
        j.status, x.status,
        "{resource}?{query}: {} / {}",
        j.body, x.body
    );
    let (json, xml) = (j.json(), x.xml());
    assert_eq!(
        as_text(&json),
        spark(&xml),
        "{resource}?{query}: JSON and XML differ"
    );
    (j.status, json, xml)
}

/// A form POST to `{BASE}/requests.{format}`.
pub async fn post(app: &TestApp, format: &str, fields: &[(&str, &str)]) -> Answer {
    Answer::of(
        app.client
            .post(app.url(&format!("{BASE}/requests.{format}")))
            .form(fields)
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// A POST with this exact body and content type.
pub async fn post_raw(app: &TestApp, path: &str, content_type: &str, body: String) -> Answer {
    Answer::of(
        app.client
            .post(app.url(path))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// GeoReport's error list in either format, as `(code, description)`.
pub fn errors_of(a: &Answer) -> Vec<(i64, String)> {
    if a.content_type == JSON_TYPE {
        a.json()
            .as_array()
            .unwrap_or_else(|| panic!("errors are a bare array: {}", a.body))
            .iter()
            .map(|e| {
                assert_eq!(e.as_object().unwrap().len(), 2, "{e}");
                (
                    e["code"].as_i64().unwrap(),
                    e["description"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    } else {
        let x = a.xml();
        assert_eq!(x.name, "errors", "{}", a.body);
        x.children
            .iter()
            .map(|e| {
                assert_eq!(e.name, "error");
                assert_eq!(e.names(), ["code", "description"]);
                (
                    e.text_of("code").parse().unwrap(),
                    e.text_of("description").to_string(),
                )
            })
            .collect()
    }
}

/// Asserts the answer is an error with `status`, each error's code the
/// status, and one of them mentioning `needle`.
pub fn assert_error(a: &Answer, status: u16, needle: &str) {
    assert_eq!(a.status.as_u16(), status, "{}", a.body);
    let errors = errors_of(a);
    assert!(!errors.is_empty(), "no errors in {}", a.body);
    assert!(
        errors.iter().all(|(c, _)| *c == i64::from(status)),
        "{errors:?}"
    );
    assert!(
        errors.iter().any(|(_, d)| d.contains(needle)),
        "no error mentions {needle:?}: {errors:?}"
    );
}

/// The same GET in both formats must be this error.
pub async fn assert_get_error(
    app: &TestApp,
    resource: &str,
    query: &str,
    status: u16,
    needle: &str,
) {
    for format in ["json", "xml"] {
        let q = if query.is_empty() {
            String::new()
        } else {
            format!("?{query}")
        };
        let a = get(app, &format!("{BASE}/{resource}.{format}{q}")).await;
        assert_error(&a, status, needle);
    }
}

/// A valid pothole report (the demo's pothole asks for a size).
pub fn pothole(key: &str) -> Vec<(&str, &str)> {
    vec![
        ("api_key", key),
        ("service_code", "pothole"),
        ("lat", "51.5072"),
        ("long", "-0.1276"),
        ("address_string", "12 High Street"),
        ("attribute[size]", "large"),
        ("description", "A deep pothole by the bus stop."),
        ("email", "jo@example.org"),
        ("first_name", "Jo"),
        ("last_name", "Citizen"),
    ]
}

/// Posts `fields` as JSON, which must be accepted; returns the new id.
pub async fn submit(app: &TestApp, fields: &[(&str, &str)]) -> String {
    let a = post(app, "json", fields).await;
    assert_eq!(a.status, 200, "{}", a.body);
    a.json()[0]["service_request_id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id: {}", a.body))
        .to_string()
}

/// What every refusal must leave as it was.
pub fn written(app: &TestApp) -> [i64; 6] {
    [
        app.count("tickets"),
        app.count("contacts"),
        app.count("ticket_events"),
        app.count("outbox"),
        app.count("open311_requests"),
        app.count("attachments"),
    ]
}

/// A staff member of `department` with an API token.
pub async fn staff_token(app: &TestApp, email: &str, role: &str, department: &str) -> String {
    staff_user(app, email, role, &[department]);
    let res = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({ "email": email, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_string()
}

/// `POST /api/v1/tickets/{reference}/{action}` at the ticket's current version.
pub async fn act(app: &TestApp, token: &str, reference: &str, action: &str, mut body: Value) {
    let view: Value = app
        .client
        .get(app.url(&format!("/api/v1/tickets/{reference}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["expected_version"] = view["version"].clone();
    let res = app
        .client
        .post(app.url(&format!("/api/v1/tickets/{reference}/{action}")))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status();
    assert!(
        status.is_success(),
        "{action}: {status} {}",
        res.text().await.unwrap()
    );
}

/// Adds an active service to Roads (no SLA policy), e.g. the spec's examples.
pub fn add_service(app: &TestApp, code: &str, name: &str, attributes: &Value) {
    let q = |s: &str| s.replace('\'', "''");
    app.execute(&format!(
        "INSERT INTO categories (slug, name, description, group_name, keywords, \
         default_department_id, extra_fields) VALUES ('{}', '{}', 'Example service', 'Examples', \
         'example', (SELECT id FROM departments WHERE slug = 'roads'), '{}'::jsonb)",
        q(code),
        q(name),
        q(&attributes.to_string())
    ));
}
