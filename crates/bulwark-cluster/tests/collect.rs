//! The kube-rs client against the test API server: what a collection
//! reads, folds, strips and records as not evaluated.

mod common;

use std::collections::BTreeSet;

use bulwark_cluster::{CollectOptions, Collection, Credentials, Error, collect};

fn rt() -> tokio::runtime::Runtime {
    bulwark_cluster::install_crypto_provider();
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

fn run(fx: &common::Fixture, context: &str, opts: &CollectOptions) -> Result<Collection, Error> {
    let creds = bulwark_cluster::config::load(Some(&fx.kubeconfig))?;
    let ctx = creds.select(&[context.to_string()], false)?;
    rt().block_on(async {
        let client = creds.client(&ctx[0]).await?;
        collect(client, &ctx[0], opts).await
    })
}

fn kinds(c: &Collection) -> BTreeSet<String> {
    c.resources.iter().map(|r| r.kind().to_string()).collect()
}

#[test]
fn reads_every_kind_folds_owned_pods_and_strips_secrets() {
    let fx = common::start(vec![("insecure", common::recorded("insecure", "v1.33.1"))]);
    let c = run(&fx, "insecure", &CollectOptions::default()).expect("collects");
    assert_eq!(c.server_version, "v1.33.1");
    assert!(c.not_evaluated.is_empty(), "{:?}", c.not_evaluated);
    let k = kinds(&c);
    for want in [
        "Namespace",
        "Node",
        "ServiceAccount",
        "Service",
        "ConfigMap",
        "Secret",
        "Deployment",
        "StatefulSet",
        "DaemonSet",
        "CronJob",
        "Ingress",
        "NetworkPolicy",
        "Role",
        "RoleBinding",
        "ClusterRoleBinding",
        "KubeletConfiguration",
    ] {
        assert!(k.contains(want), "{want} missing: {k:?}");
    }
    // Every pod, ReplicaSet and Job of the examples has a workload above it.
    for gone in ["Pod", "ReplicaSet", "Job"] {
        assert!(
            !k.contains(gone),
            "{gone} should be folded into its workload"
        );
    }
    assert!(c.folded > 0);
    let api = c
        .resources
        .iter()
        .find(|r| r.kind() == "Deployment" && r.id.name == "api")
        .expect("api deployment");
    assert_eq!(
        api.annotation(bulwark_cluster::owners::POD_COUNT),
        Some("2")
    );
    assert!(c.pod_counts.values().sum::<usize>() >= 2);
    for r in &c.resources {
        assert!(r.origin.file.is_none() && r.spans.is_none());
        assert!(!r.id.api_version.is_empty() && !r.id.kind.is_empty());
    }
    // Secret: type, keys, annotations; never a value.
    let planted = c
        .resources
        .iter()
        .find(|r| r.kind() == "Secret" && r.id.name == "planted")
        .expect("planted secret");
    assert_eq!(planted.value["type"], "Opaque");
    assert!(planted.value["metadata"].get("managedFields").is_none());
    assert_eq!(planted.value["data"], serde_json::json!({"token": ""}));
    let all = serde_json::to_string(&c.resources.iter().map(|r| &r.value).collect::<Vec<_>>())
        .expect("json");
    // (The examples also put this password in a ConfigMap, which is not a
    // Secret and is read whole: the credential-in-configmap rule needs it.)
    for secret in [
        common::PLANTED,
        &common::base64(common::PLANTED),
        &common::base64("s3cr3t-Passw0rd!"),
    ] {
        assert!(!all.contains(secret), "a secret value was collected");
    }
}

#[test]
fn page_size_does_not_change_what_is_read() {
    let fx = common::start(vec![("insecure", common::recorded("insecure", "v1.33.1"))]);
    let big = run(&fx, "insecure", &CollectOptions::default()).expect("collects");
    let small = run(
        &fx,
        "insecure",
        &CollectOptions {
            page_size: 1,
            concurrency: 3,
            ..Default::default()
        },
    )
    .expect("collects");
    let ids = |c: &Collection| c.resources.iter().map(|r| r.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&big), ids(&small));
    assert!(small.requests > big.requests + 10, "pages were not used");
}

#[test]
fn forbidden_lists_are_recorded_not_empty() {
    let mut data = common::recorded("insecure", "v1.33.1");
    data.forbid("rbac.authorization.k8s.io", "rolebindings");
    data.forbid("", "nodes/proxy");
    let fx = common::start(vec![("insecure", data)]);
    let c = run(&fx, "insecure", &CollectOptions::default()).expect("collects");
    let ne: Vec<_> = c
        .not_evaluated
        .iter()
        .map(|n| n.resource.as_str())
        .collect();
    assert_eq!(
        ne,
        [
            "nodes/node-1/proxy/configz",
            "rolebindings.rbac.authorization.k8s.io"
        ]
    );
    let rb = &c.not_evaluated[1];
    assert_eq!(rb.kind, "RoleBinding");
    assert!(rb.reason.starts_with("403 Forbidden"), "{}", rb.reason);
    assert!(!kinds(&c).contains("RoleBinding"));
}

