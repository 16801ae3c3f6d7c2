//! Rules on Services: externalIPs (CVE-2020-8554) and exposure outside the
//! cluster without a source restriction.

use bulwark_core::value::as_array;
use bulwark_core::{FieldPath, Mappings, Resource, RuleMeta, Severity};
use serde_json::Value;

use crate::{Check, CheckFn, Emit};

/// Checks of this family.
pub static CHECKS: &[&Check] = &[&EXTERNAL_IPS, &EXPOSED];

fn is_service(res: &Resource) -> bool {
    res.kind() == "Service" && res.group() == ""
}

static EXTERNAL_IPS_META: RuleMeta = RuleMeta {
    id: "service-external-ips",
    title: "Service sets externalIPs",
    severity: Severity::High,
    category: "network",
    description: "kube-proxy routes traffic for a Service's `externalIPs` to its endpoints on \
        every node, without checking who owns those addresses. Anyone who can create or edit a \
        Service can claim any IP, an internal DNS server or a public API, and intercept the \
        cluster's traffic to it (CVE-2020-8554, a design flaw with no patch). Clusters should \
        deny the field with the DenyServiceExternalIPs admission plugin or a policy; a manifest \
        that needs it deserves a look.",
    remediation: "Remove `externalIPs`; expose the Service with a LoadBalancer or an Ingress:\n\
        ```yaml\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  type: ClusterIP\n  selector:\n    app: web\n  ports:\n  - port: 80\n    targetPort: 8080\n```",
    references: &[
        "https://github.com/kubernetes/kubernetes/issues/97076",
        "https://kubernetes.io/docs/reference/access-authn-authz/admission-controllers/#denyserviceexternalips",
    ],
    mappings: Mappings {
        cis: &[],
        nsa: &["Network separation and hardening: Network policies"],
        mitre: &["T1557"],
        pss: &[],
        pci_dss: &["1.3.1", "6.3.3"],
        soc2: &["CC6.6"],
        iso27001: &["A.8.20", "A.8.22"],
        hipaa: &["164.312(e)(1)"],
    },
};

pub static EXTERNAL_IPS: Check = Check {
    meta: &EXTERNAL_IPS_META,
    run: CheckFn::Object(check_external_ips),
};

fn check_external_ips(res: &Resource, emit: &mut Emit<'_>) {
    if !is_service(res) {
        return;
    }
    let path = FieldPath::parse("spec.externalIPs");
    let ips: Vec<&str> = as_array(res.get(&path))
        .iter()
        .filter_map(Value::as_str)
        .collect();
    if !ips.is_empty() {
        emit.at(
            path,
            format!(
                "Service \"{}\" claims externalIPs {} (CVE-2020-8554)",
                res.id.name,
                ips.join(", ")
            ),
        );
    }
}

/// Ranges that let every address in.
fn is_open_range(r: &str) -> bool {
    matches!(r.trim(), "0.0.0.0/0" | "::/0")
}

const SOURCE_RANGES_ANNOTATION: &str = "service.beta.kubernetes.io/load-balancer-source-ranges";

static EXPOSED_META: RuleMeta = RuleMeta {
    id: "service-exposed-without-source-ranges",
    title: "Service exposed outside the cluster without a source restriction",
    severity: Severity::Low,
    category: "network",
    description: "A LoadBalancer Service without `loadBalancerSourceRanges` (or with 0.0.0.0/0) \
        is reachable from anywhere the load balancer is, often the internet. A NodePort Service \
        opens its port on every node's addresses, and `loadBalancerSourceRanges` does not apply \
        to node ports: only a firewall, the cloud's security groups or a NodePort-aware \
        NetworkPolicy can narrow it. So every NodePort Service is reported (a LoadBalancer \
        Service is also a NodePort, but its source ranges are what this rule judges). Fronting \
        services with an Ingress or a restricted load balancer keeps the attack surface \
        visible.",
    remediation: "Restrict who can reach a LoadBalancer, and prefer ClusterIP behind an \
        Ingress to NodePort:\n\
        ```yaml\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  type: LoadBalancer\n  loadBalancerSourceRanges:\n  - 203.0.113.0/24\n  selector:\n    app: web\n  ports:\n  - port: 443\n    targetPort: 8443\n```",
    references: &[
        "https://kubernetes.io/docs/concepts/services-networking/service/#type-nodeport",
        "https://kubernetes.io/docs/tasks/access-application-cluster/configure-cloud-provider-firewall/",
    ],
    mappings: Mappings {
        cis: &[],
        nsa: &["Network separation and hardening: Network policies"],
        mitre: &["T1190", "T1133"],
        pss: &[],
        pci_dss: &["1.3.1", "1.4.1"],
        soc2: &["CC6.6"],
        iso27001: &["A.8.20", "A.8.22"],
        hipaa: &["164.312(e)(1)"],
    },
};

pub static EXPOSED: Check = Check {
    meta: &EXPOSED_META,
    run: CheckFn::Object(check_exposed),
};

fn check_exposed(res: &Resource, emit: &mut Emit<'_>) {
    if !is_service(res) {
        return;
    }
    let type_path = FieldPath::parse("spec.type");
    let name = &res.id.name;
    match res.get(&type_path).and_then(Value::as_str) {
        Some("NodePort") => emit.at(
            type_path,
            format!(
                "Service \"{name}\" is a NodePort: its port is open on every node, and \
                 loadBalancerSourceRanges cannot restrict it"
            ),
        ),
        Some("LoadBalancer") => {
            let ranges_path = FieldPath::parse("spec.loadBalancerSourceRanges");
            let mut ranges: Vec<&str> = as_array(res.get(&ranges_path))
                .iter()
                .filter_map(Value::as_str)
                .collect();
            let mut path = ranges_path;
            if ranges.is_empty()
                && let Some(a) = res.annotation(SOURCE_RANGES_ANNOTATION)
            {
                ranges = a
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .collect();
                path = FieldPath::parse("metadata.annotations").key(SOURCE_RANGES_ANNOTATION);
            }
            if ranges.is_empty() {
                emit.at(
                    type_path,
                    format!(
                        "LoadBalancer Service \"{name}\" has no loadBalancerSourceRanges: \
                         anyone who can reach the load balancer can connect"
                    ),
                );
            } else if let Some(open) = ranges.iter().find(|r| is_open_range(r)) {
                emit.at(
                    path,
                    format!("LoadBalancer Service \"{name}\" allows every source ({open})"),
                );
            }
        }
        _ => {}
    }
}
