//! A typed view of the pod spec inside any workload kind, so every pod rule
//! is written once and runs on Pods, Deployments, CronJobs and the rest.

use serde_json::Value;

use crate::path::{FieldPath, Seg};
use crate::resource::Resource;

/// The capabilities container runtimes grant by default (containerd and
/// Docker; CRI-O's default set is a subset). A container that drops all of
/// them ends with none, as if it dropped ALL.
pub const RUNTIME_DEFAULT_CAPABILITIES: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "NET_RAW",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

/// A capability name as the runtime reads it: case-insensitive, with or
/// without the `CAP_` prefix (`cap_sys_admin` is `SYS_ADMIN`).
pub fn normalize_capability(name: &str) -> String {
    let upper = name.trim().to_ascii_uppercase();
    match upper.strip_prefix("CAP_") {
        Some(rest) => rest.to_string(),
        None => upper,
    }
}

/// Whether the baseline Pod Security Standard lets a container add `cap`
/// (upper case, no `CAP_` prefix): any runtime default except NET_RAW.
pub fn baseline_allows_capability(cap: &str) -> bool {
    cap != "NET_RAW" && RUNTIME_DEFAULT_CAPABILITIES.contains(&cap)
}

/// Which list of the pod spec a container is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ContainerKind {
    Container,
    InitContainer,
    EphemeralContainer,
}

impl ContainerKind {
    pub const ALL: [ContainerKind; 3] = [
        ContainerKind::Container,
        ContainerKind::InitContainer,
        ContainerKind::EphemeralContainer,
    ];

    /// The pod spec field that holds this list.
    pub fn field(self) -> &'static str {
        match self {
            ContainerKind::Container => "containers",
            ContainerKind::InitContainer => "initContainers",
            ContainerKind::EphemeralContainer => "ephemeralContainers",
        }
    }

    /// How messages name it: `container "x"`, `init container "x"`.
    pub fn noun(self) -> &'static str {
        match self {
            ContainerKind::Container => "container",
            ContainerKind::InitContainer => "init container",
            ContainerKind::EphemeralContainer => "ephemeral container",
        }
    }
}

/// The pod template of a workload: its spec, its metadata and their paths.
#[derive(Clone, Copy, Debug)]
pub struct PodView<'a> {
    pub resource: &'a Resource,
    pub spec: &'a Value,
    /// Pod (template) metadata: the annotations that apply to the pods.
    pub meta: Option<&'a Value>,
    spec_path: &'a str,
    meta_path: &'a str,
}

/// Kinds that carry a pod template, with the paths of its spec and metadata.
const POD_PATHS: &[(&str, &str, &str)] = &[
    ("Pod", "spec", "metadata"),
    ("Deployment", "spec.template.spec", "spec.template.metadata"),
    (
        "StatefulSet",
        "spec.template.spec",
        "spec.template.metadata",
    ),
    ("DaemonSet", "spec.template.spec", "spec.template.metadata"),
    ("ReplicaSet", "spec.template.spec", "spec.template.metadata"),
    (
        "ReplicationController",
        "spec.template.spec",
        "spec.template.metadata",
    ),
    ("Job", "spec.template.spec", "spec.template.metadata"),
    (
        "CronJob",
        "spec.jobTemplate.spec.template.spec",
        "spec.jobTemplate.spec.template.metadata",
    ),
    ("PodTemplate", "template.spec", "template.metadata"),
    // OpenShift (`apps.openshift.io/v1`, or `v1` on OpenShift 3).
    (
        "DeploymentConfig",
        "spec.template.spec",
        "spec.template.metadata",
    ),
    // Argo Rollouts; the `workloadRef` form has no template of its own.
    ("Rollout", "spec.template.spec", "spec.template.metadata"),
];

/// API groups of the kinds above that are not Kubernetes' own: a kind of
/// the same name in another group is someone else's and not a workload.
const FOREIGN_GROUPS: &[(&str, &[&str])] = &[
    ("DeploymentConfig", &["apps.openshift.io", ""]),
    ("Rollout", &["argoproj.io"]),
];

