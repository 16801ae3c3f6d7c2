//! How each benchmark check is decided from the collected host.

use super::PolicyRule;
use super::catalog::{BenchCheck, Target};
use super::report::CheckResult;
use crate::certs::CertCheck;
use crate::checks::{audit_policy, control_plane, encryption, kubelet as kchecks};
use crate::component::Component;
use crate::flags::Flags;
use crate::host::{FileFact, HostSnapshot};
use crate::kubelet::KubeletView;
use crate::model::NodeModel;
use crate::verdict::Verdict;

pub(super) struct Ctx<'a> {
    snap: &'a HostSnapshot,
    m: &'a NodeModel,
    policy: &'a [PolicyRule],
    now: i64,
}

/// Checks no evidence can fail: a person decides (or another command).
const ADVISORY: &[&str] = &[
    "1.2.3", "1.2.9", "1.2.11", "1.2.20", "1.3.1", "3.1.1", "3.1.2", "3.1.3",
];

fn mode_str(m: u32) -> String {
    format!("{m:04o}")
}

impl<'a> Ctx<'a> {
    pub(super) fn new(
        snap: &'a HostSnapshot,
        m: &'a NodeModel,
        policy: &'a [PolicyRule],
        now: i64,
    ) -> Self {
        Self {
            snap,
            m,
            policy,
            now,
        }
    }

    pub(super) fn result(&self, c: &BenchCheck) -> CheckResult {
        let (verdict, remediation) = self.eval(c);
        CheckResult {
            id: c.id,
            status: verdict.status,
            title: c.title,
            evidence: verdict.evidence,
            remediation,
            group: c.group,
            target: c.target,
            automated: c.target != Target::Policies && !ADVISORY.contains(&c.id),
        }
    }

