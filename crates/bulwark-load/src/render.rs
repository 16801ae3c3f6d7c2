//! Helm charts and kustomizations are rendered by their own tools, which
//! must be on PATH; without them the user is told what to install.

use std::path::Path;
use std::process::Command;

/// Output of a renderer, or a message for the user.
pub fn render_chart(dir: &Path) -> Result<String, String> {
    let helm = std::env::var("BULWARK_HELM").unwrap_or_else(|_| "helm".to_string());
    run(
        Command::new(&helm)
            .arg("template")
            .arg("bulwark-scan")
            .arg(dir),
        &helm,
        "Helm chart not rendered: `helm` was not found on PATH. Install Helm 3 \
         (https://helm.sh/docs/intro/install/) or render it yourself: \
         `helm template DIR | bulwark scan -`",
    )
}

pub fn render_kustomization(dir: &Path) -> Result<String, String> {
    if let Ok(k) = std::env::var("BULWARK_KUSTOMIZE") {
        return run(Command::new(&k).arg("build").arg(dir), &k, "");
    }
    let missing = "kustomization not rendered: neither `kubectl` nor `kustomize` was found on \
                   PATH. Install kubectl (which includes kustomize) or kustomize, or render it \
                   yourself: `kubectl kustomize DIR | bulwark scan -`";
    match run(
        Command::new("kubectl").arg("kustomize").arg(dir),
        "kubectl",
        "",
    ) {
        Err(e) if e.is_empty() => run(
            Command::new("kustomize").arg("build").arg(dir),
            "kustomize",
            missing,
        ),
        other => other,
    }
}

/// Runs a renderer. An empty error means the tool itself was not found and
/// `missing` was empty (so the caller may try another tool).
fn run(cmd: &mut Command, tool: &str, missing: &str) -> Result<String, String> {
    match cmd.output() {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(missing.to_string()),
        Err(e) => Err(format!("could not run `{tool}`: {e}")),
        Ok(out) if out.status.success() => String::from_utf8(out.stdout)
            .map_err(|_| format!("`{tool}` printed output that is not UTF-8")),
        Ok(out) => {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let first = stderr.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
            Err(format!("`{tool}` failed ({}): {first}", out.status))
        }
    }
}
