//! Rules on pod specs of every workload kind.
//!
//! Each module holds one rule (or a tight group) with its metadata; the
//! shapes several rules share (a securityContext field that must or must not
//! hold a value, a pod-level flag) are written once in [`shape`].

#[cfg(test)]
mod agreement;
mod apparmor;
mod capabilities;
mod escalation;
mod host_namespaces;
mod host_path;
mod host_port;
mod privileged;
mod probes;
mod proc_mount;
mod resources;
mod root_filesystem;
mod run_as_root;
mod sandbox;
mod seccomp;
mod selinux;
mod shape;
mod sysctls;
#[cfg(test)]
mod tests;
mod uid_floor;
mod windows_host_process;

use crate::Check;

/// Checks of this family.
pub static CHECKS: &[&Check] = &[
    &privileged::PRIVILEGED,
    &escalation::PRIVILEGE_ESCALATION,
    &run_as_root::RUNS_AS_ROOT,
    &uid_floor::RUN_AS_USER_BELOW_FLOOR,
    &root_filesystem::WRITABLE_ROOT_FILESYSTEM,
    &capabilities::NOT_DROPPED,
    &capabilities::DANGEROUS_CAPS,
    &seccomp::SECCOMP_UNCONFINED,
    &apparmor::APPARMOR_UNCONFINED,
    &selinux::SELINUX_CUSTOM_OPTIONS,
    &host_namespaces::HOST_NETWORK,
    &host_namespaces::HOST_PID,
    &host_namespaces::HOST_IPC,
    &host_path::HOST_PATH_VOLUME,
    &host_port::HOST_PORT,
    &sysctls::UNSAFE_SYSCTLS,
    &proc_mount::PROC_MOUNT_UNMASKED,
    &windows_host_process::WINDOWS_HOST_PROCESS,
    &resources::CPU_REQUESTS,
    &resources::MEMORY_REQUESTS,
    &resources::CPU_LIMITS,
    &resources::MEMORY_LIMITS,
    &probes::LIVENESS,
    &probes::READINESS,
    &sandbox::UNTRUSTED_NOT_SANDBOXED,
];

/// References most rules of the family share.
const PSS_DOC: &str = "https://kubernetes.io/docs/concepts/security/pod-security-standards/";
const SECURITY_CONTEXT_DOC: &str =
    "https://kubernetes.io/docs/tasks/configure-pod-container/security-context/";

/// NSA-CISA Kubernetes Hardening Guidance sections the family maps to.
const NSA_NON_ROOT: &str =
    "Kubernetes Pod security: Non-root containers and \"rootless\" container engines";
const NSA_IMMUTABLE: &str = "Kubernetes Pod security: Immutable container file systems";
const NSA_HARDENING: &str = "Kubernetes Pod security: Hardening container environments";
const NSA_ENFORCEMENT: &str = "Kubernetes Pod security: Pod security enforcement";
const NSA_RESOURCES: &str = "Network separation and hardening: Resource policies";
