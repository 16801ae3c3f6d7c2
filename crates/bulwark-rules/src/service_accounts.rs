//! Rules on service accounts: automounted API tokens and the `default`
//! service account.

use std::collections::HashMap;

use bulwark_core::value::{is_false, is_true};
use bulwark_core::{
    FieldPath, Finding, Inventory, Mappings, PodView, Resource, RuleMeta, Severity,
};
use serde_json::Value;

use crate::{Check, CheckFn, Emit};

/// Checks of this family.
pub static CHECKS: &[&Check] = &[&POD_TOKEN_AUTOMOUNT, &SA_AUTOMOUNT, &DEFAULT_SA];

const TOKEN_MAPPINGS: Mappings = Mappings {
    cis: &["5.1.6"],
    nsa: &["Kubernetes Pod security: Protecting Pod service account tokens"],
    mitre: &["T1552.007", "T1528"],
    pss: &[],
    pci_dss: &["7.2.2"],
    soc2: &["CC6.1", "CC6.3"],
    iso27001: &["A.5.17", "A.8.2"],
    hipaa: &["164.312(a)(1)"],
};

const TOKEN_REFERENCES: &[&str] = &[
    "https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#opt-out-of-api-credential-automounting",
    "https://kubernetes.io/docs/concepts/security/service-accounts/",
];

/// The service account a pod runs as, as the API server decides: a
/// non-empty `serviceAccountName`, else the deprecated `serviceAccount`,
/// else `default`. Returns the name and the path of the field that set it.
fn service_account_of<'a>(pod: &PodView<'a>) -> (&'a str, FieldPath) {
    for key in ["serviceAccountName", "serviceAccount"] {
        let (v, path) = pod.field(key);
        if let Some(name) = v.and_then(Value::as_str).filter(|s| !s.is_empty()) {
            return (name, path);
        }
    }
    ("default", pod.field("serviceAccountName").1)
}

static POD_TOKEN_META: RuleMeta = RuleMeta {
    id: "service-account-token-automounted",
    title: "Service account token automounted into the pod",
    severity: Severity::Medium,
    category: "service-accounts",
    description: "Unless told otherwise, Kubernetes mounts an API token of the pod's service \
        account into every container. Any code execution in the pod (a vulnerable dependency, a \
        shell through the application) then reaches the Kubernetes API with that identity, and \
        with whatever RBAC grants it. Most applications never call the API. The pod's \
        `automountServiceAccountToken` wins over the ServiceAccount's, as in Kubernetes: the \
        rule fires when the pod does not set it to false and the ServiceAccount (when it is part \
        of the scan) does not either; a ServiceAccount outside the scan is assumed to mount.",
    remediation: "Turn the token off for pods that do not call the Kubernetes API (or on the \
        ServiceAccount, for every pod that uses it):\n\
        ```yaml\nspec:\n  serviceAccountName: web\n  automountServiceAccountToken: false\n```",
    references: TOKEN_REFERENCES,
    mappings: TOKEN_MAPPINGS,
};

pub static POD_TOKEN_AUTOMOUNT: Check = Check {
    meta: &POD_TOKEN_META,
    run: CheckFn::Inventory(check_pod_token),
};

/// Service accounts of the inventory by (namespace, name).
fn service_accounts(inv: &Inventory) -> HashMap<(Option<&str>, &str), &Resource> {
    inv.of_kind("ServiceAccount")
        .map(|r| ((r.namespace(), r.id.name.as_str()), r))
        .collect()
}

/// The ServiceAccount a pod in `ns` uses: the one in the same namespace,
/// else (when one side names no namespace, so `kubectl apply -n` decides)
/// the only one of that name.
fn find_sa<'a>(
    sas: &HashMap<(Option<&str>, &str), &'a Resource>,
    ns: Option<&str>,
    name: &str,
) -> Option<&'a Resource> {
    if let Some(r) = sas.get(&(ns, name)) {
        return Some(r);
    }
    let mut loose = sas
        .iter()
        .filter(|((sns, sname), _)| *sname == name && (ns.is_none() || sns.is_none()))
        .map(|(_, r)| *r);
    let first = loose.next()?;
    loose.next().is_none().then_some(first)
}

fn check_pod_token(inv: &Inventory, meta: &'static RuleMeta, out: &mut Vec<Finding>) {
    let sas = service_accounts(inv);
    for res in inv.iter() {
        let Some(pod) = PodView::of(res) else {
            continue;
        };
        let (pod_setting, path) = pod.field("automountServiceAccountToken");
        if is_false(pod_setting) {
            continue;
        }
        let (sa_name, _) = service_account_of(&pod);
        let mut emit = Emit::new(meta, res, out);
        if is_true(pod_setting) {
            emit.at(
                path,
                format!(
                    "the pod sets automountServiceAccountToken: true, so the token of service \
                     account \"{sa_name}\" is mounted whatever the ServiceAccount says"
                ),
            );
            continue;
        }
        match find_sa(&sas, res.namespace(), sa_name) {
            Some(sa) if is_false(sa.value.get("automountServiceAccountToken")) => {}
            Some(_) => emit.at(
                path,
                format!(
                    "neither the pod nor its ServiceAccount \"{sa_name}\" sets \
                     automountServiceAccountToken: false, so its API token is mounted"
                ),
            ),
            None => emit.at(
                path,
                format!(
                    "the pod does not set automountServiceAccountToken: false, and its \
                     ServiceAccount \"{sa_name}\" is not in the scan, so its API token is \
                     mounted by default"
                ),
            ),
        }
    }
}

