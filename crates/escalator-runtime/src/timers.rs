//! Durable deadlines of one partition.
//!
//! Timers are data: each is a (state key, name) -> due time entry that is
//! written to the changelog with the state, so restoring a partition rebuilds
//! the timer index and a deadline that passed while the service was down fires
//! once after restart. Staging follows [`crate::store::Store`]: record layer,
//! batch layer, committed index.

use std::collections::hash_map::Entry;
use std::collections::{BTreeSet, HashMap};

use crate::inline::InlineBytes;
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

/// A [`TimerKey`] as one byte string that sorts like it: the key with each
/// 0x00 written 0x00 0xff, then 0x00 0x00, then the name. Both indexes are
/// keyed by it, inline when short (a ticket id and a name): many deadlines
/// share a due time (a shift start, tickets opened together), and each such
/// tie compared two heap-allocated keys, a cache miss each (nearly two
/// thirds of restore's timer time at 300k tickets); growing the by-key map
/// hashed every key again through two pointers. Inline, there is nothing to
/// allocate, clone or follow.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct DueKey(InlineBytes<46>);

impl DueKey {
    /// 46 bytes inline: a 36-byte id (a UUID) with the name `deadline`, in
    /// an entry the size of the `(Millis, TimerKey)` it replaces.
    fn new(key: &[u8], name: &str) -> Self {
        let zeros = key.iter().filter(|&&b| b == 0).count();
        if zeros == 0 {
            // The usual case: nothing to escape, three copies.
            return DueKey(InlineBytes::concat(&[key, &[0, 0], name.as_bytes()]));
        }
        let escaped = key.iter().flat_map(|&b| {
            // 0x00 0xff sorts after the terminator 0x00 0x00, so a key sorts
            // after its prefixes, as `Vec<u8>` does.
            std::iter::once(b).chain((b == 0).then_some(0xff))
        });
        let bytes = escaped.chain([0, 0]).chain(name.bytes());
        DueKey(InlineBytes::from_iter(
            key.len() + zeros + 2 + name.len(),
            bytes,
        ))
    }

    fn of(key: &TimerKey) -> Self {
        Self::new(&key.key, &key.name)
    }

    fn to_timer_key(&self) -> TimerKey {
        let mut bytes = self.0.as_bytes().iter();
        let mut key = Vec::with_capacity(bytes.len());
        while let Some(&b) = bytes.next() {
            if b != 0 {
                key.push(b);
                continue;
            }
            // 0x00 0xff is an escaped 0x00; 0x00 0x00 ends the key.
            if bytes.next() == Some(&0xff) {
                key.push(0);
            } else {
                break;
            }
        }
        // The name came from a `&str`: lossy never replaces anything.
        let name = String::from_utf8_lossy(bytes.as_slice()).into_owned();
        TimerKey { key, name }
    }
}

/// One index of the current deadlines (committed plus staged), with undo
/// logs for the record and the batch: reading the earliest deadline or the
/// due ones never has to reconcile layers, so it costs O(log n) however many
/// deadlines a batch moved. (An earlier version kept staged changes in side
/// maps and re-checked every indexed entry against them: the replay profile
/// spent a third of its time there.)
///
/// Restore adds deadlines in changelog order, i.e. at random places in the
/// due-time tree: at a million timers each insert missed the cache on most
/// levels (over half of restore's timer time, even with inline keys). Restored deadlines are collected
/// instead and merged into the tree in sorted runs (`BTreeSet::append`, a
/// sequential merge), each run a quarter of the tree or more, so the merges
/// cost a few passes over the tree in all. The last run is merged by
/// [`Timers::index_restored`] or by the first other change or firing.
#[derive(Debug, Default)]
pub struct Timers {
    by_key: HashMap<DueKey, Millis>,
    by_due: BTreeSet<(Millis, DueKey)>,
    /// Restored deadlines not yet in `by_due`; every one is current (its key
    /// has this due time in `by_key`), since anything else that changes a
    /// deadline merges them first.
    restored: Vec<(Millis, DueKey)>,
    /// The earliest of `restored`.
    restored_min: Option<Millis>,
    /// Value at the start of the batch, for keys the batch changed.
    batch_undo: HashMap<TimerKey, Option<Millis>>,
    /// Value at the start of the record, for keys the record changed.
    record_undo: HashMap<TimerKey, Option<Millis>>,
}

/// The smallest run of restored deadlines merged into the tree at once.
const RESTORED_RUN: usize = 1 << 16;

impl Timers {
    pub fn get(&self, key: &TimerKey) -> Option<Millis> {
        self.by_key.get(&DueKey::of(key)).copied()
    }

    pub fn set(&mut self, key: TimerKey, due: Millis) {
        self.change(key, Some(due));
    }

    pub fn cancel(&mut self, key: &TimerKey) {
        let indexed = DueKey::of(key);
        if self.by_key.contains_key(&indexed) {
            self.change_indexed(key.clone(), indexed, None);
        }
    }

