//! The loader against a real YAML 1.1 loader: every YAML file of the
//! upstream corpora, `examples/` and the test fixtures is read by bulwark
//! and by PyYAML (Debian `python3-yaml`, through `oracle/pyyaml_oracle.py`,
//! which restates the few places where go-yaml v2 types scalars unlike
//! PyYAML, each explained there). Both must give the same JSON documents,
//! or both refuse the file; the files where PyYAML itself parts from
//! go-yaml are listed in `KNOWN` with the reason. A generator adds streams
//! written in the forms that trip YAML 1.2 parsers.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use bulwark_load::yaml::{Budget, parse_all};
use serde_json::Value;

/// Files where PyYAML and go-yaml v2 (so kubectl and the API server)
/// disagree: bulwark follows go-yaml. (path suffix, what bulwark must do,
/// why.)
const KNOWN: &[(&str, Expect, &str)] = &[
    (
        "acs-security-demos-added-workloads/frontend/webapp/deployment.yaml",
        Expect::Reads,
        TAB_IN_FLOW,
    ),
    (
        "acs-security-demos-added-workloads/payments/gateway/deployment.yaml",
        Expect::Reads,
        TAB_IN_FLOW,
    ),
    (
        "acs-security-demos-added-workloads/payments/visa-processor-v2/deployment.yaml",
        Expect::Reads,
        TAB_IN_FLOW,
    ),
];

const TAB_IN_FLOW: &str = "a tab at the start of a line inside a flow sequence: libyaml and \
     go-yaml take tabs as white space in flow context, PyYAML's scanner only skips spaces; \
     netpol-analyzer's expected connlist shows this workload read by go-yaml";

#[derive(Clone, Copy, Debug, PartialEq)]
enum Expect {
    /// bulwark reads it (PyYAML refuses it).
    Reads,
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Debian's python3 with its python3-yaml, else any python3 with yaml.
fn python() -> Option<PathBuf> {
    for p in ["/usr/bin/python3", "python3"] {
        let ok = Command::new(p)
            .args(["-c", "import yaml"])
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            return Some(PathBuf::from(p));
        }
    }
    None
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n == "target") {
                continue;
            }
            yaml_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(p);
        }
    }
}

/// The oracle's documents (or its refusal) for each file, in order.
fn oracle(py: &Path, files: &[PathBuf]) -> Vec<Result<Vec<Value>, String>> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle/pyyaml_oracle.py");
    let mut child = Command::new(py)
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run the oracle");
    let mut input = String::new();
    for f in files {
        input.push_str(&f.to_string_lossy());
        input.push('\n');
    }
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().expect("oracle output");
    writer.join().expect("writer").expect("write paths");
    assert!(out.status.success(), "the oracle failed");
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let lines: Vec<_> = text.lines().collect();
    assert_eq!(lines.len(), files.len(), "one oracle line per file");
    lines
        .iter()
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("oracle JSON");
            match v.get("docs") {
                Some(Value::Array(d)) => Ok(d.clone()),
                _ => Err(v["error"].as_str().unwrap_or("?").to_string()),
            }
        })
        .collect()
}

fn ours(text: &str) -> Result<Vec<Value>, String> {
    let (docs, errors) = parse_all(text, Budget::default());
    match errors.first() {
        Some(e) => Err(format!("{}:{}: {}", e.line, e.column, e.message)),
        None => Ok(docs.into_iter().map(|d| d.value).collect()),
    }
}

/// Compares every file; returns the disagreements not explained in KNOWN.
fn compare(py: &Path, files: &[PathBuf]) -> (usize, Vec<String>) {
    let want = oracle(py, files);
    let mut agree = 0;
    let mut bad = Vec::new();
    for (f, want) in files.iter().zip(want) {
        let text = match std::fs::read(f) {
            Ok(b) => match String::from_utf8(b) {
                Ok(t) => t,
                Err(_) => continue, // not text: neither loader is asked
            },
            Err(e) => panic!("{}: {e}", f.display()),
        };
        let got = ours(&text);
        let name = f.to_string_lossy();
        let known = KNOWN.iter().find(|(s, ..)| name.ends_with(s));
        match (&got, &want, known) {
            (Ok(_), Err(_), Some((_, Expect::Reads, _))) => agree += 1,
            (_, _, Some((s, ..))) => bad.push(format!(
                "{name}: listed as a known difference ({s}) but bulwark {} and PyYAML {}",
                if got.is_ok() {
                    "reads it"
                } else {
                    "refuses it"
                },
                if want.is_ok() {
                    "reads it"
                } else {
                    "refuses it"
                },
            )),
            (Ok(g), Ok(w), None) if g == w => agree += 1,
            (Err(_), Err(_), None) => agree += 1,
            (Ok(g), Ok(w), None) => {
                let i = g.iter().zip(w).position(|(a, b)| a != b).unwrap_or(0);
                bad.push(format!(
                    "{name}: document {i} differs ({} vs {} documents)\n  bulwark: {}\n  PyYAML:  {}",
                    g.len(),
                    w.len(),
                    g.get(i).map(|v| v.to_string()).unwrap_or_default(),
                    w.get(i).map(|v| v.to_string()).unwrap_or_default(),
                ));
            }
            (Err(e), Ok(_), None) => bad.push(format!("{name}: bulwark refuses it: {e}")),
            (Ok(_), Err(e), None) => bad.push(format!("{name}: PyYAML refuses it: {e}")),
        }
    }
    (agree, bad)
}

