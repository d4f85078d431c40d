//! The evaluator's settings: the shared service sections, topics, the policy
//! file and how long resolved tickets are remembered.

use escalator_service::ServiceSettings;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct Topics {
    pub events: String,
    pub decisions: String,
}

impl Default for Topics {
    fn default() -> Self {
        Topics {
            events: "tickets.events".into(),
            decisions: "escalations.decisions".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct EvaluatorSettings {
    #[serde(flatten)]
    pub service: ServiceSettings,
    pub topics: Topics,
    /// The escalation policy (TOML); check it with `escalator check-config`.
    pub policy_file: String,
    /// How long a resolved ticket's state is kept, so a reopen is counted.
    pub retention_ms: i64,
}

impl Default for EvaluatorSettings {
    fn default() -> Self {
        let mut service = ServiceSettings::default();
        service.kafka.group_id = "escalator-evaluator".into();
        service.http.listen = "127.0.0.1:9462".into();
        service.dead_letters.topic = "tickets.dlq".into();
        EvaluatorSettings {
            service,
            topics: Topics::default(),
            policy_file: "deploy/policy.toml".into(),
            retention_ms: 30 * 24 * 60 * 60 * 1000,
        }
    }
}
