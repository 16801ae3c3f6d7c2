//! Family-wide tests: metadata completeness, severities that depend on
//! the case, and malformed input.

mod malformed_input {
    use bulwark_core::{Analyzer, Inventory, Origin, Resource};
    use serde_json::json;

    use crate::BuiltinRules;

    /// Fields of the wrong type (the API would reject them, a file may
    /// still hold them) never panic and never make a rule fire wrongly.
    #[test]
    fn wrong_types_do_not_panic() {
        let specs = [
            json!({"containers": "web"}),
            json!({"containers": [null, 1, "x", {"securityContext": "privileged"}]}),
            json!({"securityContext": [], "containers": [{"name": "a", "securityContext": {
                "capabilities": {"add": "SYS_ADMIN", "drop": {"ALL": true}},
                "seccompProfile": "Unconfined", "seLinuxOptions": "spc_t",
                "windowsOptions": true, "procMount": 1, "runAsUser": "0"}}]}),
            json!({"volumes": [{"name": "h", "hostPath": "/"}, {"hostPath": {"path": 5}}, 3],
                   "securityContext": {"sysctls": [{"name": 1}, "kernel.x", null]},
                   "containers": [{"name": "a", "ports": [{"hostPort": "80"}, 7],
                                   "resources": "lots", "livenessProbe": 1}]}),
            json!({"os": "windows", "hostNetwork": "true", "containers": {}}),
        ];
        for spec in specs {
            let res = Resource::new(
                json!({"apiVersion": "v1", "kind": "Pod",
                       "metadata": {"name": "p", "annotations": ["x"]}, "spec": spec}),
                Origin::default(),
                None,
            );
            let mut out = Vec::new();
            BuiltinRules::default().analyze(&Inventory::new(vec![res]), &mut out);
            for f in &out {
                assert!(
                    !matches!(
                        f.rule_id.as_ref(),
                        "privileged-container" | "host-network" | "windows-host-process"
                    ),
                    "{f:?}"
                );
            }
        }
    }
}

mod metadata {
    /// Every rule of the family carries what `bulwark explain` prints.
    #[test]
    fn every_rule_is_documented() {
        let mut ids = Vec::new();
        for check in super::super::CHECKS {
            let m = check.meta;
            let kebab =
                m.id.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            assert!(kebab && !m.id.is_empty(), "{}: id is not kebab-case", m.id);
            assert!(!m.title.is_empty(), "{}: no title", m.id);
            assert!(m.description.len() > 100, "{}: description too short", m.id);
            assert!(
                m.remediation.contains("```yaml\n"),
                "{}: remediation has no YAML fragment",
                m.id
            );
            assert!(!m.references.is_empty(), "{}: no references", m.id);
            ids.push(m.id);
        }
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), n, "duplicate rule ids");
    }
}

mod severities {
    use bulwark_core::{Analyzer, Inventory, Origin, Resource, Severity};
    use serde_json::{Value, json};

    use crate::BuiltinRules;

    /// The severities `rule` reports on a Pod with `spec`.
    fn severities(rule: &str, spec: Value) -> Vec<Severity> {
        let res = Resource::new(
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec}),
            Origin::default(),
            None,
        );
        let mut out = Vec::new();
        BuiltinRules::default().analyze(&Inventory::new(vec![res]), &mut out);
        out.iter()
            .filter(|f| f.rule_id == rule)
            .map(|f| f.severity)
            .collect()
    }

    #[test]
    fn explicit_unconfined_seccomp_is_worse_than_missing() {
        let unset = json!({"containers": [{"name": "a"}]});
        let explicit = json!({"securityContext": {"seccompProfile": {"type": "Unconfined"}},
                              "containers": [{"name": "a"}]});
        assert_eq!(severities("seccomp-unconfined", unset), [Severity::Medium]);
        assert_eq!(severities("seccomp-unconfined", explicit), [Severity::High]);
    }

    #[test]
    fn root_uid_is_high_and_user_namespaces_lower_it() {
        let uid0 = json!({"containers": [{"name": "a", "securityContext": {"runAsUser": 0}}]});
        assert_eq!(severities("runs-as-root", uid0), [Severity::High]);
        let userns = json!({"hostUsers": false,
                            "containers": [{"name": "a", "securityContext": {"runAsUser": 0}}]});
        assert_eq!(severities("runs-as-root", userns), [Severity::Low]);
    }

    #[test]
    fn host_path_severity_follows_the_path() {
        let spec = json!({"containers": [{"name": "a"}], "volumes": [
            {"name": "sock", "hostPath": {"path": "/run/containerd/containerd.sock"}},
            {"name": "var", "hostPath": {"path": "/var/"}},
            {"name": "logs", "hostPath": {"path": "/var/log/app"}}
        ]});
        assert_eq!(
            severities("host-path-volume", spec),
            [Severity::Critical, Severity::Critical, Severity::High]
        );
    }

    #[test]
    fn spc_t_is_high() {
        let spec = json!({"containers": [{"name": "a",
            "securityContext": {"seLinuxOptions": {"type": "spc_t", "user": "u"}}}]});
        assert_eq!(
            severities("selinux-custom-options", spec),
            [Severity::High, Severity::Medium]
        );
    }
}