static SA_META: RuleMeta = RuleMeta {
    id: "service-account-automount-enabled",
    title: "ServiceAccount does not disable token automounting",
    severity: Severity::Low,
    category: "service-accounts",
    description: "A ServiceAccount without `automountServiceAccountToken: false` has its API \
        token mounted into every pod that uses it and does not opt out itself. Turning it off on \
        the ServiceAccount makes \"no token\" the default, and the few pods that need the API \
        opt back in explicitly. The `default` ServiceAccount of each namespace is the one that \
        matters most, since every pod that names no account uses it.",
    remediation: "Disable automounting on the ServiceAccount; pods that call the API set \
        `automountServiceAccountToken: true` themselves:\n\
        ```yaml\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: web\nautomountServiceAccountToken: false\n```",
    references: TOKEN_REFERENCES,
    mappings: TOKEN_MAPPINGS,
};

pub static SA_AUTOMOUNT: Check = Check {
    meta: &SA_META,
    run: CheckFn::Object(check_sa),
};

fn check_sa(res: &Resource, emit: &mut Emit<'_>) {
    if res.kind() != "ServiceAccount" || res.group() != "" {
        return;
    }
    let path = FieldPath::root().key("automountServiceAccountToken");
    let v = res.get(&path);
    if is_false(v) {
        return;
    }
    let how = if is_true(v) {
        "sets automountServiceAccountToken: true"
    } else {
        "does not set automountServiceAccountToken: false"
    };
    emit.at(
        path,
        format!(
            "ServiceAccount \"{}\" {how}: every pod using it gets an API token unless the pod \
             opts out",
            res.id.name
        ),
    );
}

static DEFAULT_SA_META: RuleMeta = RuleMeta {
    id: "default-service-account",
    title: "Workload uses the default service account",
    severity: Severity::Low,
    category: "service-accounts",
    description: "Every pod that names no service account runs as the namespace's `default` \
        account, so any permission granted to `default` (often added to make one thing work) \
        is silently shared by every workload in the namespace, and audit logs cannot tell them \
        apart. Give each workload its own ServiceAccount with only the RBAC it needs. The \
        deprecated `serviceAccount` field is honoured when `serviceAccountName` is empty, as \
        Kubernetes does.",
    remediation: "Create a ServiceAccount per workload and name it in the pod spec:\n\
        ```yaml\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: web\nautomountServiceAccountToken: false\n---\n# in the pod template\nspec:\n  serviceAccountName: web\n```",
    references: &[
        "https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/",
        "https://kubernetes.io/docs/concepts/security/rbac-good-practices/",
    ],
    mappings: Mappings {
        cis: &["5.1.5"],
        nsa: &["Authentication and authorization: role-based access control"],
        mitre: &["T1078.001", "T1552.007"],
        pss: &[],
        pci_dss: &["7.2.1", "7.2.2"],
        soc2: &["CC6.1", "CC6.3"],
        iso27001: &["A.5.15", "A.8.2"],
        hipaa: &["164.312(a)(1)"],
    },
};

pub static DEFAULT_SA: Check = Check {
    meta: &DEFAULT_SA_META,
    run: CheckFn::Pod(check_default_sa),
};

fn check_default_sa(pod: &PodView<'_>, emit: &mut Emit<'_>) {
    let (name, path) = service_account_of(pod);
    if name != "default" {
        return;
    }
    let explicit = ["serviceAccountName", "serviceAccount"]
        .iter()
        .any(|k| pod.field(k).0.and_then(Value::as_str) == Some("default"));
    let how = if explicit {
        "names the `default` service account"
    } else {
        "names no service account, so it runs as `default`"
    };
    emit.at(path, format!("the pod {how}"));
}

#[cfg(test)]
mod tests {
    use super::*;
    use bulwark_core::Origin;
    use serde_json::json;

    fn sa(ns: Option<&str>, name: &str) -> Resource {
        let mut meta = json!({"name": name});
        if let Some(ns) = ns {
            meta["namespace"] = json!(ns);
        }
        Resource::new(
            json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta}),
            Origin::default(),
            None,
        )
    }

    #[test]
    fn same_namespace_wins_and_ambiguity_finds_none() {
        let inv = Inventory::new(vec![
            sa(Some("shop"), "api"),
            sa(Some("billing"), "api"),
            sa(None, "worker"),
            sa(Some("jobs"), "report"),
        ]);
        let sas = service_accounts(&inv);
        let ns_of = |r: Option<&Resource>| r.map(|r| r.namespace().map(str::to_string));
        assert_eq!(
            ns_of(find_sa(&sas, Some("shop"), "api")),
            Some(Some("shop".into()))
        );
        // Two candidates for a pod without namespace: no guess.
        assert!(find_sa(&sas, None, "api").is_none());
        // Either side without a namespace: the only one of that name.
        assert_eq!(ns_of(find_sa(&sas, Some("shop"), "worker")), Some(None));
        assert_eq!(
            ns_of(find_sa(&sas, None, "report")),
            Some(Some("jobs".into()))
        );
        // Both namespaced and different: not the pod's account.
        assert!(find_sa(&sas, Some("shop"), "report").is_none());
    }
}
