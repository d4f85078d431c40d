//! One escalation's life, folded from the three streams that describe it:
//! the evaluator's decision, the router's placement, and the specialists'
//! actions on the ticket. Pure: each function takes the record and a message
//! and updates the record.

use escalator_proto::v1::ticket_event::Kind;
use escalator_proto::v1::{
    CustomerTier, EscalationDecision, Priority, ResolutionCategory, RoutedEscalation, SupportTier,
    TicketEvent,
};
use escalator_reports::EscalationRecord;
use serde::{Deserialize, Serialize};

fn tier_name(t: i32) -> &'static str {
    match SupportTier::try_from(t).unwrap_or(SupportTier::Unspecified) {
        SupportTier::L3 => "l3",
        SupportTier::L1 => "l1",
        _ => "l2",
    }
}

pub fn customer_tier_name(t: i32) -> &'static str {
    match CustomerTier::try_from(t).unwrap_or(CustomerTier::Unspecified) {
        CustomerTier::Standard => "standard",
        CustomerTier::Business => "business",
        CustomerTier::Enterprise => "enterprise",
        CustomerTier::Strategic => "strategic",
        _ => "unknown",
    }
}

fn priority_name(p: i32) -> &'static str {
    match Priority::try_from(p).unwrap_or(Priority::Unspecified) {
        Priority::Low => "low",
        Priority::Normal => "normal",
        Priority::High => "high",
        Priority::Urgent => "urgent",
        _ => "unknown",
    }
}

pub fn category_name(c: i32) -> &'static str {
    match ResolutionCategory::try_from(c).unwrap_or(ResolutionCategory::Unspecified) {
        ResolutionCategory::HowTo => "how_to",
        ResolutionCategory::KnownIssue => "known_issue",
        ResolutionCategory::Configuration => "configuration",
        ResolutionCategory::UserError => "user_error",
        ResolutionCategory::BugFix => "bug_fix",
        ResolutionCategory::Workaround => "workaround",
        ResolutionCategory::NoFaultFound => "no_fault_found",
        ResolutionCategory::Duplicate => "duplicate",
        ResolutionCategory::Other => "other",
        ResolutionCategory::Unspecified => "",
    }
}

/// Minutes past a time threshold that still count as on time: a deadline
/// fires at its instant, so the rule doing its job is not a breach.
const BREACH_GRACE_MINUTES: f64 = 1.0;

/// Whether the case waited longer than a time threshold allowed before this
/// escalation: a time rule fired late (the threshold had passed while
/// nothing could fire it, e.g. the evaluator was down or the event came
/// late). A complexity escalation, or a deadline that fired on time, is not
/// a breach.
fn breached(d: &EscalationDecision) -> bool {
    d.rule_firings.iter().any(|f| {
        f.unit == "business_minutes"
            && matches!(
                (f.observed_numeric, f.threshold_numeric),
                (Some(o), Some(t)) if o > t + BREACH_GRACE_MINUTES
            )
    })
}

/// A new record from the evaluator's decision.
pub fn from_decision(d: &EscalationDecision) -> EscalationRecord {
    let packet = d.handoff.clone().unwrap_or_default();
    // Queue entry: the time rule says how long the case had waited.
    let waited = d
        .rule_firings
        .iter()
        .filter(|f| f.unit == "business_minutes")
        .map(|f| f.wall_elapsed_ms)
        .max()
        .unwrap_or(0);
    let signature = packet
        .error_codes
        .first()
        .map(|c| c.code.clone())
        .or_else(|| {
            packet
                .stack_traces
                .first()
                .map(|s| s.exception_type.clone())
        })
        .unwrap_or_default();
    EscalationRecord {
        escalation_id: d.escalation_id.clone(),
        ticket_id: d.ticket_id.clone(),
        domain: d.domain_hint.clone(),
        queue: String::new(),
        tier: tier_name(d.to_tier).to_owned(),
        customer_tier: packet
            .customer
            .as_ref()
            .map_or("unknown", |c| customer_tier_name(c.tier))
            .to_owned(),
        priority: priority_name(packet.priority).to_owned(),
        specialist: None,
        // The evaluator carries when the clock started (entering L1, kept
        // across lateral moves); older decisions only say how long a time
        // rule had waited.
        queue_entered_ms: if d.queue_entered_ms > 0 {
            d.queue_entered_ms
        } else {
            d.decided_at_ms - waited
        },
        escalated_ms: d.decided_at_ms,
        routed_ms: None,
        accepted_ms: None,
        resolved_ms: None,
        sent_back_ms: None,
        superseded_ms: None,
        reroutes: 0,
        reopened: false,
        sla_breached: breached(d),
        resolution_code: String::new(),
        resolution_category: String::new(),
        resolution_notes: String::new(),
        kb_articles: Vec::new(),
        error_signature: signature,
        subject: packet.subject,
    }
}

