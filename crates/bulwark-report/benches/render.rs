//! Renderer cost against the number of findings (issue #18's complexity
//! promise: grouping by file and object is indexed, not a search per
//! finding). Each format is timed at 2,000 and 20,000 findings; linear
//! rendering takes about 10x as long at 10x the findings, a quadratic one
//! about 100x.
//!
//! `cargo bench -p bulwark-report --bench render`

use std::collections::BTreeMap;

use bulwark_core::{
    Analyzer, Catalog, FieldPath, Finding, Inventory, Location, Mappings, ObjectRef, RuleMeta,
    Severity,
};
use bulwark_report::{Format, RenderOptions, Report, Summary, Tool, render_with};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

static RULE: RuleMeta = RuleMeta {
    id: "privileged-container",
    title: "Container runs privileged",
    severity: Severity::Critical,
    category: "pod-security",
    description: "Why it matters.",
    remediation: "Set `privileged: false`.",
    references: &[],
    mappings: Mappings::NONE,
};

struct Rules;

impl Analyzer for Rules {
    fn name(&self) -> &'static str {
        "bench"
    }
    fn rules(&self) -> Vec<&'static RuleMeta> {
        vec![&RULE]
    }
    fn analyze(&self, _: &Inventory, _: &mut Vec<Finding>) {}
}

/// `n` findings: 4 per object, 10 objects per file.
fn report(n: usize) -> Report {
    let findings: Vec<Finding> = (0..n)
        .map(|i| {
            let (object, file) = (i / 4, i / 40);
            Finding {
                rule_id: RULE.id.into(),
                severity: Severity::ALL[i % Severity::ALL.len()],
                message: format!("container \"c{}\" runs privileged", i % 4),
                object: ObjectRef {
                    api_version: "apps/v1".into(),
                    kind: "Deployment".into(),
                    namespace: Some(format!("ns-{}", file % 50)),
                    name: format!("web-{object}"),
                },
                path: FieldPath::parse("spec.template.spec.containers[0].securityContext"),
                location: Some(Location {
                    file: format!("deploy/app-{file}.yaml"),
                    line: Some((i % 40) as u32 * 10 + 1),
                    column: Some(3),
                }),
                subject: None,
            }
        })
        .collect();
    let mut by_severity = BTreeMap::new();
    for f in &findings {
        *by_severity.entry(f.severity).or_insert(0) += 1;
    }
    Report {
        tool: Tool {
            name: "bulwark",
            version: "bench",
        },
        summary: Summary {
            files: n / 40 + 1,
            objects: n / 4 + 1,
            by_severity,
            ..Default::default()
        },
        findings,
        catalog: Catalog::from_analyzers(&[Box::new(Rules) as Box<dyn Analyzer>]),
        compliance: Vec::new(),
    }
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("render");
    g.sample_size(10);
    for n in [2_000, 20_000] {
        let r = report(n);
        for (name, format) in [("table", Format::Table), ("junit", Format::Junit)] {
            g.bench_with_input(BenchmarkId::new(name, n), &r, |b, r| {
                b.iter(|| {
                    let mut out = Vec::with_capacity(1 << 20);
                    render_with(r, format, &RenderOptions::default(), &mut out).expect("render");
                    out.len()
                })
            });
        }
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
