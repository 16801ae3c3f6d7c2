//! `bulwark netpol ...`: argument parsing and printing for the network
//! questions. The answers come from `bulwark-netpol`.

use std::path::PathBuf;

use bulwark_core::Inventory;
use bulwark_load::LoadOptions;
use bulwark_netpol::render::{self, Query, parse_port};
use bulwark_netpol::{Model, Options};
use clap::{Subcommand, ValueEnum};

#[derive(clap::Args, Debug)]
pub struct NetpolArgs {
    #[command(subcommand)]
    pub command: NetpolCommand,
}

#[derive(Subcommand, Debug)]
pub enum NetpolCommand {
    /// Who can talk to whom: allowed connections between workloads (pods
    /// grouped by owner) and external IPv4 ranges, per protocol and port,
    /// under NetworkPolicy, AdminNetworkPolicy and BaselineAdminNetworkPolicy.
    ///
    /// Exit 2 when an input or a policy is invalid (no answer is printed
    /// then: a partial answer would be wrong).
    Reach(ReachArgs),
    /// Observed traffic versus the policies: flows the policies would deny,
    /// and allowed paths never observed (attack surface), with the policies
    /// that open them.
    ///
    /// FLOWS holds JSON lines `{"src", "dst", "port", "protocol"}` (src/dst
    /// are ns/pod, ns/workload or an IPv4 address) or Hubble flow records
    /// (`hubble observe -o jsonpb`). Exit 1 when an observed flow is denied.
    Diff {
        #[arg(long, value_name = "FLOWS")]
        flows: PathBuf,
        #[command(flatten)]
        input: InputArgs,
    },
    /// Least-privilege NetworkPolicies from observed traffic (default deny
    /// per namespace, DNS to kube-dns, one policy per workload), proven with
    /// `reach`: every observed flow allowed, every other pair denied. Exit 1
    /// when the proof fails.
    Generate {
        #[arg(long, value_name = "FLOWS")]
        flows: PathBuf,
        #[command(flatten)]
        input: InputArgs,
    },
    /// An isolate-everything policy for incident response: NS/POD (selected
    /// through a quarantine label, with the command to add it) or a whole NS.
    Quarantine { target: String },
}

#[derive(clap::Args, Debug)]
pub struct InputArgs {
    /// Files, directories or - (stdin) with the workloads and policies.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
    pub format: TextOrJson,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum TextOrJson {
    Text,
    Json,
}

#[derive(clap::Args, Debug)]
pub struct ReachArgs {
    /// Files, directories or - (stdin).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Only connections from this workload (NS/NAME, NS/NAME[Kind] or NAME).
    #[arg(long, value_name = "NS/WORKLOAD")]
    pub from: Option<String>,
    /// Only connections to this workload.
    #[arg(long, value_name = "NS/WORKLOAD")]
    pub to: Option<String>,
    /// Only pairs that allow this port (`tcp/8080`, `udp/53`, `8080`).
    #[arg(long, value_name = "PROTO/PORT")]
    pub port: Option<String>,
    #[arg(long, value_enum, default_value_t = ReachFormat::Table)]
    pub format: ReachFormat,
    /// Treat hostNetwork pods as ordinary pods (np-guard's view). By default
    /// they are node traffic: no policy selects them or matches them as pods.
    #[arg(long)]
    pub host_network_as_pod: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ReachFormat {
    Table,
    Json,
    Connlist,
    Matrix,
    Dot,
}

fn workloads(m: &Model, spec: &Option<String>) -> Result<Option<Vec<usize>>, String> {
    let Some(s) = spec else { return Ok(None) };
    let found = m.topo.find(s);
    if found.is_empty() {
        return Err(format!(
            "workload '{s}' does not exist in the input resources"
        ));
    }
    Ok(Some(found))
}

pub fn run(a: NetpolArgs) -> Result<u8, String> {
    match a.command {
        NetpolCommand::Reach(r) => reach(r),
        NetpolCommand::Diff { flows, input } => diff(&flows, &input),
        NetpolCommand::Generate { flows, input } => generate(&flows, &input),
        NetpolCommand::Quarantine { target } => {
            let t = bulwark_netpol::quarantine::Target::parse(&target)?;
            out!("{}", bulwark_netpol::quarantine::quarantine(&t));
            Ok(0)
        }
    }
}

/// Loads inputs and builds the model; errors in policies stop here.
fn load_model(paths: &[PathBuf], opts: Options) -> Result<(Inventory, Model, bool), String> {
    let loaded = bulwark_load::load_paths(paths, &LoadOptions::default());
    for e in &loaded.summary.errors {
        errln!("bulwark: {e}");
    }
    for s in &loaded.summary.skipped {
        errln!("bulwark: skipped {}: {}", s.file, s.reason);
    }
    let inv = Inventory::new(loaded.resources);
    let model = Model::build(&inv, opts);
    for p in &model.problems {
        errln!("bulwark: {p}");
    }
    if model.has_errors() {
        return Err("the policies have errors (above): no answer is given".into());
    }
    Ok((inv, model, !loaded.summary.errors.is_empty()))
}

/// The flows read, and whether some lines could not be read (each is
/// reported with its line number, and the command exits 2: an answer on
/// part of the traffic is not an answer on all of it).
fn read_flows(path: &PathBuf) -> Result<(Vec<bulwark_netpol::flows::Flow>, bool), String> {
    let text = if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
            .map_err(|e| format!("<stdin>: {e}"))?;
        s
    } else {
        std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?
    };
    let (flows, errs) = bulwark_netpol::flows::parse_flows(&text);
    for e in &errs {
        errln!("bulwark: {}: {e}", path.display());
    }
    if !errs.is_empty() {
        errln!(
            "bulwark: {}: {} flow line(s) could not be read and were not compared ({} read)",
            path.display(),
            errs.len(),
            flows.len()
        );
    }
    Ok((flows, !errs.is_empty()))
}

fn diff(flows: &PathBuf, input: &InputArgs) -> Result<u8, String> {
    let (flows, unread) = read_flows(flows)?;
    let (_, model, failed) = load_model(&input.paths, Options::default())?;
    let failed = failed || unread;
    let d = model.diff_flows(&flows);
    match input.format {
        TextOrJson::Text => out!("{}", d.text()),
        TextOrJson::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&d).map_err(|e| e.to_string())?
        ),
    }
    Ok(if failed {
        2
    } else if d.denied.is_empty() {
        0
    } else {
        1
    })
}

