//! Metadata of the risky-grant rules: why each matters, how to fix it, and
//! its CIS Kubernetes Benchmark (v1.10, section 5.1) and MITRE ATT&CK ids.

use bulwark_core::{Mappings, RuleMeta, Severity};

const REFS: &[&str] = &[
    "https://kubernetes.io/docs/concepts/security/rbac-good-practices/",
    "https://kubernetes.io/docs/reference/access-authn-authz/rbac/",
];
const NSA: &[&str] = &["Authentication and authorization: role-based access control"];

#[allow(clippy::too_many_arguments)]
const fn meta(
    id: &'static str,
    title: &'static str,
    severity: Severity,
    description: &'static str,
    remediation: &'static str,
    cis: &'static [&'static str],
    mitre: &'static [&'static str],
) -> RuleMeta {
    RuleMeta {
        id,
        title,
        severity,
        category: "rbac",
        description,
        remediation,
        references: REFS,
        mappings: Mappings {
            cis,
            nsa: NSA,
            mitre,
            pss: &[],
            pci_dss: &["7.2.1", "7.2.2"],
            soc2: &["CC6.3"],
            iso27001: &["A.5.15", "A.8.2"],
            hipaa: &["164.308(a)(4)"],
        },
    }
}

pub static WILDCARD_VERB: RuleMeta = meta(
    "rbac-wildcard-verb",
    "Role grants every verb (`*`)",
    Severity::Medium,
    "A `*` verb grants every present and future verb on the resources, including `escalate`, \
     `bind`, `impersonate`, `delete` and `deletecollection`. Least privilege cannot be reviewed \
     when the grant is open-ended.",
    "List the verbs the workload needs:\n```yaml\nrules:\n- apiGroups: [\"\"]\n  resources: [\"configmaps\"]\n  verbs: [\"get\", \"list\", \"watch\"]\n```",
    &["5.1.3"],
    &["T1098.006"],
);

pub static WILDCARD_RESOURCE: RuleMeta = meta(
    "rbac-wildcard-resource",
    "Role grants every resource (`*`)",
    Severity::Medium,
    "A `*` resource covers every resource and subresource of the listed API groups, including \
     secrets, `pods/exec` and any custom resource installed later.",
    "List the resources explicitly:\n```yaml\nrules:\n- apiGroups: [\"apps\"]\n  resources: [\"deployments\"]\n  verbs: [\"get\", \"list\"]\n```",
    &["5.1.3"],
    &["T1098.006"],
);

pub static WILDCARD_API_GROUP: RuleMeta = meta(
    "rbac-wildcard-api-group",
    "Role grants every API group (`*`)",
    Severity::Low,
    "A `*` API group extends the rule to every group, including ones installed later by \
     operators and CRDs whose resources may be sensitive.",
    "Name the API groups:\n```yaml\nrules:\n- apiGroups: [\"\", \"apps\"]\n```",
    &["5.1.3"],
    &["T1098.006"],
);

pub static CLUSTER_ADMIN_BINDING: RuleMeta = meta(
    "rbac-cluster-admin-binding",
    "cluster-admin (or full control of `*`) bound to a non-system subject",
    Severity::Critical,
    "cluster-admin, or any role with every verb (or every read and write verb: get, list, \
     create, update, patch, delete) on every resource of every group, is full control of the \
     cluster (or, through a RoleBinding, of the namespace): whoever can create pods anywhere \
     can run them as any service account. A binding to `cluster-admin` counts whatever a \
     manifest of that name says, because the API server reconciles that role at start-up. \
     Only control-plane components and a break-glass group should hold it.",
    "Bind a role with the permissions needed, scoped with a RoleBinding:\n```yaml\nkind: RoleBinding\nmetadata: {name: team-edit, namespace: team}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}\n```",
    &["5.1.1", "5.1.7"],
    &["T1078", "T1098.006"],
);

