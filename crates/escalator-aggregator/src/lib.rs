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

/// Queue capacities for the utilization report, from the routing
/// configuration.
pub fn queue_capacities(
    routing: &escalator_router::Routing,
) -> Vec<escalator_reports::QueueCapacity> {
    routing
        .domains
        .iter()
        .map(|d| escalator_reports::QueueCapacity {
            queue: d.queue.clone(),
            domain: d.name.clone(),
            specialists: d.specialists,
            capacity: d.capacity(),
        })
        .collect()
}
