//! Throughput: every upstream PSA fixture (4,537 pods), pre-loaded,
//! evaluated at its level and version once per iteration.

use std::hint::black_box;
use std::path::{Path, PathBuf};

use bulwark_core::Resource;
use bulwark_load::{LoadOptions, load_file};
use bulwark_pss::{Level, LevelVersion, Options, Version, evaluate_resource};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const CORPUS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/corpora/pod-security-admission/test/testdata"
);

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            yaml_files(&p, out);
        } else if p.extension().and_then(|e| e.to_str()) == Some("yaml") {
            out.push(p);
        }
    }
}

/// Every fixture with the level and version its directory names.
fn load() -> Vec<(Resource, LevelVersion)> {
    let root = Path::new(CORPUS);
    let mut out = Vec::new();
    for level in [Level::Baseline, Level::Restricted] {
        let mut files = Vec::new();
        yaml_files(&root.join(level.as_str()), &mut files);
        for f in files {
            let minor = f
                .components()
                .filter_map(|c| c.as_os_str().to_str()?.strip_prefix("v1.")?.parse().ok())
                .next();
            let Some(minor) = minor else { continue };
            let lv = LevelVersion::new(level, Version::Minor(minor));
            for r in load_file(&f, &LoadOptions::default()).resources {
                out.push((r, lv));
            }
        }
    }
    out
}

fn bench(c: &mut Criterion) {
    let fixtures = load();
    if fixtures.is_empty() {
        eprintln!("skipped: corpus not found at {CORPUS}");
        return;
    }
    let opts = Options::default();
    let mut g = c.benchmark_group("pss");
    g.throughput(Throughput::Elements(fixtures.len() as u64));
    g.bench_function(format!("evaluate all {} fixtures", fixtures.len()), |b| {
        b.iter(|| {
            let mut denied = 0usize;
            for (r, lv) in &fixtures {
                if let Some(ev) = evaluate_resource(black_box(r), *lv, &opts)
                    && !ev.allowed
                {
                    denied += 1;
                }
            }
            black_box(denied)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
