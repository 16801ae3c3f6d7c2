//! Helm charts and kustomizations are rendered by their own tools, which
//! must be on PATH; without them the user is told what to install and the
//! rest of the scan goes on.
//!
//! `BULWARK_HELM` and `BULWARK_KUSTOMIZE` name the programs to run instead
//! (a pinned binary, or a wrapper that adds `--values`).

use std::ffi::OsStr;
use std::io::Read;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// What a renderer may produce and how long it may run: its output is an
/// input like any file (`--max-file-size` holds), and a renderer that does
/// not end is killed.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_output: u64,
    pub timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_output: 256 * 1024 * 1024,
            timeout: Duration::from_secs(300),
        }
    }
}

const HELM_MISSING: &str = "Helm chart not rendered: `helm` was not found on PATH. Install Helm 3 \
     (https://helm.sh/docs/intro/install/) or render it yourself: \
     `helm template DIR | bulwark scan -`";

const KUSTOMIZE_MISSING: &str = "kustomization not rendered: neither `kubectl` nor `kustomize` \
     was found on PATH. Install kubectl (which includes kustomize) or kustomize, or render it \
     yourself: `kubectl kustomize DIR | bulwark scan -`";

/// Output of `helm template` for the chart in `dir`, or a message for the user.
pub fn render_chart(dir: &Path) -> Result<String, String> {
    render_chart_limited(dir, Limits::default())
}

/// [`render_chart`] within `limits`.
pub fn render_chart_limited(dir: &Path, limits: Limits) -> Result<String, String> {
    let helm = std::env::var_os("BULWARK_HELM").unwrap_or_else(|| "helm".into());
    let mut cmd = Command::new(&helm);
    cmd.arg("template").arg("bulwark-scan").arg(dir);
    run(&mut cmd, None, &helm, limits)?.ok_or_else(|| HELM_MISSING.to_string())
}

/// [`render_chart`] with an explicit program and, when given, the PATH it
/// is searched in (for tests).
pub fn render_chart_with(
    helm: &OsStr,
    dir: &Path,
    search_path: Option<&OsStr>,
) -> Result<String, String> {
    let mut cmd = Command::new(helm);
    cmd.arg("template").arg("bulwark-scan").arg(dir);
    run(&mut cmd, search_path, helm, Limits::default())?.ok_or_else(|| HELM_MISSING.to_string())
}

/// Output of `kubectl kustomize` (or `kustomize build`) for `dir`.
pub fn render_kustomization(dir: &Path) -> Result<String, String> {
    render_kustomization_limited(dir, Limits::default())
}

/// [`render_kustomization`] within `limits`.
pub fn render_kustomization_limited(dir: &Path, limits: Limits) -> Result<String, String> {
    let explicit = std::env::var_os("BULWARK_KUSTOMIZE");
    kustomize(explicit.as_deref(), dir, None, limits)
}

/// [`render_kustomization`] with an explicit program (run as `PROG build
/// DIR`) or, when `None`, kubectl then kustomize from `search_path` (or PATH).
pub fn render_kustomization_with(
    program: Option<&OsStr>,
    dir: &Path,
    search_path: Option<&OsStr>,
) -> Result<String, String> {
    kustomize(program, dir, search_path, Limits::default())
}

fn kustomize(
    program: Option<&OsStr>,
    dir: &Path,
    search_path: Option<&OsStr>,
    limits: Limits,
) -> Result<String, String> {
    if let Some(p) = program {
        let mut cmd = Command::new(p);
        cmd.arg("build").arg(dir);
        return run(&mut cmd, search_path, p, limits)?
            .ok_or_else(|| format!("kustomization not rendered: {p:?} was not found"));
    }
    let mut kubectl = Command::new("kubectl");
    kubectl.arg("kustomize").arg(dir);
    if let Some(out) = run(&mut kubectl, search_path, OsStr::new("kubectl"), limits)? {
        return Ok(out);
    }
    let mut kustomize = Command::new("kustomize");
    kustomize.arg("build").arg(dir);
    run(&mut kustomize, search_path, OsStr::new("kustomize"), limits)?
        .ok_or_else(|| KUSTOMIZE_MISSING.to_string())
}

/// Runs a renderer: `Ok(None)` when the program does not exist. Its
/// output is read up to `limits.max_output` (one byte more kills it) and
/// it is killed after `limits.timeout`.
fn run(
    cmd: &mut Command,
    search_path: Option<&OsStr>,
    tool: &OsStr,
    limits: Limits,
) -> Result<Option<String>, String> {
    use std::process::Stdio;
    if let Some(p) = search_path {
        cmd.env("PATH", p);
    }
    let tool = tool.to_string_lossy();
    let mut child = match cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("could not run `{tool}`: {e}")),
        Ok(c) => c,
    };
    let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
        let _ = child.kill();
        let _ = child.wait();
        return Err(format!("could not run `{tool}`: no output pipe"));
    };
    let limit = limits.max_output;
    let out = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let r = stdout.take(limit.saturating_add(1)).read_to_end(&mut buf);
        r.map(|_| buf)
    });
    let err = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stderr.take(64 * 1024).read_to_end(&mut buf);
        buf
    });
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Some(s),
            Ok(None) if start.elapsed() >= limits.timeout => break None,
            Ok(None) => {
                // The output is read in its thread; a full buffer stops early.
                if out.is_finished() {
                    let _ = child.kill();
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("could not run `{tool}`: {e}"));
            }
        }
    };
    let Some(status) = status else {
        let _ = child.kill();
        let _ = child.wait();
        return Err(format!(
            "`{tool}` did not finish within {}s: killed, nothing read",
            limits.timeout.as_secs()
        ));
    };
    let stdout = out
        .join()
        .map_err(|_| format!("`{tool}`: output reader failed"))?
        .map_err(|e| format!("could not read `{tool}` output: {e}"))?;
    let stderr = err.join().unwrap_or_default();
    if stdout.len() as u64 > limit {
        return Err(format!(
            "`{tool}` printed more than the {limit} byte limit (raise it with --max-file-size): \
             nothing read"
        ));
    }
    if status.success() {
        String::from_utf8(stdout)
            .map(Some)
            .map_err(|_| format!("`{tool}` printed output that is not UTF-8"))
    } else {
        let stderr = String::from_utf8_lossy(&stderr);
        let first = stderr.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        Err(format!("`{tool}` failed ({status}): {first}"))
    }
}

