//! Expands what the user named (files, directories, `-`) into inputs.

use std::path::{Path, PathBuf};

use bulwark_core::{InputError, Skipped};

/// One thing to read.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Input {
    File(PathBuf),
    /// A directory holding `Chart.yaml`: rendered with `helm template`.
    Chart(PathBuf),
    /// A directory holding a kustomization: rendered with kustomize.
    Kustomization(PathBuf),
    Stdin,
}

const KUSTOMIZATION_FILES: &[&str] = &["kustomization.yaml", "kustomization.yml", "Kustomization"];

fn is_manifest(p: &Path) -> bool {
    matches!(
        p.extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("yaml" | "yml" | "json")
    )
}

/// `.bulwark.yaml` / `.bulwark.yml`: the scan's configuration.
fn is_bulwark_config(p: &Path) -> bool {
    matches!(
        p.file_name().and_then(|n| n.to_str()),
        Some(".bulwark.yaml" | ".bulwark.yml")
    )
}

/// What kind of renderable directory `dir` is, if any.
fn renderable(dir: &Path) -> Option<Input> {
    if dir.join("Chart.yaml").is_file() {
        return Some(Input::Chart(dir.to_path_buf()));
    }
    if KUSTOMIZATION_FILES.iter().any(|f| dir.join(f).is_file()) {
        return Some(Input::Kustomization(dir.to_path_buf()));
    }
    None
}

/// Every input below the given paths, sorted, with what could not be walked
/// and what was passed over.
pub fn expand(
    paths: &[PathBuf],
    inputs: &mut Vec<Input>,
    errors: &mut Vec<InputError>,
    skipped: &mut Vec<Skipped>,
) {
    for p in paths {
        if p.as_os_str() == "-" {
            inputs.push(Input::Stdin);
            continue;
        }
        let meta = match std::fs::metadata(p) {
            Ok(m) => m,
            Err(e) => {
                errors.push(io_error(p, &e));
                continue;
            }
        };
        if !meta.is_dir() {
            // A file named explicitly is read whatever its extension; so is
            // a pipe (`bulwark scan <(helm template ...)`).
            inputs.push(Input::File(p.clone()));
            continue;
        }
        if let Some(r) = renderable(p) {
            inputs.push(r);
            continue;
        }
        walk_dir(p, inputs, errors, skipped);
    }
}

fn walk_dir(
    root: &Path,
    inputs: &mut Vec<Input>,
    errors: &mut Vec<InputError>,
    skipped: &mut Vec<Skipped>,
) {
    let mut found = Vec::new();
    let mut rendered_dirs: Vec<PathBuf> = Vec::new();
    let walker = ignore::WalkBuilder::new(root)
        .standard_filters(false)
        .follow_links(true)
        .filter_entry(|e| e.file_name() != ".git")
        .sort_by_file_name(|a, b| a.cmp(b))
        .build();
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                errors.push(walk_error(root, &e));
                continue;
            }
        };
        let path = entry.path();
        if rendered_dirs.iter().any(|d| path.starts_with(d)) {
            continue;
        }
        let Some(ft) = entry.file_type() else {
            continue;
        };
        if ft.is_dir() {
            if path != root
                && let Some(r) = renderable(path)
            {
                rendered_dirs.push(path.to_path_buf());
                found.push(r);
            }
            continue;
        }
        if !ft.is_file() {
            // Opening a FIFO met while walking would block the scan.
            skipped.push(Skipped {
                file: path.display().to_string(),
                reason: "not a regular file (pipes, sockets and devices are read only when \
                         named on the command line)"
                    .into(),
            });
        } else if is_bulwark_config(path) {
            // bulwark's own config is read as config, not scanned as input.
        } else if is_manifest(path) {
            found.push(Input::File(path.to_path_buf()));
        } else {
            skipped.push(Skipped {
                file: path.display().to_string(),
                reason: "not a .yaml, .yml or .json file".into(),
            });
        }
    }
    inputs.extend(found);
}

pub(crate) fn io_error(p: &Path, e: &std::io::Error) -> InputError {
    let message = match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "cannot read: permission denied".to_string(),
        _ => format!("cannot read: {e}"),
    };
    InputError {
        file: p.display().to_string(),
        line: None,
        column: None,
        message,
    }
}

fn walk_error(root: &Path, e: &ignore::Error) -> InputError {
    use ignore::Error as E;
    let mut err = e;
    let mut path = root.to_path_buf();
    loop {
        match err {
            E::WithPath {
                path: p,
                err: inner,
            } => {
                path = p.clone();
                err = inner;
            }
            E::WithDepth { err: inner, .. } | E::WithLineNumber { err: inner, .. } => err = inner,
            _ => break,
        }
    }
    let message = match err {
        E::Loop { ancestor, child } => format!(
            "symbolic link loop: {} points back to {}",
            child.display(),
            ancestor.display()
        ),
        E::Io(io) if io.kind() == std::io::ErrorKind::PermissionDenied => {
            "cannot read: permission denied".to_string()
        }
        other => other.to_string(),
    };
    let file = match err {
        E::Loop { child, .. } => child.display().to_string(),
        _ => path.display().to_string(),
    };
    InputError {
        file,
        line: None,
        column: None,
        message,
    }
}
