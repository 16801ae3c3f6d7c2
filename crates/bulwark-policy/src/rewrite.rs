//! Two spots where regorus's parser reads valid Rego v0 differently from
//! OPA, rewritten before compiling, without moving any line (so errors
//! still point at the template's own lines):
//!
//! - chained bodies, `head { a } { b }` (OPA: two rules with the same
//!   head; regorus: "else cannot be used with set rules"): the head is
//!   repeated before each further body, on the same line;
//! - an expression starting with `(` on the line after a complete one
//!   (`x\n(a - b) > 1`; OPA: two expressions; regorus: a call of `x`):
//!   a `;` ends the previous expression;
//! - a negated call with a reference argument, `not f(a, p.ranges)` (OPA,
//!   as gator's expected results show: `p.ranges` undefined makes the
//!   expression fail; regorus: the call is undefined, so `not` holds): the
//!   reference is bound first on the same line, `__bw0 := p.ranges; not
//!   f(a, __bw0)`.
//!
//! The scanner knows strings, raw strings and comments; it changes nothing
//! inside them.

/// What a byte of the source is, for the scanner.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Code,
    Text,
}

/// Marks each byte as code or as text (string, raw string, comment).
fn classify(src: &str) -> Vec<Class> {
    let b = src.as_bytes();
    let mut out = vec![Class::Code; b.len()];
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    out[i] = Class::Text;
                    i += 1;
                }
            }
            b'"' => {
                out[i] = Class::Text;
                i += 1;
                while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
                    out[i] = Class::Text;
                    if b[i] == b'\\' && i + 1 < b.len() {
                        i += 1;
                        out[i] = Class::Text;
                    }
                    i += 1;
                }
                if i < b.len() {
                    out[i] = Class::Text;
                    i += 1;
                }
            }
            b'`' => {
                out[i] = Class::Text;
                i += 1;
                while i < b.len() && b[i] != b'`' {
                    out[i] = Class::Text;
                    i += 1;
                }
                if i < b.len() {
                    out[i] = Class::Text;
                    i += 1;
                }
            }
            _ => i += 1,
        }
    }
    out
}

/// Whether a line's code ends an expression: the next line's `(` then
/// starts a new one. Lines ending in an operator, `,`, `(`, `[`, `{` or
/// `|` continue.
fn ends_expression(code: &str) -> bool {
    match code.trim_end().chars().last() {
        None => false,
        Some(c) => c.is_alphanumeric() || matches!(c, '_' | ']' | ')' | '"' | '`' | '}'),
    }
}

/// The source with both rewrites applied (see the module docs).
pub fn rewrite(src: &str) -> String {
    let class = classify(src);
    let b = src.as_bytes();
    // Edits: (byte offset, bytes replaced, text).
    let mut inserts: Vec<(usize, usize, String)> = Vec::new();
    let mut depth: Vec<u8> = Vec::new();
    let mut line_start = 0;
    // Start of the rule head being read at top level.
    let mut head_start: Option<usize> = None;
    let mut head: Option<String> = None;
    // Set after a top-level body closes: a `{` next is a chained body.
    let mut after_body = false;
    // Starts of lines that begin inside a rule body.
    let mut body_lines: Vec<usize> = Vec::new();
    // The last code byte that is not white space.
    let mut prev = b'\n';
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if class[i] != Class::Code {
            i += 1;
            continue;
        }
        if c == b'\n' {
            // `(` first on the next line, inside a body, after a complete
            // expression: end that expression.
            let next = src[i + 1..].trim_start_matches([' ', '\t']);
            if depth.last() == Some(&b'B') && next.starts_with('(') {
                let prev: String = src[line_start..i]
                    .char_indices()
                    .filter(|(j, _)| class[line_start + j] == Class::Code)
                    .map(|(_, ch)| ch)
                    .collect();
                if ends_expression(&prev) {
                    inserts.push((i, 0, ";".to_string()));
                }
            }
            line_start = i + 1;
            if depth.last() == Some(&b'B') {
                body_lines.push(line_start);
            }
            if depth.is_empty() {
                // A head is read from the line its body opens on.
                head_start = None;
            }
            i += 1;
            continue;
        }
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if depth.is_empty() {
            if after_body && c == b'{' {
                if let Some(h) = &head {
                    inserts.push((i, 0, format!("{h} ")));
                }
                depth.push(b'B');
                after_body = false;
                prev = b'{';
                i += 1;
                continue;
            }
            after_body = false;
            if head_start.is_none() {
                head_start = Some(i);
            }
        }
        match c {
            // At top level a `{` after `=`, `:=`, `,` ... is a value (an
            // object or set in the head); otherwise it opens the body.
            b'{' if depth.is_empty()
                && !matches!(prev, b'=' | b':' | b',' | b'(' | b'[' | b'|') =>
            {
                let h = src[head_start.unwrap_or(i)..i].trim();
                // `else` bodies and bodies without a head are left alone.
                head = (!h.is_empty() && !h.starts_with('}') && !h.contains("else"))
                    .then(|| h.to_string());
                depth.push(b'B');
            }
            b'{' | b'[' | b'(' => depth.push(c),
            b'}' | b']' | b')' => {
                let open = depth.pop();
                if depth.is_empty() && open == Some(b'B') {
                    after_body = true;
                    head_start = None;
                }
            }
            _ => {}
        }
        prev = c;
        i += 1;
    }
    let mut fresh = 0;
    for &start in &body_lines {
        let end = src[start..].find('\n').map_or(src.len(), |e| start + e);
        let code_only = (start..end).all(|j| class[j] == Class::Code);
        if let Some((replace_from, text)) = code_only
            .then(|| hoist_negated_refs(&src[start..end], &mut fresh))
            .flatten()
        {
            inserts.push((start + replace_from, end - start - replace_from, text));
        }
    }
    apply(src, inserts)
}

