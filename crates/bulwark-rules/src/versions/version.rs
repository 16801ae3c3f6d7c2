//! Kubernetes version strings as clusters report them, read as semver.
//!
//! Servers and nodes report `v1.30.2`, but also vendor builds such as
//! `v1.30.2-eks-1a2b3c`, `v1.29.3+k3s1` or `v1.28.5-gke.1217000`. Read as
//! plain semver, a vendor suffix is a pre-release and would sort *before*
//! `1.30.2`, so a patched build would look unpatched. A vendor suffix is
//! therefore dropped and the build compared on its upstream release; only
//! upstream pre-releases (`-alpha.1`, `-beta.0`, `-rc.2`) stay pre-releases.

use semver::Version;

/// A version read from a cluster: what it is compared as, and whether a
/// vendor suffix was dropped to get there (a vendor may have backported a
/// fix the upstream release number cannot show).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KubeVersion {
    pub semver: Version,
    pub vendor_build: bool,
}

/// Reads `v1.30.2`, `1.30.2`, `v1.30.2-eks-1a2b3c`, `v1.31.0-rc.1`; `None`
/// for anything that is not `MAJOR.MINOR.PATCH` at heart (`latest`, `1.30`).
pub fn parse(s: &str) -> Option<KubeVersion> {
    let s = s.trim();
    let s = s.strip_prefix('v').unwrap_or(s);
    let (s, build) = match s.split_once('+') {
        Some((a, _)) => (a, true),
        None => (s, false),
    };
    let (core, pre) = match s.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (s, None),
    };
    let mut parts = core.split('.');
    let mut num = || -> Option<u64> {
        let p = parts.next()?;
        if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        p.parse().ok()
    };
    let (major, minor, patch) = (num()?, num()?, num()?);
    if parts.next().is_some() {
        return None;
    }
    let mut v = Version::new(major, minor, patch);
    let mut vendor_build = build;
    match pre {
        Some(p) if is_upstream_prerelease(p) => {
            v.pre = semver::Prerelease::new(p).ok()?;
        }
        Some(_) => vendor_build = true,
        None => {}
    }
    Some(KubeVersion {
        semver: v,
        vendor_build,
    })
}

/// `alpha`, `beta` or `rc`, then end, `.` or a digit: what Kubernetes tags.
fn is_upstream_prerelease(p: &str) -> bool {
    ["alpha", "beta", "rc"].iter().any(|w| {
        p.strip_prefix(w).is_some_and(|rest| {
            rest.is_empty()
                || rest.starts_with('.')
                || rest.starts_with(|c: char| c.is_ascii_digit())
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> (String, bool) {
        let k = parse(s).unwrap_or_else(|| panic!("{s} should parse"));
        (k.semver.to_string(), k.vendor_build)
    }

    #[test]
    fn upstream_releases() {
        assert_eq!(v("v1.30.2"), ("1.30.2".into(), false));
        assert_eq!(v("1.8.0"), ("1.8.0".into(), false));
        assert_eq!(v(" v1.33.1 "), ("1.33.1".into(), false));
    }

    #[test]
    fn vendor_suffixes_compare_as_their_upstream_release() {
        assert_eq!(v("v1.30.2-eks-1a2b3c"), ("1.30.2".into(), true));
        assert_eq!(v("v1.29.3+k3s1"), ("1.29.3".into(), true));
        assert_eq!(v("v1.28.5-gke.1217000"), ("1.28.5".into(), true));
        assert_eq!(v("v1.27.13-0"), ("1.27.13".into(), true));
    }

    #[test]
    fn upstream_prereleases_stay_before_the_release() {
        let rc = parse("v1.31.0-rc.1").map(|k| k.semver);
        assert_eq!(
            rc.as_ref().map(|s| s.to_string()).as_deref(),
            Some("1.31.0-rc.1")
        );
        assert!(rc < parse("v1.31.0").map(|k| k.semver));
        assert_eq!(v("v1.32.0-alpha.3").0, "1.32.0-alpha.3");
    }

    #[test]
    fn not_versions() {
        for s in [
            "",
            "latest",
            "v1.30",
            "1.30.x",
            "v1.30.2.1",
            "vv1.2.3",
            "1..2",
        ] {
            assert_eq!(parse(s), None, "{s:?}");
        }
    }
}
