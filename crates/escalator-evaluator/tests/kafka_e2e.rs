//! Against the real broker: a ticket whose time-in-queue threshold passes
//! with no further events escalates once, on time; the evaluator killed and
//! restarted across that deadline escalates it exactly once after restart.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use escalator_proto::v1::ticket_event::{Created, Kind};
use escalator_proto::v1::*;
use escalator_tests::http::{free_port, request, wait_ok};
use escalator_tests::kafka::{
    RawReader, bootstrap, create_topics, flush, now_ms, producer, unique,
};
use escalator_tests::kills::wait_for;
use escalator_tests::process::KillOnDrop;
use prost::Message;
use rdkafka::producer::BaseRecord;

/// A policy where strategic customers escalate after 4 s of a 24x7 clock.
const POLICY: &str = r#"
version = "e2e"
default_calendar = "24x7"
[[time_in_queue]]
id = "tiq-strategic-fast"
customer_tier = "strategic"
priority = "*"
threshold = "4s"
[[time_in_queue]]
id = "tiq-other"
customer_tier = "*"
priority = "*"
threshold = "30d"
"#;

struct Topics {
    events: String,
    decisions: String,
    dlq: String,
    group: String,
    policy: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

fn topics(name: &str) -> Topics {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.toml");
    std::fs::write(&policy, POLICY).unwrap();
    let t = Topics {
        events: unique(&format!("{name}-events")),
        decisions: unique(&format!("{name}-decisions")),
        dlq: unique(&format!("{name}-dlq")),
        group: unique(&format!("{name}-evaluator")),
        policy,
        _dir: dir,
    };
    create_topics(&[(&t.events, 2), (&t.decisions, 2), (&t.dlq, 1)]);
    t
}

fn spawn(t: &Topics, http: &str) -> KillOnDrop {
    let log = std::env::temp_dir().join(format!("{}.log", t.group));
    let child = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_escalator-evaluator"))
            .env("ESCALATOR__KAFKA__BOOTSTRAP_SERVERS", bootstrap())
            .env("ESCALATOR__KAFKA__GROUP_ID", &t.group)
            .env("ESCALATOR__KAFKA__INSTANCE_ID", "e2e-0")
            .env("ESCALATOR__TOPICS__EVENTS", &t.events)
            .env("ESCALATOR__TOPICS__DECISIONS", &t.decisions)
            .env("ESCALATOR__DEAD_LETTERS__TOPIC", &t.dlq)
            .env("ESCALATOR__POLICY_FILE", &t.policy)
            .env("ESCALATOR__HTTP__LISTEN", http)
            .stdout(Stdio::null())
            .stderr(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&log)
                    .map(Stdio::from)
                    .unwrap_or_else(|_| Stdio::null()),
            )
            .spawn()
            .unwrap(),
    );
    assert!(
        wait_ok(http, "/readyz", Duration::from_secs(60)),
        "evaluator ready (log {})",
        log.display()
    );
    child
}

fn created(ticket: &str, at: i64) -> Vec<u8> {
    TicketEvent {
        ticket_id: ticket.into(),
        event_id: format!("{ticket}-created"),
        event_time_ms: at,
        customer: Some(Customer {
            id: "k1".into(),
            tier: CustomerTier::Strategic as i32,
            ..Default::default()
        }),
        priority: Priority::Normal as i32,
        status: TicketStatus::New as i32,
        support_tier: SupportTier::L1 as i32,
        queue: "l1".into(),
        subject: Some("Dashboard widget not updating".into()),
        kind: Some(Kind::Created(Created {
            channel: "web".into(),
        })),
        ..Default::default()
    }
    .encode_to_vec()
}

fn decisions(reader: &mut RawReader, n: usize, wait: Duration) -> Vec<EscalationDecision> {
    reader
        .read(n, wait)
        .iter()
        .map(|v| EscalationDecision::decode(v.as_slice()).unwrap())
        .collect()
}

