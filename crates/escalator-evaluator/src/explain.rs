//! "Why not yet": for any ticket, its state, the rules closest to firing and
//! the next deadline, as JSON.

use serde_json::{Value, json};

use crate::policy::Policy;
use crate::rules::evaluate;
use crate::state::TicketState;
use escalator_calendar::rfc3339 as iso;

pub fn why_not_yet(policy: &Policy, s: &TicketState, now: i64) -> Value {
    let ev = evaluate(policy, s, now);
    let mut rules = ev.statuses.clone();
    rules.sort_by(|a, b| {
        b.progress
            .partial_cmp(&a.progress)
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let cal = policy.calendar_for_customer(
        &s.customer_id,
        &s.customer_time_zone,
        s.customer_tier_name(),
    );
    json!({
        "ticket_id": s.ticket_id,
        "evaluated_at": iso(now),
        "open": s.is_open(),
        "state": {
            "version": s.version,
            "tier": format!("{:?}", s.tier()).to_lowercase(),
            "queue": s.queue,
            "queue_entered_at": (s.queue_entered_ms != 0).then(|| iso(s.queue_entered_ms)),
            "status": s.status_name(),
            "paused_since": s.paused_since_ms.map(iso),
            "customer_id": s.customer_id,
            "customer_tier": s.customer_tier_name(),
            "priority": s.priority_name(),
            "product": s.product,
            "component": s.component,
            "reopens": s.reopens,
            "send_backs": s.send_backs,
            "l1_touches": s.l1_touches,
            "comments": s.comments,
            "attachments": s.attachments,
            "picked_up_at": s.picked_up_ms.map(iso),
            "last_escalation_id": s.last_escalation_id,
        },
        "calendar": { "id": cal.id(), "time_zone": cal.time_zone() },
        "complexity": { "score": ev.complexity_score, "signals": ev.complexity_signals },
        "would_fire_now": ev.firings.iter().map(|f| f.rule.id.clone()).collect::<Vec<_>>(),
        "rules": rules.iter().map(|r| json!({
            "rule_id": r.rule_id,
            "rule_version": r.rule_version,
            "description": r.description,
            "observed": r.observed,
            "threshold": r.threshold,
            "progress": (r.progress * 1000.0).round() / 1000.0,
            "fires_at": r.fires_at_ms.map(iso),
            "note": r.note,
        })).collect::<Vec<_>>(),
        "next_deadline": ev.next_deadline_ms.map(iso),
        "policy_version": policy.version,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn iso_dates() {
        assert_eq!(super::iso(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::iso(1_717_137_600_123), "2024-05-31T06:40:00.123Z");
        assert_eq!(super::iso(1_717_137_600_000), "2024-05-31T06:40:00Z");
        assert_eq!(super::iso(1_709_164_800_000), "2024-02-29T00:00:00Z");
    }
}