/// Whether objects of `kind` carry a pod template (the built-in and
/// well-known kinds; a custom kind is a workload through its CRD, see
/// [`is_workload`]).
pub fn is_workload_kind(kind: &str) -> bool {
    POD_PATHS.iter().any(|(k, _, _)| *k == kind)
}

/// Whether this object carries a pod template: a workload kind of its own
/// group, or a custom resource whose CRD in the inputs embeds a pod spec.
pub fn is_workload(res: &Resource) -> bool {
    static_paths(res).is_some() || res.pod_template.is_some()
}

fn static_paths(res: &Resource) -> Option<(&'static str, &'static str)> {
    let kind = res.kind();
    let (_, spec, meta) = POD_PATHS.iter().find(|(k, _, _)| *k == kind)?;
    if let Some((_, groups)) = FOREIGN_GROUPS.iter().find(|(k, _)| *k == kind)
        && !groups.contains(&res.group())
    {
        return None;
    }
    Some((spec, meta))
}

/// Looks a relative path up without building a [`FieldPath`]: rules call
/// this for every container, and most fields they ask for are absent.
fn get_rel<'a>(v: &'a Value, rel: &str) -> Option<&'a Value> {
    if rel.contains(['[', '"']) {
        return FieldPath::parse(rel).get(v);
    }
    rel.split('.')
        .filter(|k| !k.is_empty())
        .try_fold(v, |cur, k| cur.get(k))
}

/// `base` followed by the segments of `rel`, in one allocation.
fn join_rel(base: &FieldPath, rel: &str) -> FieldPath {
    if rel.contains(['[', '"']) {
        return base.join(rel);
    }
    let mut segs = Vec::with_capacity(base.0.len() + rel.split('.').count());
    segs.extend(base.0.iter().cloned());
    segs.extend(
        rel.split('.')
            .filter(|k| !k.is_empty())
            .map(|k| Seg::Key(k.to_string())),
    );
    FieldPath(segs)
}

/// `base.securityContext.<key>` in one allocation.
fn sc_path(base: &FieldPath, key: &str) -> FieldPath {
    if key.contains(['.', '[', '"']) {
        return join_rel(base, &format!("securityContext.{key}"));
    }
    let mut segs = Vec::with_capacity(base.0.len() + 2);
    segs.extend(base.0.iter().cloned());
    segs.push(Seg::Key("securityContext".to_string()));
    segs.push(Seg::Key(key.to_string()));
    FieldPath(segs)
}

impl<'a> PodView<'a> {
    /// The pod view of a workload, or `None` for kinds without pods (or a
    /// workload whose pod spec is missing or not an object).
    pub fn of(resource: &'a Resource) -> Option<Self> {
        if let Some((spec_path, meta_path)) = static_paths(resource) {
            return Self::at(resource, spec_path, meta_path);
        }
        // A custom kind: the first of its CRD's template paths this object fills.
        let paths = resource.pod_template.as_deref()?;
        paths
            .iter()
            .find_map(|p| Self::at(resource, &p.spec, &p.meta))
    }

    fn at(resource: &'a Resource, spec_path: &'a str, meta_path: &'a str) -> Option<Self> {
        let spec = get_rel(&resource.value, spec_path)?;
        if !spec.is_object() {
            return None;
        }
        let meta = get_rel(&resource.value, meta_path);
        Some(Self {
            resource,
            spec,
            meta,
            spec_path,
            meta_path,
        })
    }

    /// Path of the pod spec inside the object (`spec.template.spec`).
    pub fn spec_path(&self) -> FieldPath {
        FieldPath::parse(self.spec_path)
    }

    /// Path of the pod metadata inside the object.
    pub fn meta_path(&self) -> FieldPath {
        FieldPath::parse(self.meta_path)
    }

    /// A field of the pod spec and its full path.
    pub fn field(&self, rel: &str) -> (Option<&'a Value>, FieldPath) {
        (get_rel(self.spec, rel), join_rel(&self.spec_path(), rel))
    }

