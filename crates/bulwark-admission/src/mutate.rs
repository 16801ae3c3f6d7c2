//! Secure defaults as an RFC 6902 JSON Patch: for each opted-in rule, the
//! field that fixes it is added where the user left it unset, never
//! changed where they set it (explicitly insecure is a decision to deny or
//! warn about, not to overwrite).

use std::collections::BTreeSet;

use bulwark_core::pod::normalize_capability;
use bulwark_core::{ContainerKind, FieldPath, PodView, Resource, Seg};
use serde_json::{Value, json};

/// One mutation: the rule it fixes and what it sets.
pub struct Mutation {
    pub rule: &'static str,
    pub sets: &'static str,
}

pub const MUTATIONS: &[Mutation] = &[
    Mutation {
        rule: "privilege-escalation-allowed",
        sets: "containers[*].securityContext.allowPrivilegeEscalation: false (not on privileged or CAP_SYS_ADMIN containers, where the API server forbids it)",
    },
    Mutation {
        rule: "capabilities-not-dropped",
        sets: "containers[*].securityContext.capabilities.drop: [ALL]",
    },
    Mutation {
        rule: "seccomp-unconfined",
        sets: "securityContext.seccompProfile: {type: RuntimeDefault} on the pod, when neither pod nor any container sets one",
    },
    Mutation {
        rule: "runs-as-root",
        sets: "securityContext.runAsNonRoot: true on the pod, when neither pod nor any container sets runAsNonRoot or runAsUser",
    },
    Mutation {
        rule: "writable-root-filesystem",
        sets: "containers[*].securityContext.readOnlyRootFilesystem: true",
    },
    Mutation {
        rule: "service-account-token-automounted",
        sets: "automountServiceAccountToken: false on the pod",
    },
];

/// RFC 6901 pointer of a field path.
pub fn pointer(path: &FieldPath) -> String {
    let mut s = String::new();
    for seg in &path.0 {
        s.push('/');
        match seg {
            Seg::Key(k) => s.push_str(&k.replace('~', "~0").replace('/', "~1")),
            Seg::Index(i) => s.push_str(&i.to_string()),
        }
    }
    s
}

/// Builds patch operations in order, adding each missing parent object
/// once (the API server applies them one after another).
struct Patch<'a> {
    root: &'a Value,
    ops: Vec<Value>,
    added: BTreeSet<String>,
}

impl Patch<'_> {
    /// Adds `value` at `parent.key` unless the field exists.
    fn add(&mut self, parent: &FieldPath, key: &str, value: Value) {
        let mut p = FieldPath::root();
        for seg in &parent.0 {
            p.0.push(seg.clone());
            let ptr = pointer(&p);
            if p.get(self.root).is_none() && !self.added.contains(&ptr) {
                self.ops
                    .push(json!({"op": "add", "path": ptr, "value": {}}));
                self.added.insert(ptr);
            }
        }
        let field = parent.key(key);
        if field.get(self.root).is_some_and(|v| !v.is_null()) {
            return;
        }
        let ptr = pointer(&field);
        if self.added.insert(ptr.clone()) {
            // `add` replaces an explicit null, which Go decodes as unset.
            self.ops
                .push(json!({"op": "add", "path": ptr, "value": value}));
        }
    }
}

fn is(v: Option<&Value>, want: bool) -> bool {
    v.and_then(Value::as_bool) == Some(want)
}

