//! End to end over the real broker: the four service binaries as separate
//! processes, one config file each, on event time. A generated history of
//! thousands of events produced to the raw topic must come out of the
//! per-domain routed topics exactly as `escalator replay` computes it for
//! the same history (same escalation ids, domains, reasons and packets) —
//! the offline run is the oracle — also when the evaluator and the router
//! are SIGKILLed several times on the way.
//!
//! Why event time: the history is weeks old; on the wall clock every
//! deadline would be overdue at once and fire in whatever order the batches
//! happen to fall. Both sides then follow the events' own time. The raw
//! topic has one partition (event time needs timestamp order per partition);
//! the other topics have three. Routing config for the test: no learned
//! weights and no queue limits, the two cross-ticket inputs that depend on
//! how tickets are spread over partitions (see docs/architecture.md).

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;

use common::replay_json;
use escalator_proto::v1::RoutedEscalation;
use escalator_runtime::kafka::{TopicSpec, ensure_topics};
use escalator_tests::http::{free_port, wait_ok};
use escalator_tests::kafka::{bootstrap, flush, producer, settings, unique};
use escalator_tests::process::KillOnDrop;
use escalator_tests::services::{self, SERVICES, Topics};
use prost::Message;
use rdkafka::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message as _;
use rdkafka::producer::{BaseRecord, Producer};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The service binaries are built next to `escalator` by `cargo test
/// --workspace` (what `make test` runs).
fn binary(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_BIN_EXE_escalator")).parent().unwrap();
    let path = dir.join(format!("escalator-{name}"));
    assert!(
        path.exists(),
        "{} missing: run the workspace's tests (`make test` or `cargo test --workspace`)",
        path.display()
    );
    path
}

struct Deployment {
    /// Kept when the test fails: the services' logs are there.
    dir: tempfile::TempDir,
    raw: String,
    routed_prefix: String,
    domains: Vec<String>,
    routing: PathBuf,
    configs: BTreeMap<&'static str, PathBuf>,
    http: BTreeMap<&'static str, String>,
}

