//! The endpoints of a cluster: namespaces with their labels, and workloads
//! (pods grouped by their owner) with their labels and named ports.

use std::collections::{BTreeMap, HashMap};

use bulwark_core::pod::PodView;
use bulwark_core::{FieldPath, Inventory, ObjectRef, Resource};
use serde_json::Value;

use crate::conns::Protocol;
use crate::problem::{Level, Problem};
use crate::selector::{Labels, labels_of};

/// The label every namespace carries automatically.
pub const NS_NAME_LABEL: &str = "kubernetes.io/metadata.name";

/// Workload kinds whose pod template makes pods. Pods are grouped under
/// their owner; `PodTemplate` makes no pods by itself.
const WORKLOAD_KINDS: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
];

/// A named container port: what a named port in a policy resolves to.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NamedPort {
    pub name: String,
    pub port: u32,
    pub protocol: Protocol,
}

/// Pods of one owner, seen as one endpoint (`ns/name[Kind]`).
#[derive(Clone, Debug)]
pub struct Workload {
    pub namespace: String,
    pub name: String,
    pub kind: String,
    pub labels: Labels,
    /// Labels of other pods of the same owner when they differ.
    pub label_variants: Vec<Labels>,
    pub ports: Vec<NamedPort>,
    pub host_network: bool,
    /// Primary user-defined network of its namespace (`None`: the pod network).
    pub network: Option<Network>,
    /// Index of the object in the inventory it was read from.
    pub resource: usize,
    /// Its label-equivalence class.
    pub class: usize,
}

impl Workload {
    /// `ns/name[Kind]`, as connlist writes it (`ns[udn]/name[Kind]` on a
    /// namespace's own UserDefinedNetwork).
    pub fn display(&self) -> String {
        let udn = match &self.network {
            Some(n) if !n.cluster => "[udn]",
            _ => "",
        };
        format!("{}{udn}/{}[{}]", self.namespace, self.name, self.kind)
    }

    /// Resolves a named port of `protocol` on this workload's containers.
    pub fn named_port(&self, name: &str, protocol: Protocol) -> Option<u32> {
        self.ports
            .iter()
            .find(|p| p.name == name && p.protocol == protocol)
            .map(|p| p.port)
    }
}

/// An OVN-Kubernetes primary user-defined network: pods on different
/// networks cannot reach each other.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Network {
    pub name: String,
    /// A ClusterUserDefinedNetwork (spans namespaces) rather than a
    /// namespace's UserDefinedNetwork.
    pub cluster: bool,
}

/// Workloads that no policy can tell apart: same namespace, labels, named
/// ports and network mode. Reachability is computed once per class.
#[derive(Clone, Debug)]
pub struct Class {
    pub namespace: String,
    pub labels: Labels,
    pub ports: Vec<NamedPort>,
    pub host_network: bool,
    pub network: Option<Network>,
    pub members: Vec<usize>,
}

impl Class {
    pub fn named_port(&self, name: &str, protocol: Protocol) -> Option<u32> {
        self.ports
            .iter()
            .find(|p| p.name == name && p.protocol == protocol)
            .map(|p| p.port)
    }
}

/// Namespaces and workloads of an inventory.
#[derive(Clone, Debug, Default)]
pub struct Topology {
    /// Namespace name -> labels (with `kubernetes.io/metadata.name`).
    pub namespaces: BTreeMap<String, Labels>,
    pub workloads: Vec<Workload>,
    pub classes: Vec<Class>,
    /// `(namespace, pod name)` -> workload, for pods given as Pod objects.
    pub pods: HashMap<(String, String), usize>,
}

/// Namespace of a namespaced object, `default` when it names none.
pub fn namespace_of(r: &Resource) -> String {
    r.namespace()
        .filter(|n| !n.is_empty())
        .unwrap_or("default")
        .to_string()
}

