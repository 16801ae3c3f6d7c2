//! Per-event detectors equivalent to Falco's k8saudit ruleset
//! (`plugins/k8saudit/rules/k8s_audit_rules.yaml`): the same conditions, the
//! same default lists (in [`AuditConfig`]), one detector per Falco rule.
//! Where a condition is a pod-security property a scan rule already
//! decides (privileged, host namespaces, hostPath), the detector asks that
//! scan rule through [`Ctx::scan`] and adds only Falco's event conditions
//! and image exceptions.

use bulwark_core::{FieldPath, Mappings, RuleMeta, Severity};
use serde_json::Value;

use super::{Ctx, Hit};
use crate::config::AuditConfig;
use crate::event::{Event, LazyObject};

const FALCO_REF: &str = "https://github.com/falcosecurity/plugins/blob/main/plugins/k8saudit/rules/k8s_audit_rules.yaml";
const AUDIT_DOC: &str = "https://kubernetes.io/docs/tasks/debug/debug-cluster/audit/";

/// How a detector decides.
pub enum Check {
    /// A condition over the event.
    Fn(fn(&Ctx<'_>, &Event) -> Option<Hit>),
    /// Falco's activity rules: a successful `verb` on `resource`
    /// (`ResponseComplete`, when activity events are considered).
    Activity {
        resource: &'static str,
        verb: &'static str,
        /// Only non-`system:` users (namespace and secret deletions).
        non_system: bool,
        /// Not in kube-system (secret creation and deletion).
        not_kube_system: bool,
    },
}

/// One Falco-equivalent detector.
pub struct EventRule {
    pub meta: &'static RuleMeta,
    /// The Falco rule this detector is equivalent to.
    pub falco: &'static str,
    pub check: Check,
}

impl EventRule {
    pub fn run(&self, ctx: &Ctx<'_>, ev: &Event) -> Option<Hit> {
        match &self.check {
            Check::Fn(f) => f(ctx, ev),
            Check::Activity {
                resource,
                verb,
                non_system,
                not_kube_system,
            } => {
                let ok = ctx.config.activity
                    && kevt(ev)
                    && ev.verb == *verb
                    && ev.resource() == *resource
                    && ev.successful()
                    && (!non_system || ev.non_system_user())
                    && (!not_kube_system || ev.namespace() != "kube-system");
                ok.then(|| Hit::new(self.meta, format!("{} ({})", self.meta.title, who(ev))))
            }
        }
    }
}

macro_rules! meta {
    ($name:ident, $id:literal, $sev:ident, $cat:literal, [$($m:literal),*], $title:literal, $desc:literal, $rem:literal) => {
        static $name: RuleMeta = RuleMeta {
            id: $id,
            title: $title,
            severity: Severity::$sev,
            category: $cat,
            description: $desc,
            remediation: $rem,
            references: &[FALCO_REF, AUDIT_DOC],
            mappings: Mappings { mitre: &[$($m),*], ..Mappings::NONE },
        };
    };
}

macro_rules! activity {
    ($name:ident, $id:literal, $title:literal, $what:literal) => {
        static $name: RuleMeta = RuleMeta {
            id: $id,
            title: $title,
            severity: Severity::Info,
            category: "audit-activity",
            description: concat!(
                "A record of cluster activity (",
                $what,
                "): not an attack by itself, but the trail an investigation follows."
            ),
            remediation: "Nothing to fix; set `audit: {activity: false}` in `.bulwark.yaml` to stop recording activity.",
            references: &[FALCO_REF, AUDIT_DOC],
            mappings: Mappings::NONE,
        };
    };
}

meta!(
    DISALLOWED_USER,
    "audit-disallowed-user",
    Medium,
    "audit-identity",
    ["T1078"],
    "Request by a user outside the allowed set",
    "A non-system user that is not in the allowed list acted on the cluster: a credential \
     that should not exist, or a person working around the usual accounts.",
    "Add the user to `audit.allowed_users` if expected; otherwise revoke the credential:\n\
     ```yaml\naudit:\n  allowed_users: [alice]\n```"
);
meta!(
    DISALLOWED_POD,
    "audit-disallowed-image-pod",
    Medium,
    "audit-workload",
    ["T1610"],
    "Pod created with an image outside the allowed set",
    "A pod was started with a container image that is not in the allowed list: an attacker's \
     tooling or an unreviewed deployment.",
    "List the allowed image repositories, or enforce them at admission:\n\
     ```yaml\naudit:\n  allowed_images: [registry.example.com/app]\n```"
);
meta!(
    PRIVILEGED_POD,
    "audit-privileged-pod-created",
    High,
    "audit-workload",
    ["T1610", "T1611"],
    "Privileged pod created",
    "A pod with a privileged container (containers, init or ephemeral) was created: it can \
     take over its node. Decided by the scan rule `privileged-container`.",
    "Remove `privileged: true`; enforce Pod Security `baseline` on the namespace:\n\
     ```yaml\nmetadata:\n  labels:\n    pod-security.kubernetes.io/enforce: baseline\n```"
);
meta!(
    SENSITIVE_MOUNT_POD,
    "audit-sensitive-mount-pod-created",
    High,
    "audit-workload",
    ["T1611", "T1552.001"],
    "Pod created with a sensitive hostPath mount",
    "A pod mounts a sensitive directory of its node (/proc, /etc, the runtime socket, the \
     kubelet's directory): it can read credentials or escape. The hostPath volumes are those \
     the scan rule `host-path-volume` reports.",
    "Use a volume type other than hostPath; enforce Pod Security `baseline`:\n\
     ```yaml\nvolumes:\n- name: data\n  emptyDir: {}\n```"
);
meta!(
    HOST_NETWORK_POD,
    "audit-host-network-pod-created",
    High,
    "audit-workload",
    ["T1611", "T1040"],
    "Pod created in the host network namespace",
    "A pod uses the node's network (scan rule `host-network`): it bypasses NetworkPolicy and \
     reaches node-local services.",
    "Remove `hostNetwork: true`:\n```yaml\nspec:\n  hostNetwork: false\n```"
);
meta!(
    HOST_PID_POD,
    "audit-host-pid-pod-created",
    High,
    "audit-workload",
    ["T1611"],
    "Pod created in the host PID namespace",
    "A pod shares the node's process namespace (scan rule `host-pid`): it sees and can signal \
     every process on the node.",
    "Remove `hostPID: true`:\n```yaml\nspec:\n  hostPID: false\n```"
);
meta!(
    HOST_IPC_POD,
    "audit-host-ipc-pod-created",
    High,
    "audit-workload",
    ["T1611"],
    "Pod created in the host IPC namespace",
    "A pod shares the node's IPC namespace (scan rule `host-ipc`): it can read other \
     processes' shared memory.",
    "Remove `hostIPC: true`:\n```yaml\nspec:\n  hostIPC: false\n```"
);
meta!(
    NODEPORT_SERVICE,
    "audit-nodeport-service-created",
    Medium,
    "audit-network",
    ["T1133"],
    "NodePort service created",
    "A NodePort service opens a port on every node, often outside the load balancer and \
     firewall that protect the cluster.",
    "Use a ClusterIP service behind an Ingress or a LoadBalancer:\n\
     ```yaml\nspec:\n  type: ClusterIP\n```"
);
meta!(
    CONFIGMAP_CREDENTIALS,
    "audit-configmap-credentials",
    Medium,
    "audit-secrets",
    ["T1552.007"],
    "ConfigMap with credentials created or modified",
    "A ConfigMap holds what looks like a credential (an AWS key id, a password, a \
     passphrase): ConfigMaps are readable far more widely than Secrets.",
    "Move the value to a Secret and reference it:\n\
     ```yaml\nenv:\n- name: DB_PASSWORD\n  valueFrom:\n    secretKeyRef: {name: db, key: password}\n```"
);
meta!(
    ANONYMOUS_ALLOWED,
    "audit-anonymous-request-allowed",
    High,
    "audit-identity",
    ["T1078.001"],
    "Anonymous request allowed",
    "A request by `system:anonymous` was authorized (health endpoints aside): an unauthenticated \
     caller can act on the cluster.",
    "Run the API server with `--anonymous-auth=false` (or limit anonymous access to health \
     endpoints) and remove bindings to `system:anonymous`/`system:unauthenticated`."
);
meta!(
    EXEC_POD,
    "audit-pod-exec-attach",
    Medium,
    "audit-workload",
    ["T1609"],
    "Exec or attach into a pod",
    "Someone ran a command in, or attached to, a container: the usual first step after \
     stealing credentials, and a change nobody reviews.",
    "Restrict `pods/exec` and `pods/attach` to break-glass roles; record who needs them."
);
meta!(
    PORT_FORWARD,
    "audit-pod-port-forward",
    Low,
    "audit-network",
    ["T1572"],
    "Port-forward to a pod",
    "A port-forward tunnels traffic into a pod past every network control.",
    "Restrict `pods/portforward` to the people who need it."
);
meta!(
    EPHEMERAL_CONTAINER,
    "audit-ephemeral-container-created",
    Low,
    "audit-workload",
    ["T1609"],
    "Ephemeral container added to a pod",
    "`kubectl debug` added a container to a running pod: it can run any image with the pod's \
     identity.",
    "Restrict `pods/ephemeralcontainers` to break-glass roles."
);
meta!(
    DISALLOWED_NAMESPACE,
    "audit-disallowed-namespace-created",
    Medium,
    "audit-workload",
    ["T1610"],
    "Namespace created outside the allowed set",
    "A namespace that is not in the allowed list was created: a place to hide workloads.",
    "Add it to `audit.allowed_namespaces` if expected:\n\
     ```yaml\naudit:\n  allowed_namespaces: [kube-system, kube-public, default, team-a]\n```"
);
meta!(
    KUBE_NAMESPACE_POD,
    "audit-kube-namespace-pod-created",
    Medium,
    "audit-workload",
    ["T1610", "T1036.005"],
    "Pod created in kube-system or kube-public",
    "A pod with images outside the expected control-plane images was created in a system \
     namespace, where it blends in and often runs with powerful service accounts.",
    "Run workloads in their own namespaces; list expected images in \
     `audit.kube_namespace_images`."
);
meta!(
    KUBE_NAMESPACE_SA,
    "audit-kube-namespace-service-account-created",
    Medium,
    "audit-identity",
    ["T1136"],
    "Service account created in kube-system or kube-public",
    "A new, unknown service account in a system namespace is a classic persistence step.",
    "Delete it if unexpected; list expected ones in `audit.known_service_accounts`."
);
meta!(
    SYSTEM_ROLE_MODIFIED,
    "audit-system-role-modified",
    Medium,
    "audit-rbac",
    ["T1098"],
    "System ClusterRole or Role modified or deleted",
    "A `system:` role was changed or deleted: the API server maintains these, and a change \
     quietly grants or removes what components rely on.",
    "Restore the role (the API server reconciles `system:` ClusterRoles on restart) and find \
     who changed it."
);
meta!(
    CLUSTER_ADMIN_BINDING,
    "audit-cluster-admin-binding-created",
    High,
    "audit-rbac",
    ["T1098"],
    "ClusterRoleBinding to cluster-admin created",
    "Someone was made cluster administrator: full control of the cluster.",
    "Bind narrower roles; remove the binding if it was not approved."
);
meta!(
    WILDCARD_ROLE,
    "audit-wildcard-role-created",
    Medium,
    "audit-rbac",
    ["T1098"],
    "Role or ClusterRole with wildcards created",
    "A role granting `*` verbs or resources grants everything, including what is added later.",
    "List the verbs and resources explicitly:\n\
     ```yaml\nrules:\n- apiGroups: [\"\"]\n  resources: [configmaps]\n  verbs: [get, list]\n```"
);
meta!(
    WRITE_ROLE,
    "audit-write-role-created",
    Low,
    "audit-rbac",
    ["T1098"],
    "Role or ClusterRole with write privileges created",
    "A role that can create, update, patch or delete was created: worth a review.",
    "Grant write verbs only on the resources that need them."
);
meta!(
    EXEC_ROLE,
    "audit-pod-exec-role-created",
    Medium,
    "audit-rbac",
    ["T1098", "T1609"],
    "Role or ClusterRole with pods/exec created",
    "A role that can exec into pods can run commands as every service account in scope.",
    "Remove `pods/exec` from the role, or keep it to a break-glass role."
);
meta!(
    SECRET_READ,
    "audit-secret-read",
    Medium,
    "audit-secrets",
    ["T1552.007"],
    "Secret read",
    "A secret was read successfully (controllers reading state are excluded by default): \
     credentials leaving the API server.",
    "Limit `get` on secrets to the workloads that need each one."
);
meta!(
    SECRET_READ_DENIED,
    "audit-secret-read-denied",
    Medium,
    "audit-secrets",
    ["T1552.007"],
    "Secret read denied",
    "Someone tried to read a secret and was refused: probing with a stolen or guessed \
     identity.",
    "Find who made the request; rotate the credential if it is not theirs."
);
meta!(
    FULL_ADMIN,
    "audit-full-admin-access",
    Medium,
    "audit-identity",
    ["T1078"],
    "Request by a default administrator account",
    "A default administrator user (kubernetes-admin, admin) was used: shared, unattributable, \
     all-powerful credentials (off unless `audit.full_admin_users` is set, as in Falco).",
    "Give people their own identities through OIDC; keep the admin kubeconfig offline."
);
meta!(
    INGRESS_NO_TLS,
    "audit-ingress-without-tls",
    Low,
    "audit-network",
    ["T1040"],
    "Ingress created without TLS",
    "An Ingress without a `tls` section serves plain HTTP: credentials and cookies in clear.",
    "Add a TLS section:\n```yaml\nspec:\n  tls:\n  - hosts: [app.example.com]\n    secretName: app-tls\n```"
);
meta!(
    UNTRUSTED_NODE,
    "audit-untrusted-node-joined",
    High,
    "audit-identity",
    ["T1078"],
    "Untrusted node joined the cluster",
    "A node outside the allowed list registered (off unless `audit.allowed_nodes` is set, as \
     in Falco): it will be scheduled pods and their secrets.",
    "Delete the node and rotate bootstrap tokens; use node authorization and approved CSRs."
);
meta!(
    UNTRUSTED_NODE_FAILED,
    "audit-untrusted-node-join-failed",
    Medium,
    "audit-identity",
    ["T1078"],
    "Untrusted node tried to join the cluster",
    "A node outside the allowed list tried to register and was refused.",
    "Find where the request came from; rotate bootstrap tokens."
);

activity!(
    DEPLOYMENT_CREATED,
    "audit-activity-deployment-created",
    "Deployment created",
    "deployment created"
);
activity!(
    DEPLOYMENT_DELETED,
    "audit-activity-deployment-deleted",
    "Deployment deleted",
    "deployment deleted"
);
activity!(
    SERVICE_CREATED,
    "audit-activity-service-created",
    "Service created",
    "service created"
);
activity!(
    SERVICE_DELETED,
    "audit-activity-service-deleted",
    "Service deleted",
    "service deleted"
);
activity!(
    CONFIGMAP_CREATED,
    "audit-activity-configmap-created",
    "ConfigMap created",
    "config map created"
);
activity!(
    CONFIGMAP_DELETED,
    "audit-activity-configmap-deleted",
    "ConfigMap deleted",
    "config map deleted"
);
activity!(
    NAMESPACE_CREATED,
    "audit-activity-namespace-created",
    "Namespace created",
    "namespace created"
);
activity!(
    NAMESPACE_DELETED,
    "audit-activity-namespace-deleted",
    "Namespace deleted",
    "namespace deleted by a non-system user"
);
activity!(
    SA_CREATED,
    "audit-activity-serviceaccount-created",
    "ServiceAccount created",
    "service account created"
);
activity!(
    SA_DELETED,
    "audit-activity-serviceaccount-deleted",
    "ServiceAccount deleted",
    "service account deleted"
);
activity!(
    ROLE_CREATED,
    "audit-activity-role-created",
    "Role created",
    "role created"
);
activity!(
    ROLE_DELETED,
    "audit-activity-role-deleted",
    "Role deleted",
    "role deleted"
);
activity!(
    CLUSTERROLE_CREATED,
    "audit-activity-clusterrole-created",
    "ClusterRole created",
    "cluster role created"
);
activity!(
    CLUSTERROLE_DELETED,
    "audit-activity-clusterrole-deleted",
    "ClusterRole deleted",
    "cluster role deleted"
);
activity!(
    ROLEBINDING_CREATED,
    "audit-activity-rolebinding-created",
    "RoleBinding created",
    "role binding created"
);
activity!(
    ROLEBINDING_DELETED,
    "audit-activity-rolebinding-deleted",
    "RoleBinding deleted",
    "role binding deleted"
);
activity!(
    CRB_CREATED,
    "audit-activity-clusterrolebinding-created",
    "ClusterRoleBinding created",
    "cluster role binding created"
);
activity!(
    CRB_DELETED,
    "audit-activity-clusterrolebinding-deleted",
    "ClusterRoleBinding deleted",
    "cluster role binding deleted"
);
activity!(
    SECRET_CREATED,
    "audit-activity-secret-created",
    "Secret created",
    "secret created outside kube-system by a non-system user"
);
activity!(
    SECRET_DELETED,
    "audit-activity-secret-deleted",
    "Secret deleted",
    "secret deleted outside kube-system by a non-system user"
);

const fn act(
    meta: &'static RuleMeta,
    falco: &'static str,
    resource: &'static str,
    verb: &'static str,
    non_system: bool,
    not_kube_system: bool,
) -> EventRule {
    EventRule {
        meta,
        falco,
        check: Check::Activity {
            resource,
            verb,
            non_system,
            not_kube_system,
        },
    }
}

const fn rule(
    meta: &'static RuleMeta,
    falco: &'static str,
    f: fn(&Ctx<'_>, &Event) -> Option<Hit>,
) -> EventRule {
    EventRule {
        meta,
        falco,
        check: Check::Fn(f),
    }
}

/// Every Falco-equivalent detector, in the order of Falco's rules file.
pub static RULES: &[EventRule] = &[
    rule(&DISALLOWED_USER, "Disallowed K8s User", disallowed_user),
    rule(&DISALLOWED_POD, "Create Disallowed Pod", disallowed_pod),
    rule(&PRIVILEGED_POD, "Create Privileged Pod", privileged_pod),
    rule(
        &SENSITIVE_MOUNT_POD,
        "Create Sensitive Mount Pod",
        sensitive_mount_pod,
    ),
    rule(
        &HOST_NETWORK_POD,
        "Create HostNetwork Pod",
        host_network_pod,
    ),
    rule(&HOST_PID_POD, "Create HostPid Pod", host_pid_pod),
    rule(&HOST_IPC_POD, "Create HostIPC Pod", host_ipc_pod),
    rule(
        &NODEPORT_SERVICE,
        "Create NodePort Service",
        nodeport_service,
    ),
    rule(
        &CONFIGMAP_CREDENTIALS,
        "Create/Modify Configmap With Private Credentials",
        configmap_credentials,
    ),
    rule(
        &ANONYMOUS_ALLOWED,
        "Anonymous Request Allowed",
        anonymous_allowed,
    ),
    rule(&EXEC_POD, "Attach/Exec Pod", exec_pod),
    rule(&PORT_FORWARD, "port-forward", port_forward),
    rule(
        &EPHEMERAL_CONTAINER,
        "EphemeralContainers Created",
        ephemeral_container,
    ),
    rule(
        &DISALLOWED_NAMESPACE,
        "Create Disallowed Namespace",
        disallowed_namespace,
    ),
    rule(
        &KUBE_NAMESPACE_POD,
        "Pod Created in Kube Namespace",
        kube_namespace_pod,
    ),
    rule(
        &KUBE_NAMESPACE_SA,
        "Service Account Created in Kube Namespace",
        kube_namespace_sa,
    ),
    rule(
        &SYSTEM_ROLE_MODIFIED,
        "System ClusterRole Modified/Deleted",
        system_role_modified,
    ),
    rule(
        &CLUSTER_ADMIN_BINDING,
        "Attach to cluster-admin Role",
        cluster_admin_binding,
    ),
    rule(
        &WILDCARD_ROLE,
        "ClusterRole With Wildcard Created",
        wildcard_role,
    ),
    rule(
        &WRITE_ROLE,
        "ClusterRole With Write Privileges Created",
        write_role,
    ),
    rule(&EXEC_ROLE, "ClusterRole With Pod Exec Created", exec_role),
    act(
        &DEPLOYMENT_CREATED,
        "K8s Deployment Created",
        "deployments",
        "create",
        false,
        false,
    ),
    act(
        &DEPLOYMENT_DELETED,
        "K8s Deployment Deleted",
        "deployments",
        "delete",
        false,
        false,
    ),
    act(
        &SERVICE_CREATED,
        "K8s Service Created",
        "services",
        "create",
        false,
        false,
    ),
    act(
        &SERVICE_DELETED,
        "K8s Service Deleted",
        "services",
        "delete",
        false,
        false,
    ),
    act(
        &CONFIGMAP_CREATED,
        "K8s ConfigMap Created",
        "configmaps",
        "create",
        false,
        false,
    ),
    act(
        &CONFIGMAP_DELETED,
        "K8s ConfigMap Deleted",
        "configmaps",
        "delete",
        false,
        false,
    ),
    act(
        &NAMESPACE_CREATED,
        "K8s Namespace Created",
        "namespaces",
        "create",
        false,
        false,
    ),
    act(
        &NAMESPACE_DELETED,
        "K8s Namespace Deleted",
        "namespaces",
        "delete",
        true,
        false,
    ),
    act(
        &SA_CREATED,
        "K8s Serviceaccount Created",
        "serviceaccounts",
        "create",
        false,
        false,
    ),
    act(
        &SA_DELETED,
        "K8s Serviceaccount Deleted",
        "serviceaccounts",
        "delete",
        false,
        false,
    ),
    act(
        &ROLE_CREATED,
        "K8s Role Created",
        "roles",
        "create",
        false,
        false,
    ),
    act(
        &ROLE_DELETED,
        "K8s Role Deleted",
        "roles",
        "delete",
        false,
        false,
    ),
    act(
        &CLUSTERROLE_CREATED,
        "K8s ClusterRole Created",
        "clusterroles",
        "create",
        false,
        false,
    ),
    act(
        &CLUSTERROLE_DELETED,
        "K8s ClusterRole Deleted",
        "clusterroles",
        "delete",
        false,
        false,
    ),
    act(
        &ROLEBINDING_CREATED,
        "K8s RoleBinding Created",
        "rolebindings",
        "create",
        false,
        false,
    ),
    act(
        &ROLEBINDING_DELETED,
        "K8s RoleBinding Deleted",
        "rolebindings",
        "delete",
        false,
        false,
    ),
    act(
        &CRB_CREATED,
        "K8s ClusterRoleBinding Created",
        "clusterrolebindings",
        "create",
        false,
        false,
    ),
    act(
        &CRB_DELETED,
        "K8s ClusterRoleBinding Deleted",
        "clusterrolebindings",
        "delete",
        false,
        false,
    ),
    act(
        &SECRET_CREATED,
        "K8s Secret Created",
        "secrets",
        "create",
        true,
        true,
    ),
    act(
        &SECRET_DELETED,
        "K8s Secret Deleted",
        "secrets",
        "delete",
        true,
        true,
    ),
    rule(&SECRET_READ, "K8s Secret Get Successfully", secret_read),
    rule(
        &SECRET_READ_DENIED,
        "K8s Secret Get Unsuccessfully Tried",
        secret_read_denied,
    ),
    rule(&FULL_ADMIN, "Full K8s Administrative Access", full_admin),
    rule(
        &INGRESS_NO_TLS,
        "Ingress Object without TLS Certificate Created",
        ingress_no_tls,
    ),
    rule(
        &UNTRUSTED_NODE,
        "Untrusted Node Successfully Joined the Cluster",
        untrusted_node,
    ),
    rule(
        &UNTRUSTED_NODE_FAILED,
        "Untrusted Node Unsuccessfully Tried to Join the Cluster",
        untrusted_node_failed,
    ),
];

// ---- Falco's macros -------------------------------------------------------

/// `kevt`: the response is complete.
fn kevt(ev: &Event) -> bool {
    ev.stage == "ResponseComplete"
}

/// `pod`: the pods resource itself, not a subresource.
fn pod_create(ev: &Event) -> bool {
    kevt(ev) && ev.verb == "create" && ev.resource() == "pods" && ev.subresource().is_empty()
}

fn role_or_clusterrole(ev: &Event) -> bool {
    matches!(ev.resource(), "roles" | "clusterroles")
}

/// `user=… verb=… ns/name` for messages.
fn who(ev: &Event) -> String {
    // Pieces pushed onto one string: no `format!` allocation per piece.
    let mut s = String::with_capacity(96);
    for part in ["user=", ev.username(), " verb=", &ev.verb] {
        s.push_str(part);
    }
    if !ev.resource().is_empty() {
        s.push_str(" resource=");
        s.push_str(ev.resource());
        if !ev.subresource().is_empty() {
            s.push('/');
            s.push_str(ev.subresource());
        }
    }
    if !ev.namespace().is_empty() {
        s.push_str(" ns=");
        s.push_str(ev.namespace());
    }
    let name = object_name(ev);
    if !name.is_empty() {
        s.push_str(" name=");
        s.push_str(&name);
    }
    s
}

/// The object's name: objectRef, else the response's, else the request's.
pub(crate) fn object_name(ev: &Event) -> String {
    if !ev.name().is_empty() {
        return ev.name().to_string();
    }
    let from = |v: &Option<LazyObject>, p: &str| {
        v.as_ref()
            .and_then(|v| v.value().pointer(p))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    from(&ev.response_object, "/metadata/name")
        .or_else(|| from(&ev.request_object, "/metadata/name"))
        .or_else(|| from(&ev.request_object, "/metadata/generateName").map(|g| format!("{g}*")))
        .unwrap_or_default()
}

/// `ka.req.pod.containers.image`: the images of `spec.containers`.
fn images(ev: &Event) -> Vec<&str> {
    ev.req("/spec/containers")
        .and_then(Value::as_array)
        .map(|cs| {
            cs.iter()
                .filter_map(|c| c.get("image").and_then(Value::as_str))
                .collect()
        })
        .unwrap_or_default()
}

/// The repository of an image reference: without tag and digest.
pub fn repository(image: &str) -> &str {
    let no_digest = image.split_once('@').map_or(image, |(r, _)| r);
    match no_digest.rfind(':') {
        Some(i) if !no_digest[i..].contains('/') => &no_digest[..i],
        _ => no_digest,
    }
}

/// Falco's `ka.req.pod.containers.image.repository in (list)`: true when
/// there are containers and every repository is in the list.
fn all_images_in(ev: &Event, list: &[String]) -> bool {
    let imgs = images(ev);
    !imgs.is_empty() && imgs.iter().all(|i| list.iter().any(|l| l == repository(i)))
}

fn pod_message(what: &str, ev: &Event) -> String {
    format!("{what} ({} images={})", who(ev), images(ev).join(","))
}

fn listed(list: &[String], v: &str) -> bool {
    list.iter().any(|l| l == v)
}

// ---- the detectors --------------------------------------------------------

fn disallowed_user(ctx: &Ctx<'_>, ev: &Event) -> Option<Hit> {
    (kevt(ev) && ev.non_system_user() && !listed(&ctx.config.allowed_users, ev.username())).then(
        || {
            Hit::new(
                &DISALLOWED_USER,
                format!(
                    "K8s operation by a user not in the allowed list ({} uri={} resp={})",
                    who(ev),
                    ev.request_uri,
                    ev.code().map_or("-".into(), |c| c.to_string())
                ),
            )
        },
    )
}

fn disallowed_pod(ctx: &Ctx<'_>, ev: &Event) -> Option<Hit> {
    let allowed = ctx.config.allowed_images.as_ref()?;
    (pod_create(ev) && !all_images_in(ev, allowed)).then(|| {
        Hit::new(
            &DISALLOWED_POD,
            pod_message("Pod started with a container not in the allowed list", ev),
        )
        .at(FieldPath::parse("spec.containers"))
    })
}

/// A pod create on which the scan rule `scan_rule` fired, unless every
/// image is excepted.
fn scan_pod_rule(
    ctx: &Ctx<'_>,
    ev: &Event,
    scan_rule: &str,
    except: &[String],
    meta: &'static RuleMeta,
    what: &str,
) -> Option<Hit> {
    if !pod_create(ev) || all_images_in(ev, except) {
        return None;
    }
    let f = ctx.scan_fired(scan_rule).next()?;
    Some(Hit::new(meta, format!("{}: {}", pod_message(what, ev), f.message)).at(f.path.clone()))
}

fn privileged_pod(ctx: &Ctx<'_>, ev: &Event) -> Option<Hit> {
    scan_pod_rule(
        ctx,
        ev,
        "privileged-container",
        &ctx.config.privileged_images,
        &PRIVILEGED_POD,
        "Pod started with a privileged container",
    )
}

fn host_network_pod(ctx: &Ctx<'_>, ev: &Event) -> Option<Hit> {
    scan_pod_rule(
        ctx,
        ev,
        "host-network",
        &ctx.config.hostnetwork_images,
        &HOST_NETWORK_POD,
        "Pod started using the host network",
    )
}

fn host_pid_pod(ctx: &Ctx<'_>, ev: &Event) -> Option<Hit> {
    scan_pod_rule(
        ctx,
        ev,
        "host-pid",
        &ctx.config.hostpid_images,
        &HOST_PID_POD,
        "Pod started using the host PID namespace",
    )
}

fn host_ipc_pod(ctx: &Ctx<'_>, ev: &Event) -> Option<Hit> {
    scan_pod_rule(
        ctx,
        ev,
        "host-ipc",
        &ctx.config.hostipc_images,
        &HOST_IPC_POD,
        "Pod started using the host IPC namespace",
    )
}

fn sensitive_mount_pod(ctx: &Ctx<'_>, ev: &Event) -> Option<Hit> {
    if !pod_create(ev) || all_images_in(ev, &ctx.config.sensitive_mount_images) {
        return None;
    }
    // The hostPath volumes are the scan rule's; Falco's list says which of
    // them are sensitive (exact paths, `intersects`).
    ctx.scan_fired("host-path-volume").next()?;
    let vols = ev.req("/spec/volumes").and_then(Value::as_array)?;
    let (i, path) = vols.iter().enumerate().find_map(|(i, v)| {
        let p = v.pointer("/hostPath/path").and_then(Value::as_str)?;
        listed(&ctx.config.sensitive_host_paths, p).then_some((i, p))
    })?;
    Some(
        Hit::new(
            &SENSITIVE_MOUNT_POD,
            pod_message(&format!("Pod started with sensitive mount {path}"), ev),
        )
        .at(FieldPath::parse(&format!(
            "spec.volumes[{i}].hostPath.path"
        ))),
    )
}

fn nodeport_service(_: &Ctx<'_>, ev: &Event) -> Option<Hit> {
    (kevt(ev)
        && ev.resource() == "services"
        && ev.verb == "create"
        && ev.req("/spec/type").and_then(Value::as_str) == Some("NodePort"))
    .then(|| {
        Hit::new(
            &NODEPORT_SERVICE,
            format!("NodePort service created ({})", who(ev)),
        )
        .at(FieldPath::parse("spec.type"))
    })
}

const CREDENTIAL_WORDS: [&str; 6] = [
    "aws_access_key_id",
    "aws-access-key-id",
    "aws_s3_access_key_id",
    "aws-s3-access-key-id",
    "password",
    "passphrase",
];

fn configmap_credentials(_: &Ctx<'_>, ev: &Event) -> Option<Hit> {
    if !(kevt(ev)
        && ev.resource() == "configmaps"
        && matches!(ev.verb.as_str(), "create" | "update" | "patch"))
    {
        return None;
    }
    // Falco searches the JSON text of `data`; keys and values both count.
    let data = ev.req("/data")?;
    let text = data.to_string();
    let words: Vec<&str> = CREDENTIAL_WORDS
        .iter()
        .copied()
        .filter(|w| text.contains(w))
        .collect();
    if words.is_empty() {
        return None;
    }
    // Name the keys that hold a match; never the values.
    let keys: Vec<&str> = data
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(k, v)| {
                    let vt = v.to_string();
                    words.iter().any(|w| k.contains(w) || vt.contains(w))
                })
                .map(|(k, _)| k.as_str())
                .collect()
        })
        .unwrap_or_default();
    Some(
        Hit::new(
            &CONFIGMAP_CREDENTIALS,
            format!(
                "ConfigMap with private credentials ({}; keys {} mention {}; values not shown)",
                who(ev),
                keys.join(","),
                words.join(",")
            ),
        )
        .at(FieldPath::parse("data")),
    )
}

fn health_uri(uri: &str) -> bool {
    ["/healthz", "/livez", "/readyz"]
        .iter()
        .any(|h| uri == *h || uri.strip_prefix(h).is_some_and(|r| r.starts_with('?')))
}

fn anonymous_allowed(_: &Ctx<'_>, ev: &Event) -> Option<Hit> {
    (kevt(ev)
        && ev.username() == "system:anonymous"
        && ev.decision() == "allow"
        && !health_uri(&ev.request_uri))
    .then(|| {
        let reason = ev
            .annotations
            .get("authorization.k8s.io/reason")
            .map_or("", String::as_str);
        Hit::new(
            &ANONYMOUS_ALLOWED,
            format!(
                "Request by the anonymous user allowed ({} uri={} reason={reason})",
                who(ev),
                ev.request_uri
            ),
        )
    })
}

/// The `command` query parameters of an exec URI, joined by spaces.
fn command_param(uri: &str) -> String {
    let Some((_, q)) = uri.split_once('?') else {
        return String::new();
    };
    q.split('&')
        .filter_map(|kv| kv.strip_prefix("command="))
        .map(percent_decode)
        .collect::<Vec<_>>()
        .join(" ")
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

fn exec_pod(_: &Ctx<'_>, ev: &Event) -> Option<Hit> {
    (ev.stage == "ResponseStarted"
        && ev.resource() == "pods"
        && matches!(ev.verb.as_str(), "create" | "get")
        && matches!(ev.subresource(), "exec" | "attach"))
    .then(|| {
        Hit::new(
            &EXEC_POD,
            format!(
                "{} to pod ({} command={})",
                ev.subresource(),
                who(ev),
                command_param(&ev.request_uri)
            ),
        )
    })
}

fn port_forward(_: &Ctx<'_>, ev: &Event) -> Option<Hit> {
    // Falco's rule has no stage condition: every stage of the request fires.
    (ev.subresource() == "portforward")
        .then(|| Hit::new(&PORT_FORWARD, format!("Port-forward to pod ({})", who(ev))))
}

fn ephemeral_container(_: &Ctx<'_>, ev: &Event) -> Option<Hit> {
    (kevt(ev)
        && ev.resource() == "pods"
        && ev.subresource() == "ephemeralcontainers"
        && matches!(ev.verb.as_str(), "create" | "update" | "patch"))
    .then(|| {
        let img = ev
            .req("/ephemeralContainers/0/image")
            .or_else(|| ev.req("/spec/ephemeralContainers/0/image"))
            .and_then(Value::as_str)
            .unwrap_or("");
        Hit::new(
            &EPHEMERAL_CONTAINER,
            format!(
                "Ephemeral container created in pod ({} image={img})",
                who(ev)
            ),
        )
    })
}

fn disallowed_namespace(ctx: &Ctx<'_>, ev: &Event) -> Option<Hit> {
    (kevt(ev)
        && ev.resource() == "namespaces"
        && ev.verb == "create"
        && !listed(&ctx.config.allowed_namespaces, ev.name()))
    .then(|| {
        Hit::new(
            &DISALLOWED_NAMESPACE,
            format!("Disallowed namespace created ({})", who(ev)),
        )
    })
}

fn kube_namespace(ev: &Event) -> bool {
    matches!(ev.namespace(), "kube-system" | "kube-public")
}

fn kube_namespace_pod(ctx: &Ctx<'_>, ev: &Event) -> Option<Hit> {
    (pod_create(ev) && kube_namespace(ev) && !all_images_in(ev, &ctx.config.kube_namespace_images))
        .then(|| {
            Hit::new(
                &KUBE_NAMESPACE_POD,
                pod_message("Pod created in a kube namespace", ev),
            )
        })
}

fn kube_namespace_sa(ctx: &Ctx<'_>, ev: &Event) -> Option<Hit> {
    (kevt(ev)
        && ev.resource() == "serviceaccounts"
        && ev.verb == "create"
        && kube_namespace(ev)
        && ev.successful()
        && !listed(&ctx.config.known_service_accounts, ev.name()))
    .then(|| {
        Hit::new(
            &KUBE_NAMESPACE_SA,
            format!("Service account created in a kube namespace ({})", who(ev)),
        )
    })
}

fn system_role_modified(_: &Ctx<'_>, ev: &Event) -> Option<Hit> {
    (kevt(ev)
        && role_or_clusterrole(ev)
        && matches!(ev.verb.as_str(), "create" | "update" | "patch" | "delete")
        && ev.name().starts_with("system:")
        && !matches!(
            ev.name(),
            "system:coredns" | "system:managed-certificate-controller"
        ))
    .then(|| {
        Hit::new(
            &SYSTEM_ROLE_MODIFIED,
            format!("System ClusterRole/Role modified or deleted ({})", who(ev)),
        )
    })
}

fn cluster_admin_binding(_: &Ctx<'_>, ev: &Event) -> Option<Hit> {
    (kevt(ev)
        && ev.resource() == "clusterrolebindings"
        && ev.verb == "create"
        && ev.req("/roleRef/name").and_then(Value::as_str) == Some("cluster-admin"))
    .then(|| {
        let subjects: Vec<String> = ev
            .req("/subjects")
            .and_then(Value::as_array)
            .map(|s| {
                s.iter()
                    .map(|s| {
                        let f = |k: &str| s.get(k).and_then(Value::as_str).unwrap_or("");
                        format!("{}/{}", f("kind"), f("name"))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Hit::new(
            &CLUSTER_ADMIN_BINDING,
            format!(
                "ClusterRoleBinding to cluster-admin ({} subjects={})",
                who(ev),
                subjects.join(",")
            ),
        )
        .at(FieldPath::parse("roleRef.name"))
    })
}

/// `ka.req.role.rules.<field>`: every value of `field` across the rules.
fn rule_values<'a>(ev: &'a Event, field: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    ev.req("/rules")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(move |r| r.get(field).and_then(Value::as_array))
        .flatten()
        .filter_map(Value::as_str)
}

fn role_create(ev: &Event) -> bool {
    kevt(ev) && role_or_clusterrole(ev) && ev.verb == "create"
}

fn wildcard_role(_: &Ctx<'_>, ev: &Event) -> Option<Hit> {
    (role_create(ev)
        && (rule_values(ev, "resources").any(|r| r == "*")
            || rule_values(ev, "verbs").any(|v| v == "*")))
    .then(|| {
        Hit::new(
            &WILDCARD_ROLE,
            format!("Role/ClusterRole with wildcard created ({})", who(ev)),
        )
        .at(FieldPath::parse("rules"))
    })
}

fn write_role(_: &Ctx<'_>, ev: &Event) -> Option<Hit> {
    (role_create(ev)
        && rule_values(ev, "verbs").any(|v| {
            matches!(
                v,
                "create" | "update" | "patch" | "delete" | "deletecollection"
            )
        }))
    .then(|| {
        Hit::new(
            &WRITE_ROLE,
            format!(
                "Role/ClusterRole with write privileges created ({})",
                who(ev)
            ),
        )
        .at(FieldPath::parse("rules"))
    })
}

fn exec_role(_: &Ctx<'_>, ev: &Event) -> Option<Hit> {
    (role_create(ev) && rule_values(ev, "resources").any(|r| r == "pods/exec")).then(|| {
        Hit::new(
            &EXEC_ROLE,
            format!(
                "Role/ClusterRole with pod exec privileges created ({})",
                who(ev)
            ),
        )
        .at(FieldPath::parse("rules"))
    })
}

fn secret_get(ctx: &Ctx<'_>, ev: &Event) -> bool {
    ctx.config.activity && kevt(ev) && ev.resource() == "secrets" && ev.verb == "get"
}

fn secret_read(ctx: &Ctx<'_>, ev: &Event) -> Option<Hit> {
    (secret_get(ctx, ev) && ev.successful())
        .then(|| Hit::new(&SECRET_READ, format!("Secret read ({})", who(ev))))
}

fn secret_read_denied(ctx: &Ctx<'_>, ev: &Event) -> Option<Hit> {
    (secret_get(ctx, ev) && !ev.successful()).then(|| {
        Hit::new(
            &SECRET_READ_DENIED,
            format!(
                "Secret read refused ({} resp={})",
                who(ev),
                ev.code().map_or("-".into(), |c| c.to_string())
            ),
        )
    })
}

fn full_admin(ctx: &Ctx<'_>, ev: &Event) -> Option<Hit> {
    let admins = ctx.config.full_admin_users.as_ref()?;
    (kevt(ev) && ev.non_system_user() && listed(admins, ev.username())).then(|| {
        Hit::new(
            &FULL_ADMIN,
            format!(
                "K8s operation by a full admin user ({} uri={})",
                who(ev),
                ev.request_uri
            ),
        )
    })
}

fn ingress_no_tls(ctx: &Ctx<'_>, ev: &Event) -> Option<Hit> {
    (ctx.config.activity
        && kevt(ev)
        && ev.verb == "create"
        && ev.resource() == "ingresses"
        && ev.successful()
        && ev.req("/spec/tls").is_none_or(Value::is_null))
    .then(|| {
        Hit::new(
            &INGRESS_NO_TLS,
            format!("Ingress without TLS created ({})", who(ev)),
        )
        .at(FieldPath::parse("spec"))
    })
}

fn node_join(config: &AuditConfig, ev: &Event) -> bool {
    match &config.allowed_nodes {
        Some(allowed) => {
            kevt(ev)
                && ev.resource() == "nodes"
                && ev.verb == "create"
                && !listed(allowed, ev.name())
        }
        None => false,
    }
}

fn untrusted_node(ctx: &Ctx<'_>, ev: &Event) -> Option<Hit> {
    (node_join(ctx.config, ev) && ev.successful()).then(|| {
        Hit::new(
            &UNTRUSTED_NODE,
            format!("Node not in the allowed list joined ({})", who(ev)),
        )
    })
}

fn untrusted_node_failed(ctx: &Ctx<'_>, ev: &Event) -> Option<Hit> {
    (node_join(ctx.config, ev) && !ev.successful()).then(|| {
        Hit::new(
            &UNTRUSTED_NODE_FAILED,
            format!("Node not in the allowed list tried to join ({})", who(ev)),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repositories() {
        assert_eq!(repository("nginx"), "nginx");
        assert_eq!(repository("nginx:1.25"), "nginx");
        assert_eq!(repository("registry:5000/app"), "registry:5000/app");
        assert_eq!(
            repository("registry:5000/app:v1@sha256:ab"),
            "registry:5000/app"
        );
        assert_eq!(
            repository("docker.io/calico/node:v3"),
            "docker.io/calico/node"
        );
    }

    #[test]
    fn commands() {
        assert_eq!(
            command_param("/api/v1/x/exec?command=ls&command=-l%20a&stdin=true"),
            "ls -l a"
        );
        assert_eq!(command_param("/x"), "");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
    }
}
