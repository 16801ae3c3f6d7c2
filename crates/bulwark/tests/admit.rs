//! `bulwark admit review` end to end: Polaris' webhook cases, and the same
//! findings through the webhook as through `scan` for every object of
//! `examples/`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

mod common;

use bulwark_cluster::testserver::{ClusterData, TestServer, write_kubeconfig};
use bulwark_load::{LoadOptions, Loaded, load_paths};
use serde_json::{Value, json};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn corpus() -> Option<PathBuf> {
    let p = root().join("../shared/corpora/polaris/test/webhook_cases");
    if p.is_dir() {
        Some(p)
    } else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI: corpus missing at {}",
            p.display()
        );
        eprintln!("skipping: no corpus at {}", p.display());
        None
    }
}

/// The AdmissionReview the API server sends for creating `obj`.
fn review_of(uid: &str, obj: &Value, namespace: &str) -> Value {
    let (group, version) = match obj["apiVersion"].as_str().unwrap_or("v1").split_once('/') {
        Some((g, v)) => (g.to_string(), v.to_string()),
        None => (
            String::new(),
            obj["apiVersion"].as_str().unwrap_or("v1").to_string(),
        ),
    };
    json!({
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {
            "uid": uid,
            "kind": {"group": group, "version": version, "kind": obj["kind"]},
            "resource": {"group": group, "version": version, "resource": "x"},
            "namespace": obj.pointer("/metadata/namespace").and_then(Value::as_str).unwrap_or(namespace),
            "name": obj.pointer("/metadata/name"),
            "operation": "CREATE",
            "userInfo": {"username": "alice", "groups": ["system:authenticated"]},
            "object": obj,
        }
    })
}

