//! Parsed documents to Kubernetes objects: `kind: List` is unpacked, and a
//! document that is not an object is skipped with its reason.

use std::sync::Arc;

use bulwark_core::{Origin, Resource, Skipped, Spans, path::Seg};
use serde_json::Value;

/// Turns one document into objects, or says why it is not one.
pub fn document_objects(
    file: &Arc<str>,
    document: usize,
    value: Value,
    mut spans: Option<Spans>,
    out: &mut Vec<Resource>,
    skipped: &mut Vec<Skipped>,
) {
    let line = spans.as_ref().map(|s| s.pos.line);
    let at = || match line {
        Some(l) => format!("{file}:{l}"),
        None => file.to_string(),
    };
    let obj = match &value {
        Value::Null => return, // an empty document (comments, trailing `---`)
        Value::Object(o) => o,
        _ => {
            skipped.push(Skipped {
                file: at(),
                reason: format!("document {} is not a mapping", document + 1),
            });
            return;
        }
    };
    let kind = obj
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let has_api_version = obj
        .get("apiVersion")
        .and_then(Value::as_str)
        .is_some_and(|s| !s.is_empty());
    let is_list = kind == "List" || (kind.ends_with("List") && obj.get("items").is_some());
    if is_list && obj.get("items").is_some_and(Value::is_array) {
        let mut items_spans = spans
            .as_mut()
            .and_then(|s| s.take_child(&Seg::Key("items".into())));
        let Value::Object(mut obj) = value else {
            return;
        };
        let Some(Value::Array(items)) = obj.remove("items") else {
            return;
        };
        for (i, item) in items.into_iter().enumerate() {
            let item_spans = items_spans
                .as_mut()
                .and_then(|s| s.take_child(&Seg::Index(i)));
            let item_line = item_spans.as_ref().map(|s| s.pos.line);
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
                Some(why) => skipped.push(Skipped {
                    file: match item_line {
                        Some(l) => format!("{file}:{l}"),
                        None => file.to_string(),
                    },
                    reason: format!("{kind} item {i}: {why}"),
                }),
            }
        }
        return;
    }
    if !has_api_version || kind.is_empty() {
        let why = missing_identity(&value).unwrap_or_default();
        skipped.push(Skipped {
            file: at(),
            reason: format!("document {}: {why}", document + 1),
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

fn missing_identity(v: &Value) -> Option<String> {
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
