//! Scenario tests: hand-written RBAC sets with their expected who-can
//! answers and escalation paths, one technique per scenario.

use bulwark_core::Inventory;
use bulwark_load::{LoadOptions, load_str};
use bulwark_rbac::escalation::{CLUSTER_ADMIN, Escalation, Finder, NODE_CREDENTIALS, Technique};
use bulwark_rbac::{Model, Request, SubjectName};

fn inv(yaml: &str) -> Inventory {
    let l = load_str("scenario.yaml", yaml, &LoadOptions::default());
    assert!(l.summary.errors.is_empty(), "{:?}", l.summary.errors);
    let mut res = l.resources;
    let extra = bulwark_rbac::defaults::missing_from(res.iter()).unwrap();
    res.extend(extra);
    Inventory::new(res)
}

fn path(i: &Inventory, subject: &str) -> Option<Escalation> {
    let m = Model::build(i);
    let secrets: Vec<_> = i.of_kind("Secret").map(|r| &r.value).collect();
    let mut f = Finder::new(&m).with_secrets(secrets);
    f.path_from(&SubjectName::parse(subject).unwrap())
}

/// (from, to, technique) of every step.
fn steps(e: &Escalation) -> Vec<(String, String, Technique)> {
    e.steps
        .iter()
        .map(|s| (s.from.clone(), s.to.clone(), s.technique))
        .collect()
}

fn t(from: &str, to: &str, tech: Technique) -> (String, String, Technique) {
    (from.into(), to.into(), tech)
}

fn who(i: &Inventory, verb: &str, what: &str, ns: Option<&str>) -> Vec<String> {
    let m = Model::build(i);
    let req = Request::parse(verb, what).unwrap().in_namespace(ns);
    let mut v: Vec<String> = m
        .who_can(&req)
        .iter()
        .map(|g| g.subject.to_string())
        .collect();
    v.dedup();
    v
}

const HEADER: &str = "apiVersion: rbac.authorization.k8s.io/v1\n";

fn crb(name: &str, role: &str, subject: &str) -> String {
    format!(
        "{HEADER}kind: ClusterRoleBinding\nmetadata: {{name: {name}}}\nroleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: {role}}}\nsubjects: [{subject}]\n---\n"
    )
}

fn rb(ns: &str, name: &str, kind: &str, role: &str, subject: &str) -> String {
    format!(
        "{HEADER}kind: RoleBinding\nmetadata: {{name: {name}, namespace: {ns}}}\nroleRef: {{apiGroup: rbac.authorization.k8s.io, kind: {kind}, name: {role}}}\nsubjects: [{subject}]\n---\n"
    )
}

fn cr(name: &str, rules: &str) -> String {
    format!("{HEADER}kind: ClusterRole\nmetadata: {{name: {name}}}\nrules: {rules}\n---\n")
}

fn role(ns: &str, name: &str, rules: &str) -> String {
    format!(
        "{HEADER}kind: Role\nmetadata: {{name: {name}, namespace: {ns}}}\nrules: {rules}\n---\n"
    )
}

/// A kube-system service account with cluster-admin: the usual prize.
fn prize() -> String {
    crb(
        "backup-admin",
        "cluster-admin",
        "{kind: ServiceAccount, name: backup, namespace: kube-system}",
    )
}

#[test]
fn pod_creation_steals_a_service_account() {
    let yaml = prize()
        + &role(
            "kube-system",
            "deployer",
            r#"[{apiGroups: ["apps"], resources: ["deployments"], verbs: ["create"]}]"#,
        )
        + &rb(
            "kube-system",
            "ci-deployer",
            "Role",
            "deployer",
            "{kind: ServiceAccount, name: deployer, namespace: ci}",
        );
    let i = inv(&yaml);
    let e = path(&i, "sa:ci/deployer").expect("a path");
    assert_eq!(e.reaches, CLUSTER_ADMIN);
    assert_eq!(
        steps(&e),
        [
            t(
                "sa:ci/deployer",
                "sa:kube-system/backup",
                Technique::PodCreation
            ),
            t("sa:kube-system/backup", "cluster-admin", Technique::Holds),
        ]
    );
    assert_eq!(
        e.steps[0].grants[0].binding,
        "RoleBinding/kube-system/ci-deployer"
    );
    assert_eq!(e.steps[0].namespace.as_deref(), Some("kube-system"));
    assert_eq!(
        e.steps[1].grants[0].binding,
        "ClusterRoleBinding/backup-admin"
    );
    // who-can agrees.
    assert!(
        who(&i, "create", "deployments", Some("kube-system"))
            .contains(&"sa:ci/deployer".to_string())
    );
    assert!(!who(&i, "create", "deployments", Some("ci")).contains(&"sa:ci/deployer".to_string()));
    // Creating pods elsewhere leads nowhere.
    let other = prize()
        + &role(
            "ci",
            "deployer",
            r#"[{apiGroups: [""], resources: ["pods"], verbs: ["create"]}]"#,
        )
        + &rb("ci", "d", "Role", "deployer", "{kind: User, name: mallory}");
    assert!(path(&inv(&other), "user:mallory").is_none());
}

