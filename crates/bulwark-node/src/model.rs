//! The node as the checks see it: which components run, with which flags
//! (process command line, static pod manifest, distribution built-ins and
//! config), the kubelet's config documents, and the parsed config files.
//! Built from a [`HostSnapshot`] without I/O.

use std::collections::BTreeMap;

use bulwark_core::Resource;
use serde_json::Value;

use crate::component::Component;
use crate::distro::{Distro, Paths};
use crate::flags::{Flags, Source, parse_bool};
use crate::host::{HostSnapshot, Process};
use crate::manifest::{self, etcd_env_flag};

/// Turns a config file's text into objects (the CLI passes the loader).
pub type Parser<'p> = &'p dyn Fn(&str, &str) -> Result<Vec<Resource>, String>;

/// What runs on the node and how it is configured.
#[derive(Clone)]
pub struct NodeModel {
    pub distro: Distro,
    pub paths: Paths,
    pub components: BTreeMap<Component, Flags>,
    /// The kubelet's config documents (file, then drop-ins in order).
    pub kubelet_docs: Vec<Resource>,
    /// The kubelet config file or drop-in directory in use.
    pub kubelet_config: Option<String>,
    /// Parsed config files by host path.
    pub parsed: BTreeMap<String, Vec<Resource>>,
    /// Files that exist but could not be parsed, with the error.
    pub parse_errors: BTreeMap<String, String>,
    /// Further running processes of a component already in `components`
    /// (a second kube-apiserver): each is judged too, and any failing one
    /// fails the check ([`NodeModel::with_process`]).
    pub others: Vec<(Component, Flags)>,
}

/// Built-in arguments of the k3s v1.32 server and agent (from k3s
/// `pkg/daemons/control/server.go` and `pkg/daemons/agent`); the ones a
/// check reads. `{tls}` is /var/lib/rancher/k3s/server/tls.
const K3S_BUILTIN: &[(Component, &str, &str)] = &[
    (Component::ApiServer, "anonymous-auth", "false"),
    (Component::ApiServer, "authorization-mode", "Node,RBAC"),
    (
        Component::ApiServer,
        "enable-admission-plugins",
        "NodeRestriction",
    ),
    (Component::ApiServer, "profiling", "false"),
    (
        Component::ApiServer,
        "client-ca-file",
        "{tls}/client-ca.crt",
    ),
    (
        Component::ApiServer,
        "tls-cert-file",
        "{tls}/serving-kube-apiserver.crt",
    ),
    (
        Component::ApiServer,
        "tls-private-key-file",
        "{tls}/serving-kube-apiserver.key",
    ),
    (
        Component::ApiServer,
        "kubelet-certificate-authority",
        "{tls}/server-ca.crt",
    ),
    (
        Component::ApiServer,
        "kubelet-client-certificate",
        "{tls}/client-kube-apiserver.crt",
    ),
    (
        Component::ApiServer,
        "kubelet-client-key",
        "{tls}/client-kube-apiserver.key",
    ),
    (
        Component::ApiServer,
        "service-account-key-file",
        "{tls}/service.key",
    ),
    (Component::ApiServer, "service-account-lookup", "true"),
    (
        Component::ApiServer,
        "etcd-cafile",
        "{tls}/etcd/server-ca.crt",
    ),
    (
        Component::ApiServer,
        "etcd-certfile",
        "{tls}/etcd/client.crt",
    ),
    (
        Component::ApiServer,
        "etcd-keyfile",
        "{tls}/etcd/client.key",
    ),
    (Component::ControllerManager, "profiling", "false"),
    (Component::ControllerManager, "bind-address", "127.0.0.1"),
    (
        Component::ControllerManager,
        "root-ca-file",
        "{tls}/server-ca.crt",
    ),
    (
        Component::ControllerManager,
        "service-account-private-key-file",
        "{tls}/service.current.key",
    ),
    (
        Component::ControllerManager,
        "use-service-account-credentials",
        "true",
    ),
    (
        Component::ControllerManager,
        "kubeconfig",
        "/var/lib/rancher/k3s/server/cred/controller.kubeconfig",
    ),
    (Component::Scheduler, "profiling", "false"),
    (Component::Scheduler, "bind-address", "127.0.0.1"),
    (
        Component::Scheduler,
        "kubeconfig",
        "/var/lib/rancher/k3s/server/cred/scheduler.kubeconfig",
    ),
    (
        Component::Kubelet,
        "kubeconfig",
        "/var/lib/rancher/k3s/agent/kubelet.kubeconfig",
    ),
    (
        Component::Kubelet,
        "config-dir",
        "/var/lib/rancher/k3s/agent/etc/kubelet.conf.d",
    ),
    (
        Component::Proxy,
        "kubeconfig",
        "/var/lib/rancher/k3s/agent/kubeproxy.kubeconfig",
    ),
];