/// Answers of `admit review` for `reviews`, one per review, in order.
fn admit(reviews: &[Value], extra: &[&str]) -> Vec<Value> {
    let input: String = reviews.iter().map(|r| format!("{r}\n")).collect();
    let mut child = Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(["admit", "review", "-"])
        .args(if extra.is_empty() {
            &["--no-config"][..]
        } else {
            extra
        })
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        stdin.write_all(input.as_bytes()).unwrap();
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let answers: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        answers.len(),
        reviews.len(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for (a, r) in answers.iter().zip(reviews) {
        assert_eq!(a["response"]["uid"], r["request"]["uid"]);
    }
    answers
}

fn objects(path: &Path) -> Vec<Value> {
    let Loaded { resources, summary } = load_paths(&[path.to_path_buf()], &LoadOptions::default());
    assert!(summary.errors.is_empty(), "{:?}", summary.errors);
    resources.into_iter().map(|r| r.value).collect()
}

/// Polaris cases bulwark judges differently, and why.
const DEVIATIONS: &[(&str, &str)] = &[
    (
        "passing_test.daemonset.yaml",
        "mounts the host's /var/lib/docker/containers and /var/log: Polaris only warns on hostPath; \
         bulwark denies (host-path-volume is critical for the container runtime's data, and the Pod \
         Security baseline forbids hostPath)",
    ),
    (
        "passing_test.daemonset.v1beta2.yaml",
        "the same DaemonSet as passing_test.daemonset.yaml",
    ),
    (
        "passing_test.deployment.annotations.yaml",
        "sets allowPrivilegeEscalation: true and waives it with Polaris' own exemption annotation \
         (polaris.fairwinds.com/...-exempt); bulwark honours its bulwark.dev/ignore annotation, not \
         Polaris'",
    ),
];

#[test]
fn polaris_webhook_cases_under_the_default_config() {
    let Some(dir) = corpus() else { return };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            n.starts_with("passing_test") || n.starts_with("failing_test")
        })
        .collect();
    files.sort();
    assert_eq!(files.len(), 25, "13 passing and 12 failing cases");
    let mut reviews = Vec::new();
    // Per case, the reviews of its objects (a case may hold a
    // ServiceAccount beside its workload): admitted when all are.
    let mut cases = Vec::new();
    for f in &files {
        let first = reviews.len();
        for obj in objects(f) {
            reviews.push(review_of(&format!("u{}", reviews.len()), &obj, "default"));
        }
        cases.push((
            f.file_name().unwrap().to_string_lossy().to_string(),
            first..reviews.len(),
        ));
    }
    let answers = admit(&reviews, &[]);
    let mut wrong = Vec::new();
    for (name, range) in &cases {
        let denied = answers[range.clone()]
            .iter()
            .find(|a| a["response"]["allowed"] == false);
        let allowed = denied.is_none();
        let a = denied.unwrap_or(&answers[range.start]);
        let want = name.starts_with("passing");
        let deviation = DEVIATIONS.iter().any(|(n, _)| n == name);
        if (allowed == want) == deviation {
            wrong.push(format!(
                "{name}: allowed={allowed} (deviation listed: {deviation}): {}",
                a["response"]["status"]["message"]
            ));
        }
        if !allowed {
            let a = denied.unwrap();
            let msg = a["response"]["status"]["message"].as_str().unwrap();
            assert!(
                msg.contains("bulwark denied") && msg.contains(" at spec."),
                "{msg}"
            );
            assert!(msg.contains("Fix: "), "{msg}");
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// (rule, path) pairs an admission answer names: denials, warnings and
/// the audit annotation that lists every finding.
fn answered(a: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    let r = &a["response"];
    if let Some(msg) = r["status"]["message"].as_str() {
        for l in msg.lines().filter_map(|l| l.strip_prefix("- ")) {
            if let Some((rule, rest)) = l.split_once(" at ")
                && let Some((path, _)) = rest.split_once(": ")
            {
                out.insert((rule.to_string(), path.to_string()));
            }
        }
    }
    for w in r["warnings"].as_array().into_iter().flatten() {
        let w = w.as_str().unwrap();
        if w.starts_with("bulwark: ") {
            continue;
        }
        let mut parts = w.splitn(3, ": ");
        if let (Some(rule), Some(path)) = (parts.next(), parts.next()) {
            out.insert((rule.to_string(), path.to_string()));
        }
    }
    if let Some(list) = r["auditAnnotations"]["findings"].as_str() {
        assert!(!list.ends_with("..."), "audit list cut: {list}");
        for item in list.split(',') {
            let (rule, path) = item.split_once('@').unwrap();
            out.insert((rule.to_string(), path.to_string()));
        }
    }
    out
}

#[test]
fn webhook_and_scan_agree_on_every_object_of_the_examples() {
    // Namespaces last: the webhook learns each Namespace it admits (for Pod
    // Security labels), and the scan of one object alone has none.
    let mut objs: Vec<Value> = ["examples/insecure", "examples/hardened"]
        .iter()
        .flat_map(|app| objects(&root().join(app)))
        .collect();
    objs.sort_by_key(|o| o["kind"] == "Namespace");
    assert!(objs.len() > 20, "{}", objs.len());
    let denied = agree(objs, &[]);
    assert!(denied > 3, "the insecure app is denied: {denied}");
}

#[test]
fn webhook_and_scan_agree_on_the_pod_security_fixtures() {
    let dir = root().join("../shared/corpora/pod-security-admission/test/testdata");
    if !dir.is_dir() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI: corpus missing at {}",
            dir.display()
        );
        return;
    }
    // The fixtures name no namespace; the API server fills in the request's,
    // so both sides get one (not `default`, which a rule of its own flags).
    let mut objs = objects(&dir);
    for o in &mut objs {
        o["metadata"]["namespace"] = json!("team");
    }
    assert!(objs.len() > 4000, "{}", objs.len());
    let denied = agree(objs, &[]);
    assert!(denied > 1000, "{denied}");
}

/// Kinds of the examples and fixtures that no namespace holds.
const CLUSTER_SCOPED: &[&str] = &[
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "PodSecurityPolicy",
    "CustomResourceDefinition",
    "PersistentVolume",
    "StorageClass",
    "IngressClass",
    "RuntimeClass",
    "PriorityClass",
    "Node",
];

