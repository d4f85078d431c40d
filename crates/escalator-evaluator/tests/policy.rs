//! The escalation policy on an injected clock: thresholds across weekends,
//! holidays, split shifts, time zones and a daylight-saving change; pause and
//! resume; reopen; re-escalation; ping-pong; complexity; CEL; no double
//! escalation; late events; validation errors with file, line and rule.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::Arc;

use escalator_evaluator::state::TicketState;
use escalator_evaluator::{Evaluator, Policy};
use escalator_proto::v1::ticket_event::{self as te, Kind};
use escalator_proto::v1::*;
use escalator_runtime::{Output, Record, Task};
use prost::Message;

fn ms(rfc3339: &str) -> i64 {
    rfc3339.parse::<jiff::Timestamp>().unwrap().as_millisecond()
}

fn policy() -> Arc<Policy> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/policy.toml");
    Arc::new(Policy::load(&path).unwrap_or_else(|e| panic!("{e}")))
}

struct Harness {
    p: Evaluator,
    task: Task<TicketState>,
    seq: u64,
}

impl Harness {
    fn new() -> Self {
        Harness {
            p: Evaluator {
                policy: policy(),
                decisions_topic: "escalations.decisions".into(),
                retention_ms: 30 * 86_400_000,
            },
            task: Task::default(),
            seq: 0,
        }
    }

    /// The decisions among the outputs (the forwarded lifecycle events
    /// that go with them are left out).
    fn decisions(out: &[Output]) -> Vec<EscalationDecision> {
        let ct = escalator_proto::content_type::<EscalationDecision>();
        out.iter()
            .filter(|o| escalator_runtime::headers::has_content_type(&o.headers, &ct))
            .map(|o| EscalationDecision::decode(o.value.as_slice()).unwrap())
            .collect()
    }

    /// Applies an event that happened (and is processed) at `at`.
    fn send(&mut self, at: i64, mut ev: TicketEvent) -> Vec<EscalationDecision> {
        self.seq += 1;
        if ev.event_id.is_empty() {
            ev.event_id = format!("e{}", self.seq);
        }
        ev.ticket_id = "T-1".into();
        ev.event_time_ms = at;
        let bytes = ev.encode_to_vec();
        let rec = Record {
            topic: "tickets.events",
            partition: 0,
            offset: self.seq as i64,
            key: Some(b"T-1"),
            value: &bytes,
            headers: &[],
            timestamp_ms: None,
        };
        let mut out = Vec::new();
        self.task.process(&self.p, &rec, at, &mut out).unwrap();
        self.task.commit();
        Self::decisions(&out)
    }

    /// Lets time pass to `to`, firing due deadlines.
    fn advance(&mut self, to: i64) -> Vec<EscalationDecision> {
        let mut out = Vec::new();
        loop {
            let fired = self.task.fire_due(&self.p, to, 100, &mut out);
            self.task.commit();
            if fired.is_empty() {
                break;
            }
        }
        Self::decisions(&out)
    }

    fn state(&self) -> &TicketState {
        self.task.state(b"T-1").unwrap()
    }
}

fn created(tier: CustomerTier, priority: Priority) -> TicketEvent {
    TicketEvent {
        customer: Some(Customer {
            id: "acme".into(),
            tier: tier as i32,
            ..Default::default()
        }),
        priority: priority as i32,
        status: TicketStatus::New as i32,
        support_tier: SupportTier::L1 as i32,
        queue: "l1-general".into(),
        subject: Some("Export fails".into()),
        description: Some("The nightly export stopped working.".into()),
        kind: Some(Kind::Created(te::Created {
            channel: "email".into(),
        })),
        ..Default::default()
    }
}

fn status(to: TicketStatus) -> TicketEvent {
    TicketEvent {
        kind: Some(Kind::StatusChanged(te::StatusChanged {
            to_status: to as i32,
            ..Default::default()
        })),
        ..Default::default()
    }
}

fn customer_comment(body: &str) -> TicketEvent {
    TicketEvent {
        actor: Some(Actor {
            role: ActorRole::Customer as i32,
            ..Default::default()
        }),
        kind: Some(Kind::CommentAdded(te::CommentAdded {
            author: Some(Actor {
                id: "c1".into(),
                role: ActorRole::Customer as i32,
                ..Default::default()
            }),
            visibility: CommentVisibility::Public as i32,
            body: body.into(),
            ..Default::default()
        })),
        ..Default::default()
    }
}

