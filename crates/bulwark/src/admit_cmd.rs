//! `bulwark admit`: the admission webhook. Wiring only: the analyzers and
//! filter are the scan's (`pipeline`), the decisions are bulwark-admission's.

use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bulwark_admission::certs::{self, CertFiles, Lifetimes};
use bulwark_admission::manifests::{self, Install};
use bulwark_admission::server::{ServeOptions, Server, Shared, Tls};
use bulwark_admission::{AdmissionConfig, Admitter, Mode};

use crate::pipeline;

#[derive(clap::Subcommand, Debug)]
pub enum AdmitCommand {
    /// Serve the validating (/validate) and mutating (/mutate) webhook over
    /// HTTPS, with /healthz, /readyz and /metrics.
    Serve(ServeArgs),
    /// Print what installs the webhook into a cluster (Namespace, Secret,
    /// Deployment, Service, webhook configurations with their caBundle).
    Manifests(ManifestsArgs),
    /// Answer AdmissionReview requests from a file (or - for stdin; several
    /// JSON documents one after another are answered one per line), as the
    /// server would. Exit 1 when one is denied.
    Review(ReviewArgs),
}

#[derive(clap::Args, Debug)]
pub struct ConfigArgs {
    /// Config file with an `admission:` section (default: .bulwark.yaml
    /// found upward from the working directory).
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    #[arg(long)]
    pub no_config: bool,
    /// Override the config's `admission.mode` (enforce, warn, audit).
    #[arg(long)]
    pub mode: Option<Mode>,
    /// Namespace manifests (files or directories) whose labels decide Pod
    /// Security until the webhook sees the namespaces themselves.
    #[arg(long, value_name = "PATH")]
    pub namespaces: Vec<PathBuf>,
    /// Gatekeeper ConstraintTemplates and Constraints (files or
    /// directories, repeatable), judged on each request as Gatekeeper's
    /// webhook does. A policy that does not load stops the start.
    #[arg(long, value_name = "DIR")]
    pub policy: Vec<PathBuf>,
}

impl ConfigArgs {
    fn admitter(&self) -> Result<Admitter, String> {
        let (policy, errors) = pipeline::load_policies(&self.policy);
        if !errors.is_empty() {
            for e in &errors {
                errln!("bulwark: {e}");
            }
            return Err(format!(
                "--policy: {} policy error(s); the webhook does not start with part of its policies",
                errors.len()
            ));
        }
        let sources = pipeline::FilterSources {
            config: self.config.as_deref(),
            no_config: self.no_config,
            baseline: None,
            policy: policy.as_ref(),
        };
        let settings = pipeline::settings(
            &[PathBuf::from(".")],
            &bulwark_filter::Overrides::default(),
            &sources,
        )?;
        let analyzers = pipeline::analyzers_for(&settings.pss, &settings.rules);
        let mut catalog = bulwark_core::Catalog::from_analyzers(&analyzers);
        if let Some(p) = &policy {
            catalog.extend(bulwark_core::Analyzer::rules(p));
        }
        let mut config = match &settings.admission {
            Some((v, at)) => {
                AdmissionConfig::from_value(v, &catalog).map_err(|e| format!("{at}: {e}"))?
            }
            None => AdmissionConfig::default(),
        };
        if let Some(m) = self.mode {
            if m == Mode::Off {
                return Err("--mode: enforce, warn or audit".into());
            }
            config.mode = m;
        }
        let mut admitter = Admitter::new(analyzers, settings.filter, config, settings.pss);
        if let Some(p) = policy {
            admitter = admitter.with_policy(p);
        }
        if !self.namespaces.is_empty() {
            let bulwark_load::Loaded { resources, summary } =
                bulwark_load::load_paths(&self.namespaces, &bulwark_load::LoadOptions::default());
            for e in &summary.errors {
                errln!("bulwark: {e}");
            }
            if !summary.errors.is_empty() {
                return Err("--namespaces: some files could not be read".into());
            }
            // Nothing given is dropped unsaid: what is not a Namespace is named.
            for s in &summary.skipped {
                errln!("bulwark: --namespaces: skipped {}: {}", s.file, s.reason);
            }
            let mut learned = 0usize;
            for r in resources {
                if r.kind() == "Namespace" && r.group().is_empty() && !r.id.name.is_empty() {
                    admitter.namespaces.insert(r);
                    learned += 1;
                } else {
                    errln!(
                        "bulwark: --namespaces: ignored {} (not a Namespace)",
                        r.id.display()
                    );
                }
            }
            errln!("bulwark: --namespaces: {learned} namespaces known at start");
        }
        Ok(admitter)
    }
}

