//! Waiting for the end of a server's life: SIGTERM (what a kubelet sends
//! before it kills the pod) or SIGINT. Both handlers are registered before
//! `on_ready` announces the server, so a signal right after the
//! announcement is never the default (fatal) action.

pub fn wait_for_termination(on_ready: impl FnOnce()) -> Result<(), String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            // Both are registered here, when created, not when polled.
            let mut term = signal(SignalKind::terminate()).map_err(|e| e.to_string())?;
            let mut int = signal(SignalKind::interrupt()).map_err(|e| e.to_string())?;
            on_ready();
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        }
        #[cfg(not(unix))]
        {
            let int = tokio::signal::ctrl_c();
            on_ready();
            let _ = int.await;
        }
        Ok::<(), String>(())
    })
}
