//! `writable-root-filesystem`.

use bulwark_core::{ContainerView, Mappings, RuleMeta, Severity};

use super::shape::{is_windows, require_bool};
use super::{NSA_IMMUTABLE, SECURITY_CONTEXT_DOC};
use crate::{Check, CheckFn, Emit};

static META: RuleMeta = RuleMeta {
    id: "writable-root-filesystem",
    title: "Container root filesystem is writable",
    severity: Severity::Low,
    category: "pod-security",
    description: "With a writable root filesystem, an attacker who gets code execution can \
        drop tools, replace binaries and libraries of the running image, and persist changes for \
        the life of the container. A read-only root filesystem, with explicit `emptyDir` volumes \
        where the application needs to write (`/tmp`, caches), keeps the container what the \
        image says it is. The field has no pod-level form. Pods with `spec.os.name: windows` \
        are skipped: the field does not exist there.",
    remediation: "Make the root filesystem read-only and mount writable scratch space where \
        needed:\n\
        ```yaml\ncontainers:\n- name: app\n  securityContext:\n    readOnlyRootFilesystem: true\n  \
        volumeMounts:\n  - {name: tmp, mountPath: /tmp}\nvolumes:\n- name: tmp\n  emptyDir: {}\n```",
    references: &[
        SECURITY_CONTEXT_DOC,
        "https://kubernetes.io/docs/concepts/storage/volumes/#emptydir",
    ],
    mappings: Mappings {
        cis: &["5.6.3"],
        nsa: &[NSA_IMMUTABLE],
        mitre: &["T1105", "T1554"],
        pss: &[],
        pci_dss: &["2.2.1"],
        soc2: &["CC6.8"],
        iso27001: &["A.8.9"],
        hipaa: &["164.312(c)(1)"],
    },
};

pub static WRITABLE_ROOT_FILESYSTEM: Check = Check {
    meta: &META,
    run: CheckFn::Container(check),
};

fn check(c: &ContainerView<'_>, emit: &mut Emit<'_>) {
    if !is_windows(&c.pod) {
        require_bool(
            c,
            emit,
            "readOnlyRootFilesystem",
            true,
            "it defaults to false",
        );
    }
}
