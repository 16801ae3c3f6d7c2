//! `run-as-user-below-floor`.

use bulwark_core::{ContainerView, Mappings, RuleMeta, Severity};
use serde_json::Value;

use super::shape::{Level, is_windows, lookup, whence};
use super::{NSA_NON_ROOT, SECURITY_CONTEXT_DOC};
use crate::{Check, CheckFn, Emit};

/// The lowest uid the rule accepts. Uids below it are the range hosts hand
/// out to their own users and services (`/etc/login.defs` UID_MAX is 60000,
/// system users sit below 1000), so a container process escaping with such
/// a uid acts as an existing host account on files it can reach.
pub const UID_FLOOR: i64 = 10000;

static META: RuleMeta = RuleMeta {
    id: "run-as-user-below-floor",
    title: "Container runs with a uid below 10000",
    severity: Severity::Low,
    category: "pod-security",
    description: "Without user namespaces, a container's uid is the node's uid. Low uids are \
        the ones the node's own accounts and daemons hold (system users below 1000, login users \
        from 1000), so a process that escapes the container, or writes through a hostPath or \
        shared volume, does so as an existing host identity. Hardening guides ask for a uid of \
        10000 or more for every container. The rule reads the effective `runAsUser` (the \
        container's securityContext, else the pod's, as Kubernetes does) of every container, \
        init container and ephemeral container, and reports a non-zero uid below 10000; uid 0 \
        is `runs-as-root`'s finding, and an unset uid is not guessed (the image decides). Pods \
        with their own user namespace (`hostUsers: false`) and Windows pods are not reported.",
    remediation: "Give the pod a uid (and gid) of 10000 or more, at pod level so every \
        container inherits it:\n\
        ```yaml\nspec:\n  securityContext:\n    runAsNonRoot: true\n    runAsUser: 10001\n    \
        runAsGroup: 10001\n```",
    references: &[
        SECURITY_CONTEXT_DOC,
        "https://kubernetes.io/docs/concepts/workloads/pods/user-namespaces/",
        "https://github.com/hadolint/hadolint/wiki/DL3002",
        "https://docs.kubelinter.io/#/generated/checks?id=run-as-non-root",
    ],
    mappings: Mappings {
        cis: &["5.2.7"],
        nsa: &[NSA_NON_ROOT],
        mitre: &["T1611"],
        pss: &[],
        pci_dss: &["2.2.1"],
        soc2: &["CC6.1"],
        iso27001: &["A.8.2"],
        hipaa: &[],
    },
};

pub static RUN_AS_USER_BELOW_FLOOR: Check = Check {
    meta: &META,
    run: CheckFn::Container(check),
};

fn check(c: &ContainerView<'_>, emit: &mut Emit<'_>) {
    if is_windows(&c.pod) || c.pod.field("hostUsers").0 == Some(&Value::Bool(false)) {
        return;
    }
    let (user, path) = lookup(c, Level::Inherited, "runAsUser");
    let Some(uid) = user.and_then(Value::as_i64) else {
        return;
    };
    if uid > 0 && uid < UID_FLOOR {
        let from = whence(c, &path);
        emit.at(
            path,
            format!(
                "{} runs as uid {uid}{from}, below {UID_FLOOR}: it may share its uid with an \
                 account on the node",
                c.label()
            ),
        );
    }
}
