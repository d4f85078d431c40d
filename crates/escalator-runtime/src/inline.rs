//! Short byte strings stored inline, for the keys of the big per-partition
//! indexes (state by ticket, deadlines by ticket and by due time).
//!
//! A `Vec<u8>` key is a pointer: growing a map of a million of them hashes
//! every key again through that pointer, a cache miss each (a fifth of a 1M
//! ticket restore), and an ordered index follows two pointers per
//! comparison. Inline, the bytes sit in the table slot or tree node being
//! read anyway, and a key needs no allocation of its own.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

/// Up to `N` bytes inline, longer ones boxed. Compares, hashes and borrows
/// as its bytes (`[u8]`), so a map keyed by it is looked up with `&[u8]`.
#[derive(Clone)]
pub(crate) enum InlineBytes<const N: usize> {
    Inline { len: u8, buf: [u8; N] },
    Heap(Box<[u8]>),
}

impl<const N: usize> InlineBytes<N> {
    pub(crate) fn new(bytes: &[u8]) -> Self {
        Self::concat(&[bytes])
    }

    /// The parts one after the other.
    pub(crate) fn concat(parts: &[&[u8]]) -> Self {
        let len: usize = parts.iter().map(|p| p.len()).sum();
        match u8::try_from(len) {
            Ok(short) if len <= N => {
                let mut buf = [0; N];
                let mut at = 0;
                for p in parts {
                    buf[at..at + p.len()].copy_from_slice(p);
                    at += p.len();
                }
                InlineBytes::Inline { len: short, buf }
            }
            _ => InlineBytes::Heap(parts.concat().into()),
        }
    }

    /// From `len` bytes produced by `bytes` (an encoding written straight
    /// into place, without a buffer in between).
    pub(crate) fn from_iter(len: usize, bytes: impl Iterator<Item = u8>) -> Self {
        match u8::try_from(len) {
            Ok(short) if len <= N => {
                let mut buf = [0; N];
                for (slot, b) in buf.iter_mut().zip(bytes) {
                    *slot = b;
                }
                InlineBytes::Inline { len: short, buf }
            }
            _ => InlineBytes::Heap(bytes.collect()),
        }
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        match self {
            InlineBytes::Inline { len, buf } => &buf[..usize::from(*len)],
            InlineBytes::Heap(b) => b,
        }
    }

    #[cfg(test)]
    pub(crate) fn is_inline(&self) -> bool {
        matches!(self, InlineBytes::Inline { .. })
    }
}

impl<const N: usize> Borrow<[u8]> for InlineBytes<N> {
    fn borrow(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl<const N: usize> Hash for InlineBytes<N> {
    /// As `[u8]` hashes, which `Borrow<[u8]>` requires.
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_bytes().hash(state);
    }
}

impl<const N: usize> PartialEq for InlineBytes<N> {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl<const N: usize> Eq for InlineBytes<N> {}

impl<const N: usize> PartialOrd for InlineBytes<N> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<const N: usize> Ord for InlineBytes<N> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_bytes().cmp(other.as_bytes())
    }
}

impl<const N: usize> fmt::Debug for InlineBytes<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self.as_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::hash::BuildHasher;

    use super::*;

    #[test]
    fn behaves_as_its_bytes_inline_or_boxed() {
        let short = InlineBytes::<6>::new(b"abc");
        assert_eq!(InlineBytes::<6>::concat(&[b"ab", b"", b"c"]), short);
        assert_eq!(
            InlineBytes::<6>::concat(&[b"abcd", b"efg"]),
            InlineBytes::<6>::from_iter(7, b"abcdefg".iter().copied())
        );
        let full = InlineBytes::<6>::new(b"abcdef");
        let long = InlineBytes::<6>::new(b"abcdefg");
        assert!(short.is_inline() && full.is_inline() && !long.is_inline());
        assert_eq!(long.as_bytes(), b"abcdefg");
        assert!(short < full && full < long);
        assert_eq!(InlineBytes::<6>::new(b""), InlineBytes::<6>::new(b""));

        let s = std::hash::RandomState::new();
        for k in [&short, &full, &long] {
            assert_eq!(s.hash_one(k), s.hash_one(k.as_bytes()));
        }
        let map: HashMap<InlineBytes<6>, u8> = [(short, 1), (long, 2)].into_iter().collect();
        assert_eq!(map.get(b"abc".as_slice()), Some(&1));
        assert_eq!(map.get(b"abcdefg".as_slice()), Some(&2));
        assert_eq!(map.get(b"abcdef".as_slice()), None);
    }
}
