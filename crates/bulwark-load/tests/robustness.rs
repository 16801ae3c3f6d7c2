//! Bad input never panics and never stops the scan: each case becomes an
//! error (with file:line:column where there is one) or a skipped entry, and
//! the good files beside it are still loaded.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use bulwark_load::{LoadOptions, load_file, load_str};
use common::{at, load, names, run_child, write};
use serde_json::json;

const GOOD_A: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: good-a}\n";
const GOOD_B: &str = "apiVersion: v1\nkind: Secret\nmetadata: {name: good-b}\n";

#[test]
#[ignore = "started by other tests as a child process"]
fn child_load() {
    common::child_load_main();
}

/// A directory holding `bad` between two good files.
fn dir_with(bad_name: &str, bad: impl AsRef<[u8]>) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "a-good.yaml", GOOD_A);
    write(dir.path(), "z-good.yaml", GOOD_B);
    let bad = write(dir.path(), bad_name, bad);
    (dir, bad)
}

fn assert_goods_loaded(l: &bulwark_load::Loaded) {
    let n = names(l);
    assert!(n.contains(&"ConfigMap/good-a".to_string()), "{n:?}");
    assert!(n.contains(&"Secret/good-b".to_string()), "{n:?}");
}

#[test]
fn malformed_yaml_is_an_error_at_its_position_and_other_documents_are_kept() {
    let text =
        format!("{GOOD_A}---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: [p\n---\n{GOOD_B}");
    let (dir, bad) = dir_with("m-bad.yaml", &text);
    let l = load(&[dir.path()]);
    assert_eq!(l.summary.errors.len(), 1, "{:?}", l.summary.errors);
    let e = &l.summary.errors[0];
    assert_eq!(e.file, bad.display().to_string());
    // The flow sequence opened on line 8 is cut by the `---` on line 9.
    assert_eq!((e.line, e.column), (Some(9), Some(1)), "{e}");
    // Both good documents of the bad file and both good files.
    assert_eq!(
        names(&l),
        [
            "ConfigMap/good-a",
            "ConfigMap/good-a",
            "Secret/good-b",
            "Secret/good-b"
        ]
    );
    let later = &l.resources[2];
    assert_eq!(later.origin.document, 2);
    assert_eq!(at(later, "metadata.name"), (12, 12));
}

#[test]
fn indentation_error_has_line_and_column() {
    let l = load_str(
        "x.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n   labels: {}\n",
        &LoadOptions::default(),
    );
    let e = &l.summary.errors[0];
    assert_eq!(e.line, Some(5), "{e}");
    assert!(e.column.is_some());
}

#[test]
fn invalid_utf8_points_at_the_bad_byte() {
    let mut bytes = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: caf".to_vec();
    bytes.extend_from_slice(b"\xff\xfe\n");
    let (dir, bad) = dir_with("latin1.yaml", &bytes);
    let l = load(&[dir.path()]);
    assert_goods_loaded(&l);
    let e = &l.summary.errors[0];
    assert_eq!(e.file, bad.display().to_string());
    assert_eq!((e.line, e.column), (Some(4), Some(12)), "{e}");
    assert!(e.message.contains("UTF-8"), "{e}");
    // Columns count characters, not bytes.
    let mut b = "éé".as_bytes().to_vec();
    b.push(0xC3);
    let l = bulwark_load::load_bytes("u.yaml", &b, &LoadOptions::default());
    let e = &l.summary.errors[0];
    assert_eq!((e.line, e.column), (Some(1), Some(3)), "{e}");
}

#[test]
fn utf16_says_so() {
    let mut b = vec![0xFF, 0xFE];
    for u in "a: 1\n".encode_utf16() {
        b.extend_from_slice(&u.to_le_bytes());
    }
    let l = bulwark_load::load_bytes("w.yaml", &b, &LoadOptions::default());
    assert!(
        l.summary.errors[0].message.contains("UTF-16"),
        "{:?}",
        l.summary.errors
    );
}

fn vm_hwm_kib(child: &serde_json::Value) -> u64 {
    child["vm_hwm_kib"].as_u64().expect("child reports VmHWM")
}