pub static PUBLIC_BINDING: RuleMeta = meta(
    "rbac-binding-to-public-group",
    "Binding grants to system:anonymous, system:unauthenticated or system:authenticated",
    Severity::High,
    "`system:anonymous`/`system:unauthenticated` is anyone who can reach the API server; \
     `system:authenticated` is every user and every service account of every namespace. A \
     grant to them is a grant to everyone.",
    "Bind named users, groups or service accounts instead:\n```yaml\nsubjects:\n- kind: Group\n  name: platform-team\n  apiGroup: rbac.authorization.k8s.io\n```",
    &["5.1.1"],
    &["T1078", "T1190"],
);

pub static SECRETS_READ: RuleMeta = meta(
    "rbac-secrets-read",
    "Role reads secrets cluster-wide or in kube-system",
    Severity::High,
    "get, list or watch on secrets reveals their values (list and watch return the data too), \
     including service account tokens and cloud credentials. Cluster-wide or in kube-system this \
     reaches the control plane's credentials.",
    "Grant access to named secrets in one namespace only:\n```yaml\nkind: Role\nrules:\n- apiGroups: [\"\"]\n  resources: [\"secrets\"]\n  resourceNames: [\"app-tls\"]\n  verbs: [\"get\"]\n```",
    &["5.1.2"],
    &["T1552.007"],
);

/// Reported by [`super::secret_readers::SecretReaders`], which counts
/// readers per namespace (not part of [`ALL`], the per-role rules).
pub static SECRETS_MANY_READERS: RuleMeta = meta(
    "secrets-readable-by-many",
    "Secrets of a namespace are readable by many subjects",
    Severity::Medium,
    "Summed over every RoleBinding and ClusterRoleBinding, more subjects than the configured \
     limit (`rule_settings.rbac.secret_readers_max`, default 5) can get, list or watch the \
     Secrets of the namespace, or an open-ended group can (system:authenticated, \
     system:serviceaccounts). Each grant may look needed on its own; together they turn every \
     Secret of the namespace into a shared one. The platform's own identities (kube-system \
     service accounts, system: users and groups of the bootstrap roles) are not counted.",
    "See who they are and through what with `bulwark rbac who-can get secrets -n NAMESPACE`, \
     then narrow the roles to named secrets (`resourceNames`) or move the readers to a secret \
     store (External Secrets, CSI) so that workloads, not people, read the values.",
    &["5.1.2"],
    &["T1552.007"],
);

pub static POD_EXEC: RuleMeta = meta(
    "rbac-pod-exec",
    "Role allows exec, attach or port-forward into pods",
    Severity::High,
    "`pods/exec`, `pods/attach` and `pods/portforward` run commands in, or connect to, running \
     containers: their service account tokens, mounted secrets and network position are the \
     caller's.",
    "Remove the subresources; use logs and debugging through a separate, audited role:\n```yaml\nrules:\n- apiGroups: [\"\"]\n  resources: [\"pods\", \"pods/log\"]\n  verbs: [\"get\", \"list\"]\n```",
    &["5.1.4"],
    &["T1609"],
);

pub static WORKLOAD_CREATE: RuleMeta = meta(
    "rbac-workload-create",
    "Role creates or changes pods or workloads",
    Severity::Medium,
    "Whoever can create a pod (directly or through a Deployment, Job, DaemonSet...) can run it \
     as any service account of the namespace and read its token, and, unless Pod Security \
     forbids it, start a privileged pod that escapes to the node.",
    "Limit workload writes to deployment pipelines, and enforce Pod Security `restricted` on the namespace:\n```yaml\nmetadata:\n  labels:\n    pod-security.kubernetes.io/enforce: restricted\n```",
    &["5.1.4"],
    &["T1610", "T1611"],
);

pub static ESCALATE_BIND: RuleMeta = meta(
    "rbac-escalate-bind",
    "Role allows escalate or bind on roles",
    Severity::High,
    "`escalate` lets a subject write roles with permissions it does not hold; `bind` lets it \
     bind roles it does not hold. Either bypasses RBAC's privilege-escalation prevention.",
    "Remove the verbs; let cluster administrators manage roles:\n```yaml\nverbs: [\"get\", \"list\", \"watch\"]\n```",
    &["5.1.8"],
    &["T1098.006"],
);