#[test]
fn secret_read_steals_a_token_secret() {
    let secret = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: backup-token\n  namespace: kube-system\n  annotations: {kubernetes.io/service-account.name: backup}\ntype: kubernetes.io/service-account-token\n---\n";
    let yaml = prize()
        + secret
        + &role(
            "kube-system",
            "peek",
            r#"[{apiGroups: [""], resources: ["secrets"], resourceNames: ["backup-token"], verbs: ["get"]}]"#,
        )
        + &rb(
            "kube-system",
            "peek",
            "Role",
            "peek",
            "{kind: User, name: eve}",
        );
    let e = path(&inv(&yaml), "user:eve").expect("a path");
    assert_eq!(
        steps(&e),
        [
            t("user:eve", "sa:kube-system/backup", Technique::SecretRead),
            t("sa:kube-system/backup", "cluster-admin", Technique::Holds),
        ]
    );
    assert!(e.steps[0].certain);
    // Without the Secret in the inventory, list still makes a possible path.
    let yaml = prize()
        + &role(
            "kube-system",
            "peek",
            r#"[{apiGroups: [""], resources: ["secrets"], verbs: ["list"]}]"#,
        )
        + &rb(
            "kube-system",
            "peek",
            "Role",
            "peek",
            "{kind: User, name: eve}",
        );
    let i = inv(&yaml);
    let e = path(&i, "user:eve").expect("a possible path");
    assert_eq!(e.steps[0].technique, Technique::SecretRead);
    assert!(!e.steps[0].certain);
    // Drawn dashed.
    let m = Model::build(&i);
    let r = Finder::new(&m).report(false);
    assert!(
        r.dot()
            .contains("[label=\"secret-read (kube-system), possible\", style=dashed]"),
        "{}",
        r.dot()
    );
    assert!(
        r.mermaid()
            .contains("-.->|\"secret-read (kube-system), possible\"|")
    );
}

#[test]
fn bind_and_escalate_self_grant() {
    let yaml = cr(
        "rbac-manager",
        r#"[{apiGroups: ["rbac.authorization.k8s.io"], resources: ["clusterroles"], verbs: ["bind"]},
            {apiGroups: ["rbac.authorization.k8s.io"], resources: ["clusterrolebindings"], verbs: ["create"]}]"#,
    ) + &crb("rm", "rbac-manager", "{kind: Group, name: platform}");
    let e = path(&inv(&yaml), "group:platform").expect("a path");
    assert_eq!(
        steps(&e),
        [t(
            "group:platform",
            "cluster-admin",
            Technique::BindEscalate
        )]
    );
    assert_eq!(e.steps[0].grants.len(), 2);
    // bind restricted to another role's name is not enough.
    let yaml = cr(
        "rbac-manager",
        r#"[{apiGroups: ["rbac.authorization.k8s.io"], resources: ["clusterroles"], resourceNames: ["view"], verbs: ["bind"]},
            {apiGroups: ["rbac.authorization.k8s.io"], resources: ["clusterrolebindings"], verbs: ["create"]}]"#,
    ) + &crb("rm", "rbac-manager", "{kind: Group, name: platform}");
    assert!(path(&inv(&yaml), "group:platform").is_none());
    let yaml = cr(
        "role-editor",
        r#"[{apiGroups: ["rbac.authorization.k8s.io"], resources: ["clusterroles"], verbs: ["escalate", "patch"]}]"#,
    ) + &crb("re", "role-editor", "{kind: User, name: trent}");
    let e = path(&inv(&yaml), "user:trent").expect("a path");
    assert_eq!(
        steps(&e),
        [t("user:trent", "cluster-admin", Technique::BindEscalate)]
    );
}

#[test]
fn impersonation() {
    let yaml = cr(
        "imp",
        r#"[{apiGroups: [""], resources: ["groups"], verbs: ["impersonate"]}]"#,
    ) + &crb("imp", "imp", "{kind: User, name: ivan}");
    let e = path(&inv(&yaml), "user:ivan").expect("a path");
    assert_eq!(
        steps(&e),
        [t("user:ivan", "cluster-admin", Technique::Impersonate)]
    );
    // Impersonating one service account that holds cluster-admin.
    let yaml = prize()
        + &role(
            "kube-system",
            "imp",
            r#"[{apiGroups: [""], resources: ["serviceaccounts"], resourceNames: ["backup"], verbs: ["impersonate"]}]"#,
        )
        + &rb(
            "kube-system",
            "imp",
            "Role",
            "imp",
            "{kind: User, name: ivan}",
        );
    let e = path(&inv(&yaml), "user:ivan").expect("a path");
    assert_eq!(
        steps(&e),
        [
            t("user:ivan", "sa:kube-system/backup", Technique::Impersonate),
            t("sa:kube-system/backup", "cluster-admin", Technique::Holds),
        ]
    );
}