/// A 1 GiB file is refused from its size, before any byte is read: run in a
/// child process so that its peak memory is its own.
#[test]
fn one_gib_file_is_refused_by_size_without_reading_it() {
    let (dir, big) = dir_with("huge.yaml", "");
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(&big)
        .expect("open");
    f.set_len(1 << 30).expect("sparse 1 GiB");
    drop(f);
    let started = std::time::Instant::now();
    let out = run_child(&[dir.path()], &[], &[], &[]).expect("child");
    assert!(started.elapsed() < Duration::from_secs(60));
    let errors = out["summary"]["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{out}");
    assert_eq!(errors[0]["file"], json!(big.display().to_string()));
    let msg = errors[0]["message"].as_str().unwrap_or_default();
    assert!(msg.contains("1.0 GiB") && msg.contains("limit"), "{msg}");
    let ids: Vec<_> = out["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .map(|r| r["id"].clone())
        .collect();
    assert_eq!(ids, [json!("ConfigMap/good-a"), json!("Secret/good-b")]);
    // Reading it would have taken 1 GiB of memory.
    assert!(
        vm_hwm_kib(&out) < 256 * 1024,
        "peak RSS {} KiB",
        vm_hwm_kib(&out)
    );
}

/// The limit holds for regular files (by their size) and for input whose
/// size is not known up front (a pipe): reading stops one byte past it.
#[test]
fn size_limit_holds_for_files_and_streams() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = write(dir.path(), "s.yaml", "a: 1\n".repeat(1000));
    let opts = LoadOptions {
        max_file_size: 100,
        ..LoadOptions::default()
    };
    let l = load_file(&p, &opts);
    assert_eq!(
        l.summary.errors[0].message,
        "file is 5 KiB, larger than the 100 bytes limit (raise it with --max-file-size)"
    );

    let fifo = dir.path().join("pipe");
    let st = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !st.is_ok_and(|s| s.success()) {
        common::skip_or_fail("mkfifo(1) is needed");
        return;
    }
    let writer_path = fifo.clone();
    let writer = std::thread::spawn(move || {
        if let Ok(mut f) = std::fs::OpenOptions::new().write(true).open(&writer_path) {
            // The reader stops early: a broken pipe here is expected.
            let _ = f.write_all("a: 1\n".repeat(100_000).as_bytes());
        }
    });
    let l = load_file(&fifo, &opts);
    writer.join().expect("writer");
    assert_eq!(l.summary.errors.len(), 1);
    assert_eq!(
        l.summary.errors[0].message,
        "file is larger than the 100 bytes limit (raise it with --max-file-size)"
    );
}

#[test]
fn standard_input_is_read() {
    let out =
        common::run_child_with_stdin(&[Path::new("-")], &[], &[], &[], Some(GOOD_B.as_bytes()))
            .expect("child");
    assert_eq!(out["resources"][0]["id"], json!("Secret/good-b"));
    assert_eq!(out["resources"][0]["file"], json!("<stdin>"));
    assert_eq!(out["summary"]["errors"], json!([]));
}

