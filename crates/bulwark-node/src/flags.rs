//! Command-line flags of a component, each with where it was seen, and the
//! component's default when it was not.
//!
//! Parsing follows `spf13/pflag` as the Kubernetes components use it:
//! `--name=value`, `--name value` for flags that take a value, a bare
//! `--name` for booleans; the last occurrence wins.

use std::collections::BTreeMap;
use std::fmt;

use bulwark_core::FieldPath;

use crate::component::Component;
use crate::defaults;

/// Where a flag's value came from, for evidence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// An item of a static pod's `command`/`args` list.
    Manifest {
        file: Option<String>,
        path: FieldPath,
        line: Option<u32>,
    },
    /// A running process's command line.
    Cmdline { pid: u32 },
    /// A process environment variable (etcd reads `ETCD_*`).
    Env { pid: u32, var: String },
    /// A field of a config file (kubelet `--config`, k3s/rke2 config.yaml).
    ConfigFile {
        file: String,
        key: String,
        line: Option<u32>,
    },
    /// Built into a distribution's single binary (k3s, rke2).
    Distro { name: &'static str },
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Manifest { file, path, line } => {
                let file = file.as_deref().unwrap_or("<manifest>");
                match line {
                    Some(l) => write!(f, "{file}:{l} ({path})"),
                    None => write!(f, "{file} ({path})"),
                }
            }
            Source::Cmdline { pid } => write!(f, "/proc/{pid}/cmdline"),
            Source::Env { pid, var } => write!(f, "${var} in /proc/{pid}/environ"),
            Source::ConfigFile { file, key, line } => match line {
                Some(l) => write!(f, "{file}:{l} ({key})"),
                None => write!(f, "{file} ({key})"),
            },
            Source::Distro { name } => write!(f, "{name} built-in argument"),
        }
    }
}

/// One flag value and where it was set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlagValue {
    pub value: String,
    pub source: Source,
}

/// The flags of one component instance.
#[derive(Clone, Debug)]
pub struct Flags {
    pub component: Component,
    map: BTreeMap<String, FlagValue>,
    /// Where the component's arguments are, for a finding about a missing
    /// flag (a manifest's `command` list).
    pub anchor: Option<FieldPath>,
    /// How evidence names this instance (`/proc/42/cmdline`, a file).
    pub origin: String,
    /// The component's Kubernetes release (major, minor), when known (a
    /// manifest's image tag): flags whose default or existence changed
    /// between releases are judged against it.
    pub version: Option<(u32, u32)>,
}

/// A flag as a check sees it: the value in effect and why.
#[derive(Clone, Debug)]
pub struct Effective<'a> {
    pub name: &'a str,
    /// `None` when neither set nor defaulted.
    pub value: Option<String>,
    /// `None` when the value is the component's default.
    pub set: Option<&'a FlagValue>,
}

impl Effective<'_> {
    /// `--flag=value (where)` for evidence.
    pub fn describe(&self, component: Component) -> String {
        match (&self.set, &self.value) {
            (Some(v), _) => format!("--{}={} at {}", self.name, v.value, v.source),
            (None, Some(d)) => format!(
                "--{} not set: {} defaults to {d} ({})",
                self.name,
                component.binary(),
                defaults::version_of(component)
            ),
            (None, None) => format!("--{} not set", self.name),
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        self.value.as_deref().and_then(parse_bool)
    }

    /// Items of a comma-separated value, trimmed, empty items dropped.
    pub fn list(&self) -> Vec<String> {
        self.value.as_deref().map(split_list).unwrap_or_default()
    }
}

