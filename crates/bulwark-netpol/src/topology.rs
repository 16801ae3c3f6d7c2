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
    /// Index of the object in the inventory it was read from.
    pub resource: usize,
    /// Its label-equivalence class.
    pub class: usize,
}

impl Workload {
    /// `ns/name[Kind]`, as connlist writes it.
    pub fn display(&self) -> String {
        format!("{}/{}[{}]", self.namespace, self.name, self.kind)
    }

    /// Resolves a named port of `protocol` on this workload's containers.
    pub fn named_port(&self, name: &str, protocol: Protocol) -> Option<u32> {
        self.ports
            .iter()
            .find(|p| p.name == name && p.protocol == protocol)
            .map(|p| p.port)
    }
}

/// Workloads that no policy can tell apart: same namespace, labels, named
/// ports and network mode. Reachability is computed once per class.
#[derive(Clone, Debug)]
pub struct Class {
    pub namespace: String,
    pub labels: Labels,
    pub ports: Vec<NamedPort>,
    pub host_network: bool,
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
        for (idx, r) in inv.resources.iter().enumerate() {
            let kind = r.kind();
            let is_pod = kind == "Pod";
            if !is_pod && !WORKLOAD_KINDS.contains(&kind) {
                continue;
            }
            let Some(view) = PodView::of(r) else {
                continue;
            };
            let ns = namespace_of(r);
            let labels = labels_of(view.meta.and_then(|m| m.get("labels")));
            let ports = named_ports(view.spec);
            let host_network = view.spec.get("hostNetwork") == Some(&Value::Bool(true));
            let (wname, wkind) = if is_pod {
                owner_of(r).unwrap_or_else(|| (r.id.name.clone(), "Pod".to_string()))
            } else {
                (r.id.name.clone(), kind.to_string())
            };
            let key = (ns.clone(), wkind.clone(), wname.clone());
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
                resource: idx,
                class: 0,
            });
        }
        for w in &t.workloads {
            t.namespaces.entry(w.namespace.clone()).or_insert_with(|| {
                Labels::from([(NS_NAME_LABEL.to_string(), w.namespace.clone())])
            });
        }
        t.workloads.sort_by(|a, b| {
            (&a.namespace, &a.name, &a.kind).cmp(&(&b.namespace, &b.name, &b.kind))
        });
        let mut class_of: HashMap<(String, Labels, Vec<NamedPort>, bool), usize> = HashMap::new();
        for (i, w) in t.workloads.iter_mut().enumerate() {
            let mut ports = w.ports.clone();
            ports.sort();
            let key = (w.namespace.clone(), w.labels.clone(), ports, w.host_network);
            let c = *class_of.entry(key).or_insert_with(|| {
                t.classes.push(Class {
                    namespace: w.namespace.clone(),
                    labels: w.labels.clone(),
                    ports: w.ports.clone(),
                    host_network: w.host_network,
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
