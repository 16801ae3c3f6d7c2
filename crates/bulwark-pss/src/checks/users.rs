//! Checks on the user a container runs as: runAsNonRoot, runAsUser.

use super::{PodCtx, containers_phrase, is_false, is_true, name, sc, sc_path, violation};
use crate::check::{CheckId, Violation};
use crate::evaluate::Options;

/// runAsNonRoot, v1.0+: the pod, or else every container, must set
/// `runAsNonRoot: true`, and nothing may set it to false.
///
/// With the `UserNamespacesPodSecurityStandards` gate modelled on
/// ([`Options::relax_user_namespace_pods`]) a pod with `hostUsers: false`
/// passes, as upstream relaxes it.
pub fn run_as_non_root(pod: &PodCtx<'_>, o: &Options) -> Option<Violation> {
    if o.relax_user_namespace_pods && pod.in_user_namespace() {
        return None;
    }
    let mut setters = Vec::new();
    let mut paths = Vec::new();
    let pod_value = pod.pod_sc("runAsNonRoot");
    if is_false(pod_value) {
        setters.push("pod".to_string());
        paths.push(pod.pod_sc_path("runAsNonRoot"));
    }
    let pod_true = is_true(pod_value);
    let mut explicit = Vec::new();
    let mut implicit = Vec::new();
    let mut implicit_paths = Vec::new();
    for c in &pod.containers {
        match sc(c, "runAsNonRoot") {
            Some(v) if !is_true(Some(v)) => {
                explicit.push(name(c));
                paths.push(sc_path(c, "runAsNonRoot"));
            }
            Some(_) => {}
            None if !pod_true => {
                implicit.push(name(c));
                implicit_paths.push(sc_path(c, "runAsNonRoot"));
            }
            None => {}
        }
    }
    if !explicit.is_empty() {
        setters.push(containers_phrase(&explicit));
    }
    if !setters.is_empty() {
        return violation(
            CheckId::RunAsNonRoot,
            "runAsNonRoot != true",
            format!(
                "{} must not set securityContext.runAsNonRoot=false",
                setters.join(" and ")
            ),
            paths,
        );
    }
    if implicit.is_empty() {
        return None;
    }
    violation(
        CheckId::RunAsNonRoot,
        "runAsNonRoot != true",
        format!(
            "pod or {} must set securityContext.runAsNonRoot=true",
            containers_phrase(&implicit)
        ),
        implicit_paths,
    )
}

fn is_zero(v: Option<&serde_json::Value>) -> bool {
    v.and_then(serde_json::Value::as_f64) == Some(0.0)
}

/// runAsUser, v1.23+: neither pod nor container may set `runAsUser: 0`.
/// Relaxed for user-namespace pods like runAsNonRoot.
pub fn run_as_user(pod: &PodCtx<'_>, o: &Options) -> Option<Violation> {
    if o.relax_user_namespace_pods && pod.in_user_namespace() {
        return None;
    }
    let mut setters = Vec::new();
    let mut paths = Vec::new();
    if is_zero(pod.pod_sc("runAsUser")) {
        setters.push("pod".to_string());
        paths.push(pod.pod_sc_path("runAsUser"));
    }
    let mut bad = Vec::new();
    for c in &pod.containers {
        if is_zero(sc(c, "runAsUser")) {
            bad.push(name(c));
            paths.push(sc_path(c, "runAsUser"));
        }
    }
    if !bad.is_empty() {
        setters.push(containers_phrase(&bad));
    }
    if setters.is_empty() {
        return None;
    }
    violation(
        CheckId::RunAsUser,
        "runAsUser=0",
        format!("{} must not set runAsUser=0", setters.join(" and ")),
        paths,
    )
}