/// Scans each object alone and reviews it; asserts both name the same
/// (rule, path) findings and that the verdict follows from them. Returns
/// how many were denied.
/// `extra` goes to both commands (`--policy DIR`).
fn agree(objs: Vec<Value>, extra: &[&str]) -> usize {
    let dir = tempfile::tempdir().unwrap();
    let mut reviews = Vec::new();
    for obj in objs {
        let n = reviews.len();
        // One object per directory: scanned alone, as the webhook sees it.
        let sub = dir.path().join(format!("{n:05}"));
        std::fs::create_dir(&sub).unwrap();
        std::fs::write(sub.join("object.json"), obj.to_string()).unwrap();
        // The API server sends no namespace for a cluster-scoped object.
        let ns = if CLUSTER_SCOPED.contains(&obj["kind"].as_str().unwrap_or("")) {
            ""
        } else {
            "default"
        };
        reviews.push(review_of(&format!("u{n}"), &obj, ns));
    }
    let out = Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args([
            "scan",
            "--no-config",
            "--context",
            "directory",
            "-f",
            "json",
            "--severity",
            "info",
        ])
        .args(extra)
        .arg(dir.path())
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut by_file: std::collections::HashMap<String, Vec<&Value>> = Default::default();
    for f in report["findings"].as_array().unwrap() {
        by_file
            .entry(f["file"].as_str().unwrap().to_string())
            .or_default()
            .push(f);
    }
    let mut admit_args = vec!["--no-config"];
    admit_args.extend_from_slice(extra);
    let answers = admit(&reviews, &admit_args);
    let mut denied = 0;
    for (n, a) in answers.iter().enumerate() {
        let file = dir.path().join(format!("{n:05}")).join("object.json");
        let found = by_file
            .get(&*file.to_string_lossy())
            .cloned()
            .unwrap_or_default();
        let scanned: BTreeSet<(String, String)> = found
            .iter()
            // Neither reaches the webhook: the API server validates the
            // object's shape before validating webhooks run, and one request
            // holds one object.
            .filter(|f| f["rule_id"] != "duplicate-object" && f["rule_id"] != "invalid-object")
            .map(|f| {
                (
                    f["rule_id"].as_str().unwrap().to_string(),
                    f["path"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(
            answered(a),
            scanned,
            "object {n}: {}",
            reviews[n]["request"]["object"]["metadata"]
        );
        // The verdict follows from those findings under the default config.
        let severe = found
            .iter()
            .filter(|f| f["rule_id"] != "invalid-object")
            .any(|f| {
                matches!(f["severity"].as_str(), Some("critical" | "high"))
                    // Constraints deny by their enforcementAction (the seeds': deny).
                    || f["rule_id"].as_str().is_some_and(|r| r.starts_with("policy:"))
                    || matches!(
                        f["rule_id"].as_str(),
                        Some("image-tag-latest" | "runs-as-root" | "privilege-escalation-allowed")
                    )
            });
        let allowed = a["response"]["allowed"].as_bool().unwrap();
        assert_eq!(allowed, !severe, "object {n}: {}", a["response"]);
        denied += usize::from(!allowed);
    }
    denied
}

/// Gatekeeper policies: the same violations through `scan --policy` and
/// `admit review --policy` on every object of the insecure example, and
/// the webhook denies what they deny.
#[test]
fn webhook_and_scan_agree_with_policies() {
    let policy = root().join("examples/policy");
    let p = policy.to_str().unwrap();
    let mut objs = objects(&root().join("examples/insecure"));
    // Namespaces last, as above.
    objs.sort_by_key(|o| o["kind"] == "Namespace");
    let n = objs.len();
    let denied = agree(objs, &["--policy", p]);
    // Every workload (7) breaks at least one seed constraint; the api
    // Deployment and others deny on built-in rules too.
    assert!(denied >= 7 && denied < n, "{denied} of {n}");
}

#[test]
fn mutation_adds_secure_defaults_that_then_pass() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join(".bulwark.yaml");
    std::fs::write(
        &cfg,
        "admission:\n  mutate: [privilege-escalation-allowed, capabilities-not-dropped, seccomp-unconfined, runs-as-root, writable-root-filesystem]\n",
    )
    .unwrap();
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "shop"},
        "spec": {"containers": [{"name": "app", "image": "registry.example/app:1.2",
            "securityContext": {"readOnlyRootFilesystem": false}}]}});
    let c = cfg.to_str().unwrap();
    let a = admit(
        &[review_of("m1", &pod, "shop")],
        &["--mutate", "--config", c],
    )
    .remove(0);
    assert_eq!(a["response"]["patchType"], "JSONPatch");
    use base64::Engine as _;
    let patch = base64::engine::general_purpose::STANDARD
        .decode(a["response"]["patch"].as_str().unwrap())
        .unwrap();
    let ops: Value = serde_json::from_slice(&patch).unwrap();
    // Apply RFC 6902 add operations (the only kind bulwark emits).
    let mut mutated = pod.clone();
    for op in ops.as_array().unwrap() {
        assert_eq!(op["op"], "add");
        let path = op["path"].as_str().unwrap();
        let (parent, key) = path.rsplit_once('/').unwrap();
        let target = mutated.pointer_mut(parent).unwrap();
        target[key] = op["value"].clone();
    }
    // The user's explicit readOnlyRootFilesystem: false is kept.
    assert_eq!(
        mutated.pointer("/spec/containers/0/securityContext/readOnlyRootFilesystem"),
        Some(&json!(false))
    );
    let before = answered(&admit(&[review_of("v0", &pod, "shop")], &["--config", c])[0]);
    let after = answered(&admit(&[review_of("v1", &mutated, "shop")], &["--config", c])[0]);
    let rules = |s: &BTreeSet<(String, String)>| -> BTreeSet<String> {
        s.iter().map(|(r, _)| r.clone()).collect()
    };
    for fixed in [
        "privilege-escalation-allowed",
        "capabilities-not-dropped",
        "seccomp-unconfined",
        "runs-as-root",
    ] {
        assert!(rules(&before).contains(fixed), "{fixed} before: {before:?}");
        assert!(!rules(&after).contains(fixed), "{fixed} after: {after:?}");
    }
    assert!(rules(&after).contains("writable-root-filesystem"));
}

