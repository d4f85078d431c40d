//! Shared pieces of the cross-crate tests: a small counting processor whose
//! correct output is easy to state, and helpers that talk to the broker named
//! by `ESCALATOR_KAFKA_BOOTSTRAP`.

// Test support: failing loudly is the point here.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

pub mod counting;
pub mod embedded_sink;
pub mod groups;
pub mod http;
pub mod kafka;
pub mod kills;
pub mod process;
pub mod promtool;
pub mod services;
