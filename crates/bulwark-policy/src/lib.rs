//! Policy as code: Gatekeeper ConstraintTemplates (Rego) and their
//! Constraints, run over a scan's inventory as Gatekeeper's audit runs them.
//!
//! Teams keep their organisation rules as Gatekeeper policies; this crate
//! runs them unmodified so `bulwark scan --policy DIR` gives the answer the
//! cluster would. Templates are compiled once per [`PolicySet::load`]; each
//! evaluation clones a compiled engine (cheap: the modules are shared).
//!
//! Invariants: no panic on policy or object input; a bad template or
//! constraint is a [`PolicyError`] with file:line and the rest still load;
//! the Rego input is Gatekeeper's (`input.review`, `input.parameters`,
//! `data.inventory` as its sync builds it); a constraint's `match` is
//! decided here, before any Rego runs; no Secret value in reach of the
//! Rego reaches a message (redacted, `secrets.rs`).

mod eval;
mod expansion;
mod files;
mod load;
mod matching;
mod rewrite;
mod secrets;
mod sprintf;
pub mod suite;

use std::fmt;
use std::sync::Arc;

use bulwark_core::{Analyzer, Finding, Inventory, RuleMeta};

pub use eval::Violation;
pub use load::{ConstraintInfo, TemplateInfo};

/// One problem with a policy file: a template that does not compile, a
/// constraint without its template, parameters the schema refuses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyError {
    pub file: String,
    pub line: Option<u32>,
    pub message: String,
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Compiled templates and their constraints. Cloning shares them.
#[derive(Clone)]
pub struct PolicySet {
    inner: Arc<load::Loaded>,
}

impl fmt::Debug for PolicySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PolicySet")
            .field("templates", &self.inner.templates.len())
            .field("constraints", &self.inner.constraints.len())
            .finish()
    }
}

impl PolicySet {
    /// Loads every ConstraintTemplate and Constraint below `dirs` (files or
    /// directories, recursive) and compiles each template once. Other
    /// objects in the directories are ignored.
    pub fn load(dirs: &[std::path::PathBuf]) -> (PolicySet, Vec<PolicyError>) {
        let (resources, mut errors) = files::read(dirs);
        let (set, errs) = Self::from_resources(&resources);
        errors.extend(errs);
        (set, errors)
    }

    /// [`PolicySet::load`] from objects already read.
    pub fn from_resources(resources: &[bulwark_core::Resource]) -> (PolicySet, Vec<PolicyError>) {
        let (loaded, errors) = load::Loaded::build(resources);
        (
            PolicySet {
                inner: Arc::new(loaded),
            },
            errors,
        )
    }

    /// The templates loaded, in file order.
    pub fn templates(&self) -> Vec<TemplateInfo> {
        self.inner.templates.iter().map(|t| t.info()).collect()
    }

    /// The constraints loaded, in file order.
    pub fn constraints(&self) -> Vec<ConstraintInfo> {
        self.inner.constraints.iter().map(|c| c.info()).collect()
    }

    pub fn is_empty(&self) -> bool {
        self.inner.constraints.is_empty()
    }

    /// Every violation of every constraint by every object of `inv`, as
    /// findings at the offending object.
    pub fn evaluate(&self, inv: &Inventory) -> Vec<Finding> {
        eval::evaluate_inventory(&self.inner, inv).0
    }

    /// [`PolicySet::evaluate`], with how many (object, constraint)
    /// evaluations it ran (constraints whose match let the object through;
    /// objects an expansion generated count too): for benchmarks.
    pub fn evaluate_counted(&self, inv: &Inventory) -> (Vec<Finding>, usize) {
        eval::evaluate_inventory(&self.inner, inv)
    }

    /// Every violation for one admission request, as the validating
    /// webhook enforces (the `request` of an
    /// AdmissionReview: `object`, `oldObject`, `kind`, `operation`, ...),
    /// with `inventory` as the cluster's synced objects. Errors of
    /// evaluation are returned per constraint, not swallowed.
    pub fn evaluate_review(
        &self,
        request: &serde_json::Value,
        inventory: &Inventory,
    ) -> Vec<Result<Violation, PolicyError>> {
        eval::evaluate_review(&self.inner, request, inventory, load::Point::Validation)
    }

    /// [`PolicySet::evaluate_review`] as `gator verify` runs it (scoped
    /// constraints at `gator.gatekeeper.sh`).
    pub(crate) fn evaluate_gator(
        &self,
        request: &serde_json::Value,
        inventory: &Inventory,
    ) -> Vec<Result<Violation, PolicyError>> {
        eval::evaluate_review(&self.inner, request, inventory, load::Point::Gator)
    }
}

impl Analyzer for PolicySet {
    fn name(&self) -> &'static str {
        "policy"
    }

    fn rules(&self) -> Vec<&'static RuleMeta> {
        self.inner.constraints.iter().map(|c| c.meta).collect()
    }

    fn analyze(&self, inv: &Inventory, out: &mut Vec<Finding>) {
        out.extend(self.evaluate(inv));
    }
}