/// The config.yaml key (and command-line flag) that passes extra
/// arguments to each embedded component.
fn k3s_arg_key(c: Component) -> &'static str {
    match c {
        Component::ApiServer => "kube-apiserver-arg",
        Component::ControllerManager => "kube-controller-manager-arg",
        Component::Scheduler => "kube-scheduler-arg",
        Component::Etcd => "etcd-arg",
        Component::Kubelet => "kubelet-arg",
        Component::Proxy => "kube-proxy-arg",
    }
}

/// A process's component(s): `(component, index where its args start)`.
fn process_components(p: &Process) -> Vec<(Component, usize)> {
    let Some(a0) = p.argv.first() else {
        return Vec::new();
    };
    let base = a0.rsplit('/').next().unwrap_or(a0);
    if let Some(c) = Component::from_binary(base) {
        return vec![(c, 1)];
    }
    if base == "hyperkube"
        && let Some(c) = p.argv.get(1).and_then(|s| Component::from_binary(s))
    {
        return vec![(c, 2)];
    }
    Vec::new()
}

/// argv with a rewritten single-string command line split into words.
fn words(p: &Process) -> Process {
    if p.argv.len() == 1 && p.argv[0].contains(' ') {
        Process {
            pid: p.pid,
            argv: p.argv[0].split_whitespace().map(str::to_string).collect(),
            env: p.env.clone(),
        }
    } else {
        p.clone()
    }
}

impl NodeModel {
    /// Builds the model; `distro` is the chosen or detected distribution.
    pub fn build(snap: &HostSnapshot, distro: Distro, parse: Parser<'_>) -> NodeModel {
        let paths = distro.paths();
        let mut m = NodeModel {
            distro,
            paths,
            components: BTreeMap::new(),
            kubelet_docs: Vec::new(),
            kubelet_config: None,
            parsed: BTreeMap::new(),
            parse_errors: BTreeMap::new(),
            others: Vec::new(),
        };
        for (path, _) in snap.files.iter() {
            if let Some(text) = snap.text(path) {
                match parse(path, text) {
                    Ok(docs) => {
                        m.parsed.insert(path.clone(), docs);
                    }
                    Err(e) => {
                        m.parse_errors.insert(path.clone(), e);
                    }
                }
            }
        }
        // Running processes first: they are what actually runs.
        for p in snap.processes() {
            let p = words(p);
            for (c, start) in process_components(&p) {
                let mut f = Flags::new(c, format!("process {} ({})", p.pid, c.binary()));
                f.add_args(&p.argv[start.min(p.argv.len())..], |_| Source::Cmdline {
                    pid: p.pid,
                });
                for (k, v) in &p.env {
                    if let Some(flag) = etcd_env_flag(k) {
                        f.set_default(
                            &flag,
                            v,
                            Source::Env {
                                pid: p.pid,
                                var: k.clone(),
                            },
                        );
                    }
                }
                match m.components.entry(c) {
                    std::collections::btree_map::Entry::Occupied(_) => m.others.push((c, f)),
                    std::collections::btree_map::Entry::Vacant(v) => {
                        v.insert(f);
                    }
                }
            }
            if let Some(bin) = distro.single_binary() {
                let base = p
                    .argv
                    .first()
                    .map(|a| a.rsplit('/').next().unwrap_or(a))
                    .unwrap_or("");
                if base == bin {
                    m.add_single_binary(&p, bin);
                }
            }
        }
        // Static pod manifests for control plane components not seen running.
        for (bin, path) in paths.manifests {
            let Some(c) = Component::from_binary(bin) else {
                continue;
            };
            if m.components.contains_key(&c) {
                continue;
            }
            if let Some(docs) = m.parsed.get(*path) {
                for res in docs {
                    if let Some(f) = manifest::components(res)
                        .into_iter()
                        .find(|f| f.component == c)
                    {
                        m.components.insert(c, f);
                    }
                }
            }
        }
        m.apply_etcd_config();
        m.load_kubelet_config(snap);
        m
    }

    /// The model with `flags` (another process of `c`) in place of the
    /// one judged first, and the kubelet config that process reads.
    pub fn with_process(&self, c: Component, flags: Flags, snap: &HostSnapshot) -> NodeModel {
        let mut m = self.clone();
        m.others.clear();
        m.components.insert(c, flags);
        if c == Component::Etcd {
            m.apply_etcd_config();
        }
        if c == Component::Kubelet {
            m.kubelet_docs.clear();
            m.load_kubelet_config(snap);
        }
        m
    }

