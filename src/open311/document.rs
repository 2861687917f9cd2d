//! One answer, two formats. GeoReport v2 defines its XML and derives the JSON
//! from it by the "Spark convention": the root element goes, a list becomes a
//! bare array and an element holding one value becomes that value. So every
//! answer is built once as a [`Document`] and written as either.
//!
//! Absent values are `null` in JSON and an empty element in XML, as the
//! spec's own examples show (`"account_id":null`, `<account_id/>`).

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

/// A value in an answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    /// Text, or absent.
    Text(Option<String>),
    Int(i64),
    /// A decimal number (latitude, longitude), or absent.
    Num(Option<f64>),
    Bool(bool),
    /// Fields in the order they are written.
    Obj(Vec<(&'static str, Val)>),
    /// A list whose XML elements are each named `item` (`<services><service>`).
    List(&'static str, Vec<Val>),
}

impl Val {
    pub fn text(s: impl Into<String>) -> Self {
        Self::Text(Some(s.into()))
    }

    /// Text, absent when `None` or empty.
    pub fn opt(s: Option<impl Into<String>>) -> Self {
        Self::Text(s.map(Into::into).filter(|s: &String| !s.is_empty()))
    }
}

/// An answer: the XML root element's name and what it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub root: &'static str,
    pub body: Val,
}

/// The two formats of every resource (`.json`, `.xml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Xml,
}

impl Format {
    /// From the resource's extension.
    pub fn from_extension(ext: &str) -> Option<Self> {
        match ext {
            "json" => Some(Self::Json),
            "xml" => Some(Self::Xml),
            _ => None,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Json => "application/json; charset=utf-8",
            Self::Xml => "text/xml; charset=utf-8",
        }
    }
}

impl Document {
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Json => self.to_json(),
            Format::Xml => self.to_xml(),
        }
    }

    /// The body without its root (a list is a bare array).
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.body).expect("a document always serialises")
    }

    /// With the XML declaration; every text escaped.
    pub fn to_xml(&self) -> String {
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
        element(&mut out, self.root, &self.body);
        out.push('\n');
        out
    }
}

fn element(out: &mut String, name: &str, value: &Val) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    match value {
        Val::Text(Some(s)) => escape_into(out, s),
        Val::Text(None) | Val::Num(None) => {}
        Val::Int(n) => out.push_str(&n.to_string()),
        Val::Num(Some(n)) if n.is_finite() => out.push_str(&n.to_string()),
        Val::Num(Some(_)) => {}
        Val::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Val::Obj(fields) => {
            for (k, v) in fields {
                element(out, k, v);
            }
        }
        Val::List(item, items) => {
            for v in items {
                element(out, item, v);
            }
        }
    }
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// XML 1.0 allows tab, newline, carriage return and everything from U+0020
/// except U+FFFE and U+FFFF (Rust chars are never surrogates).
fn allowed_in_xml(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
}

/// Escapes markup characters and drops the characters XML cannot carry at all.
pub fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if allowed_in_xml(c) => out.push(c),
            _ => {}
        }
    }
}

impl Serialize for Val {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Val::Text(Some(t)) => s.serialize_str(t),
            Val::Text(None) | Val::Num(None) => s.serialize_none(),
            Val::Int(n) => s.serialize_i64(*n),
            Val::Num(Some(n)) if n.is_finite() => s.serialize_f64(*n),
            Val::Num(Some(_)) => s.serialize_none(),
            Val::Bool(b) => s.serialize_bool(*b),
            Val::Obj(fields) => {
                let mut map = s.serialize_map(Some(fields.len()))?;
                for (k, v) in fields {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
            Val::List(_, items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for v in items {
                    seq.serialize_element(v)?;
                }
                seq.end()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Document {
        Document {
            root: "service_requests",
            body: Val::List(
                "request",
                vec![Val::Obj(vec![
                    ("service_request_id", Val::text("CD-2026-000001")),
                    ("service_notice", Val::Text(None)),
                    ("lat", Val::Num(Some(51.5))),
                    ("long", Val::Num(None)),
                    ("metadata", Val::Bool(true)),
                    ("order", Val::Int(2)),
                    ("formats", Val::List("format", vec![Val::text("text/xml")])),
                ])],
            ),
        }
    }

    #[test]
    fn json_drops_the_root_and_keeps_field_order() {
        assert_eq!(
            sample().to_json(),
            r#"[{"service_request_id":"CD-2026-000001","service_notice":null,"lat":51.5,"long":null,"metadata":true,"order":2,"formats":["text/xml"]}]"#
        );
    }

    #[test]
    fn xml_has_its_declaration_and_singular_items() {
        assert_eq!(
            sample().to_xml(),
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<service_requests><request>\
             <service_request_id>CD-2026-000001</service_request_id><service_notice></service_notice>\
             <lat>51.5</lat><long></long><metadata>true</metadata><order>2</order>\
             <formats><format>text/xml</format></formats></request></service_requests>\n"
        );
    }

    #[test]
    fn text_is_escaped_and_characters_xml_cannot_hold_are_dropped() {
        let mut out = String::new();
        escape_into(&mut out, "a<b>&\"c'\u{0}\u{8}\u{1B}\t\n\u{FFFF}ü€😀");
        assert_eq!(out, "a&lt;b&gt;&amp;&quot;c&apos;\t\nü€😀");
        let doc = Document {
            root: "errors",
            body: Val::List(
                "error",
                vec![Val::Obj(vec![
                    ("code", Val::Int(400)),
                    ("description", Val::text("</description><x>")),
                ])],
            ),
        };
        assert!(doc
            .to_xml()
            .contains("<description>&lt;/description&gt;&lt;x&gt;</description>"));
        assert_eq!(
            doc.to_json(),
            r#"[{"code":400,"description":"</description><x>"}]"#
        );
    }

    #[test]
    fn numbers_that_are_not_finite_are_absent() {
        let doc = Document {
            root: "x",
            body: Val::Obj(vec![("n", Val::Num(Some(f64::NAN)))]),
        };
        assert_eq!(doc.to_json(), r#"{"n":null}"#);
        assert!(doc.to_xml().contains("<x><n></n></x>"));
    }

    #[test]
    fn formats_come_from_the_extension() {
        assert_eq!(Format::from_extension("json"), Some(Format::Json));
        assert_eq!(Format::from_extension("xml"), Some(Format::Xml));
        assert_eq!(Format::from_extension("html"), None);
        assert_eq!(Format::Xml.content_type(), "text/xml; charset=utf-8");
    }
}
