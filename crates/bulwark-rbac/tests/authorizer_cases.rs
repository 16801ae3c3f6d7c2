//! Cases in the spirit of the upstream authorizer's own table tests
//! (plugin/pkg/auth/authorizer/rbac/rbac_test.go, TestAuthorizer and
//! TestRuleMatches): the same situations, written here as RBAC manifests and
//! asked through `can`.

use bulwark_core::Inventory;
use bulwark_load::{LoadOptions, load_str};
use bulwark_rbac::{Model, Request, UserInfo};

fn model_of(yaml: &str) -> Inventory {
    let l = load_str("cases.yaml", yaml, &LoadOptions::default());
    assert!(l.summary.errors.is_empty(), "{:?}", l.summary.errors);
    Inventory::new(l.resources)
}

fn user(name: &str, groups: &[&str]) -> UserInfo {
    UserInfo {
        name: name.into(),
        groups: groups.iter().map(|g| g.to_string()).collect(),
    }
}

fn res(verb: &str, group: &str, resource: &str, sub: &str, ns: &str) -> Request {
    Request::resource(verb, group, resource, sub).in_namespace(Some(ns))
}

#[test]
fn namespaced_star_role_binding() {
    let i = model_of(
        r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: admin}
rules: [{verbs: ["*"], apiGroups: ["*"], resources: ["*"], nonResourceURLs: ["*"]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: admin, namespace: ns1}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: admin}
subjects: [{kind: User, name: admin}, {kind: Group, name: admins}]
"#,
    );
    let m = Model::build(&i);
    for (u, req) in [
        (user("admin", &[]), res("get", "", "Pods", "", "ns1")),
        (user("admin", &[]), res("watch", "", "Pods", "", "ns1")),
        (
            user("admin", &["group1"]),
            res("watch", "", "Foobar", "", "ns1"),
        ),
        (
            user("joe", &["admins"]),
            res("watch", "", "Foobar", "", "ns1"),
        ),
        (
            user("joe", &["group1", "admins"]),
            res("watch", "", "Foobar", "", "ns1"),
        ),
    ] {
        assert!(m.can(&u, &req).allowed(), "{u:?} {req}");
    }
    for (u, req) in [
        (user("admin", &[]), res("GET", "", "Pods", "", "ns2")),
        (
            user("admin", &[]),
            Request::resource("GET", "", "Nodes", ""),
        ),
        (
            user("admin", &["admins"]),
            res("GET", "", "Pods", "", "ns2"),
        ),
        (
            user("admin", &["admins"]),
            Request::resource("GET", "", "Nodes", ""),
        ),
    ] {
        assert!(!m.can(&u, &req).allowed(), "{u:?} {req}");
    }
}

#[test]
fn non_resource_urls_exact_star_and_prefix() {
    let i = model_of(
        r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: getter}
rules: [{verbs: ["get"], nonResourceURLs: ["/apis"]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: any-verb}
rules: [{verbs: ["*"], nonResourceURLs: ["/apis"]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: prefix}
rules: [{verbs: ["get"], nonResourceURLs: ["/apis/*"]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: getter}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: getter}
subjects: [{kind: User, name: foo}, {kind: Group, name: bar}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: any-verb}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: any-verb}
subjects: [{kind: User, name: admin}, {kind: Group, name: admin}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: prefix}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: prefix}
subjects: [{kind: User, name: prefixed}, {kind: Group, name: prefixed}]
"#,
    );
    let m = Model::build(&i);
    let url = Request::non_resource;
    let pass = [
        (user("foo", &[]), url("get", "/apis")),
        (user("", &["bar"]), url("get", "/apis")),
        (user("admin", &[]), url("watch", "/apis")),
        (user("", &["admin"]), url("watch", "/apis")),
        (user("prefixed", &[]), url("get", "/apis/v1")),
        (user("", &["prefixed"]), url("get", "/apis/v1/foobar")),
    ];
    for (u, r) in pass {
        assert!(m.can(&u, &r).allowed(), "{u:?} {r}");
    }
    let fail = [
        (user("foo", &[]), url("watch", "/apis")),
        (user("", &["bar"]), url("watch", "/apis")),
        (user("foo", &[]), url("get", "/api/v1")),
        (user("admin", &[]), url("get", "/api/v1")),
        (user("prefixed", &[]), url("get", "/api/v1")),
        (user("prefixed", &[]), url("get", "/apis")),
    ];
    for (u, r) in fail {
        assert!(!m.can(&u, &r).allowed(), "{u:?} {r}");
    }
}

#[test]
fn subresources_are_separate_from_their_resource() {
    for (rule_resource, pass_sub, fail_sub) in
        [("pods", "", "status"), ("pods/status", "status", "")]
    {
        let i = model_of(&format!(
            r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {{name: admin}}
rules: [{{verbs: ["*"], apiGroups: ["*"], resources: ["{rule_resource}"]}}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {{name: admin, namespace: ns1}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: admin}}
subjects: [{{kind: User, name: admin}}]
"#
        ));
        let m = Model::build(&i);
        let u = user("admin", &[]);
        assert!(
            m.can(&u, &res("get", "", "pods", pass_sub, "ns1"))
                .allowed()
        );
        assert!(
            !m.can(&u, &res("get", "", "pods", fail_sub, "ns1"))
                .allowed()
        );
    }
}

#[test]
fn tuple_expansion_of_verbs_groups_resources() {
    let i = model_of(
        r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: r}
rules: [{verbs: ["verb1", "verb2"], apiGroups: ["group1", "group2"], resources: ["resource1", "resource2"]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: r}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: r}
subjects: [{kind: User, name: u}]
"#,
    );
    let m = Model::build(&i);
    let u = user("u", &[]);
    for v in ["verb1", "verb2"] {
        for g in ["group1", "group2"] {
            for r in ["resource1", "resource2"] {
                assert!(m.can(&u, &Request::resource(v, g, r, "")).allowed());
            }
        }
    }
    assert!(
        !m.can(&u, &Request::resource("verb3", "group1", "resource1", ""))
            .allowed()
    );
    assert!(
        !m.can(&u, &Request::resource("verb1", "group3", "resource1", ""))
            .allowed()
    );
    assert!(
        !m.can(&u, &Request::resource("verb1", "group1", "resource3", ""))
            .allowed()
    );
}
