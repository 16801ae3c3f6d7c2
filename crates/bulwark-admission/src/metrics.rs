//! `/metrics` in the Prometheus text format. Label sets are bounded: the
//! operation and decision are enums, the kind is one of the kinds the
//! webhook is installed for (anything else is `other`), the rule is a
//! catalog id. No label carries a name, namespace or user.

use std::time::Duration;

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::decide::Verdict;

type Labels = Vec<(&'static str, String)>;

/// Kinds that get a label of their own.
const KINDS: &[&str] = &[
    "Pod",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
    "Service",
    "Ingress",
    "NetworkPolicy",
    "Namespace",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "ServiceAccount",
    "ConfigMap",
    "Secret",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
];

const OPERATIONS: &[&str] = &["CREATE", "UPDATE", "DELETE", "CONNECT"];

pub struct Metrics {
    registry: Registry,
    requests: Family<Labels, Counter>,
    latency: Family<Labels, Histogram>,
    denials: Family<Labels, Counter>,
    findings: Family<Labels, Counter>,
}

fn bounded(v: &str, allowed: &[&str]) -> String {
    if allowed.contains(&v) {
        v.to_string()
    } else if v.is_empty() {
        "unknown".into()
    } else {
        "other".into()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("bulwark_admission");
        let requests = Family::<Labels, Counter>::default();
        // 50 µs to ~1.6 s: the interesting part is well under the API
        // server's timeout.
        let latency = Family::<Labels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.000_05, 2.0, 16))
        });
        let denials = Family::<Labels, Counter>::default();
        let findings = Family::<Labels, Counter>::default();
        registry.register(
            "requests",
            "Admission requests by webhook, operation, kind and decision",
            requests.clone(),
        );
        registry.register(
            "request_duration_seconds",
            "Time to answer an admission request",
            latency.clone(),
        );
        registry.register(
            "denials",
            "Denied requests per rule that denied them",
            denials.clone(),
        );
        registry.register(
            "findings",
            "Findings per rule and mode (enforce, warn, audit)",
            findings.clone(),
        );
        Self {
            registry,
            requests,
            latency,
            denials,
            findings,
        }
    }
}

impl Metrics {
    pub fn record(&self, webhook: &'static str, v: &Verdict, took: Duration) {
        let labels: Labels = vec![
            ("webhook", webhook.to_string()),
            ("operation", bounded(&v.operation, OPERATIONS)),
            ("kind", bounded(&v.kind, KINDS)),
            ("decision", v.decision.as_str().to_string()),
        ];
        self.requests.get_or_create(&labels).inc();
        self.latency
            .get_or_create(&labels[..3].to_vec())
            .observe(took.as_secs_f64());
        for (f, mode) in &v.findings {
            if *mode == crate::Mode::Enforce {
                self.denials
                    .get_or_create(&vec![("rule", f.rule_id.to_string())])
                    .inc();
            }
            self.findings
                .get_or_create(&vec![
                    ("rule", f.rule_id.to_string()),
                    ("mode", mode.as_str().to_string()),
                ])
                .inc();
        }
    }

    pub fn render(&self) -> String {
        let mut s = String::new();
        // Writing to a String cannot fail.
        let _ = encode(&mut s, &self.registry);
        s
    }
}
