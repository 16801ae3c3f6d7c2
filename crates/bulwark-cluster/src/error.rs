//! Errors that stop the scan of a cluster (everything else is recorded as
//! not evaluated and the scan goes on).

/// Why a cluster could not be scanned at all.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "no cluster credentials: pass --kubeconfig, set KUBECONFIG, create ~/.kube/config, or run in a pod"
    )]
    NoCredentials,
    #[error("{from}: cannot read the kubeconfig: {message}")]
    Kubeconfig { from: String, message: String },
    #[error("{from}: {message}")]
    NoContext { from: String, message: String },
    #[error("{}", unknown_context(.name, .from, .known))]
    UnknownContext {
        name: String,
        from: String,
        known: Vec<String>,
    },
    #[error("context {context}: {message}")]
    Client { context: String, message: String },
    #[error("context {context}: cannot reach the API server: {message}")]
    Unreachable { context: String, message: String },
    #[error("context {context}: namespace \"{name}\" does not exist")]
    UnknownNamespace { name: String, context: String },
}

fn unknown_context(name: &str, from: &str, known: &[String]) -> String {
    let mut s = format!("{from}: no context named \"{name}\"");
    if let Some(best) = known
        .iter()
        .map(|k| (strsim::levenshtein(name, k), k))
        .filter(|(d, _)| *d <= 3)
        .min()
    {
        s.push_str(&format!(" (did you mean \"{}\"?)", best.1));
    }
    if known.is_empty() {
        s.push_str("; it has no contexts");
    } else {
        s.push_str(&format!("; known contexts: {}", known.join(", ")));
    }
    s
}
