//! The framework files: parsed once from the copies compiled into the binary.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// One framework at one version, as its file under `frameworks/` says.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Framework {
    /// Short id used on the command line (`cis`, `pci-dss`).
    pub id: String,
    pub name: String,
    pub version: String,
    /// Citation of the document the controls come from.
    pub source: String,
    pub controls: Vec<Control>,
}

/// One control (a requirement, section or technique) of a framework.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Control {
    pub id: String,
    pub title: String,
    /// The group the framework files the control under, where it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
    /// Rules that implement the control; empty: not implemented.
    #[serde(default)]
    pub rules: Vec<String>,
    /// The framework says a person must judge it, and no rule does.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub manual: bool,
}

const FILES: &[(&str, &str)] = &[
    ("cis-1.12.yaml", include_str!("../frameworks/cis-1.12.yaml")),
    ("nsa-1.2.yaml", include_str!("../frameworks/nsa-1.2.yaml")),
    (
        "mitre-attack.yaml",
        include_str!("../frameworks/mitre-attack.yaml"),
    ),
    ("pss.yaml", include_str!("../frameworks/pss.yaml")),
    (
        "pci-dss-4.0.yaml",
        include_str!("../frameworks/pci-dss-4.0.yaml"),
    ),
    (
        "soc2-2017.yaml",
        include_str!("../frameworks/soc2-2017.yaml"),
    ),
    (
        "iso27001-2022.yaml",
        include_str!("../frameworks/iso27001-2022.yaml"),
    ),
    (
        "hipaa-security-rule.yaml",
        include_str!("../frameworks/hipaa-security-rule.yaml"),
    ),
];

/// Parses one framework file and checks what serde cannot: ids are unique,
/// a manual control names no rule.
pub(crate) fn parse(name: &str, text: &str) -> Result<Framework, String> {
    let f: Framework = serde_saphyr::from_str(text).map_err(|e| format!("{name}: {e}"))?;
    let mut seen = std::collections::BTreeSet::new();
    for c in &f.controls {
        if !seen.insert(c.id.as_str()) {
            return Err(format!("{name}: control {} is listed twice", c.id));
        }
        if c.manual && !c.rules.is_empty() {
            return Err(format!(
                "{name}: control {} is manual and names rules",
                c.id
            ));
        }
    }
    Ok(f)
}

/// Every framework shipped in the binary, in a fixed order.
pub fn builtin() -> &'static [Framework] {
    static ALL: OnceLock<Vec<Framework>> = OnceLock::new();
    ALL.get_or_init(|| {
        FILES
            .iter()
            .map(|(name, text)| {
                // Compiled-in data, checked by `every_file_parses`: a failure
                // here is a build defect, not an input error.
                parse(name, text).unwrap_or_else(|e| panic!("shipped framework data: {e}"))
            })
            .collect()
    })
}

/// The shipped framework with this id.
pub fn find(id: &str) -> Option<&'static Framework> {
    builtin().iter().find(|f| f.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_parses_with_unique_framework_ids() {
        let mut ids = std::collections::BTreeSet::new();
        for (name, text) in FILES {
            let f = parse(name, text).unwrap();
            assert!(!f.controls.is_empty(), "{name}");
            assert!(ids.insert(f.id.clone()), "{name}: id {} twice", f.id);
        }
        assert_eq!(
            ids.into_iter().collect::<Vec<_>>(),
            [
                "cis", "hipaa", "iso27001", "mitre", "nsa", "pci-dss", "pss", "soc2"
            ]
        );
    }

    #[test]
    fn every_file_cites_its_source_in_its_header() {
        for (name, text) in FILES {
            assert!(text.starts_with("# "), "{name}: no header comment");
            let header: String = text.lines().take_while(|l| l.starts_with('#')).collect();
            assert!(
                header.contains("http"),
                "{name}: the header names no document"
            );
        }
    }

    #[test]
    fn cis_ids_are_kube_bench_ids_and_manual_follows_the_benchmark() {
        let cis = find("cis").unwrap();
        assert_eq!(cis.controls.len(), 131);
        for c in &cis.controls {
            // A manual control says so in the benchmark's title.
            if c.manual {
                assert!(c.title.ends_with("(Manual)"), "{}", c.id);
            }
        }
        let c = cis.controls.iter().find(|c| c.id == "5.2.2").unwrap();
        assert_eq!(
            c.title,
            "Minimize the admission of privileged containers (Manual)"
        );
    }

    #[test]
    fn a_duplicate_control_or_a_manual_control_with_rules_is_refused() {
        let dup = "id: x\nname: X\nversion: '1'\nsource: s\ncontrols:\n  - {id: a, title: A}\n  - {id: a, title: B}\n";
        assert!(parse("x", dup).unwrap_err().contains("listed twice"));
        let man = "id: x\nname: X\nversion: '1'\nsource: s\ncontrols:\n  - {id: a, title: A, manual: true, rules: [r]}\n";
        assert!(
            parse("x", man)
                .unwrap_err()
                .contains("manual and names rules")
        );
        let unknown = "id: x\nname: X\nversion: '1'\nsource: s\nextra: 1\ncontrols: []\n";
        assert!(parse("x", unknown).is_err());
    }
}
