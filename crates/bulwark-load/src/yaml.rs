//! YAML text to JSON values with a span for every node, as Kubernetes reads
//! it: YAML 1.1 scalars, `<<` merge keys, per-document anchors.
//!
//! Built on the saphyr event parser so that hostile input is bounded here:
//! nesting depth, alias expansion and document count all have budgets, and
//! no recursion depends on the input.

use std::collections::HashMap;

use bulwark_core::span::{Pos, SpanChildren, Spans};
use saphyr_parser::{Event, Parser, ScalarStyle, Span};
use serde_json::{Map, Value};

use crate::scalar::{key_string, resolve_plain, resolve_tagged};

/// Limits that keep memory and stack bounded on hostile input.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    /// Deepest nesting of mappings and sequences.
    pub max_depth: usize,
    /// Nodes that alias expansion may produce in one file (billion laughs).
    pub max_alias_nodes: usize,
}

impl Default for Budget {
    fn default() -> Self {
        Self {
            max_depth: 256,
            max_alias_nodes: 1_000_000,
        }
    }
}

/// A parsed document: its value, the spans of its nodes and its position.
#[derive(Debug)]
pub struct Document {
    pub value: Value,
    pub spans: Spans,
}

/// A YAML syntax or budget error, with a 1-based position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub line: u32,
    pub column: u32,
    pub message: String,
}

/// Every document of a stream up to the first error, and that error.
///
/// Documents before a syntax error are kept: one bad document does not hide
/// the good ones above it.
pub fn parse_stream(text: &str, budget: Budget) -> (Vec<Document>, Option<YamlError>) {
    let mut b = Builder::new(budget);
    let mut parser = Parser::new_from_str(text);
    while let Some(ev) = parser.next_event() {
        match ev {
            Ok((ev, span)) => {
                if let Err(e) = b.on_event(ev, span) {
                    return (b.docs, Some(e));
                }
            }
            Err(e) => {
                let m = e.marker();
                return (
                    b.docs,
                    Some(YamlError {
                        line: m.line() as u32,
                        column: m.col() as u32 + 1,
                        message: e.info().to_string(),
                    }),
                );
            }
        }
    }
    (b.docs, None)
}

fn pos(span: &Span) -> Pos {
    Pos {
        line: span.start.line() as u32,
        column: span.start.col() as u32 + 1,
    }
}

/// A node under construction.
enum Frame {
    Map {
        map: Map<String, Value>,
        spans: Vec<(Box<str>, Spans)>,
        /// Mappings merged in through `<<`, in priority order.
        merges: Vec<(Value, Spans)>,
        /// The key read and waiting for its value.
        key: Option<(String, Pos, bool)>,
        pos: Pos,
        anchor: usize,
        nodes: usize,
    },
    Seq {
        items: Vec<Value>,
        spans: Vec<Spans>,
        pos: Pos,
        anchor: usize,
        nodes: usize,
    },
}

struct Builder {
    budget: Budget,
    stack: Vec<Frame>,
    anchors: HashMap<usize, (Value, Spans, usize)>,
    alias_nodes: usize,
    docs: Vec<Document>,
}

impl Builder {
    fn new(budget: Budget) -> Self {
        Self {
            budget,
            stack: Vec::new(),
            anchors: HashMap::new(),
            alias_nodes: 0,
            docs: Vec::new(),
        }
    }

    fn err(span: &Span, message: impl Into<String>) -> YamlError {
        let p = pos(span);
        YamlError {
            line: p.line,
            column: p.column,
            message: message.into(),
        }
    }

