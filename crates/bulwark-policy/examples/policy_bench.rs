//! The policy engine alone, for `bench/policy.sh`: compile time of a
//! policy directory, then evaluations per second over the objects below
//! the other paths (one key=value line).
//!
//!     cargo run --release -p bulwark-policy --example policy_bench -- POLICY_DIR OBJECTS...

use std::path::PathBuf;
use std::time::Instant;

use bulwark_core::Inventory;
use bulwark_policy::PolicySet;

fn main() {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [policy, objects @ ..] = args.as_slice() else {
        eprintln!("usage: policy_bench POLICY_DIR OBJECTS...");
        std::process::exit(2);
    };
    let t = Instant::now();
    let (set, errors) = PolicySet::load(std::slice::from_ref(policy));
    let compile = t.elapsed().as_secs_f64();
    let loaded = bulwark_load::load_paths(objects, &bulwark_load::LoadOptions::default());
    let inv = Inventory::new(loaded.resources);
    let t = Instant::now();
    let (findings, evaluations) = set.evaluate_counted(&inv);
    let eval = t.elapsed().as_secs_f64();
    let threads = rayon::current_num_threads();
    println!(
        "templates={} constraints={} policy_errors={} compile_s={compile:.3} objects={} evaluations={evaluations} eval_s={eval:.3} evaluations_per_s={:.0} threads={threads} evaluations_per_s_per_thread={:.0} findings={}",
        set.templates().len(),
        set.constraints().len(),
        errors.len(),
        inv.len(),
        evaluations as f64 / eval.max(1e-9),
        evaluations as f64 / eval.max(1e-9) / threads as f64,
        findings.len()
    );
}
