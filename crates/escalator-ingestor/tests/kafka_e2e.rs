//! End to end against the real broker: the ingestor binary consumes raw
//! Zendesk payloads produced to the raw topic and serves the webhook
//! endpoint for Jira; the normalized events come out on the events topic,
//! once each, in per-ticket order; bad input lands in the DLQ.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use escalator_ingestor::adapters::{self, Context, Source};
use escalator_ingestor::{IngestorSettings, signature};
use escalator_proto::v1::TicketEvent;
use escalator_tests::http::{free_port, request, wait_ok};
use escalator_tests::kafka::{Reader, bootstrap, create_topics, flush, now_ms, producer, unique};
use prost::Message;
use rdkafka::message::{Header as KHeader, OwnedHeaders};
use rdkafka::producer::BaseRecord;

const JIRA_SECRET: &str = "e2e-jira-secret";
const ZENDESK_SECRET: &str = "e2e-zendesk-secret";

fn fixture(rel: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(rel),
    )
    .unwrap()
}

fn config() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ingestor.toml")
}

/// What the adapters make of a payload, in-process: the expectation.
fn expected(source: Source, bytes: &[u8]) -> Vec<TicketEvent> {
    let s: IngestorSettings =
        escalator_service::load_settings(Some(&config()), &Default::default()).unwrap();
    let ctx = Context {
        mappings: &s.mappings,
        limits: &s.limits,
        now_ms: now_ms(),
        delivery_id: None,
    };
    adapters::normalize(source, bytes, &ctx).unwrap()
}