/// One placement of an escalation by the router, as much as the record
/// needs of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Placement {
    pub routed_at_ms: i64,
    pub domain: String,
    pub queue: String,
    pub tier: String,
    /// 0 for the first placement; the router numbers each re-route.
    pub reroute_count: u32,
}

impl Placement {
    /// Where the help desk put a ticket it escalated itself.
    pub fn of_help_desk(d: &EscalationDecision) -> Placement {
        Placement {
            routed_at_ms: d.decided_at_ms,
            domain: d.domain_hint.clone(),
            queue: d.help_desk_queue.clone(),
            tier: tier_name(d.to_tier).to_owned(),
            reroute_count: 0,
        }
    }

    pub fn of(routed: &RoutedEscalation) -> Placement {
        Placement {
            routed_at_ms: routed.routed_at_ms,
            domain: routed.domain.clone(),
            queue: routed.queue_id.clone(),
            tier: tier_name(routed.tier).to_owned(),
            reroute_count: routed
                .reroute
                .as_ref()
                .map_or(0, |r| r.reroute_count.max(1)),
        }
    }
}

/// Sets where the escalation is from every placement known so far. The
/// placements of one escalation come on different topics (one per domain),
/// which are not ordered against each other: the result depends only on
/// the set, never on the order they arrived in. The latest placement (the
/// router's own count, then time) says where it is; the first one when it
/// was routed.
pub fn place(r: &mut EscalationRecord, placements: &[Placement]) {
    let Some(latest) = placements.iter().max_by(|a, b| {
        (a.reroute_count, a.routed_at_ms, &a.queue).cmp(&(
            b.reroute_count,
            b.routed_at_ms,
            &b.queue,
        ))
    }) else {
        return;
    };
    r.domain = latest.domain.clone();
    r.queue = latest.queue.clone();
    r.tier = latest.tier.clone();
    r.routed_ms = placements.iter().map(|p| p.routed_at_ms).min();
    r.reroutes = placements.iter().filter(|p| p.reroute_count > 0).count() as u32;
}

/// What a ticket event means for the open record. Returns true when the
/// escalation ended (resolved or sent back).
pub fn event(r: &mut EscalationRecord, ev: &TicketEvent) -> bool {
    let at = ev.event_time_ms;
    match &ev.kind {
        Some(Kind::SpecialistAccepted(a)) => {
            r.accepted_ms.get_or_insert(at);
            r.specialist = Some(a.specialist_id.clone());
            false
        }
        Some(Kind::DomainReassigned(d)) => {
            // The router places it again; pickup starts over in the new queue.
            r.domain = d.to_domain.clone();
            r.accepted_ms = None;
            false
        }
        Some(Kind::SentBackToL1(_)) => {
            r.sent_back_ms = Some(at);
            true
        }
        Some(Kind::Resolved(res)) => {
            r.resolved_ms = Some(at);
            r.resolution_code = res.resolution_code.clone();
            r.resolution_category = category_name(res.category).to_owned();
            // Notes end up in KB drafts: never with personal data.
            r.resolution_notes = escalator_redact::redact_str(&res.notes);
            r.kb_articles = res
                .kb_articles
                .iter()
                .map(|k| {
                    if k.url.is_empty() {
                        k.article_id.clone()
                    } else {
                        k.url.clone()
                    }
                })
                .collect();
            true
        }
        _ => false,
    }
}

/// Hop durations in seconds, for the histograms: (hop, seconds).
pub fn hops(r: &EscalationRecord) -> Vec<(&'static str, f64)> {
    let secs = |a: i64, b: i64| ((b - a).max(0)) as f64 / 1000.0;
    let mut out = vec![(
        "queue_entry_to_escalation",
        secs(r.queue_entered_ms, r.escalated_ms),
    )];
    if let Some(routed) = r.routed_ms {
        out.push(("escalation_to_routing", secs(r.escalated_ms, routed)));
        if let Some(acc) = r.accepted_ms {
            out.push(("routing_to_pickup", secs(routed, acc)));
            if let Some(res) = r.resolved_ms {
                out.push(("pickup_to_resolution", secs(acc, res)));
            }
        }
    }
    if let Some(res) = r.resolved_ms {
        out.push(("total", secs(r.queue_entered_ms, res)));
    }
    out
}

#[cfg(test)]
mod tests {
    use escalator_proto::v1::RuleFiring;

    use super::*;

    fn fired(unit: &str, observed: f64, threshold: f64) -> EscalationDecision {
        EscalationDecision {
            rule_firings: vec![RuleFiring {
                unit: unit.into(),
                observed_numeric: Some(observed),
                threshold_numeric: Some(threshold),
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    #[test]
    fn a_breach_is_a_time_threshold_passed_before_the_escalation() {
        assert!(
            !breached(&fired("business_minutes", 240.0, 240.0)),
            "on time"
        );
        assert!(breached(&fired("business_minutes", 300.0, 240.0)), "late");
        assert!(!breached(&fired("score", 9.0, 7.0)), "complexity");
    }
}
