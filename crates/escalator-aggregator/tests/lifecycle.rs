//! The aggregator's processor on an injected clock: an escalation's hops
//! from decision, routing and specialist events; ended records kept; one
//! knowledge-base suggestion when a deflectable problem recurs, not two.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use escalator_aggregator::lifecycle;
use escalator_aggregator::processor::{AggState, Aggregator};
use escalator_proto::v1::ticket_event::{Kind, Resolved, SpecialistAccepted};
use escalator_proto::v1::*;
use escalator_runtime::{Output, Record, Task};
use prost::Message;

const T0: i64 = 1_796_000_000_000;

fn aggregator() -> Aggregator {
    Aggregator {
        decisions_topic: "decisions".into(),
        events_topic: "events".into(),
        routed_prefix: "routed.".into(),
        kb_topic: "kb.updates".into(),
        window_ms: 7 * 86_400_000,
        kb_min_count: 3,
    }
}

struct H {
    p: Aggregator,
    task: Task<AggState>,
    offset: i64,
}

impl H {
    fn send(&mut self, topic: &str, key: &str, value: Vec<u8>, now: i64) -> Vec<Output> {
        self.offset += 1;
        let rec = Record {
            topic,
            partition: 0,
            offset: self.offset,
            key: Some(key.as_bytes()),
            value: &value,
            headers: &[],
            timestamp_ms: None,
        };
        let mut out = Vec::new();
        self.task.process(&self.p, &rec, now, &mut out).unwrap();
        self.task.commit();
        out
    }
}

fn decision(ticket: &str, at: i64) -> Vec<u8> {
    EscalationDecision {
        escalation_id: format!("esc-{ticket}"),
        ticket_id: ticket.into(),
        decided_at_ms: at,
        to_tier: SupportTier::L2 as i32,
        rule_firings: vec![RuleFiring {
            rule_id: "tiq".into(),
            unit: "business_minutes".into(),
            wall_elapsed_ms: 30 * 60_000,
            ..Default::default()
        }],
        handoff: Some(HandoffPacket {
            subject: format!("Password reset link expired for {ticket}"),
            customer: Some(Customer {
                tier: CustomerTier::Enterprise as i32,
                ..Default::default()
            }),
            priority: Priority::High as i32,
            error_codes: vec![ErrorCode {
                kind: ErrorCodeKind::Vendor as i32,
                code: "AADSTS50126".into(),
                context: String::new(),
            }],
            ..Default::default()
        }),
        ..Default::default()
    }
    .encode_to_vec()
}

fn routed(ticket: &str, at: i64) -> Vec<u8> {
    RoutedEscalation {
        escalation_id: format!("esc-{ticket}"),
        ticket_id: ticket.into(),
        domain: "identity".into(),
        queue_id: "l2-identity".into(),
        tier: SupportTier::L2 as i32,
        routed_at_ms: at,
        ..Default::default()
    }
    .encode_to_vec()
}

fn event(ticket: &str, at: i64, kind: Kind) -> Vec<u8> {
    TicketEvent {
        ticket_id: ticket.into(),
        event_id: format!("{ticket}-{at}"),
        event_time_ms: at,
        kind: Some(kind),
        ..Default::default()
    }
    .encode_to_vec()
}

