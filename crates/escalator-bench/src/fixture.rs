//! Realistic input for the benchmarks: generated histories (about 0.5-1 KB
//! per event, comments sometimes carrying logs and stack traces), as the
//! JSON lines the ingestor reads and as the protobuf the evaluator reads.

use escalator_ingestor::{Ingestor, IngestorSettings};
use escalator_runtime::Record;
use escalator_standalone::events::Line;
use prost::Message;

/// 2026-10-05T00:00:00Z: fixed, so every run measures the same bytes.
pub const START_MS: i64 = 1_791_158_400_000;

pub fn history(seed: u64, tickets: usize) -> Vec<Line> {
    escalator_standalone::events::lines_from_values(&history_values(seed, tickets))
}

/// The same history as canonical JSON values.
pub fn history_values(seed: u64, tickets: usize) -> Vec<serde_json::Value> {
    escalator_generator::generate(&escalator_generator::Settings::new(seed, tickets, START_MS))
}

/// A normalized event: key (ticket id), protobuf bytes, event time.
pub struct Encoded {
    pub key: Vec<u8>,
    pub value: Vec<u8>,
    pub time_ms: i64,
}

/// The `TicketEvent`s the ingestor makes of `lines`, encoded.
pub fn protobuf(lines: &[Line]) -> Vec<Encoded> {
    let ingestor = Ingestor::from_settings(&IngestorSettings::default());
    let mut out = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        let record = Record {
            topic: "tickets.raw",
            partition: 0,
            offset: i as i64,
            key: None,
            value: &line.bytes,
            headers: &[],
            timestamp_ms: line.time_ms,
        };
        if let Ok((_, events)) = ingestor.normalize(&record, i64::MAX / 4) {
            for ev in events {
                out.push(Encoded {
                    key: ev.ticket_id.clone().into_bytes(),
                    time_ms: ev.event_time_ms,
                    value: ev.encode_to_vec(),
                });
            }
        }
    }
    out
}

/// Mean size in bytes of the JSON events.
pub fn mean_size(lines: &[Line]) -> f64 {
    if lines.is_empty() {
        return 0.0;
    }
    lines.iter().map(|l| l.bytes.len()).sum::<usize>() as f64 / lines.len() as f64
}
