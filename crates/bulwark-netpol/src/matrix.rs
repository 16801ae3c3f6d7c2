//! The full reachability matrix over label-equivalence classes, computed
//! row by row with interned connection sets so that thousands of classes
//! stay in seconds and in one `u32` per class pair.

use std::collections::HashMap;

use crate::conns::ConnSet;
use crate::model::{Model, di};
use crate::policy::{Direction, Peer, ports_conns};
use crate::reach::PeerRef;

/// Interned connection sets with memoised union and intersection.
#[derive(Debug)]
pub struct Interner {
    pub sets: Vec<ConnSet>,
    ids: HashMap<ConnSet, u32>,
    union: HashMap<(u32, u32), u32>,
    inter: HashMap<(u32, u32), u32>,
}

/// Id of the empty set.
pub const NONE: u32 = 0;
/// Id of every connection.
pub const ALL: u32 = 1;

impl Default for Interner {
    fn default() -> Self {
        let mut i = Interner {
            sets: Vec::new(),
            ids: HashMap::new(),
            union: HashMap::new(),
            inter: HashMap::new(),
        };
        i.id(ConnSet::none());
        i.id(ConnSet::all());
        i
    }
}

impl Interner {
    pub fn id(&mut self, c: ConnSet) -> u32 {
        if let Some(&i) = self.ids.get(&c) {
            return i;
        }
        let i = self.sets.len() as u32;
        self.sets.push(c.clone());
        self.ids.insert(c, i);
        i
    }

    pub fn union(&mut self, a: u32, b: u32) -> u32 {
        if a == b || b == NONE || a == ALL {
            return a;
        }
        if a == NONE || b == ALL {
            return b;
        }
        let k = (a.min(b), a.max(b));
        if let Some(&r) = self.union.get(&k) {
            return r;
        }
        let r = self.id(self.sets[a as usize].union(&self.sets[b as usize]));
        self.union.insert(k, r);
        r
    }

    pub fn intersect(&mut self, a: u32, b: u32) -> u32 {
        if a == b || b == ALL || a == NONE {
            return a;
        }
        if a == ALL || b == NONE {
            return b;
        }
        let k = (a.min(b), a.max(b));
        if let Some(&r) = self.inter.get(&k) {
            return r;
        }
        let r = self.id(self.sets[a as usize].intersect(&self.sets[b as usize]));
        self.inter.insert(k, r);
        r
    }
}

/// Allowed connections between every two classes, and between classes and
/// external blocks.
#[derive(Debug)]
pub struct ClassMatrix {
    pub n: usize,
    /// `cells[src * n + dst]`: interned id.
    pub cells: Vec<u32>,
    pub sets: Interner,
    /// Per class: `(lo, hi, id)` of external blocks it may send to.
    pub ext_out: Vec<Vec<(u32, u32, u32)>>,
    /// Per class: external blocks that may reach it.
    pub ext_in: Vec<Vec<(u32, u32, u32)>>,
}

impl ClassMatrix {
    pub fn get(&self, src: usize, dst: usize) -> &ConnSet {
        &self.sets.sets[self.cells[src * self.n + dst] as usize]
    }
}

/// The classes a rule's peers match (`None`: every class).
struct Targets {
    all: bool,
    classes: Vec<u32>,
}

impl Model {
    fn rule_targets(&self, policy_ns: &str, peers: &Option<Vec<Peer>>) -> Targets {
        let Some(peers) = peers else {
            return Targets {
                all: true,
                classes: Vec::new(),
            };
        };
        let classes = (0..self.topo.classes.len())
            .filter(|&c| {
                peers
                    .iter()
                    .any(|p| self.np_peer_matches_pub(policy_ns, p, PeerRef::Class(c)))
            })
            .map(|c| c as u32)
            .collect();
        Targets {
            all: false,
            classes,
        }
    }

    /// One row: what `subject` allows in direction `d` with every class
    /// (`None`: everything, nothing restricts it).
    fn row(
        &self,
        subject: usize,
        d: Direction,
        targets: &HashMap<(usize, usize, usize), Targets>,
        it: &mut Interner,
    ) -> Option<Vec<u32>> {
        let n = self.topo.classes.len();
        let admin = !self.anp_of[subject].is_empty() || self.banp_of[subject];
        if admin {
            return Some(
                (0..n)
                    .map(|c| it.id(self.allowed(subject, PeerRef::Class(c), d)))
                    .collect(),
            );
        }
        let pols = &self.np_of[di(d)][subject];
        if pols.is_empty() {
            return None;
        }
        let mut row = vec![NONE; n];
        for &pi in pols {
            let p = &self.netpols[pi];
            for (ri, r) in p.rules(d).into_iter().flatten().enumerate() {
                let named = r.ports.iter().flatten().any(|x| x.is_named());
                let per_row = if d == Direction::Ingress || !named {
                    let owner = (d == Direction::Ingress).then(|| &self.topo.classes[subject]);
                    Some(it.id(ports_conns(&r.ports, owner)))
                } else {
                    None
                };
                let apply = |c: usize, row: &mut Vec<u32>, it: &mut Interner| {
                    let id = match per_row {
                        Some(id) => id,
                        None => it.id(ports_conns(&r.ports, Some(&self.topo.classes[c]))),
                    };
                    row[c] = it.union(row[c], id);
                };
                let Some(t) = targets.get(&(pi, di(d), ri)) else {
                    continue;
                };
                if t.all {
                    for c in 0..n {
                        apply(c, &mut row, it);
                    }
                } else {
                    for &c in &t.classes {
                        apply(c as usize, &mut row, it);
                    }
                }
            }
        }
        Some(row)
    }

