//! Coverage rules: how well the policies cover the workloads, and rules
//! that open more than they should. Reported as findings by `bulwark scan`.

mod meta;

use std::collections::BTreeMap;

use bulwark_core::pod::PodView;
use bulwark_core::{Analyzer, FieldPath, Finding, Inventory, Resource, RuleMeta, Severity};

use crate::ip::all_v4;
use crate::model::{Model, Options, di};
use crate::policy::{Direction, NetPol, Peer};
use crate::selector::Selector;
use crate::topology::Workload;

/// The NetworkPolicy coverage analyzer.
#[derive(Debug, Default)]
pub struct NetpolAnalyzer;

impl Analyzer for NetpolAnalyzer {
    fn name(&self) -> &'static str {
        "network policies"
    }

    fn rules(&self) -> Vec<&'static RuleMeta> {
        meta::ALL.to_vec()
    }

    fn analyze(&self, inv: &Inventory, out: &mut Vec<Finding>) {
        let has_any = inv
            .iter()
            .any(|r| crate::pod_kind(r.kind()) || r.kind().ends_with("NetworkPolicy"));
        if !has_any {
            return;
        }
        let m = Model::build(inv, Options::default());
        invalid(&m, out);
        namespaces(inv, &m, out);
        workloads(inv, &m, out);
        for p in &m.netpols {
            let res = &inv.resources[p.resource];
            selects_nothing(&m, p, res, out);
            types_mismatch(p, res, out);
            ingress_from_anywhere(&m, p, res, out);
            egress_metadata(p, res, out);
            egress_anywhere(p, res, out);
            all_ports(p, res, out);
        }
    }
}

fn invalid(m: &Model, out: &mut Vec<Finding>) {
    for p in m.problems.iter().filter(|p| p.is_error()) {
        let Some(object) = p.object.clone() else {
            continue;
        };
        out.push(Finding {
            rule_id: meta::INVALID.id.into(),
            severity: meta::INVALID.severity,
            message: p.message.clone(),
            object,
            path: FieldPath::root(),
            location: p.location.clone(),
            subject: None,
        });
    }
}

/// Whether a policy is a default deny for `d`: every pod, no rule.
fn is_default_deny(p: &NetPol, d: Direction) -> bool {
    p.pod_selector.is_empty() && p.rules(d).is_some_and(Vec::is_empty)
}

fn namespaces(inv: &Inventory, m: &Model, out: &mut Vec<Finding>) {
    let ns_objects = inv.namespaces();
    let mut first: BTreeMap<&str, &Workload> = BTreeMap::new();
    for w in &m.topo.workloads {
        first.entry(w.namespace.as_str()).or_insert(w);
    }
    for (ns, w) in first {
        for (d, rule) in [
            (Direction::Ingress, &meta::NO_DEFAULT_DENY_INGRESS),
            (Direction::Egress, &meta::NO_DEFAULT_DENY_EGRESS),
        ] {
            if m.netpols
                .iter()
                .any(|p| p.namespace == ns && is_default_deny(p, d))
            {
                continue;
            }
            let (res, path) = match ns_objects.get(ns) {
                Some(r) => (*r, FieldPath::parse("metadata.name")),
                None => (
                    &inv.resources[w.resource],
                    FieldPath::parse("metadata.namespace"),
                ),
            };
            out.push(Finding::new(
                rule.id,
                rule.severity,
                res,
                path,
                format!(
                    "namespace \"{ns}\" has workloads but no default-deny {} NetworkPolicy",
                    d.field()
                ),
            ));
        }
    }
}

fn labels_path(res: &Resource) -> FieldPath {
    PodView::of(res)
        .map(|v| v.meta_path().key("labels"))
        .unwrap_or_else(|| FieldPath::parse("metadata"))
}

fn workloads(inv: &Inventory, m: &Model, out: &mut Vec<Finding>) {
    for w in &m.topo.workloads {
        if w.host_network {
            // Policies do not apply to host-network pods.
            continue;
        }
        let c = w.class;
        for (d, rule) in [
            (Direction::Ingress, &meta::WORKLOAD_NO_INGRESS),
            (Direction::Egress, &meta::WORKLOAD_NO_EGRESS),
        ] {
            if !m.np_of[di(d)][c].is_empty() || !m.anp_of[c].is_empty() || m.banp_of[c] {
                continue;
            }
            let res = &inv.resources[w.resource];
            out.push(Finding::new(
                rule.id,
                rule.severity,
                res,
                labels_path(res),
                format!(
                    "{} is selected by no {} policy: all {} traffic is allowed",
                    w.display(),
                    d.field(),
                    d.field()
                ),
            ));
        }
    }
}

