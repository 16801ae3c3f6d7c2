//! Scalar typing as Kubernetes reads YAML: go-yaml v2 (YAML 1.1) behind
//! sigs.k8s.io/yaml, whose JSON then reaches the API server.
//!
//! YAML 1.2 would read `yes` as a string and `0644` as 644; the API server
//! reads them as `true` and 420. Policy must see what the cluster will see.
//! The rules below follow go-yaml v2's `resolve()` (resolve.go) case by case;
//! the tests name each case.

use std::borrow::Cow;

use serde_json::{Number, Value};

/// A scalar typed the way go-yaml v2 types it, before it becomes JSON.
#[derive(Clone, Debug, PartialEq)]
pub enum Scalar {
    Null,
    Bool(bool),
    Int(i64),
    /// An integer above `i64::MAX` (go-yaml's uint64).
    Uint(u64),
    Float(f64),
    Str,
}

/// Types an untagged plain scalar (go-yaml v2 `resolve("", s)`).
pub fn resolve(s: &str) -> Scalar {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Scalar::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Scalar::Bool(true);
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Scalar::Bool(false);
        }
        ".nan" | ".NaN" | ".NAN" => return Scalar::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Scalar::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Scalar::Float(f64::NEG_INFINITY),
        _ => {}
    }
    match s.as_bytes()[0] {
        // Go's strconv.ParseFloat on the raw text; out of range is an error
        // there, so the scalar stays a string.
        b'.' => match s.parse::<f64>() {
            Ok(f) if f.is_finite() => Scalar::Float(f),
            _ => Scalar::Str,
        },
        b'0'..=b'9' | b'+' | b'-' => resolve_number(s),
        _ => Scalar::Str,
    }
}

/// Ints (Go `ParseInt(s, 0, 64)`, then `ParseUint`), then floats matching
/// go-yaml's `yamlStyleFloat`; underscores are dropped first. Timestamps
/// (`2024-01-02`) end up as strings, as go-yaml gives them to `interface{}`.
fn resolve_number(s: &str) -> Scalar {
    let plain: Cow<'_, str> = if s.contains('_') {
        Cow::Owned(s.replace('_', ""))
    } else {
        Cow::Borrowed(s)
    };
    if let Some(n) = go_parse_int(&plain) {
        return n;
    }
    if yaml_style_float(&plain)
        && let Ok(f) = plain.parse::<f64>()
        && f.is_finite()
    {
        return Scalar::Float(f);
    }
    Scalar::Str
}

/// Go's `strconv.ParseInt(s, 0, 64)` falling back to `ParseUint(s, 0, 64)`:
/// an optional sign, then `0x`/`0X`, `0b`/`0B`, `0o`/`0O`, a leading `0`
/// for octal, or decimal.
fn go_parse_int(s: &str) -> Option<Scalar> {
    let (neg, signed, rest) = match s.as_bytes().first()? {
        b'-' => (true, true, &s[1..]),
        b'+' => (false, true, &s[1..]),
        _ => (false, false, s),
    };
    let b = rest.as_bytes();
    let (radix, digits) = match b {
        [b'0', b'x' | b'X', ..] => (16, &rest[2..]),
        [b'0', b'b' | b'B', ..] => (2, &rest[2..]),
        [b'0', b'o' | b'O', ..] => (8, &rest[2..]),
        [b'0', _, ..] => (8, &rest[1..]),
        _ => (10, rest),
    };
    if digits.is_empty() || !digits.bytes().all(|c| (c as char).is_digit(radix)) {
        return None;
    }
    let mag = u64::from_str_radix(digits, radix).ok()?;
    if neg {
        if mag <= i64::MAX as u64 {
            Some(Scalar::Int(-(mag as i64)))
        } else if mag == i64::MAX as u64 + 1 {
            Some(Scalar::Int(i64::MIN))
        } else {
            None
        }
    } else if let Ok(i) = i64::try_from(mag) {
        Some(Scalar::Int(i))
    } else if !signed {
        // ParseUint takes no sign.
        Some(Scalar::Uint(mag))
    } else {
        None
    }
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i > start
    };
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if !digits(&mut i) {
            return false;
        }
    } else {
        if !digits(&mut i) {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !digits(&mut i) {
            return false;
        }
    }
    i == b.len()
}

