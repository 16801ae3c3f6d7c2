//! Real-world manifest sets: public, well-known manifests copied byte-exact
//! into `tests/realworld/<set>/` (repository, path, commit and licence in
//! each set's `SOURCE.txt`, findings reviewed by hand in its `REVIEW.md`).
//!
//! For every set, `bulwark scan --format json <set>` must
//! - read every YAML file: the only input errors are the files listed in
//!   [`KNOWN_LOADER_GAPS`], and those must still be errors (so the list is
//!   shortened when the loader learns them);
//! - account for every object: `summary.objects` equals the documents in the
//!   set counted independently (a line-based document counter here, the
//!   per-set totals below, verified with PyYAML 6.0 from Debian
//!   `python3-yaml`, and PyYAML itself at test time when it is installed),
//!   less the documents of the known-gap files;
//! - skip nothing but the set's own text files (LICENSE, SOURCE.txt,
//!   REVIEW.md);
//! - report no `invalid-object` on an object the API accepts (objects of the
//!   [`REMOVED_API_VERSIONS`] are rejected by a v1.33 API server, so the
//!   schema check may flag them);
//! - report exactly the high and critical findings reviewed in `REVIEW.md`
//!   ([`Set::high`]): a new or vanished one needs a new review.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

use assert_cmd::Command;
use serde_json::Value;

/// One copied set and what the review found.
struct Set {
    dir: &'static str,
    /// Kubernetes objects (non-empty YAML documents) in the set's files,
    /// counted with PyYAML (`yaml.safe_load_all`, `None` documents dropped).
    objects: u64,
    /// The reviewed high and critical findings: (rule id, kind/name).
    high: &'static [(&'static str, &'static str)],
}

const SETS: &[Set] = &[
    Set {
        dir: "cert-manager",
        objects: 12,
        high: &[("rbac-secrets-read", "ClusterRole/cert-manager")],
    },
    Set {
        dir: "ingress-nginx",
        objects: 19,
        high: &[
            (
                "kubernetes-known-cve",
                "Deployment/ingress-nginx-controller",
            ),
            ("rbac-secrets-read", "ClusterRole/ingress-nginx"),
            (
                "rbac-webhook-config-write",
                "ClusterRole/ingress-nginx-admission",
            ),
        ],
    },
    Set {
        dir: "k8s-contrib-statefulsets",
        objects: 7,
        high: &[],
    },
    Set {
        dir: "k8s-website",
        objects: 23,
        high: &[("pss-baseline-capabilities", "StatefulSet/cassandra")],
    },
    Set {
        dir: "kubernetes-dashboard",
        objects: 14,
        high: &[],
    },
    Set {
        dir: "metallb-native",
        objects: 25,
        high: &[
            ("dangerous-capabilities", "DaemonSet/speaker"),
            ("host-network", "DaemonSet/speaker"),
            ("pss-baseline-capabilities", "DaemonSet/speaker"),
            ("pss-baseline-host-namespaces", "DaemonSet/speaker"),
            (
                "rbac-webhook-config-write",
                "ClusterRole/metallb-system:controller",
            ),
        ],
    },
    Set {
        dir: "metallb",
        objects: 13,
        high: &[
            ("host-network", "DaemonSet/speaker"),
            ("pss-baseline-host-namespaces", "DaemonSet/speaker"),
        ],
    },
];

/// Files (relative to `tests/realworld`) that the API server's YAML stack
/// reads but bulwark's loader refuses today. Each must still be an input
/// error; when the loader accepts one, the test fails so it is taken off.
///
/// Empty: the Kubernetes docs' ZooKeeper and the contrib Kafka StatefulSets
/// continue their double-quoted `command` on lines indented *more* than the
/// `- ` entry, which the loader already accepts; only continuation lines at
/// or left of the key's column ("invalid indentation in quoted scalar") are
/// refused, and none of the copied files has one.
const KNOWN_LOADER_GAPS: &[&str] = &[];

/// API versions a v1.33 API server no longer serves (removed in 1.16, 1.22
/// and 1.25); old releases in the sets still use them.
const REMOVED_API_VERSIONS: &[&str] = &[
    "apiextensions.k8s.io/v1beta1",
    "apps/v1beta1",
    "apps/v1beta2",
    "batch/v1beta1",
    "policy/v1beta1",
    "rbac.authorization.k8s.io/v1beta1",
];

