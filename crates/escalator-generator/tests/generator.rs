#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]
//! The generator's promises: determinism, every event accepted by the
//! canonical adapter, causal order per ticket, and a realistic mix.

use std::collections::{BTreeMap, BTreeSet};

use escalator_generator::{Settings, generate, summarize, write_jsonl};
use escalator_ingestor::adapters::SOURCE_HEADER;
use escalator_ingestor::{Ingestor, IngestorSettings};
use escalator_proto::v1::ticket_event::Kind;
use escalator_runtime::{Header, Record};
use serde_json::Value;

/// 2026-11-30T00:00:00Z, a Monday.
const START: i64 = 1_795_996_800_000;

fn jsonl(events: &[Value]) -> Vec<u8> {
    let mut out = Vec::new();
    write_jsonl(events, &mut out).unwrap();
    out
}

fn ms(e: &Value) -> i64 {
    e["occurred_at"]
        .as_str()
        .unwrap()
        .parse::<jiff::Timestamp>()
        .unwrap()
        .as_millisecond()
}

fn by_ticket(events: &[Value]) -> BTreeMap<String, Vec<&Value>> {
    let mut m: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
    for e in events {
        m.entry(e["ticket_id"].as_str().unwrap().to_owned())
            .or_default()
            .push(e);
    }
    m
}