    /// A pod-level `securityContext` field and its path.
    pub fn pod_sc(&self, key: &str) -> (Option<&'a Value>, FieldPath) {
        (self.pod_sc_value(key), sc_path(&self.spec_path(), key))
    }

    fn pod_sc_value(&self, key: &str) -> Option<&'a Value> {
        get_rel(self.spec.get("securityContext")?, key)
    }

    pub fn annotations(&self) -> Option<&'a serde_json::Map<String, Value>> {
        self.meta?.get("annotations")?.as_object()
    }

    pub fn annotation(&self, key: &str) -> Option<&'a str> {
        self.annotations()?.get(key)?.as_str()
    }

    /// A label of the pod template (or pod).
    pub fn label_value(&self, key: &str) -> Option<&'a str> {
        self.meta?.get("labels")?.get(key)?.as_str()
    }

    /// Path of a pod annotation.
    pub fn annotation_path(&self, key: &str) -> FieldPath {
        self.meta_path().key("annotations").key(key)
    }

    /// Every container of the pod: containers, then init, then ephemeral.
    pub fn containers(&self) -> impl Iterator<Item = ContainerView<'a>> + 'a {
        let this = *self;
        ContainerKind::ALL.into_iter().flat_map(move |kind| {
            let list = this.spec.get(kind.field()).and_then(Value::as_array);
            // The path is built only for lists that exist.
            let base = list.map(|_| this.spec_path().key(kind.field()));
            list.into_iter()
                .flatten()
                .enumerate()
                .map(move |(index, value)| ContainerView {
                    pod: this,
                    kind,
                    index,
                    value,
                    path: base.as_ref().map(|b| b.index(index)).unwrap_or_default(),
                })
        })
    }

    /// Volumes with their paths.
    pub fn volumes(&self) -> impl Iterator<Item = (&'a Value, FieldPath)> + 'a {
        let base = self.spec_path().key("volumes");
        self.spec
            .get("volumes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
            .map(move |(i, v)| (v, base.index(i)))
    }
}

/// One container of a pod, with the pod it belongs to.
#[derive(Clone, Debug)]
pub struct ContainerView<'a> {
    pub pod: PodView<'a>,
    pub kind: ContainerKind,
    pub index: usize,
    pub value: &'a Value,
    /// Path of the container inside the object.
    pub path: FieldPath,
}

