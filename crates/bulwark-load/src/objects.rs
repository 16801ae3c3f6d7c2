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

/// Turns one document into objects, or says why it is not one. Returns the
/// units read: the document, or the items of a `List` (nested ones too),
/// each of which became an object or a skip.
pub fn document_objects(
    file: &Arc<str>,
    document: usize,
    value: Value,
    spans: Option<Spans>,
    out: &mut Vec<Resource>,
    skipped: &mut Vec<Skip>,
) -> usize {
    let line = spans.as_ref().map(|s| s.pos.line);
    let mut units = 0;
    let Value::Object(obj) = value else {
        if !value.is_null() {
            units += 1;
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
        return units;
    };
    // Lists are unpacked with a work list, not recursion: a `List` inside a
    // `List` is unpacked too (kubectl flattens nested lists), however deep
    // the depth budget let it be.
    struct Pending {
        value: Value,
        spans: Option<Spans>,
        /// The list (and the lists above it) and the item's index there.
        item: Option<(String, usize)>,
    }
    let mut todo = vec![Pending {
        value: Value::Object(obj),
        spans,
        item: None,
    }];
    // Items of a document are numbered in document order, nested ones too.
    let mut next_item = 0usize;
    while let Some(Pending {
        value,
        mut spans,
        item,
    }) = todo.pop()
    {
        let number = item.as_ref().map(|_| {
            next_item += 1;
            next_item - 1
        });
        let line = spans.as_ref().map(|s| s.pos.line);
        let Value::Object(mut obj) = value else {
            units += 1;
            skipped.push(Skip {
                document,
                line,
                item,
                why: format!(
                    "a {}, not a mapping: not a Kubernetes object",
                    type_name(&value)
                ),
            });
            continue;
        };
        let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
        if kind.ends_with("List") && obj.get("items").is_some_and(Value::is_array) {
            // `PodList` items may omit apiVersion and kind (the API server's
            // own list responses do): they are the list's.
            let item_kind = kind
                .strip_suffix("List")
                .filter(|k| !k.is_empty())
                .map(str::to_string);
            let list_kind = match &item {
                Some((outer, i)) => format!("{outer} item {i}, {kind}"),
                None => kind.to_string(),
            };
            let api_version = obj.get("apiVersion").cloned();
            let mut items_spans = spans
                .as_mut()
                .and_then(|s| s.take_child(&Seg::Key("items".into())));
            let Some(Value::Array(items)) = obj.remove("items") else {
                continue;
            };
            let mut children = Vec::with_capacity(items.len());
            for (i, mut it) in items.into_iter().enumerate() {
                let item_spans = items_spans
                    .as_mut()
                    .and_then(|s| s.take_child(&Seg::Index(i)));
                if let (Some(k), Value::Object(o)) = (&item_kind, &mut it) {
                    if !o.contains_key("kind") {
                        o.insert("kind".into(), Value::String(k.clone()));
                    }
                    if let Some(av) = &api_version
                        && !o.contains_key("apiVersion")
                    {
                        o.insert("apiVersion".into(), av.clone());
                    }
                }
                children.push(Pending {
                    value: it,
                    spans: item_spans,
                    item: Some((list_kind.clone(), i)),
                });
            }
            todo.extend(children.into_iter().rev());
            continue;
        }
        units += 1;
        let value = Value::Object(obj);
        if let Some(why) = missing_identity(&value) {
            skipped.push(Skip {
                document,
                line,
                item,
                why,
            });
            continue;
        }
        out.push(Resource::new(
            value,
            Origin {
                file: Some(file.clone()),
                document,
                item: number,
            },
            spans,
        ));
    }
    units
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

#[cfg(test)]
mod tests {
    use crate::{LoadOptions, load_str};

    /// A `List` in a `List` was one object of kind `List`: the privileged
    /// pod inside was never scanned, nor skipped, nor reported.
    #[test]
    fn lists_nested_in_lists_are_unpacked() {
        let text = "apiVersion: v1\nkind: List\nitems:\n\
            - {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n\
            - apiVersion: v1\n  kind: List\n  items:\n\
            \x20   - {apiVersion: v1, kind: Pod, metadata: {name: evil}, spec: {containers: [{name: c, securityContext: {privileged: true}}]}}\n\
            \x20   - {metadata: {name: nokind}}\n\
            \x20   - apiVersion: v1\n      kind: PodList\n      items: [{metadata: {name: deep}}]\n\
            - {apiVersion: v1, kind: ConfigMap, metadata: {name: b}}\n";
        let l = load_str("l.yaml", text, &LoadOptions::default());
        let names: Vec<String> = l.resources.iter().map(|r| r.id.display()).collect();
        assert_eq!(
            names,
            ["ConfigMap/a", "Pod/evil", "Pod/deep", "ConfigMap/b"],
            "{names:?}"
        );
        let evil = &l.resources[1];
        assert_eq!(
            evil.spans.as_ref().map(|s| s.pos.line),
            Some(8),
            "the nested item keeps its line"
        );
        assert_eq!(l.summary.skipped.len(), 1, "{:?}", l.summary.skipped);
        let s = &l.summary.skipped[0];
        assert!(s.reason.contains("List item 1, List item 1"), "{s:?}");
        assert!(s.file.ends_with(":9"), "{s:?}");
    }
}
