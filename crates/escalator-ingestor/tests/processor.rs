//! The ingestor processor on the embedded driver: poison never costs a valid
//! event, redeliveries are dropped (also after a restart), conflicting
//! duplicates are dead-lettered, and the dedup window expires.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use escalator_ingestor::{Ingestor, IngestorSettings};
use escalator_proto::v1::TicketEvent;
use escalator_runtime::embedded::Pipeline;
use escalator_runtime::processor::header;
use escalator_runtime::{DeadLetterSettings, ManualClock, Output};
use prost::Message;
use rand::{Rng, SeedableRng};

const START: i64 = 1_742_000_000_000;

fn ingestor() -> Ingestor {
    let s = IngestorSettings {
        dedup_window_ms: 60 * 60 * 1000,
        ..Default::default()
    };
    Ingestor::from_settings(&s)
}

fn open(dir: &std::path::Path, clock: &ManualClock) -> Pipeline {
    let dlq = DeadLetterSettings {
        topic: "tickets.dlq".into(),
        ..Default::default()
    };
    let mut p = Pipeline::open(dir, dlq, Arc::new(clock.clone())).unwrap();
    p.add(ingestor(), &["tickets.raw"]).unwrap();
    p
}

fn canonical(ticket: usize, seq: usize) -> String {
    let kinds = [
        r#""type":"comment_added","data":{"comment_id":"c","public":true,"body":"Export fails:\n java.lang.IllegalStateException at com.acme.X.run(X.java:1) — grüße"}"#,
        r#""type":"status_changed","data":{"from":"open","to":"pending"}"#,
        r#""type":"priority_changed","data":{"from":"normal","to":"high"}"#,
        r#""type":"assigned","data":{"queue":"l1-general","tier":"l1"}"#,
        r#""type":"customer_replied","data":{"body":"still broken"}"#,
    ];
    format!(
        r#"{{"event_id":"t{ticket}-e{seq}","ticket_id":"T-{ticket}","sequence":{seq},"occurred_at":{},"customer":{{"id":"c{ticket}","tier":"enterprise"}},{}}}"#,
        START - 3_600_000 + (seq as i64) * 1000,
        kinds[seq % kinds.len()]
    )
}

