//! SARIF 2.1.0 as GitHub code scanning reads it.
//!
//! - Every rule that ran is listed in `tool.driver.rules` (so an alert whose
//!   rule found nothing this time is closed, not orphaned), with help text
//!   and Markdown carrying the remediation, `helpUri`, and the
//!   `security-severity` and `tags` properties GitHub ranks alerts by.
//! - A result's `level` follows the finding's own severity (a rule may raise
//!   it); `security-severity` is per rule, as GitHub reads it.
//! - Locations are physical (artifact URI relative to the repository root,
//!   forward slashes, 1-based region) plus a logical location naming the
//!   object, which is all an object that never was in a file (a live
//!   cluster) or came from `<stdin>` has. That is valid SARIF, but GitHub
//!   code scanning rejects a whole upload in which any result lacks a
//!   physical location ("expected a physical location"): upload scans of
//!   files, not of a cluster or of stdin.
//! - `partialFingerprints` hash the rule, file, object and field path, not
//!   the line, so an alert survives edits above it.
//! - Input errors and skipped inputs are tool execution notifications.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

use bulwark_core::{Finding, RuleMeta, Severity};
use serde_json::json;
use serde_sarif::sarif::{
    ArtifactLocation, Invocation, Location, LogicalLocation, Message, MultiformatMessageString,
    Notification, PhysicalLocation, PropertyBag, Region, ReportingConfiguration,
    ReportingDescriptor, Result as SarifResult, ResultLevel, Run, Sarif, Tool, ToolComponent,
};

use crate::RenderOptions;
use crate::model::Report;

/// The schema URI GitHub's documentation uses.
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Key of our entry in `partialFingerprints`; bump the version if the
/// hashed fields ever change.
pub const FINGERPRINT_KEY: &str = "bulwarkFinding/v1";

/// SARIF `level`: GitHub shows `error` as Error, `warning` as Warning,
/// `note` as Note.
pub fn level(s: Severity) -> ResultLevel {
    match s {
        Severity::Critical | Severity::High => ResultLevel::Error,
        Severity::Medium => ResultLevel::Warning,
        Severity::Low | Severity::Info => ResultLevel::Note,
    }
}

fn level_str(s: Severity) -> &'static str {
    match level(s) {
        ResultLevel::Error => "error",
        ResultLevel::Warning => "warning",
        ResultLevel::Note => "note",
        ResultLevel::None => "none",
    }
}

/// GitHub's `security-severity` score: over 9.0 is critical, 7.0–8.9 high,
/// 4.0–6.9 medium, 0.1–3.9 low. Info has none (GitHub then goes by level).
pub fn security_severity(s: Severity) -> Option<&'static str> {
    match s {
        Severity::Critical => Some("9.5"),
        Severity::High => Some("8.0"),
        Severity::Medium => Some("5.5"),
        Severity::Low => Some("2.0"),
        Severity::Info => None,
    }
}

/// Writes the SARIF log for `report` to `out`, the same bytes as
/// `serde_json::to_writer_pretty(out, &build(report, opts))` plus a newline,
/// but streamed: everything but `runs[0].results` is serialized first with
/// an empty results array, and each result is built, written at that
/// array's indentation and dropped, so memory does not grow with the number
/// of results.
pub fn render(report: &Report, opts: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let base = base_dir(opts);
    let base = base.as_deref();
    let skeleton = serde_json::to_string_pretty(&skeleton(report, base))?;
    let Some(at) = results_marker(&skeleton) else {
        // Not expected (tested); keep the output right if it ever happens.
        serde_json::to_writer_pretty(&mut *out, &build(report, opts))?;
        return writeln!(out);
    };
    // `head` ends with the array's "[", `tail` starts after its "]".
    let (head, rest) = skeleton.split_at(at + RESULTS_OPEN.len());
    let tail = &rest[1..];
    if report.findings.is_empty() {
        out.write_all(head.as_bytes())?;
        out.write_all(b"]")?;
    } else {
        // serde_json's PrettyFormatter: "[", then per element "\n" (",\n"
        // after the first) and the element's indentation, then "\n", the
        // array's indentation and "]".
        out.write_all(head.as_bytes())?;
        let index = rule_index(report);
        for (i, f) in report.findings.iter().enumerate() {
            out.write_all(if i == 0 { b"\n" } else { b",\n" })?;
            out.write_all(RESULT_INDENT.as_bytes())?;
            let r = result(f, index.get(&*f.rule_id).copied(), base);
            let mut w = Indented {
                out: &mut *out,
                indent: RESULT_INDENT.as_bytes(),
            };
            serde_json::to_writer_pretty(&mut w, &r)?;
        }
        out.write_all(RESULTS_CLOSE.as_bytes())?;
    }
    out.write_all(tail.as_bytes())?;
    writeln!(out)
}

