//! The aggregator: what happens to escalations after the decision.
//!
//! - `lifecycle`: one escalation's record folded from decision, routing and
//!   specialist events; hop durations; whether L1 could have solved it;
//! - `processor`: the stream processor (Prometheus histograms per hop, ended
//!   records kept for the window, knowledge-base suggestions);
//! - `settings`, `metrics`. The report computations live in
//!   `escalator-reports`.

pub mod http;
pub mod lifecycle;
pub mod metrics;
pub mod processor;
pub mod settings;

pub use processor::Aggregator;
pub use settings::AggregatorSettings;