impl Topology {
    pub fn build(inv: &Inventory, problems: &mut Vec<Problem>) -> Self {
        let mut t = Topology::default();
        let mut ns_seen: HashMap<String, &Resource> = HashMap::new();
        for r in inv.of_kind("Namespace") {
            let name = r.id.name.clone();
            if ns_seen.insert(name.clone(), r).is_some() {
                problems.push(Problem::at(
                    Level::Error,
                    r,
                    &FieldPath::parse("metadata.name"),
                    format!("namespace \"{name}\" is defined more than once"),
                ));
                continue;
            }
            let mut labels = labels_of(r.metadata().and_then(|m| m.get("labels")));
            labels.insert(NS_NAME_LABEL.to_string(), name.clone());
            t.namespaces.insert(name, labels);
        }
        // (namespace, kind, name) -> workload index
        let mut by_owner: HashMap<(String, String, String), usize> = HashMap::new();
        let mut pod_keys = Vec::new();
        for (idx, r) in inv.resources.iter().enumerate() {
            let kind = r.kind();
            let is_pod = kind == "Pod";
            if !is_pod && !WORKLOAD_KINDS.contains(&kind) && kind != "VirtualMachine" {
                continue;
            }
            let (labels, ports, host_network) = if kind == "VirtualMachine" {
                let t = r.value.pointer("/spec/template");
                (
                    labels_of(t.and_then(|t| t.pointer("/metadata/labels"))),
                    vm_ports(t),
                    false,
                )
            } else {
                let Some(view) = PodView::of(r) else {
                    continue;
                };
                if is_pod && is_virt_launcher(r) {
                    problems.push(Problem::at(
                        Level::Warning,
                        r,
                        &FieldPath::parse("metadata.labels"),
                        "virt-launcher pod ignored: its VirtualMachine is the workload",
                    ));
                    continue;
                }
                (
                    labels_of(view.meta.and_then(|m| m.get("labels"))),
                    named_ports(view.spec),
                    view.spec.get("hostNetwork") == Some(&Value::Bool(true)),
                )
            };
            let ns = namespace_of(r);
            let (wname, wkind) = if is_pod {
                owner_of(r).unwrap_or_else(|| (r.id.name.clone(), "Pod".to_string()))
            } else {
                (r.id.name.clone(), kind.to_string())
            };
            let key = (ns.clone(), wkind.clone(), wname.clone());
            if is_pod {
                pod_keys.push(((ns.clone(), r.id.name.clone()), key.clone()));
            }
            if let Some(&w) = by_owner.get(&key) {
                let wl: &mut Workload = &mut t.workloads[w];
                if wl.labels != labels && !wl.label_variants.contains(&labels) {
                    wl.label_variants.push(labels);
                }
                for p in ports {
                    if !wl.ports.contains(&p) {
                        wl.ports.push(p);
                    }
                }
                continue;
            }
            by_owner.insert(key, t.workloads.len());
            t.workloads.push(Workload {
                namespace: ns,
                name: wname,
                kind: wkind,
                labels,
                label_variants: Vec::new(),
                ports,
                host_network,
                network: None,
                resource: idx,
                class: 0,
            });
        }
        for w in &t.workloads {
            t.namespaces.entry(w.namespace.clone()).or_insert_with(|| {
                Labels::from([(NS_NAME_LABEL.to_string(), w.namespace.clone())])
            });
        }
        let networks = primary_networks(inv, &t.namespaces, &ns_seen, problems);
        for w in &mut t.workloads {
            w.network = networks.get(&w.namespace).cloned();
        }
        t.workloads.sort_by(|a, b| {
            (&a.namespace, &a.name, &a.kind).cmp(&(&b.namespace, &b.name, &b.kind))
        });
        let index: HashMap<(String, String, String), usize> = t
            .workloads
            .iter()
            .enumerate()
            .map(|(i, w)| ((w.namespace.clone(), w.kind.clone(), w.name.clone()), i))
            .collect();
        for (pod, key) in pod_keys {
            if let Some(&w) = index.get(&key) {
                t.pods.insert(pod, w);
            }
        }
        type ClassKey = (String, Labels, Vec<NamedPort>, bool, Option<Network>);
        let mut class_of: HashMap<ClassKey, usize> = HashMap::new();
        for (i, w) in t.workloads.iter_mut().enumerate() {
            let mut ports = w.ports.clone();
            ports.sort();
            let key = (
                w.namespace.clone(),
                w.labels.clone(),
                ports,
                w.host_network,
                w.network.clone(),
            );
            let c = *class_of.entry(key).or_insert_with(|| {
                t.classes.push(Class {
                    namespace: w.namespace.clone(),
                    labels: w.labels.clone(),
                    ports: w.ports.clone(),
                    host_network: w.host_network,
                    network: w.network.clone(),
                    members: Vec::new(),
                });
                t.classes.len() - 1
            });
            w.class = c;
            t.classes[c].members.push(i);
        }
        t
    }

    /// Finds a workload by `ns/name`, `ns/name[Kind]` or a bare name.
    pub fn find(&self, spec: &str) -> Vec<usize> {
        let (base, kind) = match spec.strip_suffix(']').and_then(|s| s.rsplit_once('[')) {
            Some((b, k)) => (b, Some(k)),
            None => (spec, None),
        };
        let (ns, name) = match base.split_once('/') {
            Some((n, m)) => (Some(n), m),
            None => (None, base),
        };
        (0..self.workloads.len())
            .filter(|&i| {
                let w = &self.workloads[i];
                w.name == name
                    && ns.is_none_or(|n| n == w.namespace)
                    && kind.is_none_or(|k| k.eq_ignore_ascii_case(&w.kind))
            })
            .collect()
    }