#[test]
fn token_creation() {
    let yaml = prize()
        + &role(
            "kube-system",
            "tok",
            r#"[{apiGroups: [""], resources: ["serviceaccounts/token"], verbs: ["create"]}]"#,
        )
        + &rb(
            "kube-system",
            "tok",
            "Role",
            "tok",
            "{kind: ServiceAccount, name: ci, namespace: ci}",
        );
    let e = path(&inv(&yaml), "sa:ci/ci").expect("a path");
    assert_eq!(e.steps[0].technique, Technique::TokenCreate);
    assert_eq!(e.steps[0].to, "sa:kube-system/backup");
}

#[test]
fn nodes_proxy_webhooks_and_csr() {
    let yaml = cr(
        "np",
        r#"[{apiGroups: [""], resources: ["nodes/proxy"], verbs: ["get"]}]"#,
    ) + &crb("np", "np", "{kind: User, name: mon}");
    let e = path(&inv(&yaml), "user:mon").expect("a path");
    assert_eq!(
        steps(&e),
        [t("user:mon", "cluster-admin", Technique::NodesProxy)]
    );

    let yaml = cr(
        "wh",
        r#"[{apiGroups: ["admissionregistration.k8s.io"], resources: ["mutatingwebhookconfigurations"], verbs: ["create"]}]"#,
    ) + &crb(
        "wh",
        "wh",
        "{kind: ServiceAccount, name: operator, namespace: ops}",
    );
    let e = path(&inv(&yaml), "sa:ops/operator").expect("a path");
    assert_eq!(e.steps[0].technique, Technique::WebhookConfiguration);

    let csr = |signer: &str| {
        cr(
            "csr",
            &format!(
                r#"[{{apiGroups: ["certificates.k8s.io"], resources: ["certificatesigningrequests"], verbs: ["create"]}},
                    {{apiGroups: ["certificates.k8s.io"], resources: ["certificatesigningrequests/approval"], verbs: ["update"]}},
                    {{apiGroups: ["certificates.k8s.io"], resources: ["signers"], resourceNames: ["{signer}"], verbs: ["approve"]}}]"#
            ),
        ) + &crb("csr", "csr", "{kind: User, name: carl}")
    };
    let e = path(
        &inv(&csr("kubernetes.io/kube-apiserver-client")),
        "user:carl",
    )
    .expect("a path");
    assert_eq!(e.reaches, CLUSTER_ADMIN);
    assert_eq!(e.steps[0].technique, Technique::CsrApproval);
    assert_eq!(e.steps[0].grants.len(), 3);
    let e = path(
        &inv(&csr("kubernetes.io/kube-apiserver-client-kubelet")),
        "user:carl",
    )
    .expect("a path");
    assert_eq!(e.reaches, NODE_CREDENTIALS);
    // Approval without a signer grant is nothing.
    let yaml = cr(
        "csr",
        r#"[{apiGroups: ["certificates.k8s.io"], resources: ["certificatesigningrequests", "certificatesigningrequests/approval"], verbs: ["create", "update"]}]"#,
    ) + &crb("csr", "csr", "{kind: User, name: carl}");
    assert!(path(&inv(&yaml), "user:carl").is_none());
}

#[test]
fn multi_hop_through_implicit_groups() {
    // Every service account of `build` can create pods in `ops`; the `ops`
    // runner can mint tokens in kube-system; backup there is cluster-admin.
    let yaml = prize()
        + &role(
            "ops",
            "pods",
            r#"[{apiGroups: [""], resources: ["pods"], verbs: ["create"]}]"#,
        )
        + &rb(
            "ops",
            "build-pods",
            "Role",
            "pods",
            "{kind: Group, name: \"system:serviceaccounts:build\"}",
        )
        + &role(
            "kube-system",
            "tok",
            r#"[{apiGroups: [""], resources: ["serviceaccounts/token"], verbs: ["create"]}]"#,
        )
        + &rb(
            "kube-system",
            "runner-tok",
            "Role",
            "tok",
            "{kind: ServiceAccount, name: runner, namespace: ops}",
        )
        + "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: anything, namespace: build}\n";
    let i = inv(&yaml);
    let e = path(&i, "sa:build/anything").expect("a path");
    assert_eq!(
        steps(&e),
        [
            t("sa:build/anything", "sa:ops/runner", Technique::PodCreation),
            t(
                "sa:ops/runner",
                "sa:kube-system/backup",
                Technique::TokenCreate
            ),
            t("sa:kube-system/backup", "cluster-admin", Technique::Holds),
        ]
    );
    // The report lists the path and the admin, with graphs that name every hop.
    let m = Model::build(&i);
    let r = Finder::new(&m).report(false);
    assert!(r.paths.iter().any(|p| p.subject == "sa:ops/runner"));
    // kube-system service accounts are system subjects; kubeadm's admin group is not.
    assert_eq!(r.admins, ["group:kubeadm:cluster-admins"]);
    let dot = r.dot();
    assert!(
        dot.contains(
            "\"sa:ops/runner\" -> \"sa:kube-system/backup\" [label=\"token-create (kube-system)\"]"
        ),
        "{dot}"
    );
    let mer = r.mermaid();
    assert!(mer.starts_with("flowchart LR"));
    assert!(mer.contains("|\"token-create (kube-system)\"|"), "{mer}");
}