/// Malformed payloads and the error kind each must get.
fn poison(i: usize) -> (Vec<u8>, &'static str) {
    match i % 8 {
        0 => (b"{\"event_id\": \"x\", \"ticket_id\": ".to_vec(), "malformed_json"),
        1 => (br#"{"event_id":7,"ticket_id":"T","type":"created","occurred_at":1}"#.to_vec(), "wrong_type"),
        2 => (br#"{"event_id":"p","ticket_id":"T","type":"levitated","occurred_at":1742000000000}"#.to_vec(), "unknown_event_type"),
        3 => (br#"{"event_id":"p","type":"created","occurred_at":1742000000000}"#.to_vec(), "missing_ticket_id"),
        4 => (b"{\"event_id\":\"p\xff\xfe\"}".to_vec(), "invalid_utf8"),
        5 => (format!("{}{}", "[".repeat(5000), "]".repeat(5000)).into_bytes(), "nesting_too_deep"),
        6 => (br#"{"event_id":"p","ticket_id":"T","type":"created","occurred_at":"2099-01-01T00:00:00Z"}"#.to_vec(), "timestamp_in_future"),
        _ => (format!(r#"{{"event_id":"p","ticket_id":"T","type":"created","occurred_at":1,"description":"{}"}}"#, "x".repeat(1_100_000)).into_bytes(), "body_too_large"),
    }
}

fn events(outs: &[(u64, Output)]) -> Vec<TicketEvent> {
    outs.iter()
        .filter(|(_, o)| o.topic == "tickets.events")
        .map(|(_, o)| TicketEvent::decode(o.value.as_slice()).unwrap())
        .collect()
}

fn letters(outs: &[(u64, Output)]) -> Vec<&Output> {
    outs.iter()
        .map(|(_, o)| o)
        .filter(|o| o.topic == "tickets.dlq")
        .collect()
}

fn h(o: &Output, name: &str) -> String {
    header(&o.headers, name)
        .map(|v| String::from_utf8_lossy(v).into_owned())
        .unwrap_or_default()
}

#[test]
fn one_percent_poison_and_redeliveries_cost_no_valid_event() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(START);
    let mut p = open(dir.path(), &clock);
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);

    // 2,000 valid events over 40 tickets, each delivered 1-3 times, in
    // per-ticket order, with 1% poison mixed in.
    let mut valid: Vec<(usize, usize)> =
        (0..40).flat_map(|t| (0..50).map(move |s| (t, s))).collect();
    valid.sort_by_key(|(t, s)| (*s, *t));
    let mut stream: Vec<(Vec<u8>, Option<&'static str>)> = Vec::new();
    for (t, s) in &valid {
        for _ in 0..rng.random_range(1..=3) {
            stream.push((canonical(*t, *s).into_bytes(), None));
        }
    }
    let n_poison = valid.len() / 100;
    for i in 0..n_poison {
        let at = rng.random_range(0..stream.len());
        let (bytes, kind) = poison(i);
        stream.insert(at, (bytes, Some(kind)));
    }

    let mut committed = Vec::new();
    let mut expected_dlq = Vec::new();
    for (offset, (bytes, kind)) in stream.iter().enumerate() {
        p.send("tickets.raw", None, bytes, &[], None).unwrap();
        if let Some(k) = kind {
            expected_dlq.push((offset.to_string(), *k));
        }
        if offset % 100 == 99 {
            committed.extend(p.commit().unwrap());
        }
    }
    committed.extend(p.commit().unwrap());

    let evs = events(&committed);
    assert_eq!(evs.len(), valid.len(), "every valid event exactly once");
    let mut per_ticket: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for e in &evs {
        per_ticket
            .entry(e.ticket_id.clone())
            .or_default()
            .push(e.source_sequence.unwrap());
    }
    for (ticket, seqs) in &per_ticket {
        assert_eq!(seqs, &(0..50).collect::<Vec<i64>>(), "order of {ticket}");
    }
    let dl = letters(&committed);
    let got: Vec<(String, &str)> = dl
        .iter()
        .map(|o| {
            (
                h(o, "escalator-dlq-offset"),
                header(&o.headers, "escalator-dlq-error-kind")
                    .map(|k| std::str::from_utf8(k).unwrap())
                    .unwrap(),
            )
        })
        .collect();
    let got: Vec<(String, String)> = got.into_iter().map(|(a, b)| (a, b.to_owned())).collect();
    let want: Vec<(String, String)> = expected_dlq
        .into_iter()
        .map(|(a, b)| (a, b.to_owned()))
        .collect();
    assert_eq!(got, want);
    for o in dl {
        assert_eq!(h(o, "escalator-dlq-topic"), "tickets.raw");
        assert!(!h(o, "escalator-dlq-error-message").is_empty());
    }
}

#[test]
fn conflicting_duplicates_are_dead_lettered_and_dedup_survives_restart() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(START);
    {
        let mut p = open(dir.path(), &clock);
        p.send("tickets.raw", None, canonical(1, 1).as_bytes(), &[], None)
            .unwrap();
        let out = p.commit().unwrap();
        assert_eq!(events(&out).len(), 1);
    }
    let mut p = open(dir.path(), &clock);
    p.send("tickets.raw", None, canonical(1, 1).as_bytes(), &[], None)
        .unwrap();
    let changed = canonical(1, 1).replace("\"to\":\"pending\"", "\"to\":\"solved\"");
    assert_ne!(changed, canonical(1, 1));
    p.send("tickets.raw", None, changed.as_bytes(), &[], None)
        .unwrap();
    let out = p.commit().unwrap();
    assert!(
        events(&out).is_empty(),
        "redelivery after restart is dropped"
    );
    let dl = letters(&out);
    assert_eq!(dl.len(), 1);
    assert_eq!(
        h(dl[0], "escalator-dlq-error-kind"),
        "conflicting_duplicate"
    );
}

#[test]
fn the_dedup_window_expires() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(START);
    let mut p = open(dir.path(), &clock);
    p.send("tickets.raw", None, canonical(2, 3).as_bytes(), &[], None)
        .unwrap();
    assert_eq!(events(&p.commit().unwrap()).len(), 1);
    clock.advance_by(30 * 60 * 1000);
    p.tick().unwrap();
    p.send("tickets.raw", None, canonical(2, 3).as_bytes(), &[], None)
        .unwrap();
    assert!(events(&p.commit().unwrap()).is_empty(), "inside the window");
    clock.advance_by(31 * 60 * 1000);
    assert_eq!(p.tick().unwrap().timers_fired, 1);
    p.commit().unwrap();
    p.send("tickets.raw", None, canonical(2, 3).as_bytes(), &[], None)
        .unwrap();
    assert_eq!(
        events(&p.commit().unwrap()).len(),
        1,
        "remembered no longer than the window"
    );
}

#[test]
fn outputs_are_keyed_by_ticket_and_carry_contract_headers() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(START);
    let mut p = open(dir.path(), &clock);
    p.send("tickets.raw", None, canonical(3, 0).as_bytes(), &[], None)
        .unwrap();
    let out = p.commit().unwrap();
    let (_, o) = out
        .iter()
        .find(|(_, o)| o.topic == "tickets.events")
        .unwrap();
    assert_eq!(o.key.as_deref(), Some(&b"T-3"[..]));
    let hs: HashMap<String, String> = o
        .headers
        .iter()
        .map(|x| {
            (
                x.name.clone(),
                String::from_utf8_lossy(&x.value).into_owned(),
            )
        })
        .collect();
    assert_eq!(
        hs["content-type"],
        "application/x-protobuf; messageType=escalator.v1.TicketEvent"
    );
    assert_eq!(hs["escalator-schema"], "escalator.v1");
    assert!(hs["traceparent"].starts_with("00-"));
}