fn selects_nothing(m: &Model, p: &NetPol, res: &Resource, out: &mut Vec<Finding>) {
    let mut in_ns = m
        .topo
        .classes
        .iter()
        .filter(|c| c.namespace == p.namespace)
        .peekable();
    if in_ns.peek().is_none() {
        return;
    }
    if in_ns.any(|c| p.pod_selector.matches(&c.labels)) {
        return;
    }
    out.push(Finding::new(
        meta::SELECTS_NOTHING.id,
        meta::SELECTS_NOTHING.severity,
        res,
        FieldPath::parse("spec.podSelector"),
        format!(
            "NetworkPolicy \"{}/{}\" selects none of the workloads of its namespace",
            p.namespace, p.name
        ),
    ));
}

fn types_mismatch(p: &NetPol, res: &Resource, out: &mut Vec<Finding>) {
    let Some(types) = &p.declared_types else {
        return;
    };
    for (d, t) in [
        (Direction::Ingress, "Ingress"),
        (Direction::Egress, "Egress"),
    ] {
        let has_rules = res
            .value
            .pointer(&format!("/spec/{}", d.field()))
            .and_then(|v| v.as_array())
            .is_some_and(|a| !a.is_empty());
        if has_rules && !types.iter().any(|x| x == t) {
            out.push(Finding::new(
                meta::TYPES_MISMATCH.id,
                meta::TYPES_MISMATCH.severity,
                res,
                FieldPath::parse("spec").key(d.field()),
                format!(
                    "policyTypes [{}] leaves out {t}, so the {} rules of \"{}\" are ignored",
                    types.join(", "),
                    d.field(),
                    p.name
                ),
            ));
        }
    }
}

/// Labels or names that mark an ingress controller or gateway.
const EDGE_MARKERS: &[&str] = &[
    "ingress", "gateway", "traefik", "contour", "haproxy", "kong", "envoy",
];

fn is_edge(w: &Workload) -> bool {
    let hit = |s: &str| {
        let s = s.to_ascii_lowercase();
        EDGE_MARKERS.iter().any(|m| s.contains(m))
    };
    hit(&w.name) || w.labels.values().any(|v| hit(v))
}

fn all_namespaces(ns: &Option<Selector>, pods: &Option<Selector>) -> bool {
    ns.as_ref().is_some_and(Selector::is_empty) && pods.as_ref().is_none_or(Selector::is_empty)
}

fn ingress_from_anywhere(m: &Model, p: &NetPol, res: &Resource, out: &mut Vec<Finding>) {
    let open = p
        .rules(Direction::Ingress)
        .into_iter()
        .flatten()
        .any(|r| match &r.peers {
            None => true,
            Some(ps) => ps.iter().any(|x| match x {
                Peer::IpBlock(s) => *s == all_v4(),
                Peer::Pods { ns, pods } => all_namespaces(ns, pods),
            }),
        });
    if !open {
        return;
    }
    let targets: Vec<&Workload> = m
        .topo
        .workloads
        .iter()
        .filter(|w| p.selects(&m.topo.classes[w.class]))
        .collect();
    let exposed: Vec<String> = targets
        .iter()
        .filter(|w| !is_edge(w))
        .map(|w| w.display())
        .collect();
    if !targets.is_empty() && exposed.is_empty() {
        return;
    }
    for r in p.rules(Direction::Ingress).into_iter().flatten() {
        let (internet, what) = match &r.peers {
            None => (true, "every source"),
            Some(ps) => {
                if ps
                    .iter()
                    .any(|x| matches!(x, Peer::IpBlock(s) if *s == all_v4()))
                {
                    (true, "0.0.0.0/0")
                } else if ps
                    .iter()
                    .any(|x| matches!(x, Peer::Pods { ns, pods } if all_namespaces(ns, pods)))
                {
                    (false, "every namespace")
                } else {
                    continue;
                }
            }
        };
        let whom = if exposed.is_empty() {
            format!("the pods its selector matches in \"{}\"", p.namespace)
        } else {
            let mut s = exposed
                .iter()
                .take(5)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ");
            if exposed.len() > 5 {
                s.push_str(&format!(" and {} more", exposed.len() - 5));
            }
            s
        };
        out.push(Finding::new(
            meta::INGRESS_FROM_ANYWHERE.id,
            if internet { Severity::High } else { meta::INGRESS_FROM_ANYWHERE.severity },
            res,
            r.path.clone(),
            format!(
                "NetworkPolicy \"{}\" allows ingress from {what} to {whom}, which {} not an ingress controller",
                p.name,
                if exposed.len() == 1 { "is" } else { "are" }
            ),
        ));
    }
}

