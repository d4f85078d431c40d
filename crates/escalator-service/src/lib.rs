//! What every Escalator service shares around its processor:
//!
//! - `settings`: defaults, then a TOML file, then `ESCALATOR__...` variables;
//! - `http`: `/metrics`, `/healthz`, `/readyz`, plus the service's own routes;
//! - `telemetry`: JSON logs (redacted), Prometheus recorder, optional OTLP;
//! - `shutdown`: SIGTERM/SIGINT to a flag the driver drains on;
//! - `kafka_service`: runs a processor on the Kafka driver with all of the above.

pub mod http;
pub mod kafka_service;
pub mod settings;
pub mod shutdown;
pub mod telemetry;

pub use kafka_service::ServiceSettings;
#[cfg(feature = "kafka")]
pub use kafka_service::run_kafka_service;
pub use settings::{SettingsError, load_settings};