#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    #[arg(long, default_value = "0.0.0.0:8443")]
    pub listen: std::net::SocketAddr,
    /// PEM certificate chain (reloaded when the file changes).
    #[arg(long, requires = "key", conflicts_with = "self_signed")]
    pub cert: Option<PathBuf>,
    #[arg(long, requires = "cert")]
    pub key: Option<PathBuf>,
    /// Mint (and renew before expiry) a CA and serving certificate in DIR;
    /// DIR/ca.crt is the caBundle.
    #[arg(long, value_name = "DIR")]
    pub self_signed: Option<PathBuf>,
    /// DNS names or IPs of the serving certificate with --self-signed
    /// (default: localhost, the listen address, and the in-cluster Service
    /// names in --service-namespace).
    #[arg(long = "name")]
    pub names: Vec<String>,
    #[arg(long, default_value = "bulwark-system")]
    pub service_namespace: String,
    /// Largest request body, in MiB.
    #[arg(long, default_value_t = 8)]
    pub body_limit_mib: usize,
    /// Seconds to judge one request before the failure mode answers.
    #[arg(long, default_value_t = 2.0)]
    pub eval_timeout: f64,
    #[command(flatten)]
    pub watch: WatchArgs,
    #[command(flatten)]
    pub config: ConfigArgs,
}

/// Following the cluster's Namespaces, whose labels decide Pod Security.
#[derive(clap::Args, Debug)]
pub struct WatchArgs {
    /// Read the cluster's Namespaces from the API server: listed at start
    /// (/readyz answers 503 until the first list arrived) and again every
    /// --namespace-resync seconds; Namespace requests the webhook admits
    /// update them at once in between. Credentials as `cluster scan`:
    /// --kubeconfig, KUBECONFIG, ~/.kube/config, or the pod's service
    /// account (what `admit manifests` installs).
    #[arg(long)]
    pub watch_namespaces: bool,
    #[arg(long, value_name = "FILE", requires = "watch_namespaces")]
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context (default: the current one).
    #[arg(long, value_name = "NAME", requires = "watch_namespaces")]
    pub context: Option<String>,
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    pub namespace_resync: f64,
}

