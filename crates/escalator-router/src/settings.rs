//! The router's settings.

use escalator_service::ServiceSettings;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct Topics {
    /// Decisions, and the specialist lifecycle events the evaluator
    /// forwards on the same topic (one ordered input per ticket).
    pub decisions: String,
    /// Routed escalations go to `<routed_prefix><domain>`.
    pub routed_prefix: String,
}

impl Default for Topics {
    fn default() -> Self {
        Topics {
            decisions: "escalations.decisions".into(),
            routed_prefix: "escalations.routed.".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct RouterSettings {
    #[serde(flatten)]
    pub service: ServiceSettings,
    pub topics: Topics,
    /// Domains and queues (TOML); empty: the built-in default.
    pub routing_file: String,
    /// Partitions of the decisions topic: each enforces its share of every
    /// queue's capacity (queue load is tracked per partition).
    pub capacity_partitions: u32,
}

impl Default for RouterSettings {
    fn default() -> Self {
        let mut service = ServiceSettings::default();
        service.kafka.group_id = "escalator-router".into();
        service.http.listen = "127.0.0.1:9463".into();
        service.dead_letters.topic = "tickets.dlq".into();
        RouterSettings {
            service,
            topics: Topics::default(),
            routing_file: String::new(),
            capacity_partitions: 1,
        }
    }
}
