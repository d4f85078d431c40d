//! Against the real broker: decisions come out on the right per-domain
//! topics, once each, in per-ticket order, also when the router is killed
//! with SIGKILL and restarted mid-stream; queue load survives the restart;
//! a domain reassignment re-routes.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, HashMap};
use std::process::{Command, Stdio};
use std::time::Duration;

use escalator_proto::v1::ticket_event::{DomainReassigned, Kind};
use escalator_proto::v1::*;
use escalator_tests::groups::Group;
use escalator_tests::http::{free_port, wait_ok};
use escalator_tests::kafka::{RawReader, bootstrap, create_topics, flush, producer, unique};
use escalator_tests::kills::{Killer, wait_for};
use escalator_tests::process::KillOnDrop;
use prost::Message;
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::BaseRecord;

const DOMAINS: [&str; 8] = [
    "database",
    "networking",
    "identity",
    "platform",
    "billing",
    "frontend",
    "data-pipeline",
    "triage",
];

/// Text that points clearly at a domain.
fn text_for(domain: &str) -> &'static str {
    match domain {
        "database" => {
            "Deadlock detected, SQLSTATE 40001 from postgres; slow query and lock wait on the orders table"
        }
        "networking" => {
            "Packet loss at the VPN gateway, traceroute shows drops, DNS lookups time out, TLS handshake fails"
        }
        "identity" => {
            "SAML SSO login fails with AADSTS50126 from Azure AD, MFA prompt loops, IdP metadata changed"
        }
        "platform" => {
            "Pods in CrashLoopBackOff and OOMKilled on the kubernetes cluster after the deployment"
        }
        "billing" => {
            "Customer was double charged, the invoice shows the wrong VAT and the refund failed"
        }
        "frontend" => {
            "Blank page in Chrome, console shows Uncaught TypeError, the CSS layout of the dropdown is broken"
        }
        "data-pipeline" => {
            "Nightly ETL export to the warehouse stopped, Kafka consumer lag grows, CSV export pipeline stale"
        }
        _ => "It does not work since yesterday",
    }
}

fn decision(ticket: &str, domain: &str, kind: EscalationKind, n: u32) -> EscalationDecision {
    let text = text_for(domain);
    EscalationDecision {
        escalation_id: format!("esc-{ticket}-{n}"),
        ticket_id: ticket.into(),
        kind: kind as i32,
        from_tier: if kind == EscalationKind::Reescalate {
            SupportTier::L2
        } else {
            SupportTier::L1
        } as i32,
        to_tier: if kind == EscalationKind::Reescalate {
            SupportTier::L3
        } else {
            SupportTier::L2
        } as i32,
        handoff: Some(HandoffPacket {
            subject: text.into(),
            summary: text.into(),
            markdown: format!("# {text}\n\n{text}"),
            priority: Priority::Normal as i32,
            ..Default::default()
        }),
        ..Default::default()
    }
}

struct Setup {
    decisions: String,
    prefix: String,
    dlq: String,
    group: String,
}

fn log_path(s: &Setup) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("{}.log", s.group))
}

fn spawn(s: &Setup, http: &str) -> KillOnDrop {
    let log = log_path(s);
    let child = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_escalator-router"))
            .env("ESCALATOR__KAFKA__BOOTSTRAP_SERVERS", bootstrap())
            .env("ESCALATOR__KAFKA__GROUP_ID", &s.group)
            .env("ESCALATOR__KAFKA__INSTANCE_ID", "e2e-0")
            .env("ESCALATOR__KAFKA__BATCH_MAX_RECORDS", "20")
            .env("ESCALATOR__TOPICS__DECISIONS", &s.decisions)
            .env("ESCALATOR__TOPICS__ROUTED_PREFIX", &s.prefix)
            .env("ESCALATOR__DEAD_LETTERS__TOPIC", &s.dlq)
            .env("ESCALATOR__HTTP__LISTEN", http)
            // Batch lines (debug) tell where a kill landed.
            .env(
                "ESCALATOR__TELEMETRY__LOG_LEVEL",
                "info,escalator_runtime=debug",
            )
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
        "router ready (log {})",
        log.display()
    );
    child
}