/// `runs[0].results` as `to_string_pretty` writes it when empty: the key of
/// the first run's object (three levels deep, two spaces each), then `[]`.
const RESULTS_OPEN: &str = "\n      \"results\": [";

/// Indentation of the elements of `runs[0].results` (four levels deep).
const RESULT_INDENT: &str = "        ";

/// The end of a non-empty `runs[0].results`, back at the key's indentation.
const RESULTS_CLOSE: &str = "\n      ]";

/// Byte offset of the one `RESULTS_OPEN` followed by `]` in `skeleton`.
/// Only a key can be preceded by a newline and indentation (a quote inside
/// a string is escaped), and the run is the only object at that depth with
/// a `results` key.
fn results_marker(skeleton: &str) -> Option<usize> {
    let needle = format!("{RESULTS_OPEN}]");
    let mut hits = skeleton.match_indices(&needle);
    match (hits.next(), hits.next()) {
        (Some((at, _)), None) => Some(at),
        _ => None,
    }
}

/// Passes writes through, following every newline with `indent`: a value
/// pretty-printed at the top level then reads as one nested at that depth
/// (a newline in a JSON string is escaped, so every newline is layout).
struct Indented<'a> {
    out: &'a mut dyn Write,
    indent: &'a [u8],
}

impl Write for Indented<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_all(buf)?;
        Ok(buf.len())
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        let mut rest = buf;
        while let Some(nl) = rest.iter().position(|&b| b == b'\n') {
            self.out.write_all(&rest[..=nl])?;
            self.out.write_all(self.indent)?;
            rest = &rest[nl + 1..];
        }
        self.out.write_all(rest)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// The directory artifact URIs are relative to: the option, else the
/// current directory.
fn base_dir(opts: &RenderOptions) -> Option<PathBuf> {
    match &opts.base_dir {
        Some(b) => Some(b.clone()),
        None => std::env::current_dir().ok(),
    }
}

/// Position of every rule in `tool.driver.rules`, by id.
fn rule_index(report: &Report) -> HashMap<&'static str, i64> {
    report
        .catalog
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id, i as i64))
        .collect()
}

/// The SARIF log for `report`, built in memory (`render` streams the same
/// document).
pub fn build(report: &Report, opts: &RenderOptions) -> Sarif {
    let base = base_dir(opts);
    let base = base.as_deref();
    let index = rule_index(report);
    let mut sarif = skeleton(report, base);
    sarif.runs[0].results = Some(
        report
            .findings
            .iter()
            .map(|f| result(f, index.get(&*f.rule_id).copied(), base))
            .collect(),
    );
    sarif
}

/// The SARIF log for `report` with an empty `runs[0].results`.
fn skeleton(report: &Report, base: Option<&Path>) -> Sarif {
    let rules: Vec<&'static RuleMeta> = report.catalog.iter().collect();
    let driver = ToolComponent::builder()
        .name(report.tool.name)
        .version(report.tool.version)
        .semantic_version(report.tool.version)
        .rules(rules.iter().map(|r| rule(r)).collect::<Vec<_>>())
        .build();
    let mut summary = BTreeMap::new();
    summary.insert("files".to_string(), json!(report.summary.files));
    summary.insert("objects".to_string(), json!(report.summary.objects));
    summary.insert("suppressed".to_string(), json!(report.summary.suppressed));
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(Vec::<SarifResult>::new())
        .invocations(vec![invocation(report, base)])
        .column_kind(json!("unicodeCodePoints"))
        .properties(
            PropertyBag::builder()
                .additional_properties(summary)
                .build(),
        )
        .build();
    Sarif::builder()
        .schema(SCHEMA_URI)
        .version(json!("2.1.0"))
        .runs(vec![run])
        .build()
}

