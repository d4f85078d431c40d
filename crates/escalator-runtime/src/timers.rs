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

/// One index of the current deadlines (committed plus staged), with undo
/// logs for the record and the batch: reading the earliest deadline or the
/// due ones never has to reconcile layers, so it costs O(log n) however many
/// deadlines a batch moved. (An earlier version kept staged changes in side
/// maps and re-checked every indexed entry against them: the replay profile
/// spent a third of its time there.)
#[derive(Debug, Default)]
pub struct Timers {
    by_key: HashMap<TimerKey, Millis>,
    by_due: BTreeSet<(Millis, TimerKey)>,
    /// Value at the start of the batch, for keys the batch changed.
    batch_undo: HashMap<TimerKey, Option<Millis>>,
    /// Value at the start of the record, for keys the record changed.
    record_undo: HashMap<TimerKey, Option<Millis>>,
}

impl Timers {
    pub fn get(&self, key: &TimerKey) -> Option<Millis> {
        self.by_key.get(key).copied()
    }

    pub fn set(&mut self, key: TimerKey, due: Millis) {
        self.change(key, Some(due));
    }

    pub fn cancel(&mut self, key: &TimerKey) {
        if self.by_key.contains_key(key) {
            self.change(key.clone(), None);
        }
    }

    fn change(&mut self, key: TimerKey, due: Option<Millis>) {
        let before = self.get(&key);
        if before == due {
            return;
        }
        self.record_undo.entry(key.clone()).or_insert(before);
        self.apply(key, due);
    }

    fn apply(&mut self, key: TimerKey, due: Option<Millis>) {
        if let Some(old) = self.by_key.remove(&key) {
            self.by_due.remove(&(old, key.clone()));
        }
        if let Some(due) = due {
            self.by_due.insert((due, key.clone()));
            self.by_key.insert(key, due);
        }
    }

    pub fn accept_record(&mut self) {
        for (k, before) in self.record_undo.drain() {
            self.batch_undo.entry(k).or_insert(before);
        }
    }

    pub fn reject_record(&mut self) {
        let undo: Vec<_> = self.record_undo.drain().collect();
        for (k, before) in undo {
            self.apply(k, before);
        }
    }

    /// Timers due at `now`, earliest first, at most `limit`.
    pub fn due(&self, now: Millis, limit: usize) -> Vec<(TimerKey, Millis)> {
        self.by_due
            .iter()
            .take_while(|(due, _)| *due <= now)
            .take(limit)
            .map(|(due, key)| (key.clone(), *due))
            .collect()
    }

    /// The earliest deadline, committed or staged.
    pub fn next_due(&self) -> Option<Millis> {
        self.by_due.first().map(|(d, _)| *d)
    }

    /// Keys the batch changed, with their value now (None: deleted).
    pub fn batch_changes(&self) -> impl Iterator<Item = (&TimerKey, Option<Millis>)> {
        self.batch_undo
            .iter()
            .filter(|(k, before)| self.get(k) != **before)
            .map(|(k, _)| (k, self.get(k)))
    }

    pub fn has_batch_changes(&self) -> bool {
        self.batch_changes().next().is_some()
    }

    pub fn commit_batch(&mut self) {
        self.accept_record();
        self.batch_undo.clear();
    }

    pub fn abort_batch(&mut self) {
        self.reject_record();
        let undo: Vec<_> = self.batch_undo.drain().collect();
        for (k, before) in undo {
            self.apply(k, before);
        }
    }

    /// Loads a committed deadline during restore (None removes it).
    pub fn restore(&mut self, key: TimerKey, due: Option<Millis>) {
        self.apply(key, due);
    }

    /// Deadlines, committed and staged.
    pub fn len(&self) -> usize {
        self.by_key.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }

    /// Committed deadlines (what the changelog holds).
    pub fn committed(&self) -> impl Iterator<Item = (&TimerKey, Millis)> {
        let staged =
            |k: &TimerKey| self.record_undo.contains_key(k) || self.batch_undo.contains_key(k);
        let unchanged = self
            .by_key
            .iter()
            .filter(move |(k, _)| !staged(k))
            .map(|(k, v)| (k, *v));
        let before = self
            .batch_undo
            .iter()
            .map(|(k, v)| (k, *v))
            .chain(
                self.record_undo
                    .iter()
                    .filter(|(k, _)| !self.batch_undo.contains_key(*k))
                    .map(|(k, v)| (k, *v)),
            )
            .filter_map(|(k, v)| v.map(|d| (k, d)));
        unchanged.chain(before)
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

    #[test]
    fn changelog_sees_net_changes_and_abort_restores_the_index() {
        let mut t = Timers::default();
        let a = TimerKey::new(b"a", "x");
        let b = TimerKey::new(b"b", "x");
        t.restore(a.clone(), Some(5));
        // Moved and moved back within a batch: no net change.
        t.set(a.clone(), 7);
        t.accept_record();
        t.set(a.clone(), 5);
        t.accept_record();
        assert!(!t.has_batch_changes());
        t.set(b.clone(), 3);
        t.accept_record();
        t.cancel(&a);
        t.accept_record();
        let mut changes: Vec<_> = t.batch_changes().map(|(k, v)| (k.clone(), v)).collect();
        changes.sort();
        assert_eq!(changes, vec![(a.clone(), None), (b.clone(), Some(3))]);
        assert_eq!(t.next_due(), Some(3));
        assert_eq!(t.committed().collect::<Vec<_>>(), vec![(&a, 5)]);
        t.abort_batch();
        assert_eq!(t.next_due(), Some(5));
        assert_eq!(t.due(10, 10), vec![(a.clone(), 5)]);
        assert_eq!(t.len(), 1);
    }
}
