//! The kubelet's settings as it runs: defaults, then the `--config` file,
//! then its drop-in directory, then command-line flags (the kubelet's own
//! precedence: a flag overrides the same field of the config file).
//!
//! Defaults differ with and without `--config`: with a config file the
//! `kubelet.config.k8s.io/v1beta1` defaults apply (anonymous auth off,
//! Webhook authorization, read-only port 0); without one the command-line
//! defaults do (anonymous auth on, AlwaysAllow, read-only port 10255), as
//! `applyLegacyDefaults` in kubelet v1.32 sets them.

use bulwark_core::{FieldPath, Resource};
use serde_json::Value;

use crate::defaults;
use crate::flags::{FlagValue, Flags, parse_bool, split_list};

/// A kubelet setting: its config-file field and its flag.
#[derive(Clone, Copy, Debug)]
pub struct Field {
    pub path: &'static str,
    pub flag: &'static str,
    pub ty: Ty,
    /// Default with a config file (v1beta1); `None`: unset.
    pub config_default: Option<&'static str>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    Bool,
    Int,
    Str,
    List,
}

macro_rules! field {
    ($name:ident, $path:literal, $flag:literal, $ty:ident, $def:expr) => {
        pub const $name: Field = Field {
            path: $path,
            flag: $flag,
            ty: Ty::$ty,
            config_default: $def,
        };
    };
}

field!(
    ANONYMOUS,
    "authentication.anonymous.enabled",
    "anonymous-auth",
    Bool,
    Some("false")
);
field!(
    WEBHOOK_AUTHN,
    "authentication.webhook.enabled",
    "authentication-token-webhook",
    Bool,
    Some("true")
);
field!(
    CLIENT_CA,
    "authentication.x509.clientCAFile",
    "client-ca-file",
    Str,
    None
);
field!(
    AUTHZ_MODE,
    "authorization.mode",
    "authorization-mode",
    Str,
    Some("Webhook")
);
field!(
    READ_ONLY_PORT,
    "readOnlyPort",
    "read-only-port",
    Int,
    Some("0")
);
field!(
    STREAMING_IDLE,
    "streamingConnectionIdleTimeout",
    "streaming-connection-idle-timeout",
    Str,
    Some("4h0m0s")
);
field!(
    IPTABLES_CHAINS,
    "makeIPTablesUtilChains",
    "make-iptables-util-chains",
    Bool,
    Some("true")
);
field!(EVENT_QPS, "eventRecordQPS", "event-qps", Int, Some("50"));
field!(TLS_CERT, "tlsCertFile", "tls-cert-file", Str, None);
field!(
    TLS_KEY,
    "tlsPrivateKeyFile",
    "tls-private-key-file",
    Str,
    None
);
field!(
    ROTATE_CERTS,
    "rotateCertificates",
    "rotate-certificates",
    Bool,
    Some("false")
);
field!(
    SERVER_TLS_BOOTSTRAP,
    "serverTLSBootstrap",
    "rotate-server-certificates",
    Bool,
    Some("false")
);
field!(
    TLS_CIPHERS,
    "tlsCipherSuites",
    "tls-cipher-suites",
    List,
    None
);
field!(POD_PIDS, "podPidsLimit", "pod-max-pids", Int, Some("-1"));
field!(
    SECCOMP_DEFAULT,
    "seccompDefault",
    "seccomp-default",
    Bool,
    Some("false")
);
field!(
    PROTECT_KERNEL,
    "protectKernelDefaults",
    "protect-kernel-defaults",
    Bool,
    Some("false")
);

/// Where a kubelet setting came from.
#[derive(Clone, Debug)]
pub enum Origin<'a> {
    Flag(&'a FlagValue),
    Config {
        res: &'a Resource,
        path: FieldPath,
    },
    /// The default; `config_file` says which set of defaults.
    Default {
        config_file: bool,
    },
}

/// One setting as the kubelet would see it.
#[derive(Clone, Debug)]
pub struct Setting<'a> {
    pub field: Field,
    /// The value as JSON (flags converted to the field's type).
    pub value: Option<Value>,
    pub origin: Origin<'a>,
}

