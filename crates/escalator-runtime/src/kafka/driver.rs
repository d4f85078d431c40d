//! The driver loop. One thread owns the consumer and the transactional
//! producer; every blocking Kafka call happens here, never on an async worker.
//!
//! Each iteration:
//! 1. poll a batch (bounded by count and time); rebalance events are handled
//!    right after each poll, while no transaction is open: new partitions are
//!    restored from their changelog first, revoked ones are dropped together
//!    with their buffered records;
//! 2. begin a transaction, run the processor on each record, fire due timers,
//!    produce outputs, dead letters and changelog entries;
//! 3. add the consumed offsets to the transaction and commit.
//!
//! A failed commit aborts: staged state is dropped and the partitions are
//! rewound to the batch's first offsets, so the batch is processed again.
//! Fatal producer errors (fenced, invalid epoch) end the run with an error
//! the binary turns into a non-zero exit.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::message::{Header as KHeader, Headers, Message, OwnedHeaders, OwnedMessage};
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};

/// Transactional producer whose delivery reports are served by its own
/// thread: abort and commit need them drained.
type BaseProducer = ThreadedProducer<DefaultProducerContext>;
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::{Offset, TopicPartitionList};

use super::admin::{TopicSpec, changelog_topic, ensure_topics, partition_count};
use super::context::{DriverContext, RebalanceEvent};
use super::restore::restore_partition;
use super::settings::{KafkaSettings, TimeMode};
use crate::clock::Clock;
use crate::dlq::{BudgetExceeded, DeadLetterSettings, FailureBudget, dead_letter};
use crate::headers::propagate_trace;
use crate::health::Health;
use crate::metrics as m;
use crate::processor::{Header, Millis, Output, Processor, Record};
use crate::task::Task;

