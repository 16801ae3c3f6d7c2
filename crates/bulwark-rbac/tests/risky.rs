//! Risky-grant findings: each rule fires on its insecure form, at the right
//! field and line, and stays quiet on the fixed form.

use bulwark_core::{Analyzer, Finding, Inventory, Severity};
use bulwark_load::{LoadOptions, load_str};
use bulwark_rbac::RbacAnalyzer;

fn scan(yaml: &str) -> Vec<Finding> {
    let l = load_str("rbac.yaml", yaml, &LoadOptions::default());
    assert!(l.summary.errors.is_empty(), "{:?}", l.summary.errors);
    let inv = Inventory::new(l.resources);
    let mut out = Vec::new();
    RbacAnalyzer.analyze(&inv, &mut out);
    out
}

/// (rule, object name, path, line) of every finding.
fn keys(f: &[Finding]) -> Vec<(String, String, String, u32)> {
    let mut v: Vec<_> = f
        .iter()
        .map(|f| {
            (
                f.rule_id.to_string(),
                f.object.name.clone(),
                f.path.to_string(),
                f.location.as_ref().and_then(|l| l.line).unwrap_or(0),
            )
        })
        .collect();
    v.sort();
    v
}

fn has(f: &[Finding], rule: &str, name: &str, path: &str, line: u32) -> bool {
    keys(f).contains(&(rule.into(), name.into(), path.into(), line))
}

fn fires(f: &[Finding], rule: &str) -> usize {
    f.iter().filter(|x| x.rule_id == rule).count()
}

const RISKY_ROLE: &str = r#"apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: ci}
rules:
- apiGroups: [""]
  resources: ["configmaps"]
  verbs: ["get"]
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["list"]
- apiGroups: [""]
  resources: ["pods/exec", "pods"]
  verbs: ["create"]
- apiGroups: ["rbac.authorization.k8s.io"]
  resources: ["clusterroles"]
  verbs: ["bind", "escalate"]
- apiGroups: [""]
  resources: ["users", "groups"]
  verbs: ["impersonate"]
- apiGroups: [""]
  resources: ["serviceaccounts/token"]
  verbs: ["create"]
- apiGroups: [""]
  resources: ["nodes/proxy"]
  verbs: ["get"]
- apiGroups: [""]
  resources: ["nodes"]
  verbs: ["patch"]
- apiGroups: ["certificates.k8s.io"]
  resources: ["certificatesigningrequests/approval"]
  verbs: ["update"]
- apiGroups: ["admissionregistration.k8s.io"]
  resources: ["mutatingwebhookconfigurations"]
  verbs: ["update"]
- apiGroups: ["rbac.authorization.k8s.io"]
  resources: ["rolebindings"]
  verbs: ["create"]
- apiGroups: [""]
  resources: ["persistentvolumes"]
  verbs: ["create"]
- apiGroups: [""]
  resources: ["services/status"]
  verbs: ["patch"]
- apiGroups: ["apps"]
  resources: ["*"]
  verbs: ["*"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ci}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: ci}
subjects:
- {kind: ServiceAccount, name: deployer, namespace: ci}
"#;