impl Setting<'_> {
    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Some(Value::Bool(b)) => Some(*b),
            Some(Value::String(s)) => parse_bool(s),
            _ => None,
        }
    }
    pub fn as_i64(&self) -> Option<i64> {
        match &self.value {
            Some(Value::Number(n)) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
            Some(Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        }
    }
    pub fn as_str(&self) -> Option<String> {
        match &self.value {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Null) | None => None,
            Some(v) => Some(v.to_string()),
        }
    }
    pub fn as_list(&self) -> Option<Vec<String>> {
        match &self.value {
            Some(Value::Array(a)) => Some(
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect(),
            ),
            Some(Value::String(s)) => Some(split_list(s)),
            _ => None,
        }
    }
    pub fn is_default(&self) -> bool {
        matches!(self.origin, Origin::Default { .. })
    }

    /// The config-file field to point a `scan` finding at.
    pub fn path(&self) -> Option<FieldPath> {
        match &self.origin {
            Origin::Config { path, .. } => Some(path.clone()),
            Origin::Default { .. } => Some(FieldPath::parse(self.field.path)),
            Origin::Flag(_) => None,
        }
    }

    /// `field=value at where` for evidence.
    pub fn describe(&self) -> String {
        let shown = self
            .value
            .as_ref()
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .unwrap_or_else(|| "<unset>".to_string());
        match &self.origin {
            Origin::Flag(f) => format!("--{}={} at {}", self.field.flag, f.value, f.source),
            Origin::Config { res, path } => {
                let at = res
                    .locate(path)
                    .map(|l| match l.line {
                        Some(n) => format!("{}:{n}", l.file),
                        None => l.file,
                    })
                    .unwrap_or_else(|| res.id.display());
                format!("{}={shown} at {at}", self.field.path)
            }
            Origin::Default { .. } if self.value.is_none() => {
                format!("{} not set (no default)", self.field.path)
            }
            Origin::Default { config_file: true } => format!(
                "{} not set: the config file default is {shown} (kubelet.config.k8s.io/v1beta1, {})",
                self.field.path,
                defaults::version_of(crate::component::Component::Kubelet)
            ),
            Origin::Default { config_file: false } => format!(
                "--{} not set and no --config file: the command-line default is {shown} ({})",
                self.field.flag,
                defaults::version_of(crate::component::Component::Kubelet)
            ),
        }
    }
}

/// The kubelet as configured: config documents (file, then drop-ins in
/// order) and command-line flags, either of which may be absent.
#[derive(Clone, Copy, Debug, Default)]
pub struct KubeletView<'a> {
    pub docs: &'a [Resource],
    pub flags: Option<&'a Flags>,
    /// Whether a config file is in use (decides which defaults apply).
    pub config_file: bool,
}

