//! The ingestor's settings: the shared service sections plus topics, limits,
//! dedup window, webhooks and the organisation's field mappings.

use escalator_service::ServiceSettings;
use serde::{Deserialize, Serialize};

use crate::limits::Limits;
use crate::mapping::Mappings;
use crate::webhook::WebhookSettings;

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct Topics {
    pub raw: String,
    pub events: String,
}

impl Default for Topics {
    fn default() -> Self {
        Topics {
            raw: "tickets.raw".into(),
            events: "tickets.events".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct IngestorSettings {
    #[serde(flatten)]
    pub service: ServiceSettings,
    pub topics: Topics,
    pub limits: Limits,
    /// How long an event id is remembered to drop redeliveries.
    pub dedup_window_ms: i64,
    pub webhooks: WebhookSettings,
    pub mappings: Mappings,
}

impl Default for IngestorSettings {
    fn default() -> Self {
        let mut service = ServiceSettings::default();
        service.kafka.group_id = "escalator-ingestor".into();
        service.http.listen = "127.0.0.1:9461".into();
        IngestorSettings {
            service,
            topics: Topics::default(),
            limits: Limits::default(),
            dedup_window_ms: 24 * 60 * 60 * 1000,
            webhooks: WebhookSettings::default(),
            mappings: Mappings::default(),
        }
    }
}

impl IngestorSettings {
    pub fn validate(&self) -> Result<(), String> {
        crate::mapping::validate(&self.mappings)?;
        if self.dedup_window_ms <= 0 {
            return Err("dedup_window_ms must be positive".into());
        }
        if self.limits.max_body_bytes == 0 || self.limits.max_depth == 0 {
            return Err("limits.max_body_bytes and limits.max_depth must be positive".into());
        }
        Ok(())
    }
}
