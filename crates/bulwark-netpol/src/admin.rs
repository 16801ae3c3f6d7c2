//! AdminNetworkPolicy and BaselineAdminNetworkPolicy
//! (policy.networking.k8s.io/v1alpha1): the cluster-admin tiers above and
//! below NetworkPolicy.

use bulwark_core::{FieldPath, Resource};
use serde_json::Value;

use crate::conns::{ConnSet, Protocol};
use crate::intervals::IntervalSet;
use crate::ip::{Cidr, parse_cidr};
use crate::policy::{Direction, is_port_name, parse_protocol, port_range};
use crate::problem::{Level, Problem};
use crate::selector::Selector;
use crate::topology::{Class, Topology};

/// What a matching admin rule does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Allow,
    Deny,
    /// ANP only: skip lower-priority ANPs; NetworkPolicy (then BANP) decide.
    Pass,
}

/// Pods an admin policy applies to, or a pod peer of a rule.
#[derive(Clone, Debug)]
pub enum PodSet {
    Namespaces(Selector),
    Pods { ns: Selector, pods: Selector },
}

impl PodSet {
    pub fn matches(&self, topo: &Topology, c: &Class) -> bool {
        let Some(nsl) = topo.namespace_labels(&c.namespace) else {
            return false;
        };
        match self {
            PodSet::Namespaces(ns) => ns.matches(nsl),
            PodSet::Pods { ns, pods } => ns.matches(nsl) && pods.matches(&c.labels),
        }
    }
}

/// A peer of an admin rule.
#[derive(Clone, Debug)]
pub enum AdminPeer {
    Pods(PodSet),
    /// `networks`: external IPv4 ranges.
    Networks(IntervalSet),
    /// `nodes`: not modelled (the inventory holds no nodes); matches nothing.
    Nodes,
}

/// One entry of an admin rule's `ports`.
#[derive(Clone, Debug)]
pub enum AdminPort {
    Range(Protocol, u32, u32),
    Named(String),
}

/// One admin rule.
#[derive(Clone, Debug)]
pub struct AdminRule {
    pub name: String,
    pub action: Action,
    pub peers: Vec<AdminPeer>,
    /// `None`: every port.
    pub ports: Option<Vec<AdminPort>>,
}

impl AdminRule {
    /// Connections of this rule towards a pod of `dst`, or an IP (`None`).
    pub fn conns(&self, dst: Option<&Class>) -> ConnSet {
        let Some(ports) = &self.ports else {
            return ConnSet::all();
        };
        ports.iter().fold(ConnSet::none(), |acc, p| {
            let c = match p {
                AdminPort::Range(pr, lo, hi) => ConnSet::ports(*pr, *lo, *hi),
                AdminPort::Named(n) => match dst {
                    Some(cl) => Protocol::ALL
                        .iter()
                        .filter_map(|pr| cl.named_port(n, *pr).map(|x| ConnSet::ports(*pr, x, x)))
                        .fold(ConnSet::none(), |a, b| a.union(&b)),
                    None => ConnSet::none(),
                },
            };
            acc.union(&c)
        })
    }
}

/// An AdminNetworkPolicy (`priority: Some`) or the BaselineAdminNetworkPolicy.
#[derive(Clone, Debug)]
pub struct AdminPolicy {
    pub resource: usize,
    pub name: String,
    pub priority: Option<u32>,
    pub subject: PodSet,
    pub ingress: Vec<AdminRule>,
    pub egress: Vec<AdminRule>,
}

impl AdminPolicy {
    pub fn rules(&self, d: Direction) -> &[AdminRule] {
        match d {
            Direction::Ingress => &self.ingress,
            Direction::Egress => &self.egress,
        }
    }
}