#[test]
fn each_permission_rule_points_at_its_rule_verbs() {
    let f = scan(RISKY_ROLE);
    // rules[i].verbs sits on line 4 + 3*i + 3.
    let line = |i: u32| 4 + 3 * i + 3;
    for (rule, i) in [
        ("rbac-secrets-read", 1),
        ("rbac-pod-exec", 2),
        ("rbac-workload-create", 2),
        ("rbac-escalate-bind", 3),
        ("rbac-impersonate", 4),
        ("rbac-serviceaccount-token-create", 5),
        ("rbac-nodes-proxy", 6),
        ("rbac-node-update", 7),
        ("rbac-csr-approve", 8),
        ("rbac-webhook-config-write", 9),
        ("rbac-rbac-write", 10),
        ("rbac-persistentvolume-create", 11),
        ("rbac-services-status-write", 12),
        ("rbac-wildcard-verb", 13),
    ] {
        let path = format!("rules[{i}].verbs");
        assert!(
            has(&f, rule, "ci", &path, line(i as u32)),
            "{rule} at {path}: {:#?}",
            keys(&f)
        );
    }
    assert!(has(
        &f,
        "rbac-wildcard-resource",
        "ci",
        "rules[13].resources",
        45
    ));
    // configmaps read is fine; the bound role is not unused.
    assert!(
        !keys(&f).iter().any(|k| k.2.starts_with("rules[0]")),
        "{:#?}",
        keys(&f)
    );
    assert_eq!(fires(&f, "rbac-unused-role"), 0);
    let secrets = f.iter().find(|x| x.rule_id == "rbac-secrets-read").unwrap();
    assert!(
        secrets.message.contains("cluster-wide"),
        "{}",
        secrets.message
    );
}

#[test]
fn secrets_read_only_cluster_wide_or_kube_system() {
    let yaml = r#"apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: app-secrets, namespace: shop}
rules:
- {apiGroups: [""], resources: ["secrets"], verbs: ["get"]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: sys-secrets, namespace: kube-system}
rules:
- {apiGroups: [""], resources: ["secrets"], verbs: ["watch"]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: reader}
rules:
- {apiGroups: [""], resources: ["secrets"], verbs: ["get"]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: reader, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: reader}
subjects: [{kind: ServiceAccount, name: app}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: a, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: app-secrets}
subjects: [{kind: ServiceAccount, name: app}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: b, namespace: kube-system}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: sys-secrets}
subjects: [{kind: ServiceAccount, name: agent}]
"#;
    let f = scan(yaml);
    let names: Vec<&str> = f
        .iter()
        .filter(|x| x.rule_id == "rbac-secrets-read")
        .map(|x| x.object.name.as_str())
        .collect();
    assert_eq!(names, ["sys-secrets"], "{:#?}", keys(&f));
}

#[test]
fn bindings_point_at_the_subject() {
    let yaml = r#"apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: oops}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects:
- {kind: Group, name: "system:masters"}
- {kind: User, name: alice}
- {kind: Group, name: "system:authenticated"}
- {kind: ServiceAccount, name: default, namespace: shop}
- {kind: ServiceAccount, name: ctrl, namespace: kube-system}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: view-all, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects:
- {kind: User, name: system:anonymous}
- {kind: ServiceAccount, name: builder, namespace: ci}
- {kind: ServiceAccount, name: local}
"#;
    let f = scan(yaml);
    assert!(has(
        &f,
        "rbac-cluster-admin-binding",
        "oops",
        "subjects[1]",
        7
    ));
    assert!(has(
        &f,
        "rbac-cluster-admin-binding",
        "oops",
        "subjects[2]",
        8
    ));
    assert!(has(
        &f,
        "rbac-cluster-admin-binding",
        "oops",
        "subjects[3]",
        9
    ));
    assert!(
        !has(&f, "rbac-cluster-admin-binding", "oops", "subjects[0]", 6),
        "system:masters is the control plane's"
    );
    assert!(
        !has(&f, "rbac-cluster-admin-binding", "oops", "subjects[4]", 10),
        "kube-system SA"
    );
    assert!(has(
        &f,
        "rbac-binding-to-public-group",
        "oops",
        "subjects[2]",
        8
    ));
    assert!(has(
        &f,
        "rbac-default-serviceaccount-bound",
        "oops",
        "subjects[3]",
        9
    ));
    assert!(
        has(
            &f,
            "rbac-binding-to-public-group",
            "view-all",
            "subjects[0]",
            17
        ),
        "{:#?}",
        keys(&f)
    );
    assert!(has(
        &f,
        "rbac-cross-namespace-serviceaccount",
        "view-all",
        "subjects[1]",
        18
    ));
    assert_eq!(
        fires(&f, "rbac-cross-namespace-serviceaccount"),
        1,
        "{:#?}",
        keys(&f)
    );
    let admin = f
        .iter()
        .find(|x| x.rule_id == "rbac-cluster-admin-binding")
        .unwrap();
    assert_eq!(admin.severity, Severity::Critical);
    let anon = f
        .iter()
        .find(|x| x.rule_id == "rbac-binding-to-public-group" && x.object.name == "view-all")
        .unwrap();
    assert_eq!(anon.severity, Severity::Critical);
    // `view` and `cluster-admin` resolve through the defaults: no missing-role report.
    assert_eq!(
        fires(&f, "rbac-binding-grants-nothing"),
        0,
        "{:#?}",
        keys(&f)
    );
    // The default roles themselves are never reported.
    assert!(
        f.iter()
            .all(|x| x.location.as_ref().is_some_and(|l| l.file == "rbac.yaml"))
    );
}

