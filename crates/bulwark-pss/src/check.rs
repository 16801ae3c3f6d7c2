//! The checks of the admission plugin, by id, and what a failed check says.

use std::fmt;

use bulwark_core::FieldPath;
use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use crate::level::Level;

/// One check of the Pod Security Admission plugin. The names follow the
/// plugin's check ids (`capabilities_restricted`, `procMount`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CheckId {
    // baseline
    AppArmorProfile,
    CapabilitiesBaseline,
    HostNamespaces,
    HostPathVolumes,
    HostPorts,
    HostProbesAndHostLifecycle,
    Privileged,
    ProcMount,
    SeccompProfileBaseline,
    SeLinuxOptions,
    Sysctls,
    WindowsHostProcess,
    // restricted
    AllowPrivilegeEscalation,
    CapabilitiesRestricted,
    ProcMountRestricted,
    RestrictedVolumes,
    RunAsNonRoot,
    RunAsUser,
    SeccompProfileRestricted,
}

impl CheckId {
    /// Every check, baseline ones first, in the order results are listed.
    pub const ALL: [CheckId; 19] = [
        CheckId::AppArmorProfile,
        CheckId::CapabilitiesBaseline,
        CheckId::HostNamespaces,
        CheckId::HostPathVolumes,
        CheckId::HostPorts,
        CheckId::HostProbesAndHostLifecycle,
        CheckId::Privileged,
        CheckId::ProcMount,
        CheckId::SeccompProfileBaseline,
        CheckId::SeLinuxOptions,
        CheckId::Sysctls,
        CheckId::WindowsHostProcess,
        CheckId::AllowPrivilegeEscalation,
        CheckId::CapabilitiesRestricted,
        CheckId::ProcMountRestricted,
        CheckId::RestrictedVolumes,
        CheckId::RunAsNonRoot,
        CheckId::RunAsUser,
        CheckId::SeccompProfileRestricted,
    ];

    /// The plugin's id for the check.
    pub fn upstream_id(self) -> &'static str {
        match self {
            CheckId::AppArmorProfile => "appArmorProfile",
            CheckId::CapabilitiesBaseline => "capabilities_baseline",
            CheckId::HostNamespaces => "hostNamespaces",
            CheckId::HostPathVolumes => "hostPathVolumes",
            CheckId::HostPorts => "hostPorts",
            CheckId::HostProbesAndHostLifecycle => "hostProbesAndHostLifecycle",
            CheckId::Privileged => "privileged",
            CheckId::ProcMount => "procMount",
            CheckId::SeccompProfileBaseline => "seccompProfile_baseline",
            CheckId::SeLinuxOptions => "seLinuxOptions",
            CheckId::Sysctls => "sysctls",
            CheckId::WindowsHostProcess => "windowsHostProcess",
            CheckId::AllowPrivilegeEscalation => "allowPrivilegeEscalation",
            CheckId::CapabilitiesRestricted => "capabilities_restricted",
            CheckId::ProcMountRestricted => "procMount_restricted",
            CheckId::RestrictedVolumes => "restrictedVolumes",
            CheckId::RunAsNonRoot => "runAsNonRoot",
            CheckId::RunAsUser => "runAsUser",
            CheckId::SeccompProfileRestricted => "seccompProfile_restricted",
        }
    }

    /// Looks a check up by its plugin id, ignoring case (the upstream
    /// fixtures name files after the lower-cased id).
    pub fn from_upstream(id: &str) -> Option<CheckId> {
        Self::ALL
            .into_iter()
            .find(|c| c.upstream_id().eq_ignore_ascii_case(id))
    }

    /// The level the check belongs to; restricted includes every baseline check.
    pub fn level(self) -> Level {
        if self >= CheckId::AllowPrivilegeEscalation {
            Level::Restricted
        } else {
            Level::Baseline
        }
    }

    /// The bulwark rule id under which `bulwark scan` reports the check.
    pub fn rule_id(self) -> &'static str {
        match self {
            CheckId::AppArmorProfile => "pss-baseline-apparmor-profile",
            CheckId::CapabilitiesBaseline => "pss-baseline-capabilities",
            CheckId::HostNamespaces => "pss-baseline-host-namespaces",
            CheckId::HostPathVolumes => "pss-baseline-host-path-volumes",
            CheckId::HostPorts => "pss-baseline-host-ports",
            CheckId::HostProbesAndHostLifecycle => "pss-baseline-host-probes-lifecycle",
            CheckId::Privileged => "pss-baseline-privileged",
            CheckId::ProcMount => "pss-baseline-proc-mount",
            CheckId::SeccompProfileBaseline => "pss-baseline-seccomp-profile",
            CheckId::SeLinuxOptions => "pss-baseline-selinux-options",
            CheckId::Sysctls => "pss-baseline-sysctls",
            CheckId::WindowsHostProcess => "pss-baseline-windows-host-process",
            CheckId::AllowPrivilegeEscalation => "pss-restricted-allow-privilege-escalation",
            CheckId::CapabilitiesRestricted => "pss-restricted-capabilities",
            CheckId::ProcMountRestricted => "pss-restricted-proc-mount",
            CheckId::RestrictedVolumes => "pss-restricted-volume-types",
            CheckId::RunAsNonRoot => "pss-restricted-run-as-non-root",
            CheckId::RunAsUser => "pss-restricted-run-as-user",
            CheckId::SeccompProfileRestricted => "pss-restricted-seccomp-profile",
        }
    }
}

impl fmt::Display for CheckId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.upstream_id())
    }
}

impl Serialize for CheckId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.upstream_id())
    }
}

/// A check that forbade the pod: the plugin's reason and detail, and the
/// fields that made it fail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    pub check: CheckId,
    /// Short reason, as the plugin words it (`unrestricted capabilities`).
    pub reason: String,
    /// The detail the plugin adds for a single object (which containers, which values).
    pub detail: String,
    /// Every offending field (or where the missing field belongs), in the
    /// order the plugin visits them; never empty.
    pub paths: Vec<FieldPath>,
}

impl Violation {
    /// The message as the plugin prints it: `reason (detail)`.
    pub fn message(&self) -> String {
        if self.detail.is_empty() {
            self.reason.clone()
        } else {
            format!("{} ({})", self.reason, self.detail)
        }
    }

    /// The first offending field.
    pub fn path(&self) -> FieldPath {
        self.paths.first().cloned().unwrap_or_default()
    }
}

impl Serialize for Violation {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Violation", 5)?;
        st.serialize_field("check", &self.check)?;
        st.serialize_field("level", &self.check.level())?;
        st.serialize_field("message", &self.message())?;
        st.serialize_field("path", &self.path())?;
        st.serialize_field("paths", &self.paths)?;
        st.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_levels() {
        for c in CheckId::ALL {
            assert_eq!(CheckId::from_upstream(c.upstream_id()), Some(c));
            assert_eq!(
                CheckId::from_upstream(&c.upstream_id().to_ascii_lowercase()),
                Some(c)
            );
            assert!(c.rule_id().starts_with(&format!("pss-{}-", c.level())));
        }
        assert_eq!(CheckId::Sysctls.level(), Level::Baseline);
        assert_eq!(CheckId::RunAsUser.level(), Level::Restricted);
        let ids: std::collections::BTreeSet<_> = CheckId::ALL.iter().map(|c| c.rule_id()).collect();
        assert_eq!(ids.len(), CheckId::ALL.len());
    }
}
