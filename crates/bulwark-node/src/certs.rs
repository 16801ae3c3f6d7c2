//! Certificates (PEM) under the PKI directory: expiry, RSA key size, SHA-1
//! signatures, and CA lifetimes. Parsing only; the collector read the files.

use x509_parser::pem::Pem;
use x509_parser::public_key::PublicKey;

/// What a check needs to know about one certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertInfo {
    pub subject: String,
    pub is_ca: bool,
    /// Unix seconds.
    pub not_before: i64,
    pub not_after: i64,
    /// Dotted OID of the signature algorithm.
    pub signature_oid: String,
    pub rsa_bits: Option<usize>,
}

/// Signature algorithms that hash with SHA-1 (RSA, ECDSA, DSA).
const SHA1_OIDS: &[&str] = &[
    "1.2.840.113549.1.1.5",
    "1.2.840.10045.4.1",
    "1.2.840.10040.4.3",
    "1.3.14.3.2.29",
];

impl CertInfo {
    pub fn sha1(&self) -> bool {
        SHA1_OIDS.contains(&self.signature_oid.as_str())
    }
}

/// Every certificate in a PEM text (other blocks, such as keys, are skipped).
pub fn parse_pem(text: &str) -> Result<Vec<CertInfo>, String> {
    let mut out = Vec::new();
    for pem in Pem::iter_from_buffer(text.as_bytes()) {
        let pem = pem.map_err(|e| format!("bad PEM: {e}"))?;
        if pem.label != "CERTIFICATE" {
            continue;
        }
        let cert = pem
            .parse_x509()
            .map_err(|e| format!("bad certificate: {e}"))?;
        let rsa_bits = match cert.public_key().parsed() {
            Ok(PublicKey::RSA(k)) => Some(k.key_size()),
            _ => None,
        };
        out.push(CertInfo {
            subject: cert.subject().to_string(),
            is_ca: cert.is_ca(),
            not_before: cert.validity().not_before.timestamp(),
            not_after: cert.validity().not_after.timestamp(),
            signature_oid: cert.signature_algorithm.algorithm.to_id_string(),
            rsa_bits,
        });
    }
    Ok(out)
}

const DAY: i64 = 86_400;
/// Certificates expiring within this window are reported.
pub const EXPIRY_WARNING_DAYS: i64 = 30;
/// Ten years (with leap days) and one day of slack: kubeadm's CA lifetime
/// is exactly ten years.
pub const MAX_CA_DAYS: i64 = 3653 + 1;

/// The four certificate checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertCheck {
    Expiry,
    RsaKeySize,
    Sha1Signature,
    CaValidity,
}

/// Problems of one certificate at time `now` (Unix seconds):
/// `(check, is_failure, message)`; expiring soon is not a failure yet.
pub fn problems(c: &CertInfo, now: i64) -> Vec<(CertCheck, bool, String)> {
    let mut out = Vec::new();
    let who = &c.subject;
    if c.not_after < now {
        out.push((
            CertCheck::Expiry,
            true,
            format!("{who}: expired {} days ago", (now - c.not_after) / DAY),
        ));
    } else if c.not_after < now + EXPIRY_WARNING_DAYS * DAY {
        out.push((
            CertCheck::Expiry,
            false,
            format!("{who}: expires in {} days", (c.not_after - now) / DAY),
        ));
    }
    if let Some(bits) = c.rsa_bits.filter(|b| *b < 2048) {
        out.push((
            CertCheck::RsaKeySize,
            true,
            format!("{who}: RSA key of {bits} bits"),
        ));
    }
    if c.sha1() {
        out.push((
            CertCheck::Sha1Signature,
            true,
            format!("{who}: signed with SHA-1 ({})", c.signature_oid),
        ));
    }
    let days = (c.not_after - c.not_before) / DAY;
    if c.is_ca && days > MAX_CA_DAYS {
        out.push((
            CertCheck::CaValidity,
            true,
            format!("{who}: CA valid for {days} days (over 10 years)"),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(nb: i64, na: i64) -> CertInfo {
        CertInfo {
            subject: "CN=x".into(),
            is_ca: true,
            not_before: nb,
            not_after: na,
            signature_oid: "1.2.840.10045.4.3.2".into(),
            rsa_bits: None,
        }
    }

    #[test]
    fn expiry_windows_and_ca_lifetime() {
        let now = 1_800_000_000;
        assert!(problems(&info(now - DAY, now + 365 * DAY), now).is_empty());
        let p = problems(&info(now - DAY, now + 10 * DAY), now);
        assert_eq!(
            p,
            vec![(CertCheck::Expiry, false, "CN=x: expires in 10 days".into())]
        );
        let p = problems(&info(now - 400 * DAY, now - 2 * DAY), now);
        assert_eq!(p[0].0, CertCheck::Expiry);
        assert!(p[0].1);
        let p = problems(&info(now, now + 3653 * DAY), now);
        assert!(p.is_empty(), "kubeadm's ten-year CA is fine: {p:?}");
        let p = problems(&info(now, now + 30 * 365 * DAY), now);
        assert_eq!(p[0].0, CertCheck::CaValidity);
    }
}
