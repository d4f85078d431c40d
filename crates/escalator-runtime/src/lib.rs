//! The stream runtime: one processor contract, two drivers.
//!
//! - [`processor`]: what a service implements (pure: state + record + time in,
//!   outputs + state changes + timers out).
//! - [`kafka`]: the production driver, exactly-once over Kafka transactions
//!   with changelog-backed state.
//! - [`embedded`]: the one-machine driver, processors wired in one process
//!   with state in a local data directory.

pub mod clock;
pub mod dlq;
pub mod embedded;
pub mod headers;
pub mod health;
mod inline;
pub mod kafka;
pub mod metrics;
pub mod processor;
pub mod query;
pub mod secret;
pub mod store;
pub mod task;
pub mod timers;

pub use clock::{Clock, ManualClock, SystemClock};
pub use dlq::{DeadLetterSettings, PayloadPolicy};
pub use health::Health;
pub use processor::{Ctx, Header, Millis, Output, Processor, Record, Rejection, StateCodec, Timer};
pub use secret::Secret;
pub use task::Task;
