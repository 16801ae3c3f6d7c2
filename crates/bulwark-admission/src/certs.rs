//! Serving certificates: a CA and a server certificate minted with rcgen
//! into a directory (`--self-signed DIR`), reused across restarts and
//! re-issued before they expire; the CA is what the webhook
//! configuration's `caBundle` holds, so it outlives many server
//! certificates.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SanType,
};

/// Lifetimes of what is minted.
#[derive(Clone, Copy, Debug)]
pub struct Lifetimes {
    pub ca: Duration,
    pub server: Duration,
    /// Re-issue the server certificate when less than this is left (and the
    /// CA when less than twice the server lifetime is left).
    pub renew_before: Duration,
}

impl Default for Lifetimes {
    fn default() -> Self {
        const DAY: u64 = 24 * 3600;
        Self {
            ca: Duration::from_secs(10 * 365 * DAY),
            server: Duration::from_secs(90 * DAY),
            renew_before: Duration::from_secs(30 * DAY),
        }
    }
}

/// The files of a self-signed directory.
#[derive(Clone, Debug)]
pub struct CertFiles {
    pub ca_cert: PathBuf,
    pub ca_key: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl CertFiles {
    pub fn in_dir(dir: &Path) -> Self {
        Self {
            ca_cert: dir.join("ca.crt"),
            ca_key: dir.join("ca.key"),
            cert: dir.join("tls.crt"),
            key: dir.join("tls.key"),
        }
    }
}

/// What [`ensure`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Minted {
    Reused,
    /// A new server certificate from the existing CA.
    Server,
    /// A new CA and server certificate: the caBundle must be updated.
    CaAndServer,
}

/// Seconds of validity left in a PEM certificate, and its DNS/IP names.
pub fn inspect(pem: &[u8]) -> Result<(i64, Vec<String>), String> {
    let (_, p) = x509_parser::pem::parse_x509_pem(pem).map_err(|e| format!("not PEM: {e}"))?;
    let cert = p
        .parse_x509()
        .map_err(|e| format!("not an X.509 certificate: {e}"))?;
    let now = jiff::Timestamp::now().as_second();
    let left = cert.validity().not_after.timestamp() - now;
    let mut names = Vec::new();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for n in &san.value.general_names {
            match n {
                x509_parser::extensions::GeneralName::DNSName(d) => names.push(d.to_string()),
                x509_parser::extensions::GeneralName::IPAddress(b) => {
                    let ip = match b.len() {
                        4 => <[u8; 4]>::try_from(*b).ok().map(std::net::IpAddr::from),
                        16 => <[u8; 16]>::try_from(*b).ok().map(std::net::IpAddr::from),
                        _ => None,
                    };
                    if let Some(ip) = ip {
                        names.push(ip.to_string());
                    }
                }
                _ => {}
            }
        }
    }
    Ok((left, names))
}

fn validity(p: &mut CertificateParams, life: Duration) {
    let now = time::OffsetDateTime::now_utc();
    // A little slack for clocks of the API server that run behind.
    p.not_before = now - time::Duration::minutes(5);
    p.not_after = now + time::Duration::seconds(life.as_secs() as i64);
}

fn e(e: rcgen::Error) -> String {
    e.to_string()
}

fn new_ca(life: Duration) -> Result<(String, String), String> {
    let key = KeyPair::generate().map_err(e)?;
    let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(e)?;
    ca.distinguished_name
        .push(DnType::CommonName, "bulwark admission CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    validity(&mut ca, life);
    let cert = ca.self_signed(&key).map_err(e)?;
    Ok((cert.pem(), key.serialize_pem()))
}

fn new_server(
    ca_pem: &str,
    ca_key_pem: &str,
    names: &[String],
    life: Duration,
) -> Result<(String, String), String> {
    let ca_key = KeyPair::from_pem(ca_key_pem).map_err(e)?;
    let issuer = Issuer::from_ca_cert_pem(ca_pem, ca_key).map_err(e)?;
    let key = KeyPair::generate().map_err(e)?;
    let mut p = CertificateParams::new(Vec::<String>::new()).map_err(e)?;
    for n in names {
        p.subject_alt_names
            .push(match n.parse::<std::net::IpAddr>() {
                Ok(ip) => SanType::IpAddress(ip),
                Err(_) => SanType::DnsName(n.as_str().try_into().map_err(e)?),
            });
    }
    let cn = names.first().map_or("bulwark", String::as_str);
    p.distinguished_name.push(DnType::CommonName, cn);
    p.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    validity(&mut p, life);
    let cert = p.signed_by(&key, &issuer).map_err(e)?;
    Ok((cert.pem(), key.serialize_pem()))
}

/// Writes a private key readable by its owner only.
fn write_secret(path: &Path, text: &str) -> Result<(), String> {
    let tmp = path.with_extension("tmp");
    {
        use std::io::Write;
        let mut o = std::fs::OpenOptions::new();
        o.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            o.mode(0o600);
        }
        let mut f = o
            .open(&tmp)
            .map_err(|err| format!("{}: {err}", tmp.display()))?;
        f.write_all(text.as_bytes())
            .map_err(|err| format!("{}: {err}", tmp.display()))?;
    }
    // Renamed into place, so a server reloading never reads half a file.
    std::fs::rename(&tmp, path).map_err(|err| format!("{}: {err}", path.display()))
}

