//! Sources of Kubernetes objects: files, directories, stdin, and rendered
//! Helm charts and kustomizations.
//!
//! Invariants:
//! - Nothing the user gave is dropped silently. Every input ends up as
//!   objects, a [`Skipped`] entry with a reason, or an [`InputError`] with
//!   file:line:column; one bad input (or one bad document) never stops the
//!   others.
//! - Values are what the API server would hold: YAML 1.1 as go-yaml v2 and
//!   sigs.k8s.io/yaml read it ([`scalar`]), `<<` merges as go-yaml v2
//!   applies them, streams split at `---` lines and `{`-text read as JSON,
//!   as kubectl does.
//! - Memory and stack are bounded on hostile input: a size limit checked
//!   before reading, depth and alias budgets, no recursion on the input's
//!   shape, nothing kept per document that is not an object.

pub mod config;
pub mod contexts;
pub mod kustomize_refs;
pub mod lenient;
pub mod objects;
pub mod render;
pub mod scalar;
pub mod walk;
pub mod yaml;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bulwark_core::{InputError, LoadSummary, Resource, Skipped, Tally};
use rayon::prelude::*;

pub use walk::Input;
pub use yaml::Budget;

/// Limits and switches of one load.
#[derive(Clone, Copy, Debug)]
pub struct LoadOptions {
    /// Files larger than this are reported, not read.
    pub max_file_size: u64,
    pub budget: Budget,
    /// Helm and kustomize are killed after this long.
    pub render_timeout: std::time::Duration,
    /// Follow symbolic links met in directory walks wherever they lead.
    pub follow_symlinks: bool,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            max_file_size: 256 * 1024 * 1024,
            budget: Budget::default(),
            render_timeout: std::time::Duration::from_secs(300),
            follow_symlinks: false,
        }
    }
}

/// Objects read, and the account of everything else.
#[derive(Debug, Default)]
pub struct Loaded {
    pub resources: Vec<Resource>,
    pub summary: LoadSummary,
}

impl Loaded {
    fn merge(&mut self, other: Loaded) {
        self.resources.extend(other.resources);
        self.summary.merge(other.summary);
    }
}

/// Expands `paths` and loads every input in parallel: the inputs in their
/// deterministic order, each with what it held, and the walk's summary.
fn load_inputs(paths: &[PathBuf], opts: &LoadOptions) -> (Vec<Input>, Vec<Loaded>, LoadSummary) {
    let mut inputs = Vec::new();
    let mut summary = LoadSummary::default();
    walk::expand_with(
        paths,
        opts.follow_symlinks,
        &mut inputs,
        &mut summary.errors,
        &mut summary.skipped,
    );
    let loaded = inputs
        .par_iter()
        .map(|input| load_input(input, opts))
        .collect();
    (inputs, loaded, summary)
}

/// Loads every object below `paths` (`-` is standard input), in parallel.
/// Output order is deterministic: inputs sorted per path, documents in order.
pub fn load_paths(paths: &[PathBuf], opts: &LoadOptions) -> Loaded {
    let (_, parts, summary) = load_inputs(paths, opts);
    let mut out = Loaded {
        resources: Vec::new(),
        summary,
    };
    for p in parts {
        out.merge(p);
    }
    out.summary.sort();
    out
}

/// [`load_paths`], with the objects split into independent contexts
/// (see [`contexts`]): what a scan's analyzers look at one at a time.
pub fn load_contexts(
    paths: &[PathBuf],
    opts: &LoadOptions,
    mode: contexts::ContextMode,
) -> (Vec<contexts::Context>, LoadSummary) {
    let (inputs, loaded, mut summary) = load_inputs(paths, opts);
    let mut parts = Vec::with_capacity(loaded.len());
    for l in loaded {
        summary.merge(l.summary);
        parts.push(l.resources);
    }
    summary.sort();
    (contexts::split(&inputs, parts, mode), summary)
}