#[test]
fn admins_and_system_masters() {
    let yaml = crb("ops", "cluster-admin", "{kind: User, name: alice}");
    let i = inv(&yaml);
    let m = Model::build(&i);
    let r = Finder::new(&m).report(false);
    assert_eq!(r.admins, ["user:alice", "group:kubeadm:cluster-admins"]);
    assert!(r.paths.is_empty());
    // Impersonating a user who is cluster-admin.
    let yaml = crb("ops", "cluster-admin", "{kind: User, name: alice}")
        + &cr(
            "imp",
            r#"[{apiGroups: [""], resources: ["users"], resourceNames: ["alice"], verbs: ["impersonate"]}]"#,
        )
        + &crb("imp", "imp", "{kind: User, name: ivan}");
    let e = path(&inv(&yaml), "user:ivan").expect("a path");
    assert_eq!(
        steps(&e),
        [
            t("user:ivan", "user:alice", Technique::Impersonate),
            t("user:alice", "cluster-admin", Technique::Holds),
        ]
    );
}

#[test]
fn patching_a_controller_counts_as_pod_creation() {
    let yaml = prize()
        + &role(
            "kube-system",
            "patcher",
            r#"[{apiGroups: ["apps"], resources: ["daemonsets"], verbs: ["patch"]}]"#,
        )
        + &rb(
            "kube-system",
            "p",
            "Role",
            "patcher",
            "{kind: User, name: pat}",
        );
    let e = path(&inv(&yaml), "user:pat").expect("a path");
    assert_eq!(e.steps[0].technique, Technique::PodCreation);
    // Patching a pod cannot change its service account.
    let yaml = prize()
        + &role(
            "kube-system",
            "patcher",
            r#"[{apiGroups: [""], resources: ["pods"], verbs: ["patch"]}]"#,
        )
        + &rb(
            "kube-system",
            "p",
            "Role",
            "patcher",
            "{kind: User, name: pat}",
        );
    assert!(path(&inv(&yaml), "user:pat").is_none());
}

#[test]
fn who_can_on_cluster_scoped_resources_ignores_role_bindings() {
    let yaml = cr(
        "np",
        r#"[{apiGroups: [""], resources: ["nodes/proxy"], verbs: ["get"]}]"#,
    ) + &rb(
        "dev",
        "np",
        "ClusterRole",
        "np",
        "{kind: User, name: local}",
    ) + &crb("np", "np", "{kind: User, name: global}");
    let i = inv(&yaml);
    let w = who(&i, "get", "nodes/proxy", Some("dev"));
    assert!(w.contains(&"user:global".to_string()), "{w:?}");
    assert!(!w.contains(&"user:local".to_string()), "{w:?}");
    assert!(path(&i, "user:local").is_none());
}

#[test]
fn identity_named_by_no_binding_still_gets_its_path() {
    // Every authenticated user can create pods in kube-system.
    let yaml = prize()
        + &role(
            "kube-system",
            "pods",
            r#"[{apiGroups: [""], resources: ["pods"], verbs: ["create"]}]"#,
        )
        + &rb(
            "kube-system",
            "everyone",
            "Role",
            "pods",
            "{kind: Group, name: \"system:authenticated\"}",
        );
    let e = path(&inv(&yaml), "user:stranger").expect("a path");
    assert_eq!(
        steps(&e),
        [
            t(
                "user:stranger",
                "sa:kube-system/backup",
                Technique::PodCreation
            ),
            t("sa:kube-system/backup", "cluster-admin", Technique::Holds),
        ]
    );
    assert!(
        e.steps[0].explanation.contains("serviceAccountName backup"),
        "{}",
        e.steps[0].explanation
    );
    assert_eq!(e.steps[0].grants[0].subject, "group:system:authenticated");
}
