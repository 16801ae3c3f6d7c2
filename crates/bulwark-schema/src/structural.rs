//! From a Kubernetes OpenAPI schema to a JSON Schema validator that answers
//! as the API server's decoding does, and from its errors to violations a
//! person can act on.
//!
//! Three differences between OpenAPI-as-Kubernetes-reads-it and plain JSON
//! Schema are bridged here: objects are closed (an unknown field is an
//! error under `kubectl --validate=strict`, the default since 1.27, unless
//! the schema says `x-kubernetes-preserve-unknown-fields`); a JSON `null`
//! in an object is the field being absent (Go decodes it to the zero
//! value), so nulls are dropped before validating and a null required
//! field is reported as missing; `x-kubernetes-int-or-string` accepts an
//! integer or a string.

use std::borrow::Cow;

use bulwark_core::{FieldPath, Seg};
use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::paths::LocationSegment;
use jsonschema::{Draft, JsonType, Validator};
use serde_json::{Map, Value};

/// One way an object breaks its schema.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// Where in the object: the field in error (an unknown field's own key).
    pub path: FieldPath,
    /// What is wrong, in the schema's terms; never quotes an input value.
    pub message: String,
}

/// Rewrites a Kubernetes OpenAPI schema (in place) into the JSON Schema the
/// validator runs: descriptions dropped, objects closed, int-or-string
/// spelled out.
pub fn prepare(schema: &mut Value) {
    let Value::Object(map) = schema else {
        return;
    };
    map.remove("description");
    map.remove("example");
    if map.remove("x-kubernetes-int-or-string") == Some(Value::Bool(true)) {
        map.remove("type");
        map.insert(
            "anyOf".into(),
            serde_json::json!([{"type": "integer"}, {"type": "string"}]),
        );
    }
    let preserve = map.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true));
    let embedded = map.get("x-kubernetes-embedded-resource") == Some(&Value::Bool(true));
    if embedded && let Some(Value::Object(props)) = map.get_mut("properties") {
        // An embedded resource always has its type and metadata.
        for (k, t) in [
            ("apiVersion", "string"),
            ("kind", "string"),
            ("metadata", "object"),
        ] {
            props
                .entry(k)
                .or_insert_with(|| serde_json::json!({ "type": t }));
        }
    }
    let has_props = matches!(map.get("properties"), Some(Value::Object(p)) if !p.is_empty());
    if has_props && !preserve && !map.contains_key("additionalProperties") {
        map.insert("additionalProperties".into(), Value::Bool(false));
    }
    for (k, v) in map.iter_mut() {
        match k.as_str() {
            // Schema-valued maps: prepare each member, not the map itself.
            "properties" | "$defs" | "definitions" | "patternProperties" => {
                if let Value::Object(m) = v {
                    m.values_mut().for_each(prepare);
                }
            }
            // Literal data, never schemas.
            "enum" | "default" | "const" | "required" => {}
            _ => match v {
                Value::Array(items) => items.iter_mut().for_each(prepare),
                Value::Object(_) => prepare(v),
                _ => {}
            },
        }
    }
}

/// Builds the validator for a prepared schema. Formats are not checked:
/// Kubernetes validates only some of OpenAPI's formats, each its own way,
/// and a false `invalid-object` is worse than a missed one.
pub fn compile(schema: &Value, draft: Draft) -> Result<Validator, String> {
    jsonschema::options()
        .with_draft(draft)
        .should_validate_formats(false)
        .build(schema)
        .map_err(|e| e.to_string())
}

/// The object as the API server decodes it: object members that are
/// `null` removed (arrays keep their elements). Borrowed when there is no
/// null to remove, which is the common case.
pub fn without_nulls(v: &Value) -> Cow<'_, Value> {
    if !has_null_member(v) {
        return Cow::Borrowed(v);
    }
    Cow::Owned(strip(v))
}

fn has_null_member(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.values().any(|x| x.is_null() || has_null_member(x)),
        Value::Array(a) => a.iter().any(has_null_member),
        _ => false,
    }
}

fn strip(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(_, x)| !x.is_null())
                .map(|(k, x)| (k.clone(), strip(x)))
                .collect::<Map<String, Value>>(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(strip).collect()),
        other => other.clone(),
    }
}

/// Every violation of `value` against `validator`, in document order.
pub fn violations(validator: &Validator, value: &Value) -> Vec<Violation> {
    let value = without_nulls(value);
    if validator.is_valid(&value) {
        return Vec::new();
    }
    let mut out: Vec<Violation> = validator
        .iter_errors(&value)
        .flat_map(|e| describe(&e.kind, &e.instance_path, &e.schema_path, &value))
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out.dedup();
    out
}

