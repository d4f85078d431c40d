//! The Kafka driver: exactly-once consume-transform-produce.
//!
//! - `settings`: typed client settings and the librdkafka configs they become.
//! - `context`: rebalance callbacks, queued for the driver loop.
//! - `restore`: rebuilds a partition's state and timers from its changelog.
//! - `admin`: creates changelog topics co-partitioned with their inputs.
//! - `driver`: the loop (batch, process, produce, commit) and its error policy.

mod admin;
mod context;
mod driver;
mod publisher;
mod restore;
mod settings;
mod tail;

pub use admin::{TopicSpec, changelog_topic, ensure_topics};
pub use driver::{BatchSummary, CommitVerdict, DriverError, KafkaDriver};
pub use publisher::Publisher;
pub use settings::{KafkaSettings, SecuritySettings, TimeMode};
pub use tail::{Tailed, tail};