    fn add_single_binary(&mut self, p: &Process, bin: &'static str) {
        let server = p.argv.get(1).map(String::as_str) == Some("server");
        let comps: &[Component] = if server {
            &[
                Component::ApiServer,
                Component::ControllerManager,
                Component::Scheduler,
                Component::Kubelet,
                Component::Proxy,
            ]
        } else {
            &[Component::Kubelet, Component::Proxy]
        };
        let tls = format!("/var/lib/rancher/{bin}/server/tls");
        let cfg_path = self.paths.distro_config.first().copied();
        let cfg = cfg_path
            .and_then(|c| self.parsed.get(c))
            .and_then(|d| d.first())
            .cloned();
        // Top-level k3s flags from the command line and config.yaml.
        let mut top = Flags::new(Component::ApiServer, format!("process {}", p.pid));
        top.add_args(p.argv.get(2..).unwrap_or(&[]), |_| Source::Cmdline {
            pid: p.pid,
        });
        for &c in comps {
            if self.components.contains_key(&c) {
                continue;
            }
            let mut f = Flags::new(
                c,
                format!(
                    "process {} ({bin} {})",
                    p.pid,
                    if server { "server" } else { "agent" }
                ),
            );
            // Lowest precedence first: built-ins, then config.yaml, then the command line.
            let add_arg = |f: &mut Flags, item: &str, src: Source| {
                let (k, v) = item.split_once('=').unwrap_or((item, "true"));
                f.set(k, v, src);
            };
            if let (Some(res), Some(path)) = (&cfg, cfg_path) {
                let key = k3s_arg_key(c);
                let base = bulwark_core::FieldPath::root().key(key);
                let items: Vec<(String, bulwark_core::FieldPath)> = match res.value.get(key) {
                    Some(Value::Array(a)) => a
                        .iter()
                        .enumerate()
                        .filter_map(|(i, v)| v.as_str().map(|s| (s.to_string(), base.index(i))))
                        .collect(),
                    Some(Value::String(s)) => vec![(s.clone(), base.clone())],
                    _ => Vec::new(),
                };
                for (item, at) in items {
                    let line = res.locate(&at).and_then(|l| l.line);
                    add_arg(
                        &mut f,
                        &item,
                        Source::ConfigFile {
                            file: path.to_string(),
                            key: at.to_string(),
                            line,
                        },
                    );
                }
            }
            if let Some(v) = top.get(k3s_arg_key(c)) {
                add_arg(&mut f, &v.value, v.source.clone());
            }
            for (bc, k, v) in K3S_BUILTIN {
                if *bc == c {
                    f.set_default(
                        k,
                        v.replace("{tls}", &tls).replace("k3s", bin),
                        Source::Distro { name: bin },
                    );
                }
            }
            let secrets_encryption = top
                .get("secrets-encryption")
                .is_some_and(|v| parse_bool(&v.value) == Some(true))
                || cfg
                    .as_ref()
                    .is_some_and(|r| r.value.get("secrets-encryption") == Some(&Value::Bool(true)));
            if c == Component::ApiServer && secrets_encryption {
                f.set_default(
                    "encryption-provider-config",
                    format!("/var/lib/rancher/{bin}/server/cred/encryption-config.json"),
                    Source::Distro { name: bin },
                );
            }
            let pkd = top
                .get("protect-kernel-defaults")
                .is_some_and(|v| parse_bool(&v.value) == Some(true))
                || cfg.as_ref().is_some_and(|r| {
                    r.value.get("protect-kernel-defaults") == Some(&Value::Bool(true))
                });
            if c == Component::Kubelet && pkd {
                f.set_default(
                    "protect-kernel-defaults",
                    "true",
                    Source::Distro { name: bin },
                );
            }
            self.components.insert(c, f);
        }
        // Embedded etcd only when its config file exists.
        if server && !self.components.contains_key(&Component::Etcd) {
            let etcd_cfg = self
                .paths
                .etcd_config
                .iter()
                .find(|p| self.parsed.contains_key(**p));
            if let Some(path) = etcd_cfg {
                let mut f = Flags::new(
                    Component::Etcd,
                    format!("process {} ({bin} embedded etcd)", p.pid),
                );
                f.set("config-file", *path, Source::Distro { name: bin });
                self.components.insert(Component::Etcd, f);
            }
        }
    }

