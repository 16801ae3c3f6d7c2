//! Paths of a host tree mounted under a root, read the way the node reads
//! them and never outside the root: symlinks (absolute or `../`) are
//! resolved inside the root as a chroot would, reads refuse anything but
//! regular files (a FIFO or device would block or never end) and are
//! bounded in size.

use std::ffi::OsString;
use std::fs;
use std::io::{self, Read};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Component, Path, PathBuf};

/// Symlinks followed in one resolution, as Linux's `MAXSYMLINKS`.
const MAX_LINKS: usize = 40;

/// `host` (a path on the node) under `root`, every symlink on the way
/// resolved inside `root`: `..` stops at the root, an absolute target
/// starts again from it. The last component is resolved too.
pub fn resolve(root: &Path, host: &str) -> io::Result<PathBuf> {
    let mut done: Vec<OsString> = Vec::new();
    let mut todo: Vec<OsString> = components(Path::new(host));
    todo.reverse();
    let mut links = 0usize;
    while let Some(c) = todo.pop() {
        if c == ".." {
            done.pop();
            continue;
        }
        let mut cand = root.to_path_buf();
        cand.extend(&done);
        cand.push(&c);
        match fs::symlink_metadata(&cand) {
            Ok(m) if m.file_type().is_symlink() => {
                links += 1;
                if links > MAX_LINKS {
                    return Err(io::Error::other(format!(
                        "more than {MAX_LINKS} symbolic links in {host}"
                    )));
                }
                let target = fs::read_link(&cand)?;
                if target.is_absolute() {
                    done.clear();
                }
                let mut t = components(&target);
                t.reverse();
                todo.extend(t);
            }
            // Missing components are kept: the caller's stat reports them.
            _ => done.push(c),
        }
    }
    let mut out = root.to_path_buf();
    out.extend(&done);
    Ok(out)
}

fn components(p: &Path) -> Vec<OsString> {
    p.components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_os_string()),
            Component::ParentDir => Some(OsString::from("..")),
            _ => None,
        })
        .collect()
}

/// Reads at most `limit` bytes of the regular file at `full` (already
/// resolved): anything else is refused with the reason, without opening
/// it for long (a FIFO swapped in after the check does not block either).
pub fn read_regular(full: &Path, limit: u64) -> Result<Vec<u8>, String> {
    let md = fs::symlink_metadata(full).map_err(|e| e.to_string())?;
    if !md.file_type().is_file() {
        return Err(format!("{}: not read", kind_of(&md)));
    }
    let f = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW)
        .open(full)
        .map_err(|e| e.to_string())?;
    let md = f.metadata().map_err(|e| e.to_string())?;
    if !md.file_type().is_file() {
        return Err(format!("{}: not read", kind_of(&md)));
    }
    let mut out = Vec::new();
    f.take(limit.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|e| e.to_string())?;
    if out.len() as u64 > limit {
        return Err(format!("larger than {limit} bytes, not read"));
    }
    Ok(out)
}

/// What a file that is not a regular file is, for the reason given.
pub fn kind_of(md: &fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = md.file_type();
    if t.is_fifo() {
        "a FIFO (named pipe)"
    } else if t.is_char_device() || t.is_block_device() {
        "a device"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_dir() {
        "a directory"
    } else if t.is_symlink() {
        "a symbolic link"
    } else {
        "not a regular file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn links_stay_inside_the_root() {
        let outside = tempfile::tempdir().expect("tempdir");
        fs::write(outside.path().join("secret"), "host secret").expect("write");
        let root = tempfile::tempdir().expect("tempdir");
        let r = root.path();
        fs::create_dir_all(r.join("etc/kubernetes")).expect("mkdir");
        fs::write(r.join("etc/kubernetes/real.conf"), "node file").expect("write");
        // Absolute: resolved against the root, not the scanner's /.
        symlink(outside.path().join("secret"), r.join("etc/abs")).expect("symlink");
        // Relative, climbing above the root: stops at the root.
        symlink(
            "../../../../../../../../etc/kubernetes/real.conf",
            r.join("etc/up"),
        )
        .expect("symlink");
        symlink("/etc/kubernetes", r.join("kdir")).expect("symlink");
        let abs = resolve(r, "/etc/abs").expect("resolves");
        assert!(abs.starts_with(r), "{}", abs.display());
        assert!(fs::read(&abs).is_err(), "the host's file is not read");
        let up = resolve(r, "/etc/up").expect("resolves");
        assert_eq!(fs::read_to_string(up).expect("read"), "node file");
        let via_dir = resolve(r, "/kdir/real.conf").expect("resolves");
        assert_eq!(fs::read_to_string(via_dir).expect("read"), "node file");
        // A loop ends.
        symlink("/loop", r.join("loop")).expect("symlink");
        assert!(resolve(r, "/loop").is_err());
    }

    #[test]
    fn fifos_and_devices_are_refused_not_opened() {
        let root = tempfile::tempdir().expect("tempdir");
        let fifo = root.path().join("fifo");
        let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).expect("path");
        // SAFETY: a valid NUL-terminated path; mkfifo has no other effect.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let e = read_regular(&fifo, 1024).expect_err("refused");
        assert!(e.contains("FIFO"), "{e}");
        let e = read_regular(Path::new("/dev/zero"), 1024).expect_err("refused");
        assert!(e.contains("device"), "{e}");
        fs::write(root.path().join("big"), vec![b'a'; 2048]).expect("write");
        let e = read_regular(&root.path().join("big"), 1024).expect_err("too large");
        assert!(e.contains("larger than 1024"), "{e}");
    }
}
