//! `bulwark compliance` end to end, with numbers counted by hand from the
//! example manifests (not snapshots of whatever came out).
//!
//! examples/insecure has 7 objects with a pod template: Deployment api,
//! Deployment frontend, Deployment ingress-nginx-controller, StatefulSet db,
//! CronJob nightly-report (namespace default), DaemonSet win-log-shipper,
//! Deployment kubernetes-dashboard (non-root, RuntimeDefault seccomp, drops
//! ALL, read-only root, no privilege escalation, but automounts its token
//! and skips the Linkerd proxy on 8443); 3 Namespaces (shop, ingress-nginx,
//! kubernetes-dashboard enforcing restricted), 3 ServiceAccounts (api,
//! ingress-nginx, kubernetes-dashboard with automount false), 1 Role, 1
//! ClusterRole (services/status), 1 RoleBinding, 2 ClusterRoleBindings
//! (shop-admins, shop-lb-status), 1 NetworkPolicy, 1 Ingress, 3 ConfigMaps
//! (api-config, nightly-report-config in default, the ingress controller's
//! with old TLS), 2 Services, 1 Secret, 1 PodSecurityPolicy, and the Istio
//! PeerAuthentication, DestinationRule and AuthorizationPolicy.
//!
//! examples/hardened has 4 objects with a pod template: Deployment api,
//! Deployment frontend, StatefulSet db, CronJob nightly-report (all in
//! shop); 1 Namespace (shop, enforce: restricted), 4 ServiceAccounts
//! (report, db, frontend with automount false; api with automount true),
//! 1 Role, 1 RoleBinding, 5 NetworkPolicies, 2 Services, 1 Ingress with TLS.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn examples(sub: &str) -> PathBuf {
    root().join("examples").join(sub)
}

fn bulwark(args: &[&str], paths: &[PathBuf]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(args)
        .arg("--no-config")
        .args(paths)
        .output()
        .expect("run bulwark")
}

fn scores(paths: &[PathBuf], extra: &[&str]) -> Value {
    let mut args = vec!["compliance", "--format", "json"];
    args.extend_from_slice(extra);
    let out = bulwark(&args, paths);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

fn framework<'a>(doc: &'a Value, id: &str) -> &'a Value {
    doc["frameworks"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["id"] == id))
        .unwrap_or_else(|| panic!("no framework {id}"))
}

/// (status, passed, evaluated) of one control.
fn control(doc: &Value, fw: &str, id: &str) -> (String, u64, u64) {
    let c = framework(doc, fw)["controls"]
        .as_array()
        .and_then(|a| a.iter().find(|c| c["id"] == id))
        .unwrap_or_else(|| panic!("no control {fw}:{id}"));
    (
        c["status"].as_str().unwrap_or("").to_string(),
        c["passed"].as_u64().unwrap_or(u64::MAX),
        c["evaluated"].as_u64().unwrap_or(u64::MAX),
    )
}

/// Asserts (framework, control, status, passed, evaluated) for each row.
fn expect(doc: &Value, rows: &[(&str, &str, &str, u64, u64)]) {
    for &(fw, id, status, passed, evaluated) in rows {
        assert_eq!(
            control(doc, fw, id),
            (status.to_string(), passed, evaluated),
            "{fw}:{id}"
        );
    }
}

