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

pub(crate) const KUSTOMIZATION_FILES: &[&str] =
    &["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// A file a directory walk reads: `.yaml`, `.yml` or `.json`.
pub fn is_manifest(p: &Path) -> bool {
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

/// Skipped entries of one reason listed one by one per walked directory;
/// the rest are one entry with their count.
pub const MAX_LISTED_PER_REASON: usize = 20;

/// Every input below the given paths, sorted, with what could not be walked
/// and what was passed over. Symbolic links met while walking are not
/// followed (see [`expand_with`]).
pub fn expand(
    paths: &[PathBuf],
    inputs: &mut Vec<Input>,
    errors: &mut Vec<InputError>,
    skipped: &mut Vec<Skipped>,
) {
    expand_with(paths, false, inputs, errors, skipped);
}

/// [`expand`]; with `follow_symlinks`, links met while walking are
/// followed wherever they point (`--follow-symlinks`). Without it, a link
/// to a file inside the walked tree is read, and any other link is skipped
/// with the reason: a scan never leaves the tree it was given unasked.
pub fn expand_with(
    paths: &[PathBuf],
    follow_symlinks: bool,
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
            unrendered(&r, skipped);
            inputs.push(r);
            continue;
        }
        let mut dir_skipped = Vec::new();
        walk_dir(p, follow_symlinks, inputs, errors, &mut dir_skipped);
        skipped.extend(bound_per_reason(p, dir_skipped));
    }
}

/// At most [`MAX_LISTED_PER_REASON`] entries per reason, the rest counted
/// in one entry: a tree of 100,000 images is one line, not 100,000.
fn bound_per_reason(root: &Path, list: Vec<Skipped>) -> Vec<Skipped> {
    let mut seen: std::collections::BTreeMap<String, usize> = Default::default();
    let mut out = Vec::new();
    for s in list {
        let n = seen.entry(s.reason.clone()).or_insert(0);
        *n += 1;
        if *n <= MAX_LISTED_PER_REASON {
            out.push(s);
        }
    }
    for (reason, n) in seen {
        if n > MAX_LISTED_PER_REASON {
            out.push(Skipped {
                file: format!(
                    "{} ({} more files not listed)",
                    root.display(),
                    n - MAX_LISTED_PER_REASON
                ),
                reason,
            });
        }
    }
    out
}

/// What a symbolic link met in a walk (not following links) is.
enum Link {
    /// To a file inside the walked tree: read like the file.
    Inside,
    /// Not followed, with the reason.
    Skip(String),
    /// Dangling or a loop.
    Broken(std::io::Error),
}

fn link_kind(root: &Path, link: &Path) -> Link {
    let target = match std::fs::canonicalize(link) {
        Ok(t) => t,
        Err(e) => return Link::Broken(e),
    };
    let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    if target.is_dir() {
        return Link::Skip(
            "symbolic link to a directory: not followed (use --follow-symlinks)".into(),
        );
    }
    if !target.starts_with(&root) {
        return Link::Skip(format!(
            "symbolic link to {} outside the scanned tree: not followed (use --follow-symlinks)",
            target.display()
        ));
    }
    Link::Inside
}

fn walk_dir(
    root: &Path,
    follow_symlinks: bool,
    inputs: &mut Vec<Input>,
    errors: &mut Vec<InputError>,
    skipped: &mut Vec<Skipped>,
) {
    let mut found = Vec::new();
    let mut rendered_dirs: Vec<PathBuf> = Vec::new();
    let walker = ignore::WalkBuilder::new(root)
        .standard_filters(false)
        .follow_links(follow_symlinks)
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
        if ft.is_symlink() {
            match link_kind(root, path) {
                Link::Inside if is_manifest(path) => found.push(Input::File(path.to_path_buf())),
                Link::Inside => skipped.push(Skipped {
                    file: bulwark_core::input::path_name(path),
                    reason: "not a .yaml, .yml or .json file".into(),
                }),
                Link::Skip(reason) => skipped.push(Skipped {
                    file: bulwark_core::input::path_name(path),
                    reason,
                }),
                Link::Broken(e) => errors.push(io_error(path, &e)),
            }
            continue;
        }
        if ft.is_dir() {
            if path != root
                && let Some(r) = renderable(path)
            {
                rendered_dirs.push(path.to_path_buf());
                unrendered(&r, skipped);
                found.push(r);
            }
            continue;
        }
        if !ft.is_file() {
            // Opening a FIFO met while walking would block the scan.
            skipped.push(Skipped {
                file: bulwark_core::input::path_name(path),
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
                file: bulwark_core::input::path_name(path),
                reason: "not a .yaml, .yml or .json file".into(),
            });
        }
    }
    inputs.extend(found);
}

