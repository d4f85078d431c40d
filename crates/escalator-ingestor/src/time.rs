//! Event times as sources write them: RFC 3339 strings or epoch numbers.

use crate::error::{ErrorKind, NormalizeError, Result};

/// Earliest plausible event time (2000-01-01T00:00:00Z).
const MIN_MS: i64 = 946_684_800_000;

/// Parses an RFC 3339 / ISO 8601 timestamp with offset into epoch millis.
/// Also takes Jira's `+0200` offsets (no colon).
pub fn parse_rfc3339(s: &str) -> Result<i64> {
    let s = s.trim();
    let parsed = s.parse::<jiff::Timestamp>().or_else(|e| {
        let b = s.as_bytes();
        let n = b.len();
        let compact_offset = n > 5
            && (b[n - 5] == b'+' || b[n - 5] == b'-')
            && b[n - 4..].iter().all(u8::is_ascii_digit);
        if compact_offset {
            format!("{}:{}", &s[..n - 2], &s[n - 2..]).parse::<jiff::Timestamp>()
        } else {
            Err(e)
        }
    });
    parsed.map(|ts| ts.as_millisecond()).map_err(|e| {
        NormalizeError::new(ErrorKind::InvalidValue, format!("bad timestamp {s:?}: {e}"))
    })
}

/// Epoch numbers: seconds, milliseconds or microseconds, told apart by size.
pub fn from_epoch_number(n: i64) -> i64 {
    match n {
        n if n < 100_000_000_000 => n * 1000,
        n if n < 100_000_000_000_000 => n,
        n => n / 1000,
    }
}

/// Rejects times before 2000 or further in the future than `max_skew_ms`.
pub fn check_range(ms: i64, now: i64, max_skew_ms: i64) -> Result<()> {
    if ms < MIN_MS {
        return Err(NormalizeError::new(
            ErrorKind::TimestampOutOfRange,
            format!("event time {ms} ms is before 2000-01-01"),
        ));
    }
    if ms > now + max_skew_ms {
        return Err(NormalizeError::new(
            ErrorKind::TimestampInFuture,
            format!("event time is {} s in the future", (ms - now) / 1000),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_forms() {
        assert_eq!(
            parse_rfc3339("2024-05-31T06:40:00Z").ok(),
            Some(1_717_137_600_000)
        );
        assert_eq!(
            parse_rfc3339("2024-05-31T08:40:00.000+02:00").ok(),
            Some(1_717_137_600_000)
        );
        assert_eq!(
            parse_rfc3339("2024-05-31T06:40:00.000000000Z").ok(),
            Some(1_717_137_600_000)
        );
        assert_eq!(
            parse_rfc3339("2024-05-31T08:40:00.000+0200").ok(),
            Some(1_717_137_600_000)
        );
        assert!(parse_rfc3339("yesterday").is_err());
        assert_eq!(from_epoch_number(1_717_137_600), 1_717_137_600_000);
        assert_eq!(from_epoch_number(1_717_137_600_000), 1_717_137_600_000);
        assert_eq!(from_epoch_number(1_717_137_600_000_000), 1_717_137_600_000);
    }

    #[test]
    fn range_checks() {
        let now = 1_717_137_600_000;
        assert!(check_range(now, now, 300_000).is_ok());
        assert_eq!(
            check_range(now + 3_600_000, now, 300_000).map_err(|e| e.kind),
            Err(ErrorKind::TimestampInFuture)
        );
        assert_eq!(
            check_range(5, now, 0).map_err(|e| e.kind),
            Err(ErrorKind::TimestampOutOfRange)
        );
    }
}