fn load_input(input: &Input, opts: &LoadOptions) -> Loaded {
    match input {
        Input::File(p) => load_file(p, opts),
        Input::Stdin => match read_limited(std::io::stdin().lock(), 0, opts.max_file_size) {
            Ok(bytes) => load_bytes("<stdin>", &bytes, opts),
            Err(ReadError::TooLarge) => error_only(
                "<stdin>",
                None,
                format!(
                    "input is larger than the {} limit",
                    human(opts.max_file_size)
                ),
            ),
            Err(ReadError::Io(e)) => error_only("<stdin>", None, format!("cannot read: {e}")),
        },
        Input::Chart(dir) => match render::render_chart_limited(dir, render_limits(opts)) {
            Ok(text) => load_helm_output(dir, &text, opts),
            Err(msg) => error_only(&bulwark_core::input::path_name(dir), None, msg),
        },
        Input::Kustomization(dir) => {
            match render::render_kustomization_limited(dir, render_limits(opts)) {
                Ok(text) => load_str(
                    &format!("{} (rendered by kustomize)", dir.display()),
                    &text,
                    opts,
                ),
                Err(msg) => error_only(&bulwark_core::input::path_name(dir), None, msg),
            }
        }
    }
}

fn render_limits(opts: &LoadOptions) -> render::Limits {
    render::Limits {
        max_output: opts.max_file_size,
        timeout: opts.render_timeout,
    }
}

/// Loads `helm template` output of the chart in `dir`, each object named
/// after its template (see [`render::helm_sections`]).
pub fn load_helm_output(dir: &Path, text: &str, opts: &LoadOptions) -> Loaded {
    let mut out = Loaded::default();
    for s in render::helm_sections(dir, text) {
        out.merge(load_str(&s.name, s.text, opts));
    }
    out
}

enum ReadError {
    TooLarge,
    Io(std::io::Error),
}

/// Reads at most `limit` bytes; one more means the input is too large.
fn read_limited(r: impl Read, hint: u64, limit: u64) -> Result<Vec<u8>, ReadError> {
    let mut bytes = Vec::with_capacity(hint.min(limit) as usize);
    r.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge);
    }
    Ok(bytes)
}

/// Loads one file (or pipe) from disk. The size is checked before reading,
/// and again while reading for files that grow and for pipes.
pub fn load_file(path: &Path, opts: &LoadOptions) -> Loaded {
    let name = bulwark_core::input::path_name(path);
    let too_large = |size: Option<u64>| {
        let size = size.map_or_else(|| "larger".to_string(), |s| format!("{}, larger", human(s)));
        error_only(
            &name,
            None,
            format!(
                "file is {size} than the {} limit (raise it with --max-file-size)",
                human(opts.max_file_size)
            ),
        )
    };
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => return errors(vec![walk::io_error(path, &e)]),
    };
    let meta = match file.metadata() {
        Ok(m) => m,
        Err(e) => return errors(vec![walk::io_error(path, &e)]),
    };
    if meta.is_dir() {
        return error_only(&name, None, "cannot read: is a directory".into());
    }
    if meta.is_file() && meta.len() > opts.max_file_size {
        return too_large(Some(meta.len()));
    }
    match read_limited(file, meta.len(), opts.max_file_size) {
        Ok(bytes) => load_bytes(&name, &bytes, opts),
        Err(ReadError::TooLarge) => too_large(None),
        Err(ReadError::Io(e)) => errors(vec![walk::io_error(path, &e)]),
    }
}

/// Loads objects from bytes that came from `name`.
pub fn load_bytes(name: &str, bytes: &[u8], opts: &LoadOptions) -> Loaded {
    match std::str::from_utf8(bytes) {
        Ok(text) => load_str(name, text, opts),
        Err(e) => {
            let (line, column) = line_col(bytes, e.valid_up_to());
            let utf16 = matches!(bytes, [0xFF, 0xFE, ..] | [0xFE, 0xFF, ..]);
            let mut out = error_only(
                name,
                Some((line, column)),
                if utf16 {
                    "UTF-16 text: Kubernetes manifests must be UTF-8 (convert with iconv)".into()
                } else {
                    "invalid UTF-8: Kubernetes manifests must be UTF-8 text".into()
                },
            );
            out.summary.files = 1;
            out
        }
    }
}