/// `not f(a, p.q)` → `__bwN := p.q; not f(a, __bwN)` (N fresh in the
/// module): the text that
/// replaces the line from the returned offset on, if the line is such a
/// call with a reference argument.
fn hoist_negated_refs(line: &str, fresh: &mut usize) -> Option<(usize, String)> {
    let indent = line.len() - line.trim_start().len();
    let rest = line[indent..].trim_end().strip_prefix("not ")?.trim_start();
    let open = rest.find('(')?;
    let name = &rest[..open];
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
    {
        return None;
    }
    let inner = rest[open + 1..].strip_suffix(')')?;
    // Split at top-level commas; give up on nesting or strings with commas.
    let mut args = Vec::new();
    let (mut level, mut from) = (0i32, 0);
    for (j, c) in inner.char_indices() {
        match c {
            '(' | '[' | '{' => level += 1,
            ')' | ']' | '}' => level -= 1,
            '"' | '`' | '#' => return None,
            ',' if level == 0 => {
                args.push(inner[from..j].trim());
                from = j + 1;
            }
            _ => {}
        }
        if level < 0 {
            return None;
        }
    }
    args.push(inner[from..].trim());
    let is_ref = |a: &str| {
        a.starts_with(|c: char| c.is_alphabetic() || c == '_')
            && (a.contains('.') || a.contains('['))
            && !a.contains("[_]")
            && a.chars()
                .all(|c| c.is_alphanumeric() || "_.[]\"".contains(c))
    };
    if !args.iter().any(|a| is_ref(a)) {
        return None;
    }
    let mut binds = String::new();
    let mut call = Vec::new();
    for a in &args {
        if is_ref(a) {
            let n = *fresh;
            *fresh += 1;
            binds.push_str(&format!("__bw{n} := {a}; "));
            call.push(format!("__bw{n}"));
        } else {
            call.push(a.to_string());
        }
    }
    Some((indent, format!("{binds}not {name}({})", call.join(", "))))
}

/// The source with each edit (offset, bytes replaced, text) applied;
/// an edit overlapping an earlier one is dropped.
fn apply(src: &str, mut edits: Vec<(usize, usize, String)>) -> String {
    edits.sort_by_key(|e| e.0);
    let mut out = String::with_capacity(src.len() + 64);
    let mut last = 0;
    for (at, remove, text) in edits {
        if at < last {
            continue;
        }
        out.push_str(&src[last..at]);
        out.push_str(&text);
        last = at + remove;
    }
    out.push_str(&src[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::rewrite;

    #[test]
    fn chained_bodies_repeat_the_head() {
        let src = "package p\n\nviolation[{\"msg\": msg}] {\n  a\n  msg := \"x\"\n} {\n  b\n  msg := \"y\"\n}\n";
        let out = rewrite(src);
        assert_eq!(
            out,
            "package p\n\nviolation[{\"msg\": msg}] {\n  a\n  msg := \"x\"\n} violation[{\"msg\": msg}] {\n  b\n  msg := \"y\"\n}\n"
        );
        assert_eq!(out.lines().count(), src.lines().count());
    }

    #[test]
    fn paren_on_a_new_line_starts_an_expression() {
        let src = "f(h) {\n  input.x\n  (h.a - h.b) >= 1\n  g(1,\n    (2))\n}\n";
        assert_eq!(
            rewrite(src),
            "f(h) {\n  input.x;\n  (h.a - h.b) >= 1\n  g(1,\n    (2))\n}\n"
        );
    }

    #[test]
    fn strings_and_comments_are_not_read_as_code() {
        let src = "x { \"} {\" # } {\n}\n";
        assert_eq!(rewrite(src), src);
        let set = "s := {1 | true}\nok { s[1] }\n";
        assert_eq!(rewrite(set), set);
        // An object in the head is not the body.
        let obj = "f(c) = {\"p\": p} {\n  p := c\n}\n";
        assert_eq!(rewrite(obj), obj);
    }

    #[test]
    fn references_in_negated_calls_are_bound_first() {
        let src = "v {\n  not accept(rule, x, params.ranges)\n  not f(x[_])\n  not g(1)\n}\n";
        assert_eq!(
            rewrite(src),
            "v {\n  __bw0 := params.ranges; not accept(rule, x, __bw0)\n  not f(x[_])\n  not g(1)\n}\n"
        );
    }
}