/// Types a scalar with an explicit core tag (`!!str`, `!!int`, ...); `None`
/// when go-yaml would refuse it ("cannot decode !!str `x` as a !!int").
pub fn resolve_tagged(suffix: &str, s: &str) -> Option<Scalar> {
    match suffix {
        // go-yaml decodes !!binary from base64; manifests never use it, and
        // the raw text is what a rule would want to look at anyway.
        "str" | "binary" | "timestamp" => Some(Scalar::Str),
        "null" => matches!(resolve(s), Scalar::Null).then_some(Scalar::Null),
        "bool" => match resolve(s) {
            b @ Scalar::Bool(_) => Some(b),
            _ => None,
        },
        "int" => match resolve(s) {
            i @ (Scalar::Int(_) | Scalar::Uint(_)) => Some(i),
            _ => None,
        },
        "float" => match resolve(s) {
            f @ Scalar::Float(_) => Some(f),
            Scalar::Int(i) => Some(Scalar::Float(i as f64)),
            Scalar::Uint(u) => Some(Scalar::Float(u as f64)),
            _ => None,
        },
        // Not a resolvable tag for go-yaml: the text is kept.
        _ => Some(Scalar::Str),
    }
}

impl Scalar {
    /// The JSON value the API server ends up holding.
    ///
    /// sigs.k8s.io/yaml marshals go-yaml's value to JSON, and the API server
    /// decodes JSON numbers as int64 when they parse as one, else float64:
    /// so `1.0` and `1e3` arrive as the integers 1 and 1000 (and a rule
    /// checking `runAsUser == 0` must see `0.0` as 0), while integers above
    /// `i64::MAX` arrive as floats. JSON has no NaN or infinity (kubectl
    /// fails on them); we keep their text so the object is still checked.
    pub fn into_value(self, text: Cow<'_, str>) -> Value {
        match self {
            Scalar::Null => Value::Null,
            Scalar::Bool(b) => Value::Bool(b),
            Scalar::Int(i) => Value::Number(i.into()),
            Scalar::Uint(u) => {
                float_value(u as f64).unwrap_or_else(|| Value::String(compact(text)))
            }
            Scalar::Float(f) => float_value(f).unwrap_or_else(|| Value::String(compact(text))),
            Scalar::Str => Value::String(compact(text)),
        }
    }

    /// The JSON object key sigs.k8s.io/yaml makes of a mapping key:
    /// `on:` becomes `"true"`, `0x10:` `"16"`, `1.5:` `"1.5"`; a null or
    /// uint64 key is an error there ("Unsupported map key of type").
    pub fn into_key(self, text: Cow<'_, str>) -> Result<String, String> {
        match self {
            Scalar::Str => Ok(compact(text)),
            Scalar::Bool(b) => Ok(b.to_string()),
            Scalar::Int(i) => Ok(i.to_string()),
            Scalar::Float(f) => Ok(go_format_float32_g(f)),
            Scalar::Null => Err(format!(
                "mapping key {text:?} is null: Kubernetes cannot read this (quote the key)"
            )),
            Scalar::Uint(_) => Err(format!(
                "mapping key {text} is larger than a 64-bit signed integer: Kubernetes cannot \
                 read this (quote the key)"
            )),
        }
    }
}

/// The scalar's text as an owned string of its own length. The parser
/// hands over plain scalars with room for a buffer's worth (129 bytes or
/// more, however short the text): kept as is, that slack was a third of a
/// loaded object's heap. A fresh copy rather than `shrink_to_fit`, which
/// would leave the tail of every buffer as a hole between live values.
fn compact(text: Cow<'_, str>) -> String {
    match text {
        Cow::Owned(s) if s.capacity() == s.len() => s,
        text => String::from(&*text),
    }
}