    /// The workload of a pod or workload named `ns/name`: a workload of that
    /// name, a Pod object of that name, or the workload whose name prefixes
    /// the pod's generated name (`web-5d9f7-x2x4k` -> `web`).
    pub fn resolve(&self, ns: &str, name: &str) -> Option<usize> {
        if let Some(&w) = self.pods.get(&(ns.to_string(), name.to_string())) {
            return Some(w);
        }
        let in_ns = || {
            self.workloads
                .iter()
                .enumerate()
                .filter(|(_, w)| w.namespace == ns)
        };
        if let Some((i, _)) = in_ns().find(|(_, w)| w.name == name) {
            return Some(i);
        }
        in_ns()
            .filter(|(_, w)| {
                name.strip_prefix(w.name.as_str())
                    .is_some_and(|rest| rest.starts_with('-'))
            })
            .max_by_key(|(_, w)| w.name.len())
            .map(|(i, _)| i)
    }

    pub fn namespace_labels(&self, ns: &str) -> Option<&Labels> {
        self.namespaces.get(ns)
    }
}

/// The controller owner of a pod (`name`, `Kind`).
fn owner_of(r: &Resource) -> Option<(String, String)> {
    let refs = r.metadata()?.get("ownerReferences")?.as_array()?;
    let pick = refs
        .iter()
        .find(|o| o.get("controller") == Some(&Value::Bool(true)))
        .or_else(|| refs.first())?;
    // Static pods are "owned" by their Node: each is its own workload.
    let kind = pick.get("kind").and_then(Value::as_str).unwrap_or("Pod");
    if kind == "Node" {
        return None;
    }
    Some((pick.get("name")?.as_str()?.to_string(), kind.to_string()))
}

fn named_ports(spec: &Value) -> Vec<NamedPort> {
    let mut out = Vec::new();
    for list in ["containers", "initContainers"] {
        let Some(cs) = spec.get(list).and_then(Value::as_array) else {
            continue;
        };
        for c in cs {
            let Some(ps) = c.get("ports").and_then(Value::as_array) else {
                continue;
            };
            for p in ps {
                let (Some(name), Some(port)) = (
                    p.get("name").and_then(Value::as_str),
                    p.get("containerPort").and_then(Value::as_u64),
                ) else {
                    continue;
                };
                let protocol = p
                    .get("protocol")
                    .and_then(Value::as_str)
                    .and_then(Protocol::parse)
                    .unwrap_or(Protocol::Tcp);
                out.push(NamedPort {
                    name: name.to_string(),
                    port: port.min(u64::from(u32::MAX)) as u32,
                    protocol,
                });
            }
        }
    }
    out
}

/// Identity of a workload for reports.
pub fn workload_ref(inv: &Inventory, w: &Workload) -> ObjectRef {
    inv.resources[w.resource].id.clone()
}

/// Label OVN-Kubernetes requires on a namespace that uses a primary UDN.
const PRIMARY_UDN_LABEL: &str = "k8s.ovn.org/primary-user-defined-network";

fn primary_role(net: Option<&Value>) -> bool {
    let Some(n) = net else { return false };
    ["layer2", "layer3"]
        .iter()
        .any(|l| n.pointer(&format!("/{l}/role")).and_then(Value::as_str) == Some("Primary"))
}

