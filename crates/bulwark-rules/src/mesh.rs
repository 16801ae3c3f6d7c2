//! Service mesh rules: Istio mutual TLS and authorization, and Linkerd
//! workloads that bypass the proxy. A mesh is where service-to-service
//! encryption and identity live once it is installed; these are the
//! settings that quietly switch it off.

use bulwark_core::{FieldPath, Mappings, PodView, Resource, RuleMeta, Severity};
use serde_json::Value;

use crate::{Check, CheckFn, Emit};

/// Checks of this family.
pub static CHECKS: &[&Check] = &[
    &PEER_AUTHENTICATION,
    &DESTINATION_RULE,
    &AUTHORIZATION_POLICY,
    &LINKERD_BYPASS,
];

/// Encryption of traffic in transit, where the mesh rules (and the ingress
/// controller's TLS versions) map.
pub(crate) const TRANSIT_ENCRYPTION: Mappings = Mappings {
    cis: &[],
    nsa: &["Network separation and hardening: Encryption"],
    mitre: &["T1557"],
    pss: &[],
    pci_dss: &["4.2.1"],
    soc2: &["CC6.7"],
    iso27001: &["A.8.24"],
    hipaa: &["164.312(e)(1)"],
};

/// Istio's root namespace (`meshConfig.rootNamespace`, `istio-system` by
/// default): a policy there without a selector applies to the whole mesh.
pub(crate) const ROOT_NAMESPACE: &str = "istio-system";

fn is(res: &Resource, group: &str, kind: &str) -> bool {
    res.group() == group && res.kind() == kind
}

static PEER_META: RuleMeta = RuleMeta {
    id: "istio-peer-authentication-not-strict",
    title: "Istio PeerAuthentication accepts plaintext",
    severity: Severity::Medium,
    category: "service-mesh",
    description: "A PeerAuthentication with `mtls.mode: PERMISSIVE` lets workloads accept \
        plaintext as well as mutual TLS, and `DISABLE` turns mutual TLS off: traffic can be \
        read and forged on the network, and a caller's identity is not proven, so \
        AuthorizationPolicies that name principals cannot hold. PERMISSIVE is meant for a \
        migration, not as the end state. The scope is what makes it worse: in the root \
        namespace (`istio-system`) without a selector it is the whole mesh, without a selector \
        a namespace, with one a workload; `portLevelMtls` does it for single ports. DISABLE is \
        reported high.",
    remediation: "Require mutual TLS mesh-wide, and lift it only where a plaintext client \
        must still connect:\n\
        ```yaml\napiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n  name: default\n  namespace: istio-system\nspec:\n  mtls:\n    mode: STRICT\n```",
    references: &[
        "https://istio.io/latest/docs/reference/config/security/peer_authentication/",
        "https://istio.io/latest/docs/ops/best-practices/security/#mutual-tls",
    ],
    mappings: TRANSIT_ENCRYPTION,
};

pub static PEER_AUTHENTICATION: Check = Check {
    meta: &PEER_META,
    run: CheckFn::Object(check_peer_authentication),
};

fn weak_mode(v: Option<&Value>) -> Option<(&str, Severity)> {
    match v.and_then(Value::as_str) {
        Some(m @ "PERMISSIVE") => Some((m, Severity::Medium)),
        Some(m @ "DISABLE") => Some((m, Severity::High)),
        _ => None,
    }
}

fn check_peer_authentication(res: &Resource, emit: &mut Emit<'_>) {
    if !is(res, "security.istio.io", "PeerAuthentication") {
        return;
    }
    let spec = &res.value["spec"];
    let scope = if spec.get("selector").is_some_and(|s| !s.is_null()) {
        "the selected workloads".to_string()
    } else if res.namespace() == Some(ROOT_NAMESPACE) {
        "the whole mesh".to_string()
    } else {
        format!("namespace {}", res.namespace().unwrap_or("(unset)"))
    };
    let name = &res.id.name;
    if let Some((mode, sev)) = weak_mode(spec.pointer("/mtls/mode")) {
        emit.at_severity(
            sev,
            FieldPath::parse("spec.mtls.mode"),
            format!("PeerAuthentication \"{name}\" sets mTLS {mode} for {scope}"),
        );
    }
    if let Some(ports) = spec.get("portLevelMtls").and_then(Value::as_object) {
        for (port, p) in ports {
            if let Some((mode, sev)) = weak_mode(p.get("mode")) {
                emit.at_severity(
                    sev,
                    FieldPath::parse("spec.portLevelMtls")
                        .key(port.as_str())
                        .key("mode"),
                    format!(
                        "PeerAuthentication \"{name}\" sets mTLS {mode} on port {port} for {scope}"
                    ),
                );
            }
        }
    }
}

