//! The evaluator: decides when an L1 case must escalate, and explains why.
//!
//! - `policy`: the TOML policy, validated with file/line/rule errors;
//! - `state`: per-ticket state folded from events (event-time ordered;
//!   `shared`: the encoding of its shared fields);
//! - `rules`, `complexity`, `custom`: evaluation at an injected time;
//! - `packet`, `ids`: the decision's handoff packet and deterministic id;
//! - `processor`: the stream processor with durable deadlines;
//! - `explain`: the "why not yet" answer; `settings`, `metrics`.

pub mod complexity;
pub mod custom;
pub mod explain;
pub mod http;
pub mod ids;
pub mod metrics;
pub mod packet;
pub mod policy;
pub mod processor;
pub mod rules;
pub mod settings;
mod shared;
pub mod state;

pub use policy::{Policy, PolicyError};
pub use processor::Evaluator;
pub use settings::EvaluatorSettings;