#[test]
fn billion_laughs_is_an_error_with_bounded_memory() {
    let mut t = String::from(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\ndata:\n  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n",
    );
    for i in 1..10 {
        let p = i - 1;
        t.push_str(&format!(
            "  a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    let (dir, bad) = dir_with("lol.yaml", &t);
    let out = run_child(&[dir.path()], &[], &[], &[]).expect("child");
    let errors = out["summary"]["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{out}");
    assert_eq!(errors[0]["file"], json!(bad.display().to_string()));
    assert!(
        errors[0]["line"]
            .as_u64()
            .is_some_and(|l| (6..=14).contains(&l)),
        "{out}"
    );
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("billion laughs")
    );
    assert_eq!(out["resources"].as_array().map(Vec::len), Some(2));
    // 10^10 nodes unbounded; the budget keeps it to a few hundred MiB.
    assert!(
        vm_hwm_kib(&out) < 512 * 1024,
        "peak RSS {} KiB",
        vm_hwm_kib(&out)
    );
}

/// 10,000 levels of nesting, in block, flow and JSON form, loaded on a
/// thread with a 256 KiB stack: nothing recurses with the input's depth,
/// and the depth budget keeps values shallow enough that dropping them
/// (serde_json drops recursively) cannot overflow either.
#[test]
fn nesting_ten_thousand_deep_is_an_error_on_a_small_stack() {
    let cases = [
        ("block.yaml", format!("{}x\n", "- ".repeat(10_000))),
        (
            "block-map.yaml",
            (0..10_000).fold(String::new(), |mut s, i| {
                s.push_str(&" ".repeat(i));
                s.push_str("a:\n");
                s
            }),
        ),
        (
            "flow.yaml",
            format!("k: {}x{}", "{a: ".repeat(10_000), "}".repeat(10_000)),
        ),
        (
            "flow-seq.yaml",
            format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000)),
        ),
        (
            "deep.json",
            format!("{}1{}", "{\"a\": ".repeat(10_000), "}".repeat(10_000)),
        ),
    ];
    let handle = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || {
            let mut results = Vec::new();
            for (name, text) in &cases {
                let l = load_str(name, text, &LoadOptions::default());
                results.push((
                    name.to_string(),
                    l.summary.errors.clone(),
                    l.resources.len(),
                ));
            }
            // The deepest value the budget lets through is built and dropped.
            let ok = format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: deep}}\ndata: {}{}\n",
                "[".repeat(250),
                "]".repeat(250)
            );
            let l = load_str("ok.yaml", &ok, &LoadOptions::default());
            results.push((
                "ok.yaml".into(),
                l.summary.errors.clone(),
                l.resources.len(),
            ));
            drop(l);
            results
        })
        .expect("spawn");
    let results = handle.join().expect("no stack overflow");
    for (name, errors, n) in &results {
        if name == "ok.yaml" {
            assert!(errors.is_empty(), "{errors:?}");
            assert_eq!(*n, 1);
            continue;
        }
        assert_eq!(*n, 0, "{name}");
        assert_eq!(errors.len(), 1, "{name}: {errors:?}");
        let e = &errors[0];
        assert!(e.line.is_some() && e.column.is_some(), "{name}: {e}");
        assert!(
            e.message.contains("nesting") || e.message.contains("recursion limit"),
            "{name}: {e}"
        );
    }
}

fn load_following(paths: &[&Path]) -> bulwark_load::Loaded {
    let paths: Vec<_> = paths.iter().map(|p| p.to_path_buf()).collect();
    let opts = LoadOptions {
        follow_symlinks: true,
        ..LoadOptions::default()
    };
    bulwark_load::load_paths(&paths, &opts)
}

#[test]
fn symlink_loops_are_errors_and_the_rest_is_read() {
    let (dir, _) = dir_with("m-ok.yaml", GOOD_A);
    let d = dir.path();
    std::fs::create_dir(d.join("sub")).expect("mkdir");
    std::os::unix::fs::symlink(d, d.join("sub/back-to-root")).expect("symlink");
    std::os::unix::fs::symlink(d.join("self.yaml"), d.join("self.yaml")).expect("symlink");
    // Links are not followed by default: the link back to the root is
    // skipped with the reason, the self-link is an error.
    let l = load(&[d]);
    assert_goods_loaded(&l);
    assert_eq!(l.summary.errors.len(), 1, "{:?}", l.summary.errors);
    assert!(
        l.summary
            .skipped
            .iter()
            .any(|s| s.file.ends_with("back-to-root") && s.reason.contains("--follow-symlinks")),
        "{:?}",
        l.summary.skipped
    );
    let l = load_following(&[d]);
    assert_goods_loaded(&l);
    let msgs: Vec<_> = l.summary.errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(msgs.len(), 2, "{msgs:?}");
    assert!(
        msgs.iter().any(|m| m.contains("symbolic link loop")),
        "{msgs:?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.contains("self.yaml") && m.contains("symbolic links")),
        "{msgs:?}"
    );
    // Named directly, too.
    let l = load(&[&d.join("self.yaml")]);
    assert_eq!(l.summary.errors.len(), 1, "{:?}", l.summary.errors);
}

/// Tests run as root, where `chmod 000` does not stop a read. Two honest
/// failures instead: a file whose read fails with EIO (`/proc/self/mem`
/// read at offset 0), and a `chmod 000` file read by a child process that
/// dropped to `nobody` with setpriv(1).
#[test]
fn unreadable_files_are_errors_and_the_rest_is_read() {
    let (dir, _) = dir_with("m-ok.yaml", GOOD_A);
    let mem = dir.path().join("mem.yaml");
    std::os::unix::fs::symlink("/proc/self/mem", &mem).expect("symlink");
    // Out of the tree: read only when links are followed.
    let l = load_following(&[dir.path()]);
    assert_goods_loaded(&l);
    assert_eq!(l.summary.errors.len(), 1, "{:?}", l.summary.errors);
    let e = &l.summary.errors[0];
    assert_eq!(e.file, mem.display().to_string());
    assert!(e.message.starts_with("cannot read:"), "{e}");

    // A directory named like a manifest, handed to load_file.
    let l = load_file(dir.path(), &LoadOptions::default());
    assert!(
        l.summary.errors[0].message.contains("directory"),
        "{:?}",
        l.summary.errors
    );
}

