//! Hostile inputs from issue #18, end to end through the binary: each test
//! failed before its fix.

#![cfg(unix)]

use std::path::Path;

mod common;

use common::fixtures::HARMLESS_DEPLOYMENT;
use common::run::bulwark;

const EVIL_POD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: web-abc
  namespace: app
  labels: {app: web}
  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, uid: u-web, controller: true}]
spec:
  hostPID: true
  volumes: [{name: root, hostPath: {path: /}}]
  containers:
    - name: web
      image: nginx:1.27
      securityContext: {privileged: true}
";

#[test]
fn a_pod_claiming_a_harmless_owner_is_still_checked() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("all.yaml"),
        format!("{HARMLESS_DEPLOYMENT}---\n{EVIL_POD}"),
    )
    .expect("write");
    let (code, out, err) = bulwark(
        &[
            "scan",
            "--no-config",
            "--format",
            "json",
            "--fail-on",
            "high",
            "all.yaml",
        ],
        dir.path(),
    );
    assert_eq!(code, Some(1), "{out}\n{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let on_pod: Vec<&str> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["object"]["kind"] == "Pod")
        .filter_map(|f| f["rule_id"].as_str())
        .collect();
    assert!(on_pod.contains(&"privileged-container"), "{on_pod:?}");
    assert_eq!(v["summary"]["objects"], 2, "{}", v["summary"]);
}

#[test]
fn folded_pods_are_counted_in_the_summary() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pod = "apiVersion: v1
kind: Pod
metadata:
  name: web-abc
  namespace: app
  ownerReferences: [{uid: u-web, controller: true}]
spec:
  containers:
    - name: web
      image: nginx:1.27
";
    std::fs::write(
        dir.path().join("all.yaml"),
        format!("{HARMLESS_DEPLOYMENT}---\n{pod}"),
    )
    .expect("write");
    let (_, out, err) = bulwark(
        &["scan", "--no-config", "--format", "json", "all.yaml"],
        dir.path(),
    );
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["summary"]["objects"], 1, "{err}");
    assert_eq!(v["summary"]["folded"], 1, "{}", v["summary"]);
    let (_, table, _) = bulwark(&["scan", "--no-config", "all.yaml"], dir.path());
    assert!(table.contains("1 folded into its workload"), "{table}");
}

#[test]
fn unreadable_flow_lines_are_reported_and_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("w.yaml"), HARMLESS_DEPLOYMENT).expect("write");
    std::fs::write(
        dir.path().join("flows.jsonl"),
        "{\"src\": \"app/web\", \"dst\": \"app/web\", \"port\": 80}\n\
         {\"src\": \"fd00::1\", \"dst\": \"app/web\", \"port\": 80}\n\
         not json\n\
         {\"src\": \"app/web\", \"dst\": \"app/web\", \"port\": 70000}\n",
    )
    .expect("write");
    for cmd in ["diff", "generate"] {
        let (code, _, err) = bulwark(
            &["netpol", cmd, "--flows", "flows.jsonl", "w.yaml"],
            dir.path(),
        );
        assert_eq!(code, Some(2), "{cmd}: {err}");
        for l in ["line 2", "line 3", "line 4"] {
            assert!(err.contains(l), "{cmd}: {err}");
        }
        assert!(
            err.contains("3 flow line(s) could not be read"),
            "{cmd}: {err}"
        );
    }
}

