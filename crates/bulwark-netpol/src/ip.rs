//! IPv4 CIDRs as address intervals. IPv6 blocks are recognised and set
//! aside: the model reasons about the IPv4 address space only.

use std::net::{IpAddr, Ipv4Addr};

use crate::intervals::IntervalSet;

/// A parsed CIDR.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cidr {
    V4(IntervalSet),
    V6,
}

/// Parses `a.b.c.d/n` (or an IPv6 CIDR). Host bits may be set, as the API
/// server accepts them.
pub fn parse_cidr(s: &str) -> Result<Cidr, String> {
    let err = || format!("invalid CIDR address: {s}");
    let (addr, len) = s.trim().split_once('/').ok_or_else(err)?;
    let len: u32 = len.parse().map_err(|_| err())?;
    match addr.parse::<IpAddr>().map_err(|_| err())? {
        IpAddr::V4(a) => {
            if len > 32 {
                return Err(err());
            }
            let base = u32::from(a);
            let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
            let lo = base & mask;
            let hi = lo | !mask;
            Ok(Cidr::V4(IntervalSet::range(lo, hi)))
        }
        IpAddr::V6(_) => {
            if len > 128 {
                return Err(err());
            }
            Ok(Cidr::V6)
        }
    }
}

/// The whole IPv4 space.
pub fn all_v4() -> IntervalSet {
    IntervalSet::range(0, u32::MAX)
}

/// `a.b.c.d-e.f.g.h`, as connlist writes an external range.
pub fn range_text(lo: u32, hi: u32) -> String {
    format!("{}-{}", Ipv4Addr::from(lo), Ipv4Addr::from(hi))
}

/// Parses `a.b.c.d-e.f.g.h` back.
pub fn parse_range(s: &str) -> Option<(u32, u32)> {
    let (a, b) = s.split_once('-')?;
    Some((
        u32::from(a.parse::<Ipv4Addr>().ok()?),
        u32::from(b.parse::<Ipv4Addr>().ok()?),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidrs() {
        let Cidr::V4(s) = parse_cidr("10.0.0.0/8").unwrap() else {
            panic!()
        };
        assert_eq!(
            range_text(s.intervals()[0].0, s.intervals()[0].1),
            "10.0.0.0-10.255.255.255"
        );
        let Cidr::V4(all) = parse_cidr("0.0.0.0/0").unwrap() else {
            panic!()
        };
        assert_eq!(all, all_v4());
        assert_eq!(parse_cidr("2001:db8::/32").unwrap(), Cidr::V6);
        assert!(parse_cidr("10.0.0.0/33").is_err());
        assert!(parse_cidr("10.0.0/8").is_err());
        assert!(parse_cidr("10.0.0.0").is_err());
    }
}
