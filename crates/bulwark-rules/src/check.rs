//! The shapes a rule can take, and the sink it reports through.

use bulwark_core::{
    ContainerView, FieldPath, Finding, Inventory, PodView, Resource, RuleMeta, Severity,
};

use crate::settings::RuleSettings;

/// One rule: metadata and the function that looks for it.
pub struct Check {
    pub meta: &'static RuleMeta,
    pub run: CheckFn,
}

/// The shape of a rule's function.
#[derive(Clone, Copy)]
pub enum CheckFn {
    /// Called for every object.
    Object(fn(&Resource, &mut Emit<'_>)),
    /// Called once for every object that has a pod template.
    Pod(fn(&PodView<'_>, &mut Emit<'_>)),
    /// Called for every container, init container and ephemeral container.
    Container(fn(&ContainerView<'_>, &mut Emit<'_>)),
    /// Called once with the whole inventory (rules that relate objects).
    Inventory(fn(&Inventory, &'static RuleMeta, &mut Vec<Finding>)),
    /// [`CheckFn::Inventory`] for rules that read `rule_settings:`.
    Configured(fn(&Inventory, &RuleSettings, &'static RuleMeta, &mut Vec<Finding>)),
}

/// Where a check reports: it knows the rule and the object.
pub struct Emit<'a> {
    meta: &'static RuleMeta,
    res: &'a Resource,
    out: &'a mut Vec<Finding>,
}

impl<'a> Emit<'a> {
    pub fn new(meta: &'static RuleMeta, res: &'a Resource, out: &'a mut Vec<Finding>) -> Self {
        Self { meta, res, out }
    }

    /// Reports the rule at `path` with its default severity.
    pub fn at(&mut self, path: FieldPath, message: impl Into<String>) {
        self.at_severity(self.meta.severity, path, message);
    }

    /// Reports the rule at `path` with a severity other than the default.
    pub fn at_severity(&mut self, severity: Severity, path: FieldPath, message: impl Into<String>) {
        self.out.push(Finding::new(
            self.meta.id,
            severity,
            self.res,
            path,
            message,
        ));
    }
}