    /// What `subject` allows with each atomic external block, as
    /// `(lo, hi, id)` for the blocks with something allowed.
    fn ext_row(
        &self,
        subject: usize,
        d: Direction,
        blocks: &[(u32, u32)],
        it: &mut Interner,
    ) -> Vec<(u32, u32, u32)> {
        let admin = !self.anp_of[subject].is_empty() || self.banp_of[subject];
        let pols = &self.np_of[di(d)][subject];
        let ids: Vec<u32> = if admin {
            blocks
                .iter()
                .map(|&(lo, hi)| it.id(self.allowed(subject, PeerRef::Ip(lo, hi), d)))
                .collect()
        } else if pols.is_empty() {
            vec![ALL; blocks.len()]
        } else {
            let mut row = vec![NONE; blocks.len()];
            let owner = (d == Direction::Ingress).then(|| &self.topo.classes[subject]);
            for &pi in pols {
                for r in self.netpols[pi].rules(d).into_iter().flatten() {
                    let id = it.id(ports_conns(&r.ports, owner));
                    if id == NONE {
                        continue;
                    }
                    let mut hit = |from: usize, to: usize, row: &mut Vec<u32>| {
                        for x in &mut row[from..to] {
                            *x = it.union(*x, id);
                        }
                    };
                    match &r.peers {
                        None => hit(0, blocks.len(), &mut row),
                        Some(peers) => {
                            for p in peers {
                                let Peer::IpBlock(set) = p else { continue };
                                for &(a, b) in set.intervals() {
                                    // Blocks are atomic: each lies wholly inside or outside.
                                    let from = blocks.partition_point(|&(lo, _)| lo < a);
                                    let to = blocks.partition_point(|&(_, hi)| hi <= b);
                                    if from < to {
                                        hit(from, to, &mut row);
                                    }
                                }
                            }
                        }
                    }
                }
            }
            row
        };
        blocks
            .iter()
            .zip(ids)
            .filter(|(_, id)| *id != NONE)
            .map(|(&(lo, hi), id)| (lo, hi, id))
            .collect()
    }

    /// The whole matrix.
    pub fn matrix(&self) -> ClassMatrix {
        let n = self.topo.classes.len();
        let mut it = Interner::default();
        let mut targets = HashMap::new();
        for (pi, p) in self.netpols.iter().enumerate() {
            for d in [Direction::Ingress, Direction::Egress] {
                let used = (0..n).any(|c| self.np_of[di(d)][c].contains(&pi));
                if !used {
                    continue;
                }
                for (ri, r) in p.rules(d).into_iter().flatten().enumerate() {
                    targets.insert((pi, di(d), ri), self.rule_targets(&p.namespace, &r.peers));
                }
            }
        }
        // Ingress rows, stored transposed: cells[src * n + dst].
        // Rows come per destination; they are written in tiles of TILE
        // destinations so the transposition stays in cache.
        const TILE: usize = 64;
        let mut cells = vec![ALL; n * n];
        for d0 in (0..n).step_by(TILE) {
            let rows: Vec<(usize, Vec<u32>)> = (d0..n.min(d0 + TILE))
                .filter_map(|dst| {
                    self.row(dst, Direction::Ingress, &targets, &mut it)
                        .map(|r| (dst, r))
                })
                .collect();
            if rows.is_empty() {
                continue;
            }
            for src in 0..n {
                let base = src * n;
                for (dst, row) in &rows {
                    cells[base + dst] = row[src];
                }
            }
        }
        for src in 0..n {
            if let Some(row) = self.row(src, Direction::Egress, &targets, &mut it) {
                for (dst, id) in row.into_iter().enumerate() {
                    let cell = &mut cells[src * n + dst];
                    *cell = it.intersect(id, *cell);
                }
            }
        }
        // Primary user-defined networks are isolated from each other.
        let nets: Vec<_> = self.topo.classes.iter().map(|c| &c.network).collect();
        if nets.iter().any(|n| n.is_some()) {
            for src in 0..n {
                for dst in 0..n {
                    if nets[src] != nets[dst] {
                        cells[src * n + dst] = NONE;
                    }
                }
            }
        }
        let eg_blocks = self.external_blocks(Direction::Egress);
        let in_blocks = self.external_blocks(Direction::Ingress);
        let mut ext_out = Vec::with_capacity(n);
        let mut ext_in = Vec::with_capacity(n);
        for c in 0..n {
            ext_out.push(self.ext_row(c, Direction::Egress, &eg_blocks, &mut it));
            ext_in.push(self.ext_row(c, Direction::Ingress, &in_blocks, &mut it));
        }
        ClassMatrix {
            n,
            cells,
            sets: it,
            ext_out,
            ext_in,
        }
    }
}
