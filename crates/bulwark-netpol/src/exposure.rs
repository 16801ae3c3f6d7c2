//! Exposure through Ingress and OpenShift Route objects: what the ingress
//! controller may reach, as `{ingress-controller} => ns/workload : conns`.
//! The controller is modelled as a pod in a namespace of its own, without
//! labels (as np-guard's analyzer does): a policy admits it only through a
//! rule that admits every namespace (or every source).

use serde_json::Value;

use crate::conns::{ConnSet, Protocol};
use crate::model::Model;
use crate::policy::Direction;
use crate::reach::PeerRef;
use crate::selector::labels_of;
use crate::topology::namespace_of;

/// How connlist names the ingress controller.
pub const INGRESS_CONTROLLER: &str = "{ingress-controller}";

/// Namespace the ingress controller is assumed to run in.
pub const CONTROLLER_NAMESPACE: &str = "ingress-controller-ns";

/// A backend port as an Ingress or Route names it.
#[derive(Clone, Debug)]
enum PortRef {
    All,
    Number(u32),
    Name(String),
}

fn port_ref(v: Option<&Value>) -> PortRef {
    match v {
        Some(Value::Number(n)) => n
            .as_u64()
            .map_or(PortRef::All, |n| PortRef::Number(n as u32)),
        Some(Value::String(s)) => match s.parse() {
            Ok(n) => PortRef::Number(n),
            Err(_) => PortRef::Name(s.clone()),
        },
        _ => PortRef::All,
    }
}

impl Model {
    /// Workloads the ingress controller may reach, with the connections.
    pub fn exposure(&self, inv: &bulwark_core::Inventory) -> Vec<(usize, ConnSet)> {
        // (namespace, service name, port) of every backend.
        let mut backends: Vec<(String, String, PortRef, bool)> = Vec::new();
        for r in inv.iter() {
            let ns = namespace_of(r);
            match r.kind() {
                "Ingress" => {
                    let mut add = |b: Option<&Value>| {
                        let Some(svc) = b.and_then(|b| b.get("service")) else {
                            return;
                        };
                        let Some(name) = svc.get("name").and_then(Value::as_str) else {
                            return;
                        };
                        let port = svc.get("port").map_or(PortRef::All, |p| {
                            match (p.get("number"), p.get("name")) {
                                (Some(n), _) => port_ref(Some(n)),
                                (None, Some(n)) => port_ref(Some(n)),
                                _ => PortRef::All,
                            }
                        });
                        backends.push((ns.clone(), name.to_string(), port, true));
                    };
                    add(r.value.pointer("/spec/defaultBackend"));
                    for rule in crate::value_array(r.value.pointer("/spec/rules")) {
                        for p in crate::value_array(rule.pointer("/http/paths")) {
                            add(p.get("backend"));
                        }
                    }
                }
                "Route" => {
                    let port = port_ref(r.value.pointer("/spec/port/targetPort"));
                    let mut tos = vec![r.value.pointer("/spec/to")];
                    tos.extend(
                        crate::value_array(r.value.pointer("/spec/alternateBackends"))
                            .iter()
                            .map(Some),
                    );
                    for to in tos.into_iter().flatten() {
                        if to.get("kind").and_then(Value::as_str).unwrap_or("Service") != "Service"
                        {
                            continue;
                        }
                        if let Some(name) = to.get("name").and_then(Value::as_str) {
                            backends.push((ns.clone(), name.to_string(), port.clone(), false));
                        }
                    }
                }
                _ => {}
            }
        }
        let mut out: Vec<(usize, ConnSet)> = Vec::new();
        for (ns, svc_name, port, is_ingress) in backends {
            let Some(svc) = inv
                .of_kind("Service")
                .find(|s| s.id.name == svc_name && namespace_of(s) == ns)
            else {
                continue;
            };
            let sel = labels_of(svc.value.pointer("/spec/selector"));
            if sel.is_empty() {
                continue;
            }
            let svc_ports = crate::value_array(svc.value.pointer("/spec/ports"));
            let chosen: Vec<&Value> = svc_ports
                .iter()
                .filter(|p| match &port {
                    PortRef::All => true,
                    PortRef::Number(n) if is_ingress => {
                        p.get("port").and_then(Value::as_u64) == Some(u64::from(*n))
                    }
                    PortRef::Number(n) => {
                        p.get("targetPort").and_then(Value::as_u64) == Some(u64::from(*n))
                            || p.get("port").and_then(Value::as_u64) == Some(u64::from(*n))
                    }
                    PortRef::Name(s) => {
                        p.get("name").and_then(Value::as_str) == Some(s)
                            || p.get("targetPort").and_then(Value::as_str) == Some(s)
                    }
                })
                .collect();
            for (wi, w) in self.topo.workloads.iter().enumerate() {
                if w.namespace != ns || !sel.iter().all(|(k, v)| w.labels.get(k) == Some(v)) {
                    continue;
                }
                let declared = declared_ports(&inv.resources[w.resource]);
                let mut conns = ConnSet::none();
                for p in &chosen {
                    let proto = p
                        .get("protocol")
                        .and_then(Value::as_str)
                        .and_then(Protocol::parse)
                        .unwrap_or(Protocol::Tcp);
                    let target = match p.get("targetPort") {
                        Some(Value::Number(n)) => n.as_u64().map(|n| n as u32),
                        Some(Value::String(s)) => s.parse().ok().or_else(|| w.named_port(s, proto)),
                        _ => p.get("port").and_then(Value::as_u64).map(|n| n as u32),
                    };
                    // Like np-guard: a pod that declares its container
                    // ports is only reached on one of them.
                    let target = target.filter(|t| declared.is_empty() || declared.contains(t));
                    if let Some(t) = target {
                        conns = conns.union(&ConnSet::ports(proto, t, t));
                    }
                }
                let allowed = self.allowed(w.class, PeerRef::IngressController, Direction::Ingress);
                let c = conns.intersect(&allowed);
                if c.is_empty() {
                    continue;
                }
                match out.iter_mut().find(|(i, _)| *i == wi) {
                    Some((_, e)) => *e = e.union(&c),
                    None => out.push((wi, c)),
                }
            }
        }
        out.sort_by_key(|(w, _)| *w);
        out
    }
}

/// Container port numbers a workload declares.
fn declared_ports(r: &bulwark_core::Resource) -> Vec<u32> {
    let Some(v) = bulwark_core::PodView::of(r) else {
        return Vec::new();
    };
    v.containers()
        .flat_map(|c| crate::value_array(c.field("ports").0).iter())
        .filter_map(|p| p.get("containerPort").and_then(Value::as_u64))
        .map(|n| n as u32)
        .collect()
}