static DR_META: RuleMeta = RuleMeta {
    id: "istio-destination-rule-tls-disabled",
    title: "Istio DestinationRule turns TLS off",
    severity: Severity::Medium,
    category: "service-mesh",
    description: "`trafficPolicy.tls.mode: DISABLE` makes the client sidecars send plaintext \
        to the rule's host, whatever the server side accepts: inside the mesh it overrides \
        Istio's automatic mutual TLS (`ISTIO_MUTUAL`) for that destination, and the traffic \
        and the caller's identity are exposed on the network. It applies per port \
        (`portLevelSettings`) and per subset too.",
    remediation: "Remove the `tls` override (auto mTLS applies), or use `ISTIO_MUTUAL` inside \
        the mesh and `SIMPLE`/`MUTUAL` for external hosts:\n\
        ```yaml\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: api\nspec:\n  host: api.shop.svc.cluster.local\n  trafficPolicy:\n    tls:\n      mode: ISTIO_MUTUAL\n```",
    references: &[
        "https://istio.io/latest/docs/reference/config/networking/destination-rule/#ClientTLSSettings",
    ],
    mappings: TRANSIT_ENCRYPTION,
};

pub static DESTINATION_RULE: Check = Check {
    meta: &DR_META,
    run: CheckFn::Object(check_destination_rule),
};

/// Reports DISABLE in one traffic policy and its port-level settings.
fn disabled_tls(policy: &Value, at: FieldPath, what: &str, emit: &mut Emit<'_>) {
    if policy.pointer("/tls/mode").and_then(Value::as_str) == Some("DISABLE") {
        emit.at(at.join("tls.mode"), format!("{what} sends plaintext"));
    }
    for (i, p) in policy
        .get("portLevelSettings")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        if p.pointer("/tls/mode").and_then(Value::as_str) == Some("DISABLE") {
            let port = p
                .pointer("/port/number")
                .map_or_else(|| "?".to_string(), |n| n.to_string());
            emit.at(
                at.key("portLevelSettings").index(i).join("tls.mode"),
                format!("{what} sends plaintext on port {port}"),
            );
        }
    }
}

fn check_destination_rule(res: &Resource, emit: &mut Emit<'_>) {
    if !is(res, "networking.istio.io", "DestinationRule") {
        return;
    }
    let spec = &res.value["spec"];
    let host = spec.get("host").and_then(Value::as_str).unwrap_or("?");
    let what = format!("DestinationRule \"{}\" (host {host})", res.id.name);
    disabled_tls(
        &spec["trafficPolicy"],
        FieldPath::parse("spec.trafficPolicy"),
        &what,
        emit,
    );
    for (i, s) in spec
        .get("subsets")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let subset = s.get("name").and_then(Value::as_str).unwrap_or("?");
        disabled_tls(
            &s["trafficPolicy"],
            FieldPath::parse("spec.subsets")
                .index(i)
                .key("trafficPolicy"),
            &format!("{what}, subset {subset},"),
            emit,
        );
    }
}

static AUTHZ_META: RuleMeta = RuleMeta {
    id: "istio-authorization-policy-allows-any-source",
    title: "Istio AuthorizationPolicy allows any source",
    severity: Severity::Medium,
    category: "service-mesh",
    description: "An ALLOW AuthorizationPolicy (the default action) lets a request through when \
        any of its rules matches. A rule without `from` matches every caller, authenticated or \
        not, from inside or outside the mesh; a rule with neither `from`, `to` nor `when` \
        (`rules: [{}]`) matches every request, so the policy allows everything to the \
        workloads it selects and stops a default-deny policy from protecting them (reported \
        high). A policy with no rules at all denies everything and is not reported; DENY, \
        AUDIT and CUSTOM policies are not reported either.",
    remediation: "Name the callers each rule allows:\n\
        ```yaml\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata:\n  name: api\n  namespace: shop\nspec:\n  selector:\n    matchLabels: {app: api}\n  action: ALLOW\n  rules:\n    - from:\n        - source:\n            principals: [cluster.local/ns/shop/sa/frontend]\n      to:\n        - operation: {methods: [GET], paths: [/api/*]}\n```",
    references: &[
        "https://istio.io/latest/docs/reference/config/security/authorization-policy/",
        "https://istio.io/latest/docs/ops/best-practices/security/#use-default-deny-patterns",
    ],
    mappings: Mappings {
        cis: &[],
        nsa: &["Network separation and hardening: Network policies"],
        mitre: &["T1210"],
        pss: &[],
        pci_dss: &["1.3.1", "7.2.1"],
        soc2: &["CC6.1", "CC6.6"],
        iso27001: &["A.8.20", "A.8.22"],
        hipaa: &["164.312(a)(1)"],
    },
};

