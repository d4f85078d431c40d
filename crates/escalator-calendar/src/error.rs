//! The one error type of the crate.

/// Why a calendar configuration or a duration was refused.
///
/// Each message starts with the configuration field it is about (for example
/// `hours.mon[1]`) and quotes the value, so an operator can fix the policy
/// file without reading code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CalendarError {
    #[error("id: must not be empty")]
    EmptyId,

    #[error(
        "time_zone: unknown time zone {value:?} (expected an IANA name such as \"Europe/Berlin\")"
    )]
    UnknownTimeZone { value: String },

    #[error("hours: unknown weekday {key:?} (expected one of mon tue wed thu fri sat sun)")]
    UnknownWeekday { key: String },

    /// A shift (`hours.<day>[i]`) or the time range of a partial holiday.
    #[error("{field}: {value:?} {reason}")]
    InvalidShift {
        field: String,
        value: String,
        reason: String,
    },

    #[error("{field}: {value:?} overlaps {other_field} {other:?}")]
    OverlappingShifts {
        field: String,
        value: String,
        other_field: String,
        other: String,
    },

    #[error("{field}: {value:?} {reason}")]
    InvalidHoliday {
        field: String,
        value: String,
        reason: String,
    },

    #[error(
        "hours: calendar {id:?} has no open hours, so every deadline would be unreachable \
         (set always_open = true for a 24x7 calendar)"
    )]
    NoOpenHours { id: String },

    #[error("{field}: not allowed with always_open = true (a 24x7 calendar is never closed)")]
    ConflictsWithAlwaysOpen { field: &'static str },

    #[error("business_day_hours: {value} must be more than 0 and at most 24")]
    InvalidBusinessDayHours { value: String },

    #[error("duration {value:?}: {reason}")]
    InvalidDuration { value: String, reason: String },
}
