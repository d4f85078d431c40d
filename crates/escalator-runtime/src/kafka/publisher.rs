//! A plain (non-transactional, idempotent) producer for edges that accept
//! records from outside a processor: the ingestor's webhook endpoint writes
//! each accepted request with it and answers once the broker acknowledged.

use std::time::Duration;

use rdkafka::message::{Header as KHeader, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord};

use super::settings::KafkaSettings;
use crate::processor::Header;

#[derive(Clone)]
pub struct Publisher {
    producer: FutureProducer,
    timeout: Duration,
}

impl Publisher {
    pub fn new(settings: &KafkaSettings) -> Result<Self, String> {
        let mut config = settings.admin_config()?;
        config
            .set("enable.idempotence", "true")
            .set("acks", "all")
            .set("linger.ms", "1")
            .set("partitioner", "murmur2_random");
        let producer: FutureProducer = config.create().map_err(|e| format!("publisher: {e}"))?;
        Ok(Publisher {
            producer,
            timeout: Duration::from_secs(10),
        })
    }

    /// Writes one record and waits for the broker's acknowledgement.
    pub async fn publish(
        &self,
        topic: &str,
        key: Option<&[u8]>,
        value: &[u8],
        headers: &[Header],
    ) -> Result<(), String> {
        let mut h = OwnedHeaders::new_with_capacity(headers.len());
        for header in headers {
            h = h.insert(KHeader {
                key: &header.name,
                value: Some(&header.value),
            });
        }
        let mut record: FutureRecord<'_, [u8], [u8]> =
            FutureRecord::to(topic).payload(value).headers(h);
        if let Some(k) = key {
            record = record.key(k);
        }
        self.producer
            .send(record, self.timeout)
            .await
            .map(|_| ())
            .map_err(|(e, _)| format!("publish to {topic}: {e}"))
    }
}
