//! One function per goal of the brief. Each returns its samples (one per
//! run); `main` turns them into table rows.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use escalator_evaluator::Evaluator;
use escalator_evaluator::state::TicketState;
use escalator_proto::v1::TicketEvent;
use escalator_proto::v1::ticket_event::Kind;
use escalator_router::Router;
use escalator_runtime::dlq::DeadLetterSettings;
use escalator_runtime::embedded::Pipeline;
use escalator_runtime::timers::{TimerKey, Timers};
use escalator_runtime::{ManualClock, Record, Task};
use escalator_standalone::events::Line;
use escalator_standalone::{Config, replay, wiring};
use prost::Message;

use crate::fixture::Encoded;
use crate::table::percentile;

/// Records per commit on the embedded driver (a batch).
const BATCH: usize = 2_000;

/// P1: the whole pipeline in one process (JSON in; ingestor, evaluator,
/// router and aggregator on the embedded driver, committing to its data
/// directory): events per second, one core.
pub fn p1_pipeline(lines: &[Line], cfg: &Config, runs: usize) -> anyhow::Result<Vec<f64>> {
    let mut samples = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        let outcome = replay::replay(lines, cfg, &replay::Options::default())?;
        let secs = started.elapsed().as_secs_f64();
        anyhow::ensure!(outcome.events == lines.len(), "every event went in");
        samples.push(lines.len() as f64 / secs);
    }
    Ok(samples)
}

/// P2: the evaluator and the router alone on protobuf input (embedded
/// driver, commits included): events per second, one core.
pub fn p2_evaluator_router(
    events: &[Encoded],
    cfg: &Config,
    runs: usize,
) -> anyhow::Result<Vec<f64>> {
    let mut samples = Vec::new();
    for _ in 0..runs {
        let dir = tempfile::tempdir()?;
        let clock = ManualClock::new(events.first().map_or(0, |e| e.time_ms));
        let mut p = Pipeline::open(
            dir.path(),
            DeadLetterSettings::default(),
            Arc::new(clock.clone()),
        )?;
        p.add(
            Evaluator {
                policy: cfg.policy.clone(),
                decisions_topic: wiring::DECISIONS.into(),
                retention_ms: cfg.retention_ms,
            },
            &[wiring::EVENTS],
        )?;
        p.add(
            Router {
                routing: cfg.routing.clone(),
                decisions_topic: wiring::DECISIONS.into(),
                routed_prefix: wiring::ROUTED_PREFIX.into(),
                capacity_partitions: 1,
            },
            &[wiring::DECISIONS],
        )?;
        let started = Instant::now();
        for (i, e) in events.iter().enumerate() {
            replay::advance(&mut p, &clock, e.time_ms)?;
            p.send(wiring::EVENTS, Some(&e.key), &e.value, &[], None)?;
            if (i + 1) % BATCH == 0 {
                p.commit()?;
            }
        }
        p.commit()?;
        samples.push(events.len() as f64 / started.elapsed().as_secs_f64());
    }
    Ok(samples)
}

pub struct TimerSamples {
    /// Nanoseconds per arm (set + record accept; batch commit amortized).
    pub arm_ns: Vec<f64>,
    /// Nanoseconds per reset of an armed deadline.
    pub reset_ns: Vec<f64>,
    /// p99 lateness of firing, milliseconds, per run.
    pub late_p99_ms: Vec<f64>,
}

fn wall_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// P5: deadlines with `pending` armed (1M in the brief). Arm and reset cost
/// per deadline, and how late deadlines fire when a loop checks every
/// `tick` (the driver's idle poll) with the full index in place.
pub fn p5_timers(pending: usize, runs: usize, tick: Duration) -> TimerSamples {
    let mut s = TimerSamples {
        arm_ns: Vec::new(),
        reset_ns: Vec::new(),
        late_p99_ms: Vec::new(),
    };
    let keys: Vec<TimerKey> = (0..pending)
        .map(|i| TimerKey::new(format!("ticket-{i:08}").as_bytes(), "deadline"))
        .collect();
    for _ in 0..runs {
        let mut t = Timers::default();
        let now = wall_ms();
        let hour = 3_600_000;
        let started = Instant::now();
        for (i, k) in keys.iter().enumerate() {
            t.set(k.clone(), now + hour + (i as i64 % hour));
            t.accept_record();
            if (i + 1) % BATCH == 0 {
                t.commit_batch();
            }
        }
        t.commit_batch();
        s.arm_ns
            .push(started.elapsed().as_nanos() as f64 / pending as f64);

        let started = Instant::now();
        for (i, k) in keys.iter().enumerate() {
            t.set(k.clone(), now + 2 * hour + (i as i64 % hour));
            t.accept_record();
            if (i + 1) % BATCH == 0 {
                t.commit_batch();
            }
        }
        t.commit_batch();
        s.reset_ns
            .push(started.elapsed().as_nanos() as f64 / pending as f64);

        // 5,000 of them come due over the next two seconds.
        let soon = 5_000.min(pending);
        let base = wall_ms() + 50;
        for (i, k) in keys.iter().take(soon).enumerate() {
            t.set(k.clone(), base + (i as i64 * 2_000) / soon as i64);
            t.accept_record();
        }
        t.commit_batch();
        let mut late = Vec::with_capacity(soon);
        let deadline = Instant::now() + Duration::from_secs(10);
        while late.len() < soon && Instant::now() < deadline {
            std::thread::sleep(tick);
            let now = wall_ms();
            for (key, due) in t.due(now, 10_000) {
                late.push((now - due) as f64);
                t.cancel(&key);
                t.accept_record();
            }
            t.commit_batch();
        }
        if let Some(p99) = percentile(&mut late, 99.0) {
            s.late_p99_ms.push(p99);
        }
    }
    s
}

fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

/// P6: evaluator state per open ticket beyond the text it keeps for the
/// handoff: resident memory grown by `n` tickets (created from realistic
/// first events, committed, with their deadline), minus that text, per
/// ticket. One sample per run.
pub fn p6_memory(events: &[Encoded], cfg: &Config, n: usize, runs: usize) -> Vec<f64> {
    let created = created_events(events);
    let mut samples = Vec::new();
    if created.is_empty() {
        return samples;
    }
    let evaluator = evaluator(cfg);
    for _ in 0..runs {
        let before = resident_bytes().unwrap_or(0);
        let task = open_tickets(&evaluator, &created, n, |_| {});
        let after = resident_bytes().unwrap_or(0);
        let text: usize = task
            .committed_state()
            .map(|(_, s)| s.texts.iter().map(|t| t.body.len()).sum::<usize>() + s.subject.len())
            .sum();
        let grown = after.saturating_sub(before) as f64;
        samples.push((grown - text as f64) / n as f64);
        drop(task);
    }
    samples
}

/// The `created` events of a history: each opens a ticket.
fn created_events(events: &[Encoded]) -> Vec<TicketEvent> {
    events
        .iter()
        .filter_map(|e| TicketEvent::decode(e.value.as_slice()).ok())
        .filter(|e| matches!(e.kind, Some(Kind::Created(_))))
        .collect()
}

fn evaluator(cfg: &Config) -> Evaluator {
    Evaluator {
        policy: cfg.policy.clone(),
        decisions_topic: "d".into(),
        retention_ms: cfg.retention_ms,
    }
}

/// An evaluator partition with `n` open tickets, opened from `created`
/// (cycled, with distinct ids) and committed every `BATCH` records;
/// `before_commit` sees each batch before its commit.
fn open_tickets(
    evaluator: &Evaluator,
    created: &[TicketEvent],
    n: usize,
    mut before_commit: impl FnMut(&Task<TicketState>),
) -> Task<TicketState> {
    let mut task: Task<TicketState> = Task::default();
    let mut out = Vec::new();
    for i in 0..n {
        let mut ev = created[i % created.len()].clone();
        ev.ticket_id = format!("{}#{i}", ev.ticket_id);
        ev.event_id = format!("{}#{i}", ev.event_id);
        let bytes = ev.encode_to_vec();
        let record = Record {
            topic: "tickets.events",
            partition: 0,
            offset: i as i64,
            key: Some(ev.ticket_id.as_bytes()),
            value: &bytes,
            headers: &[],
            timestamp_ms: Some(ev.event_time_ms),
        };
        let _ = task.process(evaluator, &record, ev.event_time_ms, &mut out);
        out.clear();
        if (i + 1) % BATCH == 0 {
            before_commit(&task);
            task.commit();
        }
    }
    before_commit(&task);
    task.commit();
    task
}

/// P8: `/metrics` of the whole product after a generated history (every
/// domain, tier, customer tier, rule and hop label in use): milliseconds per
/// render. Also returns the number of series.
pub fn p8_scrape(
    lines: &[Line],
    cfg: &Config,
    renders: usize,
) -> anyhow::Result<(Vec<f64>, usize)> {
    // The recorder `escalator run` installs (`init_metrics("escalator")`).
    let recorder = escalator_service::telemetry::metrics_builder("escalator")?.build_recorder();
    let handle = recorder.handle();
    metrics::with_local_recorder(&recorder, || -> anyhow::Result<()> {
        escalator_ingestor::metrics::describe();
        escalator_evaluator::metrics::describe();
        escalator_router::metrics::describe();
        escalator_aggregator::metrics::describe();
        replay::replay(lines, cfg, &replay::Options::default())?;
        Ok(())
    })?;
    let mut samples = Vec::new();
    let mut series = 0;
    for _ in 0..renders {
        let started = Instant::now();
        let body = handle.render();
        samples.push(started.elapsed().as_secs_f64() * 1000.0);
        series = body
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .count();
    }
    Ok((samples, series))
}

/// P7, the part this process can measure: rebuilding `n` evaluator tickets
/// (state and deadline) from their changelog entries, i.e. decoding and
/// indexing what a restore reads; the broker fetch is not included (a
/// consumer reads 2M+ small records/s). Seconds per run.
/// The evaluator changelog entries (key, value) of `n` open tickets, state
/// and deadline, as the evaluator writes them.
pub fn evaluator_changelog(
    events: &[Encoded],
    cfg: &Config,
    n: usize,
) -> Vec<(Vec<u8>, Option<Vec<u8>>)> {
    let created = created_events(events);
    if created.is_empty() {
        return Vec::new();
    }
    let evaluator = evaluator(cfg);
    let mut changelog = Vec::with_capacity(2 * n);
    let task = open_tickets(&evaluator, &created, n, |t| {
        changelog.extend(t.changelog(&evaluator));
    });
    drop(task);
    changelog
}

pub fn p7_restore_decode(events: &[Encoded], cfg: &Config, n: usize, runs: usize) -> Vec<f64> {
    let changelog = evaluator_changelog(events, cfg, n);
    if changelog.is_empty() {
        return Vec::new();
    }
    let evaluator = evaluator(cfg);
    let mut samples = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        let mut restored: Task<TicketState> = Task::default();
        for (key, value) in &changelog {
            let _ = restored.restore(&evaluator, key, value.as_deref());
        }
        samples.push(started.elapsed().as_secs_f64());
        drop(restored);
    }
    samples
}