fn describe(
    kind: &ValidationErrorKind,
    at: &jsonschema::paths::Location,
    schema_path: &jsonschema::paths::Location,
    root: &Value,
) -> Vec<Violation> {
    let path = field_path(at);
    let shown = display(&path);
    let one = |path: FieldPath, message: String| vec![Violation { path, message }];
    match kind {
        ValidationErrorKind::AdditionalProperties { unexpected } => unexpected
            .iter()
            .map(|k| Violation {
                path: path.key(k.clone()),
                message: format!(
                    "unknown field `{k}` in `{shown}`: the API server rejects it (or, with \
                     --validate=false, drops it), so it has no effect"
                ),
            })
            .collect(),
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().unwrap_or("?");
            one(
                path,
                format!("`{shown}` is missing the required field `{name}` (or it is null)"),
            )
        }
        ValidationErrorKind::Type { kind } => {
            let found = path.get(root).map(type_name).unwrap_or("nothing");
            one(
                path,
                format!("`{shown}` must be {}, not {found}", expected_types(kind)),
            )
        }
        ValidationErrorKind::AnyOf { .. } | ValidationErrorKind::OneOfNotValid { .. } => {
            let found = path.get(root).map(type_name).unwrap_or("nothing");
            let int_or_string = schema_path.as_str().ends_with("/anyOf");
            let wanted = if int_or_string {
                "an integer or a string".to_string()
            } else {
                "one of the forms its schema allows".to_string()
            };
            one(path, format!("`{shown}` must be {wanted}, not {found}"))
        }
        ValidationErrorKind::Enum { options } => {
            one(path, format!("`{shown}` must be one of {options}"))
        }
        ValidationErrorKind::FalseSchema => one(path, format!("`{shown}` is not allowed here")),
        other => {
            let keyword = schema_path
                .as_str()
                .rsplit('/')
                .next()
                .unwrap_or("schema")
                .to_string();
            let limit = match other {
                ValidationErrorKind::Maximum { limit }
                | ValidationErrorKind::Minimum { limit }
                | ValidationErrorKind::ExclusiveMaximum { limit }
                | ValidationErrorKind::ExclusiveMinimum { limit } => format!(" {limit}"),
                ValidationErrorKind::MaxLength { limit }
                | ValidationErrorKind::MinLength { limit }
                | ValidationErrorKind::MaxItems { limit }
                | ValidationErrorKind::MinItems { limit }
                | ValidationErrorKind::MaxProperties { limit }
                | ValidationErrorKind::MinProperties { limit } => format!(" {limit}"),
                ValidationErrorKind::Pattern { pattern } => format!(" `{pattern}`"),
                _ => String::new(),
            };
            one(
                path,
                format!("`{shown}` breaks the schema's `{keyword}`{limit}"),
            )
        }
    }
}

fn field_path(at: &jsonschema::paths::Location) -> FieldPath {
    FieldPath(
        at.into_iter()
            .map(|s| match s {
                LocationSegment::Property(k) => Seg::Key(k.into_owned()),
                LocationSegment::Index(i) => Seg::Index(i),
            })
            .collect(),
    )
}

fn display(path: &FieldPath) -> String {
    if path.is_root() {
        "the object".to_string()
    } else {
        path.to_string()
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a number",
        Value::Number(_) => "an integer",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}

fn expected_types(kind: &TypeKind) -> String {
    let name = |t: JsonType| {
        use JsonType as P;
        match t {
            P::Array => "a list",
            P::Boolean => "a boolean",
            P::Integer => "an integer",
            P::Null => "null",
            P::Number => "a number",
            P::Object => "a map",
            P::String => "a string",
        }
    };
    match kind {
        TypeKind::Single(t) => name(*t).to_string(),
        TypeKind::Multiple(ts) => ts.iter().map(name).collect::<Vec<_>>().join(" or "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(schema: Value, v: Value) -> Vec<Violation> {
        let mut s = schema;
        prepare(&mut s);
        let val = compile(&s, Draft::Draft4).expect("compiles");
        violations(&val, &v)
    }

    #[test]
    fn unknown_fields_wrong_types_and_missing_fields_are_each_reported_at_the_field() {
        let schema = json!({
            "type": "object",
            "required": ["name"],
            "properties": {
                "name": {"type": "string"},
                "port": {"x-kubernetes-int-or-string": true},
                "opts": {"type": "object", "x-kubernetes-preserve-unknown-fields": true,
                         "properties": {"a": {"type": "string"}}},
            }
        });
        let got = check(
            schema,
            json!({"name": null, "prot": 1, "port": [1], "opts": {"b": 2}}),
        );
        let msgs: Vec<String> = got
            .iter()
            .map(|v| format!("{} {}", v.path, v.message))
            .collect();
        assert_eq!(got.len(), 3, "{msgs:#?}");
        assert!(
            msgs.iter()
                .any(|m| m.starts_with("prot unknown field `prot`")),
            "{msgs:#?}"
        );
        assert!(
            msgs.iter()
                .any(|m| m.starts_with("port `port` must be an integer or a string, not a list")),
            "{msgs:#?}"
        );
        assert!(
            msgs.iter()
                .any(|m| m.contains("missing the required field `name`")),
            "{msgs:#?}"
        );
    }

    #[test]
    fn messages_never_quote_input_values() {
        let schema = json!({"type": "object", "properties": {"data": {"type": "object",
            "additionalProperties": {"type": "string"}}}});
        let got = check(schema, json!({"data": {"password": ["hunter2-secret"]}}));
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].path.to_string(), "data.password");
        assert!(!got[0].message.contains("hunter2"), "{}", got[0].message);
        assert!(
            got[0].message.contains("must be a string, not a list"),
            "{}",
            got[0].message
        );
    }

    #[test]
    fn nulls_inside_lists_are_kept_and_a_valid_object_is_borrowed() {
        let v = json!({"a": [null, {"b": 1}]});
        assert!(matches!(without_nulls(&v), Cow::Borrowed(_)));
        let v = json!({"a": [{"b": null}], "c": null});
        assert_eq!(*without_nulls(&v), json!({"a": [{}]}));
    }
}