#[test]
fn namespace_labels_decide_pod_security_once_the_namespace_is_seen() {
    let ns = baseline_namespace();
    let pod = host_port_pod();
    let a = admit(
        &[
            review_of("before", &pod, "shop"),
            review_of("ns", &ns, ""),
            review_of("after", &pod, "shop"),
        ],
        &[],
    );
    assert_eq!(a[0]["response"]["allowed"], true, "{}", a[0]);
    assert!(
        a[0]["response"]["warnings"]
            .to_string()
            .contains("host-port")
    );
    assert_eq!(a[1]["response"]["allowed"], true);
    assert_eq!(a[2]["response"]["allowed"], false, "{}", a[2]);
    let msg = a[2]["response"]["status"]["message"].as_str().unwrap();
    assert!(
        msg.starts_with(
            "Pod shop/p is forbidden: violates PodSecurity \"baseline:latest\": hostPort"
        ),
        "{msg}"
    );
}

#[test]
fn install_manifests_are_valid_hardened_and_trust_the_minted_ca() {
    let dir = tempfile::tempdir().unwrap();
    let certs = dir.path().join("certs");
    let out = Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(["admit", "manifests", "--mutating", "--self-signed"])
        .arg(&certs)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let file = dir.path().join("webhook.yaml");
    std::fs::write(&file, &text).unwrap();
    let scan = Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(["scan", "--no-config", "-f", "json"])
        .arg(&file)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&scan.stdout).unwrap();
    assert!(report["summary"]["errors"].as_array().unwrap().is_empty());
    let severe: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| matches!(f["severity"].as_str(), Some("critical" | "high")))
        .collect();
    assert!(severe.is_empty(), "{severe:?}");
    // The caBundle is the CA the serving certificate in the Secret chains to.
    use base64::Engine as _;
    let b64 = |s: &str| {
        String::from_utf8(base64::engine::general_purpose::STANDARD.decode(s).unwrap()).unwrap()
    };
    let ca_line = text
        .lines()
        .find(|l| l.trim_start().starts_with("caBundle:"))
        .unwrap();
    let ca = b64(ca_line.split_once(": ").unwrap().1.trim());
    assert_eq!(ca, std::fs::read_to_string(certs.join("ca.crt")).unwrap());
    let crt_line = text
        .lines()
        .find(|l| l.trim_start().starts_with("tls.crt:"))
        .unwrap();
    assert_eq!(
        b64(crt_line.split_once(": ").unwrap().1.trim()),
        std::fs::read_to_string(certs.join("tls.crt")).unwrap()
    );
    for want in [
        "timeoutSeconds: 3",
        "values: [kube-system, bulwark-system]",
        "sideEffects: None",
        "# failurePolicy is what the API server does",
        "kind: MutatingWebhookConfiguration",
        // Namespaces read, and nothing else: Pod Security labels.
        "    resources: [namespaces]\n    verbs: [get, list, watch]\n",
        "--mode, enforce, --watch-namespaces]",
    ] {
        assert!(text.contains(want), "{want}");
    }
    // A second run reuses the CA: the caBundle in the cluster stays valid.
    let again = Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(["admit", "manifests", "--self-signed"])
        .arg(&certs)
        .output()
        .unwrap();
    assert!(String::from_utf8(again.stdout).unwrap().contains(ca_line));
}

