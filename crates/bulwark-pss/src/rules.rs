//! Rule metadata for each check, as `bulwark rules` and `bulwark explain`
//! show it. Rule ids are `pss-<level of the check>-<control>`.

use bulwark_core::{Mappings, RuleMeta, Severity};

use crate::check::CheckId;

const PSS_DOC: &str = "https://kubernetes.io/docs/concepts/security/pod-security-standards/";
const PSA_DOC: &str = "https://kubernetes.io/docs/concepts/security/pod-security-admission/";

const fn mappings(
    cis: &'static [&'static str],
    mitre: &'static [&'static str],
    pss: &'static [&'static str],
) -> Mappings {
    Mappings {
        cis,
        nsa: &["Kubernetes Pod security: Pod security enforcement"],
        mitre,
        pss,
        pci_dss: &["2.2.1"],
        soc2: &["CC6.1"],
        iso27001: &["A.8.9"],
        hipaa: &[],
    }
}

#[allow(clippy::too_many_arguments)]
const fn rule(
    id: &'static str,
    title: &'static str,
    severity: Severity,
    description: &'static str,
    remediation: &'static str,
    cis: &'static [&'static str],
    mitre: &'static [&'static str],
    pss: &'static [&'static str],
) -> RuleMeta {
    RuleMeta {
        id,
        title,
        severity,
        category: "pod-security-standards",
        description,
        remediation,
        references: &[PSS_DOC, PSA_DOC],
        mappings: mappings(cis, mitre, pss),
    }
}

