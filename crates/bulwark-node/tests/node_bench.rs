//! `bulwark node` acceptance: host trees built here (fake /proc,
//! /etc/kubernetes, /var/lib/kubelet, PKI with certificates generated at
//! test time, modes and owners set by the test) for a hardened kubeadm
//! control-plane node, an insecure one, a worker, a k3s server, and a tree
//! with files removed.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use bulwark_node::Status;
use bulwark_node::bench::{BenchReport, CIS_1_12, CheckResult};
use bulwark_node::distro::Distro;
use common::{ETCD, KUBE, ROOT, Tree, args, cert, static_pod};

fn by_id(r: &BenchReport) -> BTreeMap<&'static str, &CheckResult> {
    r.results().map(|c| (c.id, c)).collect()
}

fn show(c: &CheckResult) -> String {
    format!(
        "{} {} {}\n    {}",
        c.id,
        c.status.as_str(),
        c.title,
        c.evidence.join("\n    ")
    )
}

const CIPHERS: &str = "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384";

fn apiserver_args(secure: bool) -> Vec<String> {
    if secure {
        args(&[
            "kube-apiserver",
            "--advertise-address=10.0.0.10",
            "--anonymous-auth=false",
            "--authorization-mode=Node,RBAC",
            "--client-ca-file=/etc/kubernetes/pki/ca.crt",
            "--enable-admission-plugins=NodeRestriction,EventRateLimit,AlwaysPullImages,DenyServiceExternalIPs",
            "--admission-control-config-file=/etc/kubernetes/admission.yaml",
            "--etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt",
            "--etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt",
            "--etcd-keyfile=/etc/kubernetes/pki/apiserver-etcd-client.key",
            "--etcd-servers=https://127.0.0.1:2379",
            "--kubelet-client-certificate=/etc/kubernetes/pki/apiserver-kubelet-client.crt",
            "--kubelet-client-key=/etc/kubernetes/pki/apiserver-kubelet-client.key",
            "--kubelet-certificate-authority=/etc/kubernetes/pki/ca.crt",
            "--profiling=false",
            "--audit-log-path=/var/log/kubernetes/audit/audit.log",
            "--audit-log-maxage=30",
            "--audit-log-maxbackup=10",
            "--audit-log-maxsize=100",
            "--audit-policy-file=/etc/kubernetes/audit-policy.yaml",
            "--request-timeout=300s",
            "--service-account-key-file=/etc/kubernetes/pki/sa.pub",
            "--service-account-signing-key-file=/etc/kubernetes/pki/sa.key",
            "--service-account-extend-token-expiration=false",
            "--tls-cert-file=/etc/kubernetes/pki/apiserver.crt",
            "--tls-private-key-file=/etc/kubernetes/pki/apiserver.key",
            &format!("--tls-cipher-suites={CIPHERS}"),
            "--encryption-provider-config=/etc/kubernetes/enc/encryption-config.yaml",
        ])
    } else {
        args(&[
            "kube-apiserver",
            "--etcd-servers=http://127.0.0.1:2379",
            "--token-auth-file=/etc/kubernetes/tokens.csv",
            "--authorization-mode=AlwaysAllow",
            "--enable-admission-plugins=AlwaysAdmit",
            "--disable-admission-plugins=ServiceAccount,NamespaceLifecycle",
            "--audit-log-maxage=7",
            "--audit-log-maxbackup=2",
            "--audit-log-maxsize=10",
            "--service-account-lookup=false",
            "--tls-cipher-suites=TLS_RSA_WITH_RC4_128_SHA",
            "--audit-policy-file=/etc/kubernetes/audit-policy.yaml",
        ])
    }
}

fn controller_manager_args(secure: bool) -> Vec<String> {
    if secure {
        args(&[
            "kube-controller-manager",
            "--bind-address=127.0.0.1",
            "--kubeconfig=/etc/kubernetes/controller-manager.conf",
            "--profiling=false",
            "--root-ca-file=/etc/kubernetes/pki/ca.crt",
            "--service-account-private-key-file=/etc/kubernetes/pki/sa.key",
            "--terminated-pod-gc-threshold=10",
            "--use-service-account-credentials=true",
        ])
    } else {
        args(&[
            "kube-controller-manager",
            "--kubeconfig=/etc/kubernetes/controller-manager.conf",
            "--feature-gates=RotateKubeletServerCertificate=false",
        ])
    }
}

fn scheduler_args(secure: bool) -> Vec<String> {
    let mut a = args(&[
        "kube-scheduler",
        "--kubeconfig=/etc/kubernetes/scheduler.conf",
    ]);
    if secure {
        a.extend(args(&["--bind-address=127.0.0.1", "--profiling=false"]));
    } else {
        a.push("--bind-address=0.0.0.0".into());
    }
    a
}