/// `admit serve` as a process: ready on HTTPS, then SIGTERM drains and
/// exits 0 (what a kubelet does before it kills the pod).
#[cfg(unix)]
#[test]
fn serve_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let mut s = admit_serve(d, &[]);
    assert!(s.addr.ip().is_loopback());
    assert!(dir.path().join("ca.crt").exists() && dir.path().join("tls.key").exists());
    let pid = i32::try_from(s.child.id()).unwrap();
    // SAFETY: sending a signal to our own child process.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let status = s.child.wait().unwrap();
    let rest: Vec<String> = s.stderr.iter().collect();
    assert!(status.success(), "{status:?} {rest:?}");
    assert!(rest.iter().any(|l| l.contains("draining")), "{rest:?}");
}

#[test]
fn dry_runs_teach_nothing_and_exemptions_admit_unjudged() {
    let ns = baseline_namespace();
    let pod = host_port_pod();
    let mut dry = review_of("dry", &ns, "");
    dry["request"]["dryRun"] = json!(true);
    let a = admit(&[dry, review_of("after", &pod, "shop")], &[]);
    assert_eq!(a[0]["response"]["allowed"], true);
    assert_eq!(
        a[1]["response"]["allowed"], true,
        "a dry-run Namespace was learned: {}",
        a[1]
    );

    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join(".bulwark.yaml");
    std::fs::write(
        &cfg,
        "admission:\n  exempt:\n    namespaces: [ci]\n    groups: [breakglass]\n",
    )
    .unwrap();
    let c = cfg.to_str().unwrap();
    let privileged = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x", "namespace": "ci"},
        "spec": {"containers": [{"name": "a", "image": "a:1", "securityContext": {"privileged": true}}]}});
    let mut elsewhere = privileged.clone();
    elsewhere["metadata"]["namespace"] = json!("shop");
    let mut by_group = review_of("g", &elsewhere, "shop");
    by_group["request"]["userInfo"]["groups"] = json!(["breakglass"]);
    let a = admit(
        &[
            review_of("ci", &privileged, "ci"),
            review_of("shop", &elsewhere, "shop"),
            by_group,
        ],
        &["--config", c],
    );
    assert_eq!(a[0]["response"]["allowed"], true);
    assert_eq!(
        a[0]["response"]["auditAnnotations"]["exempt"],
        "namespace ci"
    );
    assert_eq!(a[1]["response"]["allowed"], false);
    assert_eq!(a[2]["response"]["allowed"], true);
    assert_eq!(
        a[2]["response"]["auditAnnotations"]["exempt"],
        "group breakglass"
    );
}

/// Namespace `shop` enforcing the baseline Pod Security level.
fn baseline_namespace() -> Value {
    json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop",
        "labels": {"pod-security.kubernetes.io/enforce": "baseline"}}})
}

/// A pod in `shop` whose only problem is a host port: medium for bulwark
/// (a warning), forbidden by the baseline level.
fn host_port_pod() -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "shop"},
        "spec": {"containers": [{"name": "app", "image": "registry.example/app:1.2",
            "securityContext": {"allowPrivilegeEscalation": false, "runAsNonRoot": true},
            "ports": [{"containerPort": 80, "hostPort": 8080}]}]}})
}

