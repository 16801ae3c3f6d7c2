//! Reads a host (or a host filesystem mounted under a root): processes
//! from `<root>/proc`, and the stat and text of the files the checks need.
//! The only module of this crate that does I/O.

use std::collections::BTreeMap;
use std::fs;
use std::io::ErrorKind;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::host::{FileFact, FileInfo, HostSnapshot, Process};
use crate::hostfs;

/// Config files larger than this are not read (they are not config files).
const MAX_TEXT: u64 = 4 * 1024 * 1024;
/// Directory walks stop after this many entries (and say so).
const MAX_CHILDREN: usize = 10_000;
/// `/proc/N/cmdline` and `environ` are read up to this size.
const MAX_PROC_FILE: u64 = 1024 * 1024;

/// Reads files under a root, once each.
pub struct Collector {
    root: PathBuf,
    users: BTreeMap<u32, String>,
    groups: BTreeMap<u32, String>,
    pub snapshot: HostSnapshot,
}

fn id_names(text: &str) -> BTreeMap<u32, String> {
    text.lines()
        .filter_map(|l| {
            let mut f = l.split(':');
            let name = f.next()?;
            let _pw = f.next()?;
            let id = f.next()?.trim().parse().ok()?;
            Some((id, name.to_string()))
        })
        .collect()
}

impl Collector {
    pub fn new(root: &Path) -> Self {
        let read = |p: &str| {
            hostfs::resolve(root, p)
                .ok()
                .and_then(|f| hostfs::read_regular(&f, MAX_TEXT).ok())
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default()
        };
        Self {
            root: root.to_path_buf(),
            users: id_names(&read("etc/passwd")),
            groups: id_names(&read("etc/group")),
            snapshot: HostSnapshot {
                root: root.display().to_string(),
                processes: Ok(Vec::new()),
                files: BTreeMap::new(),
            },
        }
    }

    /// `p` under the root, its symlinks resolved inside the root.
    fn host_path(&self, p: &str) -> std::io::Result<PathBuf> {
        hostfs::resolve(&self.root, p)
    }

    fn name(map: &BTreeMap<u32, String>, id: u32) -> String {
        match map.get(&id) {
            Some(n) => n.clone(),
            None if id == 0 => "root".to_string(),
            None => id.to_string(),
        }
    }

    fn fact(&self, path: &str, text: bool) -> FileFact {
        let full = match self.host_path(path) {
            Ok(f) => f,
            Err(e) => return io_fact(e),
        };
        let md = match fs::symlink_metadata(&full) {
            Ok(m) => m,
            Err(e) => return io_fact(e),
        };
        let mut info = FileInfo {
            is_dir: md.is_dir(),
            mode: md.mode() & 0o7777,
            uid: md.uid(),
            gid: md.gid(),
            user: Self::name(&self.users, md.uid()),
            group: Self::name(&self.groups, md.gid()),
            text: None,
            children: Vec::new(),
        };
        if text && md.is_file() {
            info.text = Some(if md.len() > MAX_TEXT {
                Err(format!("larger than {MAX_TEXT} bytes, not read"))
            } else {
                hostfs::read_regular(&full, MAX_TEXT)
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
            });
        } else if text && !md.is_dir() {
            // A FIFO or device where a config file should be: never opened.
            info.text = Some(Err(format!("{}: not read", hostfs::kind_of(&md))));
        }
        FileFact::Present(info)
    }

    /// Records `path` (stat, and its text when `text`).
    pub fn read(&mut self, path: &str, text: bool) {
        let known_with_text = matches!(
            self.snapshot.files.get(path),
            Some(FileFact::Present(i)) if i.text.is_some() || !text || i.is_dir
        ) || matches!(
            self.snapshot.files.get(path),
            Some(FileFact::Missing | FileFact::PermissionDenied { .. } | FileFact::Error { .. })
        );
        if known_with_text {
            return;
        }
        let f = self.fact(path, text);
        self.snapshot.files.insert(path.to_string(), f);
    }

    /// Records a directory and everything below it (stat only, or text of
    /// files when `text`).
    pub fn read_tree(&mut self, dir: &str, text: bool) {
        // A plain file (a kubelet config given where a directory may be).
        self.read(dir, text);
        let mut stack = vec![dir.trim_end_matches('/').to_string()];
        let mut all = Vec::new();
        let top_is_dir = self.snapshot.present(dir).is_some_and(|i| i.is_dir);
        while let Some(d) = stack.pop() {
            let rd = match self.host_path(&d).and_then(fs::read_dir) {
                Ok(rd) => rd,
                Err(e) => {
                    // A directory that cannot be listed: record it as an
                    // entry that cannot be judged, so no check passes on
                    // the part it could see.
                    if top_is_dir {
                        let p = format!("{d}/*");
                        let fact = match io_fact(e) {
                            FileFact::Missing => continue,
                            f => f,
                        };
                        self.snapshot.files.insert(p.clone(), fact);
                        all.push(p);
                    }
                    continue;
                }
            };
            let mut names: Vec<_> = rd.filter_map(Result::ok).collect();
            names.sort_by_key(|e| e.file_name());
            for e in names {
                if all.len() >= MAX_CHILDREN {
                    // What lies past the cap is never examined: an entry
                    // that cannot be judged, so no tree-wide check passes.
                    let p = format!("{d}/*");
                    self.snapshot.files.insert(
                        p.clone(),
                        FileFact::Error {
                            error: format!(
                                "directory walk stopped after {MAX_CHILDREN} entries: the rest \
                                 of {d} was not examined"
                            ),
                        },
                    );
                    all.push(p);
                    stack.clear();
                    break;
                }
                let p = format!("{d}/{}", e.file_name().to_string_lossy());
                let is_dir = e.file_type().map(|t| t.is_dir()).unwrap_or(false);
                self.read(&p, text && !is_dir);
                if is_dir {
                    stack.push(p.clone());
                }
                all.push(p);
            }
        }
        all.sort();
        if let Some(FileFact::Present(info)) = self.snapshot.files.get_mut(dir) {
            info.children = all;
        }
    }

