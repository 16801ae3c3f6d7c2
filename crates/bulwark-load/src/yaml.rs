//! YAML text to JSON values with a span for every node, as Kubernetes reads
//! it: YAML 1.1 scalars, `<<` merge keys, per-document anchors.
//!
//! Built on the saphyr event parser so that hostile input is bounded here:
//! nesting depth and alias expansion have budgets, and no recursion depends
//! on the input (so neither building nor dropping a value can overflow the
//! stack).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use bulwark_core::span::{Pos, SpanChildren, Spans};
use saphyr_parser::{Event, Parser, ScalarStyle, Span};
use serde_json::{Map, Value};

use crate::lenient;
use crate::scalar::{Scalar, resolve, resolve_tagged};

/// Limits that keep memory and stack bounded on hostile input.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    /// Deepest nesting of mappings and sequences.
    pub max_depth: usize,
    /// Nodes that alias expansion may produce in one file (billion laughs).
    pub max_alias_nodes: usize,
    /// Scalar bytes that alias expansion may copy in one file (one long
    /// string aliased many times).
    pub max_alias_bytes: usize,
}

impl Default for Budget {
    fn default() -> Self {
        Self {
            max_depth: 256,
            max_alias_nodes: 1_000_000,
            max_alias_bytes: 64 * 1024 * 1024,
        }
    }
}

