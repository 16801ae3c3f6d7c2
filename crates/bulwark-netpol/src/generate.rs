//! Least-privilege NetworkPolicies from observed traffic, and their proof:
//! with the generated policies in place of the existing ones, every
//! observed flow is allowed and every other pair is denied.

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

use bulwark_core::{Inventory, Origin, Resource};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::conns::{ConnSet, Protocol};
use crate::flows::Flow;
use crate::model::{Model, Options};
use crate::reach::Endpoint;
use crate::topology::{NS_NAME_LABEL, Workload};

/// Namespaces left alone: their system pods (kube-dns first) must keep
/// working, and policies there are the platform's business.
const SYSTEM_NAMESPACES: &[&str] = &["kube-system", "kube-public", "kube-node-lease"];

/// The generated policies and what the proof found.
#[derive(Debug, Serialize)]
pub struct Generated {
    #[serde(skip)]
    pub policies: Vec<Value>,
    /// Observed flows the generated policies do not allow (should be none).
    pub missing: Vec<String>,
    /// Pairs the generated policies allow beyond the observed flows
    /// (should be none besides DNS).
    pub extra: Vec<String>,
    /// Workloads or flows that could not be expressed, and why.
    pub skipped: Vec<String>,
}

impl Generated {
    pub fn proven(&self) -> bool {
        self.missing.is_empty() && self.extra.is_empty()
    }

    /// Every policy as a YAML stream.
    pub fn yaml(&self) -> String {
        self.policies
            .iter()
            .map(|p| format!("---\n{}", crate::yaml::to_yaml(p)))
            .collect()
    }
}

fn selector_of(w: &Workload) -> Value {
    Value::Object(
        w.labels
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect::<Map<_, _>>(),
    )
}

fn peer_of(w: &Workload) -> Value {
    json!({
        "namespaceSelector": {"matchLabels": {NS_NAME_LABEL: w.namespace}},
        "podSelector": {"matchLabels": selector_of(w)}
    })
}

fn ports_of(set: &BTreeSet<(Protocol, u32)>) -> Value {
    Value::Array(
        set.iter()
            .map(|(p, n)| json!({"protocol": p.as_str(), "port": n}))
            .collect(),
    )
}

type PeerPorts = BTreeMap<Endpoint, BTreeSet<(Protocol, u32)>>;

fn rules(model: &Model, peers: &PeerPorts, field: &str) -> Vec<Value> {
    peers
        .iter()
        .map(|(e, ports)| {
            let peer = match e {
                Endpoint::Workload(w) => peer_of(&model.topo.workloads[*w]),
                Endpoint::External(ip, _) => {
                    json!({"ipBlock": {"cidr": format!("{}/32", Ipv4Addr::from(*ip))}})
                }
            };
            json!({field: [peer], "ports": ports_of(ports)})
        })
        .collect()
}

fn np(ns: &str, name: &str, selector: Value, spec: Value) -> Value {
    let mut spec = spec;
    spec["podSelector"] = selector;
    json!({
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": ns, "labels": {"app.kubernetes.io/managed-by": "bulwark"}},
        "spec": spec
    })
}

fn dns_conns() -> ConnSet {
    ConnSet::ports(Protocol::Udp, 53, 53).union(&ConnSet::ports(Protocol::Tcp, 53, 53))
}

