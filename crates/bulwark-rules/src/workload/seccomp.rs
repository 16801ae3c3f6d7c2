//! `seccomp-unconfined`.

use super::shape::{Setting, is_windows, profile_in_effect};
use super::{NSA_HARDENING, PSS_DOC, SECURITY_CONTEXT_DOC};
use crate::{Check, CheckFn, Emit};
use bulwark_core::{ContainerView, FieldPath, Mappings, RuleMeta, Severity};

/// Legacy (pre-1.19) annotations, still copied into the fields when a pod
/// is created without them.
const POD_ANNOTATION: &str = "seccomp.security.alpha.kubernetes.io/pod";
const CONTAINER_ANNOTATION_PREFIX: &str = "container.seccomp.security.alpha.kubernetes.io/";

static META: RuleMeta = RuleMeta {
    id: "seccomp-unconfined",
    title: "Container runs without a seccomp profile",
    severity: Severity::Medium,
    category: "pod-security",
    description: "Seccomp filters the system calls a container may make. Without a profile, \
        the container reaches the whole kernel interface, and most container escapes through \
        kernel bugs (Dirty Pipe, io_uring, user-namespace and keyctl bugs) go through system \
        calls that the runtime's default profile blocks. Kubernetes runs containers Unconfined \
        unless the pod or container sets `seccompProfile` (the kubelet's `--seccomp-default` \
        flag is off by default). The effective profile is read as Kubernetes does: the \
        container's field, else its legacy `container.seccomp.security.alpha.kubernetes.io/<name>` \
        annotation, else the pod's field, else the legacy `seccomp.security.alpha.kubernetes.io/pod` \
        annotation. An explicit Unconfined is reported as high, a missing profile as medium. \
        Pods with `spec.os.name: windows` are skipped.",
    remediation: "Use the runtime's default profile for the whole pod (or a Localhost profile \
        tailored to the application):\n\
        ```yaml\nspec:\n  securityContext:\n    seccompProfile:\n      type: RuntimeDefault\n```",
    references: &[
        PSS_DOC,
        "https://kubernetes.io/docs/tutorials/security/seccomp/",
        SECURITY_CONTEXT_DOC,
    ],
    mappings: Mappings {
        cis: &["5.6.2"],
        nsa: &[NSA_HARDENING],
        mitre: &["T1611", "T1068"],
        // Not baseline: Seccomp, which allows an unset profile (reported here).
        pss: &["restricted: Seccomp"],
        pci_dss: &["2.2.1"],
        soc2: &["CC6.8"],
        iso27001: &["A.8.9"],
        hipaa: &[],
    },
};

pub static SECCOMP_UNCONFINED: Check = Check {
    meta: &META,
    run: CheckFn::Container(check),
};

#[derive(Debug, PartialEq)]
enum Profile {
    /// RuntimeDefault or Localhost.
    Confined,
    Unconfined,
    /// A type or annotation value Kubernetes would not accept.
    Unknown(String),
}

impl Profile {
    fn of(setting: &Setting<'_>) -> Self {
        match setting {
            Setting::Field("RuntimeDefault" | "Localhost") => Profile::Confined,
            Setting::Field("Unconfined") => Profile::Unconfined,
            Setting::Annotation("runtime/default" | "docker/default") => Profile::Confined,
            Setting::Annotation("unconfined") => Profile::Unconfined,
            Setting::Annotation(a) if a.starts_with("localhost/") => Profile::Confined,
            Setting::Field(v) | Setting::Annotation(v) => Profile::Unknown(v.to_string()),
        }
    }
}

/// The effective profile of a container, the path that set it and how to
/// name that place in a message; `None` when nothing sets one.
fn effective(c: &ContainerView<'_>) -> Option<(Profile, FieldPath, String)> {
    let found = profile_in_effect(
        c,
        "seccompProfile",
        CONTAINER_ANNOTATION_PREFIX,
        Some(POD_ANNOTATION),
    );
    found.map(|(setting, path, from)| (Profile::of(&setting), path, from))
}