#[test]
fn missing_roles_unused_roles_and_equivalent_admin() {
    let yaml = r#"apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: typo, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: editr}
subjects: [{kind: User, name: bob}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: lonely, namespace: shop}
rules: [{apiGroups: [""], resources: ["configmaps"], verbs: ["get"]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: god}
rules: [{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: god, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: god}
subjects: [{kind: Group, name: shop-devs}]
"#;
    let f = scan(yaml);
    assert!(has(
        &f,
        "rbac-binding-grants-nothing",
        "typo",
        "roleRef.name",
        4
    ));
    assert!(
        has(&f, "rbac-unused-role", "lonely", "metadata.name", 9),
        "{:#?}",
        keys(&f)
    );
    assert!(has(
        &f,
        "rbac-cluster-admin-binding",
        "god",
        "subjects[0]",
        21
    ));
    let ns_admin = f
        .iter()
        .find(|x| x.rule_id == "rbac-cluster-admin-binding")
        .unwrap();
    assert_eq!(ns_admin.severity, Severity::High);
    assert!(ns_admin.message.contains("namespace shop"));
    // A `*` on `*` rule: the wildcard rules only, raised to high in a ClusterRole.
    assert!(has(&f, "rbac-wildcard-verb", "god", "rules[0].verbs", 15));
    let w = f
        .iter()
        .find(|x| x.rule_id == "rbac-wildcard-verb")
        .unwrap();
    assert_eq!(w.severity, Severity::High);
    assert_eq!(fires(&f, "rbac-secrets-read"), 0);
    assert_eq!(fires(&f, "rbac-pod-exec"), 0);
}

#[test]
fn fixed_forms_are_quiet() {
    let yaml = r#"apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: app, namespace: shop}
rules:
- {apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch"]}
- {apiGroups: [""], resources: ["secrets"], resourceNames: ["app-tls"], verbs: ["get"]}
- {apiGroups: [""], resources: ["pods", "pods/log"], verbs: ["get", "list"]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: app, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: app}
subjects: [{kind: ServiceAccount, name: app, namespace: shop}]
"#;
    let f = scan(yaml);
    assert!(f.is_empty(), "{:#?}", keys(&f));
}

#[test]
fn no_rbac_objects_no_work() {
    let f = scan("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n");
    assert!(f.is_empty());
}

#[test]
fn rule_metadata_is_complete() {
    let rules = RbacAnalyzer.rules();
    assert!(rules.len() >= 20);
    let mut ids: Vec<&str> = rules.iter().map(|r| r.id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), rules.len(), "ids are unique");
    for r in rules {
        assert!(r.id.starts_with("rbac-"), "{}", r.id);
        assert!(!r.description.is_empty() && !r.remediation.is_empty());
        assert_eq!(r.category, "rbac");
    }
    let cis: Vec<&str> = RbacAnalyzer
        .rules()
        .iter()
        .flat_map(|r| r.mappings.cis.iter().copied())
        .collect();
    for id in [
        "5.1.1", "5.1.2", "5.1.3", "5.1.4", "5.1.5", "5.1.7", "5.1.8", "5.1.9", "5.1.10", "5.1.11",
        "5.1.12", "5.1.13",
    ] {
        assert!(cis.contains(&id), "CIS {id} mapped");
    }
}

#[test]
fn aggregated_rules_are_reported_where_written() {
    // As a snapshot holds it: the aggregating role carries a copy of the rule.
    let yaml = r#"apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: top}
aggregationRule:
  clusterRoleSelectors: [{matchLabels: {agg: "yes"}}]
rules:
- {apiGroups: [""], resources: ["pods/exec"], verbs: ["create"]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: part, labels: {agg: "yes"}}
rules:
- {apiGroups: [""], resources: ["pods/exec"], verbs: ["create"]}
"#;
    let f = scan(yaml);
    let names: Vec<&str> = f
        .iter()
        .filter(|x| x.rule_id == "rbac-pod-exec")
        .map(|x| x.object.name.as_str())
        .collect();
    assert_eq!(names, ["part"]);
    // `part` is used through aggregation; `top` is not bound.
    assert!(has(&f, "rbac-unused-role", "top", "metadata.name", 3));
    assert_eq!(fires(&f, "rbac-unused-role"), 1);
}

const USER_BINDING: &str = "
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: b}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: ROLE}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: alice}
";