#[test]
fn insecure_example_scores_per_control() {
    let d = scores(&[examples("insecure")], &[]);

    expect(
        &d,
        &[
            // CIS 5.2.2 privileged containers: of the 7 pod templates only api sets
            // privileged: true.
            ("cis", "5.2.2", "fail", 6, 7),
            // CIS 5.2.3 host PID: host-pid fails api (hostPID: true); the PSS rule
            // pss-baseline-host-namespaces (PID, IPC and network together) also maps
            // here and fails api, frontend (hostNetwork: yes, YAML 1.1 true) and
            // win-log-shipper: 4 of 7 pass.
            ("cis", "5.2.3", "fail", 4, 7),
            // CIS 5.2.1 policy control mechanism: shop and ingress-nginx lack a
            // PSA enforce label (kubernetes-dashboard has one), and the
            // PodSecurityPolicy is present: 4 objects, 1 passes.
            ("cis", "5.2.1", "fail", 1, 4),
            // CIS 5.1.5 default service accounts: 7 pod templates + 3 bindings;
            // the CronJob names `default`, db, frontend and win-log-shipper name
            // none; api, the ingress controller and the dashboard have their
            // own; no binding binds a default account: 6 of 10 pass.
            ("cis", "5.1.5", "fail", 6, 10),
            // CIS 5.1.6 token mounting: 3 ServiceAccounts + 7 pod templates; only
            // the kubernetes-dashboard ServiceAccount sets
            // automountServiceAccountToken: false (its Deployment sets true): 1
            // of 10.
            ("cis", "5.1.6", "fail", 1, 10),
            // CIS 5.1.1 cluster-admin: the RoleBinding (to a `*`/`*`/`*` Role) and
            // shop-admins (cluster-admin to system:authenticated) fail;
            // shop-lb-status binds a narrow ClusterRole: 1 of 3.
            ("cis", "5.1.1", "fail", 1, 3),
            // The risky-grant controls look at the Role, the ClusterRole, the
            // RoleBinding and the two ClusterRoleBindings. The Role's `*` on `*`
            // implies every power in its namespace (the scan reports the
            // wildcards; the score counts what they imply), the RoleBinding
            // binds it, and shop-admins gives everyone cluster-admin; the
            // services/status ClusterRole and its binding grant none of these.
            // CIS 5.1.4 create pods: three of five fail.
            ("cis", "5.1.4", "fail", 2, 5),
            // CIS 5.1.2 secrets: reading them in its own namespace is not
            // flagged (as for any Role), cluster-wide it is: only shop-admins
            // fails.
            ("cis", "5.1.2", "fail", 5, 9),
            // CIS 5.1.10 nodes/proxy: a namespaced Role or RoleBinding cannot
            // grant a cluster-scoped resource: only shop-admins.
            ("cis", "5.1.10", "fail", 4, 5),
            // CIS 5.6.4 default namespace: 7 pod templates and the 13 other
            // namespaced objects object-in-default-namespace judges (2
            // Services, 3 ConfigMaps, 1 Secret, 3 ServiceAccounts, Role,
            // RoleBinding, NetworkPolicy, Ingress); the CronJob and the
            // nightly-report-config ConfigMap are in `default`: 18 of 20.
            ("cis", "5.6.4", "fail", 18, 20),
            // NSA: namespaces (the same rules as CIS 5.6.4); encryption (the
            // Ingress without tls, the ingress controller's ConfigMap with
            // TLSv1, the PeerAuthentication and DestinationRule, the dashboard
            // skipping the Linkerd proxy; the other 2 ConfigMaps and 6 pod
            // templates pass: 8 of 13); immutable file systems (only the
            // dashboard sets readOnlyRootFilesystem); service account tokens
            // (as CIS 5.1.6).
            (
                "nsa",
                "Network separation and hardening: Namespaces",
                "fail",
                18,
                20,
            ),
            (
                "nsa",
                "Network separation and hardening: Encryption",
                "fail",
                8,
                13,
            ),
            (
                "nsa",
                "Kubernetes Pod security: Immutable container file systems",
                "fail",
                1,
                7,
            ),
            (
                "nsa",
                "Kubernetes Pod security: Protecting Pod service account tokens",
                "fail",
                1,
                10,
            ),
            // PSS baseline, decided per pod template (the dashboard passes
            // every baseline and restricted control).
            ("pss", "baseline: Privileged Containers", "fail", 6, 7),
            // Host namespaces: api (hostPID, hostIPC), frontend and win-log-shipper
            // (hostNetwork).
            ("pss", "baseline: Host Namespaces", "fail", 4, 7),
            // HostProcess: win-log-shipper (db sets hostProcess: false, allowed).
            ("pss", "baseline: HostProcess", "fail", 6, 7),
            // Capabilities beyond the baseline set: api (SYS_ADMIN), frontend
            // (NET_RAW, SYS_PTRACE); the ingress controller's NET_BIND_SERVICE is
            // in the set.
            ("pss", "baseline: Capabilities", "fail", 5, 7),
            // Seccomp at baseline forbids only an explicit Unconfined: api.
            ("pss", "baseline: Seccomp", "fail", 6, 7),
            // Restricted requires a profile: only the dashboard sets RuntimeDefault.
            ("pss", "restricted: Seccomp", "fail", 1, 7),
            // Non-root user: the ingress controller and the dashboard pass.
            ("pss", "restricted: Running as Non-root user", "fail", 2, 7),
            // No pod template has host probes or lifecycle hooks.
            (
                "pss",
                "baseline: Host Probes / Lifecycle Hooks",
                "pass",
                7,
                7,
            ),
            // The levels as a whole: only kubernetes-dashboard enforces one.
            ("pss", "baseline", "fail", 1, 3),
        ],
    );

    // The PSS score: the mean over its 21 controls, all evaluated. Eleven
    // fail on one pod of 7 (6/7: HostProcess, Privileged, HostPath, Host
    // Ports, AppArmor, SELinux, /proc, Seccomp, Sysctls, Volume Types,
    // restricted /proc), Host Namespaces 4/7, Capabilities 5/7, Host Probes
    // 7/7, Non-root user 2/7, restricted Capabilities 2/7 (the ingress
    // controller and the dashboard drop ALL), Privilege Escalation, Running
    // as Non-root and restricted Seccomp 1/7 (the dashboard), and the two
    // levels 1/3 (the dashboard's namespace):
    // (66/7 + 4/7 + 5/7 + 7/7 + 2/7 + 2/7 + 3/7 + 2/3) / 21 = 13.381 / 21 = 63.72%.
    assert_eq!(framework(&d, "pss")["score"], 63.72);
    assert_eq!(framework(&d, "pss")["counts"]["pass"], 1);
    assert_eq!(framework(&d, "pss")["counts"]["fail"], 20);
}

