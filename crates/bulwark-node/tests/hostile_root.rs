//! `bulwark node --root` on a crafted tree: links that point out of the
//! root, FIFOs where files should be. Each test failed (read the host's
//! files, or hung) before the fix.

mod common;

use std::os::unix::fs::symlink;

use bulwark_node::host::FileFact;

fn mkfifo(p: &std::path::Path) {
    let c = std::ffi::CString::new(p.as_os_str().as_encoded_bytes()).expect("path");
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
}

#[test]
fn links_out_of_the_root_do_not_read_the_scanners_files() {
    let outside = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        outside.path().join("admin.conf"),
        "apiVersion: v1\nkind: Config\n",
    )
    .expect("write");
    let root = tempfile::tempdir().expect("tempdir");
    let r = root.path();
    std::fs::create_dir_all(r.join("etc/kubernetes")).expect("mkdir");
    symlink(
        outside.path().join("admin.conf"),
        r.join("etc/kubernetes/admin.conf"),
    )
    .expect("symlink");
    let depth = outside.path().components().count() + 4;
    let up = format!(
        "{}{}",
        "../".repeat(depth),
        outside.path().join("admin.conf").display()
    );
    symlink(&up, r.join("etc/kubernetes/scheduler.conf")).expect("symlink");
    let host = bulwark_node::collect::collect_node(r, None, &common::parse);
    for f in [
        "/etc/kubernetes/admin.conf",
        "/etc/kubernetes/scheduler.conf",
    ] {
        assert!(
            matches!(host.snapshot.file(f), Some(FileFact::Missing) | None),
            "{f}: {:?}",
            host.snapshot.file(f)
        );
    }
}

#[test]
fn fifos_under_the_root_are_refused_not_waited_on() {
    let root = tempfile::tempdir().expect("tempdir");
    let r = root.path();
    for d in ["proc/10", "etc/kubernetes"] {
        std::fs::create_dir_all(r.join(d)).expect("mkdir");
    }
    mkfifo(&r.join("proc/10/cmdline"));
    mkfifo(&r.join("etc/passwd"));
    mkfifo(&r.join("etc/kubernetes/admin.conf"));
    std::fs::create_dir_all(r.join("proc/11")).expect("mkdir");
    std::fs::write(
        r.join("proc/11/cmdline"),
        b"etcd\0--data-dir=/var/lib/etcd\0",
    )
    .expect("w");
    mkfifo(&r.join("proc/11/environ"));
    let (tx, rx) = std::sync::mpsc::channel();
    let path = r.to_path_buf();
    std::thread::spawn(move || {
        let host = bulwark_node::collect::collect_node(&path, None, &common::parse);
        let _ = tx.send(host);
    });
    let host = rx
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("collection ends although FIFOs are in the tree");
    match host
        .snapshot
        .present("/etc/kubernetes/admin.conf")
        .map(|i| &i.text)
    {
        Some(Some(Err(e))) => assert!(e.contains("FIFO"), "{e}"),
        other => panic!("{other:?}"),
    }
    let procs = host.snapshot.processes.as_ref().expect("processes");
    assert_eq!(procs.iter().map(|p| p.pid).collect::<Vec<_>>(), [11]);
}
