//! What go-yaml v2 reads and saphyr refuses, made readable without
//! changing a value.
//!
//! go-yaml v2 is a port of libyaml, whose scanner is more lenient than YAML
//! 1.2 in three places that real manifests use (the Kubernetes docs' own
//! ZooKeeper StatefulSet among them):
//!
//! - a quoted scalar's continuation lines may be indented less than its key
//!   (libyaml never checks them); their leading white space is folded away,
//!   so indenting them further changes nothing;
//! - inside a flow collection, a tab may start a line (libyaml eats tabs as
//!   white space in flow context); a space in its place changes nothing;
//! - inside a flow collection, `-` followed by `,` `]` or `}` is the plain
//!   scalar `-`; quoted, it is the same string.
//!
//! When saphyr stops at one of these, the document is repaired at that spot
//! and read again ([`repair`]); positions are moved back to the file's
//! ([`Edit`]). Anything else stays the error it is.

use bulwark_core::span::{SpanChildren, Spans};

/// Characters inserted into a line: 1-based line, the 1-based column (in
/// the text as it was just before this edit) where they went, how many.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Edit {
    pub line: u32,
    pub at: u32,
    pub added: u32,
}

/// The repaired text and its edits, when saphyr's error `message` at
/// 1-based `line`:`column` is one go-yaml does not make.
pub fn repair(text: &str, message: &str, line: u32, column: u32) -> Option<(String, Vec<Edit>)> {
    match message {
        "invalid indentation in quoted scalar" => reindent_quoted(text, line, column),
        "tabs disallowed within this context (block indentation)" => untab_flow_line(text, line),
        "plain scalar cannot start with '-' followed by ,[]{}" => quote_dash(text, line, column),
        _ => None,
    }
}

/// Indents the continuation lines of the quoted scalar opening at
/// `line`:`column` past its opening quote.
fn reindent_quoted(text: &str, line: u32, column: u32) -> Option<(String, Vec<Edit>)> {
    let start = offset_of(text, line, column)?;
    let quote = text[start..].chars().next()?;
    if quote != '"' && quote != '\'' {
        return None;
    }
    // saphyr counts 0-based character columns; the quote's is `column - 1`,
    // so continuation lines must start at 0-based `column` or later.
    let need = column as usize;
    let body = &text[start + 1..];
    let mut out = String::with_capacity(text.len() + 64);
    out.push_str(&text[..start + 1]);
    let mut edits = Vec::new();
    let mut cur_line = line;
    let mut chars = body.char_indices().peekable();
    let mut closed = None;
    let mut at_line_start = false;
    while let Some((i, c)) = chars.next() {
        if at_line_start {
            at_line_start = false;
            let rest = &body[i..];
            let lead = rest.chars().take_while(|c| *c == ' ' || *c == '\t').count();
            let after = rest.trim_start_matches([' ', '\t']);
            let blank = after.is_empty() || after.starts_with(['\n', '\r']);
            if !blank && lead < need {
                out.extend(std::iter::repeat_n(' ', need));
                edits.push(Edit {
                    line: cur_line,
                    at: 1,
                    added: need as u32,
                });
            }
        }
        match c {
            '\n' => {
                cur_line += 1;
                at_line_start = true;
                out.push(c);
            }
            '\\' if quote == '"' => {
                out.push(c);
                // An escaped character; an escaped line break is left for
                // the next turn, which sees the `\n` it is.
                if let Some(&(_, n)) = chars.peek()
                    && n != '\n'
                {
                    out.push(n);
                    chars.next();
                }
            }
            '\'' if quote == '\'' => {
                out.push(c);
                if let Some(&(_, '\'')) = chars.peek() {
                    out.push('\'');
                    chars.next();
                } else {
                    closed = Some(i);
                    break;
                }
            }
            '"' if quote == '"' => {
                out.push(c);
                closed = Some(i);
                break;
            }
            _ => out.push(c),
        }
    }
    let end = closed?;
    if edits.is_empty() {
        return None;
    }
    out.push_str(&body[end + 1..]);
    Some((out, edits))
}

