//! Custom resources, checked against the CRDs of the same context (the job
//! kubeconform does with a separate schema catalog).

use std::collections::HashMap;
use std::sync::OnceLock;

use bulwark_core::Inventory;
use jsonschema::{Draft, Validator};
use serde_json::{Value, json};

use crate::structural;

/// One served version's schema, compiled when a custom resource needs it.
struct Entry {
    schema: Value,
    compiled: OnceLock<Option<Validator>>,
}

/// The structural schemas of the CRDs in one context, by
/// (`group/version`, kind).
#[derive(Default)]
pub struct CrdSchemas {
    by_kind: HashMap<(String, String), Entry>,
}

impl CrdSchemas {
    /// Collects the schema of every served version of every
    /// `apiextensions.k8s.io/v1` CRD in the inventory; the first definition
    /// of a kind wins (a second one is a `duplicate-object`).
    pub fn from_inventory(inv: &Inventory) -> Self {
        let mut by_kind = HashMap::new();
        for r in inv.iter() {
            if r.id.kind != "CustomResourceDefinition"
                || r.id.api_version != "apiextensions.k8s.io/v1"
            {
                continue;
            }
            for v in bulwark_core::crd::crd_versions(&r.value) {
                let (true, Some(schema)) = (v.served, v.schema) else {
                    continue;
                };
                by_kind
                    .entry((v.api_version, v.kind.to_string()))
                    .or_insert_with(|| Entry {
                        schema: schema.clone(),
                        compiled: OnceLock::new(),
                    });
            }
        }
        Self { by_kind }
    }

    /// The compiled schema for a custom resource, when its CRD is here and
    /// its schema compiles (a CRD whose schema does not is not judged here).
    pub fn validator(&self, api_version: &str, kind: &str) -> Option<&Validator> {
        let e = self
            .by_kind
            .get(&(api_version.to_string(), kind.to_string()))?;
        e.compiled
            .get_or_init(|| {
                let mut schema = e.schema.clone();
                // Every custom resource has these, whatever its schema lists.
                if let Value::Object(top) = &mut schema {
                    let props = top.entry("properties").or_insert_with(|| json!({}));
                    if let Value::Object(props) = props {
                        for (k, t) in [
                            ("apiVersion", "string"),
                            ("kind", "string"),
                            ("metadata", "object"),
                        ] {
                            props.entry(k).or_insert_with(|| json!({ "type": t }));
                        }
                    }
                }
                structural::prepare(&mut schema);
                // CRD schemas are OpenAPI 3.0: draft 4 keyword semantics
                // (a boolean exclusiveMinimum).
                structural::compile(&schema, Draft::Draft4).ok()
            })
            .as_ref()
    }

    pub fn len(&self) -> usize {
        self.by_kind.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_kind.is_empty()
    }
}