#[test]
fn every_read_and_write_verb_on_everything_is_admin() {
    let role = "apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: rw}
rules:
- apiGroups: ['*']
  resources: ['*']
  verbs: [get, list, watch, create, update, patch, delete]
";
    let f = scan(&format!("{role}{}", USER_BINDING.replace("ROLE", "rw")));
    assert_eq!(fires(&f, "rbac-cluster-admin-binding"), 1, "{:?}", keys(&f));
    // Read-only on everything is not full control.
    let ro = role.replace(
        "[get, list, watch, create, update, patch, delete]",
        "[get, list, watch]",
    );
    let f = scan(&format!("{ro}{}", USER_BINDING.replace("ROLE", "rw")));
    assert_eq!(fires(&f, "rbac-cluster-admin-binding"), 0, "{:?}", keys(&f));
}

#[test]
fn a_binding_to_cluster_admin_counts_whatever_the_manifest_says() {
    // The API server reconciles cluster-admin at start-up: a manifest that
    // redefines it does not make a binding to it harmless.
    let fake = "apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: cluster-admin}
rules:
- {apiGroups: [apps], resources: [deployments], verbs: [get]}
";
    let f = scan(&format!(
        "{fake}{}",
        USER_BINDING.replace("ROLE", "cluster-admin")
    ));
    assert_eq!(fires(&f, "rbac-cluster-admin-binding"), 1, "{:?}", keys(&f));
    // Unless reconciliation is switched off for it.
    let frozen = fake.replace(
        "metadata: {name: cluster-admin}",
        "metadata: {name: cluster-admin, annotations: {rbac.authorization.kubernetes.io/autoupdate: 'false'}}",
    );
    let f = scan(&format!(
        "{frozen}{}",
        USER_BINDING.replace("ROLE", "cluster-admin")
    ));
    assert_eq!(fires(&f, "rbac-cluster-admin-binding"), 0, "{:?}", keys(&f));
}

/// What `implied_by_wildcards` finds in `yaml`.
fn implied(yaml: &str) -> Vec<Finding> {
    let l = load_str("rbac.yaml", yaml, &LoadOptions::default());
    let inv = Inventory::new(l.resources);
    let mut out = Vec::new();
    bulwark_rbac::risky::implied_by_wildcards(&inv, &mut out);
    out
}

