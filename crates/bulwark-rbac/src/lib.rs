//! RBAC analysis: the Kubernetes RBAC authorizer re-implemented over an
//! [`Inventory`](bulwark_core::Inventory), and the questions a security
//! engineer asks of it (who can, can, effective permissions).
//!
//! Invariants: no I/O; answers are those of the upstream authorizer
//! (`plugin/pkg/auth/authorizer/rbac`, `pkg/registry/rbac/validation`) and
//! of the clusterrole-aggregation controller; a binding to a missing role
//! grants nothing and is reported as an [`Issue`](model::Issue).

pub mod authz;
pub mod defaults;
pub mod escalation;
pub mod model;
pub mod report;
pub mod request;
pub mod risky;
pub mod rule;
pub mod selector;

pub use authz::{Chain, Decision, Grant, Permissions};
pub use model::{Binding, BindingKind, Issue, IssueKind, Model, Role, RoleKind, RuleRef};
pub use request::{Request, SubjectName, Target, UserInfo};
pub use risky::RbacAnalyzer;
pub use risky::secret_readers::SecretReaders;
pub use rule::PolicyRule;