/// Makes sure `dir` holds a CA and a server certificate for `names` with
/// enough validity left, minting what is missing, expiring or for other
/// names.
pub fn ensure(dir: &Path, names: &[String], life: &Lifetimes) -> Result<Minted, String> {
    std::fs::create_dir_all(dir).map_err(|err| format!("{}: {err}", dir.display()))?;
    let f = CertFiles::in_dir(dir);
    let read = |p: &Path| std::fs::read_to_string(p).ok();
    let renew = life.renew_before.as_secs() as i64;
    let ca = match (read(&f.ca_cert), read(&f.ca_key)) {
        (Some(c), Some(k))
            if inspect(c.as_bytes())
                .is_ok_and(|(left, _)| left > renew + life.server.as_secs() as i64) =>
        {
            Some((c, k))
        }
        _ => None,
    };
    let (ca_pem, ca_key, new_ca_made) = match ca {
        Some((c, k)) => (c, k, false),
        None => {
            let (c, k) = new_ca(life.ca)?;
            (c, k, true)
        }
    };
    if !new_ca_made {
        let current = read(&f.cert).and_then(|c| inspect(c.as_bytes()).ok());
        if let Some((left, have)) = current
            && left > renew
            && names.iter().all(|n| have.contains(n))
            && f.key.exists()
        {
            return Ok(Minted::Reused);
        }
    }
    let (cert, key) = new_server(&ca_pem, &ca_key, names, life.server)?;
    if new_ca_made {
        write_secret(&f.ca_key, &ca_key)?;
        write_secret(&f.ca_cert, &ca_pem)?;
    }
    // The key first: a reload that sees the new certificate finds its key.
    write_secret(&f.key, &key)?;
    write_secret(&f.cert, &cert)?;
    Ok(if new_ca_made {
        Minted::CaAndServer
    } else {
        Minted::Server
    })
}

/// The DNS names the API server uses for a Service.
pub fn service_names(service: &str, namespace: &str) -> Vec<String> {
    vec![
        format!("{service}.{namespace}.svc"),
        format!("{service}.{namespace}.svc.cluster.local"),
        format!("{service}.{namespace}"),
        service.to_string(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mints_once_reuses_then_renews_when_names_change() {
        let dir = tempfile::tempdir().unwrap();
        let names = vec!["localhost".to_string(), "127.0.0.1".to_string()];
        let life = Lifetimes::default();
        assert_eq!(
            ensure(dir.path(), &names, &life).unwrap(),
            Minted::CaAndServer
        );
        let f = CertFiles::in_dir(dir.path());
        let first = std::fs::read(&f.cert).unwrap();
        let (left, have) = inspect(&first).unwrap();
        assert!(left > 89 * 24 * 3600, "{left}");
        assert_eq!(have, names);
        assert_eq!(ensure(dir.path(), &names, &life).unwrap(), Minted::Reused);
        assert_eq!(std::fs::read(&f.cert).unwrap(), first);
        let more = vec!["localhost".to_string(), "bulwark.x.svc".to_string()];
        assert_eq!(ensure(dir.path(), &more, &life).unwrap(), Minted::Server);
        assert_ne!(std::fs::read(&f.cert).unwrap(), first);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&f.key).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "key readable by others: {mode:o}");
        }
    }

    #[test]
    fn renews_a_certificate_close_to_expiry() {
        let dir = tempfile::tempdir().unwrap();
        let names = vec!["localhost".to_string()];
        // Server certificates of 10 days, renewed when under 30 days: every
        // call renews, the CA stays.
        let life = Lifetimes {
            server: Duration::from_secs(10 * 24 * 3600),
            ..Default::default()
        };
        assert_eq!(
            ensure(dir.path(), &names, &life).unwrap(),
            Minted::CaAndServer
        );
        let ca = std::fs::read(dir.path().join("ca.crt")).unwrap();
        assert_eq!(ensure(dir.path(), &names, &life).unwrap(), Minted::Server);
        assert_eq!(std::fs::read(dir.path().join("ca.crt")).unwrap(), ca);
    }
}
