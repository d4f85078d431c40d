//! Topic administration: the driver makes sure each input's changelog exists,
//! compacted and with the input's partition count (the partition of a state
//! entry is the partition of the input record that wrote it).

use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::RDKafkaErrorCode;

use super::settings::KafkaSettings;

/// The changelog topic that backs a group's state. Its partition `p` holds
/// the state of input partition `p` (of every input topic: multi-input
/// processors need co-partitioned inputs).
pub fn changelog_topic(group_id: &str) -> String {
    format!("{group_id}.changelog")
}

#[derive(Debug, Clone)]
pub struct TopicSpec {
    pub name: String,
    pub partitions: i32,
    pub replication: i32,
    pub config: Vec<(String, String)>,
}

impl TopicSpec {
    pub fn new(name: impl Into<String>, partitions: i32) -> Self {
        TopicSpec {
            name: name.into(),
            partitions,
            replication: 1,
            config: Vec::new(),
        }
    }

    pub fn compacted(mut self) -> Self {
        self.config
            .push(("cleanup.policy".into(), "compact".into()));
        self
    }
}

/// Creates the topics that do not exist yet; existing ones are left alone.
pub fn ensure_topics(settings: &KafkaSettings, specs: &[TopicSpec]) -> Result<(), String> {
    if specs.is_empty() {
        return Ok(());
    }
    let admin: AdminClient<DefaultClientContext> = settings
        .admin_config()?
        .create()
        .map_err(|e| format!("admin client: {e}"))?;
    let new: Vec<NewTopic<'_>> = specs
        .iter()
        .map(|s| {
            let mut t = NewTopic::new(
                &s.name,
                s.partitions,
                TopicReplication::Fixed(s.replication),
            );
            for (k, v) in &s.config {
                t = t.set(k, v);
            }
            t
        })
        .collect();
    let opts = AdminOptions::new().operation_timeout(Some(Duration::from_secs(30)));
    let results = futures::executor::block_on(admin.create_topics(new.iter(), &opts))
        .map_err(|e| format!("create topics: {e}"))?;
    for r in results {
        match r {
            Ok(_) | Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((topic, code)) => return Err(format!("create topic {topic}: {code}")),
        }
    }
    Ok(())
}

/// Partition count of a topic, or None when it does not exist.
pub(crate) fn partition_count<C: rdkafka::consumer::ConsumerContext>(
    consumer: &BaseConsumer<C>,
    topic: &str,
) -> Result<Option<i32>, String> {
    let md = consumer
        .fetch_metadata(Some(topic), Duration::from_secs(10))
        .map_err(|e| format!("metadata for {topic}: {e}"))?;
    Ok(md
        .topics()
        .iter()
        .find(|t| t.name() == topic)
        .filter(|t| t.error().is_none() && !t.partitions().is_empty())
        .map(|t| t.partitions().len() as i32))
}
