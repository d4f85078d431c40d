//! What the load driver watches: the services' consumer groups (committed
//! offsets against the end of their input topics) and the routed topics,
//! read as specialist tooling reads them (read_committed).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use escalator_proto::v1::RoutedEscalation;
use prost::Message as _;
use rdkafka::ClientConfig;
use rdkafka::TopicPartitionList;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message as _;

const TIMEOUT: Duration = Duration::from_secs(10);

/// One service's consumer group and its input topics.
pub struct Group {
    pub service: &'static str,
    consumer: BaseConsumer,
    topics: Vec<String>,
    partitions: i32,
}

/// Offsets of one group at one moment, summed over its input partitions.
#[derive(Debug, Clone, Copy, Default)]
pub struct Progress {
    /// Committed offsets (records the group has processed, plus the
    /// transaction markers among them).
    pub committed: i64,
    /// End offsets of the inputs.
    pub end: i64,
    /// Partitions read: each may hold one trailing transaction marker that a
    /// consumer never commits past.
    pub partitions: i64,
}

impl Progress {
    pub fn lag(&self) -> i64 {
        (self.end - self.committed).max(0)
    }

    /// Caught up, up to one trailing transaction marker per partition.
    pub fn drained(&self) -> bool {
        self.lag() <= self.partitions
    }
}

impl Group {
    /// Reads the group's offsets without joining it (no rebalance).
    pub fn new(
        bootstrap: &str,
        service: &'static str,
        group: &str,
        topics: Vec<String>,
        partitions: i32,
    ) -> anyhow::Result<Group> {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", bootstrap)
            .set("group.id", group)
            .set("enable.auto.commit", "false")
            .create()?;
        Ok(Group {
            service,
            consumer,
            topics,
            partitions,
        })
    }

    pub fn progress(&self) -> anyhow::Result<Progress> {
        let mut tpl = TopicPartitionList::new();
        for t in &self.topics {
            for p in 0..self.partitions {
                tpl.add_partition(t, p);
            }
        }
        let committed = self.consumer.committed_offsets(tpl, TIMEOUT)?;
        let mut out = Progress::default();
        for e in committed.elements() {
            let (_, high) = self
                .consumer
                .fetch_watermarks(e.topic(), e.partition(), TIMEOUT)?;
            out.end += high;
            out.committed += e.offset().to_raw().unwrap_or(0).max(0);
            out.partitions += 1;
        }
        Ok(out)
    }
}

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
