//! The `audit:` section of `.bulwark.yaml`: the lists Falco's rules keep as
//! overridable macros and lists, noise exclusions (each with its reason),
//! and the windows of the stateful detectors. Every field has Falco's
//! default where Falco has one.

use serde::Deserialize;

use crate::event::Event;

fn yes() -> bool {
    true
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// How the detectors are configured.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuditConfig {
    /// Detector ids not to run.
    pub disabled_rules: Vec<String>,
    /// Falco's `consider_activity_events`: the INFO activity detectors and
    /// the secret-read detectors.
    pub activity: bool,
    /// Non-`system:` users allowed to act (`allowed_k8s_users` and
    /// `eks_allowed_k8s_users`).
    pub allowed_users: Vec<String>,
    /// Image repositories pods may run; unset allows any (Falco's
    /// `allowed_k8s_containers` is always true by default).
    pub allowed_images: Option<Vec<String>>,
    pub privileged_images: Vec<String>,
    pub sensitive_mount_images: Vec<String>,
    pub hostnetwork_images: Vec<String>,
    pub hostpid_images: Vec<String>,
    pub hostipc_images: Vec<String>,
    /// hostPath paths that make a pod sensitive (`sensitive_vol_mount`).
    pub sensitive_host_paths: Vec<String>,
    /// Namespaces that may be created (`allowed_namespaces`).
    pub allowed_namespaces: Vec<String>,
    /// Images allowed in kube-system/kube-public pods.
    pub kube_namespace_images: Vec<String>,
    /// Service accounts expected in kube-system/kube-public (`known_sa_list`).
    pub known_service_accounts: Vec<String>,
    /// Users that may be full administrators; when set, any request by one of
    /// them is reported (Falco ships this rule disabled).
    pub full_admin_users: Option<Vec<String>>,
    /// Nodes that may join; when set, any other node joining is reported
    /// (Falco ships these rules disabled).
    pub allowed_nodes: Option<Vec<String>>,
    /// Apply the built-in noise exclusions ([`Exclusion::defaults`]).
    #[serde(default = "yes")]
    pub default_exclusions: bool,
    /// More exclusions, each with its reason.
    pub exclusions: Vec<Exclusion>,
    pub burst: BurstConfig,
    pub first_seen: FirstSeenConfig,
    /// Subjects (globs) that normally request service account tokens.
    pub token_requesters: Vec<String>,
    /// Subjects (globs) that normally impersonate.
    pub impersonators: Vec<String>,
    /// Report scan-rule findings on admitted objects at or above this.
    pub scan_min_severity: bulwark_core::Severity,
}