#[test]
fn hardened_example_scores_per_control() {
    let d = scores(&[examples("hardened")], &[]);
    expect(
        &d,
        &[
            // CIS 5.1.6: 4 ServiceAccounts + 4 pod templates. The api
            // ServiceAccount sets automountServiceAccountToken: true and the api
            // Deployment does not turn it off; everything else sets false: 6 of 8.
            ("cis", "5.1.6", "fail", 6, 8),
            // CIS 5.2.7 root containers: run-as-user-below-floor (uid < 10000)
            // fails db (999) and frontend (101); api (10001) and the CronJob
            // (10002) pass.
            ("cis", "5.2.7", "fail", 2, 4),
            ("cis", "5.2.2", "pass", 4, 4),
            // 5.2.1: the one Namespace enforces restricted, no PodSecurityPolicy.
            ("cis", "5.2.1", "pass", 1, 1),
            // 5.1.3 wildcards: the one Role names configmaps get/watch.
            ("cis", "5.1.3", "pass", 1, 1),
            // 5.1.2 secrets: that Role and its RoleBinding.
            ("cis", "5.1.2", "pass", 3, 3),
            // 5.3.2: 5 NetworkPolicies + 1 Namespace + 4 pod templates, all pass.
            ("cis", "5.3.2", "pass", 10, 10),
            // NSA network policies: the same 10 objects plus the 2 Services
            // (ClusterIP, no external IPs).
            (
                "nsa",
                "Network separation and hardening: Network policies",
                "pass",
                12,
                12,
            ),
            // Encryption: the Ingress (with tls), the api-config ConfigMap and
            // the 4 pod templates (no Linkerd bypass).
            (
                "nsa",
                "Network separation and hardening: Encryption",
                "pass",
                6,
                6,
            ),
            (
                "nsa",
                "Kubernetes Pod security: Non-root containers and \"rootless\" container engines",
                "fail",
                2,
                4,
            ),
            ("pss", "restricted", "pass", 1, 1),
            ("pss", "restricted: Running as Non-root", "pass", 4, 4),
        ],
    );
    // Every PSS control passes on every pod template: 100%.
    assert_eq!(framework(&d, "pss")["score"], 100.0);
    // CIS: 33 evaluated controls, 31 at 100%, 5.1.6 at 6/8 and 5.2.7 at 2/4:
    // (31 + 0.75 + 0.5) / 33 = 97.73%.
    let cis = framework(&d, "cis");
    assert_eq!(cis["counts"]["pass"], 31);
    assert_eq!(cis["counts"]["fail"], 2);
    assert_eq!(cis["score"], 97.73);
}

