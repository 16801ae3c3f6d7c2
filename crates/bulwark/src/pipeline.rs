//! Wires sources, analyzers, filters and renderers into one scan.

use std::path::{Path, PathBuf};

use bulwark_core::{Analyzer, Catalog, Inventory, Severity, finding::sort_findings};
use bulwark_filter::{Config, FileBase, Filter, Outcome, Overrides, Settings};
use bulwark_load::LoadOptions;
use bulwark_load::config::{ConfigFile, find_config, read_config};
use bulwark_load::contexts::ContextMode;
use bulwark_policy::PolicySet;
use bulwark_pss::PsaConfig;
use bulwark_report::{Report, Summary, Tool};
use bulwark_rules::RuleSettings;

/// Every analyzer a scan runs, with their default configuration (enough
/// for the rule catalog).
pub fn analyzers() -> Vec<Box<dyn Analyzer>> {
    analyzers_for(&PsaConfig::default(), &RuleSettings::default())
}

/// Every analyzer a scan runs, configured by the scan's config file.
pub fn analyzers_for(pss: &PsaConfig, rules: &RuleSettings) -> Vec<Box<dyn Analyzer>> {
    vec![
        Box::new(bulwark_rules::BuiltinRules::with_settings(rules.clone())),
        Box::new(bulwark_pss::PssAnalyzer {
            exemptions: pss.exemptions.clone(),
            ..Default::default()
        }),
        Box::new(bulwark_rbac::RbacAnalyzer),
        Box::new(bulwark_rbac::SecretReaders {
            max: rules.rbac.secret_readers_max,
        }),
        Box::new(bulwark_node::NodeConfigAnalyzer),
        Box::new(bulwark_netpol::NetpolAnalyzer),
        Box::new(bulwark_rules::DuplicateObjects),
        Box::new(bulwark_schema::SchemaAnalyzer),
    ]
}

pub fn catalog() -> Catalog {
    Catalog::from_analyzers(&analyzers())
}

/// Which objects each rule evaluates, for compliance scores: the shipped
/// scopes, with bulwark-node telling which control plane component a pod runs.
pub fn compliance_scopes() -> bulwark_compliance::Scopes {
    fn components(res: &bulwark_core::Resource) -> Vec<&'static str> {
        bulwark_node::manifest::components(res)
            .iter()
            .map(|f| f.component.binary())
            .collect()
    }
    bulwark_compliance::Scopes::builtin().with_components(components)
}

/// The built-in catalog with the rules of the loaded policies (one per
/// constraint), so `--rule`, ignores, `rules` and `explain` know them.
pub fn catalog_with(policy: Option<&PolicySet>) -> Catalog {
    Catalog::from_analyzers(&analyzers_with(
        &PsaConfig::default(),
        &RuleSettings::default(),
        policy,
    ))
}

/// [`analyzers_for`], plus the policies as one more analyzer.
pub fn analyzers_with(
    pss: &PsaConfig,
    rules: &RuleSettings,
    policy: Option<&PolicySet>,
) -> Vec<Box<dyn Analyzer>> {
    let mut a = analyzers_for(pss, rules);
    if let Some(p) = policy {
        a.push(Box::new(p.clone()));
    }
    a
}

/// Loads `--policy` directories: the policies (none when no directory
/// was given) and each bad policy as an input error with file:line, which
/// the scan reports (exit 2) while the rest of it goes on.
pub fn load_policies(dirs: &[PathBuf]) -> (Option<PolicySet>, Vec<bulwark_core::InputError>) {
    if dirs.is_empty() {
        return (None, Vec::new());
    }
    let (set, errors) = PolicySet::load(dirs);
    let errors = errors
        .into_iter()
        .map(|e| bulwark_core::InputError {
            file: e.file,
            line: e.line,
            column: None,
            message: format!("policy: {}", e.message),
        })
        .collect();
    (Some(set), errors)
}

/// Where the filter settings of a scan come from, besides the command line.
#[derive(Debug, Default)]
pub struct FilterSources<'a> {
    /// `--config FILE`; when absent the config is looked for upward from the
    /// first scanned path (the working directory for stdin).
    pub config: Option<&'a Path>,
    /// `--no-config`: use no config file at all.
    pub no_config: bool,
    pub baseline: Option<&'a Path>,
    /// Policies loaded from `--policy`: their rules join the catalog.
    pub policy: Option<&'a PolicySet>,
}

/// Everything a scan is configured with besides its inputs.
pub struct ScanSettings {
    pub filter: Filter,
    /// Exit 1 when a reported finding is at or above this.
    pub fail_on: Option<Severity>,
    /// The `pss:` section of the config: Pod Security exemptions.
    pub pss: PsaConfig,
    /// The `rule_settings:` section: what the configurable rules read.
    pub rules: RuleSettings,
    /// How the inputs are split into independent contexts (`context:` in
    /// the config, `--context`).
    pub context: ContextMode,
    /// The `admission:` section of the config, with where it is.
    pub admission: Option<(serde_json::Value, String)>,
    /// Frameworks to score the scan against (`Report::compliance`); none
    /// by default, since only some outputs show scores.
    pub compliance: Vec<&'static bulwark_compliance::Framework>,
    /// `--policy`: Gatekeeper policies run as one more analyzer.
    pub policy: Option<PolicySet>,
    /// Policies that could not be loaded: reported as input errors.
    pub policy_errors: Vec<bulwark_core::InputError>,
}