fn require_oracle() -> Option<PathBuf> {
    let py = python();
    if py.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "python3 with yaml (Debian python3-yaml) is required when CI is set"
        );
        eprintln!("skipped: python3-yaml not found");
    }
    py
}

#[test]
fn every_yaml_file_reads_as_a_yaml_1_1_loader_reads_it() {
    let Some(py) = require_oracle() else { return };
    let root = root();
    let corpora = root.join("../shared/corpora");
    if !corpora.is_dir() {
        assert!(
            std::env::var_os("CI").is_none(),
            "corpus not found at ../shared/corpora (required when CI is set)"
        );
        eprintln!("skipped: corpus not found");
    }
    let mut files = Vec::new();
    yaml_files(&corpora, &mut files);
    yaml_files(&root.join("examples"), &mut files);
    for c in std::fs::read_dir(root.join("crates"))
        .expect("crates")
        .flatten()
    {
        yaml_files(&c.path().join("tests"), &mut files);
    }
    assert!(files.len() > 100, "only {} files found", files.len());
    let (agree, bad) = compare(&py, &files);
    eprintln!("{agree} of {} YAML files agree with PyYAML", files.len());
    assert!(
        bad.is_empty(),
        "{} of {} files disagree:\n{}",
        bad.len(),
        files.len(),
        bad.join("\n")
    );
}

/// A small deterministic generator (xorshift): streams of nested mappings
/// and sequences whose scalars are the forms where YAML 1.1 and 1.2 part,
/// quoted scalars folded over less-indented lines, flow collections.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u64) as usize]
    }
    fn scalar(&mut self, indent: usize) -> String {
        const PLAIN: &[&str] = &[
            "yes",
            "No",
            "on",
            "OFF",
            "y",
            "n",
            "true",
            "~",
            "null",
            "0644",
            "0o17",
            "0x1F",
            "-0b101",
            "1_000",
            "1e3",
            "1.5",
            "-.5",
            "6.0",
            "1:30",
            "2024-01-02",
            "0.0",
            "9223372036854775808",
            "web",
            "nginx:1.25",
            "a b c",
            "-",
            "_x",
            "+1",
            "08",
        ];
        match self.next() % 6 {
            0..=2 => self.pick(PLAIN).to_string(),
            3 => format!("'{}'", self.pick(PLAIN)),
            4 => {
                // Double-quoted, continued on a line indented less than the
                // key (go-yaml accepts it), with an escaped line break.
                let back = indent.saturating_sub((self.next() % 3) as usize);
                format!(
                    "\"{} \\\n{}{} \\\"q\\\"\n{}end\"",
                    self.pick(PLAIN),
                    " ".repeat(back),
                    self.pick(PLAIN),
                    " ".repeat(back)
                )
            }
            _ => format!(
                "[{}, '{}', \"{}\"]",
                self.pick(PLAIN),
                self.pick(PLAIN),
                self.pick(PLAIN)
            ),
        }
    }
    fn node(&mut self, out: &mut String, indent: usize, depth: usize) {
        let n = 1 + self.next() % 4;
        let seq = self.next().is_multiple_of(3);
        for i in 0..n {
            out.push_str(&" ".repeat(indent));
            if seq {
                out.push_str("- ");
            } else {
                out.push_str(&format!("k{i}{}: ", self.pick(&["", "x", "_y"])));
            }
            if depth < 3 && self.next().is_multiple_of(3) {
                out.push('\n');
                self.node(out, indent + 2, depth + 1);
            } else {
                let s = self.scalar(indent + 2);
                out.push_str(&s);
                out.push('\n');
            }
        }
    }
}

#[test]
fn generated_streams_read_as_a_yaml_1_1_loader_reads_them() {
    let Some(py) = require_oracle() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let mut g = Gen(0x9E37_79B9_7F4A_7C15);
    let mut files = Vec::new();
    for i in 0..400 {
        let mut text = String::new();
        for d in 0..(1 + g.next() % 3) {
            if d > 0 {
                text.push_str("---\n");
            }
            g.node(&mut text, 0, 0);
        }
        let p = dir.path().join(format!("g{i}.yaml"));
        std::fs::write(&p, text).expect("write");
        files.push(p);
    }
    let (agree, bad) = compare(&py, &files);
    assert_eq!(agree, files.len(), "{}", bad.join("\n"));
}
