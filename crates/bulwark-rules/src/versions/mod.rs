//! Known CVEs in the Kubernetes components a cluster runs: the API server's
//! reported version, each node's kubelet and kube-proxy, and the images of
//! control plane components, kube-proxy and ingress-nginx, against the
//! shipped OSV copy of the official Kubernetes CVE feed.

pub mod feed;
pub mod version;

use std::collections::{BTreeSet, HashMap};

use bulwark_core::server_version;
use bulwark_core::{
    FieldPath, Finding, Inventory, Mappings, PodView, Resource, RuleMeta, Severity,
};

use crate::images::reference::ImageRef;
use crate::{Check, CheckFn};

pub use feed::{Feed, feed};

/// Checks of this family.
pub static CHECKS: &[&Check] = &[&KNOWN_CVE];

static META: RuleMeta = RuleMeta {
    id: "kubernetes-known-cve",
    title: "Kubernetes component has a known CVE",
    severity: Severity::High,
    category: "versions",
    description: "The version of a Kubernetes component (the API server as `/version` reports \
        it, a node's kubelet or kube-proxy, or a control plane, kube-proxy or ingress-nginx \
        image) lies in the affected range of a CVE announced by the Kubernetes Security \
        Response Committee. The data is the OSV form (kubernetes-sigs/cve-feed-osv) of the \
        official Kubernetes CVE feed, shipped with bulwark; each finding states the day the \
        copy was taken, and `bulwark cves` prints it. A finding's severity follows the CVE's \
        CVSS base score. Vendor builds (`-eks-…`, `+k3s1`, `-gke.…`) are compared as the \
        upstream release they are built from: a vendor may have backported a fix, which the \
        finding says.",
    remediation: "Upgrade the component to the fixed patch release the finding names (or a \
        later one), or apply the mitigation in the linked announcement until you can:\n\
        ```yaml\n# ingress-nginx, for example: the finding's \"fixed in\" release or later\n\
        image: registry.k8s.io/ingress-nginx/controller:v1.14.5\n```\n\
        Run `bulwark cves --component ingress-nginx --version v1.14.5` to check a target \
        release before you roll it out.",
    references: &[
        "https://kubernetes.io/docs/reference/issues-security/official-cve-feed/",
        "https://github.com/kubernetes-sigs/cve-feed-osv",
    ],
    mappings: Mappings {
        cis: &[],
        nsa: &["Upgrading and application security practices"],
        mitre: &["T1190", "T1068"],
        pss: &[],
        pci_dss: &["6.3.3"],
        soc2: &["CC7.1"],
        iso27001: &["A.8.8"],
        hipaa: &["164.308(a)(1)(ii)(B)"],
    },
};

pub static KNOWN_CVE: Check = Check {
    meta: &META,
    run: CheckFn::Inventory(check),
};

/// A deployed piece of Kubernetes whose version the feed can be asked about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Component {
    /// What `/version` reports; managed control planes move as one.
    ControlPlane,
    ApiServer,
    ControllerManager,
    Scheduler,
    Kubelet,
    KubeProxy,
    IngressNginx,
}

impl Component {
    /// Every component, in the order `bulwark cves` lists them.
    pub const ALL: [Self; 7] = [
        Self::ControlPlane,
        Self::ApiServer,
        Self::ControllerManager,
        Self::Scheduler,
        Self::Kubelet,
        Self::KubeProxy,
        Self::IngressNginx,
    ];