fn text(s: impl Into<String>) -> MultiformatMessageString {
    MultiformatMessageString::builder().text(s.into()).build()
}

fn message(s: impl Into<String>) -> Message {
    Message::builder().text(s.into()).build()
}

/// `privileged-container` -> `PrivilegedContainer`, the identifier-like
/// name SARIF suggests.
fn pascal(id: &str) -> String {
    id.split('-')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

fn mappings(r: &RuleMeta) -> Vec<String> {
    r.mappings
        .named()
        .iter()
        .filter(|(_, ids)| !ids.is_empty())
        .map(|(name, ids)| format!("{name}: {}", ids.join(", ")))
        .collect()
}

fn rule(r: &RuleMeta) -> ReportingDescriptor {
    let maps = mappings(r);
    let mut help_text = format!("{}\n\nRemediation:\n{}", r.description, r.remediation);
    let mut help_md = format!("{}\n\n**Remediation**\n\n{}", r.description, r.remediation);
    if !r.references.is_empty() {
        help_text.push_str("\n\nReferences:");
        help_md.push_str("\n\n**References**\n");
        for u in r.references {
            help_text.push_str(&format!("\n- {u}"));
            help_md.push_str(&format!("\n- <{u}>"));
        }
    }
    if !maps.is_empty() {
        help_text.push_str("\n\nMappings:");
        help_md.push_str("\n\n**Mappings**\n");
        for m in &maps {
            help_text.push_str(&format!("\n- {m}"));
            help_md.push_str(&format!("\n- {m}"));
        }
    }
    let mut props = BTreeMap::new();
    if let Some(s) = security_severity(r.severity) {
        props.insert("security-severity".to_string(), json!(s));
    }
    props.insert("precision".to_string(), json!("very-high"));
    let mut d = ReportingDescriptor::builder()
        .id(r.id)
        .name(pascal(r.id))
        .short_description(text(r.title))
        .full_description(text(r.description))
        .help(
            MultiformatMessageString::builder()
                .text(help_text)
                .markdown(help_md)
                .build(),
        )
        .default_configuration(
            ReportingConfiguration::builder()
                .level(json!(level_str(r.severity)))
                .build(),
        )
        .properties(
            PropertyBag::builder()
                .tags(vec!["security".to_string(), r.category.to_string()])
                .additional_properties(props)
                .build(),
        )
        .build();
    d.help_uri = r.references.first().map(|u| u.to_string());
    d
}

/// Whether `file` names a real file (not `<stdin>`).
fn is_file(file: &str) -> bool {
    !(file.starts_with('<') && file.ends_with('>'))
}

fn result(f: &Finding, rule_index: Option<i64>, base: Option<&Path>) -> SarifResult {
    let object = f.object.display();
    let mut text = format!("{object}: {}", f.message);
    if !f.path.is_root() {
        text.push_str(&format!(" (at {})", f.path));
    }
    let uri = f
        .location
        .as_ref()
        .filter(|l| is_file(&l.file))
        .map(|l| artifact_uri(&l.file, base));
    let mut loc = Location::builder()
        .logical_locations(vec![
            LogicalLocation::builder()
                .name(f.object.name.clone())
                .fully_qualified_name(object.clone())
                .kind("resource")
                .build(),
        ])
        .build();
    if let (Some(uri), Some(l)) = (&uri, &f.location) {
        loc.physical_location = Some(physical(uri, l.line, l.column));
    }
    let mut fp = BTreeMap::new();
    fp.insert(FINGERPRINT_KEY.to_string(), fingerprint(f, uri.as_deref()));
    let mut props = BTreeMap::new();
    props.insert("severity".to_string(), json!(f.severity.as_str()));
    let mut r = SarifResult::builder()
        .rule_id(f.rule_id.to_string())
        .level(level(f.severity))
        .message(message(text))
        .locations(vec![loc])
        .partial_fingerprints(fp)
        .properties(PropertyBag::builder().additional_properties(props).build())
        .build();
    r.rule_index = rule_index;
    r
}

fn physical(uri: &str, line: Option<u32>, column: Option<u32>) -> PhysicalLocation {
    let mut p = PhysicalLocation::builder()
        .artifact_location(ArtifactLocation::builder().uri(uri).build())
        .build();
    if let Some(line) = line {
        let mut region = Region::builder().start_line(i64::from(line)).build();
        region.start_column = column.map(i64::from);
        p.region = Some(region);
    }
    p
}

fn invocation(report: &Report, base: Option<&Path>) -> Invocation {
    let mut notes = Vec::new();
    let mut errors = report.summary.errors.clone();
    errors.sort();
    for e in &errors {
        let mut n = Notification::builder()
            .message(message(e.to_string()))
            .level(json!("error"))
            .build();
        if is_file(&e.file) {
            n.locations = Some(vec![
                Location::builder()
                    .physical_location(physical(&artifact_uri(&e.file, base), e.line, e.column))
                    .build(),
            ]);
        }
        notes.push(n);
    }
    let mut skipped = report.summary.skipped.clone();
    skipped.sort();
    for s in &skipped {
        let mut n = Notification::builder()
            .message(message(format!("skipped {}: {}", s.file, s.reason)))
            .level(json!("note"))
            .build();
        if is_file(&s.file) {
            n.locations = Some(vec![
                Location::builder()
                    .physical_location(physical(&artifact_uri(&s.file, base), None, None))
                    .build(),
            ]);
        }
        notes.push(n);
    }
    let mut inv = Invocation::builder().execution_successful(true).build();
    if !notes.is_empty() {
        inv.tool_execution_notifications = Some(notes);
    }
    inv
}

/// URI of `file` for `artifactLocation.uri`: relative to `base` with
/// forward slashes when it lies under it (or was given relative), else an
/// absolute `file://` URI; percent-encoded either way.
pub fn artifact_uri(file: &str, base: Option<&Path>) -> String {
    let path = Path::new(file);
    if path.is_absolute() {
        if let Some(rel) = base.and_then(|b| path.strip_prefix(b).ok()) {
            return encode(&slashed(rel));
        }
        return format!("file:///{}", encode(&slashed(path)));
    }
    encode(&slashed(path))
}

/// The path's components joined by `/`, without `.` steps or a root.
fn slashed(p: &Path) -> String {
    let parts: Vec<String> = p
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            Component::ParentDir => Some("..".to_string()),
            Component::Prefix(pre) => Some(pre.as_os_str().to_string_lossy().into_owned()),
            Component::CurDir | Component::RootDir => None,
        })
        .collect();
    parts.join("/")
}

