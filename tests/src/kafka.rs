//! Broker helpers for tests: unique names, topics, producing, and reading a
//! topic back with a chosen isolation level.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use escalator_runtime::kafka::{KafkaSettings, TopicSpec, ensure_topics};
use rdkafka::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Headers, Message};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};

/// The broker under test. `make test` starts one and sets this variable.
pub fn bootstrap() -> String {
    match std::env::var("ESCALATOR_KAFKA_BOOTSTRAP") {
        Ok(b) if !b.is_empty() => b,
        _ => panic!(
            "ESCALATOR_KAFKA_BOOTSTRAP is not set: run `make test`, or `make kafka-up` and export what it prints"
        ),
    }
}

/// A name no other test (or earlier run) uses, so tests run in parallel.
pub fn unique(prefix: &str) -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}-{}-{nanos}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    )
}

pub fn settings(group: &str, instance: &str) -> KafkaSettings {
    KafkaSettings {
        bootstrap_servers: bootstrap(),
        group_id: group.to_owned(),
        instance_id: instance.to_owned(),
        session_timeout_ms: 6_000,
        batch_max_wait_ms: 20,
        ..Default::default()
    }
}

pub fn create_topics(names: &[(&str, i32)]) {
    let specs: Vec<TopicSpec> = names.iter().map(|(n, p)| TopicSpec::new(*n, *p)).collect();
    if let Err(e) = ensure_topics(&settings("admin", "admin"), &specs) {
        panic!("creating topics: {e}");
    }
}

pub fn producer() -> BaseProducer {
    ClientConfig::new()
        .set("bootstrap.servers", bootstrap())
        .set("enable.idempotence", "true")
        .set("linger.ms", "1")
        .set("partitioner", "murmur2_random")
        .create()
        .unwrap_or_else(|e| panic!("producer: {e}"))
}

pub fn produce(producer: &BaseProducer, topic: &str, key: &str, value: &str) {
    loop {
        match producer.send(BaseRecord::to(topic).key(key).payload(value)) {
            Ok(()) => return,
            Err((e, _)) => {
                producer.poll(Duration::from_millis(50));
                if !matches!(
                    e,
                    rdkafka::error::KafkaError::MessageProduction(
                        rdkafka::types::RDKafkaErrorCode::QueueFull
                    )
                ) {
                    panic!("produce: {e}");
                }
            }
        }
    }
}

/// Key of the records [`Reader::read_to_sentinels`] writes.
pub const SENTINEL: &str = "sentinel";

/// Produces `value` for key `<tag>-<p>` straight into partition `p` of
/// `topic`, for every partition: markers behind everything produced before,
/// so seeing their outputs shows that a processor has got past it all.
/// Returns the keys.
pub fn produce_markers(
    producer: &BaseProducer,
    topic: &str,
    partitions: i32,
    tag: &str,
    value: &str,
) -> Vec<String> {
    let keys: Vec<String> = (0..partitions).map(|p| format!("{tag}-{p}")).collect();
    for (p, key) in keys.iter().enumerate() {
        let record = BaseRecord::to(topic)
            .key(key.as_str())
            .payload(value)
            .partition(p as i32);
        if let Err((e, _)) = producer.send(record) {
            panic!("produce marker: {e}");
        }
    }
    flush(producer);
    keys
}

/// Writes a sentinel record (key [`SENTINEL`], a unique tag as value)
/// straight to every partition of `topic`; returns the tag.
fn write_sentinels(topic: &str, partitions: i32) -> String {
    let p = producer();
    let tag = unique("sentinel");
    for partition in 0..partitions {
        let record = BaseRecord::to(topic)
            .key(SENTINEL)
            .payload(tag.as_str())
            .partition(partition);
        if let Err((e, _)) = p.send(record) {
            panic!("produce sentinel: {e}");
        }
    }
    flush(&p);
    tag
}

pub fn flush(producer: &BaseProducer) {
    if let Err(e) = producer.flush(Duration::from_secs(30)) {
        panic!("flush: {e}");
    }
}

/// A record read back from a topic.
#[derive(Debug, Clone)]
pub struct Read {
    pub partition: i32,
    pub offset: i64,
    pub key: String,
    pub value: String,
    pub headers: Vec<(String, String)>,
}

impl Read {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A consumer of `topic` from the beginning, outside any group's offsets.
pub struct Reader {
    consumer: BaseConsumer,
    pub records: Vec<Read>,
}

impl Reader {
    pub fn new(topic: &str, read_committed: bool) -> Reader {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", bootstrap())
            .set("group.id", unique("reader"))
            .set("enable.auto.commit", "false")
            .set("auto.offset.reset", "earliest")
            .set(
                "isolation.level",
                if read_committed {
                    "read_committed"
                } else {
                    "read_uncommitted"
                },
            )
            .create()
            .unwrap_or_else(|e| panic!("reader: {e}"));
        consumer
            .subscribe(&[topic])
            .unwrap_or_else(|e| panic!("subscribe: {e}"));
        Reader {
            consumer,
            records: Vec::new(),
        }
    }

    /// Reads until `pred` holds on everything read so far, or `timeout`.
    pub fn until(&mut self, timeout: Duration, pred: impl Fn(&[Read]) -> bool) -> bool {
        let end = Instant::now() + timeout;
        while Instant::now() < end {
            if pred(&self.records) {
                return true;
            }
            self.poll_for(Duration::from_millis(200));
        }
        pred(&self.records)
    }

