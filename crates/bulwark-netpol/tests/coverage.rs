//! Each coverage rule: a fixture that fires and one that does not; and the
//! repository's examples.

use std::path::PathBuf;

use bulwark_core::{Analyzer, Finding, Inventory, Severity};
use bulwark_load::{LoadOptions, load_paths, load_str};
use bulwark_netpol::NetpolAnalyzer;

fn findings(yaml: &str) -> Vec<Finding> {
    let loaded = load_str("fixture.yaml", yaml, &LoadOptions::default());
    assert!(loaded.summary.errors.is_empty());
    let mut out = Vec::new();
    NetpolAnalyzer.analyze(&Inventory::new(loaded.resources), &mut out);
    out
}

fn fired<'a>(f: &'a [Finding], rule: &str) -> Vec<&'a Finding> {
    f.iter().filter(|x| x.rule_id == rule).collect()
}

const NS: &str = "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n";
const WEB: &str = "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: c, image: x}]}\n";
const EDGE: &str = "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ingress-nginx-controller, namespace: shop}\nspec:\n  template:\n    metadata: {labels: {app.kubernetes.io/name: ingress-nginx}}\n    spec: {containers: [{name: c, image: x}]}\n";
const DENY_ALL: &str = "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: shop}\nspec:\n  podSelector: {}\n  policyTypes: [Ingress, Egress]\n";

fn np(name: &str, spec: &str) -> String {
    format!(
        "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: {name}, namespace: shop}}\nspec:\n{spec}"
    )
}

#[test]
fn default_deny_per_namespace() {
    let f = findings(&format!("{NS}{WEB}"));
    let ing = fired(&f, "netpol-namespace-no-default-deny-ingress");
    assert_eq!(ing.len(), 1);
    assert_eq!(ing[0].object.kind, "Namespace");
    assert!(ing[0].location.as_ref().unwrap().line.is_some());
    assert_eq!(
        fired(&f, "netpol-namespace-no-default-deny-egress").len(),
        1
    );
    // Ingress-only default deny: egress still fires.
    let f = findings(&format!("{NS}{WEB}{}", np("d", "  podSelector: {}\n")));
    assert!(fired(&f, "netpol-namespace-no-default-deny-ingress").is_empty());
    assert_eq!(
        fired(&f, "netpol-namespace-no-default-deny-egress").len(),
        1
    );
    let f = findings(&format!("{NS}{WEB}{DENY_ALL}"));
    assert!(fired(&f, "netpol-namespace-no-default-deny-ingress").is_empty());
    assert!(fired(&f, "netpol-namespace-no-default-deny-egress").is_empty());
    // A policy selecting everything but allowing something is no default deny.
    let f = findings(&format!(
        "{NS}{WEB}{}",
        np("a", "  podSelector: {}\n  ingress: [{}]\n")
    ));
    assert_eq!(
        fired(&f, "netpol-namespace-no-default-deny-ingress").len(),
        1
    );
    // No workloads: nothing to say about the namespace.
    assert!(findings(NS).is_empty());
}

#[test]
fn workloads_selected_by_no_policy() {
    let f = findings(&format!("{NS}{WEB}"));
    let w = fired(&f, "netpol-workload-no-ingress-policy");
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].path.to_string(), "spec.template.metadata.labels");
    assert_eq!(fired(&f, "netpol-workload-no-egress-policy").len(), 1);
    let f = findings(&format!(
        "{NS}{WEB}{}",
        np(
            "e",
            "  podSelector: {matchLabels: {app: web}}\n  policyTypes: [Egress]\n"
        )
    ));
    assert_eq!(fired(&f, "netpol-workload-no-ingress-policy").len(), 1);
    assert!(fired(&f, "netpol-workload-no-egress-policy").is_empty());
    let f = findings(&format!("{NS}{WEB}{DENY_ALL}"));
    assert!(fired(&f, "netpol-workload-no-ingress-policy").is_empty());
    assert!(fired(&f, "netpol-workload-no-egress-policy").is_empty());
}

