//! `bulwark explain RULE`: everything a person needs to judge and fix a
//! finding, from the rule's metadata.

use std::fmt::Write;

use bulwark_core::RuleMeta;

/// The full explanation: title, severity, category, why, how to fix,
/// references and every framework mapping the rule has.
pub fn text(r: &RuleMeta) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}: {}", r.id, r.title);
    let _ = writeln!(s, "severity: {}   category: {}", r.severity, r.category);
    let _ = write!(s, "\nWhy it matters:\n{}\n", r.description.trim());
    let _ = write!(s, "\nRemediation:\n{}\n", r.remediation.trim());
    if !r.references.is_empty() {
        s.push_str("\nReferences:\n");
        for u in r.references {
            let _ = writeln!(s, "  - {u}");
        }
    }
    let mappings = r.mappings.named();
    if mappings.iter().any(|(_, ids)| !ids.is_empty()) {
        s.push_str("\nMappings:\n");
        for (name, ids) in mappings.iter().filter(|(_, ids)| !ids.is_empty()) {
            let _ = writeln!(s, "  {name}: {}", ids.join("; "));
        }
    }
    s
}