impl Default for AuditConfig {
    fn default() -> Self {
        Self {
            disabled_rules: Vec::new(),
            activity: true,
            allowed_users: strings(&[
                "minikube",
                "minikube-user",
                "kubelet",
                "kops",
                "admin",
                "kube",
                "kube-proxy",
                "kube-apiserver-healthcheck",
                "kubernetes-admin",
                "vpa-recommender",
                "vpa-updater",
                "cluster-autoscaler",
                "system:addon-manager",
                "cloud-controller-manager",
                "system:kube-controller-manager",
                "eks:node-manager",
                "eks:certificate-controller",
                "eks:fargate-scheduler",
                "eks:k8s-metrics",
                "eks:authenticator",
                "eks:cluster-event-watcher",
                "eks:nodewatcher",
                "eks:pod-identity-mutating-webhook",
                "eks:cloud-controller-manager",
                "eks:vpc-resource-controller",
                "eks:addon-manager",
            ]),
            allowed_images: None,
            privileged_images: strings(&[
                "falcosecurity/falco",
                "docker.io/falcosecurity/falco",
                "public.ecr.aws/falcosecurity/falco",
                "docker.io/calico/node",
                "calico/node",
                "docker.io/cloudnativelabs/kube-router",
                "docker.io/docker/ucp-agent",
                "docker.io/mesosphere/mesos-slave",
                "docker.io/rook/toolbox",
                "docker.io/sysdig/sysdig",
                "gcr.io/google_containers/kube-proxy",
                "gcr.io/google-containers/startup-script",
                "gcr.io/projectcalico-org/node",
                "gke.gcr.io/kube-proxy",
                "gke.gcr.io/gke-metadata-server",
                "gke.gcr.io/netd-amd64",
                "gke.gcr.io/watcher-daemonset",
                "gcr.io/google-containers/prometheus-to-sd",
                "registry.k8s.io/ip-masq-agent-amd64",
                "registry.k8s.io/kube-proxy",
                "registry.k8s.io/prometheus-to-sd",
                "quay.io/calico/node",
                "sysdig/sysdig",
                "registry.k8s.io/dns/k8s-dns-node-cache",
                "mcr.microsoft.com/oss/kubernetes/kube-proxy",
            ]),
            sensitive_mount_images: strings(&[
                "falcosecurity/falco",
                "docker.io/falcosecurity/falco",
                "public.ecr.aws/falcosecurity/falco",
                "docker.io/sysdig/sysdig",
                "sysdig/sysdig",
                "gcr.io/google_containers/hyperkube",
                "gcr.io/google_containers/kube-proxy",
                "docker.io/calico/node",
                "docker.io/rook/toolbox",
                "docker.io/cloudnativelabs/kube-router",
                "docker.io/consul",
                "docker.io/datadog/docker-dd-agent",
                "docker.io/datadog/agent",
                "docker.io/docker/ucp-agent",
                "docker.io/gliderlabs/logspout",
                "docker.io/netdata/netdata",
                "docker.io/google/cadvisor",
                "docker.io/prom/node-exporter",
                "amazon/amazon-ecs-agent",
                "prom/node-exporter",
                "amazon/cloudwatch-agent",
            ]),
            hostnetwork_images: strings(&[
                "gcr.io/google-containers/prometheus-to-sd",
                "gcr.io/projectcalico-org/typha",
                "gcr.io/projectcalico-org/node",
                "gke.gcr.io/gke-metadata-server",
                "gke.gcr.io/kube-proxy",
                "gke.gcr.io/netd-amd64",
                "registry.k8s.io/ip-masq-agent-amd64",
                "registry.k8s.io/prometheus-to-sd",
            ]),
            hostpid_images: Vec::new(),
            hostipc_images: Vec::new(),
            sensitive_host_paths: strings(&[
                "/proc",
                "/var/run/docker.sock",
                "/",
                "/etc",
                "/root",
                "/var/run/crio/crio.sock",
                "/run/containerd/containerd.sock",
                "/home/admin",
                "/var/lib/kubelet",
                "/var/lib/kubelet/pki",
                "/etc/kubernetes",
                "/etc/kubernetes/manifests",
            ]),
            allowed_namespaces: strings(&["kube-system", "kube-public", "default"]),
            kube_namespace_images: strings(&[
                "gcr.io/google-containers/prometheus-to-sd",
                "gcr.io/projectcalico-org/node",
                "gke.gcr.io/addon-resizer",
                "gke.gcr.io/heapster",
                "gke.gcr.io/gke-metadata-server",
                "registry.k8s.io/ip-masq-agent-amd64",
                "registry.k8s.io/kube-apiserver",
                "gke.gcr.io/kube-proxy",
                "gke.gcr.io/netd-amd64",
                "gke.gcr.io/watcher-daemonset",
                "registry.k8s.io/addon-resizer",
                "registry.k8s.io/prometheus-to-sd",
                "registry.k8s.io/k8s-dns-dnsmasq-nanny-amd64",
                "registry.k8s.io/k8s-dns-kube-dns-amd64",
                "registry.k8s.io/k8s-dns-sidecar-amd64",
                "registry.k8s.io/metrics-server-amd64",
                "kope/kube-apiserver-healthcheck",
            ]),
            known_service_accounts: strings(&[
                "coredns",
                "coredns-autoscaler",
                "cronjob-controller",
                "daemon-set-controller",
                "deployment-controller",
                "disruption-controller",
                "endpoint-controller",
                "endpointslice-controller",
                "endpointslicemirroring-controller",
                "generic-garbage-collector",
                "horizontal-pod-autoscaler",
                "job-controller",
                "namespace-controller",
                "node-controller",
                "persistent-volume-binder",
                "pod-garbage-collector",
                "pv-protection-controller",
                "pvc-protection-controller",
                "replicaset-controller",
                "resourcequota-controller",
                "root-ca-cert-publisher",
                "service-account-controller",
                "statefulset-controller",
            ]),
            full_admin_users: None,
            allowed_nodes: None,
            default_exclusions: true,
            exclusions: Vec::new(),
            burst: BurstConfig::default(),
            first_seen: FirstSeenConfig::default(),
            token_requesters: strings(&[
                "system:kube-controller-manager",
                "system:node:*",
                "system:serviceaccount:kube-system:*",
            ]),
            impersonators: Vec::new(),
            scan_min_severity: bulwark_core::Severity::High,
        }
    }
}