/// Parses an ANP (`baseline == false`) or BANP; errors make it unusable,
/// warnings are pushed to `warnings`.
pub fn parse_admin(
    idx: usize,
    r: &Resource,
    baseline: bool,
    warnings: &mut Vec<Problem>,
) -> Result<AdminPolicy, Vec<Problem>> {
    let mut errs = Vec::new();
    let mut err = |p: &FieldPath, m: String| errs.push(Problem::at(Level::Error, r, p, m));
    let spec = r.value.get("spec").cloned().unwrap_or(Value::Null);
    let sp = FieldPath::parse("spec");
    let kind = if baseline {
        "BaselineAdminNetworkPolicy"
    } else {
        "AdminNetworkPolicy"
    };
    if baseline && r.id.name != "default" {
        err(
            &FieldPath::parse("metadata.name"),
            format!(
                "{kind} must be named 'default' (only one may exist), not '{}'",
                r.id.name
            ),
        );
    }
    let priority = if baseline {
        None
    } else {
        match spec.get("priority").and_then(Value::as_i64) {
            Some(p) if (0..=1000).contains(&p) => Some(p as u32),
            Some(p) => {
                err(
                    &sp.key("priority"),
                    format!(
                        "invalid priority {p} of {kind} '{}': must be 0-1000",
                        r.id.name
                    ),
                );
                None
            }
            None => {
                err(
                    &sp.key("priority"),
                    format!("{kind} '{}' has no priority", r.id.name),
                );
                None
            }
        }
    };
    let subject = match spec.get("subject") {
        Some(s) => parse_podset(s, &sp.key("subject"), "subject", &mut err),
        None => {
            err(&sp.key("subject"), "subject is required".into());
            None
        }
    };
    let mut dir = |d: Direction, err: &mut dyn FnMut(&FieldPath, String)| -> Vec<AdminRule> {
        let path = sp.key(d.field());
        let list = crate::value_array(spec.get(d.field()));
        list.iter()
            .enumerate()
            .filter_map(|(i, rv)| {
                parse_admin_rule(rv, d, baseline, &path.index(i), err, &mut |p, m| {
                    warnings.push(Problem::at(Level::Warning, r, p, m))
                })
            })
            .collect()
    };
    let ingress = dir(Direction::Ingress, &mut err);
    let egress = dir(Direction::Egress, &mut err);
    match (errs.is_empty(), subject) {
        (true, Some(subject)) => Ok(AdminPolicy {
            resource: idx,
            name: r.id.name.clone(),
            priority,
            subject,
            ingress,
            egress,
        }),
        _ => Err(errs),
    }
}

fn set_fields(v: &Value) -> Vec<&str> {
    v.as_object()
        .map(|o| {
            o.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, _)| k.as_str())
                .collect()
        })
        .unwrap_or_default()
}

fn sel(v: Option<&Value>, path: &FieldPath, err: &mut dyn FnMut(&FieldPath, String)) -> Selector {
    match v {
        None | Some(Value::Null) => Selector::everything(),
        Some(v) => Selector::parse(v).unwrap_or_else(|e| {
            err(path, format!("selector error: {e}"));
            Selector::everything()
        }),
    }
}

fn parse_podset(
    v: &Value,
    path: &FieldPath,
    what: &str,
    err: &mut dyn FnMut(&FieldPath, String),
) -> Option<PodSet> {
    let fields = set_fields(v);
    if fields.len() != 1 {
        err(
            path,
            format!(
                "exactly one field of the {what} must be set (namespaces or pods), found {}",
                fields.len()
            ),
        );
        return None;
    }
    match fields[0] {
        "namespaces" => Some(PodSet::Namespaces(sel(
            v.get("namespaces"),
            &path.key("namespaces"),
            err,
        ))),
        "pods" => {
            let p = &v["pods"];
            Some(PodSet::Pods {
                ns: sel(p.get("namespaceSelector"), &path.key("pods"), err),
                pods: sel(p.get("podSelector"), &path.key("pods"), err),
            })
        }
        other => {
            err(path, format!("unknown {what} field '{other}'"));
            None
        }
    }
}