/// The set's own files that are not manifests and must be the only skips.
const TEXT_FILES: &[&str] = &["LICENSE", "REVIEW.md", "SOURCE.txt"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/realworld")
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            yaml_files(&p, out);
        } else if p
            .extension()
            .is_some_and(|x| x == "yaml" || x == "yml" || x == "json")
        {
            out.push(p);
        }
    }
}

fn rel(p: &Path) -> String {
    p.strip_prefix(root())
        .expect("under tests/realworld")
        .to_string_lossy()
        .replace('\\', "/")
}

/// Non-empty documents in a YAML stream, by lines alone: a line `---` or
/// `...` (alone or followed by a space) ends a document, and a document
/// counts when it has a line that is neither blank nor a comment. Enough for
/// these files (no block scalar holds such a line at column 0).
fn count_documents(text: &str) -> u64 {
    let mut count = 0;
    let mut content = false;
    for line in text.lines() {
        let marker = ["---", "..."].iter().any(|m| {
            line.strip_prefix(m)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t']))
        });
        if marker {
            count += u64::from(content);
            content = false;
        } else if !line.trim().is_empty() && !line.trim_start().starts_with('#') {
            content = true;
        }
    }
    count + u64::from(content)
}

/// PyYAML's count of non-null documents per file, or None without PyYAML.
fn pyyaml_counts(files: &[PathBuf]) -> Option<Vec<u64>> {
    const SCRIPT: &str = "import sys, yaml\n\
        for p in sys.argv[1:]:\n\
        \x20   with open(p, encoding='utf-8') as f:\n\
        \x20       print(sum(d is not None for d in yaml.safe_load_all(f)))\n";
    let out = StdCommand::new("python3")
        .arg("-c")
        .arg(SCRIPT)
        .args(files)
        .output()
        .ok()?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("No module named"),
            "PyYAML failed on the real-world files: {err}"
        );
        return None;
    }
    Some(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| l.trim().parse().expect("a count"))
            .collect(),
    )
}

fn scan(dir: &Path) -> (Option<i32>, Value) {
    let out = Command::cargo_bin("bulwark")
        .expect("bulwark binary")
        .args(["scan", "--format", "json"])
        .arg(dir)
        .output()
        .expect("run bulwark");
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{}: not JSON ({e}): {}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code(), report)
}

/// The file a report names, relative to `tests/realworld`.
fn reported(file: &Value) -> String {
    let f = file.as_str().unwrap_or("").replace('\\', "/");
    match f.find("tests/realworld/") {
        Some(i) => f[i + "tests/realworld/".len()..].to_string(),
        None => f,
    }
}

#[test]
fn every_set_is_on_disk_with_its_source_and_licence() {
    let on_disk: BTreeSet<String> = std::fs::read_dir(root())
        .expect("tests/realworld")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    let listed: BTreeSet<String> = SETS.iter().map(|s| s.dir.to_string()).collect();
    assert_eq!(on_disk, listed, "every set directory is listed in SETS");
    for s in SETS {
        for f in TEXT_FILES {
            let p = root().join(s.dir).join(f);
            let text =
                std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            assert!(text.len() > 100, "{} is too short to be real", p.display());
        }
        let source =
            std::fs::read_to_string(root().join(s.dir).join("SOURCE.txt")).expect("SOURCE");
        for field in ["repository:", "commit:", "licence:"] {
            assert!(source.contains(field), "{}/SOURCE.txt lacks {field}", s.dir);
        }
    }
    assert!(SETS.len() >= 5);
}

#[test]
fn document_counts_agree_with_pyyaml() {
    let mut files = Vec::new();
    for s in SETS {
        let mut in_set = Vec::new();
        yaml_files(&root().join(s.dir), &mut in_set);
        let counted: u64 = in_set
            .iter()
            .map(|p| count_documents(&std::fs::read_to_string(p).expect("read")))
            .sum();
        assert_eq!(counted, s.objects, "{}: documents counted by lines", s.dir);
        files.extend(in_set);
    }
    match pyyaml_counts(&files) {
        Some(counts) => {
            for (p, n) in files.iter().zip(&counts) {
                let text = std::fs::read_to_string(p).expect("read");
                assert_eq!(count_documents(&text), *n, "{}: PyYAML disagrees", rel(p));
            }
        }
        None => {
            assert!(
                std::env::var_os("CI").is_none(),
                "PyYAML (Debian python3-yaml) is required under CI"
            );
            println!("skipped: PyYAML not installed (the per-set totals were verified with it)");
        }
    }
}