fn kind(k: Kind) -> TicketEvent {
    TicketEvent {
        kind: Some(k),
        ..Default::default()
    }
}

#[test]
fn enterprise_urgent_escalates_at_thirty_minutes_once_on_a_24x7_calendar() {
    let mut h = Harness::new();
    let t0 = ms("2026-12-05T22:10:00Z"); // a Saturday night: 24x7 does not care
    assert!(
        h.send(t0, created(CustomerTier::Enterprise, Priority::Urgent))
            .is_empty()
    );
    assert!(
        h.advance(t0 + 29 * 60_000 + 59_000).is_empty(),
        "not before 30 minutes"
    );
    let d = h.advance(t0 + 30 * 60_000);
    assert_eq!(d.len(), 1, "fires at its deadline, with no new event");
    let f = &d[0].rule_firings[0];
    assert_eq!(
        (
            f.rule_id.as_str(),
            f.threshold.as_str(),
            f.calendar_id.as_str()
        ),
        ("tiq-enterprise-urgent", "30m", "24x7")
    );
    assert_eq!(f.business_elapsed_ms, 30 * 60_000);
    assert_eq!(d[0].kind, EscalationKind::Escalate as i32);
    assert_eq!(
        (d[0].from_tier, d[0].to_tier),
        (SupportTier::L1 as i32, SupportTier::L2 as i32)
    );
    assert_eq!(d[0].decided_at_ms, t0 + 30 * 60_000);
    assert_eq!(d[0].policy_version, policy().version);
    assert!(d[0].escalation_id.starts_with("esc-"));
    let packet = d[0].handoff.as_ref().unwrap();
    assert!(!packet.markdown.is_empty());
    // No second decision for the same reason.
    assert!(
        h.send(t0 + 31 * 60_000, customer_comment("any news?"))
            .is_empty()
    );
}

#[test]
fn weekend_business_hours_on_the_emea_calendar() {
    // Standard/normal: 1 business day = 8h, Mon-Thu 08-12 + 13-17, Fri 08-12 + 13-16 (Berlin).
    let mut h = Harness::new();
    let t0 = ms("2026-12-04T15:00:00+01:00"); // Friday 15:00: 1h left that day
    h.send(t0, created(CustomerTier::Standard, Priority::Normal));
    // Monday: 08-12 (4h, total 5h), 13-16 (3h, total 8h) -> 16:00.
    assert!(h.advance(ms("2026-12-07T15:59:00+01:00")).is_empty());
    let d = h.advance(ms("2026-12-07T16:00:00+01:00"));
    assert_eq!(d.len(), 1);
    let f = &d[0].rule_firings[0];
    assert_eq!(
        (
            f.rule_id.as_str(),
            f.calendar_id.as_str(),
            f.time_zone.as_str()
        ),
        ("tiq-default", "emea-business", "Europe/Berlin")
    );
    assert_eq!(f.business_elapsed_ms, 8 * 3_600_000);
    assert_eq!(f.wall_elapsed_ms, ms("2026-12-07T16:00:00+01:00") - t0);
}

#[test]
fn holidays_push_the_deadline() {
    let mut h = Harness::new();
    // Wednesday 23 Dec 16:00: 1h; 24-26 Dec holidays; Sunday closed;
    // Monday 28 Dec: 08-12 (5h), 13-16 (8h).
    h.send(
        ms("2026-12-23T16:00:00+01:00"),
        created(CustomerTier::Standard, Priority::Normal),
    );
    assert!(h.advance(ms("2026-12-28T15:59:59+01:00")).is_empty());
    assert_eq!(h.advance(ms("2026-12-28T16:00:00+01:00")).len(), 1);
}

#[test]
fn split_shift_lunch_does_not_count() {
    let mut h = Harness::new();
    // Tuesday 11:00, high priority = 4h: 11-12 (1h), 13-16 (3h) -> 16:00, not 15:00.
    h.send(
        ms("2026-12-08T11:00:00+01:00"),
        created(CustomerTier::Standard, Priority::High),
    );
    assert!(h.advance(ms("2026-12-08T15:30:00+01:00")).is_empty());
    let d = h.advance(ms("2026-12-08T16:00:00+01:00"));
    assert_eq!(d[0].rule_firings[0].rule_id, "tiq-high");
}