#[test]
fn permission_denied_as_an_unprivileged_user() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, secret) = dir_with("secret.yaml", GOOD_A.replace("good-a", "hidden"));
    let closed = dir.path().join("closed");
    std::fs::create_dir(&closed).expect("mkdir");
    write(&closed, "inner.yaml", GOOD_A);
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    std::fs::set_permissions(&closed, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    // As root, `chmod 000` stops nothing: load in a child that dropped to
    // nobody. Otherwise the permissions already apply to this process.
    let wrapper: &[&str] = if is_root() {
        if !common::on_path("setpriv") {
            common::skip_or_fail("setpriv(1) is needed to drop root's privileges");
            return;
        }
        &[
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--",
        ]
    } else {
        &[]
    };
    let out = match run_child(&[dir.path()], &[], &[], wrapper) {
        Ok(o) => o,
        Err(e) if e.contains("Permission denied") || e.contains("cannot start") => {
            common::skip_or_fail(&format!("could not run the test binary as nobody: {e}"));
            return;
        }
        Err(e) => panic!("{e}"),
    };
    let errors = out["summary"]["errors"].as_array().expect("errors");
    let files: Vec<_> = errors
        .iter()
        .map(|e| e["file"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(errors.len(), 2, "{out}");
    assert!(files.iter().any(|f| f.ends_with("secret.yaml")), "{out}");
    assert!(files.iter().any(|f| f.ends_with("closed")), "{out}");
    for e in errors {
        assert_eq!(
            e["message"],
            json!("cannot read: permission denied"),
            "{out}"
        );
    }
    let ids: Vec<_> = out["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .map(|r| r["id"].clone())
        .collect();
    assert_eq!(ids, [json!("ConfigMap/good-a"), json!("Secret/good-b")]);
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status").is_ok_and(|s| {
        s.lines()
            .find_map(|l| l.strip_prefix("Uid:"))
            .and_then(|u| u.split_whitespace().nth(1))
            == Some("0")
    })
}

#[test]
fn duplicate_keys_keep_the_last_like_kubectl() {
    let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: first\n  name: second\nspec:\n  hostNetwork: true\n  hostNetwork: false\n";
    let l = load_str("dup.yaml", text, &LoadOptions::default());
    let r = &l.resources[0];
    assert_eq!(r.id.name, "second");
    assert_eq!(r.value["spec"]["hostNetwork"], json!(false));
    assert_eq!(at(r, "spec.hostNetwork"), (8, 3));
    assert!(l.summary.errors.is_empty());
}

#[test]
fn tab_indented_json_keeps_positions() {
    let text = "{\n\t\"apiVersion\": \"v1\",\n\t\"kind\": \"Pod\",\n\t\"metadata\": {\"name\": \"p\"},\n\t\"spec\": {\n\t\t\"hostPID\": true\n\t}\n}\n";
    let (dir, bad) = dir_with("tabs.json", text);
    let l = load(&[dir.path()]);
    assert!(l.summary.errors.is_empty(), "{:?}", l.summary.errors);
    assert_goods_loaded(&l);
    let r = l
        .resources
        .iter()
        .find(|r| r.origin.file.as_deref() == Some(&*bad.display().to_string()))
        .expect("the JSON pod");
    assert_eq!(r.value["spec"]["hostPID"], json!(true));
    assert_eq!(at(r, "spec.hostPID"), (6, 3));
}

/// JSON that YAML refuses (an implicit key over 1024 characters) is still
/// read as JSON, and broken JSON gets the JSON parser's error.
#[test]
fn json_that_yaml_refuses_and_broken_json() {
    let long = "k".repeat(2000);
    let text = format!(
        "{{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {{\"name\": \"c\"}}, \"data\": {{\"{long}\": \"v\"}}}}"
    );
    let l = load_str("long.json", &text, &LoadOptions::default());
    assert!(l.summary.errors.is_empty(), "{:?}", l.summary.errors);
    assert_eq!(names(&l), ["ConfigMap/c"]);
    let l = load_str(
        "broken.json",
        "{\n  \"a\": 1,\n  \"b\" 2\n}\n",
        &LoadOptions::default(),
    );
    let e = &l.summary.errors[0];
    assert_eq!(e.line, Some(3), "{e}");
}

/// kubectl decodes text starting with `{` as JSON, so YAML flow syntax
/// there (unquoted keys) is refused as it would be by `kubectl apply`.
#[test]
fn text_starting_with_a_brace_is_json_as_for_kubectl() {
    let l = load_str(
        "flow.yaml",
        "{apiVersion: v1, kind: Pod}\n",
        &LoadOptions::default(),
    );
    assert_eq!(l.resources.len(), 0);
    let e = &l.summary.errors[0];
    assert!(
        e.message
            .contains("kubectl reads text that starts with `{` as JSON"),
        "{e}"
    );
    assert_eq!((e.line, e.column), (Some(1), Some(2)));
    // Several JSON values in a row, as kubectl accepts them.
    let two = r#"{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}}
{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "b"}}"#;
    let l = load_str("two.json", two, &LoadOptions::default());
    assert!(l.summary.errors.is_empty(), "{:?}", l.summary.errors);
    assert_eq!(names(&l), ["Pod/a", "Pod/b"]);
}