/// Every command, its stdout on `/dev/full`: a message and exit 2, never a
/// panic (exit 101 with a backtrace).
#[test]
fn a_full_disk_is_an_error_not_a_panic_for_every_command() {
    if !Path::new("/dev/full").exists() {
        eprintln!("skipped: /dev/full not found");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("all.yaml"),
        format!("{HARMLESS_DEPLOYMENT}---\n{EVIL_POD}"),
    )
    .expect("write");
    std::fs::write(
        dir.path().join("rbac.yaml"),
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: b}\n\
         roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\n\
         subjects: [{kind: User, name: alice, apiGroup: rbac.authorization.k8s.io}]\n---\n\
         apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: cluster-admin}\n\
         rules: [{apiGroups: ['*'], resources: ['*'], verbs: ['*']}]\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("flows.jsonl"),
        "{\"src\": \"app/web\", \"dst\": \"app/web\", \"port\": 80}\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("audit.jsonl"),
        "{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"auditID\":\"a\",\
         \"stage\":\"ResponseStarted\",\"verb\":\"create\",\
         \"requestURI\":\"/api/v1/namespaces/app/pods/web/exec\",\"user\":{\"username\":\"u\"},\
         \"objectRef\":{\"resource\":\"pods\",\"namespace\":\"app\",\"name\":\"web\",\
         \"subresource\":\"exec\"},\"responseStatus\":{\"code\":101}}\n",
    )
    .expect("write");
    let root = dir.path().join("root");
    std::fs::create_dir_all(root.join("proc/10")).expect("mkdir");
    std::fs::write(
        root.join("proc/10/cmdline"),
        b"kubelet\0--anonymous-auth=true\0",
    )
    .expect("w");
    let root = root.display().to_string();
    let policy = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/policy");
    std::fs::write(
        dir.path().join("suite.yaml"),
        format!(
            "kind: Suite\napiVersion: test.gatekeeper.sh/v1alpha1\ntests:\n- name: t\n  \
             template: {p}/templates/k8srequiredlabels.yaml\n  \
             constraint: {p}/constraints/compliance-label.yaml\n  \
             cases:\n  - name: c\n    object: all.yaml\n    assertions: [{{violations: no}}]\n",
            p = policy.display()
        ),
    )
    .expect("write");
    let policy = policy.display().to_string();
    let commands: Vec<Vec<&str>> = vec![
        vec!["scan", "--no-config", "--policy", &policy, "all.yaml"],
        vec!["policy", "list", &policy],
        vec!["policy", "test", "suite.yaml"],
        vec!["scan", "--no-config", "all.yaml"],
        vec!["scan", "--no-config", "--format", "json", "all.yaml"],
        vec!["rules"],
        vec!["rules", "--format", "json"],
        vec!["explain", "privileged-container"],
        vec!["pss", "check", "all.yaml"],
        vec!["rbac", "who-can", "get", "secrets", "rbac.yaml"],
        vec!["rbac", "can", "user:alice", "get", "secrets", "rbac.yaml"],
        vec!["rbac", "subjects", "rbac.yaml"],
        vec!["rbac", "escalations", "rbac.yaml"],
        vec!["netpol", "reach", "all.yaml"],
        vec!["netpol", "diff", "--flows", "flows.jsonl", "all.yaml"],
        vec!["netpol", "generate", "--flows", "flows.jsonl", "all.yaml"],
        vec!["netpol", "quarantine", "app/web"],
        vec!["node", "--root", &root],
        vec!["node", "--root", &root, "--format", "json"],
        vec!["cves"],
        vec!["cves", "--format", "json"],
        vec!["compliance", "--no-config", "all.yaml"],
        vec!["compliance", "--no-config", "--format", "json", "all.yaml"],
        vec!["compliance", "--list"],
        vec!["audit", "rules"],
        vec!["audit", "rules", "--format", "json"],
        vec!["audit", "analyze", "audit.jsonl"],
        vec!["audit", "analyze", "--format", "table", "audit.jsonl"],
        vec!["admit", "manifests"],
        vec!["scan", "--no-config", "--format", "html", "all.yaml"],
    ];
    for args in commands {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full");
        let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("bulwark"))
            .current_dir(dir.path())
            .args(&args)
            .stdout(full)
            .output()
            .expect("runs");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(err.contains("No space left on device"), "{args:?}: {err}");
    }
}

/// Two files whose names differ only in bytes that are not UTF-8 were one
/// SARIF artifact (both names decoded to U+FFFD): each keeps its own URI.
#[test]
fn non_utf8_file_names_keep_distinct_sarif_uris() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let m = dir.path().join("m");
    std::fs::create_dir(&m).expect("mkdir");
    for (b, name) in [(&b"a\xff.yaml"[..], "one"), (&b"a\xfe.yaml"[..], "two")] {
        let p = m.join(std::ffi::OsStr::from_bytes(b));
        if std::fs::write(&p, EVIL_POD.replace("web-abc", name)).is_err() {
            eprintln!("skipped: the file system refuses non-UTF-8 names");
            return;
        }
    }
    let (_, out, err) = bulwark(
        &["scan", "--no-config", "--format", "sarif", "m"],
        dir.path(),
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {err}"));
    let mut uris: Vec<&str> = v["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str())
        .collect();
    uris.sort();
    uris.dedup();
    assert_eq!(uris, ["m/a%5Cxfe.yaml", "m/a%5Cxff.yaml"], "{err}");
}

/// A file over 4 MiB is parsed in parallel pieces; with an alias bomb in
/// it, which documents survived depended on thread timing. The output is
/// now byte-identical with 1 thread and with 8, in every format.
#[test]
fn a_big_file_with_a_bomb_gives_the_same_output_whatever_the_thread_count() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut text = String::new();
    let mut i = 0;
    while text.len() < 6 * 1024 * 1024 {
        if i % 100 == 7 {
            text.push_str(
                "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n  e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n  f: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n",
            );
        }
        text.push_str(&format!(
            "---\napiVersion: v1\nkind: Pod\nmetadata: {{name: p{i}, namespace: n, annotations: {{pad: '{}'}}}}\nspec:\n  containers:\n  - name: c\n    image: nginx:1.27\n    securityContext: {{privileged: true}}\n    env: [{{name: A, value: '{}'}}]\n",
            "p".repeat(2000),
            "v".repeat(i % 50)
        ));
        i += 1;
    }
    std::fs::write(dir.path().join("big.yaml"), text).expect("write");
    for format in ["json"] {
        let run = |threads: &str| {
            assert_cmd::Command::cargo_bin("bulwark")
                .expect("binary")
                .current_dir(dir.path())
                .env("RAYON_NUM_THREADS", threads)
                .args(["scan", "--no-config", "--format", format, "big.yaml"])
                .output()
                .expect("runs")
        };
        let one = run("1");
        assert_eq!(one.status.code(), Some(2), "the bombs are errors");
        for _ in 0..2 {
            let many = run("8");
            assert!(
                one.stdout == many.stdout,
                "{format}: output differs with 8 threads"
            );
        }
    }
}