    fn change(&mut self, key: TimerKey, due: Option<Millis>) {
        let indexed = DueKey::of(&key);
        self.change_indexed(key, indexed, due);
    }

    fn change_indexed(&mut self, key: TimerKey, indexed: DueKey, due: Option<Millis>) {
        let before = self.by_key.get(&indexed).copied();
        if before == due {
            return;
        }
        self.record_undo.entry(key).or_insert(before);
        self.apply(indexed, due);
    }

    /// Sets or removes one deadline in both indexes, with one hash of the
    /// key.
    fn apply(&mut self, key: DueKey, due: Option<Millis>) {
        self.index_restored();
        let Some(due) = due else {
            if let Some((key, old)) = self.by_key.remove_entry(&key) {
                self.by_due.remove(&(old, key));
            }
            return;
        };
        match self.by_key.entry(key) {
            Entry::Vacant(e) => {
                self.by_due.insert((due, e.key().clone()));
                e.insert(due);
            }
            Entry::Occupied(mut e) => {
                let old = std::mem::replace(e.get_mut(), due);
                if old != due {
                    let mut indexed = (old, e.key().clone());
                    self.by_due.remove(&indexed);
                    indexed.0 = due;
                    self.by_due.insert(indexed);
                }
            }
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
            self.apply(DueKey::of(&k), before);
        }
    }

    /// Timers due at `now`, earliest first, at most `limit`.
    pub fn due(&self, now: Millis, limit: usize) -> Vec<(TimerKey, Millis)> {
        let indexed = self
            .by_due
            .iter()
            .take_while(|(due, _)| *due <= now)
            .take(limit);
        if self.restored.is_empty() {
            return indexed
                .map(|(due, key)| (key.to_timer_key(), *due))
                .collect();
        }
        // Restored deadlines not merged yet (only through `&self` right
        // after a restore): pick the earliest of both.
        let mut due: Vec<&(Millis, DueKey)> = indexed
            .chain(self.restored.iter().filter(|(due, _)| *due <= now))
            .collect();
        due.sort_unstable();
        due.truncate(limit);
        due.into_iter()
            .map(|(due, key)| (key.to_timer_key(), *due))
            .collect()
    }

