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
    }
}

fn reach(a: ReachArgs) -> Result<u8, String> {
    let port = a.port.as_deref().map(parse_port).transpose()?;
    let loaded = bulwark_load::load_paths(&a.paths, &LoadOptions::default());
    for e in &loaded.summary.errors {
        eprintln!("bulwark: {e}");
    }
    for s in &loaded.summary.skipped {
        eprintln!("bulwark: skipped {}: {}", s.file, s.reason);
    }
    let inv = Inventory::new(loaded.resources);
    let model = Model::build(
        &inv,
        Options {
            host_network_as_pod: a.host_network_as_pod,
        },
    );
    for p in &model.problems {
        eprintln!("bulwark: {p}");
    }
    if model.has_errors() {
        return Err("the policies have errors (above): no answer is given".into());
    }
    let q = Query {
        from: workloads(&model, &a.from)?,
        to: workloads(&model, &a.to)?,
        port,
    };
    let reach = model.reachability();
    let conns = reach.select(&q);
    let out = match a.format {
        ReachFormat::Table => render::table(&conns),
        ReachFormat::Json => render::json(&conns, &model.problems),
        ReachFormat::Connlist => render::connlist(&conns),
        ReachFormat::Matrix => render::matrix(&conns),
        ReachFormat::Dot => render::dot(&conns),
    };
    print!("{out}");
    if matches!(a.format, ReachFormat::Json) {
        println!();
    }
    Ok(if loaded.summary.errors.is_empty() {
        0
    } else {
        2
    })
}
