//! NetworkPolicy objects parsed into typed rules, with the API server's
//! defaults (protocol TCP, policyTypes inferred from the spec) applied and
//! its validation errors reported.

use bulwark_core::{FieldPath, Resource};
use serde_json::Value;

use crate::conns::{ConnSet, MAX_PORT, Protocol};
use crate::intervals::IntervalSet;
use crate::ip::{Cidr, parse_cidr};
use crate::problem::{Level, Problem};
use crate::selector::Selector;
use crate::topology::{Class, namespace_of};

/// Traffic direction, seen from the pod a policy selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Direction {
    Ingress,
    Egress,
}

impl Direction {
    pub fn field(self) -> &'static str {
        match self {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        }
    }
}

/// One entry of a rule's `ports`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PortSpec {
    /// `port`/`endPort` numbers (all ports when `port` is absent).
    Range(Protocol, u32, u32),
    /// A named container port, resolved on the destination pod.
    Named(Protocol, String),
}

impl PortSpec {
    /// The connections this entry allows to a pod of `dst` (`None` for an
    /// IP peer, where a named port resolves to nothing).
    pub fn conns(&self, dst: Option<&Class>) -> ConnSet {
        match self {
            PortSpec::Range(p, lo, hi) => ConnSet::ports(*p, *lo, *hi),
            PortSpec::Named(p, name) => match dst.and_then(|c| c.named_port(name, *p)) {
                Some(n) => ConnSet::ports(*p, n, n),
                None => ConnSet::none(),
            },
        }
    }

    pub fn is_named(&self) -> bool {
        matches!(self, PortSpec::Named(..))
    }
}

/// The connections a `ports` list allows (`None`: every port).
pub fn ports_conns(ports: &Option<Vec<PortSpec>>, dst: Option<&Class>) -> ConnSet {
    match ports {
        None => ConnSet::all(),
        Some(list) => list
            .iter()
            .fold(ConnSet::none(), |acc, p| acc.union(&p.conns(dst))),
    }
}

/// One `from`/`to` entry.
#[derive(Clone, Debug)]
pub enum Peer {
    /// Pods chosen by selectors. `ns: None` means the policy's namespace;
    /// `pods: None` means every pod of the chosen namespaces.
    Pods {
        ns: Option<Selector>,
        pods: Option<Selector>,
    },
    /// External IPv4 addresses (cidr minus except); IPv6 blocks are empty.
    IpBlock(IntervalSet),
}

/// One ingress or egress rule.
#[derive(Clone, Debug)]
pub struct Rule {
    /// `None`: the rule matches every peer (empty or missing `from`/`to`).
    pub peers: Option<Vec<Peer>>,
    /// `None`: every port.
    pub ports: Option<Vec<PortSpec>>,
    pub path: FieldPath,
}

/// A NetworkPolicy.
#[derive(Clone, Debug)]
pub struct NetPol {
    pub resource: usize,
    pub namespace: String,
    pub name: String,
    pub pod_selector: Selector,
    /// Rules per direction; `None` when the policy does not apply to it
    /// (not in policyTypes).
    pub ingress: Option<Vec<Rule>>,
    pub egress: Option<Vec<Rule>>,
    /// policyTypes as written (`None` when absent and inferred).
    pub declared_types: Option<Vec<String>>,
}

impl NetPol {
    pub fn rules(&self, d: Direction) -> Option<&Vec<Rule>> {
        match d {
            Direction::Ingress => self.ingress.as_ref(),
            Direction::Egress => self.egress.as_ref(),
        }
    }

    pub fn selects(&self, c: &Class) -> bool {
        c.namespace == self.namespace && self.pod_selector.matches(&c.labels)
    }
}

