//! Dead letters: the record a processor refused, with headers that say where
//! it came from and why, and a failure budget that stops the service when a
//! bad deploy or a broken upstream would otherwise dead-letter everything.

use std::collections::VecDeque;

use serde::Deserialize;

use crate::headers;
use crate::processor::{Header, Output, Record, Rejection};

/// What the dead letter's value holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PayloadPolicy {
    /// The original bytes with secrets and personal data redacted (lossy for
    /// binary payloads). The safe default: dead letters are read by people.
    #[default]
    Redacted,
    /// The original bytes unchanged, for topics whose ACLs match the input's.
    Original,
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(default)]
pub struct DeadLetterSettings {
    pub topic: String,
    pub payload: PayloadPolicy,
    /// Stop when more than this share of the last `window` records failed.
    pub max_failure_ratio: f64,
    pub window: usize,
    /// Below this many records in the window the ratio is not judged.
    pub min_records: usize,
}

impl Default for DeadLetterSettings {
    fn default() -> Self {
        DeadLetterSettings {
            topic: "tickets.dlq".into(),
            payload: PayloadPolicy::Redacted,
            max_failure_ratio: 0.5,
            window: 1000,
            min_records: 100,
        }
    }
}

/// Builds the dead letter for a refused record.
pub fn dead_letter(
    settings: &DeadLetterSettings,
    service: &str,
    record: &Record<'_>,
    rejection: &Rejection,
) -> Output {
    let value = match settings.payload {
        PayloadPolicy::Redacted => escalator_redact::redact_bytes(record.value).into_bytes(),
        PayloadPolicy::Original => record.value.to_vec(),
    };
    let mut headers: Vec<Header> = record
        .headers
        .iter()
        .filter(|h| !h.name.starts_with("escalator-dlq-"))
        .cloned()
        .collect();
    headers.extend([
        Header::new(headers::DLQ_TOPIC, record.topic),
        Header::new(headers::DLQ_PARTITION, record.partition.to_string()),
        Header::new(headers::DLQ_OFFSET, record.offset.to_string()),
        Header::new(headers::DLQ_ERROR_KIND, rejection.kind),
        Header::new(
            headers::DLQ_ERROR_MESSAGE,
            truncate(&escalator_redact::redact_str(&rejection.message), 1024),
        ),
        Header::new(headers::DLQ_SERVICE, service),
        Header::new(
            headers::DLQ_PAYLOAD,
            match settings.payload {
                PayloadPolicy::Redacted => "redacted",
                PayloadPolicy::Original => "original",
            },
        ),
    ]);
    Output {
        topic: settings.topic.clone(),
        key: record.key.map(<[u8]>::to_vec),
        value,
        headers,
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &s[..end])
}

/// Sliding-window failure ratio.
#[derive(Debug)]
pub struct FailureBudget {
    window: VecDeque<bool>,
    failures: usize,
    size: usize,
    min_records: usize,
    max_ratio: f64,
}

#[derive(Debug, Clone, thiserror::Error, PartialEq)]
#[error(
    "{failures} of the last {total} records were dead-lettered (limit {max_ratio}); stopping instead of dead-lettering everything"
)]
pub struct BudgetExceeded {
    pub failures: usize,
    pub total: usize,
    pub max_ratio: f64,
}

impl FailureBudget {
    pub fn new(settings: &DeadLetterSettings) -> Self {
        FailureBudget {
            window: VecDeque::with_capacity(settings.window.max(1)),
            failures: 0,
            size: settings.window.max(1),
            min_records: settings.min_records,
            max_ratio: settings.max_failure_ratio,
        }
    }

    pub fn record(&mut self, failed: bool) -> Result<(), BudgetExceeded> {
        if self.window.len() == self.size {
            if let Some(true) = self.window.pop_front() {
                self.failures -= 1;
            }
        }
        self.window.push_back(failed);
        if failed {
            self.failures += 1;
        }
        let total = self.window.len();
        if total >= self.min_records && self.failures as f64 > self.max_ratio * total as f64 {
            return Err(BudgetExceeded {
                failures: self.failures,
                total,
                max_ratio: self.max_ratio,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_trips_only_past_the_ratio() {
        let s = DeadLetterSettings {
            window: 10,
            min_records: 10,
            max_failure_ratio: 0.5,
            ..Default::default()
        };
        let mut b = FailureBudget::new(&s);
        for i in 0..100 {
            assert!(b.record(i % 2 == 0).is_ok(), "half is within budget");
        }
        let mut tripped = false;
        for _ in 0..10 {
            tripped |= b.record(true).is_err();
        }
        assert!(tripped);
    }

    #[test]
    fn dead_letter_headers_and_redaction() {
        let rec = Record {
            topic: "tickets.raw",
            partition: 2,
            offset: 41,
            key: Some(b"T-1"),
            value: b"{\"email\":\"jane@example.com\"",
            headers: &[],
            timestamp_ms: None,
        };
        let rej = Rejection::new("malformed_json", "EOF while parsing near jane@example.com");
        let dl = dead_letter(&DeadLetterSettings::default(), "ingestor", &rec, &rej);
        let h = |n: &str| {
            crate::processor::header(&dl.headers, n)
                .map(|v| String::from_utf8_lossy(v).into_owned())
        };
        assert_eq!(h(headers::DLQ_TOPIC).as_deref(), Some("tickets.raw"));
        assert_eq!(h(headers::DLQ_PARTITION).as_deref(), Some("2"));
        assert_eq!(h(headers::DLQ_OFFSET).as_deref(), Some("41"));
        assert_eq!(
            h(headers::DLQ_ERROR_KIND).as_deref(),
            Some("malformed_json")
        );
        let msg = h(headers::DLQ_ERROR_MESSAGE).unwrap_or_default();
        assert!(!msg.contains("jane@example.com") && msg.contains("[REDACTED:email]"));
        assert!(!String::from_utf8_lossy(&dl.value).contains("jane@example.com"));
    }
}
