//! The authorizer model over small hand-written RBAC sets.

use bulwark_core::Inventory;
use bulwark_load::{LoadOptions, load_str};
use bulwark_rbac::{IssueKind, Model, Request, SubjectName};

fn inv(yaml: &str) -> Inventory {
    let l = load_str("rbac.yaml", yaml, &LoadOptions::default());
    assert!(l.summary.errors.is_empty(), "{:?}", l.summary.errors);
    Inventory::new(l.resources)
}

fn subj(s: &str) -> SubjectName {
    SubjectName::parse(s).unwrap()
}

fn who(m: &Model<'_>, verb: &str, what: &str, ns: Option<&str>) -> Vec<String> {
    let req = Request::parse(verb, what).unwrap().in_namespace(ns);
    let mut v: Vec<String> = m
        .who_can(&req)
        .iter()
        .map(|g| g.subject.to_string())
        .collect();
    v.dedup();
    v
}

fn can(m: &Model<'_>, s: &str, verb: &str, what: &str, ns: Option<&str>) -> bool {
    let req = Request::parse(verb, what).unwrap().in_namespace(ns);
    m.can(&subj(s).user_info(), &req).allowed()
}

const BASIC: &str = r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: secret-reader}
rules:
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get", "list"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: pod-exec, namespace: dev}
rules:
- apiGroups: [""]
  resources: ["pods/exec"]
  verbs: ["create"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: read-secrets, namespace: dev}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: secret-reader}
subjects:
- {kind: User, name: alice, apiGroup: rbac.authorization.k8s.io}
- {kind: ServiceAccount, name: app}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: exec, namespace: dev}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-exec}
subjects:
- {kind: Group, name: "system:serviceaccounts:ci"}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: global-secrets}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: secret-reader}
subjects:
- {kind: Group, name: auditors}
- {kind: ServiceAccount, name: nonamespace}
"#;

#[test]
fn role_binding_of_cluster_role_is_namespaced() {
    let i = inv(BASIC);
    let m = Model::build(&i);
    assert_eq!(
        who(&m, "get", "secrets", Some("dev")),
        ["user:alice", "group:auditors", "sa:dev/app"]
    );
    assert_eq!(who(&m, "list", "secrets", Some("prod")), ["group:auditors"]);
    // Cluster-wide: only the ClusterRoleBinding counts.
    assert_eq!(who(&m, "list", "secrets", None), ["group:auditors"]);
    assert!(can(&m, "user:alice", "get", "secrets", Some("dev")));
    assert!(!can(&m, "user:alice", "get", "secrets", Some("prod")));
    assert!(!can(&m, "user:alice", "get", "secrets", None));
    assert!(!can(&m, "user:alice", "watch", "secrets", Some("dev")));
    assert!(!can(&m, "user:alice", "get", "configmaps", Some("dev")));
}

#[test]
fn service_account_namespace_defaults_to_the_binding() {
    let i = inv(BASIC);
    let m = Model::build(&i);
    assert!(can(&m, "sa:dev/app", "get", "secrets", Some("dev")));
    assert!(!can(&m, "sa:other/app", "get", "secrets", Some("dev")));
    // In a ClusterRoleBinding a service account without namespace never matches.
    assert!(m.issues.iter().any(|i| i.kind == IssueKind::InvalidSubject
        && i.path.to_string() == "subjects[1]"
        && i.res.id.name == "global-secrets"));
}

#[test]
fn service_accounts_belong_to_their_implicit_groups() {
    let i = inv(BASIC);
    let m = Model::build(&i);
    assert!(can(&m, "sa:ci/builder", "create", "pods/exec", Some("dev")));
    assert!(!can(
        &m,
        "sa:dev/builder",
        "create",
        "pods/exec",
        Some("dev")
    ));
    assert!(!can(&m, "sa:ci/builder", "create", "pods/exec", Some("ci")));
    // The group is listed by who-can, not every member.
    assert_eq!(
        who(&m, "create", "pods/exec", Some("dev")),
        ["group:system:serviceaccounts:ci"]
    );
    // A user is not a service account.
    assert!(!can(&m, "user:builder", "create", "pods/exec", Some("dev")));
}

