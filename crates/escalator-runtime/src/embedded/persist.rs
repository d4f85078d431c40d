//! What the embedded driver keeps on disk, in one redb database:
//! - `state`: node name, 0x00, changelog key -> changelog value;
//! - `meta`: topic offsets, source positions, the outbox sequence;
//! - `outbox`: outputs no node consumes (routed escalations, dead letters),
//!   by sequence number, until a sink acknowledges them.

use redb::TableDefinition;

use crate::processor::{Header, Output};

pub(crate) const STATE: TableDefinition<'_, &[u8], &[u8]> = TableDefinition::new("state");
pub(crate) const META: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("meta");
pub(crate) const OUTBOX: TableDefinition<'_, u64, &[u8]> = TableDefinition::new("outbox");

pub(crate) fn state_key(node: &str, key: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(node.len() + 1 + key.len());
    k.extend_from_slice(node.as_bytes());
    k.push(0);
    k.extend_from_slice(key);
    k
}

fn put_bytes(buf: &mut Vec<u8>, b: &[u8]) {
    buf.extend_from_slice(&(b.len() as u32).to_le_bytes());
    buf.extend_from_slice(b);
}

pub(crate) fn encode_output(o: &Output) -> Vec<u8> {
    let mut buf = Vec::with_capacity(o.value.len() + o.topic.len() + 64);
    put_bytes(&mut buf, o.topic.as_bytes());
    match &o.key {
        Some(k) => {
            buf.push(1);
            put_bytes(&mut buf, k);
        }
        None => buf.push(0),
    }
    put_bytes(&mut buf, &o.value);
    buf.extend_from_slice(&(o.headers.len() as u32).to_le_bytes());
    for h in &o.headers {
        put_bytes(&mut buf, h.name.as_bytes());
        put_bytes(&mut buf, &h.value);
    }
    buf
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn u32(&mut self) -> Option<u32> {
        let (n, rest) = self.0.split_first_chunk::<4>()?;
        self.0 = rest;
        Some(u32::from_le_bytes(*n))
    }

    fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = self.u32()? as usize;
        if self.0.len() < n {
            return None;
        }
        let (b, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(b)
    }

    fn byte(&mut self) -> Option<u8> {
        let (b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(*b)
    }
}

pub(crate) fn decode_output(bytes: &[u8]) -> Option<Output> {
    let mut r = Reader(bytes);
    let topic = String::from_utf8(r.bytes()?.to_vec()).ok()?;
    let key = match r.byte()? {
        1 => Some(r.bytes()?.to_vec()),
        _ => None,
    };
    let value = r.bytes()?.to_vec();
    let n = r.u32()?;
    let mut headers = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let name = String::from_utf8(r.bytes()?.to_vec()).ok()?;
        headers.push(Header::new(name, r.bytes()?.to_vec()));
    }
    Some(Output {
        topic,
        key,
        value,
        headers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_round_trip() {
        let o = Output::new("escalations.routed.database", "T-1", vec![0, 1, 2])
            .with_header("traceparent", "x");
        assert_eq!(decode_output(&encode_output(&o)), Some(o));
        let none = Output {
            topic: "t".into(),
            key: None,
            value: vec![],
            headers: vec![],
        };
        assert_eq!(decode_output(&encode_output(&none)), Some(none));
        assert_eq!(decode_output(&[1, 2]), None);
    }
}
