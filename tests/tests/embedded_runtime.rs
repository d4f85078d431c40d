//! The runtime's guarantees on the embedded driver: the same processor and
//! the same expectations as the broker tests in kafka_runtime.rs.

// Test support: failing loudly is the point here.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use escalator_runtime::embedded::Pipeline;
use escalator_runtime::processor::header;
use escalator_runtime::{DeadLetterSettings, ManualClock, Output};
use escalator_tests::counting::Counting;
use escalator_tests::kills::{Killer, wait_for};

fn counting() -> Counting {
    Counting {
        output: "out".into(),
        delay: Duration::ZERO,
    }
}

fn dlq() -> DeadLetterSettings {
    DeadLetterSettings {
        topic: "dlq".into(),
        ..Default::default()
    }
}

fn open(dir: &Path, clock: &ManualClock) -> Pipeline {
    let mut p =
        Pipeline::open(dir, dlq(), Arc::new(clock.clone())).unwrap_or_else(|e| panic!("open: {e}"));
    p.add(counting(), &["in"])
        .unwrap_or_else(|e| panic!("add: {e}"));
    p
}

fn values(outs: &[(u64, Output)]) -> Vec<String> {
    outs.iter()
        .map(|(_, o)| String::from_utf8_lossy(&o.value).into_owned())
        .collect()
}

fn send(p: &mut Pipeline, key: &str, value: &str) {
    p.send("in", Some(key.as_bytes()), value.as_bytes(), &[], None)
        .unwrap_or_else(|e| panic!("send: {e}"));
}

#[test]
fn an_aborted_batch_leaves_nothing_and_is_processed_again() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let clock = ManualClock::new(1_000);
    let mut p = open(dir.path(), &clock);
    send(&mut p, "a", "inc");
    send(&mut p, "a", "inc");
    p.abort();
    assert!(
        p.commit().map(|c| c.is_empty()).unwrap_or(false),
        "nothing staged after abort"
    );
    send(&mut p, "a", "inc");
    send(&mut p, "a", "inc");
    let committed = p.commit().unwrap_or_default();
    assert_eq!(values(&committed), ["a:1", "a:2"]);
}

#[test]
fn state_and_outbox_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let clock = ManualClock::new(1_000);
    {
        let mut p = open(dir.path(), &clock);
        send(&mut p, "a", "inc");
        p.commit().unwrap_or_default();
        send(&mut p, "a", "inc"); // staged, never committed: a crash here
    }
    let mut p = open(dir.path(), &clock);
    let unacked = p.outbox_after(0, 100).unwrap_or_default();
    assert_eq!(
        values(&unacked),
        ["a:1"],
        "committed output kept until acked"
    );
    p.ack(unacked[0].0).unwrap_or_else(|e| panic!("{e}"));
    send(&mut p, "a", "inc");
    assert_eq!(values(&p.commit().unwrap_or_default()), ["a:2"]);
    assert!(
        p.outbox_after(0, 100)
            .map(|o| o.len() == 1)
            .unwrap_or(false)
    );
}

#[test]
fn a_deadline_that_passes_while_down_fires_once_after_restart() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let clock = ManualClock::new(1_000);
    {
        let mut p = open(dir.path(), &clock);
        send(&mut p, "case-1", "deadline:5000");
        p.commit().unwrap_or_default();
        clock.set(4_999);
        assert_eq!(
            p.tick().map(|s| s.timers_fired).unwrap_or(99),
            0,
            "not before its deadline"
        );
        p.commit().unwrap_or_default();
    }
    clock.set(60_000); // the service was down across the deadline
    {
        let mut p = open(dir.path(), &clock);
        assert_eq!(p.next_due(), Some(5_000), "rebuilt from the data directory");
        let sent = p.tick().unwrap_or_default();
        assert_eq!(sent.timers_fired, 1);
        assert_eq!(values(&p.commit().unwrap_or_default()), ["case-1:fired"]);
    }
    let mut p = open(dir.path(), &clock);
    assert_eq!(
        p.tick().map(|s| s.timers_fired).unwrap_or(99),
        0,
        "fired exactly once"
    );
    assert_eq!(p.next_due(), None);
}

