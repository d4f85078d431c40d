//! Microbenchmarks of the hot paths (criterion): JSON and protobuf
//! decode/normalize, policy evaluation, extraction and redaction of a
//! comment with a log excerpt, domain classification, deadline arm/reset/
//! fire with 1M pending, state encode/decode, a histogram sample through
//! the services' metrics recorder. Inputs come from a generated
//! history, so they are realistic events (0.5-1 KB, logs and stack traces).

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use escalator_bench::fixture;
use escalator_diagnostics::{Role, Source, SourceKind};
use escalator_evaluator::Evaluator;
use escalator_evaluator::state::{StateCodec, TicketState};
use escalator_ingestor::{Ingestor, IngestorSettings};
use escalator_proto::v1::ticket_event::Kind;
use escalator_proto::v1::{EscalationDecision, TicketEvent};
use escalator_runtime::timers::{TimerKey, Timers};
use escalator_runtime::{Record, Task};
use escalator_standalone::Config;
use prost::Message;

struct Inputs {
    cfg: Config,
    /// A comment event with a log excerpt, as JSON and as protobuf.
    json: Vec<u8>,
    proto: Vec<u8>,
    comment: String,
    /// The state of a ticket with a long history.
    state: TicketState,
    decision: EscalationDecision,
}

fn inputs() -> Inputs {
    let cfg = Config::load(None, None).unwrap();
    let lines = fixture::history(3, 400);
    let encoded = fixture::protobuf(&lines);
    let (json, proto, comment) = lines
        .iter()
        .zip(&encoded)
        .find_map(|(l, e)| {
            let ev = TicketEvent::decode(e.value.as_slice()).ok()?;
            match &ev.kind {
                Some(Kind::CommentAdded(c))
                    if c.body.contains("ERROR") || c.body.contains("Exception") =>
                {
                    Some((l.bytes.clone(), e.value.clone(), c.body.clone()))
                }
                _ => None,
            }
        })
        .expect("a comment with a log excerpt");
    // The ticket with the most events, folded by the evaluator.
    let mut counts = std::collections::BTreeMap::<&[u8], usize>::new();
    for e in &encoded {
        *counts.entry(&e.key).or_default() += 1;
    }
    let busiest = counts
        .iter()
        .max_by_key(|(_, n)| **n)
        .map(|(k, _)| k.to_vec())
        .unwrap();
    let evaluator = Evaluator {
        policy: cfg.policy.clone(),
        decisions_topic: "d".into(),
        retention_ms: cfg.retention_ms,
    };
    let mut task: Task<TicketState> = Task::default();
    let mut decision = None;
    for (i, e) in encoded.iter().filter(|e| e.key == busiest).enumerate() {
        let record = Record {
            topic: "tickets.events",
            partition: 0,
            offset: i as i64,
            key: Some(&e.key),
            value: &e.value,
            headers: &[],
            timestamp_ms: Some(e.time_ms),
        };
        let mut out = Vec::new();
        let _ = task.process(&evaluator, &record, e.time_ms, &mut out);
        for o in out {
            if let Ok(d) = EscalationDecision::decode(o.value.as_slice()) {
                if d.handoff.is_some() {
                    decision = Some(d);
                }
            }
        }
    }
    task.commit();
    let state = task.state(&busiest).cloned().unwrap();
    Inputs {
        cfg,
        json,
        proto,
        comment,
        state,
        decision: decision.unwrap_or_default(),
    }
}

