//! Observed traffic: JSON lines `{src, dst, port, protocol}` (src/dst are
//! `ns/pod`, `ns/workload` or an IP) and Cilium Hubble flow records
//! (`hubble observe -o jsonpb`), compared with what the policies allow.

use std::collections::BTreeSet;
use std::net::Ipv4Addr;

use serde::Serialize;
use serde_json::Value;

use crate::conns::Protocol;
use crate::model::{Model, di};
use crate::policy::Direction;
use crate::reach::{Endpoint, PeerRef};

/// One end of an observed flow, as written in the input.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum FlowEnd {
    Named { namespace: String, name: String },
    Ip(u32),
}

/// One observed flow.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Flow {
    pub src: FlowEnd,
    pub dst: FlowEnd,
    pub protocol: Protocol,
    pub port: u32,
    /// 1-based line of the input.
    pub line: usize,
}

fn end_of(s: &str) -> Option<FlowEnd> {
    if let Ok(ip) = s.parse::<Ipv4Addr>() {
        return Some(FlowEnd::Ip(u32::from(ip)));
    }
    let (ns, name) = s.split_once('/')?;
    Some(FlowEnd::Named {
        namespace: ns.to_string(),
        name: name.to_string(),
    })
}

fn hubble_end(f: &Value, side: &str, ip_key: &str) -> Option<FlowEnd> {
    let ep = f.get(side);
    let ns = ep.and_then(|e| e.get("namespace")).and_then(Value::as_str);
    let pod = ep.and_then(|e| e.get("pod_name")).and_then(Value::as_str);
    match (ns, pod) {
        (Some(ns), Some(pod)) if !ns.is_empty() && !pod.is_empty() => Some(FlowEnd::Named {
            namespace: ns.to_string(),
            name: pod.to_string(),
        }),
        _ => f
            .pointer(&format!("/IP/{ip_key}"))
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<Ipv4Addr>().ok())
            .map(|ip| FlowEnd::Ip(u32::from(ip))),
    }
}

/// Reads flows; a bad line is an error with its line number, and the rest
/// is still read.
pub fn parse_flows(text: &str) -> (Vec<Flow>, Vec<String>) {
    let mut flows = Vec::new();
    let mut errs = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let v: Value = match serde_json::from_str(t) {
            Ok(v) => v,
            Err(e) => {
                errs.push(format!("line {line_no}: not JSON: {e}"));
                continue;
            }
        };
        let parsed = if let Some(f) = v.get("flow") {
            // Hubble: the L4 section names the protocol.
            let l4 = f.get("l4").and_then(Value::as_object);
            let (proto, port) = match l4.and_then(|m| m.iter().next()) {
                Some((p, body)) => (
                    Protocol::parse(p),
                    body.get("destination_port").and_then(Value::as_u64),
                ),
                None => (None, None),
            };
            match (
                hubble_end(f, "source", "source"),
                hubble_end(f, "destination", "destination"),
                proto,
                port,
            ) {
                (Some(s), Some(d), Some(p), Some(n)) => Ok((s, d, p, n)),
                _ => Err("a Hubble flow without source, destination, or a TCP/UDP/SCTP port"),
            }
        } else {
            let s = v.get("src").and_then(Value::as_str).and_then(end_of);
            let d = v.get("dst").and_then(Value::as_str).and_then(end_of);
            let p = match v.get("protocol") {
                None => Some(Protocol::Tcp),
                Some(x) => x.as_str().and_then(Protocol::parse),
            };
            let n = v
                .get("port")
                .and_then(|x| x.as_u64().or_else(|| x.as_str()?.parse().ok()));
            match (s, d, p, n) {
                (Some(s), Some(d), Some(p), Some(n)) => Ok((s, d, p, n)),
                _ => Err(
                    "expected {src, dst, port, protocol} with src/dst as ns/name or an IPv4 address",
                ),
            }
        };
        match parsed {
            Ok((src, dst, protocol, port)) if (1..=65535).contains(&port) => flows.push(Flow {
                src,
                dst,
                protocol,
                port: port as u32,
                line: line_no,
            }),
            Ok((.., port)) => errs.push(format!("line {line_no}: port {port} out of range")),
            Err(e) => errs.push(format!("line {line_no}: {e}")),
        }
    }
    (flows, errs)
}

/// An observed flow the policies deny.
#[derive(Clone, Debug, Serialize)]
pub struct Denied {
    pub line: usize,
    pub src: String,
    pub dst: String,
    pub connection: String,
    pub reason: String,
}

/// An allowed workload pair that no observed flow used.
#[derive(Clone, Debug, Serialize)]
pub struct Unused {
    pub src: String,
    pub dst: String,
    pub allowed: String,
    /// Policies that open it (`namespace/name (direction)`), or why it is
    /// open (no policy isolates that side).
    pub allowed_by: Vec<String>,
}

/// Observed traffic versus the policies.
#[derive(Clone, Debug, Default, Serialize)]
pub struct FlowDiff {
    pub observed: usize,
    pub denied: Vec<Denied>,
    pub unused: Vec<Unused>,
    /// Flows whose endpoints are not in the inventory.
    pub unresolved: Vec<String>,
}