pub static AUTHORIZATION_POLICY: Check = Check {
    meta: &AUTHZ_META,
    run: CheckFn::Object(check_authorization_policy),
};

fn empty(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::Array(a)) => a.is_empty(),
        Some(Value::Object(o)) => o.is_empty(),
        _ => false,
    }
}

fn check_authorization_policy(res: &Resource, emit: &mut Emit<'_>) {
    if !is(res, "security.istio.io", "AuthorizationPolicy") {
        return;
    }
    let spec = &res.value["spec"];
    if spec
        .get("action")
        .and_then(Value::as_str)
        .unwrap_or("ALLOW")
        != "ALLOW"
    {
        return;
    }
    let name = &res.id.name;
    for (i, rule) in spec
        .get("rules")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        if !empty(rule.get("from")) {
            continue;
        }
        let at = FieldPath::parse("spec.rules").index(i);
        if empty(rule.get("to")) && empty(rule.get("when")) {
            emit.at_severity(
                Severity::High,
                at,
                format!("AuthorizationPolicy \"{name}\" rule {i} allows every request"),
            );
        } else {
            emit.at(
                at,
                format!("AuthorizationPolicy \"{name}\" rule {i} allows callers from any source"),
            );
        }
    }
}

static LINKERD_META: RuleMeta = RuleMeta {
    id: "linkerd-proxy-bypassed",
    title: "Workload bypasses the Linkerd proxy",
    severity: Severity::Medium,
    category: "service-mesh",
    description: "Linkerd encrypts and authenticates traffic between meshed pods through its \
        proxy. `config.linkerd.io/skip-inbound-ports` and `skip-outbound-ports` send the listed \
        ports around the proxy: that traffic has no mutual TLS and no Linkerd authorization \
        policy applies to it. `linkerd.io/inject: disabled` on a pod template opts the whole \
        workload out of the mesh (reported low: it is sometimes meant, for the mesh's own \
        components or host-network pods).",
    remediation: "Keep the workload meshed and let the proxy handle every port; for protocols \
        it cannot detect, mark them opaque instead of skipping them (opaque ports are still \
        mTLS'd between meshed pods):\n\
        ```yaml\nspec:\n  template:\n    metadata:\n      annotations:\n        linkerd.io/inject: enabled\n        config.linkerd.io/opaque-ports: \"5432\"\n```",
    references: &[
        "https://linkerd.io/2/reference/proxy-configuration/",
        "https://linkerd.io/2/features/protocol-detection/",
    ],
    mappings: TRANSIT_ENCRYPTION,
};

pub static LINKERD_BYPASS: Check = Check {
    meta: &LINKERD_META,
    run: CheckFn::Pod(check_linkerd),
};

fn check_linkerd(pod: &PodView<'_>, emit: &mut Emit<'_>) {
    let name = &pod.resource.id.name;
    let kind = pod.resource.kind();
    if pod.annotation("linkerd.io/inject") == Some("disabled") {
        emit.at_severity(
            Severity::Low,
            pod.annotation_path("linkerd.io/inject"),
            format!("{kind} \"{name}\" opts out of the Linkerd mesh (linkerd.io/inject: disabled)"),
        );
    }
    for key in [
        "config.linkerd.io/skip-inbound-ports",
        "config.linkerd.io/skip-outbound-ports",
    ] {
        if let Some(ports) = pod.annotation(key).filter(|p| !p.trim().is_empty()) {
            emit.at(
                pod.annotation_path(key),
                format!(
                    "{kind} \"{name}\" sends ports {ports} around the Linkerd proxy ({key}): no mTLS on them"
                ),
            );
        }
    }
}
