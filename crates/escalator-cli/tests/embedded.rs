//! The one-machine product: `escalator run` on the embedded driver, killed
//! and restarted mid-stream, writes exactly the routed escalations `escalator
//! replay` computes for the same history (nothing lost, nothing twice); and
//! the README's `make run` steps work non-interactively.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;

use common::{escalator, replay_json};
use escalator_proto::v1::RoutedEscalation;
use escalator_tests::http::{free_port, request, wait_ok};
use escalator_tests::kills::{Killer, wait_for};
use escalator_tests::process::KillOnDrop;

fn generate(dir: &Path, seed: u64, tickets: usize) -> PathBuf {
    let path = dir.join("history.jsonl");
    let out = escalator()
        .args([
            "generate",
            "--seed",
            &seed.to_string(),
            "--tickets",
            &tickets.to_string(),
        ])
        .args(["--out", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    path
}

/// Every routed escalation in the data directory's per-domain files, in the
/// replay's JSON shape. After a kill a file may end in a torn line, which the
/// next start cuts off: `settled` says no run has been killed since the last
/// start, so every line must be whole.
fn routed_files(data: &Path, settled: bool) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(data.join("routed")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("jsonl") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let whole = match text.rfind('\n') {
            Some(i) => &text[..=i],
            None => "",
        };
        if settled {
            assert_eq!(whole, text, "{} ends in a whole line", path.display());
        }
        for line in whole.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let r: RoutedEscalation =
                serde_json::from_value(v["routed_escalation"].clone()).unwrap();
            assert_eq!(
                path.file_stem().unwrap().to_str().unwrap(),
                r.domain,
                "in its domain's file"
            );
            out.push(escalator_standalone::replay::routed_json(&r).to_string());
        }
    }
    out.sort();
    out
}

fn run_args(data: &Path, history: &Path, speed: &str) -> Command {
    let mut c = escalator();
    c.args([
        "run",
        "--data-dir",
        data.to_str().unwrap(),
        "--listen",
        "127.0.0.1:0",
    ])
    .args([
        "--events",
        history.to_str().unwrap(),
        "--speed",
        speed,
        "--exit-at-end",
    ])
    // The batch lines tell whether a kill landed inside an open batch.
    .args(["--log-level", "warn,escalator_standalone=debug"])
    .stdout(Stdio::null())
    .stderr(Stdio::null());
    c
}

/// Whole routed lines written so far (the file sink writes after commit).
fn routed_lines(data: &Path) -> usize {
    let Ok(dir) = std::fs::read_dir(data.join("routed")) else {
        return 0;
    };
    dir.filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "jsonl"))
        .map(|e| {
            std::fs::read(e.path())
                .map(|b| b.iter().filter(|c| **c == b'\n').count())
                .unwrap_or(0)
        })
        .sum()
}

#[test]
fn run_killed_and_restarted_matches_the_replay() {
    let dir = tempfile::tempdir().unwrap();
    let history = generate(dir.path(), 41, 200);
    let want = replay_json(&history, &[]);
    assert!(want.len() >= 30, "the history escalates: {}", want.len());
    let data = dir.path().join("data");
    // About a day of history per second. Each run is killed once a further
    // sixth of the escalations has been routed (observed, not timed), after
    // a seeded random delay of at most 150 ms (under four hours of history),
    // so every kill lands mid-stream whatever the machine's speed.
    let mut killer = Killer::new(41, Duration::from_millis(150));
    for round in 1..=4 {
        let target = want.len() * round / 6;
        let log = dir.path().join(format!("run-{round}.log"));
        let mut cmd = run_args(&data, &history, "86400");
        cmd.stderr(std::fs::File::create(&log).unwrap());
        let mut child = KillOnDrop(cmd.spawn().unwrap());
        assert!(
            wait_for(Duration::from_secs(120), || routed_lines(&data) >= target),
            "round {round}: {target} escalations routed in time ({} so far)",
            routed_lines(&data)
        );
        killer.delay_and_kill(&mut child.0, &log);
    }
    eprintln!("escalator run: {}", killer.summary());
    let partial = routed_files(&data, false);
    assert!(
        partial.len() < want.len(),
        "the kills came before the end ({} of {})",
        partial.len(),
        want.len()
    );
    // The last run continues from the committed position to the end.
    let status = run_args(&data, &history, "0").status().unwrap();
    assert!(status.success());
    let got = routed_files(&data, true);
    let mut dedup = got.clone();
    dedup.dedup();
    assert_eq!(dedup.len(), got.len(), "no escalation written twice");
    assert_eq!(got.len(), want.len(), "nothing lost, nothing repeated");
    assert!(got == want, "same escalations as the replay");
    // One Markdown handoff packet per escalation and domain (a re-routed
    // escalation has one in each domain it went to).
    let packets: usize = std::fs::read_dir(data.join("routed"))
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|e| std::fs::read_dir(e.path()).unwrap().count())
        .sum();
    let ids: std::collections::BTreeSet<(String, String)> = want
        .iter()
        .map(|w| {
            let v = serde_json::from_str::<serde_json::Value>(w).unwrap();
            (v["domain"].to_string(), v["escalation_id"].to_string())
        })
        .collect();
    assert_eq!(packets, ids.len());
}