/// 401/403 bursts: `threshold` failures within `window_secs` by one key.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BurstConfig {
    pub threshold: usize,
    pub window_secs: f64,
    /// How many distinct keys per dimension are tracked; beyond it the
    /// stalest key is dropped (and counted).
    pub max_keys: usize,
}

impl Default for BurstConfig {
    fn default() -> Self {
        Self {
            threshold: 20,
            window_secs: 60.0,
            max_keys: 100_000,
        }
    }
}

/// First-seen (user, verb, resource) per namespace, after learning.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FirstSeenConfig {
    /// Seconds of event time, from the first event, during which activity is
    /// learnt and not reported.
    pub learning_secs: f64,
    /// Bound on remembered tuples; beyond it new tuples are counted, not
    /// remembered (and not reported).
    pub max_entries: usize,
}

impl Default for FirstSeenConfig {
    fn default() -> Self {
        Self {
            learning_secs: 3600.0,
            max_entries: 1_000_000,
        }
    }
}

/// Events matching every given field are excluded from detection (and
/// counted). Empty fields match anything; at least one must be given.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exclusion {
    /// Why these events are noise; required, shown in the summary.
    pub reason: String,
    #[serde(default)]
    pub users: Vec<String>,
    #[serde(default)]
    pub verbs: Vec<String>,
    /// Request URIs (globs, `/healthz*`).
    #[serde(default)]
    pub uris: Vec<String>,
    #[serde(default)]
    pub user_agents: Vec<String>,
    #[serde(default)]
    pub namespaces: Vec<String>,
}

impl Exclusion {
    /// Health probes, control-plane components reading state, and bulwark.
    pub fn defaults() -> Vec<Exclusion> {
        let e =
            |reason: &str, users: &[&str], verbs: &[&str], uris: &[&str], uas: &[&str]| Exclusion {
                reason: reason.to_string(),
                users: strings(users),
                verbs: strings(verbs),
                uris: strings(uris),
                user_agents: strings(uas),
                namespaces: Vec::new(),
            };
        vec![
            e(
                "health endpoints (probes and load balancers)",
                &[],
                &[],
                &[
                    "/healthz",
                    "/healthz?*",
                    "/healthz/*",
                    "/livez",
                    "/livez?*",
                    "/livez/*",
                    "/readyz",
                    "/readyz?*",
                    "/readyz/*",
                ],
                &[],
            ),
            e(
                "system controllers reading cluster state",
                &[
                    "system:kube-controller-manager",
                    "system:kube-scheduler",
                    "system:apiserver",
                    "system:kube-proxy",
                    "system:node:*",
                    "system:serviceaccount:kube-system:*",
                ],
                &["get", "list", "watch"],
                &[],
                &[],
            ),
            e("bulwark's own requests", &[], &[], &[], &["bulwark/*"]),
        ]
    }

    /// Whether any matcher is given (an empty exclusion would hide all).
    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
            && self.verbs.is_empty()
            && self.uris.is_empty()
            && self.user_agents.is_empty()
            && self.namespaces.is_empty()
    }

    pub fn matches(&self, ev: &Event) -> bool {
        let any = |pats: &[String], v: &str| pats.is_empty() || pats.iter().any(|p| glob(p, v));
        !self.is_empty()
            && any(&self.users, ev.username())
            && any(&self.verbs, &ev.verb)
            && any(&self.uris, &ev.request_uri)
            && any(&self.user_agents, &ev.user_agent)
            && any(&self.namespaces, ev.namespace())
    }
}

impl AuditConfig {
    /// Reads the `audit:` section (already YAML-decoded to JSON).
    pub fn from_value(v: &serde_json::Value) -> Result<Self, String> {
        let c: AuditConfig = serde_json::from_value(v.clone()).map_err(|e| e.to_string())?;
        c.validate()?;
        Ok(c)
    }