    /// The name a user types (`bulwark cves --component kubelet`).
    pub fn name(self) -> &'static str {
        match self {
            Self::ControlPlane => "control-plane",
            other => other.label(),
        }
    }

    /// Reads [`Component::name`].
    pub fn from_name(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.name() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::ControlPlane => "Kubernetes (API server /version)",
            Self::ApiServer => "kube-apiserver",
            Self::ControllerManager => "kube-controller-manager",
            Self::Scheduler => "kube-scheduler",
            Self::Kubelet => "kubelet",
            Self::KubeProxy => "kube-proxy",
            Self::IngressNginx => "ingress-nginx",
        }
    }

    /// Feed package names (after [`short_package`]) that ship in it.
    fn packages(self) -> &'static [&'static str] {
        match self {
            Self::ControlPlane => &[
                "kubernetes",
                "apiserver",
                "kube-apiserver",
                "controller-manager",
                "kube-controller-manager",
                "scheduler",
                "kube-scheduler",
            ],
            Self::ApiServer => &["kubernetes", "apiserver", "kube-apiserver"],
            Self::ControllerManager => &["controller-manager", "kube-controller-manager"],
            Self::Scheduler => &["scheduler", "kube-scheduler"],
            Self::Kubelet => &["kubelet"],
            Self::KubeProxy => &["kube-proxy"],
            Self::IngressNginx => &["ingress-nginx"],
        }
    }

    /// Whether a feed package name ships in this component.
    pub fn covers(self, package: &str) -> bool {
        self.packages().contains(&short_package(package))
    }

    /// Whether the server's `/version` already speaks for it.
    fn is_control_plane(self) -> bool {
        matches!(
            self,
            Self::ApiServer | Self::ControllerManager | Self::Scheduler
        )
    }

    /// The component an image is, by its repository (any registry or
    /// mirror: `registry.k8s.io/kube-proxy`, `k8s.gcr.io/kube-proxy`).
    fn of_image(name: &str) -> Option<Self> {
        let mut parts = name.rsplit('/');
        let last = parts.next()?;
        let parent = parts.next().unwrap_or("");
        match (parent, last) {
            (_, "kube-apiserver") => Some(Self::ApiServer),
            (_, "kube-controller-manager") => Some(Self::ControllerManager),
            (_, "kube-scheduler") => Some(Self::Scheduler),
            (_, "kube-proxy") => Some(Self::KubeProxy),
            ("ingress-nginx", "controller" | "controller-chroot") => Some(Self::IngressNginx),
            _ => None,
        }
    }
}

/// `k8s.io/kubelet` → `kubelet`; the feed also writes `/ingress-nginx`.
fn short_package(p: &str) -> &str {
    p.trim_start_matches("k8s.io/").trim_matches('/')
}

/// A CVE that affects a component at a version.
pub struct Match<'f> {
    pub advisory: &'f feed::Advisory,
    /// The feed's package name that matched.
    pub package: &'f str,
    /// What to upgrade to.
    pub hit: feed::Hit,
    /// CVSS base score, when the record has a vector.
    pub score: Option<f64>,
}

impl Match<'_> {
    /// The finding severity: the CVSS rating, else the rule's.
    pub fn severity(&self) -> Severity {
        self.score.map_or(META.severity, severity_of)
    }
}

/// The CVEs of the shipped feed that affect `component` at `v`.
pub fn matches(component: Component, v: &semver::Version) -> Vec<Match<'static>> {
    feed()
        .vulnerabilities
        .iter()
        .filter_map(|adv| {
            adv.packages()
                .filter(|p| component.covers(p))
                .find_map(|p| adv.affects(p, v).map(|h| (p, h)))
                .map(|(package, hit)| Match {
                    advisory: adv,
                    package,
                    hit,
                    score: adv.score(package),
                })
        })
        .collect()
}

/// One version of one component, found at a path of an object.
struct Sighting<'a> {
    res: &'a Resource,
    path: FieldPath,
    component: Component,
    raw: String,
    what: String,
}

