//! The HTML report: one self-contained file that a person opens from
//! file:// or an artifact store. No network, no external assets: styles,
//! script and charts (inline SVG, drawn here) are in the page; the
//! findings travel once as JSON that the page's script turns into a
//! filterable, sortable table.
//!
//! Invariants: every input-derived string reaches the page escaped
//! (minijinja autoescaping for HTML, [`charts::esc`] for SVG, and JSON with
//! `<`, `>`, `&` as `\u00XX` inside the data script, read by the script
//! through `textContent` only); messages are the findings' own, already
//! redacted by the rules; the size grows by about one row of JSON per
//! finding, with rule texts, files and objects written once
//! (`crates/bulwark/tests/html_report.rs` keeps 10,000 findings under 2 MB).
//! Compliance scores are the report's own (`Report::compliance`).

pub mod charts;
mod payload;

use std::io::{self, Write};

use serde::Serialize;

use crate::model::Report;

/// What the page shows besides findings and scores: results of analyzers
/// that are not findings, computed by the caller (the renderer computes
/// nothing).
#[derive(Clone, Debug, Default, Serialize)]
pub struct Extras {
    /// What was scanned, for the title (`examples/insecure`).
    pub subject: String,
    /// RBAC privilege-escalation paths, when the inputs held RBAC objects.
    pub escalations: Vec<Escalation>,
    /// NetworkPolicy reachability matrices, one per context with workloads.
    pub reachability: Vec<Reachability>,
    /// Checks that could not run and why (a resource a cluster did not
    /// list); shown beside the unreadable and skipped inputs.
    pub not_evaluated: Vec<String>,
}

/// A path from a subject to cluster-admin-equivalent power.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Escalation {
    pub subject: String,
    pub steps: Vec<Step>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Step {
    /// What the subject reaches (`sa:kube-system/admin`, `cluster-admin`).
    pub to: String,
    /// The grant that allows it (`create pods in kube-system via Role x`).
    pub via: String,
}

/// Who can connect to whom: `cells[i][j]` is what workload `i` may open
/// to workload `j` (`all`, `TCP 8080`, ...), empty when nothing.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Reachability {
    /// Which context (`examples/insecure: 6 workloads`).
    pub title: String,
    pub workloads: Vec<String>,
    pub cells: Vec<Vec<String>>,
    /// Workloads left out to keep the matrix readable.
    pub omitted: usize,
}

const PAGE: &str = include_str!("page.html");
const STYLE: &str = include_str!("report.css");
const SCRIPT: &str = include_str!("report.js");

/// Renders the page with no extra sections (what `render_with` gives).
pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    render_with(report, &Extras::default(), out)
}

pub fn render_with(report: &Report, extras: &Extras, out: &mut dyn Write) -> io::Result<()> {
    let mut env = minijinja::Environment::new();
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
    env.add_template("page", PAGE).map_err(io::Error::other)?;
    let tmpl = env.get_template("page").map_err(io::Error::other)?;
    let s = &report.summary;
    let ctx = minijinja::context! {
        tool => &report.tool,
        subject => &extras.subject,
        summary => minijinja::context! {
            files => s.files,
            objects => s.objects,
            suppressed => s.suppressed,
            folded => s.folded,
            findings => report.findings.len(),
            by_severity => bulwark_core::Severity::ALL
                .iter()
                .map(|sev| (sev.as_str(), s.by_severity.get(sev).copied().unwrap_or(0)))
                .collect::<Vec<_>>(),
        },
        errors => s.errors.iter().map(ToString::to_string).collect::<Vec<_>>(),
        skipped => &s.skipped,
        not_evaluated => &extras.not_evaluated,
        frameworks => &report.compliance,
        escalations => &extras.escalations,
        reachability => &extras.reachability,
        charts => minijinja::context! {
            namespaces => charts::severity_by_namespace(report),
            rules => charts::top_rules(report),
            objects => charts::objects_by_worst(report),
            frameworks => charts::framework_scores(&report.compliance),
        },
        style => STYLE,
        script => SCRIPT,
        data => payload::json(report),
    };
    let text = tmpl.render(ctx).map_err(io::Error::other)?;
    out.write_all(text.as_bytes())
}
