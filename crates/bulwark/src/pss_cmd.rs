//! `bulwark pss check`: what the Pod Security Admission plugin would say
//! about every workload in the inputs. Wiring only: the decisions are
//! `bulwark_pss`'s.

use std::io::Write;
use std::path::{Path, PathBuf};

use bulwark_core::{FieldPath, Inventory, ObjectRef, PodView, Resource};
use bulwark_load::{LoadOptions, Loaded};
use bulwark_pss::{
    Admission, Evaluation, Level, LevelVersion, Namespaces, Options, PsaConfig, Version, WhatIf,
    evaluate, what_if,
};
use clap::{Args, Subcommand, ValueEnum};
use serde_json::{Value, json};

#[derive(Subcommand, Debug)]
pub enum PssCommand {
    /// Evaluate every pod template against a Pod Security Standards level
    /// and version, exactly as the admission plugin would. Exit 1 when any
    /// object is denied, 2 on input errors.
    Check(CheckArgs),
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum PssFormat {
    Table,
    Json,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Files, directories or - (stdin).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// baseline or restricted (privileged allows everything).
    #[arg(long, default_value = "restricted", value_parser = parse_level)]
    pub level: Level,
    /// Policy version: v1.0 .. v1.37, or latest.
    #[arg(long, default_value = "latest", value_parser = parse_version)]
    pub version: Version,
    #[arg(long, short, value_enum, default_value_t = PssFormat::Table)]
    pub format: PssFormat,
    /// Count, per namespace, the workloads that break if every namespace
    /// enforced this level (at --version).
    #[arg(long, value_parser = parse_level)]
    pub what_if_level: Option<Level>,
    /// The plugin's configuration: a PodSecurityConfiguration or an
    /// AdmissionConfiguration (defaults for unlabelled namespaces, and
    /// exemptions: usernames, runtimeClasses, namespaces). Without it, the
    /// `pss:` section of the nearest .bulwark.yaml is used, if any.
    #[arg(long, value_name = "FILE")]
    pub psa_config: Option<PathBuf>,
    /// Ignore .bulwark.yaml.
    #[arg(long)]
    pub no_config: bool,
    /// The user submitting the objects, for username exemptions.
    #[arg(long)]
    pub user: Option<String>,
    /// Model the UserNamespacesPodSecurityStandards feature gate as on:
    /// pods with hostUsers: false pass runAsNonRoot and runAsUser.
    #[arg(long)]
    pub relax_user_namespace_pods: bool,
}

fn parse_level(s: &str) -> Result<Level, String> {
    s.parse()
}

fn parse_version(s: &str) -> Result<Version, String> {
    s.parse()
}

pub fn run(cmd: PssCommand) -> Result<u8, String> {
    match cmd {
        PssCommand::Check(a) => check(a),
    }
}

/// One object's result.
struct ObjectResult<'a> {
    res: &'a Resource,
    object: &'a ObjectRef,
    file: Option<&'a str>,
    line: Option<u32>,
    evaluation: Evaluation,
    /// What the plugin would do in the object's namespace, when the inputs
    /// hold that Namespace.
    admission: Option<Admission>,
}

impl ObjectResult<'_> {
    /// `{object, file?, line?, level, version, allowed, violations, admission?}`.
    fn to_json(&self) -> Value {
        let mut v = json!({
            "object": self.object,
            "level": self.evaluation.level,
            "version": self.evaluation.version,
            "allowed": self.evaluation.allowed,
            "violations": self.evaluation.violations,
        });
        if let Some(m) = v.as_object_mut() {
            if let Some(f) = self.file {
                m.insert("file".into(), json!(f));
            }
            if let Some(l) = self.line {
                m.insert("line".into(), json!(l));
            }
            if let Some(a) = &self.admission {
                m.insert("admission".into(), json!(a));
            }
        }
        v
    }
}

