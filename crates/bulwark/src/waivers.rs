//! What the filter tells the user besides the report: notices (expired
//! ignores, annotations that waive nothing), the suppressed findings on
//! request, and the baseline file.

use std::path::Path;

use bulwark_filter::{BaselineFile, Outcome};

/// Every notice of the filter, one `bulwark: warning:` line each, on stderr.
pub fn print_notices(outcome: &Outcome) {
    for n in &outcome.notices {
        errln!("bulwark: warning: {n}");
    }
}

/// The suppressed findings and what waived each, on stderr (so that the
/// report on stdout stays valid JSON, SARIF or JUnit).
pub fn print_suppressed(outcome: &Outcome) {
    let by_kind = outcome.suppressed_by_kind();
    let kinds: Vec<String> = by_kind.iter().map(|(k, n)| format!("{k}: {n}")).collect();
    errln!(
        "{} suppressed finding(s){}",
        outcome.suppressed.len(),
        if kinds.is_empty() {
            String::new()
        } else {
            format!(" ({})", kinds.join(", "))
        }
    );
    if outcome.deselected > 0 {
        errln!(
            "{} finding(s) outside the selection (--severity, --rule, --skip-rule, --category) not shown",
            outcome.deselected
        );
    }
    for s in &outcome.suppressed {
        let f = &s.finding;
        let at = match &f.location {
            Some(l) => match (l.line, l.column) {
                (Some(line), Some(col)) => format!("{}:{line}:{col}", l.file),
                (Some(line), None) => format!("{}:{line}", l.file),
                _ => l.file.clone(),
            },
            None => "-".into(),
        };
        errln!(
            "  {:<8} {}  {}  {}  {}\n           waived by {}",
            f.severity,
            f.rule_id,
            f.object.display(),
            f.path,
            at,
            s.by.describe()
        );
    }
}

/// Writes the baseline of this scan to `path`.
pub fn write_baseline(outcome: &Outcome, path: &Path) -> Result<(), String> {
    let file = BaselineFile::new(outcome.baseline_entries.clone());
    std::fs::write(path, file.to_json())
        .map_err(|e| format!("{}: cannot write baseline: {e}", path.display()))?;
    errln!(
        "bulwark: wrote a baseline of {} finding(s) to {}",
        file.findings.len(),
        path.display()
    );
    Ok(())
}
