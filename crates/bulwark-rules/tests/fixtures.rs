//! Every rule has fixtures under `tests/fixtures/<rule-id>/`: files named
//! `fire*.yaml` must produce the rule, files named `pass*.yaml` must not. A
//! fire fixture whose first line is `# expect-line: N` must report at line N
//! (or `# expect-count: N` findings of the rule).

use std::path::Path;

use bulwark_core::{Analyzer, Inventory};
use bulwark_load::{LoadOptions, load_file};
use bulwark_rules::BuiltinRules;

fn findings_for(path: &Path, rule: &str) -> Vec<bulwark_core::Finding> {
    let loaded = load_file(path, &LoadOptions::default());
    assert!(
        loaded.summary.errors.is_empty(),
        "{}: {:?}",
        path.display(),
        loaded.summary.errors
    );
    let inv = Inventory::new(loaded.resources);
    let mut out = Vec::new();
    BuiltinRules::default().analyze(&inv, &mut out);
    out.retain(|f| f.rule_id == rule);
    out
}

#[test]
fn every_rule_fires_on_its_fire_fixtures_and_not_on_its_pass_fixtures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut problems = Vec::new();
    for meta in BuiltinRules::default().rules() {
        let dir = root.join(meta.id);
        let mut fire = 0;
        let mut pass = 0;
        let mut entries: Vec<_> = std::fs::read_dir(&dir)
            .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        entries.sort();
        for path in entries {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            let found = findings_for(&path, meta.id);
            if name.starts_with("fire") {
                fire += 1;
                if found.is_empty() {
                    problems.push(format!("{}: {name} did not fire", meta.id));
                }
                for line in text.lines().take_while(|l| l.starts_with('#')) {
                    if let Some(n) = line.strip_prefix("# expect-line:") {
                        let n: u32 = n.trim().parse().expect("expect-line number");
                        if !found
                            .iter()
                            .any(|f| f.location.as_ref().and_then(|l| l.line) == Some(n))
                        {
                            problems.push(format!(
                                "{}: {name} fired at {:?}, expected line {n}",
                                meta.id,
                                found
                                    .iter()
                                    .map(|f| f.location.as_ref().and_then(|l| l.line))
                                    .collect::<Vec<_>>()
                            ));
                        }
                    }
                    if let Some(n) = line.strip_prefix("# expect-count:") {
                        let n: usize = n.trim().parse().expect("expect-count number");
                        if found.len() != n {
                            problems.push(format!(
                                "{}: {name} fired {} times, expected {n}: {:?}",
                                meta.id,
                                found.len(),
                                found.iter().map(|f| &f.message).collect::<Vec<_>>()
                            ));
                        }
                    }
                }
            } else if name.starts_with("pass") {
                pass += 1;
                if !found.is_empty() {
                    problems.push(format!(
                        "{}: {name} must not fire but did: {:?}",
                        meta.id,
                        found.iter().map(|f| &f.message).collect::<Vec<_>>()
                    ));
                }
            }
        }
        if fire == 0 || pass == 0 {
            problems.push(format!(
                "{}: needs at least one fire*.yaml and one pass*.yaml fixture (has {fire} and {pass})",
                meta.id
            ));
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}
