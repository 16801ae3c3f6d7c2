//! The full reachability matrix of a large synthetic cluster: 5,000
//! workloads in 200 namespaces under 2,000 NetworkPolicies.

use bulwark_netpol::{Model, Options, synthetic};
use criterion::{Criterion, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    let inv = synthetic::cluster(200, 5_000, 2_000);
    let mut g = c.benchmark_group("netpol");
    g.sample_size(10);
    g.bench_function("model_5000w_200ns_2000p", |b| {
        b.iter(|| Model::build(&inv, Options::default()))
    });
    let model = Model::build(&inv, Options::default());
    g.bench_function("matrix_5000w_200ns_2000p", |b| b.iter(|| model.matrix()));
    g.bench_function("coverage_rules_5000w_200ns_2000p", |b| {
        b.iter(|| {
            let mut out = Vec::new();
            bulwark_core::Analyzer::analyze(&bulwark_netpol::NetpolAnalyzer, &inv, &mut out);
            out.len()
        })
    });
    g.finish();
}

/// `netpol reach --from X` expands only the pairs asked for (issue #18):
/// one source against every pair, on 1,000 workloads.
fn reach_from(c: &mut Criterion) {
    let inv = synthetic::cluster(50, 1_000, 400);
    let model = Model::build(&inv, Options::default());
    let one = [0usize];
    let all = model.reachability().conns.len();
    let from = model.reachability_between(Some(&one), None).conns.len();
    assert!(from < all, "{from} of {all}");
    let mut g = c.benchmark_group("netpol-reach");
    g.sample_size(10);
    g.bench_function("reach_all_pairs_1000w", |b| {
        b.iter(|| model.reachability().conns.len())
    });
    g.bench_function("reach_from_one_1000w", |b| {
        b.iter(|| model.reachability_between(Some(&one), None).conns.len())
    });
    g.finish();
}

criterion_group!(benches, bench, reach_from);
criterion_main!(benches);
