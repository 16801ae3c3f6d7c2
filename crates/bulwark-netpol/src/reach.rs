//! The reachability computation: per direction, the admin tier (ANPs by
//! priority, with Pass), then NetworkPolicy (additive allows, isolation per
//! direction), then the baseline tier; a connection is allowed when the
//! source's egress and the destination's ingress both allow it.

use serde::Serialize;

use crate::admin::{Action, AdminPeer};
use crate::conns::ConnSet;
use crate::ip::range_text;
use crate::model::{Model, di};
use crate::policy::{Direction, Peer, ports_conns};
use crate::selector::Labels;
use crate::topology::Class;

/// The other end of a connection, seen from the pod a policy selects.
#[derive(Clone, Copy, Debug)]
pub enum PeerRef {
    Class(usize),
    /// An atomic external IPv4 block `[lo, hi]`.
    Ip(u32, u32),
    /// The ingress controller: a pod without labels in a namespace of its
    /// own (see [`crate::exposure`]).
    IngressController,
}

fn controller_ns_labels() -> Labels {
    Labels::from([(
        crate::topology::NS_NAME_LABEL.to_string(),
        crate::exposure::CONTROLLER_NAMESPACE.to_string(),
    )])
}

/// One end of a connection in the answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Endpoint {
    Workload(usize),
    External(u32, u32),
}

/// One allowed connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conn {
    pub src: Endpoint,
    pub dst: Endpoint,
    pub conns: ConnSet,
}

/// The allowed connections of a model.
#[derive(Debug)]
pub struct Reachability<'m> {
    pub model: &'m Model,
    pub conns: Vec<Conn>,
}

/// A connection as reports print it.
#[derive(Clone, Debug, Serialize)]
pub struct ConnView {
    pub src: String,
    pub dst: String,
    pub conns: ConnSet,
}

impl Model {
    fn class(&self, i: usize) -> &Class {
        &self.topo.classes[i]
    }

    pub(crate) fn np_peer_matches_pub(&self, policy_ns: &str, peer: &Peer, other: PeerRef) -> bool {
        self.np_peer_matches(policy_ns, peer, other)
    }

    fn np_peer_matches(&self, policy_ns: &str, peer: &Peer, other: PeerRef) -> bool {
        match (peer, other) {
            (Peer::IpBlock(set), PeerRef::Ip(lo, hi)) => set.covers(lo, hi),
            (Peer::IpBlock(set), PeerRef::Class(c)) => self
                .class(c)
                .labels
                .get(crate::secondary::SECONDARY_IP_LABEL)
                .and_then(|ip| ip.parse::<std::net::Ipv4Addr>().ok())
                .is_some_and(|ip| set.contains(u32::from(ip))),
            (Peer::IpBlock(_), PeerRef::IngressController)
            | (Peer::Pods { .. }, PeerRef::Ip(..)) => false,
            (Peer::Pods { ns, pods }, PeerRef::IngressController) => {
                let ns_labels = controller_ns_labels();
                ns.as_ref().is_some_and(|s| s.matches(&ns_labels))
                    && pods.as_ref().is_none_or(|s| s.matches(&Labels::new()))
            }
            (Peer::Pods { ns, pods }, PeerRef::Class(c)) => {
                let c = self.class(c);
                if c.host_network && !self.opts.host_network_as_pod {
                    return false;
                }
                let ns_ok = match ns {
                    None => c.namespace == policy_ns,
                    Some(sel) => self.ns_labels(c).is_some_and(|l| sel.matches(l)),
                };
                ns_ok && pods.as_ref().is_none_or(|s| s.matches(&c.labels))
            }
        }
    }

