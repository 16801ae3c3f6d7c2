//! A snapshot: everything a cluster scan analysed, as one `kind: List` JSON
//! document that `bulwark scan FILE` reads offline with the same findings.

use bulwark_core::Resource;
use serde_json::{Value, json};

use crate::secret;

/// The resources as a `v1` `List` (what `kubectl get -o json` prints).
/// Secrets are stripped again here, so no path can write a value.
pub fn to_list<'a>(resources: impl IntoIterator<Item = &'a Resource>) -> Value {
    let items: Vec<Value> = resources
        .into_iter()
        .map(|r| {
            let mut v = r.value.clone();
            if r.kind() == "Secret" && r.group().is_empty() {
                secret::strip_values(&mut v);
            }
            v
        })
        .collect();
    json!({
        "apiVersion": "v1",
        "kind": "List",
        "metadata": {"resourceVersion": ""},
        "items": items,
    })
}

/// Writes the snapshot as pretty JSON.
pub fn write<'a>(
    resources: impl IntoIterator<Item = &'a Resource>,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &to_list(resources))?;
    out.write_all(b"\n")
}
