//! `admit serve --watch-namespaces`: keeps the webhook's Namespace cache
//! equal to the cluster's, so Pod Security levels come from the labels the
//! cluster has, not only from the Namespace requests the webhook saw.
//!
//! The cache is relisted on a period rather than watched: namespaces
//! change rarely, and every change made through the API server reaches the
//! webhook as a Namespace request first (except in the namespaces the
//! webhook configuration excludes); the relist repairs what the webhook
//! could not see (changes rejected by a later admission step, deletions,
//! namespaces that existed before the webhook started).

use std::sync::Arc;
use std::time::Duration;

use bulwark_admission::Admitter;
use bulwark_cluster::CollectOptions;

use crate::admit_cmd::WatchArgs;

/// Starts the relist loop on its own thread. Errors here are about the
/// command line or the kubeconfig; a cluster that cannot be reached keeps
/// the server unready (with the reason on /readyz) and is retried.
pub fn follow(admitter: &Arc<Admitter>, w: &WatchArgs) -> Result<(), String> {
    let every = Duration::try_from_secs_f64(w.namespace_resync)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or("--namespace-resync: a positive number of seconds")?;
    bulwark_cluster::install_crypto_provider();
    let creds =
        bulwark_cluster::config::load(w.kubeconfig.as_deref()).map_err(|e| e.to_string())?;
    let requested: Vec<String> = w.context.iter().cloned().collect();
    let context = creds
        .select(&requested, false)
        .map_err(|e| e.to_string())?
        .into_iter()
        .next()
        .ok_or("no context selected")?;
    admitter.namespaces.require_list();
    let admitter = admitter.clone();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the namespace watcher: {e}"))?;
    std::thread::Builder::new()
        .name("namespaces".into())
        .spawn(move || rt.block_on(relist(admitter, creds, context, every)))
        .map_err(|e| format!("cannot start the namespace watcher: {e}"))?;
    Ok(())
}

async fn relist(
    admitter: Arc<Admitter>,
    creds: bulwark_cluster::Credentials,
    context: String,
    every: Duration,
) {
    let opts = CollectOptions {
        request_timeout: every.clamp(Duration::from_secs(1), Duration::from_secs(30)),
        ..Default::default()
    };
    let mut client = None;
    let mut last_error: Option<String> = None;
    let mut announced = false;
    loop {
        if client.is_none() {
            match creds.client(&context).await {
                Ok(c) => client = Some(c),
                Err(e) => last_error = report(&admitter, last_error, e.to_string()),
            }
        }
        if let Some(c) = &client {
            match bulwark_cluster::list_namespaces(c, &opts).await {
                Ok(list) => {
                    let n = list.len();
                    admitter.namespaces.replace(list);
                    if !announced || last_error.is_some() {
                        errln!("bulwark: {n} namespaces listed from context {context}");
                        announced = true;
                    }
                    last_error = None;
                }
                Err(e) => {
                    last_error = report(&admitter, last_error, format!("context {context}: {e}"))
                }
            }
        }
        tokio::time::sleep(every).await;
    }
}

/// Records a failure; says it on stderr only when it is not the one
/// already said (a relist every few seconds must not flood the log).
fn report(admitter: &Admitter, last: Option<String>, now: String) -> Option<String> {
    if last.as_deref() != Some(now.as_str()) {
        errln!("bulwark: namespaces not listed: {now}");
    }
    admitter.namespaces.list_failed(now.clone());
    Some(now)
}
