//! The load: a generated history, turned into templates once so producing an
//! event is a copy, not a JSON round trip (the driver shares the two cores
//! with the services it measures). Round `r` of the history gets its own
//! tickets and event ids (suffix `~r<r>`), so the load never runs out of
//! distinct tickets; every event happens "now", when it is produced.

use std::time::{Duration, Instant};

use rdkafka::error::KafkaError;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::types::RDKafkaErrorCode;
use serde_json::Value;

const ROUND: &str = "\u{1}ROUND\u{1}";
const NOW: &str = "\u{1}NOW\u{1}";

enum Piece {
    Text(String),
    Round,
    Now,
}

/// One event of the history with holes for the round and the time.
struct Template {
    key: String,
    pieces: Vec<Piece>,
    /// The original event id: with the round it names the produced event.
    event_id: String,
}

pub struct Feed {
    templates: Vec<Template>,
}

impl Feed {
    /// Templates of `events` (canonical JSON events in history order).
    pub fn new(events: &[Value]) -> anyhow::Result<Feed> {
        let mut templates = Vec::with_capacity(events.len());
        for ev in events {
            let mut ev = ev.clone();
            let ticket = string_field(&ev, "ticket_id")?;
            let event_id = string_field(&ev, "event_id")?;
            ev["ticket_id"] = Value::String(format!("{ticket}{ROUND}"));
            ev["event_id"] = Value::String(format!("{event_id}{ROUND}"));
            ev["occurred_at"] = Value::String(NOW.to_owned());
            let text = serde_json::to_string(&ev)?;
            templates.push(Template {
                key: ticket,
                pieces: split(&text),
                event_id,
            });
        }
        anyhow::ensure!(!templates.is_empty(), "the history has no events");
        Ok(Feed { templates })
    }

    /// Event `n` of the endless load: its key, id and JSON, written into the
    /// buffers (reused across calls).
    pub fn event(&self, n: u64, now: &str, key: &mut String, id: &mut String, json: &mut String) {
        let len = self.templates.len() as u64;
        let t = &self.templates[(n % len) as usize];
        let round = n / len;
        key.clear();
        id.clear();
        json.clear();
        use std::fmt::Write as _;
        let _ = write!(key, "{}~r{round}", t.key);
        let _ = write!(id, "{}~r{round}", t.event_id);
        for p in &t.pieces {
            match p {
                Piece::Text(s) => json.push_str(s),
                Piece::Round => {
                    let _ = write!(json, "~r{round}");
                }
                Piece::Now => json.push_str(now),
            }
        }
    }
}

fn string_field(ev: &Value, name: &str) -> anyhow::Result<String> {
    ev.get(name)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("generated event without {name}"))
}

/// Splits serialized JSON at the holes. The markers survive serialization
/// as `\u0001...`.
fn split(text: &str) -> Vec<Piece> {
    // The markers as they appear inside a JSON string, without the quotes.
    let escaped = |m: &str| {
        serde_json::to_string(m)
            .unwrap_or_default()
            .trim_matches('"')
            .to_owned()
    };
    let (round, now) = (escaped(ROUND), escaped(NOW));
    let mut pieces = Vec::new();
    let mut rest = text;
    loop {
        let r = rest.find(&round);
        let w = rest.find(&now);
        let (at, len, piece) = match (r, w) {
            (Some(r), Some(w)) if r < w => (r, round.len(), Piece::Round),
            (Some(r), None) => (r, round.len(), Piece::Round),
            (_, Some(w)) => (w, now.len(), Piece::Now),
            (None, None) => break,
        };
        pieces.push(Piece::Text(rest[..at].to_owned()));
        pieces.push(piece);
        rest = &rest[at + len..];
    }
    pieces.push(Piece::Text(rest.to_owned()));
    pieces
}

/// The current time as the canonical events write it (RFC 3339, UTC, ms).
pub fn now_text() -> String {
    let now = jiff::Timestamp::now();
    format!("{:.3}", now)
}

/// Sends one record, waiting while librdkafka's queue is full.
pub fn send(producer: &BaseProducer, topic: &str, key: &str, payload: &str) -> anyhow::Result<()> {
    loop {
        match producer.send(BaseRecord::to(topic).key(key).payload(payload)) {
            Ok(()) => return Ok(()),
            Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), _)) => {
                producer.poll(Duration::from_millis(5));
            }
            Err((e, _)) => anyhow::bail!("producing to {topic}: {e}"),
        }
    }
}

/// Waits until every produced record is delivered.
pub fn flush(producer: &BaseProducer) -> anyhow::Result<()> {
    producer
        .flush(Duration::from_secs(60))
        .map_err(|e| anyhow::anyhow!("flushing the load: {e}"))
}

/// Paces production: at `rate` events per second from `start`, or flat out.
pub struct Pace {
    start: Instant,
    rate: Option<f64>,
}

impl Pace {
    pub fn new(rate: Option<f64>) -> Pace {
        Pace {
            start: Instant::now(),
            rate,
        }
    }

    /// When event `n` is due (`None` flat out).
    pub fn due(&self, n: u64) -> Option<Instant> {
        let rate = self.rate?;
        Some(self.start + Duration::from_secs_f64(n as f64 / rate))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_get_their_own_tickets_and_ids_and_the_time_of_production() {
        let events = vec![serde_json::json!({
            "ticket_id": "gen:acme:1", "event_id": "gen-1-1", "occurred_at": "2026-10-05T00:00:00Z",
            "type": "created", "subject": "a \"quoted\" subject"
        })];
        let feed = Feed::new(&events).unwrap();
        let (mut key, mut id, mut json) = (String::new(), String::new(), String::new());
        feed.event(3, "2026-11-30T07:00:00.000Z", &mut key, &mut id, &mut json);
        assert_eq!(key, "gen:acme:1~r3");
        assert_eq!(id, "gen-1-1~r3");
        let v: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["ticket_id"], "gen:acme:1~r3");
        assert_eq!(v["event_id"], "gen-1-1~r3");
        assert_eq!(v["occurred_at"], "2026-11-30T07:00:00.000Z");
        assert_eq!(v["subject"], "a \"quoted\" subject");
        feed.event(0, "x", &mut key, &mut id, &mut json);
        assert_eq!(key, "gen:acme:1~r0");
    }

    #[test]
    fn the_time_is_rfc3339_in_milliseconds() {
        let t = now_text();
        assert!(
            t.ends_with('Z') && t.len() == "2026-11-30T07:00:00.000Z".len(),
            "{t}"
        );
    }
}
