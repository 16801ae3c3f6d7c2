//! `bulwark cluster scan` and `bulwark cluster snapshot` against the HTTPS
//! test API server (recorded from the repository's examples): the same
//! findings as an offline scan of the snapshot, "not evaluated" and exit 2
//! on a 403, no Secret value in any output, fleets.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use bulwark_cluster::testserver::{
    ClusterData, KubeContext, TestServer, record_dir, write_kubeconfig,
};
use serde_json::{Value, json};

/// A value planted in a served Secret: it must never appear in any output.
const PLANTED: &str = "PLANTED-s3cret-value-7f3a9c";

fn b64(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn recorded(example: &str) -> ClusterData {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(example);
    let (mut data, _) = record_dir(&dir, "v1.33.1").expect("examples load");
    data.insert(json!({
        "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
        "metadata": {"name": "planted", "namespace": "shop", "uid": "planted-uid",
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration":
                format!("{{\"stringData\":{{\"token\":\"{PLANTED}\"}}}}")}},
        "data": {"token": b64(PLANTED)},
    }))
    .expect("served");
    data
}

struct Fx {
    _servers: Vec<TestServer>,
    dir: tempfile::TempDir,
    kubeconfig: PathBuf,
}

fn start(clusters: Vec<(&str, ClusterData)>, dead: &[&str]) -> Fx {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut servers = Vec::new();
    let mut ctxs = Vec::new();
    for (name, data) in clusters {
        let s = TestServer::start(data).expect("server");
        ctxs.push(s.context(name));
        servers.push(s);
    }
    for name in dead {
        // A port nothing listens on (bound, then released).
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("port")
            .port();
        ctxs.push(KubeContext {
            name: name.to_string(),
            server: format!("https://127.0.0.1:{port}"),
            ca_pem: servers.first().map(|s| s.ca_pem.clone()),
            token: "x".into(),
        });
    }
    let kubeconfig = dir.path().join("kubeconfig");
    write_kubeconfig(&kubeconfig, &ctxs).expect("kubeconfig");
    Fx {
        _servers: servers,
        dir,
        kubeconfig,
    }
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn bulwark(args: &[&str]) -> Run {
    let o = Command::cargo_bin("bulwark")
        .expect("binary")
        .args(args)
        .env_remove("KUBECONFIG")
        .env("NO_COLOR", "1")
        .output()
        .expect("runs");
    Run {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// Findings without their location (a cluster object has no file; a
/// snapshot's has the snapshot's line). Node checks also cite where their
/// evidence is (`at FILE:LINE` offline, `at Kind/name` live): that source
/// is cut the same way, everything else of the message must be equal.
fn findings(report: &Value) -> Vec<Value> {
    let mut v: Vec<Value> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let o = &f["object"];
            let display = match o["namespace"].as_str() {
                Some(ns) => format!(
                    "{}/{ns}/{}",
                    o["kind"].as_str().unwrap_or(""),
                    o["name"].as_str().unwrap_or("")
                ),
                None => format!(
                    "{}/{}",
                    o["kind"].as_str().unwrap_or(""),
                    o["name"].as_str().unwrap_or("")
                ),
            };
            let msg = strip_sources(f["message"].as_str().unwrap_or_default(), &display);
            json!([f["rule_id"], f["severity"], f["object"], f["path"], msg])
        })
        .collect();
    v.sort_by_key(|a| a.to_string());
    v
}

fn strip_sources(msg: &str, display: &str) -> String {
    msg.split(' ')
        .map(|tok| {
            let core = tok.trim_end_matches([':', ';', ',']);
            if core.contains(".json:") || core == display {
                format!("<source>{}", &tok[core.len()..])
            } else {
                tok.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn kc(fx: &Fx) -> String {
    fx.kubeconfig.display().to_string()
}

#[test]
fn cluster_scan_and_snapshot_scan_agree_and_never_show_a_secret() {
    let fx = start(vec![("insecure", recorded("insecure"))], &[]);
    let k = kc(&fx);
    let live = bulwark(&[
        "cluster",
        "scan",
        "--kubeconfig",
        &k,
        "--format",
        "json",
        "--no-config",
    ]);
    assert_eq!(live.code, 0, "{}", live.stderr);
    let live_report: Value = serde_json::from_str(&live.stdout).expect("json report");
    assert!(
        live.stderr.contains("cluster insecure (v1.33.1)")
            && live
                .stderr
                .contains("checked against the Kubernetes CVE feed taken 20"),
        "{}",
        live.stderr
    );

    let snap = fx.dir.path().join("snap.json");
    let s = bulwark(&[
        "cluster",
        "snapshot",
        "--kubeconfig",
        &k,
        "-o",
        &snap.display().to_string(),
    ]);
    assert_eq!(s.code, 0, "{}", s.stderr);
    let offline = bulwark(&[
        "scan",
        &snap.display().to_string(),
        "--format",
        "json",
        "--no-config",
    ]);
    assert_eq!(offline.code, 0, "{}", offline.stderr);
    let offline_report: Value = serde_json::from_str(&offline.stdout).expect("json report");

    // `cluster scan --snapshot` writes the same snapshot in the same pass.
    let snap2 = fx.dir.path().join("snap2.json");
    let r = bulwark(&[
        "cluster",
        "scan",
        "--kubeconfig",
        &k,
        "--no-config",
        "--format",
        "json",
        "--snapshot",
        &snap2.display().to_string(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        std::fs::read_to_string(&snap).expect("snapshot"),
        std::fs::read_to_string(&snap2).expect("snapshot")
    );
    let (a, b) = (findings(&live_report), findings(&offline_report));
    assert!(
        a.len() > 20,
        "the insecure examples should fire many rules: {}",
        a.len()
    );
    let only_live: Vec<_> = a.iter().filter(|x| !b.contains(x)).collect();
    let only_offline: Vec<_> = b.iter().filter(|x| !a.contains(x)).collect();
    assert!(
        only_live.is_empty() && only_offline.is_empty() && a.len() == b.len(),
        "cluster scan and snapshot scan differ:\nonly live: {only_live:#?}\nonly offline: {only_offline:#?}"
    );
    assert_eq!(
        live_report["summary"]["objects"], offline_report["summary"]["objects"],
        "the same objects were analysed"
    );
    // Rules from each analyzer family fired on live objects.
    let rules: Vec<&str> = live_report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["rule_id"].as_str())
        .collect();
    for want in ["privileged-container", "credential-in-env"] {
        assert!(rules.contains(&want), "{want} missing from {rules:?}");
    }
    assert!(
        rules.iter().any(|r| r.starts_with("pss-")),
        "no PSS finding"
    );
    assert!(
        rules.iter().any(|r| r.starts_with("rbac-")),
        "no RBAC finding"
    );
    // The server's /version is checked against the CVE feed, live and
    // offline alike (it travels in the snapshot as a ServerVersion).
    for report in [&live_report, &offline_report] {
        let on_version: Vec<&Value> = report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter(|f| f["rule_id"] == "kubernetes-known-cve")
            .filter(|f| f["object"]["kind"] == "ServerVersion")
            .collect();
        assert!(
            !on_version.is_empty(),
            "no CVE finding on the server version"
        );
        for f in on_version {
            let m = f["message"].as_str().unwrap_or("");
            assert!(
                m.contains("v1.33.1") && m.contains("Kubernetes CVE feed taken 20"),
                "{m}"
            );
        }
    }
    // Owned pods are reported on their workload, not again.
    assert!(
        !live_report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .any(|f| f["object"]["kind"] == "Pod" || f["object"]["kind"] == "ReplicaSet")
    );

    // Every output format, and the snapshot: no Secret value anywhere.
    let mut outputs = vec![
        live.stdout,
        live.stderr,
        s.stdout,
        s.stderr,
        offline.stdout,
        offline.stderr,
        std::fs::read_to_string(&snap).expect("snapshot"),
    ];
    for f in ["table", "sarif", "junit"] {
        let r = bulwark(&[
            "cluster",
            "scan",
            "--kubeconfig",
            &k,
            "--format",
            f,
            "--no-config",
        ]);
        outputs.push(r.stdout);
        outputs.push(r.stderr);
    }
    let snapshot: Value = serde_json::from_str(&outputs[6]).expect("snapshot json");
    assert_eq!(snapshot["kind"], "List");
    let planted = snapshot["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["metadata"]["name"] == "planted")
        .expect("the planted Secret is in the snapshot, as metadata");
    assert_eq!(planted["data"], json!({"token": ""}));
    for o in &outputs {
        for secret in [PLANTED, &b64(PLANTED), &b64("s3cr3t-Passw0rd!")] {
            assert!(!o.contains(secret), "a Secret value leaked:\n{o}");
        }
    }
}

/// `cluster scan --format json` of a cluster with gaps: exit 2 and the
/// report's input errors.
fn gaps(kubeconfig: &str) -> Vec<Value> {
    let r = bulwark(&[
        "cluster",
        "scan",
        "--kubeconfig",
        kubeconfig,
        "--format",
        "json",
        "--no-config",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let report: Value = serde_json::from_str(&r.stdout).expect("json");
    report["summary"]["errors"]
        .as_array()
        .expect("errors")
        .clone()
}

/// Nodes and webhook configurations that cannot be listed leave the CVE
/// check (kubelet versions) and the fail-open webhook rule unevaluated.
#[test]
fn forbidden_nodes_and_webhooks_name_the_rules_they_leave_unevaluated() {
    let mut data = recorded("insecure");
    data.forbid("", "nodes");
    data.forbid(
        "admissionregistration.k8s.io",
        "validatingwebhookconfigurations",
    );
    let fx = start(vec![("insecure", data)], &[]);
    let k = kc(&fx);
    let errors = gaps(&k);
    let gap = |resource: &str| -> String {
        errors
            .iter()
            .find(|e| e["file"].as_str().is_some_and(|f| f.ends_with(resource)))
            .and_then(|e| e["message"].as_str())
            .unwrap_or_else(|| panic!("{resource} not reported: {errors:#?}"))
            .to_string()
    };
    let nodes = gap(": nodes");
    assert!(
        nodes.contains("kubernetes-known-cve") && nodes.contains("kubelet-anonymous-auth"),
        "{nodes}"
    );
    let hooks = gap(": validatingwebhookconfigurations.admissionregistration.k8s.io");
    assert!(hooks.contains("webhook-fails-open"), "{hooks}");
}

#[test]
fn forbidden_rolebindings_are_not_evaluated_and_exit_2() {
    let mut data = recorded("insecure");
    data.forbid("rbac.authorization.k8s.io", "rolebindings");
    let fx = start(vec![("insecure", data)], &[]);
    let k = kc(&fx);
    let errors = gaps(&k);
    let rb = errors
        .iter()
        .find(|e| {
            e["file"]
                .as_str()
                .is_some_and(|f| f.contains("rolebindings.rbac.authorization.k8s.io"))
        })
        .expect("rolebindings reported");
    let msg = rb["message"].as_str().expect("message");
    assert!(msg.starts_with("not evaluated: 403 Forbidden"), "{msg}");
    assert!(
        msg.contains("not evaluated (not passed): ") && msg.contains("rbac-"),
        "{msg}"
    );
    let table = bulwark(&["cluster", "scan", "--kubeconfig", &k, "--no-config"]);
    assert_eq!(table.code, 2);
    assert!(table.stdout.contains("not evaluated"), "{}", table.stdout);
    assert!(table.stderr.contains("NOT EVALUATED"), "{}", table.stderr);
    let ok = bulwark(&[
        "cluster",
        "scan",
        "--kubeconfig",
        &k,
        "--no-config",
        "--allow-partial",
    ]);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    assert!(ok.stdout.contains("not evaluated"));
}

#[test]
fn typos_are_errors_not_empty_passes() {
    let fx = start(vec![("insecure", recorded("insecure"))], &[]);
    let k = kc(&fx);
    let r = bulwark(&[
        "cluster",
        "scan",
        "--kubeconfig",
        &k,
        "--context",
        "insecrue",
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("did you mean \"insecure\""),
        "{}",
        r.stderr
    );
    let r = bulwark(&["cluster", "scan", "--kubeconfig", &k, "-n", "shpo"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("namespace \"shpo\" does not exist"),
        "{}",
        r.stderr
    );
    let r = bulwark(&[
        "cluster",
        "scan",
        "--kubeconfig",
        &k,
        "-n",
        "shop",
        "--no-config",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn a_fleet_scans_concurrently_and_reports_the_unreachable() {
    let fx = start(
        vec![
            ("insecure", recorded("insecure")),
            ("hardened", recorded("hardened")),
        ],
        &["gone"],
    );
    let k = kc(&fx);
    let r = bulwark(&[
        "cluster",
        "scan",
        "--kubeconfig",
        &k,
        "--all-contexts",
        "--format",
        "json",
        "--no-config",
        "--request-timeout",
        "5",
    ]);
    assert_eq!(
        r.code, 2,
        "an unreachable cluster makes the scan incomplete: {}",
        r.stderr
    );
    let v: Value = serde_json::from_str(&r.stdout).expect("json");
    let clusters = v["clusters"].as_array().expect("clusters");
    let ctx: Vec<&str> = clusters
        .iter()
        .filter_map(|c| c["context"].as_str())
        .collect();
    assert_eq!(ctx, ["insecure", "hardened", "gone"]);
    let n = |i: usize| {
        clusters[i]["report"]["findings"]
            .as_array()
            .map_or(0, Vec::len)
    };
    assert!(n(0) > n(1), "insecure {} vs hardened {}", n(0), n(1));
    assert!(
        clusters[2]["error"]
            .as_str()
            .is_some_and(|e| e.contains("cannot reach"))
    );
    assert_eq!(v["summary"]["scanned"], 2);
    assert_eq!(v["summary"]["unreachable"], 1);
    let t = bulwark(&[
        "cluster",
        "scan",
        "--kubeconfig",
        &k,
        "--all-contexts",
        "--no-config",
        "--request-timeout",
        "5",
    ]);
    assert!(t.stdout.contains("== cluster insecure") && t.stdout.contains("== cluster hardened"));
    assert!(
        t.stdout
            .contains("Fleet: 2 cluster(s) scanned, 1 not reachable"),
        "{}",
        t.stdout
    );
}

/// The rules of the `bulwark-scanner` ClusterRole in deploy/rbac.yaml.
fn minimal_role() -> Vec<Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/rbac.yaml");
    let loaded = bulwark_load::load_paths(&[path], &Default::default());
    assert!(
        loaded.summary.errors.is_empty(),
        "{:?}",
        loaded.summary.errors
    );
    let role = loaded
        .resources
        .iter()
        .find(|r| r.kind() == "ClusterRole" && r.id.name == "bulwark-scanner")
        .expect("the ClusterRole");
    role.value["rules"].as_array().expect("rules").clone()
}

fn grants(rules: &[Value], group: &str, resource: &str, verb: &str) -> bool {
    let has = |v: &Value, x: &str| v.as_array().is_some_and(|a| a.iter().any(|s| s == x));
    rules.iter().any(|r| {
        has(&r["apiGroups"], group) && has(&r["resources"], resource) && has(&r["verbs"], verb)
    })
}

#[test]
fn the_minimal_role_is_read_only_and_enough_with_its_flags() {
    let rules = minimal_role();
    for r in &rules {
        for v in r["verbs"].as_array().expect("verbs") {
            assert!(v == "get" || v == "list", "not read-only: {v}");
        }
        let text = r.to_string();
        assert!(!text.contains("\"*\""), "wildcard in {text}");
        assert!(
            !text.contains("secrets") && !text.contains("nodes/proxy"),
            "{text}"
        );
    }
    // The test server enforces the role: everything it does not grant is 403.
    let mut data = recorded("insecure");
    for r in bulwark_cluster::testserver::RESOURCES {
        if !grants(&rules, r.group, r.plural, "list") {
            data.forbid(r.group, r.plural);
        }
    }
    if !grants(&rules, "", "nodes/proxy", "get") {
        data.forbid("", "nodes/proxy");
    }
    // And the scanner lists nothing the role leaves out but Secrets.
    for k in bulwark_cluster::kinds::KINDS {
        assert!(
            k.is_secret() || grants(&rules, k.group, k.plural, "list"),
            "the role does not grant list on {}",
            k.resource()
        );
    }
    let fx = start(vec![("insecure", data)], &[]);
    let k = kc(&fx);
    let r = bulwark(&[
        "cluster",
        "scan",
        "--kubeconfig",
        &k,
        "--format",
        "json",
        "--no-config",
    ]);
    assert_eq!(
        r.code, 2,
        "Secrets and configz are not granted: {}",
        r.stderr
    );
    let r = bulwark(&[
        "cluster",
        "scan",
        "--kubeconfig",
        &k,
        "--format",
        "json",
        "--no-config",
        "--secrets",
        "skip",
        "--no-configz",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(v["summary"]["errors"], json!([]));
    assert_eq!(v["summary"]["skipped"].as_array().map(Vec::len), Some(2));
    // bulwark's own RBAC rules find nothing to say about the role.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/rbac.yaml");
    let r = bulwark(&[
        "scan",
        &path.display().to_string(),
        "--format",
        "json",
        "--no-config",
    ]);
    let v: Value = serde_json::from_str(&r.stdout).expect("json");
    let rbac: Vec<&Value> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| {
            f["rule_id"]
                .as_str()
                .is_some_and(|id| id.starts_with("rbac-"))
        })
        .collect();
    assert!(rbac.is_empty(), "{rbac:#?}");
}

#[test]
fn static_control_plane_pods_are_checked_not_folded_into_their_node() {
    let mut data = recorded("hardened");
    let node_uid = data.of("", "nodes")[0]["metadata"]["uid"].clone();
    // A mirror pod, as the kubelet creates it for a static pod: its owner
    // (and controller) is the Node.
    data.insert(json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "kube-apiserver-node-1", "namespace": "kube-system",
            "uid": "mirror-uid", "labels": {"component": "kube-apiserver", "tier": "control-plane"},
            "ownerReferences": [{"apiVersion": "v1", "kind": "Node", "name": "node-1",
                "uid": node_uid, "controller": true}]},
        "spec": {"nodeName": "node-1", "hostNetwork": true, "containers": [{
            "name": "kube-apiserver", "image": "registry.k8s.io/kube-apiserver:v1.33.1",
            "command": ["kube-apiserver", "--anonymous-auth=true",
                "--authorization-mode=AlwaysAllow", "--profiling=true"]}]},
    }))
    .expect("served");
    let fx = start(vec![("hardened", data)], &[]);
    let r = bulwark(&[
        "cluster",
        "scan",
        "--kubeconfig",
        &kc(&fx),
        "--format",
        "json",
        "--no-config",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("json");
    let on_apiserver: Vec<&str> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["object"]["name"] == "kube-apiserver-node-1")
        .filter_map(|f| f["rule_id"].as_str())
        .collect();
    for want in [
        "apiserver-anonymous-auth",
        "apiserver-authorization-always-allow",
    ] {
        assert!(
            on_apiserver.contains(&want),
            "{want} missing: {on_apiserver:?}"
        );
    }
}

#[test]
fn every_category_a_gap_names_is_a_real_rule_category() {
    let r = bulwark(&["rules", "--format", "json"]);
    let rules: Value = serde_json::from_str(&r.stdout).expect("json");
    let categories: std::collections::BTreeSet<&str> = rules
        .as_array()
        .expect("rules")
        .iter()
        .filter_map(|r| r["category"].as_str())
        .collect();
    let kinds = bulwark_cluster::kinds::KINDS
        .iter()
        .map(|k| k.kind)
        .chain(["KubeletConfiguration"]);
    for kind in kinds {
        for c in bulwark_cluster::kinds::dependent_categories(kind) {
            assert!(categories.contains(c), "{kind}: no rule has category {c}");
        }
    }
}

#[test]
fn policies_give_the_same_verdict_live_and_from_files() {
    let fx = start(vec![("insecure", recorded("insecure"))], &[]);
    let k = kc(&fx);
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let policy = examples.join("policy").display().to_string();
    let rules =
        "policy:k8sallowedrepos/approved-registries,policy:k8srequiredlabels/compliance-label";
    let with_policy = |source: &[&str]| {
        let tail = [
            "--no-config",
            "--policy",
            &policy,
            "--rule",
            rules,
            "--format",
            "json",
        ];
        let run = bulwark(&[source, &tail[..]].concat());
        assert_eq!(run.code, 0, "{}", run.stderr);
        findings(&serde_json::from_str(&run.stdout).expect("json report"))
    };
    let live = with_policy(&["cluster", "scan", "--kubeconfig", &k]);
    let insecure = examples.join("insecure").display().to_string();
    let files = with_policy(&["scan", &insecure]);
    // As policy_cli.rs counts them: 9 images outside the allowed repos and
    // 7 workloads without a compliance label.
    assert_eq!(live.len(), 16, "{live:#?}");
    assert_eq!(live, files);
}

/// `cluster scan` and `cluster snapshot` with stdout on `/dev/full`: a
/// message and exit 2, never a panic (the other commands are in
/// `hardening_cli.rs`).
#[cfg(unix)]
#[test]
fn cluster_commands_on_a_full_disk_exit_2() {
    if !Path::new("/dev/full").exists() {
        eprintln!("skipped: /dev/full not found");
        return;
    }
    let fx = start(vec![("insecure", recorded("insecure"))], &[]);
    let k = kc(&fx);
    for args in [
        vec!["cluster", "scan", "--kubeconfig", &k, "--no-config"],
        vec![
            "cluster",
            "scan",
            "--kubeconfig",
            &k,
            "--no-config",
            "--format",
            "json",
        ],
        vec!["cluster", "snapshot", "--kubeconfig", &k],
    ] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full");
        let o = std::process::Command::new(assert_cmd::cargo::cargo_bin("bulwark"))
            .args(&args)
            .env_remove("KUBECONFIG")
            .stdout(full)
            .output()
            .expect("runs");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(err.contains("No space left on device"), "{args:?}: {err}");
    }
}
