//! Custom kinds that run pods: a CustomResourceDefinition whose schema
//! embeds a PodSpec (or a PodTemplateSpec, which holds one) makes its
//! custom resources workloads. The paths are found once per inventory and
//! stored on each custom resource, so [`PodView::of`](crate::PodView::of)
//! finds their pods without any analyzer knowing about CRDs.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

use crate::path::FieldPath;
use crate::resource::Resource;

/// Where one pod template sits inside a custom resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodTemplatePath {
    /// The pod spec (`spec.template.spec`).
    pub spec: String,
    /// The pod metadata next to it (`spec.template.metadata`).
    pub meta: String,
}

/// Deepest schema nesting searched for a pod spec.
const MAX_DEPTH: usize = 32;

/// Every pod spec a CRD version's `openAPIV3Schema` embeds through fixed
/// property paths, in schema order. A PodSpec is recognised by its shape:
/// an object with a `containers` list of objects that have `name` and
/// `image`. (Templates inside lists or maps have no fixed path and are not
/// found; nor are templates the schema leaves untyped.)
pub fn template_paths(schema: &Value) -> Vec<PodTemplatePath> {
    let mut out = Vec::new();
    walk(schema, &FieldPath::root(), 0, &mut out);
    out
}

fn walk(schema: &Value, path: &FieldPath, depth: usize, out: &mut Vec<PodTemplatePath>) {
    if depth > MAX_DEPTH {
        return;
    }
    let Some(props) = schema.get("properties").and_then(Value::as_object) else {
        return;
    };
    for (key, child) in props {
        let p = path.key(key.as_str());
        if is_pod_spec(child) {
            out.push(PodTemplatePath {
                spec: p.to_string(),
                meta: path.key("metadata").to_string(),
            });
        } else {
            walk(child, &p, depth + 1, out);
        }
    }
}

fn is_pod_spec(schema: &Value) -> bool {
    let Some(item) = schema.pointer("/properties/containers/items/properties") else {
        return false;
    };
    item.get("name").is_some() && item.get("image").is_some()
}

/// Marks every custom resource of `resources` whose CRD (among the same
/// resources) embeds a pod spec. Kinds that are workloads of their own are
/// left alone.
pub fn mark(resources: &mut [Resource]) {
    let mut kinds: HashMap<(String, String), Arc<[PodTemplatePath]>> = HashMap::new();
    for crd in resources
        .iter()
        .filter(|r| r.kind() == "CustomResourceDefinition" && r.group() == "apiextensions.k8s.io")
    {
        for (api_version, kind, paths) in crd_templates(&crd.value) {
            kinds.entry((api_version, kind)).or_insert(paths);
        }
    }
    if kinds.is_empty() {
        return;
    }
    for r in resources.iter_mut() {
        if crate::pod::is_workload(r) {
            continue;
        }
        let key = (r.id.api_version.clone(), r.id.kind.clone());
        if let Some(paths) = kinds.get(&key) {
            r.pod_template = Some(paths.clone());
        }
    }
}

/// (apiVersion, kind, template paths) of every version of one CRD that
/// embeds a pod spec.
fn crd_templates(crd: &Value) -> Vec<(String, String, Arc<[PodTemplatePath]>)> {
    crate::crd::crd_versions(crd)
        .into_iter()
        .filter_map(|v| {
            let paths = template_paths(v.schema?);
            (!paths.is_empty()).then(|| (v.api_version, v.kind.to_string(), paths.into()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::Origin;
    use crate::{Inventory, PodView};
    use serde_json::json;

    fn pod_spec_schema() -> Value {
        json!({"type": "object", "properties": {"containers": {"type": "array", "items": {
            "type": "object", "properties": {"name": {"type": "string"}, "image": {"type": "string"}}
        }}}})
    }

    fn crd(schema: Value) -> Resource {
        Resource::new(
            json!({
                "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
                "metadata": {"name": "runners.example.com"},
                "spec": {"group": "example.com", "names": {"kind": "Runner", "plural": "runners"},
                    "scope": "Namespaced",
                    "versions": [{"name": "v1", "served": true, "storage": true,
                        "schema": {"openAPIV3Schema": schema}}]}
            }),
            Origin::default(),
            None,
        )
    }

    #[test]
    fn finds_template_and_bare_pod_specs() {
        let schema = json!({"type": "object", "properties": {"spec": {"type": "object", "properties": {
            "template": {"type": "object", "properties": {
                "metadata": {"type": "object"}, "spec": pod_spec_schema()}},
            "sidecar": {"type": "object", "properties": {"podSpec": pod_spec_schema()}},
            "replicas": {"type": "integer"}
        }}}});
        let paths = template_paths(&schema);
        assert_eq!(
            paths,
            vec![
                PodTemplatePath {
                    spec: "spec.template.spec".into(),
                    meta: "spec.template.metadata".into()
                },
                PodTemplatePath {
                    spec: "spec.sidecar.podSpec".into(),
                    meta: "spec.sidecar.metadata".into()
                },
            ]
        );
    }

    #[test]
    fn custom_resources_of_a_pod_crd_have_a_pod_view() {
        let schema = json!({"type": "object", "properties": {"spec": {"type": "object", "properties": {
            "template": {"type": "object", "properties": {
                "metadata": {"type": "object"}, "spec": pod_spec_schema()}}}}}});
        let cr = Resource::new(
            json!({"apiVersion": "example.com/v1", "kind": "Runner", "metadata": {"name": "r"},
                "spec": {"template": {"metadata": {"annotations": {"a": "b"}},
                    "spec": {"containers": [{"name": "c", "image": "x"}]}}}}),
            Origin::default(),
            None,
        );
        let other_version = Resource::new(
            json!({"apiVersion": "example.com/v2", "kind": "Runner", "metadata": {"name": "r"},
                "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "x"}]}}}}),
            Origin::default(),
            None,
        );
        let inv = Inventory::new(vec![crd(schema), cr, other_version]);
        let pod = PodView::of(&inv.resources[1]).expect("a pod view through the CRD");
        assert_eq!(pod.spec_path().to_string(), "spec.template.spec");
        assert_eq!(pod.annotation("a"), Some("b"));
        assert_eq!(pod.containers().count(), 1);
        assert!(crate::pod::is_workload(&inv.resources[1]));
        assert!(
            PodView::of(&inv.resources[2]).is_none(),
            "v2 is not in the CRD"
        );
    }

    #[test]
    fn crds_without_pod_specs_make_no_workloads() {
        let schema = json!({"type": "object", "properties": {"spec": {"type": "object", "properties": {
            "containers": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}}}}
        }}}});
        assert!(template_paths(&schema).is_empty());
        let inv = Inventory::new(vec![crd(schema)]);
        assert!(inv.resources[0].pod_template.is_none());
    }
}
