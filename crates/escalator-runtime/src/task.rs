//! One partition's worth of processing: a processor's keyed state and timers,
//! the staging protocol around each record and batch, and the changelog
//! encoding both drivers persist.

use crate::processor::{Ctx, Millis, Output, Processor, Record, Rejection, Timer};
use crate::store::Store;
use crate::timers::{TimerKey, Timers};

/// Changelog keys start with a tag so state and timers share one log.
const STATE_TAG: u8 = b's';
const TIMER_TAG: u8 = b't';

/// One changelog entry: `None` is a tombstone.
pub type ChangelogEntry = (Vec<u8>, Option<Vec<u8>>);

#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    #[error("changelog key has an unknown tag")]
    UnknownTag,
    #[error("changelog timer entry is malformed")]
    BadTimer,
    #[error("changelog state could not be decoded: {0}")]
    Decode(String),
}

/// A timer that fired and what came of it.
#[derive(Debug)]
pub struct Fired {
    pub timer: Timer,
    /// Lateness: how long after its due time the timer fired.
    pub late_ms: Millis,
    pub result: Result<(), Rejection>,
}

#[derive(Debug)]
pub struct Task<S> {
    store: Store<S>,
    timers: Timers,
}

impl<S> Default for Task<S> {
    fn default() -> Self {
        Task {
            store: Store::default(),
            timers: Timers::default(),
        }
    }
}

impl<S: Send + 'static> Task<S> {
    /// Runs the processor on one record. On rejection the record's state and
    /// timer changes are undone and its outputs are not appended.
    pub fn process<P: Processor<State = S>>(
        &mut self,
        processor: &P,
        record: &Record<'_>,
        now: Millis,
        outputs: &mut Vec<Output>,
    ) -> Result<(), Rejection> {
        let mut staged = Vec::new();
        let result = {
            let mut ctx = Ctx {
                store: &mut self.store,
                timers: &mut self.timers,
                outputs: &mut staged,
                now,
            };
            processor.process(&mut ctx, record)
        };
        self.settle(&result);
        if result.is_ok() {
            outputs.append(&mut staged);
        }
        result
    }

    /// Fires up to `limit` timers due at `now`, earliest first.
    pub fn fire_due<P: Processor<State = S>>(
        &mut self,
        processor: &P,
        now: Millis,
        limit: usize,
        outputs: &mut Vec<Output>,
    ) -> Vec<Fired> {
        self.timers.index_restored();
        let due = self.timers.due(now, limit);
        let mut fired = Vec::with_capacity(due.len());
        for (key, due_ms) in due {
            let timer = Timer {
                key: key.key.clone(),
                name: key.name.clone(),
                due_ms,
            };
            let mut staged = Vec::new();
            let result = {
                self.timers.cancel(&key);
                let mut ctx = Ctx {
                    store: &mut self.store,
                    timers: &mut self.timers,
                    outputs: &mut staged,
                    now,
                };
                processor.on_timer(&mut ctx, &timer)
            };
            if result.is_ok() {
                self.settle(&result);
                outputs.append(&mut staged);
            } else {
                // A failing timer must not fire forever: drop its changes but
                // still remove it.
                self.settle(&result);
                self.timers.cancel(&key);
                self.timers.accept_record();
            }
            fired.push(Fired {
                timer,
                late_ms: now.saturating_sub(due_ms),
                result,
            });
        }
        fired
    }

    fn settle(&mut self, result: &Result<(), Rejection>) {
        if result.is_ok() {
            self.store.accept_record();
            self.timers.accept_record();
        } else {
            self.store.reject_record();
            self.timers.reject_record();
        }
    }

    pub fn has_changes(&self) -> bool {
        self.store.has_batch_changes() || self.timers.has_batch_changes()
    }

    /// The batch's changes, encoded for the changelog (one entry per key).
    pub fn changelog<P: Processor<State = S>>(&self, processor: &P) -> Vec<ChangelogEntry> {
        let codec = processor.codec();
        let mut out = Vec::new();
        for (key, value) in self.store.batch_changes() {
            out.push((state_key(key), value.map(|v| codec.encode(v))));
        }
        for (key, due) in self.timers.batch_changes() {
            out.push((timer_key(key), due.map(|d| d.to_be_bytes().to_vec())));
        }
        out
    }

    pub fn commit(&mut self) {
        self.store.commit_batch();
        self.timers.commit_batch();
    }

    pub fn abort(&mut self) {
        self.store.abort_batch();
        self.timers.abort_batch();
    }

    /// Applies one changelog entry during restore. The due-time index of
    /// the last restored timers is built by [`Task::finish_restore`] or the
    /// first record or firing after the restore.
    pub fn restore<P: Processor<State = S>>(
        &mut self,
        processor: &P,
        key: &[u8],
        value: Option<&[u8]>,
    ) -> Result<(), RestoreError> {
        match key.split_first() {
            Some((&STATE_TAG, rest)) => {
                let state = match value {
                    Some(v) => Some(processor.codec().decode(v).map_err(RestoreError::Decode)?),
                    None => None,
                };
                self.store.restore(rest, state);
                Ok(())
            }
            Some((&TIMER_TAG, rest)) => {
                let (key, name) = split_timer_key(rest).ok_or(RestoreError::BadTimer)?;
                let due = match value {
                    Some(v) => Some(i64::from_be_bytes(
                        v.try_into().map_err(|_| RestoreError::BadTimer)?,
                    )),
                    None => None,
                };
                self.timers.restore_parts(key, name, due);
                Ok(())
            }
            _ => Err(RestoreError::UnknownTag),
        }
    }

    /// Completes a restore: builds what [`Task::restore`] deferred (the
    /// due-time index of the last restored timers). Optional: the first
    /// record or firing does it otherwise.
    pub fn finish_restore(&mut self) {
        self.timers.index_restored();
    }

    pub fn next_due(&self) -> Option<Millis> {
        self.timers.next_due()
    }

    pub fn state_len(&self) -> usize {
        self.store.len()
    }

    pub fn timers_len(&self) -> usize {
        self.timers.len()
    }

    /// Read access to committed state (for "why not yet" style queries).
    pub fn state(&self, key: &[u8]) -> Option<&S> {
        self.store.get(key)
    }

    /// Committed state only (what a query may see between batches).
    pub fn committed(&self, key: &[u8]) -> Option<&S> {
        self.store.committed_get(key)
    }

    pub fn committed_state(&self) -> impl Iterator<Item = (&[u8], &S)> {
        self.store.committed()
    }

    pub fn committed_timers(&self) -> impl Iterator<Item = (TimerKey, Millis)> + '_ {
        self.timers.committed()
    }
}