#[test]
fn unscanned_manual_and_unimplemented_controls_are_never_a_pass() {
    let d = scores(&[examples("hardened")], &[]);
    expect(
        &d,
        &[
            // No control plane manifest among the examples: the API server checks
            // looked at nothing.
            ("cis", "1.2.1", "not-evaluated", 0, 0),
        ],
    );
    let c = &framework(&d, "cis")["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "1.2.1")
        .unwrap()
        .clone();
    assert_eq!(c["score"], Value::Null);
    // The benchmark says Manual and no rule implements it.
    assert_eq!(control(&d, "cis", "1.1.9").0, "manual");
    // Automated in the benchmark, but a host file mode that `scan` cannot see.
    assert_eq!(control(&d, "cis", "1.1.1").0, "not-implemented");
    let n = &framework(&d, "cis")["counts"];
    assert_eq!(n["manual"], 19);
    assert_eq!(n["not_implemented"], 24);
    assert_eq!(n["controls"], 131);

    // Only RBAC rules selected: the pod controls were not evaluated (a rule
    // that did not run is silent, which is not a pass).
    let d = scores(&[examples("hardened")], &["--category", "rbac"]);
    expect(
        &d,
        &[
            ("cis", "5.2.2", "not-evaluated", 0, 0),
            ("cis", "5.1.3", "pass", 1, 1),
        ],
    );
    assert_eq!(framework(&d, "pss")["score"], Value::Null);
}

#[test]
fn control_plane_and_kubelet_configs_count_per_object() {
    let dir = root().join("crates/bulwark-node/tests/fixtures/scan");
    let files: Vec<PathBuf> = [
        "apiserver-insecure.yaml",
        "apiserver-hardened.yaml",
        "kubelet-insecure.yaml",
        "kubelet-hardened.yaml",
    ]
    .iter()
    .map(|f| dir.join(f))
    .collect();
    let d = scores(&files, &["--framework", "cis"]);
    expect(
        &d,
        &[
            // Two kube-apiserver static Pods: the insecure one sets no
            // --anonymous-auth=false and a --token-auth-file, the hardened one not.
            ("cis", "1.2.1", "fail", 1, 2),
            ("cis", "1.2.2", "fail", 1, 2),
            // Two KubeletConfigurations, one with anonymous auth enabled.
            ("cis", "4.2.1", "fail", 1, 2),
        ],
    );
    // No etcd, scheduler or controller manager among them.
    assert_eq!(control(&d, "cis", "2.1").0, "not-evaluated");
    assert_eq!(control(&d, "cis", "1.4.1").0, "not-evaluated");
}

#[test]
fn gates_exit_1_on_a_low_score_or_a_failing_control_and_2_on_bad_input() {
    let hardened = [examples("hardened")];
    let insecure = [examples("insecure")];
    let code = |args: &[&str], paths: &[PathBuf]| {
        let mut a = vec!["compliance"];
        a.extend_from_slice(args);
        bulwark(&a, paths).status.code()
    };
    // hardened: CIS 97.73, PSS 100.
    assert_eq!(code(&["--fail-on-score", "99"], &hardened), Some(1));
    assert_eq!(
        code(&["--framework", "pss", "--fail-on-score", "100"], &hardened),
        Some(0)
    );
    assert_eq!(
        code(
            &["--framework", "cis", "--fail-on-score", "97.5"],
            &hardened
        ),
        Some(0)
    );
    // A named control that fails, and one that passes.
    assert_eq!(
        code(&["--fail-on-control", "cis:5.2.2"], &insecure),
        Some(1)
    );
    assert_eq!(
        code(&["--fail-on-control", "cis:5.2.2"], &hardened),
        Some(0)
    );
    assert_eq!(
        code(
            &["--fail-on-control", "pss:baseline: Privileged Containers"],
            &insecure
        ),
        Some(1)
    );
    // Not evaluated is not a failure (and not a pass: a warning says so).
    let out = bulwark(&["compliance", "--fail-on-control", "cis:1.2.1"], &hardened);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not-evaluated"));
    // 1.2.1 is a CIS and a PCI DSS id: a bare id must be unambiguous.
    let out = bulwark(&["compliance", "--fail-on-control", "1.2.1"], &hardened);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("ambiguous"));
    assert_eq!(
        code(&["--fail-on-control", "cis:9.9.9"], &hardened),
        Some(2)
    );
    assert_eq!(code(&["--framework", "nist"], &hardened), Some(2));
    assert_eq!(code(&["--fail-on-score", "150"], &hardened), Some(2));

    // An unreadable input wins over everything: exit 2, the scores of the
    // rest still printed.
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("broken.yaml"), "a: [unclosed\n").unwrap();
    let out = bulwark(
        &["compliance", "--format", "json", "--fail-on-score", "99"],
        &[examples("hardened"), tmp.path().to_path_buf()],
    );
    assert_eq!(out.status.code(), Some(2));
    let d: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(d["summary"]["errors"].as_array().map(Vec::len), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("broken.yaml"));
}

