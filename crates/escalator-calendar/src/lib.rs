//! Business-hours calendars for time-in-queue thresholds.
//!
//! A policy says "escalate after 4h in queue"; whether that is four hours of
//! wall time or four hours of the support team's opening hours depends on the
//! queue's calendar. A [`Calendar`] is built from a [`CalendarConfig`] (weekly
//! shifts in a time zone, holidays, or 24x7) and answers how much business
//! time lies between two instants, when a threshold will be reached, and
//! whether it is open now.
//!
//! Everything is pure: instants are `i64` Unix epoch milliseconds in UTC
//! (`*_ms`), the current time is always an argument, and time zones come from
//! the tz database compiled into the binary, so results do not depend on the
//! host. Work is per local day, never per minute; deadlines are searched for
//! at most [`MAX_SEARCH_DAYS`] days ahead.
//!
//! Daylight saving: shifts are wall-clock times. A local time skipped by a
//! spring-forward transition means the transition itself; one repeated by a
//! fall-back transition means its first occurrence. So `00:00-24:00` is 23
//! or 25 hours on transition days, and `09:00-17:00` stays 8 hours.
//!
//! ```
//! use escalator_calendar::{Calendar, CalendarConfig, format_duration, parse_duration};
//!
//! let shifts = vec!["09:00-17:00".to_owned()];
//! let cfg = CalendarConfig {
//!     id: "emea-business".to_owned(),
//!     time_zone: "Europe/Berlin".to_owned(),
//!     hours: ["mon", "tue", "wed", "thu", "fri"]
//!         .into_iter()
//!         .map(|day| (day.to_owned(), shifts.clone()))
//!         .collect(),
//!     ..CalendarConfig::default()
//! };
//! let cal = Calendar::new(&cfg)?;
//! // Friday 2026-03-27 16:00 in Berlin (UTC+1) is 15:00Z.
//! let friday_16 = 1_774_623_600_000;
//! let threshold = parse_duration("4h", cal.business_day_ms())?;
//! // One hour on Friday, three on Monday: Monday 12:00 CEST is 10:00Z.
//! let deadline = cal.add_business_ms(friday_16, threshold);
//! assert_eq!(deadline, 1_774_864_800_000);
//! assert_eq!(format_duration(cal.business_ms_between(friday_16, deadline)), "4h");
//! # Ok::<(), escalator_calendar::CalendarError>(())
//! ```

mod calendar;
mod config;
mod duration;
mod error;
mod local_time;
mod shift;
mod validate;

pub use calendar::{Calendar, MAX_SEARCH_DAYS};
pub use config::CalendarConfig;
pub use duration::{format_duration, parse_duration};
pub use error::CalendarError;

/// An instant (Unix epoch ms) as RFC 3339 in UTC, for explanations and
/// tools; the number itself when outside the representable range.
pub fn rfc3339(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms).map_or_else(|_| ms.to_string(), |t| t.to_string())
}

/// An instant given by a user: RFC 3339 (`2026-11-30T09:00:00Z`, any
/// offset) or Unix epoch milliseconds. The error says what was expected.
pub fn parse_instant(text: &str) -> Result<i64, String> {
    let text = text.trim();
    if let Ok(ms) = text.parse::<i64>() {
        return Ok(ms);
    }
    text.parse::<jiff::Timestamp>()
        .map(|t| t.as_millisecond())
        .map_err(|_| {
            format!("{text:?} is not an instant (expected RFC 3339 such as 2026-11-30T09:00:00Z, or Unix epoch milliseconds)")
        })
}

#[cfg(test)]
mod instant_tests {
    use super::*;

    #[test]
    fn instants_parse_from_rfc3339_or_epoch_ms() {
        assert_eq!(parse_instant("2026-03-27T15:00:00Z"), Ok(1_774_623_600_000));
        assert_eq!(
            parse_instant("2026-03-27T16:00:00+01:00"),
            Ok(1_774_623_600_000)
        );
        assert_eq!(parse_instant(" 1774623600000 "), Ok(1_774_623_600_000));
        assert_eq!(
            parse_instant(&rfc3339(1_774_623_600_123)),
            Ok(1_774_623_600_123)
        );
        let err = parse_instant("last tuesday").unwrap_err();
        assert!(err.contains("RFC 3339"), "{err}");
        assert!(parse_instant("").is_err());
    }
}
