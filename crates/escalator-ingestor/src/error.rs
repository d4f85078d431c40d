//! Why a raw record could not become ticket events. The kind is a short fixed
//! name: it becomes the dead letter's error-kind header and a metric label.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    BodyTooLarge,
    InvalidUtf8,
    NestingTooDeep,
    MalformedJson,
    WrongType,
    MissingField,
    MissingTicketId,
    UnknownEventType,
    UnknownEnum,
    InvalidValue,
    TimestampInFuture,
    TimestampOutOfRange,
    UnrecognizedPayload,
    MalformedProtobuf,
    ConflictingDuplicate,
}

impl ErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::BodyTooLarge => "body_too_large",
            ErrorKind::InvalidUtf8 => "invalid_utf8",
            ErrorKind::NestingTooDeep => "nesting_too_deep",
            ErrorKind::MalformedJson => "malformed_json",
            ErrorKind::WrongType => "wrong_type",
            ErrorKind::MissingField => "missing_field",
            ErrorKind::MissingTicketId => "missing_ticket_id",
            ErrorKind::UnknownEventType => "unknown_event_type",
            ErrorKind::UnknownEnum => "unknown_enum",
            ErrorKind::InvalidValue => "invalid_value",
            ErrorKind::TimestampInFuture => "timestamp_in_future",
            ErrorKind::TimestampOutOfRange => "timestamp_out_of_range",
            ErrorKind::UnrecognizedPayload => "unrecognized_payload",
            ErrorKind::MalformedProtobuf => "malformed_protobuf",
            ErrorKind::ConflictingDuplicate => "conflicting_duplicate",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NormalizeError {
    pub kind: ErrorKind,
    pub message: String,
}

impl NormalizeError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        NormalizeError {
            kind,
            message: message.into(),
        }
    }

    /// Classifies a serde_json error: syntax vs. shape.
    pub fn from_json(e: &serde_json::Error) -> Self {
        use serde_json::error::Category;
        let text = e.to_string();
        let kind = match e.classify() {
            Category::Syntax | Category::Eof | Category::Io => ErrorKind::MalformedJson,
            Category::Data if text.starts_with("missing field") => ErrorKind::MissingField,
            Category::Data if text.starts_with("unknown variant") => ErrorKind::UnknownEnum,
            Category::Data => ErrorKind::WrongType,
        };
        NormalizeError::new(kind, text)
    }
}

impl fmt::Display for NormalizeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.as_str(), self.message)
    }
}

impl std::error::Error for NormalizeError {}

pub type Result<T> = std::result::Result<T, NormalizeError>;