struct Service {
    child: Child,
    http: String,
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

fn spawn(raw: &str, events: &str, dlq: &str, group: &str) -> Service {
    let port = free_port();
    let http = format!("127.0.0.1:{port}");
    let log = std::env::temp_dir().join(format!("{group}.log"));
    let child = Command::new(env!("CARGO_BIN_EXE_escalator-ingestor"))
        .args(["--config", &config().display().to_string()])
        .env("ESCALATOR__KAFKA__BOOTSTRAP_SERVERS", bootstrap())
        .env("ESCALATOR__KAFKA__GROUP_ID", group)
        .env("ESCALATOR__KAFKA__INSTANCE_ID", "e2e-0")
        .env("ESCALATOR__TOPICS__RAW", raw)
        .env("ESCALATOR__TOPICS__EVENTS", events)
        .env("ESCALATOR__DEAD_LETTERS__TOPIC", dlq)
        .env("ESCALATOR__HTTP__LISTEN", &http)
        .env("ESCALATOR__WEBHOOKS__SECRETS__JIRA", JIRA_SECRET)
        .env("ESCALATOR__WEBHOOKS__SECRETS__ZENDESK", ZENDESK_SECRET)
        // The Jira fixtures are from 2025; their payload timestamps are old.
        .env("ESCALATOR__WEBHOOKS__JIRA_TOLERANCE_MS", "315360000000")
        .stdout(Stdio::null())
        .stderr(
            std::fs::File::create(&log)
                .map(Stdio::from)
                .unwrap_or_else(|_| Stdio::null()),
        )
        .spawn()
        .unwrap();
    let service = Service { child, http };
    assert!(
        wait_ok(&service.http, "/readyz", Duration::from_secs(60)),
        "ingestor ready (log: {})",
        log.display()
    );
    service
}

#[test]
fn raw_topic_and_webhook_deliveries_become_ticket_events_in_order() {
    let raw = unique("e2e-raw");
    let events = unique("e2e-events");
    let dlq = unique("e2e-dlq");
    let group = unique("e2e-ingestor");
    create_topics(&[(&raw, 3), (&events, 3), (&dlq, 1)]);
    let service = spawn(&raw, &events, &dlq, &group);

    // Zendesk payloads straight to the raw topic, keyed by ticket, in the
    // order they happened; the comment is delivered twice.
    let zendesk = [
        "zendesk/ticket_created.json",
        "zendesk/comment_added_stacktrace.json",
        "zendesk/comment_added_stacktrace.json",
        "zendesk/group_assignment_changed.json",
        "zendesk/priority_changed.json",
        "zendesk/tags_changed.json",
    ];
    let p = producer();
    let mut want: Vec<TicketEvent> = Vec::new();
    for (i, f) in zendesk.iter().enumerate() {
        let bytes = fixture(f);
        let evs = expected(Source::Zendesk, &bytes);
        let key = evs[0].ticket_id.clone();
        if i != 2 {
            want.extend(evs);
        }
        let headers = OwnedHeaders::new().insert(KHeader {
            key: "escalator-source",
            value: Some("zendesk"),
        });
        p.send(
            BaseRecord::to(&raw)
                .key(&key)
                .payload(&bytes)
                .headers(headers),
        )
        .unwrap();
    }
    // A poison pill among them.
    p.send(
        BaseRecord::<str, str>::to(&raw)
            .key("junk")
            .payload("{\"type\": \"zen:event-type:ticket.created\", "),
    )
    .unwrap();
    flush(&p);

    // Jira through the webhook: signed, retried once, plus a forged call.
    let jira = [
        "jira/issue_created.json",
        "jira/issue_updated_multi.json",
        "jira/comment_created_stacktrace.json",
    ];
    for f in jira {
        let body = fixture(f);
        want.extend(expected(Source::Jira, &body));
        let sig = signature::jira_sign(JIRA_SECRET.as_bytes(), &body);
        for attempt in 0..2 {
            let retry = attempt.to_string();
            let r = request(
                &service.http,
                "POST",
                "/webhooks/jira",
                &[
                    ("X-Hub-Signature", &sig),
                    ("X-Atlassian-Webhook-Identifier", f),
                    ("X-Atlassian-Webhook-Retry", &retry),
                ],
                &body,
            )
            .unwrap();
            assert_eq!(r.status, 202, "{f}: {}", r.body);
        }
    }
    let forged = request(
        &service.http,
        "POST",
        "/webhooks/jira",
        &[("X-Hub-Signature", "sha256=abcd")],
        &fixture(jira[0]),
    )
    .unwrap();
    assert_eq!(forged.status, 401);

    let mut out = Reader::new(&events, true);
    let complete = out.until(Duration::from_secs(90), |r| r.len() >= want.len());
    out.poll_for(Duration::from_secs(3));
    assert!(complete, "{} of {} events", out.records.len(), want.len());
    assert_eq!(out.records.len(), want.len(), "redeliveries dropped");

    // Per ticket, the same event ids in the same order.
    let mut got: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in &out.records {
        assert_eq!(
            r.header("content-type"),
            Some("application/x-protobuf; messageType=escalator.v1.TicketEvent")
        );
    }
    let decoded: Vec<TicketEvent> = {
        let mut reader = escalator_tests::kafka::RawReader::new(&events);
        reader
            .read(want.len(), Duration::from_secs(30))
            .iter()
            .map(|v| TicketEvent::decode(v.as_slice()).unwrap())
            .collect()
    };
    for ev in &decoded {
        got.entry(ev.ticket_id.clone())
            .or_default()
            .push(ev.event_id.clone());
    }
    let mut expect: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for ev in &want {
        expect
            .entry(ev.ticket_id.clone())
            .or_default()
            .push(ev.event_id.clone());
    }
    assert_eq!(got, expect);

    let mut dead = Reader::new(&dlq, true);
    assert!(dead.until(Duration::from_secs(30), |r| r.len() >= 2));
    let kinds: Vec<&str> = dead
        .records
        .iter()
        .filter_map(|r| r.header("escalator-dlq-error-kind"))
        .collect();
    assert!(kinds.contains(&"malformed_json"), "{kinds:?}");
    assert!(kinds.contains(&"bad_signature"), "{kinds:?}");
    let poison = dead
        .records
        .iter()
        .find(|r| r.header("escalator-dlq-error-kind") == Some("malformed_json"))
        .unwrap();
    assert_eq!(poison.header("escalator-dlq-topic"), Some(raw.as_str()));
    assert!(poison.header("escalator-dlq-offset").is_some());

    let metrics = request(&service.http, "GET", "/metrics", &[], b"").unwrap();
    assert!(
        metrics
            .body
            .contains("escalator_ingestor_events_normalized_total"),
        "{}",
        metrics.body
    );
    assert!(
        metrics
            .body
            .contains("escalator_ingestor_webhook_requests_total")
    );
    drop(service);
}
