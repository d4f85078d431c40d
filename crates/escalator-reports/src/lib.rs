//! Pure computations behind the aggregator's reports and KB suggestions.
//!
//! Every function takes records and an injected `now_ms`; nothing here reads
//! the clock or does I/O, so the aggregator can recompute any report from its
//! stored state and tests need no broker.

mod deflection;
mod kb;
mod percentile;
mod record;
pub mod render;
mod report;
mod resolution;
mod signature;
mod utilization;

pub use deflection::{deflection_report, is_deflectable, specialist_ms};
pub use kb::{first_recurrence, kb_suggestions, rate_before_after, suggestion_id};
pub use percentile::percentile;
pub use record::{DAY_MS, EscalationRecord, QueueCapacity, Window};
pub use report::wrap_report;
pub use resolution::resolution_report;
pub use signature::{normalize, signature};
pub use utilization::utilization_report;
