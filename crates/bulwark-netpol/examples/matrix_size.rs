//! Times the full matrix of the benchmark cluster once and prints the peak
//! memory (VmHWM): `cargo run --release -p bulwark-netpol --example matrix_size`.

use std::time::Instant;

use bulwark_netpol::{Model, Options, synthetic};

fn main() {
    let t0 = Instant::now();
    let inv = synthetic::cluster(200, 5_000, 2_000);
    let t1 = Instant::now();
    let model = Model::build(&inv, Options::default());
    let t2 = Instant::now();
    let m = model.matrix();
    let t3 = Instant::now();
    let allowed = m.cells.iter().filter(|&&c| c != 0).count();
    let ext: usize = m.ext_out.iter().chain(m.ext_in.iter()).map(Vec::len).sum();
    println!(
        "workloads {} classes {} policies {}: build {:?}, model {:?}, matrix {:?}; allowed class pairs {allowed}, external cells {ext}, distinct connection sets {}",
        model.topo.workloads.len(),
        m.n,
        model.netpols.len(),
        t1 - t0,
        t2 - t1,
        t3 - t2,
        m.sets.sets.len()
    );
    if let Ok(s) = std::fs::read_to_string("/proc/self/status") {
        for l in s
            .lines()
            .filter(|l| l.starts_with("VmHWM") || l.starts_with("VmRSS"))
        {
            println!("{l}");
        }
    }
}
