//! Sources of Kubernetes objects: files, directories, stdin, and rendered
//! Helm charts and kustomizations.
//!
//! Invariant: nothing the user gave is dropped silently. Every input ends up
//! as objects, a [`Skipped`] entry with a reason, or an [`InputError`] with
//! file:line:column; one bad input never stops the others.

pub mod objects;
pub mod render;
pub mod scalar;
pub mod walk;
pub mod yaml;

use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;

use bulwark_core::{InputError, LoadSummary, Resource, Skipped};
use rayon::prelude::*;

pub use walk::Input;
pub use yaml::Budget;

/// Limits and switches of one load.
#[derive(Clone, Copy, Debug)]
pub struct LoadOptions {
    /// Files larger than this are reported, not read.
    pub max_file_size: u64,
    pub budget: Budget,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            max_file_size: 256 * 1024 * 1024,
            budget: Budget::default(),
        }
    }
}

/// Objects read, and the account of everything else.
#[derive(Debug, Default)]
pub struct Loaded {
    pub resources: Vec<Resource>,
    pub summary: LoadSummary,
}

/// Loads every object below `paths` (`-` is standard input), in parallel.
/// Output order is deterministic: inputs sorted per path, documents in order.
pub fn load_paths(paths: &[PathBuf], opts: &LoadOptions) -> Loaded {
    let mut inputs = Vec::new();
    let mut summary = LoadSummary::default();
    walk::expand(
        paths,
        &mut inputs,
        &mut summary.errors,
        &mut summary.skipped,
    );
    let parts: Vec<Loaded> = inputs
        .par_iter()
        .map(|input| load_input(input, opts))
        .collect();
    let mut out = Loaded {
        resources: Vec::new(),
        summary,
    };
    for p in parts {
        out.resources.extend(p.resources);
        out.summary.merge(p.summary);
    }
    out.summary.sort();
    out
}

fn load_input(input: &Input, opts: &LoadOptions) -> Loaded {
    match input {
        Input::File(p) => load_file(p, opts),
        Input::Stdin => {
            let mut bytes = Vec::new();
            let limit = opts.max_file_size;
            match std::io::stdin().take(limit + 1).read_to_end(&mut bytes) {
                Ok(_) if bytes.len() as u64 > limit => error_only(
                    "<stdin>",
                    None,
                    format!("input is larger than the {} limit", human(limit)),
                ),
                Ok(_) => load_bytes("<stdin>", &bytes, opts),
                Err(e) => error_only("<stdin>", None, format!("cannot read: {e}")),
            }
        }
        Input::Chart(dir) => rendered(dir, "helm template", render::render_chart(dir), opts),
        Input::Kustomization(dir) => rendered(
            dir,
            "kustomize build",
            render::render_kustomization(dir),
            opts,
        ),
    }
}

fn rendered(
    dir: &std::path::Path,
    how: &str,
    out: Result<String, String>,
    opts: &LoadOptions,
) -> Loaded {
    let name = format!("{} ({how})", dir.display());
    match out {
        Ok(text) => load_bytes(&name, text.as_bytes(), opts),
        Err(msg) => error_only(&dir.display().to_string(), None, msg),
    }
}

/// Loads one file from disk.
pub fn load_file(path: &std::path::Path, opts: &LoadOptions) -> Loaded {
    let name = path.display().to_string();
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => return errors(vec![walk::io_error(path, &e)]),
    };
    if meta.len() > opts.max_file_size {
        return error_only(
            &name,
            None,
            format!(
                "file is {}, larger than the {} limit (raise it with --max-file-size)",
                human(meta.len()),
                human(opts.max_file_size)
            ),
        );
    }
    match std::fs::read(path) {
        Ok(bytes) => load_bytes(&name, &bytes, opts),
        Err(e) => errors(vec![walk::io_error(path, &e)]),
    }
}

/// Loads objects from bytes that came from `name`.
pub fn load_bytes(name: &str, bytes: &[u8], opts: &LoadOptions) -> Loaded {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let (line, column) = line_col(bytes, e.valid_up_to());
            return error_only(
                name,
                Some((line, column)),
                "invalid UTF-8: Kubernetes manifests must be UTF-8 text".into(),
            );
        }
    };
    load_str(name, text, opts)
}

/// Loads objects from YAML or JSON text that came from `name`.
pub fn load_str(name: &str, text: &str, opts: &LoadOptions) -> Loaded {
    let file: Arc<str> = Arc::from(name);
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let (docs, err) = yaml::parse_stream(text, opts.budget);
    let mut out = Loaded::default();
    out.summary.files = 1;
    let yaml_failed = err.is_some();
    if let Some(e) = err {
        // JSON that YAML rejects (tabs, say) still is JSON: try that before
        // reporting the YAML error.
        let json_ok = docs.is_empty() && looks_like_json(text) && {
            match serde_json::from_str::<serde_json::Value>(text) {
                Ok(v) => {
                    objects::document_objects(
                        &file,
                        0,
                        v,
                        None,
                        &mut out.resources,
                        &mut out.summary.skipped,
                    );
                    true
                }
                Err(_) => false,
            }
        };
        if json_ok {
            return out;
        }
        out.summary.errors.push(InputError {
            file: name.to_string(),
            line: Some(e.line),
            column: Some(e.column),
            message: e.message,
        });
    }
    let _ = yaml_failed;
    for (i, d) in docs.into_iter().enumerate() {
        objects::document_objects(
            &file,
            i,
            d.value,
            Some(d.spans),
            &mut out.resources,
            &mut out.summary.skipped,
        );
    }
    out
}

fn looks_like_json(text: &str) -> bool {
    matches!(text.trim_start().as_bytes().first(), Some(b'{' | b'['))
}

fn line_col(bytes: &[u8], offset: usize) -> (u32, u32) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count() as u32
        + 1;
    (line, column)
}

fn human(n: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if n >= 1024 * MIB {
        format!("{:.1} GiB", n as f64 / (1024 * MIB) as f64)
    } else {
        format!("{} MiB", n.div_ceil(MIB))
    }
}

fn errors(errors: Vec<InputError>) -> Loaded {
    Loaded {
        resources: Vec::new(),
        summary: LoadSummary {
            files: 0,
            skipped: Vec::<Skipped>::new(),
            errors,
        },
    }
}

fn error_only(file: &str, at: Option<(u32, u32)>, message: String) -> Loaded {
    errors(vec![InputError {
        file: file.to_string(),
        line: at.map(|a| a.0),
        column: at.map(|a| a.1),
        message,
    }])
}
