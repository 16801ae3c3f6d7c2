//! Credentials from the environment, kubectl's order: KUBECONFIG when no
//! file is given. (A test binary of its own: it changes the environment,
//! which no other thread may read meanwhile.)

#[test]
fn kubeconfig_env_is_read_when_no_file_is_given() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    let cfg = |ctx: &str| {
        serde_json::json!({"apiVersion": "v1", "kind": "Config",
            "clusters": [{"name": ctx, "cluster": {"server": "https://127.0.0.1:1"}}],
            "users": [{"name": ctx, "user": {"token": "t"}}],
            "contexts": [{"name": ctx, "context": {"cluster": ctx, "user": ctx}}],
            "current-context": ctx})
        .to_string()
    };
    std::fs::write(&a, cfg("one")).expect("write");
    std::fs::write(&b, cfg("two")).expect("write");
    let joined = format!("{}:{}", a.display(), b.display());
    // SAFETY: the only test of this binary; nothing else runs meanwhile.
    unsafe { std::env::set_var("KUBECONFIG", &joined) };
    let creds = bulwark_cluster::config::load(None);
    unsafe { std::env::remove_var("KUBECONFIG") };
    let creds = creds.expect("KUBECONFIG read");
    // The files are merged, as kubectl merges them; the first sets the current context.
    assert_eq!(creds.contexts(), ["one", "two"]);
    assert_eq!(creds.select(&[], false).expect("current"), ["one"]);
    assert_eq!(creds.select(&[], true).expect("all"), ["one", "two"]);
    assert!(creds.from().starts_with("KUBECONFIG="));
}
