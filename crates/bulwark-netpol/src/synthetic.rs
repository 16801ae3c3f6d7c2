//! A synthetic cluster for benchmarks: many namespaces, workloads and
//! policies of the usual shapes (default deny, DNS egress, tier-to-tier
//! allows, cross-namespace selectors, ipBlocks, named ports).

use bulwark_core::{Inventory, Origin, Resource};
use serde_json::{Value, json};

fn res(v: Value) -> Resource {
    Resource::new(v, Origin::default(), None)
}

const TIERS: [&str; 3] = ["frontend", "backend", "db"];

/// `namespaces` namespaces with `workloads` workloads and `policies`
/// NetworkPolicies spread evenly over them.
pub fn cluster(namespaces: usize, workloads: usize, policies: usize) -> Inventory {
    let mut out = Vec::new();
    let per_ns = workloads.div_ceil(namespaces.max(1));
    let pol_per_ns = policies.div_ceil(namespaces.max(1));
    let mut w_left = workloads;
    let mut p_left = policies;
    for i in 0..namespaces {
        let ns = format!("ns-{i}");
        out.push(res(json!({
            "apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": ns, "labels": {"team": format!("t{}", i % 10), "env": if i % 2 == 0 {"prod"} else {"dev"}}}
        })));
        for j in 0..per_ns.min(w_left) {
            let tier = TIERS[j % 3];
            out.push(res(json!({
                "apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": format!("app-{j}"), "namespace": ns},
                "spec": {"template": {
                    "metadata": {"labels": {"app": format!("app-{j}"), "tier": tier}},
                    "spec": {"containers": [{"name": "c", "image": "x",
                        "ports": [{"name": "http", "containerPort": 8080 + (j % 3)}]}]}
                }}
            })));
        }
        w_left = w_left.saturating_sub(per_ns);
        for k in 0..pol_per_ns.min(p_left) {
            let name = format!("p-{k}");
            let spec = match k % 5 {
                0 => json!({"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}),
                1 => json!({"podSelector": {}, "policyTypes": ["Egress"], "egress": [{
                    "to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}}],
                    "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}]}),
                2 => {
                    let t = k / 5 % 3;
                    json!({"podSelector": {"matchLabels": {"tier": TIERS[t]}}, "policyTypes": ["Ingress", "Egress"],
                        "ingress": [{"from": [{"podSelector": {"matchLabels": {"tier": TIERS[(t + 2) % 3]}}}], "ports": [{"port": "http"}]}],
                        "egress": [{"to": [{"podSelector": {"matchLabels": {"tier": TIERS[(t + 1) % 3]}}}], "ports": [{"port": "http"}]}]})
                }
                3 => {
                    json!({"podSelector": {"matchLabels": {"app": format!("app-{}", k % per_ns.max(1))}},
                    "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"team": format!("t{}", (i + 1) % 10)}},
                        "podSelector": {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["frontend", "backend"]}]}}],
                        "ports": [{"port": 8000, "endPort": 8100}]}]})
                }
                _ => {
                    json!({"podSelector": {"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["db"]}]},
                    "policyTypes": ["Ingress", "Egress"],
                    "ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": [format!("10.{}.0.0/16", i % 256)]}}]}],
                    "egress": [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["169.254.169.254/32"]}}], "ports": [{"port": 443}]}]})
                }
            };
            out.push(res(json!({
                "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                "metadata": {"name": name, "namespace": ns}, "spec": spec
            })));
        }
        p_left = p_left.saturating_sub(pol_per_ns);
    }
    Inventory::new(out)
}
