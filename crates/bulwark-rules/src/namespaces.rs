//! Rules on namespaces: workloads and other objects in `default`,
//! Namespaces without Pod Security Admission enforcement.

use bulwark_core::pod::is_workload;
use bulwark_core::{FieldPath, Mappings, Resource, RuleMeta, Severity};

use crate::{Check, CheckFn, Emit};

/// Checks of this family.
pub static CHECKS: &[&Check] = &[
    &DEFAULT_NAMESPACE,
    &OBJECT_DEFAULT_NAMESPACE,
    &NAMESPACE_PSS,
];

static DEFAULT_META: RuleMeta = RuleMeta {
    id: "workload-in-default-namespace",
    title: "Workload in the default namespace",
    severity: Severity::Low,
    category: "namespaces",
    description: "The `default` namespace is where everything lands that nobody placed: it \
        rarely has NetworkPolicies, Pod Security labels, quotas or narrow RBAC, and a workload \
        there shares its boundary with every stray object. Namespaces are the unit of \
        isolation for policy, so each application should have its own. Only an explicit \
        `metadata.namespace: default` fires: a manifest without a namespace goes wherever \
        `kubectl apply -n` (or the kubeconfig context) sends it, so it is not assumed to be in \
        `default`.",
    remediation: "Create a namespace for the application and deploy into it:\n\
        ```yaml\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    pod-security.kubernetes.io/enforce: restricted\n---\n# in the workload\nmetadata:\n  namespace: shop\n```",
    references: &["https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/"],
    mappings: Mappings {
        cis: &["5.6.1", "5.6.4"],
        nsa: &["Network separation and hardening: Namespaces"],
        mitre: &[],
        pss: &[],
        pci_dss: &["1.2.1"],
        soc2: &["CC6.1"],
        iso27001: &["A.8.22"],
        hipaa: &[],
    },
};

pub static DEFAULT_NAMESPACE: Check = Check {
    meta: &DEFAULT_META,
    run: CheckFn::Object(check_default_namespace),
};

fn check_default_namespace(res: &Resource, emit: &mut Emit<'_>) {
    if is_workload(res) && res.namespace() == Some("default") {
        emit.at(
            FieldPath::parse("metadata.namespace"),
            format!(
                "{} \"{}\" is deployed into the default namespace",
                res.kind(),
                res.id.name
            ),
        );
    }
}

static OBJECT_DEFAULT_META: RuleMeta = RuleMeta {
    id: "object-in-default-namespace",
    title: "Object in the default namespace",
    severity: Severity::Low,
    category: "namespaces",
    description: "Services, ConfigMaps, Secrets, roles and bindings, Ingresses, policies and \
        every other namespaced object placed explicitly in `default` share the boundary of \
        everything else that landed there: a RoleBinding in `default` grants over all of it, a \
        Secret there is readable by whatever reads `default`'s Secrets. Workloads are reported \
        by `workload-in-default-namespace`; the objects the API server itself keeps in \
        `default` (Service `kubernetes`, ServiceAccount `default`, ConfigMap \
        `kube-root-ca.crt`, and their Endpoints) are not reported.",
    remediation: "Move the object into the application's namespace:\n\
        ```yaml\nmetadata:\n  name: api-config\n  namespace: shop\n```",
    references: &["https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/"],
    mappings: Mappings {
        cis: &["5.6.4"],
        nsa: &["Network separation and hardening: Namespaces"],
        mitre: &[],
        pss: &[],
        pci_dss: &["1.2.1"],
        soc2: &["CC6.1"],
        iso27001: &["A.8.22"],
        hipaa: &[],
    },
};

pub static OBJECT_DEFAULT_NAMESPACE: Check = Check {
    meta: &OBJECT_DEFAULT_META,
    run: CheckFn::Object(check_object_default_namespace),
};

/// What the control plane creates in `default` by itself.
fn is_platform_object(res: &Resource) -> bool {
    matches!(
        (res.kind(), res.id.name.as_str()),
        ("Service" | "Endpoints" | "EndpointSlice", "kubernetes")
            | ("ServiceAccount", "default")
            | ("ConfigMap", "kube-root-ca.crt")
    )
}

fn check_object_default_namespace(res: &Resource, emit: &mut Emit<'_>) {
    if res.namespace() != Some("default")
        || is_workload(res)
        || is_platform_object(res)
        || matches!(res.kind(), "Event" | "Lease")
    {
        return;
    }
    emit.at(
        FieldPath::parse("metadata.namespace"),
        format!(
            "{} \"{}\" is placed in the default namespace",
            res.kind(),
            res.id.name
        ),
    );
}

const ENFORCE: &str = "pod-security.kubernetes.io/enforce";

static PSS_META: RuleMeta = RuleMeta {
    id: "namespace-without-pod-security-enforce",
    title: "Namespace without Pod Security enforcement",
    severity: Severity::Medium,
    category: "namespaces",
    description: "Pod Security Admission only enforces a Pod Security Standard in namespaces \
        labelled `pod-security.kubernetes.io/enforce` (unless the cluster sets a default in the \
        admission configuration, which a manifest cannot show). Without the label, any pod that \
        the API accepts runs there, privileged or not. A namespace labelled `enforce: \
        privileged` enforces nothing either; it is reported at low severity, since system \
        namespaces sometimes need it.",
    remediation: "Label the namespace with the strictest level its workloads meet (warn and \
        audit help find out):\n\
        ```yaml\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    pod-security.kubernetes.io/enforce: restricted\n    pod-security.kubernetes.io/enforce-version: latest\n```",
    references: &[
        "https://kubernetes.io/docs/concepts/security/pod-security-admission/",
        "https://kubernetes.io/docs/tasks/configure-pod-container/enforce-standards-namespace-labels/",
    ],
    mappings: Mappings {
        cis: &["5.2.1"],
        nsa: &["Kubernetes Pod security: Pod security enforcement"],
        mitre: &["T1610", "T1611"],
        pss: &["baseline", "restricted"],
        pci_dss: &["2.2.1"],
        soc2: &["CC6.1", "CC7.1"],
        iso27001: &["A.8.9"],
        hipaa: &[],
    },
};

pub static NAMESPACE_PSS: Check = Check {
    meta: &PSS_META,
    run: CheckFn::Object(check_namespace_pss),
};

fn check_namespace_pss(res: &Resource, emit: &mut Emit<'_>) {
    if res.kind() != "Namespace" || res.group() != "" {
        return;
    }
    let labels = FieldPath::parse("metadata.labels");
    match res
        .labels()
        .and_then(|l| l.get(ENFORCE))
        .and_then(|v| v.as_str())
    {
        None => emit.at(
            labels,
            format!(
                "Namespace \"{}\" has no {ENFORCE} label, so no Pod Security Standard is enforced",
                res.id.name
            ),
        ),
        Some("privileged") => emit.at_severity(
            Severity::Low,
            labels.key(ENFORCE),
            format!(
                "Namespace \"{}\" enforces the privileged level, which allows everything",
                res.id.name
            ),
        ),
        Some(_) => {}
    }
}