pub static IMPERSONATE: RuleMeta = meta(
    "rbac-impersonate",
    "Role allows impersonation",
    Severity::High,
    "`impersonate` on users, groups or service accounts lets the subject act as them \
     (`--as=... --as-group=system:masters`), taking their permissions.",
    "Remove `impersonate`, or restrict it with resourceNames to the identities needed:\n```yaml\nrules:\n- apiGroups: [\"\"]\n  resources: [\"serviceaccounts\"]\n  resourceNames: [\"reader\"]\n  verbs: [\"impersonate\"]\n```",
    &["5.1.8"],
    &["T1078", "T1134"],
);

pub static TOKEN_CREATE: RuleMeta = meta(
    "rbac-serviceaccount-token-create",
    "Role creates service account tokens",
    Severity::High,
    "create on `serviceaccounts/token` mints tokens for any service account in scope, taking \
     its permissions.",
    "Remove the grant; workloads get their own token through projected volumes:\n```yaml\nresources: [\"serviceaccounts\"]\nverbs: [\"get\"]\n```",
    &["5.1.13"],
    &["T1528"],
);

pub static NODES_PROXY: RuleMeta = meta(
    "rbac-nodes-proxy",
    "Role allows nodes/proxy",
    Severity::High,
    "`nodes/proxy` reaches the kubelet API through the API server: run commands in any pod of \
     the node, bypassing admission and audit of `pods/exec`.",
    "Remove `nodes/proxy`; use `nodes/metrics` or `nodes/stats` for monitoring:\n```yaml\nresources: [\"nodes/metrics\", \"nodes/stats\"]\nverbs: [\"get\"]\n```",
    &["5.1.10"],
    &["T1609", "T1611"],
);

pub static NODE_UPDATE: RuleMeta = meta(
    "rbac-node-update",
    "Role patches or updates nodes",
    Severity::Medium,
    "Changing node objects (labels, taints, status) steers workloads onto a node the attacker \
     controls, or takes nodes out of service.",
    "Leave node updates to the kubelet (through the Node authorizer) and the control plane:\n```yaml\nresources: [\"nodes\"]\nverbs: [\"get\", \"list\", \"watch\"]\n```",
    &[],
    &["T1610"],
);

pub static CSR_APPROVE: RuleMeta = meta(
    "rbac-csr-approve",
    "Role approves certificate signing requests",
    Severity::High,
    "Updating `certificatesigningrequests/approval` (with `approve` on a signer) issues \
     certificates: a client certificate for `system:masters` or a node identity is a cluster \
     credential.",
    "Leave approval to the controller manager's auto-approver for kubelet certificates:\n```yaml\nresources: [\"certificatesigningrequests\"]\nverbs: [\"get\", \"list\"]\n```",
    &["5.1.11"],
    &["T1649"],
);

pub static SERVICES_STATUS: RuleMeta = meta(
    "rbac-services-status-write",
    "Role writes services/status",
    Severity::Medium,
    "Whoever can patch `services/status` can set a LoadBalancer Service's \
     `status.loadBalancer.ingress` IP, and kube-proxy then routes traffic for that IP, from \
     every pod and node, to the Service (CVE-2020-8554, unfixed in Kubernetes itself): \
     traffic meant for an outside address, or for another Service, is intercepted. Only the \
     cloud controller (or MetalLB and the like) needs this.",
    "Leave `services/status` to the load-balancer controller; deny the rest with the \
     DenyServiceExternalIPs admission plugin or a policy on status changes:\n```yaml\nresources: [\"services\"]\nverbs: [\"get\", \"list\", \"watch\"]\n```",
    &[],
    &["T1557"],
);

pub static WEBHOOK_CONFIG: RuleMeta = meta(
    "rbac-webhook-config-write",
    "Role writes admission webhook configurations",
    Severity::High,
    "Whoever writes a mutating or validating webhook configuration receives every matching \
     object (secrets included) and can change or block them: intercepting the whole cluster.",
    "Restrict webhook configuration writes to cluster administrators:\n```yaml\nresources: [\"mutatingwebhookconfigurations\"]\nverbs: [\"get\", \"list\"]\n```",
    &["5.1.12"],
    &["T1557", "T1562"],
);