#[test]
fn namespaces_restrict_and_typos_fail() {
    let fx = common::start(vec![("insecure", common::recorded("insecure", "v1.33.1"))]);
    let opts = CollectOptions {
        namespaces: vec!["shop".into()],
        ..Default::default()
    };
    let c = run(&fx, "insecure", &opts).expect("collects");
    let namespaces: BTreeSet<_> = c.resources.iter().filter_map(|r| r.namespace()).collect();
    assert_eq!(namespaces, BTreeSet::from(["shop"]));
    assert_eq!(
        c.resources
            .iter()
            .filter(|r| r.kind() == "Namespace")
            .count(),
        1
    );
    let opts = CollectOptions {
        namespaces: vec!["shpo".into()],
        ..Default::default()
    };
    match run(&fx, "insecure", &opts) {
        Err(Error::UnknownNamespace { name, .. }) => assert_eq!(name, "shpo"),
        other => panic!("expected an unknown-namespace error, got {other:?}"),
    }
}

#[test]
fn unknown_context_is_an_error_with_a_suggestion() {
    let fx = common::start(vec![("insecure", common::recorded("insecure", "v1.33.1"))]);
    let creds =
        Credentials::clone(&bulwark_cluster::config::load(Some(&fx.kubeconfig)).expect("loads"));
    let e = creds.select(&["insecrue".into()], false).expect_err("typo");
    let msg = e.to_string();
    assert!(msg.contains("did you mean \"insecure\""), "{msg}");
    assert_eq!(creds.select(&[], false).expect("current"), ["insecure"]);
}

#[test]
fn a_wrong_token_or_a_dead_server_is_an_error() {
    let fx = common::start(vec![("insecure", common::recorded("insecure", "v1.33.1"))]);
    let text = std::fs::read_to_string(&fx.kubeconfig).expect("kubeconfig");
    let bad = fx.dir.path().join("bad");
    std::fs::write(&bad, text.replace("bulwark-test-token", "wrong-token")).expect("write");
    let creds = bulwark_cluster::config::load(Some(&bad)).expect("loads");
    let r = rt().block_on(async {
        let client = creds.client("insecure").await?;
        collect(client, "insecure", &CollectOptions::default()).await
    });
    match r {
        Err(Error::Unreachable { message, .. }) => assert!(message.contains("401"), "{message}"),
        other => panic!("expected 401, got {other:?}"),
    }
}

#[test]
fn exec_credential_plugins_work() {
    use std::os::unix::fs::PermissionsExt;
    let fx = common::start(vec![("insecure", common::recorded("insecure", "v1.33.1"))]);
    let token = fx.servers[0].token.clone();
    // An exec plugin, as cloud providers ship them: it prints an ExecCredential.
    let plugin = fx.dir.path().join("credential-plugin");
    std::fs::write(
        &plugin,
        format!(
            "#!/bin/sh\necho '{{\"apiVersion\":\"client.authentication.k8s.io/v1\",\
             \"kind\":\"ExecCredential\",\"status\":{{\"token\":\"{token}\"}}}}'\n"
        ),
    )
    .expect("plugin");
    std::fs::set_permissions(&plugin, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let mut kc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&fx.kubeconfig).expect("read"))
            .expect("json");
    kc["users"][0]["user"] = serde_json::json!({"exec": {
        "apiVersion": "client.authentication.k8s.io/v1",
        "command": plugin.display().to_string(),
        "interactiveMode": "Never",
    }});
    let path = fx.dir.path().join("exec-kubeconfig");
    std::fs::write(&path, kc.to_string()).expect("write");
    let creds = bulwark_cluster::config::load(Some(&path)).expect("loads");
    let c = rt()
        .block_on(async {
            let client = creds.client("insecure").await?;
            collect(client, "insecure", &CollectOptions::default()).await
        })
        .expect("collects with the plugin's token");
    assert!(c.resources.len() > 20);
}

/// The example configures Istio; this copy is a cluster without it.
fn without_istio(
    mut d: bulwark_cluster::testserver::ClusterData,
) -> bulwark_cluster::testserver::ClusterData {
    d.objects.retain(|(g, _), _| !g.ends_with(".istio.io"));
    d.crd_groups.retain(|g| !g.ends_with(".istio.io"));
    d
}

#[test]
fn security_crds_are_read_when_installed_and_not_missed_when_not() {
    let mut with = common::recorded("insecure", "v1.33.1");
    with.insert(common::peer_authentication()).expect("served");
    let fx = common::start(vec![
        ("istio", with),
        (
            "plain",
            without_istio(common::recorded("insecure", "v1.33.1")),
        ),
    ]);
    let c = run(&fx, "istio", &CollectOptions::default()).expect("collects");
    let pa = c
        .resources
        .iter()
        .find(|r| r.kind() == "PeerAuthentication")
        .expect("PeerAuthentication read");
    assert_eq!(pa.value["spec"]["mtls"]["mode"], "DISABLE");
    assert!(c.not_evaluated.is_empty(), "{:?}", c.not_evaluated);
    let c = run(&fx, "plain", &CollectOptions::default()).expect("collects");
    assert!(!kinds(&c).contains("PeerAuthentication"));
    // No Istio on this cluster is not a gap in the scan.
    assert!(c.not_evaluated.is_empty(), "{:?}", c.not_evaluated);
}

