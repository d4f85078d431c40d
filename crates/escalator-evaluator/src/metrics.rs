//! The evaluator's metrics. Labels: rule id (bounded by the policy), kind
//! and tiers (fixed sets). Open tickets and pending deadlines are the
//! runtime's `escalator_runtime_state_keys` and `..._timers_pending`.

use metrics::{Unit, describe_counter, describe_histogram};

pub const DECISIONS: &str = "escalator_evaluator_decisions_total";
pub const TIME_TO_ESCALATE: &str = "escalator_evaluator_time_to_escalate_seconds";
pub const COMPLETENESS: &str = "escalator_evaluator_packet_completeness_ratio";
pub const EVENTS: &str = "escalator_evaluator_events_applied_total";
pub const CUSTOM_ERRORS: &str = "escalator_evaluator_custom_rule_errors_total";
pub const UNKNOWN_INPUTS: &str = "escalator_evaluator_unknown_inputs_total";
pub const HELP_DESK_ESCALATIONS: &str = "escalator_evaluator_help_desk_escalations_total";

pub fn describe() {
    describe_counter!(
        DECISIONS,
        Unit::Count,
        "Escalation decisions, by rule, kind and customer tier."
    );
    describe_histogram!(
        TIME_TO_ESCALATE,
        Unit::Seconds,
        "Wall-clock time from entering the queue to the escalation decision, by kind."
    );
    describe_histogram!(
        COMPLETENESS,
        "Handoff packet completeness (0-1) at decision time."
    );
    describe_counter!(
        EVENTS,
        Unit::Count,
        "Ticket events applied to state, by outcome: applied, duplicate, late."
    );
    describe_counter!(
        CUSTOM_ERRORS,
        Unit::Count,
        "Custom (CEL) rule evaluation errors, by rule."
    );
    describe_counter!(
        UNKNOWN_INPUTS,
        Unit::Count,
        "Decisions made for a ticket whose customer tier or priority no mapping recognised (catch-all rows applied), by field."
    );
    describe_counter!(
        HELP_DESK_ESCALATIONS,
        Unit::Count,
        "Tickets the help desk moved into an L2/L3 group itself (no decision of Escalator's), by tier."
    );
}
