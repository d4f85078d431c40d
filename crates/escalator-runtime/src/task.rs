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

    /// Applies one changelog entry during restore.
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
                self.store.restore(rest.to_vec(), state);
                Ok(())
            }
            Some((&TIMER_TAG, rest)) => {
                let tk = decode_timer_key(rest).ok_or(RestoreError::BadTimer)?;
                let due = match value {
                    Some(v) => Some(i64::from_be_bytes(
                        v.try_into().map_err(|_| RestoreError::BadTimer)?,
                    )),
                    None => None,
                };
                self.timers.restore(tk, due);
                Ok(())
            }
            _ => Err(RestoreError::UnknownTag),
        }
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

    pub fn committed_timers(&self) -> impl Iterator<Item = (&TimerKey, Millis)> {
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

fn decode_timer_key(bytes: &[u8]) -> Option<TimerKey> {
    let (len, rest) = bytes.split_first_chunk::<4>()?;
    let len = u32::from_be_bytes(*len) as usize;
    if rest.len() < len {
        return None;
    }
    let (key, name) = rest.split_at(len);
    Some(TimerKey {
        key: key.to_vec(),
        name: String::from_utf8(name.to_vec()).ok()?,
    })
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
