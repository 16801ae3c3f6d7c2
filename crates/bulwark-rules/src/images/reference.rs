//! Container image references, split the way the container runtime reads
//! them (`[registry[:port]/]repository[:tag][@digest]`).

/// The parts of an image reference that decide what gets pulled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageRef<'a> {
    /// Registry, port and repository: everything before the tag.
    pub name: &'a str,
    /// The tag after the last `:` of the last path component, if any.
    pub tag: Option<&'a str>,
    /// Whatever follows `@`, if any (`sha256:…`).
    pub digest: Option<&'a str>,
}

impl<'a> ImageRef<'a> {
    /// Splits `image`. A `:` before the last `/` is a registry port, not a
    /// tag (`registry:5000/app` has no tag).
    pub fn parse(image: &'a str) -> Self {
        let image = image.trim();
        let (before, digest) = match image.split_once('@') {
            Some((b, d)) => (b, Some(d)),
            None => (image, None),
        };
        let last_component = before.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match before[last_component..].rfind(':') {
            Some(i) => {
                let at = last_component + i;
                (&before[..at], Some(&before[at + 1..]))
            }
            None => (before, None),
        };
        Self { name, tag, digest }
    }

    /// Pinned: the runtime pulls by a well-formed content digest and ignores
    /// any tag. A malformed digest pins nothing (the pull fails instead).
    pub fn is_pinned(&self) -> bool {
        self.digest.is_some_and(is_valid_digest)
    }

    /// The `latest` tag, or no tag and no digest (which the runtime reads as
    /// `latest`).
    pub fn is_latest(&self) -> bool {
        match self.tag {
            Some(t) => t == "latest",
            None => self.digest.is_none(),
        }
    }

    /// The pull policy Kubernetes fills in when the field is unset
    /// (`SetDefaults_Container`): `Always` when the tag parses as `latest`
    /// (also when no tag and no digest are given), `IfNotPresent` otherwise.
    pub fn default_pull_policy(&self) -> &'static str {
        if self.is_latest() {
            "Always"
        } else {
            "IfNotPresent"
        }
    }
}

/// `sha256:` with 64 hex digits or `sha512:` with 128; other algorithms
/// registered with the OCI spec are accepted when their encoded part is at
/// least 32 characters of the allowed alphabet.
fn is_valid_digest(d: &str) -> bool {
    let Some((algo, hex)) = d.split_once(':') else {
        return false;
    };
    let is_hex = |s: &str| s.bytes().all(|b| b.is_ascii_hexdigit());
    match algo {
        "sha256" => hex.len() == 64 && is_hex(hex),
        "sha512" => hex.len() == 128 && is_hex(hex),
        _ => {
            !algo.is_empty()
                && algo
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"+._-".contains(&b))
                && hex.len() >= 32
                && hex
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"=_-".contains(&b))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn registry_port_is_not_a_tag() {
        let r = ImageRef::parse("registry.local:5000/team/app");
        assert_eq!(r.name, "registry.local:5000/team/app");
        assert_eq!(r.tag, None);
        assert!(r.is_latest());
        let r = ImageRef::parse("localhost:5000/app:1.2.3");
        assert_eq!(r.name, "localhost:5000/app");
        assert_eq!(r.tag, Some("1.2.3"));
        assert!(!r.is_latest());
    }

    #[test]
    fn bare_name_with_colon_is_a_tag() {
        // Without a slash, `registry:5000` is the image `registry`, tag `5000`.
        let r = ImageRef::parse("registry:5000");
        assert_eq!((r.name, r.tag), ("registry", Some("5000")));
    }

    #[test]
    fn digests_pin_and_override_tags() {
        let img = format!("nginx:latest@{SHA}");
        let r = ImageRef::parse(&img);
        assert_eq!(r.tag, Some("latest"));
        assert!(r.is_pinned());
        // Kubernetes still defaults the pull policy from the tag.
        assert_eq!(r.default_pull_policy(), "Always");
        let img = format!("registry:5000/app@{SHA}");
        let r = ImageRef::parse(&img);
        assert_eq!((r.name, r.tag), ("registry:5000/app", None));
        assert!(r.is_pinned());
        assert!(!r.is_latest());
        assert_eq!(r.default_pull_policy(), "IfNotPresent");
    }

    #[test]
    fn malformed_digest_does_not_pin() {
        assert!(!ImageRef::parse("app@sha256:abc").is_pinned());
        assert!(!ImageRef::parse("app@sha256:").is_pinned());
        assert!(!ImageRef::parse("app@latest").is_pinned());
        let long = format!("app@sha256:{}", "g".repeat(64));
        assert!(!ImageRef::parse(&long).is_pinned());
    }

    #[test]
    fn latest_and_default_pull_policy() {
        assert!(ImageRef::parse("nginx").is_latest());
        assert!(ImageRef::parse("nginx:latest").is_latest());
        assert!(ImageRef::parse("docker.io/library/nginx:latest").is_latest());
        assert!(!ImageRef::parse("nginx:1.27").is_latest());
        assert!(!ImageRef::parse("nginx:latest-alpine").is_latest());
        assert_eq!(ImageRef::parse("nginx").default_pull_policy(), "Always");
        assert_eq!(
            ImageRef::parse("nginx:1.27").default_pull_policy(),
            "IfNotPresent"
        );
    }
}