#[test]
fn selector_matching_nothing() {
    let stale = np("stale", "  podSelector: {matchLabels: {app: wbe}}\n");
    let f = findings(&format!("{NS}{WEB}{stale}"));
    assert_eq!(fired(&f, "netpol-selector-matches-nothing").len(), 1);
    let ok = np("ok", "  podSelector: {matchLabels: {app: web}}\n");
    assert!(
        fired(
            &findings(&format!("{NS}{WEB}{ok}")),
            "netpol-selector-matches-nothing"
        )
        .is_empty()
    );
    // Without workloads in the namespace there is nothing to compare with.
    assert!(fired(&findings(&stale), "netpol-selector-matches-nothing").is_empty());
}

#[test]
fn ingress_from_anywhere() {
    let open = np(
        "open",
        "  podSelector: {}\n  ingress:\n  - from: [{ipBlock: {cidr: 0.0.0.0/0}}]\n    ports: [{port: 443}]\n",
    );
    let f = findings(&format!("{NS}{WEB}{open}"));
    let x = fired(&f, "netpol-ingress-from-anywhere");
    assert_eq!(x.len(), 1);
    assert_eq!(x[0].severity, Severity::High);
    assert!(x[0].message.contains("shop/web[Deployment]"));
    let all_ns = np(
        "allns",
        "  podSelector: {}\n  ingress:\n  - from: [{namespaceSelector: {}}]\n    ports: [{port: 443}]\n",
    );
    let f = findings(&format!("{NS}{WEB}{all_ns}"));
    assert_eq!(
        fired(&f, "netpol-ingress-from-anywhere")[0].severity,
        Severity::Medium
    );
    // Only the ingress controller is selected: fine.
    let edge_only = np(
        "edge",
        "  podSelector: {matchLabels: {app.kubernetes.io/name: ingress-nginx}}\n  ingress:\n  - ports: [{port: 443}]\n",
    );
    assert!(
        fired(
            &findings(&format!("{NS}{WEB}{EDGE}{edge_only}")),
            "netpol-ingress-from-anywhere"
        )
        .is_empty()
    );
    // A namespaceSelector with a podSelector is not "every namespace".
    let narrow = np(
        "n",
        "  podSelector: {}\n  ingress:\n  - from: [{namespaceSelector: {}, podSelector: {matchLabels: {app: x}}}]\n",
    );
    assert!(
        fired(
            &findings(&format!("{NS}{WEB}{narrow}")),
            "netpol-ingress-from-anywhere"
        )
        .is_empty()
    );
}

#[test]
fn egress_to_cloud_metadata() {
    let exact = np(
        "m",
        "  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - to: [{ipBlock: {cidr: 169.254.169.254/32}}]\n    ports: [{port: 80}]\n",
    );
    let f = findings(&format!("{NS}{WEB}{exact}"));
    let x = fired(&f, "netpol-egress-to-cloud-metadata");
    assert_eq!(x.len(), 1);
    assert_eq!(x[0].severity, Severity::High);
    assert_eq!(x[0].path.to_string(), "spec.egress[0].to[0].ipBlock");
    let broad = np(
        "b",
        "  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - to: [{ipBlock: {cidr: 0.0.0.0/0}}]\n    ports: [{port: 443}]\n",
    );
    assert_eq!(
        fired(&findings(&broad), "netpol-egress-to-cloud-metadata")[0].severity,
        Severity::Medium
    );
    let excepted = np(
        "x",
        "  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - to: [{ipBlock: {cidr: 0.0.0.0/0, except: [169.254.169.254/32]}}]\n    ports: [{port: 443}]\n",
    );
    assert!(fired(&findings(&excepted), "netpol-egress-to-cloud-metadata").is_empty());
}

