//! Liveness and readiness, shared between a driver and the HTTP endpoints.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

#[derive(Debug, Clone, Default)]
pub struct Health(Arc<Inner>);

#[derive(Debug, Default)]
struct Inner {
    started: AtomicBool,
    restoring: AtomicUsize,
    failed: AtomicBool,
}

impl Health {
    /// The driver is connected and consuming.
    pub fn set_started(&self) {
        self.0.started.store(true, Ordering::SeqCst);
    }

    pub fn restore_begin(&self) {
        self.0.restoring.fetch_add(1, Ordering::SeqCst);
    }

    pub fn restore_end(&self) {
        self.0.restoring.fetch_sub(1, Ordering::SeqCst);
    }

    pub fn set_failed(&self) {
        self.0.failed.store(true, Ordering::SeqCst);
    }

    /// Alive unless the driver hit a fatal error.
    pub fn is_live(&self) -> bool {
        !self.0.failed.load(Ordering::SeqCst)
    }

    /// Ready once started and no partition is being restored.
    pub fn is_ready(&self) -> bool {
        self.is_live()
            && self.0.started.load(Ordering::SeqCst)
            && self.0.restoring.load(Ordering::SeqCst) == 0
    }
}
