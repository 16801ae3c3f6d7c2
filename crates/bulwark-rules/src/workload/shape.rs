//! Shapes several workload rules share, written once: a securityContext
//! field that must hold a value, one that must not be true, a pod-level
//! flag.

use bulwark_core::{ContainerView, FieldPath, PodView};
use serde_json::Value;

use crate::Emit;

/// Where a securityContext field is read.
#[derive(Clone, Copy)]
pub(super) enum Level {
    /// Only the container's own securityContext has it (privileged,
    /// capabilities, allowPrivilegeEscalation, readOnlyRootFilesystem…).
    Container,
    /// The pod's securityContext may set it and the container's overrides.
    Inherited,
}

/// A securityContext field of the container at `level`, with its path.
pub(super) fn lookup<'a>(
    c: &ContainerView<'a>,
    level: Level,
    key: &str,
) -> (Option<&'a Value>, FieldPath) {
    let (v, path) = match level {
        Level::Container => c.sc(key),
        Level::Inherited => c.effective_sc(key),
    };
    (v.filter(|v| !v.is_null()), path)
}

/// Whether the pod declares itself Windows (`spec.os.name: windows`). The
/// API rejects Linux-only securityContext fields (capabilities, seccomp,
/// allowPrivilegeEscalation, readOnlyRootFilesystem…) on such pods, so a
/// rule asking for one of them must stay silent there.
pub(super) fn is_windows(p: &PodView<'_>) -> bool {
    p.field("os.name").0.and_then(Value::as_str) == Some("windows")
}

/// `" (set at pod level)"` when an inherited value came from the pod's
/// securityContext, so the reader knows which line to change.
pub(super) fn whence(c: &ContainerView<'_>, path: &FieldPath) -> &'static str {
    if path.0.starts_with(&c.path.0) {
        ""
    } else {
        " (set at pod level)"
    }
}

/// Reports unless the container's own securityContext sets the boolean
/// `key` to `want`; `unset` says what leaving it out means. Returns whether
/// the field held the wanted value.
pub(super) fn require_bool(
    c: &ContainerView<'_>,
    emit: &mut Emit<'_>,
    key: &str,
    want: bool,
    unset: &str,
) -> bool {
    let (v, path) = lookup(c, Level::Container, key);
    let msg = match v {
        Some(Value::Bool(b)) if *b == want => return true,
        None => format!("{} does not set {key}: {want} ({unset})", c.label()),
        Some(other) => format!("{} sets {key}: {other}, expected {want}", c.label()),
    };
    emit.at(path, msg);
    false
}

/// Reports when the boolean securityContext field `key` is true; `what`
/// completes the sentence "container \"x\" …".
pub(super) fn forbid_true(
    c: &ContainerView<'_>,
    emit: &mut Emit<'_>,
    level: Level,
    key: &str,
    what: &str,
) {
    let (v, path) = lookup(c, level, key);
    if v == Some(&Value::Bool(true)) {
        let from = whence(c, &path);
        emit.at(path, format!("{} {what}{from}", c.label()));
    }
}

/// Reports when the pod spec's boolean field `key` is true; `what`
/// completes the sentence "the pod …".
pub(super) fn forbid_pod_flag(p: &PodView<'_>, emit: &mut Emit<'_>, key: &str, what: &str) {
    let (v, path) = p.field(key);
    if v == Some(&Value::Bool(true)) {
        emit.at(path, format!("the pod {what} ({key}: true)"));
    }
}

/// A seccomp or AppArmor setting in effect for a container.
pub(super) enum Setting<'a> {
    /// The `type` of the securityContext profile object (`""` when absent).
    Field(&'a str),
    /// The value of a legacy annotation.
    Annotation(&'a str),
}

/// The profile setting in effect for a container, as Kubernetes layers
/// them: the container's securityContext `field`, else the legacy
/// annotation `<container_prefix><name>`, else the pod's `field`, else the
/// legacy `pod_annotation`. Returns the setting, the path of the value, and
/// where it was set for a message (`""`, `" at pod level"`, `" by
/// annotation …"`).
pub(super) fn profile_in_effect<'a>(
    c: &ContainerView<'a>,
    field: &str,
    container_prefix: &str,
    pod_annotation: Option<&str>,
) -> Option<(Setting<'a>, FieldPath, String)> {
    let container_key = format!("{container_prefix}{}", c.name());
    let levels = [
        (c.sc(field), Some(container_key.as_str()), ""),
        (c.pod.pod_sc(field), pod_annotation, " at pod level"),
    ];
    for ((v, path), annotation, from) in levels {
        if let Some(v) = v.filter(|v| !v.is_null()) {
            let kind = v.get("type").and_then(Value::as_str).unwrap_or_default();
            return Some((Setting::Field(kind), path.key("type"), from.to_string()));
        }
        if let Some(key) = annotation
            && let Some(a) = c.pod.annotation(key)
        {
            let from = format!(" by annotation {key}");
            return Some((Setting::Annotation(a), c.pod.annotation_path(key), from));
        }
    }
    None
}