/// The texts the evaluator and the diagnostics read from an event.
fn texts(e: &Value) -> Vec<&str> {
    let d = &e["data"];
    [
        e["description"].as_str(),
        d["body"].as_str(),
        d["text_excerpt"].as_str(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

#[test]
fn same_seed_same_bytes_different_seed_different_output() {
    let a = jsonl(&generate(&Settings::new(11, 200, START)));
    let b = jsonl(&generate(&Settings::new(11, 200, START)));
    assert_eq!(a, b);
    let c = jsonl(&generate(&Settings::new(12, 200, START)));
    assert_ne!(a, c);
    // One compact object per line.
    let text = String::from_utf8(a).unwrap();
    for line in text.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        assert!(v.is_object());
    }
}

#[test]
fn every_event_passes_the_canonical_adapter() {
    let events = generate(&Settings::new(5, 300, START));
    assert!(events.len() > 1000);
    let last = events.iter().map(ms).max().unwrap();
    let ingestor = Ingestor::from_settings(&IngestorSettings::default());
    let mut errors = Vec::new();
    let mut accepted = 0;
    for (i, e) in events.iter().enumerate() {
        let bytes = serde_json::to_vec(e).unwrap();
        // Both with the source header and by detection.
        for headers in [vec![Header::new(SOURCE_HEADER, "canonical")], Vec::new()] {
            let record = Record {
                topic: "tickets.raw",
                partition: 0,
                offset: i as i64,
                key: None,
                value: &bytes,
                headers: &headers,
                timestamp_ms: None,
            };
            match ingestor.normalize(&record, last + 60_000) {
                Ok((_, out)) => {
                    assert_eq!(out.len(), 1);
                    let ev = &out[0];
                    assert_eq!(ev.ticket_id, e["ticket_id"].as_str().unwrap());
                    assert_eq!(ev.event_id, e["event_id"].as_str().unwrap());
                    assert_eq!(ev.event_time_ms, ms(e));
                    assert_eq!(ev.source_name, "generator");
                    match &ev.kind {
                        Some(Kind::SpecialistAccepted(a)) => {
                            assert!(a.escalation_id.is_empty());
                            assert!(!a.domain.is_empty() && !a.queue.is_empty());
                            assert!(!a.specialist_id.is_empty());
                        }
                        Some(Kind::Resolved(r)) => {
                            // A known category, never the UNKNOWN/OTHER fallback by accident.
                            assert_ne!(r.category, 0, "{e}");
                        }
                        _ => {}
                    }
                    accepted += 1;
                }
                Err(err) => errors.push(format!("{}: {err}", e["event_id"])),
            }
        }
    }
    assert!(
        errors.is_empty(),
        "{} errors, first: {:?}",
        errors.len(),
        &errors[..errors.len().min(5)]
    );
    assert_eq!(accepted, 2 * events.len());
    eprintln!(
        "{} events of 300 tickets, each normalized twice (header and detection): 0 errors",
        events.len()
    );
}

#[test]
fn tickets_keep_causal_order_and_output_is_sorted() {
    let events = generate(&Settings::new(3, 400, START));
    let times: Vec<i64> = events.iter().map(ms).collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "not sorted by occurred_at"
    );
    assert!(times[0] >= START);
    let ids: BTreeSet<&str> = events
        .iter()
        .map(|e| e["event_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), events.len(), "event ids are not unique");
    fn strings<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
        match v {
            Value::String(s) => out.push(s),
            Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
            Value::Object(m) => m.values().for_each(|x| strings(x, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    for e in &events {
        strings(e, &mut all);
    }
    for s in all {
        assert!(!s.contains("{{"), "unfilled placeholder in {s:?}");
    }
    let tickets = by_ticket(&events);
    assert_eq!(tickets.len(), 400);
    for (id, evs) in &tickets {
        assert_eq!(evs[0]["type"], "created", "{id}");
        assert!(evs[1..].iter().all(|e| e["type"] != "created"), "{id}");
        let t: Vec<i64> = evs.iter().map(|e| ms(e)).collect();
        assert!(
            t.windows(2).all(|w| w[0] < w[1]),
            "{id}: times not strictly increasing"
        );
        let seq: Vec<i64> = evs
            .iter()
            .map(|e| e["sequence"].as_i64().unwrap())
            .collect();
        assert!(
            seq.windows(2).all(|w| w[0] + 1 == w[1]),
            "{id}: sequence gaps"
        );
        assert!(id.starts_with("gen:"), "{id}");
        let customer = evs[0]["customer"]["id"].as_str().unwrap();
        assert!(id.starts_with(&format!("gen:{customer}:")), "{id}");
        // Reopens come within 3 days of the resolution before them.
        let mut resolved_at = None;
        for e in evs {
            match e["type"].as_str().unwrap() {
                "resolved" => resolved_at = Some(ms(e)),
                "reopened" => {
                    let r = resolved_at.expect("reopened before any resolution");
                    assert!(
                        ms(e) - r <= 3 * 86_400_000,
                        "{id}: reopen after more than 3 days"
                    );
                }
                _ => {}
            }
        }
    }
}

/// Domain names of `deploy/routing.toml`, read without a TOML parser.
fn routing_domains() -> Vec<String> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../deploy/routing.toml"
    ))
    .unwrap();
    let mut out = Vec::new();
    let mut in_domain = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with("[[") || line.starts_with('[') {
            in_domain = line == "[[domains]]";
        } else if in_domain {
            if let Some(v) = line.strip_prefix("name = ") {
                out.push(v.trim_matches('"').to_owned());
            }
        }
    }
    out
}

#[test]
fn the_mix_is_realistic() {
    let events = generate(&Settings::new(2026, 1000, START));
    let s = summarize(&events);
    assert_eq!(s.tickets, 1000);
    for tier in ["standard", "business", "enterprise", "strategic"] {
        assert!(
            s.tickets_by_customer_tier.get(tier).copied().unwrap_or(0) > 30,
            "{tier}: {s:?}"
        );
    }
    assert!(s.tickets_by_customer_tier["standard"] > s.tickets_by_customer_tier["strategic"]);
    for p in ["low", "normal", "high", "urgent"] {
        assert!(s.tickets_by_priority.contains_key(p), "{p}");
    }

    // Every routing domain: as the problem's domain, or (triage) as the
    // domain of a specialist who accepted a vague ticket.
    let mut seen: BTreeSet<String> = s.tickets_by_domain.keys().cloned().collect();
    for e in &events {
        if e["type"] == "specialist_accepted" {
            seen.insert(e["data"]["domain"].as_str().unwrap().to_owned());
        }
    }
    let domains = routing_domains();
    assert_eq!(domains.len(), 8);
    for d in &domains {
        assert!(seen.contains(d), "domain {d} never appears");
    }
    for (d, n) in &s.tickets_by_domain {
        assert!(domains.contains(d), "unknown domain {d}");
        assert!(*n >= 50, "{d}: only {n} tickets");
    }

    for kind in [
        "specialist_accepted",
        "domain_reassigned",
        "sent_back_to_l1",
        "resolved",
        "reopened",
        "priority_changed",
        "attachment_added",
        "customer_replied",
        "status_changed",
    ] {
        assert!(
            s.events_by_type.get(kind).copied().unwrap_or(0) > 5,
            "{kind}: {:?}",
            s.events_by_type
        );
    }
    for cat in [
        "how_to",
        "known_issue",
        "configuration",
        "user_error",
        "bug_fix",
        "workaround",
        "no_fault_found",
        "duplicate",
        "other",
    ] {
        assert!(
            s.resolutions_by_category.get(cat).copied().unwrap_or(0) > 5,
            "{cat}: {:?}",
            s.resolutions_by_category
        );
    }
    let share = s.with_specialist as f64 / s.tickets as f64;
    assert!((0.10..=0.40).contains(&share), "specialist share {share}");
    let open = s.open as f64 / s.tickets as f64;
    assert!((0.03..=0.12).contains(&open), "open share {open}");
    assert_eq!(s.resolved + s.open, s.tickets);
    assert!(
        s.reopened > 10 && s.domain_reassigned > 10 && s.sent_back_to_l1 > 5,
        "{s:?}"
    );
    assert!(s.resolutions_with_kb > 100);
    assert!(s.customers >= 30);

    // Diagnostics and personal data, as the extractor and redaction see them.
    let tickets = by_ticket(&events);
    let mut with_trace = 0;
    let mut with_pii = 0;
    let mut with_secret = 0;
    for evs in tickets.values() {
        let mut trace = false;
        let mut pii = false;
        let mut secret = false;
        for t in evs.iter().flat_map(|e| texts(e)) {
            trace |= escalator_diagnostics::evidence_counts(t).stack_traces > 0;
            use escalator_redact::Kind as K;
            let c = escalator_redact::redact(t).counts;
            pii |= c.get(K::Email) + c.get(K::Phone) > 0;
            secret |= [
                K::UrlPassword,
                K::Jwt,
                K::CloudKey,
                K::ApiToken,
                K::Secret,
                K::CardNumber,
            ]
            .iter()
            .any(|k| c.get(*k) > 0);
        }
        with_trace += usize::from(trace);
        with_pii += usize::from(pii);
        with_secret += usize::from(secret);
    }
    assert!(with_trace > 100, "{with_trace} tickets with a stack trace");
    assert!(with_pii > 100, "{with_pii} tickets with personal data");
    assert!(with_secret > 10, "{with_secret} tickets with a secret");
}
