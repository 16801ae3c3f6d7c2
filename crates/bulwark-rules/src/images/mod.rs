//! Rules on container images: mutable tags, digests, pull policy, risky
//! add-ons. They run
//! on every container, init container and ephemeral container.

pub mod addons;
pub mod reference;

use bulwark_core::{ContainerView, FieldPath, Mappings, RuleMeta, Severity};

use crate::{Check, CheckFn, Emit};
use reference::ImageRef;

/// Checks of this family.
pub static CHECKS: &[&Check] = &[
    &IMAGE_TAG_LATEST,
    &IMAGE_NOT_PINNED,
    &PULL_POLICY,
    &addons::RISKY_ADDON,
];

const REFERENCES: &[&str] = &[
    "https://kubernetes.io/docs/concepts/containers/images/#image-names",
    "https://kubernetes.io/docs/concepts/containers/images/#imagepullpolicy-defaulting",
    "https://github.com/opencontainers/image-spec/blob/main/descriptor.md#digests",
];

const SUPPLY_CHAIN: Mappings = Mappings {
    cis: &["5.5.1"],
    nsa: &["Kubernetes Pod security: Building secure container images"],
    mitre: &["T1525", "T1195.002"],
    pss: &[],
    pci_dss: &["6.3.2", "6.5.1"],
    soc2: &["CC7.1", "CC8.1"],
    iso27001: &["A.8.9", "A.8.32"],
    hipaa: &[],
};

/// The container's image and its path, when there is one to judge (an
/// unrendered template such as `{{ .Values.image }}` is not judged).
fn image_of<'a>(c: &ContainerView<'a>) -> Option<(&'a str, ImageRef<'a>, FieldPath)> {
    let (_, path) = c.field("image");
    let image = c.image()?.trim();
    if image.is_empty() || image.contains("{{") || image.contains("$(") || image.contains("${") {
        return None;
    }
    Some((image, ImageRef::parse(image), path))
}

static LATEST_META: RuleMeta = RuleMeta {
    id: "image-tag-latest",
    title: "Image uses the latest tag or no tag",
    severity: Severity::Medium,
    category: "images",
    description: "An image without a tag is pulled as `latest`, and `latest` points at whatever \
        was pushed last. Two nodes can run different code under the same manifest, a rollback \
        cannot return to the previous version, and anyone who can push to the repository can \
        replace what the cluster runs on its next pull. A registry port (`registry:5000/app`) \
        is not a tag; an image pinned by digest is not judged here.",
    remediation: "Use an immutable version tag, better a digest:\n\
        ```yaml\ncontainers:\n- name: web\n  image: registry.example.com/web:1.4.2@sha256:<digest>\n```",
    references: REFERENCES,
    mappings: SUPPLY_CHAIN,
};

pub static IMAGE_TAG_LATEST: Check = Check {
    meta: &LATEST_META,
    run: CheckFn::Container(check_latest),
};

fn check_latest(c: &ContainerView<'_>, emit: &mut Emit<'_>) {
    let Some((image, r, path)) = image_of(c) else {
        return;
    };
    if r.is_pinned() || !r.is_latest() {
        return;
    }
    let why = if r.tag.is_some() {
        "the mutable tag `latest`"
    } else {
        "no tag (pulled as `latest`)"
    };
    emit.at(
        path,
        format!("{} uses image \"{image}\" with {why}", c.label()),
    );
}

static DIGEST_META: RuleMeta = RuleMeta {
    id: "image-not-pinned-by-digest",
    title: "Image not pinned by digest",
    severity: Severity::Low,
    category: "images",
    description: "Every tag is mutable: the registry (or whoever can push to it) decides what \
        `web:1.4.2` means today. Only a content digest (`@sha256:…`) names exactly one image, so \
        the code that was reviewed and scanned is the code that runs, on every node and after \
        every reschedule.",
    remediation: "Reference the image by digest (keep the tag for readers; the digest wins):\n\
        ```yaml\ncontainers:\n- name: web\n  image: registry.example.com/web:1.4.2@sha256:<digest>\n```",
    references: REFERENCES,
    mappings: SUPPLY_CHAIN,
};

pub static IMAGE_NOT_PINNED: Check = Check {
    meta: &DIGEST_META,
    run: CheckFn::Container(check_digest),
};

fn check_digest(c: &ContainerView<'_>, emit: &mut Emit<'_>) {
    let Some((image, r, path)) = image_of(c) else {
        return;
    };
    if r.is_pinned() {
        return;
    }
    let why = if r.digest.is_some() {
        "a malformed digest"
    } else {
        "no digest"
    };
    emit.at(
        path,
        format!("{} uses image \"{image}\" with {why}", c.label()),
    );
}

static PULL_META: RuleMeta = RuleMeta {
    id: "image-pull-policy-not-always",
    title: "Mutable image tag without imagePullPolicy: Always",
    severity: Severity::Low,
    category: "images",
    description: "With `IfNotPresent` or `Never`, a node runs whatever image it cached under a \
        mutable tag, so nodes drift apart, and a pod on a shared node may start from an image \
        another tenant pulled without the registry ever checking its pull credentials. \
        Kubernetes fills in `Always` when the tag is `latest` or absent and `IfNotPresent` \
        otherwise; this rule judges the effective policy, and does not fire for images pinned \
        by digest (the digest cannot drift).",
    remediation: "Pin the image by digest, or pull it on every start:\n\
        ```yaml\ncontainers:\n- name: web\n  image: registry.example.com/web:1.4.2\n  imagePullPolicy: Always\n```",
    references: REFERENCES,
    mappings: Mappings {
        cis: &[],
        nsa: &["Kubernetes Pod security: Building secure container images"],
        mitre: &["T1525"],
        pss: &[],
        pci_dss: &["6.3.2"],
        soc2: &["CC8.1"],
        iso27001: &["A.8.9"],
        hipaa: &[],
    },
};

pub static PULL_POLICY: Check = Check {
    meta: &PULL_META,
    run: CheckFn::Container(check_pull_policy),
};

fn check_pull_policy(c: &ContainerView<'_>, emit: &mut Emit<'_>) {
    let Some((image, r, _)) = image_of(c) else {
        return;
    };
    if r.is_pinned() {
        return;
    }
    let (set, path) = c.field("imagePullPolicy");
    match set.and_then(|v| v.as_str()) {
        Some("Always") => {}
        Some(policy) => emit.at(
            path,
            format!(
                "{} pulls the mutable image \"{image}\" with imagePullPolicy {policy}",
                c.label()
            ),
        ),
        None if r.default_pull_policy() == "Always" => {}
        None => emit.at(
            path,
            format!(
                "{} has no imagePullPolicy, so Kubernetes uses IfNotPresent for the mutable \
                 image \"{image}\"",
                c.label()
            ),
        ),
    }
}
