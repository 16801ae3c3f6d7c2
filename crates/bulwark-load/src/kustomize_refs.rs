//! The files below a kustomization directory that the kustomization does
//! not reference. Only kustomize's output is scanned for such a directory,
//! so a manifest it leaves out is neither deployed by it nor scanned: each
//! is listed as skipped with that reason, never passed over silently.
//!
//! A file counts as referenced when any string of the kustomization file
//! (`resources`, `components`, patches, generator `files` with their
//! `key=path` form, ...) names it or a directory above it. This errs
//! towards "referenced": a file kustomize reads is never listed, a file
//! named only in an unrelated field is not listed either.

use std::path::{Path, PathBuf};

use bulwark_core::Skipped;
use serde_json::Value;

use crate::walk::{KUSTOMIZATION_FILES, is_manifest};

/// The kustomization file is read for its references up to this size.
const MAX_KUSTOMIZATION_SIZE: u64 = 4 * 1024 * 1024;

/// The manifests below `dir` (a kustomization directory) that its
/// kustomization does not reference, as skipped entries.
pub fn unreferenced(dir: &Path) -> Vec<Skipped> {
    let Some(kfile) = KUSTOMIZATION_FILES
        .iter()
        .map(|f| dir.join(f))
        .find(|p| p.is_file())
    else {
        return Vec::new();
    };
    let referenced = references(dir, &kfile);
    let mut out = Vec::new();
    let walker = ignore::WalkBuilder::new(dir)
        .standard_filters(false)
        .follow_links(false)
        .filter_entry(|e| e.file_name() != ".git")
        .sort_by_file_name(|a, b| a.cmp(b))
        .build();
    for entry in walker.flatten() {
        let path = entry.path();
        if !entry.file_type().is_some_and(|t| t.is_file())
            || !is_manifest(path)
            || path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| KUSTOMIZATION_FILES.contains(&n) || n.starts_with(".bulwark."))
        {
            continue;
        }
        let canon = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        if referenced.iter().any(|r| canon.starts_with(r)) {
            continue;
        }
        out.push(Skipped {
            file: bulwark_core::input::path_name(path),
            reason: format!(
                "below the kustomization {} but not referenced by it: not rendered, so not \
                 scanned (name the file on the command line to scan it on its own)",
                kfile.display()
            ),
        });
    }
    out
}

/// Every existing path named by a string in the kustomization file.
fn references(dir: &Path, kfile: &Path) -> Vec<PathBuf> {
    let text = match std::fs::metadata(kfile) {
        Ok(m) if m.len() <= MAX_KUSTOMIZATION_SIZE => {
            std::fs::read_to_string(kfile).unwrap_or_default()
        }
        _ => String::new(),
    };
    let (docs, _) = crate::yaml::parse_all(&text, crate::Budget::default());
    let mut out = Vec::new();
    let mut stack: Vec<&Value> = docs.iter().map(|d| &d.value).collect();
    while let Some(v) = stack.pop() {
        match v {
            Value::String(s) => {
                for cand in [Some(s.as_str()), s.split_once('=').map(|(_, p)| p)]
                    .into_iter()
                    .flatten()
                {
                    if let Ok(p) = std::fs::canonicalize(dir.join(cand.trim())) {
                        out.push(p);
                    }
                }
            }
            Value::Array(a) => stack.extend(a),
            Value::Object(o) => stack.extend(o.values()),
            _ => {}
        }
    }
    // The kustomization's own directory is never referenced as a whole by
    // `.`; `resources: [.]` is not valid kustomize either.
    let own = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    out.retain(|p| p != &own);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_the_kustomization_leaves_out_are_listed() {
        let d = tempfile::tempdir().expect("tempdir");
        let w = |rel: &str, text: &str| {
            let p = d.path().join(rel);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(p, text).expect("write");
        };
        w(
            "kustomization.yaml",
            "resources:\n  - deploy.yaml\n  - base\npatches:\n  - path: patch.yaml\n\
             configMapGenerator:\n  - name: c\n    files:\n      - app.json=conf/app.json\n",
        );
        w("deploy.yaml", "kind: Pod\n");
        w("patch.yaml", "kind: Pod\n");
        w("base/x.yaml", "kind: Pod\n");
        w("conf/app.json", "{}\n");
        w("forgotten.yaml", "kind: Pod\n");
        w("extra/priv.yml", "kind: Pod\n");
        w("README.md", "not a manifest\n");
        let s = unreferenced(d.path());
        let files: Vec<_> = s
            .iter()
            .map(|s| {
                Path::new(&s.file)
                    .strip_prefix(d.path())
                    .expect("below")
                    .display()
                    .to_string()
            })
            .collect();
        assert_eq!(files, ["extra/priv.yml", "forgotten.yaml"]);
        assert!(s[0].reason.contains("not referenced"), "{}", s[0].reason);
    }
}
