//! The runtime's guarantees against a real Kafka broker (started by
//! `make test` through scripts/kafka.sh). Every test uses its own topics,
//! group and transactional ids, so they run in parallel.

// Test support: failing loudly is the point here.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, HashMap};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use escalator_runtime::kafka::{CommitVerdict, KafkaDriver};
use escalator_runtime::{DeadLetterSettings, SystemClock};
use escalator_tests::counting::Counting;
use escalator_tests::kafka::{
    Read, Reader, bootstrap, create_topics, flush, now_ms, produce, produce_markers, producer,
    settings, unique,
};
use escalator_tests::kills::{Killer, wait_for};
use escalator_tests::process::KillOnDrop;

/// Outputs per key, in order.
fn by_key(records: &[Read]) -> BTreeMap<String, Vec<String>> {
    let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in records {
        m.entry(r.key.clone()).or_default().push(r.value.clone());
    }
    m
}

/// The exact output of an uninterrupted run: `key:1` .. `key:n` per key.
fn expected_counts(keys: &[String], per_key: usize) -> BTreeMap<String, Vec<String>> {
    keys.iter()
        .map(|k| {
            (
                k.clone(),
                (1..=per_key).map(|n| format!("{k}:{n}")).collect(),
            )
        })
        .collect()
}

struct Topics {
    input: String,
    output: String,
    dlq: String,
    group: String,
}

fn topics(name: &str, partitions: i32) -> Topics {
    let t = Topics {
        input: unique(&format!("{name}-in")),
        output: unique(&format!("{name}-out")),
        dlq: unique(&format!("{name}-dlq")),
        group: unique(&format!("{name}-group")),
    };
    create_topics(&[(&t.input, partitions), (&t.output, partitions), (&t.dlq, 1)]);
    t
}

/// Where an instance's stderr goes (appended across restarts).
fn log_path(t: &Topics, instance: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("{}-{instance}.log", t.group))
}

/// The counting processor's output for every marker key.
fn markers_seen(records: &[Read], markers: &[String]) -> bool {
    markers.iter().all(|m| records.iter().any(|r| &r.key == m))
}

fn spawn_proc(t: &Topics, instance: &str, delay_us: u64) -> KillOnDrop {
    let log = log_path(t, instance);
    let stderr = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log)
        .map(Stdio::from)
        .unwrap_or_else(|_| Stdio::null());
    KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_escalator-testproc"))
            .args(["--input", &t.input, "--output", &t.output, "--dlq", &t.dlq])
            .args(["--delay-us", &delay_us.to_string()])
            .env("ESCALATOR__KAFKA__BOOTSTRAP_SERVERS", bootstrap())
            .env("ESCALATOR__KAFKA__GROUP_ID", &t.group)
            .env("ESCALATOR__KAFKA__INSTANCE_ID", instance)
            .env("ESCALATOR__KAFKA__SESSION_TIMEOUT_MS", "6000")
            .env("ESCALATOR__KAFKA__BATCH_MAX_RECORDS", "200")
            .env("ESCALATOR__KAFKA__BATCH_MAX_WAIT_MS", "100")
            .env("ESCALATOR__HTTP__LISTEN", "127.0.0.1:0")
            // Batch lines (debug) tell where a kill landed.
            .env(
                "ESCALATOR__TELEMETRY__LOG_LEVEL",
                "info,escalator_runtime=debug",
            )
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .unwrap_or_else(|e| panic!("spawn testproc: {e}")),
    )
}

fn sigkill(child: &mut Child) {
    let _ = child.kill(); // SIGKILL on Unix
    let _ = child.wait();
}

fn sigterm(child: &mut Child) -> Option<i32> {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    child.wait().ok().and_then(|s| s.code())
}

#[test]
fn aborted_transactions_are_invisible_and_their_input_is_processed_again() {
    let t = topics("abort", 2);
    let keys: Vec<String> = (0..10).map(|i| format!("k{i}")).collect();
    let p = producer();
    for _ in 0..10 {
        for k in &keys {
            produce(&p, &t.input, k, "inc");
        }
    }
    flush(&p);

    // Abort the first three batches that carry records.
    let aborted = Arc::new(AtomicUsize::new(0));
    let aborted_in_hook = aborted.clone();
    let mut kafka = settings(&t.group, "abort-0");
    kafka.batch_max_records = 30;
    let dlq = DeadLetterSettings {
        topic: t.dlq.clone(),
        ..Default::default()
    };
    let driver = KafkaDriver::new(
        Counting {
            output: t.output.clone(),
            delay: Duration::ZERO,
        },
        kafka,
        vec![t.input.clone()],
        dlq,
        Arc::new(SystemClock),
    )
    .with_commit_hook(move |batch| {
        if batch.records > 0 && aborted_in_hook.load(Ordering::SeqCst) < 3 {
            aborted_in_hook.fetch_add(1, Ordering::SeqCst);
            CommitVerdict::Abort
        } else {
            CommitVerdict::Commit
        }
    });
    let stop = driver.shutdown_flag();
    let handle = std::thread::spawn(move || driver.run());

    let mut committed = Reader::new(&t.output, true);
    let done = committed.until(Duration::from_secs(60), |r| r.len() >= 100);
    // Past everything: markers behind the input, then sentinels behind the
    // output (no quiet period).
    let markers = produce_markers(&p, &t.input, 2, "marker", "inc");
    assert!(
        committed.until(Duration::from_secs(60), |r| markers_seen(r, &markers)),
        "markers processed"
    );
    assert!(committed.read_to_sentinels(&t.output, 2, Duration::from_secs(30)));
    committed.records.retain(|r| !markers.contains(&r.key));
    stop.store(true, Ordering::SeqCst);
    let result = handle.join();
    assert!(matches!(result, Ok(Ok(()))), "driver ended with {result:?}");
    assert!(done, "only {} outputs arrived", committed.records.len());
    assert_eq!(aborted.load(Ordering::SeqCst), 3);
    assert_eq!(by_key(&committed.records), expected_counts(&keys, 10));

    // The aborted batches were really written, then aborted.
    let mut uncommitted = Reader::new(&t.output, false);
    uncommitted.until(Duration::from_secs(20), |r| r.len() > 100);
    assert!(
        uncommitted.records.len() > 100,
        "a read_uncommitted reader should also see the aborted records, saw {}",
        uncommitted.records.len()
    );
}