fn etcd_args(secure: bool) -> Vec<String> {
    if secure {
        args(&[
            "etcd",
            "--data-dir=/var/lib/etcd",
            "--cert-file=/etc/kubernetes/pki/etcd/server.crt",
            "--key-file=/etc/kubernetes/pki/etcd/server.key",
            "--client-cert-auth=true",
            "--trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt",
            "--peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt",
            "--peer-key-file=/etc/kubernetes/pki/etcd/peer.key",
            "--peer-client-cert-auth=true",
            "--peer-trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt",
        ])
    } else {
        args(&[
            "etcd",
            "--data-dir=/var/lib/etcd",
            "--auto-tls=true",
            "--peer-auto-tls=true",
            "--trusted-ca-file=/etc/kubernetes/pki/ca.crt",
        ])
    }
}

const KUBELET_SECURE: &str = "apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  anonymous:
    enabled: false
  webhook:
    enabled: true
  x509:
    clientCAFile: /etc/kubernetes/pki/ca.crt
authorization:
  mode: Webhook
readOnlyPort: 0
streamingConnectionIdleTimeout: 5m
makeIPTablesUtilChains: true
eventRecordQPS: 50
rotateCertificates: true
serverTLSBootstrap: true
protectKernelDefaults: true
podPidsLimit: 4096
seccompDefault: true
tlsCipherSuites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]
";

const KUBELET_INSECURE: &str = "apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  anonymous:
    enabled: true
  webhook:
    enabled: false
authorization:
  mode: AlwaysAllow
readOnlyPort: 10255
streamingConnectionIdleTimeout: 0
makeIPTablesUtilChains: false
eventRecordQPS: -1
rotateCertificates: false
featureGates:
  RotateKubeletServerCertificate: false
tlsCipherSuites: [TLS_RSA_WITH_AES_128_CBC_SHA]
";

