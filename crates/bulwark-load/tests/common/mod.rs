//! Helpers shared by the loader's integration tests.
#![allow(dead_code)]

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use bulwark_core::{FieldPath, Resource};
use bulwark_load::{LoadOptions, Loaded, load_paths};
use serde_json::{Value, json};

pub fn write(dir: &Path, rel: &str, text: impl AsRef<[u8]>) -> PathBuf {
    let p = dir.join(rel);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(&p, text).expect("write");
    p
}

pub fn load(paths: &[&Path]) -> Loaded {
    let paths: Vec<PathBuf> = paths.iter().map(|p| p.to_path_buf()).collect();
    load_paths(&paths, &LoadOptions::default())
}

/// `(line, column)` of `path` in `r`.
pub fn at(r: &Resource, path: &str) -> (u32, u32) {
    let loc = r.locate(&FieldPath::parse(path)).expect("has a file");
    (loc.line.expect("line"), loc.column.expect("column"))
}

pub fn names(l: &Loaded) -> Vec<String> {
    l.resources.iter().map(|r| r.id.display()).collect()
}

/// A JSON account of a load, for child processes to print.
pub fn describe(l: &Loaded) -> Value {
    let resources: Vec<Value> = l
        .resources
        .iter()
        .map(|r| {
            json!({
                "id": r.id.display(),
                "file": r.origin.file.as_deref(),
                "document": r.origin.document,
                "item": r.origin.item,
                "line": r.spans.as_ref().map(|s| s.pos.line),
            })
        })
        .collect();
    json!({"resources": resources, "summary": l.summary, "vm_hwm_kib": vm_hwm_kib()})
}

/// Peak resident memory of this process, in KiB (Linux).
pub fn vm_hwm_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

const MARK: &str = "BULWARK-CHILD-RESULT ";

/// Body of the `child_load` test that each test file declares (ignored, so
/// it runs only when a parent test starts it): loads `BULWARK_TEST_PATHS`
/// and prints the result.
pub fn child_load_main() {
    let Some(paths) = std::env::var_os("BULWARK_TEST_PATHS") else {
        return;
    };
    let paths: Vec<PathBuf> = std::env::split_paths(&paths).collect();
    let l = load_paths(&paths, &LoadOptions::default());
    println!("{MARK}{}", describe(&l));
}

/// Runs this test binary's `child_load` test in a child process with the
/// given environment (and in front of it, `wrapper`, e.g. a privilege
/// drop), and returns what it loaded.
pub fn run_child(
    paths: &[&Path],
    env: &[(&str, OsString)],
    remove_env: &[&str],
    wrapper: &[&str],
) -> Result<Value, String> {
    run_child_with_stdin(paths, env, remove_env, wrapper, None)
}

/// [`run_child`], feeding `stdin` to the child.
pub fn run_child_with_stdin(
    paths: &[&Path],
    env: &[(&str, OsString)],
    remove_env: &[&str],
    wrapper: &[&str],
    stdin: Option<&[u8]>,
) -> Result<Value, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut cmd = match wrapper.split_first() {
        Some((first, rest)) => {
            let mut c = Command::new(first);
            c.args(rest).arg(&exe);
            c
        }
        None => Command::new(&exe),
    };
    cmd.args([
        "--exact",
        "child_load",
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ]);
    let joined = std::env::join_paths(paths).map_err(|e| e.to_string())?;
    cmd.env("BULWARK_TEST_PATHS", joined);
    for (k, v) in env {
        cmd.env(k, v);
    }
    for k in remove_env {
        cmd.env_remove(k);
    }
    cmd.stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .stdin(if stdin.is_some() {
            std::process::Stdio::piped()
        } else {
            std::process::Stdio::null()
        });
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start child: {e}"))?;
    if let (Some(bytes), Some(mut pipe)) = (stdin, child.stdin.take()) {
        use std::io::Write;
        let bytes = bytes.to_vec();
        std::thread::spawn(move || {
            let _ = pipe.write_all(&bytes);
        });
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("child failed: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    stdout
        .lines()
        .find_map(|l| l.find(MARK).map(|i| &l[i + MARK.len()..]))
        .ok_or_else(|| {
            format!(
                "child printed no result ({}):\n{stdout}\n{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            )
        })
        .and_then(|j| serde_json::from_str(j).map_err(|e| e.to_string()))
}

/// Whether a program can be found on PATH.
pub fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(program).is_file()))
}

/// A test that needs something this machine lacks: skipped with a message,
/// but a failure in CI, where everything must run.
pub fn skip_or_fail(what: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("{what} (required when CI is set)");
    }
    eprintln!("skipped: {what}");
}
