//! The checks, one function per check version, and the table that says
//! from which policy version each applies.
//!
//! Every function reads the pod as the API server would hand it to the
//! admission plugin (after defaulting; see `volumes.rs`) and answers what the
//! plugin answers. Containers are visited in the plugin's order: init
//! containers, containers, then ephemeral containers.

mod containers;
mod pod;
mod profiles;
mod users;

use std::collections::BTreeSet;

use bulwark_core::{ContainerKind, ContainerView, FieldPath, PodView};
use serde_json::Value;

use crate::check::{CheckId, Violation};
use crate::evaluate::Options;

/// A pod prepared for the checks.
pub struct PodCtx<'a> {
    pub view: PodView<'a>,
    /// Containers in the plugin's visiting order.
    pub containers: Vec<ContainerView<'a>>,
    pub spec_path: FieldPath,
}

impl<'a> PodCtx<'a> {
    pub fn new(view: PodView<'a>) -> Self {
        let spec_path = view.spec_path();
        let mut containers = Vec::new();
        for kind in [
            ContainerKind::InitContainer,
            ContainerKind::Container,
            ContainerKind::EphemeralContainer,
        ] {
            let Some(list) = view.spec.get(kind.field()).and_then(Value::as_array) else {
                continue;
            };
            let base = spec_path.key(kind.field());
            for (index, value) in list.iter().enumerate() {
                containers.push(ContainerView {
                    pod: view,
                    kind,
                    index,
                    value,
                    path: base.index(index),
                });
            }
        }
        Self {
            view,
            containers,
            spec_path,
        }
    }

    fn spec(&self) -> &'a Value {
        self.view.spec
    }

    /// A field of the pod spec (missing and `null` are the same: unset).
    fn field(&self, key: &str) -> Option<&'a Value> {
        get(self.spec(), key)
    }

    /// A field of the pod-level securityContext.
    fn pod_sc(&self, key: &str) -> Option<&'a Value> {
        get(self.field("securityContext")?, key)
    }

    fn pod_sc_path(&self, key: &str) -> FieldPath {
        self.spec_path.key("securityContext").key(key)
    }

    /// `spec.os.name: windows`: the restricted Linux-only checks skip
    /// such pods from v1.25.
    fn is_windows(&self) -> bool {
        self.field("os")
            .and_then(|os| get(os, "name"))
            .and_then(Value::as_str)
            == Some("windows")
    }

    /// `spec.hostUsers: false`: the pod runs in a user namespace.
    fn in_user_namespace(&self) -> bool {
        matches!(self.field("hostUsers"), Some(Value::Bool(false)))
    }

    fn annotations(&self) -> impl Iterator<Item = (&'a String, &'a Value)> {
        self.view.annotations().into_iter().flatten()
    }
}

/// `v[key]`, with `null` read as unset, as Go's decoder does for pointers.
fn get<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.get(key).filter(|v| !v.is_null())
}

/// A field of a container's own securityContext.
fn sc<'a>(c: &ContainerView<'a>, key: &str) -> Option<&'a Value> {
    get(get(c.value, "securityContext")?, key)
}

fn sc_path(c: &ContainerView<'_>, key: &str) -> FieldPath {
    c.path.key("securityContext").key(key)
}

fn is_true(v: Option<&Value>) -> bool {
    matches!(v, Some(Value::Bool(true)))
}

fn is_false(v: Option<&Value>) -> bool {
    matches!(v, Some(Value::Bool(false)))
}

/// A scalar as Go would print the string it decoded to.
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The name the plugin prints for a container (empty when unnamed).
fn name<'a>(c: &ContainerView<'a>) -> &'a str {
    c.value.get("name").and_then(Value::as_str).unwrap_or("")
}

/// `"a", "b"` as the plugin quotes lists.
fn join_quote<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> String {
    let v: Vec<String> = items
        .into_iter()
        .map(|s| format!("\"{}\"", s.as_ref()))
        .collect();
    v.join(", ")
}

fn pluralize<'s>(singular: &'s str, plural: &'s str, n: usize) -> &'s str {
    if n == 1 { singular } else { plural }
}

/// `container "a"` / `containers "a", "b"`.
fn containers_phrase<S: AsRef<str>>(names: &[S]) -> String {
    format!(
        "{} {}",
        pluralize("container", "containers", names.len()),
        join_quote(names)
    )
}

/// A sorted set of strings, as Go's `sets.NewString().List()` gives.
type Set = BTreeSet<String>;

