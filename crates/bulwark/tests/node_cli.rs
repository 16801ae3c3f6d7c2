//! `bulwark node` from the command line: the exit code follows kube-bench's
//! `--exit-code`.

#![cfg(unix)]

use assert_cmd::Command;

/// A host root with one process: a kubelet that allows anonymous requests.
fn anonymous_kubelet() -> tempfile::TempDir {
    let root = tempfile::tempdir().expect("tempdir");
    let proc = root.path().join("proc/10");
    std::fs::create_dir_all(&proc).expect("proc dir");
    std::fs::write(proc.join("cmdline"), b"kubelet\0--anonymous-auth=true\0").expect("cmdline");
    root
}

fn node(root: &std::path::Path, extra: &[&str]) -> (Option<i32>, String) {
    let out = Command::cargo_bin("bulwark")
        .expect("binary")
        .args(["node", "--targets", "node", "--root"])
        .arg(root)
        .args(extra)
        .output()
        .expect("runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn a_failing_check_exits_with_the_code_asked_for() {
    let root = anonymous_kubelet();
    let (code, out) = node(root.path(), &["--exit-code", "3"]);
    assert!(
        out.lines()
            .any(|l| l.contains("FAIL") && l.contains("4.2.1")),
        "{out}"
    );
    assert_eq!(code, Some(3));
    // kube-bench's default: the report, exit 0.
    let (code, _) = node(root.path(), &[]);
    assert_eq!(code, Some(0));
}

#[test]
fn nothing_failed_nothing_to_signal() {
    // No kubelet at all: every node check is NOT_EVALUATED, none FAILs.
    let root = tempfile::tempdir().expect("tempdir");
    let (code, out) = node(root.path(), &["--exit-code", "3", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["summary"]["fail"], 0, "{out}");
    assert!(
        v["summary"]["not_evaluated"].as_u64().unwrap_or(0) > 0,
        "{out}"
    );
    assert_eq!(code, Some(0));
}

#[test]
fn the_html_page_shows_failing_checks_and_the_cis_score_of_compliance() {
    let root = anonymous_kubelet();
    let (code, page) = node(root.path(), &["--format", "html"]);
    assert_eq!(code, Some(0));
    let (_, json) = node(root.path(), &["--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    let fails = v["summary"]["fail"].as_u64().unwrap();
    assert!(fails >= 1, "{json}");
    // Every FAIL is a finding in the page's data (rule cis-<id>), here 4.2.1.
    assert!(page.contains(r#""id":"cis-4.2.1""#), "no 4.2.1 finding");
    assert!(page.contains(&format!(r#"<div class="n">{fails}</div><div>high</div>"#)));
    // The CIS score is the one `compliance --node-root` gives for this host.
    let out = Command::cargo_bin("bulwark")
        .expect("binary")
        .args([
            "compliance",
            "--format",
            "json",
            "--framework",
            "cis",
            "--node-root",
        ])
        .arg(root.path())
        .output()
        .expect("runs");
    let c: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let score = &c["frameworks"][0]["score"];
    // The targets differ (node vs all): compare on the whole benchmark.
    let (_, all) = {
        let out = Command::cargo_bin("bulwark")
            .expect("binary")
            .args(["node", "--format", "html", "--root"])
            .arg(root.path())
            .output()
            .expect("runs");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let want = match score.as_f64() {
        Some(s) => format!("<strong>CIS Kubernetes Benchmark 1.12</strong>: {s:?}%"),
        None => "<strong>CIS Kubernetes Benchmark 1.12</strong>: not evaluated".into(),
    };
    assert!(all.contains(&want), "{want}");
    assert!(all.contains("default-src 'none'"));
}
