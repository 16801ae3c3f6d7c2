//! Whatever the bytes, the loader returns: objects, skipped entries or
//! errors with positions, never a panic.

use bulwark_core::FieldPath;
use bulwark_load::{LoadOptions, load_bytes, load_str};
use proptest::prelude::*;

/// Pieces that steer random text into the parser's corners: indentation,
/// flow collections, anchors and aliases, merge keys, tags, block scalars,
/// document markers, quotes, YAML 1.1 scalars, tabs and CRLF.
fn yamlish() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "apiVersion: v1\n",
        "kind: Pod\n",
        "kind: List\n",
        "items:\n",
        "metadata:\n",
        "  name: x\n",
        "- ",
        "  ",
        "    ",
        "\n",
        "\r\n",
        "\t",
        ": ",
        ":",
        "? ",
        "[",
        "]",
        "{",
        "}",
        ",",
        "&a ",
        "*a",
        "&b ",
        "*b",
        "<<: ",
        "!!int ",
        "!!str ",
        "!!bool ",
        "!x ",
        "|\n",
        ">-\n",
        "---\n",
        "...\n",
        "'",
        "\"",
        "\\",
        "#",
        "~",
        "on",
        "0644",
        "0x1F",
        "1e3",
        ".inf",
        "1.5",
        "null",
        "yes",
        "\u{feff}",
        "é",
        "%YAML 1.1\n",
        "%TAG ! tag:x,2000:\n",
    ]);
    prop::collection::vec(piece, 0..60).prop_map(|v| v.concat())
}

fn check(l: &bulwark_load::Loaded) {
    for r in &l.resources {
        assert!(!r.id.kind.is_empty() && !r.id.api_version.is_empty());
        // Locating any path works, present or not.
        let _ = r.locate(&FieldPath::parse("spec.containers[0].securityContext"));
        let _ = r.locate(&FieldPath::parse("metadata.name"));
    }
    for e in &l.summary.errors {
        assert!(!e.message.is_empty());
        if let (Some(line), Some(col)) = (e.line, e.column) {
            assert!(line >= 1 && col >= 1, "{e}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 2000,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        check(&load_bytes("r.yaml", &bytes, &LoadOptions::default()));
    }

    #[test]
    fn random_strings_never_panic(text in ".{0,256}") {
        check(&load_str("r.yaml", &text, &LoadOptions::default()));
    }

    #[test]
    fn yaml_like_text_never_panics(text in yamlish()) {
        check(&load_str("y.yaml", &text, &LoadOptions::default()));
        let json_ish = format!("{{{text}");
        check(&load_str("y.json", &json_ish, &LoadOptions::default()));
    }
}
