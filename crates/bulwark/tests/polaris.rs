//! Agreement with Polaris on its own fixtures.
//!
//! `../shared/corpora/polaris/test/checks/<check>/` holds Polaris's pass and
//! fail fixtures: a file whose name contains `failure` must make the check
//! fire, any other (except `mutated*` and `check.yaml`) must not. For every
//! Polaris check one of our rules covers, our rule must fire on every failure
//! file and on no success file, except where [`DEVIATIONS`] says why we judge
//! differently. Polaris checks we leave unmapped are listed in [`UNMAPPED`].

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Polaris check id -> the bulwark rules that cover it (any of them firing
/// counts as the check firing).
const MAPPING: &[(&str, &[&str])] = &[
    (
        "automountServiceAccountToken",
        &["service-account-token-automounted"],
    ),
    ("clusterrolePodExecAttach", &["rbac-pod-exec"]),
    (
        "clusterrolebindingClusterAdmin",
        &["rbac-cluster-admin-binding"],
    ),
    ("clusterrolebindingPodExecAttach", &["rbac-pod-exec"]),
    ("rolePodExecAttach", &["rbac-pod-exec"]),
    (
        "rolebindingClusterAdminClusterRole",
        &["rbac-cluster-admin-binding"],
    ),
    (
        "rolebindingClusterAdminRole",
        &["rbac-cluster-admin-binding"],
    ),
    ("rolebindingClusterRolePodExecAttach", &["rbac-pod-exec"]),
    ("rolebindingRolePodExecAttach", &["rbac-pod-exec"]),
    (
        "missingNetworkPolicy",
        &[
            "netpol-workload-no-ingress-policy",
            "netpol-workload-no-egress-policy",
        ],
    ),
    ("cpuLimitsMissing", &["missing-cpu-limits"]),
    ("cpuRequestsMissing", &["missing-cpu-requests"]),
    ("dangerousCapabilities", &["dangerous-capabilities"]),
    ("hostIPCSet", &["host-ipc"]),
    ("hostNetworkSet", &["host-network"]),
    ("hostPIDSet", &["host-pid"]),
    ("hostPathSet", &["host-path-volume"]),
    ("hostPortSet", &["host-port"]),
    ("hostProcess", &["windows-host-process"]),
    ("insecureCapabilities", &["capabilities-not-dropped"]),
    ("livenessProbeMissing", &["missing-liveness-probe"]),
    ("memoryLimitsMissing", &["missing-memory-limits"]),
    ("memoryRequestsMissing", &["missing-memory-requests"]),
    ("notReadOnlyRootFilesystem", &["writable-root-filesystem"]),
    (
        "privilegeEscalationAllowed",
        &["privilege-escalation-allowed"],
    ),
    ("procMount", &["proc-mount-unmasked"]),
    ("pullPolicyNotAlways", &["image-pull-policy-not-always"]),
    ("readinessProbeMissing", &["missing-readiness-probe"]),
    ("runAsPrivileged", &["privileged-container"]),
    ("runAsRootAllowed", &["runs-as-root"]),
    ("sensitiveConfigmapContent", &["credential-in-configmap"]),
    ("sensitiveContainerEnvVar", &["credential-in-env"]),
    ("tagNotSpecified", &["image-tag-latest"]),
    ("tlsSettingsMissing", &["ingress-without-tls"]),
];

/// Polaris checks with no bulwark rule, and why.
const UNMAPPED: &[(&str, &str)] = &[
    (
        "linuxHardening",
        "passes when any one of AppArmor, seccomp, SELinux or a capability drop is set; bulwark \
         checks each of those on its own (seccomp-unconfined, apparmor-unconfined, \
         capabilities-not-dropped), which is stricter",
    ),
    ("deploymentMissingReplicas", "availability, not security"),
    ("hpaMaxAvailability", "availability, not security"),
    ("hpaMinAvailability", "availability, not security"),
    ("missingPodDisruptionBudget", "availability, not security"),
    ("pdbDisruptionsIsZero", "availability, not security"),
    (
        "pdbMinAvailableGreaterThanHPAMinReplicas",
        "availability, not security",
    ),
    ("topologySpreadConstraint", "availability, not security"),
    ("priorityClassNotSet", "scheduling policy, not security"),
    (
        "metadataAndInstanceMismatched",
        "label hygiene, not security",
    ),
    (
        "nakedPod",
        "a Polaris custom check (check.yaml), not a built-in one",
    ),
    (
        "oneController",
        "a Polaris custom check (check.yaml), not a built-in one",
    ),
    (
        "resourceRange",
        "a Polaris custom check (check.yaml), not a built-in one",
    ),
];

/// (check, file, why): fixtures where bulwark deliberately disagrees.
const DEVIATIONS: &[(&str, &str, &str)] = &[
    (
        "clusterrolePodExecAttach",
        "failure.all_wildcards.yaml",
        WILDCARD_DESIGN,
    ),
    (
        "rolePodExecAttach",
        "failure.all_wildcards.yaml",
        WILDCARD_DESIGN,
    ),
    (
        "clusterrolebindingPodExecAttach",
        "failure.all_wildcards.yaml",
        WILDCARD_DESIGN,
    ),
    (
        "clusterrolebindingPodExecAttach",
        "failure.binding_to_system_prefix.yaml",
        WILDCARD_DESIGN,
    ),
    (
        "rolebindingClusterRolePodExecAttach",
        "failure.all_wildcards.yaml",
        WILDCARD_DESIGN,
    ),
    (
        "rolebindingClusterRolePodExecAttach",
        "failure.binding_to_system_prefix.yaml",
        WILDCARD_DESIGN,
    ),
    (
        "rolebindingRolePodExecAttach",
        "failure.all_wildcards.yaml",
        WILDCARD_DESIGN,
    ),
    (
        "rolebindingRolePodExecAttach",
        "failure.binding_to_system_prefix.yaml",
        WILDCARD_DESIGN,
    ),
    (
        "missingNetworkPolicy",
        "failure.netpol_missing_egress_rules.yaml",
        DENY_ALL_IS_COVERED,
    ),
    (
        "missingNetworkPolicy",
        "failure.netpol_missing_ingress_rules.yaml",
        DENY_ALL_IS_COVERED,
    ),
    (
        "clusterrolePodExecAttach",
        "success.defaultclusterrole_admin.yaml",
        DEFAULT_ROLE_BY_NAME,
    ),
    (
        "clusterrolePodExecAttach",
        "success.defaultclusterrole_clusteradmin.yaml",
        DEFAULT_ROLE_BY_NAME,
    ),
    (
        "clusterrolebindingPodExecAttach",
        "success.defaultclusterrolebinding_clusteradmin.yaml",
        DEFAULT_ROLE_BY_NAME,
    ),
    (
        "clusterrolebindingPodExecAttach",
        "success.defaultclusterrolebinding_system-controller-generic-garbage-collector.yaml",
        DEFAULT_ROLE_BY_NAME,
    ),
    (
        "clusterrolebindingPodExecAttach",
        "failure.binding_points_to_missing_ref.yaml",
        MISSING_ROLE,
    ),
    (
        "rolebindingClusterRolePodExecAttach",
        "failure.binding_points_to_missing_ref.yaml",
        MISSING_ROLE,
    ),
    (
        "rolebindingRolePodExecAttach",
        "failure.binding_points_to_missing_ref.yaml",
        MISSING_ROLE,
    ),
    (
        "clusterrolebindingClusterAdmin",
        "success.gce_calico_binding.yaml",
        BINDING_NAME,
    ),
    (
        "clusterrolebindingClusterAdmin",
        "success.system_prefix_binding.yaml",
        BINDING_NAME,
    ),
    (
        "rolebindingClusterAdminClusterRole",
        "success.gce_calico_binding.yaml",
        BINDING_NAME,
    ),
    (
        "rolebindingClusterAdminClusterRole",
        "success.system_prefix_binding.yaml",
        BINDING_NAME,
    ),
    (
        "rolebindingClusterAdminRole",
        "success.gce_calico_binding.yaml",
        BINDING_NAME,
    ),
    (
        "rolebindingClusterAdminRole",
        "success.system_prefix_binding.yaml",
        BINDING_NAME,
    ),
    (
        "pullPolicyNotAlways",
        "failure.yaml",
        "the image has no tag, so Kubernetes already defaults imagePullPolicy to Always; \
         bulwark judges the policy that applies, not the field",
    ),
    (
        "pullPolicyNotAlways",
        "failure.cron-job.yaml",
        "the image has no tag, so Kubernetes already defaults imagePullPolicy to Always",
    ),
];

/// A `*` verb on `*` resources is reported by rbac-wildcard-verb and
/// rbac-wildcard-resource (and rbac-cluster-admin-binding where it is bound),
/// not also as each power it implies (exec, secrets, nodes/proxy…), which
/// would bury the one finding that matters under a dozen.
const WILDCARD_DESIGN: &str = "`*` on `*` is reported by the wildcard and cluster-admin rules, \
     not as every power it implies";

/// Polaris exempts roles and bindings named like the defaults; bulwark exempts
/// the objects the API server itself bootstraps (label
/// `kubernetes.io/bootstrapping: rbac-defaults`). A role a manifest calls
/// `admin` without that label is the manifest's own, and is checked.
const DEFAULT_ROLE_BY_NAME: &str = "bootstrap objects are recognised by their rbac-defaults label, \
     not by name";

/// The RBAC authorizer grants nothing through a binding whose role does not
/// exist; bulwark reports it as rbac-binding-grants-nothing instead of
/// assuming the missing role allows exec.
const MISSING_ROLE: &str = "a binding to a missing role grants nothing (reported by \
     rbac-binding-grants-nothing)";

/// Polaris exempts bindings by their own name (`system:*`, a GKE Calico
/// binding); the name of a binding is not a security boundary: the subject
/// here is an ordinary user holding cluster-admin.
const BINDING_NAME: &str = "a binding's name does not make its ordinary-user subject a system \
     component";

/// A policy listing a direction in `policyTypes` with no rules for it
/// denies all traffic that way: the pod is isolated, which is the hardened
/// form (default deny). Polaris wants allow rules to exist; bulwark reports
/// workloads that no policy isolates.
const DENY_ALL_IS_COVERED: &str = "policyTypes without rules is a deny-all for that direction: \
     the workload is covered";

fn corpus() -> Option<PathBuf> {
    let p =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora/polaris/test/checks");
    if p.is_dir() {
        return Some(p);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "Polaris corpus not found at {} (CI must have ../shared beside the repo)",
        p.display()
    );
    eprintln!("skipped: corpus not found at {}", p.display());
    None
}

fn fired_rules(file: &Path) -> BTreeSet<String> {
    let out = Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(["scan", "--format", "json"])
        .arg(file)
        .output()
        .expect("run bulwark");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{}: bad JSON ({e}): {}",
            file.display(),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    v["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["rule_id"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn polaris_fixtures_agree_with_mapped_rules() {
    let Some(root) = corpus() else { return };
    let mut problems = Vec::new();
    let mut checked = 0;
    for (check, rules) in MAPPING {
        let dir = root.join(check);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        files.sort();
        for f in files {
            let name = f
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("")
                .to_string();
            if name.starts_with("mutated") || name == "check.yaml" {
                continue;
            }
            let expect_fire = name.contains("failure");
            let fired = fired_rules(&f);
            let ours = rules.iter().any(|r| fired.contains(*r));
            let deviation = DEVIATIONS.iter().find(|(c, n, _)| c == check && *n == name);
            checked += 1;
            match (ours == expect_fire, deviation) {
                (true, None) => {}
                (true, Some(_)) => problems.push(format!(
                    "{check}/{name}: listed as a deviation but now agrees: drop it from DEVIATIONS"
                )),
                (false, Some(_)) => {}
                (false, None) => problems.push(format!(
                    "{check}/{name}: Polaris expects {}, bulwark {} (rules {rules:?}; fired {fired:?})",
                    if expect_fire { "a failure" } else { "success" },
                    if ours { "fired" } else { "did not fire" },
                )),
            }
        }
    }
    eprintln!(
        "polaris: {checked} fixtures checked over {} mapped checks",
        MAPPING.len()
    );
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn every_polaris_check_is_mapped_or_explained() {
    let Some(root) = corpus() else { return };
    let mut missing = Vec::new();
    for e in std::fs::read_dir(&root)
        .expect("read corpus")
        .filter_map(Result::ok)
    {
        let name = e.file_name().to_string_lossy().to_string();
        let known =
            MAPPING.iter().any(|(c, _)| *c == name) || UNMAPPED.iter().any(|(c, _)| *c == name);
        if !known {
            missing.push(name);
        }
    }
    missing.sort();
    assert!(
        missing.is_empty(),
        "Polaris checks neither mapped nor explained: {missing:?}"
    );
}