const ENC_SECURE: &str = "apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets]
  providers:
  - kms: {apiVersion: v2, name: vault, endpoint: unix:///var/run/kms.sock}
  - identity: {}
";
const ENC_INSECURE: &str = "apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets]
  providers:
  - identity: {}
  - aescbc: {keys: [{name: k1, secret: c2VjcmV0IGlzIHNlY3VyZSwgb3IgaXMgaXQ/Cg==}]}
";
const AUDIT_SECURE: &str = "apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: Metadata
  resources:
  - {group: \"\", resources: [secrets, configmaps]}
  - {group: authentication.k8s.io, resources: [tokenreviews]}
- level: RequestResponse
  verbs: [create, update, patch, delete]
  resources: [{group: rbac.authorization.k8s.io}]
- level: Metadata
";
const AUDIT_INSECURE: &str = "apiVersion: audit.k8s.io/v1
kind: Policy
rules: []
";
const KUBECONFIG: &str = "apiVersion: v1
kind: Config
clusters:
- name: k
  cluster: {server: https://10.0.0.10:6443}
users:
- name: u
  user: {client-certificate: /etc/kubernetes/pki/u.crt, client-key: /etc/kubernetes/pki/u.key}
";

/// A kubeadm control-plane node: processes, manifests, kubeconfigs, PKI,
/// kubelet, kube-proxy, etcd data, CNI config, encryption and audit config.
fn kubeadm_control_plane(secure: bool) -> Tree {
    let t = Tree::new();
    // A file mode that is too open where the insecure tree is built to fail.
    let m = |good: u32, bad: u32| if secure { good } else { bad };
    let who = if secure { ROOT } else { KUBE };
    let comps = [
        (
            "kube-apiserver",
            "registry.k8s.io/kube-apiserver:v1.32.0",
            apiserver_args(secure),
            100,
        ),
        (
            "kube-controller-manager",
            "registry.k8s.io/kube-controller-manager:v1.32.0",
            controller_manager_args(secure),
            101,
        ),
        (
            "kube-scheduler",
            "registry.k8s.io/kube-scheduler:v1.32.0",
            scheduler_args(secure),
            102,
        ),
        (
            "etcd",
            "registry.k8s.io/etcd:3.5.16-0",
            etcd_args(secure),
            103,
        ),
    ];
    t.dir("/etc/kubernetes/manifests", 0o755, ROOT);
    for (name, image, argv, pid) in &comps {
        t.process(*pid, argv);
        t.file(
            &format!("/etc/kubernetes/manifests/{name}.yaml"),
            &static_pod(name, image, argv),
            m(0o600, 0o644),
            who,
        );
    }
    let mut kubelet = args(&[
        "/usr/bin/kubelet",
        "--config=/var/lib/kubelet/config.yaml",
        "--kubeconfig=/etc/kubernetes/kubelet.conf",
        "--container-runtime-endpoint=unix:///run/containerd/containerd.sock",
    ]);
    if !secure {
        kubelet.push("--hostname-override=node-a".into());
    }
    t.process(104, &kubelet);
    let proxy_bind = if secure {
        "127.0.0.1:10249"
    } else {
        "0.0.0.0:10249"
    };
    t.process(
        105,
        &args(&[
            "/usr/local/bin/kube-proxy",
            "--kubeconfig=/var/lib/kube-proxy/kubeconfig.conf",
            &format!("--metrics-bind-address={proxy_bind}"),
        ]),
    );
    t.process(1, &args(&["/sbin/init"]));
    for f in [
        "admin.conf",
        "super-admin.conf",
        "scheduler.conf",
        "controller-manager.conf",
        "kubelet.conf",
    ] {
        t.file(
            &format!("/etc/kubernetes/{f}"),
            KUBECONFIG,
            m(0o600, 0o644),
            who,
        );
    }
    t.file(
        "/var/lib/kube-proxy/kubeconfig.conf",
        KUBECONFIG,
        m(0o600, 0o666),
        who,
    );
    t.file(
        "/etc/kubernetes/enc/encryption-config.yaml",
        if secure { ENC_SECURE } else { ENC_INSECURE },
        0o600,
        ROOT,
    );
    t.file(
        "/etc/kubernetes/audit-policy.yaml",
        if secure { AUDIT_SECURE } else { AUDIT_INSECURE },
        0o600,
        ROOT,
    );
    t.file(
        "/var/lib/kubelet/config.yaml",
        if secure {
            KUBELET_SECURE
        } else {
            KUBELET_INSECURE
        },
        m(0o600, 0o644),
        who,
    );
    t.file(
        "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
        "[Service]\nEnvironment=\"KUBELET_KUBECONFIG_ARGS=--kubeconfig=/etc/kubernetes/kubelet.conf\"\nExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS\n",
        m(0o600, 0o644),
        who,
    );
    t.dir(
        "/var/lib/etcd",
        m(0o700, 0o755),
        if secure { ETCD } else { ROOT },
    );
    t.file(
        "/var/lib/etcd/member/snap/db",
        "",
        0o600,
        if secure { ETCD } else { ROOT },
    );
    t.file(
        "/etc/cni/net.d/10-calico.conflist",
        "{\"name\": \"k8s-pod-network\"}\n",
        m(0o600, 0o644),
        who,
    );
    // PKI: a cluster CA and a separate etcd CA, leaf certificates and keys.
    t.dir("/etc/kubernetes/pki", 0o755, who);
    t.dir("/etc/kubernetes/pki/etcd", 0o755, ROOT);
    let (ca, ca_key) = cert("kubernetes", true);
    let (etcd_ca, etcd_ca_key) = cert("etcd-ca", true);
    t.file("/etc/kubernetes/pki/ca.crt", &ca, m(0o644, 0o666), who);
    t.file("/etc/kubernetes/pki/ca.key", &ca_key, m(0o600, 0o644), ROOT);
    t.file("/etc/kubernetes/pki/etcd/ca.crt", &etcd_ca, 0o644, ROOT);
    t.file("/etc/kubernetes/pki/etcd/ca.key", &etcd_ca_key, 0o600, ROOT);
    for leaf in [
        "apiserver",
        "apiserver-kubelet-client",
        "apiserver-etcd-client",
        "etcd/server",
        "etcd/peer",
    ] {
        let (c, k) = cert(leaf, false);
        t.file(&format!("/etc/kubernetes/pki/{leaf}.crt"), &c, 0o644, ROOT);
        t.file(&format!("/etc/kubernetes/pki/{leaf}.key"), &k, 0o600, ROOT);
    }
    if !secure {
        // Built to fail the certificate checks: expired, a 30-year CA, and
        // (rcgen makes neither) a SHA-1 / RSA-1024 certificate from openssl.
        let y = common::this_year();
        let (old, _) = common::cert_valid("front-proxy-client", false, (y - 3, 1), (y - 1, 1));
        t.file(
            "/etc/kubernetes/pki/front-proxy-client.crt",
            &old,
            0o644,
            ROOT,
        );
        let (long, _) = common::cert_valid("front-proxy-ca", true, (y - 1, 1), (y + 29, 1));
        t.file("/etc/kubernetes/pki/front-proxy-ca.crt", &long, 0o644, ROOT);
        let weak = include_str!("fixtures/pki/weak-sha1-rsa1024.crt");
        t.file("/etc/kubernetes/pki/legacy.crt", weak, 0o644, ROOT);
    }
    let (_, sa) = cert("sa", false);
    t.file("/etc/kubernetes/pki/sa.key", &sa, 0o600, ROOT);
    t.file(
        "/etc/kubernetes/pki/sa.pub",
        "-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n",
        0o644,
        ROOT,
    );
    t
}

#[test]
fn hardened_control_plane_passes_every_automated_check() {
    let t = kubeadm_control_plane(true);
    let r = t.run(None);
    assert_eq!(r.distro, Distro::Kubeadm, "{}", r.distro_reason);
    let bad: Vec<String> = r
        .results()
        .filter(|c| c.automated && c.status != Status::Pass)
        .filter(|c| t.can_chown || c.id != "1.1.12")
        .map(show)
        .collect();
    assert!(
        bad.is_empty(),
        "automated checks that did not pass:\n{}",
        bad.join("\n")
    );
    // Advisory checks this tree satisfies pass too (the plugins are on).
    let ids = by_id(&r);
    for id in ["1.2.3", "1.2.9", "1.2.11", "1.2.20", "1.3.1"] {
        assert_eq!(ids[id].status, Status::Pass, "{}", show(ids[id]));
    }
    // Evidence names the flag, its value and where it was seen.
    assert!(
        ids["1.2.1"].evidence[0].contains("--anonymous-auth=false at /proc/100/cmdline"),
        "{}",
        show(ids["1.2.1"])
    );
    assert!(
        ids["1.1.1"].evidence[0].contains("mode 0600, owner root:root"),
        "{}",
        show(ids["1.1.1"])
    );
    assert!(
        ids["4.2.1"].evidence[0].contains("/var/lib/kubelet/config.yaml:5"),
        "{}",
        show(ids["4.2.1"])
    );
    // Section 5 is mapped to the scan rules, never decided here.
    assert_eq!(ids["5.2.2"].status, Status::Warn);
    assert!(
        ids["5.2.2"]
            .evidence
            .iter()
            .any(|e| e.contains("covered by `bulwark scan` rule privileged-container"))
    );
}

#[test]
fn insecure_control_plane_fails_each_check_it_is_built_to_fail() {
    let t = kubeadm_control_plane(false);
    let r = t.run(None);
    let ids = by_id(&r);
    // Built to fail every automated check, except those whose insecure form
    // this tree does not model (listed with the reason).
    let not_built: BTreeMap<&str, &str> = [("1.1.12", "owners need chown (root)")]
        .into_iter()
        .filter(|(id, _)| !t.can_chown || *id != "1.1.12")
        .collect();
    let mut problems = Vec::new();
    for c in r.results().filter(|c| c.automated) {
        if not_built.contains_key(c.id) {
            continue;
        }
        if c.status != Status::Fail {
            problems.push(show(c));
        }
    }
    assert!(
        problems.is_empty(),
        "automated checks that did not fail:\n{}",
        problems.join("\n")
    );
    // Defaults decide: --anonymous-auth is absent, and true by default.
    assert!(
        ids["1.2.1"].evidence[0].contains("defaults to true"),
        "{}",
        show(ids["1.2.1"])
    );
    // kube-bench marks these Manual; the evidence decides them.
    for id in [
        "1.2.1", "4.2.4", "4.2.7", "4.2.12", "2.7", "1.2.28", "3.2.2",
    ] {
        assert_eq!(ids[id].status, Status::Fail, "{}", show(ids[id]));
    }
}

#[test]
fn worker_node_checks_its_node_section_and_does_not_pass_the_control_plane() {
    let t = Tree::new();
    t.process(
        10,
        &args(&[
            "/usr/bin/kubelet",
            "--config=/var/lib/kubelet/config.yaml",
            "--kubeconfig=/etc/kubernetes/kubelet.conf",
        ]),
    );
    t.process(
        11,
        &args(&[
            "kube-proxy",
            "--kubeconfig=/var/lib/kube-proxy/kubeconfig.conf",
        ]),
    );
    t.file("/var/lib/kubelet/config.yaml", KUBELET_SECURE, 0o600, ROOT);
    t.file("/etc/kubernetes/kubelet.conf", KUBECONFIG, 0o600, ROOT);
    t.file(
        "/var/lib/kube-proxy/kubeconfig.conf",
        KUBECONFIG,
        0o600,
        ROOT,
    );
    t.file(
        "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
        "[Service]\n",
        0o600,
        ROOT,
    );
    let (ca, _) = cert("kubernetes", true);
    t.file("/etc/kubernetes/pki/ca.crt", &ca, 0o644, ROOT);
    let r = t.run(None);
    let mut problems = Vec::new();
    // A kubeadm worker has /etc/kubernetes/pki/ca.crt: the PKI checks judge
    // the files that are there.
    let pki = ["1.1.19", "1.1.20"];
    for c in r.results() {
        let node = c.id.starts_with("4.") || c.id.starts_with("pki.") || pki.contains(&c.id);
        if node && c.automated && c.status != Status::Pass {
            problems.push(format!("node check not passing: {}", show(c)));
        }
        if !node && !c.id.starts_with("5.") && c.status == Status::Pass {
            problems.push(format!(
                "control plane check passed on a worker: {}",
                show(c)
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let ids = by_id(&r);
    assert_eq!(ids["1.2.1"].status, Status::NotEvaluated);
    assert!(
        ids["1.2.1"].evidence[0].contains("kube-apiserver not found"),
        "{}",
        show(ids["1.2.1"])
    );
    // kube-proxy without a metrics flag: the default is 127.0.0.1:10249.
    assert!(
        ids["4.3.1"].evidence[0].contains("defaults to 127.0.0.1:10249"),
        "{}",
        show(ids["4.3.1"])
    );
}

#[test]
fn removed_files_are_not_evaluated_never_passed() {
    let t = kubeadm_control_plane(true);
    for p in [
        "/etc/kubernetes/manifests/kube-apiserver.yaml",
        "/etc/kubernetes/manifests/etcd.yaml",
        "/etc/kubernetes/admin.conf",
        "/etc/kubernetes/super-admin.conf",
        "/etc/kubernetes/scheduler.conf",
        "/var/lib/kubelet/config.yaml",
        "/etc/kubernetes/pki",
        "/etc/kubernetes/enc/encryption-config.yaml",
        "/etc/kubernetes/audit-policy.yaml",
        "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
        "/etc/cni",
    ] {
        t.remove(p);
    }
    let r = t.run(None);
    let ids = by_id(&r);
    let expect: &[&str] = &[
        "1.1.1", "1.1.2", "1.1.7", "1.1.8", "1.1.9", "1.1.10", "1.1.13", "1.1.14", "1.1.15",
        "1.1.16", "1.1.19", "1.1.20", "1.1.21", "1.2.28", "2.7", "3.2.1", "3.2.2", "4.1.1",
        "4.1.2", "4.1.7", "4.1.8", "4.1.9", "4.1.10", "4.2.1", "4.2.2", "4.2.3", "4.2.4", "4.2.5",
        "4.2.6", "4.2.8", "4.2.9", "4.2.10", "4.2.11", "4.2.12", "4.2.13", "4.2.14",
    ];
    let wrong: Vec<String> = expect
        .iter()
        .filter(|id| ids[*id].status != Status::NotEvaluated)
        .map(|id| show(ids[id]))
        .collect();
    assert!(
        wrong.is_empty(),
        "expected NOT_EVALUATED:\n{}",
        wrong.join("\n")
    );
    assert!(
        ids["1.1.1"].evidence[0].contains("file not found"),
        "{}",
        show(ids["1.1.1"])
    );
    // Flags still come from the running process; those checks still pass.
    assert_eq!(ids["1.2.1"].status, Status::Pass);
}

#[test]
fn k3s_server_uses_built_in_arguments_and_its_config_file() {
    let t = Tree::new();
    t.process(
        300,
        &args(&[
            "/usr/local/bin/k3s",
            "server",
            "--secrets-encryption",
            "--protect-kernel-defaults",
        ]),
    );
    t.file(
        "/etc/rancher/k3s/config.yaml",
        "kube-apiserver-arg:\n  - audit-log-path=/var/lib/rancher/k3s/server/logs/audit.log\n  - audit-policy-file=/var/lib/rancher/k3s/server/audit.yaml\n  - audit-log-maxage=30\n  - anonymous-auth=true\nkubelet-arg:\n  - read-only-port=10255\n",
        0o600,
        ROOT,
    );
    t.file(
        "/var/lib/rancher/k3s/agent/etc/kubelet.conf.d/00-k3s-defaults.conf",
        "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthentication:\n  anonymous:\n    enabled: false\n  webhook:\n    enabled: true\n  x509:\n    clientCAFile: /var/lib/rancher/k3s/agent/client-ca.crt\nauthorization:\n  mode: Webhook\nreadOnlyPort: 0\n",
        0o600,
        ROOT,
    );
    let (ca, key) = cert("k3s-server-ca", true);
    t.file(
        "/var/lib/rancher/k3s/server/tls/server-ca.crt",
        &ca,
        0o644,
        ROOT,
    );
    t.file(
        "/var/lib/rancher/k3s/server/tls/server-ca.key",
        &key,
        0o600,
        ROOT,
    );
    t.file("/var/lib/rancher/k3s/agent/client-ca.crt", &ca, 0o644, ROOT);
    t.file(
        "/var/lib/rancher/k3s/server/cred/admin.kubeconfig",
        KUBECONFIG,
        0o600,
        ROOT,
    );
    t.file(
        "/var/lib/rancher/k3s/server/cred/scheduler.kubeconfig",
        KUBECONFIG,
        0o600,
        ROOT,
    );
    t.file("/var/lib/rancher/k3s/server/cred/encryption-config.json", "{\"kind\":\"EncryptionConfiguration\",\"apiVersion\":\"apiserver.config.k8s.io/v1\",\"resources\":[{\"resources\":[\"secrets\"],\"providers\":[{\"aescbc\":{\"keys\":[{\"name\":\"aescbckey\",\"secret\":\"dGhpcyBpcyBhIHRlc3Qga2V5IGZvciBidWx3YXJr\"}]}},{\"identity\":{}}]}]}\n", 0o600, ROOT);
    let r = t.run(None);
    assert_eq!(r.distro, Distro::K3s, "{}", r.distro_reason);
    let ids = by_id(&r);
    let st = |id: &str| ids[id].status;
    // No pod specification files on k3s: not applicable, never PASS.
    assert_eq!(st("1.1.1"), Status::NotEvaluated, "{}", show(ids["1.1.1"]));
    assert!(ids["1.1.1"].evidence[0].contains("not applicable on k3s"));
    // config.yaml overrides the k3s built-in --anonymous-auth=false.
    assert_eq!(st("1.2.1"), Status::Fail, "{}", show(ids["1.2.1"]));
    assert!(
        ids["1.2.1"].evidence[0].contains("/etc/rancher/k3s/config.yaml:5"),
        "{}",
        show(ids["1.2.1"])
    );
    // Built-in arguments decide what config.yaml does not set.
    assert_eq!(st("1.2.6"), Status::Pass, "{}", show(ids["1.2.6"]));
    assert!(
        ids["1.2.6"].evidence[0].contains("k3s built-in"),
        "{}",
        show(ids["1.2.6"])
    );
    assert_eq!(st("1.2.14"), Status::Pass);
    assert_eq!(st("1.2.16"), Status::Pass);
    assert_eq!(st("1.2.17"), Status::Pass);
    assert_eq!(st("1.3.7"), Status::Pass);
    assert_eq!(st("1.4.1"), Status::Pass);
    // --secrets-encryption: k3s writes an aescbc config.
    assert_eq!(st("1.2.27"), Status::Pass);
    assert_eq!(st("1.2.28"), Status::Warn, "{}", show(ids["1.2.28"]));
    // kubelet: the drop-in says 0, but the kubelet-arg flag wins (10255).
    assert_eq!(st("4.2.4"), Status::Fail, "{}", show(ids["4.2.4"]));
    assert_eq!(st("4.2.1"), Status::Pass, "{}", show(ids["4.2.1"]));
    assert_eq!(st("4.1.7"), Status::Pass, "{}", show(ids["4.1.7"]));
    // Audit policy file named but absent: not evaluated.
    assert_eq!(st("3.2.2"), Status::NotEvaluated, "{}", show(ids["3.2.2"]));
}

/// Every check id of kube-bench's cis-1.12 control files.
fn kube_bench_ids() -> Option<Vec<String>> {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpora/kube-bench/cfg/cis-1.12"
    );
    if !std::path::Path::new(dir).is_dir() {
        assert!(
            std::env::var_os("CI").is_none(),
            "corpus not found at {dir}"
        );
        eprintln!("skipped: corpus not found at {dir}");
        return None;
    }
    let mut ids = Vec::new();
    for t in ["master", "etcd", "controlplane", "node", "policies"] {
        // Read by lines: bulwark's YAML reader refuses a multi-line quoted
        // title in etcd.yaml that go-yaml accepts. A group's `- id:` is
        // followed by `checks:` before the next `- id:`; a check's is not.
        let text = std::fs::read_to_string(format!("{dir}/{t}.yaml")).expect("read control file");
        let lines: Vec<&str> = text.lines().collect();
        for (i, l) in lines.iter().enumerate() {
            let Some(id) = l.trim().strip_prefix("- id:") else {
                continue;
            };
            let group = lines[i + 1..]
                .iter()
                .take_while(|n| !n.trim().starts_with("- id:"))
                .any(|n| n.trim() == "checks:");
            if !group {
                ids.push(id.trim().trim_matches('"').to_string());
            }
        }
    }
    Some(ids)
}

#[test]
fn every_kube_bench_check_has_a_result() {
    let Some(ids) = kube_bench_ids() else { return };
    let ours: BTreeSet<&str> = CIS_1_12.iter().map(|c| c.id).collect();
    let theirs: BTreeSet<&str> = ids.iter().map(String::as_str).collect();
    assert_eq!(ids.len(), theirs.len(), "duplicate ids in kube-bench files");
    assert_eq!(ours, theirs, "catalog differs from kube-bench cis-1.12");
    // And a run produces a result for each, with a status and evidence.
    let r = Tree::new().run(None);
    let got: BTreeSet<&str> = r
        .results()
        .map(|c| c.id)
        .filter(|id| !id.starts_with("pki."))
        .collect();
    assert_eq!(got, theirs);
    assert!(r.results().all(|c| !c.evidence.is_empty()));
    let automated = r
        .results()
        .filter(|c| c.automated && !c.id.starts_with("pki."))
        .count();
    let cis_automated = CIS_1_12.iter().filter(|c| c.cis_automated).count();
    eprintln!(
        "{} checks; {automated} decided by bulwark from evidence (CIS marks {cis_automated} Automated); {} warn-only",
        theirs.len(),
        theirs.len() - automated
    );
    assert_eq!(theirs.len(), 131);
    assert_eq!(automated, 89);
    // An empty host: nothing passes.
    assert!(
        r.results().all(|c| c.status != Status::Pass),
        "an empty root passed something"
    );
}

#[test]
fn json_results_have_the_documented_shape() {
    let r = kubeadm_control_plane(true).run(Some(Distro::Kubeadm));
    let v = serde_json::to_value(&r).expect("json");
    let s = &v["sections"][0];
    assert_eq!(s["id"], "1.1");
    for k in ["pass", "fail", "warn", "not_evaluated"] {
        assert!(s["summary"][k].is_u64(), "{s}");
    }
    let first = &s["results"][0];
    for k in ["id", "status", "title", "evidence", "remediation"] {
        assert!(!first[k].is_null(), "{k} missing in {first}");
    }
    assert_eq!(first["status"], "PASS");
    // Secrets in config files never reach the output.
    let t = kubeadm_control_plane(false);
    let text = serde_json::to_string(&t.run(None)).expect("json");
    assert!(!text.contains("c2VjcmV0IGlzIHNlY3VyZSwgb3IgaXMgaXQ"));
}

#[test]
fn without_proc_the_static_pod_manifests_give_the_flags_with_lines() {
    let t = kubeadm_control_plane(true);
    t.remove("/proc");
    let r = t.run(None);
    let ids = by_id(&r);
    // kube-apiserver's flags come from its manifest, with the line.
    assert_eq!(ids["1.2.1"].status, Status::Pass, "{}", show(ids["1.2.1"]));
    assert!(
        ids["1.2.1"].evidence[0].contains("/etc/kubernetes/manifests/kube-apiserver.yaml:14"),
        "{}",
        show(ids["1.2.1"])
    );
    assert_eq!(ids["2.2"].status, Status::Pass, "{}", show(ids["2.2"]));
    // The kubelet's flags live only on its command line: the config file
    // still decides 4.2.x, but 4.2.7 needs the command line.
    assert_eq!(ids["4.2.1"].status, Status::Pass, "{}", show(ids["4.2.1"]));
    assert!(
        ids["4.2.1"]
            .evidence
            .iter()
            .any(|e| e.contains("kubelet process not seen"))
    );
    assert_eq!(
        ids["4.2.7"].status,
        Status::NotEvaluated,
        "{}",
        show(ids["4.2.7"])
    );
    assert_eq!(
        ids["4.3.1"].status,
        Status::NotEvaluated,
        "{}",
        show(ids["4.3.1"])
    );
    assert!(
        ids["4.3.1"].evidence[0].contains("processes unreadable"),
        "{}",
        show(ids["4.3.1"])
    );
}

#[test]
fn rke2_etcd_config_file_replaces_its_flags() {
    let t = Tree::new();
    t.process(400, &args(&["/usr/local/bin/rke2", "server"]));
    t.process(
        401,
        &args(&[
            "etcd",
            "--config-file=/var/lib/rancher/rke2/server/db/etcd/config",
        ]),
    );
    t.file(
        "/var/lib/rancher/rke2/server/db/etcd/config",
        "name: node-a\ndata-dir: /var/lib/rancher/rke2/server/db/etcd\nclient-transport-security:\n  cert-file: /var/lib/rancher/rke2/server/tls/etcd/server-client.crt\n  key-file: /var/lib/rancher/rke2/server/tls/etcd/server-client.key\n  client-cert-auth: true\n  trusted-ca-file: /var/lib/rancher/rke2/server/tls/etcd/server-ca.crt\npeer-transport-security:\n  cert-file: /var/lib/rancher/rke2/server/tls/etcd/peer-server-client.crt\n  key-file: /var/lib/rancher/rke2/server/tls/etcd/peer-server-client.key\n  client-cert-auth: false\n  auto-tls: true\n",
        0o600,
        ROOT,
    );
    t.dir("/var/lib/rancher/rke2/server/db/etcd", 0o700, ETCD);
    let r = t.run(None);
    assert_eq!(r.distro, Distro::Rke2, "{}", r.distro_reason);
    let ids = by_id(&r);
    for id in ["2.1", "2.2", "2.3", "2.4"] {
        assert_eq!(ids[id].status, Status::Pass, "{}", show(ids[id]));
    }
    assert!(
        ids["2.2"].evidence[0].contains("/var/lib/rancher/rke2/server/db/etcd/config:6"),
        "{}",
        show(ids["2.2"])
    );
    assert_eq!(ids["2.5"].status, Status::Fail, "{}", show(ids["2.5"]));
    assert_eq!(ids["2.6"].status, Status::Fail, "{}", show(ids["2.6"]));
    assert_eq!(
        ids["1.1.11"].status,
        Status::Pass,
        "{}",
        show(ids["1.1.11"])
    );
    // rke2's static pod manifest path, missing here.
    assert!(
        ids["1.1.1"].evidence[0]
            .contains("/var/lib/rancher/rke2/agent/pod-manifests/kube-apiserver.yaml"),
        "{}",
        show(ids["1.1.1"])
    );
}

#[test]
fn permission_denied_is_not_evaluated_with_the_reason() {
    use bulwark_node::bench::{self, BenchOptions};
    use bulwark_node::host::FileFact;
    use bulwark_node::model::NodeModel;
    // Root reads everything, so the collector's answer for an unreadable
    // file is put into the snapshot by hand.
    let t = kubeadm_control_plane(true);
    let mut host = bulwark_node::collect::collect_node(t.root(), None, &common::parse);
    for p in ["/etc/kubernetes/admin.conf", "/var/lib/kubelet/config.yaml"] {
        host.snapshot.files.insert(
            p.to_string(),
            FileFact::PermissionDenied {
                error: "Permission denied (os error 13)".into(),
            },
        );
    }
    host.model = NodeModel::build(&host.snapshot, Distro::Kubeadm, &common::parse);
    let r = bench::run(&host, &BenchOptions::default());
    let ids = by_id(&r);
    for id in ["1.1.13", "1.1.14", "4.1.9", "4.2.1", "4.2.10"] {
        assert_eq!(ids[id].status, Status::NotEvaluated, "{}", show(ids[id]));
        assert!(
            ids[id]
                .evidence
                .iter()
                .any(|e| e.contains("permission denied")),
            "{}",
            show(ids[id])
        );
    }
}

/// JUnit output: one case per check; FAIL is a failure, NOT_EVALUATED and
/// WARN are skipped, never green.
#[test]
fn junit_output_never_shows_an_unseen_check_as_passed() {
    let t = kubeadm_control_plane(false);
    t.remove("/etc/kubernetes/manifests/etcd.yaml");
    let r = t.run(None);
    let xml = bulwark_node::bench::junit::to_junit(&r).expect("junit");
    let cases = xml.matches("<testcase ").count();
    let total: usize = r.sections.iter().map(|s| s.results.len()).sum();
    assert_eq!(cases, total);
    let failures = xml.matches("<failure").count();
    let skipped = xml.matches("<skipped").count();
    assert_eq!(failures, r.summary.fail, "{xml}");
    assert_eq!(skipped, r.summary.warn + r.summary.not_evaluated);
    assert!(r.summary.fail > 0 && r.summary.not_evaluated > 0);
}

/// SARIF output is valid SARIF 2.1.0 (the official schema) and keeps every
/// status apart: fail, pass, review (WARN) and open (NOT_EVALUATED).
#[test]
fn sarif_output_is_valid_and_keeps_every_status() {
    let t = kubeadm_control_plane(false);
    t.remove("/etc/kubernetes/manifests/etcd.yaml");
    let r = t.run(None);
    let log = bulwark_node::bench::sarif::to_sarif(&r);
    let schema_path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../bulwark-report/tests/data/sarif-schema-2.1.0.json"
    );
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).expect("schema")).expect("json");
    let v = jsonschema::draft7::new(&schema).expect("schema compiles");
    let errors: Vec<String> = v.iter_errors(&log).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let kinds: Vec<&str> = log["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|x| x["kind"].as_str())
        .collect();
    let count = |k: &str| kinds.iter().filter(|x| **x == k).count();
    assert_eq!(count("fail"), r.summary.fail);
    assert_eq!(count("pass"), r.summary.pass);
    assert_eq!(count("review"), r.summary.warn);
    assert_eq!(count("open"), r.summary.not_evaluated);
}

#[test]
fn a_second_apiserver_process_is_judged_too() {
    let t = kubeadm_control_plane(true);
    let mut second = apiserver_args(true);
    for a in second.iter_mut() {
        if a == "--anonymous-auth=false" {
            *a = "--anonymous-auth=true".into();
        }
    }
    t.process(4242, &second);
    let r = t.run(None);
    let ids = by_id(&r);
    assert_eq!(ids["1.2.1"].status, Status::Fail, "{}", show(ids["1.2.1"]));
    assert!(
        ids["1.2.1"]
            .evidence
            .iter()
            .any(|e| e.contains("/proc/4242/cmdline")),
        "{}",
        show(ids["1.2.1"])
    );
    // A check both processes pass still passes.
    assert_eq!(
        ids["1.2.16"].status,
        Status::Pass,
        "{}",
        show(ids["1.2.16"])
    );
}

#[test]
fn a_directory_walk_cut_short_is_not_evaluated_never_passed() {
    let t = kubeadm_control_plane(true);
    // More entries below the PKI directory than a walk examines: what lies
    // past the cap is never seen, so the PKI checks cannot pass.
    for i in 0..10_050 {
        t.file(
            &format!("etc/kubernetes/pki/zz/{i:05}.txt"),
            "",
            0o600,
            ROOT,
        );
    }
    let r = t.run(None);
    let ids = by_id(&r);
    for id in ["1.1.19", "1.1.20", "1.1.21"] {
        assert_eq!(ids[id].status, Status::NotEvaluated, "{}", show(ids[id]));
        assert!(
            ids[id].evidence.iter().any(|e| e.contains("10000")),
            "{}",
            show(ids[id])
        );
    }
}