/// `admit serve` with certificates minted in `certs`, on a free port.
fn admit_serve(certs: &str, extra: &[&str]) -> common::serve::Running {
    let mut args = vec!["admit", "serve", "--no-config", "--listen", "127.0.0.1:0"];
    args.extend(["--self-signed", certs]);
    args.extend_from_slice(extra);
    common::serve::spawn(&args, "bulwark: admission webhook listening on https://")
}

/// `admit serve --watch-namespaces` against a test API server: one running
/// webhook, whose answers follow the cluster's namespace labels.
struct Watching {
    api: TestServer,
    hook: common::serve::Running,
    ca: Vec<u8>,
    _dir: tempfile::TempDir,
}

fn watching(data: ClusterData) -> Watching {
    let dir = tempfile::tempdir().unwrap();
    let api = TestServer::start(data).unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    write_kubeconfig(&kubeconfig, &[api.context("test")]).unwrap();
    let certs = dir.path().join("certs");
    let (kc, cd) = (kubeconfig.to_str().unwrap(), certs.to_str().unwrap());
    let hook = admit_serve(
        cd,
        &[
            "--watch-namespaces",
            "--kubeconfig",
            kc,
            "--namespace-resync",
            "0.2",
        ],
    );
    let ca = std::fs::read(certs.join("ca.crt")).unwrap();
    Watching {
        api,
        hook,
        ca,
        _dir: dir,
    }
}

impl Watching {
    fn get(&self, path: &str) -> (u16, String) {
        common::serve::request(self.hook.addr, &self.ca, "GET", path, b"", None)
    }

    fn validate(&self, review: &Value) -> Value {
        let body = review.to_string();
        let (code, text) = common::serve::request(
            self.hook.addr,
            &self.ca,
            "POST",
            "/validate",
            body.as_bytes(),
            None,
        );
        assert_eq!(code, 200, "{text}");
        serde_json::from_str(&text).unwrap()
    }

    /// Polls until `f` holds (the relist runs every 0.2 s).
    fn eventually(&self, what: &str, f: impl Fn(&Self) -> bool) {
        let until = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while !f(self) {
            assert!(std::time::Instant::now() < until, "never: {what}");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
}

fn cluster_with(namespaces: &[Value]) -> ClusterData {
    let mut data = ClusterData {
        version: "v1.33.1".into(),
        ..Default::default()
    };
    data.extend(namespaces.iter().cloned()).unwrap();
    data
}

#[test]
fn watched_namespace_labels_decide_pod_security_and_follow_relabels() {
    let w = watching(cluster_with(&[baseline_namespace()]));
    w.eventually("ready after the first namespace list", |w| {
        w.get("/readyz").0 == 200
    });
    // The webhook never saw a Namespace request: the labels came from the
    // cluster's list.
    let a = w.validate(&review_of("1", &host_port_pod(), "shop"));
    assert_eq!(a["response"]["allowed"], false, "{a}");
    let msg = a["response"]["status"]["message"].as_str().unwrap();
    assert!(
        msg.contains("violates PodSecurity \"baseline:latest\": hostPort"),
        "{msg}"
    );
    // Relabelled behind the webhook's back (a change it did not see): the
    // next relist lets the pod in, with bulwark's own warning.
    w.api.update(|d| {
        let mut ns = baseline_namespace();
        ns["metadata"]["labels"] = json!({"pod-security.kubernetes.io/enforce": "privileged"});
        d.insert(ns).unwrap();
    });
    w.eventually("admitted after the relabel", |w| {
        w.validate(&review_of("2", &host_port_pod(), "shop"))["response"]["allowed"] == true
    });
    let a = w.validate(&review_of("3", &host_port_pod(), "shop"));
    assert!(
        a["response"]["warnings"].to_string().contains("host-port"),
        "{a}"
    );
    w.api.update(|d| d.insert(baseline_namespace()).unwrap());
    w.eventually("denied again after the relabel back", |w| {
        w.validate(&review_of("4", &host_port_pod(), "shop"))["response"]["allowed"] == false
    });
    // Deleted: forgotten at the next relist, so no level is enforced.
    w.api.update(|d| {
        d.objects.remove(&(String::new(), "namespaces".to_string()));
    });
    w.eventually("admitted once the namespace is gone", |w| {
        w.validate(&review_of("5", &host_port_pod(), "shop"))["response"]["allowed"] == true
    });
}

#[test]
fn an_unlistable_cluster_keeps_the_webhook_unready_with_the_reason() {
    let mut data = cluster_with(&[baseline_namespace()]);
    data.forbid("", "namespaces");
    let w = watching(data);
    w.eventually("the failure is reported", |w| {
        let (code, body) = w.get("/readyz");
        code == 503
            && body.contains("waiting for the first list of namespaces")
            && body.contains("403")
    });
    assert_eq!(w.get("/healthz").0, 200);
    // Said once (before or after the server announced itself), not once
    // per relist.
    std::thread::sleep(std::time::Duration::from_millis(800));
    let mut said = w.hook.before.clone();
    said.extend(w.hook.stderr.try_iter());
    let failures: Vec<&String> = said
        .iter()
        .filter(|l| l.starts_with("bulwark: namespaces not listed:"))
        .collect();
    assert_eq!(failures.len(), 1, "{said:?}");
    assert!(
        failures[0].starts_with(
            "bulwark: namespaces not listed: context test: cannot list namespaces: 403"
        ),
        "{said:?}"
    );
    // Allowed to list again: ready.
    w.api.update(|d| d.forbidden.clear());
    w.eventually("ready once the list works", |w| w.get("/readyz").0 == 200);
}

#[test]
fn namespaces_given_at_start_are_counted_and_other_objects_named() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("ns.yaml");
    std::fs::write(
        &f,
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {pod-security.kubernetes.io/enforce: baseline}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: stray, namespace: shop}\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(["admit", "review", "--no-config", "--namespaces"])
        .arg(&f)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write as _;
            let review = review_of("1", &host_port_pod(), "shop").to_string();
            c.stdin.take().unwrap().write_all(review.as_bytes())?;
            c.wait_with_output()
        })
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("ignored ConfigMap/shop/stray (not a Namespace)"),
        "{err}"
    );
    assert!(err.contains("1 namespaces known at start"), "{err}");
    // The Namespace given decides: baseline forbids the host port.
    assert_eq!(out.status.code(), Some(1), "{err}");
}

