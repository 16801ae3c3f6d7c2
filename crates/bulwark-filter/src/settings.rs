//! The command line and the config file merged into one [`Filter`].
//!
//! A value given on the command line replaces the config's value for that
//! setting (`--rule` replaces `rules:`, `--skip-rule` replaces
//! `skip_rules:`, …); `strict:` and `ignore:` exist only in the config.

use bulwark_core::{Catalog, FieldPath, Severity};
use jiff::civil::Date;

use crate::config::Config;
use crate::ignore::{self, FileBase};
use crate::{Filter, Selection};

/// What the command line asked for; `None` or empty means "not given".
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub severity: Option<Severity>,
    pub fail_on: Option<Severity>,
    pub rules: Vec<String>,
    pub skip_rules: Vec<String>,
    pub categories: Vec<String>,
}

/// The merged settings of one scan.
#[derive(Clone, Debug)]
pub struct Settings {
    pub filter: Filter,
    /// Exit 1 when a reported finding is at or above this.
    pub fail_on: Option<Severity>,
}

/// Merges `cli` over `config` and checks every rule id and category against
/// `catalog`. `locate` turns a field of the config into `file:line:col`.
/// Errors are whole messages, one per problem.
pub fn settings(
    cli: &Overrides,
    config: Option<&Config>,
    locate: &dyn Fn(&FieldPath) -> String,
    catalog: &Catalog,
    file_base: FileBase,
    today: Date,
) -> Result<Settings, Vec<String>> {
    let empty = Config::default();
    let cfg = config.unwrap_or(&empty);
    let mut errors = Vec::new();

    // The command line first: its mistakes are the ones the user just made.
    let cli_sel = Selection {
        min_severity: None,
        rules: cli.rules.iter().cloned().collect(),
        skip_rules: cli.skip_rules.iter().cloned().collect(),
        categories: cli.categories.iter().cloned().collect(),
    };
    errors.extend(cli_sel.validate(catalog));

    let ignores = match ignore::compile(cfg, catalog, |i| {
        locate(&FieldPath::root().key("ignore").index(i))
    }) {
        Ok(i) => i,
        Err(problems) => {
            errors.extend(
                problems
                    .into_iter()
                    .map(|p| format!("{}: {}", locate(&p.path), p.message)),
            );
            Vec::new()
        }
    };
    if !errors.is_empty() {
        return Err(errors);
    }

    let pick = |given: &[String], configured: &[String]| -> std::collections::BTreeSet<String> {
        if given.is_empty() {
            configured.iter().cloned().collect()
        } else {
            given.iter().cloned().collect()
        }
    };
    let mut filter = Filter::new(today);
    filter.selection = Selection {
        min_severity: cli.severity.or(cfg.severity),
        rules: pick(&cli.rules, &cfg.rules),
        skip_rules: pick(&cli.skip_rules, &cfg.skip_rules),
        categories: pick(&cli.categories, &cfg.categories),
    };
    filter.strict = cfg.strict.iter().cloned().collect();
    filter.ignores = ignores;
    filter.file_base = file_base;
    Ok(Settings {
        filter,
        fail_on: cli.fail_on.or(cfg.fail_on),
    })
}