#[test]
fn missing_and_invalid_role_refs_grant_nothing_and_are_reported() {
    let i = inv(r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: r, namespace: a}
rules: [{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: wrong-ns, namespace: b}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}
subjects: [{kind: User, name: bob}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: crb-to-role}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}
subjects: [{kind: User, name: bob}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: gone}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: does-not-exist}
subjects: [{kind: User, name: bob}]
"#);
    let m = Model::build(&i);
    assert!(!can(&m, "user:bob", "get", "pods", Some("a")));
    assert!(!can(&m, "user:bob", "get", "pods", Some("b")));
    let kinds: Vec<(IssueKind, String)> = m
        .issues
        .iter()
        .map(|i| (i.kind, i.res.id.name.clone()))
        .collect();
    assert!(kinds.contains(&(IssueKind::MissingRole, "wrong-ns".into())));
    assert!(kinds.contains(&(IssueKind::InvalidRoleRef, "crb-to-role".into())));
    assert!(kinds.contains(&(IssueKind::MissingRole, "gone".into())));
    let req = Request::parse("get", "pods").unwrap();
    let d = m.can(&subj("user:bob").user_info(), &req);
    assert!(!d.allowed());
    assert!(
        d.errors.iter().any(|e| e.contains("does-not-exist")),
        "{:?}",
        d.errors
    );
    // The missing-role finding points at roleRef.name, on its line.
    let gone = m.issues.iter().find(|i| i.res.id.name == "gone").unwrap();
    assert_eq!(gone.path.to_string(), "roleRef.name");
    assert_eq!(gone.res.locate(&gone.path).unwrap().line, Some(22));
}

const AGG: &str = r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: monitoring}
aggregationRule:
  clusterRoleSelectors:
  - matchLabels: {rbac.example.com/aggregate-to-monitoring: "true"}
  - matchExpressions:
    - {key: team, operator: In, values: [obs, sre]}
    - {key: deprecated, operator: DoesNotExist}
rules: []
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: monitoring-endpoints
  labels: {rbac.example.com/aggregate-to-monitoring: "true"}
rules:
- {apiGroups: [""], resources: ["services", "endpoints", "pods"], verbs: ["get", "list", "watch"]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: sre-extra
  labels: {team: sre, rbac.example.com/aggregate-to-top: "true"}
aggregationRule:
  clusterRoleSelectors:
  - matchLabels: {rbac.example.com/aggregate-to-sre: "true"}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: sre-logs
  labels: {rbac.example.com/aggregate-to-sre: "true"}
rules:
- {apiGroups: [""], resources: ["pods/log"], verbs: ["get"]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: old-obs
  labels: {team: obs, deprecated: "yes"}
rules:
- {apiGroups: [""], resources: ["secrets"], verbs: ["get"]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: broken
aggregationRule:
  clusterRoleSelectors:
  - matchExpressions: [{key: a, operator: Equals, values: [b]}]
rules:
- {apiGroups: [""], resources: ["configmaps"], verbs: ["get"]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: mon}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: monitoring}
subjects: [{kind: Group, name: observers}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: broken}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: broken}
subjects: [{kind: User, name: carol}]
"#;

#[test]
fn aggregation_resolves_selectors_transitively() {
    let i = inv(AGG);
    let m = Model::build(&i);
    assert!(can(&m, "group:observers", "list", "endpoints", None));
    // sre-extra is selected by matchExpressions (team in [obs, sre]) and
    // itself aggregates sre-logs.
    assert!(can(&m, "group:observers", "get", "pods/log", Some("x")));
    // old-obs is excluded by DoesNotExist.
    assert!(!can(&m, "group:observers", "get", "secrets", Some("x")));
    // The chain names the role the rule was written in.
    let req = Request::parse("get", "pods/log").unwrap();
    let g = &m.who_can(&req)[0];
    let c = m.chain(g);
    assert_eq!(c.role, "ClusterRole/monitoring");
    assert_eq!(c.aggregated_from.as_deref(), Some("ClusterRole/sre-logs"));
    assert_eq!(c.rule_path, "rules[0]");
    // The aggregated role's own `rules: []` is replaced, never added to.
    let mon = m.cluster_role("monitoring").unwrap();
    assert_eq!(m.roles[mon].rules.len(), 2);
}

#[test]
fn invalid_aggregation_keeps_written_rules() {
    let i = inv(AGG);
    let m = Model::build(&i);
    assert!(can(&m, "user:carol", "get", "configmaps", Some("x")));
    assert!(
        m.issues
            .iter()
            .any(|i| i.kind == IssueKind::InvalidAggregation && i.res.id.name == "broken")
    );
}

#[test]
fn non_resource_urls_only_through_cluster_role_bindings() {
    let i = inv(r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: metrics}
rules:
- {nonResourceURLs: ["/metrics", "/debug/*"], verbs: ["get"]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: prom}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: metrics}
subjects: [{kind: ServiceAccount, name: prometheus, namespace: mon}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: local, namespace: dev}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: metrics}
subjects: [{kind: User, name: dave}]
"#);
    let m = Model::build(&i);
    assert!(can(&m, "sa:mon/prometheus", "get", "/metrics", None));
    assert!(can(
        &m,
        "sa:mon/prometheus",
        "get",
        "/debug/pprof/heap",
        None
    ));
    assert!(!can(&m, "sa:mon/prometheus", "get", "/metricsx", None));
    assert!(!can(&m, "sa:mon/prometheus", "post", "/metrics", None));
    assert!(!can(&m, "user:dave", "get", "/metrics", Some("dev")));
    assert_eq!(who(&m, "get", "/debug/x", None), ["sa:mon/prometheus"]);
}