fn read_psa_config(path: &Path) -> Result<PsaConfig, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let (docs, err) = bulwark_load::yaml::parse_stream(&text, bulwark_load::Budget::default());
    if let Some(e) = err {
        return Err(format!(
            "{}:{}:{}: {}",
            path.display(),
            e.line,
            e.column,
            e.message
        ));
    }
    let doc = docs
        .into_iter()
        .next()
        .ok_or_else(|| format!("{}: empty file", path.display()))?;
    PsaConfig::from_value(&doc.value).map_err(|e| format!("{}: {e}", path.display()))
}

/// The `pss:` section (`{defaults, exemptions}`, as in a
/// PodSecurityConfiguration) of the `.bulwark.yaml` that applies to `paths`.
fn bulwark_yaml_psa_config(paths: &[PathBuf]) -> Result<Option<PsaConfig>, String> {
    let start = paths
        .iter()
        .find(|p| p.as_os_str() != "-" && p.exists())
        .cloned()
        .unwrap_or_else(|| PathBuf::from("."));
    let Some(path) = bulwark_load::config::find_config(&start).map_err(|e| e.to_string())? else {
        return Ok(None);
    };
    let file = bulwark_load::config::read_config::<Value>(&path).map_err(|e| e.to_string())?;
    let Some(section) = file.value.get("pss").filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    PsaConfig::from_value(section)
        .map(Some)
        .map_err(|e| format!("{}: pss: {e}", file.locate(&FieldPath::parse("pss"))))
}

fn check(a: CheckArgs) -> Result<u8, String> {
    let config = match &a.psa_config {
        Some(p) => read_psa_config(p)?,
        None if a.no_config => PsaConfig::default(),
        None => bulwark_yaml_psa_config(&a.paths)?.unwrap_or_default(),
    };
    let opts = Options {
        relax_user_namespace_pods: a.relax_user_namespace_pods,
    };
    let Loaded { resources, summary } = bulwark_load::load_paths(&a.paths, &LoadOptions::default());
    for e in &summary.errors {
        errln!("bulwark: {e}");
    }
    let inv = Inventory::new(resources);
    let mut out = crate::out::Stdout;
    let io = |e: std::io::Error| e.to_string();

    if let Some(level) = a.what_if_level {
        let lv = LevelVersion::new(level, a.version);
        let counts = what_if(&inv, lv, &config, &opts);
        let any_denied = counts.iter().any(|c| c.denied > 0);
        match a.format {
            PssFormat::Json => {
                let r = json!({"level": level, "version": a.version, "namespaces": counts});
                let s = serde_json::to_string_pretty(&r).map_err(|e| e.to_string())?;
                writeln!(out, "{s}").map_err(io)?;
            }
            PssFormat::Table => write_what_if(&mut out, lv, &counts).map_err(io)?,
        }
        return Ok(exit_code(!summary.errors.is_empty(), any_denied));
    }

    let lv = LevelVersion::new(a.level, a.version);
    let namespaces = Namespaces::from_inventory(&inv, &config);
    let mut results = Vec::new();
    for res in inv.iter() {
        let Some(pod) = PodView::of(res) else {
            if bulwark_core::pod::is_workload(res) {
                let at = at(res, &FieldPath::root());
                errln!(
                    "bulwark: {at}: {} has no pod spec to evaluate; skipped",
                    res.id.display()
                );
            }
            continue;
        };
        results.push(result_for(res, &pod, lv, &namespaces, &config, &a, &opts));
    }
    let any_denied = results.iter().any(|r| !r.evaluation.allowed);
    match a.format {
        PssFormat::Json => {
            let all: Vec<Value> = results.iter().map(ObjectResult::to_json).collect();
            let s = serde_json::to_string_pretty(&all).map_err(|e| e.to_string())?;
            writeln!(out, "{s}").map_err(io)?;
        }
        PssFormat::Table => write_table(&mut out, lv, &results).map_err(io)?,
    }
    Ok(exit_code(!summary.errors.is_empty(), any_denied))
}

fn exit_code(input_errors: bool, denied: bool) -> u8 {
    if input_errors {
        2
    } else if denied {
        1
    } else {
        0
    }
}