#[test]
fn an_expired_continue_token_restarts_the_list_once() {
    let data = common::recorded("insecure", "v1.33.1");
    let expire = data.expire_continue.clone();
    let fx = common::start(vec![("insecure", data)]);
    let small = CollectOptions {
        page_size: 2,
        concurrency: 1,
        ..Default::default()
    };
    let clean = run(&fx, "insecure", &small).expect("collects");
    // One expiry per list is survived: same objects, same pod counts.
    expire.store(1, std::sync::atomic::Ordering::SeqCst);
    let again = run(&fx, "insecure", &small).expect("collects");
    let ids = |c: &Collection| c.resources.iter().map(|r| r.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&clean), ids(&again));
    assert_eq!(clean.pod_counts, again.pod_counts);
    assert!(again.not_evaluated.is_empty(), "{:?}", again.not_evaluated);
    // A list that keeps expiring is recorded, not passed.
    expire.store(usize::MAX, std::sync::atomic::Ordering::SeqCst);
    let broken = run(&fx, "insecure", &small).expect("collects");
    expire.store(0, std::sync::atomic::Ordering::SeqCst);
    assert!(!broken.not_evaluated.is_empty());
    assert!(
        broken
            .not_evaluated
            .iter()
            .all(|n| n.reason.starts_with("410 Expired")),
        "{:?}",
        broken.not_evaluated
    );
}

#[test]
fn metadata_only_secrets_carry_no_value_either() {
    let fx = common::start(vec![("insecure", common::recorded("insecure", "v1.33.1"))]);
    let opts = CollectOptions {
        secrets: bulwark_cluster::SecretMode::Metadata,
        ..Default::default()
    };
    let c = run(&fx, "insecure", &opts).expect("collects");
    let planted = c
        .resources
        .iter()
        .find(|r| r.kind() == "Secret" && r.id.name == "planted")
        .expect("planted secret, as metadata");
    assert!(planted.value.get("data").is_none() && planted.value.get("type").is_none());
    let all = serde_json::to_string(&c.resources.iter().map(|r| &r.value).collect::<Vec<_>>())
        .expect("json");
    assert!(!all.contains(common::PLANTED) && !all.contains(&common::base64(common::PLANTED)));
    assert!(!all.contains(bulwark_cluster::secret::LAST_APPLIED));
}

#[test]
fn a_kubectl_dump_folds_to_what_a_cluster_scan_reads() {
    let data = common::recorded("insecure", "v1.33.1");
    // Everything `kubectl get -A -o json` would print, owned pods included.
    let mut dump: Vec<bulwark_core::Resource> = data
        .objects
        .values()
        .flatten()
        .map(|v| bulwark_core::Resource::new(v.clone(), Default::default(), None))
        .collect();
    assert!(dump.iter().any(|r| r.kind() == "Pod"));
    let counts = bulwark_cluster::owners::fold_owned(&mut dump);
    let fx = common::start(vec![("insecure", data)]);
    let live = run(
        &fx,
        "insecure",
        &CollectOptions {
            configz: false,
            ..Default::default()
        },
    )
    .expect("collects");
    let ids = |rs: &[bulwark_core::Resource]| {
        let mut v: Vec<_> = rs.iter().map(|r| r.id.clone()).collect();
        v.sort();
        v
    };
    // A dump has no `/version`; the live scan keeps it as one object.
    let (version, objects): (Vec<_>, Vec<_>) = live
        .resources
        .iter()
        .cloned()
        .partition(|r| r.kind() == bulwark_core::server_version::KIND);
    assert_eq!(version.len(), 1);
    assert_eq!(version[0].value["gitVersion"], "v1.33.1");
    assert_eq!(ids(&dump), ids(&objects));
    assert_eq!(counts, live.pod_counts);
}

#[test]
fn a_server_handing_out_endless_or_repeated_continue_tokens_is_not_followed_forever() {
    use bulwark_cluster::testserver::continue_fault;
    let data = common::recorded("insecure", "v1.33.1");
    let fault = data.continue_fault.clone();
    let fx = common::start(vec![("insecure", data)]);
    let opts = CollectOptions {
        concurrency: 4,
        max_pages: 20,
        configz: false,
        ..Default::default()
    };
    for (mode, why) in [
        (continue_fault::REPEAT, "repeated a continue token"),
        (continue_fault::FRESH, "kept answering with continue tokens"),
    ] {
        fault.store(mode, std::sync::atomic::Ordering::SeqCst);
        let c = run(&fx, "insecure", &opts).expect("collects");
        assert!(!c.not_evaluated.is_empty(), "{why}");
        assert!(
            c.not_evaluated.iter().all(|n| n.reason.contains(why)),
            "{why}: {:?}",
            c.not_evaluated
        );
    }
    fault.store(continue_fault::NONE, std::sync::atomic::Ordering::SeqCst);
}