impl<'a> ContainerView<'a> {
    pub fn name(&self) -> &'a str {
        self.value
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("<unnamed>")
    }

    /// `container "web"`, `init container "setup"`.
    pub fn label(&self) -> String {
        format!("{} \"{}\"", self.kind.noun(), self.name())
    }

    /// A field of the container and its path.
    pub fn field(&self, rel: &str) -> (Option<&'a Value>, FieldPath) {
        (get_rel(self.value, rel), join_rel(&self.path, rel))
    }

    /// A container-only `securityContext` field (privileged, capabilities,
    /// allowPrivilegeEscalation, readOnlyRootFilesystem, procMount).
    pub fn sc(&self, key: &str) -> (Option<&'a Value>, FieldPath) {
        (self.sc_value(key), sc_path(&self.path, key))
    }

    fn sc_value(&self, key: &str) -> Option<&'a Value> {
        get_rel(self.value.get("securityContext")?, key)
    }

    /// A `securityContext` field that the pod level can also set
    /// (runAsUser, runAsNonRoot, seccompProfile, seLinuxOptions,
    /// appArmorProfile, windowsOptions…): the container value wins, else
    /// the pod's. The path is where the value was found, or the container's
    /// `securityContext` when neither sets it.
    pub fn effective_sc(&self, key: &str) -> (Option<&'a Value>, FieldPath) {
        if let Some(v) = self.sc_value(key).filter(|v| !v.is_null()) {
            return (Some(v), sc_path(&self.path, key));
        }
        if let Some(pv) = self.pod.pod_sc_value(key).filter(|v| !v.is_null()) {
            return (Some(pv), sc_path(&self.pod.spec_path(), key));
        }
        (None, sc_path(&self.path, key))
    }

    pub fn image(&self) -> Option<&'a str> {
        self.value.get("image").and_then(Value::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::Origin;
    use serde_json::json;

    fn res(v: Value) -> Resource {
        Resource::new(v, Origin::default(), None)
    }

    #[test]
    fn cronjob_nesting_and_all_container_lists() {
        let r = res(json!({
            "apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c"},
            "spec": {"jobTemplate": {"spec": {"template": {"spec": {
                "containers": [{"name": "a"}],
                "initContainers": [{"name": "b"}],
                "ephemeralContainers": [{"name": "c"}]
            }}}}}
        }));
        let pod = PodView::of(&r).expect("cronjob has a pod");
        let names: Vec<_> = pod
            .containers()
            .map(|c| (c.kind, c.name().to_string(), c.path.to_string()))
            .collect();
        assert_eq!(names.len(), 3);
        assert_eq!(
            names[1].2,
            "spec.jobTemplate.spec.template.spec.initContainers[0]"
        );
        assert_eq!(names[2].0, ContainerKind::EphemeralContainer);
    }

    #[test]
    fn container_security_context_overrides_pod() {
        let r = res(json!({
            "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
            "spec": {
                "securityContext": {"runAsNonRoot": true, "runAsUser": 1000},
                "containers": [
                    {"name": "a", "securityContext": {"runAsNonRoot": false}},
                    {"name": "b"}
                ]
            }
        }));
        let pod = PodView::of(&r).expect("pod");
        let cs: Vec<_> = pod.containers().collect();
        let (v, p) = cs[0].effective_sc("runAsNonRoot");
        assert_eq!(v, Some(&json!(false)));
        assert_eq!(
            p.to_string(),
            "spec.containers[0].securityContext.runAsNonRoot"
        );
        let (v, p) = cs[1].effective_sc("runAsNonRoot");
        assert_eq!(v, Some(&json!(true)));
        assert_eq!(p.to_string(), "spec.securityContext.runAsNonRoot");
        let (v, p) = cs[1].effective_sc("seccompProfile");
        assert!(v.is_none());
        assert_eq!(
            p.to_string(),
            "spec.containers[1].securityContext.seccompProfile"
        );
    }

    /// The allocation-free lookups agree with FieldPath::parse, nested and
    /// bracketed keys included.
    #[test]
    fn relative_lookups_match_field_paths() {
        let r = res(json!({
            "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
            "spec": {
                "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
                "containers": [{"name": "a", "securityContext": {
                    "capabilities": {"add": ["NET_ADMIN"]},
                    "a.b": true
                }}]
            }
        }));
        let pod = PodView::of(&r).expect("pod");
        let c = pod.containers().next().expect("container");
        for rel in [
            "securityContext.capabilities.add[0]",
            "securityContext.capabilities",
            "securityContext[\"a.b\"]",
            "securityContext.missing.deeper",
            "",
        ] {
            let (v, p) = c.field(rel);
            let want = c.path.join(rel);
            assert_eq!(p, want, "{rel}");
            assert_eq!(v, want.get(&r.value), "{rel}");
        }
        let (v, p) = c.sc("capabilities.add");
        assert_eq!(v, Some(&json!(["NET_ADMIN"])));
        assert_eq!(
            p.to_string(),
            "spec.containers[0].securityContext.capabilities.add"
        );
        let (v, p) = c.effective_sc("seccompProfile");
        assert_eq!(v, Some(&json!({"type": "RuntimeDefault"})));
        assert_eq!(p.to_string(), "spec.securityContext.seccompProfile");
        let (v, p) = pod.pod_sc("seccompProfile.type");
        assert_eq!(v, Some(&json!("RuntimeDefault")));
        assert_eq!(p.to_string(), "spec.securityContext.seccompProfile.type");
        let (v, p) = pod.field("containers[0].name");
        assert_eq!(v, Some(&json!("a")));
        assert_eq!(p.to_string(), "spec.containers[0].name");
    }

    #[test]
    fn kinds_without_pods_have_no_view() {
        let r = res(json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}}));
        assert!(PodView::of(&r).is_none());
        let r =
            res(json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}}));
        assert!(PodView::of(&r).is_none());
    }
}