/// A parsed document: its value, the spans of its nodes and its index.
#[derive(Debug)]
pub struct Document {
    /// 0-based position of the document in the stream (a document that
    /// failed to parse keeps its number).
    pub index: usize,
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

/// Every document of a stream up to the first error, and that error (for
/// files that must be read whole, such as a config file).
pub fn parse_stream(text: &str, budget: Budget) -> (Vec<Document>, Option<YamlError>) {
    let alias = AliasUse::default();
    let mut docs = Vec::new();
    let err = Builder::new(budget, &alias, 0).run(text, &mut |d| docs.push(d));
    (docs, err)
}

/// A file stops being read after this many errors.
pub const MAX_ERRORS: usize = 100;

/// Every non-empty document of a stream, and the errors met on the way.
///
/// After an error the parser resumes at the next `---` line (a document
/// marker at column 0 can never be content), so one bad document neither
/// hides the good ones above it nor those below it.
pub fn parse_all(text: &str, budget: Budget) -> (Vec<Document>, Vec<YamlError>) {
    let mut docs = Vec::new();
    let errors = parse_each(text, budget, |d| docs.push(d));
    (docs, errors)
}

/// [`parse_all`], handing each document over as soon as it is complete so
/// that a caller keeping only some of them (Kubernetes objects) holds no
/// more memory than those need. Empty documents are not handed over.
pub fn parse_each(text: &str, budget: Budget, on_doc: impl FnMut(Document)) -> Vec<YamlError> {
    let piece = parse_piece(text, budget, &AliasUse::default(), 0, on_doc);
    let mut errors = piece.errors;
    if piece.truncated
        && let Some(last) = errors.last()
    {
        let at = Pos {
            line: last.line,
            column: last.column,
        };
        errors.push(too_many_errors(at));
    }
    errors
}

/// The error that ends a file with too many.
pub fn too_many_errors(at: Pos) -> YamlError {
    err_at(
        at,
        format!("more than {MAX_ERRORS} errors: the rest of the file is not read"),
    )
}

/// What parsing one piece of a stream gave besides its documents.
#[derive(Debug, Default)]
pub struct PieceEnd {
    pub errors: Vec<YamlError>,
    /// Documents met, empty and failed ones included: the number the next
    /// piece's first document continues from.
    pub documents: usize,
    /// Whether parsing stopped at [`MAX_ERRORS`].
    pub truncated: bool,
    /// Non-empty documents not parsed after [`MAX_ERRORS`].
    pub unparsed: usize,
}

/// Whether a document's text holds anything but blank lines, comments and
/// markers (an unparsed document is counted only if it does).
fn has_content(text: &str) -> bool {
    text.lines().any(|l| {
        let t = l.trim();
        !(t.is_empty() || t.starts_with('#') || t == "---" || t == "...")
    })
}

/// Parses `text`, a piece of a stream that starts at 0-based line `line0`
/// and at a document boundary (see [`split_points`]); document indices
/// start at 0 in the piece. `alias` is shared by every piece of a file, so
/// the alias budget holds for the whole file.
///
/// Each `---` line starts a document that is parsed on its own, as kubectl
/// splits a stream at those lines before decoding: an error ends only its
/// document, and a parser that would read past a `---` inside a broken
/// flow collection cannot swallow the documents after it.
pub fn parse_piece(
    text: &str,
    budget: Budget,
    alias: &AliasUse,
    line0: u32,
    mut on_doc: impl FnMut(Document),
) -> PieceEnd {
    let mut end = PieceEnd::default();
    let mut next_index = 0usize;
    let mut stop = false;
    let mut parse = |start: usize, stop_at: usize, first_line: u32| {
        if stop {
            if has_content(&text[start..stop_at]) {
                end.unparsed += 1;
            }
            return;
        }
        let lines = line0 + first_line;
        let (docs, err, index) = parse_document(&text[start..stop_at], budget, alias, next_index);
        next_index = index;
        for mut d in docs {
            if !d.value.is_null() {
                shift_lines(&mut d.spans, lines);
                on_doc(d);
            }
        }
        if let Some(mut e) = err {
            // The failed document keeps its number.
            next_index += 1;
            e.line += lines;
            // After the alias budget is spent the later documents are still
            // read: those without aliases are kept, each that aliases is an
            // error of its own (nothing after a bomb vanishes uncounted).
            end.errors.push(e);
            if end.errors.len() >= MAX_ERRORS {
                end.truncated = true;
                stop = true;
            }
        }
    };
    let mut prev = (0usize, 0u32);
    for_each_document_start(text, |offset, line| {
        if offset > 0 {
            parse(prev.0, offset, prev.1);
        }
        prev = (offset, line);
        true
    });
    parse(prev.0, text.len(), prev.1);
    end.documents = next_index;
    end
}

/// Repairs of one document before its error is final (each fixes one
/// spot; see [`lenient`]).
const MAX_REPAIRS: usize = 64;

/// Parses the text between two document starts: its documents, its error,
/// and the index the next document continues from. Where go-yaml accepts
/// what saphyr refuses (a quoted scalar continued on less-indented lines),
/// the text is repaired without changing any value and read again
/// ([`lenient`]);
/// positions are those of the original text.
fn parse_document(
    text: &str,
    budget: Budget,
    alias: &AliasUse,
    index: usize,
) -> (Vec<Document>, Option<YamlError>, usize) {
    let mut repaired: Option<String> = None;
    let mut edits: Vec<lenient::Edit> = Vec::new();
    let mut attempt = 0;
    loop {
        attempt += 1;
        let src = repaired.as_deref().unwrap_or(text);
        let mut b = Builder::new(budget, alias, index);
        let mut docs = Vec::new();
        let mut err = b.run(src, &mut |d| docs.push(d));
        if let Some(e) = &err
            && attempt <= MAX_REPAIRS
            && let Some((fixed, more)) = lenient::repair(src, &e.message, e.line, e.column)
        {
            b.refund();
            edits.extend(more);
            repaired = Some(fixed);
            continue;
        }
        if !edits.is_empty() {
            for d in &mut docs {
                lenient::restore(&mut d.spans, &edits);
            }
            if let Some(e) = &mut err {
                e.column = lenient::restore_column(e.line, e.column, &edits);
            }
        }
        return (docs, err, b.next_index);
    }
}

/// Calls `f(offset, line)` for every line that starts a document: a `---`
/// line (a document marker at column 0 ends whatever came before it),
/// or a `%YAML`/`%TAG` directive line before one (the `---` it waits for
/// then stays with it). Lines are 0-based. `f` returns false to stop.
fn for_each_document_start(text: &str, mut f: impl FnMut(usize, u32) -> bool) {
    let mut offset = 0usize;
    // A directive holds until its `---`, across blank and comment lines.
    let mut directive_pending = false;
    for (line, l) in (0u32..).zip(text.split_inclusive('\n')) {
        let marker = is_document_marker(l);
        if marker && !directive_pending && !f(offset, line) {
            return;
        }
        let t = l.trim_start();
        if l.starts_with("%YAML ") || l.starts_with("%TAG ") {
            // The directive starts the document: cut before it.
            if !directive_pending && offset > 0 && !f(offset, line) {
                return;
            }
            directive_pending = true;
        } else if marker || !(t.is_empty() || t.starts_with('#')) {
            directive_pending = false;
        }
        offset += l.len();
    }
}

/// Where to cut a stream into pieces of about `target` bytes that can be
/// parsed on their own, at document starts. Returns each piece's byte
/// offset and 0-based first line; the first is `(0, 0)`.
pub fn split_points(text: &str, target: usize) -> Vec<(usize, u32)> {
    let mut points = vec![(0usize, 0u32)];
    if text.len() < target.saturating_mul(2) {
        return points;
    }
    let mut next_at = target;
    for_each_document_start(text, |offset, line| {
        if offset >= next_at {
            points.push((offset, line));
            next_at = offset.saturating_add(target);
        }
        true
    });
    points
}

fn is_document_marker(line: &str) -> bool {
    line.strip_prefix("---")
        .is_some_and(|r| r.is_empty() || r.starts_with([' ', '\t', '\r', '\n']))
}

/// Moves every position down by `lines` (for a stream parsed in chunks).
/// Iterative: a span tree is as deep as the depth budget allows, no more,
/// but nothing here should depend on that.
fn shift_lines(spans: &mut Spans, lines: u32) {
    if lines == 0 {
        return;
    }
    let mut todo = vec![spans];
    while let Some(s) = todo.pop() {
        s.pos.line += lines;
        match &mut s.children {
            SpanChildren::Leaf => {}
            SpanChildren::Map(m) => todo.extend(m.iter_mut().map(|(_, c)| c)),
            SpanChildren::Seq(v) => todo.extend(v.iter_mut()),
        }
    }
}

fn pos(span: &Span) -> Pos {
    Pos {
        line: span.start.line() as u32,
        column: span.start.col() as u32 + 1,
    }
}

/// Size of a node, for the alias budget.
#[derive(Clone, Copy, Debug, Default)]
struct Size {
    nodes: usize,
    bytes: usize,
}

impl std::ops::AddAssign for Size {
    fn add_assign(&mut self, o: Size) {
        self.nodes += o.nodes;
        self.bytes += o.bytes;
    }
}

/// What alias expansion has cost so far in one file (shared by the pieces
/// of a file parsed in parallel).
#[derive(Debug, Default)]
pub struct AliasUse {
    nodes: AtomicUsize,
    bytes: AtomicUsize,
}

impl AliasUse {
    /// Whether what was spent so far is more than `budget` allows: pieces
    /// parsed with budgets of their own are then parsed again in order with
    /// one, so which documents a spent budget stops does not depend on
    /// thread timing.
    pub fn over(&self, budget: &Budget) -> bool {
        self.nodes.load(Ordering::Relaxed) > budget.max_alias_nodes
            || self.bytes.load(Ordering::Relaxed) > budget.max_alias_bytes
    }