/// No second decision for `ticket`: a marker ticket created now escalates
/// 4 s later, after `ticket`'s deadline in due order; everything decided up
/// to it (and up to sentinels on every partition) is read, and holds only
/// the marker's decision.
fn assert_exactly_once_before_marker(
    t: &Topics,
    p: &rdkafka::producer::BaseProducer,
    reader: &mut RawReader,
    ticket: &str,
) {
    let marker = format!("{ticket}-marker");
    p.send(
        BaseRecord::to(&t.events)
            .key(&marker)
            .payload(&created(&marker, now_ms())),
    )
    .unwrap();
    flush(p);
    let mut got = decisions(reader, 1, Duration::from_secs(30));
    assert_eq!(got.len(), 1, "the marker escalated");
    got.extend(
        reader
            .read_to_sentinels(&t.decisions, 2, Duration::from_secs(30))
            .iter()
            .map(|v| EscalationDecision::decode(v.as_slice()).unwrap()),
    );
    let tickets: Vec<&str> = got.iter().map(|d| d.ticket_id.as_str()).collect();
    assert_eq!(
        tickets,
        [marker.as_str()],
        "{ticket} escalated exactly once"
    );
}

#[test]
fn a_threshold_passing_without_events_escalates_once_on_time() {
    let t = topics("eval-ontime");
    let http = format!("127.0.0.1:{}", free_port());
    let mut child = spawn(&t, &http);
    let p = producer();
    let created_at = now_ms();
    p.send(
        BaseRecord::to(&t.events)
            .key("T-ontime")
            .payload(&created("T-ontime", created_at)),
    )
    .unwrap();
    flush(&p);

    // "Why not yet" while waiting, once the event is processed.
    let why_body = || {
        request(&http, "GET", "/tickets/T-ontime/why", &[], b"")
            .ok()
            .filter(|r| r.status == 200)
            .map(|r| r.body)
    };
    assert!(
        wait_for(Duration::from_secs(30), || why_body().is_some()),
        "the ticket is known"
    );
    let why = why_body().unwrap_or_default();
    assert!(
        why.contains("tiq-strategic-fast") && why.contains("next_deadline"),
        "{why}"
    );
    assert_eq!(
        request(&http, "GET", "/tickets/nope/why", &[], b"")
            .unwrap()
            .status,
        404
    );

    let mut reader = RawReader::new(&t.decisions);
    let got = decisions(&mut reader, 1, Duration::from_secs(30));
    assert_eq!(got.len(), 1);
    let d = &got[0];
    assert_eq!(d.rule_firings[0].rule_id, "tiq-strategic-fast");
    let late = d.decided_at_ms - (created_at + 4_000);
    eprintln!("deadline fired {late} ms after it was due");
    assert!(
        (0..1_000).contains(&late),
        "fired {late} ms after its deadline"
    );
    assert_exactly_once_before_marker(&t, &p, &mut reader, "T-ontime");
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

#[test]
fn a_deadline_that_passes_while_the_evaluator_is_down_fires_once_after_restart() {
    let t = topics("eval-restart");
    let http = format!("127.0.0.1:{}", free_port());
    let mut child = spawn(&t, &http);
    let p = producer();
    let created_at = now_ms();
    p.send(
        BaseRecord::to(&t.events)
            .key("T-down")
            .payload(&created("T-down", created_at)),
    )
    .unwrap();
    flush(&p);
    // Wait until the event is processed (state exists), then kill -9.
    let seen = wait_for(Duration::from_secs(30), || {
        request(&http, "GET", "/tickets/T-down/why", &[], b"")
            .map(|r| r.status == 200)
            .unwrap_or(false)
    });
    assert!(seen, "event processed before the kill");
    let _ = child.kill();
    let _ = child.wait();
    let mut reader = RawReader::new(&t.decisions);
    // Wall time passes while the evaluator is down: the deadline crosses.
    // (Nothing can be decided meanwhile; the first decision read below must
    // be dated after the restart.)
    std::thread::sleep(Duration::from_millis(
        (created_at + 6_000 - now_ms()).max(0) as u64,
    ));

    let restarted_at = now_ms();
    let mut child = spawn(&t, &http);
    let got = decisions(&mut reader, 1, Duration::from_secs(30));
    assert_eq!(got.len(), 1, "fires after restart");
    assert!(
        got[0].decided_at_ms >= restarted_at,
        "not before the restart"
    );
    assert!(
        got[0].decided_at_ms >= created_at + 4_000,
        "never before the deadline"
    );
    // Kill and restart once more: it stays fired.
    let _ = child.kill();
    let _ = child.wait();
    let mut child = spawn(&t, &http);
    assert_exactly_once_before_marker(&t, &p, &mut reader, "T-down");
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

#[test]
fn the_shipped_policy_loads() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/policy.toml");
    escalator_evaluator::Policy::load(&path).unwrap();
}
