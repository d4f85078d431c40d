//! The complexity score: a weighted sum of signals that say a case is
//! beyond L1 (evidence of a defect, several components, reopens, many L1
//! touches, severity words, the customer's own urgency).

use serde::Serialize;

use crate::policy::Policy;
use crate::state::TicketState;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Signal {
    pub name: String,
    pub weight: f64,
    pub value: f64,
    pub contribution: f64,
}

/// The signal values of a ticket, before weights.
pub fn values(s: &TicketState) -> [(&'static str, f64); 8] {
    [
        ("stack_trace", f64::from(s.stack_traces.min(1))),
        ("error_code", f64::from(s.error_codes.min(3))),
        (
            "components",
            s.components_seen.len().saturating_sub(1) as f64,
        ),
        ("reopens", f64::from(s.reopens)),
        ("l1_touches", f64::from(s.l1_touches.min(20))),
        ("severity_keyword", s.severity_hits.len() as f64),
        (
            "customer_urgency",
            f64::from(u8::from(!s.urgency_hits.is_empty())),
        ),
        ("attachments", f64::from(s.attachments.min(5))),
    ]
}

pub fn score(policy: &Policy, s: &TicketState) -> (f64, Vec<Signal>) {
    let Some(c) = &policy.complexity else {
        return (0.0, Vec::new());
    };
    let mut total = 0.0;
    let mut signals = Vec::new();
    for (name, value) in values(s) {
        let weight = c.weights.get(name).copied().unwrap_or(0.0);
        if weight == 0.0 || value == 0.0 {
            continue;
        }
        let contribution = weight * value;
        total += contribution;
        signals.push(Signal {
            name: name.to_owned(),
            weight,
            value,
            contribution,
        });
    }
    (total, signals)
}

/// Keywords of `list` found in `text` (case-insensitive), not yet in `hits`.
pub fn keyword_hits(list: &[String], text: &str, hits: &mut Vec<String>) {
    if list.is_empty() {
        return;
    }
    let lower = text.to_lowercase();
    for k in list {
        if !k.is_empty() && lower.contains(k.as_str()) && !hits.contains(k) {
            hits.push(k.clone());
        }
    }
}