#[test]
fn daylight_saving_change_over_the_weekend() {
    let mut h = Harness::new();
    // Friday 23 Oct 2026 15:00 CEST (UTC+2): 1h; clocks go back on Sunday 25;
    // Monday 26 Oct 08-12, 13-16 CET (UTC+1) -> 16:00 CET = 15:00 UTC.
    h.send(
        ms("2026-10-23T15:00:00+02:00"),
        created(CustomerTier::Standard, Priority::Normal),
    );
    assert!(h.advance(ms("2026-10-26T14:59:00Z")).is_empty());
    assert_eq!(h.advance(ms("2026-10-26T15:00:00Z")).len(), 1);
}

#[test]
fn the_clock_pauses_while_waiting_on_the_customer() {
    let mut h = Harness::new();
    let t0 = ms("2026-12-05T10:00:00Z");
    h.send(t0, created(CustomerTier::Enterprise, Priority::Urgent));
    h.send(t0 + 10 * 60_000, status(TicketStatus::Pending));
    assert!(
        h.advance(t0 + 3 * 3_600_000).is_empty(),
        "paused for hours: nothing fires"
    );
    let why = escalator_evaluator::explain::why_not_yet(&policy(), h.state(), t0 + 3 * 3_600_000);
    assert!(why["state"]["paused_since"].is_string(), "{why}");
    // The customer replies: 20 minutes remain from here.
    let back = t0 + 3 * 3_600_000;
    assert!(
        h.send(back, customer_comment("Here are the logs you asked for"))
            .is_empty()
    );
    assert!(h.advance(back + 19 * 60_000).is_empty());
    let d = h.advance(back + 20 * 60_000);
    assert_eq!(d.len(), 1);
    assert_eq!(
        d[0].rule_firings[0].business_elapsed_ms,
        30 * 60_000,
        "pause excluded exactly"
    );
}

#[test]
fn repeated_reopens_escalate() {
    let mut h = Harness::new();
    let t0 = ms("2026-12-05T10:00:00Z");
    h.send(t0, created(CustomerTier::Enterprise, Priority::Low));
    let resolved = || {
        kind(Kind::Resolved(te::Resolved {
            resolution_code: "how_to".into(),
            ..Default::default()
        }))
    };
    let reopened = || {
        kind(Kind::Reopened(te::Reopened {
            reason: "still broken".into(),
        }))
    };
    h.send(t0 + 60_000, resolved());
    assert!(
        h.send(t0 + 120_000, reopened()).is_empty(),
        "one reopen is not enough"
    );
    h.send(t0 + 180_000, resolved());
    let d = h.send(t0 + 240_000, reopened());
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].kind, EscalationKind::Reopen as i32);
    assert_eq!(d[0].rule_firings[0].rule_id, "repeated-reopens");
    assert_eq!(d[0].rule_firings[0].observed_value, "2 reopen(s)");
}

#[test]
fn l2_without_pickup_reescalates_to_l3() {
    let mut h = Harness::new();
    let t0 = ms("2026-12-05T10:00:00Z");
    h.send(t0, created(CustomerTier::Enterprise, Priority::Urgent));
    let first = h.advance(t0 + 30 * 60_000);
    assert_eq!(first[0].kind, EscalationKind::Escalate as i32);
    // Enterprise pickup threshold in L2: 1h (24x7).
    assert!(h.advance(t0 + 89 * 60_000).is_empty());
    let d = h.advance(t0 + 90 * 60_000);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].kind, EscalationKind::Reescalate as i32);
    assert_eq!(
        (d[0].from_tier, d[0].to_tier),
        (SupportTier::L2 as i32, SupportTier::L3 as i32)
    );
    assert_eq!(d[0].rule_firings[0].rule_id, "l2-to-l3");
    // Nobody at L3 either within its hour: a duty manager is named, once.
    assert!(h.advance(t0 + 149 * 60_000).is_empty());
    let d = h.advance(t0 + 150 * 60_000);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].kind, EscalationKind::Unattended as i32);
    assert_eq!(d[0].rule_firings[0].rule_id, "l3-unattended");
    assert_eq!(d[0].owner_queue, "owner:support-duty-manager");
    assert!(h.advance(t0 + 600 * 60_000).is_empty());
}