/// Reads the config and baseline and merges them with the command line.
/// Any problem is a usage error (exit 2) with every message in it.
pub fn settings(
    paths: &[PathBuf],
    cli: &Overrides,
    src: &FilterSources<'_>,
) -> Result<ScanSettings, String> {
    let catalog = catalog_with(src.policy);
    let config = load_config(paths, src)?;
    let cwd = std::env::current_dir().unwrap_or_default();
    let file_base = FileBase {
        config_dir: config.as_ref().map(|c| c.dir().to_path_buf()),
        cwd,
    };
    let locate = |p: &bulwark_core::FieldPath| match &config {
        Some(c) => c.locate(p),
        None => p.to_string(),
    };
    let mut s = bulwark_filter::settings(
        cli,
        config.as_ref().map(|c| &c.value),
        &locate,
        &catalog,
        file_base,
        bulwark_filter::today_utc(),
    )
    .map_err(|errs| errs.join("\n"))?;
    if let Some(b) = src.baseline {
        let text = std::fs::read_to_string(b)
            .map_err(|e| format!("{}: cannot read baseline: {e}", b.display()))?;
        let file = bulwark_filter::BaselineFile::parse(&text)
            .map_err(|e| format!("{}: {e}", b.display()))?;
        s.filter.baseline = Some(file);
    }
    let pss = match config.as_ref().and_then(|c| c.value.pss.as_ref()) {
        Some(v) => PsaConfig::from_value(v).map_err(|e| {
            let at = config.as_ref().map_or_else(String::new, |c| {
                format!("{}: ", c.locate(&bulwark_core::FieldPath::parse("pss")))
            });
            format!("{at}pss: {e}")
        })?,
        None => PsaConfig::default(),
    };
    let rules = match config.as_ref().and_then(|c| c.value.rule_settings.as_ref()) {
        Some(v) => RuleSettings::from_value(v).map_err(|e| {
            let at = config.as_ref().map_or_else(String::new, |c| {
                format!(
                    "{}: ",
                    c.locate(&bulwark_core::FieldPath::parse("rule_settings"))
                )
            });
            format!("{at}rule_settings: {e}")
        })?,
        None => RuleSettings::default(),
    };
    let context = match config.as_ref().and_then(|c| c.value.context.as_deref()) {
        Some(m) => m.parse().map_err(|e| {
            let at = config.as_ref().map_or_else(String::new, |c| {
                format!("{}: ", c.locate(&bulwark_core::FieldPath::parse("context")))
            });
            format!("{at}context: {e}")
        })?,
        None => ContextMode::default(),
    };
    let admission = config.as_ref().and_then(|c| {
        let v = c.value.admission.clone()?;
        Some((v, c.locate(&bulwark_core::FieldPath::parse("admission"))))
    });
    let Settings { filter, fail_on } = s;
    Ok(ScanSettings {
        filter,
        fail_on,
        pss,
        rules,
        context,
        admission,
        compliance: Vec::new(),
        policy: src.policy.cloned(),
        policy_errors: Vec::new(),
    })
}

fn load_config(
    paths: &[PathBuf],
    src: &FilterSources<'_>,
) -> Result<Option<ConfigFile<Config>>, String> {
    let path = match src.config {
        Some(p) => Some(std::fs::canonicalize(p).map_err(|e| format!("{}: {e}", p.display()))?),
        None if src.no_config => None,
        None => {
            let start = paths
                .iter()
                .find(|p| p.as_os_str() != "-" && p.exists())
                .cloned()
                .unwrap_or_else(|| PathBuf::from("."));
            find_config(&start).map_err(|e| e.to_string())?
        }
    };
    path.map(|p| read_config::<Config>(&p).map_err(|e| e.to_string()))
        .transpose()
}

/// A finished scan: the report, and what the filter waived and noticed.
pub struct Scan {
    pub report: Report,
    /// The filter's verdict; its `reported` findings moved into the report.
    pub outcome: Outcome,
    /// The independent contexts the analyzers saw, for views that are not
    /// findings (the HTML report's RBAC paths and reachability matrix).
    pub contexts: Vec<Inventory>,
}

