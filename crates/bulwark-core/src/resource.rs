//! A Kubernetes object as bulwark sees it: its JSON value, who it is, where
//! it came from, and the source position of every field.

use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

use crate::custom_workload::PodTemplatePath;
use crate::path::FieldPath;
use crate::span::{Location, Spans};

/// The identity of an object, as reports show it.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ObjectRef {
    pub api_version: String,
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
}

impl ObjectRef {
    /// `Kind/namespace/name` or `Kind/name`, for humans.
    pub fn display(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{}/{}/{}", self.kind, ns, self.name),
            None => format!("{}/{}", self.kind, self.name),
        }
    }
}

/// Where an object came from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Origin {
    /// File path as given by the user (`<stdin>` for standard input); `None`
    /// for objects that never were in a file (a live cluster).
    pub file: Option<Arc<str>>,
    /// 0-based index of the YAML document within the file.
    pub document: usize,
    /// Index inside a `kind: List` document, when the object was an item.
    pub item: Option<usize>,
}

/// One object of the inventory.
#[derive(Clone, Debug)]
pub struct Resource {
    pub value: Value,
    pub id: ObjectRef,
    pub origin: Origin,
    pub spans: Option<Spans>,
    /// For a custom resource whose CRD (in the same inventory) embeds a pod
    /// spec: where its pod templates are. Set by [`Inventory::new`](crate::Inventory::new).
    pub pod_template: Option<Arc<[PodTemplatePath]>>,
}

impl Resource {
    /// Builds a resource from a JSON value; identity is read from the value.
    pub fn new(value: Value, origin: Origin, spans: Option<Spans>) -> Self {
        let id = object_ref(&value);
        Self {
            value,
            id,
            origin,
            spans,
            pod_template: None,
        }
    }

    pub fn kind(&self) -> &str {
        &self.id.kind
    }

    pub fn namespace(&self) -> Option<&str> {
        self.id.namespace.as_deref()
    }

    /// API group of the object (`""` for the core group).
    pub fn group(&self) -> &str {
        match self.id.api_version.rsplit_once('/') {
            Some((g, _)) => g,
            None => "",
        }
    }

    /// What makes two objects the same object for the API server: group
    /// (not version), kind, namespace, name.
    pub fn identity(&self) -> (&str, &str, Option<&str>, &str) {
        (self.group(), self.kind(), self.namespace(), &self.id.name)
    }

    pub fn get(&self, path: &FieldPath) -> Option<&Value> {
        path.get(&self.value)
    }

    pub fn metadata(&self) -> Option<&Value> {
        self.value.get("metadata")
    }

    pub fn labels(&self) -> Option<&serde_json::Map<String, Value>> {
        self.metadata()?.get("labels")?.as_object()
    }

    pub fn annotations(&self) -> Option<&serde_json::Map<String, Value>> {
        self.metadata()?.get("annotations")?.as_object()
    }

    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.annotations()?.get(key)?.as_str()
    }

    /// File and position of `path` (or its nearest existing parent).
    pub fn locate(&self, path: &FieldPath) -> Option<Location> {
        let file = self.origin.file.as_deref()?;
        let pos = self.spans.as_ref().map(|s| s.locate(path));
        Some(Location {
            file: file.to_string(),
            line: pos.map(|p| p.line),
            column: pos.map(|p| p.column),
        })
    }
}

/// Reads apiVersion, kind, namespace and name from an object.
pub fn object_ref(v: &Value) -> ObjectRef {
    let s = |p: &str| v.pointer(p).and_then(Value::as_str);
    let name = s("/metadata/name")
        .map(str::to_string)
        .or_else(|| s("/metadata/generateName").map(|g| format!("{g}*")))
        .unwrap_or_else(|| "<unnamed>".to_string());
    ObjectRef {
        api_version: s("/apiVersion").unwrap_or_default().to_string(),
        kind: s("/kind").unwrap_or_default().to_string(),
        namespace: s("/metadata/namespace").map(str::to_string),
        name,
    }
}