const CALL_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum DriverError {
    #[error("configuration: {0}")]
    Config(String),
    #[error("kafka: {0}")]
    Client(String),
    #[error("fatal producer error, exiting so a supervisor restarts the instance: {0}")]
    Fatal(String),
    #[error(transparent)]
    Budget(#[from] BudgetExceeded),
    #[error("restore failed: {0}")]
    Restore(String),
}

impl DriverError {
    /// Process exit code for each failure class (0 is a clean drain).
    pub fn exit_code(&self) -> i32 {
        match self {
            DriverError::Config(_) => 78,
            DriverError::Client(_) => 69,
            DriverError::Fatal(_) => 75,
            DriverError::Budget(_) => 65,
            DriverError::Restore(_) => 74,
        }
    }
}

/// What went into a batch, shown to a commit hook before committing.
#[derive(Debug, Clone, Default)]
pub struct BatchSummary {
    pub sequence: u64,
    pub records: usize,
    pub outputs: usize,
    pub dead_letters: usize,
    pub timers_fired: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommitVerdict {
    Commit,
    Abort,
}

type CommitHook = Box<dyn FnMut(&BatchSummary) -> CommitVerdict + Send>;

struct Partition<S> {
    task: Task<S>,
    changelog: String,
    /// Event time: the newest record timestamp of this partition, and its
    /// value at the last commit (an aborted batch is processed again from it).
    stream_time: Option<Millis>,
    committed_stream_time: Option<Millis>,
}

type Tp = (String, i32);
/// State is kept per partition number: partition `p` of every input topic
/// shares one store, backed by partition `p` of the changelog.
type Partitions<S> = HashMap<i32, Partition<S>>;

pub struct KafkaDriver<P: Processor> {
    processor: P,
    settings: KafkaSettings,
    inputs: Vec<String>,
    dead_letters: DeadLetterSettings,
    clock: Arc<dyn Clock>,
    health: Health,
    shutdown: Arc<AtomicBool>,
    commit_hook: Option<CommitHook>,
    queries: Option<crate::query::QueryInbox<P::State>>,
}

enum TxnFailure {
    Fatal(String),
    Abort(String),
}

fn classify(e: &KafkaError) -> TxnFailure {
    if let KafkaError::Transaction(re) = e {
        if re.is_fatal() {
            return TxnFailure::Fatal(e.to_string());
        }
    }
    if matches!(
        e.rdkafka_error_code(),
        Some(RDKafkaErrorCode::ProducerFenced)
            | Some(RDKafkaErrorCode::InvalidProducerEpoch)
            | Some(RDKafkaErrorCode::Fenced)
            | Some(RDKafkaErrorCode::TransactionalIdAuthorizationFailed)
    ) {
        return TxnFailure::Fatal(e.to_string());
    }
    TxnFailure::Abort(e.to_string())
}

fn is_retriable(e: &KafkaError) -> bool {
    match e {
        KafkaError::Transaction(re) => {
            re.is_retriable() && !re.txn_requires_abort() && !re.is_fatal()
        }
        _ => false,
    }
}

impl<P: Processor> KafkaDriver<P> {
    pub fn new(
        processor: P,
        settings: KafkaSettings,
        inputs: Vec<String>,
        dead_letters: DeadLetterSettings,
        clock: Arc<dyn Clock>,
    ) -> Self {
        KafkaDriver {
            processor,
            settings,
            inputs,
            dead_letters,
            clock,
            health: Health::default(),
            shutdown: Arc::new(AtomicBool::new(false)),
            commit_hook: None,
            queries: None,
        }
    }

    /// Lets `QueryHandle`s read committed state (see `crate::query`).
    pub fn with_queries(mut self, inbox: crate::query::QueryInbox<P::State>) -> Self {
        self.queries = Some(inbox);
        self
    }

    pub fn health(&self) -> Health {
        self.health.clone()
    }

    /// Set it to stop: the driver finishes (commits) the current batch,
    /// leaves the group and returns Ok.
    pub fn shutdown_flag(&self) -> Arc<AtomicBool> {
        self.shutdown.clone()
    }

    /// A hook asked before each commit; returning Abort aborts the
    /// transaction. For fault-injection tests.
    pub fn with_commit_hook(
        mut self,
        hook: impl FnMut(&BatchSummary) -> CommitVerdict + Send + 'static,
    ) -> Self {
        self.commit_hook = Some(Box::new(hook));
        self
    }

    pub fn run(mut self) -> Result<(), DriverError> {
        let result = self.run_inner();
        if result.is_err() {
            self.health.set_failed();
        }
        result
    }

    fn run_inner(&mut self) -> Result<(), DriverError> {
        m::describe();
        if self.settings.group_id.is_empty() {
            return Err(DriverError::Config("kafka.group_id is empty".into()));
        }
        if self.inputs.is_empty() {
            return Err(DriverError::Config("no input topics".into()));
        }
        let producer: BaseProducer = self
            .settings
            .producer_config()
            .map_err(DriverError::Config)?
            .create()
            .map_err(|e| DriverError::Client(format!("producer: {e}")))?;
        self.init_transactions(&producer)?;

        let restorer: BaseConsumer = self
            .settings
            .restore_config()
            .map_err(DriverError::Config)?
            .create()
            .map_err(|e| DriverError::Client(format!("restore consumer: {e}")))?;
        let context = DriverContext::default();
        let consumer: BaseConsumer<DriverContext> = self
            .settings
            .consumer_config(self.assignment_strategy())
            .map_err(DriverError::Config)?
            .create_with_context(context.clone())
            .map_err(|e| DriverError::Client(format!("consumer: {e}")))?;

        self.ensure_changelogs(&consumer)?;
        let inputs: Vec<&str> = self.inputs.iter().map(String::as_str).collect();
        consumer
            .subscribe(&inputs)
            .map_err(|e| DriverError::Client(format!("subscribe: {e}")))?;
        // Ready once the first assignment is restored (or, with no partition
        // for this member, after two session timeouts without one).
        let ready_by = Instant::now() + Duration::from_millis(2 * self.settings.session_timeout_ms);
        let mut ready = false;
        tracing::info!(
            group = %self.settings.group_id,
            transactional_id = %self.settings.transactional_id(),
            inputs = ?self.inputs,
            "kafka driver started"
        );

        let mut partitions: Partitions<P::State> = HashMap::new();
        let mut budget = FailureBudget::new(&self.dead_letters);
        let mut buffer: Vec<OwnedMessage> = Vec::with_capacity(self.settings.batch_max_records);
        let mut sequence = 0u64;

        while !self.shutdown.load(Ordering::SeqCst) {
            self.collect(&consumer, &restorer, &context, &mut partitions, &mut buffer)?;
            if !ready && (!partitions.is_empty() || Instant::now() >= ready_by) {
                ready = true;
                self.health.set_started();
            }
            if let Some(inbox) = &self.queries {
                inbox.answer(|ask| match ask {
                    crate::query::Ask::Key(key) => partitions
                        .values()
                        .filter_map(|p| p.task.committed(key).cloned())
                        .take(1)
                        .collect(),
                    crate::query::Ask::Prefix(prefix) => partitions
                        .values()
                        .flat_map(|p| {
                            p.task
                                .committed_state()
                                .filter(|(k, _)| k.starts_with(prefix))
                                .map(|(_, v)| v.clone())
                        })
                        .collect(),
                });
            }
            let now = self.clock.now_ms();
            let timers_due = self.settings.time == TimeMode::Wall
                && partitions
                    .values()
                    .any(|p| p.task.next_due().is_some_and(|d| d <= now));
            if buffer.is_empty() && !timers_due {
                continue;
            }
            sequence += 1;
            self.run_batch(
                &consumer,
                &producer,
                &mut partitions,
                &mut budget,
                &buffer,
                now,
                sequence,
            )?;
            buffer.clear();
            metrics::gauge!(m::BUFFERED_RECORDS).set(0.0);
            self.update_gauges(&partitions);
        }
        tracing::info!("shutdown requested: leaving the group");
        // No transaction is open here: the last batch committed or aborted.
        consumer.unsubscribe();
        let _ = producer.flush(Duration::from_secs(10));
        Ok(())
    }

    fn init_transactions(&self, producer: &BaseProducer) -> Result<(), DriverError> {
        let started = Instant::now();
        loop {
            match producer.init_transactions(CALL_TIMEOUT) {
                Ok(()) => return Ok(()),
                Err(e) if is_retriable(&e) && started.elapsed() < Duration::from_secs(120) => {
                    tracing::warn!(error = %e, "init_transactions failed, retrying");
                    std::thread::sleep(Duration::from_millis(500));
                }
                Err(e) => return Err(DriverError::Fatal(format!("init_transactions: {e}"))),
            }
        }
    }

    /// One input: cooperative-sticky, so a rebalance moves only the
    /// partitions that change owner. Several inputs: range, the assignor that
    /// gives partition `p` of every co-partitioned input to the same member,
    /// at the cost of eager (stop-the-world) rebalances.
    fn assignment_strategy(&self) -> &'static str {
        if self.inputs.len() > 1 {
            "range"
        } else {
            "cooperative-sticky"
        }
    }

    fn ensure_changelogs(&self, consumer: &BaseConsumer<DriverContext>) -> Result<(), DriverError> {
        let mut count: Option<(String, i32)> = None;
        for input in &self.inputs {
            let n = partition_count(consumer, input)
                .map_err(DriverError::Client)?
                .ok_or_else(|| {
                    DriverError::Config(format!("input topic {input} does not exist"))
                })?;
            if let Some((first, c)) = &count {
                if *c != n {
                    return Err(DriverError::Config(format!(
                        "inputs are not co-partitioned: {first} has {c} partitions, {input} has {n}"
                    )));
                }
            }
            count.get_or_insert((input.clone(), n));
        }
        let Some((input, n)) = count else {
            return Ok(());
        };
        let changelog = changelog_topic(&self.settings.group_id);
        match partition_count(consumer, &changelog).map_err(DriverError::Client)? {
            Some(c) if c != n => Err(DriverError::Config(format!(
                "changelog {changelog} has {c} partitions but input {input} has {n}: state would be misplaced"
            ))),
            Some(_) => Ok(()),
            None => {
                let mut spec = TopicSpec::new(changelog, n).compacted();
                spec.replication = self.settings.changelog_replication_factor;
                ensure_topics(&self.settings, &[spec]).map_err(DriverError::Client)
            }
        }
    }

    /// Polls until the batch is full, its time window closed, or the poll
    /// came back empty.
    fn collect(
        &self,
        consumer: &BaseConsumer<DriverContext>,
        restorer: &BaseConsumer,
        context: &DriverContext,
        partitions: &mut Partitions<P::State>,
        buffer: &mut Vec<OwnedMessage>,
    ) -> Result<(), DriverError> {
        let max_wait = Duration::from_millis(self.settings.batch_max_wait_ms);
        let idle_wait = self.idle_wait(partitions);
        let mut first_at: Option<Instant> = None;
        loop {
            let wait = match first_at {
                None => idle_wait,
                Some(t) => max_wait.saturating_sub(t.elapsed()),
            };
            let polled = consumer.poll(wait);
            self.handle_rebalances(restorer, context, partitions, buffer)?;
            match polled {
                Some(Ok(msg)) => {
                    if partitions.contains_key(&msg.partition()) {
                        buffer.push(msg.detach());
                        first_at.get_or_insert_with(Instant::now);
                    }
                }
                Some(Err(e)) => {
                    tracing::warn!(error = %e, "consumer error");
                    if buffer.is_empty() {
                        return Ok(());
                    }
                }
                None => return Ok(()),
            }
            metrics::gauge!(m::BUFFERED_RECORDS).set(buffer.len() as f64);
            if buffer.len() >= self.settings.batch_max_records
                || first_at.is_some_and(|t| t.elapsed() >= max_wait)
            {
                return Ok(());
            }
        }
    }

    /// How long an empty poll may wait: no longer than until the next timer.
    fn idle_wait(&self, partitions: &Partitions<P::State>) -> Duration {
        let poll = Duration::from_millis(self.settings.poll_timeout_ms);
        let next: Option<Millis> = partitions.values().filter_map(|p| p.task.next_due()).min();
        match next {
            Some(due) => {
                let until = due.saturating_sub(self.clock.now_ms()).max(0) as u64;
                poll.min(Duration::from_millis(until))
            }
            None => poll,
        }
    }

    fn handle_rebalances(
        &self,
        restorer: &BaseConsumer,
        context: &DriverContext,
        partitions: &mut Partitions<P::State>,
        buffer: &mut Vec<OwnedMessage>,
    ) -> Result<(), DriverError> {
        loop {
            let event = match context.events.lock() {
                Ok(mut q) => q.pop_front(),
                Err(_) => None,
            };
            let Some(event) = event else { return Ok(()) };
            match event {
                RebalanceEvent::Revoked {
                    partitions: revoked,
                    lost,
                } => {
                    let kind = if lost { "lost" } else { "revoked" };
                    metrics::counter!(m::REBALANCES, "kind" => kind).increment(1);
                    tracing::info!(partitions = ?revoked, lost, "partitions revoked");
                    let revoked: HashSet<i32> = revoked.into_iter().map(|(_, p)| p).collect();
                    buffer.retain(|msg| !revoked.contains(&msg.partition()));
                    for p in &revoked {
                        partitions.remove(p);
                    }
                }
                RebalanceEvent::Assigned(assigned) => {
                    metrics::counter!(m::REBALANCES, "kind" => "assigned").increment(1);
                    tracing::info!(partitions = ?assigned, "partitions assigned, restoring state");
                    self.health.restore_begin();
                    let result = self.restore_all(restorer, partitions, assigned);
                    self.health.restore_end();
                    result?;
                }
            }
            metrics::gauge!(m::ASSIGNED_PARTITIONS).set(partitions.len() as f64);
        }
    }

    fn restore_all(
        &self,
        restorer: &BaseConsumer,
        partitions: &mut Partitions<P::State>,
        assigned: Vec<Tp>,
    ) -> Result<(), DriverError> {
        let numbers: std::collections::BTreeSet<i32> =
            assigned.into_iter().map(|(_, p)| p).collect();
        for partition in numbers {
            if partitions.contains_key(&partition) {
                continue;
            }
            let changelog = changelog_topic(&self.settings.group_id);
            let mut task = Task::default();
            let started = Instant::now();
            let n = restore_partition(
                restorer,
                &self.processor,
                &mut task,
                &changelog,
                partition,
                Duration::from_millis(self.settings.restore_timeout_ms),
            )
            .map_err(DriverError::Restore)?;
            // Index the restored deadlines now, inside the measured restore.
            task.finish_restore();
            metrics::counter!(m::RESTORED_RECORDS).increment(n);
            metrics::histogram!(m::RESTORE_SECONDS).record(started.elapsed().as_secs_f64());
            tracing::info!(
                partition,
                records = n,
                keys = task.state_len(),
                timers = task.timers_len(),
                elapsed_ms = started.elapsed().as_millis() as u64,
                "partition restored"
            );
            partitions.insert(
                partition,
                Partition {
                    task,
                    changelog,
                    stream_time: None,
                    committed_stream_time: None,
                },
            );
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn run_batch(
        &mut self,
        consumer: &BaseConsumer<DriverContext>,
        producer: &BaseProducer,
        partitions: &mut Partitions<P::State>,
        budget: &mut FailureBudget,
        buffer: &[OwnedMessage],
        now: Millis,
        sequence: u64,
    ) -> Result<(), DriverError> {
        let span = tracing::debug_span!("batch", sequence, records = buffer.len());
        let _enter = span.enter();
        if let Err(e) = producer.begin_transaction() {
            return match classify(&e) {
                TxnFailure::Fatal(msg) => Err(DriverError::Fatal(msg)),
                TxnFailure::Abort(msg) => {
                    Err(DriverError::Client(format!("begin_transaction: {msg}")))
                }
            };
        }
        // Kill tests read these two lines to tell where a kill landed.
        tracing::debug!(sequence, records = buffer.len(), "batch open");
        let mut summary = BatchSummary {
            sequence,
            records: buffer.len(),
            ..Default::default()
        };
        let mut first_offsets: HashMap<Tp, i64> = HashMap::new();
        let mut next_offsets: HashMap<Tp, i64> = HashMap::new();
        let outcome = self.stage_batch(
            producer,
            partitions,
            budget,
            buffer,
            now,
            &mut summary,
            &mut first_offsets,
            &mut next_offsets,
        );
        let staged = match outcome {
            Ok(()) => self.commit(consumer, producer, &next_offsets, &mut summary),
            Err(e) => Err(e),
        };
        match staged {
            Ok(true) => {
                for p in partitions.values_mut() {
                    p.task.commit();
                    p.committed_stream_time = p.stream_time;
                }
                tracing::debug!(sequence, "batch committed");
                Ok(())
            }
            Ok(false) => {
                self.abort(consumer, producer, partitions, &first_offsets)?;
                tracing::debug!(sequence, "batch aborted");
                Ok(())
            }
            Err(StageError::Fatal(e)) => Err(e),
            Err(StageError::Stop(e)) => {
                // Stopping (dead-letter budget): leave nothing half-written.
                let _ = producer.abort_transaction(CALL_TIMEOUT);
                Err(e)
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn stage_batch(
        &self,
        producer: &BaseProducer,
        partitions: &mut Partitions<P::State>,
        budget: &mut FailureBudget,
        buffer: &[OwnedMessage],
        now: Millis,
        summary: &mut BatchSummary,
        first_offsets: &mut HashMap<Tp, i64>,
        next_offsets: &mut HashMap<Tp, i64>,
    ) -> Result<(), StageError> {
        let name = self.processor.name().to_owned();
        let mut outputs: Vec<Output> = Vec::new();
        for msg in buffer {
            let tp = (msg.topic().to_owned(), msg.partition());
            let Some(part) = partitions.get_mut(&msg.partition()) else {
                continue;
            };
            let headers = convert_headers(msg.headers());
            let record = Record {
                topic: msg.topic(),
                partition: msg.partition(),
                offset: msg.offset(),
                key: msg.key(),
                value: msg.payload().unwrap_or_default(),
                headers: &headers,
                timestamp_ms: msg.timestamp().to_millis(),
            };
            outputs.clear();
            metrics::counter!(m::RECORDS_CONSUMED, "topic" => tp.0.clone()).increment(1);
            let (record_now, stamp) = if self.settings.time == TimeMode::Event {
                let ts = record.timestamp_ms.or(part.stream_time).unwrap_or(now);
                self.fire_before(producer, msg.partition(), part, ts, summary)?;
                let stream = part.stream_time.map_or(ts, |s| s.max(ts));
                part.stream_time = Some(stream);
                (stream, Some(ts))
            } else {
                (now, None)
            };
            match part
                .task
                .process(&self.processor, &record, record_now, &mut outputs)
            {
                Ok(()) => {
                    propagate_trace(&headers, &mut outputs);
                    budget
                        .record(false)
                        .map_err(|e| StageError::Stop(e.into()))?;
                }
                Err(rejection) => {
                    metrics::counter!(m::DEAD_LETTERS, "error_kind" => rejection.kind).increment(1);
                    tracing::warn!(
                        topic = %tp.0, partition = tp.1, offset = msg.offset(), error_kind = rejection.kind,
                        "record dead-lettered"
                    );
                    outputs.push(dead_letter(&self.dead_letters, &name, &record, &rejection));
                    summary.dead_letters += 1;
                    budget
                        .record(true)
                        .map_err(|e| StageError::Stop(e.into()))?;
                }
            }
            self.produce_all(producer, &outputs, stamp)?;
            summary.outputs += outputs.len();
            first_offsets.entry(tp.clone()).or_insert(msg.offset());
            next_offsets.insert(tp, msg.offset() + 1);
        }

        // Deadlines that came due on the wall clock (on event time they
        // fired before the records that passed them).
        if self.settings.time == TimeMode::Wall {
            for (partition, part) in partitions.iter_mut() {
                self.fire_due(producer, *partition, part, now, summary)?;
            }
        }

        // The state and timer changes of this batch, one entry per key.
        for (partition, part) in partitions.iter() {
            if !part.task.has_changes() {
                continue;
            }
            for (key, value) in part.task.changelog(&self.processor) {
                self.produce(
                    producer,
                    &part.changelog,
                    Some(*partition),
                    Some(&key),
                    value.as_deref(),
                    &[],
                )?;
            }
        }
        Ok(())
    }

    /// Sends the offsets and commits. Ok(false) means the transaction must be
    /// aborted and the batch retried.
    fn commit(
        &mut self,
        consumer: &BaseConsumer<DriverContext>,
        producer: &BaseProducer,
        next_offsets: &HashMap<Tp, i64>,
        summary: &mut BatchSummary,
    ) -> Result<bool, StageError> {
        let started = Instant::now();
        if !next_offsets.is_empty() {
            let mut tpl = TopicPartitionList::new();
            for ((topic, partition), offset) in next_offsets {
                if tpl
                    .add_partition_offset(topic, *partition, Offset::Offset(*offset))
                    .is_err()
                {
                    return Ok(false);
                }
            }
            let Some(group) = consumer.group_metadata() else {
                tracing::warn!("no group metadata: aborting batch");
                return Ok(false);
            };
            if !transaction_call("send_offsets_to_transaction", || {
                producer.send_offsets_to_transaction(&tpl, &group, CALL_TIMEOUT)
            })? {
                return Ok(false);
            }
        }
        if let Some(hook) = self.commit_hook.as_mut() {
            if hook(summary) == CommitVerdict::Abort {
                // Simulate a failure after the writes reached the broker:
                // flush first, so the abort has real records to hide.
                let _ = flush_in_flight(producer, CALL_TIMEOUT);
                tracing::info!(sequence = summary.sequence, "commit hook asked to abort");
                return Ok(false);
            }
        }
        // Delivered before the commit call, whose own flush would wait in
        // 100 ms steps (see `flush_in_flight`).
        if !flush_in_flight(producer, CALL_TIMEOUT) {
            tracing::warn!("records not delivered in time: aborting batch");
            return Ok(false);
        }
        if !transaction_call("commit_transaction", || {
            producer.commit_transaction(CALL_TIMEOUT)
        })? {
            return Ok(false);
        }
        metrics::counter!(m::TRANSACTIONS, "outcome" => "committed").increment(1);
        metrics::histogram!(m::COMMIT_SECONDS).record(started.elapsed().as_secs_f64());
        metrics::histogram!(m::BATCH_RECORDS).record(summary.records as f64);
        Ok(true)
    }

    fn abort(
        &self,
        consumer: &BaseConsumer<DriverContext>,
        producer: &BaseProducer,
        partitions: &mut Partitions<P::State>,
        first_offsets: &HashMap<Tp, i64>,
    ) -> Result<(), DriverError> {
        metrics::counter!(m::TRANSACTIONS, "outcome" => "aborted").increment(1);
        if let Err(e) = producer.abort_transaction(CALL_TIMEOUT) {
            if let TxnFailure::Fatal(msg) = classify(&e) {
                return Err(DriverError::Fatal(msg));
            }
            return Err(DriverError::Client(format!("abort_transaction: {e}")));
        }
        for p in partitions.values_mut() {
            p.task.abort();
            p.stream_time = p.committed_stream_time;
        }
        // Rewind so the aborted records are consumed and processed again.
        for ((topic, partition), offset) in first_offsets {
            if !partitions.contains_key(partition) {
                continue;
            }
            if let Err(e) = consumer.seek(
                topic,
                *partition,
                Offset::Offset(*offset),
                Duration::from_secs(10),
            ) {
                // Going on would skip the aborted records; a restart resumes
                // from the committed offsets instead.
                return Err(DriverError::Client(format!(
                    "seek of {topic}/{partition} to {offset} after an abort failed: {e}"
                )));
            }
        }
        Ok(())
    }

    /// Fires the partition's deadlines due by `now` (at `now`).
    fn fire_due(
        &self,
        producer: &BaseProducer,
        partition: i32,
        part: &mut Partition<P::State>,
        now: Millis,
        summary: &mut BatchSummary,
    ) -> Result<(), StageError> {
        let mut outputs = Vec::new();
        let fired = part.task.fire_due(
            &self.processor,
            now,
            self.settings.timer_fire_limit,
            &mut outputs,
        );
        for f in &fired {
            metrics::counter!(m::TIMERS_FIRED).increment(1);
            metrics::histogram!(m::TIMER_LATENESS).record(f.late_ms as f64 / 1000.0);
            if let Err(rejection) = &f.result {
                metrics::counter!(m::DEAD_LETTERS, "error_kind" => rejection.kind).increment(1);
                let record = Record {
                    topic: &part.changelog,
                    partition,
                    offset: -1,
                    key: Some(&f.timer.key),
                    value: f.timer.name.as_bytes(),
                    headers: &[],
                    timestamp_ms: Some(f.timer.due_ms),
                };
                outputs.push(dead_letter(
                    &self.dead_letters,
                    self.processor.name(),
                    &record,
                    rejection,
                ));
                summary.dead_letters += 1;
            }
        }
        summary.timers_fired += fired.len();
        if !fired.is_empty() {
            propagate_trace(&[], &mut outputs);
        }
        let stamp = (self.settings.time == TimeMode::Event).then_some(now);
        self.produce_all(producer, &outputs, stamp)?;
        summary.outputs += outputs.len();
        Ok(())
    }

    /// Event time: fires every deadline due strictly before `ts`, each at
    /// its own due time, so a decision made by a deadline carries that time.
    fn fire_before(
        &self,
        producer: &BaseProducer,
        partition: i32,
        part: &mut Partition<P::State>,
        ts: Millis,
        summary: &mut BatchSummary,
    ) -> Result<(), StageError> {
        // Bounded: a processor that keeps re-arming a past deadline must not
        // stall the partition (the rest fires before the next record).
        for _ in 0..self.settings.timer_fire_limit.max(1) {
            let Some(due) = part.task.next_due().filter(|d| *d < ts) else {
                break;
            };
            self.fire_due(producer, partition, part, due, summary)?;
            part.stream_time = Some(part.stream_time.map_or(due, |s| s.max(due)));
        }
        Ok(())
    }

    /// `timestamp`: the record timestamp to set (event time), or the
    /// producer's create time.
    fn produce_all(
        &self,
        producer: &BaseProducer,
        outputs: &[Output],
        timestamp: Option<Millis>,
    ) -> Result<(), StageError> {
        for out in outputs {
            self.produce_at(
                producer,
                &out.topic,
                None,
                out.key.as_deref(),
                Some(&out.value),
                &out.headers,
                timestamp,
            )?;
        }
        Ok(())
    }

    fn produce(
        &self,
        producer: &BaseProducer,
        topic: &str,
        partition: Option<i32>,
        key: Option<&[u8]>,
        value: Option<&[u8]>,
        headers: &[Header],
    ) -> Result<(), StageError> {
        self.produce_at(producer, topic, partition, key, value, headers, None)
    }

    #[allow(clippy::too_many_arguments)]
    fn produce_at(
        &self,
        producer: &BaseProducer,
        topic: &str,
        partition: Option<i32>,
        key: Option<&[u8]>,
        value: Option<&[u8]>,
        headers: &[Header],
        timestamp: Option<Millis>,
    ) -> Result<(), StageError> {
        loop {
            let mut record: BaseRecord<'_, [u8], [u8]> = BaseRecord::to(topic);
            if let Some(t) = timestamp {
                record = record.timestamp(t);
            }
            if let Some(k) = key {
                record = record.key(k);
            }
            if let Some(v) = value {
                record = record.payload(v);
            }
            if let Some(p) = partition {
                record = record.partition(p);
            }
            if !headers.is_empty() {
                let mut h = OwnedHeaders::new_with_capacity(headers.len());
                for header in headers {
                    h = h.insert(KHeader {
                        key: &header.name,
                        value: Some(&header.value),
                    });
                }
                record = record.headers(h);
            }
            match producer.send(record) {
                Ok(()) => {
                    metrics::counter!(m::RECORDS_PRODUCED, "topic" => topic.to_owned())
                        .increment(1);
                    return Ok(());
                }
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), _)) => {
                    // Backpressure: wait for deliveries instead of growing.
                    metrics::counter!(m::BACKPRESSURE).increment(1);
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err((e, _)) => {
                    return match classify(&e) {
                        TxnFailure::Fatal(msg) => Err(StageError::Fatal(DriverError::Fatal(msg))),
                        TxnFailure::Abort(msg) => Err(StageError::Stop(DriverError::Client(
                            format!("produce to {topic}: {msg}"),
                        ))),
                    };
                }
            }
        }
    }

    fn update_gauges(&self, partitions: &Partitions<P::State>) {
        let (keys, timers) = partitions.values().fold((0usize, 0usize), |(k, t), p| {
            (k + p.task.state_len(), t + p.task.timers_len())
        });
        metrics::gauge!(m::STATE_KEYS).set(keys as f64);
        metrics::gauge!(m::TIMERS_PENDING).set(timers as f64);
    }
}

/// Waits until every produced record is delivered, in 1 ms steps. rdkafka's
/// `flush` (which its `commit_transaction` calls first) serves delivery
/// reports with 100 ms polls that always wait out their timeout, so every
/// commit with records in flight took at least 100 ms: on a chain of three
/// transactional services that was most of the end-to-end latency.
fn flush_in_flight(producer: &BaseProducer, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        // A zero-timeout flush also tells librdkafka to send now, not after
        // `linger.ms`.
        if producer.flush(Duration::ZERO).is_ok() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        producer.poll(Duration::from_millis(1));
    }
}

/// Runs a transaction call, retrying what librdkafka calls retriable.
/// Ok(false): the transaction must be aborted; Err: fatal.
fn transaction_call(
    what: &str,
    mut call: impl FnMut() -> Result<(), KafkaError>,
) -> Result<bool, StageError> {
    let mut attempts = 0;
    loop {
        match call() {
            Ok(()) => return Ok(true),
            Err(e) if is_retriable(&e) && attempts < 5 => attempts += 1,
            Err(e) => {
                return match classify(&e) {
                    TxnFailure::Fatal(msg) => Err(StageError::Fatal(DriverError::Fatal(msg))),
                    TxnFailure::Abort(msg) => {
                        tracing::warn!(error = %msg, call = what, "transaction call failed: aborting batch");
                        Ok(false)
                    }
                };
            }
        }
    }
}

enum StageError {
    /// End the process: a supervisor restarts it.
    Fatal(DriverError),
    /// Stop processing and abort what is open.
    Stop(DriverError),
}

fn convert_headers(headers: Option<&OwnedHeaders>) -> Vec<Header> {
    let Some(headers) = headers else {
        return Vec::new();
    };
    headers
        .iter()
        .map(|h| Header::new(h.key, h.value.unwrap_or_default()))
        .collect()
}
