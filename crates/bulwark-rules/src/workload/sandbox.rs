//! `untrusted-workload-not-sandboxed`: workloads that run code nobody
//! reviewed (CI jobs, image builds, notebooks) share the node's kernel
//! unless a sandboxed runtime (gVisor, Kata Containers) stands between.

use std::collections::HashSet;

use bulwark_core::{Finding, Inventory, Mappings, PodView, Resource, RuleMeta, Severity};
use serde_json::Value;

use crate::images::reference::ImageRef;
use crate::settings::{RuleSettings, SandboxSettings};
use crate::{Check, CheckFn};

/// The label that marks a pod or a namespace as running untrusted code
/// (`"true"`), or as reviewed and trusted (`"false"`, pods only).
pub const UNTRUSTED_LABEL: &str = "bulwark.dev/untrusted";

static META: RuleMeta = RuleMeta {
    id: "untrusted-workload-not-sandboxed",
    title: "Untrusted workload runs without a sandboxed runtime",
    severity: Severity::Medium,
    category: "pod-security",
    description: "A container shares the node's kernel: one kernel bug away from the node, and \
        from every other pod on it. Workloads that run code their operator did not write (CI \
        runners executing pipeline jobs, in-cluster image builders, notebook servers, \
        multi-tenant functions) are where that code arrives, so hardening guides ask for a \
        sandboxed runtime there: gVisor (runsc) gives the pod a user-space kernel, Kata \
        Containers a lightweight VM. The rule reports a workload that runs untrusted code \
        (its pod or namespace is labelled `bulwark.dev/untrusted: \"true\"`, its namespace is \
        listed in `rule_settings.sandbox.namespaces`, or one of its images is a well-known CI \
        runner, builder or notebook image, `rule_settings.sandbox.images`) whose \
        `runtimeClassName` is unset or names no sandbox. A RuntimeClass is a sandbox when its \
        name is in `rule_settings.sandbox.runtime_classes` (gvisor, runsc, kata, kata-qemu, … \
        by default) or its RuntimeClass object in the inputs has a `handler` listed in \
        `rule_settings.sandbox.handlers`. A pod labelled `bulwark.dev/untrusted: \"false\"` is \
        trusted by decision and not reported.",
    remediation: "Install a sandboxed runtime on (some) nodes, declare its RuntimeClass, and \
        run the untrusted workload with it:\n\
        ```yaml\napiVersion: node.k8s.io/v1\nkind: RuntimeClass\nmetadata:\n  name: gvisor\n\
        handler: runsc\n---\n# in the workload's pod template\nspec:\n  runtimeClassName: gvisor\n```",
    references: &[
        "https://kubernetes.io/docs/concepts/containers/runtime-class/",
        "https://gvisor.dev/docs/user_guide/quick_start/kubernetes/",
        "https://github.com/kata-containers/kata-containers/blob/main/docs/how-to/run-kata-with-k8s.md",
        "https://media.defense.gov/2022/Aug/29/2003066362/-1/-1/0/CTR_KUBERNETES_HARDENING_GUIDANCE_1.2_20220829.PDF",
    ],
    mappings: Mappings {
        cis: &[],
        nsa: &["Kubernetes Pod security: Hardening container environments"],
        mitre: &["T1611"],
        pss: &[],
        pci_dss: &[],
        soc2: &[],
        iso27001: &[],
        hipaa: &[],
    },
};

pub static UNTRUSTED_NOT_SANDBOXED: Check = Check {
    meta: &META,
    run: CheckFn::Configured(check),
};

fn check(
    inv: &Inventory,
    settings: &RuleSettings,
    meta: &'static RuleMeta,
    out: &mut Vec<Finding>,
) {
    let s = &settings.sandbox;
    let mut sandboxes: HashSet<&str> = s.runtime_classes.iter().map(String::as_str).collect();
    for rc in inv.of_kind("RuntimeClass") {
        let handler = rc.value.get("handler").and_then(Value::as_str);
        if handler.is_some_and(|h| s.handlers.iter().any(|x| x == h)) {
            sandboxes.insert(&rc.id.name);
        }
    }
    let labelled: HashSet<&str> = inv
        .of_kind("Namespace")
        .filter(|n| label(n, UNTRUSTED_LABEL) == Some("true"))
        .map(|n| n.id.name.as_str())
        .collect();
    for res in inv.iter() {
        let Some(pod) = PodView::of(res) else {
            continue;
        };
        let Some(why) = untrusted(res, &pod, s, &labelled) else {
            continue;
        };
        let (rc, path) = pod.field("runtimeClassName");
        let runtime = match rc.and_then(Value::as_str) {
            Some(n) if sandboxes.contains(n) => continue,
            Some(n) => format!("its runtimeClassName \"{n}\" is no sandbox"),
            None => "it sets no runtimeClassName".to_string(),
        };
        let path = if rc.is_some() { path } else { pod.spec_path() };
        out.push(Finding::new(
            meta.id,
            meta.severity,
            res,
            path,
            format!("{why}, and {runtime}: the code shares the node's kernel"),
        ));
    }
}

fn label<'a>(r: &'a Resource, key: &str) -> Option<&'a str> {
    r.labels()?.get(key)?.as_str()
}

/// Why the workload counts as running untrusted code, if it does.
fn untrusted(
    res: &Resource,
    pod: &PodView<'_>,
    s: &SandboxSettings,
    labelled: &HashSet<&str>,
) -> Option<String> {
    match pod.label_value(UNTRUSTED_LABEL) {
        Some("false") => return None,
        Some("true") => return Some(format!("the pod is labelled {UNTRUSTED_LABEL}=true")),
        _ => {}
    }
    let ns = res.namespace().unwrap_or("default");
    if labelled.contains(ns) {
        return Some(format!("namespace {ns} is labelled {UNTRUSTED_LABEL}=true"));
    }
    if s.namespaces.iter().any(|n| n == ns) {
        return Some(format!(
            "namespace {ns} runs untrusted code (rule_settings.sandbox.namespaces)"
        ));
    }
    pod.containers().find_map(|c| {
        let image = c.image()?;
        let repo = repository(ImageRef::parse(image).name);
        s.images.iter().any(|p| matches(p, &repo)).then(|| {
            format!(
                "container \"{}\" runs {image}, which runs untrusted code",
                c.name()
            )
        })
    })
}

/// A repository as Docker Hub names it short: `docker.io/library/x` and
/// `index.docker.io/x` are `x`.
fn repository(name: &str) -> String {
    let n = name.to_ascii_lowercase();
    let n = n
        .strip_prefix("docker.io/")
        .or_else(|| n.strip_prefix("index.docker.io/"))
        .unwrap_or(&n);
    n.strip_prefix("library/").unwrap_or(n).to_string()
}

fn matches(pattern: &str, repo: &str) -> bool {
    let p = repository(pattern);
    match p.strip_suffix('*') {
        Some(prefix) => repo.starts_with(prefix),
        None => repo == p,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_patterns_match_repositories_as_the_runtime_names_them() {
        assert!(matches("gitlab/gitlab-runner", "gitlab/gitlab-runner"));
        assert!(matches(
            "gitlab/gitlab-runner",
            &repository("docker.io/gitlab/gitlab-runner")
        ));
        assert!(matches("jupyter/*", &repository("jupyter/scipy-notebook")));
        assert!(!matches(
            "gitlab/gitlab-runner",
            "gitlab/gitlab-runner-helper"
        ));
        assert!(!matches("jupyter/*", "jupyterhub/k8s-hub"));
    }
}
