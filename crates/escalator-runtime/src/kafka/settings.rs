use std::collections::BTreeMap;

#[cfg(feature = "kafka")]
use rdkafka::ClientConfig;
use serde::{Deserialize, Serialize};

use crate::secret::Secret;

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct KafkaSettings {
    pub bootstrap_servers: String,
    /// Consumer group; also the prefix of changelog topics and transactional ids.
    pub group_id: String,
    /// Stable per instance: a restarted instance with the same id fences its
    /// previous incarnation and aborts its open transaction at once.
    pub instance_id: String,
    pub transaction_timeout_ms: u64,
    pub session_timeout_ms: u64,
    pub max_poll_interval_ms: u64,
    /// A batch (one transaction) ends at this many records...
    pub batch_max_records: usize,
    /// ...or this long after its first record.
    pub batch_max_wait_ms: u64,
    /// Idle poll wait; also bounds how late a timer can fire.
    pub poll_timeout_ms: u64,
    /// Timers fired per partition per batch.
    pub timer_fire_limit: usize,
    /// Bounds librdkafka's prefetch queue (memory).
    pub consumer_queue_max_kbytes: u64,
    /// Bounds the producer queue; a full queue is backpressure.
    pub producer_queue_max_messages: u64,
    pub restore_timeout_ms: u64,
    pub changelog_replication_factor: i32,
    /// What "now" is for the processor: `wall` (the injected clock) or
    /// `event` (per partition, the newest record timestamp seen).
    pub time: TimeMode,
    pub security: SecuritySettings,
    /// Extra librdkafka properties, applied last.
    pub librdkafka: BTreeMap<String, String>,
}

impl Default for KafkaSettings {
    fn default() -> Self {
        KafkaSettings {
            bootstrap_servers: "127.0.0.1:9092".into(),
            group_id: String::new(),
            instance_id: default_instance_id(),
            transaction_timeout_ms: 10_000,
            session_timeout_ms: 10_000,
            max_poll_interval_ms: 60_000,
            batch_max_records: 2_000,
            batch_max_wait_ms: 50,
            poll_timeout_ms: 100,
            timer_fire_limit: 10_000,
            consumer_queue_max_kbytes: 32 * 1024,
            producer_queue_max_messages: 100_000,
            restore_timeout_ms: 300_000,
            changelog_replication_factor: 1,
            time: TimeMode::Wall,
            security: SecuritySettings::default(),
            librdkafka: BTreeMap::new(),
        }
    }
}

/// Time as the processor sees it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TimeMode {
    /// Production: deadlines fire on the injected (wall) clock, even when no
    /// record arrives.
    #[default]
    Wall,
    /// Re-processing history: per partition, "now" is the newest record
    /// timestamp seen (stream time); before a record, every deadline due
    /// strictly before its timestamp fires, each at its own due time; outputs
    /// carry the timestamp of what caused them. Deadlines wait for a later
    /// record. The same history then gives the same outputs as `escalator
    /// replay`, crashes included, provided each input partition is in
    /// timestamp order.
    Event,
}

fn default_instance_id() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|h| h.trim().to_owned())
        })
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "instance-0".into())
}

/// TLS and SASL to the broker. Certificate verification is always on; there
/// is deliberately no switch for it here.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct SecuritySettings {
    /// plaintext, ssl, sasl_plaintext or sasl_ssl.
    pub protocol: String,
    pub sasl_mechanism: String,
    pub sasl_username: String,
    pub sasl_password: Secret,
    pub sasl_password_file: String,
    pub ssl_ca_location: String,
}

#[cfg(feature = "kafka")]
impl KafkaSettings {
    fn common(&self) -> Result<ClientConfig, String> {
        let mut c = ClientConfig::new();
        c.set("bootstrap.servers", &self.bootstrap_servers);
        c.set(
            "client.id",
            format!("{}-{}", self.group_id, self.instance_id),
        );
        let s = &self.security;
        if !s.protocol.is_empty() {
            c.set("security.protocol", &s.protocol);
        }
        if !s.sasl_mechanism.is_empty() {
            c.set("sasl.mechanisms", &s.sasl_mechanism);
            c.set("sasl.username", &s.sasl_username);
            let password = if !s.sasl_password_file.is_empty() {
                Secret::from_file(std::path::Path::new(&s.sasl_password_file)).map_err(|e| {
                    format!(
                        "cannot read sasl_password_file {}: {e}",
                        s.sasl_password_file
                    )
                })?
            } else {
                s.sasl_password.clone()
            };
            c.set("sasl.password", password.expose());
        }
        if !s.ssl_ca_location.is_empty() {
            c.set("ssl.ca.location", &s.ssl_ca_location);
        }
        for (k, v) in &self.librdkafka {
            if k == "enable.ssl.certificate.verification" && v == "false" {
                return Err(
                    "certificate verification cannot be switched off through librdkafka overrides"
                        .into(),
                );
            }
            c.set(k, v);
        }
        Ok(c)
    }

    pub fn consumer_config(&self, assignment_strategy: &str) -> Result<ClientConfig, String> {
        let mut c = self.common()?;
        c.set("group.id", &self.group_id)
            .set("enable.auto.commit", "false")
            .set("enable.auto.offset.store", "false")
            .set("isolation.level", "read_committed")
            .set("auto.offset.reset", "earliest")
            .set("partition.assignment.strategy", assignment_strategy)
            .set("session.timeout.ms", self.session_timeout_ms.to_string())
            .set(
                "heartbeat.interval.ms",
                (self.session_timeout_ms / 4).max(100).to_string(),
            )
            .set(
                "max.poll.interval.ms",
                self.max_poll_interval_ms.to_string(),
            )
            .set(
                "queued.max.messages.kbytes",
                self.consumer_queue_max_kbytes.to_string(),
            );
        Ok(c)
    }

    pub fn producer_config(&self) -> Result<ClientConfig, String> {
        let mut c = self.common()?;
        c.set("transactional.id", self.transactional_id())
            .set("enable.idempotence", "true")
            .set(
                "transaction.timeout.ms",
                self.transaction_timeout_ms.to_string(),
            )
            .set("linger.ms", "5")
            // Same partitioner as the Java clients, so keys land where
            // producers in other languages put them.
            .set("partitioner", "murmur2_random")
            .set(
                "queue.buffering.max.messages",
                self.producer_queue_max_messages.to_string(),
            );
        Ok(c)
    }

    /// A plain consumer outside the group: changelog restore and tools.
    pub fn restore_config(&self) -> Result<ClientConfig, String> {
        let mut c = self.common()?;
        c.set("group.id", format!("{}-restore", self.group_id))
            .set("enable.auto.commit", "false")
            .set("enable.partition.eof", "true")
            .set("isolation.level", "read_committed")
            .set("fetch.max.bytes", "52428800");
        Ok(c)
    }

    pub fn admin_config(&self) -> Result<ClientConfig, String> {
        self.common()
    }

    pub fn transactional_id(&self) -> String {
        format!("{}-{}", self.group_id, self.instance_id)
    }
}
