//! Host trees for the `node` acceptance tests: a fake /proc, /etc and /var
//! under a temporary root, with modes and owners set here (never taken
//! from git), and certificates generated at test time.

#![allow(dead_code)]

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bulwark_core::{Origin, Resource};
use bulwark_node::bench::{self, BenchOptions, BenchReport, PolicyRule};
use bulwark_node::distro::Distro;

pub const ROOT: (u32, u32) = (0, 0);
pub const ETCD: (u32, u32) = (1500, 1500);
pub const KUBE: (u32, u32) = (1600, 1600);

/// A host root under construction.
pub struct Tree {
    pub dir: tempfile::TempDir,
    /// Whether chown works (the tests run as root); otherwise owners are
    /// mapped through /etc/passwd (see `new`).
    pub can_chown: bool,
}

fn euid_is_root() -> bool {
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|u| u == "0"))
        })
        .unwrap_or(false)
}

impl Tree {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let can_chown = euid_is_root();
        let t = Tree { dir, can_chown };
        t.write_raw("etc/passwd", "root:x:0:0:root:/root:/bin/sh\netcd:x:1500:1500::/var/lib/etcd:/sbin/nologin\nkube:x:1600:1600::/home/kube:/bin/sh\n");
        t.write_raw("etc/group", "root:x:0:\netcd:x:1500:\nkube:x:1600:\n");
        t
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    fn full(&self, p: &str) -> PathBuf {
        self.root().join(p.trim_start_matches('/'))
    }

    fn write_raw(&self, p: &str, text: &str) {
        let f = self.full(p);
        fs::create_dir_all(f.parent().expect("parent")).expect("mkdir");
        fs::write(&f, text).expect("write");
    }

    fn set(&self, p: &str, mode: u32, owner: (u32, u32)) {
        let f = self.full(p);
        fs::set_permissions(&f, fs::Permissions::from_mode(mode)).expect("chmod");
        if self.can_chown {
            std::os::unix::fs::chown(&f, Some(owner.0), Some(owner.1)).expect("chown");
        }
    }

    /// A file with its mode and owner. Parent directories are 0755 root.
    pub fn file(&self, p: &str, text: &str, mode: u32, owner: (u32, u32)) -> &Self {
        self.write_raw(p, text);
        self.set(p, mode, owner);
        self
    }

    pub fn dir(&self, p: &str, mode: u32, owner: (u32, u32)) -> &Self {
        fs::create_dir_all(self.full(p)).expect("mkdir");
        self.set(p, mode, owner);
        self
    }

    /// A process: /proc/<pid>/cmdline, NUL-separated.
    pub fn process(&self, pid: u32, argv: &[String]) -> &Self {
        let mut raw = argv.join("\0");
        raw.push('\0');
        self.write_raw(&format!("proc/{pid}/cmdline"), &raw);
        self
    }

    pub fn remove(&self, p: &str) {
        let f = self.full(p);
        if f.is_dir() {
            fs::remove_dir_all(f).expect("rm -r");
        } else {
            fs::remove_file(f).expect("rm");
        }
    }

    pub fn run(&self, distro: Option<Distro>) -> BenchReport {
        let host = bulwark_node::collect::collect_node(self.root(), distro, &parse);
        bench::run(
            &host,
            &BenchOptions {
                targets: Vec::new(),
                policy_rules: vec![PolicyRule {
                    rule_id: "privileged-container".into(),
                    command: "bulwark scan".into(),
                    cis: vec!["5.2.2".into()],
                }],
                now: None,
            },
        )
    }
}

/// The config-file parser the CLI uses: YAML documents with positions.
pub fn parse(name: &str, text: &str) -> Result<Vec<Resource>, String> {
    let (docs, errs) =
        bulwark_load::yaml::parse_all(text, bulwark_load::LoadOptions::default().budget);
    if let Some(e) = errs.first()
        && docs.is_empty()
    {
        return Err(format!("{name}:{}: {}", e.line, e.message));
    }
    let file: Arc<str> = Arc::from(name);
    Ok(docs
        .into_iter()
        .filter(|d| d.value.is_object())
        .map(|d| {
            Resource::new(
                d.value,
                Origin {
                    file: Some(file.clone()),
                    document: d.index,
                    item: None,
                },
                Some(d.spans),
            )
        })
        .collect())
}

/// The current year (for certificate validity around today).
pub fn this_year() -> i32 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    1970 + (secs / 31_556_952) as i32
}

/// A self-signed certificate and its key, PEM: valid from last year for
/// two years (a leaf) or nine (a CA).
pub fn cert(cn: &str, ca: bool) -> (String, String) {
    let y = this_year();
    cert_valid(cn, ca, (y - 1, 1), (if ca { y + 8 } else { y + 1 }, 12))
}

/// A self-signed certificate valid from `(year, month)` to `(year, month)`.
pub fn cert_valid(cn: &str, ca: bool, from: (i32, u8), to: (i32, u8)) -> (String, String) {
    let key = rcgen::KeyPair::generate().expect("key");
    let mut params = rcgen::CertificateParams::new(vec![cn.to_string()]).expect("params");
    if ca {
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    }
    params.not_before = rcgen::date_time_ymd(from.0, from.1, 1);
    params.not_after = rcgen::date_time_ymd(to.0, to.1, 1);
    let c = params.self_signed(&key).expect("sign");
    (c.pem(), key.serialize_pem())
}

pub fn args(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// A static pod manifest running `argv`.
pub fn static_pod(name: &str, image: &str, argv: &[String]) -> String {
    let mut s = format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: kube-system\nspec:\n  hostNetwork: true\n  containers:\n  - name: {name}\n    image: {image}\n    command:\n"
    );
    for a in argv {
        s.push_str(&format!("    - {a}\n"));
    }
    s
}