/// The README quickstart: `make run` is `scripts/run-demo.sh`. The build
/// step is skipped (`ESCALATOR` names the binary this test run built: a
/// nested cargo would wait on this run's own lock); the rest runs as
/// written, bounded in time.
#[test]
fn make_run_steps_produce_reports_and_routed_packets() {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let makefile = std::fs::read_to_string(root.join("Makefile")).unwrap();
    assert!(
        makefile.contains("run: ##") && makefile.contains("scripts/run-demo.sh"),
        "make run is the demo script"
    );
    let listen = format!("127.0.0.1:{}", free_port());
    let log = dir.path().join("demo.log");
    let mut child = KillOnDrop(
        Command::new(root.join("scripts/run-demo.sh"))
            .env("ESCALATOR", env!("CARGO_BIN_EXE_escalator"))
            .env("DEMO_DIR", dir.path().join("demo"))
            .env("DEMO_TICKETS", "150")
            .env("DEMO_SPEED", "0")
            .env("DEMO_LISTEN", &listen)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap(),
    );
    assert!(wait_ok(&listen, "/healthz", Duration::from_secs(60)));
    let deadline = Instant::now() + Duration::from_secs(120);
    let routed = dir.path().join("demo/state/routed");
    loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if text.contains("events file processed") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the demo history was fed in time:\n{text}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let printed = std::fs::read_to_string(&log).unwrap();
    for url in [
        "/reports/utilization?format=html",
        "/metrics",
        "/tickets/<ticket_id>/why",
    ] {
        assert!(
            printed.contains(&format!("http://{listen}{url}")),
            "{printed}"
        );
    }
    assert!(printed.contains(routed.to_str().unwrap()), "{printed}");

    let packets: Vec<PathBuf> = std::fs::read_dir(&routed)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .flat_map(|e| std::fs::read_dir(e.path()).unwrap().filter_map(Result::ok))
        .map(|e| e.path())
        .collect();
    assert!(
        packets.len() >= 5,
        "routed handoff packets: {}",
        packets.len()
    );
    let md = std::fs::read_to_string(&packets[0]).unwrap();
    assert!(md.starts_with("# "), "a Markdown packet: {md}");

    for kind in ["utilization", "resolution", "deflection"] {
        let r = request(
            &listen,
            "GET",
            &format!("/reports/{kind}?window=30d&format=json"),
            &[],
            b"",
        )
        .unwrap();
        assert_eq!(r.status, 200, "{kind}: {}", r.body);
        let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert!(v.is_object(), "{kind}");
        let html = request(
            &listen,
            "GET",
            &format!("/reports/{kind}?window=30d&format=html"),
            &[],
            b"",
        )
        .unwrap();
        assert!(
            html.body.contains("<svg") || html.body.contains("<table"),
            "{kind} html"
        );
    }
    let util = request(
        &listen,
        "GET",
        "/reports/utilization?window=30d&format=json",
        &[],
        b"",
    )
    .unwrap();
    assert!(
        util.body.contains("l2-"),
        "queues in the utilization report: {}",
        util.body
    );
    let metrics = request(&listen, "GET", "/metrics", &[], b"").unwrap();
    assert!(
        metrics.body.contains("escalator_evaluator_decisions_total"),
        "{}",
        metrics.body
    );
    // The "why not yet" endpoint answers for a ticket of the history.
    let history = std::fs::read_to_string(dir.path().join("demo/demo-events.jsonl")).unwrap();
    let first: serde_json::Value = serde_json::from_str(history.lines().next().unwrap()).unwrap();
    let ticket = first["ticket_id"].as_str().unwrap().replace(':', "%3A");
    let why = request(&listen, "GET", &format!("/tickets/{ticket}/why"), &[], b"").unwrap();
    assert!(why.status == 200 || why.status == 404, "{}", why.status);

    let _ = Command::new("kill")
        .args(["-TERM", &child.0.id().to_string()])
        .status();
    assert_eq!(
        child.0.wait().unwrap().code(),
        Some(0),
        "Ctrl-C / SIGTERM stops it cleanly"
    );
}