fn check(c: &ContainerView<'_>, emit: &mut Emit<'_>) {
    if is_windows(&c.pod) {
        return;
    }
    match effective(c) {
        Some((Profile::Confined, _, _)) => {}
        Some((Profile::Unconfined, path, from)) => emit.at_severity(
            Severity::High,
            path,
            format!("{} runs with seccomp Unconfined{from}", c.label()),
        ),
        Some((Profile::Unknown(v), path, from)) => emit.at(
            path,
            format!(
                "{} has an unrecognised seccomp profile {v:?}{from}; use RuntimeDefault or Localhost",
                c.label()
            ),
        ),
        None => emit.at(
            c.path.key("securityContext").key("seccompProfile"),
            format!(
                "{} has no seccomp profile: set seccompProfile.type: RuntimeDefault on the \
                 container or the pod",
                c.label()
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bulwark_core::{Origin, PodView, Resource};
    use serde_json::{Value, json};

    /// The effective profile and its path for each container of a Pod.
    fn profiles(annotations: Value, spec: Value) -> Vec<Option<(Profile, String)>> {
        let r = Resource::new(
            json!({"apiVersion": "v1", "kind": "Pod",
                   "metadata": {"name": "p", "annotations": annotations}, "spec": spec}),
            Origin::default(),
            None,
        );
        let pod = PodView::of(&r).expect("pod");
        pod.containers()
            .map(|c| effective(&c).map(|(p, path, _)| (p, path.to_string())))
            .collect()
    }

    #[test]
    fn precedence_container_field_then_annotation_then_pod() {
        let v = profiles(
            json!({
                "seccomp.security.alpha.kubernetes.io/pod": "unconfined",
                "container.seccomp.security.alpha.kubernetes.io/b": "runtime/default",
                "container.seccomp.security.alpha.kubernetes.io/c": "unconfined"
            }),
            json!({
                "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
                "containers": [
                    {"name": "a", "securityContext": {"seccompProfile": {"type": "Unconfined"}}},
                    {"name": "b"},
                    {"name": "c", "securityContext": {"seccompProfile": {"type": "Localhost",
                        "localhostProfile": "x.json"}}},
                    {"name": "d"}
                ]
            }),
        );
        assert_eq!(
            v[0],
            Some((
                Profile::Unconfined,
                "spec.containers[0].securityContext.seccompProfile.type".into()
            ))
        );
        assert_eq!(
            v[1],
            Some((
                Profile::Confined,
                "metadata.annotations[\"container.seccomp.security.alpha.kubernetes.io/b\"]".into()
            ))
        );
        // The container's own field beats its annotation.
        assert_eq!(v[2].as_ref().map(|p| &p.0), Some(&Profile::Confined));
        // The pod's field beats the pod annotation.
        assert_eq!(
            v[3],
            Some((
                Profile::Confined,
                "spec.securityContext.seccompProfile.type".into()
            ))
        );
    }

    #[test]
    fn pod_annotation_applies_when_no_field_is_set() {
        let v = profiles(
            json!({"seccomp.security.alpha.kubernetes.io/pod": "docker/default"}),
            json!({"containers": [{"name": "a"}], "initContainers": [{"name": "i"}]}),
        );
        assert!(
            v.iter()
                .all(|p| p.as_ref().map(|p| &p.0) == Some(&Profile::Confined))
        );
        let v = profiles(json!({}), json!({"containers": [{"name": "a"}]}));
        assert_eq!(v[0], None);
    }

    #[test]
    fn annotation_values() {
        let of = |a| Profile::of(&Setting::Annotation(a));
        assert_eq!(of("localhost/prof.json"), Profile::Confined);
        assert_eq!(of("unconfined"), Profile::Unconfined);
        assert_eq!(of("Unconfined"), Profile::Unknown("Unconfined".into()));
        assert_eq!(
            Profile::of(&Setting::Field("unconfined")),
            Profile::Unknown("unconfined".into())
        );
    }
}