#[test]
fn resource_names_and_subresource_wildcards_through_bindings() {
    let i = inv(r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: scaler}
rules:
- {apiGroups: ["apps"], resources: ["*/scale"], verbs: ["update"]}
- {apiGroups: [""], resources: ["configmaps"], resourceNames: ["app"], verbs: ["get"]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: scaler}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: scaler}
subjects: [{kind: User, name: erin}]
"#);
    let m = Model::build(&i);
    let u = subj("user:erin").user_info();
    let scale = Request::parse("update", "deployments/scale").unwrap();
    assert!(m.can(&u, &scale).allowed());
    assert!(
        !m.can(&u, &Request::parse("update", "deployments").unwrap())
            .allowed()
    );
    let named = Request::parse("get", "configmaps")
        .unwrap()
        .in_namespace(Some("x"))
        .with_name("app");
    assert!(m.can(&u, &named).allowed());
    let other = Request::parse("get", "configmaps")
        .unwrap()
        .in_namespace(Some("x"))
        .with_name("db");
    assert!(!m.can(&u, &other).allowed());
    let list = Request::parse("get", "configmaps").unwrap();
    assert!(!m.can(&u, &list).allowed());
}

#[test]
fn permissions_split_cluster_and_namespaces() {
    let i = inv(BASIC);
    let m = Model::build(&i);
    let p = m.permissions(&subj("sa:dev/app").user_info());
    assert!(p.cluster.is_empty());
    assert_eq!(p.namespaces.keys().collect::<Vec<_>>(), ["dev"]);
    let p = m.permissions(&subj("group:auditors").user_info());
    assert_eq!(p.cluster.len(), 1);
    let subjects: Vec<String> = m.subjects().iter().map(|s| s.to_string()).collect();
    assert_eq!(
        subjects,
        [
            "user:alice",
            "group:auditors",
            "group:system:serviceaccounts:ci",
            "sa:dev/app"
        ]
    );
}

#[test]
fn who_can_anywhere_unions_every_namespace() {
    let i = inv(BASIC);
    let m = Model::build(&i);
    let req = Request::parse("get", "secrets").unwrap();
    let mut v: Vec<String> = m
        .who_can_anywhere(&req)
        .iter()
        .map(|g| g.subject.to_string())
        .collect();
    v.dedup();
    assert_eq!(v, ["user:alice", "group:auditors", "sa:dev/app"]);
    let exec = Request::parse("create", "pods/exec").unwrap();
    let g = m.who_can_anywhere(&exec);
    assert_eq!(g.len(), 1);
    assert_eq!(m.chain(&g[0]).binding, "RoleBinding/dev/exec");
    // Cluster-scoped: RoleBindings never count.
    let nodes = Request::parse("get", "nodes").unwrap();
    assert!(m.who_can_anywhere(&nodes).is_empty());
}

