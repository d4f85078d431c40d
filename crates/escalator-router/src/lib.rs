//! The router: technology-domain classification and capacity-aware routing
//! of escalations to per-domain specialist topics.
//!
//! - `config`: domains, queues and signals (TOML), validated;
//! - `features`, `classify`, `model`: what is looked at, scored and learned;
//! - `capacity`: queue choice with overflow and an urgent reserve;
//! - `state`, `processor`: the stream processor; `settings`, `metrics`.

pub mod capacity;
pub mod classify;
pub mod config;
pub mod features;
pub mod metrics;
pub mod model;
pub mod processor;
pub mod settings;
pub mod state;

pub use config::Routing;
pub use processor::Router;
pub use settings::RouterSettings;