    /// Problems a config can have that serde cannot see.
    pub fn validate(&self) -> Result<(), String> {
        for (i, e) in self.exclusions.iter().enumerate() {
            if e.reason.trim().is_empty() {
                return Err(format!("exclusions[{i}]: a reason is required"));
            }
            if e.is_empty() {
                return Err(format!(
                    "exclusions[{i}]: give at least one of users, verbs, uris, user_agents, namespaces"
                ));
            }
        }
        if self.burst.threshold == 0 || self.burst.window_secs <= 0.0 {
            return Err("burst: threshold and window_secs must be positive".into());
        }
        for id in &self.disabled_rules {
            if !crate::detect::all_rules().iter().any(|r| r.id == id) {
                return Err(format!("disabled_rules: unknown detector {id:?}"));
            }
        }
        Ok(())
    }

    /// Every exclusion in force, the defaults first.
    pub fn all_exclusions(&self) -> Vec<Exclusion> {
        let mut v = if self.default_exclusions {
            Exclusion::defaults()
        } else {
            Vec::new()
        };
        v.extend(self.exclusions.iter().cloned());
        v
    }
}

/// `*` matches any run of characters; everything else is literal.
pub fn glob(pat: &str, s: &str) -> bool {
    let Some((head, rest)) = pat.split_once('*') else {
        return pat == s;
    };
    let Some(mut s) = s.strip_prefix(head) else {
        return false;
    };
    // Every part but the last is found left to right; the last must end
    // the string (after what the others consumed).
    let (middle, last) = rest.rsplit_once('*').unwrap_or(("", rest));
    if rest.contains('*') {
        for part in middle.split('*') {
            match s.find(part) {
                Some(at) => s = &s[at + part.len()..],
                None => return false,
            }
        }
    }
    s.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob("system:node:*", "system:node:n1"));
        assert!(!glob("system:node:*", "system:nodes"));
        assert!(glob("/healthz", "/healthz"));
        assert!(!glob("/healthz", "/healthzz"));
        assert!(glob("a*b*c", "aXbYc"));
        assert!(!glob("a*b*c", "aXbY"));
        assert!(glob("*", ""));
    }

    #[test]
    fn default_exclusions_cover_probes_controllers_and_bulwark() {
        let ev = |user: &str, verb: &str, uri: &str, ua: &str| Event {
            kind: "Event".into(),
            verb: verb.into(),
            request_uri: uri.into(),
            user: crate::event::UserInfo {
                username: user.into(),
                ..Default::default()
            },
            user_agent: ua.into(),
            ..Default::default()
        };
        let all = AuditConfig::default().all_exclusions();
        let reason = |e: &Event| all.iter().find(|x| x.matches(e)).map(|x| x.reason.clone());
        for uri in [
            "/readyz",
            "/livez",
            "/healthz",
            "/readyz?verbose",
            "/livez/etcd",
        ] {
            let r = reason(&ev("system:anonymous", "get", uri, "kube-probe/1.33"));
            assert!(r.unwrap().contains("health"), "{uri}");
        }
        let r = reason(&ev("system:kube-scheduler", "watch", "/api/v1/pods", ""));
        assert!(r.unwrap().contains("controllers"));
        let r = reason(&ev("alice", "get", "/api/v1/pods", "bulwark/0.1.0"));
        assert!(r.unwrap().contains("bulwark"));
        // Not noise: a controller writing, a user reading, a look-alike path.
        assert!(reason(&ev("system:kube-scheduler", "delete", "/api/v1/pods/x", "")).is_none());
        assert!(reason(&ev("alice", "get", "/api/v1/secrets", "kubectl")).is_none());
        assert!(reason(&ev("alice", "get", "/healthzz", "kubectl")).is_none());
        let off = AuditConfig {
            default_exclusions: false,
            ..Default::default()
        };
        assert!(off.all_exclusions().is_empty());
    }

    #[test]
    fn exclusions_need_reason_and_matcher() {
        let v = serde_json::json!({"exclusions": [{"reason": " ", "users": ["x"]}]});
        assert!(AuditConfig::from_value(&v).unwrap_err().contains("reason"));
        let v = serde_json::json!({"exclusions": [{"reason": "r"}]});
        assert!(
            AuditConfig::from_value(&v)
                .unwrap_err()
                .contains("at least one")
        );
        let v = serde_json::json!({"bogus": 1});
        assert!(AuditConfig::from_value(&v).is_err());
    }
}
