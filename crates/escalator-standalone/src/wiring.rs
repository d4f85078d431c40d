//! The pipeline: the same processors and topic names as the Kafka services,
//! connected in memory. Routed escalations are exported (they also go to the
//! outbox, for the file sink) although the aggregator consumes them.

use std::path::Path;
use std::sync::Arc;

use escalator_aggregator::Aggregator;
use escalator_evaluator::Evaluator;
use escalator_ingestor::Ingestor;
use escalator_router::Router;
use escalator_runtime::Clock;
use escalator_runtime::dlq::DeadLetterSettings;
use escalator_runtime::embedded::{EmbeddedError, Pipeline};

use crate::config::Config;

pub const RAW: &str = "tickets.raw";
pub const EVENTS: &str = "tickets.events";
pub const DECISIONS: &str = "escalations.decisions";
pub const ROUTED_PREFIX: &str = "escalations.routed.";
pub const KB_UPDATES: &str = "kb.updates";
pub const PROBLEMS: &str = "escalations.problems";
pub const DEAD_LETTERS: &str = "tickets.dlq";

/// Processor names, for state queries.
pub const EVALUATOR: &str = "evaluator";
pub const AGGREGATOR: &str = "aggregator";

pub fn open(dir: &Path, cfg: &Config, clock: Arc<dyn Clock>) -> Result<Pipeline, EmbeddedError> {
    let dead_letters = DeadLetterSettings {
        topic: DEAD_LETTERS.into(),
        ..DeadLetterSettings::default()
    };
    let mut p = Pipeline::open(dir, dead_letters, clock)?;
    let mut ingestor = Ingestor::from_settings(&cfg.ingestor);
    ingestor.events_topic = EVENTS.into();
    p.add(ingestor, &[RAW])?;
    p.add(
        Evaluator {
            policy: cfg.policy.clone(),
            decisions_topic: DECISIONS.into(),
            retention_ms: cfg.retention_ms,
        },
        &[EVENTS],
    )?;
    p.add(
        Router {
            routing: cfg.routing.clone(),
            decisions_topic: DECISIONS.into(),
            routed_prefix: ROUTED_PREFIX.into(),
            capacity_partitions: 1,
        },
        &[DECISIONS],
    )?;
    let routed: Vec<String> = cfg
        .routing
        .domains
        .iter()
        .map(|d| format!("{ROUTED_PREFIX}{}", d.name))
        .collect();
    let mut inputs = vec![DECISIONS];
    inputs.extend(routed.iter().map(String::as_str));
    inputs.push(PROBLEMS);
    p.add(
        Aggregator {
            decisions_topic: DECISIONS.into(),
            routed_prefix: ROUTED_PREFIX.into(),
            kb_topic: KB_UPDATES.into(),
            problems_topic: PROBLEMS.into(),
            window_ms: cfg.window_ms,
            kb_min_count: cfg.kb_min_count,
        },
        &inputs,
    )?;
    p.export(ROUTED_PREFIX);
    Ok(p)
}
