//! Acceptance: np-guard/netpol-analyzer's scenarios. For every scenario with
//! a plain `<dir>_connlist_output.txt`, the set of allowed connections must
//! be the same as upstream's, compared after normalising (external ranges
//! are merged per workload and direction, so how the IPv4 space is cut
//! into lines does not matter). `{ingress-controller}` lines (exposure
//! through Ingress/Route objects) are compared on their own and must agree
//! too.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use bulwark_core::Inventory;
use bulwark_load::{LoadOptions, load_paths};
use bulwark_netpol::ip::parse_range;
use bulwark_netpol::{ConnSet, Model, Options};

const CORPUS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/corpora/netpol-analyzer"
);

/// Why a scenario is left unsupported.
const NAD_IPS: &str = "ipBlock peers of a MultiNetworkPolicy match VirtualMachines by the address their cloud-init networkData gives them on the secondary network: cloud-init is not parsed";

/// Scenarios left unsupported, with why. Every other scenario must agree.
const UNSUPPORTED: &[(&str, &str)] = &[("nad_test_16", NAD_IPS)];

/// Kinds that put a scenario outside the core set.
const ADMIN_KINDS: &[&str] = &["AdminNetworkPolicy", "BaselineAdminNetworkPolicy"];
const MULTI_NETWORK_KINDS: &[&str] = &[
    "UserDefinedNetwork",
    "ClusterUserDefinedNetwork",
    "NetworkAttachmentDefinition",
    "MultiNetworkPolicy",
    "VirtualMachine",
];

fn corpus() -> Option<PathBuf> {
    let p = PathBuf::from(CORPUS);
    if p.is_dir() {
        return Some(p);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "corpus not found at {CORPUS}"
    );
    eprintln!("skipped: corpus not found at {CORPUS}");
    None
}