#[test]
fn byte_order_mark_is_ignored() {
    let text = format!("\u{feff}{GOOD_A}");
    let (dir, _) = dir_with("bom.yaml", text.replace("good-a", "bom"));
    let l = load(&[dir.path()]);
    assert!(l.summary.errors.is_empty(), "{:?}", l.summary.errors);
    let r = l
        .resources
        .iter()
        .find(|r| r.id.name == "bom")
        .expect("bom object");
    assert_eq!(at(r, "kind"), (2, 1));
    assert_eq!(at(r, "apiVersion"), (1, 1));
}

#[test]
fn crlf_line_endings() {
    let text = "apiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: crlf\r\ndata:\r\n  script: |\r\n    echo hi\r\n    exit 0\r\n  mode: 0644\r\n";
    let l = load_str("crlf.yaml", text, &LoadOptions::default());
    assert!(l.summary.errors.is_empty(), "{:?}", l.summary.errors);
    let r = &l.resources[0];
    assert_eq!(r.id.name, "crlf");
    assert_eq!(r.value["data"]["script"], json!("echo hi\nexit 0\n"));
    assert_eq!(r.value["data"]["mode"], json!(420));
    assert_eq!(at(r, "data.mode"), (9, 3));
}

#[test]
fn empty_and_comment_only_files_are_counted_as_skipped() {
    for (name, text) in [
        ("empty.yaml", ""),
        ("comments.yaml", "# nothing here\n# at all\n"),
        ("dashes.yaml", "---\n---\n"),
        ("blank.yaml", "\n\n   \n"),
    ] {
        let (dir, bad) = dir_with(name, text);
        let l = load(&[dir.path()]);
        assert_goods_loaded(&l);
        assert!(
            l.summary.errors.is_empty(),
            "{name}: {:?}",
            l.summary.errors
        );
        assert_eq!(l.summary.skipped.len(), 1, "{name}");
        assert_eq!(l.summary.skipped[0].file, bad.display().to_string());
        assert!(l.summary.skipped[0].reason.contains("empty"), "{name}");
        assert_eq!(l.summary.files, 3);
    }
}

/// A pipe met while walking is skipped (opening it would block the scan);
/// a pipe named on the command line, as `<(helm template ...)` is, is read.
#[test]
fn pipes_are_read_when_named_and_skipped_when_walked() {
    let (dir, _) = dir_with("m-ok.yaml", GOOD_A);
    let fifo = dir.path().join("pipe.yaml");
    let st = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !st.is_ok_and(|s| s.success()) {
        common::skip_or_fail("mkfifo(1) is needed");
        return;
    }
    let (tx, rx) = std::sync::mpsc::channel();
    let d = dir.path().to_path_buf();
    std::thread::spawn(move || {
        let _ = tx.send(load(&[&d]));
    });
    let l = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("walking a directory with a FIFO must not block");
    assert_goods_loaded(&l);
    assert!(
        l.summary
            .skipped
            .iter()
            .any(|s| s.reason.contains("not a regular file"))
    );

    let writer_path = fifo.clone();
    let writer = std::thread::spawn(move || {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .open(&writer_path)
            .expect("open fifo");
        f.write_all(GOOD_B.replace("good-b", "piped").as_bytes())
            .expect("write");
    });
    let l = load(&[&fifo]);
    writer.join().expect("writer");
    assert_eq!(names(&l), ["Secret/piped"]);
}