#[test]
fn hops_of_one_escalation() {
    let mut h = H {
        p: aggregator(),
        task: Task::default(),
        offset: 0,
    };
    h.send("decisions", "T1", decision("T1", T0), T0);
    h.send(
        "routed.identity",
        "T1",
        routed("T1", T0 + 2_000),
        T0 + 2_000,
    );
    h.send(
        "events",
        "T1",
        event(
            "T1",
            T0 + 600_000,
            Kind::SpecialistAccepted(SpecialistAccepted {
                specialist_id: "kenji".into(),
                ..Default::default()
            }),
        ),
        T0 + 600_000,
    );
    h.send(
        "events",
        "T1",
        event(
            "T1",
            T0 + 4_200_000,
            Kind::Resolved(Resolved {
                resolution_code: "bug_fix".into(),
                category: ResolutionCategory::BugFix as i32,
                notes: "Fixed the IdP clock skew; mail jane@example.com".into(),
                ..Default::default()
            }),
        ),
        T0 + 4_200_000,
    );
    let done = match h.task.state(b"r:esc-T1") {
        Some(AggState::Done(r)) => (**r).clone(),
        other => panic!("{other:?}"),
    };
    let hops = lifecycle::hops(&done);
    assert_eq!(
        hops,
        vec![
            ("queue_entry_to_escalation", 1800.0),
            ("escalation_to_routing", 2.0),
            ("routing_to_pickup", 598.0),
            ("pickup_to_resolution", 3600.0),
            ("total", 6000.0),
        ]
    );
    assert_eq!(
        (done.domain.as_str(), done.specialist.as_deref()),
        ("identity", Some("kenji"))
    );
    assert!(done.sla_breached);
    assert!(
        !done.resolution_notes.contains("jane@example.com"),
        "notes are redacted"
    );
    assert!(h.task.state(b"t:T1").is_none(), "no open escalation left");
}

#[test]
fn a_recurring_deflectable_problem_gives_one_suggestion() {
    let mut h = H {
        p: aggregator(),
        task: Task::default(),
        offset: 0,
    };
    let mut suggestions = Vec::new();
    for i in 0..5 {
        let t = format!("T{i}");
        let at = T0 + i * 3_600_000;
        h.send("decisions", &t, decision(&t, at), at);
        h.send("routed.identity", &t, routed(&t, at + 1_000), at + 1_000);
        h.send(
            "events",
            &t,
            event(
                &t,
                at + 60_000,
                Kind::SpecialistAccepted(SpecialistAccepted {
                    specialist_id: "kenji".into(),
                    ..Default::default()
                }),
            ),
            at + 60_000,
        );
        let out = h.send(
            "events",
            &t,
            event(
                &t,
                at + 600_000,
                Kind::Resolved(Resolved {
                    resolution_code: "how_to".into(),
                    category: ResolutionCategory::HowTo as i32,
                    notes:
                        "Ask the user to request a new reset link; links expire after 15 minutes."
                            .into(),
                    ..Default::default()
                }),
            ),
            at + 600_000,
        );
        suggestions.extend(out.into_iter().filter(|o| o.topic == "kb.updates"));
    }
    assert_eq!(
        suggestions.len(),
        1,
        "suggested at the third recurrence, once"
    );
    let s = KbUpdateSuggestion::decode(suggestions[0].value.as_slice()).unwrap();
    assert_eq!(s.action, KbAction::CreateArticle as i32);
    let draft = s.draft.unwrap();
    assert!(!draft.resolution_steps.is_empty(), "{draft:?}");
    assert!(draft.example_ticket_ids.len() >= 3);
}

#[test]
fn specialist_events_that_arrive_before_the_decision_still_count() {
    // Topics are not ordered against each other: a replay can deliver the
    // resolution before the decision it belongs to.
    let mut h = H {
        p: aggregator(),
        task: Task::default(),
        offset: 0,
    };
    h.send(
        "events",
        "T9",
        event(
            "T9",
            T0 + 600_000,
            Kind::SpecialistAccepted(SpecialistAccepted {
                specialist_id: "mira".into(),
                ..Default::default()
            }),
        ),
        T0 + 700_000,
    );
    h.send(
        "events",
        "T9",
        event(
            "T9",
            T0 + 1_200_000,
            Kind::Resolved(Resolved {
                resolution_code: "bug_fix".into(),
                ..Default::default()
            }),
        ),
        T0 + 700_000,
    );
    h.send(
        "routed.identity",
        "T9",
        routed("T9", T0 + 1_000),
        T0 + 700_000,
    );
    assert!(h.task.state(b"r:esc-T9").is_none());
    h.send("decisions", "T9", decision("T9", T0), T0 + 700_000);
    let done = match h.task.state(b"r:esc-T9") {
        Some(AggState::Done(r)) => (**r).clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(done.specialist.as_deref(), Some("mira"));
    assert_eq!(lifecycle::hops(&done).last(), Some(&("total", 3000.0)));
    assert!(h.task.state(b"p:T9").is_none(), "nothing left pending");
}
