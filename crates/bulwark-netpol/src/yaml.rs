//! A small YAML writer for the policies bulwark generates. Strings are
//! always double-quoted (JSON escapes are valid YAML), so no value is ever
//! re-typed by a YAML 1.1 reader.

use serde_json::Value;

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => serde_json::to_string(s).unwrap_or_default(),
        Value::Null => "null".into(),
        other => other.to_string(),
    }
}

/// A key is written plain when no YAML reader could take it for anything
/// but a string.
fn key(k: &str) -> String {
    let plain = k.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/' | '-'))
        && !matches!(
            k.to_ascii_lowercase().as_str(),
            "y" | "n" | "yes" | "no" | "on" | "off" | "true" | "false" | "null"
        );
    if plain {
        k.to_string()
    } else {
        serde_json::to_string(k).unwrap_or_default()
    }
}

fn write(v: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let key = key(k);
                match x {
                    Value::Object(o) if !o.is_empty() => {
                        out.push_str(&format!("{pad}{key}:\n"));
                        write(x, indent + 2, out);
                    }
                    Value::Array(a) if !a.is_empty() => {
                        out.push_str(&format!("{pad}{key}:\n"));
                        write(x, indent, out);
                    }
                    Value::Object(_) => out.push_str(&format!("{pad}{key}: {{}}\n")),
                    Value::Array(_) => out.push_str(&format!("{pad}{key}: []\n")),
                    s => out.push_str(&format!("{pad}{key}: {}\n", scalar(s))),
                }
            }
        }
        Value::Array(a) => {
            for x in a {
                match x {
                    Value::Object(o) if !o.is_empty() => {
                        let mut inner = String::new();
                        write(x, indent + 2, &mut inner);
                        // "- " replaces the first item's indentation.
                        out.push_str(&format!("{pad}- {}", &inner[indent + 2..]));
                    }
                    Value::Object(_) => out.push_str(&format!("{pad}- {{}}\n")),
                    Value::Array(_) => {
                        out.push_str(&format!("{pad}-\n"));
                        write(x, indent + 2, out);
                    }
                    s => out.push_str(&format!("{pad}- {}\n", scalar(s))),
                }
            }
        }
        s => out.push_str(&format!("{pad}{}\n", scalar(s))),
    }
}

/// One YAML document for a JSON value.
pub fn to_yaml(v: &Value) -> String {
    let mut s = String::new();
    write(v, 0, &mut s);
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested() {
        let v = json!({"a": {"b": [{"c": 1, "on": "on"}, {}], "e": []}, "f": "x"});
        assert_eq!(
            to_yaml(&v),
            "a:\n  b:\n  - c: 1\n    \"on\": \"on\"\n  - {}\n  e: []\nf: \"x\"\n"
        );
    }
}
