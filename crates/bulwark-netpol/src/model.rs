//! Everything a reachability question needs, read once from an inventory:
//! the topology, the parsed policies, and which policies select which
//! label-equivalence class.

use std::collections::{BTreeMap, HashMap};

use bulwark_core::{FieldPath, Inventory};

use crate::admin::{AdminPeer, AdminPolicy, PodSet, parse_admin};
use crate::policy::{Direction, NetPol, Peer, parse_netpol};
use crate::problem::{Level, Problem};
use crate::selector::Selector;
use crate::topology::{Class, Topology};

/// Switches of the analysis.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Treat `hostNetwork: true` pods like any other pod. By default they
    /// are treated as node traffic, as CNI plugins enforce it: no policy
    /// selects them, and as a peer only rules that allow every source or
    /// destination match them. np-guard's analyzer treats them as pods.
    pub host_network_as_pod: bool,
}

/// Kinds of multi-network setups this model does not cover.
const MULTI_NETWORK_KINDS: &[&str] = &["NetworkAttachmentDefinition", "MultiNetworkPolicy"];

pub(crate) fn is_admin_group(api_version: &str) -> bool {
    api_version.starts_with("policy.networking.k8s.io/")
}

/// The parsed inputs of one analysis.
#[derive(Debug)]
pub struct Model {
    pub topo: Topology,
    pub netpols: Vec<NetPol>,
    /// AdminNetworkPolicies, by ascending priority (first decides).
    pub anps: Vec<AdminPolicy>,
    pub banp: Option<AdminPolicy>,
    pub problems: Vec<Problem>,
    pub opts: Options,
    /// Per direction, per class: the NetworkPolicies that select it.
    pub(crate) np_of: [Vec<Vec<usize>>; 2],
    /// Per class: the ANPs whose subject holds it (in priority order).
    pub(crate) anp_of: Vec<Vec<usize>>,
    pub(crate) banp_of: Vec<bool>,
}

pub(crate) fn di(d: Direction) -> usize {
    match d {
        Direction::Ingress => 0,
        Direction::Egress => 1,
    }
}

impl Model {
    pub fn build(inv: &Inventory, opts: Options) -> Self {
        let mut problems = Vec::new();
        let topo = Topology::build(inv, &mut problems);
        let mut netpols = Vec::new();
        let mut anps: Vec<AdminPolicy> = Vec::new();
        let mut banp: Option<AdminPolicy> = None;
        let mut np_names: HashMap<(String, String), usize> = HashMap::new();
        for (idx, r) in inv.resources.iter().enumerate() {
            match (r.kind(), r.group()) {
                ("NetworkPolicy", "networking.k8s.io") => match parse_netpol(idx, r) {
                    Ok(p) => {
                        let key = (p.namespace.clone(), p.name.clone());
                        if np_names.insert(key, idx).is_some() {
                            problems.push(Problem::at(
                                Level::Error,
                                r,
                                &FieldPath::parse("metadata.name"),
                                format!(
                                    "NetworkPolicy \"{}/{}\" is defined more than once",
                                    p.namespace, p.name
                                ),
                            ));
                        } else {
                            netpols.push(p);
                        }
                    }
                    Err(e) => problems.extend(e),
                },
                ("AdminNetworkPolicy", g) if is_admin_group(&r.id.api_version) || g.is_empty() => {
                    match parse_admin(idx, r, false, &mut problems) {
                        Ok(p) => {
                            if anps.iter().any(|a| a.name == p.name) {
                                problems.push(Problem::at(
                                    Level::Error,
                                    r,
                                    &FieldPath::parse("metadata.name"),
                                    format!(
                                        "AdminNetworkPolicy \"{}\" is defined more than once",
                                        p.name
                                    ),
                                ));
                            } else if let Some(o) = anps.iter().find(|a| a.priority == p.priority) {
                                problems.push(Problem::at(
                                    Level::Error,
                                    r,
                                    &FieldPath::parse("spec.priority"),
                                    format!(
                                        "AdminNetworkPolicies \"{}\" and \"{}\" have the same priority {}: their order is undefined",
                                        o.name,
                                        p.name,
                                        p.priority.unwrap_or(0)
                                    ),
                                ));
                            } else {
                                anps.push(p);
                            }
                        }
                        Err(e) => problems.extend(e),
                    }
                }
                ("BaselineAdminNetworkPolicy", g)
                    if is_admin_group(&r.id.api_version) || g.is_empty() =>
                {
                    match parse_admin(idx, r, true, &mut problems) {
                        Ok(p) => {
                            if banp.is_some() {
                                problems.push(Problem::at(
                                    Level::Error,
                                    r,
                                    &FieldPath::parse("metadata.name"),
                                    "only one BaselineAdminNetworkPolicy may exist: this one is a second",
                                ));
                            } else {
                                banp = Some(p);
                            }
                        }
                        Err(e) => problems.extend(e),
                    }
                }
                _ => {}
            }
        }
        anps.sort_by_key(|a| a.priority);
        let mut unmodelled: Vec<&str> = inv
            .iter()
            .map(|r| r.kind())
            .filter(|k| MULTI_NETWORK_KINDS.contains(k))
            .collect();
        unmodelled.sort_unstable();
        unmodelled.dedup();
        if !unmodelled.is_empty() {
            problems.push(Problem::global(
                Level::Warning,
                format!(
                    "{} found: secondary networks are analysed apart from the primary network (see `secondary::secondary_networks`); ipBlocks of MultiNetworkPolicies are not matched against pod addresses",
                    unmodelled.join(", ")
                ),
            ));
        }
        if topo.workloads.is_empty() {
            problems.push(Problem::global(
                Level::Warning,
                "no workload resources found (Pods, Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs, CronJobs)",
            ));
        }
        if !inv.iter().any(|r| r.kind().ends_with("NetworkPolicy")) {
            problems.push(Problem::global(
                Level::Warning,
                "no NetworkPolicy resources found: every connection is allowed",
            ));
        }
        let mut m = Model {
            topo,
            netpols,
            anps,
            banp,
            problems,
            opts,
            np_of: [Vec::new(), Vec::new()],
            anp_of: Vec::new(),
            banp_of: Vec::new(),
        };
        m.index();
        m.check_label_gaps(inv);
        m.check_named_ports(inv);
        m
    }