fn check(inv: &Inventory, meta: &'static RuleMeta, out: &mut Vec<Finding>) {
    let mut sightings = Vec::new();
    for res in &inv.resources {
        sightings_of(res, &mut sightings);
    }
    // A control plane image at the version `/version` reports is already
    // reported on the ServerVersion object.
    let server: BTreeSet<semver::Version> = sightings
        .iter()
        .filter(|s| s.component == Component::ControlPlane)
        .filter_map(|s| version::parse(&s.raw).map(|v| v.semver))
        .collect();
    let feed = feed();
    // Thousands of nodes usually run a handful of versions: ask once each.
    let mut asked: HashMap<(Component, semver::Version), Vec<Match<'static>>> = HashMap::new();
    for s in &sightings {
        let Some(v) = version::parse(&s.raw) else {
            continue;
        };
        if s.component.is_control_plane() && server.contains(&v.semver) {
            continue;
        }
        let found = asked
            .entry((s.component, v.semver.clone()))
            .or_insert_with(|| matches(s.component, &v.semver));
        for m in found.iter() {
            let adv = m.advisory;
            let fixed = m.hit.remedy();
            let vendor = if v.vendor_build {
                format!(
                    " (vendor build, compared as {}; the vendor may have backported the fix)",
                    v.semver
                )
            } else {
                String::new()
            };
            let cvss = m
                .score
                .map(|s| format!(", CVSS {s:.1}"))
                .unwrap_or_default();
            let url = adv.url().map(|u| format!(" {u}")).unwrap_or_default();
            out.push(
                Finding::new(
                meta.id,
                m.severity(),
                s.res,
                s.path.clone(),
                format!(
                    "{} ({}{cvss}): {}{vendor} is affected; {fixed}.{url} [Kubernetes CVE feed taken {}]",
                    adv.id,
                    adv.summary.trim(),
                    s.what,
                    feed.taken
                ),
                )
                .with_subject(adv.id.clone()),
            );
        }
    }
}

/// CVSS v3/v4 qualitative ratings.
fn severity_of(score: f64) -> Severity {
    if score >= 9.0 {
        Severity::Critical
    } else if score >= 7.0 {
        Severity::High
    } else if score >= 4.0 {
        Severity::Medium
    } else if score > 0.0 {
        Severity::Low
    } else {
        Severity::Info
    }
}

