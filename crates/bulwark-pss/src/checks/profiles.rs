//! Checks on confinement profiles: AppArmor, seccomp, SELinux. Each can be
//! set on the pod and on containers; the checks name every setter.

use bulwark_core::FieldPath;
use serde_json::Value;

use super::{
    PodCtx, Set, containers_phrase, get, join_quote, name, pluralize, sc, sc_path, text, violation,
};
use crate::check::{CheckId, Violation};
use crate::evaluate::Options;

const APPARMOR_ANNOTATION_PREFIX: &str = "container.apparmor.security.beta.kubernetes.io/";

fn allowed_apparmor_annotation(v: &str) -> bool {
    v.is_empty() || v == "runtime/default" || v.starts_with("localhost/")
}

fn allowed_profile_type(t: Option<&Value>) -> bool {
    matches!(
        t.and_then(Value::as_str),
        Some("RuntimeDefault" | "Localhost")
    )
}

/// appArmorProfile, v1.0+: the `appArmorProfile` fields (pod and
/// containers) and the beta annotations may only name the runtime default
/// or a localhost profile.
pub fn app_armor_profile(pod: &PodCtx<'_>, _: &Options) -> Option<Violation> {
    let mut setters = Vec::new();
    let mut values = Set::new();
    let mut paths = Vec::new();
    if let Some(t) = pod.pod_sc("appArmorProfile").map(|p| get(p, "type"))
        && !allowed_profile_type(t)
    {
        setters.push("pod".to_string());
        values.insert(t.map(text).unwrap_or_default());
        paths.push(pod.pod_sc_path("appArmorProfile").key("type"));
    }
    let mut bad = Vec::new();
    for c in &pod.containers {
        if let Some(t) = sc(c, "appArmorProfile").map(|p| get(p, "type"))
            && !allowed_profile_type(t)
        {
            bad.push(name(c));
            values.insert(t.map(text).unwrap_or_default());
            paths.push(sc_path(c, "appArmorProfile").key("type"));
        }
    }
    if !bad.is_empty() {
        setters.push(containers_phrase(&bad));
    }
    let mut annotated = false;
    for (k, v) in pod.annotations() {
        let v = text(v);
        if k.starts_with(APPARMOR_ANNOTATION_PREFIX) && !allowed_apparmor_annotation(&v) {
            annotated = true;
            values.insert(format!("{k}={v:?}"));
            paths.push(pod.view.annotation_path(k));
        }
    }
    if annotated {
        setters.push("annotations".to_string());
    }
    if setters.is_empty() {
        return None;
    }
    violation(
        CheckId::AppArmorProfile,
        pluralize(
            "forbidden AppArmor profile",
            "forbidden AppArmor profiles",
            values.len(),
        ),
        format!(
            "{} must not set AppArmor profile type to {}",
            setters.join(" and "),
            join_quote(&values)
        ),
        paths,
    )
}

const SECCOMP_POD_ANNOTATION: &str = "seccomp.security.alpha.kubernetes.io/pod";
const SECCOMP_CONTAINER_ANNOTATION_PREFIX: &str = "container.seccomp.security.alpha.kubernetes.io/";

fn allowed_seccomp_annotation(v: &str) -> bool {
    v == "runtime/default" || v == "docker/default" || v.starts_with("localhost/")
}

/// seccompProfile_baseline, v1.0 to v1.18: the alpha annotations may only
/// name the runtime default or a localhost profile.
pub fn seccomp_baseline_annotations(pod: &PodCtx<'_>, _: &Options) -> Option<Violation> {
    let annotations = pod.view.annotations();
    let lookup = |k: &str| annotations.and_then(|a| a.get(k)).map(text);
    let mut forbidden = Set::new();
    let mut paths = Vec::new();
    let mut test = |key: String| {
        if let Some(v) = lookup(&key)
            && !allowed_seccomp_annotation(&v)
        {
            paths.push(pod.view.annotation_path(&key));
            forbidden.insert(format!("{key}={v:?}"));
        }
    };
    test(SECCOMP_POD_ANNOTATION.to_string());
    for c in &pod.containers {
        test(format!("{SECCOMP_CONTAINER_ANNOTATION_PREFIX}{}", name(c)));
    }
    if forbidden.is_empty() {
        return None;
    }
    violation(
        CheckId::SeccompProfileBaseline,
        "seccompProfile",
        format!(
            "forbidden {} {}",
            pluralize("annotation", "annotations", forbidden.len()),
            forbidden.into_iter().collect::<Vec<_>>().join(", ")
        ),
        paths,
    )
}

/// What the seccomp field checks found.
struct SeccompScan {
    setters: Vec<String>,
    values: Set,
    paths: Vec<FieldPath>,
    /// Containers that set no profile while the pod sets no valid one.
    implicit: Vec<String>,
    implicit_paths: Vec<FieldPath>,
}

