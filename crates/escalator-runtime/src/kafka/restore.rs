//! Restoring a partition: read its changelog partition from the beginning up
//! to the last stable offset (read_committed), applying every entry. The
//! driver calls this before it hands any record of the partition to the
//! processor.

use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::message::Message;
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::{Offset, TopicPartitionList};

use crate::processor::Processor;
use crate::task::Task;

/// The changelog partition's watermarks. A changelog created moments ago
/// may not be in the client's metadata yet: that is retried until `timeout`.
fn watermarks(
    consumer: &BaseConsumer,
    changelog: &str,
    partition: i32,
    timeout: Duration,
) -> Result<(i64, i64), String> {
    let deadline = Instant::now() + timeout;
    loop {
        match consumer.fetch_watermarks(changelog, partition, Duration::from_secs(10)) {
            Ok(w) => return Ok(w),
            Err(e)
                if Instant::now() < deadline
                    && matches!(
                        e.rdkafka_error_code(),
                        Some(
                            RDKafkaErrorCode::UnknownPartition
                                | RDKafkaErrorCode::UnknownTopicOrPartition
                                | RDKafkaErrorCode::UnknownTopic
                                | RDKafkaErrorCode::LeaderNotAvailable
                                | RDKafkaErrorCode::NotLeaderForPartition
                        )
                    ) =>
            {
                tracing::debug!(%changelog, partition, error = %e, "changelog not in metadata yet; retrying");
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(e) => return Err(format!("watermarks of {changelog}/{partition}: {e}")),
        }
    }
}

pub(crate) fn restore_partition<P: Processor>(
    consumer: &BaseConsumer,
    processor: &P,
    task: &mut Task<P::State>,
    changelog: &str,
    partition: i32,
    timeout: Duration,
) -> Result<u64, String> {
    let (low, high) = watermarks(consumer, changelog, partition, timeout)?;
    if high <= low {
        return Ok(0);
    }
    let mut tpl = TopicPartitionList::new();
    tpl.add_partition_offset(changelog, partition, Offset::Beginning)
        .map_err(|e| e.to_string())?;
    consumer
        .assign(&tpl)
        .map_err(|e| format!("assign changelog: {e}"))?;
    let deadline = Instant::now() + timeout;
    let mut applied = 0u64;
    let result = loop {
        if Instant::now() > deadline {
            break Err(format!(
                "restore of {changelog}/{partition} timed out at {applied} records"
            ));
        }
        match consumer.poll(Duration::from_millis(200)) {
            Some(Ok(msg)) => {
                let key = msg.key().unwrap_or_default();
                if let Err(e) = task.restore(processor, key, msg.payload()) {
                    break Err(format!("{changelog}/{partition}@{}: {e}", msg.offset()));
                }
                applied += 1;
                if msg.offset() + 1 >= high {
                    break Ok(applied);
                }
            }
            Some(Err(KafkaError::PartitionEOF(_))) => break Ok(applied),
            Some(Err(e)) if is_transient(&e) => continue,
            Some(Err(e)) => break Err(format!("reading {changelog}/{partition}: {e}")),
            None => {
                // Control records (commit markers) end the log without a
                // message; the position tells us we are past them.
                if let Ok(pos) = consumer.position() {
                    if let Some(Offset::Offset(o)) =
                        pos.find_partition(changelog, partition).map(|e| e.offset())
                    {
                        if o >= high {
                            break Ok(applied);
                        }
                    }
                }
            }
        }
    };
    let _ = consumer.unassign();
    result
}

fn is_transient(e: &KafkaError) -> bool {
    matches!(
        e.rdkafka_error_code(),
        Some(RDKafkaErrorCode::OperationTimedOut)
            | Some(RDKafkaErrorCode::BrokerTransportFailure)
            | Some(RDKafkaErrorCode::AllBrokersDown)
    )
}
