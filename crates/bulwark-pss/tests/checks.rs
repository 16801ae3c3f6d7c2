//! One small fixture per check: the insecure form fails, the fixed form
//! passes, and the edges behave (init and ephemeral containers, pod vs
//! container securityContext, workload kinds, version boundaries).

use bulwark_core::Resource;
use bulwark_load::{LoadOptions, load_str};
use bulwark_pss::{CheckId, Evaluation, Level, LevelVersion, Options, Version, evaluate_resource};

/// Loads one object from YAML.
fn obj(yaml: &str) -> Resource {
    let mut l = load_str("test.yaml", yaml, &LoadOptions::default());
    assert!(l.summary.errors.is_empty(), "{:?}", l.summary.errors);
    assert_eq!(l.resources.len(), 1);
    l.resources.remove(0)
}

/// A Pod with `spec` (YAML, indented for a `spec:` block).
fn pod(spec: &str) -> Resource {
    obj(&format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n{spec}"
    ))
}

fn eval_opts(r: &Resource, level: Level, version: Version, o: &Options) -> Evaluation {
    evaluate_resource(r, LevelVersion::new(level, version), o).expect("has a pod spec")
}

fn eval(r: &Resource, level: Level, version: Version) -> Evaluation {
    eval_opts(r, level, version, &Options::default())
}

fn failed(r: &Resource, level: Level, version: Version) -> Vec<CheckId> {
    eval(r, level, version).failed_checks().collect()
}

const B: Level = Level::Baseline;
const R: Level = Level::Restricted;
const LATEST: Version = Version::Latest;

fn v(minor: u32) -> Version {
    Version::Minor(minor)
}

/// A pod that passes restricted at every version; checks are tried by
/// changing one thing in it.
const GOOD: &str = "  securityContext:
    runAsNonRoot: true
    seccompProfile:
      type: RuntimeDefault
  containers:
  - name: app
    image: app
    securityContext:
      allowPrivilegeEscalation: false
      capabilities:
        drop: [ALL]
";

#[test]
fn the_good_pod_passes_everywhere() {
    let r = pod(GOOD);
    for m in 0..=37 {
        assert!(eval(&r, R, v(m)).allowed, "v1.{m}");
        assert!(eval(&r, B, v(m)).allowed, "v1.{m}");
    }
    assert!(eval(&r, R, LATEST).allowed);
    assert!(eval(&r, R, v(99)).allowed);
}

