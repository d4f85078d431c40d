//! Event files: one canonical JSON event per line (what `escalator generate`
//! writes). Each line keeps its end offset, so a reader that stored the
//! offset with its last commit resumes at the next line, and its event time,
//! so replay can move a simulated clock.

use std::io::{BufRead, BufReader, Seek, SeekFrom};
use std::path::Path;

pub struct Line {
    pub bytes: Vec<u8>,
    /// `occurred_at` in epoch milliseconds, when the line has one.
    pub time_ms: Option<i64>,
    /// Byte offset just after this line.
    pub end: u64,
}

/// When an event happened: a canonical event's `occurred_at`, a Zendesk
/// event webhook's `time`, a Jira webhook's `timestamp` (RFC 3339 text or
/// epoch milliseconds).
pub fn event_time(bytes: &[u8]) -> Option<i64> {
    #[derive(serde::Deserialize)]
    struct Probe {
        occurred_at: Option<serde_json::Value>,
        time: Option<serde_json::Value>,
        timestamp: Option<serde_json::Value>,
    }
    let probe: Probe = serde_json::from_slice(bytes).ok()?;
    instant(probe.occurred_at.or(probe.time).or(probe.timestamp)?)
}

fn instant(v: serde_json::Value) -> Option<i64> {
    match v {
        serde_json::Value::Number(n) => n.as_i64(),
        serde_json::Value::String(s) => s
            .parse::<jiff::Timestamp>()
            .ok()
            .map(|t| t.as_millisecond()),
        _ => None,
    }
}

/// A recorded webhook delivery, `{"delivered_at": TIME, "body": {...}}`,
/// becomes its body at the delivery time; any other line is kept as it is.
/// (Help desks' exports and request logs record when each body arrived;
/// the body's own timestamps may be older, e.g. on a redelivery.)
pub fn unwrap_delivery(line: Line) -> Line {
    #[derive(serde::Deserialize)]
    struct Delivery {
        delivered_at: serde_json::Value,
        body: serde_json::Value,
    }
    match serde_json::from_slice::<Delivery>(&line.bytes) {
        Ok(d) if d.body.is_object() => Line {
            time_ms: instant(d.delivered_at).or(line.time_ms),
            bytes: serde_json::to_vec(&d.body).unwrap_or_default(),
            end: line.end,
        },
        _ => line,
    }
}

/// Reads lines from `offset` on; blank lines are skipped (their bytes still
/// count). A last line without a newline is returned only when `partial_ok`
/// (a file still being written must not yield half a line).
pub struct Reader {
    inner: BufReader<std::fs::File>,
    offset: u64,
    partial_ok: bool,
}

impl Reader {
    pub fn open(path: &Path, offset: u64, partial_ok: bool) -> std::io::Result<Reader> {
        let mut file = std::fs::File::open(path)?;
        file.seek(SeekFrom::Start(offset))?;
        Ok(Reader {
            inner: BufReader::new(file),
            offset,
            partial_ok,
        })
    }

    /// The next non-blank line, or `None` at the end for now.
    pub fn next_line(&mut self) -> std::io::Result<Option<Line>> {
        loop {
            let mut buf = Vec::new();
            let n = self.inner.read_until(b'\n', &mut buf)?;
            if n == 0 {
                return Ok(None);
            }
            if buf.last() != Some(&b'\n') && !self.partial_ok {
                // Not complete yet: read it again next time.
                self.inner.seek(SeekFrom::Start(self.offset))?;
                return Ok(None);
            }
            self.offset += n as u64;
            let text = buf.trim_ascii();
            if text.is_empty() {
                continue;
            }
            let bytes = text.to_vec();
            return Ok(Some(Line {
                time_ms: event_time(&bytes),
                bytes,
                end: self.offset,
            }));
        }
    }
}

/// Lines made from events in memory (a generator's output), as if read
/// from a file.
pub fn lines_from_values(events: &[serde_json::Value]) -> Vec<Line> {
    events
        .iter()
        .map(|e| {
            let bytes = serde_json::to_vec(e).unwrap_or_default();
            Line {
                time_ms: event_time(&bytes),
                bytes,
                end: 0,
            }
        })
        .collect()
}

/// Every line of a file, for replay.
pub fn read_all(path: &Path) -> std::io::Result<Vec<Line>> {
    let mut r = Reader::open(path, 0, true)?;
    let mut out = Vec::new();
    while let Some(line) = r.next_line()? {
        out.push(line);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recorded_delivery_is_its_body_at_its_delivery_time() {
        let line = Line {
            bytes: br#"{"delivered_at":"2026-11-29T09:14:05Z","body":{"time":"2026-11-29T09:00:00Z","x":[1]}}"#.to_vec(),
            time_ms: None,
            end: 7,
        };
        let l = unwrap_delivery(line);
        assert_eq!(l.time_ms, Some(1_795_943_645_000));
        let body: serde_json::Value = serde_json::from_slice(&l.bytes).unwrap_or_default();
        assert_eq!(body["x"][0], 1);
        assert_eq!(l.end, 7);
    }

    #[test]
    fn event_time_reads_rfc3339_and_millis() {
        assert_eq!(
            event_time(br#"{"occurred_at":"2026-11-29T09:14:05Z"}"#),
            Some(1_795_943_645_000)
        );
        assert_eq!(
            event_time(br#"{"occurred_at":1795943645000}"#),
            Some(1_795_943_645_000)
        );
        assert_eq!(event_time(br#"{"occurred_at":"yesterday"}"#), None);
        // Zendesk's and Jira's own timestamps.
        assert_eq!(
            event_time(
                br#"{"type":"zen:event-type:ticket.created","time":"2026-11-29T09:14:05Z"}"#
            ),
            Some(1_795_943_645_000)
        );
        assert_eq!(
            event_time(br#"{"webhookEvent":"jira:issue_updated","timestamp":1795943645000}"#),
            Some(1_795_943_645_000)
        );
        assert_eq!(event_time(b"not json"), None);
    }

    #[test]
    fn reader_resumes_after_the_offset_and_waits_for_whole_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("e.jsonl");
        std::fs::write(&path, "{\"a\":1}\n\n{\"b\":2}\n{\"c\"").unwrap();
        let mut r = Reader::open(&path, 0, false).unwrap();
        let first = r.next_line().unwrap().unwrap();
        assert_eq!(first.bytes, b"{\"a\":1}");
        let second = r.next_line().unwrap().unwrap();
        assert_eq!(second.bytes, b"{\"b\":2}");
        assert!(
            r.next_line().unwrap().is_none(),
            "half a line is not a line"
        );
        let mut again = Reader::open(&path, first.end, true).unwrap();
        assert_eq!(again.next_line().unwrap().unwrap().bytes, b"{\"b\":2}");
        assert_eq!(again.next_line().unwrap().unwrap().bytes, b"{\"c\"");
    }
}