    /// Adds what `other` spent.
    pub fn add(&self, other: &AliasUse) {
        self.nodes
            .fetch_add(other.nodes.load(Ordering::Relaxed), Ordering::Relaxed);
        self.bytes
            .fetch_add(other.bytes.load(Ordering::Relaxed), Ordering::Relaxed);
    }
}

/// The pending key of a mapping.
enum Key {
    Name(String, Pos),
    /// `<<`: the value is merged into the mapping.
    Merge,
}

/// A node under construction.
enum Frame {
    Map {
        map: Map<String, Value>,
        spans: Vec<(Box<str>, Spans)>,
        key: Option<Key>,
        pos: Pos,
        anchor: usize,
        size: Size,
    },
    Seq {
        items: Vec<Value>,
        spans: Vec<Spans>,
        pos: Pos,
        anchor: usize,
        size: Size,
    },
}

struct Anchored {
    value: Value,
    spans: Spans,
    size: Size,
}

struct Builder<'a> {
    budget: Budget,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Anchored>,
    alias: &'a AliasUse,
    docs: Vec<Document>,
    next_index: usize,
    /// Whether the text holds a `*` at all: without one there is no alias,
    /// so anchored nodes need not be copied for later use.
    aliases_possible: bool,
    /// What this builder charged to the shared alias budget.
    charged: Size,
    /// The text's length in characters when it ends without a line break
    /// (a block scalar ending there has no break to keep).
    unterminated_len: Option<usize>,
    /// What anchored nodes kept for aliases have copied in this document:
    /// nested anchors copy a subtree once per level, so it has the alias
    /// budget too.
    copied: Size,
}