/// Percent-encodes all but RFC 3986 unreserved characters, `/` and `:`.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/:".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Stable across runs, platforms and Rust versions (FNV-1a, 64 bits).
fn fingerprint(f: &Finding, uri: Option<&str>) -> String {
    let o = &f.object;
    let path = f.path.to_string();
    let parts = [
        &*f.rule_id,
        uri.unwrap_or(""),
        &o.api_version,
        &o.kind,
        o.namespace.as_deref().unwrap_or(""),
        &o.name,
        &path,
    ];
    // Appended only when present, so fingerprints of findings without a
    // subject are the ones earlier versions wrote.
    let parts = parts.into_iter().chain(f.subject.as_deref());
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain([0]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use serde_json::Value;
    use serde_sarif::sarif::Sarif;

    use super::*;
    use crate::sample;
    use crate::{Format, RenderOptions};

    const SARIF_SCHEMA: &str = include_str!("../tests/data/sarif-schema-2.1.0.json");

    fn opts() -> RenderOptions {
        RenderOptions {
            base_dir: Some(PathBuf::from("/repo")),
            ..RenderOptions::default()
        }
    }

    fn parsed(r: &Report) -> (String, Sarif) {
        let text = sample::render(r, Format::Sarif, &opts());
        let sarif: Sarif = serde_json::from_str(&text).expect("parses as SARIF");
        (text, sarif)
    }

    /// What `render` wrote before it streamed: the whole log built, then
    /// pretty-printed.
    fn rendered_in_memory(r: &Report, opts: &RenderOptions) -> Vec<u8> {
        let mut out = serde_json::to_vec_pretty(&build(r, opts)).unwrap();
        out.push(b'\n');
        out
    }

    fn streamed(r: &Report, opts: &RenderOptions) -> Vec<u8> {
        let mut out = Vec::new();
        render(r, opts, &mut out).unwrap();
        out
    }

    /// Streaming the results writes the bytes the in-memory log did, with
    /// results, without any, with and without files, and with strings
    /// holding newlines, quotes, backslashes, brackets and non-ASCII text.
    #[test]
    fn streamed_results_are_byte_for_byte_the_in_memory_log() {
        let mut tricky = sample::report();
        tricky.findings[2].message =
            "line one\nline two \"quoted\" \\ back\tslash \"results\": [] ]\n  ünï €".into();
        tricky.findings[0].object.name = "\n      \"results\": []".into();
        if let Some(l) = tricky.findings[3].location.as_mut() {
            l.file = "<stdin>".into();
        }
        let mut many = sample::report();
        let copies: Vec<_> = many.findings.clone();
        for i in 0..200 {
            for f in &copies {
                let mut f = f.clone();
                f.object.name = format!("{}-{i}", f.object.name);
                many.findings.push(f);
            }
        }
        let mut unknown_rule = sample::report();
        unknown_rule.findings[1].rule_id = "not-in-the-catalog".into();
        let no_base = RenderOptions::default();
        for r in [
            sample::report(),
            sample::clean_report(),
            tricky,
            many,
            unknown_rule,
        ] {
            for o in [&opts(), &no_base] {
                let (old, new) = (rendered_in_memory(&r, o), streamed(&r, o));
                assert!(
                    old == new,
                    "streamed SARIF differs:\n--- in memory\n{}\n--- streamed\n{}",
                    String::from_utf8_lossy(&old),
                    String::from_utf8_lossy(&new)
                );
            }
        }
    }

    #[test]
    fn the_empty_results_array_is_found_once() {
        let text = serde_json::to_string_pretty(&skeleton(&sample::report(), None)).unwrap();
        let at = results_marker(&text).expect("one empty results array");
        assert!(text[at..].starts_with("\n      \"results\": []"));
    }

    #[test]
    fn validates_against_the_sarif_2_1_0_schema() {
        let schema: Value = serde_json::from_str(SARIF_SCHEMA).unwrap();
        let v = jsonschema::draft7::new(&schema).expect("schema compiles");
        for r in [sample::report(), sample::clean_report()] {
            let (text, _) = parsed(&r);
            let doc: Value = serde_json::from_str(&text).unwrap();
            let errors: Vec<String> = v.iter_errors(&doc).map(|e| e.to_string()).collect();
            assert!(errors.is_empty(), "{errors:#?}");
        }
        // The schema is not vacuous: a bad level is refused.
        let (text, _) = parsed(&sample::report());
        let mut doc: Value = serde_json::from_str(&text).unwrap();
        doc["runs"][0]["results"][0]["level"] = json!("fatal");
        assert!(!v.is_valid(&doc));
    }

    #[test]
    fn header_and_rules() {
        let (_, s) = parsed(&sample::report());
        assert_eq!(s.version, json!("2.1.0"));
        assert_eq!(s.schema.as_deref(), Some(SCHEMA_URI));
        assert_eq!(s.runs.len(), 1);
        let driver = &s.runs[0].tool.driver;
        assert_eq!(driver.name, "bulwark");
        assert_eq!(driver.version.as_deref(), Some("0.1.0"));
        let rules = driver.rules.as_ref().unwrap();
        let ids: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
        // Every rule that ran, sorted, including one without results.
        assert_eq!(
            ids,
            [
                "image-latest-tag",
                "privileged-container",
                "rbac-wildcard",
                "run-as-root"
            ]
        );
        let p = &rules[1];
        assert_eq!(p.name.as_deref(), Some("PrivilegedContainer"));
        assert_eq!(
            p.short_description.as_ref().unwrap().text,
            "Container runs privileged"
        );
        assert_eq!(
            p.full_description.as_ref().unwrap().text,
            "Why it matters, in a sentence."
        );
        let help = p.help.as_ref().unwrap();
        assert!(help.text.contains("Remediation:\nSet it:\n```yaml"));
        let md = help.markdown.as_deref().unwrap();
        assert!(md.contains("**Remediation**\n\nSet it:\n```yaml\nsecurityContext:"));
        assert!(
            md.contains("- <https://kubernetes.io/docs/concepts/security/pod-security-standards/>")
        );
        assert_eq!(
            p.help_uri.as_deref(),
            Some("https://kubernetes.io/docs/concepts/security/pod-security-standards/")
        );
        let props = p.properties.as_ref().unwrap();
        assert_eq!(
            props.tags.as_deref(),
            Some(&["security".to_string(), "pod-security".to_string()][..])
        );
        assert_eq!(props.additional_properties["security-severity"], "9.5");
        assert_eq!(
            p.default_configuration.as_ref().unwrap().level,
            Some(json!("error"))
        );
        // Low rule: low score, note level.
        let latest = &rules[0];
        assert_eq!(
            latest.properties.as_ref().unwrap().additional_properties["security-severity"],
            "2.0"
        );
        assert_eq!(
            latest.default_configuration.as_ref().unwrap().level,
            Some(json!("note"))
        );
    }

    #[test]
    fn results_point_at_files_lines_and_rules() {
        let r = sample::report();
        let (_, s) = parsed(&r);
        let run = &s.runs[0];
        let rules = run.tool.driver.rules.as_ref().unwrap();
        let results = run.results.as_ref().unwrap();
        assert_eq!(results.len(), r.findings.len());
        for (res, f) in results.iter().zip(&r.findings) {
            assert_eq!(res.rule_id.as_deref(), Some(&*f.rule_id));
            let i = res.rule_index.unwrap() as usize;
            assert_eq!(rules[i].id, f.rule_id);
        }
        let privileged = &results[3];
        assert_eq!(privileged.rule_id.as_deref(), Some("privileged-container"));
        assert!(matches!(privileged.level, Some(ResultLevel::Error)));
        assert_eq!(
            privileged.message.text.as_deref(),
            Some(
                "Deployment/shop/api: container \"api\" runs privileged \
                 (at spec.template.spec.containers[0].securityContext.privileged)"
            )
        );
        let loc = &privileged.locations.as_ref().unwrap()[0];
        let phys = loc.physical_location.as_ref().unwrap();
        assert_eq!(
            phys.artifact_location.as_ref().unwrap().uri.as_deref(),
            Some("deploy/api.yaml")
        );
        let region = phys.region.as_ref().unwrap();
        assert_eq!(
            (region.start_line, region.start_column),
            (Some(21), Some(13))
        );
        let logical = &loc.logical_locations.as_ref().unwrap()[0];
        assert_eq!(
            logical.fully_qualified_name.as_deref(),
            Some("Deployment/shop/api")
        );
        // Medium is a warning; a raised severity shows in the level.
        assert!(matches!(results[2].level, Some(ResultLevel::Warning)));
        assert_eq!(results[1].rule_id.as_deref(), Some("run-as-root"));
        assert!(matches!(results[1].level, Some(ResultLevel::Error)));
        // An absolute path under the base becomes relative and encoded.
        let db = results[1].locations.as_ref().unwrap()[0]
            .physical_location
            .as_ref()
            .unwrap();
        assert_eq!(
            db.artifact_location.as_ref().unwrap().uri.as_deref(),
            Some("k8s/db%20set.yaml")
        );
    }

    #[test]
    fn object_without_a_file_has_a_logical_location_only() {
        let (_, s) = parsed(&sample::report());
        let res = &s.runs[0].results.as_ref().unwrap()[0];
        assert_eq!(res.rule_id.as_deref(), Some("rbac-wildcard"));
        let loc = &res.locations.as_ref().unwrap()[0];
        assert!(loc.physical_location.is_none());
        let logical = &loc.logical_locations.as_ref().unwrap()[0];
        assert_eq!(logical.name.as_deref(), Some("admin-all"));
        assert_eq!(
            logical.fully_qualified_name.as_deref(),
            Some("ClusterRole/admin-all")
        );
        assert_eq!(logical.kind.as_deref(), Some("resource"));
        assert!(res.partial_fingerprints.as_ref().unwrap()[FINGERPRINT_KEY].len() == 16);
    }

    #[test]
    fn stdin_is_not_an_artifact() {
        let mut r = sample::report();
        if let Some(l) = r.findings[3].location.as_mut() {
            l.file = "<stdin>".into();
        }
        let (_, s) = parsed(&r);
        let loc = &s.runs[0].results.as_ref().unwrap()[3]
            .locations
            .as_ref()
            .unwrap()[0];
        assert!(loc.physical_location.is_none());
        assert!(loc.logical_locations.is_some());
    }

    #[test]
    fn fingerprints_ignore_lines_but_tell_findings_apart() {
        let r = sample::report();
        let (_, a) = parsed(&r);
        let mut moved = r.clone();
        for f in &mut moved.findings {
            if let Some(l) = f.location.as_mut() {
                l.line = l.line.map(|n| n + 10);
            }
        }
        let (_, b) = parsed(&moved);
        let fps = |s: &Sarif| -> Vec<String> {
            s.runs[0]
                .results
                .as_ref()
                .unwrap()
                .iter()
                .map(|r| r.partial_fingerprints.as_ref().unwrap()[FINGERPRINT_KEY].clone())
                .collect()
        };
        assert_eq!(fps(&a), fps(&b));
        let mut unique = fps(&a);
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), r.findings.len());
    }

    /// Two CVEs on one image are two alerts; a finding without a subject
    /// keeps the fingerprint it had before subjects existed.
    #[test]
    fn the_subject_tells_findings_at_one_field_apart() {
        let f = sample::report().findings[0].clone();
        let before = fingerprint(&f, Some("a.yaml"));
        let a = fingerprint(&f.clone().with_subject("CVE-2024-7646"), Some("a.yaml"));
        let b = fingerprint(&f.clone().with_subject("CVE-2026-4342"), Some("a.yaml"));
        assert_ne!(a, b);
        assert_ne!(a, before);
        // FNV-1a of the seven parts as before, pinned.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let path = f.path.to_string();
        let o = &f.object;
        for p in [
            &*f.rule_id,
            "a.yaml",
            &o.api_version,
            &o.kind,
            o.namespace.as_deref().unwrap_or(""),
            &o.name,
            &path,
        ] {
            for byte in p.bytes().chain([0]) {
                h ^= u64::from(byte);
                h = h.wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
        assert_eq!(before, format!("{h:016x}"));
    }

    #[test]
    fn input_errors_and_skips_are_notifications() {
        let (_, s) = parsed(&sample::report());
        let inv = &s.runs[0].invocations.as_ref().unwrap()[0];
        assert!(inv.execution_successful);
        let notes = inv.tool_execution_notifications.as_ref().unwrap();
        assert_eq!(notes.len(), 2);
        assert_eq!(notes[0].level, Some(json!("error")));
        assert_eq!(
            notes[0].message.text.as_deref(),
            Some("deploy/broken.yaml:3:5: did not find expected key")
        );
        let phys = notes[0].locations.as_ref().unwrap()[0]
            .physical_location
            .as_ref()
            .unwrap();
        assert_eq!(
            phys.artifact_location.as_ref().unwrap().uri.as_deref(),
            Some("deploy/broken.yaml")
        );
        assert_eq!(phys.region.as_ref().unwrap().start_line, Some(3));
        assert_eq!(notes[1].level, Some(json!("note")));
        assert_eq!(
            notes[1].message.text.as_deref(),
            Some("skipped README.md: not a YAML or JSON file")
        );
    }

    #[test]
    fn uris() {
        let base = Some(Path::new("/repo"));
        assert_eq!(artifact_uri("./deploy/a.yaml", base), "deploy/a.yaml");
        assert_eq!(artifact_uri("/repo/x/a b.yaml", base), "x/a%20b.yaml");
        assert_eq!(
            artifact_uri("/elsewhere/a.yaml", base),
            "file:///elsewhere/a.yaml"
        );
        assert_eq!(artifact_uri("../up/a.yaml", base), "../up/a.yaml");
        assert_eq!(artifact_uri("ünï.yaml", None), "%C3%BCn%C3%AF.yaml");
    }

    #[test]
    fn severity_maps() {
        assert!(matches!(level(Severity::Critical), ResultLevel::Error));
        assert!(matches!(level(Severity::High), ResultLevel::Error));
        assert!(matches!(level(Severity::Medium), ResultLevel::Warning));
        assert!(matches!(level(Severity::Low), ResultLevel::Note));
        assert!(matches!(level(Severity::Info), ResultLevel::Note));
        assert_eq!(security_severity(Severity::Info), None);
        let score = |s| {
            security_severity(s)
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap()
        };
        assert!(score(Severity::Critical) > 9.0);
        assert!((7.0..9.0).contains(&score(Severity::High)));
        assert!((4.0..7.0).contains(&score(Severity::Medium)));
        assert!((0.1..4.0).contains(&score(Severity::Low)));
    }
}
