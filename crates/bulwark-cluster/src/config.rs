//! Which clusters to read and with which credentials: a kubeconfig
//! (`--kubeconfig`, else `KUBECONFIG`, else `~/.kube/config`; contexts,
//! exec plugins, client certificates, tokens) or, inside a pod, the
//! service account. All through kube-rs, so credentials behave as kubectl's.

use std::path::{Path, PathBuf};

use kube::config::{KubeConfigOptions, Kubeconfig};

use crate::Error;

/// The context name used for in-cluster (service account) credentials.
pub const IN_CLUSTER: &str = "in-cluster";

/// Where credentials come from.
#[derive(Clone, Debug)]
pub enum Credentials {
    /// A kubeconfig, and the file(s) it was read from (for messages).
    Kubeconfig {
        config: Box<Kubeconfig>,
        from: String,
    },
    /// The pod's service account (`KUBERNETES_SERVICE_HOST` and the token
    /// mounted at `/var/run/secrets/kubernetes.io/serviceaccount`).
    InCluster,
}

/// Installs aws-lc-rs as the process's one rustls crypto provider. Call it
/// before the first client is built; calling it again does nothing.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}

/// Finds the credentials: `path`, else `KUBECONFIG` (its files merged, as
/// kubectl does), else `~/.kube/config`, else in-cluster when running in a
/// pod.
pub fn load(path: Option<&Path>) -> Result<Credentials, Error> {
    let kubeconfig_err = |from: &str, e: kube::config::KubeconfigError| Error::Kubeconfig {
        from: from.to_string(),
        message: e.to_string(),
    };
    if let Some(p) = path {
        let from = p.display().to_string();
        let config = Kubeconfig::read_from(p).map_err(|e| kubeconfig_err(&from, e))?;
        return Ok(Credentials::Kubeconfig {
            config: Box::new(config),
            from,
        });
    }
    if let Some(v) = std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()) {
        let from = format!("KUBECONFIG={}", v.to_string_lossy());
        return match Kubeconfig::from_env() {
            Ok(Some(config)) => Ok(Credentials::Kubeconfig {
                config: Box::new(config),
                from,
            }),
            Ok(None) => Err(Error::NoCredentials),
            Err(e) => Err(kubeconfig_err(&from, e)),
        };
    }
    if let Some(home) = std::env::var_os("HOME").map(PathBuf::from) {
        let p = home.join(".kube").join("config");
        if p.exists() {
            let from = p.display().to_string();
            let config = Kubeconfig::read_from(&p).map_err(|e| kubeconfig_err(&from, e))?;
            return Ok(Credentials::Kubeconfig {
                config: Box::new(config),
                from,
            });
        }
    }
    if std::env::var_os("KUBERNETES_SERVICE_HOST").is_some() {
        return Ok(Credentials::InCluster);
    }
    Err(Error::NoCredentials)
}

impl Credentials {
    /// Every context name, in file order.
    pub fn contexts(&self) -> Vec<String> {
        match self {
            Credentials::Kubeconfig { config, .. } => {
                config.contexts.iter().map(|c| c.name.clone()).collect()
            }
            Credentials::InCluster => vec![IN_CLUSTER.to_string()],
        }
    }

    /// The contexts to scan: those named (each must exist: a typo is an
    /// error, not an empty scan), all of them, or the current one.
    pub fn select(&self, requested: &[String], all: bool) -> Result<Vec<String>, Error> {
        let known = self.contexts();
        if all {
            if known.is_empty() {
                return Err(Error::NoContext {
                    from: self.from(),
                    message: "the kubeconfig has no contexts".into(),
                });
            }
            return Ok(known);
        }
        if requested.is_empty() {
            return match self {
                Credentials::Kubeconfig { config, .. } => config
                    .current_context
                    .clone()
                    .filter(|c| !c.is_empty())
                    .map(|c| vec![c])
                    .ok_or_else(|| Error::NoContext {
                        from: self.from(),
                        message: "no current-context is set: pass --context".into(),
                    }),
                Credentials::InCluster => Ok(known),
            };
        }
        let mut out = Vec::new();
        for r in requested {
            if !known.contains(r) {
                return Err(Error::UnknownContext {
                    name: r.clone(),
                    from: self.from(),
                    known: known.clone(),
                });
            }
            if !out.contains(r) {
                out.push(r.clone());
            }
        }
        Ok(out)
    }

    /// Where the credentials were read from, for messages.
    pub fn from(&self) -> String {
        match self {
            Credentials::Kubeconfig { from, .. } => from.clone(),
            Credentials::InCluster => "the pod's service account".into(),
        }
    }

    /// The client configuration of one context. Exec plugins run here.
    pub async fn client_config(&self, context: &str) -> Result<kube::Config, Error> {
        let fail = |e: String| Error::Client {
            context: context.to_string(),
            message: e,
        };
        match self {
            Credentials::Kubeconfig { config, .. } => {
                let opts = KubeConfigOptions {
                    context: Some(context.to_string()),
                    ..Default::default()
                };
                kube::Config::from_custom_kubeconfig(Kubeconfig::clone(config), &opts)
                    .await
                    .map_err(|e| fail(e.to_string()))
            }
            Credentials::InCluster => kube::Config::incluster().map_err(|e| fail(e.to_string())),
        }
    }

    /// A client for one context.
    pub async fn client(&self, context: &str) -> Result<kube::Client, Error> {
        let cfg = self.client_config(context).await?;
        kube::Client::try_from(cfg).map_err(|e| Error::Client {
            context: context.to_string(),
            message: e.to_string(),
        })
    }
}