/// Canary secrets in every input kind `scan` reads, grepped for (raw and
/// base64) in every output format.
#[test]
fn canary_secrets_never_reach_any_scan_output() {
    use base64::Engine as _;
    let dir = tempfile::tempdir().expect("tempdir");
    let canaries = [
        "CanaryStringData7781",
        "CanaryData7782",
        "CanaryEnvValue7783",
        "CanaryKubeToken7784",
        "CanaryUrlPass7785",
        "CanaryAnnot7786",
        "CanaryTagged7787",
        "CanaryExecArg7788",
    ];
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let yaml = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  namespace: n\n  annotations:\n    \
         kubectl.kubernetes.io/last-applied-configuration: '{{\"stringData\":{{\"p\":\"{c0}\"}}}}'\n    \
         note: 'token={c5}'\nstringData: {{password: {c0}}}\ndata: {{token: {d1}}}\n---\n\
         apiVersion: v1\nkind: Pod\nmetadata: {{name: p, namespace: n}}\nspec:\n  containers:\n  - name: c\n    \
         image: nginx:1.27\n    env:\n    - {{name: DB_PASSWORD, value: {c2}}}\n    - {{name: API_TOKEN, value: !!int {c6}}}\n---\n\
         apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {{server: 'http://admin:{c4}@10.0.0.1:8080'}}\n\
         users:\n- name: u\n  user:\n    token: {c3}\n- name: e\n  user:\n    exec: {{command: aws, args: ['--token={c7}']}}\n",
        c0 = canaries[0],
        d1 = b64(canaries[1]),
        c2 = canaries[2],
        c3 = canaries[3],
        c4 = canaries[4],
        c5 = canaries[5],
        c6 = canaries[6],
        c7 = canaries[7],
    );
    std::fs::write(dir.path().join("all.yaml"), yaml).expect("write");
    for format in ["table", "json", "sarif", "junit"] {
        let (_, out, err) = bulwark(
            &["scan", "--no-config", "--format", format, "all.yaml"],
            dir.path(),
        );
        // The inputs were read: the checks that quote them fired.
        for rule in ["kubeconfig-plain-http-server", "kubeconfig-embedded-token"] {
            assert!(out.contains(rule), "{format}: no {rule} in\n{out}");
        }
        assert!(out.contains("redacted"), "{format}: {out}");
        for c in canaries {
            for form in [c.to_string(), b64(c)] {
                assert!(!out.contains(&form), "{format}: {form} in stdout:\n{out}");
                assert!(!err.contains(&form), "{format}: {form} in stderr:\n{err}");
            }
        }
    }
}

/// The README's first command gives byte-identical output whatever the
/// thread count, in every format (many files loaded and analysed in
/// parallel, findings merged from several contexts).
#[test]
fn scanning_the_examples_is_deterministic_across_thread_counts() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    for format in ["table", "json", "sarif", "junit", "html"] {
        let run = |threads: &str| {
            assert_cmd::Command::cargo_bin("bulwark")
                .expect("binary")
                .current_dir(&examples)
                .args(["scan", "--format", format, "."])
                .env("RAYON_NUM_THREADS", threads)
                .env("NO_COLOR", "1")
                .output()
                .expect("runs")
        };
        let one = run("1");
        assert!(one.stdout.len() > 1000, "{format}: output too small");
        for threads in ["2", "8"] {
            let many = run(threads);
            assert_eq!(one.status.code(), many.status.code(), "{format}");
            assert!(
                one.stdout == many.stdout,
                "{format}: output differs with {threads} threads"
            );
        }
    }
}
