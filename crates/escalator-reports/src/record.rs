use escalator_proto::v1::{ResolutionCategory, SupportTier};
use serde::{Deserialize, Serialize};

/// One day in milliseconds; trend buckets and rates are per day.
pub const DAY_MS: i64 = 86_400_000;

/// What the aggregator keeps about one escalation; the input of every report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EscalationRecord {
    pub escalation_id: String,
    pub ticket_id: String,
    pub domain: String,
    pub queue: String,
    /// "l2" or "l3".
    pub tier: String,
    pub customer_tier: String,
    pub priority: String,
    pub specialist: Option<String>,
    pub queue_entered_ms: i64,
    pub escalated_ms: i64,
    pub routed_ms: Option<i64>,
    pub accepted_ms: Option<i64>,
    pub resolved_ms: Option<i64>,
    pub sent_back_ms: Option<i64>,
    /// Replaced by the ticket's next escalation (L2 -> L3, ping-pong) while
    /// still open: it leaves its queue then, unresolved.
    pub superseded_ms: Option<i64>,
    pub reroutes: u32,
    pub reopened: bool,
    pub sla_breached: bool,
    pub resolution_code: String,
    /// how_to, known_issue, configuration, user_error, bug_fix, workaround,
    /// no_fault_found, duplicate, other, or "".
    pub resolution_category: String,
    pub resolution_notes: String,
    pub kb_articles: Vec<String>,
    /// Top error code or exception type as extracted; may be empty.
    pub error_signature: String,
    pub subject: String,
}

impl EscalationRecord {
    /// When it ended: resolved, sent back to L1 or superseded.
    pub fn ended_ms(&self) -> Option<i64> {
        self.resolved_ms
            .or(self.sent_back_ms)
            .or(self.superseded_ms)
    }
}

/// Half-open report window; a record belongs to it when `escalated_ms` is in `[start_ms, end_ms)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub start_ms: i64,
    pub end_ms: i64,
}

impl Window {
    pub fn contains(&self, t_ms: i64) -> bool {
        t_ms >= self.start_ms && t_ms < self.end_ms
    }

    pub fn includes(&self, r: &EscalationRecord) -> bool {
        self.contains(r.escalated_ms)
    }
}

/// Configured size of a specialist queue.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueCapacity {
    pub queue: String,
    pub domain: String,
    pub specialists: u32,
    /// Escalations the queue can hold open at once.
    pub capacity: u32,
}

pub(crate) fn tier_enum(tier: &str) -> SupportTier {
    match tier.trim().to_ascii_lowercase().as_str() {
        "l1" => SupportTier::L1,
        "l2" => SupportTier::L2,
        "l3" => SupportTier::L3,
        _ => SupportTier::Unspecified,
    }
}

pub(crate) fn category_enum(category: &str) -> ResolutionCategory {
    match category.trim().to_ascii_lowercase().as_str() {
        "how_to" => ResolutionCategory::HowTo,
        "known_issue" => ResolutionCategory::KnownIssue,
        "configuration" => ResolutionCategory::Configuration,
        "user_error" => ResolutionCategory::UserError,
        "bug_fix" => ResolutionCategory::BugFix,
        "workaround" => ResolutionCategory::Workaround,
        "no_fault_found" => ResolutionCategory::NoFaultFound,
        "duplicate" => ResolutionCategory::Duplicate,
        "other" => ResolutionCategory::Other,
        _ => ResolutionCategory::Unspecified,
    }
}

/// Most frequent value; ties go to the smallest so output is deterministic.
pub(crate) fn most_common<'a, I: IntoIterator<Item = &'a str>>(values: I) -> Option<String> {
    let mut counts = std::collections::BTreeMap::<&str, usize>::new();
    for v in values {
        *counts.entry(v).or_default() += 1;
    }
    let mut best: Option<(&str, usize)> = None;
    for (v, c) in counts {
        if best.is_none_or(|(_, bc)| c > bc) {
            best = Some((v, c));
        }
    }
    best.map(|(v, _)| v.to_string())
}
