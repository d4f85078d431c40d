//! Durable deadlines of one partition.
//!
//! Timers are data: each is a (state key, name) -> due time entry that is
//! written to the changelog with the state, so restoring a partition rebuilds
//! the timer index and a deadline that passed while the service was down fires
//! once after restart. Staging follows [`crate::store::Store`]: record layer,
//! batch layer, committed index.

use std::collections::{BTreeSet, HashMap};

use crate::processor::Millis;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TimerKey {
    pub key: Vec<u8>,
    pub name: String,
}

impl TimerKey {
    pub fn new(key: &[u8], name: &str) -> Self {
        TimerKey {
            key: key.to_vec(),
            name: name.to_owned(),
        }
    }
}

#[derive(Debug, Default)]
pub struct Timers {
    by_key: HashMap<TimerKey, Millis>,
    by_due: BTreeSet<(Millis, TimerKey)>,
    batch: HashMap<TimerKey, Option<Millis>>,
    record: HashMap<TimerKey, Option<Millis>>,
}

impl Timers {
    pub fn get(&self, key: &TimerKey) -> Option<Millis> {
        if let Some(v) = self.record.get(key) {
            return *v;
        }
        if let Some(v) = self.batch.get(key) {
            return *v;
        }
        self.by_key.get(key).copied()
    }

    pub fn set(&mut self, key: TimerKey, due: Millis) {
        self.record.insert(key, Some(due));
    }

    pub fn cancel(&mut self, key: &TimerKey) {
        self.record.insert(key.clone(), None);
    }

    pub fn accept_record(&mut self) {
        self.batch.extend(self.record.drain());
    }

    pub fn reject_record(&mut self) {
        self.record.clear();
    }

    /// Timers due at `now`, earliest first, at most `limit`.
    pub fn due(&self, now: Millis, limit: usize) -> Vec<(TimerKey, Millis)> {
        let mut out: Vec<(TimerKey, Millis)> = Vec::new();
        for (due, key) in self.by_due.iter() {
            if *due > now || out.len() >= limit {
                break;
            }
            if self.get(key) == Some(*due) {
                out.push((key.clone(), *due));
            }
        }
        // Timers staged in this batch (armed by an earlier firing) may be due too.
        for layer in [&self.batch, &self.record] {
            for (key, due) in layer.iter() {
                if let Some(due) = due {
                    if *due <= now
                        && self.get(key) == Some(*due)
                        && !out.iter().any(|(k, _)| k == key)
                    {
                        out.push((key.clone(), *due));
                    }
                }
            }
        }
        out.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
        out.truncate(limit);
        out
    }

    /// The earliest committed or staged deadline.
    pub fn next_due(&self) -> Option<Millis> {
        let committed = self
            .by_due
            .iter()
            .find(|(due, key)| self.get(key) == Some(*due))
            .map(|(d, _)| *d);
        let staged = self
            .batch
            .values()
            .chain(self.record.values())
            .filter_map(|v| *v)
            .min();
        match (committed, staged) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    pub fn batch_changes(&self) -> impl Iterator<Item = (&TimerKey, Option<Millis>)> {
        self.batch.iter().map(|(k, v)| (k, *v))
    }

    pub fn has_batch_changes(&self) -> bool {
        !self.batch.is_empty()
    }

    pub fn commit_batch(&mut self) {
        let staged: Vec<_> = self.batch.drain().collect();
        for (k, v) in staged {
            self.restore(k, v);
        }
    }

    pub fn abort_batch(&mut self) {
        self.record.clear();
        self.batch.clear();
    }

    /// Loads a committed deadline during restore (None removes it).
    pub fn restore(&mut self, key: TimerKey, due: Option<Millis>) {
        if let Some(old) = self.by_key.remove(&key) {
            self.by_due.remove(&(old, key.clone()));
        }
        if let Some(due) = due {
            self.by_due.insert((due, key.clone()));
            self.by_key.insert(key, due);
        }
    }

    /// Committed deadlines.
    pub fn len(&self) -> usize {
        self.by_key.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }

    pub fn committed(&self) -> impl Iterator<Item = (&TimerKey, Millis)> {
        self.by_key.iter().map(|(k, v)| (k, *v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_timers_in_order_and_staging() {
        let mut t = Timers::default();
        t.set(TimerKey::new(b"a", "x"), 30);
        t.set(TimerKey::new(b"b", "x"), 10);
        t.accept_record();
        t.commit_batch();
        assert_eq!(t.next_due(), Some(10));
        let due = t.due(20, 10);
        assert_eq!(due, vec![(TimerKey::new(b"b", "x"), 10)]);

        // Moving a timer in a batch hides the committed due time.
        t.set(TimerKey::new(b"b", "x"), 50);
        t.accept_record();
        assert!(t.due(20, 10).is_empty());
        t.abort_batch();
        assert_eq!(t.due(20, 10).len(), 1);

        t.cancel(&TimerKey::new(b"b", "x"));
        t.reject_record();
        assert_eq!(t.get(&TimerKey::new(b"b", "x")), Some(10));
        t.cancel(&TimerKey::new(b"b", "x"));
        t.accept_record();
        t.commit_batch();
        assert_eq!(t.len(), 1);
        assert_eq!(t.due(100, 10), vec![(TimerKey::new(b"a", "x"), 30)]);
    }
}