fn violation(
    check: CheckId,
    reason: impl Into<String>,
    detail: String,
    paths: Vec<FieldPath>,
) -> Option<Violation> {
    Some(Violation {
        check,
        reason: reason.into(),
        detail,
        paths,
    })
}

/// One version of a check.
pub type CheckFn = fn(&PodCtx<'_>, &Options) -> Option<Violation>;

/// A check and its versions: `(first minor version, function)`, ascending.
pub struct Registered {
    pub id: CheckId,
    pub versions: &'static [(u32, CheckFn)],
}

impl Registered {
    /// The function that applies at `minor`, if the check exists there yet.
    pub fn at(&self, minor: u32) -> Option<CheckFn> {
        self.versions
            .iter()
            .rev()
            .find(|(min, _)| *min <= minor)
            .map(|(_, f)| *f)
    }
}

/// Every check with its version history, in [`CheckId::ALL`] order.
pub static REGISTRY: &[Registered] = &[
    Registered {
        id: CheckId::AppArmorProfile,
        versions: &[(0, profiles::app_armor_profile)],
    },
    Registered {
        id: CheckId::CapabilitiesBaseline,
        versions: &[(0, containers::capabilities_baseline)],
    },
    Registered {
        id: CheckId::HostNamespaces,
        versions: &[(0, pod::host_namespaces)],
    },
    Registered {
        id: CheckId::HostPathVolumes,
        versions: &[(0, pod::host_path_volumes)],
    },
    Registered {
        id: CheckId::HostPorts,
        versions: &[(0, containers::host_ports)],
    },
    Registered {
        id: CheckId::HostProbesAndHostLifecycle,
        versions: &[(34, containers::host_probes_and_lifecycle)],
    },
    Registered {
        id: CheckId::Privileged,
        versions: &[(0, containers::privileged)],
    },
    Registered {
        id: CheckId::ProcMount,
        versions: &[
            (0, containers::proc_mount_strict),
            (35, containers::proc_mount_baseline_1_35),
        ],
    },
    Registered {
        id: CheckId::SeccompProfileBaseline,
        versions: &[
            (0, profiles::seccomp_baseline_annotations),
            (19, profiles::seccomp_baseline_fields),
        ],
    },
    Registered {
        id: CheckId::SeLinuxOptions,
        versions: &[
            (0, profiles::selinux_options_1_0),
            (31, profiles::selinux_options_1_31),
        ],
    },
    Registered {
        id: CheckId::Sysctls,
        versions: &[
            (0, pod::sysctls_1_0),
            (27, pod::sysctls_1_27),
            (29, pod::sysctls_1_29),
            (32, pod::sysctls_1_32),
            (37, pod::sysctls_1_37),
        ],
    },
    Registered {
        id: CheckId::WindowsHostProcess,
        versions: &[(0, containers::windows_host_process)],
    },
    Registered {
        id: CheckId::AllowPrivilegeEscalation,
        versions: &[
            (8, containers::allow_privilege_escalation),
            (25, containers::allow_privilege_escalation_1_25),
        ],
    },
    Registered {
        id: CheckId::CapabilitiesRestricted,
        versions: &[
            (22, containers::capabilities_restricted),
            (25, containers::capabilities_restricted_1_25),
        ],
    },
    Registered {
        id: CheckId::ProcMountRestricted,
        versions: &[(35, containers::proc_mount_strict_restricted)],
    },
    Registered {
        id: CheckId::RestrictedVolumes,
        versions: &[(0, pod::restricted_volumes)],
    },
    Registered {
        id: CheckId::RunAsNonRoot,
        versions: &[(0, users::run_as_non_root)],
    },
    Registered {
        id: CheckId::RunAsUser,
        versions: &[(23, users::run_as_user)],
    },
    Registered {
        id: CheckId::SeccompProfileRestricted,
        versions: &[
            (19, profiles::seccomp_restricted),
            (25, profiles::seccomp_restricted_1_25),
        ],
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_covers_every_check_in_order_with_ascending_versions() {
        let ids: Vec<_> = REGISTRY.iter().map(|r| r.id).collect();
        assert_eq!(ids, CheckId::ALL.to_vec());
        for r in REGISTRY {
            assert!(!r.versions.is_empty());
            assert!(r.versions.windows(2).all(|w| w[0].0 < w[1].0), "{}", r.id);
        }
    }

    #[test]
    fn quoting_matches_the_plugin() {
        assert_eq!(join_quote(["a", "b"]), "\"a\", \"b\"");
        assert_eq!(containers_phrase(&["x"]), "container \"x\"");
        assert_eq!(containers_phrase(&["x", "y"]), "containers \"x\", \"y\"");
    }
}
