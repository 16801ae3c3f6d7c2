//! Metadata of the coverage rules, kept next to their checks.

use bulwark_core::{Mappings, RuleMeta, Severity};

const REF_NP: &str = "https://kubernetes.io/docs/concepts/services-networking/network-policies/";
const NSA: &[&str] = &["Network separation and hardening: Network policies"];

pub static NO_DEFAULT_DENY_INGRESS: RuleMeta = RuleMeta {
    id: "netpol-namespace-no-default-deny-ingress",
    title: "Namespace without a default-deny ingress NetworkPolicy",
    severity: Severity::Medium,
    category: "network",
    description: "Pods accept traffic from every pod in the cluster (and from outside) until a \
        NetworkPolicy selects them for ingress. A default-deny policy (empty podSelector, \
        Ingress in policyTypes, no rules) makes isolation the namespace's default, so a new \
        workload is not silently open and allows must be written on purpose. Without it an \
        attacker in any pod can reach every service of the namespace.",
    remediation: "Add a default-deny ingress policy, then allow only the flows the app needs:\n\
        ```yaml\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny-ingress\n  namespace: shop\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]\n```",
    references: &[REF_NP],
    mappings: Mappings {
        cis: &["5.3.2"],
        nsa: NSA,
        mitre: &["T1210", "T1046"],
        pss: &[],
        pci_dss: &["1.3.1"],
        soc2: &["CC6.6"],
        iso27001: &["A.8.22"],
        hipaa: &["164.312(e)(1)"],
    },
};

pub static NO_DEFAULT_DENY_EGRESS: RuleMeta = RuleMeta {
    id: "netpol-namespace-no-default-deny-egress",
    title: "Namespace without a default-deny egress NetworkPolicy",
    severity: Severity::Low,
    category: "network",
    description: "Without an egress default-deny, every pod of the namespace may open \
        connections anywhere: to other namespaces, to the API server, to the cloud metadata \
        service and to the internet. Egress control limits lateral movement and data \
        exfiltration from a compromised pod.",
    remediation: "Add a default-deny egress policy and allow DNS plus the destinations the app \
        needs:\n\
        ```yaml\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny-egress\n  namespace: shop\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n```",
    references: &[REF_NP],
    mappings: Mappings {
        cis: &["5.3.2"],
        nsa: NSA,
        mitre: &["T1041", "T1210"],
        pss: &[],
        pci_dss: &["1.3.2"],
        soc2: &["CC6.6"],
        iso27001: &["A.8.22"],
        hipaa: &["164.312(e)(1)"],
    },
};

pub static WORKLOAD_NO_INGRESS: RuleMeta = RuleMeta {
    id: "netpol-workload-no-ingress-policy",
    title: "Workload selected by no ingress policy",
    severity: Severity::Medium,
    category: "network",
    description: "No NetworkPolicy (nor AdminNetworkPolicy or BaselineAdminNetworkPolicy) \
        selects this workload's pods for ingress, so every pod in the cluster and every \
        external address that can route to it may connect to any of its ports.",
    remediation: "Select the workload with a policy that allows only its clients:\n\
        ```yaml\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: api\n  namespace: shop\nspec:\n  podSelector:\n    matchLabels: {app: api}\n  policyTypes: [Ingress]\n  ingress:\n  - from:\n    - podSelector:\n        matchLabels: {app: frontend}\n    ports:\n    - {protocol: TCP, port: 8080}\n```",
    references: &[REF_NP],
    mappings: Mappings {
        cis: &["5.3.2"],
        nsa: NSA,
        mitre: &["T1210"],
        pss: &[],
        pci_dss: &["1.3.1"],
        soc2: &["CC6.6"],
        iso27001: &["A.8.22"],
        hipaa: &[],
    },
};

