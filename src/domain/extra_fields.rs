//! The extra questions a category asks (e.g. "bin number"), and the checking
//! of a citizen's answers. Datatypes follow Open311's attribute datatypes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::new_ticket::parse_date_or_datetime;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Datatype {
    String,
    Number,
    Datetime,
    Text,
    Singlevaluelist,
    Multivaluelist,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListValue {
    pub key: String,
    pub name: String,
}

/// One extra field of a category, as stored in `categories.extra_fields`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtraFieldDef {
    pub code: String,
    pub label: String,
    pub datatype: Datatype,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub values: Vec<ListValue>,
}

impl ExtraFieldDef {
    /// Parses a category's stored definitions.
    pub fn parse_all(json: &serde_json::Value) -> Result<Vec<ExtraFieldDef>, serde_json::Error> {
        serde_json::from_value(json.clone())
    }
}

/// Checked answers, as a JSON object: strings, numbers, or arrays for multi-value lists.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ExtraFieldValues(serde_json::Map<String, serde_json::Value>);

const STRING_MAX: usize = 200;
const TEXT_MAX: usize = 4000;

impl ExtraFieldValues {
    /// Checks `input` (code → submitted values) against `defs`. Unknown codes are
    /// ignored; errors come back as (code, message key).
    pub fn parse(
        defs: &[ExtraFieldDef],
        input: &BTreeMap<String, Vec<String>>,
    ) -> Result<Self, Vec<(String, &'static str)>> {
        let mut out = serde_json::Map::new();
        let mut errors = Vec::new();
        for def in defs {
            let values: Vec<&str> = input
                .get(&def.code)
                .map(|v| {
                    v.iter()
                        .map(|s| s.trim())
                        .filter(|s| !s.is_empty())
                        .collect()
                })
                .unwrap_or_default();
            if values.is_empty() {
                if def.required {
                    errors.push((def.code.clone(), "error-extra-required"));
                }
                continue;
            }
            let is_key = |v: &str| def.values.iter().any(|lv| lv.key == v);
            let value = match def.datatype {
                Datatype::String | Datatype::Text => {
                    let max = if def.datatype == Datatype::String {
                        STRING_MAX
                    } else {
                        TEXT_MAX
                    };
                    let v = values[0];
                    if v.chars().count() > max || v.chars().any(|c| c.is_control() && c != '\n') {
                        errors.push((def.code.clone(), "error-extra-too-long"));
                        continue;
                    }
                    serde_json::Value::String(v.to_string())
                }
                Datatype::Number => match values[0].parse::<f64>() {
                    Ok(n) if n.is_finite() => serde_json::Number::from_f64(n)
                        .map(serde_json::Value::Number)
                        .unwrap_or(serde_json::Value::Null),
                    _ => {
                        errors.push((def.code.clone(), "error-extra-number"));
                        continue;
                    }
                },
                Datatype::Datetime => match parse_date_or_datetime(values[0]) {
                    Some(d) => serde_json::Value::String(d),
                    None => {
                        errors.push((def.code.clone(), "error-extra-date"));
                        continue;
                    }
                },
                Datatype::Singlevaluelist => {
                    if values.len() != 1 || !is_key(values[0]) {
                        errors.push((def.code.clone(), "error-extra-choice"));
                        continue;
                    }
                    serde_json::Value::String(values[0].to_string())
                }
                Datatype::Multivaluelist => {
                    if !values.iter().all(|v| is_key(v)) {
                        errors.push((def.code.clone(), "error-extra-choice"));
                        continue;
                    }
                    let mut unique: Vec<&str> = Vec::new();
                    for v in values {
                        if !unique.contains(&v) {
                            unique.push(v);
                        }
                    }
                    serde_json::Value::Array(
                        unique
                            .into_iter()
                            .map(|v| serde_json::Value::String(v.into()))
                            .collect(),
                    )
                }
            };
            out.insert(def.code.clone(), value);
        }
        if errors.is_empty() {
            Ok(Self(out))
        } else {
            Err(errors)
        }
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::Value::Object(self.0.clone())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defs() -> Vec<ExtraFieldDef> {
        serde_json::from_str(
            r#"[{"code":"bin","label":"Bin","datatype":"singlevaluelist","required":true,
                 "values":[{"key":"general","name":"General"},{"key":"garden","name":"Garden"}]},
                {"code":"kinds","label":"Kinds","datatype":"multivaluelist",
                 "values":[{"key":"a","name":"A"},{"key":"b","name":"B"}]},
                {"code":"depth","label":"Depth","datatype":"number"},
                {"code":"when","label":"When","datatype":"datetime"}]"#,
        )
        .unwrap()
    }

    fn input(pairs: &[(&str, &str)]) -> BTreeMap<String, Vec<String>> {
        let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (k, v) in pairs {
            m.entry(k.to_string()).or_default().push(v.to_string());
        }
        m
    }

    #[test]
    fn typed_values_are_checked() {
        let v = ExtraFieldValues::parse(
            &defs(),
            &input(&[
                ("bin", "garden"),
                ("kinds", "a"),
                ("kinds", "b"),
                ("kinds", "a"),
                ("depth", "12.5"),
                ("when", "2026-11-20"),
            ]),
        )
        .unwrap();
        assert_eq!(
            v.to_json(),
            serde_json::json!({"bin": "garden", "kinds": ["a", "b"], "depth": 12.5, "when": "2026-11-20"})
        );
    }

    #[test]
    fn bad_values_name_their_field() {
        let errors = ExtraFieldValues::parse(
            &defs(),
            &input(&[("kinds", "z"), ("depth", "deep"), ("when", "yesterday")]),
        )
        .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, vec!["bin", "kinds", "depth", "when"]);
    }

    #[test]
    fn the_seeded_definitions_parse() {
        for c in crate::seed::CATEGORIES {
            let json: serde_json::Value = serde_json::from_str(c.extra_fields).unwrap();
            ExtraFieldDef::parse_all(&json).unwrap_or_else(|e| panic!("{}: {e}", c.slug));
        }
    }
}
