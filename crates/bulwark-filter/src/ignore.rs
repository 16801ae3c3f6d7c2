//! The `ignore:` entries of the config, compiled: globs built once, expiry
//! decided once against the day of the scan.

use std::path::{Component, Path, PathBuf};

use bulwark_core::{Catalog, Finding};
use globset::{Glob, GlobBuilder, GlobMatcher};
use jiff::civil::Date;

use crate::config::{Config, ConfigProblem, IgnoreEntry};
use crate::suggest::unknown_rule;

/// Builds a glob where `*` stays within one path segment and `**` crosses
/// them (for names and kinds, which have no `/`, it is a plain glob).
pub fn glob(pattern: &str) -> Result<GlobMatcher, String> {
    GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .map(|g| g.compile_matcher())
        .map_err(|e| format!("invalid glob '{pattern}': {}", e.kind()))
}

/// Which rules an entry names: one id, or a glob over ids.
#[derive(Clone, Debug)]
pub enum RuleMatcher {
    Exact(String),
    Glob(GlobMatcher),
}

impl RuleMatcher {
    pub fn matches(&self, id: &str) -> bool {
        match self {
            RuleMatcher::Exact(e) => e == id,
            RuleMatcher::Glob(g) => g.is_match(id),
        }
    }
}

/// A rule id that must exist, or a glob that must match at least one rule.
pub fn rule_matcher(pattern: &str, catalog: &Catalog) -> Result<RuleMatcher, String> {
    if catalog.get(pattern).is_some() {
        return Ok(RuleMatcher::Exact(pattern.to_string()));
    }
    if !pattern.contains(['*', '?', '[', '{']) {
        return Err(unknown_rule(pattern, catalog));
    }
    let g = Glob::new(pattern)
        .map_err(|e| format!("invalid rule glob '{pattern}': {}", e.kind()))?
        .compile_matcher();
    if !catalog.iter().any(|r| g.is_match(r.id)) {
        return Err(format!(
            "rule glob '{pattern}' matches no known rule (`bulwark rules` lists them)"
        ));
    }
    Ok(RuleMatcher::Glob(g))
}

/// One compiled `ignore:` entry.
#[derive(Clone, Debug)]
pub struct IgnoreRule {
    rule: RuleMatcher,
    namespace: Option<GlobMatcher>,
    kind: Option<GlobMatcher>,
    name: Option<GlobMatcher>,
    file: Option<GlobMatcher>,
    pub reason: String,
    pub expires: Option<Date>,
    /// Where the entry is written (`.bulwark.yaml:12:5`), for messages.
    pub at: String,
}

/// Where relative file globs are anchored.
#[derive(Clone, Debug, Default)]
pub struct FileBase {
    /// The directory of the config file.
    pub config_dir: Option<PathBuf>,
    /// The directory relative finding paths are relative to.
    pub cwd: PathBuf,
}

impl IgnoreRule {
    fn compile(e: &IgnoreEntry, catalog: &Catalog, at: String) -> Result<Self, String> {
        let g = |o: &Option<String>| o.as_deref().map(glob).transpose();
        Ok(Self {
            rule: rule_matcher(&e.rule, catalog)?,
            namespace: g(&e.namespace)?,
            kind: g(&e.kind)?,
            name: g(&e.name)?,
            file: g(&e.file)?,
            reason: e.reason.trim().to_string(),
            expires: e.expires,
            at,
        })
    }

    /// Whether the entry names `f` (expiry aside).
    pub fn matches(&self, f: &Finding, base: &FileBase) -> bool {
        let o = &f.object;
        self.rule.matches(&f.rule_id)
            && self
                .namespace
                .as_ref()
                .is_none_or(|g| g.is_match(o.namespace.as_deref().unwrap_or("")))
            && self.kind.as_ref().is_none_or(|g| g.is_match(&o.kind))
            && self.name.as_ref().is_none_or(|g| g.is_match(&o.name))
            && self.file.as_ref().is_none_or(|g| {
                f.location
                    .as_ref()
                    .is_some_and(|l| g.is_match(relative_to_config(&l.file, base)))
            })
    }

    pub fn expired(&self, today: Date) -> bool {
        self.expires.is_some_and(|e| today > e)
    }
}

/// The finding's file relative to the config directory when it lies below
/// it, else as the user gave it.
fn relative_to_config(file: &str, base: &FileBase) -> String {
    let Some(dir) = &base.config_dir else {
        return file.to_string();
    };
    if file.starts_with('<') {
        // `<stdin>`: not a path.
        return file.to_string();
    }
    let p = Path::new(file);
    let abs = if p.is_absolute() {
        normalize(p)
    } else {
        normalize(&base.cwd.join(p))
    };
    match abs.strip_prefix(dir) {
        Ok(rel) => rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
        Err(_) => file.to_string(),
    }
}

/// Removes `.` and resolves `..` without touching the filesystem.
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Compiles every ignore entry of `cfg`; `at(i)` names where entry `i` is
/// written. Errors are the same problems [`Config::validate`] reports.
pub fn compile(
    cfg: &Config,
    catalog: &Catalog,
    at: impl Fn(usize) -> String,
) -> Result<Vec<IgnoreRule>, Vec<ConfigProblem>> {
    let problems = cfg.validate(catalog);
    if !problems.is_empty() {
        return Err(problems);
    }
    cfg.ignore
        .iter()
        .enumerate()
        .map(|(i, e)| IgnoreRule::compile(e, catalog, at(i)))
        .collect::<Result<_, _>>()
        .map_err(|message| {
            vec![ConfigProblem {
                path: bulwark_core::FieldPath::root().key("ignore"),
                message,
            }]
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_globs_are_relative_to_the_config_dir() {
        let base = FileBase {
            config_dir: Some(PathBuf::from("/repo")),
            cwd: PathBuf::from("/repo/sub"),
        };
        assert_eq!(
            relative_to_config("../deploy/a.yaml", &base),
            "deploy/a.yaml"
        );
        assert_eq!(relative_to_config("/repo/x/./b.yaml", &base), "x/b.yaml");
        assert_eq!(
            relative_to_config("/elsewhere/c.yaml", &base),
            "/elsewhere/c.yaml"
        );
        assert_eq!(relative_to_config("<stdin>", &base), "<stdin>");
        let g = glob("deploy/*.yaml").unwrap();
        assert!(g.is_match("deploy/a.yaml"));
        assert!(!g.is_match("deploy/x/a.yaml"));
        assert!(
            glob("deploy/**/*.yaml")
                .unwrap()
                .is_match("deploy/x/a.yaml")
        );
    }
}