const METADATA_IP: u32 = u32::from_be_bytes([169, 254, 169, 254]);

fn egress_metadata(p: &NetPol, res: &Resource, out: &mut Vec<Finding>) {
    for r in p.rules(Direction::Egress).into_iter().flatten() {
        for (i, peer) in r.peers.iter().flatten().enumerate() {
            let Peer::IpBlock(set) = peer else { continue };
            let Some(&(lo, hi)) = set
                .intervals()
                .iter()
                .find(|(a, b)| *a <= METADATA_IP && METADATA_IP <= *b)
            else {
                continue;
            };
            let narrow = u64::from(hi) - u64::from(lo) < 1 << 16;
            out.push(Finding::new(
                meta::EGRESS_METADATA.id,
                if narrow { Severity::High } else { meta::EGRESS_METADATA.severity },
                res,
                r.path.key("to").index(i).key("ipBlock"),
                format!(
                    "NetworkPolicy \"{}\" allows egress to 169.254.169.254 (cloud instance metadata){}",
                    p.name,
                    if narrow { "" } else { " through a broad ipBlock without an except for it" }
                ),
            ));
        }
    }
}

/// Addresses in an ipBlock beyond which it counts as "the internet":
/// half of IPv4 (0.0.0.0/0 minus the private ranges is still ~86%).
const MOST_OF_V4: u64 = 1 << 31;

/// Whether a rule's ports are exactly DNS (53, UDP and/or TCP).
fn dns_only(ports: &[crate::policy::PortSpec]) -> bool {
    !ports.is_empty()
        && ports
            .iter()
            .all(|p| matches!(p, crate::policy::PortSpec::Range(_, 53, 53)))
}

fn egress_anywhere(p: &NetPol, res: &Resource, out: &mut Vec<Finding>) {
    for r in p.rules(Direction::Egress).into_iter().flatten() {
        let what = match &r.peers {
            None => "every destination".to_string(),
            Some(ps) => {
                let Some(size) = ps.iter().find_map(|x| match x {
                    Peer::IpBlock(s) => Some(s.count()).filter(|n| *n >= MOST_OF_V4),
                    Peer::Pods { .. } => None,
                }) else {
                    continue;
                };
                if size == 1 << 32 {
                    "0.0.0.0/0".to_string()
                } else {
                    format!(
                        "an ipBlock of {:.1}% of IPv4",
                        size as f64 / (1u64 << 32) as f64 * 100.0
                    )
                }
            }
        };
        let (sev, on) = match &r.ports {
            None => (meta::EGRESS_ANYWHERE.severity, "on every port".to_string()),
            Some(ports) if dns_only(ports) => continue,
            Some(ports) => (Severity::Low, format!("on {} listed port(s)", ports.len())),
        };
        out.push(Finding::new(
            meta::EGRESS_ANYWHERE.id,
            sev,
            res,
            r.path.clone(),
            format!(
                "NetworkPolicy \"{}\" allows egress to {what} {on}: the pods it selects can reach the internet",
                p.name
            ),
        ));
    }
}

fn all_ports(p: &NetPol, res: &Resource, out: &mut Vec<Finding>) {
    for d in [Direction::Ingress, Direction::Egress] {
        for r in p.rules(d).into_iter().flatten() {
            if r.ports.is_none() {
                out.push(Finding::new(
                    meta::ALL_PORTS.id,
                    meta::ALL_PORTS.severity,
                    res,
                    r.path.clone(),
                    format!(
                        "an {} rule of NetworkPolicy \"{}\" allows every port and protocol",
                        d.field(),
                        p.name
                    ),
                ));
            }
        }
    }
}
