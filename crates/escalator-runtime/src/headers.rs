//! Header names the runtime reads and writes, and W3C trace context.

use rand::Rng;

use crate::processor::Header;

pub const TRACEPARENT: &str = "traceparent";
pub const CONTENT_TYPE: &str = "content-type";
pub const SCHEMA: &str = "escalator-schema";
/// Set on a record a service passes on unchanged (the evaluator forwards
/// specialist lifecycle events to the router in ticket order); names the
/// topic it came from.
pub const FORWARDED_FROM: &str = "escalator-forwarded-from";

/// Whether the record's `content-type` header is `content_type`.
pub fn has_content_type(headers: &[Header], content_type: &str) -> bool {
    crate::processor::header(headers, CONTENT_TYPE).is_some_and(|v| v == content_type.as_bytes())
}

pub const DLQ_TOPIC: &str = "escalator-dlq-topic";
pub const DLQ_PARTITION: &str = "escalator-dlq-partition";
pub const DLQ_OFFSET: &str = "escalator-dlq-offset";
pub const DLQ_ERROR_KIND: &str = "escalator-dlq-error-kind";
pub const DLQ_ERROR_MESSAGE: &str = "escalator-dlq-error-message";
pub const DLQ_SERVICE: &str = "escalator-dlq-service";
pub const DLQ_PAYLOAD: &str = "escalator-dlq-payload";

/// A parsed W3C `traceparent` (version 00).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceParent {
    pub trace_id: [u8; 16],
    pub span_id: [u8; 8],
    pub sampled: bool,
}

impl TraceParent {
    pub fn parse(value: &[u8]) -> Option<TraceParent> {
        let s = std::str::from_utf8(value).ok()?.trim();
        let mut parts = s.split('-');
        let version = parts.next()?;
        let trace = parts.next()?;
        let span = parts.next()?;
        let flags = parts.next()?;
        if version.len() != 2
            || version == "ff"
            || trace.len() != 32
            || span.len() != 16
            || flags.len() != 2
        {
            return None;
        }
        let mut trace_id = [0u8; 16];
        let mut span_id = [0u8; 8];
        hex::decode_to_slice(trace, &mut trace_id).ok()?;
        hex::decode_to_slice(span, &mut span_id).ok()?;
        if trace_id == [0; 16] || span_id == [0; 8] {
            return None;
        }
        let flags = u8::from_str_radix(flags, 16).ok()?;
        Some(TraceParent {
            trace_id,
            span_id,
            sampled: flags & 1 == 1,
        })
    }

    /// A new root trace.
    pub fn new_root() -> TraceParent {
        let mut rng = rand::rng();
        let mut trace_id = [0u8; 16];
        rng.fill(&mut trace_id);
        trace_id[0] |= 1;
        TraceParent {
            trace_id,
            span_id: new_span_id(),
            sampled: true,
        }
    }

    /// The same trace with a new span: what outputs of this hop carry.
    pub fn child(&self) -> TraceParent {
        TraceParent {
            span_id: new_span_id(),
            ..*self
        }
    }

    pub fn encode(&self) -> String {
        format!(
            "00-{}-{}-{:02x}",
            hex::encode(self.trace_id),
            hex::encode(self.span_id),
            u8::from(self.sampled)
        )
    }

    pub fn header(&self) -> Header {
        Header::new(TRACEPARENT, self.encode())
    }
}

fn new_span_id() -> [u8; 8] {
    let mut id = [0u8; 8];
    rand::rng().fill(&mut id);
    id[7] |= 1;
    id
}

/// Gives each output the trace of the input it came from, unless the
/// processor set one itself.
pub fn propagate_trace(input: &[Header], outputs: &mut [crate::processor::Output]) {
    if outputs.is_empty() {
        return;
    }
    let parent = crate::processor::header(input, TRACEPARENT)
        .and_then(TraceParent::parse)
        .unwrap_or_else(TraceParent::new_root);
    for out in outputs {
        if crate::processor::header(&out.headers, TRACEPARENT).is_none() {
            out.headers.push(parent.child().header());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_continues_a_trace() {
        let tp = TraceParent::parse(b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        let tp = tp.unwrap_or_else(TraceParent::new_root);
        assert_eq!(hex::encode(tp.trace_id), "4bf92f3577b34da6a3ce929d0e0e4736");
        let child = tp.child();
        assert_eq!(child.trace_id, tp.trace_id);
        assert_ne!(child.span_id, tp.span_id);
        assert!(
            child
                .encode()
                .starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-")
        );
        assert!(
            TraceParent::parse(b"00-00000000000000000000000000000000-00f067aa0ba902b7-01")
                .is_none()
        );
        assert!(TraceParent::parse(b"garbage").is_none());
    }
}