/// Writes policies for the flows and proves them on `inv`'s workloads.
pub fn generate(inv: &Inventory, model: &Model, flows: &[Flow]) -> Generated {
    let mut skipped = Vec::new();
    let mut ingress: BTreeMap<usize, PeerPorts> = BTreeMap::new();
    let mut egress: BTreeMap<usize, PeerPorts> = BTreeMap::new();
    let mut observed: BTreeMap<(Endpoint, Endpoint), BTreeSet<(Protocol, u32)>> = BTreeMap::new();
    for f in flows {
        let res = |e: &crate::flows::FlowEnd| match e {
            crate::flows::FlowEnd::Ip(ip) => Some(Endpoint::External(*ip, *ip)),
            crate::flows::FlowEnd::Named { namespace, name } => {
                model.topo.resolve(namespace, name).map(Endpoint::Workload)
            }
        };
        let (Some(s), Some(d)) = (res(&f.src), res(&f.dst)) else {
            skipped.push(format!(
                "flow on line {}: an endpoint is not in the inputs",
                f.line
            ));
            continue;
        };
        let port = (f.protocol, f.port);
        observed.entry((s, d)).or_default().insert(port);
        if let Endpoint::Workload(w) = s {
            egress
                .entry(w)
                .or_default()
                .entry(d)
                .or_default()
                .insert(port);
        }
        if let Endpoint::Workload(w) = d {
            ingress
                .entry(w)
                .or_default()
                .entry(s)
                .or_default()
                .insert(port);
        }
    }
    let ws = &model.topo.workloads;
    let in_scope = |w: &Workload| !SYSTEM_NAMESPACES.contains(&w.namespace.as_str());
    let namespaces: BTreeSet<&str> = ws
        .iter()
        .filter(|w| in_scope(w))
        .map(|w| w.namespace.as_str())
        .collect();
    let mut policies = Vec::new();
    for ns in &namespaces {
        policies.push(np(
            ns,
            "default-deny",
            json!({}),
            json!({"policyTypes": ["Ingress", "Egress"]}),
        ));
        policies.push(np(
            ns,
            "allow-dns",
            json!({}),
            json!({"policyTypes": ["Egress"], "egress": [{
                "to": [{"namespaceSelector": {"matchLabels": {NS_NAME_LABEL: "kube-system"}},
                        "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
                "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}]}),
        ));
    }
    for (i, w) in ws.iter().enumerate() {
        if !in_scope(w) {
            continue;
        }
        let (ing, eg) = (ingress.get(&i), egress.get(&i));
        if ing.is_none() && eg.is_none() {
            continue;
        }
        if w.labels.is_empty() {
            skipped.push(format!(
                "{}: its pods have no labels to select them by",
                w.display()
            ));
            continue;
        }
        let mut spec = json!({"policyTypes": []});
        let mut types = Vec::new();
        if let Some(p) = ing {
            types.push("Ingress");
            spec["ingress"] = Value::Array(rules(model, p, "from"));
        }
        if let Some(p) = eg {
            types.push("Egress");
            spec["egress"] = Value::Array(rules(model, p, "to"));
        }
        spec["policyTypes"] = json!(types);
        policies.push(np(
            &w.namespace,
            &format!("{}-allow", w.name),
            json!({"matchLabels": selector_of(w)}),
            spec,
        ));
    }
    // The proof: the inputs without their network policies, plus ours.
    let mut resources: Vec<Resource> = inv
        .iter()
        .filter(|r| !r.kind().ends_with("NetworkPolicy"))
        .cloned()
        .collect();
    resources.extend(
        policies
            .iter()
            .map(|p| Resource::new(p.clone(), Origin::default(), None)),
    );
    let check = Model::build(&Inventory::new(resources), Options::default());
    let mut missing = Vec::new();
    let mut extra = Vec::new();
    if check.has_errors() {
        missing.push("the generated policies do not validate".into());
    }
    let reach = check.reachability();
    // The proof model lists workloads in the same order (same inputs).
    let name = |e: Endpoint| check.endpoint_name(e);
    let mut allowed: BTreeMap<(Endpoint, Endpoint), ConnSet> = BTreeMap::new();
    for c in &reach.conns {
        allowed.insert((c.src, c.dst), c.conns.clone());
    }
    let allows_ext = |s: Endpoint, d: Endpoint, p: Protocol, n: u32| -> bool {
        reach.conns.iter().any(|c| {
            let cover = |a: Endpoint, b: Endpoint| match (a, b) {
                (Endpoint::External(lo, hi), Endpoint::External(x, _)) => lo <= x && x <= hi,
                (a, b) => a == b,
            };
            cover(c.src, s) && cover(c.dst, d) && c.conns.allows(p, n)
        })
    };
    for ((s, d), ports) in &observed {
        for &(p, n) in ports {
            if !allows_ext(*s, *d, p, n) {
                missing.push(format!("{} => {} : {} {n}", name(*s), name(*d), p.as_str()));
            }
        }
    }
    for ((s, d), c) in &allowed {
        let (Endpoint::Workload(a), Endpoint::Workload(b)) = (*s, *d) else {
            continue;
        };
        if !in_scope(&ws[a]) && !in_scope(&ws[b]) {
            continue;
        }
        let mut want = ConnSet::none();
        for (p, n) in observed.get(&(*s, *d)).into_iter().flatten() {
            want = want.union(&ConnSet::ports(*p, *n, *n));
        }
        if ws[b].namespace == "kube-system"
            && ws[b].labels.get("k8s-app").is_some_and(|v| v == "kube-dns")
        {
            want = want.union(&dns_conns());
        }
        let beyond = c.subtract(&want);
        if !beyond.is_empty() {
            extra.push(format!("{} => {} : {}", name(*s), name(*d), beyond));
        }
    }
    Generated {
        policies,
        missing,
        extra,
        skipped,
    }
}
