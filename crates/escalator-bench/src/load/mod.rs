//! The load driver (P3, P4): the four release service binaries as processes
//! against a real broker, fed generated events on `tickets.raw` at a fixed
//! rate or flat out.
//!
//! - Throughput: the services' consumer groups' committed offsets, sampled
//!   every 250 ms. The ingestor's committed offset on the raw topic counts
//!   the events processed; flat out, production stops while any stage is
//!   more than `max_in_flight` records behind, so in steady state every
//!   stage moves at the pipeline's pace and the ingestor's rate is the
//!   pipeline's. After production stops, every group must catch up
//!   ("lag drains").
//! - Latency: from an event's production to the consumption (read_committed,
//!   as specialist tooling reads) of the routed escalation that event
//!   triggered (`decision.trigger_event_id`).

pub mod args;
pub mod deploy;
pub mod feed;
pub mod restore;
pub mod watch;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rdkafka::ClientConfig;
use rdkafka::producer::BaseProducer;
use serde_json::Value;

use deploy::Deployment;
use escalator_tests::groups::{Group, Progress};
use feed::{Feed, Pace};
use watch::{Produced, read_routed};

pub struct LoadSettings {
    pub bootstrap: String,
    /// The repository (for deploy/policy.toml and deploy/routing.toml).
    pub repo: PathBuf,
    /// Where the release service binaries are.
    pub bin_dir: PathBuf,
    /// Events per second; `None` is flat out.
    pub rate: Option<f64>,
    /// How long to produce.
    pub duration: Duration,
    /// Left out of the throughput windows (services warming up).
    pub warmup: Duration,
    pub window: Duration,
    /// The services' transaction interval (`kafka.batch_max_wait_ms`).
    pub commit_ms: u64,
    /// Extra librdkafka properties for the services.
    pub librdkafka: Vec<(String, String)>,
    pub partitions: i32,
    /// Flat out: the most records any stage may be behind.
    pub max_in_flight: i64,
    pub measure_latency: bool,
    pub drain_timeout: Duration,
}