/// The patch for `res` under the opted-in `rules`; empty when nothing is
/// missing or the object has no pod.
pub fn patch(res: &Resource, rules: &BTreeSet<String>) -> Vec<Value> {
    let Some(pod) = PodView::of(res) else {
        return Vec::new();
    };
    let on = |r: &str| rules.contains(r);
    let mut p = Patch {
        root: &res.value,
        ops: Vec::new(),
        added: BTreeSet::new(),
    };
    let spec = pod.spec_path();
    let pod_sc = spec.key("securityContext");
    // Whether the pod or any of its containers sets a securityContext key.
    let set_anywhere = |k: &str| {
        let set = |v: Option<&Value>| v.is_some_and(|v| !v.is_null());
        set(pod.pod_sc(k).0) || pod.containers().any(|c| set(c.sc(k).0))
    };
    if on("seccomp-unconfined") && !set_anywhere("seccompProfile") {
        p.add(&pod_sc, "seccompProfile", json!({"type": "RuntimeDefault"}));
    }
    if on("runs-as-root") && !set_anywhere("runAsNonRoot") && !set_anywhere("runAsUser") {
        p.add(&pod_sc, "runAsNonRoot", json!(true));
    }
    if on("service-account-token-automounted") {
        p.add(&spec, "automountServiceAccountToken", json!(false));
    }
    for c in pod.containers() {
        // Ephemeral containers are added through their own subresource and
        // cannot be changed by a patch of the pod.
        if c.kind == ContainerKind::EphemeralContainer {
            continue;
        }
        let sc = c.path.key("securityContext");
        if on("privilege-escalation-allowed") {
            let privileged = is(c.sc("privileged").0, true);
            let sys_admin = c
                .sc("capabilities")
                .0
                .and_then(|v| v.get("add"))
                .and_then(Value::as_array)
                .is_some_and(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .any(|s| normalize_capability(s) == "SYS_ADMIN")
                });
            if !privileged && !sys_admin {
                p.add(&sc, "allowPrivilegeEscalation", json!(false));
            }
        }
        if on("capabilities-not-dropped") {
            p.add(&sc.key("capabilities"), "drop", json!(["ALL"]));
        }
        if on("writable-root-filesystem") {
            p.add(&sc, "readOnlyRootFilesystem", json!(true));
        }
    }
    p.ops
}

#[cfg(test)]
mod tests {
    use super::*;
    use bulwark_core::Origin;

    fn res(v: Value) -> Resource {
        Resource::new(v, Origin::default(), None)
    }

    fn all() -> BTreeSet<String> {
        MUTATIONS.iter().map(|m| m.rule.to_string()).collect()
    }

    #[test]
    fn adds_missing_parents_once_and_keeps_what_is_set() {
        let r = res(
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
            "spec": {"template": {"spec": {"containers": [
                {"name": "a", "image": "x"},
                {"name": "b", "image": "y", "securityContext": {"allowPrivilegeEscalation": true, "readOnlyRootFilesystem": false}}
            ]}}}}),
        );
        let ops = patch(&r, &all());
        let paths: Vec<&str> = ops.iter().filter_map(|o| o["path"].as_str()).collect();
        assert_eq!(
            paths,
            [
                "/spec/template/spec/securityContext",
                "/spec/template/spec/securityContext/seccompProfile",
                "/spec/template/spec/securityContext/runAsNonRoot",
                "/spec/template/spec/automountServiceAccountToken",
                "/spec/template/spec/containers/0/securityContext",
                "/spec/template/spec/containers/0/securityContext/allowPrivilegeEscalation",
                "/spec/template/spec/containers/0/securityContext/capabilities",
                "/spec/template/spec/containers/0/securityContext/capabilities/drop",
                "/spec/template/spec/containers/0/securityContext/readOnlyRootFilesystem",
                "/spec/template/spec/containers/1/securityContext/capabilities",
                "/spec/template/spec/containers/1/securityContext/capabilities/drop",
            ]
        );
    }

    #[test]
    fn never_sets_what_the_api_server_would_reject() {
        let r = res(
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
            "spec": {"securityContext": {"runAsUser": 0}, "containers": [
                {"name": "a", "securityContext": {"privileged": true}},
                {"name": "b", "securityContext": {"capabilities": {"add": ["cap_sys_admin"]}}}
            ]}}),
        );
        let only: BTreeSet<String> = ["privilege-escalation-allowed", "runs-as-root"]
            .map(String::from)
            .into();
        assert!(patch(&r, &only).is_empty());
    }

    #[test]
    fn pointers_escape_tilde_and_slash() {
        assert_eq!(
            pointer(&FieldPath::parse(r#"metadata.annotations["a/b~c"]"#)),
            "/metadata/annotations/a~1b~0c"
        );
    }
}
