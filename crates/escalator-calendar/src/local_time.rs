//! From local wall-clock time to instants: the one place that knows about DST.
//!
//! Each local date is mapped to instants by one function, non-decreasing in
//! local time, so the days of a calendar tile the timeline without gaps or
//! overlaps, whatever the transitions:
//!
//! - a local time that happens twice (fall back) means its first occurrence;
//! - a local time that never happens (spring forward) means the transition
//!   instant, so a shift edge inside the skipped hour moves to the first
//!   minute that exists. (jiff's "compatible" rule would move it an hour
//!   later instead, and then 02:59 could land after 03:00.)
//!
//! Midnight-to-midnight is therefore 23 hours on a spring-forward day and
//! 25 on a fall-back day, while a 09:00-17:00 shift stays 8 hours.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::{AmbiguousOffset, TimeZone};

use crate::shift::END_OF_DAY;

/// Three days inside jiff's timestamp range, so the local date of any
/// supported instant has a valid day before and after it.
const MARGIN_MS: i64 = 3 * 24 * 3_600_000;

/// Instants that the calendar can place on a local date; outside this range
/// (about years -9999 and 9999) a calendar is treated as closed.
pub(crate) fn supported_range() -> (i64, i64) {
    (
        Timestamp::MIN.as_millisecond() + MARGIN_MS,
        Timestamp::MAX.as_millisecond() - MARGIN_MS,
    )
}

/// The local date of an instant. `None` outside jiff's range.
pub(crate) fn local_date(tz: &TimeZone, at_ms: i64) -> Option<Date> {
    let ts = Timestamp::from_millisecond(at_ms).ok()?;
    Some(tz.to_datetime(ts).date())
}

/// Local minute `minute` (0 to 24:00) of `date`, as epoch milliseconds.
/// `None` only outside jiff's range.
pub(crate) fn instant(tz: &TimeZone, date: Date, minute: u16) -> Option<i64> {
    let (date, minute) = if minute >= END_OF_DAY {
        (date.tomorrow().ok()?, 0)
    } else {
        (date, minute)
    };
    let hour = i8::try_from(minute / 60).ok()?;
    let minute = i8::try_from(minute % 60).ok()?;
    let dt = date.at(hour, minute, 0, 0);
    let ts = match tz.to_ambiguous_timestamp(dt).offset() {
        AmbiguousOffset::Unambiguous { offset } => offset.to_timestamp(dt).ok()?,
        AmbiguousOffset::Fold { before, .. } => before.to_timestamp(dt).ok()?,
        AmbiguousOffset::Gap { after, .. } => {
            // Read with the later offset, `dt` falls just before the
            // transition; the next transition is the one that skipped it.
            let just_before = after.to_timestamp(dt).ok()?;
            tz.following(just_before).next()?.timestamp()
        }
    };
    Some(ts.as_millisecond())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use jiff::tz::TimeZoneDatabase;

    fn ms(text: &str) -> i64 {
        text.parse::<Timestamp>().unwrap().as_millisecond()
    }

    #[test]
    fn skipped_local_times_map_to_the_transition() {
        let berlin = TimeZoneDatabase::bundled().get("Europe/Berlin").unwrap();
        let day = date(2026, 3, 29);
        // 01:59 CET is 00:59Z; 02:00 to 02:59 do not exist and collapse onto
        // the transition at 01:00Z, which is also 03:00 CEST.
        assert_eq!(instant(&berlin, day, 119), Some(ms("2026-03-29T00:59:00Z")));
        assert_eq!(instant(&berlin, day, 120), Some(ms("2026-03-29T01:00:00Z")));
        assert_eq!(instant(&berlin, day, 179), Some(ms("2026-03-29T01:00:00Z")));
        assert_eq!(instant(&berlin, day, 180), Some(ms("2026-03-29T01:00:00Z")));
        assert_eq!(instant(&berlin, day, 181), Some(ms("2026-03-29T01:01:00Z")));
    }

    #[test]
    fn repeated_local_times_map_to_their_first_occurrence() {
        let berlin = TimeZoneDatabase::bundled().get("Europe/Berlin").unwrap();
        let day = date(2026, 10, 25);
        // 02:30 happens at 00:30Z (CEST) and again at 01:30Z (CET).
        assert_eq!(instant(&berlin, day, 150), Some(ms("2026-10-25T00:30:00Z")));
        // 03:00 exists once, in CET.
        assert_eq!(instant(&berlin, day, 180), Some(ms("2026-10-25T02:00:00Z")));
    }

    #[test]
    fn end_of_day_is_next_midnight() {
        let berlin = TimeZoneDatabase::bundled().get("Europe/Berlin").unwrap();
        assert_eq!(
            instant(&berlin, date(2026, 3, 29), END_OF_DAY),
            Some(ms("2026-03-29T22:00:00Z"))
        );
    }

    #[test]
    fn the_supported_range_has_local_dates_with_room_on_both_sides() {
        let (lo, hi) = supported_range();
        let tokyo = TimeZoneDatabase::bundled().get("Asia/Tokyo").unwrap();
        for at in [lo, hi] {
            let day = local_date(&tokyo, at).unwrap();
            assert!(
                day.yesterday()
                    .unwrap()
                    .tomorrow()
                    .unwrap()
                    .tomorrow()
                    .is_ok()
            );
        }
    }
}
