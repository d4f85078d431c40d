//! The aggregator's processor on an injected clock: an escalation's hops
//! from decision, routing and specialist events (forwarded on the decisions
//! topic, as the evaluator does); ended records kept; one knowledge-base
//! suggestion when a deflectable problem recurs, not two; and the same
//! records whatever order the topics interleave in.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use escalator_aggregator::lifecycle;
use escalator_aggregator::processor::{AggState, Aggregator};
use escalator_proto::v1::ticket_event::{DomainReassigned, Kind, Resolved, SpecialistAccepted};
use escalator_proto::v1::*;
use escalator_runtime::headers::FORWARDED_FROM;
use escalator_runtime::{Header, Output, Record, Task};
use prost::Message;

const T0: i64 = 1_796_000_000_000;

fn aggregator() -> Aggregator {
    Aggregator {
        decisions_topic: "decisions".into(),
        routed_prefix: "routed.".into(),
        kb_topic: "kb.updates".into(),
        problems_topic: "problems".into(),
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
    fn new() -> H {
        H {
            p: aggregator(),
            task: Task::default(),
            offset: 0,
        }
    }

    fn send(&mut self, topic: &str, key: &str, value: Vec<u8>, now: i64) -> Vec<Output> {
        self.deliver(topic, key, value, &[], now)
    }

    /// A specialist event as the evaluator forwards it: on the decisions
    /// topic, in the ticket's order.
    fn forward(&mut self, key: &str, value: Vec<u8>, now: i64) -> Vec<Output> {
        let h = [Header::new(FORWARDED_FROM, "events")];
        self.deliver("decisions", key, value, &h, now)
    }

    fn deliver(
        &mut self,
        topic: &str,
        key: &str,
        value: Vec<u8>,
        headers: &[Header],
        now: i64,
    ) -> Vec<Output> {
        self.offset += 1;
        let rec = Record {
            topic,
            partition: 0,
            offset: self.offset,
            key: Some(key.as_bytes()),
            value: &value,
            headers,
            timestamp_ms: None,
        };
        let mut out = Vec::new();
        self.task.process(&self.p, &rec, now, &mut out).unwrap();
        self.task.commit();
        // The aggregator reads its own problems topic back (one partition
        // here, so the same task).
        let mut all = Vec::new();
        for o in out {
            if o.topic == "problems" {
                let key = String::from_utf8(o.key.clone().unwrap()).unwrap();
                all.extend(self.deliver("problems", &key, o.value.clone(), &[], now));
            }
            all.push(o);
        }
        all
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
            // Fired late: 30 minutes against a 20-minute threshold.
            observed_numeric: Some(30.0),
            threshold_numeric: Some(20.0),
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
    h.forward(
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
    h.forward(
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
        h.forward(
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
        let out = h.forward(
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
fn placements_that_arrive_before_the_decision_still_count() {
    // Topics are not ordered against each other: the routing can come
    // before the decision it belongs to.
    let mut h = H::new();
    h.send(
        "routed.identity",
        "T9",
        routed("T9", T0 + 1_000),
        T0 + 1_000,
    );
    assert!(h.task.state(b"p:T9").is_some(), "kept until its decision");
    h.send("decisions", "T9", decision("T9", T0), T0 + 1_000);
    assert!(h.task.state(b"p:T9").is_none(), "nothing left pending");
    accept(&mut h, "T9", T0 + 600_000, "mira");
    resolve(&mut h, "T9", T0 + 1_200_000, "bug_fix");
    let done = done(&h, "esc-T9");
    assert_eq!(done.specialist.as_deref(), Some("mira"));
    assert_eq!(done.routed_ms, Some(T0 + 1_000));
    assert_eq!(lifecycle::hops(&done).last(), Some(&("total", 3000.0)));
}

fn accept(h: &mut H, t: &str, at: i64, who: &str) -> Vec<Output> {
    h.forward(
        t,
        event(
            t,
            at,
            Kind::SpecialistAccepted(SpecialistAccepted {
                specialist_id: who.into(),
                ..Default::default()
            }),
        ),
        at,
    )
}

fn resolve(h: &mut H, t: &str, at: i64, code: &str) -> Vec<Output> {
    h.forward(
        t,
        event(
            t,
            at,
            Kind::Resolved(Resolved {
                resolution_code: code.into(),
                category: ResolutionCategory::BugFix as i32,
                ..Default::default()
            }),
        ),
        at,
    )
}

fn reassign(h: &mut H, t: &str, at: i64, to: &str) -> Vec<Output> {
    h.forward(
        t,
        event(
            t,
            at,
            Kind::DomainReassigned(DomainReassigned {
                to_domain: to.into(),
                ..Default::default()
            }),
        ),
        at,
    )
}

fn done(h: &H, id: &str) -> escalator_reports::EscalationRecord {
    match h.task.state(format!("r:{id}").as_bytes()) {
        Some(AggState::Done(r)) => (**r).clone(),
        other => panic!("{id}: {other:?}"),
    }
}

fn placed(ticket: &str, at: i64, domain: &str, count: u32) -> Vec<u8> {
    RoutedEscalation {
        escalation_id: format!("esc-{ticket}"),
        ticket_id: ticket.into(),
        domain: domain.into(),
        queue_id: format!("l2-{domain}"),
        tier: SupportTier::L2 as i32,
        routed_at_ms: at,
        reroute: (count > 0).then(|| Reroute {
            reroute_count: count,
            ..Default::default()
        }),
        ..Default::default()
    }
    .encode_to_vec()
}

/// One escalation's inputs: the decision and its lifecycle in ticket order
/// (the decisions topic), and its two placements (two domain topics).
enum Input {
    Decision,
    Accept(i64),
    Reassign,
    Resolve,
    Placed(&'static str, i64, u32),
}

fn deliver(h: &mut H, t: &str, input: &Input) {
    match input {
        Input::Decision => {
            h.send("decisions", t, decision(t, T0), T0);
        }
        Input::Accept(at) => {
            accept(h, t, *at, "kenji");
        }
        Input::Reassign => {
            reassign(h, t, T0 + 900_000, "database");
        }
        Input::Resolve => {
            resolve(h, t, T0 + 7_200_000, "bug_fix");
        }
        Input::Placed(domain, at, count) => {
            let topic = format!("routed.{domain}");
            h.send(&topic, t, placed(t, *at, domain, *count), *at);
        }
    }
}

#[test]
fn the_record_does_not_depend_on_how_the_topics_interleave() {
    // Decided, placed in identity, accepted, reassigned to database (placed
    // again), accepted there, resolved. The decisions topic keeps its own
    // order; each placement may come anywhere relative to it and to the
    // other placement.
    let lifecycle = [
        Input::Decision,
        Input::Accept(T0 + 600_000),
        Input::Reassign,
        Input::Accept(T0 + 1_800_000),
        Input::Resolve,
    ];
    let first = Input::Placed("identity", T0 + 1_000, 0);
    let second = Input::Placed("database", T0 + 900_000, 1);
    let mut seen = Vec::new();
    for i in 0..=lifecycle.len() {
        for j in 0..=lifecycle.len() {
            for second_first in [false, true] {
                let mut order: Vec<&Input> = lifecycle.iter().collect();
                let (a, b) = if second_first {
                    (&second, &first)
                } else {
                    (&first, &second)
                };
                let (lo, hi) = (i.min(j), i.max(j));
                order.insert(hi, b);
                order.insert(lo, a);
                let mut h = H::new();
                for input in order {
                    deliver(&mut h, "T5", input);
                }
                seen.push(done(&h, "esc-T5"));
                assert!(h.task.state(b"w:esc-T5").is_none());
                assert!(h.task.state(b"p:T5").is_none());
            }
        }
    }
    let want = &seen[0];
    assert_eq!(
        (want.domain.as_str(), want.queue.as_str(), want.reroutes),
        ("database", "l2-database", 1)
    );
    assert_eq!(want.routed_ms, Some(T0 + 1_000));
    assert_eq!(want.accepted_ms, Some(T0 + 1_800_000), "pickup starts over");
    assert!(seen.iter().all(|r| r == want), "{} orders", seen.len());
}

#[test]
fn an_escalation_that_ends_before_its_placement_waits_for_it() {
    let mut h = H::new();
    h.send("decisions", "T7", decision("T7", T0), T0);
    accept(&mut h, "T7", T0 + 60_000, "ines");
    let out = resolve(&mut h, "T7", T0 + 600_000, "how_to");
    assert!(out.is_empty());
    assert!(h.task.state(b"r:esc-T7").is_none(), "not finished yet");
    assert!(
        h.task.state(b"w:esc-T7").is_some(),
        "waiting for its placement"
    );
    // A report meanwhile still counts it.
    let states: Vec<AggState> = h.task.committed_state().map(|(_, s)| s.clone()).collect();
    let (records, _) = escalator_aggregator::http::split_states(states);
    assert_eq!(records.len(), 1);
    h.send(
        "routed.identity",
        "T7",
        routed("T7", T0 + 1_000),
        T0 + 700_000,
    );
    let r = done(&h, "esc-T7");
    assert_eq!(
        (r.domain.as_str(), r.routed_ms),
        ("identity", Some(T0 + 1_000))
    );
    assert!(h.task.state(b"w:esc-T7").is_none());
}

/// Ended how-to escalations of one problem as the problems topic carries
/// them (key: signature; value: the record as JSON), from a ticket task.
fn occurrences(n: i64) -> Vec<(String, Vec<u8>)> {
    let mut h = H::new();
    let mut out = Vec::new();
    for i in 0..n {
        let t = format!("P{i}");
        let at = T0 + i * 3_600_000;
        h.send("decisions", &t, decision(&t, at), at);
        h.send("routed.identity", &t, routed(&t, at + 1_000), at + 1_000);
        accept(&mut h, &t, at + 60_000, "kenji");
        let resolved = h.forward(
            &t,
            event(
                &t,
                at + 600_000,
                Kind::Resolved(Resolved {
                    resolution_code: "how_to".into(),
                    category: ResolutionCategory::HowTo as i32,
                    notes: "Send a new reset link.".into(),
                    ..Default::default()
                }),
            ),
            at + 600_000,
        );
        out.extend(
            resolved
                .into_iter()
                .filter(|o| o.topic == "problems")
                .map(|o| (String::from_utf8(o.key.unwrap()).unwrap(), o.value)),
        );
    }
    out
}

#[test]
fn a_problem_is_counted_across_partitions_whatever_the_order() {
    let all = occurrences(5);
    assert_eq!(all.len(), 5, "each ended how-to is one occurrence");
    assert!(
        all.iter().all(|(k, _)| *k == all[0].0),
        "keyed by signature"
    );
    // The signature's task gets the occurrences interleaved from several
    // ticket partitions: every order gives one suggestion at the third
    // recurrence.
    let orders: [[usize; 5]; 4] = [
        [0, 1, 2, 3, 4],
        [4, 3, 2, 1, 0],
        [2, 0, 4, 1, 3],
        [3, 4, 0, 2, 1],
    ];
    let mut states = Vec::new();
    for order in orders {
        let mut h = H::new();
        let mut suggestions = Vec::new();
        for i in order {
            let (key, value) = &all[i];
            let out = h.deliver("problems", key, value.clone(), &[], T0);
            suggestions.extend(out.into_iter().filter(|o| o.topic == "kb.updates"));
        }
        // Delivered twice (a retried batch): counted once.
        let (key, value) = &all[order[0]];
        assert!(
            h.deliver("problems", key, value.clone(), &[], T0)
                .is_empty()
        );
        assert_eq!(suggestions.len(), 1, "{order:?}");
        let q = format!("q:{}", all[0].0);
        match h.task.state(q.as_bytes()) {
            Some(AggState::Problem(p)) => {
                assert_eq!(p.occurrences.len(), 5);
                states.push(p.suggested_at_ms);
            }
            other => panic!("{other:?}"),
        }
    }
    // The third ticket's resolution: two hours after the first escalation,
    // plus ten minutes.
    assert_eq!(states[0], Some(T0 + 2 * 3_600_000 + 600_000));
    assert!(states.iter().all(|s| *s == states[0]), "{states:?}");
}

#[test]
fn an_occurrence_travels_with_its_long_texts_clipped() {
    let mut h = H::new();
    h.send("decisions", "L1", decision("L1", T0), T0);
    h.send(
        "routed.identity",
        "L1",
        routed("L1", T0 + 1_000),
        T0 + 1_000,
    );
    let notes = "Ask the user to request a new link. ".repeat(400);
    let out = h.forward(
        "L1",
        event(
            "L1",
            T0 + 600_000,
            Kind::Resolved(Resolved {
                resolution_code: "how_to".into(),
                category: ResolutionCategory::HowTo as i32,
                notes: notes.clone(),
                ..Default::default()
            }),
        ),
        T0 + 600_000,
    );
    let occurrence = out.iter().find(|o| o.topic == "problems").unwrap();
    let r: escalator_reports::EscalationRecord = serde_json::from_slice(&occurrence.value).unwrap();
    assert_eq!(
        r.resolution_notes.chars().count(),
        escalator_aggregator::processor::MAX_TEXT
    );
    assert!(notes.starts_with(&r.resolution_notes));
    // The record kept for the reports has the notes whole.
    assert_eq!(done(&h, "esc-L1").resolution_notes, notes);
}

#[test]
fn a_reopened_ticket_marks_the_escalation_that_ended_before() {
    let mut h = H::new();
    h.send("decisions", "R1", decision("R1", T0), T0);
    accept(&mut h, "R1", T0 + 60_000, "ines");
    resolve(&mut h, "R1", T0 + 600_000, "bug_fix");
    let reopen = |h: &mut H, at: i64| {
        h.forward(
            "R1",
            event(
                "R1",
                at,
                Kind::Reopened(escalator_proto::v1::ticket_event::Reopened::default()),
            ),
            at,
        )
    };
    // Still waiting for its placement: marked there.
    reopen(&mut h, T0 + 900_000);
    h.send(
        "routed.identity",
        "R1",
        routed("R1", T0 + 1_000),
        T0 + 950_000,
    );
    let r = done(&h, "esc-R1");
    assert!(r.reopened);
    let report = escalator_reports::utilization_report(
        &[r],
        &[],
        escalator_reports::Window {
            start_ms: T0 - 1,
            end_ms: T0 + 86_400_000,
        },
        T0 + 86_400_000,
    );
    assert_eq!(report.queues[0].reopened, 1);

    // Finished, then reopened: marked too; a second escalation of the ticket
    // that is still open is left alone.
    let mut h = H::new();
    h.send("decisions", "R1", decision("R1", T0), T0);
    h.send(
        "routed.identity",
        "R1",
        routed("R1", T0 + 1_000),
        T0 + 1_000,
    );
    resolve(&mut h, "R1", T0 + 600_000, "bug_fix");
    assert!(!done(&h, "esc-R1").reopened);
    reopen(&mut h, T0 + 900_000);
    assert!(done(&h, "esc-R1").reopened);
}
