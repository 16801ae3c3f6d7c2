//! `missing-liveness-probe` and `missing-readiness-probe`.

use bulwark_core::{ContainerKind, ContainerView, Mappings, PodView, RuleMeta, Severity};
use serde_json::Value;

use crate::{Check, CheckFn, Emit};

const PROBES_DOC: &str = "https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/";

const MAPPINGS: Mappings = Mappings {
    cis: &[],
    nsa: &[],
    mitre: &[],
    pss: &[],
    pci_dss: &[],
    soc2: &["A1.2"],
    iso27001: &["A.8.14"],
    hipaa: &["164.308(a)(7)(i)"],
};

/// Which containers the rules look at, said once for both.
macro_rules! with_scope {
    ($why:literal) => {
        concat!(
            $why,
            " Only regular containers of long-running pods are checked: not init or \
            ephemeral containers, and not run-to-completion pods (Jobs, CronJobs, Pods owned \
            by a Job, and any pod whose restartPolicy is Never or OnFailure), where a probe \
            has nothing to keep alive or route to."
        )
    };
}

static LIVENESS_META: RuleMeta = RuleMeta {
    id: "missing-liveness-probe",
    title: "Container has no liveness probe",
    severity: Severity::Low,
    category: "reliability",
    description: with_scope!(
        "Without a liveness probe the kubelet restarts a container only when its process \
        exits; a deadlocked or wedged process keeps its pod Running and serving nothing (or \
        serving errors) until someone notices."
    ),
    remediation: "Add a probe that fails only when a restart would help:\n\
        ```yaml\nlivenessProbe:\n  httpGet:\n    path: /healthz\n    port: 8080\n  \
        periodSeconds: 10\n  failureThreshold: 3\n```",
    references: &[PROBES_DOC],
    mappings: MAPPINGS,
};

static READINESS_META: RuleMeta = RuleMeta {
    id: "missing-readiness-probe",
    title: "Container has no readiness probe",
    severity: Severity::Low,
    category: "reliability",
    description: with_scope!(
        "Without a readiness probe a pod receives Service traffic as soon as its containers \
        start, before the application can answer, and keeps receiving it while overloaded or \
        unable to reach its dependencies; rolling updates then drop requests."
    ),
    remediation: "Add a probe that reports whether the container can serve now:\n\
        ```yaml\nreadinessProbe:\n  httpGet:\n    path: /ready\n    port: 8080\n  \
        periodSeconds: 5\n```",
    references: &[PROBES_DOC],
    mappings: MAPPINGS,
};

pub static LIVENESS: Check = Check {
    meta: &LIVENESS_META,
    run: CheckFn::Container(|c, e| missing(c, e, "livenessProbe", "liveness")),
};

pub static READINESS: Check = Check {
    meta: &READINESS_META,
    run: CheckFn::Container(|c, e| missing(c, e, "readinessProbe", "readiness")),
};

/// Whether the pod runs to completion rather than serving: a Job or
/// CronJob, a Pod owned by a Job, or a restartPolicy other than Always.
fn runs_to_completion(p: &PodView<'_>) -> bool {
    if matches!(p.resource.kind(), "Job" | "CronJob") {
        return true;
    }
    let restart = p.field("restartPolicy").0.and_then(Value::as_str);
    if matches!(restart, Some("Never" | "OnFailure")) {
        return true;
    }
    let owners = p.resource.metadata().and_then(|m| m.get("ownerReferences"));
    owners
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|o| o.get("kind").and_then(Value::as_str) == Some("Job"))
}

fn missing(c: &ContainerView<'_>, emit: &mut Emit<'_>, field: &str, what: &str) {
    if c.kind != ContainerKind::Container || runs_to_completion(&c.pod) {
        return;
    }
    let (v, path) = c.field(field);
    if v.is_none_or(Value::is_null) {
        emit.at(path, format!("{} has no {what} probe", c.label()));
    }
}
