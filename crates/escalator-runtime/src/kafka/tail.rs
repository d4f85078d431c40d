//! Following a topic as a tool does (`escalator tail`): a read_committed
//! consumer outside any group, from the end (or the beginning), handing each
//! record to a callback until it returns false or `stop` is set.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Headers, Message};
use rdkafka::{Offset, TopicPartitionList};

use super::admin::partition_count;
use super::settings::KafkaSettings;
use crate::processor::Header;

pub struct Tailed<'a> {
    pub partition: i32,
    pub offset: i64,
    pub key: Option<&'a [u8]>,
    pub value: &'a [u8],
    pub headers: Vec<Header>,
}

pub fn tail(
    settings: &KafkaSettings,
    topic: &str,
    from_beginning: bool,
    stop: Arc<AtomicBool>,
    mut on_record: impl FnMut(Tailed<'_>) -> bool,
) -> Result<(), String> {
    let consumer: BaseConsumer = settings
        .restore_config()?
        .set("enable.partition.eof", "false")
        .create()
        .map_err(|e| format!("consumer: {e}"))?;
    let n = partition_count(&consumer, topic)?
        .ok_or_else(|| format!("topic {topic} does not exist"))?;
    let mut tpl = TopicPartitionList::new();
    for p in 0..n {
        tpl.add_partition_offset(
            topic,
            p,
            if from_beginning {
                Offset::Beginning
            } else {
                Offset::End
            },
        )
        .map_err(|e| e.to_string())?;
    }
    consumer.assign(&tpl).map_err(|e| format!("assign: {e}"))?;
    while !stop.load(Ordering::SeqCst) {
        match consumer.poll(Duration::from_millis(200)) {
            Some(Ok(m)) => {
                let headers = m
                    .headers()
                    .map(|h| {
                        h.iter()
                            .map(|x| Header::new(x.key, x.value.unwrap_or_default()))
                            .collect()
                    })
                    .unwrap_or_default();
                let keep_going = on_record(Tailed {
                    partition: m.partition(),
                    offset: m.offset(),
                    key: m.key(),
                    value: m.payload().unwrap_or_default(),
                    headers,
                });
                if !keep_going {
                    break;
                }
            }
            Some(Err(e)) => return Err(format!("reading {topic}: {e}")),
            None => {}
        }
    }
    Ok(())
}
