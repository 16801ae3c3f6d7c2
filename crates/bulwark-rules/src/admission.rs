//! Rules on admission webhooks: a webhook that fails open is a control an
//! attacker can switch off by making it unreachable.

use bulwark_core::{FieldPath, Mappings, Resource, RuleMeta, Severity, value::as_array};

use crate::{Check, CheckFn, Emit};

/// Checks of this family.
pub static CHECKS: &[&Check] = &[&FAIL_OPEN];

static META: RuleMeta = RuleMeta {
    id: "webhook-fails-open",
    title: "Admission webhook fails open (failurePolicy: Ignore)",
    severity: Severity::Medium,
    category: "admission",
    description: "With `failurePolicy: Ignore`, the API server admits a request unchecked \
        whenever the webhook times out or cannot be reached. Policy engines (Gatekeeper, \
        Kyverno, image verification) enforced this way can be bypassed by anyone who can \
        slow the webhook down, delete its pods or block its traffic, and outages pass \
        unnoticed. In admissionregistration.k8s.io/v1beta1 an unset failurePolicy means \
        Ignore; in v1 it means Fail.",
    remediation: "Fail closed, and exempt the webhook's own namespace so it can recover:\n\
        ```yaml\nwebhooks:\n- name: validation.gatekeeper.sh\n  failurePolicy: Fail\n  \
        namespaceSelector:\n    matchExpressions:\n    - {key: kubernetes.io/metadata.name, \
        operator: NotIn, values: [gatekeeper-system]}\n```",
    references: &[
        "https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/#failure-policy",
    ],
    mappings: Mappings {
        cis: &["5.5.1"],
        nsa: &["Kubernetes Pod security: Pod security enforcement"],
        mitre: &["T1562.001"],
        pss: &[],
        pci_dss: &["6.4.1"],
        soc2: &["CC7.1"],
        iso27001: &["A.8.9"],
        hipaa: &[],
    },
};

pub static FAIL_OPEN: Check = Check {
    meta: &META,
    run: CheckFn::Object(check),
};

fn check(res: &Resource, emit: &mut Emit<'_>) {
    if res.group() != "admissionregistration.k8s.io"
        || !matches!(
            res.kind(),
            "ValidatingWebhookConfiguration" | "MutatingWebhookConfiguration"
        )
    {
        return;
    }
    let v1beta1 = res.id.api_version.ends_with("/v1beta1");
    for (i, hook) in as_array(res.value.get("webhooks")).iter().enumerate() {
        let name = hook
            .get("name")
            .and_then(|n| n.as_str())
            .unwrap_or("<unnamed>");
        let path = FieldPath::parse("webhooks").index(i);
        match hook.get("failurePolicy").and_then(|p| p.as_str()) {
            Some("Ignore") => emit.at(
                path.key("failurePolicy"),
                format!("webhook \"{name}\" admits requests unchecked when it is unreachable"),
            ),
            None if v1beta1 => emit.at(
                path,
                format!(
                    "webhook \"{name}\" has no failurePolicy, which in v1beta1 means Ignore: \
                     requests are admitted unchecked when it is unreachable"
                ),
            ),
            _ => {}
        }
    }
}