#[test]
fn privileged_in_init_and_ephemeral_containers() {
    let r = pod("  initContainers:
  - name: init
    securityContext: {privileged: true}
  containers:
  - name: app
  ephemeralContainers:
  - name: debug
    securityContext: {privileged: true}
");
    let ev = eval(&r, B, LATEST);
    assert_eq!(
        ev.failed_checks().collect::<Vec<_>>(),
        [CheckId::Privileged]
    );
    let v = &ev.violations[0];
    assert_eq!(
        v.message(),
        "privileged (containers \"init\", \"debug\" must not set securityContext.privileged=true)"
    );
    let paths: Vec<String> = v.paths.iter().map(ToString::to_string).collect();
    assert_eq!(
        paths,
        [
            "spec.initContainers[0].securityContext.privileged",
            "spec.ephemeralContainers[0].securityContext.privileged"
        ]
    );
    let fixed = pod("  containers:\n  - name: app\n    securityContext: {privileged: false}\n");
    assert!(eval(&fixed, B, LATEST).allowed);
}

#[test]
fn cronjob_nesting_is_evaluated_with_full_paths() {
    let r = obj("apiVersion: batch/v1
kind: CronJob
metadata: {name: c, namespace: n}
spec:
  schedule: '* * * * *'
  jobTemplate:
    spec:
      template:
        spec:
          hostPID: true
          containers:
          - name: app
");
    let ev = eval(&r, B, LATEST);
    assert_eq!(
        ev.failed_checks().collect::<Vec<_>>(),
        [CheckId::HostNamespaces]
    );
    assert_eq!(
        ev.violations[0].path().to_string(),
        "spec.jobTemplate.spec.template.spec.hostPID"
    );
    assert_eq!(ev.violations[0].message(), "host namespaces (hostPID)");
    let tpl = obj("apiVersion: v1
kind: PodTemplate
metadata: {name: t}
template:
  spec:
    hostIPC: true
    containers: [{name: a}]
");
    assert_eq!(failed(&tpl, B, LATEST), [CheckId::HostNamespaces]);
}

#[test]
fn host_path_and_restricted_volumes() {
    let r = pod("  containers: [{name: a}]
  volumes:
  - name: root
    hostPath: {path: /}
  - name: cache
  - name: share
    nfs: {server: s, path: /x}
  - name: img
    image: {reference: busybox}
");
    assert_eq!(failed(&r, B, LATEST), [CheckId::HostPathVolumes]);
    let ev = eval(&r, R, LATEST);
    let rv = ev
        .violations
        .iter()
        .find(|v| v.check == CheckId::RestrictedVolumes)
        .unwrap();
    // The volume without a source is defaulted to emptyDir by the API server.
    assert_eq!(
        rv.message(),
        "restricted volume types (volumes [\"img\" \"root\" \"share\"] have restricted types)"
    );
    let ok = pod("  containers: [{name: a}]
  volumes:
  - {name: a, emptyDir: {}}
  - {name: b, configMap: {name: x}}
  - {name: c, secret: {secretName: x}}
  - {name: d, persistentVolumeClaim: {claimName: x}}
  - {name: e, projected: {sources: []}}
  - {name: f, downwardAPI: {items: []}}
  - {name: g, csi: {driver: x}}
  - {name: h, ephemeral: {volumeClaimTemplate: {spec: {}}}}
");
    assert!(!failed(&ok, R, LATEST).contains(&CheckId::RestrictedVolumes));
}

#[test]
fn host_ports_and_probe_hosts() {
    let r = pod("  containers:
  - name: a
    ports:
    - {containerPort: 80, hostPort: 8080}
    - {containerPort: 81, hostPort: 0}
  ephemeralContainers:
  - name: e
    ports: [{containerPort: 9, hostPort: 9090}]
");
    let ev = eval(&r, B, LATEST);
    assert_eq!(
        ev.violations[0].message(),
        "hostPort (containers \"a\", \"e\" use hostPorts 8080, 9090)"
    );
    // A hostNetwork Pod's ports are defaulted to hostPort = containerPort.
    let hn =
        pod("  hostNetwork: true\n  containers:\n  - name: a\n    ports: [{containerPort: 53}]\n");
    let ev = eval(&hn, B, LATEST);
    assert_eq!(
        ev.failed_checks().collect::<Vec<_>>(),
        [CheckId::HostNamespaces, CheckId::HostPorts]
    );
    assert_eq!(
        ev.violations[1].message(),
        "hostPort (container \"a\" uses hostPort 53)"
    );
    let tpl = obj(
        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n      hostNetwork: true\n      containers:\n      - name: a\n        ports: [{containerPort: 53}]\n",
    );
    assert_eq!(failed(&tpl, B, LATEST), [CheckId::HostNamespaces]);
    let probes = pod("  containers:
  - name: a
    livenessProbe: {httpGet: {host: 10.0.0.1, port: 80}}
  initContainers:
  - name: i
    lifecycle: {preStop: {tcpSocket: {host: metadata, port: 80}}}
");
    assert_eq!(failed(&probes, B, v(33)), Vec::<CheckId>::new());
    let ev = eval(&probes, B, v(34));
    assert_eq!(
        ev.failed_checks().collect::<Vec<_>>(),
        [CheckId::HostProbesAndHostLifecycle]
    );
    assert_eq!(
        ev.violations[0].message(),
        "probe or lifecycle host (containers \"a\", \"i\" use probe or lifecycle hosts \"10.0.0.1\", \"metadata\")"
    );
    assert_eq!(
        ev.violations[0].paths[0].to_string(),
        "spec.initContainers[0].lifecycle.preStop.tcpSocket.host"
    );
}

#[test]
fn capabilities_baseline_and_restricted() {
    let r = pod("  containers:
  - name: a
    securityContext:
      capabilities: {add: [NET_ADMIN, CHOWN], drop: [ALL]}
");
    let ev = eval(&r, B, LATEST);
    assert_eq!(
        ev.violations[0].message(),
        "non-default capabilities (container \"a\" must not include \"NET_ADMIN\" in securityContext.capabilities.add)"
    );
    assert_eq!(
        ev.violations[0].path().to_string(),
        "spec.containers[0].securityContext.capabilities.add[0]"
    );
    // restricted before v1.22 has no capabilities_restricted check.
    let cheap = pod(
        "  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
  containers:
  - name: a
    securityContext:
      allowPrivilegeEscalation: false
      capabilities: {add: [CHOWN]}
",
    );
    assert!(eval(&cheap, R, v(21)).allowed);
    let ev = eval(&cheap, R, v(22));
    assert_eq!(
        ev.failed_checks().collect::<Vec<_>>(),
        [CheckId::CapabilitiesRestricted]
    );
    assert_eq!(
        ev.violations[0].message(),
        "unrestricted capabilities (container \"a\" must set securityContext.capabilities.drop=[\"ALL\"]; container \"a\" must not include \"CHOWN\" in securityContext.capabilities.add)"
    );
    // NET_BIND_SERVICE is the one capability restricted lets a pod add back.
    let nbs = pod(&GOOD.replace(
        "drop: [ALL]",
        "drop: [ALL]\n        add: [NET_BIND_SERVICE]",
    ));
    assert!(eval(&nbs, R, LATEST).allowed);
}

#[test]
fn allow_privilege_escalation_versions() {
    let r = pod(&GOOD.replace(
        "allowPrivilegeEscalation: false",
        "allowPrivilegeEscalation: true",
    ));
    assert!(eval(&r, R, v(7)).allowed);
    assert_eq!(failed(&r, R, v(8)), [CheckId::AllowPrivilegeEscalation]);
    let unset = pod(&GOOD.replace("      allowPrivilegeEscalation: false\n", ""));
    assert_eq!(
        failed(&unset, R, LATEST),
        [CheckId::AllowPrivilegeEscalation]
    );
}

#[test]
fn windows_pods_are_exempt_from_linux_only_restricted_checks_from_1_25() {
    let win = pod("  os: {name: windows}
  securityContext: {runAsNonRoot: true}
  containers: [{name: a}]
");
    assert_eq!(
        failed(&win, R, v(24)),
        [
            CheckId::AllowPrivilegeEscalation,
            CheckId::CapabilitiesRestricted,
            CheckId::SeccompProfileRestricted
        ]
    );
    assert!(eval(&win, R, v(25)).allowed);
    assert!(eval(&win, R, LATEST).allowed);
    // Linux pods are not.
    let linux = pod("  os: {name: linux}
  securityContext: {runAsNonRoot: true}
  containers: [{name: a}]
");
    assert_eq!(failed(&linux, R, LATEST).len(), 3);
    // HostProcess stays forbidden for Windows pods at baseline.
    let hp = pod("  os: {name: windows}
  hostNetwork: true
  securityContext:
    windowsOptions: {hostProcess: true}
  containers:
  - name: a
    securityContext:
      windowsOptions: {hostProcess: true}
");
    let ev = eval(&hp, B, LATEST);
    let w = ev
        .violations
        .iter()
        .find(|v| v.check == CheckId::WindowsHostProcess)
        .unwrap();
    assert_eq!(
        w.message(),
        "hostProcess (pod and container \"a\" must not set securityContext.windowsOptions.hostProcess=true)"
    );
}

#[test]
fn run_as_non_root_pod_vs_container_precedence() {
    // Pod-level true covers containers that do not set it.
    assert!(eval(&pod(GOOD), R, LATEST).allowed);
    // A container's false overrides the pod's true.
    let r = pod(&GOOD.replace(
        "      allowPrivilegeEscalation: false\n",
        "      allowPrivilegeEscalation: false\n      runAsNonRoot: false\n",
    ));
    let ev = eval(&r, R, LATEST);
    assert_eq!(
        ev.violations[0].message(),
        "runAsNonRoot != true (container \"app\" must not set securityContext.runAsNonRoot=false)"
    );
    assert_eq!(
        ev.violations[0].path().to_string(),
        "spec.containers[0].securityContext.runAsNonRoot"
    );
    // Without the pod-level field every container must set it.
    let r = pod(&format!(
        "{}  initContainers:\n  - name: init\n    securityContext:\n      runAsNonRoot: true\n      allowPrivilegeEscalation: false\n      capabilities: {{drop: [ALL]}}\n",
        GOOD.replace("    runAsNonRoot: true\n", "")
    ));
    let ev = eval(&r, R, LATEST);
    assert_eq!(
        ev.violations[0].message(),
        "runAsNonRoot != true (pod or container \"app\" must set securityContext.runAsNonRoot=true)"
    );
    // Pod-level false is named even when containers set true.
    let r = pod(&GOOD.replace("runAsNonRoot: true", "runAsNonRoot: false"));
    assert!(
        eval(&r, R, LATEST).violations[0]
            .message()
            .starts_with("runAsNonRoot != true (pod must not set")
    );
}

#[test]
fn run_as_user_zero_from_1_23_and_the_user_namespace_gate() {
    let r = pod(&GOOD.replace("runAsNonRoot: true", "runAsNonRoot: true\n    runAsUser: 0"));
    assert!(eval(&r, R, v(22)).allowed);
    let ev = eval(&r, R, v(23));
    assert_eq!(
        ev.violations[0].message(),
        "runAsUser=0 (pod must not set runAsUser=0)"
    );
    let userns = pod(&format!(
        "  hostUsers: false\n{}",
        GOOD.replace("runAsNonRoot: true", "runAsUser: 0")
    ));
    assert_eq!(
        failed(&userns, R, LATEST),
        [CheckId::RunAsNonRoot, CheckId::RunAsUser]
    );
    let gate = Options {
        relax_user_namespace_pods: true,
    };
    assert!(eval_opts(&userns, R, LATEST, &gate).allowed);
}

#[test]
fn seccomp_annotations_before_1_19_fields_after() {
    let ann = obj("apiVersion: v1
kind: Pod
metadata:
  name: p
  annotations:
    seccomp.security.alpha.kubernetes.io/pod: unconfined
    container.seccomp.security.alpha.kubernetes.io/a: docker/default
spec:
  containers: [{name: a}]
");
    let ev = eval(&ann, B, v(18));
    assert_eq!(
        ev.violations[0].message(),
        "seccompProfile (forbidden annotation seccomp.security.alpha.kubernetes.io/pod=\"unconfined\")"
    );
    assert!(eval(&ann, B, v(19)).allowed);
    let field = pod("  securityContext:
    seccompProfile: {type: RuntimeDefault}
  containers:
  - name: a
    securityContext:
      seccompProfile: {type: Unconfined}
");
    assert!(eval(&field, B, v(18)).allowed);
    let ev = eval(&field, B, v(19));
    assert_eq!(
        ev.violations[0].message(),
        "seccompProfile (container \"a\" must not set securityContext.seccompProfile.type to \"Unconfined\")"
    );
}

#[test]
fn seccomp_restricted_container_overrides_pod() {
    // Containers setting a valid profile need no pod-level profile.
    let r = pod(&GOOD.replace(
        "  securityContext:\n    runAsNonRoot: true\n    seccompProfile:\n      type: RuntimeDefault\n",
        "  securityContext:\n    runAsNonRoot: true\n",
    ));
    let ev = eval(&r, R, LATEST);
    assert_eq!(
        ev.violations[0].message(),
        "seccompProfile (pod or container \"app\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")"
    );
    let fixed = pod(&GOOD.replace(
        "        drop: [ALL]\n",
        "        drop: [ALL]\n      seccompProfile: {type: Localhost, localhostProfile: p.json}\n",
    ));
    assert!(eval(&fixed, R, LATEST).allowed);
    assert!(
        eval(&r, R, v(18)).allowed,
        "no restricted seccomp check before v1.19"
    );
}

#[test]
fn apparmor_fields_and_annotations() {
    let r = obj("apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  template:
    metadata:
      annotations:
        container.apparmor.security.beta.kubernetes.io/a: unconfined
        container.apparmor.security.beta.kubernetes.io/b: localhost/custom
    spec:
      securityContext:
        appArmorProfile: {type: Unconfined}
      containers:
      - name: a
      - name: b
        securityContext:
          appArmorProfile: {type: Localhost, localhostProfile: custom}
");
    let ev = eval(&r, B, LATEST);
    assert_eq!(
        ev.violations[0].message(),
        "forbidden AppArmor profiles (pod and annotations must not set AppArmor profile type to \"Unconfined\", \"container.apparmor.security.beta.kubernetes.io/a=\"unconfined\"\")"
    );
    assert_eq!(
        ev.violations[0].paths[1].to_string(),
        "spec.template.metadata.annotations[\"container.apparmor.security.beta.kubernetes.io/a\"]"
    );
}

#[test]
fn selinux_types_by_version() {
    let engine = pod("  containers:
  - name: a
    securityContext:
      seLinuxOptions: {type: container_engine_t, level: 's0:c1,c2'}
");
    assert_eq!(failed(&engine, B, v(30)), [CheckId::SeLinuxOptions]);
    assert!(eval(&engine, B, v(31)).allowed);
    let user = pod("  securityContext:
    seLinuxOptions: {user: system_u, role: system_r}
  containers: [{name: a}]
");
    let ev = eval(&user, B, LATEST);
    assert_eq!(
        ev.violations[0].message(),
        "seLinuxOptions (pod set forbidden securityContext.seLinuxOptions: user may not be set; role may not be set)"
    );
}

#[test]
fn proc_mount_user_namespaces_from_1_35() {
    let unmasked_userns = pod("  hostUsers: false
  containers:
  - name: a
    securityContext: {procMount: Unmasked}
");
    assert_eq!(failed(&unmasked_userns, B, v(34)), [CheckId::ProcMount]);
    assert!(eval(&unmasked_userns, B, v(35)).allowed);
    // Restricted still forbids it, through procMount_restricted.
    assert!(failed(&unmasked_userns, R, v(35)).contains(&CheckId::ProcMountRestricted));
    assert!(!failed(&unmasked_userns, R, v(35)).contains(&CheckId::ProcMount));
    let host_users = pod("  containers:
  - name: a
    securityContext: {procMount: Unmasked}
");
    assert_eq!(failed(&host_users, B, LATEST), [CheckId::ProcMount]);
}

#[test]
fn sysctls_allowed_list_grows() {
    let r = |name: &str| {
        pod(&format!(
            "  securityContext:\n    sysctls:\n    - {{name: {name}, value: '1'}}\n  containers: [{{name: a}}]\n"
        ))
    };
    let cases = [
        ("kernel.shm_rmid_forced", 0),
        ("net.ipv4.ip_local_reserved_ports", 27),
        ("net.ipv4.tcp_keepalive_time", 29),
        ("net.ipv4.tcp_rmem", 32),
        ("net.ipv4.tcp_notsent_lowat", 37),
    ];
    for (name, since) in cases {
        let p = r(name);
        if since > 0 {
            assert_eq!(failed(&p, B, v(since - 1)), [CheckId::Sysctls], "{name}");
        }
        assert!(eval(&p, B, v(since)).allowed, "{name}");
        assert!(eval(&p, B, LATEST).allowed, "{name}");
    }
    let ev = eval(&r("kernel.msgmax"), B, LATEST);
    assert_eq!(
        ev.violations[0].message(),
        "forbidden sysctls (kernel.msgmax)"
    );
    assert_eq!(
        ev.violations[0].path().to_string(),
        "spec.securityContext.sysctls[0].name"
    );
}

#[test]
fn privileged_level_allows_everything() {
    let r = pod(
        "  hostNetwork: true\n  containers:\n  - name: a\n    securityContext: {privileged: true}\n",
    );
    assert!(eval(&r, Level::Privileged, LATEST).allowed);
}

#[test]
fn malformed_fields_do_not_panic() {
    let r = pod("  securityContext: 7
  volumes: {a: b}
  containers:
  - name: 5
    securityContext: [1, 2]
    ports: 80
  - securityContext:
      capabilities: {add: 5, drop: {x: 1}}
      seLinuxOptions: 'x'
  initContainers: 'nope'
");
    let ev = eval(&r, R, LATEST);
    assert!(!ev.allowed);
}