    /// The component's flags, or why it cannot be judged.
    fn need(&self, c: Component) -> Result<&'a Flags, Verdict> {
        if let Some(f) = self.m.components.get(&c) {
            return Ok(f);
        }
        if self.m.distro.managed() && c != Component::Kubelet && c != Component::Proxy {
            return Err(Verdict::not_evaluated(format!(
                "managed control plane ({}): {} is not visible from the node",
                self.m.distro,
                c.binary()
            )));
        }
        if c == Component::Etcd
            && let Some(bin) = self.m.distro.single_binary()
        {
            return Err(Verdict::not_evaluated(format!(
                "no etcd: this {bin} server has no embedded etcd config (it stores data in kine, SQLite by default)"
            )));
        }
        let mut why = format!("{} not found: no such process", c.binary());
        if let Err(e) = &self.snap.processes {
            why = format!("{} not found: processes unreadable ({e})", c.binary());
        }
        if let Some((_, p)) = self
            .m
            .paths
            .manifests
            .iter()
            .find(|(b, _)| *b == c.binary())
        {
            why.push_str(&format!(
                " and no static pod manifest at {p} ({})",
                self.state(p)
            ));
        }
        Err(Verdict::not_evaluated(why))
    }

    fn state(&self, path: &str) -> String {
        match self.snap.file(path) {
            Some(FileFact::Present(_)) => "present".into(),
            Some(FileFact::Missing) => "file not found".into(),
            Some(FileFact::PermissionDenied { error }) => format!("permission denied: {error}"),
            Some(FileFact::Error { error }) => format!("unreadable: {error}"),
            None => "not collected".into(),
        }
    }

    /// NOT_EVALUATED for a path that is not a readable, present file.
    fn absent(&self, path: &str) -> Verdict {
        Verdict::not_evaluated(format!("{path}: {}", self.state(path)))
    }

    fn file_test(
        &self,
        paths: &[String],
        what: &str,
        test: impl Fn(&crate::host::FileInfo) -> bool,
    ) -> Verdict {
        if paths.is_empty() {
            return Verdict::not_evaluated(format!("no {what} to check"));
        }
        Verdict::all(
            paths
                .iter()
                .map(|p| match self.snap.present(p) {
                    Some(i) => {
                        let d = format!("{p}: mode {}, owner {}", mode_str(i.mode), i.owner());
                        if test(i) {
                            Verdict::pass(d)
                        } else {
                            Verdict::fail(d)
                        }
                    }
                    None => self.absent(p),
                })
                .collect(),
        )
    }

    fn mode(&self, paths: &[String], max: u32, what: &str) -> Verdict {
        self.file_test(paths, what, |i| i.mode & !max == 0)
    }

    fn owner(&self, paths: &[String], want: &str, what: &str) -> Verdict {
        self.file_test(paths, what, |i| i.owner() == want)
    }

    /// The first candidate that exists (even if unreadable), else the
    /// first candidate.
    fn pick(&self, candidates: &[&str]) -> Vec<String> {
        candidates
            .iter()
            .find(|p| !matches!(self.snap.file(p), None | Some(FileFact::Missing)))
            .or(candidates.first())
            .map(|p| vec![p.to_string()])
            .unwrap_or_default()
    }

    /// A component's pod specification file.
    fn manifest(&self, c: Component) -> Result<Vec<String>, Verdict> {
        if let Some(f) = self.m.components.get(&c)
            && self.snap.present(&f.origin).is_some()
        {
            return Ok(vec![f.origin.clone()]);
        }
        match self
            .m
            .paths
            .manifests
            .iter()
            .find(|(b, _)| *b == c.binary())
        {
            Some((_, p)) => Ok(vec![p.to_string()]),
            None => Err(Verdict::not_evaluated(format!(
                "not applicable on {}: {} runs inside the {} process, there is no pod specification file",
                self.m.distro,
                c.binary(),
                self.m.distro
            ))),
        }
    }

    /// A kubeconfig named by `--kubeconfig`, else the distribution's.
    fn kubeconfig(&self, c: Component, defaults: &[&str]) -> Vec<String> {
        match self.m.components.get(&c).and_then(|f| f.get("kubeconfig")) {
            Some(v) => vec![v.value.clone()],
            None => self.pick(defaults),
        }
    }

    fn pki_files(&self, suffix: Option<&str>) -> Result<Vec<String>, Verdict> {
        let dir = self.pick(self.m.paths.pki_dir);
        let Some(d) = dir.first() else {
            return Err(Verdict::not_evaluated(
                "no PKI directory for this distribution",
            ));
        };
        let Some(info) = self.snap.present(d) else {
            return Err(self.absent(d));
        };
        let mut out: Vec<String> = match suffix {
            None => std::iter::once(d.clone())
                .chain(info.children.iter().cloned())
                .collect(),
            Some(s) => info
                .children
                .iter()
                // Entries that could not be seen (an unlistable directory,
                // a walk cut short) count whatever their name.
                .filter(|p| p.ends_with(s) || self.snap.present(p).is_none())
                .cloned()
                .collect(),
        };
        out.sort();
        if out.is_empty() {
            return Err(Verdict::not_evaluated(format!(
                "no {} files under {d}",
                suffix.unwrap_or("")
            )));
        }
        Ok(out)
    }

    fn cni_files(&self) -> Vec<String> {
        self.m
            .paths
            .cni
            .iter()
            .filter_map(|d| self.snap.present(d))
            .flat_map(|i| i.children.iter())
            // Files, and entries that could not be read (never skipped).
            .filter(|p| match self.snap.file(p) {
                Some(FileFact::Present(i)) => !i.is_dir,
                Some(FileFact::Missing) | None => false,
                Some(_) => true,
            })
            .cloned()
            .collect()
    }

    fn etcd_data_dir(&self) -> Vec<String> {
        match self
            .m
            .components
            .get(&Component::Etcd)
            .and_then(|f| f.get("data-dir"))
        {
            Some(v) => vec![v.value.clone()],
            None => self.pick(self.m.paths.etcd_data_dir),
        }
    }

    fn kubelet_view(&self) -> Result<(KubeletView<'a>, Option<String>), Verdict> {
        let flags = self.m.components.get(&Component::Kubelet);
        let docs = self.m.kubelet_docs.as_slice();
        if flags.is_none() && docs.is_empty() {
            let cfg = self.pick(self.m.paths.kubelet_config);
            let at = cfg
                .first()
                .map(|p| format!(" and no config file at {p} ({})", self.state(p)))
                .unwrap_or_default();
            return Err(Verdict::not_evaluated(format!(
                "kubelet not found: no such process{at}"
            )));
        }
        let config_file = self.m.kubelet_config.is_some();
        if config_file && docs.is_empty() {
            let p = self.m.kubelet_config.clone().unwrap_or_default();
            let why = match self.m.parse_errors.get(&p) {
                Some(e) => format!("{p}: not a KubeletConfiguration ({e})"),
                None => format!("{p}: {}", self.state(&p)),
            };
            return Err(Verdict::not_evaluated(format!(
                "kubelet config file unreadable: {why}"
            )));
        }
        let note = flags
            .is_none()
            .then(|| "kubelet process not seen: judged from its config file alone".to_string());
        Ok((
            KubeletView {
                docs,
                flags,
                config_file,
            },
            note,
        ))
    }

    fn docs_of(
        &self,
        path: &str,
        pred: fn(&bulwark_core::Resource) -> bool,
    ) -> Result<&'a bulwark_core::Resource, Verdict> {
        if self.snap.present(path).is_none() {
            return Err(self.absent(path));
        }
        if let Some(e) = self.m.parse_errors.get(path) {
            return Err(Verdict::not_evaluated(format!("{path}: cannot parse: {e}")));
        }
        self.m
            .parsed
            .get(path)
            .and_then(|d| d.iter().find(|r| pred(r)))
            .ok_or_else(|| {
                Verdict::not_evaluated(format!("{path}: no object of the expected kind"))
            })
    }

    fn eval(&self, c: &BenchCheck) -> (Verdict, String) {
        let chmod = |m: u32| {
            format!("chmod {m:o} on the file(s) named in the evidence (or more restrictive)")
        };
        let chown = |o: &str| format!("chown {o} on the file(s) named in the evidence");
        let r = |x: Result<Verdict, Verdict>| x.unwrap_or_else(|e| e);
        use Component::*;
        let p = self.m.paths;
        match c.id {
            "1.1.1" | "1.1.3" | "1.1.5" | "1.1.7" => {
                let comp = match c.id { "1.1.1" => ApiServer, "1.1.3" => ControllerManager, "1.1.5" => Scheduler, _ => Etcd };
                (r(self.manifest(comp).map(|f| self.mode(&f, 0o600, "manifest"))), chmod(0o600))
            }
            "1.1.2" | "1.1.4" | "1.1.6" | "1.1.8" => {
                let comp = match c.id { "1.1.2" => ApiServer, "1.1.4" => ControllerManager, "1.1.6" => Scheduler, _ => Etcd };
                (r(self.manifest(comp).map(|f| self.owner(&f, "root:root", "manifest"))), chown("root:root"))
            }
            "1.1.9" => (self.mode(&self.cni_files(), 0o600, "CNI files"), chmod(0o600)),
            "1.1.10" => (self.owner(&self.cni_files(), "root:root", "CNI files"), chown("root:root")),
            "1.1.11" => (self.mode(&self.etcd_data_dir(), 0o700, "etcd data directory"), chmod(0o700)),
            "1.1.12" => (self.owner(&self.etcd_data_dir(), "etcd:etcd", "etcd data directory"), "Create an etcd user and group and chown etcd:etcd the data directory".into()),
            "1.1.13" | "1.1.14" => {
                // Every candidate that exists, readable or not.
                let files: Vec<String> = p
                    .admin_kubeconfig
                    .iter()
                    .filter(|f| !matches!(self.snap.file(f), None | Some(FileFact::Missing)))
                    .map(|s| s.to_string())
                    .collect();
                let v = if files.is_empty() {
                    Verdict::not_evaluated(format!("no administrative kubeconfig found ({})", p.admin_kubeconfig.join(", ")))
                } else if c.id == "1.1.13" {
                    self.mode(&files, 0o600, "admin kubeconfig")
                } else {
                    self.owner(&files, "root:root", "admin kubeconfig")
                };
                (v, if c.id == "1.1.13" { chmod(0o600) } else { chown("root:root") })
            }
            "1.1.15" => (self.mode(&self.kubeconfig(Scheduler, p.scheduler_kubeconfig), 0o600, "scheduler kubeconfig"), chmod(0o600)),
            "1.1.16" => (self.owner(&self.kubeconfig(Scheduler, p.scheduler_kubeconfig), "root:root", "scheduler kubeconfig"), chown("root:root")),
            "1.1.17" => (self.mode(&self.kubeconfig(ControllerManager, p.controller_manager_kubeconfig), 0o600, "controller-manager kubeconfig"), chmod(0o600)),
            "1.1.18" => (self.owner(&self.kubeconfig(ControllerManager, p.controller_manager_kubeconfig), "root:root", "controller-manager kubeconfig"), chown("root:root")),
            "1.1.19" => (r(self.pki_files(None).map(|f| self.owner(&f, "root:root", "PKI files"))), "chown -R root:root the PKI directory".into()),
            "1.1.20" => (r(self.pki_files(Some(".crt")).map(|f| self.mode(&f, 0o644, "certificates"))), chmod(0o644)),
            "1.1.21" => (r(self.pki_files(Some(".key")).map(|f| self.mode(&f, 0o600, "keys"))), chmod(0o600)),
            "1.2.28" => (self.encryption(), encryption::WEAK_PROVIDER.remediation.to_string()),
            "2.7" => (self.etcd_unique_ca(), "Give etcd its own CA (kubeadm: /etc/kubernetes/pki/etcd/ca.crt) and set --trusted-ca-file to it".into()),
            "3.1.1" => (self.manual_auth("client certificates", "--client-ca-file"), "Use OIDC or another external identity provider for people; keep client certificates for components".into()),
            "3.1.2" => (self.manual_auth("service account tokens", "--service-account-key-file"), "Do not hand service account tokens to people; use OIDC".into()),
            "3.1.3" => (self.manual_auth("bootstrap tokens", "--enable-bootstrap-token-auth"), "Use bootstrap tokens only to join nodes, and let them expire".into()),
            "3.2.1" => (self.audit_policy_exists(), audit_policy::NO_RULES.remediation.to_string()),
            "3.2.2" => (self.audit_policy_coverage(), audit_policy::SECRETS_BODY.remediation.to_string()),
            "4.1.1" => (self.mode(&self.pick(p.kubelet_svc), 0o600, "kubelet service file"), chmod(0o600)),
            "4.1.2" => (self.owner(&self.pick(p.kubelet_svc), "root:root", "kubelet service file"), chown("root:root")),
            "4.1.3" => (self.mode(&self.kubeconfig(Proxy, p.proxy_kubeconfig), 0o600, "kube-proxy kubeconfig"), chmod(0o600)),
            "4.1.4" => (self.owner(&self.kubeconfig(Proxy, p.proxy_kubeconfig), "root:root", "kube-proxy kubeconfig"), chown("root:root")),
            "4.1.5" => (self.mode(&self.kubeconfig(Kubelet, p.kubelet_kubeconfig), 0o600, "kubelet kubeconfig"), chmod(0o600)),
            "4.1.6" => (self.owner(&self.kubeconfig(Kubelet, p.kubelet_kubeconfig), "root:root", "kubelet kubeconfig"), chown("root:root")),
            "4.1.7" => (self.mode(&self.kubelet_ca(), 0o644, "client CA file"), chmod(0o644)),
            "4.1.8" => (self.owner(&self.kubelet_ca(), "root:root", "client CA file"), chown("root:root")),
            "4.1.9" | "4.1.10" => {
                let files = self.kubelet_config_files();
                let v = match files {
                    Err(v) => v,
                    Ok(f) if c.id == "4.1.9" => self.mode(&f, 0o600, "kubelet config"),
                    Ok(f) => self.owner(&f, "root:root", "kubelet config"),
                };
                (v, if c.id == "4.1.9" { chmod(0o600) } else { chown("root:root") })
            }
            "4.2.7" => (self.hostname_override(), "Remove --hostname-override from the kubelet's arguments".into()),
            "4.3.1" => (self.proxy_metrics(), "Set metricsBindAddress (or --metrics-bind-address) to 127.0.0.1:10249, or remove it".into()),
            id if id.starts_with("5.") => (self.policy(c), String::new()),
            "pki.1" => (self.certs(CertCheck::Expiry), "Renew the certificates named (kubeadm certs renew all, or your CA's process) before they expire".into()),
            "pki.2" => (self.certs(CertCheck::RsaKeySize), "Reissue the certificates named with RSA 2048+ or ECDSA P-256 keys".into()),
            "pki.3" => (self.certs(CertCheck::Sha1Signature), "Reissue the certificates named with a SHA-256 signature".into()),
            "pki.4" => (self.certs(CertCheck::CaValidity), "Issue CAs for at most 10 years and plan their rotation".into()),
            id => {
                if let Some(fc) = control_plane::by_cis(id) {
                    let fix = fc.meta.as_ref().map(|m| m.remediation.to_string()).unwrap_or_else(|| advisory_fix(id));
                    return (r(self.need(fc.component).map(|f| fc.eval(f))), fix);
                }
                if let Some(kc) = kchecks::by_cis(id) {
                    let v = match self.kubelet_view() {
                        Err(v) => v,
                        Ok((view, note)) => {
                            let mut v = (kc.eval)(&view);
                            v.evidence.extend(note);
                            v
                        }
                    };
                    return (v, kc.meta.remediation.to_string());
                }
                (Verdict::not_evaluated("bulwark has no evaluation for this check"), String::new())
            }
        }
    }

    /// One certificate check over every certificate under the PKI directory.
    fn certs(&self, check: CertCheck) -> Verdict {
        let files = match self.pki_files(None) {
            Ok(f) => f,
            Err(v) => return v,
        };
        let mut n = 0;
        let mut fails = Vec::new();
        let mut warns = Vec::new();
        let mut errors = Vec::new();
        for f in files
            .iter()
            .filter(|f| f.ends_with(".crt") || f.ends_with(".pem"))
        {
            let Some(text) = self.snap.text(f) else {
                errors.push(format!("{f}: {}", self.state(f)));
                continue;
            };
            match crate::certs::parse_pem(text) {
                Err(e) => errors.push(format!("{f}: {e}")),
                Ok(certs) => {
                    for c in certs {
                        n += 1;
                        for (k, fail, msg) in crate::certs::problems(&c, self.now) {
                            if k == check {
                                if fail {
                                    fails.push(format!("{f}: {msg}"))
                                } else {
                                    warns.push(format!("{f}: {msg}"))
                                }
                            }
                        }
                    }
                }
            }
        }
        let mut v = if !fails.is_empty() {
            Verdict {
                status: crate::verdict::Status::Fail,
                evidence: fails,
                at: None,
            }
        } else if !warns.is_empty() {
            Verdict {
                status: crate::verdict::Status::Warn,
                evidence: warns,
                at: None,
            }
        } else if n == 0 {
            Verdict::not_evaluated("no certificate could be read under the PKI directory")
        } else if !errors.is_empty() {
            Verdict::not_evaluated(format!(
                "{n} certificates fine, but some files could not be read"
            ))
        } else {
            Verdict::pass(format!("{n} certificates checked"))
        };
        v.evidence.extend(errors);
        v
    }

    fn kubelet_ca(&self) -> Vec<String> {
        if let Ok((view, _)) = self.kubelet_view()
            && let Some(ca) = view.get(crate::kubelet::CLIENT_CA).as_str()
        {
            return vec![ca];
        }
        self.pick(self.m.paths.kubelet_ca)
    }

    fn kubelet_config_files(&self) -> Result<Vec<String>, Verdict> {
        let Some(cfg) = &self.m.kubelet_config else {
            return Err(match self.m.components.get(&Component::Kubelet) {
                Some(_) => Verdict::not_evaluated(
                    "the kubelet runs without --config: no config file to check",
                ),
                None => Verdict::not_evaluated(
                    "kubelet not found and no config file at the distribution's path",
                ),
            });
        };
        match self.snap.present(cfg) {
            Some(i) if i.is_dir => Ok(i.children.clone()),
            Some(_) => Ok(vec![cfg.clone()]),
            None => Err(self.absent(cfg)),
        }
    }

    fn encryption(&self) -> Verdict {
        let f = match self.need(Component::ApiServer) {
            Ok(f) => f,
            Err(v) => return v,
        };
        let Some(path) = f.get("encryption-provider-config") else {
            return Verdict::fail(
                "--encryption-provider-config not set: Secrets are stored unencrypted",
            );
        };
        match self.docs_of(&path.value, encryption::is_encryption_config) {
            Err(v) => v,
            Ok(res) => {
                let (_, mut v) = encryption::secrets_verdict(res);
                v.evidence.insert(
                    0,
                    format!(
                        "--encryption-provider-config={} at {}",
                        path.value, path.source
                    ),
                );
                v
            }
        }
    }

    fn etcd_unique_ca(&self) -> Verdict {
        let etcd = match self.need(Component::Etcd) {
            Ok(f) => f,
            Err(v) => return v,
        };
        let Some(ca) = etcd.get("trusted-ca-file") else {
            return Verdict::fail(
                "etcd --trusted-ca-file not set: client certificates are not verified against any CA",
            );
        };
        let ev = format!("etcd --trusted-ca-file={} at {}", ca.value, ca.source);
        // The cluster CA: the API server's client CA, else the kubelet's,
        // else the distribution's.
        let cluster_ca = match self
            .m
            .components
            .get(&Component::ApiServer)
            .and_then(|f| f.get("client-ca-file"))
        {
            Some(v) => Some((
                v.value.clone(),
                format!(
                    "kube-apiserver --client-ca-file={} at {}",
                    v.value, v.source
                ),
            )),
            None => self
                .kubelet_ca()
                .into_iter()
                .next()
                .filter(|p| self.snap.present(p).is_some())
                .map(|p| {
                    let e = format!("cluster CA {p} (kube-apiserver --client-ca-file not set)");
                    (p, e)
                }),
        };
        let Some((api_ca, ev2)) = cluster_ca else {
            return Verdict::warn(format!(
                "{ev}; the cluster CA is not known here: check that it differs"
            ));
        };
        if ca.value == api_ca {
            let mut v = Verdict::fail(format!("{ev}: the same file as the cluster CA"));
            v.evidence.push(ev2);
            return v;
        }
        match (self.snap.text(&ca.value), self.snap.text(&api_ca)) {
            (Some(a), Some(b)) if a.trim() == b.trim() => {
                let mut v = Verdict::fail(format!("{ev}: the same certificate as the cluster CA"));
                v.evidence.push(ev2);
                v
            }
            (Some(_), Some(_)) => {
                let mut v =
                    Verdict::pass(format!("{ev}: a different certificate from the cluster CA"));
                v.evidence.push(ev2);
                v
            }
            _ => Verdict::not_evaluated(format!(
                "{ev}; {ev2}: cannot read both CA files to compare ({}; {})",
                self.state(&ca.value),
                self.state(&api_ca)
            )),
        }
    }

    fn manual_auth(&self, what: &str, flag: &str) -> Verdict {
        let seen = self
            .m
            .components
            .get(&Component::ApiServer)
            .and_then(|f| f.get(flag))
            .map(|v| format!("{flag}={} at {}", v.value, v.source))
            .unwrap_or_else(|| format!("{flag} not set"));
        Verdict::warn(format!(
            "review who authenticates with {what} ({seen}); people should use an external identity provider (OIDC)"
        ))
    }

    fn audit_policy(&self) -> Result<(&'a bulwark_core::Resource, String), Verdict> {
        let f = self.need(Component::ApiServer)?;
        let Some(p) = f.get("audit-policy-file") else {
            return Err(Verdict::fail(
                "--audit-policy-file not set: nothing is audited",
            ));
        };
        let ev = format!("--audit-policy-file={} at {}", p.value, p.source);
        self.docs_of(&p.value, audit_policy::is_audit_policy)
            .map(|r| (r, ev.clone()))
            .map_err(|mut v| {
                v.evidence.insert(0, ev);
                v
            })
    }

    fn audit_policy_exists(&self) -> Verdict {
        match self.audit_policy() {
            Err(v) => v,
            Ok((res, ev)) => {
                let no_rules = audit_policy::findings(res)
                    .into_iter()
                    .find(|(m, _)| m.id == audit_policy::NO_RULES.id);
                match no_rules {
                    Some((_, mut v)) => {
                        v.evidence.insert(0, ev);
                        v
                    }
                    None => Verdict::pass(format!("{ev}: a policy with rules")),
                }
            }
        }
    }

    fn audit_policy_coverage(&self) -> Verdict {
        match self.audit_policy() {
            Err(v) => v,
            Ok((res, ev)) => {
                let found: Vec<_> = audit_policy::findings(res)
                    .into_iter()
                    .filter(|(m, _)| m.id != audit_policy::REQUEST_RECEIVED.id)
                    .collect();
                if found.is_empty() {
                    Verdict::pass(format!(
                        "{ev}: secrets, configmaps and tokenreviews at Metadata at most; exec/attach/port-forward and RBAC changes logged; a catch-all rule"
                    ))
                } else {
                    let mut v = Verdict::fail(ev);
                    for (m, f) in found {
                        v.evidence
                            .extend(f.evidence.into_iter().map(|e| format!("{}: {e}", m.id)));
                    }
                    v
                }
            }
        }
    }

    fn hostname_override(&self) -> Verdict {
        let f = match self.m.components.get(&Component::Kubelet) {
            Some(f) => f,
            None => {
                return Verdict::not_evaluated(
                    "kubelet process not found: its command line decides this check",
                );
            }
        };
        match f.get("hostname-override") {
            None => Verdict::pass("--hostname-override not set"),
            Some(v) if self.m.distro.managed() => Verdict::warn(format!(
                "--hostname-override={} at {}: {} sets it for the cloud provider; confirm it matches the node name",
                v.value, v.source, self.m.distro
            )),
            Some(v) => Verdict::fail(format!("--hostname-override={} at {}", v.value, v.source)),
        }
    }

    fn proxy_metrics(&self) -> Verdict {
        let f = match self.need(Component::Proxy) {
            Ok(f) => f,
            Err(v) => return v,
        };
        let local = |a: &str| {
            let host = a.rsplit_once(':').map(|(h, _)| h).unwrap_or(a);
            matches!(
                host.trim_matches(['[', ']']),
                "127.0.0.1" | "localhost" | "::1"
            )
        };
        if let Some(v) = f.get("metrics-bind-address") {
            let d = format!("--metrics-bind-address={} at {}", v.value, v.source);
            return if local(&v.value) {
                Verdict::pass(d)
            } else {
                Verdict::fail(d)
            };
        }
        if let Some(cfg) = f.get("config") {
            match self.docs_of(&cfg.value, |r| r.kind() == "KubeProxyConfiguration") {
                Ok(res) => {
                    if let Some(a) = res
                        .value
                        .get("metricsBindAddress")
                        .and_then(|v| v.as_str())
                        .filter(|s| !s.is_empty())
                    {
                        let d = format!("metricsBindAddress={a} in {}", cfg.value);
                        return if local(a) {
                            Verdict::pass(d)
                        } else {
                            Verdict::fail(d)
                        };
                    }
                }
                Err(v) => return v,
            }
        }
        Verdict::pass("metrics bind address not set: kube-proxy defaults to 127.0.0.1:10249")
    }

    fn policy(&self, c: &BenchCheck) -> Verdict {
        let rules: Vec<&PolicyRule> = self
            .policy
            .iter()
            .filter(|r| r.cis.iter().any(|x| x == c.id))
            .collect();
        if rules.is_empty() {
            return Verdict::warn(format!(
                "a cluster-level policy: review it against the cluster ({}); no bulwark rule maps to {}",
                c.title, c.id
            ));
        }
        let mut by_cmd: Vec<(String, Vec<String>)> = Vec::new();
        for r in rules {
            match by_cmd.iter_mut().find(|(cmd, _)| *cmd == r.command) {
                Some((_, ids)) => ids.push(r.rule_id.clone()),
                None => by_cmd.push((r.command.clone(), vec![r.rule_id.clone()])),
            }
        }
        let mut v = Verdict::warn("a cluster-level policy, not visible from the node");
        for (cmd, ids) in by_cmd {
            v.evidence
                .push(format!("covered by `{cmd}` rule {}", ids.join(", ")));
        }
        v
    }
}

fn advisory_fix(id: &str) -> String {
    match id {
        "1.2.3" => "Enable DenyServiceExternalIPs unless Services need externalIPs: --enable-admission-plugins=...,DenyServiceExternalIPs".into(),
        "1.2.9" => "Enable EventRateLimit with an admission config file: --enable-admission-plugins=...,EventRateLimit --admission-control-config-file=<file>".into(),
        "1.2.11" => "Enable AlwaysPullImages on multi-tenant clusters so private images are re-authorised on each pull".into(),
        "1.2.20" => "Keep --request-timeout at the default (1m) unless long requests need more, e.g. --request-timeout=300s".into(),
        "1.3.1" => "Set --terminated-pod-gc-threshold to a value that suits the cluster, e.g. 10".into(),
        _ => String::new(),
    }
}
