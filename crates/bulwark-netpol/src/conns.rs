//! Connection sets: which protocols and ports are allowed between two
//! peers, written the way np-guard's connlist writes them
//! (`All Connections`, `TCP 8080`, `TCP 10053-10054,UDP 10053`).

use std::fmt;

use serde::Serialize;

use crate::intervals::IntervalSet;

/// Transport protocols a NetworkPolicy port can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Protocol {
    #[serde(rename = "SCTP")]
    Sctp,
    #[serde(rename = "TCP")]
    Tcp,
    #[serde(rename = "UDP")]
    Udp,
}

impl Protocol {
    /// In output order (alphabetical, as the corpus writes them).
    pub const ALL: [Protocol; 3] = [Protocol::Sctp, Protocol::Tcp, Protocol::Udp];

    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_uppercase().as_str() {
            "TCP" => Some(Protocol::Tcp),
            "UDP" => Some(Protocol::Udp),
            "SCTP" => Some(Protocol::Sctp),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
            Protocol::Sctp => "SCTP",
        }
    }

    fn idx(self) -> usize {
        match self {
            Protocol::Sctp => 0,
            Protocol::Tcp => 1,
            Protocol::Udp => 2,
        }
    }
}

pub const MIN_PORT: u32 = 1;
pub const MAX_PORT: u32 = 65535;

/// A set of (protocol, port) pairs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnSet([IntervalSet; 3]);

impl ConnSet {
    pub fn none() -> Self {
        Self::default()
    }

    pub fn all() -> Self {
        let full = IntervalSet::range(MIN_PORT, MAX_PORT);
        Self([full.clone(), full.clone(), full])
    }

    /// Ports `lo..=hi` of one protocol.
    pub fn ports(proto: Protocol, lo: u32, hi: u32) -> Self {
        let mut s = Self::none();
        s.0[proto.idx()] = IntervalSet::range(lo.max(MIN_PORT), hi.min(MAX_PORT));
        s
    }

    pub fn of(&self, proto: Protocol) -> &IntervalSet {
        &self.0[proto.idx()]
    }

    pub fn is_empty(&self) -> bool {
        self.0.iter().all(IntervalSet::is_empty)
    }

    pub fn is_all(&self) -> bool {
        *self == Self::all()
    }

    pub fn allows(&self, proto: Protocol, port: u32) -> bool {
        self.0[proto.idx()].contains(port)
    }

    pub fn union(&self, o: &Self) -> Self {
        Self(std::array::from_fn(|i| self.0[i].union(&o.0[i])))
    }

    pub fn intersect(&self, o: &Self) -> Self {
        Self(std::array::from_fn(|i| self.0[i].intersect(&o.0[i])))
    }

    pub fn subtract(&self, o: &Self) -> Self {
        Self(std::array::from_fn(|i| self.0[i].subtract(&o.0[i])))
    }

    /// Parses the connlist form back (`All Connections`, `TCP 1-79,81-65535,UDP 53`).
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        if s == "All Connections" {
            return Some(Self::all());
        }
        if s == "No Connections" {
            return Some(Self::none());
        }
        let mut out = Self::none();
        let mut proto = None;
        for tok in s.split(',') {
            let tok = tok.trim();
            let range = match tok.split_once(' ') {
                Some((p, r)) => {
                    proto = Some(Protocol::parse(p)?);
                    r
                }
                None => tok,
            };
            let (lo, hi) = match range.split_once('-') {
                Some((a, b)) => (a.parse().ok()?, b.parse().ok()?),
                None => {
                    let v = range.parse().ok()?;
                    (v, v)
                }
            };
            out = out.union(&Self::ports(proto?, lo, hi));
        }
        Some(out)
    }
}

impl fmt::Display for ConnSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_all() {
            return f.write_str("All Connections");
        }
        if self.is_empty() {
            return f.write_str("No Connections");
        }
        let mut first = true;
        for p in Protocol::ALL {
            let set = self.of(p);
            if set.is_empty() {
                continue;
            }
            if !first {
                f.write_str(",")?;
            }
            first = false;
            write!(f, "{} ", p.as_str())?;
            for (i, (a, b)) in set.intervals().iter().enumerate() {
                if i > 0 {
                    f.write_str(",")?;
                }
                if a == b {
                    write!(f, "{a}")?;
                } else {
                    write!(f, "{a}-{b}")?;
                }
            }
        }
        Ok(())
    }
}

impl Serialize for ConnSet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_and_parse_round_trip() {
        for s in [
            "All Connections",
            "TCP 8080",
            "TCP 10053-10054,UDP 10053",
            "SCTP 1-9002,9004-65535,TCP 1-79,81-65535,UDP 1-52,54-65535",
        ] {
            assert_eq!(ConnSet::parse(s).unwrap().to_string(), s);
        }
        let all_tcp = ConnSet::ports(Protocol::Tcp, 1, 65535);
        assert_eq!(all_tcp.to_string(), "TCP 1-65535");
    }
}