/// One template's share of `helm template` output.
#[derive(Debug, PartialEq, Eq)]
pub struct Section<'a> {
    /// `<chart dir>/templates/x.yaml (rendered by helm)`, or the chart
    /// directory for output before the first `# Source:` line.
    pub name: String,
    /// The rendered text; its first line is the one after `# Source:`, so
    /// lines count as in the template when the template is plain YAML.
    pub text: &'a str,
}

/// Splits `helm template` output at the `# Source: chart/templates/x.yaml`
/// comments Helm writes before each document, so each object names the
/// template it came from. The chart name that starts the source path is
/// replaced by the chart directory (`chart/charts/sub/...` for subcharts
/// stays below it).
pub fn helm_sections<'a>(dir: &Path, out: &'a str) -> Vec<Section<'a>> {
    let mut sections = Vec::new();
    let mut name = format!("{} (rendered by helm)", dir.display());
    let mut start = 0usize;
    let mut offset = 0usize;
    for line in out.split_inclusive('\n') {
        let end = offset + line.len();
        if let Some(src) = line.trim_end().strip_prefix("# Source: ") {
            let text = &out[start..offset];
            if !text
                .trim_matches(|c: char| c.is_whitespace() || c == '-')
                .is_empty()
            {
                sections.push(Section {
                    name: std::mem::take(&mut name),
                    text,
                });
            }
            let rel = src.split_once('/').map_or(src, |(_, rest)| rest);
            name = format!("{} (rendered by helm)", dir.join(rel).display());
            start = end;
        }
        offset = end;
    }
    let text = &out[start..];
    if !text
        .trim_matches(|c: char| c.is_whitespace() || c == '-')
        .is_empty()
    {
        sections.push(Section { name, text });
    }
    sections
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helm_output_is_split_by_source_comment() {
        let out = "---\n# Source: web/templates/sa.yaml\napiVersion: v1\nkind: ServiceAccount\n\
                   ---\n# Source: web/charts/db/templates/sts.yaml\n\napiVersion: apps/v1\n";
        let s = helm_sections(Path::new("/c/web"), out);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].name, "/c/web/templates/sa.yaml (rendered by helm)");
        assert_eq!(s[0].text, "apiVersion: v1\nkind: ServiceAccount\n---\n");
        assert_eq!(
            s[1].name,
            "/c/web/charts/db/templates/sts.yaml (rendered by helm)"
        );
        assert_eq!(s[1].text, "\napiVersion: apps/v1\n");
    }

    #[test]
    fn output_without_source_comments_is_one_section() {
        let s = helm_sections(Path::new("c"), "apiVersion: v1\nkind: List\n");
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].name, "c (rendered by helm)");
    }

    fn fake(dir: &Path, body: &str) -> std::path::PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let p = dir.join("fake-renderer");
        std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).expect("write");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        p
    }

    #[test]
    fn renderer_output_is_bounded() {
        let d = tempfile::tempdir().expect("tempdir");
        let p = fake(d.path(), "yes 'kind: ConfigMap'");
        let mut cmd = Command::new(&p);
        let limits = Limits {
            max_output: 1000,
            timeout: Duration::from_secs(60),
        };
        let e = run(&mut cmd, None, p.as_os_str(), limits).expect_err("too large");
        assert!(e.contains("more than the 1000 byte limit"), "{e}");
    }

    #[test]
    fn a_renderer_that_never_ends_is_killed() {
        let d = tempfile::tempdir().expect("tempdir");
        let p = fake(d.path(), "exec sleep 600");
        let mut cmd = Command::new(&p);
        let limits = Limits {
            max_output: 1000,
            timeout: Duration::from_millis(300),
        };
        let start = Instant::now();
        let e = run(&mut cmd, None, p.as_os_str(), limits).expect_err("killed");
        assert!(e.contains("did not finish within"), "{e}");
        assert!(start.elapsed() < Duration::from_secs(30));
    }

    #[test]
    fn missing_tools_say_what_to_install() {
        let empty = std::env::temp_dir().join("bulwark-load-empty-path-does-not-exist");
        let e = render_chart_with(OsStr::new("helm"), Path::new("."), Some(empty.as_os_str()))
            .expect_err("no helm in an empty PATH");
        assert!(e.contains("Install Helm"), "{e}");
        let e = render_kustomization_with(None, Path::new("."), Some(empty.as_os_str()))
            .expect_err("no kubectl in an empty PATH");
        assert!(e.contains("Install kubectl"), "{e}");
    }
}