    /// Whether an error makes the answer unreliable.
    pub fn has_errors(&self) -> bool {
        self.problems.iter().any(Problem::is_error)
    }

    fn index(&mut self) {
        let n = self.topo.classes.len();
        self.np_of = [vec![Vec::new(); n], vec![Vec::new(); n]];
        self.anp_of = vec![Vec::new(); n];
        self.banp_of = vec![false; n];
        for (ci, c) in self.topo.classes.iter().enumerate() {
            if c.host_network && !self.opts.host_network_as_pod {
                continue;
            }
            for (pi, p) in self.netpols.iter().enumerate() {
                if p.selects(c) {
                    for d in [Direction::Ingress, Direction::Egress] {
                        if p.rules(d).is_some() {
                            self.np_of[di(d)][ci].push(pi);
                        }
                    }
                }
            }
            for (ai, a) in self.anps.iter().enumerate() {
                if a.subject.matches(&self.topo, c) {
                    self.anp_of[ci].push(ai);
                }
            }
            self.banp_of[ci] = self
                .banp
                .as_ref()
                .is_some_and(|b| b.subject.matches(&self.topo, c));
        }
    }

    /// Pods of one owner with different labels are one endpoint; that is only
    /// sound when no selector tells them apart.
    fn check_label_gaps(&mut self, inv: &Inventory) {
        let mut pod_sels: Vec<(&Selector, Option<&Selector>)> = Vec::new();
        for p in &self.netpols {
            pod_sels.push((&p.pod_selector, None));
            for d in [Direction::Ingress, Direction::Egress] {
                for r in p.rules(d).into_iter().flatten() {
                    for peer in r.peers.iter().flatten() {
                        if let Peer::Pods { pods: Some(s), .. } = peer {
                            pod_sels.push((s, None));
                        }
                    }
                }
            }
        }
        let admin = self.anps.iter().chain(self.banp.iter());
        let mut sets: Vec<&PodSet> = Vec::new();
        for a in admin {
            sets.push(&a.subject);
            for r in a.ingress.iter().chain(a.egress.iter()) {
                for p in &r.peers {
                    if let AdminPeer::Pods(ps) = p {
                        sets.push(ps);
                    }
                }
            }
        }
        for ps in sets {
            if let PodSet::Pods { pods, .. } = ps {
                pod_sels.push((pods, None));
            }
        }
        let mut errs = Vec::new();
        for w in &self.topo.workloads {
            if w.label_variants.is_empty() {
                continue;
            }
            let differs = pod_sels.iter().any(|(s, _)| {
                let first = s.matches(&w.labels);
                w.label_variants.iter().any(|l| s.matches(l) != first)
            });
            if differs {
                let r = &inv.resources[w.resource];
                errs.push(Problem::at(
                    Level::Error,
                    r,
                    &FieldPath::parse("metadata.labels"),
                    format!(
                        "pods of workload {}/{} have different labels and a policy selector tells them apart: analysing them as one workload is not supported",
                        w.namespace, w.name
                    ),
                ));
            }
        }
        self.problems.extend(errs);
    }

