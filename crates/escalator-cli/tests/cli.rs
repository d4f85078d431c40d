//! The escalator command line as users run it.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use escalator_proto::v1::{EscalationDecision, HandoffPacket, RoutedEscalation, SupportTier};
use escalator_tests::kafka::{bootstrap, create_topics, flush, producer, unique};
use prost::Message;
use rdkafka::producer::BaseRecord;

fn escalator() -> Command {
    Command::new(env!("CARGO_BIN_EXE_escalator"))
}

#[test]
fn check_config_accepts_the_shipped_policy_and_names_errors() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let out = escalator()
        .args(["check-config", &format!("{root}/deploy/policy.toml")])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(": ok (policy version"), "{text}");
    assert!(
        text.contains("rule tiq-enterprise-urgent v1: 30m >= 30m on 24x7"),
        "{text}"
    );

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "version = \"1\"\n[[time_in_queue]]\nid = \"x\"\ncustomer_tier = \"gold\"\npriority = \"high\"\nthreshold = \"1h\"\n").unwrap();
    let out = escalator()
        .args(["check-config", &bad.display().to_string()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.toml:2: rule x: unknown customer tier \"gold\""),
        "{err}"
    );
    // No catch-all row: a ticket of another tier or priority would have no
    // threshold at all.
    std::fs::write(&bad, "version = \"1\"\n[[time_in_queue]]\nid = \"x\"\ncustomer_tier = \"enterprise\"\npriority = \"high\"\nthreshold = \"1h\"\n").unwrap();
    let out = escalator()
        .args(["check-config", &bad.display().to_string()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no catch-all row"), "{err}");
}

#[test]
fn normalize_prints_events_or_a_clear_error() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let out = escalator()
        .args([
            "normalize",
            "--source",
            "jira",
            &format!(
                "{root}/crates/escalator-ingestor/tests/fixtures/jira/issue_updated_multi.json"
            ),
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 5);
    assert!(lines[0]["statusChanged"].is_object());

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        "{\"webhookEvent\": \"jira:issue_created\", \"issue\": ",
    )
    .unwrap();
    let out = escalator()
        .args(["normalize", &bad.display().to_string()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("malformed_json"));
}

#[test]
fn tail_prints_routed_escalations() {
    let prefix = format!("{}.", unique("tail"));
    let topic = format!("{prefix}database");
    create_topics(&[(&topic, 1)]);
    let routed = RoutedEscalation {
        escalation_id: "esc-tail-1".into(),
        ticket_id: "T-tail".into(),
        domain: "database".into(),
        queue_id: "l2-database".into(),
        tier: SupportTier::L2 as i32,
        decision: Some(EscalationDecision {
            handoff: Some(HandoffPacket {
                summary: "Deadlocks on orders".into(),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    };
    let p = producer();
    p.send(
        BaseRecord::to(&topic)
            .key("T-tail")
            .payload(&routed.encode_to_vec()),
    )
    .unwrap();
    flush(&p);
    for json in [false, true] {
        let mut cmd = escalator();
        cmd.args([
            "tail",
            "database",
            "--prefix",
            &prefix,
            "--from-beginning",
            "--count",
            "1",
        ]);
        if json {
            cmd.arg("--json");
        }
        let out = cmd
            .env("ESCALATOR__KAFKA__BOOTSTRAP_SERVERS", bootstrap())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("T-tail"), "{text}");
        if json {
            assert!(text.contains("\"escalationId\":\"esc-tail-1\""), "{text}");
        } else {
            assert!(
                text.contains("Deadlocks on orders") && text.contains("-> database L2"),
                "{text}"
            );
        }
    }
}