#[test]
fn pickup_stops_the_pickup_clock_and_starts_the_resolution_clock() {
    let mut h = Harness::new();
    let t0 = ms("2026-12-05T10:00:00Z");
    h.send(t0, created(CustomerTier::Enterprise, Priority::Urgent));
    h.advance(t0 + 30 * 60_000);
    let accepted = kind(Kind::SpecialistAccepted(te::SpecialistAccepted {
        specialist_id: "kenji".into(),
        domain: "identity".into(),
        tier: SupportTier::L2 as i32,
        ..Default::default()
    }));
    h.send(t0 + 40 * 60_000, accepted);
    assert!(
        h.advance(t0 + 5 * 3_600_000).is_empty(),
        "picked up: no pickup breach"
    );
    // Resolution threshold for enterprise: 1d of the 24x7 calendar's business day (24h).
    assert!(
        h.advance(t0 + 40 * 60_000 + 24 * 3_600_000 - 1_000)
            .is_empty()
    );
    let d = h.advance(t0 + 40 * 60_000 + 24 * 3_600_000);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].rule_firings[0].threshold, "1d");
}

#[test]
fn ping_pong_is_flagged_with_a_named_owner_instead_of_bouncing() {
    let mut h = Harness::new();
    let t0 = ms("2026-12-05T10:00:00Z");
    h.send(t0, created(CustomerTier::Enterprise, Priority::Urgent));
    assert_eq!(
        h.advance(t0 + 30 * 60_000)[0].kind,
        EscalationKind::Escalate as i32
    );
    let back = kind(Kind::SentBackToL1(te::SentBackToL1 {
        reason: "config issue".into(),
        ..Default::default()
    }));
    h.send(t0 + 45 * 60_000, back);
    // In L1 again; the threshold passes again: L1 -> L2 -> L1 -> L2 would bounce.
    let d = h.advance(t0 + 75 * 60_000);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].kind, EscalationKind::PingPong as i32);
    assert_eq!(d[0].rule_firings[0].rule_id, "ping-pong");
    assert_eq!(d[0].owner.as_ref().unwrap().id, "support-duty-manager");
    assert_eq!(d[0].owner_queue, "owner:support-duty-manager");
    assert!(
        h.advance(t0 + 10 * 3_600_000)
            .iter()
            .all(|x| x.kind != EscalationKind::PingPong as i32),
        "flagged once"
    );
}

#[test]
fn complexity_escalates_before_any_threshold_and_explains_its_signals() {
    let mut h = Harness::new();
    let t0 = ms("2026-12-08T09:00:00+01:00");
    h.send(t0, created(CustomerTier::Enterprise, Priority::Normal));
    let d = h.send(
        t0 + 60_000,
        customer_comment(
            "URGENT: export fails with HTTP 502 and ORA-00942 in the log\n\
             java.lang.IllegalStateException: session expired\n\
             \tat com.acme.export.Job.run(Job.java:88)\n\
             \tat com.acme.export.Runner.main(Runner.java:12)",
        ),
    );
    assert_eq!(d.len(), 1, "score reached the enterprise threshold");
    let f = &d[0].rule_firings[0];
    assert_eq!(
        (f.rule_id.as_str(), f.unit.as_str()),
        ("complexity", "score")
    );
    let names: Vec<&str> = d[0]
        .complexity_signals
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert!(
        names.contains(&"stack_trace")
            && names.contains(&"error_code")
            && names.contains(&"customer_urgency"),
        "{names:?}"
    );
    assert!(d[0].complexity_score >= 5.0);
    let packet = d[0].handoff.as_ref().unwrap();
    assert!(
        !packet.stack_traces.is_empty(),
        "the trace is in the packet"
    );
}

#[test]
fn a_cel_condition_escalates_strategic_security_reports() {
    let mut h = Harness::new();
    let mut ev = created(CustomerTier::Strategic, Priority::Low);
    ev.tags = vec!["security".into()];
    ev.tags_known = true;
    let d = h.send(ms("2026-12-08T09:00:00Z"), ev);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].rule_firings[0].rule_id, "security-for-key-accounts");
    assert_eq!(d[0].rule_firings[0].unit, "condition");
}