fn result_for<'a>(
    res: &'a Resource,
    pod: &PodView<'_>,
    lv: LevelVersion,
    namespaces: &Namespaces,
    config: &PsaConfig,
    a: &CheckArgs,
    opts: &Options,
) -> ObjectResult<'a> {
    let loc = res.locate(&FieldPath::root());
    ObjectResult {
        res,
        object: &res.id,
        file: res.origin.file.as_deref(),
        line: loc.and_then(|l| l.line),
        evaluation: evaluate(pod, lv, opts),
        admission: namespaces.admission(res, config, a.user.as_deref(), opts),
    }
}

fn at(res: &Resource, path: &FieldPath) -> String {
    match res.locate(path) {
        Some(l) => match l.line {
            Some(line) => format!("{}:{line}", l.file),
            None => l.file,
        },
        None => String::new(),
    }
}

fn write_table(
    out: &mut impl Write,
    lv: LevelVersion,
    results: &[ObjectResult<'_>],
) -> std::io::Result<()> {
    if results.is_empty() {
        writeln!(
            out,
            "no workloads (objects with a pod template) in the inputs"
        )?;
        return Ok(());
    }
    for r in results {
        let verdict = if r.evaluation.allowed {
            "ALLOWED"
        } else {
            "DENIED "
        };
        let where_ = Some(at(r.res, &FieldPath::root()))
            .filter(|s| !s.is_empty())
            .map(|s| format!("  ({s})"))
            .unwrap_or_default();
        writeln!(out, "{verdict} {}{where_}", r.object.display())?;
        for v in &r.evaluation.violations {
            let loc = at(r.res, &v.path());
            writeln!(out, "  - {}: {}", v.check, v.message())?;
            writeln!(out, "      at {} {loc}", v.path())?;
        }
        if let Some(adm) = &r.admission {
            write_admission(out, adm)?;
        }
    }
    let denied = results.iter().filter(|r| !r.evaluation.allowed).count();
    writeln!(
        out,
        "\n{} workloads at {lv}: {} allowed, {denied} denied",
        results.len(),
        results.len() - denied
    )
}

fn write_admission(out: &mut impl Write, adm: &Admission) -> std::io::Result<()> {
    if let Some(e) = &adm.exempt {
        return writeln!(out, "  namespace {}: not evaluated ({e})", adm.namespace);
    }
    for e in &adm.label_errors {
        writeln!(
            out,
            "  namespace {}: invalid label, fails closed to restricted:latest: {e}",
            adm.namespace
        )?;
    }
    if adm.modes.is_empty() {
        return writeln!(
            out,
            "  namespace {}: privileged (no PSA restriction)",
            adm.namespace
        );
    }
    let modes: Vec<String> = adm
        .modes
        .iter()
        .map(|m| {
            let verdict = if m.evaluation.allowed {
                "allowed"
            } else {
                "denied"
            };
            format!(
                "{} {}:{} {verdict}",
                m.mode.as_str(),
                m.evaluation.level,
                m.evaluation.version
            )
        })
        .collect();
    let actions: Vec<&str> = adm.actions.iter().map(|a| a.describe()).collect();
    let action = if actions.is_empty() {
        "admit".to_string()
    } else {
        actions.join(", ")
    };
    writeln!(
        out,
        "  namespace {}: {} => {action}",
        adm.namespace,
        modes.join("; ")
    )
}

fn write_what_if(out: &mut impl Write, lv: LevelVersion, counts: &[WhatIf]) -> std::io::Result<()> {
    writeln!(out, "if every namespace enforced {lv}:")?;
    writeln!(
        out,
        "{:<32} {:>9} {:>7} {:>7}",
        "NAMESPACE", "WORKLOADS", "DENIED", "EXEMPT"
    )?;
    for c in counts {
        writeln!(
            out,
            "{:<32} {:>9} {:>7} {:>7}",
            c.namespace, c.workloads, c.denied, c.exempt
        )?;
    }
    let total: usize = counts.iter().map(|c| c.workloads).sum();
    let denied: usize = counts.iter().map(|c| c.denied).sum();
    writeln!(out, "{denied} of {total} workloads would break")
}