/// Parses a NetworkPolicy; `Err` holds the problems that make it unusable.
pub fn parse_netpol(idx: usize, r: &Resource) -> Result<NetPol, Vec<Problem>> {
    let mut errs = Vec::new();
    let err = |errs: &mut Vec<Problem>, path: &FieldPath, msg: String| {
        errs.push(Problem::at(Level::Error, r, path, msg));
    };
    let spec_path = FieldPath::parse("spec");
    let spec = r.value.get("spec").cloned().unwrap_or(Value::Null);
    let sel_path = spec_path.key("podSelector");
    let pod_selector = match spec.get("podSelector") {
        None | Some(Value::Null) => Selector::everything(),
        Some(v) => Selector::parse(v).unwrap_or_else(|e| {
            err(&mut errs, &sel_path, format!("selector error: {e}"));
            Selector::everything()
        }),
    };
    // An empty policyTypes is defaulted like an absent one.
    let declared_types: Option<Vec<String>> = spec
        .get("policyTypes")
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty())
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        });
    if let Some(types) = &declared_types {
        for t in types {
            if t != "Ingress" && t != "Egress" {
                err(
                    &mut errs,
                    &spec_path.key("policyTypes"),
                    format!("policyTypes value '{t}' is neither Ingress nor Egress"),
                );
            }
        }
    }
    let has_egress_rules = spec
        .get("egress")
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty());
    let (ing, egr) = match &declared_types {
        Some(t) => (
            t.iter().any(|x| x == "Ingress"),
            t.iter().any(|x| x == "Egress"),
        ),
        // The API server's default: Ingress always, Egress when there are
        // egress rules.
        None => (true, has_egress_rules),
    };
    let dir_rules = |d: Direction, on: bool, errs: &mut Vec<Problem>| -> Option<Vec<Rule>> {
        if !on {
            return None;
        }
        let path = spec_path.key(d.field());
        let list = spec.get(d.field()).and_then(Value::as_array);
        Some(
            list.map(|l| {
                l.iter()
                    .enumerate()
                    .map(|(i, rv)| parse_rule(r, rv, d, path.index(i), errs))
                    .collect()
            })
            .unwrap_or_default(),
        )
    };
    let ingress = dir_rules(Direction::Ingress, ing, &mut errs);
    let egress = dir_rules(Direction::Egress, egr, &mut errs);
    if errs.is_empty() {
        Ok(NetPol {
            resource: idx,
            namespace: namespace_of(r),
            name: r.id.name.clone(),
            pod_selector,
            ingress,
            egress,
            declared_types,
        })
    } else {
        Err(errs)
    }
}

fn parse_rule(
    r: &Resource,
    rv: &Value,
    d: Direction,
    path: FieldPath,
    errs: &mut Vec<Problem>,
) -> Rule {
    let peer_field = match d {
        Direction::Ingress => "from",
        Direction::Egress => "to",
    };
    let mut err = |p: &FieldPath, m: String| errs.push(Problem::at(Level::Error, r, p, m));
    let peers = match rv.get(peer_field).and_then(Value::as_array) {
        None => None,
        Some(a) if a.is_empty() => None,
        Some(a) => {
            let mut out = Vec::new();
            for (i, pv) in a.iter().enumerate() {
                let pp = path.key(peer_field).index(i);
                let sel = |k: &str, err: &mut dyn FnMut(&FieldPath, String)| match pv.get(k) {
                    None | Some(Value::Null) => None,
                    Some(v) => match Selector::parse(v) {
                        Ok(s) => Some(s),
                        Err(e) => {
                            err(&pp.key(k), format!("selector error: {e}"));
                            Some(Selector::everything())
                        }
                    },
                };
                let pods = sel("podSelector", &mut err);
                let ns = sel("namespaceSelector", &mut err);
                let ipb = pv.get("ipBlock").filter(|v| !v.is_null());
                match (ipb, &pods, &ns) {
                    (Some(_), Some(_), _) | (Some(_), _, Some(_)) => err(
                        &pp,
                        "rule NetworkPolicyPeer error: ipBlock cannot be combined with podSelector or namespaceSelector".into(),
                    ),
                    (None, None, None) => err(
                        &pp,
                        "rule NetworkPolicyPeer error: a peer must set podSelector, namespaceSelector or ipBlock".into(),
                    ),
                    (Some(b), None, None) => {
                        if let Some(set) = parse_ip_block(b, &pp.key("ipBlock"), &mut err) {
                            out.push(Peer::IpBlock(set));
                        }
                    }
                    (None, _, _) => out.push(Peer::Pods { ns, pods }),
                }
            }
            Some(out)
        }
    };
    let ports = match rv.get("ports").and_then(Value::as_array) {
        None => None,
        Some(a) if a.is_empty() => None,
        Some(a) => Some(
            a.iter()
                .enumerate()
                .filter_map(|(i, p)| parse_np_port(p, &path.key("ports").index(i), &mut err))
                .collect(),
        ),
    };
    Rule { peers, ports, path }
}

