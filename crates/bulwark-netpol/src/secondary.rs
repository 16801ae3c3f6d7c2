//! Secondary networks (Multus NetworkAttachmentDefinitions): pods attached
//! to the same network reach each other there, under the
//! MultiNetworkPolicies written `policy-for` that network (NetworkPolicies
//! do not apply there, and no external range is modelled on them).

use std::collections::{BTreeMap, BTreeSet};

use bulwark_core::{Inventory, Resource};
use serde_json::Value;

use crate::conns::ConnSet;
use crate::model::{Model, Options};

const NETWORKS_ANNOTATION: &str = "k8s.v1.cni.cncf.io/networks";
const POLICY_FOR: &str = "k8s.v1.cni.cncf.io/policy-for";

/// Label the per-network analysis puts on a pod's template to carry its
/// address on that network, so that ipBlock peers can match it.
pub const SECONDARY_IP_LABEL: &str = "secondary-ip.bulwark.io/address";

/// The IPv4 address a pod asks for on network `net` (`ips` of the JSON
/// form of the networks annotation).
fn address_on(r: &Resource, net: &str) -> Option<String> {
    let ann = bulwark_core::PodView::of(r)
        .and_then(|v| v.annotation(NETWORKS_ANNOTATION))
        .or_else(|| r.annotation(NETWORKS_ANNOTATION))?;
    let items: Value = serde_json::from_str(ann.trim()).ok()?;
    items.as_array()?.iter().find_map(|i| {
        if net_name(i.get("name")?.as_str()?) != net {
            return None;
        }
        let ip = i.get("ips")?.as_array()?.first()?.as_str()?;
        let ip = ip.split('/').next()?;
        ip.parse::<std::net::Ipv4Addr>().ok().map(|a| a.to_string())
    })
}

/// A copy of `r` whose pods carry their address on `net` as a label.
fn with_address(r: &Resource, net: &str) -> Resource {
    let Some(ip) = address_on(r, net) else {
        return r.clone();
    };
    let mut r = r.clone();
    let meta = bulwark_core::PodView::of(&r).map(|v| v.meta_path());
    let Some(meta) = meta else { return r };
    let ptr: String = meta
        .0
        .iter()
        .map(|s| match s {
            bulwark_core::Seg::Key(k) => format!("/{k}"),
            bulwark_core::Seg::Index(i) => format!("/{i}"),
        })
        .collect();
    if let Some(Value::Object(m)) = r.value.pointer_mut(&ptr) {
        let labels = m
            .entry("labels")
            .or_insert_with(|| Value::Object(Default::default()));
        if let Value::Object(l) = labels {
            l.insert(SECONDARY_IP_LABEL.into(), Value::String(ip));
        }
    }
    r
}

/// The name part of `ns/name` (or `name`).
fn net_name(s: &str) -> String {
    let s = s.trim();
    s.rsplit_once('/').map_or(s, |(_, n)| n).to_string()
}

/// Secondary networks a workload's pods attach to.
fn attachments(r: &Resource) -> Vec<String> {
    let mut out = Vec::new();
    if r.kind() == "VirtualMachine" {
        for n in crate::value_array(r.value.pointer("/spec/template/spec/networks")) {
            if let Some(name) = n.pointer("/multus/networkName").and_then(Value::as_str) {
                out.push(net_name(name));
            }
        }
        return out;
    }
    let ann = bulwark_core::PodView::of(r)
        .and_then(|v| v.annotation(NETWORKS_ANNOTATION))
        .or_else(|| r.annotation(NETWORKS_ANNOTATION));
    let Some(ann) = ann else { return out };
    let t = ann.trim();
    if t.starts_with('[') {
        if let Ok(Value::Array(items)) = serde_json::from_str::<Value>(t) {
            for i in items {
                if let Some(n) = i.get("name").and_then(Value::as_str) {
                    out.push(net_name(n));
                }
            }
        }
    } else {
        out.extend(t.split(',').filter(|s| !s.trim().is_empty()).map(net_name));
    }
    out
}

/// Allowed connections on one secondary network, by workload display name.
#[derive(Debug)]
pub struct SecondaryNetwork {
    pub name: String,
    pub conns: Vec<(String, String, ConnSet)>,
}

/// Connectivity on every secondary network of `inv`.
pub fn secondary_networks(inv: &Inventory, opts: Options) -> Vec<SecondaryNetwork> {
    let mut members: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
    for (i, r) in inv.resources.iter().enumerate() {
        for n in attachments(r) {
            members.entry(n).or_default().insert(i);
        }
    }
    let mut out = Vec::new();
    for (net, res) in members {
        let mut resources: Vec<Resource> = inv
            .iter()
            .filter(|r| r.kind() == "Namespace")
            .cloned()
            .collect();
        resources.extend(res.iter().map(|&i| with_address(&inv.resources[i], &net)));
        for r in inv.of_kind("MultiNetworkPolicy") {
            let applies = r
                .annotation(POLICY_FOR)
                .is_some_and(|a| a.split(',').any(|x| net_name(x) == net));
            if applies {
                let mut v = r.value.clone();
                v["apiVersion"] = Value::String("networking.k8s.io/v1".into());
                v["kind"] = Value::String("NetworkPolicy".into());
                resources.push(Resource::new(v, r.origin.clone(), r.spans.clone()));
            }
        }
        let m = Model::build(&Inventory::new(resources), opts);
        let mat = m.matrix();
        let mut conns = Vec::new();
        for a in &m.topo.workloads {
            for b in &m.topo.workloads {
                if std::ptr::eq(a, b) {
                    continue;
                }
                let c = mat.get(a.class, b.class);
                if !c.is_empty() {
                    conns.push((a.display(), b.display(), c.clone()));
                }
            }
        }
        out.push(SecondaryNetwork { name: net, conns });
    }
    out
}
