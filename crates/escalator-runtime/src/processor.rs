//! The processor contract: state + record + injected time -> outputs, state
//! changes and timer changes. A processor does no I/O and reads no clock; both
//! drivers call it the same way.

use std::borrow::Cow;
use std::fmt;

use crate::store::Store;
use crate::timers::{TimerKey, Timers};

/// Milliseconds since the Unix epoch (UTC).
pub type Millis = i64;

/// A Kafka-style record header.
#[derive(Clone, PartialEq, Eq)]
pub struct Header {
    pub name: String,
    pub value: Vec<u8>,
}

impl Header {
    pub fn new(name: impl Into<String>, value: impl Into<Vec<u8>>) -> Self {
        Header {
            name: name.into(),
            value: value.into(),
        }
    }
}

impl fmt::Debug for Header {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}={:?}",
            self.name,
            String::from_utf8_lossy(&self.value)
        )
    }
}

/// Finds a header value by name (last one wins, as in Kafka clients).
pub fn header<'a>(headers: &'a [Header], name: &str) -> Option<&'a [u8]> {
    headers
        .iter()
        .rev()
        .find(|h| h.name.eq_ignore_ascii_case(name))
        .map(|h| h.value.as_slice())
}

/// One input record, as the driver hands it to a processor.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    pub topic: &'a str,
    pub partition: i32,
    pub offset: i64,
    pub key: Option<&'a [u8]>,
    pub value: &'a [u8],
    pub headers: &'a [Header],
    /// The record's own timestamp (producer or broker time), if any.
    pub timestamp_ms: Option<Millis>,
}

impl Record<'_> {
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        header(self.headers, name)
    }
}

/// A record a processor wants written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    pub topic: String,
    pub key: Option<Vec<u8>>,
    pub value: Vec<u8>,
    pub headers: Vec<Header>,
}

impl Output {
    pub fn new(
        topic: impl Into<String>,
        key: impl Into<Vec<u8>>,
        value: impl Into<Vec<u8>>,
    ) -> Self {
        Output {
            topic: topic.into(),
            key: Some(key.into()),
            value: value.into(),
            headers: Vec::new(),
        }
    }

    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<Vec<u8>>) -> Self {
        self.headers.push(Header::new(name, value));
        self
    }
}

/// Why a processor refused a record. The driver dead-letters the record with
/// `kind` as its error-kind header and a redacted `message`; the record's
/// state and timer changes are rolled back and its outputs dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// A short, fixed identifier (`malformed_json`, `missing_ticket_id`...).
    /// It becomes a metric label, so it must come from a bounded set.
    pub kind: &'static str,
    pub message: Cow<'static, str>,
}

impl Rejection {
    pub fn new(kind: &'static str, message: impl Into<Cow<'static, str>>) -> Self {
        Rejection {
            kind,
            message: message.into(),
        }
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)
    }
}

impl std::error::Error for Rejection {}

/// A deadline that came due, handed to [`Processor::on_timer`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timer {
    pub key: Vec<u8>,
    pub name: String,
    pub due_ms: Millis,
}

/// Turns a processor's state into bytes for the changelog and back.
pub trait StateCodec<S> {
    fn encode(&self, state: &S) -> Vec<u8>;
    fn decode(&self, bytes: &[u8]) -> Result<S, String>;
}

/// What a processor sees while handling one record or timer: the keyed state
/// of its partition, its timers, the injected current time, and a place to put
/// outputs. Everything written here is staged and only becomes durable when
/// the driver commits.
pub struct Ctx<'a, S> {
    pub(crate) store: &'a mut Store<S>,
    pub(crate) timers: &'a mut Timers,
    pub(crate) outputs: &'a mut Vec<Output>,
    pub(crate) now: Millis,
}

impl<'a, S> Ctx<'a, S> {
    /// The current time, as injected by the driver (wall clock in production,
    /// event time in replay).
    pub fn now(&self) -> Millis {
        self.now
    }

    pub fn get(&self, key: &[u8]) -> Option<&S> {
        self.store.get(key)
    }

    pub fn put(&mut self, key: &[u8], state: S) {
        self.store.put(key, state);
    }

    pub fn delete(&mut self, key: &[u8]) {
        self.store.delete(key);
    }

    /// Arms (or moves) the deadline `name` of `key`. It is stored with the
    /// state, so it survives restarts and fires once it is due.
    pub fn set_timer(&mut self, key: &[u8], name: &str, due_ms: Millis) {
        self.timers.set(TimerKey::new(key, name), due_ms);
    }

    pub fn cancel_timer(&mut self, key: &[u8], name: &str) {
        self.timers.cancel(&TimerKey::new(key, name));
    }

    pub fn timer(&self, key: &[u8], name: &str) -> Option<Millis> {
        self.timers.get(&TimerKey::new(key, name))
    }

    pub fn emit(&mut self, output: Output) {
        self.outputs.push(output);
    }
}

/// A stream processor: the pure part of a service.
pub trait Processor: Send + 'static {
    /// Cloneable so queries ("why not yet") can be answered from a copy.
    type State: Clone + Send + 'static;

    /// A short name used in metrics, logs and changelog topic names.
    fn name(&self) -> &str;

    fn codec(&self) -> &dyn StateCodec<Self::State>;

    /// Handles one input record.
    fn process(&self, ctx: &mut Ctx<'_, Self::State>, record: &Record<'_>)
    -> Result<(), Rejection>;

    /// Handles a deadline that came due. The timer is already removed; set it
    /// again to repeat.
    fn on_timer(&self, ctx: &mut Ctx<'_, Self::State>, timer: &Timer) -> Result<(), Rejection> {
        let _ = (ctx, timer);
        Ok(())
    }
}