pub static WORKLOAD_NO_EGRESS: RuleMeta = RuleMeta {
    id: "netpol-workload-no-egress-policy",
    title: "Workload selected by no egress policy",
    severity: Severity::Low,
    category: "network",
    description: "No policy selects this workload's pods for egress: they may connect to any \
        pod, the API server, the cloud metadata service and the internet.",
    remediation: "Select the workload with an egress policy that allows DNS and its real \
        destinations:\n\
        ```yaml\nspec:\n  podSelector:\n    matchLabels: {app: api}\n  policyTypes: [Egress]\n  egress:\n  - to:\n    - podSelector:\n        matchLabels: {app: db}\n    ports:\n    - {protocol: TCP, port: 5432}\n```",
    references: &[REF_NP],
    mappings: Mappings {
        cis: &["5.3.2"],
        nsa: NSA,
        mitre: &["T1041"],
        pss: &[],
        pci_dss: &["1.3.2"],
        soc2: &["CC6.6"],
        iso27001: &["A.8.22"],
        hipaa: &[],
    },
};

pub static SELECTS_NOTHING: RuleMeta = RuleMeta {
    id: "netpol-selector-matches-nothing",
    title: "NetworkPolicy whose podSelector matches no workload",
    severity: Severity::Low,
    category: "network",
    description: "The policy's podSelector matches none of the workloads scanned in its \
        namespace. Usually a label was renamed or mistyped, so the pods the policy was written \
        for are not protected by it. Only reported when the namespace has workloads in the \
        scan.",
    remediation: "Fix the selector to match the pods' template labels (or delete the stale \
        policy):\n```yaml\nspec:\n  podSelector:\n    matchLabels: {app: api}   # = spec.template.metadata.labels\n```",
    references: &[REF_NP],
    mappings: Mappings {
        cis: &["5.3.2"],
        nsa: NSA,
        mitre: &[],
        pss: &[],
        pci_dss: &[],
        soc2: &["CC6.6"],
        iso27001: &[],
        hipaa: &[],
    },
};

pub static INGRESS_FROM_ANYWHERE: RuleMeta = RuleMeta {
    id: "netpol-ingress-from-anywhere",
    title: "Ingress allowed from anywhere to a workload that is not an ingress controller",
    severity: Severity::Medium,
    category: "network",
    description: "An ingress rule allows every source (an empty `from`, or ipBlock 0.0.0.0/0) \
        or every namespace (an empty namespaceSelector) to reach workloads that are not ingress \
        controllers. Only the edge of the cluster should take traffic from everywhere; \
        internal services should accept their known clients. High when the internet is \
        included, medium for every namespace.",
    remediation: "Allow the ingress controller's namespace (or the known clients) instead:\n\
        ```yaml\ningress:\n- from:\n  - namespaceSelector:\n      matchLabels: {kubernetes.io/metadata.name: ingress-nginx}\n  ports:\n  - {protocol: TCP, port: 8080}\n```",
    references: &[REF_NP],
    mappings: Mappings {
        cis: &["5.3.2"],
        nsa: NSA,
        mitre: &["T1190", "T1210"],
        pss: &[],
        pci_dss: &["1.3.1"],
        soc2: &["CC6.6"],
        iso27001: &["A.8.22"],
        hipaa: &["164.312(e)(1)"],
    },
};

pub static EGRESS_METADATA: RuleMeta = RuleMeta {
    id: "netpol-egress-to-cloud-metadata",
    title: "Egress allowed to the cloud metadata address",
    severity: Severity::Medium,
    category: "network",
    description: "An egress ipBlock includes 169.254.169.254, the cloud instance metadata \
        service, without excepting it. A pod that can reach it (through SSRF or a compromise) \
        can read the node's cloud credentials. High when the block targets the link-local \
        range itself, medium when it is part of a broad range such as 0.0.0.0/0.",
    remediation: "Except the metadata address from broad egress blocks:\n\
        ```yaml\negress:\n- to:\n  - ipBlock:\n      cidr: 0.0.0.0/0\n      except: [169.254.169.254/32]\n```",
    references: &[REF_NP, "https://attack.mitre.org/techniques/T1552/005/"],
    mappings: Mappings {
        cis: &["5.3.2"],
        nsa: NSA,
        mitre: &["T1552.005"],
        pss: &[],
        pci_dss: &["1.3.2"],
        soc2: &["CC6.6"],
        iso27001: &["A.8.22"],
        hipaa: &[],
    },
};

