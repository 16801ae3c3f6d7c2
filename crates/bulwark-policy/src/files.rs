//! Policy directories read as plain YAML trees: every `.yaml`, `.yml` and
//! `.json` file below them, in path order. Unlike a scan, a policy
//! directory is never rendered (Gatekeeper's library keeps a
//! kustomization beside each template), and symbolic links are not
//! followed.

use std::path::{Path, PathBuf};

use bulwark_core::Resource;
use bulwark_load::LoadOptions;
use rayon::prelude::*;

use crate::PolicyError;

fn walk(dir: &Path, files: &mut Vec<PathBuf>, errors: &mut Vec<PolicyError>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            errors.push(PolicyError {
                file: bulwark_core::input::path_name(dir),
                line: None,
                message: format!("cannot read directory: {e}"),
            });
            return;
        }
    };
    let mut paths: Vec<(PathBuf, std::fs::FileType)> = entries
        .filter_map(Result::ok)
        .filter_map(|e| Some((e.path(), e.file_type().ok()?)))
        .collect();
    paths.sort_by(|a, b| a.0.cmp(&b.0));
    for (p, ty) in paths {
        if ty.is_dir() {
            walk(&p, files, errors);
        } else if ty.is_file() && bulwark_load::walk::is_manifest(&p) {
            files.push(p);
        }
    }
}

/// Every manifest file below `paths` (a file named is read whatever its
/// extension), sorted per path.
pub fn expand(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<PolicyError>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for p in paths {
        if p.is_dir() {
            walk(p, &mut files, &mut errors);
        } else {
            files.push(p.clone());
        }
    }
    (files, errors)
}

/// The objects of every file below `paths`, in order, and what could not
/// be read (with file:line).
pub fn read(paths: &[PathBuf]) -> (Vec<Resource>, Vec<PolicyError>) {
    let (files, mut errors) = expand(paths);
    let loaded: Vec<_> = files
        .par_iter()
        .map(|f| bulwark_load::load_file(f, &LoadOptions::default()))
        .collect();
    let mut resources = Vec::new();
    for l in loaded {
        resources.extend(l.resources);
        errors.extend(l.summary.errors.into_iter().map(|e| PolicyError {
            file: e.file,
            line: e.line,
            message: e.message,
        }));
    }
    (resources, errors)
}
