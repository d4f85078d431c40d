//! The aggregator's settings.

use escalator_service::ServiceSettings;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct Topics {
    /// Decisions, and the specialist actions and reopenings the evaluator
    /// forwards there in ticket order. (The events topic is not read: an
    /// `events` key from older configs is ignored.)
    pub decisions: String,
    /// Routed topics, one per domain: `<routed_prefix><domain>`.
    pub routed_prefix: String,
    pub domains: Vec<String>,
    pub kb_updates: String,
    /// Ended deflectable escalations keyed by problem signature: the
    /// aggregator writes and reads it to count each problem across all
    /// partitions. Same partition count as the other inputs.
    pub problems: String,
}

impl Default for Topics {
    fn default() -> Self {
        Topics {
            decisions: "escalations.decisions".into(),
            routed_prefix: "escalations.routed.".into(),
            domains: [
                "database",
                "networking",
                "identity",
                "platform",
                "billing",
                "frontend",
                "data-pipeline",
                "triage",
            ]
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
            kb_updates: "kb.updates".into(),
            problems: "escalations.problems".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct AggregatorSettings {
    #[serde(flatten)]
    pub service: ServiceSettings,
    pub topics: Topics,
    /// Recurrence window for KB suggestions, and how long ended escalations are kept.
    pub window_ms: i64,
    /// Recurrences of a deflectable problem within the window that trigger a
    /// suggestion (1 to 64).
    pub kb_min_count: usize,
    /// Queue capacities for utilization (the router's routing file; empty:
    /// the built-in default).
    pub routing_file: String,
}

impl Default for AggregatorSettings {
    fn default() -> Self {
        let mut service = ServiceSettings::default();
        service.kafka.group_id = "escalator-aggregator".into();
        service.http.listen = "127.0.0.1:9465".into();
        service.dead_letters.topic = "tickets.dlq".into();
        AggregatorSettings {
            service,
            topics: Topics::default(),
            window_ms: 30 * 24 * 60 * 60 * 1000,
            kb_min_count: 5,
            routing_file: String::new(),
        }
    }
}
