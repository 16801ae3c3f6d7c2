//! Renderers. A renderer gets a finished [`Report`] and writes it; it never
//! decides what is a finding.
//!
//! Every format keeps the order of [`Report::findings`] (the pipeline sorts
//! them) and sorts whatever it groups, so the same scan always prints the
//! same bytes.

use std::path::PathBuf;

mod group;
pub mod html;
pub mod json;
pub mod junit;
pub mod model;
pub mod prometheus;
pub mod sarif;
pub mod table;

#[cfg(test)]
mod sample;

pub use model::{Report, Summary, Tool};

/// Output formats of `bulwark scan`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Sarif,
    Junit,
    /// Prometheus text exposition: counts with bounded labels.
    Prometheus,
    /// One self-contained HTML page (charts, filterable findings table).
    Html,
}

/// What a renderer needs to know about where its output goes.
#[derive(Clone, Debug)]
pub struct RenderOptions {
    /// Colour the table. The caller decides: true only for a terminal, and
    /// never when `NO_COLOR` is set (see `anstream::AutoStream::choice`).
    pub color: bool,
    /// Width the table wraps to.
    pub width: usize,
    /// Directory SARIF artifact URIs are relative to (the repository root,
    /// as GitHub code scanning expects). Absolute paths under it are made
    /// relative; relative paths are taken as given. `None`: the working
    /// directory.
    pub base_dir: Option<PathBuf>,
    /// The HTML report's sections that are not findings.
    pub html: html::Extras,
}

impl Default for RenderOptions {
    fn default() -> Self {
        Self {
            color: false,
            width: 80,
            base_dir: None,
            html: html::Extras::default(),
        }
    }
}

/// Renders `report` in `format` without colour, 80 columns wide.
pub fn render(
    report: &Report,
    format: Format,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    render_with(report, format, &RenderOptions::default(), out)
}

/// Renders `report` in `format` with explicit options.
pub fn render_with(
    report: &Report,
    format: Format,
    opts: &RenderOptions,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    match format {
        Format::Table => table::render(report, opts, out),
        Format::Json => json::render(report, out),
        Format::Sarif => sarif::render(report, opts, out),
        Format::Junit => junit::render(report, out),
        Format::Prometheus => prometheus::render(report, out),
        Format::Html => html::render_with(report, &opts.html, out),
    }
}
