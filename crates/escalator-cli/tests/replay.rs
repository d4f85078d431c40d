//! `escalator replay` and `escalator report --events` on a generated
//! history: deterministic, a rule change shows up as tickets escalating
//! sooner (and more load on the queues), and offline reports come from the
//! same processors.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{escalator, stdout};

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn history(dir: &Path) -> String {
    let path = dir.join("h.jsonl");
    let p = path.to_str().unwrap().to_owned();
    stdout(&["generate", "--seed", "5", "--tickets", "250", "--out", &p]);
    p
}

#[test]
fn replay_is_deterministic_and_explains_each_escalation() {
    let dir = tempfile::tempdir().unwrap();
    let h = history(dir.path());
    let a = stdout(&["replay", "--events", &h, "--format", "json"]);
    let b = stdout(&["replay", "--events", &h, "--format", "json"]);
    assert_eq!(a, b, "same history, same output");
    let rows: Vec<serde_json::Value> = a
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(rows.len() >= 30, "{} escalations", rows.len());
    for r in &rows {
        assert!(r["escalation_id"].as_str().unwrap().starts_with("esc-"));
        assert!(!r["domain"].as_str().unwrap().is_empty());
        assert!(
            !r["reasons"].as_array().unwrap().is_empty(),
            "every decision says why: {r}"
        );
        assert!(r["packet"]["markdown"].as_str().unwrap().starts_with("# "));
    }
    let text = stdout(&["replay", "--events", &h]);
    assert!(
        text.contains(&format!("{} escalations routed", rows.len())),
        "{text}"
    );
    assert!(text.contains("per queue:"), "{text}");
}

