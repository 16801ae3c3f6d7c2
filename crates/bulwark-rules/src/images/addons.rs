//! Well-known add-ons that hand cluster power to whoever reaches them:
//! Helm 2's Tiller, the Kubernetes Dashboard (old versions, or with its
//! login skipped) and Weave Scope, found by image and version.

use bulwark_core::{ContainerView, Mappings, RuleMeta, Severity};
use serde_json::Value;

use super::image_of;
use crate::{Check, CheckFn, Emit};

static ADDON_META: RuleMeta = RuleMeta {
    id: "risky-addon",
    title: "Risky cluster add-on",
    severity: Severity::High,
    category: "images",
    description: "Some add-ons are known ways into a cluster. Tiller (Helm 2, end of life since \
        November 2020) answers unauthenticated gRPC on port 44134 and usually runs as \
        cluster-admin: any pod can install anything. The Kubernetes Dashboard before v2 is end \
        of life and let the login be skipped into the Dashboard's own service account \
        (CVE-2018-18264, before v1.10.1); on any version `--enable-skip-login` or \
        `--enable-insecure-login` do the same on purpose (the Tesla cryptomining breach went \
        through an open Dashboard). Weave Scope's UI runs commands in any container and has \
        no authentication of its own. Any other Dashboard is reported low: it is a web UI to \
        the cluster that needs to stay behind authentication.",
    remediation: "Remove Tiller (migrate to Helm 3, which has no in-cluster component) and \
        Weave Scope; run the Dashboard v2 or later, if at all, with login required and \
        reachable only through `kubectl proxy` or an authenticating proxy:\n\
        ```yaml\ncontainers:\n- name: kubernetes-dashboard\n  image: docker.io/kubernetesui/dashboard:v2.7.0\n  args:\n  - --auto-generate-certificates\n  # no --enable-skip-login, no --enable-insecure-login\n```",
    references: &[
        "https://helm.sh/docs/faq/changes_since_helm2/#removal-of-tiller",
        "https://github.com/kubernetes/dashboard/blob/master/docs/user/access-control/README.md",
        "https://nvd.nist.gov/vuln/detail/CVE-2018-18264",
        "https://redlock.io/blog/cryptojacking-tesla",
    ],
    mappings: Mappings {
        cis: &[],
        nsa: &["Upgrading and application security practices"],
        mitre: &["T1133", "T1190", "T1078.001"],
        pss: &[],
        pci_dss: &["2.2.4", "6.3.3"],
        soc2: &["CC6.1", "CC7.1"],
        iso27001: &["A.8.9", "A.8.19"],
        hipaa: &[],
    },
};

pub static RISKY_ADDON: Check = Check {
    meta: &ADDON_META,
    run: CheckFn::Container(check_addon),
};

/// The add-ons, by the end of their repository path (registry and any
/// mirror prefix stripped).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Addon {
    Tiller,
    Dashboard,
    WeaveScope,
}

fn addon_of(repository: &str) -> Option<Addon> {
    let r = repository.to_ascii_lowercase();
    let ends = |s: &str| r == s || r.ends_with(&format!("/{s}"));
    if ends("kubernetes-helm/tiller") || ends("helm/tiller") {
        Some(Addon::Tiller)
    } else if ends("kubernetesui/dashboard")
        || ends("kubernetes-dashboard-amd64")
        || ends("kubernetes-dashboard-arm64")
        || ends("kubernetes-dashboard")
    {
        Some(Addon::Dashboard)
    } else if ends("weaveworks/scope") {
        Some(Addon::WeaveScope)
    } else {
        None
    }
}

/// The major version of a `v1.10.1`-style tag.
fn major(tag: Option<&str>) -> Option<u64> {
    tag?.trim_start_matches('v').split('.').next()?.parse().ok()
}

/// Login-skipping flags of a Dashboard container, with where each is.
fn open_flags<'a>(c: &ContainerView<'a>) -> Vec<(&'a str, bulwark_core::FieldPath)> {
    let mut out = Vec::new();
    for key in ["command", "args"] {
        let (v, path) = c.field(key);
        for (i, a) in v
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let Some(a) = a.as_str() else { continue };
            let (flag, on) = match a.split_once('=') {
                Some((f, v)) => (f, v != "false"),
                None => (a, true),
            };
            if on && (flag == "--enable-skip-login" || flag == "--enable-insecure-login") {
                out.push((a, path.index(i)));
            }
        }
    }
    out
}

fn check_addon(c: &ContainerView<'_>, emit: &mut Emit<'_>) {
    let Some((image, r, path)) = image_of(c) else {
        return;
    };
    let Some(addon) = addon_of(r.name) else {
        return;
    };
    let who = c.label();
    match addon {
        Addon::Tiller => emit.at(
            path,
            format!(
                "{who} runs Tiller (\"{image}\"): Helm 2's unauthenticated in-cluster installer"
            ),
        ),
        Addon::WeaveScope => emit.at(
            path,
            format!(
                "{who} runs Weave Scope (\"{image}\"), whose UI runs commands in any container"
            ),
        ),
        Addon::Dashboard => {
            let open = open_flags(c);
            if let Some((_, at)) = open.first() {
                let flags: Vec<&str> = open.iter().map(|(f, _)| *f).collect();
                emit.at(
                    at.clone(),
                    format!(
                        "{who} runs the Kubernetes Dashboard with {}: anyone who reaches it acts as its service account",
                        flags.join(" ")
                    ),
                );
            } else if major(r.tag).is_some_and(|m| m < 2) {
                emit.at(
                    path,
                    format!("{who} runs Kubernetes Dashboard {} (\"{image}\"): end of life, skippable login (CVE-2018-18264 before v1.10.1)", r.tag.unwrap_or("?")),
                );
            } else {
                emit.at_severity(
                    Severity::Low,
                    path,
                    format!("{who} runs the Kubernetes Dashboard (\"{image}\"): keep it behind authentication"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addons_by_repository() {
        assert_eq!(
            addon_of("gcr.io/kubernetes-helm/tiller"),
            Some(Addon::Tiller)
        );
        assert_eq!(addon_of("ghcr.io/helm/tiller"), Some(Addon::Tiller));
        assert_eq!(addon_of("kubernetesui/dashboard"), Some(Addon::Dashboard));
        assert_eq!(
            addon_of("k8s.gcr.io/kubernetes-dashboard-amd64"),
            Some(Addon::Dashboard)
        );
        assert_eq!(
            addon_of("docker.io/weaveworks/scope"),
            Some(Addon::WeaveScope)
        );
        assert_eq!(addon_of("example.com/not-tiller"), None);
        assert_eq!(addon_of("kubernetesui/metrics-scraper"), None);
        assert_eq!(major(Some("v1.10.1")), Some(1));
        assert_eq!(major(Some("2.7.0")), Some(2));
        assert_eq!(major(None), None);
    }
}