fn err_at(p: Pos, message: impl Into<String>) -> YamlError {
    YamlError {
        line: p.line,
        column: p.column,
        message: message.into(),
    }
}

const MERGE_NEEDS_MAP: &str = "map merge requires map or sequence of maps as the value";

impl<'a> Builder<'a> {
    fn new(budget: Budget, alias: &'a AliasUse, next_index: usize) -> Self {
        Self {
            budget,
            stack: Vec::new(),
            anchors: HashMap::new(),
            alias,
            docs: Vec::new(),
            next_index,
            aliases_possible: true,
            charged: Size::default(),
            unterminated_len: None,
            copied: Size::default(),
        }
    }

    /// Gives back what this builder charged to the alias budget, for a
    /// document that is read again.
    fn refund(&self) {
        self.alias
            .nodes
            .fetch_sub(self.charged.nodes, Ordering::Relaxed);
        self.alias
            .bytes
            .fetch_sub(self.charged.bytes, Ordering::Relaxed);
    }

    /// Feeds every event of `text`, handing over each finished document;
    /// stops at the first error.
    fn run(&mut self, text: &str, on_doc: &mut dyn FnMut(Document)) -> Option<YamlError> {
        self.aliases_possible = text.contains('*');
        self.unterminated_len =
            (!text.is_empty() && !text.ends_with('\n')).then(|| text.chars().count());
        let mut parser = Parser::new_from_str(text);
        while let Some(ev) = parser.next_event() {
            let res = match ev {
                Ok((ev, span)) => self.on_event(ev, span),
                Err(e) => {
                    let m = e.marker();
                    Err(YamlError {
                        line: m.line() as u32,
                        column: m.col() as u32 + 1,
                        message: e.info().to_string(),
                    })
                }
            };
            for d in self.docs.drain(..) {
                on_doc(d);
            }
            if let Err(e) = res {
                return Some(e);
            }
        }
        None
    }

    /// Whether the next node is the key of the innermost mapping.
    fn wants_key(&self) -> bool {
        matches!(self.stack.last(), Some(Frame::Map { key: None, .. }))
    }