#[test]
fn late_events_do_not_regress_state() {
    let mut h = Harness::new();
    let t0 = ms("2026-12-05T10:00:00Z");
    h.send(t0, created(CustomerTier::Enterprise, Priority::Low));
    h.send(t0 + 30 * 60_000, status(TicketStatus::Open));
    h.send(t0 + 10 * 60_000, status(TicketStatus::Pending)); // arrives late
    assert_eq!(h.state().status_name(), "open");
    assert!(h.state().paused_since_ms.is_none());
    assert_eq!(h.state().snapshot_ms, t0 + 30 * 60_000);
}

#[test]
fn the_same_history_gives_the_same_escalation_id() {
    let run = || {
        let mut h = Harness::new();
        let t0 = ms("2026-12-05T10:00:00Z");
        h.send(t0, created(CustomerTier::Enterprise, Priority::Urgent));
        h.advance(t0 + 3_600_000)[0].escalation_id.clone()
    };
    assert_eq!(run(), run());
}

#[test]
fn validation_errors_name_file_line_and_rule() {
    let text = "version = \"1\"\n\n[[time_in_queue]]\nid = \"tiq-x\"\ncustomer_tier = \"entreprise\"\npriority = \"high\"\nthreshold = \"2h\"\n";
    let err = Policy::parse("policy.toml", text)
        .err()
        .unwrap()
        .to_string();
    assert!(err.starts_with("policy.toml:"), "{err}");
    assert!(
        err.contains("rule tiq-x") && err.contains("entreprise"),
        "{err}"
    );
    let line: usize = err.split(':').nth(1).unwrap().parse().unwrap();
    assert!((3..=7).contains(&line), "line of the rule: {err}");

    let bad_duration = text
        .replace("entreprise", "enterprise")
        .replace("2h", "2 hours-ish");
    let err = Policy::parse("p.toml", &bad_duration)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("tiq-x") && err.contains("threshold"), "{err}");

    let bad_cel = "version = \"1\"\n[[custom]]\nid = \"c\"\nwhen = 'ticket.reopens >'\n";
    let err = Policy::parse("p.toml", bad_cel).err().unwrap().to_string();
    assert!(err.contains("rule c") && err.contains("CEL"), "{err}");

    let bad_field = "version = \"1\"\n[[custom]]\nid = \"c\"\nwhen = 'ticket.no_such_field == 1'\n";
    assert!(Policy::parse("p.toml", bad_field).is_err());

    let syntax = "version = \"1\"\n[[time_in_queue]\n";
    let err = Policy::parse("p.toml", syntax).err().unwrap();
    assert_eq!(err.line, 2, "{err}");
}

/// Each customer on its own business hours: a contract tier's calendar
/// (24x7) wherever the customer is; otherwise the region of the customer's
/// time zone (a Chicago business customer on American hours and holidays,
/// not Berlin's); the EMEA desk when the time zone is unknown; a customer's
/// own entry before all.
#[test]
fn the_calendar_follows_the_customer() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/policy.toml");
    let text = format!(
        "{}\n[calendar_by_customer]\n\"acme-us\" = \"emea-business\"\n",
        std::fs::read_to_string(path).unwrap()
    );
    let p = escalator_evaluator::Policy::parse("policy.toml", &text).unwrap();
    let cal = |customer: &str, tz: &str, tier: &str| {
        p.calendar_for_customer(customer, tz, tier).id().to_owned()
    };
    assert_eq!(
        cal("c1", "America/Chicago", "business"),
        "americas-business"
    );
    assert_eq!(cal("c1", "America/Chicago", "strategic"), "24x7");
    assert_eq!(cal("c1", "Europe/Madrid", "standard"), "emea-business");
    assert_eq!(cal("c1", "", "standard"), "emea-business");
    assert_eq!(cal("c1", "Asia/Tokyo", "standard"), "emea-business");
    assert_eq!(
        cal("acme-us", "America/Chicago", "business"),
        "emea-business"
    );
    // A calendar nobody defined is refused at load.
    let bad = text.replace("\"acme-us\" = \"emea-business\"", "\"acme-us\" = \"apac\"");
    let err = escalator_evaluator::Policy::parse("policy.toml", &bad).unwrap_err();
    assert!(
        err.to_string().contains("calendar_by_customer.acme-us"),
        "{err}"
    );
}

