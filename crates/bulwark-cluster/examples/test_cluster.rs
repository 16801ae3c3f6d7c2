//! Serves the repository's examples as live test clusters on 127.0.0.1,
//! for trying `bulwark cluster scan` by hand:
//!
//! ```text
//! cargo run -p bulwark-cluster --features test-server --example test_cluster -- /tmp/kubeconfig
//! bulwark cluster scan --kubeconfig /tmp/kubeconfig --all-contexts
//! ```
//!
//! Contexts `insecure` and `hardened`; runs until interrupted.

use std::path::{Path, PathBuf};

use bulwark_cluster::testserver::{TestServer, record_dir, write_kubeconfig};

fn main() -> Result<(), String> {
    let out = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("bulwark-test-kubeconfig"));
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut servers = Vec::new();
    let mut contexts = Vec::new();
    for name in ["insecure", "hardened"] {
        let (data, notes) = record_dir(&examples.join(name), "v1.33.1")?;
        for n in notes {
            eprintln!("{name}: {n}");
        }
        let s = TestServer::start(data).map_err(|e| e.to_string())?;
        contexts.push(s.context(name));
        servers.push(s);
    }
    write_kubeconfig(&out, &contexts).map_err(|e| e.to_string())?;
    eprintln!("kubeconfig: {} (Ctrl-C to stop)", out.display());
    loop {
        std::thread::park();
    }
}