/// Every bad case at once: one scan, every good file still loaded, every
/// bad one accounted for.
#[test]
fn one_scan_with_every_kind_of_bad_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(d, "good-1.yaml", GOOD_A);
    write(d, "bad-syntax.yaml", "a: [\n");
    write(d, "bad-utf8.yaml", b"a: \xff\n");
    write(d, "bad-json.json", "{\"a\": }");
    write(d, "bad-key.yaml", "~: x\n");
    write(d, "bad-merge.yaml", "a:\n  <<: 1\n");
    write(d, "bad-alias.yaml", "a: *nope\n");
    write(d, "bad-tag.yaml", "a: !!int x\n");
    write(d, "no-kind.yaml", "a: 1\n");
    write(d, "scalar.yaml", "just text\n");
    write(d, "notes.txt", "hello\n");
    write(d, "good-2.yml", GOOD_B);
    let l = load(&[d]);
    assert_goods_loaded(&l);
    assert_eq!(l.resources.len(), 2);
    let bad: Vec<_> = l
        .summary
        .errors
        .iter()
        .map(|e| {
            let f = Path::new(&e.file)
                .file_name()
                .and_then(|f| f.to_str())
                .unwrap_or("")
                .to_string();
            (f, e.line.is_some())
        })
        .collect();
    assert_eq!(
        bad,
        [
            ("bad-alias.yaml".to_string(), true),
            ("bad-json.json".to_string(), true),
            ("bad-key.yaml".to_string(), true),
            ("bad-merge.yaml".to_string(), true),
            ("bad-syntax.yaml".to_string(), true),
            ("bad-tag.yaml".to_string(), true),
            ("bad-utf8.yaml".to_string(), true),
        ]
    );
    assert_eq!(l.summary.skipped.len(), 3, "{:?}", l.summary.skipped);
}

/// Hostile shapes that are not objects cost no memory per document: a
/// stream of empty documents, of scalars, of broken documents.
#[test]
fn millions_of_non_objects_stay_small() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let empty = write(d, "empty-docs.yaml", "---\n".repeat(500_000));
    let scalars = write(d, "scalars.yaml", "x\n---\n".repeat(150_000));
    let broken = write(d, "broken.yaml", "a: [\n---\n".repeat(10_000));
    write(d, "good.yaml", GOOD_A);
    let out = run_child(&[d], &[], &[], &[]).expect("child");
    let ids: Vec<_> = out["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .map(|r| r["id"].clone())
        .collect();
    assert_eq!(ids, [json!("ConfigMap/good-a")]);
    let skipped = out["summary"]["skipped"].as_array().expect("skipped");
    let for_file = |p: &Path| {
        let name = p.display().to_string();
        skipped
            .iter()
            .filter(|s| s["file"].as_str().is_some_and(|f| f.starts_with(&name)))
            .count()
    };
    assert_eq!(for_file(&empty), 1, "{skipped:?}");
    assert_eq!(for_file(&scalars), 101);
    assert!(
        skipped
            .iter()
            .any(|s| s["reason"]
                == json!("and 149900 more documents that are not Kubernetes objects")),
        "{:?}",
        &skipped[skipped.len().saturating_sub(3)..]
    );
    let errors = out["summary"]["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), bulwark_load::yaml::MAX_ERRORS + 1);
    assert!(
        errors
            .iter()
            .all(|e| e["file"] == json!(broken.display().to_string()))
    );
    assert!(
        errors.iter().any(|e| e["message"]
            .as_str()
            .is_some_and(|m| m.contains("not read"))),
        "{errors:?}"
    );
    eprintln!("peak RSS {} KiB", vm_hwm_kib(&out));
    // 5.6 MiB of input, 1.25 million documents: a value, spans and an
    // entry per document would take hundreds of MiB.
    assert!(
        vm_hwm_kib(&out) < 64 * 1024,
        "peak RSS {} KiB",
        vm_hwm_kib(&out)
    );
}
