//! Wires sources, analyzers, filters and renderers into one scan.

use bulwark_core::{Analyzer, Catalog, Inventory, Severity, finding::sort_findings};
use bulwark_load::{LoadOptions, Loaded};
use bulwark_report::{Report, Summary, Tool};

/// Every analyzer a scan runs.
pub fn analyzers() -> Vec<Box<dyn Analyzer>> {
    vec![Box::new(bulwark_rules::BuiltinRules)]
}

pub fn catalog() -> Catalog {
    Catalog::from_analyzers(&analyzers())
}

/// Loads `paths` and runs every analyzer over them.
pub fn scan(paths: &[std::path::PathBuf], opts: &LoadOptions) -> Report {
    let Loaded { resources, summary } = bulwark_load::load_paths(paths, opts);
    let inv = Inventory::new(resources);
    let analyzers = analyzers();
    let mut findings = Vec::new();
    for a in &analyzers {
        a.analyze(&inv, &mut findings);
    }
    sort_findings(&mut findings);
    let mut by_severity = std::collections::BTreeMap::new();
    for s in Severity::ALL {
        by_severity.insert(s, 0);
    }
    for f in &findings {
        *by_severity.entry(f.severity).or_insert(0) += 1;
    }
    Report {
        tool: Tool {
            name: "bulwark",
            version: env!("CARGO_PKG_VERSION"),
        },
        summary: Summary {
            files: summary.files,
            objects: inv.len(),
            skipped: summary.skipped,
            errors: summary.errors,
            suppressed: 0,
            by_severity,
        },
        findings,
        catalog: Catalog::from_analyzers(&analyzers),
    }
}