/// A constraint's enforcementAction decides at admission: deny rejects
/// (naming the policy's message), warn admits with the message as a
/// warning, as Gatekeeper's webhook does.
#[test]
fn constraint_enforcement_actions_decide_at_admission() {
    let hardened_api = objects(&root().join("examples/hardened/api.yaml"))
        .into_iter()
        .find(|o| o["kind"] == "Deployment")
        .unwrap();
    let review = review_of("p1", &hardened_api, "shop");
    let policy = root().join("examples/policy");
    let deny = admit(
        std::slice::from_ref(&review),
        &["--no-config", "--policy", policy.to_str().unwrap()],
    );
    assert_eq!(deny[0]["response"]["allowed"], false, "{}", deny[0]);
    let msg = deny[0]["response"]["status"]["message"].as_str().unwrap();
    assert!(
        msg.contains("policy:k8srequiredlabels/compliance-label")
            && msg.contains("every workload needs a compliance label"),
        "{msg}"
    );
    // The same constraint with enforcementAction: warn.
    let dir = tempfile::tempdir().unwrap();
    for sub in ["templates", "constraints"] {
        std::fs::create_dir(dir.path().join(sub)).unwrap();
        for e in std::fs::read_dir(policy.join(sub)).unwrap() {
            let e = e.unwrap();
            let text = std::fs::read_to_string(e.path()).unwrap();
            let text = text.replace(
                "spec:\n  match:",
                "spec:\n  enforcementAction: warn\n  match:",
            );
            std::fs::write(dir.path().join(sub).join(e.file_name()), text).unwrap();
        }
    }
    std::fs::copy(
        policy.join("expansion.yaml"),
        dir.path().join("expansion.yaml"),
    )
    .unwrap();
    let warn = admit(
        &[review],
        &["--no-config", "--policy", dir.path().to_str().unwrap()],
    );
    assert_eq!(warn[0]["response"]["allowed"], true, "{}", warn[0]);
    assert!(
        warn[0]["response"]["warnings"]
            .to_string()
            .contains("every workload needs a compliance label"),
        "{}",
        warn[0]
    );
}