    fn on_event(&mut self, ev: Event<'_>, span: Span) -> Result<(), YamlError> {
        match ev {
            Event::DocumentStart(_) => {
                self.anchors.clear();
                self.stack.clear();
                self.copied = Size::default();
            }
            Event::Scalar(mut text, style, anchor, tag) => {
                let p = pos(&span);
                // libyaml (so go-yaml) chomps the final line break it never
                // read; saphyr adds one to a block scalar that ends the text.
                if matches!(style, ScalarStyle::Literal | ScalarStyle::Folded)
                    && self.unterminated_len == Some(span.end.index())
                    && text.ends_with('\n')
                {
                    text.to_mut().pop();
                }
                let scalar = match &tag {
                    Some(t) if t.handle == "tag:yaml.org,2002:" || t.handle == "!!" => {
                        resolve_tagged(&t.suffix, &text).ok_or_else(|| {
                            // The text may be a secret (a `!!binary` password):
                            // never echoed whole.
                            err_at(
                                p,
                                format!(
                                    "cannot decode {} as a !!{}",
                                    bulwark_core::redact::redact(&text),
                                    t.suffix.chars().take(40).collect::<String>()
                                ),
                            )
                        })?
                    }
                    Some(_) => Scalar::Str,
                    None if style == ScalarStyle::Plain => resolve(&text),
                    None => Scalar::Str,
                };
                let size = Size {
                    nodes: 1,
                    bytes: text.len(),
                };
                if self.wants_key() {
                    let key = if style == ScalarStyle::Plain && tag.is_none() && text == "<<" {
                        Key::Merge
                    } else {
                        if anchor != 0 && self.aliases_possible {
                            // An anchored key can be aliased as a value later.
                            let value = scalar.clone().into_value(text.clone());
                            self.remember(anchor, &value, &Spans::leaf(p), size, p)?;
                        }
                        Key::Name(scalar.into_key(text).map_err(|m| err_at(p, m))?, p)
                    };
                    self.set_key(key, size);
                    return Ok(());
                }
                let value = scalar.into_value(text);
                self.push_value(value, Spans::leaf(p), anchor, size)?;
            }
            Event::MappingStart(anchor, _) | Event::SequenceStart(anchor, _) => {
                let p = pos(&span);
                if self.wants_key() {
                    return Err(err_at(
                        p,
                        "a mapping or sequence used as a mapping key: Kubernetes cannot read this",
                    ));
                }
                if self.stack.len() >= self.budget.max_depth {
                    return Err(err_at(
                        p,
                        format!("nesting deeper than {} levels", self.budget.max_depth),
                    ));
                }
                let size = Size { nodes: 1, bytes: 0 };
                self.stack.push(if matches!(ev, Event::MappingStart(..)) {
                    Frame::Map {
                        map: Map::new(),
                        spans: Vec::new(),
                        key: None,
                        pos: p,
                        anchor,
                        size,
                    }
                } else {
                    Frame::Seq {
                        items: Vec::new(),
                        spans: Vec::new(),
                        pos: p,
                        anchor,
                        size,
                    }
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                let (value, spans, anchor, size) = match self.stack.pop() {
                    Some(Frame::Map {
                        map,
                        spans,
                        pos,
                        anchor,
                        size,
                        ..
                    }) => (
                        Value::Object(map),
                        Spans {
                            pos,
                            children: SpanChildren::Map(exact(spans)),
                        },
                        anchor,
                        size,
                    ),
                    Some(Frame::Seq {
                        items,
                        spans,
                        pos,
                        anchor,
                        size,
                    }) => (
                        Value::Array(exact(items)),
                        Spans {
                            pos,
                            children: SpanChildren::Seq(exact(spans)),
                        },
                        anchor,
                        size,
                    ),
                    None => return Ok(()),
                };
                self.push_value(value, spans, anchor, size)?;
            }
            Event::Alias(id) => {
                let p = pos(&span);
                let Some(a) = self.anchors.get(&id) else {
                    return Err(err_at(
                        p,
                        "alias to an anchor that is not defined before it in this document \
                         (or that contains the alias)",
                    ));
                };
                let nodes = self.alias.nodes.fetch_add(a.size.nodes, Ordering::Relaxed);
                let bytes = self.alias.bytes.fetch_add(a.size.bytes, Ordering::Relaxed);
                self.charged += a.size;
                if nodes + a.size.nodes > self.budget.max_alias_nodes
                    || bytes + a.size.bytes > self.budget.max_alias_bytes
                {
                    return Err(err_at(
                        p,
                        format!(
                            "aliases expand to more than {} nodes or {} MiB \
                             (a YAML \"billion laughs\" bomb?)",
                            self.budget.max_alias_nodes,
                            self.budget.max_alias_bytes / (1024 * 1024)
                        ),
                    ));
                }
                let (value, children, size) = (a.value.clone(), a.spans.children.clone(), a.size);
                if self.wants_key() {
                    let key = alias_key(&value).map_err(|m| err_at(p, m))?;
                    self.set_key(Key::Name(key, p), size);
                    return Ok(());
                }
                // The alias node stands where it is used; what it holds keeps
                // the positions where that text is written (the anchor).
                self.push_value(value, Spans { pos: p, children }, 0, size)?;
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
        }
        Ok(())
    }

    fn remember(
        &mut self,
        anchor: usize,
        value: &Value,
        spans: &Spans,
        size: Size,
        p: Pos,
    ) -> Result<(), YamlError> {
        if !self.aliases_possible {
            return Ok(());
        }
        self.copied += size;
        if self.copied.nodes > self.budget.max_alias_nodes
            || self.copied.bytes > self.budget.max_alias_bytes
        {
            return Err(err_at(
                p,
                format!(
                    "anchored nodes copy more than {} nodes or {} MiB (anchors nested in \
                     anchors?)",
                    self.budget.max_alias_nodes,
                    self.budget.max_alias_bytes / (1024 * 1024)
                ),
            ));
        }
        self.anchors.insert(
            anchor,
            Anchored {
                value: value.clone(),
                spans: spans.clone(),
                size,
            },
        );
        Ok(())
    }

    fn set_key(&mut self, k: Key, s: Size) {
        if let Some(Frame::Map { key, size, .. }) = self.stack.last_mut() {
            *key = Some(k);
            *size += s;
        }
    }

    /// Places a finished node into its parent (or closes the document).
    fn push_value(
        &mut self,
        value: Value,
        spans: Spans,
        anchor: usize,
        size: Size,
    ) -> Result<(), YamlError> {
        if anchor != 0 {
            self.remember(anchor, &value, &spans, size, spans.pos)?;
        }
        match self.stack.last_mut() {
            None => {
                self.docs.push(Document {
                    index: self.next_index,
                    value,
                    spans,
                });
                self.next_index += 1;
            }
            Some(Frame::Seq {
                items,
                spans: ss,
                size: n,
                ..
            }) => {
                items.push(value);
                ss.push(spans);
                *n += size;
            }
            Some(Frame::Map {
                map,
                spans: ms,
                key,
                size: n,
                ..
            }) => {
                *n += size;
                match key.take() {
                    Some(Key::Name(k, kpos)) => {
                        ms.push((
                            k.as_str().into(),
                            Spans {
                                pos: kpos,
                                children: spans.children,
                            },
                        ));
                        // Duplicate keys: the last one wins, as in go-yaml's
                        // non-strict decoding that kubectl uses; spans are
                        // looked up from the end, so they agree.
                        map.insert(k, value);
                    }
                    Some(Key::Merge) => {
                        let at = spans.pos;
                        merge(map, ms, value, spans).map_err(|m| err_at(at, m))?;
                    }
                    // Keys are set by scalars and aliases before any value.
                    None => {}
                }
            }
        }
        Ok(())
    }
}

/// A finished node's list at its own length: growing by doubling leaves a
/// quarter of it unused on average, for as long as the object is kept. A
/// fresh copy frees the grown one whole, for the next node to reuse.
fn exact<T>(v: Vec<T>) -> Vec<T> {
    if v.capacity() == v.len() {
        return v;
    }
    let mut e = Vec::with_capacity(v.len());
    e.extend(v);
    e
}

/// A JSON key from an aliased scalar (its float spelling is already lost).
fn alias_key(v: &Value) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Null => Err("mapping key is null: Kubernetes cannot read this".into()),
        _ => Err("a mapping or sequence used as a mapping key: Kubernetes cannot read this".into()),
    }
}

/// go-yaml v2 `<<` semantics: the merge happens where `<<` stands, so merged
/// keys replace keys written above it and keys written below replace them;
/// in `<<: [*a, *b]` the lists are applied from the last, so `a` wins.
fn merge(
    map: &mut Map<String, Value>,
    spans: &mut Vec<(Box<str>, Spans)>,
    value: Value,
    vspans: Spans,
) -> Result<(), &'static str> {
    match value {
        Value::Object(m) => {
            merge_map(map, spans, m, vspans.children);
            Ok(())
        }
        Value::Array(items) => {
            if !items.iter().all(Value::is_object) {
                return Err(MERGE_NEEDS_MAP);
            }
            let mut item_spans = match vspans.children {
                SpanChildren::Seq(s) => s,
                _ => Vec::new(),
            };
            item_spans.resize_with(items.len(), Spans::default);
            for (item, s) in items.into_iter().zip(item_spans).rev() {
                if let Value::Object(m) = item {
                    merge_map(map, spans, m, s.children);
                }
            }
            Ok(())
        }
        _ => Err(MERGE_NEEDS_MAP),
    }
}