fn state_key(key: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(key.len() + 1);
    k.push(STATE_TAG);
    k.extend_from_slice(key);
    k
}

fn timer_key(tk: &TimerKey) -> Vec<u8> {
    let mut k = Vec::with_capacity(tk.key.len() + tk.name.len() + 5);
    k.push(TIMER_TAG);
    k.extend_from_slice(&(tk.key.len() as u32).to_be_bytes());
    k.extend_from_slice(&tk.key);
    k.extend_from_slice(tk.name.as_bytes());
    k
}

/// A changelog timer key's (state key, name), borrowed from the entry.
fn split_timer_key(bytes: &[u8]) -> Option<(&[u8], &str)> {
    let (len, rest) = bytes.split_first_chunk::<4>()?;
    let len = u32::from_be_bytes(*len) as usize;
    if rest.len() < len {
        return None;
    }
    let (key, name) = rest.split_at(len);
    Some((key, std::str::from_utf8(name).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::processor::StateCodec;

    struct Count;
    struct U64Codec;
    impl StateCodec<u64> for U64Codec {
        fn encode(&self, s: &u64) -> Vec<u8> {
            s.to_be_bytes().to_vec()
        }
        fn decode(&self, b: &[u8]) -> Result<u64, String> {
            Ok(u64::from_be_bytes(b.try_into().map_err(|_| "len")?))
        }
    }
    impl Processor for Count {
        type State = u64;
        fn name(&self) -> &str {
            "count"
        }
        fn codec(&self) -> &dyn StateCodec<u64> {
            &U64Codec
        }
        fn process(&self, ctx: &mut Ctx<'_, u64>, r: &Record<'_>) -> Result<(), Rejection> {
            let key = r.key.unwrap_or_default();
            let n = ctx.get(key).copied().unwrap_or(0) + 1;
            ctx.put(key, n);
            if r.value == b"bad" {
                return Err(Rejection::new("bad", "bad record"));
            }
            ctx.set_timer(key, "t", ctx.now() + 10);
            ctx.emit(Output::new("out", key, n.to_string()));
            Ok(())
        }
        fn on_timer(&self, ctx: &mut Ctx<'_, u64>, t: &Timer) -> Result<(), Rejection> {
            ctx.emit(Output::new("out", t.key.clone(), "fired"));
            Ok(())
        }
    }

    fn rec<'a>(key: &'a [u8], value: &'a [u8]) -> Record<'a> {
        Record {
            topic: "in",
            partition: 0,
            offset: 0,
            key: Some(key),
            value,
            headers: &[],
            timestamp_ms: None,
        }
    }

    /// Runs the commands in a record's value (`put N`, `del`, `set NAME DUE`,
    /// `cancel NAME`, `fail`) against the record's key.
    struct Script;
    impl Processor for Script {
        type State = u64;
        fn name(&self) -> &str {
            "script"
        }
        fn codec(&self) -> &dyn StateCodec<u64> {
            &U64Codec
        }
        fn process(&self, ctx: &mut Ctx<'_, u64>, r: &Record<'_>) -> Result<(), Rejection> {
            let key = r.key.unwrap_or_default();
            let text = String::from_utf8_lossy(r.value).into_owned();
            for cmd in text.split(';') {
                let words: Vec<&str> = cmd.split_whitespace().collect();
                match words.as_slice() {
                    ["put", n] => ctx.put(key, n.parse().unwrap_or(0)),
                    ["del"] => ctx.delete(key),
                    ["set", name, due] => ctx.set_timer(key, name, due.parse().unwrap_or(0)),
                    ["cancel", name] => ctx.cancel_timer(key, name),
                    _ => return Err(Rejection::new("fail", "scripted failure")),
                }
            }
            Ok(())
        }
    }

    type Committed<S> = (Vec<(Vec<u8>, S)>, Vec<(TimerKey, Millis)>);

    /// A task's committed state and timers, sorted.
    fn committed<S: Clone + Send + 'static>(t: &Task<S>) -> Committed<S> {
        let mut state: Vec<_> = t
            .committed_state()
            .map(|(k, v)| (k.to_vec(), v.clone()))
            .collect();
        state.sort_by(|a, b| a.0.cmp(&b.0));
        let mut timers: Vec<_> = t.committed_timers().collect();
        timers.sort();
        (state, timers)
    }

    /// The changelog of many batches (updates, deletes, moved and cancelled
    /// deadlines, rejected records, an aborted batch), restored into a new
    /// task, gives the same state and timers, and the timers fire in the
    /// same order.
    #[test]
    fn restore_of_a_task_changelog_rebuilds_the_same_state_and_timers() {
        let p = Script;
        let mut t: Task<u64> = Task::default();
        let mut log = Vec::new();
        let mut out = Vec::new();
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        for batch in 0..40 {
            for _ in 0..50 {
                let key = format!("ticket-{}", next(300));
                let script = match next(8) {
                    0 => "del; cancel deadline; cancel expire".to_owned(),
                    1 => format!("put {}; set expire {}", next(1000), 5_000 + next(50)),
                    2 => "cancel deadline".to_owned(),
                    3 => format!("put {}; set deadline {}; fail", next(1000), next(100)),
                    // Many equal due times: ties are ordered by key.
                    _ => format!("put {}; set deadline {}", next(1000), 1_000 + next(40)),
                };
                let _ = t.process(&p, &rec(key.as_bytes(), script.as_bytes()), 0, &mut out);
            }
            if batch == 17 {
                t.abort();
                continue;
            }
            log.extend(t.changelog(&p));
            t.commit();
        }
        assert!(t.state_len() > 100 && t.timers_len() > 100);
        assert!(log.iter().any(|(_, v)| v.is_none()), "tombstones too");

        let mut restored: Task<u64> = Task::default();
        for (k, v) in &log {
            restored.restore(&p, k, v.as_deref()).ok();
        }
        assert_eq!(committed(&restored), committed(&t));
        assert_eq!(
            (restored.state_len(), restored.timers_len()),
            (t.state_len(), t.timers_len())
        );
        assert_eq!(restored.next_due(), t.next_due());
        let fire = |task: &mut Task<u64>| {
            let fired = task.fire_due(&p, i64::MAX, usize::MAX, &mut Vec::new());
            fired
                .into_iter()
                .map(|f| (f.timer.key, f.timer.name, f.timer.due_ms))
                .collect::<Vec<_>>()
        };
        assert_eq!(fire(&mut restored), fire(&mut t));

        // Only the latest value of each key, in key order (state before
        // timers, as the embedded driver's table holds them): same task.
        let latest: std::collections::BTreeMap<&[u8], Option<&[u8]>> = log
            .iter()
            .map(|(k, v)| (k.as_slice(), v.as_deref()))
            .collect();
        let mut compacted: Task<u64> = Task::default();
        for (k, v) in latest.iter().filter(|(_, v)| v.is_some()) {
            compacted.restore(&p, k, *v).ok();
        }
        let mut reference: Task<u64> = Task::default();
        for (k, v) in &log {
            reference.restore(&p, k, v.as_deref()).ok();
        }
        assert_eq!(committed(&compacted), committed(&reference));
        assert_eq!(compacted.next_due(), reference.next_due());
        assert_eq!(fire(&mut compacted), fire(&mut reference));
    }

    #[test]
    fn restore_rejects_malformed_entries() {
        let p = Count;
        let mut t: Task<u64> = Task::default();
        assert!(matches!(
            t.restore(&p, b"xk", None),
            Err(RestoreError::UnknownTag)
        ));
        assert!(matches!(
            t.restore(&p, b"", None),
            Err(RestoreError::UnknownTag)
        ));
        assert!(matches!(
            t.restore(&p, b"t\0\0", None),
            Err(RestoreError::BadTimer)
        ));
        assert!(matches!(
            t.restore(&p, b"t\0\0\0\x05ab", Some(&[0; 8])),
            Err(RestoreError::BadTimer)
        ));
        assert!(matches!(
            t.restore(&p, &timer_key(&TimerKey::new(b"k", "n")), Some(&[0; 7])),
            Err(RestoreError::BadTimer)
        ));
        assert!(matches!(
            t.restore(&p, b"sk", Some(&[1, 2])),
            Err(RestoreError::Decode(_))
        ));
        assert_eq!((t.state_len(), t.timers_len()), (0, 0));
    }

    #[test]
    fn changelog_round_trips_state_and_timers() {
        let p = Count;
        let mut t: Task<u64> = Task::default();
        let mut out = Vec::new();
        t.process(&p, &rec(b"k", b"v"), 100, &mut out).ok();
        assert!(t.process(&p, &rec(b"k", b"bad"), 100, &mut out).is_err());
        assert_eq!(out.len(), 1);
        let log = t.changelog(&p);
        t.commit();

        let mut restored: Task<u64> = Task::default();
        for (k, v) in &log {
            restored.restore(&p, k, v.as_deref()).ok();
        }
        assert_eq!(restored.state(b"k"), Some(&1));
        assert_eq!(restored.next_due(), Some(110));
        let mut out = Vec::new();
        let fired = restored.fire_due(&p, 115, 10, &mut out);
        assert_eq!(fired.len(), 1);
        assert_eq!(fired[0].late_ms, 5);
        assert_eq!(out[0].value, b"fired");
        assert_eq!(restored.fire_due(&p, 200, 10, &mut Vec::new()).len(), 0);
    }
}
