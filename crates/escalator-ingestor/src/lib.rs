//! The ingestor: ticket events from ticketing systems, normalized into
//! `escalator.v1.TicketEvent`.
//!
//! - `adapters`: one pure function per source format (canonical JSON,
//!   protobuf, Zendesk, Jira), source detection and common validation;
//! - `limits`, `text`, `time`, `mapping`: what the adapters share;
//! - `dedup` and `processor`: the stream processor (dedup by event id);
//! - `signature` and `webhook`: the authenticated HTTP ingress;
//! - `settings`, `metrics`.

pub mod adapters;
pub mod dedup;
pub mod error;
pub mod limits;
pub mod mapping;
pub mod metrics;
pub mod processor;
pub mod settings;
pub mod signature;
pub mod text;
pub mod time;
pub mod webhook;

pub use processor::Ingestor;
pub use settings::IngestorSettings;

impl Ingestor {
    pub fn from_settings(s: &IngestorSettings) -> Self {
        Ingestor {
            mappings: s.mappings.clone(),
            limits: s.limits.clone(),
            events_topic: s.topics.events.clone(),
            dedup_window_ms: s.dedup_window_ms,
        }
    }
}