/// Loads objects from YAML or JSON text that came from `name`.
///
/// Text whose first character is `{` is JSON, as kubectl decides: it must
/// be valid JSON (a stream of values, as kubectl accepts), since YAML would
/// let through what the API server refuses (`{"a": }`). Valid JSON is then
/// read by the YAML reader for positions.
pub fn load_str(name: &str, text: &str, opts: &LoadOptions) -> Loaded {
    load_str_in_pieces(name, text, opts, PIECE_SIZE)
}

/// A file bigger than twice this is parsed in pieces of about this size,
/// in parallel (the pieces are cut at document markers).
const PIECE_SIZE: usize = 2 * 1024 * 1024;

/// The objects and the rest from one piece of a file.
#[derive(Default)]
struct Piece {
    resources: Vec<Resource>,
    skips: Vec<objects::Skip>,
    more_skipped: usize,
    /// Documents and list items looked at (see [`objects::document_objects`]).
    units: usize,
    end: yaml::PieceEnd,
}

fn parse_piece(
    file: &Arc<str>,
    text: &str,
    line0: u32,
    budget: Budget,
    alias: &yaml::AliasUse,
) -> Piece {
    let mut p = Piece::default();
    p.end = yaml::parse_piece(text, budget, alias, line0, |d| {
        p.units += objects::document_objects(
            file,
            d.index,
            d.value,
            Some(d.spans),
            &mut p.resources,
            &mut p.skips,
        );
        // Thousands of non-objects in one file are one entry, not thousands.
        if p.skips.len() > MAX_SKIPPED_PER_FILE {
            p.more_skipped += p.skips.len() - MAX_SKIPPED_PER_FILE;
            p.skips.truncate(MAX_SKIPPED_PER_FILE);
        }
    });
    p
}