    /// Named ports of admin rules that no container declares: they allow
    /// or deny nothing, which is rarely what was meant.
    fn check_named_ports(&mut self, inv: &Inventory) {
        let mut warns = Vec::new();
        for a in self.anps.iter().chain(self.banp.iter()) {
            for (d, rules) in [("ingress", &a.ingress), ("egress", &a.egress)] {
                for (i, r) in rules.iter().enumerate() {
                    for p in r.ports.iter().flatten() {
                        let crate::admin::AdminPort::Named(n) = p else {
                            continue;
                        };
                        let path = FieldPath::parse("spec").key(d).index(i).key("ports");
                        if !self
                            .topo
                            .classes
                            .iter()
                            .any(|c| c.ports.iter().any(|x| &x.name == n))
                        {
                            warns.push(Problem::at(
                                Level::Warning,
                                &inv.resources[a.resource],
                                &path,
                                format!("named port '{n}' of rule '{}' matches no container port of any workload", r.name),
                            ));
                        }
                        if r.peers.iter().any(|p| matches!(p, AdminPeer::Networks(_))) {
                            warns.push(Problem::at(
                                Level::Warning,
                                &inv.resources[a.resource],
                                &path,
                                format!("named port '{n}' of rule '{}' is ignored for its 'networks' peers (an IP has no named ports)", r.name),
                            ));
                        }
                    }
                }
            }
        }
        for p in &self.netpols {
            let res = &inv.resources[p.resource];
            for d in [Direction::Ingress, Direction::Egress] {
                for r in p.rules(d).into_iter().flatten() {
                    let has_ip = r
                        .peers
                        .iter()
                        .flatten()
                        .any(|x| matches!(x, Peer::IpBlock(_)));
                    let named = r.ports.iter().flatten().any(|x| x.is_named());
                    if has_ip && named {
                        warns.push(Problem::at(
                            Level::Warning,
                            res,
                            &r.path,
                            "named ports of this rule are ignored for its ipBlock peers (an IP has no named ports)",
                        ));
                    }
                }
            }
        }
        self.problems.extend(warns);
    }

    /// Labels of a class's namespace.
    pub(crate) fn ns_labels(&self, c: &Class) -> Option<&crate::selector::Labels> {
        self.topo.namespace_labels(&c.namespace)
    }

    /// Atomic external blocks of a direction: the IPv4 space cut at every
    /// ipBlock/networks boundary that a rule of that direction mentions.
    pub fn external_blocks(&self, d: Direction) -> Vec<(u32, u32)> {
        let mut cuts: BTreeMap<u64, ()> = BTreeMap::new();
        let mut add = |set: &crate::intervals::IntervalSet| {
            for &(a, b) in set.intervals() {
                cuts.insert(u64::from(a), ());
                cuts.insert(u64::from(b) + 1, ());
            }
        };
        for p in &self.netpols {
            for r in p.rules(d).into_iter().flatten() {
                for peer in r.peers.iter().flatten() {
                    if let Peer::IpBlock(s) = peer {
                        add(s);
                    }
                }
            }
        }
        for a in self.anps.iter().chain(self.banp.iter()) {
            for r in a.rules(d) {
                for p in &r.peers {
                    if let AdminPeer::Networks(s) = p {
                        add(s);
                    }
                }
            }
        }
        cuts.insert(0, ());
        cuts.insert(1u64 << 32, ());
        let pts: Vec<u64> = cuts.keys().copied().collect();
        pts.windows(2)
            .map(|w| (w[0] as u32, (w[1] - 1) as u32))
            .collect()
    }
}