#[test]
fn rejected_records_are_dead_lettered_with_headers_and_the_stream_goes_on() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let clock = ManualClock::new(1_000);
    let mut p = open(dir.path(), &clock);
    for v in ["inc", "poison", "inc", "frobnicate jane@example.com", "inc"] {
        send(&mut p, "d", v);
    }
    let committed = p.commit().unwrap_or_default();
    let outs: Vec<&Output> = committed
        .iter()
        .map(|(_, o)| o)
        .filter(|o| o.topic == "out")
        .collect();
    let letters: Vec<&Output> = committed
        .iter()
        .map(|(_, o)| o)
        .filter(|o| o.topic == "dlq")
        .collect();
    let v: Vec<String> = outs
        .iter()
        .map(|o| String::from_utf8_lossy(&o.value).into_owned())
        .collect();
    assert_eq!(v, ["d:1", "d:2", "d:3"]);
    assert_eq!(letters.len(), 2);
    let h = |o: &Output, n: &str| {
        header(&o.headers, n).map(|v| String::from_utf8_lossy(v).into_owned())
    };
    assert_eq!(h(letters[0], "escalator-dlq-topic").as_deref(), Some("in"));
    assert_eq!(h(letters[0], "escalator-dlq-offset").as_deref(), Some("1"));
    assert_eq!(
        h(letters[0], "escalator-dlq-error-kind").as_deref(),
        Some("poison_pill")
    );
    assert_eq!(h(letters[1], "escalator-dlq-offset").as_deref(), Some("3"));
    assert_eq!(
        h(letters[1], "escalator-dlq-error-kind").as_deref(),
        Some("unknown_command")
    );
    let msg = h(letters[1], "escalator-dlq-error-message").unwrap_or_default();
    assert!(
        msg.contains("[REDACTED:email]") && !msg.contains("jane@"),
        "{msg}"
    );
}

/// Runs the embedded counting service as a real process and SIGKILLs it in
/// the middle of its work several times.
#[test]
fn sigkill_mid_batch_loses_and_duplicates_nothing() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let input = dir.path().join("input.tsv");
    let out = dir.path().join("out.tsv");
    let keys: Vec<String> = (0..30).map(|i| format!("key{i}")).collect();
    let per_key = 100;
    let mut text = String::new();
    for _ in 0..per_key {
        for k in &keys {
            text.push_str(&format!("{k}\tinc\n"));
        }
    }
    std::fs::write(&input, text).unwrap_or_else(|e| panic!("{e}"));
    let log = dir.path().join("testproc.log");
    let spawn = || {
        Command::new(env!("CARGO_BIN_EXE_escalator-testproc"))
            .arg("embedded")
            .args(["--data", &dir.path().join("data").display().to_string()])
            .args(["--input", &input.display().to_string()])
            .args(["--out", &out.display().to_string()])
            .args(["--delay-us", "1000"])
            .stderr(std::fs::File::create(&log).unwrap_or_else(|e| panic!("{e}")))
            .spawn()
            .unwrap_or_else(|e| panic!("spawn: {e}"))
    };
    let lines = || {
        std::fs::read_to_string(&out)
            .map(|s| s.lines().count())
            .unwrap_or(0)
    };
    // Each run is killed once 50 more outputs are out (observed progress),
    // after a seeded random delay shorter than a 50-record batch.
    let mut killer = Killer::new(7, Duration::from_millis(60));
    for _ in 0..5 {
        let before = lines();
        let mut child = escalator_tests::process::KillOnDrop(spawn());
        assert!(
            wait_for(Duration::from_secs(60), || lines() >= before + 50),
            "progress before the kill"
        );
        killer.delay_and_kill(&mut child.0, &log);
    }
    eprintln!("embedded testproc: {}", killer.summary());
    let status = spawn().wait().map(|s| s.success());
    assert_eq!(status.ok(), Some(true), "the last run finishes the input");
    assert!(
        killer.open >= 1,
        "no kill landed inside a batch: {}",
        killer.summary()
    );

    let text = std::fs::read_to_string(&out).unwrap_or_default();
    let mut seqs = std::collections::HashSet::new();
    let mut got: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in text.lines() {
        let parts: Vec<&str> = line.split('\t').collect();
        assert_eq!(parts.len(), 4, "{line}");
        assert!(
            seqs.insert(parts[0].to_owned()),
            "sequence {} written twice",
            parts[0]
        );
        got.entry(parts[2].to_owned())
            .or_default()
            .push(parts[3].to_owned());
    }
    let want: BTreeMap<String, Vec<String>> = keys
        .iter()
        .map(|k| {
            (
                k.clone(),
                (1..=per_key).map(|n| format!("{k}:{n}")).collect(),
            )
        })
        .collect();
    assert_eq!(got, want);
}
