//! Field paths inside an object, as users read them
//! (`spec.template.spec.containers[0].securityContext`).

use std::fmt;

use serde::{Serialize, Serializer};
use serde_json::Value;

/// One step of a [`FieldPath`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// A path to a field inside a Kubernetes object.
///
/// Kept structured (not a string) so it can be resolved against the object's
/// source spans and extended cheaply while a rule walks down.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldPath(pub Vec<Seg>);

impl FieldPath {
    pub fn root() -> Self {
        Self(Vec::new())
    }

    /// Parses a dotted path such as `spec.containers[0].image`; keys that
    /// contain dots are written `annotations["a.b/c"]`.
    pub fn parse(s: &str) -> Self {
        let mut segs = Vec::new();
        let mut rest = s;
        while !rest.is_empty() {
            if let Some(r) = rest.strip_prefix("[\"") {
                let end = r.find("\"]").unwrap_or(r.len());
                segs.push(Seg::Key(r[..end].to_string()));
                rest = r.get(end + 2..).unwrap_or("");
            } else if let Some(r) = rest.strip_prefix('[') {
                let end = r.find(']').unwrap_or(r.len());
                match r[..end].parse() {
                    Ok(i) => segs.push(Seg::Index(i)),
                    Err(_) => segs.push(Seg::Key(r[..end].to_string())),
                }
                rest = r.get(end + 1..).unwrap_or("");
            } else {
                let r = rest.strip_prefix('.').unwrap_or(rest);
                let end = r.find(['.', '[']).unwrap_or(r.len());
                if end > 0 {
                    segs.push(Seg::Key(r[..end].to_string()));
                }
                rest = &r[end..];
            }
        }
        Self(segs)
    }

    #[must_use]
    pub fn key(&self, k: impl Into<String>) -> Self {
        let mut p = self.clone();
        p.0.push(Seg::Key(k.into()));
        p
    }

    #[must_use]
    pub fn index(&self, i: usize) -> Self {
        let mut p = self.clone();
        p.0.push(Seg::Index(i));
        p
    }

    /// Appends a dotted relative path (`securityContext.privileged`).
    #[must_use]
    pub fn join(&self, rel: &str) -> Self {
        let mut p = self.clone();
        p.0.extend(Self::parse(rel).0);
        p
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// Looks the path up in a JSON value.
    pub fn get<'a>(&self, v: &'a Value) -> Option<&'a Value> {
        let mut cur = v;
        for s in &self.0 {
            cur = match s {
                Seg::Key(k) => cur.get(k.as_str())?,
                Seg::Index(i) => cur.get(*i)?,
            };
        }
        Some(cur)
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.0.iter().enumerate() {
            match s {
                Seg::Index(n) => write!(f, "[{n}]")?,
                Seg::Key(k) if k.contains(['.', '[', ']', '"']) || k.is_empty() => {
                    write!(f, "[\"{k}\"]")?
                }
                Seg::Key(k) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(k)?
                }
            }
        }
        Ok(())
    }
}

impl Serialize for FieldPath {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_and_parse_round_trip() {
        let p = FieldPath::root()
            .key("spec")
            .key("containers")
            .index(0)
            .key("securityContext");
        assert_eq!(p.to_string(), "spec.containers[0].securityContext");
        assert_eq!(FieldPath::parse(&p.to_string()), p);
        let a = FieldPath::parse("metadata.annotations")
            .key("container.apparmor.security.beta.kubernetes.io/app");
        let s = a.to_string();
        assert_eq!(
            s,
            "metadata.annotations[\"container.apparmor.security.beta.kubernetes.io/app\"]"
        );
        assert_eq!(FieldPath::parse(&s), a);
    }

    #[test]
    fn get_walks_objects_and_arrays() {
        let v: Value = serde_json::json!({"a": {"b": [1, {"c": true}]}});
        assert_eq!(
            FieldPath::parse("a.b[1].c").get(&v),
            Some(&Value::Bool(true))
        );
        assert_eq!(FieldPath::parse("a.b[5]").get(&v), None);
    }
}
