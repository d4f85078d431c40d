//! A consumer group's progress read from outside it: committed offsets
//! against the end of its input topics, without joining the group (no
//! rebalance). The load driver samples it for throughput; the end-to-end
//! tests wait on it to know a service has processed everything.

use std::time::Duration;

use rdkafka::ClientConfig;
use rdkafka::TopicPartitionList;
use rdkafka::consumer::{BaseConsumer, Consumer};

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