#[test]
fn an_unmapped_tier_and_priority_get_the_catch_all_row_and_the_decision_names_them() {
    let mut h = Harness::new();
    let t0 = ms("2026-12-08T09:00:00+01:00");
    let mut ev = created(CustomerTier::Unknown, Priority::Unknown);
    ev.customer.as_mut().unwrap().tier_name = "platinum-plus".into();
    ev.priority_raw = "P0 - blocker".into();
    h.send(t0, ev);
    // tiq-default: one business day (8 h) on the EMEA desk: Tuesday
    // 09-12 and 13-17, then Wednesday 08-09.
    assert!(h.advance(ms("2026-12-09T08:59:00+01:00")).is_empty());
    let d = h.advance(ms("2026-12-09T09:00:00+01:00"));
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].rule_firings[0].rule_id, "tiq-default");
    let reasons = &d[0].handoff.as_ref().unwrap().reasons;
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("customer tier \"platinum-plus\"") && r.contains("catch-all")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("priority \"P0 - blocker\"")),
        "{reasons:?}"
    );
}

/// A snapshot that says the help desk moved the ticket to another L1 queue.
fn moved_to_l1_queue(queue: &str) -> TicketEvent {
    TicketEvent {
        support_tier: SupportTier::L1 as i32,
        queue: queue.into(),
        kind: Some(Kind::FieldsUpdated(te::FieldsUpdated::default())),
        ..Default::default()
    }
}

#[test]
fn an_l1_to_l1_move_keeps_the_clock_unless_the_policy_times_each_queue() {
    // Enterprise urgent: 30 minutes on 24x7; the move comes at 20 minutes.
    let t0 = ms("2026-12-05T10:00:00Z");
    let mut h = Harness::new();
    h.send(t0, created(CustomerTier::Enterprise, Priority::Urgent));
    h.send(t0 + 20 * 60_000, moved_to_l1_queue("l1-billing"));
    assert_eq!(h.advance(t0 + 30 * 60_000).len(), 1, "one clock for L1");

    let text = escalator_evaluator::policy::DEFAULT.replacen(
        "default_calendar",
        "l1_clock = \"queue\"\ndefault_calendar",
        1,
    );
    let mut h = Harness::new();
    h.p.policy = Arc::new(Policy::parse("per-queue.toml", &text).unwrap_or_else(|e| panic!("{e}")));
    h.send(t0, created(CustomerTier::Enterprise, Priority::Urgent));
    h.send(t0 + 20 * 60_000, moved_to_l1_queue("l1-billing"));
    assert!(
        h.advance(t0 + 49 * 60_000).is_empty(),
        "the new queue's clock"
    );
    assert_eq!(h.advance(t0 + 50 * 60_000).len(), 1);
}

#[test]
fn an_agent_working_the_ticket_in_a_specialist_group_is_a_specialist_in_the_timeline() {
    let t0 = ms("2026-12-07T09:00:00+01:00");
    let mut h = Harness::new();
    h.send(t0, created(CustomerTier::Standard, Priority::Normal));
    // Help desks call every staff member an agent.
    let agent = |id: &str| Actor {
        id: id.into(),
        role: ActorRole::L1Agent as i32,
        ..Default::default()
    };
    let note = |by: &str, queue: &str, tier: SupportTier, assignee: &str| TicketEvent {
        support_tier: tier as i32,
        queue: queue.into(),
        assignee: Some(agent(assignee)),
        actor: Some(agent(by)),
        kind: Some(Kind::CommentAdded(te::CommentAdded {
            author: Some(agent(by)),
            visibility: CommentVisibility::Internal as i32,
            body: "Looked at the logs.".into(),
            ..Default::default()
        })),
        ..Default::default()
    };
    h.send(
        t0 + 60_000,
        note("lena", "l1-general", SupportTier::L1, "lena"),
    );
    let at_l1 = h.state().l1_touches;
    assert_eq!(at_l1, 1, "an L1 agent's note at L1 is effort");
    h.send(
        t0 + 120_000,
        note("henrik", "db-specialists", SupportTier::L2, "henrik"),
    );
    let last = h.state().timeline.last().unwrap();
    assert_eq!(last.kind, "comment_added");
    assert_eq!(last.role, ActorRole::Specialist as i32);
    assert_eq!(
        h.state().l1_touches,
        at_l1,
        "a specialist's note is not L1 effort"
    );
}