    /// Reads everything already in `topic` (this reader's topic, with
    /// `partitions` partitions): writes a sentinel record straight to every
    /// partition and reads until each came back. Call it once the writers
    /// are known to be past what is being checked (e.g. their markers were
    /// read): whatever they committed before sits below the sentinels, so
    /// "nothing more arrived" needs no quiet period. Sentinels are not kept.
    pub fn read_to_sentinels(&mut self, topic: &str, partitions: i32, timeout: Duration) -> bool {
        let tag = write_sentinels(topic, partitions);
        let seen = |r: &[Read]| {
            (0..partitions).all(|partition| {
                r.iter()
                    .any(|x| x.key == SENTINEL && x.value == tag && x.partition == partition)
            })
        };
        let done = self.until(timeout, seen);
        self.records.retain(|r| r.key != SENTINEL);
        done
    }

    /// Reads whatever arrives within `d`.
    pub fn poll_for(&mut self, d: Duration) {
        let end = Instant::now() + d;
        while Instant::now() < end {
            if let Some(Ok(m)) = self.consumer.poll(Duration::from_millis(50)) {
                let headers = m
                    .headers()
                    .map(|h| {
                        h.iter()
                            .map(|x| {
                                (
                                    x.key.to_owned(),
                                    String::from_utf8_lossy(x.value.unwrap_or_default())
                                        .into_owned(),
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                self.records.push(Read {
                    partition: m.partition(),
                    offset: m.offset(),
                    key: String::from_utf8_lossy(m.key().unwrap_or_default()).into_owned(),
                    value: String::from_utf8_lossy(m.payload().unwrap_or_default()).into_owned(),
                    headers,
                });
            }
        }
    }
}

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Reads raw values (bytes) of a topic from the beginning, read_committed.
pub struct RawReader {
    consumer: BaseConsumer,
}

impl RawReader {
    pub fn new(topic: &str) -> RawReader {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", bootstrap())
            .set("group.id", unique("raw-reader"))
            .set("enable.auto.commit", "false")
            .set("auto.offset.reset", "earliest")
            .set("isolation.level", "read_committed")
            .create()
            .unwrap_or_else(|e| panic!("reader: {e}"));
        consumer
            .subscribe(&[topic])
            .unwrap_or_else(|e| panic!("subscribe: {e}"));
        RawReader { consumer }
    }

    /// Reads up to `n` values within `timeout`, in the order received.
    pub fn read(&mut self, n: usize, timeout: Duration) -> Vec<Vec<u8>> {
        let end = Instant::now() + timeout;
        let mut out = Vec::new();
        while out.len() < n && Instant::now() < end {
            if let Some(Ok(m)) = self.consumer.poll(Duration::from_millis(100)) {
                out.push(m.payload().unwrap_or_default().to_vec());
            }
        }
        out
    }

    /// Every value in `topic` (this reader's topic, with `partitions`
    /// partitions) below its end offsets as they are now, transaction
    /// markers included. For topics other services read, where sentinels
    /// would be input; call it once the writers are known to be idle.
    pub fn read_to_end(&mut self, topic: &str, partitions: i32, timeout: Duration) -> Vec<Vec<u8>> {
        let ends: Vec<i64> = (0..partitions)
            .map(|p| {
                self.consumer
                    .fetch_watermarks(topic, p, Duration::from_secs(10))
                    .unwrap_or_else(|e| panic!("watermarks of {topic}: {e}"))
                    .1
            })
            .collect();
        let end = Instant::now() + timeout;
        let mut out = Vec::new();
        loop {
            let positions = self
                .consumer
                .position()
                .unwrap_or_else(|e| panic!("position: {e}"));
            let reached = ends.iter().enumerate().all(|(p, high)| {
                *high == 0
                    || positions
                        .find_partition(topic, p as i32)
                        .and_then(|e| e.offset().to_raw())
                        .is_some_and(|o| o >= *high)
            });
            if reached {
                return out;
            }
            assert!(
                Instant::now() < end,
                "{topic} not read to its end {ends:?}: at {positions:?}"
            );
            if let Some(Ok(m)) = self.consumer.poll(Duration::from_millis(100)) {
                out.push(m.payload().unwrap_or_default().to_vec());
            }
        }
    }

    /// Every value still to come in `topic` (this reader's topic, with
    /// `partitions` partitions) up to sentinels written now to each
    /// partition; see [`Reader::read_to_sentinels`]. Panics when they do not
    /// come back within `timeout`.
    pub fn read_to_sentinels(
        &mut self,
        topic: &str,
        partitions: i32,
        timeout: Duration,
    ) -> Vec<Vec<u8>> {
        let tag = write_sentinels(topic, partitions);
        let end = Instant::now() + timeout;
        let mut seen = std::collections::BTreeSet::new();
        let mut out = Vec::new();
        while seen.len() < partitions as usize {
            assert!(Instant::now() < end, "sentinels of {topic} not read back");
            if let Some(Ok(m)) = self.consumer.poll(Duration::from_millis(100)) {
                if m.key() == Some(SENTINEL.as_bytes()) && m.payload() == Some(tag.as_bytes()) {
                    seen.insert(m.partition());
                } else if m.key() != Some(SENTINEL.as_bytes()) {
                    out.push(m.payload().unwrap_or_default().to_vec());
                }
            }
        }
        out
    }
}
