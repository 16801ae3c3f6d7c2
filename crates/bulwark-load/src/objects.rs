//! Parsed documents to Kubernetes objects: `kind: List` and typed lists
//! (`PodList`, what `kubectl get -o yaml` prints) are unpacked, and a
//! document that is not an object is skipped with its reason.

use std::sync::Arc;

use bulwark_core::{Origin, Resource, Skipped, Spans, path::Seg};

use serde_json::Value;

/// A document (or list item) that is not a Kubernetes object. Kept apart
/// from [`Skipped`] until the document's number in the file is final (a
/// big file is parsed in parallel pieces).
#[derive(Debug)]
pub struct Skip {
    pub document: usize,
    pub line: Option<u32>,
    /// The list kind and item index, for a list item.
    pub item: Option<(String, usize)>,
    pub why: String,
}

impl Skip {
    pub fn into_skipped(self, file: &str) -> Skipped {
        Skipped {
            file: match self.line {
                Some(l) => format!("{file}:{l}"),
                None => file.to_string(),
            },
            reason: match self.item {
                Some((kind, i)) => format!("{kind} item {i}: {}", self.why),
                None => format!("document {}: {}", self.document + 1, self.why),
            },
        }
    }
}

/// Turns one document into objects, or says why it is not one.
pub fn document_objects(
    file: &Arc<str>,
    document: usize,
    value: Value,
    mut spans: Option<Spans>,
    out: &mut Vec<Resource>,
    skipped: &mut Vec<Skip>,
) {
    let line = spans.as_ref().map(|s| s.pos.line);
    let Value::Object(mut obj) = value else {
        if !value.is_null() {
            // (null is an empty document: comments, a trailing `---`)
            skipped.push(Skip {
                document,
                line,
                item: None,
                why: format!(
                    "a {}, not a mapping: not a Kubernetes object",
                    type_name(&value)
                ),
            });
        }
        return;
    };
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
    if kind.ends_with("List") && obj.get("items").is_some_and(Value::is_array) {
        // `PodList` items may omit apiVersion and kind (the API server's own
        // list responses do): they are the list's.
        let item_kind = kind
            .strip_suffix("List")
            .filter(|k| !k.is_empty())
            .map(str::to_string);
        let list_kind = kind.to_string();
        let api_version = obj.get("apiVersion").cloned();
        let mut items_spans = spans
            .as_mut()
            .and_then(|s| s.take_child(&Seg::Key("items".into())));
        let Some(Value::Array(items)) = obj.remove("items") else {
            return;
        };
        for (i, mut item) in items.into_iter().enumerate() {
            let item_spans = items_spans
                .as_mut()
                .and_then(|s| s.take_child(&Seg::Index(i)));
            if let (Some(k), Value::Object(o)) = (&item_kind, &mut item) {
                if !o.contains_key("kind") {
                    o.insert("kind".into(), Value::String(k.clone()));
                }
                if let Some(av) = &api_version
                    && !o.contains_key("apiVersion")
                {
                    o.insert("apiVersion".into(), av.clone());
                }
            }
            match missing_identity(&item) {
                None => out.push(Resource::new(
                    item,
                    Origin {
                        file: Some(file.clone()),
                        document,
                        item: Some(i),
                    },
                    item_spans,
                )),
                Some(why) => skipped.push(Skip {
                    document,
                    line: item_spans.as_ref().map(|s| s.pos.line),
                    item: Some((list_kind.clone(), i)),
                    why,
                }),
            }
        }
        return;
    }
    let value = Value::Object(obj);
    if let Some(why) = missing_identity(&value) {
        skipped.push(Skip {
            document,
            line,
            item: None,
            why,
        });
        return;
    }
    out.push(Resource::new(
        value,
        Origin {
            file: Some(file.clone()),
            document,
            item: None,
        },
        spans,
    ));
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "sequence",
        Value::Object(_) => "mapping",
    }
}

fn missing_identity(v: &Value) -> Option<String> {
    if !v.is_object() {
        return Some(format!(
            "a {}, not a mapping: not a Kubernetes object",
            type_name(v)
        ));
    }
    let has = |k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty())
    };
    match (has("apiVersion"), has("kind")) {
        (true, true) => None,
        (false, false) => Some("no apiVersion or kind: not a Kubernetes object".into()),
        (false, true) => Some("no apiVersion: not a Kubernetes object".into()),
        (true, false) => Some("no kind: not a Kubernetes object".into()),
    }
}