    /// Reads every process's command line (and etcd's `ETCD_*` variables).
    pub fn read_processes(&mut self) {
        let proc_dir = self
            .host_path("proc")
            .unwrap_or_else(|_| self.root.join("proc"));
        let rd = match fs::read_dir(&proc_dir) {
            Ok(r) => r,
            Err(e) => {
                self.snapshot.processes = Err(format!("{}: {e}", proc_dir.display()));
                return;
            }
        };
        let mut out = Vec::new();
        for e in rd.filter_map(Result::ok) {
            let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
                continue;
            };
            // Resolved inside the root: a `proc/N` link must not lead out.
            let read = |f: &str| {
                self.host_path(&format!("proc/{pid}/{f}"))
                    .map_err(|e| e.to_string())
                    .and_then(|p| hostfs::read_regular(&p, MAX_PROC_FILE))
            };
            let Ok(raw) = read("cmdline") else {
                continue;
            };
            let argv = split_nul(&raw);
            if argv.is_empty() {
                continue;
            }
            let mut p = Process {
                pid,
                argv,
                env: Vec::new(),
            };
            let base = p.argv[0].rsplit('/').next().unwrap_or("");
            if base == "etcd"
                && let Ok(env) = read("environ")
            {
                p.env = split_nul(&env)
                    .into_iter()
                    .filter_map(|kv| {
                        let (k, v) = kv.split_once('=')?;
                        k.starts_with("ETCD_")
                            .then(|| (k.to_string(), v.to_string()))
                    })
                    .collect();
            }
            out.push(p);
        }
        out.sort_by_key(|p| p.pid);
        self.snapshot.processes = Ok(out);
    }
}

fn split_nul(raw: &[u8]) -> Vec<String> {
    raw.split(|b| *b == 0)
        .filter(|s| !s.is_empty())
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect()
}

fn io_fact(e: std::io::Error) -> FileFact {
    match e.kind() {
        ErrorKind::NotFound => FileFact::Missing,
        ErrorKind::PermissionDenied => FileFact::PermissionDenied {
            error: e.to_string(),
        },
        _ => FileFact::Error {
            error: e.to_string(),
        },
    }
}

/// A collected host: the snapshot, and the model built from it.
pub struct Collected {
    pub snapshot: HostSnapshot,
    pub model: crate::model::NodeModel,
    /// Why this distribution (given, or what detection saw).
    pub distro_reason: String,
}

/// Reads what the benchmark needs from the host under `root`: processes,
/// the distribution's files, then the files the flags and configs name.
pub fn collect_node(
    root: &Path,
    distro: Option<crate::distro::Distro>,
    parse: crate::model::Parser<'_>,
) -> Collected {
    use crate::distro::Distro;
    let mut c = Collector::new(root);
    c.read_processes();
    for m in Distro::MARKERS {
        c.read(m, true);
    }
    let (d, why) = match distro {
        Some(d) => (d, "given with --distro".to_string()),
        None => {
            let (d, why) = Distro::detect(&c.snapshot);
            (d, format!("detected: {why}"))
        }
    };
    let p = d.paths();
    for (_, m) in p.manifests {
        c.read(m, true);
    }
    for group in [
        p.admin_kubeconfig,
        p.scheduler_kubeconfig,
        p.controller_manager_kubeconfig,
        p.kubelet_kubeconfig,
        p.kubelet_svc,
        p.kubelet_ca,
        p.proxy_kubeconfig,
        p.distro_config,
        p.etcd_config,
    ] {
        for f in group {
            c.read(f, true);
        }
    }
    for f in p.kubelet_config.iter().chain(p.pki_dir) {
        c.read_tree(f, true);
    }
    for f in p.etcd_data_dir {
        c.read(f, false);
    }
    for f in p.cni {
        c.read_tree(f, false);
    }
    // Two more rounds: flags name files (kubelet --config), and those
    // files name more (authentication.x509.clientCAFile).
    for _ in 0..2 {
        let model = crate::model::NodeModel::build(&c.snapshot, d, parse);
        for (path, text) in model.referenced_paths() {
            if !path.starts_with('/') {
                continue;
            }
            c.read(&path, text);
            if c.snapshot.present(&path).is_some_and(|i| i.is_dir) {
                c.read_tree(&path, text);
            }
        }
    }
    let model = crate::model::NodeModel::build(&c.snapshot, d, parse);
    Collected {
        snapshot: c.snapshot,
        model,
        distro_reason: why,
    }
}