/// Loads `paths`, splits them into independent contexts, runs every
/// analyzer over each context and filters the findings.
pub fn scan(paths: &[PathBuf], opts: &LoadOptions, settings: &ScanSettings) -> Scan {
    let (contexts, mut summary) = bulwark_load::load_contexts(paths, opts, settings.context);
    let split: usize = contexts.iter().map(|c| c.resources.len()).sum();
    let read = summary.documents.analysed;
    check_account(&mut summary, "split into contexts", split, read);
    let inventories: Vec<Inventory> = contexts
        .into_iter()
        .map(|mut c| {
            // A `kubectl get -A -o json` dump holds every pod of every
            // workload: report each pod once, on its workload, as a live
            // cluster scan does; what folds is counted.
            let before = c.resources.len();
            bulwark_cluster::owners::fold_owned(&mut c.resources);
            summary.folded += before - c.resources.len();
            Inventory::new(c.resources)
        })
        .collect();
    let kept: usize = inventories.iter().map(Inventory::len).sum();
    let seen = kept + summary.folded;
    check_account(&mut summary, "analysed or folded", seen, split);
    scan_contexts(inventories, summary, settings)
}

/// The input account must hold at every stage an object can leave by:
/// when it does not, the scan says so as an error (exit 2) instead of
/// reporting on less than it read.
fn check_account(summary: &mut bulwark_core::LoadSummary, stage: &str, got: usize, want: usize) {
    let unaccounted = summary.documents.unaccounted();
    if got != want || unaccounted > 0 {
        summary.errors.push(bulwark_core::InputError {
            file: "<bulwark>".into(),
            line: None,
            column: None,
            message: format!(
                "internal error: {want} objects read but {got} {stage}, and {unaccounted} \
                 documents neither analysed, skipped nor failed: the report may miss \
                 objects (please report this)"
            ),
        });
    }
}

/// Runs every analyzer over an inventory from any source (files, a live
/// cluster) and filters the findings; `summary` accounts for the inputs.
pub fn scan_inventory(
    inv: Inventory,
    summary: bulwark_core::LoadSummary,
    settings: &ScanSettings,
) -> Scan {
    scan_contexts(vec![inv], summary, settings)
}

/// Runs every analyzer over each context on its own (no object of one
/// context ever resolves another's), then filters all findings together.
fn scan_contexts(
    contexts: Vec<Inventory>,
    mut summary: bulwark_core::LoadSummary,
    settings: &ScanSettings,
) -> Scan {
    summary
        .errors
        .extend(settings.policy_errors.iter().cloned());
    let analyzers = analyzers_with(&settings.pss, &settings.rules, settings.policy.as_ref());
    let catalog = Catalog::from_analyzers(&analyzers);
    let mut findings = Vec::new();
    // Scores also count what `*` on `*` RBAC rules imply (not listed in the report).
    let mut implied = Vec::new();
    for inv in &contexts {
        for a in &analyzers {
            a.analyze(inv, &mut findings);
        }
        if !settings.compliance.is_empty() {
            bulwark_rbac::risky::implied_by_wildcards(inv, &mut implied);
        }
    }
    let sizes: Vec<usize> = contexts.iter().map(Inventory::len).collect();
    // One inventory for the filter (annotations are looked up by object),
    // cut back into the contexts afterwards: no object is copied.
    let inv = Inventory {
        resources: contexts.into_iter().flat_map(|i| i.resources).collect(),
    };
    sort_findings(&mut findings);
    let mut outcome = settings.filter.apply(&inv, &catalog, findings);
    let findings = std::mem::take(&mut outcome.reported);
    let compliance = if settings.compliance.is_empty() {
        Vec::new()
    } else {
        let selection = &settings.filter.selection;
        let ran = |id: &str| catalog.get(id).is_some_and(|r| selection.selects_rule(r));
        // The same waivers apply to them as to the reported findings.
        let implied = settings.filter.apply(&inv, &catalog, implied).reported;
        bulwark_compliance::score(
            settings.compliance.iter().copied(),
            &compliance_scopes(),
            inv.iter(),
            findings.iter().chain(&implied),
            &ran,
        )
    };
    let mut by_severity = std::collections::BTreeMap::new();
    for s in Severity::ALL {
        by_severity.insert(s, 0);
    }
    for f in &findings {
        *by_severity.entry(f.severity).or_insert(0) += 1;
    }
    let report = Report {
        tool: Tool {
            name: "bulwark",
            version: env!("CARGO_PKG_VERSION"),
        },
        summary: Summary {
            files: summary.files,
            objects: inv.len(),
            skipped: summary.skipped,
            errors: summary.errors,
            suppressed: outcome.suppressed.len(),
            folded: summary.folded,
            documents: summary.documents,
            by_severity,
        },
        findings,
        catalog,
        compliance,
    };
    let mut rest = inv.resources.into_iter();
    let contexts = sizes
        .into_iter()
        .map(|n| Inventory {
            resources: rest.by_ref().take(n).collect(),
        })
        .collect();
    Scan {
        report,
        outcome,
        contexts,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_secret_readers_default_is_the_rbac_crates() {
        assert_eq!(
            bulwark_rules::RuleSettings::default()
                .rbac
                .secret_readers_max,
            bulwark_rbac::risky::secret_readers::DEFAULT_MAX
        );
    }
}