/// pflag/strconv.ParseBool: 1, t, T, TRUE, true, True and the false forms.
pub fn parse_bool(s: &str) -> Option<bool> {
    match s.trim() {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

pub fn split_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

impl Flags {
    pub fn new(component: Component, origin: impl Into<String>) -> Self {
        Self {
            component,
            map: BTreeMap::new(),
            anchor: None,
            origin: origin.into(),
            version: None,
        }
    }

    /// Sets a flag (later calls override earlier ones, as pflag does).
    pub fn set(&mut self, name: &str, value: impl Into<String>, source: Source) {
        self.map.insert(
            name.trim_start_matches('-').to_string(),
            FlagValue {
                value: value.into(),
                source,
            },
        );
    }

    /// Sets a flag only where it is not already set (lower precedence).
    pub fn set_default(&mut self, name: &str, value: impl Into<String>, source: Source) {
        let key = name.trim_start_matches('-').to_string();
        self.map.entry(key).or_insert(FlagValue {
            value: value.into(),
            source,
        });
    }

    pub fn get(&self, name: &str) -> Option<&FlagValue> {
        self.map.get(name.trim_start_matches('-'))
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &FlagValue)> {
        self.map.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The value in effect: as set, else the component's default.
    pub fn effective<'a>(&'a self, name: &'a str) -> Effective<'a> {
        let name = name.trim_start_matches('-');
        match self.map.get(name) {
            Some(v) => Effective {
                name,
                value: Some(v.value.clone()),
                set: Some(v),
            },
            None => Effective {
                name,
                value: defaults::flag_default(self.component, name).map(str::to_string),
                set: None,
            },
        }
    }

    /// Adds the flags of an argument list; `source(i)` says where argument
    /// `i` is. Arguments that are not flags are ignored.
    pub fn add_args(&mut self, args: &[String], source: impl Fn(usize) -> Source) {
        let mut seen = std::collections::BTreeSet::new();
        for (i, name, value) in parse_args(args, self.component) {
            // pflag appends repeated list and map flags within one command line.
            if ACCUMULATING.contains(&name.as_str())
                && !seen.insert(name.clone())
                && let Some(prev) = self.get(&name).map(|p| p.value.clone())
            {
                self.set(&name, format!("{prev},{value}"), source(i));
                continue;
            }
            seen.insert(name.clone());
            self.set(&name, value, source(i));
        }
    }
}

/// Flags pflag accumulates when repeated (string slices and maps).
const ACCUMULATING: &[&str] = &[
    "enable-admission-plugins",
    "disable-admission-plugins",
    "authorization-mode",
    "tls-cipher-suites",
    "feature-gates",
];

/// Parses `args` into `(index of the flag, name, value)`.
pub fn parse_args(args: &[String], component: Component) -> Vec<(usize, String, String)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = args[i].trim();
        let Some(body) = a.strip_prefix("--").or_else(|| {
            // etcd (Go `flag` package) also accepts a single dash.
            a.strip_prefix('-').filter(|b| b.len() > 1)
        }) else {
            i += 1;
            continue;
        };
        if body.is_empty() {
            // `--` ends the flags.
            break;
        }
        if let Some((n, v)) = body.split_once('=') {
            out.push((i, n.to_string(), v.to_string()));
        } else if !defaults::is_bool_flag(component, body)
            && args.get(i + 1).is_some_and(|n| !n.starts_with('-'))
        {
            out.push((i, body.to_string(), args[i + 1].clone()));
            i += 1;
        } else {
            out.push((i, body.to_string(), "true".to_string()));
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn pflag_forms() {
        let args = s(&[
            "kube-apiserver",
            "--anonymous-auth=false",
            "--audit-log-path",
            "/var/log/a.log",
            "--profiling",
            "--v=2",
            "--profiling=false",
        ]);
        let got = parse_args(&args, Component::ApiServer);
        assert_eq!(got[0], (1, "anonymous-auth".into(), "false".into()));
        assert_eq!(
            got[1],
            (2, "audit-log-path".into(), "/var/log/a.log".into())
        );
        assert_eq!(got[2], (4, "profiling".into(), "true".into()));
        let mut f = Flags::new(Component::ApiServer, "x");
        f.add_args(&args, |pid| Source::Cmdline { pid: pid as u32 });
        assert_eq!(f.effective("profiling").as_bool(), Some(false));
        // Absent: the component default applies.
        let e = f.effective("authorization-mode");
        assert_eq!(e.value.as_deref(), Some("AlwaysAllow"));
        assert!(e.set.is_none());
    }

    #[test]
    fn repeated_list_flags_accumulate_others_take_the_last() {
        let args = s(&[
            "kube-apiserver",
            "--enable-admission-plugins=NodeRestriction",
            "--profiling=true",
            "--enable-admission-plugins=AlwaysAdmit",
            "--profiling=false",
        ]);
        let mut f = Flags::new(Component::ApiServer, "x");
        f.add_args(&args, |_| Source::Cmdline { pid: 1 });
        assert_eq!(
            f.effective("enable-admission-plugins").list(),
            vec!["NodeRestriction", "AlwaysAdmit"]
        );
        assert_eq!(f.effective("profiling").as_bool(), Some(false));
    }

    #[test]
    fn a_bool_flag_does_not_swallow_the_next_word() {
        let args = s(&["kubelet", "--rotate-certificates", "extra", "--v", "2"]);
        let got = parse_args(&args, Component::Kubelet);
        assert_eq!(got[0], (1, "rotate-certificates".into(), "true".into()));
        assert_eq!(got[1], (3, "v".into(), "2".into()));
    }
}
