//! Finding and reading bulwark's own config file (`.bulwark.yaml`).
//!
//! The loader knows where the file is and how to read YAML with positions;
//! the shape of the config belongs to whoever deserializes it (`T`), so this
//! module stays free of filter logic.

use std::path::{Path, PathBuf};

use bulwark_core::{FieldPath, InputError, Spans};
use serde::de::DeserializeOwned;

use crate::yaml::{Budget, parse_stream};

/// Names the config file may have, in the order they are looked for.
pub const CONFIG_NAMES: [&str; 2] = [".bulwark.yaml", ".bulwark.yml"];

/// Config files are small; anything bigger is a mistake.
const MAX_CONFIG_SIZE: u64 = 4 * 1024 * 1024;

/// A config file read into `T`, with the positions of its fields.
#[derive(Debug)]
pub struct ConfigFile<T> {
    pub path: PathBuf,
    pub value: T,
    spans: Option<Spans>,
}

impl<T> ConfigFile<T> {
    /// `file:line:col` of `field` (or of its nearest existing parent).
    pub fn locate(&self, field: &FieldPath) -> String {
        match &self.spans {
            Some(s) => {
                let p = s.locate(field);
                format!("{}:{}:{}", self.path.display(), p.line, p.column)
            }
            None => self.path.display().to_string(),
        }
    }

    /// The directory relative paths in the config are relative to.
    pub fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }
}

/// The config file that applies to `start`: the nearest `.bulwark.yaml` or
/// `.bulwark.yml` in `start`'s directory or any parent. Two candidates in
/// one directory are an error: which one wins would be a guess.
pub fn find_config(start: &Path) -> Result<Option<PathBuf>, InputError> {
    let abs = std::fs::canonicalize(start).map_err(|e| InputError {
        file: start.display().to_string(),
        line: None,
        column: None,
        message: format!("cannot look for a config file from here: {e}"),
    })?;
    let mut dir = if abs.is_dir() {
        Some(abs.as_path())
    } else {
        abs.parent()
    };
    while let Some(d) = dir {
        let found: Vec<PathBuf> = CONFIG_NAMES
            .iter()
            .map(|n| d.join(n))
            .filter(|p| p.is_file())
            .collect();
        match found.as_slice() {
            [] => dir = d.parent(),
            [one] => return Ok(Some(one.clone())),
            [a, b, ..] => {
                return Err(InputError {
                    file: a.display().to_string(),
                    line: None,
                    column: None,
                    message: format!("both {} and {} exist; keep one", a.display(), b.display()),
                });
            }
        }
    }
    Ok(None)
}

