//! Policy as code end to end: `scan --policy` with the seed constraints of
//! `examples/policy` on `examples/insecure` (every finding checked by hand
//! against the objects), bad policies as errors with file:line while the
//! scan goes on, `policy list`, `policy test`, `rules`/`explain --policy`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn bulwark(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run bulwark")
}

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stderr));
    })
}

const REPOS: &str = "policy:k8sallowedrepos/approved-registries";
const LABEL: &str = "policy:k8srequiredlabels/compliance-label";

/// (rule, kind/namespace/name) of every policy finding, sorted.
fn policy_findings(report: &serde_json::Value) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| {
            f["rule_id"]
                .as_str()
                .is_some_and(|r| r.starts_with("policy:"))
        })
        .map(|f| {
            let o = &f["object"];
            (
                f["rule_id"].as_str().unwrap_or("").to_string(),
                format!(
                    "{}/{}/{}",
                    o["kind"].as_str().unwrap_or(""),
                    o["namespace"].as_str().unwrap_or("-"),
                    o["name"].as_str().unwrap_or("")
                ),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn seed_constraints_fire_on_the_insecure_example() {
    let out = bulwark(&[
        "scan",
        "examples/insecure",
        "--policy",
        "examples/policy",
        "--format",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = json(&out);
    // Images (checked in the files): api's init container and container are
    // shop/api; frontend runs nginx:latest and
    // registry.example.com:5000/shop/metrics (a port, so not the allowed
    // `registry.example.com/` prefix); db postgres; the log shipper, the
    // report CronJob (through its Job), the ingress controller and the
    // Kubernetes Dashboard (docker.io/kubernetesui, not docker.io/bitnami)
    // are from other registries. No workload has a `compliance` label.
    let want: Vec<(String, String)> = [
        (REPOS, "CronJob/default/nightly-report"),
        (REPOS, "DaemonSet/shop/win-log-shipper"),
        (REPOS, "Deployment/ingress-nginx/ingress-nginx-controller"),
        (
            REPOS,
            "Deployment/kubernetes-dashboard/kubernetes-dashboard",
        ),
        (REPOS, "Deployment/shop/api"),
        (REPOS, "Deployment/shop/api"),
        (REPOS, "Deployment/shop/frontend"),
        (REPOS, "Deployment/shop/frontend"),
        (REPOS, "StatefulSet/shop/db"),
        (LABEL, "CronJob/default/nightly-report"),
        (LABEL, "DaemonSet/shop/win-log-shipper"),
        (LABEL, "Deployment/ingress-nginx/ingress-nginx-controller"),
        (
            LABEL,
            "Deployment/kubernetes-dashboard/kubernetes-dashboard",
        ),
        (LABEL, "Deployment/shop/api"),
        (LABEL, "Deployment/shop/frontend"),
        (LABEL, "StatefulSet/shop/db"),
    ]
    .iter()
    .map(|(r, o)| (r.to_string(), o.to_string()))
    .collect();
    assert_eq!(policy_findings(&report), want);
    let findings = report["findings"].as_array().expect("findings");
    let metrics = findings
        .iter()
        .find(|f| {
            f["rule_id"] == REPOS
                && f["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("registry.example.com:5000/shop/metrics"))
        })
        .expect("the metrics sidecar's image");
    assert_eq!(metrics["severity"], "high", "bulwark.dev/severity: high");
    assert_eq!(metrics["file"], "examples/insecure/frontend.yaml");
    assert_eq!(metrics["line"], 2);
    assert!(
        metrics["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("[Implied by expand-workloads] container <metrics>")),
        "{metrics}"
    );
    let label = findings
        .iter()
        .find(|f| f["rule_id"] == LABEL)
        .expect("label");
    assert_eq!(label["severity"], "medium");
    // Without --policy, no policy finding at all.
    let plain = json(&bulwark(&["scan", "examples/insecure", "--format", "json"]));
    assert!(policy_findings(&plain).is_empty());
    // The hardened app's workloads carry no compliance label either.
    let hardened = json(&bulwark(&[
        "scan",
        "examples/hardened",
        "--policy",
        "examples/policy",
        "--rule",
        LABEL,
        "--format",
        "json",
    ]));
    assert!(!policy_findings(&hardened).is_empty());
}

#[test]
fn policy_rules_are_suppressible_and_listed() {
    let out = bulwark(&[
        "scan",
        "examples/insecure",
        "--policy",
        "examples/policy",
        "--skip-rule",
        LABEL,
        "--format",
        "json",
    ]);
    let report = json(&out);
    let got = policy_findings(&report);
    assert_eq!(got.len(), 9, "{got:?}");
    assert!(got.iter().all(|(r, _)| r == REPOS));
    // A policy rule id without --policy is unknown, as any typo is.
    let unknown = bulwark(&["scan", "examples/insecure", "--skip-rule", LABEL]);
    assert_eq!(unknown.status.code(), Some(2));

    let rules = bulwark(&["rules", "--policy", "examples/policy"]);
    assert_eq!(rules.status.code(), Some(0));
    assert!(text(&rules).contains(REPOS) && text(&rules).contains(LABEL));
    let explain = bulwark(&["explain", REPOS, "--policy", "examples/policy"]);
    assert_eq!(explain.status.code(), Some(0));
    assert!(
        text(&explain).contains("severity: high"),
        "{}",
        text(&explain)
    );
    assert!(text(&explain).contains("K8sAllowedRepos"));
}

const BAD_TEMPLATE: &str = "apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: k8sbroken
spec:
  crd:
    spec:
      names:
        kind: K8sBroken
  targets:
    - target: admission.k8s.gatekeeper.sh
      rego: |
        package k8sbroken

        violation[{\"msg\": msg}] {
          msg := sprintf(\"x %v\", [input.review.object.metadata.name]
        }
";

const ORPHAN: &str = "apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sMissing
metadata:
  name: orphan
";

#[test]
fn bad_policies_are_errors_with_file_and_line_and_the_scan_goes_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("broken.yaml"), BAD_TEMPLATE).expect("write");
    std::fs::write(dir.path().join("orphan.yaml"), ORPHAN).expect("write");
    let p = dir.path().to_str().expect("utf-8 path");

    let list = bulwark(&["policy", "list", p]);
    assert_eq!(list.status.code(), Some(2));
    let t = text(&list);
    // regorus reports the unclosed call at the body it cannot close, Rego
    // line 3: the block starts under its key on line 12, so file line 15.
    assert!(
        t.contains("broken.yaml:15: Rego: error: expecting }"),
        "{t}"
    );
    assert!(t.contains("orphan.yaml:2: constraint K8sMissing/orphan: no ConstraintTemplate defines kind K8sMissing"), "{t}");

    let scan = bulwark(&[
        "scan",
        "examples/insecure",
        "--policy",
        p,
        "--format",
        "json",
    ]);
    assert_eq!(
        scan.status.code(),
        Some(2),
        "policy errors are input errors"
    );
    let report = json(&scan);
    let errors = report["summary"]["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(!report["findings"].as_array().expect("findings").is_empty());
}

#[test]
fn policy_test_runs_gator_suites_case_by_case() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    std::fs::create_dir(d.join("policy")).expect("mkdir");
    for f in [
        "templates/k8srequiredlabels.yaml",
        "constraints/compliance-label.yaml",
    ] {
        let name = Path::new(f).file_name().expect("name");
        std::fs::copy(
            root().join("examples/policy").join(f),
            d.join("policy").join(name),
        )
        .expect("copy");
    }
    let labelled = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\n  labels: {compliance: pci}\n";
    let bare = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: b\n";
    std::fs::write(d.join("labelled.yaml"), labelled).expect("write");
    std::fs::write(d.join("bare.yaml"), bare).expect("write");
    let suite = |second: &str| {
        format!(
            "kind: Suite
apiVersion: test.gatekeeper.sh/v1alpha1
tests:
- name: compliance
  template: policy/k8srequiredlabels.yaml
  constraint: policy/compliance-label.yaml
  cases:
  - name: labelled
    object: labelled.yaml
    assertions:
    - violations: no
  - name: bare
    object: bare.yaml
    assertions:
    - violations: {second}
      message: compliance label
"
        )
    };
    std::fs::write(d.join("suite.yaml"), suite("1")).expect("write");
    let p = d.to_str().expect("utf-8 path");
    let ok = bulwark(&["policy", "test", p]);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));
    assert!(text(&ok).contains("ok   "), "{}", text(&ok));
    assert!(
        text(&ok).contains("2 cases: 2 passed, 0 failed"),
        "{}",
        text(&ok)
    );

    std::fs::write(d.join("suite.yaml"), suite("no")).expect("write");
    let bad = bulwark(&["policy", "test", p]);
    assert_eq!(bad.status.code(), Some(1));
    let t = text(&bad);
    assert!(
        t.contains("FAIL ")
            && t.contains("compliance/bare: assertion 0: want no violations, got 1"),
        "{t}"
    );

    let none = bulwark(&["policy", "test", d.join("policy").to_str().expect("utf-8")]);
    assert_eq!(none.status.code(), Some(2));
}