#[test]
fn a_second_policy_shows_what_changes() {
    let dir = tempfile::tempdir().unwrap();
    let h = history(dir.path());
    let shipped = std::fs::read_to_string(root().join("deploy/policy.toml")).unwrap();
    // The proposal: a day in queue becomes half a day.
    let proposal = shipped.replace(
        "id = \"tiq-default\"\ncustomer_tier = \"*\"\npriority = \"*\"\nthreshold = \"1d\"",
        "id = \"tiq-default\"\ncustomer_tier = \"*\"\npriority = \"*\"\nthreshold = \"4h\"",
    );
    assert_ne!(proposal, shipped, "the test edits the default rule");
    let current = dir.path().join("current.toml");
    let next = dir.path().join("next.toml");
    std::fs::write(&current, &shipped).unwrap();
    std::fs::write(&next, &proposal).unwrap();
    let args = [
        "replay",
        "--events",
        &h,
        "--policy",
        current.to_str().unwrap(),
        "--policy",
        next.to_str().unwrap(),
        "--format",
        "json",
    ];
    let diff: serde_json::Value = serde_json::from_str(&stdout(&args)).unwrap();
    let sooner = diff["sooner"].as_array().unwrap();
    let newly = diff["newly_escalated"].as_array().unwrap();
    assert!(
        !sooner.is_empty() || !newly.is_empty(),
        "a shorter threshold escalates some tickets sooner or newly: {diff}"
    );
    assert!(
        diff["later"].as_array().unwrap().is_empty(),
        "none later: {diff}"
    );
    for c in sooner {
        assert!(c["after_ms"].as_i64().unwrap() < c["before_ms"].as_i64().unwrap());
    }
    let before: u64 = diff["queues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["before"].as_u64().unwrap())
        .sum();
    let after: u64 = diff["queues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["after"].as_u64().unwrap())
        .sum();
    assert_eq!(before, diff["escalations_before"].as_u64().unwrap());
    assert_eq!(after, diff["escalations_after"].as_u64().unwrap());
    // The same policy twice changes nothing.
    let same = [
        "replay",
        "--events",
        &h,
        "--policy",
        current.to_str().unwrap(),
        "--policy",
        current.to_str().unwrap(),
        "--format",
        "json",
    ];
    let none: serde_json::Value = serde_json::from_str(&stdout(&same)).unwrap();
    for k in ["sooner", "later", "newly_escalated", "no_longer_escalated"] {
        assert!(none[k].as_array().unwrap().is_empty(), "{k}: {none}");
    }
    // The text form names the tickets.
    let text_args = [
        "replay",
        "--events",
        &h,
        "--policy",
        current.to_str().unwrap(),
        "--policy",
        next.to_str().unwrap(),
    ];
    let text = stdout(&text_args);
    assert!(text.contains("load per queue (before -> after):"), "{text}");
    if let Some(first) = sooner.first() {
        assert!(
            text.contains(first["ticket_id"].as_str().unwrap()),
            "{text}"
        );
    }
}

#[test]
fn reports_from_an_events_file() {
    let dir = tempfile::tempdir().unwrap();
    let h = history(dir.path());
    let util: serde_json::Value = serde_json::from_str(&stdout(&[
        "report",
        "utilization",
        "--events",
        &h,
        "--window",
        "60d",
        "--format",
        "json",
    ]))
    .unwrap();
    let text = util.to_string();
    assert!(text.contains("l2-"), "queues: {text}");
    // A window of the past: ten days before the end of the history.
    let last_end = util["utilization"]["windowEndMs"]
        .as_str()
        .and_then(|v| v.parse::<i64>().ok())
        .unwrap();
    let end = last_end - 1 - 10 * 86_400_000;
    let past: serde_json::Value = serde_json::from_str(&stdout(&[
        "report",
        "utilization",
        "--events",
        &h,
        "--window",
        "7d",
        "--end",
        &escalator_calendar::rfc3339(end),
        "--format",
        "json",
    ]))
    .unwrap();
    assert_eq!(
        past["utilization"]["windowStartMs"],
        (end - 7 * 86_400_000).to_string()
    );
    assert_eq!(past["utilization"]["windowEndMs"], (end + 1).to_string());
    let out = escalator()
        .args([
            "report",
            "utilization",
            "--events",
            &h,
            "--end",
            "last week",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("--end"), "{err}");
    let md = stdout(&[
        "report",
        "resolution",
        "--events",
        &h,
        "--window",
        "60d",
        "--format",
        "md",
    ]);
    assert!(md.starts_with('#'), "{md}");
    let html = stdout(&[
        "report",
        "deflection",
        "--events",
        &h,
        "--window",
        "60d",
        "--format",
        "html",
    ]);
    assert!(
        html.contains("<html") && html.contains("</html>"),
        "self-contained page"
    );
    // An unknown report is an error, not an empty page.
    let out = escalator()
        .args(["report", "nonsense", "--events", &h])
        .output()
        .unwrap();
    assert!(!out.status.success());
}

/// A team tries Escalator on its own help desk's webhooks: Zendesk bodies
/// recorded with their delivery times, read through the Zendesk adapter and
/// the organisation mapping (tests/scenarios: Globex is an enterprise
/// customer; an urgent ticket escalates after one hour).
#[test]
fn replay_reads_a_help_desks_own_webhooks() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/scenarios");
    let scenario: toml::Table = toml::from_str(
        &std::fs::read_to_string(root.join("15_enterprise_urgent_escalates_after_one_hour.toml"))
            .unwrap(),
    )
    .unwrap();
    let mut jsonl = String::new();
    for d in scenario["delivery"].as_array().unwrap() {
        let body: serde_json::Value = serde_json::from_str(d["body"].as_str().unwrap()).unwrap();
        let line = serde_json::json!({"delivered_at": d["at"].as_str().unwrap(), "body": body});
        jsonl.push_str(&format!("{line}\n"));
    }
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("zendesk.jsonl");
    std::fs::write(&events, jsonl).unwrap();
    let out = stdout(&[
        "replay",
        "--source",
        "zendesk",
        "--mappings",
        root.join("org.toml").to_str().unwrap(),
        "--policy",
        root.join("policy.toml").to_str().unwrap(),
        "--events",
        events.to_str().unwrap(),
        "--until",
        "2026-11-23T06:30:00Z",
        "--format",
        "json",
    ]);
    let routed: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(routed.len(), 1, "{out}");
    assert_eq!(routed[0]["decided_at"], "2026-11-23T06:00:00Z");
    assert_eq!(routed[0]["reasons"][0]["rule_id"], "tiq-enterprise-urgent");
    assert!(
        routed[0]["ticket_id"]
            .as_str()
            .unwrap()
            .starts_with("zendesk:acme:")
    );
    let bad = escalator()
        .args(["replay", "--source", "freshdesk", "--events"])
        .arg(&events)
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--source"));
}
