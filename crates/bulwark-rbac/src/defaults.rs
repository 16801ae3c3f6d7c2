//! The default RBAC objects of a kubeadm cluster, shipped as data so static
//! manifests can be analysed in the context they will run in.
//!
//! The data (`data/kubeadm-default-rbac-v1.32.json`) is hand-assembled from
//! the Kubernetes v1.32 bootstrap policy and kubeadm v1.32; its header says
//! what it holds and what it leaves out.

use std::collections::HashSet;
use std::sync::Arc;

use bulwark_core::{ObjectRef, Origin, Resource};
use serde_json::Value;

/// The Kubernetes version the default objects correspond to.
pub const KUBERNETES_VERSION: &str = "v1.32";

/// The file name default objects report as their origin.
pub const SOURCE_NAME: &str = "<kubeadm default RBAC v1.32>";

const DATA: &str = include_str!("../data/kubeadm-default-rbac-v1.32.json");

/// Every default object (ClusterRoles, Roles, bindings, and the namespaces
/// and service accounts they name).
pub fn resources() -> Result<Vec<Resource>, String> {
    let doc: Value = serde_json::from_str(DATA).map_err(|e| format!("{SOURCE_NAME}: {e}"))?;
    let file: Arc<str> = Arc::from(SOURCE_NAME);
    let items = doc
        .get("items")
        .and_then(Value::as_array)
        .ok_or_else(|| format!("{SOURCE_NAME}: no items"))?;
    Ok(items
        .iter()
        .enumerate()
        .map(|(i, v)| {
            Resource::new(
                v.clone(),
                Origin {
                    file: Some(file.clone()),
                    document: 0,
                    item: Some(i),
                },
                None,
            )
        })
        .collect())
}

/// Names of the default ClusterRoles (parsed once).
pub fn cluster_role_names() -> &'static [String] {
    static NAMES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    NAMES.get_or_init(|| {
        resources()
            .unwrap_or_default()
            .iter()
            .filter(|r| r.kind() == "ClusterRole")
            .map(|r| r.id.name.clone())
            .collect()
    })
}

fn key(id: &ObjectRef) -> (String, Option<String>, String) {
    (id.kind.clone(), id.namespace.clone(), id.name.clone())
}

/// The default objects that `existing` does not define itself (an object
/// of the same kind, namespace and name in the inventory wins).
pub fn missing_from<'a>(
    existing: impl IntoIterator<Item = &'a Resource>,
) -> Result<Vec<Resource>, String> {
    let have: HashSet<_> = existing.into_iter().map(|r| key(&r.id)).collect();
    Ok(resources()?
        .into_iter()
        .filter(|r| !have.contains(&key(&r.id)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Model, Request, SubjectName};

    #[test]
    fn defaults_parse_and_aggregate() {
        let res = resources().unwrap();
        assert!(res.len() > 50);
        let m = Model::from_resources(res.iter());
        assert!(m.issues.is_empty(), "{:?}", m.issues);
        // admin aggregates edit which aggregates view.
        let admin = m.cluster_role("admin").unwrap();
        let u = SubjectName::parse("group:system:masters")
            .unwrap()
            .user_info();
        assert!(
            m.can(&u, &Request::parse("escalate", "clusterroles").unwrap())
                .allowed()
        );
        let req = |v: &str, r: &str| Request::parse(v, r).unwrap().in_namespace(Some("x"));
        for (verb, what) in [
            ("get", "pods"),
            ("create", "pods/exec"),
            ("create", "rolebindings"),
            ("get", "secrets"),
        ] {
            assert!(
                m.allowing_rule(admin, &req(verb, what)).is_some(),
                "admin {verb} {what}"
            );
        }
        let view = m.cluster_role("view").unwrap();
        assert!(m.allowing_rule(view, &req("get", "secrets")).is_none());
        assert!(m.allowing_rule(view, &req("list", "deployments")).is_some());
        let edit = m.cluster_role("edit").unwrap();
        assert!(
            m.allowing_rule(edit, &req("create", "rolebindings"))
                .is_none()
        );
        // Anonymous can read the version, nothing else.
        let anon = SubjectName::parse("user:system:anonymous")
            .unwrap()
            .user_info();
        assert!(
            m.can(&anon, &Request::parse("get", "/version").unwrap())
                .allowed()
        );
        assert!(
            !m.can(&anon, &Request::parse("get", "/api").unwrap())
                .allowed()
        );
    }

    #[test]
    fn inventory_objects_win_over_defaults() {
        let mine = Resource::new(
            serde_json::json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                "metadata": {"name": "view"}, "rules": []}),
            Origin::default(),
            None,
        );
        let extra = missing_from([&mine]).unwrap();
        assert!(
            !extra
                .iter()
                .any(|r| r.id.name == "view" && r.kind() == "ClusterRole")
        );
        assert!(extra.iter().any(|r| r.id.name == "edit"));
    }
}