fn float_value(f: f64) -> Option<Value> {
    if !f.is_finite() {
        return None;
    }
    // Go's JSON writes -0.0 as `-0` and whole floats without a fraction.
    if f.fract() == 0.0 && (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&f) {
        return Some(Value::Number((f as i64).into()));
    }
    Number::from_f64(f).map(Value::Number)
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 32)` with go-yaml's spellings of
/// the infinities: the shortest float32 digits, in `%e` form when the
/// decimal exponent is below -4 or at least 6 (Go's `%g` rule for the
/// shortest precision), else in `%f` form.
fn go_format_float32_g(f: f64) -> String {
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { ".inf" } else { "-.inf" }.into();
    }
    let x = f as f32;
    if x.is_infinite() {
        // Beyond float32: Go formats "+Inf", which go-yaml spells ".inf".
        return if x > 0.0 { ".inf" } else { "-.inf" }.into();
    }
    if x == 0.0 {
        return if x.is_sign_negative() { "-0" } else { "0" }.into();
    }
    // Rust's `{:e}` on f32 prints the shortest round-tripping digits, as
    // Go's precision -1 does: "1.2345e6".
    let e = format!("{:e}", x.abs());
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mant.chars().filter(|c| *c != '.').collect();
    let sign = if x < 0.0 { "-" } else { "" };
    if !(-4..6).contains(&exp) {
        let (first, rest) = digits.split_at(1);
        let frac = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{first}{frac}e{esign}{:02}", exp.abs());
    }
    let n = digits.len() as i32;
    let body = if exp < 0 {
        format!("0.{}{}", "0".repeat((-exp - 1) as usize), digits)
    } else if exp + 1 >= n {
        format!("{}{}", digits, "0".repeat((exp + 1 - n) as usize))
    } else {
        let (int, frac) = digits.split_at((exp + 1) as usize);
        format!("{int}.{frac}")
    };
    format!("{sign}{body}")
}

/// Types an untagged plain scalar into the JSON value Kubernetes sees.
pub fn resolve_plain(s: &str) -> Value {
    resolve(s).into_value(Cow::Borrowed(s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn v(s: &str) -> Value {
        resolve_plain(s)
    }

    fn key(s: &str) -> Result<String, String> {
        resolve(s).into_key(Cow::Borrowed(s))
    }

    /// resolve.go's resolveMap: exactly these spellings are booleans.
    #[test]
    fn yaml_1_1_booleans() {
        for t in [
            "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON",
        ] {
            assert_eq!(v(t), json!(true), "{t}");
        }
        for f in [
            "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF",
        ] {
            assert_eq!(v(f), json!(false), "{f}");
        }
        // Not in the map: mixed case and other words stay strings.
        for s in ["yES", "oN", "tRUE", "enabled", "nO"] {
            assert_eq!(v(s), json!(s), "{s}");
        }
    }

    /// ParseInt(s, 0, 64): a leading 0 is octal, Go prefixes in either case.
    #[test]
    fn go_integers() {
        assert_eq!(v("0644"), json!(420));
        assert_eq!(v("0400"), json!(256));
        assert_eq!(v("0777"), json!(511));
        assert_eq!(v("420"), json!(420));
        assert_eq!(v("0x1F"), json!(31));
        assert_eq!(v("0X1f"), json!(31));
        assert_eq!(v("0b101"), json!(5));
        assert_eq!(v("0B101"), json!(5));
        assert_eq!(v("-0b101"), json!(-5));
        assert_eq!(v("0o17"), json!(15));
        assert_eq!(v("+12"), json!(12));
        assert_eq!(v("-12"), json!(-12));
        assert_eq!(v("1_000"), json!(1000));
        assert_eq!(v("0"), json!(0));
        assert_eq!(v("-0"), json!(0));
        assert_eq!(v("-9223372036854775808"), json!(i64::MIN));
        // Invalid octal digits: ParseInt fails, yamlStyleFloat matches, so a
        // float 899, which the API server receives as the integer 899.
        assert_eq!(v("0899"), json!(899));
        // Prefix without digits, or a digit outside the radix: a string.
        assert_eq!(v("0x"), json!("0x"));
        assert_eq!(v("0b102"), json!("0b102"));
    }

    /// Above i64::MAX: go-yaml gives a uint64; the API server's JSON decoder
    /// then falls back to float64. A signed one is a ParseUint failure and
    /// matches yamlStyleFloat.
    #[test]
    fn big_integers() {
        assert_eq!(v("18446744073709551615"), json!(18446744073709551615.0_f64));
        assert_eq!(
            v("+18446744073709551615"),
            json!(18446744073709551615.0_f64)
        );
        assert_eq!(v("0xFFFFFFFFFFFFFFFF"), json!(18446744073709551615.0_f64));
        // Beyond u64 and not float-shaped: a string.
        assert_eq!(v("0x1FFFFFFFFFFFFFFFF"), json!("0x1FFFFFFFFFFFFFFFF"));
    }

    #[test]
    fn floats() {
        assert_eq!(v("1.5"), json!(1.5));
        assert_eq!(v("-.5"), json!(-0.5));
        assert_eq!(v(".5"), json!(0.5));
        assert_eq!(v("1.5e3"), json!(1500));
        assert_eq!(v("2.5E-1"), json!(0.25));
        // Whole floats reach the API server as JSON `1`, `1000`: integers.
        assert_eq!(v("1.0"), json!(1));
        assert_eq!(v("1e3"), json!(1000));
        assert_eq!(v("1."), json!(1));
        assert_eq!(v("0.0"), json!(0));
        // Not yamlStyleFloat: hex floats, bare dots, two dots.
        assert_eq!(v("0x1p3"), json!("0x1p3"));
        assert_eq!(v("."), json!("."));
        assert_eq!(v("1.2.3"), json!("1.2.3"));
        assert_eq!(v("1e"), json!("1e"));
        // Out of float64 range: ParseFloat errors, so a string.
        assert_eq!(v("1e400"), json!("1e400"));
        // JSON has no NaN/Inf; kubectl fails on them. We keep the text.
        assert_eq!(v(".inf"), json!(".inf"));
        assert_eq!(v("-.Inf"), json!("-.Inf"));
        assert_eq!(v(".NaN"), json!(".NaN"));
    }

    #[test]
    fn strings_stay_strings() {
        for s in [
            "nginx:1.25",
            "100m",
            "1Gi",
            "1.2.3",
            "v1",
            "2024-01-02",
            "2001-12-14t21:59:43.10-05:00",
            "12:30",
            "1:30:00",
            "-",
            "+",
            "--flag",
            "0.0.0.0/0",
            "<<",
            "=",
        ] {
            assert_eq!(v(s), json!(s), "{s}");
        }
        assert_eq!(v("~"), Value::Null);
        assert_eq!(v("null"), Value::Null);
        assert_eq!(v("NULL"), Value::Null);
        assert_eq!(v("nULL"), json!("nULL"));
        assert_eq!(v(""), Value::Null);
    }

    proptest::proptest! {
        /// Number-shaped and arbitrary text: typing never panics, and a
        /// key is a non-empty string or an error.
        #[test]
        fn typing_never_panics(
            s in "[-+]?[0-9._eExXoObBaAfF]{0,30}|\\PC{0,20}",
        ) {
            let _ = resolve_plain(&s);
            if let Ok(k) = resolve(&s).into_key(Cow::Borrowed(&s)) {
                proptest::prop_assert!(!k.is_empty() || s.is_empty());
            }
            for tag in ["int", "float", "bool", "null", "str"] {
                let _ = resolve_tagged(tag, &s);
            }
        }
    }

    /// go-yaml: "cannot decode !!str `x` as a !!int" and friends.
    #[test]
    fn tagged_scalars() {
        assert_eq!(resolve_tagged("str", "0644"), Some(Scalar::Str));
        assert_eq!(resolve_tagged("int", "0644"), Some(Scalar::Int(420)));
        assert_eq!(resolve_tagged("int", "1.5"), None);
        assert_eq!(resolve_tagged("int", "abc"), None);
        assert_eq!(resolve_tagged("bool", "yes"), Some(Scalar::Bool(true)));
        assert_eq!(resolve_tagged("bool", "1"), None);
        assert_eq!(resolve_tagged("float", "1"), Some(Scalar::Float(1.0)));
        assert_eq!(resolve_tagged("null", "~"), Some(Scalar::Null));
        assert_eq!(resolve_tagged("null", "x"), None);
        assert_eq!(resolve_tagged("python/object", "x"), Some(Scalar::Str));
    }

    /// sigs.k8s.io/yaml convertToJSONableObject: keys become strings with
    /// strconv.Itoa, FormatFloat(f, 'g', -1, 32) and "true"/"false".
    #[test]
    fn keys_are_stringified_like_sigs_k8s_io_yaml() {
        assert_eq!(key("on").as_deref(), Ok("true"));
        assert_eq!(key("no").as_deref(), Ok("false"));
        assert_eq!(key("0x10").as_deref(), Ok("16"));
        assert_eq!(key("010").as_deref(), Ok("8"));
        assert_eq!(key("80").as_deref(), Ok("80"));
        assert_eq!(key("1.5").as_deref(), Ok("1.5"));
        assert_eq!(key("1.0").as_deref(), Ok("1"));
        assert_eq!(key("1e3").as_deref(), Ok("1000"));
        assert_eq!(key("123456.0").as_deref(), Ok("123456"));
        assert_eq!(key("1e6").as_deref(), Ok("1e+06"));
        assert_eq!(key("1234567.0").as_deref(), Ok("1.234567e+06"));
        assert_eq!(key("0.0001").as_deref(), Ok("0.0001"));
        assert_eq!(key("0.00001").as_deref(), Ok("1e-05"));
        assert_eq!(key("-2.5").as_deref(), Ok("-2.5"));
        // float32 precision, as Go formats it.
        assert_eq!(key("0.1").as_deref(), Ok("0.1"));
        assert_eq!(key("3.14159265358979").as_deref(), Ok("3.1415927"));
        assert_eq!(key(".inf").as_deref(), Ok(".inf"));
        assert_eq!(key("-.inf").as_deref(), Ok("-.inf"));
        assert_eq!(key(".nan").as_deref(), Ok(".nan"));
        // Finite for float64, infinite for float32; and float32 underflow.
        assert_eq!(key("1e300").as_deref(), Ok(".inf"));
        assert_eq!(key("-1e300").as_deref(), Ok("-.inf"));
        assert_eq!(key("1e-50").as_deref(), Ok("0"));
        assert_eq!(key("name").as_deref(), Ok("name"));
        assert!(key("~").is_err());
        assert!(key("null").is_err());
        assert!(key("18446744073709551615").is_err());
    }
}
