//! `secrets-readable-by-many`: readers of a namespace's Secrets summed over
//! every binding, against the configured limit.

use bulwark_core::{Analyzer, Finding, Inventory, Severity};
use bulwark_load::{LoadOptions, load_str};
use bulwark_rbac::SecretReaders;

fn scan(yaml: &str, max: usize) -> Vec<Finding> {
    let l = load_str("rbac.yaml", yaml, &LoadOptions::default());
    assert!(l.summary.errors.is_empty(), "{:?}", l.summary.errors);
    let inv = Inventory::new(l.resources);
    let mut out = Vec::new();
    SecretReaders { max }.analyze(&inv, &mut out);
    out
}

const NAMESPACE: &str = "apiVersion: v1
kind: Namespace
metadata:
  name: pay
---
";

const READER_ROLE: &str = "apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: secret-reader
  namespace: pay
rules:
- apiGroups: [\"\"]
  resources: [\"secrets\"]
  verbs: [\"get\", \"list\"]
---
";

fn binding(name: &str, role_kind: &str, role: &str, subjects: &[(&str, &str)]) -> String {
    let mut s = format!(
        "apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: {name}
  namespace: pay
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: {role_kind}
  name: {role}
subjects:
"
    );
    for (kind, who) in subjects {
        if *kind == "ServiceAccount" {
            let (ns, n) = who.split_once('/').expect("ns/name");
            s.push_str(&format!(
                "- kind: ServiceAccount\n  name: {n}\n  namespace: {ns}\n"
            ));
        } else {
            s.push_str(&format!(
                "- kind: {kind}\n  name: {who}\n  apiGroup: rbac.authorization.k8s.io\n"
            ));
        }
    }
    s.push_str("---\n");
    s
}

#[test]
fn the_sum_over_bindings_is_judged_against_the_limit() {
    // Three users through the Role, two more and a service account through
    // the built-in `edit` ClusterRole (which reads secrets): six readers,
    // none of them excessive alone.
    let yaml = format!(
        "{NAMESPACE}{READER_ROLE}{}{}",
        binding(
            "support",
            "Role",
            "secret-reader",
            &[("User", "ann"), ("User", "bob"), ("User", "cy")]
        ),
        binding(
            "deployers",
            "ClusterRole",
            "edit",
            &[
                ("User", "dee"),
                ("Group", "pay-devs"),
                ("ServiceAccount", "ci/deployer")
            ]
        ),
    );
    let f = scan(&yaml, 5);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].rule_id, "secrets-readable-by-many");
    assert_eq!(f[0].severity, Severity::Medium);
    assert_eq!(f[0].object.kind, "Namespace");
    assert_eq!(f[0].location.as_ref().and_then(|l| l.line), Some(4));
    for who in ["user:ann", "user:cy", "group:pay-devs", "sa:ci/deployer"] {
        assert!(f[0].message.contains(who), "{who}: {}", f[0].message);
    }
    assert!(f[0].message.contains("6 subjects"), "{}", f[0].message);
    assert!(
        f[0].message
            .contains("RoleBinding/pay/deployers -> ClusterRole/edit"),
        "{}",
        f[0].message
    );
    // Six allowed: quiet.
    assert!(scan(&yaml, 6).is_empty());
}

#[test]
fn open_ended_groups_fire_whatever_the_limit() {
    let yaml = format!(
        "{NAMESPACE}{READER_ROLE}{}",
        binding(
            "everyone",
            "Role",
            "secret-reader",
            &[("Group", "system:serviceaccounts")]
        )
    );
    let f = scan(&yaml, 100);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].severity, Severity::High);
    assert!(f[0].message.contains("group:system:serviceaccounts"));
}

#[test]
fn the_platform_named_secrets_and_other_namespaces_do_not_count() {
    let named = "apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: tls-reader
  namespace: pay
rules:
- apiGroups: [\"\"]
  resources: [\"secrets\"]
  resourceNames: [\"pay-tls\"]
  verbs: [\"get\"]
---
";
    let other_ns = READER_ROLE.replace("namespace: pay", "namespace: shop");
    let other_binding = binding(
        "shop-readers",
        "Role",
        "secret-reader",
        &[("User", "a"), ("User", "b"), ("User", "c")],
    )
    .replace("namespace: pay", "namespace: shop");
    let yaml = format!(
        "{NAMESPACE}{READER_ROLE}{named}{other_ns}{other_binding}{}{}",
        binding(
            "platform",
            "Role",
            "secret-reader",
            &[
                ("ServiceAccount", "kube-system/namespace-controller"),
                ("Group", "system:masters"),
                ("User", "ops"),
            ]
        ),
        binding(
            "tls",
            "Role",
            "tls-reader",
            &[("User", "n1"), ("User", "n2"), ("User", "n3")]
        ),
    );
    // pay: only `ops` counts (kube-system and system:masters are the
    // platform; a resourceNames grant reads one named Secret, not the
    // namespace's). shop holds no Namespace or Secret object: not judged.
    assert!(scan(&yaml, 1).is_empty(), "{:?}", scan(&yaml, 1));
    let f = scan(&yaml, 0);
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(f[0].message.contains("1 subject,") && f[0].message.contains("user:ops"));
}

#[test]
fn a_secret_anchors_the_finding_when_the_namespace_object_is_absent() {
    let secret = "apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: pay
type: Opaque
---
";
    let yaml = format!(
        "{secret}{READER_ROLE}{}",
        binding(
            "r",
            "Role",
            "secret-reader",
            &[("User", "a"), ("User", "b")]
        )
    );
    let f = scan(&yaml, 1);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].object.kind, "Secret");
    assert_eq!(f[0].path.to_string(), "metadata.namespace");
    assert_eq!(f[0].location.as_ref().and_then(|l| l.line), Some(5));
}
