//! `bulwark pss check` and the PSS findings of `bulwark scan`, through the
//! real binary on small manifests in temp directories.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

const PRIVILEGED_POD: &str = "\
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: apps
spec:
  containers:
    - name: app
      image: nginx:1.27
      securityContext:
        privileged: true
";

/// Passes baseline at every version, fails restricted (no runAsNonRoot,
/// seccomp, drop ALL, allowPrivilegeEscalation).
const PLAIN_DEPLOYMENT: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: apps
spec:
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
        - name: api
          image: api:1
";

const RESTRICTED_JOB: &str = "\
apiVersion: batch/v1
kind: CronJob
metadata:
  name: report
  namespace: batch
spec:
  schedule: '0 * * * *'
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          securityContext:
            runAsNonRoot: true
            seccompProfile: {type: RuntimeDefault}
          containers:
            - name: report
              image: report:1
              securityContext:
                allowPrivilegeEscalation: false
                capabilities: {drop: [ALL]}
";

const NAMESPACES: &str = "\
apiVersion: v1
kind: Namespace
metadata:
  name: apps
  labels:
    pod-security.kubernetes.io/enforce: baseline
    pod-security.kubernetes.io/enforce-version: v1.29
    pod-security.kubernetes.io/warn: restricted
---
apiVersion: v1
kind: Namespace
metadata:
  name: batch
";

fn write(dir: &Path, rel: &str, text: &str) {
    std::fs::write(dir.join(rel), text).unwrap();
}

fn bulwark(dir: &TempDir, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .current_dir(dir.path())
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("{e}: {s}"))
}

fn by_name<'a>(results: &'a Value, name: &str) -> &'a Value {
    results
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["object"]["name"] == name)
        .unwrap_or_else(|| panic!("no result for {name}"))
}

#[test]
fn table_lists_denied_objects_with_plugin_messages_and_exits_1() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "pod.yaml", PRIVILEGED_POD);
    let (code, out, _) = bulwark(&dir, &["pss", "check", "--level", "baseline", "pod.yaml"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("DENIED  Pod/apps/web  (pod.yaml:1)"), "{out}");
    assert!(
        out.contains(
            "privileged: privileged (container \"app\" must not set securityContext.privileged=true)"
        ),
        "{out}"
    );
    assert!(
        out.contains("at spec.containers[0].securityContext.privileged pod.yaml:11"),
        "{out}"
    );
    assert!(
        out.contains("1 workloads at baseline:latest: 0 allowed, 1 denied"),
        "{out}"
    );
}

#[test]
fn json_shape_levels_and_versions() {
    let dir = TempDir::new().unwrap();
    write(
        dir.path(),
        "all.yaml",
        &format!("{PLAIN_DEPLOYMENT}---\n{RESTRICTED_JOB}"),
    );
    let (code, out, _) = bulwark(&dir, &["pss", "check", "-f", "json", "all.yaml"]);
    assert_eq!(code, 1);
    let v = json(&out);
    let api = by_name(&v, "api");
    assert_eq!(api["level"], "restricted");
    assert_eq!(api["version"], "latest");
    assert_eq!(api["allowed"], false);
    assert_eq!(api["object"]["kind"], "Deployment");
    let checks: Vec<&str> = api["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["check"].as_str().unwrap())
        .collect();
    assert_eq!(
        checks,
        [
            "allowPrivilegeEscalation",
            "capabilities_restricted",
            "runAsNonRoot",
            "seccompProfile_restricted"
        ]
    );
    assert_eq!(
        api["violations"][0]["path"],
        "spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation"
    );
    assert_eq!(by_name(&v, "report")["allowed"], true);

    // The same deployment passes baseline, and restricted before v1.8
    // (no allowPrivilegeEscalation, capabilities or seccomp check yet) fails
    // only runAsNonRoot.
    let (code, _, _) = bulwark(&dir, &["pss", "check", "--level", "baseline", "all.yaml"]);
    assert_eq!(code, 0);
    let (_, out, _) = bulwark(
        &dir,
        &[
            "pss",
            "check",
            "--version",
            "v1.7",
            "-f",
            "json",
            "all.yaml",
        ],
    );
    let v = json(&out);
    let api = by_name(&v, "api");
    assert_eq!(api["version"], "v1.7");
    assert_eq!(api["violations"].as_array().unwrap().len(), 1);
    assert_eq!(api["violations"][0]["check"], "runAsNonRoot");
}

#[test]
fn namespace_labels_say_what_admission_would_do() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "ns.yaml", NAMESPACES);
    write(dir.path(), "pod.yaml", PRIVILEGED_POD);
    write(dir.path(), "deploy.yaml", PLAIN_DEPLOYMENT);
    write(dir.path(), "job.yaml", RESTRICTED_JOB);
    let (_, out, _) = bulwark(&dir, &["pss", "check", "-f", "json", "."]);
    let v = json(&out);
    let pod = &by_name(&v, "web")["admission"];
    assert_eq!(pod["namespace"], "apps");
    assert_eq!(pod["policy"]["enforce"]["version"], "v1.29");
    assert_eq!(pod["actions"], serde_json::json!(["reject"]));
    // A Deployment is not rejected by enforce; its pods would be.
    let dep = &by_name(&v, "api")["admission"];
    assert_eq!(dep["actions"], serde_json::json!(["warning"]));
    // An unlabelled namespace is privileged: nothing to do.
    let job = &by_name(&v, "report")["admission"];
    assert_eq!(job["actions"], serde_json::json!([]));

    let (_, table, _) = bulwark(&dir, &["pss", "check", "."]);
    assert!(
        table.contains(
            "namespace apps: enforce baseline:v1.29 denied; warn restricted:latest denied => reject"
        ),
        "{table}"
    );
}