#[test]
fn sigkill_mid_batch_loses_and_duplicates_nothing() {
    let t = topics("kill", 3);
    let keys: Vec<String> = (0..30).map(|i| format!("key{i}")).collect();
    let per_key = 100;
    let p = producer();
    for _ in 0..per_key {
        for k in &keys {
            produce(&p, &t.input, k, "inc");
        }
    }
    flush(&p);

    // 3 ms of work per record and 200-record batches: a batch takes ~0.6 s.
    // Each kill follows 50 more committed outputs (observed), then a seeded
    // random delay of up to half a second, so most land inside a batch.
    let delay_us = 3_000;
    let mut killer = Killer::new(11, Duration::from_millis(500));
    let log = log_path(&t, "kill-0");
    let mut child = spawn_proc(&t, "kill-0", delay_us);
    let mut out = Reader::new(&t.output, true);
    for _ in 0..5 {
        let before = out.records.len();
        assert!(
            out.until(Duration::from_secs(60), |r| r.len() > before + 50),
            "progress before the kill"
        );
        killer.delay_and_kill(&mut child, &log);
        child = spawn_proc(&t, "kill-0", delay_us);
    }
    eprintln!("kafka testproc: {}", killer.summary());
    let total = keys.len() * per_key;
    let done = out.until(Duration::from_secs(120), |r| r.len() >= total);
    let markers = produce_markers(&p, &t.input, 3, "marker", "inc");
    assert!(
        out.until(Duration::from_secs(60), |r| markers_seen(r, &markers)),
        "markers processed"
    );
    assert!(out.read_to_sentinels(&t.output, 3, Duration::from_secs(30)));
    out.records.retain(|r| !markers.contains(&r.key));
    assert_eq!(sigterm(&mut child), Some(0), "SIGTERM drains and exits 0");
    assert!(
        done,
        "only {} of {total} outputs arrived",
        out.records.len()
    );
    assert_eq!(out.records.len(), total, "duplicates in the output");
    assert_eq!(by_key(&out.records), expected_counts(&keys, per_key));
    assert!(
        killer.open >= 1,
        "no kill landed inside an open batch: {}",
        killer.summary()
    );
}

#[test]
fn state_follows_partitions_to_another_instance() {
    let t = topics("move", 4);
    let keys: Vec<String> = (0..20).map(|i| format!("m{i}")).collect();
    let p = producer();
    let round = |p: &rdkafka::producer::BaseProducer| {
        for k in &keys {
            produce(p, &t.input, k, "inc");
        }
        flush(p);
    };
    let mut out = Reader::new(&t.output, true);

    let mut a = spawn_proc(&t, "move-a", 0);
    for _ in 0..5 {
        round(&p);
    }
    assert!(
        out.until(Duration::from_secs(60), |r| r.len() >= 100),
        "first rounds"
    );

    // A second instance joins: some partitions move to it with their state
    // (its log says when it has restored them).
    let mut b = spawn_proc(&t, "move-b", 0);
    let b_log = log_path(&t, "move-b");
    assert!(
        wait_for(Duration::from_secs(60), || std::fs::read_to_string(&b_log)
            .unwrap_or_default()
            .contains("partition restored")),
        "the second instance took partitions over"
    );
    for _ in 0..5 {
        round(&p);
    }
    assert!(
        out.until(Duration::from_secs(60), |r| r.len() >= 200),
        "rounds with two instances"
    );

    // The first leaves: everything moves to the second.
    assert_eq!(sigterm(&mut a), Some(0));
    for _ in 0..5 {
        round(&p);
    }
    let done = out.until(Duration::from_secs(60), |r| r.len() >= 300);
    let markers = produce_markers(&p, &t.input, 4, "marker", "inc");
    assert!(
        out.until(Duration::from_secs(60), |r| markers_seen(r, &markers)),
        "markers processed"
    );
    assert!(out.read_to_sentinels(&t.output, 4, Duration::from_secs(30)));
    out.records.retain(|r| !markers.contains(&r.key));
    assert_eq!(sigterm(&mut b), Some(0));
    assert!(done, "only {} of 300 outputs", out.records.len());
    assert_eq!(by_key(&out.records), expected_counts(&keys, 15));
}