    fn on_event(&mut self, ev: Event<'_>, span: Span) -> Result<(), YamlError> {
        match ev {
            Event::DocumentStart(_) => {
                self.anchors.clear();
                self.stack.clear();
            }
            Event::Scalar(text, style, anchor, tag) => {
                let value = match &tag {
                    Some(t) if t.handle == "tag:yaml.org,2002:" || t.handle == "!!" => {
                        resolve_tagged(&t.suffix, &text).ok_or_else(|| {
                            Self::err(&span, format!("cannot read {text:?} as !!{}", t.suffix))
                        })?
                    }
                    Some(_) => Value::String(text.to_string()),
                    None if style == ScalarStyle::Plain => resolve_plain(&text),
                    None => Value::String(text.to_string()),
                };
                let is_merge_key = style == ScalarStyle::Plain && tag.is_none() && text == "<<";
                self.push_value(
                    value,
                    Spans::leaf(pos(&span)),
                    anchor,
                    1,
                    is_merge_key,
                    &span,
                )?;
            }
            Event::MappingStart(anchor, _) => {
                self.check_depth(&span)?;
                self.stack.push(Frame::Map {
                    map: Map::new(),
                    spans: Vec::new(),
                    merges: Vec::new(),
                    key: None,
                    pos: pos(&span),
                    anchor,
                    nodes: 1,
                });
            }
            Event::SequenceStart(anchor, _) => {
                self.check_depth(&span)?;
                self.stack.push(Frame::Seq {
                    items: Vec::new(),
                    spans: Vec::new(),
                    pos: pos(&span),
                    anchor,
                    nodes: 1,
                });
            }
            Event::MappingEnd => {
                if let Some(Frame::Map {
                    mut map,
                    mut spans,
                    merges,
                    pos,
                    anchor,
                    nodes,
                    ..
                }) = self.stack.pop()
                {
                    apply_merges(&mut map, &mut spans, merges);
                    let s = Spans {
                        pos,
                        children: SpanChildren::Map(spans),
                    };
                    self.push_value(Value::Object(map), s, anchor, nodes, false, &span)?;
                }
            }
            Event::SequenceEnd => {
                if let Some(Frame::Seq {
                    items,
                    spans,
                    pos,
                    anchor,
                    nodes,
                }) = self.stack.pop()
                {
                    let s = Spans {
                        pos,
                        children: SpanChildren::Seq(spans),
                    };
                    self.push_value(Value::Array(items), s, anchor, nodes, false, &span)?;
                }
            }
            Event::Alias(id) => {
                let (v, s, n) = self
                    .anchors
                    .get(&id)
                    .cloned()
                    .ok_or_else(|| Self::err(&span, "alias to an unknown anchor"))?;
                self.alias_nodes += n;
                if self.alias_nodes > self.budget.max_alias_nodes {
                    return Err(Self::err(
                        &span,
                        format!(
                            "aliases expand to more than {} nodes (a YAML \"billion laughs\" bomb?)",
                            self.budget.max_alias_nodes
                        ),
                    ));
                }
                // The alias is used where it stands: point at the alias, not the anchor.
                let s = Spans {
                    pos: pos(&span),
                    children: s.children,
                };
                self.push_value(v, s, 0, n, false, &span)?;
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
        }
        Ok(())
    }

    fn check_depth(&self, span: &Span) -> Result<(), YamlError> {
        if self.stack.len() >= self.budget.max_depth {
            return Err(Self::err(
                span,
                format!("nesting deeper than {} levels", self.budget.max_depth),
            ));
        }
        Ok(())
    }

    /// Places a finished node into its parent (or closes the document).
    fn push_value(
        &mut self,
        value: Value,
        spans: Spans,
        anchor: usize,
        nodes: usize,
        is_merge_key: bool,
        span: &Span,
    ) -> Result<(), YamlError> {
        if anchor != 0 {
            self.anchors
                .insert(anchor, (value.clone(), spans.clone(), nodes));
        }
        match self.stack.last_mut() {
            None => self.docs.push(Document { value, spans }),
            Some(Frame::Seq {
                items,
                spans: ss,
                nodes: n,
                ..
            }) => {
                items.push(value);
                ss.push(spans);
                *n += nodes;
            }
            Some(Frame::Map {
                map,
                spans: ms,
                merges,
                key,
                nodes: n,
                ..
            }) => {
                *n += nodes;
                match key.take() {
                    None => {
                        if !matches!(value, Value::Object(_) | Value::Array(_)) || is_merge_key {
                            *key = Some((key_string(&value), spans.pos, is_merge_key));
                        } else {
                            return Err(Self::err(
                                span,
                                "complex mapping keys are not supported by Kubernetes",
                            ));
                        }
                    }
                    Some((_, _, true)) => match value {
                        Value::Object(_) => merges.push((value, spans)),
                        Value::Array(items) => {
                            let subspans = match spans.children {
                                SpanChildren::Seq(s) => s,
                                _ => Vec::new(),
                            };
                            let mut sub = subspans.into_iter();
                            for item in items {
                                let s = sub.next().unwrap_or_default();
                                if !item.is_object() {
                                    return Err(Self::err(span, "merge key `<<` needs mappings"));
                                }
                                merges.push((item, s));
                            }
                        }
                        _ => return Err(Self::err(span, "merge key `<<` needs a mapping")),
                    },
                    Some((k, kpos, false)) => {
                        let child = Spans {
                            pos: kpos,
                            children: spans.children,
                        };
                        ms.push((k.as_str().into(), child));
                        map.insert(k, value);
                    }
                }
            }
        }
        Ok(())
    }
}

/// `<<` semantics: keys written in the mapping win; among merged mappings,
/// the first listed wins.
fn apply_merges(
    map: &mut Map<String, Value>,
    spans: &mut Vec<(Box<str>, Spans)>,
    merges: Vec<(Value, Spans)>,
) {
    for (value, mspans) in merges {
        let Value::Object(m) = value else { continue };
        let mut children = match mspans.children {
            SpanChildren::Map(c) => c,
            _ => Vec::new(),
        };
        for (k, v) in m {
            if map.contains_key(&k) {
                continue;
            }
            let s = children
                .iter_mut()
                .rev()
                .find(|(ck, _)| **ck == *k)
                .map(|(_, s)| std::mem::take(s))
                .unwrap_or_default();
            spans.push((k.as_str().into(), s));
            map.insert(k, v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bulwark_core::FieldPath;
    use serde_json::json;

    fn one(text: &str) -> Document {
        let (mut docs, err) = parse_stream(text, Budget::default());
        assert!(err.is_none(), "{err:?}");
        docs.remove(0)
    }

    #[test]
    fn kubernetes_scalars_and_positions() {
        let d = one("a:\n  b: yes\n  mode: 0644\n  q: \"yes\"\n  list:\n  - x\n  - 12\n");
        assert_eq!(
            d.value,
            json!({"a": {"b": true, "mode": 420, "q": "yes", "list": ["x", 12]}})
        );
        let p = d.spans.locate(&FieldPath::parse("a.mode"));
        assert_eq!((p.line, p.column), (3, 3));
        let p = d.spans.locate(&FieldPath::parse("a.list[1]"));
        assert_eq!((p.line, p.column), (7, 5));
    }

    #[test]
    fn merge_keys_and_anchors() {
        let d = one("base: &b {x: 1, z: 2}\nother:\n  <<: *b\n  z: 3\n");
        assert_eq!(d.value["other"], json!({"x": 1, "z": 3}));
    }

    #[test]
    fn multi_document_and_error_keeps_earlier_docs() {
        let (docs, err) = parse_stream("a: 1\n---\nb: 2\n---\nc: [\n", Budget::default());
        assert_eq!(docs.len(), 2);
        let e = err.expect("syntax error");
        assert!(e.line >= 5, "{e:?}");
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let text = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let (_, err) = parse_stream(&text, Budget::default());
        let e = err.expect("depth error");
        assert!(
            e.message.contains("nesting") || e.message.contains("recursion"),
            "{e:?}"
        );
    }

    #[test]
    fn billion_laughs_is_bounded() {
        let mut t = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            t.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let (_, err) = parse_stream(&t, Budget::default());
        assert!(err.expect("alias bomb").message.contains("billion"));
    }
}