    /// etcd's `--config-file` (YAML) replaces its flags, as etcd does.
    fn apply_etcd_config(&mut self) {
        let Some(f) = self.components.get(&Component::Etcd) else {
            return;
        };
        let path = match f.get("config-file") {
            Some(v) => v.value.clone(),
            None => match self
                .paths
                .etcd_config
                .iter()
                .find(|p| self.parsed.contains_key(**p))
            {
                Some(p) => p.to_string(),
                None => return,
            },
        };
        let Some(res) = self.parsed.get(&path).and_then(|d| d.first()).cloned() else {
            return;
        };
        let mut nf = Flags::new(Component::Etcd, f.origin.clone());
        nf.set("config-file", path.clone(), Source::Distro { name: "etcd" });
        let mut put = |key: &str, flag: &str, v: &Value, line_path: bulwark_core::FieldPath| {
            let s = match v {
                Value::String(s) => s.clone(),
                Value::Bool(b) => b.to_string(),
                Value::Number(n) => n.to_string(),
                _ => return,
            };
            let line = res.locate(&line_path).and_then(|l| l.line);
            nf.set(
                flag,
                s,
                Source::ConfigFile {
                    file: path.clone(),
                    key: key.to_string(),
                    line,
                },
            );
        };
        if let Value::Object(top) = &res.value {
            for (k, v) in top {
                let root = bulwark_core::FieldPath::root().key(k.clone());
                match (k.as_str(), v) {
                    (
                        "client-transport-security" | "peer-transport-security",
                        Value::Object(inner),
                    ) => {
                        let peer = k.starts_with("peer");
                        for (ik, iv) in inner {
                            let flag = if peer {
                                format!("peer-{ik}")
                            } else {
                                ik.clone()
                            };
                            put(&format!("{k}.{ik}"), &flag, iv, root.key(ik.clone()));
                        }
                    }
                    _ => put(k, k, v, root),
                }
            }
        }
        self.components.insert(Component::Etcd, nf);
    }

    fn load_kubelet_config(&mut self, snap: &HostSnapshot) {
        let flags = self.components.get(&Component::Kubelet);
        let mut sources: Vec<String> = Vec::new();
        match flags {
            Some(f) => {
                if let Some(c) = f.get("config") {
                    sources.push(c.value.clone());
                }
                if let Some(d) = f.get("config-dir") {
                    sources.push(d.value.clone());
                }
            }
            // No kubelet process seen: judge the distribution's config file.
            None => {
                if let Some(p) = self
                    .paths
                    .kubelet_config
                    .iter()
                    .find(|p| snap.present(p).is_some())
                {
                    sources.push(p.to_string());
                }
            }
        }
        for s in &sources {
            match snap.present(s) {
                Some(info) if info.is_dir => {
                    for child in &info.children {
                        // The kubelet reads only `*.conf` drop-ins, in name order.
                        if child.ends_with(".conf")
                            && let Some(d) = self.parsed.get(child)
                        {
                            self.kubelet_docs.extend(
                                d.iter()
                                    .filter(|r| crate::kubelet::is_kubelet_config(r))
                                    .cloned(),
                            );
                        }
                    }
                }
                Some(_) => {
                    if let Some(d) = self.parsed.get(s) {
                        self.kubelet_docs.extend(
                            d.iter()
                                .filter(|r| crate::kubelet::is_kubelet_config(r))
                                .cloned(),
                        );
                    }
                }
                None => {}
            }
        }
        self.kubelet_config = sources.first().cloned();
    }

    /// Paths a flag or config names that the checks will want to see.
    pub fn referenced_paths(&self) -> Vec<(String, bool)> {
        let mut out = Vec::new();
        let text = [
            (Component::ApiServer, "encryption-provider-config"),
            (Component::ApiServer, "audit-policy-file"),
            (Component::Kubelet, "config"),
            (Component::Kubelet, "kubeconfig"),
            (Component::ControllerManager, "kubeconfig"),
            (Component::Scheduler, "kubeconfig"),
            (Component::Proxy, "kubeconfig"),
            (Component::Proxy, "config"),
            (Component::Etcd, "config-file"),
        ];
        let stat = [
            (Component::ApiServer, "client-ca-file"),
            (Component::Kubelet, "client-ca-file"),
            (Component::Etcd, "trusted-ca-file"),
            (Component::Etcd, "data-dir"),
        ];
        for (c, flag) in text {
            if let Some(v) = self.components.get(&c).and_then(|f| f.get(flag)) {
                out.push((v.value.clone(), true));
            }
        }
        for (c, flag) in stat {
            if let Some(v) = self.components.get(&c).and_then(|f| f.get(flag)) {
                out.push((v.value.clone(), true));
            }
        }
        if let Some(d) = self
            .components
            .get(&Component::Kubelet)
            .and_then(|f| f.get("config-dir"))
        {
            out.push((d.value.clone(), true));
        }
        for r in &self.kubelet_docs {
            if let Some(ca) = r
                .value
                .pointer("/authentication/x509/clientCAFile")
                .and_then(Value::as_str)
            {
                out.push((ca.to_string(), true));
            }
        }
        out
    }
}