fn sightings_of<'a>(res: &'a Resource, out: &mut Vec<Sighting<'a>>) {
    let text = |path: &FieldPath| {
        path.get(&res.value)
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    match (res.id.api_version.as_str(), res.kind()) {
        (server_version::API_VERSION, server_version::KIND) => {
            let path = FieldPath::parse("gitVersion");
            if let Some(raw) = text(&path) {
                out.push(Sighting {
                    res,
                    path,
                    component: Component::ControlPlane,
                    what: format!("{} {}", Component::ControlPlane.label(), raw.trim()),
                    raw,
                });
            }
        }
        ("v1", "Node") => {
            for (field, component) in [
                ("kubeletVersion", Component::Kubelet),
                ("kubeProxyVersion", Component::KubeProxy),
            ] {
                let path = FieldPath::parse("status.nodeInfo").key(field);
                // kube-proxy's field is deprecated and often empty or bogus.
                if let Some(raw) = text(&path).filter(|r| version::parse(r).is_some()) {
                    out.push(Sighting {
                        res,
                        path,
                        component,
                        what: format!(
                            "{} {} on node {}",
                            component.label(),
                            raw.trim(),
                            res.id.name
                        ),
                        raw,
                    });
                }
            }
        }
        _ => {
            let Some(pod) = PodView::of(res) else {
                return;
            };
            for ctr in pod.containers() {
                let Some(image) = ctr.image() else {
                    continue;
                };
                let r = ImageRef::parse(image);
                let (Some(component), Some(tag)) = (Component::of_image(r.name), r.tag) else {
                    continue;
                };
                out.push(Sighting {
                    res,
                    path: ctr.path.key("image"),
                    component,
                    raw: tag.to_string(),
                    what: format!("{} image {}:{tag}", component.label(), r.name),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bulwark_core::Origin;
    use serde_json::json;

    fn findings(objects: Vec<serde_json::Value>) -> Vec<Finding> {
        let inv = Inventory::new(
            objects
                .into_iter()
                .map(|v| Resource::new(v, Origin::default(), None))
                .collect(),
        );
        let mut out = Vec::new();
        check(&inv, &META, &mut out);
        out
    }

    fn apiserver_pod(tag: &str) -> serde_json::Value {
        json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "kube-apiserver-cp1", "namespace": "kube-system",
                "annotations": {"kubernetes.io/config.mirror": "abc"}},
            "spec": {"containers": [{"name": "kube-apiserver",
                "image": format!("registry.k8s.io/kube-apiserver:{tag}")}]}})
    }

    #[test]
    fn a_control_plane_image_at_the_server_version_is_reported_once() {
        let server = server_version::object(json!({"gitVersion": "v1.28.1"}));
        let alone = findings(vec![apiserver_pod("v1.28.1")]);
        assert!(!alone.is_empty(), "the static pod alone is reported");
        assert!(alone.iter().all(|f| f.object.kind == "Pod"));
        let both = findings(vec![server.clone(), apiserver_pod("v1.28.1")]);
        assert!(
            both.iter().all(|f| f.object.kind == server_version::KIND),
            "{both:#?}"
        );
        // Mid-upgrade, an apiserver at another version is its own finding.
        let skew = findings(vec![server, apiserver_pod("v1.27.3")]);
        assert!(skew.iter().any(|f| f.object.kind == "Pod"));
    }

    #[test]
    fn findings_name_the_cve_the_fix_and_the_feed_date() {
        let node = json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "w1"},
            "status": {"nodeInfo": {"kubeletVersion": "v1.29.1"}}});
        let out = findings(vec![node]);
        let f = out
            .iter()
            .find(|f| f.message.starts_with("CVE-2024-10220 "))
            .unwrap_or_else(|| panic!("CVE-2024-10220 (kubelet gitRepo) expected: {out:#?}"));
        assert!(
            f.message
                .contains("kubelet v1.29.1 on node w1 is affected; fixed in 1.29.7"),
            "{}",
            f.message
        );
        assert!(
            f.message
                .contains(&format!("Kubernetes CVE feed taken {}", feed().taken)),
            "{}",
            f.message
        );
        assert_eq!(f.severity, Severity::High, "CVSS 8.1");
        assert_eq!(f.subject.as_deref(), Some("CVE-2024-10220"));
        assert_eq!(f.path.to_string(), "status.nodeInfo.kubeletVersion");
    }

    #[test]
    fn a_vendor_build_says_so() {
        let node = json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "w1"},
            "status": {"nodeInfo": {"kubeletVersion": "v1.29.1-eks-ae9a62a"}}});
        let out = findings(vec![node]);
        assert!(!out.is_empty());
        assert!(
            out.iter()
                .all(|f| f.message.contains("vendor build, compared as 1.29.1"))
        );
    }

    #[test]
    fn unreadable_versions_are_not_guessed() {
        let node = json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "w1"},
            "status": {"nodeInfo": {"kubeletVersion": "v1.29"}}});
        assert!(findings(vec![node]).is_empty());
    }

    #[test]
    fn images_name_their_component() {
        let c = |s| Component::of_image(ImageRef::parse(s).name);
        assert_eq!(
            c("registry.k8s.io/kube-apiserver:v1.30.2"),
            Some(Component::ApiServer)
        );
        assert_eq!(
            c("k8s.gcr.io/kube-proxy:v1.20.0"),
            Some(Component::KubeProxy)
        );
        assert_eq!(
            c("registry.k8s.io/ingress-nginx/controller:v1.9.4@sha256:abc"),
            Some(Component::IngressNginx)
        );
        assert_eq!(
            c("mirror.local:5000/ingress-nginx/controller-chroot:v1.10.0"),
            Some(Component::IngressNginx)
        );
        assert_eq!(c("example.com/team/controller:v1.0.0"), None);
        assert_eq!(c("nginx:1.25"), None);
    }

    #[test]
    fn package_names_as_the_feed_writes_them() {
        assert_eq!(short_package("k8s.io/kubelet"), "kubelet");
        assert_eq!(short_package("/ingress-nginx"), "ingress-nginx");
        assert_eq!(short_package("kube-proxy"), "kube-proxy");
    }

    #[test]
    fn cvss_ratings() {
        assert_eq!(severity_of(9.8), Severity::Critical);
        assert_eq!(severity_of(7.0), Severity::High);
        assert_eq!(severity_of(6.9), Severity::Medium);
        assert_eq!(severity_of(3.1), Severity::Low);
        assert_eq!(severity_of(0.0), Severity::Info);
    }
}
