//! Threshold durations in policies: `"30m"`, `"1h30m"`, `"3d"`, and their
//! display in explanations.

use crate::error::CalendarError;

const SECOND_MS: i64 = 1_000;
const MINUTE_MS: i64 = 60 * SECOND_MS;
const HOUR_MS: i64 = 60 * MINUTE_MS;

/// Business days in a business week (`w`).
const DAYS_PER_WEEK: i64 = 5;

/// Parses a threshold into milliseconds of business time.
///
/// A duration is one or more `<integer><unit>` parts, largest unit first,
/// each unit at most once, optionally separated by spaces: `"90s"`,
/// `"1h30m"`, `"1h 30m"`, `"3d"`. Units: `w` (5 business days), `d` (one
/// business day of `business_day_ms`), `h`, `m`, `s`, `ms`. A plain number
/// is refused: `"30"` could mean seconds, minutes or hours.
///
/// # Errors
///
/// [`CalendarError::InvalidDuration`] saying what is wrong: empty, no unit,
/// an unknown unit, a fraction, units out of order or repeated, `d`/`w` with
/// a non-positive `business_day_ms`, or a total beyond `i64`.
pub fn parse_duration(text: &str, business_day_ms: i64) -> Result<i64, CalendarError> {
    let invalid = |reason: String| CalendarError::InvalidDuration {
        value: text.to_owned(),
        reason,
    };
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(invalid(
            "is empty (expected e.g. \"30m\", \"4h\", \"1h30m\" or \"3d\")".to_owned(),
        ));
    }
    if trimmed.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid(format!(
            "has no unit, and a plain number is ambiguous: write e.g. \"{trimmed}m\" or \"{trimmed}s\""
        )));
    }
    let mut rest = trimmed;
    let mut total: i64 = 0;
    let mut smallest_so_far: Option<usize> = None;
    while !rest.is_empty() {
        let digits_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits_len == 0 {
            return Err(invalid(format!(
                "is not a duration at {rest:?} (expected e.g. \"30m\", \"1h30m\" or \"3d\")"
            )));
        }
        let (digits, after) = rest.split_at(digits_len);
        if after.starts_with('.') || after.starts_with(',') {
            return Err(invalid(
                "fractions are not supported: combine units instead, e.g. \"1h30m\"".to_owned(),
            ));
        }
        let unit_len = after.bytes().take_while(u8::is_ascii_alphabetic).count();
        let (unit, after) = after.split_at(unit_len);
        let (rank, unit_ms) = match unit {
            "w" => (0, business_day_ms.checked_mul(DAYS_PER_WEEK)),
            "d" => (1, Some(business_day_ms)),
            "h" => (2, Some(HOUR_MS)),
            "m" => (3, Some(MINUTE_MS)),
            "s" => (4, Some(SECOND_MS)),
            "ms" => (5, Some(1)),
            "" => {
                return Err(invalid(format!(
                    "has a number without a unit: {digits:?} (units: w, d, h, m, s, ms)"
                )));
            }
            other => {
                return Err(invalid(format!(
                    "has an unknown unit {other:?} (units: w, d, h, m, s, ms)"
                )));
            }
        };
        if smallest_so_far.is_some_and(|smallest| rank <= smallest) {
            return Err(invalid(
                "repeats a unit or puts a smaller unit first (write e.g. \"1h30m\")".to_owned(),
            ));
        }
        smallest_so_far = Some(rank);
        let unit_ms = match unit_ms {
            Some(ms) if ms > 0 => ms,
            _ => {
                return Err(invalid(format!(
                    "uses {unit:?}, but the business day length {business_day_ms} ms is not positive"
                )));
            }
        };
        let too_large = || invalid("is too large".to_owned());
        let count: i64 = digits.parse().map_err(|_| too_large())?;
        total = count
            .checked_mul(unit_ms)
            .and_then(|part| total.checked_add(part))
            .ok_or_else(too_large)?;
        rest = after.trim_start();
    }
    Ok(total)
}

/// Formats milliseconds of business time for explanations, in hours and
/// smaller units, never days (a business day is not 24 hours, and a
/// calendar-free "1d" would mislead): `"2h 30m"`, `"45s"`, `"26h 5m"`,
/// `"1s 500ms"`, `"0s"`. Zero parts are left out; [`parse_duration`] reads
/// the result back.
#[must_use]
pub fn format_duration(ms: i64) -> String {
    if ms == 0 {
        return "0s".to_owned();
    }
    let abs = ms.unsigned_abs();
    let parts = [
        (abs / HOUR_MS as u64, "h"),
        (abs / MINUTE_MS as u64 % 60, "m"),
        (abs / SECOND_MS as u64 % 60, "s"),
        (abs % SECOND_MS as u64, "ms"),
    ];
    let text = parts
        .iter()
        .filter(|(count, _)| *count > 0)
        .map(|(count, unit)| format!("{count}{unit}"))
        .collect::<Vec<_>>()
        .join(" ");
    if ms < 0 { format!("-{text}") } else { text }
}