/// For compliance scores: the powers a `*` on `*` rule implies, which the
/// scan leaves to the wildcard rules. A namespaced Role implies none on
/// cluster-scoped resources; rules that are not `*` on `*` imply nothing
/// beyond what the scan reports.
#[test]
fn star_on_star_rules_imply_the_powers_the_scan_does_not_list() {
    let yaml = r#"apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: ns-admin, namespace: shop}
rules: [{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: everything}
rules:
- apiGroups: ["*"]
  resources: ["*"]
  verbs: ["*"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: reader}
rules:
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get"]
"#;
    let reported = scan(yaml);
    assert_eq!(fires(&reported, "rbac-pod-exec"), 0);
    let implied = implied(yaml);
    let on = |rule: &str, name: &str| {
        implied
            .iter()
            .any(|f| f.rule_id == rule && f.object.name == name)
    };
    assert!(on("rbac-pod-exec", "ns-admin"));
    assert!(on("rbac-pod-exec", "everything"));
    assert!(on("rbac-nodes-proxy", "everything"));
    assert!(on("rbac-secrets-read", "everything"));
    assert!(
        !on("rbac-nodes-proxy", "ns-admin"),
        "a Role grants no nodes/proxy"
    );
    assert!(!on("rbac-persistentvolume-create", "ns-admin"));
    // Not `*` on `*`: already reported by the scan, not implied again.
    assert!(implied.iter().all(|f| f.object.name != "reader"));
    assert!(
        implied
            .iter()
            .all(|f| !f.rule_id.starts_with("rbac-wildcard") && f.rule_id != "rbac-unused-role")
    );
}

/// A binding to the built-in cluster-admin (not among the inputs) implies
/// every power on the binding: cluster-wide for a ClusterRoleBinding, in
/// its namespace for a RoleBinding. A binding to a modest role implies
/// nothing (its role carries its own findings).
#[test]
fn bindings_to_admin_equivalent_roles_imply_the_powers() {
    let yaml = r#"apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: everyone-admin}
subjects: [{kind: Group, name: "system:authenticated", apiGroup: rbac.authorization.k8s.io}]
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: ns-admin, namespace: shop}
subjects: [{kind: User, name: alice, apiGroup: rbac.authorization.k8s.io}]
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: view-cm}
rules: [{apiGroups: [""], resources: ["configmaps"], verbs: ["get"]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: view-cm}
subjects: [{kind: User, name: bob, apiGroup: rbac.authorization.k8s.io}]
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view-cm}
"#;
    let implied = implied(yaml);
    let on = |rule: &str, name: &str| {
        implied
            .iter()
            .any(|f| f.rule_id == rule && f.object.name == name)
    };
    for rule in ["rbac-secrets-read", "rbac-nodes-proxy", "rbac-pod-exec"] {
        assert!(on(rule, "everyone-admin"), "{rule}");
    }
    assert!(on("rbac-pod-exec", "ns-admin"));
    // Secrets in its own namespace are not flagged (as for a Role), and a
    // RoleBinding reaches nothing cluster-scoped.
    assert!(!on("rbac-secrets-read", "ns-admin"));
    assert!(!on("rbac-nodes-proxy", "ns-admin"));
    assert!(implied.iter().all(|f| f.object.name != "view-cm"));
}

#[test]
fn a_wildcard_within_one_group_names_the_powers_it_holds() {
    let f = scan(
        r#"apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: certs}
rules:
- apiGroups: ["certificates.k8s.io"]
  resources: ["*"]
  verbs: ["*"]
- apiGroups: ["certificates.k8s.io"]
  resources: ["certificatesigningrequests/*"]
  verbs: ["update"]
"#,
    );
    // Every verb on every resource of certificates.k8s.io includes
    // approving CSRs (besides the wildcard findings themselves).
    assert!(
        has(&f, "rbac-csr-approve", "certs", "rules[0].verbs", 7),
        "{:#?}",
        keys(&f)
    );
    assert!(has(&f, "rbac-wildcard-verb", "certs", "rules[0].verbs", 7));
    // `resource/*` is not a form RBAC matches (only `*/subresource` is):
    // the second rule grants nothing.
    assert!(
        !keys(&f).iter().any(|k| k.2.starts_with("rules[1]")),
        "{:#?}",
        keys(&f)
    );
}