fn load_str_in_pieces(name: &str, text: &str, opts: &LoadOptions, piece_size: usize) -> Loaded {
    let file: Arc<str> = Arc::from(name);
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Loaded::default();
    out.summary.files = 1;
    let json_error = |e: serde_json::Error, what: &str| InputError {
        file: name.to_string(),
        line: Some(e.line() as u32),
        column: Some((e.column() as u32).max(1)),
        message: format!("{what}: {e}"),
    };
    let is_json = looks_like_json(text);
    if is_json
        && let Err(e) = serde_json::Deserializer::from_str(text)
            .into_iter::<serde::de::IgnoredAny>()
            .try_for_each(|v| v.map(drop))
    {
        out.summary.errors.push(json_error(
            e,
            "invalid JSON (kubectl reads text that starts with `{` as JSON)",
        ));
        return out;
    }
    let starts = yaml::split_points(text, piece_size);
    let piece_text = |i: usize| {
        let (offset, line0) = starts[i];
        let end = starts.get(i + 1).map_or(text.len(), |s| s.0);
        (&text[offset..end], line0)
    };
    let pieces: Vec<Piece> = if starts.len() == 1 {
        vec![parse_piece(
            &file,
            text,
            0,
            opts.budget,
            &yaml::AliasUse::default(),
        )]
    } else {
        // Each piece spends an alias budget of its own. When together they
        // spent more than the file's, the pieces are parsed again in order
        // with one budget: which documents the spent budget stops is then
        // the same whatever the thread timing (and the same as one pass).
        let parallel: Vec<(Piece, yaml::AliasUse)> = (0..starts.len())
            .into_par_iter()
            .map(|i| {
                let alias = yaml::AliasUse::default();
                let (t, line0) = piece_text(i);
                (parse_piece(&file, t, line0, opts.budget, &alias), alias)
            })
            .collect();
        let total = yaml::AliasUse::default();
        for (_, a) in &parallel {
            total.add(a);
        }
        if total.over(&opts.budget) {
            drop(parallel);
            let alias = yaml::AliasUse::default();
            (0..starts.len())
                .map(|i| {
                    let (t, line0) = piece_text(i);
                    parse_piece(&file, t, line0, opts.budget, &alias)
                })
                .collect()
        } else {
            parallel.into_iter().map(|(p, _)| p).collect()
        }
    };
    if is_json && pieces.iter().any(|p| !p.end.errors.is_empty()) {
        // Valid JSON the YAML reader refuses (an implicit key over 1024
        // characters, or several values in a row): JSON values, no positions.
        let mut skips = Vec::new();
        let mut units = 0;
        let values = serde_json::Deserializer::from_str(text).into_iter::<serde_json::Value>();
        for (i, v) in values.enumerate() {
            match v {
                Ok(v) => {
                    units +=
                        objects::document_objects(&file, i, v, None, &mut out.resources, &mut skips)
                }
                Err(e) => out.summary.errors.push(json_error(e, "invalid JSON")),
            }
        }
        out.summary.documents = Tally {
            read: units + out.summary.errors.len(),
            analysed: out.resources.len(),
            skipped: skips.len(),
            failed: out.summary.errors.len(),
        };
        out.summary
            .skipped
            .extend(skips.into_iter().map(|s| s.into_skipped(name)));
        return out;
    }
    // Number the documents of each piece after those of the pieces before.
    let mut base = 0usize;
    let mut more_skipped = 0usize;
    let mut truncated = false;
    let mut doc_skips = 0usize;
    let mut doc_errors = 0usize;
    let mut units = 0usize;
    for p in pieces {
        units += p.units;
        doc_skips += p.skips.len() + p.more_skipped;
        doc_errors += p.end.errors.len() + p.end.unparsed;
        for mut r in p.resources {
            r.origin.document += base;
            out.resources.push(r);
        }
        for mut s in p.skips {
            s.document += base;
            if out.summary.skipped.len() < MAX_SKIPPED_PER_FILE {
                out.summary.skipped.push(s.into_skipped(name));
            } else {
                more_skipped += 1;
            }
        }
        more_skipped += p.more_skipped;
        for e in p.end.errors {
            if out.summary.errors.len() >= yaml::MAX_ERRORS {
                truncated = true;
                break;
            }
            out.summary.errors.push(InputError {
                file: name.to_string(),
                line: Some(e.line),
                column: Some(e.column),
                message: e.message,
            });
        }
        truncated |= p.end.truncated;
        base += p.end.documents;
    }
    if truncated && let Some(last) = out.summary.errors.last() {
        let at = bulwark_core::span::Pos {
            line: last.line.unwrap_or(1),
            column: last.column.unwrap_or(1),
        };
        let e = yaml::too_many_errors(at);
        out.summary.errors.push(InputError {
            file: name.to_string(),
            line: Some(e.line),
            column: Some(e.column),
            message: e.message,
        });
    }
    out.summary.documents = Tally {
        read: units + doc_errors,
        analysed: out.resources.len(),
        skipped: doc_skips,
        failed: doc_errors,
    };
    if more_skipped > 0 {
        out.summary.skipped.push(Skipped {
            file: name.to_string(),
            reason: format!("and {more_skipped} more documents that are not Kubernetes objects"),
        });
    }
    if out.resources.is_empty() && out.summary.skipped.is_empty() && out.summary.errors.is_empty() {
        out.summary.skipped.push(Skipped {
            file: name.to_string(),
            reason: "no YAML documents: the file is empty or holds only comments".into(),
        });
    }
    out
}

/// Skipped documents listed one by one per file; the rest are counted.
const MAX_SKIPPED_PER_FILE: usize = 100;

/// kubectl's test: JSON starts with `{`.
fn looks_like_json(text: &str) -> bool {
    text.trim_start().starts_with('{')
}

/// 1-based line and column (in characters) of byte `offset`.
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
    } else if n >= MIB {
        format!("{} MiB", n.div_ceil(MIB))
    } else if n >= 1024 {
        format!("{} KiB", n.div_ceil(1024))
    } else {
        format!("{n} bytes")
    }
}