fn parse_admin_rule(
    rv: &Value,
    d: Direction,
    baseline: bool,
    path: &FieldPath,
    err: &mut dyn FnMut(&FieldPath, String),
    warn: &mut dyn FnMut(&FieldPath, String),
) -> Option<AdminRule> {
    let name = rv
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let action = match rv.get("action").and_then(Value::as_str) {
        Some("Allow") => Action::Allow,
        Some("Deny") => Action::Deny,
        Some("Pass") if !baseline => Action::Pass,
        other => {
            err(
                &path.key("action"),
                format!(
                    "unknown rule action {:?} of rule '{name}': {}",
                    other.unwrap_or(""),
                    if baseline {
                        "Allow or Deny"
                    } else {
                        "Allow, Deny or Pass"
                    }
                ),
            );
            return None;
        }
    };
    let pf = match d {
        Direction::Ingress => "from",
        Direction::Egress => "to",
    };
    let list = crate::value_array(rv.get(pf));
    if list.is_empty() {
        err(
            &path.key(pf),
            format!(
                "{} rule '{name}' must have at least one peer in '{pf}'",
                d.field()
            ),
        );
        return None;
    }
    let mut peers = Vec::new();
    for (i, pv) in list.iter().enumerate() {
        let pp = path.key(pf).index(i);
        let fields = set_fields(pv);
        if fields.len() != 1 {
            err(
                &pp,
                format!(
                    "exactly one field of a rule peer must be set, found {}",
                    fields.len()
                ),
            );
            continue;
        }
        match (fields[0], d) {
            ("namespaces" | "pods", _) => {
                if let Some(ps) = parse_podset(pv, &pp, "rule peer", err) {
                    peers.push(AdminPeer::Pods(ps));
                }
            }
            ("networks", Direction::Egress) => {
                let mut set = IntervalSet::empty();
                for (j, c) in crate::value_array(pv.get("networks")).iter().enumerate() {
                    let s = c.as_str().unwrap_or("");
                    match parse_cidr(s) {
                        Ok(Cidr::V4(x)) => set = set.union(&x),
                        Ok(Cidr::V6) => warn(
                            &pp.key("networks").index(j),
                            format!("IPv6 address {s} is not supported and is ignored"),
                        ),
                        Err(e) => err(&pp.key("networks").index(j), format!("CIDR error: {e}")),
                    }
                }
                peers.push(AdminPeer::Networks(set));
            }
            ("nodes", Direction::Egress) => {
                warn(
                    &pp.key("nodes"),
                    "the 'nodes' peer is not supported (no Node objects are modelled): the peer matches nothing".into(),
                );
                peers.push(AdminPeer::Nodes);
            }
            (f, _) => {
                err(
                    &pp,
                    format!("'{f}' is not a valid {} rule peer field", d.field()),
                );
            }
        }
    }
    let ports = match rv.get("ports").and_then(Value::as_array) {
        None => None,
        Some(a) => {
            let mut out = Vec::new();
            for (i, p) in a.iter().enumerate() {
                let pp = path.key("ports").index(i);
                let fields = set_fields(p);
                if fields.len() != 1 {
                    err(
                        &pp,
                        format!(
                            "exactly one field of a port entry must be set, found {}",
                            fields.len()
                        ),
                    );
                    continue;
                }
                match fields[0] {
                    "portNumber" => {
                        let pn = &p["portNumber"];
                        let Some(proto) = parse_protocol(pn.get("protocol"), &pp, err) else {
                            continue;
                        };
                        let n = pn.get("port").and_then(Value::as_u64).unwrap_or(0) as u32;
                        if let Some(crate::policy::PortSpec::Range(pr, lo, hi)) =
                            port_range(proto, n, n, &pp, err)
                        {
                            out.push(AdminPort::Range(pr, lo, hi));
                        }
                    }
                    "portRange" => {
                        let pr = &p["portRange"];
                        let Some(proto) = parse_protocol(pr.get("protocol"), &pp, err) else {
                            continue;
                        };
                        let lo = pr.get("start").and_then(Value::as_u64).unwrap_or(0) as u32;
                        let hi = pr.get("end").and_then(Value::as_u64).unwrap_or(0) as u32;
                        if let Some(crate::policy::PortSpec::Range(pr, lo, hi)) =
                            port_range(proto, lo, hi, &pp, err)
                        {
                            out.push(AdminPort::Range(pr, lo, hi));
                        }
                    }
                    "namedPort" => {
                        let n = p["namedPort"].as_str().unwrap_or("");
                        if !is_port_name(n) {
                            err(&pp, format!("invalid named port '{n}'"));
                            continue;
                        }
                        out.push(AdminPort::Named(n.to_string()));
                    }
                    other => err(&pp, format!("unknown port field '{other}'")),
                }
            }
            Some(out)
        }
    };
    Some(AdminRule {
        name,
        action,
        peers,
        ports,
    })
}