/// Topics and one config file per service, all names unique to this test.
fn deploy(tag: &str) -> Deployment {
    let dir = tempfile::tempdir().unwrap();
    let p = unique(tag);
    // The shipped routing without the two partition-dependent inputs.
    let shipped = std::fs::read_to_string(root().join("deploy/routing.toml")).unwrap();
    let routing_text: String = shipped
        .lines()
        .map(|l| {
            if l.starts_with("learned_weight") {
                "learned_weight = 0.0".to_owned()
            } else if l.starts_with("wip_limit") {
                "wip_limit = 100000".to_owned()
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let routing = dir.path().join("routing.toml");
    std::fs::write(&routing, routing_text).unwrap();
    let domains: Vec<String> = escalator_router::Routing::load(&routing)
        .unwrap()
        .domains
        .iter()
        .map(|d| d.name.clone())
        .collect();
    let t = Topics::named(&p, domains.clone());
    let mut topics: Vec<(String, i32)> = vec![
        (t.raw.clone(), 1),
        (t.events.clone(), 3),
        (t.decisions.clone(), 3),
        (t.kb_updates.clone(), 3),
        (t.dead_letters.clone(), 1),
    ];
    topics.extend(t.routed().into_iter().map(|r| (r, 3)));
    // The history's timestamps are weeks old: time-based retention would
    // delete it as soon as a segment rolls.
    let specs: Vec<TopicSpec> = topics
        .iter()
        .map(|(n, c)| {
            let mut t = TopicSpec::new(n.clone(), *c);
            t.config.push(("retention.ms".into(), "-1".into()));
            t
        })
        .collect();
    ensure_topics(&settings("admin", "admin"), &specs).unwrap();

    let policy = root().join("deploy/policy.toml");
    let kafka = "time = \"event\"\nbatch_max_records = 300\nsession_timeout_ms = 6000\n";
    let mut configs = BTreeMap::new();
    let mut http = BTreeMap::new();
    for service in SERVICES {
        let listen = format!("127.0.0.1:{}", free_port());
        let text = services::config(
            service,
            &t,
            &policy,
            &routing,
            &bootstrap(),
            &format!("{p}-{service}"),
            kafka,
            &listen,
            "",
        );
        let path = dir.path().join(format!("{service}.toml"));
        std::fs::write(&path, text).unwrap();
        configs.insert(service, path);
        http.insert(service, listen);
    }
    let (raw, routed_prefix) = (t.raw, t.routed_prefix);
    Deployment {
        dir,
        raw,
        routed_prefix,
        domains,
        routing,
        configs,
        http,
    }
}

fn start(d: &Deployment, service: &'static str) -> KillOnDrop {
    let log = d.dir.path().join(format!("{service}.log"));
    let child = Command::new(binary(service))
        .args(["--config", d.configs[service].to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&log)
                .map(Stdio::from)
                .unwrap(),
        )
        .spawn()
        .unwrap();
    let child = KillOnDrop(child);
    assert!(
        wait_ok(&d.http[service], "/readyz", Duration::from_secs(90)),
        "{service} ready (log {})",
        log.display()
    );
    child
}

/// A generated history, plus "fence" tickets created a week after its last
/// event: on event time a deadline fires only when a later record of its
/// partition arrives, so every partition gets one (48 tickets over 3
/// partitions) and the oracle sees the same records.
fn history(dir: &Path, seed: u64, tickets: usize) -> (PathBuf, Vec<(String, String, i64)>) {
    // Recent enough that the broker keeps it, old enough to be history.
    let start = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24 * 40);
    let path = dir.join("history.jsonl");
    let out = Command::new(env!("CARGO_BIN_EXE_escalator"))
        .args([
            "generate",
            "--seed",
            &seed.to_string(),
            "--tickets",
            &tickets.to_string(),
            "--start",
            &start.to_string(),
            "--out",
            path.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut lines: Vec<(String, String, i64)> = Vec::new();
    for line in std::fs::read_to_string(&path).unwrap().lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let ticket = v["ticket_id"].as_str().unwrap().to_owned();
        let at = escalator_standalone::events::event_time(line.as_bytes()).unwrap();
        lines.push((ticket, line.to_owned(), at));
    }
    let last = lines.iter().map(|l| l.2).max().unwrap();
    let fence_at = jiff::Timestamp::from_millisecond(last + 7 * 86_400_000).unwrap();
    for i in 0..48 {
        let ticket = format!("fence:{i}");
        let ev = serde_json::json!({
            "event_id": format!("fence-{i}"),
            "ticket_id": ticket,
            "type": "created",
            "occurred_at": fence_at.to_string(),
            "customer": {"id": "fence", "tier": "standard"},
            "priority": "low",
            "status": "open",
            "support_tier": "l1",
            "queue": "l1-general",
            "subject": "end of the recorded history",
            "data": {}
        });
        lines.push((ticket, ev.to_string(), fence_at.as_millisecond()));
    }
    let text: String = lines.iter().map(|l| format!("{}\n", l.1)).collect();
    std::fs::write(&path, text).unwrap();
    (path, lines)
}

fn produce_history(d: &Deployment, lines: &[(String, String, i64)], during: impl FnMut(usize)) {
    let p = producer();
    let mut during = during;
    for (i, (ticket, line, at)) in lines.iter().enumerate() {
        loop {
            let record = BaseRecord::to(&d.raw)
                .key(ticket.as_str())
                .payload(line.as_str())
                .timestamp(*at);
            match p.send(record) {
                Ok(()) => break,
                Err((e, _)) => {
                    assert!(
                        matches!(
                            e,
                            rdkafka::error::KafkaError::MessageProduction(
                                rdkafka::types::RDKafkaErrorCode::QueueFull
                            )
                        ),
                        "produce: {e}"
                    );
                    p.poll(Duration::from_millis(20));
                }
            }
        }
        if i % 200 == 0 {
            p.poll(Duration::ZERO);
            during(i);
        }
    }
    flush(&p);
    assert_eq!(p.in_flight_count(), 0);
}

/// Reads the routed topics (read_committed) until `expected` records came
/// and nothing more arrived for `quiet`.
fn read_routed(d: &Deployment, expected: usize, timeout: Duration) -> Vec<String> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap())
        .set("group.id", unique("e2e-reader"))
        .set("enable.auto.commit", "false")
        .set("auto.offset.reset", "earliest")
        .set("isolation.level", "read_committed")
        .create()
        .unwrap();
    let topics: Vec<String> = d
        .domains
        .iter()
        .map(|x| format!("{}{x}", d.routed_prefix))
        .collect();
    let refs: Vec<&str> = topics.iter().map(String::as_str).collect();
    consumer.subscribe(&refs).unwrap();
    let end = Instant::now() + timeout;
    let quiet = Duration::from_secs(15);
    let mut last_new = Instant::now();
    let mut out = Vec::new();
    while Instant::now() < end {
        match consumer.poll(Duration::from_millis(200)) {
            Some(Ok(m)) => {
                let r = RoutedEscalation::decode(m.payload().unwrap_or_default()).unwrap();
                assert_eq!(
                    m.topic(),
                    format!("{}{}", d.routed_prefix, r.domain),
                    "on its domain's topic"
                );
                out.push(escalator_standalone::replay::routed_json(&r).to_string());
                last_new = Instant::now();
            }
            Some(Err(e)) => panic!("reading routed topics: {e}"),
            None => {
                if out.len() >= expected && last_new.elapsed() > quiet {
                    break;
                }
            }
        }
    }
    out.sort();
    out
}

fn compare(got: &[String], want: &[String], logs: &Path) {
    if got == want {
        return;
    }
    let missing: Vec<&String> = want.iter().filter(|w| !got.contains(w)).collect();
    let extra: Vec<&String> = got.iter().filter(|g| !want.contains(g)).collect();
    let short = |s: &&String| s.chars().take(600).collect::<String>();
    panic!(
        "routed escalations differ from the replay: {} over Kafka, {} in the replay; {} missing, {} extra (logs in {})\nfirst missing: {:?}\nfirst extra: {:?}",
        got.len(),
        want.len(),
        missing.len(),
        extra.len(),
        logs.display(),
        missing.first().map(short),
        extra.first().map(short)
    );
}

fn run(tag: &str, seed: u64, kill: bool) {
    let mut d = deploy(tag);
    let (history, lines) = history(d.dir.path(), seed, 320);
    assert!(lines.len() >= 2000, "thousands of events: {}", lines.len());
    let want = replay_json(&history, &["--routing", d.routing.to_str().unwrap()]);
    assert!(want.len() >= 50, "the history escalates: {}", want.len());

    let mut procs: BTreeMap<&'static str, KillOnDrop> =
        SERVICES.iter().map(|s| (*s, start(&d, s))).collect();
    let mut kills = 0;
    produce_history(&d, &lines, |i| {
        // Kill the evaluator and the router a few times while the history
        // flows, and bring them back (same instance id: the new incarnation
        // fences the old one's transaction).
        if kill && i > 0 && i % 600 == 0 && kills < 6 {
            let victim = if kills % 2 == 0 {
                "evaluator"
            } else {
                "router"
            };
            let mut old = procs.remove(victim).unwrap();
            old.0.kill().unwrap();
            old.0.wait().unwrap();
            std::thread::sleep(Duration::from_millis(300));
            procs.insert(victim, start(&d, victim));
            kills += 1;
        }
    });
    if kill {
        assert!(kills >= 4, "killed {kills} times");
    }
    let got = read_routed(&d, want.len(), Duration::from_secs(240));
    eprintln!(
        "{tag}: {} events, {} routed escalations over Kafka, {} in the replay, {kills} kills",
        lines.len(),
        got.len(),
        want.len()
    );
    if got != want {
        // Keep the logs for whoever reads the failure.
        let kept = std::mem::replace(&mut d.dir, tempfile::tempdir().unwrap()).keep();
        compare(&got, &want, &kept);
    }
    for (name, mut p) in procs {
        let _ = Command::new("kill")
            .args(["-TERM", &p.0.id().to_string()])
            .status();
        assert_eq!(
            p.0.wait().unwrap().code(),
            Some(0),
            "{name} drains on SIGTERM"
        );
    }
}

#[test]
fn four_services_over_kafka_match_the_replay() {
    run("e2e", 2026, false);
}

#[test]
fn four_services_match_the_replay_with_the_evaluator_and_router_killed() {
    run("e2e-kill", 2027, true);
}
