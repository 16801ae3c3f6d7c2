//! The `rule_settings:` section of `.bulwark.yaml`: the rules whose answer
//! depends on the organisation (which workloads run untrusted code, which
//! RuntimeClasses are sandboxes, which Ingresses need authentication or a
//! WAF) read it here. Every field has a default
//! that works without a config; an unknown field is an error, never a
//! silently ignored setting.

use serde::Deserialize;

/// Settings of the built-in rules.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct RuleSettings {
    pub sandbox: SandboxSettings,
    pub ingress: IngressSettings,
    pub rbac: RbacSettings,
}

/// `secrets-readable-by-many`: how many subjects may read a namespace's
/// Secrets before the sum is a finding.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct RbacSettings {
    pub secret_readers_max: usize,
}

impl Default for RbacSettings {
    fn default() -> Self {
        // bulwark_rbac::secret_readers::DEFAULT_MAX (this crate does not
        // depend on bulwark-rbac; a test in the binary keeps them equal).
        Self {
            secret_readers_max: 5,
        }
    }
}

/// `ingress-edge-unprotected`: which Ingresses must authenticate their
/// users at the edge, and whether every one needs a WAF.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct IngressSettings {
    pub require_auth: AuthScope,
    /// Every Ingress must turn on a web application firewall.
    pub require_waf: bool,
    /// Web UIs to a cluster's or its data's internals: an Ingress whose
    /// backend Service, or whose host's first label, contains one of these
    /// exposes one.
    pub admin_uis: Vec<String>,
}

/// Which Ingresses [`IngressSettings::require_auth`] covers.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum AuthScope {
    /// Those that expose an admin UI.
    #[default]
    AdminUis,
    All,
    None,
}

/// Admin and observability UIs that are routinely exposed by mistake.
const ADMIN_UIS: &[&str] = &[
    "grafana",
    "kibana",
    "prometheus",
    "alertmanager",
    "kubernetes-dashboard",
    "argocd-server",
    "jenkins",
    "jaeger-query",
    "kiali",
    "pgadmin",
    "phpmyadmin",
    "adminer",
    "airflow-web",
    "minio-console",
    "longhorn-frontend",
    "hubble-ui",
    "portainer",
    "weave-scope",
];

impl Default for IngressSettings {
    fn default() -> Self {
        Self {
            require_auth: AuthScope::default(),
            require_waf: false,
            admin_uis: ADMIN_UIS.iter().map(|s| s.to_string()).collect(),
        }
    }
}

impl RuleSettings {
    /// Reads the section; the error names the field at fault.
    pub fn from_value(v: &serde_json::Value) -> Result<Self, String> {
        serde_json::from_value(v.clone()).map_err(|e| e.to_string())
    }
}

/// `untrusted-workload-not-sandboxed`: which workloads must run in a
/// sandboxed runtime (gVisor, Kata Containers), and what counts as one.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct SandboxSettings {
    /// `runtimeClassName`s that are sandboxes, whether or not their
    /// RuntimeClass object is among the inputs.
    pub runtime_classes: Vec<String>,
    /// RuntimeClass `handler`s that are sandboxes: a RuntimeClass object in
    /// the inputs with one of these makes its name a sandbox too.
    pub handlers: Vec<String>,
    /// Namespaces all of whose workloads run untrusted code.
    pub namespaces: Vec<String>,
    /// Images that run untrusted code (CI runners, builders, notebooks): a
    /// repository, or a prefix ending in `*`, matched against the image's
    /// repository with the registry (`docker.io/`, `library/`) normalised.
    pub images: Vec<String>,
}

/// Runtime names gVisor and Kata Containers install under.
const SANDBOX_NAMES: &[&str] = &[
    "gvisor",
    "runsc",
    "kata",
    "kata-qemu",
    "kata-clh",
    "kata-fc",
    "kata-dragonball",
    "kata-qemu-tdx",
    "kata-qemu-snp",
];

/// Images that run code their operator did not write: CI runners and their
/// helpers, in-cluster image builders, notebook servers.
const UNTRUSTED_IMAGES: &[&str] = &[
    "gitlab/gitlab-runner",
    "gitlab/gitlab-runner-helper",
    "registry.gitlab.com/gitlab-org/gitlab-runner*",
    "jenkins/inbound-agent",
    "jenkins/jnlp-slave",
    "summerwind/actions-runner*",
    "ghcr.io/actions/actions-runner*",
    "gcr.io/kaniko-project/executor",
    "moby/buildkit",
    "quay.io/buildah/stable",
    "jupyter/*",
    "quay.io/jupyter/*",
];

impl Default for SandboxSettings {
    fn default() -> Self {
        let owned = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
        Self {
            runtime_classes: owned(SANDBOX_NAMES),
            handlers: owned(SANDBOX_NAMES),
            namespaces: Vec::new(),
            images: owned(UNTRUSTED_IMAGES),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_partial_section_keeps_the_other_defaults() {
        let s =
            RuleSettings::from_value(&json!({"sandbox": {"namespaces": ["ci"]}})).expect("valid");
        assert_eq!(s.sandbox.namespaces, ["ci"]);
        assert_eq!(s.sandbox.images, SandboxSettings::default().images);
    }

    #[test]
    fn unknown_fields_are_errors() {
        let e =
            RuleSettings::from_value(&json!({"sandbox": {"namespace": ["ci"]}})).expect_err("typo");
        assert!(e.contains("unknown field `namespace`"), "{e}");
        assert!(RuleSettings::from_value(&json!({"sandbx": {}})).is_err());
        let e = RuleSettings::from_value(&json!({"ingress": {"require_auth": "some"}}))
            .expect_err("bad scope");
        assert!(e.contains("admin-uis"), "{e}");
        let s = RuleSettings::from_value(
            &json!({"ingress": {"require_auth": "all", "require_waf": true}}),
        )
        .expect("valid");
        assert_eq!(s.ingress.require_auth, AuthScope::All);
        let s =
            RuleSettings::from_value(&json!({"rbac": {"secret_readers_max": 2}})).expect("valid");
        assert_eq!(s.rbac.secret_readers_max, 2);
        assert!(RuleSettings::from_value(&json!({"rbac": {"secret_readers_max": -1}})).is_err());
    }
}