/// (workload, "in"/"out") -> (lo, hi, conns) pieces of the IPv4 space.
type ExternalMap = BTreeMap<(String, &'static str), Vec<(u32, u32, ConnSet)>>;

/// A normalised connectivity answer.
#[derive(Debug, Default, PartialEq, Eq)]
struct Normal {
    internal: BTreeMap<(String, String), ConnSet>,
    /// (workload, "in"/"out") -> merged (lo, hi, conns) pieces.
    external: ExternalMap,
    /// `{ingress-controller}` lines: workload -> conns (compared apart).
    ingress: BTreeMap<String, ConnSet>,
}

fn normalise(text: &str) -> Result<Normal, String> {
    let mut n = Normal::default();
    let mut raw: ExternalMap = BTreeMap::new();
    for line in text.lines() {
        let Some((pair, conns)) = line.split_once(" : ") else {
            continue;
        };
        let Some((src, dst)) = pair.split_once(" => ") else {
            continue;
        };
        let c = ConnSet::parse(conns).ok_or_else(|| format!("bad conns in: {line}"))?;
        if src.contains("{ingress-controller}") {
            n.ingress.insert(dst.to_string(), c);
            continue;
        }
        let ext = |s: &str| s.strip_suffix("[External]").and_then(parse_range);
        match (ext(src), ext(dst)) {
            (Some((lo, hi)), None) => raw
                .entry((dst.to_string(), "in"))
                .or_default()
                .push((lo, hi, c)),
            (None, Some((lo, hi))) => raw
                .entry((src.to_string(), "out"))
                .or_default()
                .push((lo, hi, c)),
            (None, None) => {
                let e = n
                    .internal
                    .entry((src.to_string(), dst.to_string()))
                    .or_default();
                *e = e.union(&c);
            }
            (Some(_), Some(_)) => return Err(format!("external to external: {line}")),
        }
    }
    for (k, mut pieces) in raw {
        pieces.sort_by_key(|p| (p.0, p.1));
        let mut merged: Vec<(u32, u32, ConnSet)> = Vec::new();
        for (lo, hi, c) in pieces {
            match merged.last_mut() {
                Some(last) if last.2 == c && u64::from(last.1) + 1 == u64::from(lo) => last.1 = hi,
                _ => merged.push((lo, hi, c)),
            }
        }
        n.external.insert(k, merged);
    }
    Ok(n)
}

struct Scenario {
    name: String,
    dir: PathBuf,
    expected: PathBuf,
}

fn scenarios(root: &Path) -> Vec<Scenario> {
    let mut out = Vec::new();
    let mut dirs: Vec<_> = std::fs::read_dir(root.join("tests"))
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for d in dirs {
        let name = d.file_name().unwrap().to_string_lossy().to_string();
        let expected = root
            .join("test_outputs/connlist")
            .join(format!("{name}_connlist_output.txt"));
        if expected.is_file() {
            out.push(Scenario {
                name,
                dir: d,
                expected,
            });
        }
    }
    out
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Family {
    Core,
    Admin,
    MultiNetwork,
}

fn family(inv: &Inventory) -> Family {
    if inv.iter().any(|r| MULTI_NETWORK_KINDS.contains(&r.kind())) {
        Family::MultiNetwork
    } else if inv.iter().any(|r| ADMIN_KINDS.contains(&r.kind())) {
        Family::Admin
    } else {
        Family::Core
    }
}

fn diff(exp: &Normal, got: &Normal) -> String {
    let mut s = String::new();
    for (k, v) in &exp.internal {
        match got.internal.get(k) {
            Some(g) if g == v => {}
            g => s.push_str(&format!(
                "  {} => {}: expected {v}, got {:?}\n",
                k.0,
                k.1,
                g.map(|x| x.to_string())
            )),
        }
    }
    for (k, v) in &got.internal {
        if !exp.internal.contains_key(k) {
            s.push_str(&format!("  {} => {}: unexpected {v}\n", k.0, k.1));
        }
    }
    for (k, v) in &exp.external {
        if got.external.get(k) != Some(v) {
            s.push_str(&format!(
                "  external {k:?}: expected {v:?}, got {:?}\n",
                got.external.get(k)
            ));
        }
    }
    for (k, v) in &got.external {
        if !exp.external.contains_key(k) {
            s.push_str(&format!("  external {k:?}: unexpected {v:?}\n"));
        }
    }
    s
}

#[test]
fn connlist_scenarios_agree() {
    let Some(root) = corpus() else { return };
    let mut tally: BTreeMap<Family, (usize, usize)> = BTreeMap::new();
    let mut failures = Vec::new();
    let (mut ingress_ok, mut ingress_total) = (0, 0);
    for sc in scenarios(&root) {
        let loaded = load_paths(std::slice::from_ref(&sc.dir), &LoadOptions::default());
        let inv = Inventory::new(loaded.resources);
        let fam = family(&inv);
        let model = Model::build(
            &inv,
            Options {
                host_network_as_pod: true,
            },
        );
        let expected = normalise(&std::fs::read_to_string(&sc.expected).unwrap()).unwrap();
        let verdict = if model.has_errors() {
            let errs: Vec<String> = model.problems.iter().map(|p| p.to_string()).collect();
            Err(format!("  errors: {}\n", errs.join("; ")))
        } else {
            let m = model.matrix();
            for s in 0..m.n {
                for t in 0..m.n {
                    assert_eq!(
                        m.get(s, t),
                        &model.pair_allowed(s, t),
                        "{}: classes {s} -> {t}",
                        sc.name
                    );
                }
            }
            let mut text = model.reachability().connlist();
            for net in bulwark_netpol::secondary::secondary_networks(
                &inv,
                Options {
                    host_network_as_pod: true,
                },
            ) {
                for (a, b, c) in net.conns {
                    text.push_str(&format!("{a} => {b} : {c}\n"));
                }
            }
            for (w, c) in model.exposure(&inv) {
                text.push_str(&format!(
                    "{{ingress-controller}} => {} : {c}\n",
                    model.topo.workloads[w].display()
                ));
            }
            let got = normalise(&text).unwrap();
            if !got.ingress.is_empty() || !expected.ingress.is_empty() {
                ingress_total += 1;
                if got.ingress == expected.ingress {
                    ingress_ok += 1;
                } else {
                    failures.push(format!(
                        "{}: {{ingress-controller}} lines differ: expected {:?}, got {:?}",
                        sc.name, expected.ingress, got.ingress
                    ));
                }
            }
            if got.internal == expected.internal && got.external == expected.external {
                Ok(())
            } else {
                Err(diff(&expected, &got))
            }
        };
        let t = tally.entry(fam).or_default();
        t.1 += 1;
        let unsupported = UNSUPPORTED.iter().find(|(n, _)| *n == sc.name);
        match (verdict, unsupported) {
            (Ok(()), None) => t.0 += 1,
            (Ok(()), Some(_)) => {
                t.0 += 1;
                failures.push(format!(
                    "{}: agrees now, remove it from UNSUPPORTED",
                    sc.name
                ));
            }
            (Err(_), Some(_)) => {}
            (Err(d), None) => failures.push(format!("{} ({fam:?}):\n{d}", sc.name)),
        }
    }
    for (f, (ok, all)) in &tally {
        eprintln!("netpol-analyzer connlist {f:?}: {ok}/{all} agree");
    }
    eprintln!(
        "{{ingress-controller}} lines (exposure through Ingress/Route): {ingress_ok}/{ingress_total} scenarios agree"
    );
    assert!(
        failures.is_empty(),
        "{} scenarios disagree:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