/// Reads the config file at `path` into `T`. Unknown fields and bad values
/// (as `T` defines them) are errors with the file, line and column.
pub fn read_config<T: DeserializeOwned>(path: &Path) -> Result<ConfigFile<T>, InputError> {
    let err = |line: Option<u32>, column: Option<u32>, message: String| InputError {
        file: path.display().to_string(),
        line,
        column,
        message,
    };
    let meta = std::fs::metadata(path).map_err(|e| err(None, None, e.to_string()))?;
    if meta.len() > MAX_CONFIG_SIZE {
        return Err(err(
            None,
            None,
            format!(
                "config file is {} bytes; that is too big to be one",
                meta.len()
            ),
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| err(None, None, e.to_string()))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| err(None, None, "config file is not UTF-8 text".into()))?;
    parse_config(path, &text)
}

/// Parses config text that came from `path` (see [`read_config`]).
pub fn parse_config<T: DeserializeOwned>(
    path: &Path,
    text: &str,
) -> Result<ConfigFile<T>, InputError> {
    let (docs, yaml_err) = parse_stream(text, Budget::default());
    if let Some(e) = yaml_err {
        return Err(InputError {
            file: path.display().to_string(),
            line: Some(e.line),
            column: Some(e.column),
            message: e.message,
        });
    }
    if docs.len() > 1 {
        return Err(InputError {
            file: path.display().to_string(),
            line: Some(docs[1].spans.pos.line),
            column: None,
            message: "a config file holds one YAML document".into(),
        });
    }
    // An empty file (or only comments) is an empty config.
    let text = if docs.is_empty() || docs[0].value.is_null() {
        "{}"
    } else {
        text
    };
    let value: T = serde_saphyr::from_str(text).map_err(|e| {
        let loc = e.location();
        InputError {
            file: path.display().to_string(),
            line: loc.map(|l| l.line() as u32),
            column: loc.map(|l| l.column() as u32),
            message: plain_message(&e),
        }
    })?;
    Ok(ConfigFile {
        path: path.to_path_buf(),
        value,
        spans: docs.into_iter().next().map(|d| d.spans),
    })
}

/// serde-saphyr's message without its source snippet and position (the
/// caller prints `file:line:col` itself).
fn plain_message(e: &serde_saphyr::Error) -> String {
    let s = e.without_snippet().to_string();
    let first = s.lines().next().unwrap_or_default().trim();
    match first.rfind(" at line ") {
        Some(i) if first[i..].contains(", column ") => first[..i].to_string(),
        _ => first.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Cfg {
        #[serde(default)]
        severity: Option<String>,
        #[serde(default)]
        ignore: Vec<Entry>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Entry {
        rule: String,
        reason: String,
    }

    fn parse(text: &str) -> Result<ConfigFile<Cfg>, InputError> {
        parse_config(Path::new("/r/.bulwark.yaml"), text)
    }

    #[test]
    fn reads_and_locates_fields() {
        let c = parse("severity: high\nignore:\n  - rule: a\n    reason: b\n").unwrap();
        assert_eq!(c.value.severity.as_deref(), Some("high"));
        assert_eq!(
            c.locate(&FieldPath::parse("ignore[0].rule")),
            "/r/.bulwark.yaml:3:5"
        );
        assert_eq!(c.dir(), Path::new("/r"));
    }

    #[test]
    fn empty_file_is_an_empty_config() {
        let c = parse("# nothing yet\n").unwrap();
        assert_eq!(c.value.ignore, vec![]);
    }

    #[test]
    fn unknown_fields_and_missing_fields_have_lines() {
        let e = parse("severity: high\nignore:\n  - rule: a\n    reasn: b\n").unwrap_err();
        assert_eq!((e.line, e.file.as_str()), (Some(4), "/r/.bulwark.yaml"));
        assert!(e.message.contains("reasn"), "{}", e.message);
        assert!(!e.message.contains("at line"), "{}", e.message);
        let e = parse("ignore:\n  - rule: a\n").unwrap_err();
        assert!(e.message.contains("reason"), "{}", e.message);
        assert!(e.line.is_some(), "{e}");
        let e = parse("ignore: [\n").unwrap_err();
        assert!(e.line.is_some(), "{e}");
        let e = parse("a: 1\n---\nb: 2\n").unwrap_err();
        assert_eq!(e.line, Some(3));
    }

    #[test]
    fn finds_the_nearest_config_upward() {
        let t = tempfile::tempdir().unwrap();
        let deep = t.path().join("a/b");
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::write(deep.join("x.yaml"), "").unwrap();
        assert_eq!(
            find_config(&deep).unwrap(),
            None::<PathBuf>.or_else(|| {
                // A config above the temp dir would be found too; only assert
                // what this test controls.
                find_config(t.path()).unwrap()
            })
        );
        std::fs::write(t.path().join("a/.bulwark.yml"), "").unwrap();
        let want = std::fs::canonicalize(t.path().join("a/.bulwark.yml")).unwrap();
        assert_eq!(
            find_config(&deep.join("x.yaml")).unwrap(),
            Some(want.clone())
        );
        assert_eq!(find_config(&deep).unwrap(), Some(want));
        std::fs::write(t.path().join("a/.bulwark.yaml"), "").unwrap();
        let e = find_config(&deep).unwrap_err();
        assert!(e.message.contains("keep one"), "{e}");
    }
}