#[test]
fn routed_once_each_on_the_right_topic_in_order_across_kills() {
    let s = Setup {
        decisions: unique("rt-decisions"),
        prefix: format!("{}.", unique("rt-routed")),
        dlq: unique("rt-dlq"),
        group: unique("rt-router"),
    };
    let routed: Vec<String> = DOMAINS.iter().map(|d| format!("{}{d}", s.prefix)).collect();
    // One input partition: queue load is tracked per partition, and this
    // test checks the exact count after restarts.
    let mut topics: Vec<(&str, i32)> = vec![(&s.decisions, 1), (&s.dlq, 1)];
    topics.extend(routed.iter().map(|t| (t.as_str(), 1)));
    create_topics(&topics);

    let http = format!("127.0.0.1:{}", free_port());
    let mut child = spawn(&s, &http);
    let log = log_path(&s);
    let group = Group::new(
        &bootstrap(),
        "router",
        &s.group,
        vec![s.decisions.clone()],
        1,
    )
    .unwrap();
    let mut committed = 0;
    let mut killer = Killer::new(5, Duration::from_millis(300));
    let p = producer();
    // 48 tickets over the 8 domains; each escalates, then half re-escalate.
    let mut expected: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
    let mut total = 0;
    for round in 0..3 {
        for i in (round * 16)..(round * 16 + 16) {
            let domain = DOMAINS[i % DOMAINS.len()];
            let ticket = format!("T-{i}");
            let mut ids = vec![];
            let first = decision(&ticket, domain, EscalationKind::Escalate, 1);
            ids.push(first.escalation_id.clone());
            p.send(
                BaseRecord::to(&s.decisions)
                    .key(&ticket)
                    .payload(&first.encode_to_vec()),
            )
            .unwrap();
            if i % 2 == 0 && domain != "triage" {
                let second = decision(&ticket, domain, EscalationKind::Reescalate, 2);
                ids.push(second.escalation_id.clone());
                p.send(
                    BaseRecord::to(&s.decisions)
                        .key(&ticket)
                        .payload(&second.encode_to_vec()),
                )
                .unwrap();
            }
            total += ids.len();
            expected.insert(ticket, (domain.to_owned(), ids));
        }
        flush(&p);
        // Kill the router in the middle of the stream, twice: once it has
        // committed part of this round (observed), after a seeded delay.
        if round < 2 {
            let before = committed;
            assert!(
                wait_for(Duration::from_secs(60), || {
                    committed = group.progress().map(|g| g.committed).unwrap_or(before);
                    committed > before
                }),
                "the router made progress in round {round}"
            );
            killer.delay_and_kill(&mut child.0, &log);
            child = spawn(&s, &http);
        }
    }

    let mut got: HashMap<String, Vec<RoutedEscalation>> = HashMap::new();
    let mut readers: Vec<(String, RawReader)> = DOMAINS
        .iter()
        .zip(routed.iter())
        .map(|(d, t)| ((*d).to_owned(), RawReader::new(t)))
        .collect();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let mut count = 0;
    while count < total && std::time::Instant::now() < deadline {
        for (domain, r) in &mut readers {
            for v in r.read(total, Duration::from_millis(200)) {
                let re = RoutedEscalation::decode(v.as_slice()).unwrap();
                assert_eq!(&re.domain, domain, "published on its domain's topic");
                got.entry(re.ticket_id.clone()).or_default().push(re);
                count += 1;
            }
        }
    }
    // Nothing more may arrive: once the router has committed all its input,
    // everything it wrote sits below sentinels written now.
    assert!(
        wait_for(Duration::from_secs(60), || group
            .progress()
            .map(|g| g.drained())
            .unwrap_or(false)),
        "the router committed all its input"
    );
    for ((_, r), topic) in readers.iter_mut().zip(&routed) {
        for v in r.read_to_sentinels(topic, 1, Duration::from_secs(30)) {
            let re = RoutedEscalation::decode(v.as_slice()).unwrap();
            got.entry(re.ticket_id.clone()).or_default().push(re);
            count += 1;
        }
    }
    eprintln!("router: {}", killer.summary());
    assert_eq!(count, total, "every decision routed exactly once");
    for (ticket, (domain, ids)) in &expected {
        let routed = got
            .get(ticket)
            .unwrap_or_else(|| panic!("{ticket} not routed"));
        let got_ids: Vec<&str> = routed.iter().map(|r| r.escalation_id.as_str()).collect();
        assert_eq!(
            got_ids,
            ids.iter().map(String::as_str).collect::<Vec<_>>(),
            "{ticket}: once each, in order"
        );
        assert!(
            routed.iter().all(|r| &r.domain == domain),
            "{ticket} -> {domain}: {:?}",
            routed.iter().map(|r| &r.domain).collect::<Vec<_>>()
        );
        let c = routed[0].classification.as_ref().unwrap();
        assert!(
            !c.signals.is_empty() || domain == "triage",
            "explains itself"
        );
    }

    // Queue load survived the kills: a new database escalation sees the
    // open ones (6 tickets in database, each still open).
    let probe = decision("T-probe", "database", EscalationKind::Escalate, 1);
    p.send(
        BaseRecord::to(&s.decisions)
            .key("T-probe")
            .payload(&probe.encode_to_vec()),
    )
    .unwrap();
    // And a specialist moves T-0 (database) to networking (the evaluator
    // forwards the event on the decisions topic): it is re-routed.
    let moved = TicketEvent {
        ticket_id: "T-0".into(),
        event_id: "move-1".into(),
        event_time_ms: escalator_tests::kafka::now_ms(),
        kind: Some(Kind::DomainReassigned(DomainReassigned {
            escalation_id: "esc-T-0-2".into(),
            from_domain: "database".into(),
            to_domain: "networking".into(),
            reason: "VPN, not the DB".into(),
        })),
        ..Default::default()
    };
    let content_type = escalator_proto::content_type::<TicketEvent>();
    p.send(
        BaseRecord::to(&s.decisions)
            .key("T-0")
            .payload(&moved.encode_to_vec())
            .headers(OwnedHeaders::new().insert(Header {
                key: "content-type",
                value: Some(content_type.as_str()),
            })),
    )
    .unwrap();
    flush(&p);
    let db = readers.iter_mut().find(|(d, _)| d == "database").unwrap();
    let probe_routed = db.1.read(1, Duration::from_secs(30));
    assert_eq!(probe_routed.len(), 1);
    let pr = RoutedEscalation::decode(probe_routed[0].as_slice()).unwrap();
    let open_db = expected.values().filter(|(d, _)| d == "database").count() as u32;
    assert_eq!(
        pr.queue_load.as_ref().unwrap().open,
        open_db,
        "queue load restored from the changelog"
    );
    let net = readers.iter_mut().find(|(d, _)| d == "networking").unwrap();
    let rerouted = net.1.read(1, Duration::from_secs(30));
    assert_eq!(rerouted.len(), 1, "re-routed to its new domain");
    let rr = RoutedEscalation::decode(rerouted[0].as_slice()).unwrap();
    assert_eq!(rr.ticket_id, "T-0");
    assert_eq!(rr.reroute.as_ref().unwrap().previous_domain, "database");

    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    assert_eq!(child.wait().unwrap().code(), Some(0));
}