impl<'a> KubeletView<'a> {
    pub fn get(&self, f: Field) -> Setting<'a> {
        if let Some(fv) = self.flags.and_then(|fl| fl.get(f.flag)) {
            let value = match f.ty {
                Ty::Bool => parse_bool(&fv.value).map(Value::Bool),
                Ty::Int => fv
                    .value
                    .trim()
                    .parse::<i64>()
                    .ok()
                    .map(|n| Value::Number(n.into())),
                Ty::Str => Some(Value::String(fv.value.clone())),
                Ty::List => Some(Value::Array(
                    split_list(&fv.value)
                        .into_iter()
                        .map(Value::String)
                        .collect(),
                )),
            }
            .or_else(|| Some(Value::String(fv.value.clone())));
            return Setting {
                field: f,
                value,
                origin: Origin::Flag(fv),
            };
        }
        let path = FieldPath::parse(f.path);
        for res in self.docs.iter().rev() {
            if let Some(v) = path.get(&res.value).filter(|v| !v.is_null()) {
                return Setting {
                    field: f,
                    value: Some(v.clone()),
                    origin: Origin::Config {
                        res,
                        path: path.clone(),
                    },
                };
            }
        }
        let def = if self.config_file {
            f.config_default
        } else {
            defaults::flag_default(crate::component::Component::Kubelet, f.flag)
        };
        let value = def.map(|d| match f.ty {
            Ty::Bool => Value::Bool(d == "true"),
            Ty::Int => d
                .parse::<i64>()
                .map(|n| Value::Number(n.into()))
                .unwrap_or(Value::Null),
            Ty::Str => Value::String(d.to_string()),
            Ty::List => Value::Array(Vec::new()),
        });
        Setting {
            field: f,
            value,
            origin: Origin::Default {
                config_file: self.config_file,
            },
        }
    }

    /// A feature gate: `(enabled, evidence)`; `None` when unset (its
    /// default applies).
    pub fn feature_gate(&self, gate: &str) -> Option<(bool, String)> {
        if let Some(fv) = self.flags.and_then(|f| f.get("feature-gates")) {
            for item in split_list(&fv.value) {
                if let Some((k, v)) = item.split_once('=')
                    && k.trim() == gate
                {
                    let b = parse_bool(v)?;
                    return Some((b, format!("--feature-gates {gate}={v} at {}", fv.source)));
                }
            }
        }
        let path = FieldPath::root().key("featureGates").key(gate);
        for res in self.docs.iter().rev() {
            if let Some(b) = path.get(&res.value).and_then(Value::as_bool) {
                let at = res
                    .locate(&path)
                    .map(|l| format!("{}:{}", l.file, l.line.unwrap_or(0)))
                    .unwrap_or_default();
                return Some((b, format!("featureGates.{gate}={b} at {at}")));
            }
        }
        None
    }
}

/// Whether a resource is a KubeletConfiguration.
pub fn is_kubelet_config(res: &Resource) -> bool {
    res.kind() == "KubeletConfiguration" && res.group() == "kubelet.config.k8s.io"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::component::Component;
    use crate::flags::Source;
    use bulwark_core::Origin;
    use serde_json::json;

    fn doc(v: Value) -> Resource {
        Resource::new(v, Origin::default(), None)
    }

    #[test]
    fn defaults_depend_on_whether_a_config_file_is_used() {
        let legacy = KubeletView {
            docs: &[],
            flags: None,
            config_file: false,
        };
        assert_eq!(legacy.get(ANONYMOUS).as_bool(), Some(true));
        assert_eq!(legacy.get(READ_ONLY_PORT).as_i64(), Some(10255));
        assert_eq!(
            legacy.get(AUTHZ_MODE).as_str().as_deref(),
            Some("AlwaysAllow")
        );
        let docs = [doc(json!({"kind": "KubeletConfiguration"}))];
        let cfg = KubeletView {
            docs: &docs,
            flags: None,
            config_file: true,
        };
        assert_eq!(cfg.get(ANONYMOUS).as_bool(), Some(false));
        assert_eq!(cfg.get(READ_ONLY_PORT).as_i64(), Some(0));
        assert_eq!(cfg.get(AUTHZ_MODE).as_str().as_deref(), Some("Webhook"));
    }

    #[test]
    fn flags_override_drop_ins_which_override_the_file() {
        let docs = [
            doc(json!({"readOnlyPort": 0, "eventRecordQPS": 5})),
            doc(json!({"eventRecordQPS": 7})),
        ];
        let mut f = Flags::new(Component::Kubelet, "p");
        f.set("read-only-port", "10255", Source::Cmdline { pid: 1 });
        let v = KubeletView {
            docs: &docs,
            flags: Some(&f),
            config_file: true,
        };
        let s = v.get(READ_ONLY_PORT);
        assert_eq!(s.as_i64(), Some(10255));
        assert!(matches!(s.origin, super::Origin::Flag(_)));
        assert_eq!(v.get(EVENT_QPS).as_i64(), Some(7));
        f.set(
            "feature-gates",
            "A=true,RotateKubeletServerCertificate=false",
            Source::Cmdline { pid: 1 },
        );
        let v = KubeletView {
            docs: &docs,
            flags: Some(&f),
            config_file: true,
        };
        assert_eq!(
            v.feature_gate("RotateKubeletServerCertificate")
                .map(|g| g.0),
            Some(false)
        );
    }
}