#[derive(Debug, Default)]
pub struct LoadReport {
    pub produced: u64,
    pub mean_event_bytes: f64,
    /// Events per second processed end to end, per window after warm-up.
    pub window_rates: Vec<f64>,
    /// (seconds since the start, latency in ms) per escalation an event
    /// triggered.
    pub latencies_ms: Vec<(f64, f64)>,
    /// Seconds from the end of production until every group caught up.
    pub drained_after_s: Option<f64>,
    pub routed: u64,
    /// Each service's lag at the end.
    pub final_lag: Vec<(&'static str, i64)>,
    /// Seconds of production.
    pub producing_s: f64,
}

/// One sample of every group's progress, `at` seconds after the start.
#[derive(Clone)]
struct Sample {
    at: f64,
    groups: Vec<(&'static str, Progress)>,
}

/// Runs the load against a fresh deployment and removes it afterwards.
pub fn run(settings: &LoadSettings, history: &[Value]) -> anyhow::Result<LoadReport> {
    let feed = Feed::new(history)?;
    let mut d = Deployment::new(
        &settings.bootstrap,
        &settings.repo,
        settings.partitions,
        settings.commit_ms,
        &settings.librdkafka,
    )?;
    let result = d
        .start(&settings.bin_dir)
        .and_then(|()| drive(&d, &feed, settings));
    if result.is_err() {
        // Keep the services' logs for whoever reads the error.
        let logs = d.dir.path().join("..").join(format!("{}-logs", d.prefix));
        let _ = std::fs::create_dir_all(&logs);
        for s in deploy::SERVICES {
            let _ = std::fs::copy(
                d.dir.path().join(format!("{s}.log")),
                logs.join(format!("{s}.log")),
            );
        }
        eprintln!("load: service logs kept in {}", logs.display());
    }
    let removed = d.remove();
    let report = result?;
    removed?;
    Ok(report)
}

fn groups(d: &Deployment) -> anyhow::Result<Vec<Group>> {
    let p = d.partitions;
    let b = &d.bootstrap;
    let mut aggregator_inputs = vec![d.decisions.clone()];
    aggregator_inputs.extend(d.routed.iter().cloned());
    aggregator_inputs.push(d.problems.clone());
    Ok(vec![
        Group::new(b, "ingestor", &d.group("ingestor"), vec![d.raw.clone()], p)?,
        Group::new(
            b,
            "evaluator",
            &d.group("evaluator"),
            vec![d.events.clone()],
            p,
        )?,
        Group::new(
            b,
            "router",
            &d.group("router"),
            vec![d.decisions.clone()],
            p,
        )?,
        Group::new(
            b,
            "aggregator",
            &d.group("aggregator"),
            aggregator_inputs,
            p,
        )?,
    ])
}

/// Samples every group's progress until told to stop.
fn sampler(
    groups: Vec<Group>,
    start: Instant,
    samples: Arc<Mutex<Vec<Sample>>>,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<anyhow::Result<()>> {
    std::thread::spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            let mut row = Vec::with_capacity(groups.len());
            for g in &groups {
                row.push((g.service, g.progress()?));
            }
            let at = start.elapsed().as_secs_f64();
            if let Ok(mut s) = samples.lock() {
                s.push(Sample { at, groups: row });
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        Ok(())
    })
}

fn latest(samples: &Mutex<Vec<Sample>>) -> Option<Sample> {
    samples.lock().ok().and_then(|s| s.last().cloned())
}

fn drive(d: &Deployment, feed: &Feed, settings: &LoadSettings) -> anyhow::Result<LoadReport> {
    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", &d.bootstrap)
        .set("enable.idempotence", "true")
        .set("linger.ms", "2")
        .set("queue.buffering.max.messages", "500000")
        .create()?;
    let start = Instant::now();
    let produced: Produced = Arc::new(Mutex::new(HashMap::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let reader = read_routed(
        &d.bootstrap,
        &format!("{}-reader", d.prefix),
        &d.routed,
        start,
        produced.clone(),
        stop.clone(),
    )?;
    let samples = Arc::new(Mutex::new(Vec::new()));
    let handle = sampler(groups(d)?, start, samples.clone(), stop.clone());

    let (mut key, mut id, mut json) = (String::new(), String::new(), String::new());
    let pace = Pace::new(settings.rate);
    let end = start + settings.duration;
    let mut n: u64 = 0;
    let mut bytes: u64 = 0;
    while Instant::now() < end {
        if n % 256 == 0 {
            producer.poll(Duration::ZERO);
            // Flat out, but no stage more than `max_in_flight` behind.
            while settings.rate.is_none() && Instant::now() < end {
                let Some(s) = latest(&samples) else { break };
                let ingested = s.groups.first().map_or(0, |g| g.1.committed);
                let behind = s
                    .groups
                    .iter()
                    .map(|g| g.1.lag())
                    .chain([n as i64 - ingested])
                    .max()
                    .unwrap_or(0);
                if behind <= settings.max_in_flight {
                    break;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        if let Some(left) = pace
            .due(n)
            .and_then(|d| d.checked_duration_since(Instant::now()))
        {
            std::thread::sleep(left);
        }
        feed.event(n, &feed::now_text(), &mut key, &mut id, &mut json);
        if settings.measure_latency {
            if let Ok(mut p) = produced.lock() {
                p.insert(id.clone(), Instant::now());
            }
        }
        feed::send(&producer, &d.raw, &key, &json)?;
        bytes += json.len() as u64;
        n += 1;
    }
    feed::flush(&producer)?;
    let producing_s = start.elapsed().as_secs_f64();

    // Lag drains: every group catches up once production stops.
    let drain_end = Instant::now() + settings.drain_timeout;
    let mut drained_after_s = None;
    while Instant::now() < drain_end {
        std::thread::sleep(Duration::from_millis(100));
        if let Some(s) = latest(&samples) {
            let ingested = s.groups.first().map_or(0, |g| g.1.committed);
            if s.at > producing_s && ingested >= n as i64 && s.groups.iter().all(|g| g.1.drained())
            {
                drained_after_s = Some(s.at - producing_s);
                break;
            }
        }
    }
    // Escalations still on their way when the groups caught up.
    std::thread::sleep(Duration::from_secs(1));
    stop.store(true, Ordering::Relaxed);
    let routed = reader
        .join()
        .map_err(|_| anyhow::anyhow!("the routed reader panicked"))??;
    handle
        .join()
        .map_err(|_| anyhow::anyhow!("the offset sampler panicked"))??;
    let all = samples.lock().map(|s| s.clone()).unwrap_or_default();
    let final_lag = all
        .last()
        .map(|s| s.groups.iter().map(|(name, p)| (*name, p.lag())).collect())
        .unwrap_or_default();
    Ok(LoadReport {
        produced: n,
        mean_event_bytes: if n == 0 { 0.0 } else { bytes as f64 / n as f64 },
        window_rates: window_rates(
            &all,
            settings.warmup.as_secs_f64(),
            producing_s,
            settings.window.as_secs_f64(),
        ),
        latencies_ms: routed.latencies_ms,
        drained_after_s,
        routed: routed.count,
        final_lag,
        producing_s,
    })
}

/// The ingestor's processed events per second in consecutive windows of
/// `window` seconds between `from` and `to`.
fn window_rates(samples: &[Sample], from: f64, to: f64, window: f64) -> Vec<f64> {
    let ingested = |s: &Sample| s.groups.first().map_or(0, |g| g.1.committed);
    let mut out = Vec::new();
    let mut open: Option<&Sample> = None;
    for s in samples.iter().filter(|s| s.at >= from && s.at <= to) {
        match open {
            None => open = Some(s),
            Some(o) if s.at - o.at >= window => {
                out.push((ingested(s) - ingested(o)) as f64 / (s.at - o.at));
                open = Some(s);
            }
            Some(_) => {}
        }
    }
    out
}

/// Per window of `window` seconds after `from`: the (p50, p99) latency of
/// the escalations consumed in it. Windows with fewer than 20 escalations
/// are left out (their p99 would be their maximum).
pub fn latency_windows(latencies: &[(f64, f64)], from: f64, window: f64) -> Vec<(f64, f64)> {
    let mut by_window: std::collections::BTreeMap<u64, Vec<f64>> = Default::default();
    for (at, ms) in latencies.iter().filter(|(at, _)| *at >= from) {
        by_window
            .entry(((at - from) / window) as u64)
            .or_default()
            .push(*ms);
    }
    by_window
        .into_values()
        .filter(|v| v.len() >= 20)
        .filter_map(|mut v| {
            let p50 = crate::table::percentile(&mut v, 50.0)?;
            let p99 = crate::table::percentile(&mut v, 99.0)?;
            Some((p50, p99))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(at: f64, committed: i64) -> Sample {
        Sample {
            at,
            groups: vec![(
                "ingestor",
                Progress {
                    committed,
                    end: committed,
                    partitions: 1,
                },
            )],
        }
    }

    #[test]
    fn windows_cover_the_measured_span_only() {
        let samples: Vec<Sample> = (0..=40).map(|i| sample(i as f64 * 0.25, i * 250)).collect();
        // 1000 events/s; from 2 s to 8 s in windows of 2 s: three windows.
        let rates = window_rates(&samples, 2.0, 8.0, 2.0);
        assert_eq!(rates.len(), 3);
        for r in rates {
            assert!((r - 1000.0).abs() < 1e-6, "{r}");
        }
    }

    #[test]
    fn latency_windows_take_percentiles_per_window() {
        // Window 0: 1..=100 ms; window 1: ten samples only (left out).
        let mut l: Vec<(f64, f64)> = (1..=100)
            .map(|i| (1.0 + i as f64 / 1000.0, i as f64))
            .collect();
        l.extend((0..10).map(|i| (6.0 + i as f64 / 100.0, 500.0)));
        l.push((0.5, 9999.0)); // before `from`
        let w = latency_windows(&l, 1.0, 5.0);
        assert_eq!(w, vec![(50.0, 99.0)]);
    }
}
