//! What the four processors need, in one place: the escalation policy, the
//! routing configuration, and the ingestor's mappings and limits. Defaults
//! are the shipped `deploy/` files, compiled in.

use std::path::Path;
use std::sync::Arc;

use escalator_aggregator::AggregatorSettings;
use escalator_evaluator::{EvaluatorSettings, Policy};
use escalator_ingestor::IngestorSettings;
use escalator_reports::QueueCapacity;
use escalator_router::Routing;

#[derive(Clone)]
pub struct Config {
    pub policy: Arc<Policy>,
    pub routing: Arc<Routing>,
    pub ingestor: IngestorSettings,
    /// How long a resolved ticket's evaluator state is kept.
    pub retention_ms: i64,
    /// The aggregator's recurrence window and kept history.
    pub window_ms: i64,
    /// Recurrences of a deflectable problem that trigger a KB suggestion.
    pub kb_min_count: usize,
}

impl Config {
    /// `policy` and `routing` default to the shipped files.
    pub fn load(policy: Option<&Path>, routing: Option<&Path>) -> Result<Config, String> {
        let policy = match policy {
            Some(p) => Policy::load(p),
            None => Policy::default_config(),
        }
        .map_err(|e| e.to_string())?;
        let routing = match routing {
            Some(p) => Routing::load(p),
            None => Routing::default_config(),
        }
        .map_err(|e| e.to_string())?;
        let ingestor = IngestorSettings::default();
        ingestor.validate()?;
        let evaluator = EvaluatorSettings::default();
        let aggregator = AggregatorSettings::default();
        Ok(Config {
            policy: Arc::new(policy),
            routing: Arc::new(routing),
            ingestor,
            retention_ms: evaluator.retention_ms,
            window_ms: aggregator.window_ms,
            kb_min_count: aggregator
                .kb_min_count
                .clamp(1, escalator_aggregator::processor::MAX_OCCURRENCES),
        })
    }

    /// Queue capacities for the utilization report.
    pub fn queues(&self) -> Vec<QueueCapacity> {
        escalator_aggregator::queue_capacities(&self.routing)
    }
}