fn merge_map(
    map: &mut Map<String, Value>,
    spans: &mut Vec<(Box<str>, Spans)>,
    m: Map<String, Value>,
    children: SpanChildren,
) {
    // Index the merged mapping's spans once (the last of duplicates wins)
    // so that a large merged mapping costs linear time, not quadratic.
    let mut by_key: HashMap<Box<str>, Spans> = match children {
        SpanChildren::Map(c) => c.into_iter().collect(),
        _ => HashMap::new(),
    };
    for (k, v) in m {
        let s = by_key.remove(k.as_str()).unwrap_or_default();
        spans.push((k.as_str().into(), s));
        map.insert(k, v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bulwark_core::FieldPath;
    use serde_json::json;

    fn one(text: &str) -> Document {
        let (mut docs, errs) = parse_all(text, Budget::default());
        assert!(errs.is_empty(), "{errs:?}");
        docs.remove(0)
    }

    fn at(d: &Document, path: &str) -> (u32, u32) {
        let p = d.spans.locate(&FieldPath::parse(path));
        (p.line, p.column)
    }

    #[test]
    fn kubernetes_scalars_and_positions() {
        let d = one("a:\n  b: yes\n  mode: 0644\n  q: \"yes\"\n  list:\n  - x\n  - 12\n");
        assert_eq!(
            d.value,
            json!({"a": {"b": true, "mode": 420, "q": "yes", "list": ["x", 12]}})
        );
        assert_eq!(at(&d, "a.mode"), (3, 3));
        assert_eq!(at(&d, "a.list[1]"), (7, 5));
    }

    #[test]
    fn quoted_and_tagged_scalars() {
        let d = one(concat!(
            "a: 'on'\nb: \"0644\"\nc: !!str yes\nd: !!int \"0644\"\n",
            "e: !custom 12\nf: |\n  yes\ng: >-\n  0644\n"
        ));
        assert_eq!(
            d.value,
            json!({"a": "on", "b": "0644", "c": "yes", "d": 420, "e": "12",
                   "f": "yes\n", "g": "0644"})
        );
        let (_, errs) = parse_all("a: !!int abc\n", Budget::default());
        assert_eq!(errs[0].line, 1);
        assert!(errs[0].message.contains("!!int"), "{errs:?}");
    }

    /// sigs.k8s.io/yaml stringifies typed keys; null keys are an error.
    #[test]
    fn keys_as_kubernetes_writes_them() {
        let d = one("on: 1\n80: http\n0x10: a\n1.5: b\n'on': d\nno: e\n");
        assert_eq!(
            d.value,
            json!({"true": 1, "80": "http", "16": "a", "1.5": "b", "on": "d", "false": "e"})
        );
        // `on` and `yes` both become "true": the last one wins.
        let d = one("on: 1\nyes: 2\n");
        assert_eq!(d.value, json!({"true": 2}));
        for bad in ["~: x\n", "? [a]\n: x\n", "{a: 1}: x\n"] {
            let (_, errs) = parse_all(bad, Budget::default());
            assert_eq!(errs.len(), 1, "{bad:?}: {errs:?}");
            assert!(errs[0].message.contains("Kubernetes cannot"), "{errs:?}");
        }
    }

    #[test]
    fn duplicate_keys_keep_the_last_value_and_its_line() {
        let d = one("a: 1\nb: 2\na: 3\n");
        assert_eq!(d.value, json!({"a": 3, "b": 2}));
        assert_eq!(at(&d, "a"), (3, 1));
    }

    /// go-yaml v2 decode.go `mapping()`: `d.merge()` runs where `<<` stands,
    /// so it overrides keys above it and is overridden by keys below it.
    #[test]
    fn merge_keys_are_positional_like_go_yaml_v2() {
        let d = one("base: &b {x: 1, z: 2}\nother:\n  <<: *b\n  z: 3\n");
        assert_eq!(d.value["other"], json!({"x": 1, "z": 3}));
        let d = one("base: &b {x: 1, z: 2}\nother:\n  z: 3\n  <<: *b\n");
        assert_eq!(d.value["other"], json!({"x": 1, "z": 2}));
        // A list of maps: the first listed wins ("step backwards").
        let d = one("a: &a {k: a, only_a: 1}\nb: &b {k: b, only_b: 1}\nc:\n  <<: [*a, *b]\n");
        assert_eq!(d.value["c"], json!({"k": "a", "only_a": 1, "only_b": 1}));
        // An inline mapping merges too; a quoted "<<" is an ordinary key.
        let d = one("c:\n  <<: {k: 1}\n  \"<<\": 2\n");
        assert_eq!(d.value["c"], json!({"k": 1, "<<": 2}));
        // Merged keys point at where their text is written (the anchor).
        let d = one("base: &b\n  x: 1\nother:\n  <<: *b\n");
        assert_eq!(at(&d, "other.x"), (2, 3));
        for bad in ["a: &a 1\nb:\n  <<: *a\n", "b:\n  <<: [x]\n", "b:\n  <<:\n"] {
            let (_, errs) = parse_all(bad, Budget::default());
            assert!(
                errs.first()
                    .is_some_and(|e| e.message.contains("map merge requires")),
                "{bad:?}: {errs:?}"
            );
        }
    }

    #[test]
    fn anchors_are_per_document_and_aliases_point_at_the_alias() {
        let d = one("a: &x {k: 1}\nb: *x\n");
        assert_eq!(d.value["b"], json!({"k": 1}));
        assert_eq!(at(&d, "b"), (2, 1));
        assert_eq!(at(&d, "b.k"), (1, 8));
        let (docs, errs) = parse_all("a: &x 1\n---\nb: *x\n", Budget::default());
        assert_eq!(docs.len(), 1);
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].line, 3);
        assert!(errs[0].message.contains("anchor"), "{errs:?}");
    }

    #[test]
    fn multi_document_and_error_keeps_earlier_and_later_docs() {
        let text = "a: 1\n---\nb: 2\n---\nc: [\n---\nd: 4\n";
        let (docs, errs) = parse_all(text, Budget::default());
        let values: Vec<_> = docs.iter().map(|d| (d.index, d.value.clone())).collect();
        assert_eq!(
            values,
            vec![
                (0, json!({"a": 1})),
                (1, json!({"b": 2})),
                (3, json!({"d": 4}))
            ]
        );
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].line, 6, "{errs:?}");
        // Positions after the resumed point are absolute lines of the file.
        assert_eq!(at(&docs[2], "d"), (7, 1));
    }

    #[test]
    fn several_bad_documents_are_each_reported() {
        let text = "a: [\n---\nb: 1\n---\nc: {\n---\nd: 2\n";
        let (docs, errs) = parse_all(text, Budget::default());
        assert_eq!(docs.len(), 2);
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert_eq!(docs[1].index, 3);
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        for text in [
            format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)),
            format!("{}x{}", "{a: ".repeat(10_000), "}".repeat(10_000)),
            format!("{}x\n", "- ".repeat(10_000)),
        ] {
            let (docs, errs) = parse_all(&text, Budget::default());
            assert!(docs.is_empty());
            // saphyr stops flow collections itself ("recursion limit
            // exceeded"); our budget stops block ones.
            assert!(
                errs[0].message.contains("nesting deeper") || errs[0].message.contains("recursion"),
                "{errs:?}"
            );
        }
        // Within the budget is fine.
        let ok = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert!(parse_all(&ok, Budget::default()).1.is_empty());
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
        let (_, errs) = parse_all(&t, Budget::default());
        assert!(errs[0].message.contains("billion"), "{errs:?}");
    }

    #[test]
    fn one_long_string_aliased_many_times_is_bounded() {
        let mut t = format!("a: &a \"{}\"\nb: [", "x".repeat(1024 * 1024));
        t.push_str(&"*a, ".repeat(100));
        t.push_str("]\n");
        let (_, errs) = parse_all(&t, Budget::default());
        assert!(errs[0].message.contains("billion"), "{errs:?}");
    }

    #[test]
    fn merge_with_many_keys_is_linear() {
        let mut t = String::from("a: &a\n");
        for i in 0..50_000 {
            t.push_str(&format!("  k{i}: {i}\n"));
        }
        t.push_str("b:\n  <<: *a\n");
        let start = std::time::Instant::now();
        let d = one(&t);
        assert_eq!(d.value["b"].as_object().map(|m| m.len()), Some(50_000));
        assert_eq!(at(&d, "b.k49999"), (50_001, 3));
        assert!(start.elapsed().as_secs() < 20);
    }

    #[test]
    fn quoted_scalar_continued_on_less_indented_lines_reads_as_go_yaml_does() {
        // The Kubernetes docs' ZooKeeper StatefulSet writes its command so.
        let text = "spec:\n  containers:\n  - name: zk\n    command:\n    - sh\n    - -c\n    - \"start-zookeeper \\\n  --servers=3 \\\n  --data_dir=/var/lib/zookeeper/data\"\n    image: zk:1\n";
        let (docs, errors) = parse_all(text, Budget::default());
        assert!(errors.is_empty(), "{errors:?}");
        let d = &docs[0];
        assert_eq!(
            d.value.pointer("/spec/containers/0/command/2").unwrap(),
            "start-zookeeper --servers=3 --data_dir=/var/lib/zookeeper/data"
        );
        assert_eq!(at(d, "spec.containers[0].command[2]"), (7, 7));
        assert_eq!(at(d, "spec.containers[0].image"), (10, 5));
        // Folded, not escaped: line breaks become spaces; single quotes too.
        let (docs, errors) = parse_all("a:\n  b: 'x\ny'\n  c: \"p\n\n q\"\n", Budget::default());
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(docs[0].value.pointer("/a/b").unwrap(), "x y");
        assert_eq!(docs[0].value.pointer("/a/c").unwrap(), "p\nq");
        // A quoted scalar that never ends is still an error, with the
        // original position.
        let (_, errors) = parse_all("a:\n  b: \"x\ny\n", Budget::default());
        assert_eq!(errors.len(), 1);
    }
}
