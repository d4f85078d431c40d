//! `/metrics` of the aggregator with every label set populated passes
//! `promtool check metrics` (Debian's prometheus package; `make test`
//! installs it), and the scrape time is printed (not asserted: speed is for
//! benchmarks).

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use escalator_aggregator::processor::{AggState, Aggregator};
use escalator_proto::v1::ticket_event::{Kind, Resolved, SpecialistAccepted};
use escalator_proto::v1::*;
use escalator_runtime::headers::FORWARDED_FROM;
use escalator_runtime::{Header, Record, Task};
use prost::Message;

const DOMAINS: [&str; 8] = [
    "database",
    "networking",
    "identity",
    "platform",
    "billing",
    "frontend",
    "data-pipeline",
    "triage",
];
const TIERS: [CustomerTier; 4] = [
    CustomerTier::Standard,
    CustomerTier::Business,
    CustomerTier::Enterprise,
    CustomerTier::Strategic,
];

#[test]
fn metrics_with_all_label_sets_pass_promtool() {
    let handle = escalator_metrics::Builder::new()
        .global_label("service", "aggregator")
        .buckets(&[1.0, 60.0, 600.0, 3600.0, 14400.0, 86400.0])
        .unwrap()
        .install()
        .unwrap();
    escalator_aggregator::metrics::describe();
    let p = Aggregator {
        decisions_topic: "decisions".into(),
        routed_prefix: "routed.".into(),
        kb_topic: "kb".into(),
        problems_topic: "problems".into(),
        window_ms: 7 * 86_400_000,
        kb_min_count: 3,
    };
    let mut task: Task<AggState> = Task::default();
    let t0 = 1_796_000_000_000i64;
    let mut n = 0i64;
    // Specialist events come forwarded on the decisions topic, as the
    // evaluator sends them.
    let forwarded = [Header::new(FORWARDED_FROM, "events")];
    let mut send = |topic: &str, key: &str, value: Vec<u8>, at: i64| {
        let mut queue = vec![(topic.to_owned(), key.as_bytes().to_vec(), value)];
        while let Some((topic, key, value)) = queue.pop() {
            n += 1;
            let (topic, headers) = if topic == "events" {
                ("decisions", &forwarded[..])
            } else {
                (topic.as_str(), &[][..])
            };
            let rec = Record {
                topic,
                partition: 0,
                offset: n,
                key: Some(&key),
                value: &value,
                headers,
                timestamp_ms: None,
            };
            let mut out = Vec::new();
            task.process(&p, &rec, at, &mut out).unwrap();
            task.commit();
            // The problems topic comes back to the aggregator.
            queue.extend(
                out.into_iter()
                    .filter(|o| o.topic == "problems")
                    .map(|o| (o.topic, o.key.unwrap_or_default(), o.value)),
            );
        }
    };
    for (i, domain) in DOMAINS.iter().enumerate() {
        for (j, tier) in TIERS.iter().enumerate() {
            for l3 in [false, true] {
                let ticket = format!("T-{i}-{j}-{l3}");
                let at = t0 + (i * 100 + j * 10) as i64 * 60_000;
                let to = if l3 { SupportTier::L3 } else { SupportTier::L2 };
                let d = EscalationDecision {
                    escalation_id: format!("esc-{ticket}"),
                    ticket_id: ticket.clone(),
                    decided_at_ms: at,
                    to_tier: to as i32,
                    handoff: Some(HandoffPacket {
                        customer: Some(Customer {
                            tier: *tier as i32,
                            ..Default::default()
                        }),
                        ..Default::default()
                    }),
                    ..Default::default()
                };
                send("decisions", &ticket, d.encode_to_vec(), at);
                let r = RoutedEscalation {
                    escalation_id: format!("esc-{ticket}"),
                    ticket_id: ticket.clone(),
                    domain: (*domain).into(),
                    tier: to as i32,
                    routed_at_ms: at + 500,
                    ..Default::default()
                };
                send(
                    &format!("routed.{domain}"),
                    &ticket,
                    r.encode_to_vec(),
                    at + 500,
                );
                let ev = |k: Kind, t: i64| {
                    TicketEvent {
                        ticket_id: ticket.clone(),
                        event_id: format!("{ticket}-{t}"),
                        event_time_ms: t,
                        kind: Some(k),
                        ..Default::default()
                    }
                    .encode_to_vec()
                };
                send(
                    "events",
                    &ticket,
                    ev(
                        Kind::SpecialistAccepted(SpecialistAccepted {
                            specialist_id: "s1".into(),
                            ..Default::default()
                        }),
                        at + 60_000,
                    ),
                    at + 60_000,
                );
                send(
                    "events",
                    &ticket,
                    ev(
                        // How-to answers recur per domain: every domain's
                        // problem is suggested.
                        Kind::Resolved(Resolved {
                            resolution_code: "how_to".into(),
                            category: ResolutionCategory::HowTo as i32,
                            ..Default::default()
                        }),
                        at + 3_600_000,
                    ),
                    at + 3_600_000,
                );
            }
        }
    }
    let mut times = Vec::new();
    let mut body = String::new();
    for _ in 0..5 {
        let started = Instant::now();
        body = handle.render();
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let series = body.lines().filter(|l| !l.starts_with('#')).count();
    eprintln!(
        "scrape: {series} series, median render {:.2} ms over 5",
        times[2]
    );
    assert!(body.contains("escalator_aggregator_hop_duration_seconds_bucket"));
    assert!(body.contains("hop=\"pickup_to_resolution\""));
    assert!(
        body.contains(escalator_aggregator::metrics::KB_SUGGESTIONS),
        "every metric is populated"
    );

    escalator_tests::promtool::check_metrics(&body);
}
