//! Source adapters: each a pure function from raw bytes (+ headers) to zero
//! or more `TicketEvent`s. `normalize` picks the adapter from the
//! `escalator-source` header, a protobuf content type, or the payload's
//! shape, applies the limits, and validates what the adapter produced.

pub mod canonical;
pub mod jira;
pub mod protobuf;
pub mod zendesk;

use escalator_proto::v1::TicketEvent;
use escalator_runtime::processor::{Header, header};

use crate::error::{ErrorKind, NormalizeError, Result};
use crate::limits::{Limits, check_size, check_utf8, scan_json, truncate, truncate_owned};
use crate::mapping::Mappings;

/// Header naming the source format of a raw record.
pub const SOURCE_HEADER: &str = "escalator-source";
/// Header carrying the sender's delivery id (webhook retries share it).
pub const DELIVERY_HEADER: &str = "escalator-delivery-id";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Canonical,
    Protobuf,
    Zendesk,
    Jira,
}

impl Source {
    pub const ALL: [Source; 4] = [
        Source::Canonical,
        Source::Protobuf,
        Source::Zendesk,
        Source::Jira,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Source::Canonical => "canonical",
            Source::Protobuf => "protobuf",
            Source::Zendesk => "zendesk",
            Source::Jira => "jira",
        }
    }

    pub fn parse(s: &str) -> Option<Source> {
        Source::ALL
            .into_iter()
            .find(|x| x.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

/// Everything an adapter may consult besides the payload.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub mappings: &'a Mappings,
    pub limits: &'a Limits,
    /// Injected time: ingest time, and the bound for future timestamps.
    pub now_ms: i64,
    /// Delivery id of the webhook call or record, if known.
    pub delivery_id: Option<&'a str>,
}

impl Context<'_> {
    /// Text as carried in events: at most `max_text_bytes`.
    pub fn text(&self, s: &str) -> (String, bool) {
        truncate(s, self.limits.max_text_bytes)
    }

    /// `text` for an owned string, which it keeps when it fits.
    pub fn text_owned(&self, s: String) -> (String, bool) {
        truncate_owned(s, self.limits.max_text_bytes)
    }
}

/// Which adapter reads this record.
pub fn detect(bytes: &[u8], headers: &[Header]) -> Result<Source> {
    if let Some(name) = header(headers, SOURCE_HEADER) {
        let name = String::from_utf8_lossy(name);
        return Source::parse(&name).ok_or_else(|| {
            NormalizeError::new(
                ErrorKind::UnrecognizedPayload,
                format!("unknown {SOURCE_HEADER} {name:?}"),
            )
        });
    }
    if let Some(ct) = header(headers, "content-type") {
        if String::from_utf8_lossy(ct).starts_with("application/x-protobuf") {
            return Ok(Source::Protobuf);
        }
    }
    // Sniff the JSON shape from its first bytes without parsing it whole.
    let head = &bytes[..bytes.len().min(4096)];
    let head = String::from_utf8_lossy(head);
    if head.contains("\"zen:event-type:") {
        Ok(Source::Zendesk)
    } else if head.contains("\"webhookEvent\"") {
        Ok(Source::Jira)
    } else if head.trim_start().starts_with(['{', '[']) {
        Ok(Source::Canonical)
    } else {
        Err(NormalizeError::new(
            ErrorKind::UnrecognizedPayload,
            "payload is neither JSON of a known source nor marked as protobuf",
        ))
    }
}

/// Normalizes one raw record.
pub fn normalize(source: Source, bytes: &[u8], ctx: &Context<'_>) -> Result<Vec<TicketEvent>> {
    check_size(bytes, ctx.limits)?;
    let events = match source {
        Source::Protobuf => protobuf::normalize(bytes, ctx)?,
        json => {
            let text = check_utf8(bytes)?;
            let scan = scan_json(text, ctx.limits)?;
            match json {
                Source::Zendesk => zendesk::normalize(text, ctx)?,
                Source::Jira => jira::normalize(text, ctx)?,
                _ => canonical::normalize(text, &scan, ctx)?,
            }
        }
    };
    for ev in &events {
        validate(ev, ctx)?;
    }
    Ok(events)
}

/// What holds for every event, whatever its source.
pub fn validate(ev: &TicketEvent, ctx: &Context<'_>) -> Result<()> {
    if ev.ticket_id.trim().is_empty() {
        return Err(NormalizeError::new(
            ErrorKind::MissingTicketId,
            "ticket id is empty",
        ));
    }
    if ev.ticket_id.len() > 256 || ev.ticket_id.chars().any(char::is_control) {
        return Err(NormalizeError::new(
            ErrorKind::InvalidValue,
            "ticket id is longer than 256 bytes or has control characters",
        ));
    }
    if ev.event_id.trim().is_empty() {
        return Err(NormalizeError::new(
            ErrorKind::MissingField,
            "event id is empty",
        ));
    }
    if ev.kind.is_none() {
        return Err(NormalizeError::new(
            ErrorKind::UnknownEventType,
            "event has no kind",
        ));
    }
    crate::time::check_range(ev.event_time_ms, ctx.now_ms, ctx.limits.max_future_skew_ms)
}
