//! The incident-response isolation policy: select a pod (through a label
//! the responder adds) or a whole namespace, and deny all ingress and
//! egress.

/// Label that marks a quarantined pod.
pub const QUARANTINE_LABEL: &str = "bulwark.io/quarantine";

/// What to isolate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Pod { namespace: String, pod: String },
    Namespace(String),
}

fn is_dns_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 253
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'-' | b'.'))
}

impl Target {
    /// Parses `NS/POD` or `NS`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let t = match s.split_once('/') {
            Some((ns, pod)) => Target::Pod {
                namespace: ns.to_string(),
                pod: pod.to_string(),
            },
            None => Target::Namespace(s.to_string()),
        };
        let names: Vec<&str> = match &t {
            Target::Pod { namespace, pod } => vec![namespace, pod],
            Target::Namespace(n) => vec![n],
        };
        match names.iter().find(|n| !is_dns_label(n)) {
            Some(bad) => Err(format!(
                "'{bad}' is not a valid Kubernetes name (lowercase letters, digits, '-' and '.')"
            )),
            None => Ok(t),
        }
    }
}

/// The policy YAML, with the commands to apply it as comments.
pub fn quarantine(t: &Target) -> String {
    let (ns, name, selector, steps) = match t {
        Target::Pod { namespace, pod } => (
            namespace.as_str(),
            format!("quarantine-{pod}"),
            format!("    matchLabels:\n      {QUARANTINE_LABEL}: \"true\""),
            format!(
                "# 1. kubectl apply -f this-file.yaml\n\
                 # 2. kubectl label pod -n {namespace} {pod} {QUARANTINE_LABEL}=true --overwrite\n\
                 # 3. To keep the pod for forensics while its controller replaces it, also\n\
                 #    remove it from its Service and ReplicaSet by changing its app labels:\n\
                 #    kubectl label pod -n {namespace} {pod} app- --overwrite   (use its real selector keys)\n"
            ),
        ),
        Target::Namespace(n) => (
            n.as_str(),
            "quarantine-namespace".to_string(),
            "    {}".to_string(),
            "# kubectl apply -f this-file.yaml   (isolates every pod of the namespace)\n"
                .to_string(),
        ),
    };
    let selector_line = if selector.trim() == "{}" {
        "  podSelector: {}".to_string()
    } else {
        format!("  podSelector:\n{selector}")
    };
    format!(
        "# Incident response: deny all ingress and egress of the selected pods.\n\
         # NetworkPolicies only add allows, so other policies selecting the same\n\
         # pods still allow their traffic: review them (bulwark netpol reach --to/--from).\n\
         # AdminNetworkPolicy Allow rules take precedence over any NetworkPolicy.\n\
         {steps}\
         apiVersion: networking.k8s.io/v1\n\
         kind: NetworkPolicy\n\
         metadata:\n  name: {name}\n  namespace: {ns}\n  labels:\n    app.kubernetes.io/managed-by: bulwark\n\
         spec:\n{selector_line}\n  policyTypes:\n  - Ingress\n  - Egress\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        assert_eq!(
            Target::parse("shop/api-1").unwrap(),
            Target::Pod {
                namespace: "shop".into(),
                pod: "api-1".into()
            }
        );
        assert_eq!(
            Target::parse("shop").unwrap(),
            Target::Namespace("shop".into())
        );
        assert!(Target::parse("Shop/x").is_err());
        assert!(Target::parse("shop/").is_err());
    }
}
