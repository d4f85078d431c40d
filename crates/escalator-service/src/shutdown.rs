//! SIGTERM and SIGINT become a flag the driver checks between batches: it
//! finishes (or aborts) the open transaction, leaves the group and returns.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Waits for SIGTERM or SIGINT, then raises `flag`.
pub async fn on_signal(flag: Arc<AtomicBool>) {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        _ = term => tracing::info!("SIGTERM received: draining"),
        _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT received: draining"),
    }
    flag.store(true, Ordering::SeqCst);
}
