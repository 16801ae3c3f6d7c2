//! `sprintf` as OPA (Go's fmt) has it when a format has more verbs than
//! arguments: the missing ones print `%!v(MISSING)` where regorus's
//! builtin fails the whole expression, which would hide a violation
//! (the library's K8sHorizontalPodAutoscaler message has six verbs and
//! five arguments). Registered as an extension, which regorus looks up
//! before its builtins; the formatting itself stays the builtin's, run
//! in a small engine per thread on the repaired format.

use std::cell::RefCell;

use regorus::Value;

const PACKAGE: &str = "package bulwark_sprintf\nout := sprintf(input.f, input.a)\n";

thread_local! {
    static FORMATTER: RefCell<Option<regorus::Engine>> = const { RefCell::new(None) };
}

/// The format with every verb past the `args`-th written as Go prints a
/// missing argument (`%!d(MISSING)`).
fn repair(format: &str, args: usize) -> String {
    let mut out = String::with_capacity(format.len() + 16);
    let mut seen = 0;
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        if chars.peek() == Some(&'%') {
            chars.next();
            out.push_str("%%");
            continue;
        }
        // Flags and width/precision, then the verb.
        let mut spec = String::new();
        while let Some(&d) = chars.peek() {
            if d.is_ascii_digit() || matches!(d, '.' | '+' | '-' | '#' | ' ') {
                spec.push(d);
                chars.next();
            } else {
                break;
            }
        }
        let verb = chars.next();
        seen += 1;
        match verb {
            Some(v) if seen > args => {
                out.push_str("%%!");
                out.push(v);
                out.push_str("(MISSING)");
            }
            Some(v) => {
                out.push('%');
                out.push_str(&spec);
                out.push(v);
            }
            None => out.push_str("%%!(NOVERB)"),
        }
    }
    out
}

fn format(args: &[Value]) -> anyhow::Result<Value> {
    let (Some(Value::String(f)), Some(Value::Array(a))) = (args.first(), args.get(1)) else {
        anyhow::bail!("sprintf: expects a format string and an array of arguments");
    };
    let f = repair(f, a.len());
    FORMATTER.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            let mut e = regorus::Engine::new();
            e.add_policy("sprintf.rego".into(), PACKAGE.into())?;
            *slot = Some(e);
        }
        let Some(engine) = slot.as_mut() else {
            anyhow::bail!("sprintf: no formatter");
        };
        let mut input = Value::new_object();
        if let Ok(m) = input.as_object_mut() {
            m.insert(Value::from("f"), Value::from(f.as_str()));
            m.insert(Value::from("a"), Value::Array(a.clone()));
        }
        engine.set_input(input);
        engine.eval_rule("data.bulwark_sprintf.out".into())
    })
}

/// Adds the repaired `sprintf` to `engine`.
pub fn install(engine: &mut regorus::Engine) -> anyhow::Result<()> {
    engine.add_extension(
        "sprintf".into(),
        2,
        Box::new(|args: Vec<Value>| format(&args)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_arguments_print_as_go_prints_them() {
        assert_eq!(repair("a %v b %d", 1), "a %v b %%!d(MISSING)");
        assert_eq!(repair("100%% %5.2f", 1), "100%% %5.2f");
        let args = [
            Value::from("x=%v y=%v"),
            Value::from_json_str("[1]").unwrap_or(Value::Undefined),
        ];
        let out = format(&args).map(|v| v.as_string().map(|s| s.to_string()).ok());
        assert_eq!(out.ok().flatten().as_deref(), Some("x=1 y=%!v(MISSING)"));
    }
}
