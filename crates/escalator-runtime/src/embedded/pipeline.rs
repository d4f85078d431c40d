use std::collections::{HashMap, VecDeque};
use std::path::Path;
use std::sync::Arc;

use redb::{Database, ReadableDatabase, ReadableTable};

use super::node::{Node, ProcNode};
use super::persist::{META, OUTBOX, STATE, decode_output, encode_output, state_key};
use crate::clock::Clock;
use crate::dlq::{BudgetExceeded, DeadLetterSettings, FailureBudget, dead_letter};
use crate::headers::propagate_trace;
use crate::metrics as m;
use crate::processor::{Header, Millis, Output, Processor, Record};
use crate::query::{Ask, QueryInbox};
use crate::task::Task;

/// Bound on records one input may cause, so a processor loop cannot spin.
const MAX_CASCADE: usize = 100_000;

#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    #[error("data directory: {0}")]
    Io(#[from] std::io::Error),
    #[error("state database: {0}")]
    Db(#[from] redb::Error),
    #[error("restoring {node}: {message}")]
    Restore { node: String, message: String },
    #[error("a processor named {0} is already in the pipeline")]
    DuplicateNode(String),
    #[error("one input caused more than {MAX_CASCADE} records: is a processor feeding itself?")]
    Cascade,
    #[error(transparent)]
    Budget(#[from] BudgetExceeded),
}

fn db_err(e: impl Into<redb::Error>) -> EmbeddedError {
    EmbeddedError::Db(e.into())
}

/// What came out of one `send` or `tick`, before commit.
#[derive(Debug, Default, Clone)]
pub struct Sent {
    /// Outputs that no processor consumes (they go to the outbox on commit).
    pub outputs: Vec<Output>,
    pub dead_letters: usize,
    pub timers_fired: usize,
}

pub struct Pipeline {
    db: Database,
    nodes: Vec<Box<dyn Node>>,
    routes: HashMap<String, Vec<usize>>,
    dead_letters: DeadLetterSettings,
    budget: FailureBudget,
    clock: Arc<dyn Clock>,
    offsets: HashMap<String, i64>,
    positions: HashMap<String, Vec<u8>>,
    outbox_seq: u64,
    staged_outbox: Vec<Output>,
    staged_positions: HashMap<String, Vec<u8>>,
    staged_offsets: HashMap<String, i64>,
    timer_fire_limit: usize,
    /// Topic prefixes whose records also go to the outbox when a processor
    /// consumes them (results the user wants out, such as routed escalations).
    exports: Vec<String>,
}

impl Pipeline {
    /// Opens (or creates) the pipeline's database in `dir`.
    pub fn open(
        dir: &Path,
        dead_letters: DeadLetterSettings,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, EmbeddedError> {
        std::fs::create_dir_all(dir)?;
        let db = Database::create(dir.join("state.redb")).map_err(db_err)?;
        {
            let txn = db.begin_write().map_err(db_err)?;
            txn.open_table(STATE).map_err(db_err)?;
            txn.open_table(META).map_err(db_err)?;
            txn.open_table(OUTBOX).map_err(db_err)?;
            txn.commit().map_err(db_err)?;
        }
        let mut offsets = HashMap::new();
        let mut positions = HashMap::new();
        let mut outbox_seq = 0;
        {
            let txn = db.begin_read().map_err(db_err)?;
            let meta = txn.open_table(META).map_err(db_err)?;
            for entry in meta.iter().map_err(db_err)? {
                let (k, v) = entry.map_err(db_err)?;
                let (key, value) = (k.value(), v.value());
                if let Some(topic) = key.strip_prefix("offset/") {
                    if let Ok(b) = <[u8; 8]>::try_from(value) {
                        offsets.insert(topic.to_owned(), i64::from_le_bytes(b));
                    }
                } else if let Some(source) = key.strip_prefix("source/") {
                    positions.insert(source.to_owned(), value.to_vec());
                } else if key == "outbox_seq" {
                    if let Ok(b) = <[u8; 8]>::try_from(value) {
                        outbox_seq = u64::from_le_bytes(b);
                    }
                }
            }
        }
        m::describe();
        Ok(Pipeline {
            db,
            nodes: Vec::new(),
            routes: HashMap::new(),
            budget: FailureBudget::new(&dead_letters),
            dead_letters,
            clock,
            offsets,
            positions,
            outbox_seq,
            staged_outbox: Vec::new(),
            staged_positions: HashMap::new(),
            staged_offsets: HashMap::new(),
            timer_fire_limit: 10_000,
            exports: Vec::new(),
        })
    }

    /// Adds a processor consuming `inputs` and restores its state.
    pub fn add<P: Processor>(
        &mut self,
        processor: P,
        inputs: &[&str],
    ) -> Result<(), EmbeddedError> {
        let name = processor.name().to_owned();
        if self.nodes.iter().any(|n| n.name() == name) {
            return Err(EmbeddedError::DuplicateNode(name));
        }
        let mut node = ProcNode {
            processor,
            task: Task::default(),
        };
        let prefix = state_key(&name, &[]);
        let txn = self.db.begin_read().map_err(db_err)?;
        let table = txn.open_table(STATE).map_err(db_err)?;
        for entry in table.range(prefix.as_slice()..).map_err(db_err)? {
            let (k, v) = entry.map_err(db_err)?;
            let Some(key) = k.value().strip_prefix(prefix.as_slice()) else {
                break;
            };
            node.restore(key, Some(v.value()))
                .map_err(|e| EmbeddedError::Restore {
                    node: name.clone(),
                    message: e.to_string(),
                })?;
        }
        node.finish_restore();
        let index = self.nodes.len();
        for input in inputs {
            self.routes
                .entry((*input).to_owned())
                .or_default()
                .push(index);
        }
        self.nodes.push(Box::new(node));
        Ok(())
    }

    /// Records on topics starting with `prefix` also go to the outbox, even
    /// when a processor consumes them.
    pub fn export(&mut self, prefix: &str) {
        self.exports.push(prefix.to_owned());
    }

    /// Answers waiting state queries for the processor `name` from its
    /// committed state (never a half-applied batch).
    pub fn answer<P: Processor>(&self, name: &str, inbox: &QueryInbox<P::State>) {
        let node = self
            .nodes
            .iter()
            .find(|n| n.name() == name)
            .and_then(|n| n.as_any().downcast_ref::<ProcNode<P>>());
        inbox.answer(|ask| match (node, ask) {
            (None, _) => Vec::new(),
            (Some(n), Ask::Key(key)) => n.task.committed(key).cloned().into_iter().collect(),
            (Some(n), Ask::Prefix(prefix)) => n
                .task
                .committed_state()
                .filter(|(k, _)| k.starts_with(prefix))
                .map(|(_, v)| v.clone())
                .collect(),
        });
    }

    /// Committed values of processor `name` whose key starts with `prefix`.
    pub fn scan<P: Processor>(&self, name: &str, prefix: &[u8]) -> Vec<P::State> {
        self.nodes
            .iter()
            .find(|n| n.name() == name)
            .and_then(|n| n.as_any().downcast_ref::<ProcNode<P>>())
            .map(|n| {
                n.task
                    .committed_state()
                    .filter(|(k, _)| k.starts_with(prefix))
                    .map(|(_, v)| v.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The committed position of an external source (a file offset, a
    /// delivery id...), as last given to `send`.
    pub fn source_position(&self, source: &str) -> Option<&[u8]> {
        self.positions.get(source).map(Vec::as_slice)
    }

    /// Feeds one record into `topic` and runs every processor it reaches.
    /// `source` and `position` are stored with the next commit, so a reader
    /// of an external source knows where to resume.
    pub fn send(
        &mut self,
        topic: &str,
        key: Option<&[u8]>,
        value: &[u8],
        headers: &[Header],
        source: Option<(&str, &[u8])>,
    ) -> Result<Sent, EmbeddedError> {
        let now = self.clock.now_ms();
        let mut sent = Sent::default();
        let first = Output {
            topic: topic.to_owned(),
            key: key.map(<[u8]>::to_vec),
            value: value.to_vec(),
            headers: headers.to_vec(),
        };
        self.cascade(VecDeque::from([first]), now, &mut sent)?;
        if let Some((name, position)) = source {
            self.staged_positions
                .insert(name.to_owned(), position.to_vec());
        }
        Ok(sent)
    }

    /// Fires every timer due at the clock's current time.
    pub fn tick(&mut self) -> Result<Sent, EmbeddedError> {
        let now = self.clock.now_ms();
        let mut sent = Sent::default();
        let mut queue = VecDeque::new();
        for i in 0..self.nodes.len() {
            let mut outs = Vec::new();
            let fired = self.nodes[i].fire_due(now, self.timer_fire_limit, &mut outs);
            for f in &fired {
                metrics::counter!(m::TIMERS_FIRED).increment(1);
                metrics::histogram!(m::TIMER_LATENESS).record(f.late_ms as f64 / 1000.0);
                if let Err(rejection) = &f.result {
                    metrics::counter!(m::DEAD_LETTERS, "error_kind" => rejection.kind).increment(1);
                    let name = format!("{}.timers", self.nodes[i].name());
                    let record = Record {
                        topic: &name,
                        partition: 0,
                        offset: -1,
                        key: Some(&f.timer.key),
                        value: f.timer.name.as_bytes(),
                        headers: &[],
                        timestamp_ms: Some(f.timer.due_ms),
                    };
                    outs.push(dead_letter(
                        &self.dead_letters,
                        self.nodes[i].name(),
                        &record,
                        rejection,
                    ));
                    sent.dead_letters += 1;
                }
            }
            sent.timers_fired += fired.len();
            propagate_trace(&[], &mut outs);
            queue.extend(outs);
        }
        self.cascade(queue, now, &mut sent)?;
        Ok(sent)
    }

    fn cascade(
        &mut self,
        mut queue: VecDeque<Output>,
        now: Millis,
        sent: &mut Sent,
    ) -> Result<(), EmbeddedError> {
        let mut steps = 0usize;
        while let Some(item) = queue.pop_front() {
            steps += 1;
            if steps > MAX_CASCADE {
                return Err(EmbeddedError::Cascade);
            }
            let consumers = self.routes.get(&item.topic).cloned();
            let exported = self
                .exports
                .iter()
                .any(|p| item.topic.starts_with(p.as_str()));
            if consumers.is_none() || exported {
                self.staged_outbox.push(item.clone());
                sent.outputs.push(item.clone());
            }
            let Some(consumers) = consumers else {
                continue;
            };
            let offset = self.next_offset(&item.topic);
            let record = Record {
                topic: &item.topic,
                partition: 0,
                offset,
                key: item.key.as_deref(),
                value: &item.value,
                headers: &item.headers,
                timestamp_ms: Some(now),
            };
            for index in consumers {
                let mut outs = Vec::new();
                metrics::counter!(m::RECORDS_CONSUMED, "topic" => item.topic.clone()).increment(1);
                match self.nodes[index].process(&record, now, &mut outs) {
                    Ok(()) => {
                        self.budget.record(false)?;
                        propagate_trace(&item.headers, &mut outs);
                        queue.extend(outs);
                    }
                    Err(rejection) => {
                        metrics::counter!(m::DEAD_LETTERS, "error_kind" => rejection.kind)
                            .increment(1);
                        tracing::warn!(topic = %item.topic, offset, error_kind = rejection.kind, "record dead-lettered");
                        sent.dead_letters += 1;
                        let letter = dead_letter(
                            &self.dead_letters,
                            self.nodes[index].name(),
                            &record,
                            &rejection,
                        );
                        self.budget.record(true)?;
                        queue.push_back(letter);
                    }
                }
            }
        }
        Ok(())
    }

    fn next_offset(&mut self, topic: &str) -> i64 {
        let committed = self.offsets.get(topic).copied().unwrap_or(0);
        let next = self
            .staged_offsets
            .entry(topic.to_owned())
            .or_insert(committed);
        let offset = *next;
        *next += 1;
        offset
    }

    /// The earliest armed deadline across processors.
    pub fn next_due(&self) -> Option<Millis> {
        self.nodes.iter().filter_map(|n| n.next_due()).min()
    }

    /// Makes everything staged since the last commit durable, in one
    /// transaction. Returns the outbox sequence numbers assigned.
    pub fn commit(&mut self) -> Result<Vec<(u64, Output)>, EmbeddedError> {
        let started = std::time::Instant::now();
        let txn = self.db.begin_write().map_err(db_err)?;
        let mut committed = Vec::with_capacity(self.staged_outbox.len());
        {
            let mut state = txn.open_table(STATE).map_err(db_err)?;
            for node in &self.nodes {
                for (key, value) in node.changelog() {
                    let k = state_key(node.name(), &key);
                    match value {
                        Some(v) => {
                            state.insert(k.as_slice(), v.as_slice()).map_err(db_err)?;
                        }
                        None => {
                            state.remove(k.as_slice()).map_err(db_err)?;
                        }
                    }
                }
            }
            let mut outbox = txn.open_table(OUTBOX).map_err(db_err)?;
            let mut seq = self.outbox_seq;
            for out in self.staged_outbox.drain(..) {
                seq += 1;
                outbox
                    .insert(seq, encode_output(&out).as_slice())
                    .map_err(db_err)?;
                committed.push((seq, out));
            }
            let mut meta = txn.open_table(META).map_err(db_err)?;
            meta.insert("outbox_seq", seq.to_le_bytes().as_slice())
                .map_err(db_err)?;
            for (topic, next) in &self.staged_offsets {
                meta.insert(
                    format!("offset/{topic}").as_str(),
                    next.to_le_bytes().as_slice(),
                )
                .map_err(db_err)?;
            }
            for (source, position) in &self.staged_positions {
                meta.insert(format!("source/{source}").as_str(), position.as_slice())
                    .map_err(db_err)?;
            }
            self.outbox_seq = seq;
        }
        txn.commit().map_err(db_err)?;
        for node in &mut self.nodes {
            node.commit();
        }
        self.offsets.extend(self.staged_offsets.drain());
        self.positions.extend(self.staged_positions.drain());
        metrics::counter!(m::TRANSACTIONS, "outcome" => "committed").increment(1);
        metrics::histogram!(m::COMMIT_SECONDS).record(started.elapsed().as_secs_f64());
        let (keys, timers) = self.nodes.iter().fold((0, 0), |(k, t), n| {
            let (a, b) = n.sizes();
            (k + a, t + b)
        });
        metrics::gauge!(m::STATE_KEYS).set(keys as f64);
        metrics::gauge!(m::TIMERS_PENDING).set(timers as f64);
        Ok(committed)
    }

    /// Drops everything staged since the last commit.
    pub fn abort(&mut self) {
        for node in &mut self.nodes {
            node.abort();
        }
        self.staged_outbox.clear();
        self.staged_offsets.clear();
        self.staged_positions.clear();
        metrics::counter!(m::TRANSACTIONS, "outcome" => "aborted").increment(1);
    }

    /// Committed outputs with a sequence number above `after`, oldest first,
    /// at most `limit`: what a sink has not acknowledged yet.
    pub fn outbox_after(
        &self,
        after: u64,
        limit: usize,
    ) -> Result<Vec<(u64, Output)>, EmbeddedError> {
        let txn = self.db.begin_read().map_err(db_err)?;
        let table = txn.open_table(OUTBOX).map_err(db_err)?;
        let mut out = Vec::new();
        for entry in table.range((after + 1)..).map_err(db_err)? {
            let (k, v) = entry.map_err(db_err)?;
            if let Some(o) = decode_output(v.value()) {
                out.push((k.value(), o));
            }
            if out.len() >= limit {
                break;
            }
        }
        Ok(out)
    }

    /// A sink has durably handled everything up to `seq`: forget it.
    pub fn ack(&mut self, seq: u64) -> Result<(), EmbeddedError> {
        let txn = self.db.begin_write().map_err(db_err)?;
        {
            let mut table = txn.open_table(OUTBOX).map_err(db_err)?;
            table.retain_in(..=seq, |_, _| false).map_err(db_err)?;
        }
        txn.commit().map_err(db_err)?;
        Ok(())
    }

    /// Read access to a processor's committed and staged state, by name.
    pub fn state_of<P: Processor>(&self, name: &str, key: &[u8]) -> Option<&P::State> {
        self.nodes
            .iter()
            .find(|n| n.name() == name)
            .and_then(|n| n.as_any().downcast_ref::<ProcNode<P>>())
            .and_then(|n| n.task.state(key))
    }
}
