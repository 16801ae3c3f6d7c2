//! Loads manifests and does nothing else: the "bare parse" half of the
//! benchmark (`bench/run.sh`), to set against `bulwark scan` on the same
//! files so that the cost of the checks over parsing is visible.
//!
//!     cargo run --release -p bulwark-load --example parse -- DIR...

use std::path::PathBuf;
use std::time::Instant;

use bulwark_load::{LoadOptions, load_paths};

fn main() {
    let paths: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if paths.is_empty() {
        eprintln!("usage: parse PATH...");
        std::process::exit(2);
    }
    let start = Instant::now();
    let loaded = load_paths(&paths, &LoadOptions::default());
    let seconds = start.elapsed().as_secs_f64();
    let s = &loaded.summary;
    println!(
        "{{\"objects\": {}, \"files\": {}, \"skipped\": {}, \"errors\": {}, \"seconds\": {seconds:.3}}}",
        loaded.resources.len(),
        s.files,
        s.skipped.len(),
        s.errors.len()
    );
    for e in s.errors.iter().take(5) {
        eprintln!("{e}");
    }
}