fn errors(errors: Vec<InputError>) -> Loaded {
    Loaded {
        resources: Vec::new(),
        summary: LoadSummary {
            files: 0,
            skipped: Vec::new(),
            errors,
            ..Default::default()
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

#[cfg(test)]
mod tests {
    use super::*;

    fn account(l: &Loaded) -> Vec<String> {
        let mut v: Vec<String> = l
            .resources
            .iter()
            .map(|r| {
                format!(
                    "{} {:?} {} {:?}",
                    r.id.display(),
                    r.origin,
                    r.value,
                    r.spans
                )
            })
            .collect();
        v.extend(l.summary.skipped.iter().map(|s| format!("{s:?}")));
        v.extend(l.summary.errors.iter().map(|e| e.to_string()));
        let d = l.summary.documents;
        assert_eq!(d.read, d.analysed + d.skipped + d.failed, "{d:?}");
        assert_eq!(d.analysed, l.resources.len(), "{d:?}");
        v.push(format!("{d:?}"));
        v
    }

    /// A stream parsed in many small pieces gives exactly what one pass
    /// gives: objects, document numbers, lines, skipped entries, errors.
    #[test]
    fn pieces_give_the_same_result_as_one_pass() {
        let mut text = String::from("# header comment\n");
        for i in 0..40 {
            text.push_str(&format!(
                "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\n  labels: &l {{a: '{i}'}}\ndata:\n  copy: *l\n  mode: 0644\n"
            ));
            match i % 8 {
                1 => text.push_str("---\nnot: an object\n"),
                2 => text.push_str("---\nbroken: [\n"),
                3 => text.push_str("---\n# only a comment\n"),
                4 => text.push_str("---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Pod, metadata: {name: p}}\n- {metadata: {name: q}}\n"),
                5 => text.push_str("%YAML 1.1\n---\nkind: Pod\n"),
                6 => text.push_str("---\n- a\n- b\n"),
                _ => {}
            }
        }
        let opts = LoadOptions::default();
        let whole = load_str_in_pieces("s.yaml", &text, &opts, usize::MAX / 4);
        assert!(yaml::split_points(&text, 64).len() > 20);
        let pieces = load_str_in_pieces("s.yaml", &text, &opts, 64);
        assert_eq!(account(&whole), account(&pieces));
        assert_eq!(whole.resources.len(), 45);
        assert!(!whole.summary.errors.is_empty());
        // Document numbers run on across pieces.
        let last = whole.resources.last().expect("objects");
        assert_eq!(last.id.name, "c39");
        assert!(last.origin.document > 40);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 1000,
            failure_persistence: None,
            ..Default::default()
        })]

        /// Whatever the text, cutting it in pieces changes nothing.
        #[test]
        fn pieces_never_change_the_result(parts in proptest::collection::vec(
            proptest::sample::select(vec![
                "---\n", "--- x\n", "---\r\n", "%YAML 1.1\n", "...\n", "apiVersion: v1\n",
                "kind: Pod\n", "kind: List\nitems:\n", "- {apiVersion: v1, kind: Pod}\n",
                "metadata: {name: a}\n", "a: [\n", "b: \"x\n", "c: |\n  t\n", "  x: 1\n",
                "- ", "&a x\n", "*a\n", "<<: {k: 1}\n", "# c\n", "\n", "{", "}", "'q\n",
            ]),
            0..40,
        )) {
            let text = parts.concat();
            let opts = LoadOptions::default();
            let whole = load_str_in_pieces("p.yaml", &text, &opts, usize::MAX / 4);
            let cut = load_str_in_pieces("p.yaml", &text, &opts, 8);
            proptest::prop_assert_eq!(
                account(&whole),
                account(&cut),
                "{:?}",
                text
            );
        }
    }

    #[test]
    fn a_directive_stays_with_its_document() {
        let text = "a: 1\n".repeat(40)
            + "%YAML 1.1\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\n";
        let points = yaml::split_points(&text, 16);
        assert_eq!(points, [(0, 0), (200, 40)]);
        assert!(text[200..].starts_with("%YAML"));
    }

    /// A budget spent in a file cut in pieces stops the same documents on
    /// every run and with any piece size: the pieces are parsed again in
    /// order with one budget (they shared one across threads before, and
    /// which document hit the limit depended on timing). Documents after
    /// the bomb that use no alias are still read.
    #[test]
    fn a_spent_alias_budget_is_deterministic_and_hides_nothing_after_it() {
        let mut text = String::new();
        for i in 0..60 {
            text.push_str(&format!(
                "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{i}}}\ndata:\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n  b: [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
            ));
        }
        for i in 0..5 {
            text.push_str(&format!(
                "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: plain{i}}}\n"
            ));
        }
        let opts = LoadOptions {
            budget: Budget {
                max_alias_nodes: 2_000,
                ..Budget::default()
            },
            ..LoadOptions::default()
        };
        let whole = account(&load_str_in_pieces("a.yaml", &text, &opts, usize::MAX / 4));
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(8)
            .build()
            .expect("pool");
        for _ in 0..20 {
            let pieces = pool.install(|| account(&load_str_in_pieces("a.yaml", &text, &opts, 128)));
            assert_eq!(whole, pieces);
        }
        let l = load_str_in_pieces("a.yaml", &text, &opts, usize::MAX / 4);
        let names: Vec<&str> = l.resources.iter().map(|r| r.id.name.as_str()).collect();
        for i in 0..5 {
            assert!(names.contains(&format!("plain{i}").as_str()), "{names:?}");
        }
        // Every document is an object or an error.
        assert_eq!(
            l.resources.len() + l.summary.errors.len(),
            65,
            "{:?}",
            l.summary.errors
        );
    }

    /// Anchors nested in anchors copy their subtree once per level; the
    /// copies have the alias budget, so memory stays bounded without one
    /// alias being expanded.
    #[test]
    fn nested_anchors_are_bounded() {
        let mut text =
            String::from("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: n}\ndata:\n");
        let depth = 60;
        for d in 0..depth {
            text.push_str(&format!("{}k{d}: &a{d}\n", "  ".repeat(d + 1)));
        }
        let leaf = "  ".repeat(depth + 1);
        for i in 0..500 {
            text.push_str(&format!("{leaf}v{i}: [x, y, z]\n"));
        }
        text.push_str("  last: *a59\n");
        let opts = LoadOptions {
            budget: Budget {
                max_alias_nodes: 10_000,
                ..Budget::default()
            },
            ..LoadOptions::default()
        };
        let l = load_str("n.yaml", &text, &opts);
        assert!(
            l.summary
                .errors
                .iter()
                .any(|e| e.message.contains("anchored nodes copy")),
            "{:?}",
            l.summary.errors
        );
        // One level of anchor on the same data is fine.
        let l = load_str("n.yaml", &text.replace(": &a", ":"), &opts);
        assert!(l.summary.errors.is_empty() || !l.summary.errors[0].message.contains("anchored"));
    }

    /// A `!!binary` (or any tagged) scalar that fails to decode may be a
    /// password: the error never shows it whole.
    #[test]
    fn a_tag_that_fails_to_decode_is_not_echoed() {
        let text = "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata:\n  p: !!int CanarySecretValue123\n";
        let l = load_str("s.yaml", text, &LoadOptions::default());
        let msgs: Vec<String> = l.summary.errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(msgs.len(), 1, "{msgs:?}");
        assert!(!msgs[0].contains("CanarySecretValue123"), "{msgs:?}");
        assert!(msgs[0].contains("redacted"), "{msgs:?}");
    }

    /// The alias budget is one per file, however many pieces it is cut in.
    #[test]
    fn alias_budget_is_shared_by_the_pieces() {
        let mut text = String::new();
        for i in 0..50 {
            text.push_str(&format!(
                "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{i}}}\ndata:\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n  b: [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
            ));
        }
        let opts = LoadOptions {
            budget: Budget {
                max_alias_nodes: 2_000,
                ..Budget::default()
            },
            ..LoadOptions::default()
        };
        // Each document expands 110 nodes: 50 of them exceed 2,000.
        for size in [usize::MAX / 4, 128] {
            let l = load_str_in_pieces("a.yaml", &text, &opts, size);
            assert!(
                l.summary
                    .errors
                    .iter()
                    .any(|e| e.message.contains("billion")),
                "piece size {size}: {:?}",
                l.summary.errors
            );
            assert!(l.resources.len() < 50);
        }
    }
}
