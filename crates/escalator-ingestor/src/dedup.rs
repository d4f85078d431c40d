//! Deduplication by event id. The processor keeps, per event id, a hash of
//! the normalized event (ingest time excluded) and when it was first seen;
//! the entry expires after the window through a durable timer. The same id
//! with the same content is a redelivery and is dropped; with different
//! content it is a conflict and is dead-lettered.

use escalator_proto::v1::TicketEvent;
use escalator_runtime::StateCodec;
use prost::Message;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seen {
    pub hash: u64,
    pub first_seen_ms: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    New,
    Redelivery,
    Conflict,
}

pub fn verdict(previous: Option<&Seen>, hash: u64) -> Verdict {
    match previous {
        None => Verdict::New,
        Some(s) if s.hash == hash => Verdict::Redelivery,
        Some(_) => Verdict::Conflict,
    }
}

/// FNV-1a over what the event says happened: its ticket and its kind (the
/// envelope is a snapshot that may differ between two deliveries of the same
/// event, e.g. Jira's `comment_created` and `issue_commented`). Stable across
/// processes and versions of Rust.
pub fn content_hash(ev: &TicketEvent) -> u64 {
    let copy = TicketEvent {
        ticket_id: ev.ticket_id.clone(),
        kind: ev.kind.clone(),
        ..Default::default()
    };
    let bytes = copy.encode_to_vec();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// State key of an event id (a prefix keeps room for other state).
pub fn key(event_id: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(event_id.len() + 2);
    k.extend_from_slice(b"e:");
    k.extend_from_slice(event_id.as_bytes());
    k
}

pub struct SeenCodec;

impl StateCodec<Seen> for SeenCodec {
    fn encode(&self, s: &Seen) -> Vec<u8> {
        let mut v = Vec::with_capacity(16);
        v.extend_from_slice(&s.hash.to_be_bytes());
        v.extend_from_slice(&s.first_seen_ms.to_be_bytes());
        v
    }

    fn decode(&self, bytes: &[u8]) -> Result<Seen, String> {
        let (h, t) = bytes
            .split_first_chunk::<8>()
            .ok_or_else(|| "dedup entry too short".to_owned())?;
        let t: [u8; 8] = t
            .try_into()
            .map_err(|_| "dedup entry has the wrong length".to_owned())?;
        Ok(Seen {
            hash: u64::from_be_bytes(*h),
            first_seen_ms: i64::from_be_bytes(t),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ingest_time_does_not_change_the_hash() {
        let a = TicketEvent {
            ticket_id: "t".into(),
            event_id: "e".into(),
            ingest_time_ms: 1,
            ..Default::default()
        };
        let mut b = a.clone();
        b.ingest_time_ms = 2;
        b.subject = Some("snapshot differs".into());
        assert_eq!(content_hash(&a), content_hash(&b));
        b.kind = Some(escalator_proto::v1::ticket_event::Kind::Reopened(
            Default::default(),
        ));
        assert_ne!(content_hash(&a), content_hash(&b));
        let seen = Seen {
            hash: content_hash(&a),
            first_seen_ms: 5,
        };
        assert_eq!(verdict(None, 1), Verdict::New);
        assert_eq!(verdict(Some(&seen), content_hash(&a)), Verdict::Redelivery);
        assert_eq!(verdict(Some(&seen), content_hash(&b)), Verdict::Conflict);
        assert_eq!(SeenCodec.decode(&SeenCodec.encode(&seen)), Ok(seen));
    }
}