#[test]
fn every_set_is_read_whole_and_matches_its_review() {
    let mut failures = Vec::new();
    for s in SETS {
        let dir = root().join(s.dir);
        let mut files = Vec::new();
        yaml_files(&dir, &mut files);
        let gaps: Vec<&PathBuf> = files
            .iter()
            .filter(|p| KNOWN_LOADER_GAPS.contains(&rel(p).as_str()))
            .collect();
        let (code, report) = scan(&dir);
        let summary = &report["summary"];

        let expected_code = if gaps.is_empty() { 0 } else { 2 };
        if code != Some(expected_code) {
            failures.push(format!(
                "{}: exit code {code:?}, expected {expected_code}",
                s.dir
            ));
        }
        if summary["files"].as_u64() != Some(files.len() as u64) {
            failures.push(format!(
                "{}: files {} of {}",
                s.dir,
                summary["files"],
                files.len()
            ));
        }

        let errors: Vec<(String, String)> = summary["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| {
                (
                    reported(&e["file"]),
                    e["message"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect();
        let error_files: BTreeSet<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
        let gap_files: BTreeSet<String> = gaps.iter().map(|p| rel(p)).collect();
        for (f, m) in &errors {
            if !gap_files.contains(f) {
                failures.push(format!(
                    "{}: input error not in KNOWN_LOADER_GAPS: {f}: {m}",
                    s.dir
                ));
            }
        }
        for g in &gap_files {
            if !error_files.contains(g.as_str()) {
                failures.push(format!(
                    "{g} now loads: take it off KNOWN_LOADER_GAPS in tests/realworld.rs"
                ));
            }
        }

        let skipped: BTreeSet<String> = summary["skipped"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| reported(&e["file"]))
            .collect();
        let expected_skips: BTreeSet<String> = TEXT_FILES
            .iter()
            .map(|f| format!("{}/{f}", s.dir))
            .collect();
        if skipped != expected_skips {
            failures.push(format!(
                "{}: skipped {skipped:?}, expected {expected_skips:?}",
                s.dir
            ));
        }

        let unread: u64 = gaps
            .iter()
            .map(|p| count_documents(&std::fs::read_to_string(p).expect("read")))
            .sum();
        if summary["objects"].as_u64() != Some(s.objects - unread) {
            failures.push(format!(
                "{}: {} objects checked, expected {} ({} in the set, {unread} in known-gap files)",
                s.dir,
                summary["objects"],
                s.objects - unread,
                s.objects
            ));
        }

        let findings = report["findings"].as_array().cloned().unwrap_or_default();
        for f in &findings {
            let api = f["object"]["api_version"].as_str().unwrap_or("");
            if f["rule_id"] == "invalid-object" && !REMOVED_API_VERSIONS.contains(&api) {
                failures.push(format!(
                    "{}: invalid-object on an object the API accepts: {f}",
                    s.dir
                ));
            }
        }
        let high: BTreeSet<(String, String)> = findings
            .iter()
            .filter(|f| f["severity"] == "high" || f["severity"] == "critical")
            .filter(|f| f["rule_id"] != "invalid-object")
            .map(|f| {
                (
                    f["rule_id"].as_str().unwrap_or("").to_string(),
                    format!(
                        "{}/{}",
                        f["object"]["kind"].as_str().unwrap_or(""),
                        f["object"]["name"].as_str().unwrap_or("")
                    ),
                )
            })
            .collect();
        let reviewed: BTreeSet<(String, String)> = s
            .high
            .iter()
            .map(|(r, o)| (r.to_string(), o.to_string()))
            .collect();
        for new in high.difference(&reviewed) {
            failures.push(format!(
                "{}: high/critical finding not reviewed in REVIEW.md: {new:?}",
                s.dir
            ));
        }
        for gone in reviewed.difference(&high) {
            failures.push(format!(
                "{}: reviewed high/critical finding no longer reported: {gone:?}",
                s.dir
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_document_counter_counts_what_yaml_counts() {
    assert_eq!(count_documents(""), 0);
    assert_eq!(count_documents("# only a comment\n"), 0);
    assert_eq!(count_documents("a: 1\n"), 1);
    assert_eq!(
        count_documents("---\na: 1\n---\n---\n# c\n---\nb: 2\n...\n"),
        2
    );
    assert_eq!(count_documents("a: |\n  --- not a marker\n"), 1);
    assert_eq!(count_documents("--- # a comment\na: 1\n---x: 2\n"), 1);
}
