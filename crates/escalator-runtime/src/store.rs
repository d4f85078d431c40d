//! Keyed state of one partition, with two staging layers.
//!
//! Writes go to the *record* layer first. When the processor accepts the
//! record the layer folds into the *batch* layer; when it rejects the record
//! the layer is dropped, so a dead-lettered record leaves no trace. The batch
//! layer becomes the changelog of the transaction and folds into the committed
//! map only once the driver's commit succeeded; an aborted transaction drops
//! it. Readers always see the newest staged value.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use crate::inline::InlineBytes;

/// A committed key: ticket ids and UUIDs (36 bytes) stay inline.
type Key = InlineBytes<38>;

#[derive(Debug)]
pub struct Store<S> {
    /// States boxed: one is hundreds of bytes, and held inline a million of
    /// them made a table of over 1 GB that every growth copied (this map's
    /// inserts took 38% of a 300k-ticket restore).
    committed: HashMap<Key, Box<S>>,
    batch: HashMap<Vec<u8>, Option<S>>,
    record: HashMap<Vec<u8>, Option<S>>,
}

impl<S> Default for Store<S> {
    fn default() -> Self {
        Store {
            committed: HashMap::new(),
            batch: HashMap::new(),
            record: HashMap::new(),
        }
    }
}

impl<S> Store<S> {
    pub fn get(&self, key: &[u8]) -> Option<&S> {
        if let Some(v) = self.record.get(key) {
            return v.as_ref();
        }
        if let Some(v) = self.batch.get(key) {
            return v.as_ref();
        }
        self.committed.get(key).map(|v| &**v)
    }

    pub fn committed_get(&self, key: &[u8]) -> Option<&S> {
        self.committed.get(key).map(|v| &**v)
    }

    pub fn put(&mut self, key: &[u8], value: S) {
        self.record.insert(key.to_vec(), Some(value));
    }

    pub fn delete(&mut self, key: &[u8]) {
        self.record.insert(key.to_vec(), None);
    }

    pub fn accept_record(&mut self) {
        self.batch.extend(self.record.drain());
    }

    pub fn reject_record(&mut self) {
        self.record.clear();
    }

    /// The changes staged in the current batch, one per key.
    pub fn batch_changes(&self) -> impl Iterator<Item = (&[u8], Option<&S>)> {
        self.batch.iter().map(|(k, v)| (k.as_slice(), v.as_ref()))
    }

    pub fn has_batch_changes(&self) -> bool {
        !self.batch.is_empty()
    }

    pub fn commit_batch(&mut self) {
        for (k, v) in self.batch.drain() {
            Self::apply(&mut self.committed, &k, v);
        }
    }

    pub fn abort_batch(&mut self) {
        self.record.clear();
        self.batch.clear();
    }

    /// Loads a committed value during restore.
    pub fn restore(&mut self, key: &[u8], value: Option<S>) {
        Self::apply(&mut self.committed, key, value);
    }

    /// Writes one committed value: one hash per key, and an existing key
    /// keeps its box (no allocation for an update).
    fn apply(committed: &mut HashMap<Key, Box<S>>, key: &[u8], value: Option<S>) {
        match value {
            Some(v) => match committed.entry(Key::new(key)) {
                Entry::Occupied(mut e) => **e.get_mut() = v,
                Entry::Vacant(e) => {
                    e.insert(Box::new(v));
                }
            },
            None => {
                committed.remove(key);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.committed.len()
    }

    pub fn is_empty(&self) -> bool {
        self.committed.is_empty()
    }

    pub fn committed(&self) -> impl Iterator<Item = (&[u8], &S)> {
        self.committed.iter().map(|(k, v)| (k.as_bytes(), &**v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejected_records_leave_no_trace_and_batches_commit_or_abort() {
        let mut s: Store<u32> = Store::default();
        s.put(b"a", 1);
        s.accept_record();
        s.put(b"b", 2);
        assert_eq!(s.get(b"b"), Some(&2));
        s.reject_record();
        assert_eq!(s.get(b"b"), None);
        assert_eq!(s.get(b"a"), Some(&1));
        s.commit_batch();
        assert_eq!(s.len(), 1);

        s.delete(b"a");
        s.accept_record();
        assert_eq!(s.get(b"a"), None);
        s.abort_batch();
        assert_eq!(s.get(b"a"), Some(&1));
    }
}
