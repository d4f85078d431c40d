//! The Kafka driver: exactly-once consume-transform-produce.
//!
//! - `settings`: typed client settings and the librdkafka configs they become.
//! - `context`: rebalance callbacks, queued for the driver loop.
//! - `restore`: rebuilds a partition's state and timers from its changelog.
//! - `admin`: creates changelog topics co-partitioned with their inputs.
//! - `driver`: the loop (batch, process, produce, commit) and its error policy.

//!
//! Without the `kafka` feature only the settings types remain (services'
//! settings embed them), so the embedded product builds without librdkafka.

#[cfg(feature = "kafka")]
mod admin;
#[cfg(feature = "kafka")]
mod context;
#[cfg(feature = "kafka")]
mod driver;
#[cfg(feature = "kafka")]
mod publisher;
#[cfg(feature = "kafka")]
mod restore;
mod settings;
#[cfg(feature = "kafka")]
mod tail;

#[cfg(feature = "kafka")]
pub use admin::{TopicSpec, changelog_topic, ensure_topics};
#[cfg(feature = "kafka")]
pub use driver::{BatchSummary, CommitVerdict, DriverError, KafkaDriver};
#[cfg(feature = "kafka")]
pub use publisher::Publisher;
pub use settings::{KafkaSettings, SecuritySettings, TimeMode};
#[cfg(feature = "kafka")]
pub use tail::{Tailed, tail};
