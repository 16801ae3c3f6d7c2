//! Ways to print an answer: connlist lines, a table, JSON, a matrix, and
//! Graphviz dot.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write;

use serde::Serialize;

use crate::conns::Protocol;
use crate::problem::Problem;
use crate::reach::{ConnView, Endpoint, Reachability};

/// Which connections a question is about.
#[derive(Clone, Debug, Default)]
pub struct Query {
    /// Source workloads (indices into the topology); `None`: any.
    pub from: Option<Vec<usize>>,
    pub to: Option<Vec<usize>>,
    /// Only pairs that allow this protocol and port.
    pub port: Option<(Protocol, u32)>,
}

impl Query {
    fn keeps(&self, src: Endpoint, dst: Endpoint) -> bool {
        let side = |want: &Option<Vec<usize>>, e: Endpoint| match (want, e) {
            (None, _) => true,
            (Some(ws), Endpoint::Workload(w)) => ws.contains(&w),
            (Some(_), Endpoint::External(..)) => false,
        };
        side(&self.from, src) && side(&self.to, dst)
    }
}

/// Parses `tcp/8080` (protocol optional: `8080` is TCP).
pub fn parse_port(s: &str) -> Result<(Protocol, u32), String> {
    let (p, n) = match s.split_once('/') {
        Some((p, n)) => (
            Protocol::parse(p)
                .ok_or_else(|| format!("unknown protocol '{p}' (tcp, udp or sctp)"))?,
            n,
        ),
        None => (Protocol::Tcp, s),
    };
    let n: u32 = n
        .parse()
        .ok()
        .filter(|n| (1..=65535).contains(n))
        .ok_or_else(|| format!("invalid port '{n}' (1-65535)"))?;
    Ok((p, n))
}

impl Reachability<'_> {
    /// The connections a query keeps, sorted as connlist sorts them.
    pub fn select(&self, q: &Query) -> Vec<ConnView> {
        let mut v: Vec<ConnView> = self
            .conns
            .iter()
            .filter(|c| q.keeps(c.src, c.dst))
            .filter(|c| q.port.is_none_or(|(p, n)| c.conns.allows(p, n)))
            .map(|c| ConnView {
                src: self.model.endpoint_name(c.src),
                dst: self.model.endpoint_name(c.dst),
                conns: c.conns.clone(),
            })
            .collect();
        v.sort_by(|a, b| (&a.src, &a.dst).cmp(&(&b.src, &b.dst)));
        v
    }
}

/// `src => dst : conns` lines.
pub fn connlist(conns: &[ConnView]) -> String {
    let mut s = String::new();
    for c in conns {
        let _ = writeln!(s, "{} => {} : {}", c.src, c.dst, c.conns);
    }
    s
}

/// Aligned columns with a header.
pub fn table(conns: &[ConnView]) -> String {
    let w1 = conns.iter().map(|c| c.src.len()).max().unwrap_or(0).max(6);
    let w2 = conns.iter().map(|c| c.dst.len()).max().unwrap_or(0).max(11);
    let mut s = format!("{:<w1$}  {:<w2$}  CONNECTIONS\n", "SOURCE", "DESTINATION");
    for c in conns {
        let _ = writeln!(s, "{:<w1$}  {:<w2$}  {}", c.src, c.dst, c.conns);
    }
    let _ = writeln!(s, "{} allowed connection(s)", conns.len());
    s
}

#[derive(Serialize)]
struct JsonOut<'a> {
    connections: &'a [ConnView],
    problems: &'a [Problem],
}

/// `{"connections": [...], "problems": [...]}`.
pub fn json(conns: &[ConnView], problems: &[Problem]) -> String {
    serde_json::to_string_pretty(&JsonOut {
        connections: conns,
        problems,
    })
    .unwrap_or_default()
}

/// A source x destination grid; `-` where nothing is allowed.
pub fn matrix(conns: &[ConnView]) -> String {
    let srcs: BTreeSet<&str> = conns.iter().map(|c| c.src.as_str()).collect();
    let dsts: BTreeSet<&str> = conns.iter().map(|c| c.dst.as_str()).collect();
    let dsts: Vec<&str> = dsts.into_iter().collect();
    // The first connection of each pair, found by lookup (a search of every
    // connection per cell was cubic in the grid's side).
    let mut by_pair: HashMap<(&str, &str), &ConnView> = HashMap::with_capacity(conns.len());
    for c in conns {
        by_pair.entry((c.src.as_str(), c.dst.as_str())).or_insert(c);
    }
    let cell = |s: &str, d: &str| {
        by_pair
            .get(&(s, d))
            .map(|c| c.conns.to_string())
            .unwrap_or_else(|| "-".into())
    };
    let rows: Vec<Vec<String>> = srcs
        .iter()
        .map(|s| dsts.iter().map(|d| cell(s, d)).collect())
        .collect();
    let w0 = srcs.iter().map(|s| s.len()).max().unwrap_or(0).max(4);
    let widths: Vec<usize> = dsts
        .iter()
        .enumerate()
        .map(|(j, d)| {
            rows.iter()
                .map(|r| r[j].len())
                .max()
                .unwrap_or(0)
                .max(d.len())
        })
        .collect();
    let mut out = format!("{:<w0$}", "FROM\\TO");
    for (d, w) in dsts.iter().zip(&widths) {
        let _ = write!(out, " | {d:<w$}");
    }
    out.push('\n');
    for (s, r) in srcs.iter().zip(&rows) {
        let _ = write!(out, "{s:<w0$}");
        for (c, w) in r.iter().zip(&widths) {
            let _ = write!(out, " | {c:<w$}");
        }
        out.push('\n');
    }
    out
}

fn dot_id(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Graphviz: one box per workload (clustered by namespace), one ellipse per
/// external range, one labelled edge per allowed pair.
pub fn dot(conns: &[ConnView]) -> String {
    let mut nodes: BTreeSet<&str> = BTreeSet::new();
    for c in conns {
        nodes.insert(&c.src);
        nodes.insert(&c.dst);
    }
    let mut by_ns: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    let mut out = String::from("digraph netpol {\n  rankdir=LR;\n  node [fontsize=10];\n");
    for n in &nodes {
        if n.ends_with("[External]") {
            let _ = writeln!(out, "  {} [shape=ellipse, color=red];", dot_id(n));
        } else {
            let ns = n.split('/').next().unwrap_or("");
            by_ns.entry(ns).or_default().push(n);
        }
    }
    for (i, (ns, ws)) in by_ns.iter().enumerate() {
        let _ = writeln!(out, "  subgraph cluster_{i} {{\n    label={};", dot_id(ns));
        for w in ws {
            let _ = writeln!(out, "    {} [shape=box];", dot_id(w));
        }
        out.push_str("  }\n");
    }
    for c in conns {
        let _ = writeln!(
            out,
            "  {} -> {} [label={}];",
            dot_id(&c.src),
            dot_id(&c.dst),
            dot_id(&c.conns.to_string())
        );
    }
    out.push_str("}\n");
    out
}
