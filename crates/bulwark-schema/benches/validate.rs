//! Shape validation against loading the same objects: what the schema
//! check adds to a scan, as a ratio of the loader's own time.
//!
//!     cargo bench -p bulwark-schema --bench validate

use std::hint::black_box;
use std::path::Path;

use bulwark_core::{Analyzer, Inventory};
use bulwark_load::{LoadOptions, load_str};
use bulwark_schema::SchemaAnalyzer;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// Every YAML file of `examples/` (both apps: workloads, RBAC, policies,
/// webhooks, a CRD-free realistic mix), repeated.
fn stream(copies: usize) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut one = String::new();
    for app in ["insecure", "hardened"] {
        let mut files: Vec<_> = std::fs::read_dir(root.join(app))
            .expect("examples/")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        files.sort();
        for f in files {
            one.push_str(&std::fs::read_to_string(&f).expect("example file"));
            one.push_str("\n---\n");
        }
    }
    one.repeat(copies)
}

fn bench(c: &mut Criterion) {
    let text = stream(40);
    let opts = LoadOptions::default();
    let objects = load_str("bench.yaml", &text, &opts).resources.len() as u64;
    let mut g = c.benchmark_group("examples x40");
    g.throughput(Throughput::Elements(objects));
    g.sample_size(10);
    g.bench_function("load", |b| {
        b.iter(|| black_box(load_str("bench.yaml", black_box(&text), &opts)))
    });
    let inv = Inventory::new(load_str("bench.yaml", &text, &opts).resources);
    g.bench_function("validate", |b| {
        b.iter(|| {
            let mut out = Vec::new();
            SchemaAnalyzer.analyze(black_box(&inv), &mut out);
            black_box(out)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