fn parse_ip_block(
    b: &Value,
    path: &FieldPath,
    err: &mut dyn FnMut(&FieldPath, String),
) -> Option<IntervalSet> {
    let cidr = b.get("cidr").and_then(Value::as_str).unwrap_or("");
    let base = match parse_cidr(cidr) {
        Ok(c) => c,
        Err(e) => {
            err(&path.key("cidr"), format!("CIDR error: {e}"));
            return None;
        }
    };
    let mut set = match &base {
        Cidr::V4(s) => s.clone(),
        Cidr::V6 => IntervalSet::empty(),
    };
    for (i, e) in crate::value_array(b.get("except")).iter().enumerate() {
        let s = e.as_str().unwrap_or("");
        match parse_cidr(s) {
            Ok(Cidr::V4(x)) => {
                if let Cidr::V4(b) = &base
                    && (x.subtract(b) != IntervalSet::empty() || x == *b)
                {
                    err(
                        &path.key("except").index(i),
                        format!("CIDR error: except {s} is not a strict subset of cidr {cidr}"),
                    );
                }
                set = set.subtract(&x);
            }
            Ok(Cidr::V6) => {}
            Err(e) => err(&path.key("except").index(i), format!("CIDR error: {e}")),
        }
    }
    Some(set)
}

/// Whether `s` is a valid IANA service name (what a named port must be).
pub fn is_port_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 15
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b.iter().any(|c| c.is_ascii_lowercase())
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
        && !s.contains("--")
}

pub(crate) fn parse_protocol(
    v: Option<&Value>,
    path: &FieldPath,
    err: &mut dyn FnMut(&FieldPath, String),
) -> Option<Protocol> {
    match v {
        None | Some(Value::Null) => Some(Protocol::Tcp),
        Some(Value::String(s)) if Protocol::parse(s).is_some() && s.to_ascii_uppercase() == *s => {
            Protocol::parse(s)
        }
        Some(other) => {
            err(
                &path.key("protocol"),
                format!("invalid protocol {other}: TCP, UDP or SCTP"),
            );
            None
        }
    }
}

fn parse_np_port(
    p: &Value,
    path: &FieldPath,
    err: &mut dyn FnMut(&FieldPath, String),
) -> Option<PortSpec> {
    let proto = parse_protocol(p.get("protocol"), path, err)?;
    let end = p.get("endPort").filter(|v| !v.is_null());
    match p.get("port") {
        None | Some(Value::Null) => {
            if end.is_some() {
                err(&path.key("endPort"), "endPort requires port".into());
                return None;
            }
            Some(PortSpec::Range(proto, 1, MAX_PORT))
        }
        Some(Value::String(name)) => {
            if end.is_some() {
                err(
                    &path.key("endPort"),
                    "endPort cannot be used with a named port".into(),
                );
                return None;
            }
            if let Ok(n) = name.parse::<u32>() {
                // IntOrString written as a quoted number.
                return port_range(proto, n, n, path, err);
            }
            if !is_port_name(name) {
                err(
                    &path.key("port"),
                    format!(
                        "named port error: cannot convert named port '{name}': not a valid port name"
                    ),
                );
                return None;
            }
            Some(PortSpec::Named(proto, name.clone()))
        }
        Some(v) => {
            let Some(n) = v.as_u64().map(|n| n.min(u64::from(u32::MAX)) as u32) else {
                err(&path.key("port"), format!("invalid port {v}"));
                return None;
            };
            let hi = match end {
                None => n,
                Some(e) => match e.as_u64() {
                    Some(e) => e.min(u64::from(u32::MAX)) as u32,
                    None => {
                        err(&path.key("endPort"), format!("invalid endPort {e}"));
                        return None;
                    }
                },
            };
            port_range(proto, n, hi, path, err)
        }
    }
}

pub(crate) fn port_range(
    proto: Protocol,
    lo: u32,
    hi: u32,
    path: &FieldPath,
    err: &mut dyn FnMut(&FieldPath, String),
) -> Option<PortSpec> {
    if lo < 1 || hi > MAX_PORT || lo > hi {
        err(
            path,
            format!(
                "illegal port range {lo}-{hi}: ports are 1-65535 and the range must not be empty"
            ),
        );
        return None;
    }
    Some(PortSpec::Range(proto, lo, hi))
}
