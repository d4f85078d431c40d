//! The router: technology-domain classification and capacity-aware routing
//! of escalations to per-domain specialist topics.
//!
//! - `config`: domains, queues and signals (TOML), validated;
//! - `features`, `classify`, `model`: what is looked at, scored and learned;
//!   `compiled`: the per-config part of classification, prepared once;
//! - `capacity`: queue choice with overflow and an urgent reserve;
//! - `state`, `processor`: the stream processor; `settings`, `metrics`.

pub mod capacity;
pub mod classify;
mod compiled;
pub mod config;
pub mod features;
pub mod metrics;
pub mod model;
pub mod processor;
pub mod settings;
pub mod state;
#[cfg(test)]
mod test_corpus;

pub use config::Routing;
pub use processor::Router;
pub use settings::RouterSettings;
