//! Trying a rule change on history: two replays of the same events, one per
//! policy, compared per ticket (escalates sooner, later, only under one of
//! them) and per queue (how much each receives).

use std::collections::BTreeMap;

use escalator_proto::v1::RoutedEscalation;
use serde::Serialize;

use crate::replay::Outcome;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TicketChange {
    pub ticket_id: String,
    /// When it first escalated under each policy (epoch ms).
    pub before_ms: Option<i64>,
    pub after_ms: Option<i64>,
    pub before_domain: Option<String>,
    pub after_domain: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueLoad {
    pub queue: String,
    pub before: usize,
    pub after: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PolicyDiff {
    pub escalations_before: usize,
    pub escalations_after: usize,
    /// Escalates under both, earlier under the second policy.
    pub sooner: Vec<TicketChange>,
    pub later: Vec<TicketChange>,
    /// Escalates under the second policy only.
    pub newly_escalated: Vec<TicketChange>,
    /// Escalates under the first policy only.
    pub no_longer_escalated: Vec<TicketChange>,
    pub unchanged: usize,
    pub queues: Vec<QueueLoad>,
}

/// First routed escalation per ticket: (decided at, domain).
fn firsts(routed: &[RoutedEscalation]) -> BTreeMap<&str, (i64, &str)> {
    let mut out = BTreeMap::new();
    for r in routed {
        let at = r
            .decision
            .as_ref()
            .map_or(r.routed_at_ms, |d| d.decided_at_ms);
        out.entry(r.ticket_id.as_str())
            .and_modify(|e: &mut (i64, &str)| {
                if at < e.0 {
                    *e = (at, r.domain.as_str());
                }
            })
            .or_insert((at, r.domain.as_str()));
    }
    out
}

pub fn compare(before: &Outcome, after: &Outcome) -> PolicyDiff {
    let a = firsts(&before.routed);
    let b = firsts(&after.routed);
    let mut diff = PolicyDiff {
        escalations_before: before.routed.len(),
        escalations_after: after.routed.len(),
        ..PolicyDiff::default()
    };
    let mut tickets: Vec<&str> = a.keys().chain(b.keys()).copied().collect();
    tickets.sort_unstable();
    tickets.dedup();
    for t in tickets {
        let (x, y) = (a.get(t), b.get(t));
        let change = TicketChange {
            ticket_id: t.to_owned(),
            before_ms: x.map(|v| v.0),
            after_ms: y.map(|v| v.0),
            before_domain: x.map(|v| v.1.to_owned()),
            after_domain: y.map(|v| v.1.to_owned()),
        };
        match (x, y) {
            (Some(p), Some(q)) if q.0 < p.0 => diff.sooner.push(change),
            (Some(p), Some(q)) if q.0 > p.0 => diff.later.push(change),
            (Some(_), Some(_)) => diff.unchanged += 1,
            (None, Some(_)) => diff.newly_escalated.push(change),
            (Some(_), None) => diff.no_longer_escalated.push(change),
            (None, None) => {}
        }
    }
    let mut queues: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for r in &before.routed {
        queues.entry(r.queue_id.as_str()).or_default().0 += 1;
    }
    for r in &after.routed {
        queues.entry(r.queue_id.as_str()).or_default().1 += 1;
    }
    diff.queues = queues
        .into_iter()
        .map(|(q, (before, after))| QueueLoad {
            queue: q.to_owned(),
            before,
            after,
        })
        .collect();
    diff
}

#[cfg(test)]
mod tests {
    use super::*;
    use escalator_proto::v1::EscalationDecision;

    fn routed(ticket: &str, at: i64, queue: &str) -> RoutedEscalation {
        RoutedEscalation {
            ticket_id: ticket.into(),
            domain: queue.trim_start_matches("l2-").into(),
            queue_id: queue.into(),
            decision: Some(EscalationDecision {
                decided_at_ms: at,
                ..EscalationDecision::default()
            }),
            ..RoutedEscalation::default()
        }
    }

    #[test]
    fn classifies_each_ticket_and_counts_queue_load() {
        let before = Outcome {
            routed: vec![
                routed("a", 100, "l2-db"),
                routed("b", 100, "l2-db"),
                routed("c", 100, "l2-net"),
                routed("d", 100, "l2-net"),
                routed("a", 500, "l2-db"),
            ],
            ..Outcome::default()
        };
        let after = Outcome {
            routed: vec![
                routed("a", 50, "l2-db"),
                routed("b", 200, "l2-db"),
                routed("d", 100, "l2-net"),
                routed("e", 10, "l2-net"),
            ],
            ..Outcome::default()
        };
        let d = compare(&before, &after);
        let ids = |v: &[TicketChange]| v.iter().map(|c| c.ticket_id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&d.sooner), ["a"]);
        assert_eq!(
            d.sooner[0].before_ms,
            Some(100),
            "the first escalation counts"
        );
        assert_eq!(ids(&d.later), ["b"]);
        assert_eq!(ids(&d.no_longer_escalated), ["c"]);
        assert_eq!(ids(&d.newly_escalated), ["e"]);
        assert_eq!(d.unchanged, 1);
        assert_eq!((d.escalations_before, d.escalations_after), (5, 4));
        assert_eq!(
            d.queues,
            vec![
                QueueLoad {
                    queue: "l2-db".into(),
                    before: 3,
                    after: 2
                },
                QueueLoad {
                    queue: "l2-net".into(),
                    before: 2,
                    after: 2
                },
            ]
        );
    }
}
