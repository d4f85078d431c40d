//! Against the real broker: the aggregator binary folds decisions, routed
//! escalations and specialist events into lifecycles, serves the three
//! reports in JSON, Markdown and HTML, and publishes one KB suggestion for a
//! recurring deflectable problem, not again after a SIGKILL and restart.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Stdio};
use std::time::Duration;

use escalator_proto::v1::ticket_event::{Kind, Resolved, SpecialistAccepted};
use escalator_proto::v1::*;
use escalator_runtime::headers::FORWARDED_FROM;
use escalator_tests::http::{free_port, request, wait_ok};
use escalator_tests::kafka::{
    RawReader, bootstrap, create_topics, flush, now_ms, producer, unique,
};
use escalator_tests::process::KillOnDrop;
use prost::Message;
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::BaseRecord;

struct Setup {
    config: std::path::PathBuf,
    decisions: String,
    prefix: String,
    kb: String,
    problems: String,
    _dir: tempfile::TempDir,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let s = Setup {
        config: dir.path().join("aggregator.toml"),
        decisions: unique("ag-decisions"),
        prefix: format!("{}.", unique("ag-routed")),
        kb: unique("ag-kb"),
        problems: unique("ag-problems"),
        _dir: dir,
    };
    let group = unique("ag-aggregator");
    std::fs::write(
        &s.config,
        format!(
            "kb_min_count = 3\n[kafka]\nbootstrap_servers = \"{}\"\ngroup_id = \"{group}\"\ninstance_id = \"e2e-0\"\n[dead_letters]\ntopic = \"{}\"\n[topics]\ndecisions = \"{}\"\nrouted_prefix = \"{}\"\ndomains = [\"identity\", \"database\"]\nkb_updates = \"{}\"\nproblems = \"{}\"\n",
            bootstrap(),
            unique("ag-dlq"),
            s.decisions,
            s.prefix,
            s.kb,
            s.problems
        ),
    )
    .unwrap();
    let identity = format!("{}identity", s.prefix);
    let database = format!("{}database", s.prefix);
    create_topics(&[
        (&s.decisions, 1),
        (&identity, 1),
        (&database, 1),
        (&s.kb, 1),
        (&s.problems, 1),
    ]);
    s
}

fn spawn(s: &Setup, http: &str) -> KillOnDrop {
    let child = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_escalator-aggregator"))
            .args(["--config", &s.config.display().to_string()])
            .env("ESCALATOR__HTTP__LISTEN", http)
            .env("ESCALATOR__KAFKA__BOOTSTRAP_SERVERS", bootstrap())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    assert!(
        wait_ok(http, "/readyz", Duration::from_secs(60)),
        "aggregator ready"
    );
    child
}

#[test]
fn reports_and_one_kb_suggestion_across_a_restart() {
    let s = setup();
    let p = producer();
    let t0 = now_ms() - 3_600_000;
    for i in 0..4i64 {
        let ticket = format!("T-{i}");
        let at = t0 + i * 60_000;
        let d = EscalationDecision {
            escalation_id: format!("esc-{i}"),
            ticket_id: ticket.clone(),
            decided_at_ms: at,
            to_tier: SupportTier::L2 as i32,
            handoff: Some(HandoffPacket {
                subject: "Password reset link expired".into(),
                customer: Some(Customer {
                    tier: CustomerTier::Business as i32,
                    ..Default::default()
                }),
                error_codes: vec![ErrorCode {
                    kind: ErrorCodeKind::Vendor as i32,
                    code: "AADSTS50126".into(),
                    context: String::new(),
                }],
                ..Default::default()
            }),
            ..Default::default()
        };
        p.send(
            BaseRecord::to(&s.decisions)
                .key(&ticket)
                .payload(&d.encode_to_vec()),
        )
        .unwrap();
        let r = RoutedEscalation {
            escalation_id: format!("esc-{i}"),
            ticket_id: ticket.clone(),
            domain: "identity".into(),
            queue_id: "l2-identity".into(),
            tier: SupportTier::L2 as i32,
            routed_at_ms: at + 1_000,
            ..Default::default()
        };
        p.send(
            BaseRecord::to(&format!("{}identity", s.prefix))
                .key(&ticket)
                .payload(&r.encode_to_vec()),
        )
        .unwrap();
        flush(&p);
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
        // Specialist actions as the evaluator forwards them: on the
        // decisions topic, after the decision.
        let forwarded = || {
            OwnedHeaders::new().insert(Header {
                key: FORWARDED_FROM,
                value: Some(b"tickets.events".as_slice()),
            })
        };
        p.send(
            BaseRecord::to(&s.decisions)
                .key(&ticket)
                .headers(forwarded())
                .payload(&ev(
                    Kind::SpecialistAccepted(SpecialistAccepted {
                        specialist_id: "kenji".into(),
                        ..Default::default()
                    }),
                    at + 120_000,
                )),
        )
        .unwrap();
        p.send(
            BaseRecord::to(&s.decisions)
                .key(&ticket)
                .headers(forwarded())
                .payload(&ev(
                    Kind::Resolved(Resolved {
                        resolution_code: "how_to".into(),
                        category: ResolutionCategory::HowTo as i32,
                        notes: "Send a new reset link. Links expire after 15 minutes.".into(),
                        ..Default::default()
                    }),
                    at + 600_000,
                )),
        )
        .unwrap();
    }
    flush(&p);
    // Inputs are on four topics: process them only once everything is there,
    // so the order across topics is the one written.
    let http = format!("127.0.0.1:{}", free_port());
    let mut child = spawn(&s, &http);
    let mut kb = RawReader::new(&s.kb);
    let got = kb.read(1, Duration::from_secs(30));
    assert_eq!(got.len(), 1, "one suggestion");
    let suggestion = KbUpdateSuggestion::decode(got[0].as_slice()).unwrap();
    assert_eq!(suggestion.action, KbAction::CreateArticle as i32);

    let json = request(
        &http,
        "GET",
        "/reports/resolution?window=7d&format=json",
        &[],
        b"",
    )
    .unwrap();
    assert_eq!(json.status, 200, "{}", json.body);
    assert!(json.body.contains("identity"), "{}", json.body);
    let html = request(
        &http,
        "GET",
        "/reports/deflection?window=7d&format=html",
        &[],
        b"",
    )
    .unwrap();
    assert!(
        html.body.contains("<!DOCTYPE html>") && html.body.contains("<svg"),
        "{}",
        &html.body[..html.body.len().min(400)]
    );
    let md = request(
        &http,
        "GET",
        "/reports/utilization?window=7d&format=md",
        &[],
        b"",
    )
    .unwrap();
    assert!(md.body.contains("l2-identity"), "{}", md.body);
    assert_eq!(
        request(&http, "GET", "/reports/nonsense", &[], b"")
            .unwrap()
            .status,
        404
    );

    let _ = child.kill();
    let _ = child.wait();
    let mut child = spawn(&s, &http);
    assert!(
        kb.read(1, Duration::from_secs(6)).is_empty(),
        "not suggested again after restart"
    );
    let json = request(
        &http,
        "GET",
        "/reports/deflection?window=7d&format=json",
        &[],
        b"",
    )
    .unwrap();
    assert!(
        json.body.contains("identity"),
        "records restored: {}",
        json.body
    );
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    assert_eq!(child.wait().unwrap().code(), Some(0));
}
