//! The webhook endpoint's refusals and acceptance, served in-process; the
//! accepted deliveries go to an in-memory sink here (the broker path is
//! covered by kafka_e2e.rs).

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use escalator_ingestor::limits::Limits;
use escalator_ingestor::signature;
use escalator_ingestor::webhook::{RawSink, WebhookSettings, Webhooks, router};
use escalator_runtime::{Clock, DeadLetterSettings, Header, Secret, SystemClock};
use escalator_tests::http::request;

/// topic, key, value, headers
type Stored = (String, Option<Vec<u8>>, Vec<u8>, Vec<Header>);

#[derive(Default)]
struct Memory(Mutex<Vec<Stored>>);

impl RawSink for Memory {
    fn publish<'a>(
        &'a self,
        topic: &'a str,
        key: Option<Vec<u8>>,
        value: Vec<u8>,
        headers: Vec<Header>,
    ) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>> {
        self.0
            .lock()
            .unwrap()
            .push((topic.to_owned(), key, value, headers));
        Box::pin(async { Ok(()) })
    }
}

fn start(sink: Arc<Memory>, limits: Limits) -> (String, tokio::runtime::Runtime) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let secrets = BTreeMap::from([
        ("zendesk".to_owned(), Secret::new("zd-secret")),
        ("canonical".to_owned(), Secret::new("canon-secret")),
    ]);
    let w = Arc::new(Webhooks {
        secrets,
        settings: WebhookSettings::default(),
        raw_topic: "tickets.raw".into(),
        dead_letters: DeadLetterSettings::default(),
        mappings: Default::default(),
        limits,
        sink,
        clock: Arc::new(SystemClock),
    });
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    rt.spawn(async move { axum::serve(listener, router(w)).await.unwrap() });
    (addr, rt)
}

fn zendesk_body() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/zendesk/comment_added_stacktrace.json"
    ))
    .unwrap()
}

fn now_iso() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

#[test]
fn signed_deliveries_are_stored_with_source_headers_keyed_by_ticket() {
    let sink = Arc::new(Memory::default());
    let (addr, _rt) = start(sink.clone(), Limits::default());
    let body = zendesk_body();
    let ts = now_iso();
    let sig = signature::zendesk_sign(b"zd-secret", &ts, &body);
    let r = request(
        &addr,
        "POST",
        "/webhooks/zendesk",
        &[
            ("X-Zendesk-Webhook-Signature", &sig),
            ("X-Zendesk-Webhook-Signature-Timestamp", &ts),
            ("X-Zendesk-Webhook-Invocation-Id", "inv-1"),
        ],
        &body,
    )
    .unwrap();
    assert_eq!(r.status, 202, "{}", r.body);
    let stored = sink.0.lock().unwrap();
    let (topic, key, value, headers) = &stored[0];
    assert_eq!(topic, "tickets.raw");
    assert_eq!(key.as_deref(), Some(&b"zendesk:default:48213"[..]));
    assert_eq!(value, &body, "the raw body, byte for byte");
    let h = |n: &str| {
        headers
            .iter()
            .find(|x| x.name == n)
            .map(|x| String::from_utf8_lossy(&x.value).into_owned())
    };
    assert_eq!(h("escalator-source").as_deref(), Some("zendesk"));
    assert_eq!(h("escalator-delivery-id").as_deref(), Some("inv-1"));
    assert!(h("traceparent").is_some());
}

#[test]
fn refusals_bad_signature_stale_unknown_unconfigured_too_large() {
    let sink = Arc::new(Memory::default());
    let limits = Limits {
        max_body_bytes: 64 * 1024,
        ..Limits::default()
    };
    let (addr, _rt) = start(sink.clone(), limits);
    let body = zendesk_body();
    let ts = now_iso();
    let bad = signature::zendesk_sign(b"wrong-secret", &ts, &body);
    let r = request(
        &addr,
        "POST",
        "/webhooks/zendesk",
        &[
            ("X-Zendesk-Webhook-Signature", &bad),
            ("X-Zendesk-Webhook-Signature-Timestamp", &ts),
        ],
        &body,
    )
    .unwrap();
    assert_eq!(r.status, 401);
    let old = "2024-01-01T00:00:00Z";
    let stale = signature::zendesk_sign(b"zd-secret", old, &body);
    let r = request(
        &addr,
        "POST",
        "/webhooks/zendesk",
        &[
            ("X-Zendesk-Webhook-Signature", &stale),
            ("X-Zendesk-Webhook-Signature-Timestamp", old),
        ],
        &body,
    )
    .unwrap();
    assert_eq!(r.status, 401);
    let r = request(&addr, "POST", "/webhooks/zendesk", &[], &body).unwrap();
    assert_eq!(r.status, 401, "unsigned");
    let r = request(
        &addr,
        "POST",
        "/webhooks/jira",
        &[("X-Hub-Signature", "sha256=00")],
        b"{}",
    )
    .unwrap();
    assert_eq!(r.status, 401, "no secret configured for jira: refused");
    let r = request(&addr, "POST", "/webhooks/servicenow", &[], b"{}").unwrap();
    assert_eq!(r.status, 404);
    let big = vec![b'x'; 100 * 1024];
    let r = request(&addr, "POST", "/webhooks/zendesk", &[], &big).unwrap();
    assert_eq!(r.status, 413);

    // The three refused signed/unsigned Zendesk calls were dead-lettered,
    // redacted, with the reason; nothing reached tickets.raw.
    let stored = sink.0.lock().unwrap();
    assert!(
        stored.iter().all(|(t, ..)| t == "tickets.dlq"),
        "{:?}",
        stored.iter().map(|s| &s.0).collect::<Vec<_>>()
    );
    let kinds: Vec<String> = stored
        .iter()
        .map(|(_, _, _, h)| {
            h.iter()
                .find(|x| x.name == "escalator-dlq-error-kind")
                .map(|x| String::from_utf8_lossy(&x.value).into_owned())
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(kinds, ["bad_signature", "stale_timestamp", "bad_signature"]);
    let body_text = String::from_utf8_lossy(&stored[0].2);
    assert!(
        !body_text.contains("jonas.mueller@mueller-soehne.example"),
        "dead letters are redacted"
    );
}

#[test]
fn escalator_shared_secret_scheme() {
    let sink = Arc::new(Memory::default());
    let (addr, _rt) = start(sink.clone(), Limits::default());
    let body = br#"{"event_id":"e1","ticket_id":"T-9","type":"reopened","occurred_at":"2025-03-14T11:00:00Z"}"#;
    let now = SystemClock.now_ms() / 1000;
    let sig = signature::escalator_sign(b"canon-secret", now, body);
    let r = request(
        &addr,
        "POST",
        "/webhooks/canonical",
        &[("X-Escalator-Signature", &sig)],
        body,
    )
    .unwrap();
    assert_eq!(r.status, 202);
    let tampered = br#"{"event_id":"e1","ticket_id":"T-9","type":"resolved","occurred_at":"2025-03-14T11:00:00Z"}"#;
    let r = request(
        &addr,
        "POST",
        "/webhooks/canonical",
        &[("X-Escalator-Signature", &sig)],
        tampered,
    )
    .unwrap();
    assert_eq!(r.status, 401);
    assert_eq!(sink.0.lock().unwrap()[0].1.as_deref(), Some(&b"T-9"[..]));
}
