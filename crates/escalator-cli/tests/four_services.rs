//! End to end over the real broker: the four service binaries as separate
//! processes, one config file each, on event time. A generated history of
//! thousands of events produced to the raw topic must come out of the
//! per-domain routed topics exactly as `escalator replay` computes it for
//! the same history (same escalation ids, domains, reasons and packets) —
//! the offline run is the oracle — also when the evaluator, the router and
//! the aggregator are SIGKILLed several times on the way. The killed
//! aggregator's reports and KB suggestions then equal those of a second
//! aggregator (its own consumer group) that ran uninterrupted beside it, and
//! those `escalator report --events` computes offline. The uninterrupted
//! run uses a snapshot-mode history (every event says where the help desk
//! shows the ticket, as Zendesk and Jira do); the killed one a sparse one.
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
use std::time::Duration;

mod common;

use common::{replay_json, stdout};
use escalator_proto::v1::{KbUpdateSuggestion, RoutedEscalation};
use escalator_runtime::kafka::{TopicSpec, ensure_topics};
use escalator_tests::groups::Group;
use escalator_tests::http::{free_port, request, wait_ok};
use escalator_tests::kafka::{RawReader, bootstrap, flush, producer, settings, unique};
use escalator_tests::kills::Killer;
use escalator_tests::process::KillOnDrop;
use escalator_tests::services::{self, SERVICES, Topics};
use prost::Message;
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
    /// Every topic and group name starts with it.
    prefix: String,
    topics: Topics,
    routing: PathBuf,
    /// Config files and HTTP addresses by service (the uninterrupted second
    /// aggregator is `STEADY`).
    configs: BTreeMap<&'static str, PathBuf>,
    http: BTreeMap<&'static str, String>,
}

/// A second aggregator, never killed, with its own group and KB topic: the
/// reference for the one that is killed.
const STEADY: &str = "aggregator-steady";

impl Deployment {
    fn group(&self, service: &str) -> String {
        format!("{}-{service}", self.prefix)
    }

    fn problems_topic(&self, service: &str) -> String {
        if service == STEADY {
            format!("{}.problems-steady", self.prefix)
        } else {
            self.topics.problems.clone()
        }
    }