#[test]
fn what_if_counts_per_namespace_and_exemptions_from_psa_config() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "ns.yaml", NAMESPACES);
    write(dir.path(), "pod.yaml", PRIVILEGED_POD);
    write(dir.path(), "deploy.yaml", PLAIN_DEPLOYMENT);
    write(dir.path(), "job.yaml", RESTRICTED_JOB);
    let (code, out, _) = bulwark(
        &dir,
        &[
            "pss",
            "check",
            "--what-if-level",
            "restricted",
            "-f",
            "json",
            ".",
        ],
    );
    assert_eq!(code, 1);
    let v = json(&out);
    assert_eq!(v["level"], "restricted");
    let ns: Vec<(String, u64, u64)> = v["namespaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["namespace"].as_str().unwrap().to_string(),
                n["workloads"].as_u64().unwrap(),
                n["denied"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(ns, [("apps".into(), 2, 2), ("batch".into(), 1, 0)]);

    std::fs::create_dir(dir.path().join("cfg")).unwrap();
    write(
        dir.path(),
        "cfg/psa.yaml",
        "apiVersion: pod-security.admission.config.k8s.io/v1
kind: PodSecurityConfiguration
defaults: {enforce: privileged}
exemptions:
  namespaces: [apps]
",
    );
    let (code, out, _) = bulwark(
        &dir,
        &[
            "pss",
            "check",
            "--what-if-level",
            "restricted",
            "--psa-config",
            "cfg/psa.yaml",
            "ns.yaml",
            "pod.yaml",
            "deploy.yaml",
            "job.yaml",
        ],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("0 of 3 workloads would break"), "{out}");
    let (_, out, _) = bulwark(
        &dir,
        &[
            "pss",
            "check",
            "--psa-config",
            "cfg/psa.yaml",
            "-f",
            "json",
            "ns.yaml",
            "pod.yaml",
        ],
    );
    let v = json(&out);
    assert_eq!(by_name(&v, "web")["admission"]["exempt"]["by"], "namespace");
}

#[test]
fn usage_and_input_errors_exit_2() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "pod.yaml", PRIVILEGED_POD);
    let (code, _, err) = bulwark(&dir, &["pss", "check", "--version", "1.25", "pod.yaml"]);
    assert_eq!(code, 2);
    assert!(err.contains("invalid version"), "{err}");
    let (code, _, _) = bulwark(&dir, &["pss", "check", "--level", "strict", "pod.yaml"]);
    assert_eq!(code, 2);
    write(
        dir.path(),
        "bad.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: [\n",
    );
    let (code, _, err) = bulwark(&dir, &["pss", "check", "bad.yaml", "pod.yaml"]);
    assert_eq!(code, 2);
    assert!(err.contains("bad.yaml"), "{err}");
    write(
        dir.path(),
        "empty.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n",
    );
    let (code, _, err) = bulwark(&dir, &["pss", "check", "empty.yaml"]);
    assert_eq!(code, 0);
    assert!(err.contains("Deployment/d has no pod spec"), "{err}");
    let (code, _, err) = bulwark(
        &dir,
        &["pss", "check", "--psa-config", "nope.yaml", "pod.yaml"],
    );
    assert_eq!(code, 2);
    assert!(err.contains("nope.yaml"), "{err}");
}

#[test]
fn scan_reports_pss_findings_under_their_levels() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "pod.yaml", PRIVILEGED_POD);
    let (_, out, _) = bulwark(
        &dir,
        &[
            "scan",
            "--format",
            "json",
            "--category",
            "pod-security-standards",
            "pod.yaml",
        ],
    );
    let v = json(&out);
    let ids: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"pss-baseline-privileged"), "{ids:?}");
    assert!(ids.contains(&"pss-restricted-run-as-non-root"), "{ids:?}");
    let (code, out, _) = bulwark(&dir, &["explain", "pss-restricted-capabilities"]);
    assert_eq!(code, 0);
    assert!(out.contains("NET_BIND_SERVICE"), "{out}");
}

#[test]
fn exemptions_from_the_pss_section_of_bulwark_yaml() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "ns.yaml", NAMESPACES);
    write(dir.path(), "pod.yaml", PRIVILEGED_POD);
    write(
        dir.path(),
        ".bulwark.yaml",
        "pss:\n  exemptions:\n    namespaces: [apps]\n",
    );
    let (_, out, _) = bulwark(&dir, &["pss", "check", "-f", "json", "ns.yaml", "pod.yaml"]);
    let v = json(&out);
    assert_eq!(by_name(&v, "web")["admission"]["exempt"]["name"], "apps");
    let (_, out, _) = bulwark(
        &dir,
        &[
            "pss",
            "check",
            "--no-config",
            "-f",
            "json",
            "ns.yaml",
            "pod.yaml",
        ],
    );
    let v = json(&out);
    assert!(by_name(&v, "web")["admission"].get("exempt").is_none());
    write(
        dir.path(),
        ".bulwark.yaml",
        "pss:\n  defaults: {enforce: strict}\n",
    );
    let (code, _, err) = bulwark(&dir, &["pss", "check", "pod.yaml"]);
    assert_eq!(code, 2);
    assert!(
        err.contains(".bulwark.yaml:1:1: pss: defaults.enforce"),
        "{err}"
    );
}