pub static EGRESS_ANYWHERE: RuleMeta = RuleMeta {
    id: "netpol-egress-to-anywhere",
    title: "Egress allowed to any address",
    severity: Severity::Medium,
    category: "network",
    description: "An egress rule with no `to` (every destination), or an ipBlock covering most \
        of the IPv4 space (0.0.0.0/0, with or without a few excepted ranges), lets the pods it \
        selects connect to the whole internet: the way out for exfiltration, command and \
        control, and downloading tools after a compromise. It also undoes a namespace's \
        default-deny egress for those pods. Medium on every port, low when the rule lists \
        ports (often HTTPS to external APIs, still to anyone). A rule allowing only DNS (port \
        53) to anywhere is not reported: name the resolver instead where you can.",
    remediation: "Allow the destinations the workload needs, by namespace and pod, or by \
        narrow CIDR with the ports it uses:\n\
        ```yaml\negress:\n- to:\n  - ipBlock:\n      cidr: 203.0.113.10/32   # the payment API\n  ports:\n  - {protocol: TCP, port: 443}\n```",
    references: &[REF_NP],
    mappings: Mappings {
        cis: &["5.3.2"],
        nsa: NSA,
        mitre: &["T1041", "T1105"],
        pss: &[],
        pci_dss: &["1.3.2"],
        soc2: &["CC6.6"],
        iso27001: &["A.8.22"],
        hipaa: &[],
    },
};

pub static ALL_PORTS: RuleMeta = RuleMeta {
    id: "netpol-allow-all-ports",
    title: "NetworkPolicy rule allows every port",
    severity: Severity::Low,
    category: "network",
    description: "A rule without `ports` allows every protocol and port to its peers. Least \
        privilege means naming the ports the service listens on, so a debug port or an admin \
        endpoint is not reachable by accident.",
    remediation: "List the ports:\n```yaml\ningress:\n- from: [...]\n  ports:\n  - {protocol: TCP, port: 8080}\n```",
    references: &[REF_NP],
    mappings: Mappings {
        cis: &["5.3.2"],
        nsa: NSA,
        mitre: &["T1210"],
        pss: &[],
        pci_dss: &["1.3.1"],
        soc2: &["CC6.6"],
        iso27001: &[],
        hipaa: &[],
    },
};

pub static TYPES_MISMATCH: RuleMeta = RuleMeta {
    id: "netpol-policy-types-mismatch",
    title: "Rules for a direction that policyTypes leaves out",
    severity: Severity::Medium,
    category: "network",
    description: "policyTypes lists one direction while the spec has rules for the other. \
        Kubernetes ignores rules for a direction not in policyTypes, so these rules have no \
        effect: the traffic they seem to restrict or allow is decided elsewhere.",
    remediation: "Add the direction to policyTypes (or delete the dead rules):\n\
        ```yaml\nspec:\n  policyTypes: [Ingress, Egress]\n```",
    references: &[REF_NP],
    mappings: Mappings {
        cis: &["5.3.2"],
        nsa: NSA,
        mitre: &[],
        pss: &[],
        pci_dss: &[],
        soc2: &["CC6.6"],
        iso27001: &[],
        hipaa: &[],
    },
};

pub static INVALID: RuleMeta = RuleMeta {
    id: "netpol-invalid-policy",
    title: "Invalid network policy",
    severity: Severity::Medium,
    category: "network",
    description: "The policy has a value the API server rejects or that makes its meaning \
        ambiguous (a bad CIDR or selector, an empty peer, an illegal port range, two admin \
        policies with one priority). It would not be applied as written, so the isolation it \
        was meant to give is missing.",
    remediation: "Fix the field named in the message; `bulwark netpol reach` shows the \
        effect once it is valid.",
    references: &[
        REF_NP,
        "https://network-policy-api.sigs.k8s.io/api-overview/",
    ],
    mappings: Mappings {
        cis: &["5.3.2"],
        nsa: NSA,
        mitre: &[],
        pss: &[],
        pci_dss: &[],
        soc2: &[],
        iso27001: &[],
        hipaa: &[],
    },
};

pub static ALL: &[&RuleMeta] = &[
    &NO_DEFAULT_DENY_INGRESS,
    &NO_DEFAULT_DENY_EGRESS,
    &WORKLOAD_NO_INGRESS,
    &WORKLOAD_NO_EGRESS,
    &SELECTS_NOTHING,
    &INGRESS_FROM_ANYWHERE,
    &EGRESS_METADATA,
    &EGRESS_ANYWHERE,
    &ALL_PORTS,
    &TYPES_MISMATCH,
    &INVALID,
];
