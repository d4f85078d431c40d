//! What the load driver watches besides the consumer groups
//! (`escalator_tests::groups`): the routed topics, read as specialist
//! tooling reads them (read_committed).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use escalator_proto::v1::RoutedEscalation;
use prost::Message as _;
use rdkafka::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message as _;

/// Events produced and not yet matched to an escalation: event id -> when
/// it was handed to the producer.
pub type Produced = Arc<Mutex<HashMap<String, Instant>>>;

/// What the reader saw: routed escalations, and (seconds since the start,
/// latency in ms) for each one an event in `Produced` triggered.
#[derive(Debug, Default)]
pub struct Routed {
    pub count: u64,
    pub latencies_ms: Vec<(f64, f64)>,
}

/// Reads every routed escalation on its own thread (so a paced producer
/// never delays a read) until `stop`.
pub fn read_routed(
    bootstrap: &str,
    group: &str,
    topics: &[String],
    start: Instant,
    produced: Produced,
    stop: Arc<AtomicBool>,
) -> anyhow::Result<std::thread::JoinHandle<anyhow::Result<Routed>>> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .set("auto.offset.reset", "earliest")
        .set("isolation.level", "read_committed")
        .set("fetch.wait.max.ms", "10")
        .set("socket.nagle.disable", "true")
        .create()?;
    let refs: Vec<&str> = topics.iter().map(String::as_str).collect();
    consumer.subscribe(&refs)?;
    // Assigned before the load starts, so the first escalations count.
    let until = Instant::now() + Duration::from_secs(60);
    while consumer.assignment()?.count() == 0 {
        anyhow::ensure!(
            Instant::now() < until,
            "the routed topics were never assigned"
        );
        if let Some(Err(e)) = consumer.poll(Duration::from_millis(100)) {
            anyhow::bail!("reading routed topics: {e}");
        }
    }
    Ok(std::thread::spawn(move || {
        let mut out = Routed::default();
        while !stop.load(Ordering::Relaxed) {
            let Some(m) = consumer.poll(Duration::from_millis(50)) else {
                continue;
            };
            let at = Instant::now();
            let m = m.map_err(|e| anyhow::anyhow!("reading routed topics: {e}"))?;
            out.count += 1;
            let r = RoutedEscalation::decode(m.payload().unwrap_or_default())?;
            let trigger = r
                .decision
                .as_ref()
                .map(|d| d.trigger_event_id.as_str())
                .unwrap_or_default();
            let sent = produced.lock().ok().and_then(|mut p| p.remove(trigger));
            if let Some(sent) = sent {
                out.latencies_ms.push((
                    at.duration_since(start).as_secs_f64(),
                    at.duration_since(sent).as_secs_f64() * 1000.0,
                ));
            }
        }
        Ok(out)
    }))
}