/// Metadata of every check, in [`CheckId::ALL`] order.
pub static RULES: [RuleMeta; 19] = [
    rule(
        "pss-baseline-apparmor-profile",
        "AppArmor profile overridden or disabled (PSS baseline)",
        Severity::High,
        "Baseline forbids running a container unconfined by AppArmor: the runtime's default profile \
         blocks writes to /proc and /sys and mounts that container escapes rely on. Only RuntimeDefault \
         and Localhost profiles (annotations: runtime/default, localhost/*) are allowed.",
        "Remove the Unconfined profile, or pin a reviewed one:\n```yaml\nsecurityContext:\n  appArmorProfile:\n    type: RuntimeDefault\n```",
        &["5.6.3"],
        &["T1611"],
        &["baseline: AppArmor"],
    ),
    rule(
        "pss-baseline-capabilities",
        "Capabilities added beyond the default set (PSS baseline)",
        Severity::High,
        "Baseline allows adding only capabilities the runtime grants by default anyway; anything else \
         (SYS_ADMIN, NET_ADMIN, NET_RAW, SYS_PTRACE…) widens what a compromised process can do to the node.",
        "Remove the extra capabilities from `capabilities.add`:\n```yaml\nsecurityContext:\n  capabilities:\n    drop: [\"ALL\"]\n    add: [\"NET_BIND_SERVICE\"]  # only if needed\n```",
        &["5.2.8", "5.2.9"],
        &["T1611"],
        &["baseline: Capabilities"],
    ),
    rule(
        "pss-baseline-host-namespaces",
        "Pod shares a host namespace (PSS baseline)",
        Severity::High,
        "hostNetwork, hostPID and hostIPC put the pod in the node's namespaces: it can see and signal \
         node processes, sniff node traffic, reach services bound to localhost, and read shared memory.",
        "Remove the host namespace settings:\n```yaml\nspec:\n  hostNetwork: false\n  hostPID: false\n  hostIPC: false\n```",
        &["5.2.3", "5.2.4", "5.2.5"],
        &["T1611"],
        &["baseline: Host Namespaces"],
    ),
    rule(
        "pss-baseline-host-path-volumes",
        "Pod mounts a hostPath volume (PSS baseline)",
        Severity::High,
        "A hostPath volume exposes the node's filesystem to the pod; writable, it is a direct path to \
         node compromise (kubelet credentials, container runtime socket, /etc).",
        "Use a PersistentVolumeClaim, configMap, secret or emptyDir instead:\n```yaml\nvolumes:\n  - name: data\n    persistentVolumeClaim:\n      claimName: data\n```",
        &["5.2.11"],
        &["T1611"],
        &["baseline: HostPath Volumes"],
    ),
    rule(
        "pss-baseline-host-ports",
        "Container binds a host port (PSS baseline)",
        Severity::Medium,
        "A hostPort binds the container to the node's network interface, bypassing Services and most \
         NetworkPolicy implementations and limiting scheduling.",
        "Remove `hostPort` and expose the pod through a Service:\n```yaml\nports:\n  - containerPort: 8080\n```",
        &["5.2.12"],
        &["T1611"],
        &["baseline: Host Ports"],
    ),
    rule(
        "pss-baseline-host-probes-lifecycle",
        "Probe or lifecycle handler targets another host (PSS baseline, v1.34+)",
        Severity::Medium,
        "A probe or lifecycle handler with `host` set makes the kubelet connect to an arbitrary \
         address from the node, which can be abused to reach node-local or internal endpoints.",
        "Drop `host` so the kubelet probes the pod's own IP:\n```yaml\nlivenessProbe:\n  httpGet:\n    port: 8080\n```",
        &["5.6.3"],
        &["T1090"],
        &["baseline: Host Probes / Lifecycle Hooks"],
    ),
    rule(
        "pss-baseline-privileged",
        "Privileged container (PSS baseline)",
        Severity::Critical,
        "A privileged container has every capability and all host devices: it can load kernel modules, \
         mount the host filesystem and escape to the node.",
        "Remove `privileged: true`:\n```yaml\nsecurityContext:\n  privileged: false\n```",
        &["5.2.2"],
        &["T1611"],
        &["baseline: Privileged Containers"],
    ),
    rule(
        "pss-baseline-proc-mount",
        "Unmasked /proc (PSS baseline)",
        Severity::High,
        "procMount: Unmasked removes the runtime's masks over sensitive /proc paths. From policy v1.35 \
         baseline allows it for pods in a user namespace (hostUsers: false).",
        "Remove `procMount` (or set it to Default):\n```yaml\nsecurityContext:\n  procMount: Default\n```",
        &["5.6.3"],
        &["T1611"],
        &["baseline: /proc Mount Type"],
    ),
    rule(
        "pss-baseline-seccomp-profile",
        "Seccomp explicitly disabled (PSS baseline)",
        Severity::High,
        "Baseline forbids the Unconfined seccomp profile (and, before v1.19, unconfined seccomp \
         annotations): without a syscall filter the whole kernel attack surface is reachable.",
        "Use the runtime's default profile:\n```yaml\nsecurityContext:\n  seccompProfile:\n    type: RuntimeDefault\n```",
        &["5.6.2"],
        &["T1611"],
        &["baseline: Seccomp"],
    ),
    rule(
        "pss-baseline-selinux-options",
        "Custom SELinux user, role or type (PSS baseline)",
        Severity::High,
        "Setting the SELinux user or role, or a type other than the container types, can run the \
         container in an unconfined or privileged SELinux domain.",
        "Remove `user` and `role`; use a container type or leave it unset:\n```yaml\nsecurityContext:\n  seLinuxOptions:\n    level: \"s0:c123,c456\"\n```",
        &["5.6.3"],
        &["T1611"],
        &["baseline: SELinux"],
    ),
    rule(
        "pss-baseline-sysctls",
        "Unsafe sysctl (PSS baseline)",
        Severity::High,
        "Only namespaced sysctls isolated from other pods are allowed; others change kernel behaviour \
         for the whole node. The allowed list grows with the policy version.",
        "Remove the sysctl, or set it on the node if it is really needed:\n```yaml\nsecurityContext:\n  sysctls:\n    - name: net.ipv4.ip_local_port_range\n      value: \"1024 65000\"\n```",
        &["5.6.3"],
        &["T1611"],
        &["baseline: Sysctls"],
    ),
    rule(
        "pss-baseline-windows-host-process",
        "Windows HostProcess container (PSS baseline)",
        Severity::Critical,
        "A HostProcess container runs directly on the Windows node with the node's privileges; it is \
         the Windows equivalent of a privileged container.",
        "Remove `hostProcess: true`:\n```yaml\nsecurityContext:\n  windowsOptions:\n    hostProcess: false\n```",
        &["5.2.10"],
        &["T1611"],
        &["baseline: HostProcess"],
    ),
    rule(
        "pss-restricted-allow-privilege-escalation",
        "Privilege escalation not disabled (PSS restricted)",
        Severity::Medium,
        "Without allowPrivilegeEscalation: false, a process can gain privileges through setuid \
         binaries or file capabilities. Windows pods (spec.os.name: windows) are exempt from v1.25.",
        "Set it on every container:\n```yaml\nsecurityContext:\n  allowPrivilegeEscalation: false\n```",
        &["5.2.6"],
        &["T1548"],
        &["restricted: Privilege Escalation"],
    ),
    rule(
        "pss-restricted-capabilities",
        "Capabilities not dropped (PSS restricted)",
        Severity::Medium,
        "Restricted (v1.22+) requires every container to drop ALL capabilities and add back at most \
         NET_BIND_SERVICE. Windows pods are exempt from v1.25.",
        "Drop everything:\n```yaml\nsecurityContext:\n  capabilities:\n    drop: [\"ALL\"]\n```",
        &["5.2.8", "5.2.9"],
        &["T1611"],
        &["restricted: Capabilities"],
    ),
    rule(
        "pss-restricted-proc-mount",
        "Unmasked /proc (PSS restricted, v1.35+)",
        Severity::High,
        "Restricted forbids procMount: Unmasked even for pods in a user namespace, which baseline \
         allows from v1.35.",
        "Remove `procMount` (or set it to Default):\n```yaml\nsecurityContext:\n  procMount: Default\n```",
        &["5.6.3"],
        &["T1611"],
        &["restricted: /proc Mount Type"],
    ),
    rule(
        "pss-restricted-volume-types",
        "Volume type not allowed (PSS restricted)",
        Severity::Medium,
        "Restricted allows only configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, \
         projected and secret volumes; other in-tree types reach node or network storage directly.",
        "Use a PersistentVolumeClaim for network storage:\n```yaml\nvolumes:\n  - name: data\n    persistentVolumeClaim:\n      claimName: data\n```",
        &["5.2.11"],
        &["T1611"],
        &["restricted: Volume Types"],
    ),
    rule(
        "pss-restricted-run-as-non-root",
        "Containers may run as root (PSS restricted)",
        Severity::Medium,
        "Restricted requires runAsNonRoot: true on the pod or on every container, and forbids \
         setting it to false anywhere.",
        "Set it at pod level:\n```yaml\nspec:\n  securityContext:\n    runAsNonRoot: true\n```",
        &["5.2.7"],
        &["T1611"],
        &["restricted: Running as Non-root"],
    ),
    rule(
        "pss-restricted-run-as-user",
        "Container runs as UID 0 (PSS restricted, v1.23+)",
        Severity::Medium,
        "runAsUser: 0 runs the process as root, whatever runAsNonRoot says elsewhere.",
        "Use a non-zero UID:\n```yaml\nsecurityContext:\n  runAsUser: 10001\n```",
        &["5.2.7"],
        &["T1611"],
        &["restricted: Running as Non-root user"],
    ),
    rule(
        "pss-restricted-seccomp-profile",
        "Seccomp profile not set (PSS restricted)",
        Severity::Medium,
        "Restricted (v1.19+) requires every container to run under RuntimeDefault or Localhost \
         seccomp, set on the container or the pod. Windows pods are exempt from v1.25.",
        "Set it at pod level:\n```yaml\nspec:\n  securityContext:\n    seccompProfile:\n      type: RuntimeDefault\n```",
        &["5.6.2"],
        &["T1611"],
        &["restricted: Seccomp"],
    ),
];

/// The metadata of a check.
pub fn meta(check: CheckId) -> &'static RuleMeta {
    let i = CheckId::ALL
        .iter()
        .position(|c| *c == check)
        .unwrap_or_default();
    &RULES[i]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_check_has_its_own_rule() {
        for c in CheckId::ALL {
            assert_eq!(meta(c).id, c.rule_id());
            assert!(!meta(c).mappings.pss.is_empty());
            assert!(meta(c).mappings.pss[0].starts_with(c.level().as_str()));
        }
    }
}