/// What a rendered directory holds that its renderer does not read.
fn unrendered(r: &Input, skipped: &mut Vec<Skipped>) {
    if let Input::Kustomization(dir) = r {
        skipped.extend(crate::kustomize_refs::unreferenced(dir));
    }
}

pub(crate) fn io_error(p: &Path, e: &std::io::Error) -> InputError {
    let message = match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "cannot read: permission denied".to_string(),
        _ => format!("cannot read: {e}"),
    };
    InputError {
        file: bulwark_core::input::path_name(p),
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
        E::Loop { child, .. } => bulwark_core::input::path_name(child),
        _ => bulwark_core::input::path_name(&path),
    };
    InputError {
        file,
        line: None,
        column: None,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn walk(root: &Path, follow: bool) -> (Vec<Input>, Vec<Skipped>) {
        let (mut i, mut e, mut s) = (Vec::new(), Vec::new(), Vec::new());
        expand_with(&[root.to_path_buf()], follow, &mut i, &mut e, &mut s);
        (i, s)
    }

    #[test]
    fn links_out_of_the_tree_are_not_followed_unless_asked() {
        let outside = tempfile::tempdir().expect("tempdir");
        std::fs::write(outside.path().join("secret.yaml"), "kind: Secret\n").expect("w");
        let d = tempfile::tempdir().expect("tempdir");
        std::fs::write(d.path().join("a.yaml"), "kind: Pod\n").expect("w");
        symlink(outside.path(), d.path().join("out")).expect("symlink");
        symlink(outside.path().join("secret.yaml"), d.path().join("s.yaml")).expect("symlink");
        symlink(d.path().join("a.yaml"), d.path().join("inside.yaml")).expect("symlink");
        let (inputs, skipped) = walk(d.path(), false);
        let files: Vec<_> = inputs
            .iter()
            .filter_map(|i| match i {
                Input::File(p) => p.file_name().map(|n| n.to_string_lossy().into_owned()),
                _ => None,
            })
            .collect();
        assert_eq!(files, ["a.yaml", "inside.yaml"]);
        let reasons: Vec<_> = skipped.iter().map(|s| s.reason.as_str()).collect();
        assert_eq!(skipped.len(), 2, "{reasons:?}");
        assert!(
            reasons.iter().all(|r| r.contains("--follow-symlinks")),
            "{reasons:?}"
        );
        let (inputs, _) = walk(d.path(), true);
        assert_eq!(inputs.len(), 4, "{inputs:?}");
    }

    #[test]
    fn skipped_files_are_listed_with_a_bound_and_counted() {
        let d = tempfile::tempdir().expect("tempdir");
        for i in 0..50 {
            std::fs::write(d.path().join(format!("img{i:02}.png")), "x").expect("w");
        }
        std::fs::write(d.path().join("notes.txt"), "x").expect("w");
        let (_, skipped) = walk(d.path(), false);
        // One reason (not a manifest) for all 51: 20 listed, one count.
        assert_eq!(skipped.len(), MAX_LISTED_PER_REASON + 1);
        let more = skipped
            .iter()
            .find(|s| s.file.contains("more files not listed"))
            .expect("a count");
        assert!(
            more.file.contains("(31 more files not listed)"),
            "{}",
            more.file
        );
        // Both kinds of entry are kept in one order.
        assert!(skipped.iter().any(|s| s.file.ends_with("img00.png")));
    }
}
