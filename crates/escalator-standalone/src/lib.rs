//! The one-machine product: the ingestor, evaluator, router and aggregator
//! processors wired on the runtime's embedded driver, with no broker.
//!
//! - `config`: the policy, routing and ingestor settings the four share.
//! - `wiring`: the pipeline itself (topics and which processor reads what).
//! - `events`: reading canonical JSON-lines event files with their event time.
//! - `replay`: recorded events through the processors on event time.
//! - `diff`: what a second policy changes on the same history.
//! - `sink`: routed escalations, KB suggestions and dead letters to files.
//! - `live`: `escalator run` — the pipeline thread, its inputs and HTTP.

pub mod config;
pub mod diff;
pub mod events;
pub mod live;
pub mod replay;
pub mod sink;
pub mod wiring;

pub use config::Config;