fn scan_seccomp(pod: &PodCtx<'_>) -> SeccompScan {
    let mut s = SeccompScan {
        setters: Vec::new(),
        values: Set::new(),
        paths: Vec::new(),
        implicit: Vec::new(),
        implicit_paths: Vec::new(),
    };
    let mut pod_set = false;
    if let Some(p) = pod.pod_sc("seccompProfile") {
        let t = get(p, "type");
        if allowed_profile_type(t) {
            pod_set = true;
        } else {
            s.setters.push("pod".to_string());
            s.values.insert(t.map(text).unwrap_or_default());
            s.paths.push(pod.pod_sc_path("seccompProfile").key("type"));
        }
    }
    let mut bad = Vec::new();
    for c in &pod.containers {
        match sc(c, "seccompProfile") {
            Some(p) => {
                let t = get(p, "type");
                if !allowed_profile_type(t) {
                    bad.push(name(c));
                    s.values.insert(t.map(text).unwrap_or_default());
                    s.paths.push(sc_path(c, "seccompProfile").key("type"));
                }
            }
            None if !pod_set => {
                s.implicit.push(name(c).to_string());
                s.implicit_paths.push(sc_path(c, "seccompProfile"));
            }
            None => {}
        }
    }
    if !bad.is_empty() {
        s.setters.push(containers_phrase(&bad));
    }
    s
}

fn explicit_seccomp(check: CheckId, s: SeccompScan) -> Option<Violation> {
    violation(
        check,
        "seccompProfile",
        format!(
            "{} must not set securityContext.seccompProfile.type to {}",
            s.setters.join(" and "),
            join_quote(&s.values)
        ),
        s.paths,
    )
}

/// seccompProfile_baseline, v1.19+: a profile set on pod or container must
/// be RuntimeDefault or Localhost.
pub fn seccomp_baseline_fields(pod: &PodCtx<'_>, _: &Options) -> Option<Violation> {
    let s = scan_seccomp(pod);
    if s.setters.is_empty() {
        return None;
    }
    explicit_seccomp(CheckId::SeccompProfileBaseline, s)
}

/// seccompProfile_restricted, v1.19+: every container must end up with
/// RuntimeDefault or Localhost, from its own field or the pod's.
pub fn seccomp_restricted(pod: &PodCtx<'_>, _: &Options) -> Option<Violation> {
    let s = scan_seccomp(pod);
    if !s.setters.is_empty() {
        return explicit_seccomp(CheckId::SeccompProfileRestricted, s);
    }
    if s.implicit.is_empty() {
        return None;
    }
    violation(
        CheckId::SeccompProfileRestricted,
        "seccompProfile",
        format!(
            "pod or {} must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\"",
            containers_phrase(&s.implicit)
        ),
        s.implicit_paths,
    )
}

/// seccompProfile_restricted, v1.25+: Windows pods are exempt.
pub fn seccomp_restricted_1_25(pod: &PodCtx<'_>, o: &Options) -> Option<Violation> {
    if pod.is_windows() {
        return None;
    }
    seccomp_restricted(pod, o)
}

const SELINUX_TYPES_1_0: &[&str] = &["", "container_t", "container_init_t", "container_kvm_t"];
const SELINUX_TYPES_1_31: &[&str] = &[
    "",
    "container_t",
    "container_init_t",
    "container_kvm_t",
    "container_engine_t",
];

fn selinux_options(pod: &PodCtx<'_>, allowed: &[&str]) -> Option<Violation> {
    let mut bad_types = Set::new();
    let mut set_user = false;
    let mut set_role = false;
    let mut paths = Vec::new();
    let mut valid = |opts: &Value, at: FieldPath| {
        let mut ok = true;
        let field = |k: &str| get(opts, k).map(text).unwrap_or_default();
        let t = field("type");
        if !allowed.contains(&t.as_str()) {
            ok = false;
            bad_types.insert(t);
            paths.push(at.key("type"));
        }
        if !field("user").is_empty() {
            ok = false;
            set_user = true;
            paths.push(at.key("user"));
        }
        if !field("role").is_empty() {
            ok = false;
            set_role = true;
            paths.push(at.key("role"));
        }
        ok
    };
    let mut setters = Vec::new();
    if let Some(o) = pod.pod_sc("seLinuxOptions")
        && !valid(o, pod.pod_sc_path("seLinuxOptions"))
    {
        setters.push("pod".to_string());
    }
    let mut bad = Vec::new();
    for c in &pod.containers {
        if let Some(o) = sc(c, "seLinuxOptions")
            && !valid(o, sc_path(c, "seLinuxOptions"))
        {
            bad.push(name(c));
        }
    }
    if !bad.is_empty() {
        setters.push(containers_phrase(&bad));
    }
    if setters.is_empty() {
        return None;
    }
    let mut data = Vec::new();
    if !bad_types.is_empty() {
        data.push(format!(
            "{} {}",
            pluralize("type", "types", bad_types.len()),
            join_quote(&bad_types)
        ));
    }
    if set_user {
        data.push("user may not be set".to_string());
    }
    if set_role {
        data.push("role may not be set".to_string());
    }
    violation(
        CheckId::SeLinuxOptions,
        "seLinuxOptions",
        format!(
            "{} set forbidden securityContext.seLinuxOptions: {}",
            setters.join(" and "),
            data.join("; ")
        ),
        paths,
    )
}

/// seLinuxOptions, v1.0+: no user or role; type only container_t,
/// container_init_t or container_kvm_t.
pub fn selinux_options_1_0(pod: &PodCtx<'_>, _: &Options) -> Option<Violation> {
    selinux_options(pod, SELINUX_TYPES_1_0)
}

/// seLinuxOptions, v1.31+: container_engine_t is allowed too.
pub fn selinux_options_1_31(pod: &PodCtx<'_>, _: &Options) -> Option<Violation> {
    selinux_options(pod, SELINUX_TYPES_1_31)
}