#[test]
fn malformed_objects_never_panic_and_are_reported() {
    let i = inv(r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: odd}
rules: "not a list"
aggregationRule: {clusterRoleSelectors: "nope"}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: odder}
rules: [3, {verbs: get}, {verbs: [get], resources: [pods, 7], apiGroups: [""]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: no-ref}
subjects: [1, {kind: 3}, {kind: User}, {kind: User, name: u}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: no-subjects}
roleRef: {kind: ClusterRole, name: odder}
subjects: "x"
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ok}
roleRef: {kind: ClusterRole, name: odder}
subjects: [{kind: User, name: u}]
---
apiVersion: v1
kind: Role
metadata: {name: wrong-group}
rules: [{verbs: ["*"], apiGroups: ["*"], resources: ["*"]}]
"#);
    let m = Model::build(&i);
    // Only well-formed parts count: `odder` rules[2] allows get pods.
    assert!(can(&m, "user:u", "get", "pods", None));
    assert!(!can(&m, "user:u", "list", "pods", None));
    // A Role outside rbac.authorization.k8s.io is not RBAC.
    assert_eq!(m.roles.len(), 2);
    assert!(m.issues.iter().any(|i| i.res.id.name == "no-ref"));
    let invalid: Vec<String> = m
        .issues
        .iter()
        .filter(|i| i.kind == IssueKind::InvalidSubject)
        .map(|i| i.path.to_string())
        .collect();
    assert_eq!(invalid, ["subjects[0]", "subjects[1]", "subjects[2]"]);
    assert_eq!(
        m.subjects()
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>(),
        ["user:u"]
    );
    let _ = bulwark_rbac::report::SubjectsReport::new(&m).text();
    let mut out = Vec::new();
    bulwark_core::Analyzer::analyze(&bulwark_rbac::RbacAnalyzer, &i, &mut out);
    let _ = bulwark_rbac::escalation::Finder::new(&m)
        .report(true)
        .text();
}

/// A chain of aggregating roles, each selecting the next, written top
/// first (the order in which passes until nothing changes settle one link
/// per pass): the top role gets the bottom one's rule, and a cycle settles
/// on the union of its members.
fn aggregation_chain(n: usize) -> String {
    let mut y = String::new();
    for i in 0..n {
        y.push_str(&format!(
            "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\n\
             metadata: {{name: r{i}, labels: {{l{i}: 'y'}}}}\n\
             aggregationRule: {{clusterRoleSelectors: [{{matchLabels: {{l{}: 'y'}}}}]}}\nrules: []\n",
            i + 1
        ));
    }
    y.push_str(&format!(
        "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\n\
         metadata: {{name: r{n}, labels: {{l{n}: 'y'}}}}\n\
         rules: [{{apiGroups: [''], resources: [secrets], verbs: [get]}}]\n"
    ));
    y
}

#[test]
fn a_long_aggregation_chain_settles_in_one_pass() {
    let n = 1500;
    let i = inv(&aggregation_chain(n));
    let start = std::time::Instant::now();
    let m = Model::build(&i);
    let took = start.elapsed();
    for k in [0, n / 2, n - 1] {
        let id = m.cluster_role(&format!("r{k}")).unwrap();
        assert_eq!(m.roles[id].rules.len(), 1, "r{k}");
    }
    eprintln!("model of a {n}-role aggregation chain: {took:?}");
}

#[test]
fn an_aggregation_cycle_settles_on_the_union() {
    let y = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\n\
        metadata: {name: a, labels: {a: 'y'}}\n\
        aggregationRule: {clusterRoleSelectors: [{matchLabels: {b: 'y'}}, {matchLabels: {leaf: 'y'}}]}\nrules: []\n\
        ---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\n\
        metadata: {name: b, labels: {b: 'y'}}\n\
        aggregationRule: {clusterRoleSelectors: [{matchLabels: {a: 'y'}}]}\nrules: []\n\
        ---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\n\
        metadata: {name: leaf, labels: {leaf: 'y'}}\n\
        rules: [{apiGroups: [''], resources: [pods], verbs: [get]}]\n";
    let i = inv(y);
    let m = Model::build(&i);
    for r in ["a", "b"] {
        let id = m.cluster_role(r).unwrap();
        assert_eq!(m.roles[id].rules.len(), 1, "{r}");
    }
}