/// Namespace -> its primary user-defined network, from UserDefinedNetworks
/// and ClusterUserDefinedNetworks with role Primary.
fn primary_networks(
    inv: &Inventory,
    namespaces: &BTreeMap<String, Labels>,
    ns_objects: &HashMap<String, &Resource>,
    problems: &mut Vec<Problem>,
) -> BTreeMap<String, Network> {
    let mut out: BTreeMap<String, Network> = BTreeMap::new();
    let mut assign = |ns: &str, net: Network, r: &Resource, problems: &mut Vec<Problem>| {
        if !ns_objects.contains_key(ns) {
            problems.push(Problem::at(
                Level::Warning,
                r,
                &FieldPath::parse("metadata"),
                format!(
                    "namespace \"{ns}\" of network \"{}\" is not in the input: the network is ignored for it",
                    net.name
                ),
            ));
            return;
        }
        let labelled = namespaces
            .get(ns)
            .is_some_and(|l| l.contains_key(PRIMARY_UDN_LABEL));
        if !labelled {
            problems.push(Problem::at(
                Level::Warning,
                r,
                &FieldPath::parse("metadata"),
                format!(
                    "namespace \"{ns}\" lacks the label {PRIMARY_UDN_LABEL}: it does not use network \"{}\"",
                    net.name
                ),
            ));
            return;
        }
        if let Some(old) = out.get(ns) {
            if *old != net {
                problems.push(Problem::at(
                    Level::Error,
                    r,
                    &FieldPath::parse("spec"),
                    format!(
                        "namespace \"{ns}\" has two primary networks: \"{}\" and \"{}\"",
                        old.name, net.name
                    ),
                ));
            }
            return;
        }
        out.insert(ns.to_string(), net);
    };
    for r in inv.of_kind("UserDefinedNetwork") {
        let ns = namespace_of(r);
        let mut bad = check_network_spec(r, r.value.get("spec"), "spec");
        if r.id.name == "default" {
            bad.push("a UserDefinedNetwork may not be named \"default\"".into());
        }
        if ns == "default" || ns.starts_with("openshift-") || ns.starts_with("kube-") {
            bad.push(format!(
                "a UserDefinedNetwork may not be created in namespace \"{ns}\""
            ));
        }
        if !bad.is_empty() {
            for b in bad {
                problems.push(Problem::at(Level::Error, r, &FieldPath::parse("spec"), b));
            }
            continue;
        }
        if !primary_role(r.value.get("spec")) {
            continue;
        }
        let net = Network {
            name: format!("{ns}/{}", r.id.name),
            cluster: false,
        };
        assign(&ns, net, r, problems);
    }
    for r in inv.of_kind("ClusterUserDefinedNetwork") {
        let bad = check_network_spec(r, r.value.pointer("/spec/network"), "spec.network");
        if !bad.is_empty() {
            for b in bad {
                problems.push(Problem::at(
                    Level::Error,
                    r,
                    &FieldPath::parse("spec.network"),
                    b,
                ));
            }
            continue;
        }
        if !primary_role(r.value.pointer("/spec/network")) {
            continue;
        }
        let Some(sel) = r
            .value
            .pointer("/spec/namespaceSelector")
            .and_then(|v| crate::selector::Selector::parse(v).ok())
        else {
            continue;
        };
        for (ns, labels) in namespaces {
            if sel.matches(labels) {
                let net = Network {
                    name: r.id.name.clone(),
                    cluster: true,
                };
                assign(ns, net, r, problems);
            }
        }
    }
    out
}

/// Validation of a (C)UDN network spec: topology, its matching section and
/// the role.
fn check_network_spec(r: &Resource, net: Option<&Value>, at: &str) -> Vec<String> {
    let mut bad = Vec::new();
    let name = r.id.display();
    let Some(net) = net else {
        return vec![format!("{name}: {at} is missing")];
    };
    let topo = net.get("topology").and_then(Value::as_str).unwrap_or("");
    let section = match topo {
        "Layer2" => "layer2",
        "Layer3" => "layer3",
        other => {
            bad.push(format!(
                "{name}: invalid value \"{other}\" for key topology (Layer2 or Layer3)"
            ));
            return bad;
        }
    };
    let Some(sec) = net.get(section) else {
        bad.push(format!(
            "{name}: topology is {topo} but {at}.{section} is not set"
        ));
        return bad;
    };
    match sec.get("role").and_then(Value::as_str) {
        Some("Primary" | "Secondary") => {}
        other => bad.push(format!(
            "{name}: invalid value {:?} for key role (Primary or Secondary)",
            other.unwrap_or("")
        )),
    }
    bad
}

fn is_virt_launcher(r: &Resource) -> bool {
    r.labels()
        .and_then(|l| l.get("kubevirt.io"))
        .and_then(Value::as_str)
        == Some("virt-launcher")
}

/// Named ports of a VirtualMachine's interfaces.
fn vm_ports(template: Option<&Value>) -> Vec<NamedPort> {
    let mut out = Vec::new();
    let ifs = template
        .and_then(|t| t.pointer("/spec/domain/devices/interfaces"))
        .and_then(Value::as_array);
    for i in ifs.into_iter().flatten() {
        for p in crate::value_array(i.get("ports")) {
            let (Some(name), Some(port)) = (
                p.get("name").and_then(Value::as_str),
                p.get("port").and_then(Value::as_u64),
            ) else {
                continue;
            };
            out.push(NamedPort {
                name: name.to_string(),
                port: port.min(65535) as u32,
                protocol: p
                    .get("protocol")
                    .and_then(Value::as_str)
                    .and_then(Protocol::parse)
                    .unwrap_or(Protocol::Tcp),
            });
        }
    }
    out
}
