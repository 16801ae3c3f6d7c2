//! Sets of closed integer intervals: port ranges and IPv4 address ranges
//! share one representation so union, intersection and difference are
//! written once.

/// A set of `u32` values kept as sorted, disjoint, non-adjacent closed
/// intervals.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IntervalSet(Vec<(u32, u32)>);

impl IntervalSet {
    pub fn empty() -> Self {
        Self(Vec::new())
    }

    /// `[lo, hi]`, or the empty set when `lo > hi`.
    pub fn range(lo: u32, hi: u32) -> Self {
        if lo > hi {
            Self::empty()
        } else {
            Self(vec![(lo, hi)])
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn intervals(&self) -> &[(u32, u32)] {
        &self.0
    }

    /// How many values the set holds (up to 2^32).
    pub fn count(&self) -> u64 {
        self.intervals()
            .iter()
            .map(|(a, b)| u64::from(*b) - u64::from(*a) + 1)
            .sum()
    }

    pub fn contains(&self, v: u32) -> bool {
        self.0.iter().any(|&(a, b)| a <= v && v <= b)
    }

    /// Whether every value of `[lo, hi]` is in the set.
    pub fn covers(&self, lo: u32, hi: u32) -> bool {
        self.0.iter().any(|&(a, b)| a <= lo && hi <= b)
    }

    pub fn union(&self, other: &Self) -> Self {
        let mut all: Vec<(u32, u32)> = self.0.iter().chain(other.0.iter()).copied().collect();
        all.sort_unstable();
        let mut out: Vec<(u32, u32)> = Vec::with_capacity(all.len());
        for (a, b) in all {
            match out.last_mut() {
                Some(last) if a <= last.1.saturating_add(1) => last.1 = last.1.max(b),
                _ => out.push((a, b)),
            }
        }
        Self(out)
    }

    pub fn intersect(&self, other: &Self) -> Self {
        let mut out = Vec::new();
        let (mut i, mut j) = (0, 0);
        while i < self.0.len() && j < other.0.len() {
            let (a1, b1) = self.0[i];
            let (a2, b2) = other.0[j];
            let lo = a1.max(a2);
            let hi = b1.min(b2);
            if lo <= hi {
                out.push((lo, hi));
            }
            if b1 < b2 {
                i += 1;
            } else {
                j += 1;
            }
        }
        Self(out)
    }

    pub fn subtract(&self, other: &Self) -> Self {
        let mut out = Vec::new();
        for &(a, b) in &self.0 {
            let mut lo = a;
            let mut done = false;
            for &(c, d) in &other.0 {
                if d < lo || c > b {
                    continue;
                }
                if c > lo {
                    out.push((lo, c - 1));
                }
                if d >= b {
                    done = true;
                    break;
                }
                lo = d + 1;
            }
            if !done {
                out.push((lo, b));
            }
        }
        Self(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_algebra() {
        let a = IntervalSet::range(1, 10).union(&IntervalSet::range(20, 30));
        let b = IntervalSet::range(5, 25);
        assert_eq!(a.intersect(&b).intervals(), &[(5, 10), (20, 25)]);
        assert_eq!(a.subtract(&b).intervals(), &[(1, 4), (26, 30)]);
        assert_eq!(a.union(&b).intervals(), &[(1, 30)]);
        assert_eq!(
            IntervalSet::range(1, 5)
                .union(&IntervalSet::range(6, 9))
                .intervals(),
            &[(1, 9)]
        );
        assert!(IntervalSet::range(3, 2).is_empty());
        let full = IntervalSet::range(0, u32::MAX);
        assert_eq!(
            full.subtract(&IntervalSet::range(0, 0)).intervals(),
            &[(1, u32::MAX)]
        );
        assert!(full.subtract(&full).is_empty());
    }
}
