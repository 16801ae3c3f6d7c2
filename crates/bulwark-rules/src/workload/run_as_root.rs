//! `runs-as-root`.

use bulwark_core::{ContainerView, FieldPath, Mappings, RuleMeta, Severity};
use serde_json::Value;

use super::shape::{Level, is_windows, lookup, whence};
use super::{NSA_NON_ROOT, PSS_DOC, SECURITY_CONTEXT_DOC};
use crate::{Check, CheckFn, Emit};

static META: RuleMeta = RuleMeta {
    id: "runs-as-root",
    title: "Container may run as root",
    severity: Severity::Medium,
    category: "pod-security",
    description: "A process running as uid 0 inside a container is root on the node as soon \
        as it escapes, and it can write wherever the image and volumes allow. Unless the pod \
        proves otherwise, the image's USER decides, and most images default to root. The rule \
        reads the container's securityContext, falling back to the pod's field by field as \
        Kubernetes does: it reports `runAsUser: 0` (high), and otherwise a container for which \
        neither `runAsNonRoot: true` (the kubelet then refuses to start a root process) nor a \
        non-zero `runAsUser` is in effect (medium). A container-level `runAsNonRoot: false` \
        overrides a pod-level `true`, as in the restricted Pod Security Standard. Where the pod \
        runs in its own user namespace (`hostUsers: false`), root in the container is not root \
        on the node, so the finding is lowered to low.",
    remediation: "Run as a non-root user, at pod level so every container inherits it:\n\
        ```yaml\nspec:\n  securityContext:\n    runAsNonRoot: true\n    runAsUser: 10001\n    \
        runAsGroup: 10001\n```",
    references: &[PSS_DOC, SECURITY_CONTEXT_DOC],
    mappings: Mappings {
        cis: &["5.2.7"],
        nsa: &[NSA_NON_ROOT],
        mitre: &["T1611", "T1068"],
        pss: &[
            "restricted: Running as Non-root",
            "restricted: Running as Non-root user",
        ],
        pci_dss: &["2.2.1", "7.2.1"],
        soc2: &["CC6.1"],
        iso27001: &["A.8.2", "A.8.9"],
        hipaa: &["164.312(a)(1)"],
    },
};

pub static RUNS_AS_ROOT: Check = Check {
    meta: &META,
    run: CheckFn::Container(check),
};

/// What a container's effective user settings say about root.
#[derive(Debug, PartialEq)]
enum Verdict {
    /// `runAsUser: 0` is in effect, set at `path`.
    Root(FieldPath),
    /// Nothing keeps it from root; `path` is the runAsNonRoot in effect or
    /// where it belongs, `explicit` when that field says false.
    Unenforced {
        path: FieldPath,
        explicit: bool,
    },
    NonRoot,
}

fn verdict(c: &ContainerView<'_>) -> Verdict {
    let (user, user_path) = lookup(c, Level::Inherited, "runAsUser");
    let uid = user.and_then(Value::as_i64);
    if uid == Some(0) {
        return Verdict::Root(user_path);
    }
    let (non_root, path) = lookup(c, Level::Inherited, "runAsNonRoot");
    if non_root == Some(&Value::Bool(true)) || uid.is_some_and(|u| u > 0) {
        return Verdict::NonRoot;
    }
    Verdict::Unenforced {
        explicit: non_root.is_some(),
        path,
    }
}

fn check(c: &ContainerView<'_>, emit: &mut Emit<'_>) {
    let (severity, path, msg) = match verdict(c) {
        Verdict::NonRoot => return,
        Verdict::Root(path) => {
            let from = whence(c, &path);
            let msg = format!("{} runs as root (runAsUser: 0){from}", c.label());
            (Severity::High, path, msg)
        }
        Verdict::Unenforced {
            path,
            explicit: true,
        } => {
            let from = whence(c, &path);
            let msg = format!(
                "{} sets runAsNonRoot: false{from} and no non-zero runAsUser, so it may run as root",
                c.label()
            );
            (META.severity, path, msg)
        }
        Verdict::Unenforced { path, .. } if is_windows(&c.pod) => {
            let msg = format!(
                "{} may run as ContainerAdministrator: runAsNonRoot: true is not set",
                c.label()
            );
            (META.severity, path, msg)
        }
        Verdict::Unenforced { path, .. } => {
            let msg = format!(
                "{} may run as root: neither runAsNonRoot: true nor a non-zero runAsUser is set \
                 (the image's USER decides)",
                c.label()
            );
            (META.severity, path, msg)
        }
    };
    if c.pod.field("hostUsers").0 == Some(&Value::Bool(false)) {
        let msg = format!("{msg}; the pod uses a user namespace (hostUsers: false)");
        emit.at_severity(Severity::Low, path, msg);
    } else {
        emit.at_severity(severity, path, msg);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bulwark_core::{Origin, PodView, Resource};
    use serde_json::json;

    /// The verdict for each container of a pod with `spec`.
    fn verdicts(spec: Value) -> Vec<Verdict> {
        let r = Resource::new(
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec}),
            Origin::default(),
            None,
        );
        let pod = PodView::of(&r).expect("pod");
        pod.containers().map(|c| verdict(&c)).collect()
    }

    #[test]
    fn pod_level_non_root_covers_containers_unless_overridden() {
        let v = verdicts(json!({
            "securityContext": {"runAsNonRoot": true},
            "containers": [
                {"name": "a"},
                {"name": "b", "securityContext": {"runAsNonRoot": false}},
                {"name": "c", "securityContext": {"runAsNonRoot": false, "runAsUser": 1000}}
            ]
        }));
        assert_eq!(v[0], Verdict::NonRoot);
        assert_eq!(
            v[1],
            Verdict::Unenforced {
                path: FieldPath::parse("spec.containers[1].securityContext.runAsNonRoot"),
                explicit: true
            }
        );
        assert_eq!(v[2], Verdict::NonRoot);
    }

    #[test]
    fn uid_zero_is_root_even_with_run_as_non_root() {
        let v = verdicts(json!({
            "securityContext": {"runAsUser": 0},
            "containers": [
                {"name": "a", "securityContext": {"runAsNonRoot": true}},
                {"name": "b", "securityContext": {"runAsUser": 1000}}
            ],
            "initContainers": [{"name": "i", "securityContext": {"runAsUser": 0}}]
        }));
        assert_eq!(
            v[0],
            Verdict::Root(FieldPath::parse("spec.securityContext.runAsUser"))
        );
        // The container's non-zero uid overrides the pod's 0.
        assert_eq!(v[1], Verdict::NonRoot);
        assert_eq!(
            v[2],
            Verdict::Root(FieldPath::parse(
                "spec.initContainers[0].securityContext.runAsUser"
            ))
        );
    }

    #[test]
    fn nothing_set_points_at_the_container_security_context() {
        let v = verdicts(json!({
            "securityContext": {"runAsUser": "1000"},
            "containers": [{"name": "a"}]
        }));
        assert_eq!(
            v[0],
            Verdict::Unenforced {
                path: FieldPath::parse("spec.containers[0].securityContext.runAsNonRoot"),
                explicit: false
            }
        );
    }
}