/// Turns the leading tabs of `line` into spaces, when the line is inside a
/// flow collection (in block context go-yaml refuses them too).
fn untab_flow_line(text: &str, line: u32) -> Option<(String, Vec<Edit>)> {
    let start = offset_of(text, line, 1)?;
    if flow_depth(&text[..start]) == 0 {
        return None;
    }
    let rest = &text[start..];
    let lead = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    if !rest[..lead].contains('\t') {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..start]);
    out.push_str(&rest[..lead].replace('\t', " "));
    out.push_str(&rest[lead..]);
    // One character for one: no position moves.
    Some((out, Vec::new()))
}

/// Quotes the plain scalar `-` at `line`:`column` in a flow collection.
fn quote_dash(text: &str, line: u32, column: u32) -> Option<(String, Vec<Edit>)> {
    let at = offset_of(text, line, column)?;
    let next = text[at..].chars().nth(1);
    if !text[at..].starts_with('-') || !matches!(next, Some(',' | '[' | ']' | '{' | '}')) {
        return None;
    }
    if flow_depth(&text[..at]) == 0 {
        return None;
    }
    let out = format!("{}\"-\"{}", &text[..at], &text[at + 1..]);
    let edits = vec![
        Edit {
            line,
            at: column,
            added: 1,
        },
        Edit {
            line,
            at: column + 2,
            added: 1,
        },
    ];
    Some((out, edits))
}

/// How many flow collections are open at the end of `text` (the start of a
/// document up to some point), skipping comments, quoted scalars and block
/// scalars. In flow context no plain scalar can hold a flow indicator; in
/// block context a bracket opens a collection only where a node starts.
fn flow_depth(text: &str) -> usize {
    let mut depth = 0usize;
    // Indentation of the line that introduced a block scalar being skipped.
    let mut block_scalar: Option<usize> = None;
    // A quoted scalar still open at the end of a line.
    let mut quote: Option<u8> = None;
    for l in text.split_inclusive('\n') {
        let body = l.trim_end_matches(['\n', '\r']);
        let indent = body.len() - body.trim_start_matches(' ').len();
        if let Some(parent) = block_scalar {
            if body.trim().is_empty() || indent > parent {
                continue;
            }
            block_scalar = None;
        }
        let b = body.as_bytes();
        let mut i = 0;
        let mut node_may_start = true;
        while i < b.len() {
            let c = b[i];
            if let Some(q) = quote {
                if q == b'"' && c == b'\\' {
                    i += 2;
                    continue;
                }
                if c == q {
                    if q == b'\'' && b.get(i + 1) == Some(&b'\'') {
                        i += 2;
                        continue;
                    }
                    quote = None;
                }
                i += 1;
                node_may_start = false;
                continue;
            }
            match c {
                b'#' if node_may_start || i == 0 || b[i - 1] == b' ' => break,
                b'"' | b'\'' if node_may_start => quote = Some(c),
                b'[' | b'{' if node_may_start => depth += 1,
                b']' | b'}' if depth > 0 => depth -= 1,
                b'|' | b'>' if node_may_start && depth == 0 => {
                    // `|`, `|2-`, `>+`: nothing but indicators after it.
                    let rest = body[i + 1..]
                        .trim_start_matches(|ch: char| {
                            ch.is_ascii_digit() || ch == '+' || ch == '-'
                        })
                        .trim();
                    if rest.is_empty() || rest.starts_with('#') {
                        block_scalar = Some(indent);
                        break;
                    }
                }
                _ => {}
            }
            node_may_start =
                matches!(c, b' ' | b'\t') || (depth > 0 && matches!(c, b',' | b'[' | b'{'));
            i += 1;
        }
    }
    depth
}

/// Moves positions back to where they are in the file.
pub fn restore(spans: &mut Spans, edits: &[Edit]) {
    let mut todo = vec![spans];
    while let Some(s) = todo.pop() {
        s.pos.column = restore_column(s.pos.line, s.pos.column, edits);
        match &mut s.children {
            SpanChildren::Leaf => {}
            SpanChildren::Map(m) => todo.extend(m.iter_mut().map(|(_, c)| c)),
            SpanChildren::Seq(v) => todo.extend(v.iter_mut()),
        }
    }
}