    fn kb_topic(&self, service: &str) -> String {
        if service == STEADY {
            format!("{}.kb-steady", self.prefix)
        } else {
            self.topics.kb_updates.clone()
        }
    }
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
        (format!("{p}.kb-steady"), 3),
        (t.problems.clone(), 3),
        (format!("{p}.problems-steady"), 3),
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
    let mut steady = Topics::named(&p, domains);
    steady.kb_updates = format!("{p}.kb-steady");
    steady.problems = format!("{p}.problems-steady");
    for service in SERVICES.into_iter().chain([STEADY]) {
        let listen = format!("127.0.0.1:{}", free_port());
        let (kind, topics) = if service == STEADY {
            ("aggregator", &steady)
        } else {
            (service, &t)
        };
        let text = services::config(
            kind,
            topics,
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
    Deployment {
        dir,
        prefix: p,
        topics: t,
        routing,
        configs,
        http,
    }
}

fn start(d: &Deployment, service: &'static str) -> KillOnDrop {
    let log = d.dir.path().join(format!("{service}.log"));
    let bin = if service == STEADY {
        "aggregator"
    } else {
        service
    };
    let child = Command::new(binary(bin))
        .args(["--config", d.configs[service].to_str().unwrap()])
        // Batch lines (debug) tell where a kill landed.
        .env(
            "ESCALATOR__TELEMETRY__LOG_LEVEL",
            "warn,escalator_runtime=debug",
        )
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
struct History {
    path: PathBuf,
    /// (ticket, canonical JSON line, event time) in the order produced.
    lines: Vec<(String, String, i64)>,
    /// When the fence tickets were created: the history's last instant.
    fence_ms: i64,
}

/// `snapshot`: every event carries the full envelope, as help desks send it.
fn history(dir: &Path, seed: u64, tickets: usize, snapshot: bool) -> History {
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
        .args(if snapshot { &["--snapshot"][..] } else { &[] })
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
    History {
        path,
        lines,
        fence_ms: fence_at.as_millisecond(),
    }
}

fn produce_history(d: &Deployment, lines: &[(String, String, i64)], during: impl FnMut(usize)) {
    let p = producer();
    let mut during = during;
    for (i, (ticket, line, at)) in lines.iter().enumerate() {
        loop {
            let record = BaseRecord::to(&d.topics.raw)
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
        if i % 20 == 0 {
            p.poll(Duration::ZERO);
            during(i);
        }
    }
    flush(&p);
    assert_eq!(p.in_flight_count(), 0);
}

/// The inputs each service's consumer group reads.
fn inputs(d: &Deployment, service: &str) -> Vec<String> {
    match service {
        "ingestor" => vec![d.topics.raw.clone()],
        "evaluator" => vec![d.topics.events.clone()],
        "router" => vec![d.topics.decisions.clone()],
        _ => {
            let mut v = vec![d.topics.decisions.clone(), d.problems_topic(service)];
            v.extend(d.topics.routed());
            v
        }
    }
}

fn group_of(d: &Deployment, service: &'static str) -> Group {
    let kind = if service == STEADY {
        "aggregator"
    } else {
        service
    };
    let partitions = if service == "ingestor" { 1 } else { 3 };
    Group::new(
        &bootstrap(),
        kind,
        &d.group(service),
        inputs(d, service),
        partitions,
    )
    .unwrap()
}

/// Every routed escalation, once the ingestor, the evaluator and the router
/// have committed all their input (in that order, so each check is final):
/// whatever they wrote sits below the routed topics' end offsets then, so
/// no quiet period is needed to know nothing more will come.
fn read_routed(d: &Deployment, timeout: Duration) -> Vec<String> {
    for service in ["ingestor", "evaluator", "router"] {
        let group = group_of(d, service);
        // The raw topic is not transactional: no trailing marker to allow.
        let done = |p: &escalator_tests::groups::Progress| {
            if service == "ingestor" {
                p.lag() == 0
            } else {
                p.drained()
            }
        };
        let mut last = None;
        assert!(
            escalator_tests::kills::wait_for(timeout, || {
                last = group.progress().ok();
                last.as_ref().is_some_and(done)
            }),
            "{service} did not catch up: {last:?}"
        );
    }
    let mut out = Vec::new();
    for topic in d.topics.routed() {
        for v in RawReader::new(&topic).read_to_end(&topic, 3, Duration::from_secs(60)) {
            let r = RoutedEscalation::decode(v.as_slice()).unwrap();
            assert_eq!(
                topic,
                format!("{}{}", d.topics.routed_prefix, r.domain),
                "on its domain's topic"
            );
            out.push(escalator_standalone::replay::routed_json(&r).to_string());
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

/// Waits until `service`'s consumer group has processed its inputs to their
/// end (the aggregator's: decisions, problems and the routed topics).
fn wait_drained(d: &Deployment, service: &'static str, timeout: Duration) {
    let group = group_of(d, service);
    let mut last = None;
    let drained = escalator_tests::kills::wait_for(timeout, || {
        last = group.progress().ok();
        last.as_ref().is_some_and(|p| p.drained())
    });
    assert!(drained, "{service} did not catch up: {last:?}");
}

const REPORTS: [&str; 3] = ["utilization", "resolution", "deflection"];

/// A report as JSON without the instant it was generated at.
fn report_json(body: &str) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_str(body).unwrap();
    v.as_object_mut().unwrap().remove("generatedAtMs");
    v
}

/// The three reports of a running aggregator over the whole history (a
/// window ending at a fixed instant, so figures do not move with the clock).
fn served_reports(addr: &str, end_ms: i64) -> Vec<serde_json::Value> {
    REPORTS
        .iter()
        .map(|kind| {
            let path = format!("/reports/{kind}?window=90d&end={end_ms}&format=json");
            let r = request(addr, "GET", &path, &[], b"").unwrap();
            assert_eq!(r.status, 200, "{kind}: {}", r.body);
            report_json(&r.body)
        })
        .collect()
}

/// The same reports computed offline from the history file.
fn offline_reports(h: &History, routing: &Path) -> Vec<serde_json::Value> {
    let (events, routing, end) = (
        h.path.to_str().unwrap(),
        routing.to_str().unwrap(),
        h.fence_ms.to_string(),
    );
    REPORTS
        .iter()
        .map(|kind| {
            report_json(&stdout(&[
                "report",
                kind,
                "--events",
                events,
                "--routing",
                routing,
                "--window",
                "90d",
                "--format",
                "json",
                "--end",
                &end,
            ]))
        })
        .collect()
}

/// The deflection rows marked as suggested.
fn suggested_in(deflection: &serde_json::Value) -> Vec<String> {
    deflection["deflection"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r.get("suggestedAtMs").is_some())
        .map(|r| r["suggestionId"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Every KB suggestion on `topic`, sorted.
fn suggestions(topic: &str) -> Vec<KbUpdateSuggestion> {
    // Called once the aggregators are drained: nothing more will come.
    let mut out: Vec<KbUpdateSuggestion> = RawReader::new(topic)
        .read_to_end(topic, 3, Duration::from_secs(60))
        .iter()
        .map(|v| KbUpdateSuggestion::decode(v.as_slice()).unwrap())
        .collect();
    out.sort_by(|a, b| a.suggestion_id.cmp(&b.suggestion_id));
    out
}

/// The aggregator killed on the way reports what the uninterrupted one and
/// the offline run report, and published the same KB suggestions, each once.
fn compare_aggregators(d: &Deployment, h: &History) {
    for service in ["aggregator", STEADY] {
        wait_drained(d, service, Duration::from_secs(120));
    }
    let killed = served_reports(&d.http["aggregator"], h.fence_ms);
    let steady = served_reports(&d.http[STEADY], h.fence_ms);
    let offline = offline_reports(h, &d.routing);
    for (i, kind) in REPORTS.iter().enumerate() {
        assert!(
            killed[i] == steady[i],
            "{kind}: the killed aggregator differs from the uninterrupted one\nkilled: {}\nsteady: {}",
            killed[i],
            steady[i]
        );
        assert!(
            steady[i] == offline[i],
            "{kind}: the aggregators differ from the offline report\nservice: {}\noffline: {}",
            steady[i],
            offline[i]
        );
    }
    let received: u64 = killed[0]["utilization"]["queues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["received"].as_u64().unwrap_or(0))
        .sum();
    assert!(
        received >= 50,
        "the reports count escalations: {}",
        killed[0]
    );
    // The same problems suggested, each once. (A draft is written from the
    // occurrences known when the threshold was first seen; occurrences from
    // different partitions can come in another order after a restart, so
    // drafts are not compared. When the threshold was reached is: it is in
    // the deflection report above.)
    let what = |x: &KbUpdateSuggestion| (x.suggestion_id.clone(), x.action, x.signature.clone());
    let a: Vec<_> = suggestions(&d.kb_topic("aggregator"))
        .iter()
        .map(what)
        .collect();
    let b: Vec<_> = suggestions(&d.kb_topic(STEADY)).iter().map(what).collect();
    assert!(
        !a.is_empty(),
        "the history has recurring deflectable problems"
    );
    assert_eq!(a, b, "the same KB suggestions from both aggregators");
    let mut ids: Vec<&str> = a.iter().map(|x| x.0.as_str()).collect();
    ids.dedup();
    assert_eq!(ids.len(), a.len(), "each suggestion once");
    let marked = suggested_in(&killed[2]);
    assert_eq!(
        marked.len(),
        a.len(),
        "every suggested problem is marked in the report"
    );
    eprintln!(
        "aggregators agree: {received} escalations received, {} KB suggestions",
        a.len()
    );
}

fn run(tag: &str, seed: u64, kill: bool, snapshot: bool) {
    let mut d = deploy(tag);
    let h = history(d.dir.path(), seed, 320, snapshot);
    let lines = &h.lines;
    assert!(lines.len() >= 2000, "thousands of events: {}", lines.len());
    let want = replay_json(&h.path, &["--routing", d.routing.to_str().unwrap()]);
    assert!(want.len() >= 50, "the history escalates: {}", want.len());

    let mut services: Vec<&'static str> = SERVICES.to_vec();
    if kill {
        services.push(STEADY);
    }
    let mut procs: BTreeMap<&'static str, KillOnDrop> =
        services.iter().map(|s| (*s, start(&d, s))).collect();
    let mut kills: BTreeMap<&str, usize> = BTreeMap::new();
    let victims = ["evaluator", "router", "aggregator"];
    let groups: BTreeMap<&str, Group> = victims.iter().map(|v| (*v, group_of(&d, v))).collect();
    let mut killer = Killer::new(seed, Duration::from_millis(300));
    // Committed offsets of each victim when it was (re)started.
    let mut started: BTreeMap<&str, i64> = victims
        .iter()
        .map(|v| (*v, groups[v].progress().map(|p| p.committed).unwrap_or(0)))
        .collect();
    let kills_done = std::sync::atomic::AtomicBool::new(!kill);
    let produced = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        // The history flows at about 100 events/s while kills remain (then
        // at full speed), so the services are at work when they are killed.
        let producing = scope.spawn(|| {
            produce_history(&d, lines, |_| {
                if !kills_done.load(std::sync::atomic::Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(200));
                }
            });
            produced.store(true, std::sync::atomic::Ordering::SeqCst);
        });
        // Kill the evaluator, the router and the aggregator in turn while
        // the history flows, and bring them back (same instance id: the new
        // incarnation fences the old one's transaction). A kill waits until
        // the victim has committed progress since its start, or has caught
        // up with its input (observed, not timed), then a seeded delay.
        for k in 0..if kill { 6 } else { 0 } {
            let victim = victims[k % victims.len()];
            let since = started[victim];
            let mut last = None;
            assert!(
                escalator_tests::kills::wait_for(Duration::from_secs(120), || {
                    last = groups[victim].progress().ok();
                    // Progress since the start, or nothing left to do.
                    last.is_some_and(|p| {
                        p.committed > since
                            || (produced.load(std::sync::atomic::Ordering::SeqCst) && p.drained())
                    })
                }),
                "{victim} made progress before its kill: from {since} to {last:?}"
            );
            let mut old = procs.remove(victim).unwrap();
            let log = d.dir.path().join(format!("{victim}.log"));
            // Every other kill aims at an open batch (these services are
            // mostly idle at this rate); the rest fall where the delay puts
            // them.
            if k % 2 == 0 {
                killer.aim_and_kill(&mut old.0, &log, Duration::from_secs(10));
            } else {
                killer.delay_and_kill(&mut old.0, &log);
            }
            procs.insert(victim, start(&d, victim));
            let now = groups[victim].progress().map(|p| p.committed);
            started.insert(victim, now.unwrap_or(since));
            *kills.entry(victim).or_default() += 1;
        }
        kills_done.store(true, std::sync::atomic::Ordering::SeqCst);
        producing.join().unwrap();
    });
    if kill {
        eprintln!("{tag}: {}", killer.summary());
        assert_eq!(
            kills.len(),
            victims.len(),
            "each of {victims:?} killed: {kills:?}"
        );
    }
    let got = read_routed(&d, Duration::from_secs(240));
    eprintln!(
        "{tag}: {} events, {} routed escalations over Kafka, {} in the replay, kills {kills:?}",
        lines.len(),
        got.len(),
        want.len()
    );
    if got != want {
        // Keep the logs for whoever reads the failure.
        let kept = std::mem::replace(&mut d.dir, tempfile::tempdir().unwrap()).keep();
        compare(&got, &want, &kept);
    }
    if kill {
        compare_aggregators(&d, &h);
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

/// On a history sent as help desks send it: every event carries where the
/// help desk shows the ticket.
#[test]
fn four_services_over_kafka_match_the_replay_on_snapshots() {
    run("e2e", 2026, false, true);
}

#[test]
fn four_services_match_the_replay_with_the_evaluator_router_and_aggregator_killed() {
    run("e2e-kill", 2027, true, false);
}