fn generate(flows: &PathBuf, input: &InputArgs) -> Result<u8, String> {
    let (flows, unread) = read_flows(flows)?;
    let (inv, model, failed) = load_model(&input.paths, Options::default())?;
    let failed = failed || unread;
    let g = bulwark_netpol::generate::generate(&inv, &model, &flows);
    for s in &g.skipped {
        errln!("bulwark: not generated: {s}");
    }
    match input.format {
        TextOrJson::Text => {
            out!("{}", g.yaml());
            if g.proven() {
                errln!(
                    "bulwark: proven: every observed flow is allowed and every other pair is denied ({} policies)",
                    g.policies.len()
                );
            }
        }
        TextOrJson::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "policies": g.policies,
                "proof": &g,
            }))
            .map_err(|e| e.to_string())?
        ),
    }
    for m in &g.missing {
        errln!("bulwark: proof failed: observed but denied: {m}");
    }
    for x in &g.extra {
        errln!("bulwark: proof failed: allowed but not observed: {x}");
    }
    Ok(if failed {
        2
    } else if g.proven() {
        0
    } else {
        1
    })
}

fn reach(a: ReachArgs) -> Result<u8, String> {
    let port = a.port.as_deref().map(parse_port).transpose()?;
    let loaded = bulwark_load::load_paths(&a.paths, &LoadOptions::default());
    for e in &loaded.summary.errors {
        errln!("bulwark: {e}");
    }
    for s in &loaded.summary.skipped {
        errln!("bulwark: skipped {}: {}", s.file, s.reason);
    }
    let inv = Inventory::new(loaded.resources);
    let model = Model::build(
        &inv,
        Options {
            host_network_as_pod: a.host_network_as_pod,
        },
    );
    for p in &model.problems {
        errln!("bulwark: {p}");
    }
    if model.has_errors() {
        return Err("the policies have errors (above): no answer is given".into());
    }
    let q = Query {
        from: workloads(&model, &a.from)?,
        to: workloads(&model, &a.to)?,
        port,
    };
    let reach = model.reachability_between(q.from.as_deref(), q.to.as_deref());
    let mut conns = reach.select(&q);
    if q.from.is_none() {
        // Exposure through Ingress and Route objects.
        for (w, c) in model.exposure(&inv) {
            let to_ok = q.to.as_ref().is_none_or(|t| t.contains(&w));
            let port_ok = q.port.is_none_or(|(p, n)| c.allows(p, n));
            if to_ok && port_ok {
                conns.push(bulwark_netpol::reach::ConnView {
                    src: bulwark_netpol::exposure::INGRESS_CONTROLLER.to_string(),
                    dst: model.topo.workloads[w].display(),
                    conns: c,
                });
            }
        }
    }
    let out = match a.format {
        ReachFormat::Table => render::table(&conns),
        ReachFormat::Json => render::json(&conns, &model.problems),
        ReachFormat::Connlist => render::connlist(&conns),
        ReachFormat::Matrix => render::matrix(&conns),
        ReachFormat::Dot => render::dot(&conns),
    };
    out!("{out}");
    if matches!(a.format, ReachFormat::Connlist | ReachFormat::Table)
        && q.from.is_none()
        && q.to.is_none()
    {
        let opts = Options {
            host_network_as_pod: a.host_network_as_pod,
        };
        for net in bulwark_netpol::secondary::secondary_networks(&inv, opts) {
            outln!(
                "\nPermitted connectivity analyzed in secondary NAD {}:",
                net.name
            );
            for (s, d, c) in &net.conns {
                outln!("{s} => {d} : {c}");
            }
        }
    }
    if matches!(a.format, ReachFormat::Json) {
        outln!();
    }
    Ok(if loaded.summary.errors.is_empty() {
        0
    } else {
        2
    })
}
