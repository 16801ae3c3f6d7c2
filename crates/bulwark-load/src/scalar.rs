//! Plain-scalar typing as Kubernetes reads YAML (go-yaml v2, YAML 1.1).
//!
//! YAML 1.2 would read `yes` as a string and `0644` as 644; the API server
//! reads them as `true` and 420. Policy must see what the cluster will see.

use serde_json::{Number, Value};

/// Resolves an untagged plain scalar the way go-yaml v2 does.
pub fn resolve_plain(s: &str) -> Value {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Value::Bool(true);
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Value::Bool(false);
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" | "-.inf" | "-.Inf" | "-.INF"
        | ".nan" | ".NaN" | ".NAN" => {
            // JSON has no infinities; the API server would reject them in
            // any typed field, so keep the text.
            return Value::String(s.to_string());
        }
        _ => {}
    }
    let first = s.as_bytes()[0];
    if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.')) {
        return Value::String(s.to_string());
    }
    if let Some(n) = parse_int(s) {
        return Value::Number(n);
    }
    if let Some(f) = parse_float(s) {
        return f;
    }
    Value::String(s.to_string())
}

fn parse_int(s: &str) -> Option<Number> {
    let plain: String = s.chars().filter(|&c| c != '_').collect();
    let (neg, digits) = match plain.as_bytes().first()? {
        b'-' => (true, &plain[1..]),
        b'+' => (false, &plain[1..]),
        _ => (false, &plain[..]),
    };
    if digits.is_empty() {
        return None;
    }
    let (radix, body) = if let Some(b) = digits.strip_prefix("0b") {
        (2, b)
    } else if let Some(h) = digits.strip_prefix("0x") {
        (16, h)
    } else if digits.len() > 1 && digits.starts_with('0') {
        (8, &digits[1..])
    } else {
        (10, digits)
    };
    if body.is_empty() || !body.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let mag = u64::from_str_radix(body, radix).ok()?;
    if neg {
        let v = i64::try_from(mag).ok()?.checked_neg()?;
        Some(Number::from(v))
    } else {
        Some(Number::from(mag))
    }
}

fn parse_float(s: &str) -> Option<Value> {
    let plain: String = s.chars().filter(|&c| c != '_').collect();
    // YAML 1.1 float: [-+]?([0-9][0-9_]*)?\.[0-9.]*([eE][-+][0-9]+)? ; go-yaml
    // also accepts what strconv.ParseFloat does (`1e3`).
    if !plain
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
    {
        return None;
    }
    let f: f64 = plain.parse().ok()?;
    if !f.is_finite() {
        return None;
    }
    Number::from_f64(f).map(Value::Number)
}

/// Resolves a scalar with an explicit core-schema tag (`!!str`, `!!int`...).
pub fn resolve_tagged(suffix: &str, s: &str) -> Option<Value> {
    match suffix {
        "str" => Some(Value::String(s.to_string())),
        "null" => Some(Value::Null),
        "bool" => match resolve_plain(s) {
            v @ Value::Bool(_) => Some(v),
            _ => None,
        },
        "int" => parse_int(s).map(Value::Number),
        "float" => parse_int(s).map(Value::Number).or_else(|| parse_float(s)),
        _ => Some(Value::String(s.to_string())),
    }
}

/// How a resolved key is written as a JSON object key (sigs.k8s.io/yaml
/// turns `on:` into `"true"` and `1:` into `"1"`).
pub fn key_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "null".to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn yaml_1_1_booleans() {
        for t in ["yes", "Yes", "on", "ON", "y", "true"] {
            assert_eq!(resolve_plain(t), json!(true), "{t}");
        }
        for f in ["no", "off", "Off", "n", "FALSE"] {
            assert_eq!(resolve_plain(f), json!(false), "{f}");
        }
    }

    #[test]
    fn octal_and_other_ints() {
        assert_eq!(resolve_plain("0644"), json!(420));
        assert_eq!(resolve_plain("0400"), json!(256));
        assert_eq!(resolve_plain("420"), json!(420));
        assert_eq!(resolve_plain("0x1F"), json!(31));
        assert_eq!(resolve_plain("0b101"), json!(5));
        assert_eq!(resolve_plain("-12"), json!(-12));
        assert_eq!(resolve_plain("1_000"), json!(1000));
        assert_eq!(resolve_plain("0"), json!(0));
        // not octal digits: stays a string (go-yaml: 0899 is a float? no: a string)
        assert_eq!(resolve_plain("0899"), json!(899.0));
    }

    #[test]
    fn strings_stay_strings() {
        assert_eq!(resolve_plain("nginx:1.25"), json!("nginx:1.25"));
        assert_eq!(resolve_plain("100m"), json!("100m"));
        assert_eq!(resolve_plain("1.2.3"), json!("1.2.3"));
        assert_eq!(resolve_plain("~"), Value::Null);
        assert_eq!(resolve_plain(".inf"), json!(".inf"));
    }

    #[test]
    fn floats() {
        assert_eq!(resolve_plain("1.5"), json!(1.5));
        assert_eq!(resolve_plain("1e3"), json!(1000.0));
    }
}