#[test]
fn list_names_every_framework_with_version_and_source() {
    let out = Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(["compliance", "--list", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "cis", "nsa", "mitre", "pss", "pci-dss", "soc2", "iso27001", "hipaa"
        ]
    );
    let cis = &v[0];
    assert_eq!(cis["version"], "1.12");
    assert!(cis["source"].as_str().unwrap().contains("kube-bench"));
    assert_eq!(cis["controls"], 131);
}

#[test]
fn prometheus_framework_scores_are_the_compliance_scores() {
    let path = [examples("insecure")];
    let d = scores(&path, &[]);
    let out = bulwark(&["scan", "--format", "prometheus"], &path);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    for fw in d["frameworks"].as_array().unwrap() {
        let id = fw["id"].as_str().unwrap();
        let line = text
            .lines()
            .find(|l| l.starts_with(&format!("bulwark_framework_score{{framework=\"{id}\"}} ")));
        match fw["score"].as_f64() {
            Some(s) => {
                let got: f64 = line
                    .and_then(|l| l.rsplit(' ').next())
                    .and_then(|v| v.parse().ok())
                    .unwrap_or_else(|| panic!("no score series for {id}:\n{text}"));
                assert_eq!(got, s, "{id}");
            }
            None => assert!(line.is_none(), "{id} has no score but a series"),
        }
    }
    // Bounded labels: framework ids and statuses, never a control id.
    assert!(!text.contains("5.2.2"), "{text}");
}

#[test]
fn a_host_benchmark_scores_cis_with_the_node_as_the_one_object() {
    // A host whose only component is a kubelet started with
    // --anonymous-auth=true.
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("proc/10")).unwrap();
    std::fs::write(
        tmp.path().join("proc/10/cmdline"),
        b"kubelet\0--anonymous-auth=true\0",
    )
    .unwrap();
    let root = tmp.path().display().to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(["compliance", "--format", "json", "--node-root", &root])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let d: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(d["frameworks"].as_array().map(Vec::len), Some(1));
    expect(
        &d,
        &[
            // The kubelet's flag, judged on the one node.
            ("cis", "4.2.1", "fail", 0, 1),
            // 4.2.6 make-iptables-util-chains defaults to true.
            ("cis", "4.2.6", "pass", 1, 1),
            // No API server runs on this host: its checks saw nothing.
            ("cis", "1.2.2", "not-evaluated", 0, 0),
        ],
    );
    let gate = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_bulwark"))
            .args(["compliance", "--node-root", &root])
            .args(args)
            .output()
            .unwrap()
            .status
            .code()
    };
    assert_eq!(gate(&["--fail-on-control", "cis:4.2.1"]), Some(1));
    assert_eq!(gate(&["--fail-on-control", "cis:4.2.6"]), Some(0));
    // Only CIS has a host benchmark.
    assert_eq!(gate(&["--framework", "pss"]), Some(2));
    assert_eq!(
        Command::new(env!("CARGO_BIN_EXE_bulwark"))
            .args(["compliance", "--node-root", "/nonexistent/root"])
            .output()
            .unwrap()
            .status
            .code(),
        Some(2)
    );
}

/// `--format json` (of a scan and of a host) matches docs/compliance-schema.json.
#[test]
fn json_output_matches_the_documented_schema() {
    let path = root().join("docs/compliance-schema.json");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("schema")).expect("JSON");
    let validator = jsonschema::draft202012::new(&schema).expect("valid schema");
    let tmp = tempfile::tempdir().unwrap();
    let host = Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(["compliance", "--format", "json", "--node-root"])
        .arg(tmp.path())
        .output()
        .unwrap();
    let docs = [
        scores(&[examples("insecure")], &[]),
        scores(&[examples("hardened")], &["--category", "rbac"]),
        serde_json::from_slice(&host.stdout).expect("JSON"),
    ];
    for d in &docs {
        let errors: Vec<String> = validator.iter_errors(d).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{}", errors.join("\n"));
    }
}