/// A 1-based column of the repaired text, as in the file: edits are undone
/// newest first (each was made in the text its predecessors left).
pub fn restore_column(line: u32, column: u32, edits: &[Edit]) -> u32 {
    let mut c = column;
    for e in edits.iter().rev().filter(|e| e.line == line) {
        if c > e.at {
            c = c.saturating_sub(e.added).max(e.at);
        }
    }
    c
}

/// Byte offset of 1-based `line`, 1-based character `column`.
fn offset_of(text: &str, line: u32, column: u32) -> Option<usize> {
    let mut off = 0usize;
    for (n, l) in (1u32..).zip(text.split_inclusive('\n')) {
        if n == line {
            let (i, _) = l.char_indices().nth(column.checked_sub(1)? as usize)?;
            return Some(off + i);
        }
        off += l.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUOTED: &str = "invalid indentation in quoted scalar";

    #[test]
    fn pads_less_indented_continuation_lines_only() {
        let text = "a:\n  b: \"one\n two\n\n        three\"\n  c: 1\n";
        let (fixed, edits) = repair(text, QUOTED, 2, 6).unwrap();
        assert_eq!(
            fixed,
            "a:\n  b: \"one\n       two\n\n        three\"\n  c: 1\n"
        );
        assert_eq!(
            edits,
            vec![Edit {
                line: 3,
                at: 1,
                added: 6
            }]
        );
    }

    #[test]
    fn escapes_and_doubled_quotes_do_not_end_the_scalar() {
        let text = "k: \"a \\\" b\\\nc\"\n";
        let (fixed, _) = repair(text, QUOTED, 1, 4).unwrap();
        assert_eq!(fixed, "k: \"a \\\" b\\\n    c\"\n");
        let text = "k: 'it''s\nx'\n";
        let (fixed, _) = repair(text, QUOTED, 1, 4).unwrap();
        assert_eq!(fixed, "k: 'it''s\n    x'\n");
    }

    #[test]
    fn unterminated_or_not_a_quote_is_left_alone() {
        assert_eq!(repair("k: \"abc\nd\n", QUOTED, 1, 4), None);
        assert_eq!(repair("k: abc\n", QUOTED, 1, 4), None);
        assert_eq!(repair("k: \"abc\"\n", QUOTED, 9, 4), None);
        assert_eq!(repair("k: \"abc\"\n", "some other error", 1, 4), None);
    }

    #[test]
    fn tabs_are_spaces_only_inside_flow_collections() {
        let tab = "tabs disallowed within this context (block indentation)";
        let (fixed, edits) = repair("a: [x,\n\t y]\n", tab, 2, 2).unwrap();
        assert_eq!((fixed.as_str(), edits.len()), ("a: [x,\n  y]\n", 0));
        assert_eq!(repair("a:\n\tb: 2\n", tab, 2, 2), None);
        // Brackets in comments, quotes and block scalars open nothing.
        assert_eq!(repair("a: '[' # [\nb: |\n  [\n\tc: 1\n", tab, 4, 2), None);
        assert_eq!(flow_depth("a: \"[\"\nb: x[y]\nc: [\n"), 1);
        assert_eq!(flow_depth("a: [b, {c: d}]\n"), 0);
    }

    #[test]
    fn a_dash_before_a_flow_indicator_is_quoted() {
        let dash = "plain scalar cannot start with '-' followed by ,[]{}";
        let (fixed, edits) = repair("a: [-, x]\n", dash, 1, 5).unwrap();
        assert_eq!(fixed, "a: [\"-\", x]\n");
        // `x` is at column 9 after the repair, 7 in the file.
        assert_eq!(restore_column(1, 9, &edits), 7);
        assert_eq!(restore_column(1, 5, &edits), 5);
        assert_eq!(restore_column(2, 9, &edits), 9);
    }
}