#[derive(clap::Args, Debug)]
pub struct ManifestsArgs {
    #[arg(long, default_value = "bulwark-system")]
    pub namespace: String,
    #[arg(long, value_enum, default_value_t = CliMode::Enforce)]
    pub mode: CliMode,
    #[arg(long, default_value = concat!("ghcr.io/bulwark-dev/bulwark:", env!("CARGO_PKG_VERSION")))]
    pub image: String,
    /// Where the CA and serving certificate are minted (and reused on the
    /// next run); keep it, it holds the CA key.
    #[arg(long, value_name = "DIR", default_value = "bulwark-admission-certs")]
    pub self_signed: PathBuf,
    /// Use this CA instead, for a TLS Secret managed elsewhere
    /// (cert-manager): no Secret is written.
    #[arg(long, value_name = "FILE", requires = "tls_secret")]
    pub ca_bundle: Option<PathBuf>,
    #[arg(long, default_value = "bulwark-admission-tls")]
    pub tls_secret: String,
    /// The .bulwark.yaml to ship in the ConfigMap.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// failurePolicy: Fail (reject what cannot be checked) instead of Ignore.
    #[arg(long)]
    pub fail_closed: bool,
    /// Also install the mutating webhook (the config's `admission.mutate`
    /// lists the secure defaults it adds).
    #[arg(long)]
    pub mutating: bool,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum CliMode {
    Enforce,
    Warn,
    Audit,
}

#[derive(clap::Args, Debug)]
pub struct ReviewArgs {
    /// AdmissionReview JSON file, or - for stdin.
    pub file: PathBuf,
    /// Answer as the mutating webhook (the secure-defaults patch).
    #[arg(long)]
    pub mutate: bool,
    #[command(flatten)]
    pub config: ConfigArgs,
}

pub fn run(cmd: AdmitCommand) -> Result<u8, String> {
    match cmd {
        AdmitCommand::Serve(a) => serve(a),
        AdmitCommand::Manifests(a) => manifests(a),
        AdmitCommand::Review(a) => review(a),
    }
}

/// Reviews are bounded like the server's bodies.
const REVIEW_LIMIT: u64 = 64 * 1024 * 1024;

fn review(a: ReviewArgs) -> Result<u8, String> {
    let admitter = a.config.admitter()?;
    let name = a.file.display().to_string();
    let mut text = Vec::new();
    if name == "-" {
        std::io::stdin()
            .take(REVIEW_LIMIT)
            .read_to_end(&mut text)
            .map_err(|e| format!("<stdin>: {e}"))?;
    } else {
        std::fs::File::open(&a.file)
            .and_then(|f| f.take(REVIEW_LIMIT).read_to_end(&mut text))
            .map_err(|e| format!("{name}: {e}"))?;
    }
    let mut denied = false;
    let mut n = 0;
    let mut stream = serde_json::Deserializer::from_slice(&text).into_iter::<serde_json::Value>();
    loop {
        let start = stream.byte_offset();
        let (doc, last) = match stream.next() {
            None => break,
            Some(Ok(v)) => (v.to_string().into_bytes(), false),
            // What follows is not JSON: answered once, as the server would.
            Some(Err(_)) => (text[start..].to_vec(), true),
        };
        n += 1;
        let v = admitter.review_body(&doc, a.mutate);
        denied |= !v.response.allowed;
        let env = bulwark_admission::review::envelope(v.response);
        let line = serde_json::to_string(&env).map_err(|e| e.to_string())?;
        outln!("{line}");
        if last {
            break;
        }
    }
    if n == 0 {
        return Err(format!("{name}: no AdmissionReview in the file"));
    }
    Ok(u8::from(denied))
}

fn serve(a: ServeArgs) -> Result<u8, String> {
    let admitter = Arc::new(a.config.admitter()?);
    let tls = match (&a.cert, &a.key, &a.self_signed) {
        (Some(c), Some(k), _) => Tls::Files {
            cert: c.clone(),
            key: k.clone(),
        },
        (_, _, Some(dir)) => {
            let mut names = a.names.clone();
            if names.is_empty() {
                names.push("localhost".into());
                names.push(a.listen.ip().to_string());
                names.extend(certs::service_names(
                    manifests::SERVICE,
                    &a.service_namespace,
                ));
            }
            Tls::SelfSigned {
                dir: dir.clone(),
                names,
                lifetimes: Lifetimes::default(),
            }
        }
        _ => return Err("give --cert and --key, or --self-signed DIR".into()),
    };
    let eval_timeout = Duration::try_from_secs_f64(a.eval_timeout)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or("--eval-timeout: a positive number of seconds")?;
    let opts = ServeOptions {
        body_limit: a.body_limit_mib.saturating_mul(1024 * 1024),
        eval_timeout,
        ..Default::default()
    };
    let listener = std::net::TcpListener::bind(a.listen)
        .map_err(|e| format!("cannot listen on {}: {e}", a.listen))?;
    if a.watch.watch_namespaces {
        crate::admit_namespaces::follow(&admitter, &a.watch)?;
    }
    let server = Server::start(listener, tls, Shared::new(admitter, opts))?;
    let addr = server.addr;
    crate::signals::wait_for_termination(|| {
        errln!("bulwark: admission webhook listening on https://{addr}");
    })?;
    errln!("bulwark: shutting down, draining requests in flight");
    server.shutdown();
    Ok(0)
}

fn manifests(a: ManifestsArgs) -> Result<u8, String> {
    let read =
        |p: &PathBuf| std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()));
    let config = match &a.config {
        Some(p) => read(p)?,
        None => String::new(),
    };
    let (ca, tls) = match &a.ca_bundle {
        Some(p) => (read(p)?, None),
        None => {
            let names = certs::service_names(manifests::SERVICE, &a.namespace);
            certs::ensure(&a.self_signed, &names, &Lifetimes::default())?;
            let f = CertFiles::in_dir(&a.self_signed);
            (read(&f.ca_cert)?, Some((read(&f.cert)?, read(&f.key)?)))
        }
    };
    let text = manifests::render(&Install {
        namespace: &a.namespace,
        image: &a.image,
        mode: match a.mode {
            CliMode::Enforce => Mode::Enforce,
            CliMode::Warn => Mode::Warn,
            CliMode::Audit => Mode::Audit,
        },
        ca_bundle: &ca,
        tls: tls.as_ref().map(|(c, k)| (c.as_str(), k.as_str())),
        tls_secret: &a.tls_secret,
        config: &config,
        fail_closed: a.fail_closed,
        mutating: a.mutating,
    })?;
    out!("{text}");
    Ok(0)
}
