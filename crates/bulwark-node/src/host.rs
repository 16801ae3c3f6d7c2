//! What the collector saw on a host: processes and files, as plain data.
//! Checks read only this; a test can build one without touching a host.

use std::collections::BTreeMap;

use serde::Serialize;

/// A running process.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Process {
    pub pid: u32,
    pub argv: Vec<String>,
    /// `ETCD_*` variables only (other variables may hold secrets).
    pub env: Vec<(String, String)>,
}

/// A file or directory as stat(2) and read(2) saw it.
#[derive(Clone, Debug, Serialize)]
pub struct FileInfo {
    pub is_dir: bool,
    /// Permission bits (`0o600`).
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    /// Owner names from the host's /etc/passwd and /etc/group.
    pub user: String,
    pub group: String,
    /// Text of a config file, when it was read.
    #[serde(skip)]
    pub text: Option<Result<String, String>>,
    /// For a directory: every path below it (host paths, sorted).
    pub children: Vec<String>,
}

impl FileInfo {
    pub fn owner(&self) -> String {
        format!("{}:{}", self.user, self.group)
    }
}

/// One path's state.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum FileFact {
    Present(FileInfo),
    Missing,
    PermissionDenied { error: String },
    Error { error: String },
}

/// Everything collected from one host.
#[derive(Clone, Debug, Serialize)]
pub struct HostSnapshot {
    /// The host root as given (`/`, or a mount point).
    pub root: String,
    /// `Err` when /proc could not be read at all.
    pub processes: Result<Vec<Process>, String>,
    /// By host path (`/etc/kubernetes/admin.conf`, without the root).
    pub files: BTreeMap<String, FileFact>,
}

impl HostSnapshot {
    pub fn file(&self, path: &str) -> Option<&FileFact> {
        self.files.get(path)
    }

    /// The file's info when it is present.
    pub fn present(&self, path: &str) -> Option<&FileInfo> {
        match self.files.get(path)? {
            FileFact::Present(i) => Some(i),
            _ => None,
        }
    }

    /// The text of a present, readable file.
    pub fn text(&self, path: &str) -> Option<&str> {
        match self.present(path)?.text.as_ref()? {
            Ok(t) => Some(t),
            Err(_) => None,
        }
    }

    pub fn processes(&self) -> &[Process] {
        match &self.processes {
            Ok(p) => p,
            Err(_) => &[],
        }
    }
}