pub static RBAC_WRITE: RuleMeta = meta(
    "rbac-rbac-write",
    "Role writes RBAC objects",
    Severity::Medium,
    "Creating or changing roles and bindings changes who can do what. Combined with `bind` or \
     `escalate`, or with the permissions of the roles being bound, it is self-service privilege.",
    "Manage RBAC through reviewed manifests, not through a runtime identity:\n```yaml\nresources: [\"roles\", \"rolebindings\"]\nverbs: [\"get\", \"list\", \"watch\"]\n```",
    &["5.1.8"],
    &["T1098.006"],
);

pub static PV_CREATE: RuleMeta = meta(
    "rbac-persistentvolume-create",
    "Role creates persistent volumes",
    Severity::Medium,
    "A PersistentVolume can be a hostPath: creating one and a claim on it mounts the node's \
     file system into a pod.",
    "Let a StorageClass provisioner create volumes; grant PVC creation instead:\n```yaml\nresources: [\"persistentvolumeclaims\"]\nverbs: [\"create\"]\n```",
    &["5.1.9"],
    &["T1611"],
);

pub static DEFAULT_SA_BINDING: RuleMeta = meta(
    "rbac-default-serviceaccount-bound",
    "The default service account is bound to a role",
    Severity::Medium,
    "Every pod that names no service account runs as `default`: a grant to it is a grant to \
     every such pod of the namespace.",
    "Create a dedicated service account and bind that:\n```yaml\nsubjects:\n- kind: ServiceAccount\n  name: app\n  namespace: team\n```",
    &["5.1.5"],
    &["T1528"],
);

pub static CROSS_NAMESPACE_SA: RuleMeta = meta(
    "rbac-cross-namespace-serviceaccount",
    "RoleBinding grants to a service account of another namespace",
    Severity::Low,
    "A RoleBinding that names a service account of another namespace lets workloads there act \
     here; the trust crosses the namespace boundary and is easily missed in review.",
    "Bind a service account of the same namespace, or document the exception:\n```yaml\nsubjects:\n- kind: ServiceAccount\n  name: app\n  namespace: same-namespace\n```",
    &[],
    &["T1078"],
);

pub static UNUSED_ROLE: RuleMeta = meta(
    "rbac-unused-role",
    "Role is never bound",
    Severity::Info,
    "A role no binding references (and no ClusterRole aggregates) grants nothing today, but it \
     is dead configuration that someone may bind later without review.",
    "Delete the role, or bind it where it is meant to be used.",
    &[],
    &[],
);

pub static GRANTS_NOTHING: RuleMeta = meta(
    "rbac-binding-grants-nothing",
    "Binding references a missing role or an invalid subject",
    Severity::Low,
    "A binding to a role that does not exist grants nothing now, and grants whatever a role \
     created later under that name holds; a subject the authorizer can never match is a \
     mistake that hides the intended grant.",
    "Fix the roleRef name/kind, or the subject (a ServiceAccount subject of a ClusterRoleBinding needs `namespace`):\n```yaml\nsubjects:\n- kind: ServiceAccount\n  name: app\n  namespace: team\n```",
    &[],
    &[],
);

/// Every rule of the analyzer, in catalog order.
pub static ALL: &[&RuleMeta] = &[
    &WILDCARD_VERB,
    &WILDCARD_RESOURCE,
    &WILDCARD_API_GROUP,
    &CLUSTER_ADMIN_BINDING,
    &PUBLIC_BINDING,
    &SECRETS_READ,
    &POD_EXEC,
    &WORKLOAD_CREATE,
    &ESCALATE_BIND,
    &IMPERSONATE,
    &TOKEN_CREATE,
    &NODES_PROXY,
    &NODE_UPDATE,
    &CSR_APPROVE,
    &SERVICES_STATUS,
    &WEBHOOK_CONFIG,
    &RBAC_WRITE,
    &PV_CREATE,
    &DEFAULT_SA_BINDING,
    &CROSS_NAMESPACE_SA,
    &UNUSED_ROLE,
    &GRANTS_NOTHING,
];