#[test]
fn egress_to_anywhere() {
    let rule = "netpol-egress-to-anywhere";
    // No `to`, every port: medium, at the rule.
    let open = np(
        "o",
        "  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - {}\n",
    );
    let f = findings(&format!("{NS}{WEB}{open}"));
    let x = fired(&f, rule);
    assert_eq!(x.len(), 1);
    assert_eq!(x[0].severity, Severity::Medium);
    assert_eq!(x[0].path.to_string(), "spec.egress[0]");
    assert!(
        x[0].message.contains("every destination on every port"),
        "{}",
        x[0].message
    );
    // 0.0.0.0/0 minus the private ranges is still the internet; with ports: low.
    let public = np(
        "p",
        "  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - to: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16]}}]\n    ports: [{port: 443}]\n",
    );
    let f = findings(&format!("{NS}{WEB}{public}"));
    let x = fired(&f, rule);
    assert_eq!(x.len(), 1);
    assert_eq!(x[0].severity, Severity::Low);
    assert!(
        x[0].message
            .contains("an ipBlock of 99.6% of IPv4 on 1 listed port(s)"),
        "{}",
        x[0].message
    );
    // DNS to anywhere, a narrow CIDR, and pods in a namespace: not reported.
    for quiet in [
        "  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - ports: [{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]\n",
        "  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - to: [{ipBlock: {cidr: 203.0.113.0/24}}]\n",
        "  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - to: [{namespaceSelector: {matchLabels: {team: db}}}]\n",
    ] {
        let f = findings(&format!("{NS}{WEB}{}", np("q", quiet)));
        assert!(fired(&f, rule).is_empty(), "{quiet}");
    }
}

#[test]
fn allow_all_ports() {
    let any = np(
        "a",
        "  podSelector: {}\n  ingress:\n  - from: [{podSelector: {}}]\n",
    );
    assert_eq!(fired(&findings(&any), "netpol-allow-all-ports").len(), 1);
    let ports = np(
        "p",
        "  podSelector: {}\n  ingress:\n  - from: [{podSelector: {}}]\n    ports: [{port: 80}]\n",
    );
    assert!(fired(&findings(&ports), "netpol-allow-all-ports").is_empty());
}

#[test]
fn policy_types_mismatch() {
    let bad = np(
        "t",
        "  podSelector: {}\n  policyTypes: [Ingress]\n  egress:\n  - ports: [{port: 53, protocol: UDP}]\n",
    );
    let f = findings(&bad);
    let x = fired(&f, "netpol-policy-types-mismatch");
    assert_eq!(x.len(), 1);
    assert_eq!(x[0].path.to_string(), "spec.egress");
    let good = np(
        "t",
        "  podSelector: {}\n  policyTypes: [Ingress, Egress]\n  egress:\n  - ports: [{port: 53, protocol: UDP}]\n",
    );
    assert!(fired(&findings(&good), "netpol-policy-types-mismatch").is_empty());
    // Inferred types never mismatch.
    let inferred = np(
        "t",
        "  podSelector: {}\n  egress:\n  - ports: [{port: 53, protocol: UDP}]\n",
    );
    assert!(fired(&findings(&inferred), "netpol-policy-types-mismatch").is_empty());
}

#[test]
fn invalid_policy_is_a_finding_with_a_line() {
    let bad = np(
        "bad",
        "  podSelector: {}\n  ingress:\n  - from: [{ipBlock: {cidr: 10.0.0.0/99}}]\n",
    );
    let f = findings(&format!("{NS}{WEB}{bad}"));
    let x = fired(&f, "netpol-invalid-policy");
    assert_eq!(x.len(), 1);
    assert!(x[0].location.as_ref().unwrap().line.is_some());
}

fn example(name: &str) -> Vec<Finding> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples")).join(name);
    let loaded = load_paths(&[dir], &LoadOptions::default());
    let mut out = Vec::new();
    NetpolAnalyzer.analyze(&Inventory::new(loaded.resources), &mut out);
    out
}

#[test]
fn hardened_example_has_no_high_or_critical_network_finding() {
    let bad: Vec<_> = example("hardened")
        .into_iter()
        .filter(|f| f.severity >= Severity::High)
        .map(|f| format!("{} {}", f.rule_id, f.message))
        .collect();
    assert!(bad.is_empty(), "{bad:#?}");
}

#[test]
fn insecure_example_is_open() {
    let f = example("insecure");
    for rule in [
        "netpol-ingress-from-anywhere",
        "netpol-namespace-no-default-deny-ingress",
        "netpol-allow-all-ports",
    ] {
        assert!(!fired(&f, rule).is_empty(), "{rule} did not fire: {f:#?}");
    }
}