    /// The earliest deadline, committed or staged.
    pub fn next_due(&self) -> Option<Millis> {
        let indexed = self.by_due.first().map(|(d, _)| *d);
        match (indexed, self.restored_min) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
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
            self.apply(DueKey::of(&k), before);
        }
    }

    /// Loads a committed deadline during restore (None removes it).
    pub fn restore(&mut self, key: TimerKey, due: Option<Millis>) {
        self.restore_indexed(DueKey::of(&key), due);
    }

    /// [`Timers::restore`] from the changelog key's parts, without building
    /// a `TimerKey` (two allocations per timer otherwise).
    pub(crate) fn restore_parts(&mut self, key: &[u8], name: &str, due: Option<Millis>) {
        self.restore_indexed(DueKey::new(key, name), due);
    }

    /// A new deadline joins `restored` (one hash, no tree insert); a moved
    /// or removed one goes through `apply`, which merges `restored` first.
    fn restore_indexed(&mut self, key: DueKey, due: Option<Millis>) {
        let key = match (self.by_key.entry(key), due) {
            (Entry::Vacant(e), Some(due)) => {
                self.restored.push((due, e.key().clone()));
                e.insert(due);
                self.restored_min = Some(self.restored_min.map_or(due, |m| m.min(due)));
                if self.restored.len() >= RESTORED_RUN.max(self.by_due.len() / 4) {
                    self.index_restored();
                }
                return;
            }
            // Nothing to remove.
            (Entry::Vacant(_), None) => return,
            (Entry::Occupied(e), _) => e.key().clone(),
        };
        self.apply(key, due);
    }

    /// Merges the restored deadlines into the due-time tree. Restore ends
    /// with this (or it happens on the first change or firing after it).
    pub fn index_restored(&mut self) {
        if self.restored.is_empty() {
            return;
        }
        // A short run (restore interleaving moves or deletions) goes in one
        // by one, so merging never costs more than inserting did.
        if self.restored.len() < self.by_due.len() / 16 {
            self.by_due.extend(self.restored.drain(..));
        } else {
            // Sorted and built in bulk, then merged in one sequential pass.
            let mut run: BTreeSet<_> = self.restored.drain(..).collect();
            self.by_due.append(&mut run);
        }
        self.restored_min = None;
    }

    /// Deadlines, committed and staged.
    pub fn len(&self) -> usize {
        self.by_key.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }

    /// Committed deadlines (what the changelog holds).
    pub fn committed(&self) -> impl Iterator<Item = (TimerKey, Millis)> + '_ {
        let staged =
            |k: &TimerKey| self.record_undo.contains_key(k) || self.batch_undo.contains_key(k);
        let unchanged = self
            .by_key
            .iter()
            .map(|(k, v)| (k.to_timer_key(), *v))
            .filter(move |(k, _)| !staged(k));
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
            .filter_map(|(k, v)| v.map(|d| (k.clone(), d)));
        unchanged.chain(before)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_keys_sort_like_timer_keys_and_decode_back() {
        let bytes: &[u8] = &[0, 0xff, 1, b'a', 0x80];
        let mut keys = vec![TimerKey::new(b"", ""), TimerKey::new(b"", "deadline")];
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for _ in 0..600 {
            // Short and long (past the inline size), sharing prefixes.
            let len = [next(4), next(60)][next(2)];
            let key: Vec<u8> = (0..len).map(|_| bytes[next(bytes.len())]).collect();
            let name = ["", "deadline", "expire", "é", "\0x", "deadline2"][next(6)];
            keys.push(TimerKey::new(&key, name));
        }
        assert_eq!(
            std::mem::size_of::<(Millis, DueKey)>(),
            std::mem::size_of::<(Millis, TimerKey)>()
        );
        let uuid = TimerKey::new(b"0b7e5f8a-3c1d-4e2f-9a6b-7c8d9e0f1a2b", "deadline");
        assert!(DueKey::of(&uuid).0.is_inline());
        let long = TimerKey::new(&[b'k'; 37], "deadline");
        assert!(!DueKey::of(&long).0.is_inline());
        keys.extend([uuid, long]);
        for a in &keys {
            let da = DueKey::of(a);
            assert_eq!(&da.to_timer_key(), a);
            for b in keys.iter().take(200) {
                assert_eq!(da.cmp(&DueKey::of(b)), a.cmp(b), "{a:?} vs {b:?}");
                assert_eq!(da == DueKey::of(b), a == b);
            }
        }
    }

    /// Restored deadlines read the same before and after they are merged
    /// into the tree, through runs merged during restore, moves and
    /// deletions in between, and against a plain sorted set.
    #[test]
    fn restored_deadlines_read_the_same_merged_or_not() {
        let mut seed = 0x853c_49e6_748f_ea9b_u64;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let mut t = Timers::default();
        let mut model: HashMap<TimerKey, Millis> = HashMap::new();
        let mut restore = |t: &mut Timers, i: u64, due: Option<Millis>| {
            let key = TimerKey::new(format!("t-{i}").as_bytes(), "deadline");
            t.restore(key.clone(), due);
            match due {
                Some(d) => model.insert(key, d),
                None => model.remove(&key),
            };
        };
        // New deadlines, many sharing a due time: runs merge on the way.
        let n = 5 * RESTORED_RUN as u64 / 2;
        for i in 0..n {
            restore(&mut t, i, Some(next(300) as i64));
        }
        assert_eq!(t.by_due.len(), 2 * RESTORED_RUN);
        assert_eq!(t.restored.len(), n as usize - 2 * RESTORED_RUN);
        // Moves and deletions of existing ones between new ones.
        for i in 0..3_000 {
            let due = (next(3) != 0).then(|| 1_000 + next(500) as i64);
            restore(&mut t, next(n), due);
            restore(&mut t, n + i, Some(next(2_000) as i64));
        }
        // And a last run of new ones left unmerged.
        for i in 0..500 {
            restore(&mut t, 2 * n + i, Some(next(2_000) as i64 - 100));
        }
        let mut sorted: Vec<(Millis, TimerKey)> =
            model.iter().map(|(k, d)| (*d, k.clone())).collect();
        sorted.sort();
        let expect = |now: Millis, limit: usize| -> Vec<(TimerKey, Millis)> {
            sorted
                .iter()
                .filter(|(d, _)| *d <= now)
                .take(limit)
                .map(|(d, k)| (k.clone(), *d))
                .collect()
        };
        assert!(!t.restored.is_empty() && !t.by_due.is_empty());
        assert_eq!(t.len(), model.len());
        assert_eq!(t.next_due(), sorted.first().map(|(d, _)| *d));
        let reads = [
            (-1, 10),
            (0, 5),
            (10, 1_000),
            (150, 20_000),
            (i64::MAX, usize::MAX),
        ];
        for (now, limit) in reads {
            assert_eq!(
                t.due(now, limit),
                expect(now, limit),
                "unmerged {now} {limit}"
            );
        }
        t.index_restored();
        assert!(t.restored.is_empty() && t.restored_min.is_none());
        assert_eq!(t.by_due.len(), model.len());
        assert_eq!(t.next_due(), sorted.first().map(|(d, _)| *d));
        for (now, limit) in reads {
            assert_eq!(
                t.due(now, limit),
                expect(now, limit),
                "merged {now} {limit}"
            );
        }
        for (k, d) in model.iter().take(100) {
            assert_eq!(t.get(k), Some(*d));
        }
    }

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
        assert_eq!(t.committed().collect::<Vec<_>>(), vec![(a.clone(), 5)]);
        t.abort_batch();
        assert_eq!(t.next_due(), Some(5));
        assert_eq!(t.due(10, 10), vec![(a.clone(), 5)]);
        assert_eq!(t.len(), 1);
    }
}