    fn admin_peer_matches(&self, peer: &AdminPeer, other: PeerRef) -> bool {
        match (peer, other) {
            (AdminPeer::Networks(set), PeerRef::Ip(lo, hi)) => set.covers(lo, hi),
            (AdminPeer::Pods(ps), PeerRef::IngressController) => {
                let nsl = controller_ns_labels();
                match ps {
                    crate::admin::PodSet::Namespaces(s) => s.matches(&nsl),
                    crate::admin::PodSet::Pods { ns, pods } => {
                        ns.matches(&nsl) && pods.matches(&Labels::new())
                    }
                }
            }
            (AdminPeer::Pods(ps), PeerRef::Class(c)) => {
                let c = self.class(c);
                (self.opts.host_network_as_pod || !c.host_network) && ps.matches(&self.topo, c)
            }
            _ => false,
        }
    }

    /// What NetworkPolicy alone allows `subject` in direction `d` with `peer`
    /// (`None` when no policy isolates the subject in that direction).
    pub fn np_allowed(&self, subject: usize, peer: PeerRef, d: Direction) -> Option<ConnSet> {
        let pols = &self.np_of[di(d)][subject];
        if pols.is_empty() {
            return None;
        }
        let dst = self.port_owner(subject, peer, d);
        let mut acc = ConnSet::none();
        for &pi in pols {
            let p = &self.netpols[pi];
            for r in p.rules(d).into_iter().flatten() {
                let hit = match &r.peers {
                    None => true,
                    Some(ps) => ps
                        .iter()
                        .any(|x| self.np_peer_matches(&p.namespace, x, peer)),
                };
                if hit {
                    acc = acc.union(&ports_conns(&r.ports, dst));
                }
            }
        }
        Some(acc)
    }

    /// The pod whose named ports the rule's ports resolve against: the
    /// destination of the connection.
    fn port_owner(&self, subject: usize, peer: PeerRef, d: Direction) -> Option<&Class> {
        match (d, peer) {
            (Direction::Ingress, _) => Some(self.class(subject)),
            (Direction::Egress, PeerRef::Class(c)) => Some(self.class(c)),
            (Direction::Egress, PeerRef::Ip(..) | PeerRef::IngressController) => None,
        }
    }

