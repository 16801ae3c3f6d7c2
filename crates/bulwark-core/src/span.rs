//! Source positions of every node of an object, so a finding can point at
//! the exact line of the offending field.

use serde::Serialize;

use crate::path::{FieldPath, Seg};

/// A 1-based line and column in a source file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

/// Where a finding points: a file and, when known, a position in it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Location {
    pub file: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
}

/// A tree of positions parallel to an object's JSON value.
///
/// For a mapping entry the position is that of its key (the line a user
/// would look at); for a sequence item, the item's start.
#[derive(Clone, Debug, Default)]
pub struct Spans {
    pub pos: Pos,
    pub children: SpanChildren,
}

#[derive(Clone, Debug, Default)]
pub enum SpanChildren {
    #[default]
    Leaf,
    Map(Vec<(Box<str>, Spans)>),
    Seq(Vec<Spans>),
}

impl Spans {
    pub fn leaf(pos: Pos) -> Self {
        Self {
            pos,
            children: SpanChildren::Leaf,
        }
    }

    /// The child span for one path step, if that node exists.
    pub fn child(&self, seg: &Seg) -> Option<&Spans> {
        match (&self.children, seg) {
            (SpanChildren::Map(m), Seg::Key(k)) => {
                m.iter().rev().find(|(mk, _)| &**mk == k).map(|(_, s)| s)
            }
            (SpanChildren::Seq(v), Seg::Index(i)) => v.get(*i),
            _ => None,
        }
    }

    /// Position of the node at `path`, or of its nearest existing ancestor
    /// when the field is missing (that is where the fix goes).
    pub fn locate(&self, path: &FieldPath) -> Pos {
        let mut cur = self;
        for seg in &path.0 {
            match cur.child(seg) {
                Some(c) => cur = c,
                None => break,
            }
        }
        cur.pos
    }

    /// Moves out the subtree at `seg` (used to split `kind: List` items).
    pub fn take_child(&mut self, seg: &Seg) -> Option<Spans> {
        match (&mut self.children, seg) {
            (SpanChildren::Map(m), Seg::Key(k)) => m
                .iter_mut()
                .rev()
                .find(|(mk, _)| &**mk == k)
                .map(|(_, s)| std::mem::take(s)),
            (SpanChildren::Seq(v), Seg::Index(i)) => v.get_mut(*i).map(std::mem::take),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locate_falls_back_to_nearest_parent() {
        let p = |line| Pos { line, column: 1 };
        let spans = Spans {
            pos: p(1),
            children: SpanChildren::Map(vec![(
                "spec".into(),
                Spans {
                    pos: p(5),
                    children: SpanChildren::Map(vec![(
                        "containers".into(),
                        Spans {
                            pos: p(6),
                            children: SpanChildren::Seq(vec![Spans::leaf(p(7))]),
                        },
                    )]),
                },
            )]),
        };
        assert_eq!(
            spans.locate(&FieldPath::parse("spec.containers[0]")).line,
            7
        );
        assert_eq!(
            spans
                .locate(&FieldPath::parse("spec.containers[0].securityContext"))
                .line,
            7
        );
        assert_eq!(spans.locate(&FieldPath::parse("spec.volumes")).line, 5);
        assert_eq!(spans.locate(&FieldPath::parse("status")).line, 1);
    }
}
