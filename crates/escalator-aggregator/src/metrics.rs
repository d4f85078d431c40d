//! The aggregator's metrics. Labels are bounded: hop (five names), domain
//! (configured), tier (l2/l3), customer tier (four names and unknown).

use metrics::{Unit, describe_counter, describe_histogram};

pub const HOP_SECONDS: &str = "escalator_aggregator_hop_duration_seconds";
pub const ESCALATIONS: &str = "escalator_aggregator_escalations_total";
pub const RESOLVED: &str = "escalator_aggregator_resolved_total";
pub const SLA_BREACHES: &str = "escalator_aggregator_sla_breaches_total";
pub const DEFLECTABLE: &str = "escalator_aggregator_deflectable_escalations_total";
// Not `kb_...`: promtool's lint reads "kb" as kilobytes.
pub const KB_SUGGESTIONS: &str = "escalator_aggregator_article_suggestions_total";
pub const REOPENED_AFTER_ESCALATION: &str = "escalator_aggregator_reopened_after_escalation_total";
pub const UNEXPECTED_PLACEMENTS: &str = "escalator_aggregator_unexpected_placements_total";

pub fn describe() {
    describe_histogram!(
        HOP_SECONDS,
        Unit::Seconds,
        "Time per hop of an escalation (queue_entry_to_escalation, escalation_to_routing, routing_to_pickup, pickup_to_resolution, total), by domain, tier and customer tier."
    );
    describe_counter!(
        ESCALATIONS,
        Unit::Count,
        "Escalations seen, by target tier and origin (escalator: a decision; help_desk: moved by an agent)."
    );
    describe_counter!(
        RESOLVED,
        Unit::Count,
        "Escalations resolved, by domain and tier."
    );
    describe_counter!(
        SLA_BREACHES,
        Unit::Count,
        "Escalations that breached a time threshold, by domain."
    );
    describe_counter!(
        DEFLECTABLE,
        Unit::Count,
        "Ended escalations L1 could have solved, by domain."
    );
    describe_counter!(
        KB_SUGGESTIONS,
        Unit::Count,
        "Knowledge-base article suggestions published to kb.updates."
    );
    describe_counter!(
        REOPENED_AFTER_ESCALATION,
        Unit::Count,
        "Reopens of tickets whose escalation had ended."
    );
    describe_counter!(
        UNEXPECTED_PLACEMENTS,
        Unit::Count,
        "Routed escalations that came after their escalation had finished with every placement it expected (router and aggregator disagree on reassignments)."
    );
}
