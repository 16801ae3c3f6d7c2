//! Running the binary and reading what it printed.

use std::path::Path;

/// Runs `bulwark ARGS` in `dir`: (exit code, stdout, stderr).
pub fn bulwark(args: &[&str], dir: &Path) -> (Option<i32>, String, String) {
    let out = assert_cmd::Command::cargo_bin("bulwark")
        .expect("binary")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