fn hot_paths(c: &mut Criterion) {
    let inp = inputs();
    let ingestor = Ingestor::from_settings(&IngestorSettings::default());
    c.bench_function("normalize_json_comment_event", |b| {
        b.iter(|| {
            let record = Record {
                topic: "tickets.raw",
                partition: 0,
                offset: 0,
                key: None,
                value: black_box(&inp.json),
                headers: &[],
                timestamp_ms: None,
            };
            black_box(ingestor.normalize(&record, i64::MAX / 4).unwrap())
        });
    });
    c.bench_function("decode_protobuf_ticket_event", |b| {
        b.iter(|| black_box(TicketEvent::decode(black_box(inp.proto.as_slice())).unwrap()));
    });
    let now = inp.state.snapshot_ms + 3_600_000;
    c.bench_function("evaluate_policy_long_ticket", |b| {
        b.iter(|| {
            black_box(escalator_evaluator::rules::evaluate(
                &inp.cfg.policy,
                black_box(&inp.state),
                now,
            ))
        });
    });
    c.bench_function("extract_and_redact_comment_with_log", |b| {
        b.iter(|| {
            let sources = [Source {
                kind: SourceKind::Comment { public: false },
                at_ms: 0,
                author_role: Role::Agent,
                text: black_box(&inp.comment),
            }];
            black_box(escalator_diagnostics::extract(&sources));
            black_box(escalator_redact::redact_str(&inp.comment))
        });
    });
    c.bench_function("classify_domain_from_decision", |b| {
        b.iter(|| {
            let f = escalator_router::features::from_decision(black_box(&inp.decision));
            black_box(escalator_router::classify::classify(
                &inp.cfg.routing,
                &f,
                &|_| None,
            ))
        });
    });
    let codec = StateCodec;
    let bytes = escalator_runtime::StateCodec::encode(&codec, &inp.state);
    c.bench_function("state_encode_long_ticket", |b| {
        b.iter(|| {
            black_box(escalator_runtime::StateCodec::encode(
                &codec,
                black_box(&inp.state),
            ))
        });
    });
    c.bench_function("state_decode_long_ticket", |b| {
        b.iter(|| {
            black_box(escalator_runtime::StateCodec::decode(&codec, black_box(&bytes)).unwrap())
        });
    });

    // A histogram sample as the processors record one: the `histogram!`
    // macro (series lookup by key) and the record, on the recorder every
    // service installs, with the aggregator's hop labels in use.
    let recorder = escalator_service::telemetry::metrics_builder("bench")
        .unwrap()
        .build_recorder();
    metrics::with_local_recorder(&recorder, || {
        const HOPS: [&str; 4] = ["routing", "pickup", "resolution", "total"];
        for (i, hop) in HOPS.iter().enumerate() {
            for tier in ["l2", "l3"] {
                metrics::histogram!("bench_hop_seconds", "hop" => *hop, "tier" => tier)
                    .record(i as f64);
            }
        }
        let mut v = 0.0;
        c.bench_function("metrics_histogram_sample", |b| {
            b.iter(|| {
                v = (v + 7.3) % 5000.0;
                metrics::histogram!("bench_hop_seconds", "hop" => "pickup", "tier" => "l2")
                    .record(black_box(v));
            });
        });
    });

    // Deadlines with 1M pending.
    let mut timers = Timers::default();
    for i in 0..1_000_000i64 {
        timers.set(
            TimerKey::new(format!("ticket-{i:08}").as_bytes(), "deadline"),
            10_000_000 + i,
        );
        timers.accept_record();
        if i % 2_000 == 0 {
            timers.commit_batch();
        }
    }
    timers.commit_batch();
    let mut n = 0i64;
    c.bench_function("deadline_arm_new_1m_pending", |b| {
        b.iter(|| {
            n += 1;
            timers.set(
                TimerKey::new(format!("new-{n}").as_bytes(), "deadline"),
                20_000_000 + n,
            );
            timers.accept_record();
            timers.commit_batch();
        });
    });
    let mut m = 0i64;
    c.bench_function("deadline_reset_1m_pending", |b| {
        b.iter(|| {
            m = (m + 7_919) % 1_000_000;
            timers.set(
                TimerKey::new(format!("ticket-{m:08}").as_bytes(), "deadline"),
                30_000_000 + m,
            );
            timers.accept_record();
            timers.commit_batch();
        });
    });
    let mut due_at = 0i64;
    c.bench_function("deadline_fire_one_1m_pending", |b| {
        b.iter(|| {
            due_at += 1;
            let key = TimerKey::new(b"firing", "deadline");
            timers.set(key, due_at);
            timers.accept_record();
            timers.commit_batch();
            for (k, _) in timers.due(due_at, 16) {
                timers.cancel(&k);
                timers.accept_record();
            }
            timers.commit_batch();
        });
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(3)).warm_up_time(std::time::Duration::from_secs(1));
    targets = hot_paths
}
criterion_main!(benches);