#[test]
fn a_deadline_that_passes_while_down_fires_once_after_restart() {
    let t = topics("deadline", 1);
    let p = producer();
    let mut child = spawn_proc(&t, "deadline-0", 0);
    let mut out = Reader::new(&t.output, true);

    let due = now_ms() + 6_000;
    produce(&p, &t.input, "case-1", &format!("deadline:{due}"));
    // A deadline that fires while the service is up, for comparison.
    produce(
        &p,
        &t.input,
        "case-2",
        &format!("deadline:{}", now_ms() + 2_000),
    );
    flush(&p);
    assert!(
        out.until(Duration::from_secs(30), |r| r
            .iter()
            .any(|x| x.value == "case-2:fired")),
        "live deadline fired"
    );
    assert!(out.records.iter().any(|x| x.value == "case-1:armed"));
    sigkill(&mut child);

    while now_ms() < due + 1_000 {
        std::thread::sleep(Duration::from_millis(200));
    }
    let fired = |r: &[Read]| r.iter().filter(|x| x.value == "case-1:fired").count();
    assert_eq!(
        fired(&out.records),
        0,
        "nothing fires while the service is down"
    );
    child = spawn_proc(&t, "deadline-0", 0);
    assert!(
        out.until(Duration::from_secs(60), |r| fired(r) >= 1),
        "fired after restart"
    );
    // Restart once more: the fired deadline stays fired. A later deadline
    // is the marker: deadlines fire in due order, so a second firing of
    // case-1 would come before it.
    sigkill(&mut child);
    child = spawn_proc(&t, "deadline-0", 0);
    produce(
        &p,
        &t.input,
        "case-3",
        &format!("deadline:{}", now_ms() + 500),
    );
    flush(&p);
    assert!(
        out.until(Duration::from_secs(60), |r| r
            .iter()
            .any(|x| x.value == "case-3:fired")),
        "the marker deadline fired"
    );
    assert!(out.read_to_sentinels(&t.output, 1, Duration::from_secs(30)));
    assert_eq!(sigterm(&mut child), Some(0));
    assert_eq!(fired(&out.records), 1, "fired exactly once");
    let counts: HashMap<&str, usize> = out.records.iter().fold(HashMap::new(), |mut m, r| {
        *m.entry(r.value.as_str()).or_default() += 1;
        m
    });
    assert_eq!(counts.get("case-2:fired"), Some(&1));
}

#[test]
fn rejected_records_are_dead_lettered_with_headers_and_the_stream_goes_on() {
    let t = topics("dlq", 1);
    let p = producer();
    produce(&p, &t.input, "d", "inc");
    produce(&p, &t.input, "d", "poison");
    produce(&p, &t.input, "d", "inc");
    produce(&p, &t.input, "d", "frobnicate jane@example.com");
    produce(&p, &t.input, "d", "inc");
    flush(&p);
    let mut child = spawn_proc(&t, "dlq-0", 0);
    let mut out = Reader::new(&t.output, true);
    let mut dlq = Reader::new(&t.dlq, true);
    assert!(out.until(Duration::from_secs(60), |r| r.len() >= 3));
    assert!(dlq.until(Duration::from_secs(30), |r| r.len() >= 2));
    // Everything is processed: sentinels show nothing else was written.
    assert!(out.read_to_sentinels(&t.output, 1, Duration::from_secs(30)));
    assert!(dlq.read_to_sentinels(&t.dlq, 1, Duration::from_secs(30)));
    assert_eq!(sigterm(&mut child), Some(0));

    let values: Vec<&str> = out.records.iter().map(|r| r.value.as_str()).collect();
    assert_eq!(values, ["d:1", "d:2", "d:3"]);
    assert_eq!(dlq.records.len(), 2);
    let poison = &dlq.records[0];
    assert_eq!(poison.header("escalator-dlq-topic"), Some(t.input.as_str()));
    assert_eq!(poison.header("escalator-dlq-partition"), Some("0"));
    assert_eq!(poison.header("escalator-dlq-offset"), Some("1"));
    assert_eq!(
        poison.header("escalator-dlq-error-kind"),
        Some("poison_pill")
    );
    assert_eq!(poison.header("escalator-dlq-service"), Some("counting"));
    let unknown = &dlq.records[1];
    assert_eq!(unknown.header("escalator-dlq-offset"), Some("3"));
    assert_eq!(
        unknown.header("escalator-dlq-error-kind"),
        Some("unknown_command")
    );
    let message = unknown
        .header("escalator-dlq-error-message")
        .unwrap_or_default();
    assert!(
        message.contains("[REDACTED:email]") && !message.contains("jane@example.com"),
        "{message}"
    );
    assert!(
        !unknown.value.contains("jane@example.com"),
        "payload redacted: {}",
        unknown.value
    );
}