    /// Everything allowed for `subject` in direction `d` with `peer`, all
    /// three tiers applied.
    pub fn allowed(&self, subject: usize, peer: PeerRef, d: Direction) -> ConnSet {
        let dst = self.port_owner(subject, peer, d);
        let mut allowed = ConnSet::none();
        let mut undecided = ConnSet::all();
        let mut passed = ConnSet::none();
        'anps: for &ai in &self.anp_of[subject] {
            for r in self.anps[ai].rules(d) {
                if undecided.is_empty() {
                    break 'anps;
                }
                if !r.peers.iter().any(|p| self.admin_peer_matches(p, peer)) {
                    continue;
                }
                let m = r.conns(dst).intersect(&undecided);
                match r.action {
                    Action::Allow => allowed = allowed.union(&m),
                    Action::Deny => {}
                    Action::Pass => passed = passed.union(&m),
                }
                undecided = undecided.subtract(&m);
            }
        }
        let rest = undecided.union(&passed);
        if rest.is_empty() {
            return allowed;
        }
        if let Some(np) = self.np_allowed(subject, peer, d) {
            return allowed.union(&np.intersect(&rest));
        }
        let mut rest = rest;
        if self.banp_of[subject]
            && let Some(b) = &self.banp
        {
            for r in b.rules(d) {
                if rest.is_empty() {
                    break;
                }
                if !r.peers.iter().any(|p| self.admin_peer_matches(p, peer)) {
                    continue;
                }
                let m = r.conns(dst).intersect(&rest);
                if r.action == Action::Allow {
                    allowed = allowed.union(&m);
                }
                rest = rest.subtract(&m);
            }
        }
        allowed.union(&rest)
    }

    /// Whether nothing restricts `subject` in direction `d` (fast path).
    fn unrestricted(&self, subject: usize, d: Direction) -> bool {
        self.np_of[di(d)][subject].is_empty()
            && self.anp_of[subject].is_empty()
            && !self.banp_of[subject]
    }

    /// What class `s` may open to class `t`, computed for this one pair
    /// (the matrix computes all pairs at once; this is its reference).
    pub fn pair_allowed(&self, s: usize, t: usize) -> ConnSet {
        if self.class(s).network != self.class(t).network {
            return ConnSet::none();
        }
        let eg = if self.unrestricted(s, Direction::Egress) {
            ConnSet::all()
        } else {
            self.allowed(s, PeerRef::Class(t), Direction::Egress)
        };
        if eg.is_empty() {
            return eg;
        }
        if self.unrestricted(t, Direction::Ingress) {
            return eg;
        }
        eg.intersect(&self.allowed(t, PeerRef::Class(s), Direction::Ingress))
    }

    /// Every allowed connection between workloads, and between workloads
    /// and external IPv4 blocks, expanded from the class matrix.
    pub fn reachability(&self) -> Reachability<'_> {
        self.reachability_between(None, None)
    }

    /// [`Model::reachability`] with sources among `from` and destinations
    /// among `to` (workload indices; `None`: any): only those pairs are
    /// expanded (`reach --from X` never builds the workload × workload
    /// list). An external block is kept on a side that is `None`.
    pub fn reachability_between(
        &self,
        from: Option<&[usize]>,
        to: Option<&[usize]>,
    ) -> Reachability<'_> {
        let m = self.matrix();
        let classes = &self.topo.classes;
        let side = |want: Option<&[usize]>| -> Vec<Vec<usize>> {
            classes
                .iter()
                .map(|c| {
                    c.members
                        .iter()
                        .copied()
                        .filter(|w| want.is_none_or(|ws| ws.contains(w)))
                        .collect()
                })
                .collect()
        };
        let (srcs, dsts) = (side(from), side(to));
        let mut out = Vec::new();
        for s in (0..m.n).filter(|&s| !srcs[s].is_empty()) {
            for t in (0..m.n).filter(|&t| !dsts[t].is_empty()) {
                let c = m.get(s, t);
                if c.is_empty() {
                    continue;
                }
                for &ws in &srcs[s] {
                    for &wt in &dsts[t] {
                        if ws != wt {
                            out.push(Conn {
                                src: Endpoint::Workload(ws),
                                dst: Endpoint::Workload(wt),
                                conns: c.clone(),
                            });
                        }
                    }
                }
            }
        }
        for c in 0..classes.len() {
            for &(lo, hi, id) in m.ext_out[c].iter().filter(|_| to.is_none()) {
                for &w in &srcs[c] {
                    out.push(Conn {
                        src: Endpoint::Workload(w),
                        dst: Endpoint::External(lo, hi),
                        conns: m.sets.sets[id as usize].clone(),
                    });
                }
            }
            for &(lo, hi, id) in m.ext_in[c].iter().filter(|_| from.is_none()) {
                for &w in &dsts[c] {
                    out.push(Conn {
                        src: Endpoint::External(lo, hi),
                        dst: Endpoint::Workload(w),
                        conns: m.sets.sets[id as usize].clone(),
                    });
                }
            }
        }
        Reachability {
            model: self,
            conns: out,
        }
    }

    /// `ns/name[Kind]` or `a.b.c.d-e.f.g.h[External]`.
    pub fn endpoint_name(&self, e: Endpoint) -> String {
        match e {
            Endpoint::Workload(w) => self.topo.workloads[w].display(),
            Endpoint::External(lo, hi) => format!("{}[External]", range_text(lo, hi)),
        }
    }
}

impl Reachability<'_> {
    /// Connections with printable endpoint names, sorted as connlist sorts.
    pub fn views(&self) -> Vec<ConnView> {
        let mut v: Vec<ConnView> = self
            .conns
            .iter()
            .map(|c| ConnView {
                src: self.model.endpoint_name(c.src),
                dst: self.model.endpoint_name(c.dst),
                conns: c.conns.clone(),
            })
            .collect();
        v.sort_by(|a, b| (&a.src, &a.dst).cmp(&(&b.src, &b.dst)));
        v
    }

    /// The connlist text: `src => dst : conns`, one line per allowed pair.
    pub fn connlist(&self) -> String {
        let mut s = String::new();
        for v in self.views() {
            s.push_str(&format!("{} => {} : {}\n", v.src, v.dst, v.conns));
        }
        s
    }
}