/// Live on the wall clock, fed by a signed webhook: an urgent enterprise
/// ticket that has waited longer than its threshold escalates at once, is
/// routed to a file, and "why not yet" explains the ticket; an unsigned
/// delivery is refused and dead-lettered.
#[test]
fn run_takes_signed_webhooks_on_the_wall_clock() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let listen = format!("127.0.0.1:{}", free_port());
    let secret = "test-webhook-secret-0123456789";
    let mut child = KillOnDrop(
        escalator()
            .args([
                "run",
                "--data-dir",
                data.to_str().unwrap(),
                "--listen",
                &listen,
            ])
            .env("ESCALATOR_WEBHOOK_SECRET", secret)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    assert!(wait_ok(&listen, "/readyz", Duration::from_secs(30)));
    let now = jiff::Timestamp::now();
    let created = now - jiff::SignedDuration::from_hours(2);
    let body = serde_json::json!({
        "event_id": "wh-1",
        "ticket_id": "helpdesk:acme:9001",
        "type": "created",
        "occurred_at": created.to_string(),
        "customer": {"id": "acme", "tier": "enterprise"},
        "product": "analytics",
        "component": "exports",
        "priority": "urgent",
        "status": "open",
        "support_tier": "l1",
        "queue": "l1-general",
        "subject": "Exports fail with SQLSTATE 40001 deadlock detected",
        "description": "Since 09:00 every export fails.\nERROR: deadlock detected (SQLSTATE 40001)\nContact: jane.doe@example.com",
        "data": {}
    })
    .to_string();
    let unsigned = request(
        &listen,
        "POST",
        "/webhooks/canonical",
        &[("content-type", "application/json")],
        body.as_bytes(),
    )
    .unwrap();
    assert_eq!(unsigned.status, 401);
    let sig = escalator_ingestor::signature::escalator_sign(
        secret.as_bytes(),
        now.as_second(),
        body.as_bytes(),
    );
    let signed = request(
        &listen,
        "POST",
        "/webhooks/canonical",
        &[
            ("content-type", "application/json"),
            ("x-escalator-signature", &sig),
        ],
        body.as_bytes(),
    )
    .unwrap();
    assert_eq!(signed.status, 202, "{}", signed.body);
    // 30 minutes for urgent enterprise tickets: two hours in queue escalates.
    let deadline = Instant::now() + Duration::from_secs(30);
    let routed = loop {
        let found: Vec<String> = std::fs::read_dir(data.join("routed"))
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "jsonl"))
            .map(|e| std::fs::read_to_string(e.path()).unwrap())
            .collect();
        if !found.is_empty() {
            break found.join("");
        }
        assert!(Instant::now() < deadline, "routed in time");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(routed.contains("helpdesk:acme:9001"), "{routed}");
    assert!(routed.contains("tiq-enterprise-urgent"), "{routed}");
    assert!(
        !routed.contains("jane.doe@example.com"),
        "the packet is redacted"
    );
    let why = request(&listen, "GET", "/tickets/helpdesk:acme:9001/why", &[], b"").unwrap();
    assert_eq!(why.status, 200, "{}", why.body);
    // Escalated: the ticket now waits in L2, and the next rule is L2 -> L3.
    assert!(
        why.body.contains("l2-to-l3") && why.body.contains("next_deadline"),
        "{}",
        why.body
    );
    let dead = std::fs::read_to_string(data.join("dead-letters.jsonl")).unwrap();
    assert!(
        dead.contains("bad_signature") || dead.contains("signature"),
        "{dead}"
    );
    let _ = Command::new("kill")
        .args(["-TERM", &child.0.id().to_string()])
        .status();
    assert_eq!(child.0.wait().unwrap().code(), Some(0));
}
