//! `bulwark rbac ...`: argument parsing and printing for the RBAC questions.
//! The answers come from `bulwark-rbac`.

use std::path::PathBuf;

use bulwark_core::{Inventory, Resource};
use bulwark_load::LoadOptions;
use bulwark_rbac::escalation::Finder;
use bulwark_rbac::report::{CanReport, SubjectsReport, WhoCanReport};
use bulwark_rbac::{Model, Request, SubjectName};
use clap::{Subcommand, ValueEnum};

#[derive(clap::Args, Debug)]
pub struct RbacArgs {
    #[command(subcommand)]
    pub command: RbacCommand,
}

#[derive(Subcommand, Debug)]
pub enum RbacCommand {
    /// Every subject that can do VERB on RESOURCE, with the chain that grants
    /// it (binding -> role -> rule).
    ///
    /// RESOURCE is `pods`, `pods/exec`, `deployments.apps/scale` or a
    /// non-resource URL such as `/metrics`. Without -n the request is
    /// cluster-wide (only ClusterRoleBindings count).
    WhoCan {
        verb: String,
        resource: String,
        #[command(flatten)]
        target: TargetArgs,
        /// Subjects that can in at least one namespace (RoleBindings of
        /// every namespace, and ClusterRoleBindings).
        #[arg(short = 'A', long, conflicts_with = "namespace")]
        all_namespaces: bool,
        #[command(flatten)]
        common: CommonArgs,
    },
    /// Can SUBJECT (user:NAME, group:NAME, sa:NAMESPACE/NAME) do VERB on
    /// RESOURCE? Exit code 0 for yes, 1 for no, 2 for an error.
    Can {
        subject: String,
        verb: String,
        resource: String,
        #[command(flatten)]
        target: TargetArgs,
        /// Extra groups the subject belongs to (repeatable).
        #[arg(long = "group", value_name = "GROUP")]
        groups: Vec<String>,
        #[command(flatten)]
        common: CommonArgs,
    },
    /// Every subject named by a binding, with its effective permissions
    /// cluster-wide and per namespace.
    Subjects {
        #[command(flatten)]
        common: CommonArgs,
    },
    /// Privilege-escalation paths from each subject to cluster-admin-
    /// equivalent power, every step justified by a grant.
    Escalations {
        /// Files, directories or - (stdin) holding the RBAC objects.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = GraphFormat::Table)]
        format: GraphFormat,
        /// Add the default ClusterRoles and bindings of a kubeadm cluster
        /// (Kubernetes v1.32) that the inputs do not define themselves.
        #[arg(long)]
        with_default_roles: bool,
        /// Also start from control-plane subjects (system:* users and
        /// groups, kube-system service accounts).
        #[arg(long)]
        include_system: bool,
        /// Only the path from this subject (user:NAME, group:NAME,
        /// sa:NAMESPACE/NAME); exit code 1 when it has one.
        #[arg(long, value_name = "SUBJECT")]
        from: Option<String>,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum GraphFormat {
    Table,
    Json,
    Dot,
    Mermaid,
}

#[derive(clap::Args, Debug)]
pub struct TargetArgs {
    /// Namespace of the request.
    #[arg(short = 'n', long)]
    pub namespace: Option<String>,
    /// Name of the object (a rule with resourceNames only allows its names).
    #[arg(long)]
    pub name: Option<String>,
}

#[derive(clap::Args, Debug)]
pub struct CommonArgs {
    /// Files, directories or - (stdin) holding the RBAC objects.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = RbacFormat::Table)]
    pub format: RbacFormat,
    /// Add the default ClusterRoles and bindings of a kubeadm cluster
    /// (Kubernetes v1.32) that the inputs do not define themselves.
    #[arg(long)]
    pub with_default_roles: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum RbacFormat {
    Table,
    Json,
}

/// The loaded objects, and whether any input failed to load.
struct Loaded {
    inv: Inventory,
    failed: bool,
}

fn load(c: &CommonArgs) -> Result<Loaded, String> {
    let loaded = bulwark_load::load_paths(&c.paths, &LoadOptions::default());
    for e in &loaded.summary.errors {
        errln!("bulwark: {e}");
    }
    let mut resources: Vec<Resource> = loaded.resources;
    if c.with_default_roles {
        let extra = bulwark_rbac::defaults::missing_from(resources.iter())?;
        resources.extend(extra);
    }
    Ok(Loaded {
        inv: Inventory::new(resources),
        failed: !loaded.summary.errors.is_empty(),
    })
}

fn request(verb: &str, resource: &str, t: &TargetArgs) -> Result<Request, String> {
    let mut req = Request::parse(verb, resource)?.in_namespace(t.namespace.as_deref());
    if let Some(n) = &t.name {
        req = req.with_name(n);
    }
    Ok(req)
}

fn print_json(json: serde_json::Result<String>) -> Result<(), String> {
    outln!("{}", json.map_err(|e| e.to_string())?);
    Ok(())
}

pub fn run(a: RbacArgs) -> Result<u8, String> {
    match a.command {
        RbacCommand::WhoCan {
            verb,
            resource,
            target,
            all_namespaces,
            common,
        } => {
            let req = request(&verb, &resource, &target)?;
            let l = load(&common)?;
            let m = Model::build(&l.inv);
            let r = if all_namespaces {
                WhoCanReport::anywhere(&m, &req)
            } else {
                WhoCanReport::new(&m, &req)
            };
            match common.format {
                RbacFormat::Json => print_json(serde_json::to_string_pretty(&r))?,
                RbacFormat::Table => out!("{}", r.text()),
            }
            Ok(if l.failed { 2 } else { 0 })
        }
        RbacCommand::Can {
            subject,
            verb,
            resource,
            target,
            groups,
            common,
        } => {
            let s = SubjectName::parse(&subject)?;
            let req = request(&verb, &resource, &target)?;
            let l = load(&common)?;
            let m = Model::build(&l.inv);
            let mut user = s.user_info();
            for g in groups {
                if !user.groups.contains(&g) {
                    user.groups.push(g);
                }
            }
            let r = CanReport::new(&m, &s, user, &req);
            match common.format {
                RbacFormat::Json => print_json(serde_json::to_string_pretty(&r))?,
                RbacFormat::Table => out!("{}", r.text()),
            }
            Ok(if l.failed {
                2
            } else if r.allowed {
                0
            } else {
                1
            })
        }
        RbacCommand::Subjects { common } => {
            let l = load(&common)?;
            let m = Model::build(&l.inv);
            let r = SubjectsReport::new(&m);
            match common.format {
                RbacFormat::Json => print_json(serde_json::to_string_pretty(&r))?,
                RbacFormat::Table => out!("{}", r.text()),
            }
            Ok(if l.failed { 2 } else { 0 })
        }
        RbacCommand::Escalations {
            paths,
            format,
            with_default_roles,
            include_system,
            from,
        } => {
            let from = from.as_deref().map(SubjectName::parse).transpose()?;
            let l = load(&CommonArgs {
                paths,
                format: RbacFormat::Table,
                with_default_roles,
            })?;
            let m = Model::build(&l.inv);
            let secrets = l.inv.of_kind("Secret").map(|r| &r.value);
            let mut finder = Finder::new(&m).with_secrets(secrets);
            let r = match &from {
                Some(s) => finder.report_from(s),
                None => finder.report(include_system),
            };
            match format {
                GraphFormat::Json => print_json(serde_json::to_string_pretty(&r))?,
                GraphFormat::Table => out!("{}", r.text()),
                GraphFormat::Dot => out!("{}", r.dot()),
                GraphFormat::Mermaid => out!("{}", r.mermaid()),
            }
            Ok(if l.failed {
                2
            } else if from.is_some() && (!r.paths.is_empty() || !r.admins.is_empty()) {
                1
            } else {
                0
            })
        }
    }
}
