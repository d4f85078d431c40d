//! P7 against the broker: the evaluator's changelog holding `n` open
//! tickets (state and deadline entries, as the evaluator itself writes them),
//! then the evaluator binary started on it, several times. Each start
//! restores every partition from the changelog before it is ready; the
//! driver's own restore histogram (fetch, decode and index, all partitions)
//! is the figure, and the time from process start to ready is reported
//! beside it (it adds process start and the group join).

use std::time::{Duration, Instant};

use escalator_runtime::kafka::{KafkaSettings, TopicSpec, changelog_topic, ensure_topics};
use rdkafka::ClientConfig;
use rdkafka::error::KafkaError;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::types::RDKafkaErrorCode;

use super::LoadSettings;
use super::deploy::Deployment;

#[derive(Debug, Default)]
pub struct RestoreReport {
    /// Per start: seconds the driver spent restoring (sum over partitions).
    pub restore_s: Vec<f64>,
    /// Per start: seconds from process start to ready.
    pub ready_s: Vec<f64>,
    /// Changelog records restored per start.
    pub records: u64,
}

/// Writes `changelog` (key, value; `None` a tombstone) to the evaluator's
/// changelog of a fresh deployment and starts the evaluator `starts` times.
pub fn run(
    settings: &LoadSettings,
    changelog: &[(Vec<u8>, Option<Vec<u8>>)],
    starts: usize,
) -> anyhow::Result<RestoreReport> {
    let mut d = Deployment::new(
        &settings.bootstrap,
        &settings.repo,
        settings.partitions,
        settings.commit_ms,
        &settings.librdkafka,
    )?;
    let result = fill_and_restore(&mut d, settings, changelog, starts);
    let removed = d.remove();
    let report = result?;
    removed?;
    Ok(report)
}

fn fill_and_restore(
    d: &mut Deployment,
    settings: &LoadSettings,
    changelog: &[(Vec<u8>, Option<Vec<u8>>)],
    starts: usize,
) -> anyhow::Result<RestoreReport> {
    let topic = changelog_topic(&d.group("evaluator"));
    let admin = KafkaSettings {
        bootstrap_servers: d.bootstrap.clone(),
        ..Default::default()
    };
    ensure_topics(
        &admin,
        &[TopicSpec::new(topic.clone(), d.partitions).compacted()],
    )
    .map_err(|e| anyhow::anyhow!(e))?;
    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", &d.bootstrap)
        .set("enable.idempotence", "true")
        .set("linger.ms", "20")
        .set("queue.buffering.max.messages", "1000000")
        .create()?;
    for (i, (key, value)) in changelog.iter().enumerate() {
        let partition = (i % d.partitions.max(1) as usize) as i32;
        loop {
            let mut record = BaseRecord::<[u8], [u8]>::to(&topic)
                .key(key.as_slice())
                .partition(partition);
            if let Some(v) = value {
                record = record.payload(v.as_slice());
            }
            match producer.send(record) {
                Ok(()) => break,
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), _)) => {
                    producer.poll(Duration::from_millis(5));
                }
                Err((e, _)) => anyhow::bail!("producing the changelog: {e}"),
            }
        }
    }
    producer
        .flush(Duration::from_secs(120))
        .map_err(|e| anyhow::anyhow!("flushing the changelog: {e}"))?;

    let mut report = RestoreReport::default();
    for _ in 0..starts {
        let started = Instant::now();
        d.start_services(&settings.bin_dir, &["evaluator"])?;
        report.ready_s.push(started.elapsed().as_secs_f64());
        let metrics = d.metrics("evaluator")?;
        report.restore_s.push(
            metric(&metrics, "escalator_runtime_restore_duration_seconds_sum").unwrap_or(f64::NAN),
        );
        report.records =
            metric(&metrics, "escalator_runtime_restored_records_total").unwrap_or(0.0) as u64;
        d.stop();
    }
    Ok(report)
}

/// The value of the first sample of `name` in a Prometheus text page.
fn metric(page: &str, name: &str) -> Option<f64> {
    page.lines()
        .find(|l| {
            l.strip_prefix(name)
                .is_some_and(|rest| rest.starts_with('{') || rest.starts_with(' '))
        })
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_sample_by_its_exact_name() {
        let page = "# HELP x\nescalator_runtime_restore_duration_seconds_count{service=\"evaluator\"} 3\nescalator_runtime_restore_duration_seconds_sum{service=\"evaluator\"} 1.25\nescalator_runtime_restored_records_total 42\n";
        assert_eq!(
            metric(page, "escalator_runtime_restore_duration_seconds_sum"),
            Some(1.25)
        );
        assert_eq!(
            metric(page, "escalator_runtime_restored_records_total"),
            Some(42.0)
        );
        assert_eq!(metric(page, "escalator_runtime_restored"), None);
    }
}