impl Model {
    fn resolve_end(&self, e: &FlowEnd) -> Option<Endpoint> {
        match e {
            FlowEnd::Ip(ip) => Some(Endpoint::External(*ip, *ip)),
            FlowEnd::Named { namespace, name } => {
                self.topo.resolve(namespace, name).map(Endpoint::Workload)
            }
        }
    }

    /// Whether a connection between two endpoints allows `proto/port`.
    fn flow_allowed(&self, s: Endpoint, d: Endpoint, proto: Protocol, port: u32) -> bool {
        let cls = |w: usize| self.topo.workloads[w].class;
        let c = match (s, d) {
            (Endpoint::Workload(a), Endpoint::Workload(b)) => self.pair_allowed(cls(a), cls(b)),
            (Endpoint::Workload(a), Endpoint::External(lo, hi)) => {
                self.allowed(cls(a), PeerRef::Ip(lo, hi), Direction::Egress)
            }
            (Endpoint::External(lo, hi), Endpoint::Workload(b)) => {
                self.allowed(cls(b), PeerRef::Ip(lo, hi), Direction::Ingress)
            }
            // Neither end is ours: no policy here decides.
            (Endpoint::External(..), Endpoint::External(..)) => return true,
        };
        c.allows(proto, port)
    }

    /// The policies that allow `s` to reach `t` (class indices), per side.
    pub fn allowed_by(&self, s: usize, t: usize) -> Vec<String> {
        let mut out = Vec::new();
        for (d, subject, peer) in [(Direction::Egress, s, t), (Direction::Ingress, t, s)] {
            let pols = &self.np_of[di(d)][subject];
            if !self.anp_of[subject].is_empty() || self.banp_of[subject] {
                out.push(format!("admin network policies ({})", d.field()));
            }
            if pols.is_empty() {
                out.push(format!("no policy isolates {}", d.field()));
                continue;
            }
            for &pi in pols {
                let p = &self.netpols[pi];
                let hit = p.rules(d).into_iter().flatten().any(|r| match &r.peers {
                    None => true,
                    Some(ps) => ps
                        .iter()
                        .any(|x| self.np_peer_matches_pub(&p.namespace, x, PeerRef::Class(peer))),
                });
                if hit {
                    out.push(format!("{}/{} ({})", p.namespace, p.name, d.field()));
                }
            }
        }
        out
    }

    /// Compares observed flows with the policies.
    pub fn diff_flows(&self, flows: &[Flow]) -> FlowDiff {
        let mut diff = FlowDiff {
            observed: flows.len(),
            ..FlowDiff::default()
        };
        let mut used: BTreeSet<(usize, usize)> = BTreeSet::new();
        let show = |e: &FlowEnd| match e {
            FlowEnd::Ip(ip) => Ipv4Addr::from(*ip).to_string(),
            FlowEnd::Named { namespace, name } => format!("{namespace}/{name}"),
        };
        for f in flows {
            let (Some(s), Some(d)) = (self.resolve_end(&f.src), self.resolve_end(&f.dst)) else {
                diff.unresolved.push(format!(
                    "line {}: {} => {}: endpoint not found in the inputs",
                    f.line,
                    show(&f.src),
                    show(&f.dst)
                ));
                continue;
            };
            if let (Endpoint::Workload(a), Endpoint::Workload(b)) = (s, d) {
                used.insert((a, b));
            }
            if !self.flow_allowed(s, d, f.protocol, f.port) {
                diff.denied.push(Denied {
                    line: f.line,
                    src: self.endpoint_name(s),
                    dst: self.endpoint_name(d),
                    connection: format!("{} {}", f.protocol.as_str(), f.port),
                    reason: "no rule allows it (egress of the source and ingress of the destination must both allow)".into(),
                });
            }
        }
        let m = self.matrix();
        let ws = &self.topo.workloads;
        for (a, wa) in ws.iter().enumerate() {
            for (b, wb) in ws.iter().enumerate() {
                if a == b || used.contains(&(a, b)) {
                    continue;
                }
                let c = m.get(wa.class, wb.class);
                if c.is_empty() {
                    continue;
                }
                diff.unused.push(Unused {
                    src: wa.display(),
                    dst: wb.display(),
                    allowed: c.to_string(),
                    allowed_by: self.allowed_by(wa.class, wb.class),
                });
            }
        }
        diff
    }
}

impl FlowDiff {
    /// Human-readable report.
    pub fn text(&self) -> String {
        let mut s = format!("{} observed flow(s)\n\n", self.observed);
        s.push_str(&format!(
            "Observed flows the policies deny ({}):\n",
            self.denied.len()
        ));
        for d in &self.denied {
            s.push_str(&format!(
                "  line {}: {} => {} : {}\n",
                d.line, d.src, d.dst, d.connection
            ));
        }
        s.push_str(&format!(
            "\nAllowed paths never observed ({}): attack surface to remove\n",
            self.unused.len()
        ));
        for u in &self.unused {
            s.push_str(&format!(
                "  {} => {} : {}   [allowed by: {}]\n",
                u.src,
                u.dst,
                u.allowed,
                u.allowed_by.join("; ")
            ));
        }
        if !self.unresolved.is_empty() {
            s.push_str(&format!(
                "\nUnresolved flows ({}):\n",
                self.unresolved.len()
            ));
            for u in &self.unresolved {
                s.push_str(&format!("  {u}\n"));
            }
        }
        s
    }
}
