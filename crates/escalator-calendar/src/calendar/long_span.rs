//! Business time over long spans without visiting every day.
//!
//! On a local day during which the UTC offset does not change, the open
//! time is the nominal length of its weekday's shifts. So the whole days of a
//! long span are counted per week and then corrected on the few days that
//! differ: holidays and the days around each time-zone transition. Only the
//! partial days at both ends are walked. Ten years cost tens of microseconds
//! and the whole range jiff supports tens of milliseconds (not the seconds of
//! a day-by-day walk), so a garbage timestamp cannot stall a caller.

use std::collections::BTreeSet;

use jiff::Timestamp;
use jiff::civil::Date;

use super::Calendar;
use super::days::weekday_index;
use crate::local_time::instant;

/// Shorter spans are walked day by day: as fast, and fewer moving parts.
const MIN_DAYS: i32 = 32;

/// Days on each side of a transition's local date that it may reshape; two
/// covers even a skipped whole day (Pacific/Apia, 2011-12-30).
const TRANSITION_REACH_DAYS: i32 = 2;

const MINUTE_MS: i64 = 60_000;
const DAY_MS: i64 = 24 * 60 * MINUTE_MS;

impl Calendar {
    /// `None` when the span is short (walk it instead) or jiff cannot place
    /// its days.
    pub(super) fn long_span_ms(
        &self,
        from_ms: i64,
        from_date: Date,
        to_ms: i64,
        to_date: Date,
    ) -> Option<i64> {
        if from_date.until(to_date).ok()?.get_days() < MIN_DAYS {
            return None;
        }
        // An instant may lie in a neighbouring day's stretch of time around a
        // transition, so the two days at each end are walked.
        let first = from_date.tomorrow().ok()?.tomorrow().ok()?;
        let last = to_date.yesterday().ok()?.yesterday().ok()?;
        let middle_start = instant(&self.tz, first, 0)?;
        let middle_end = instant(&self.tz, last.tomorrow().ok()?, 0)?;
        let middle = self.whole_days_ms(first, last, middle_start, middle_end)?;
        Some(self.walked_ms(from_ms, middle_start) + middle + self.walked_ms(middle_end, to_ms))
    }

    /// Business time of the local dates `first..=last`, which run from
    /// `start_ms` to `end_ms`.
    fn whole_days_ms(&self, first: Date, last: Date, start_ms: i64, end_ms: i64) -> Option<i64> {
        let nominal: [i64; 7] = std::array::from_fn(|day| {
            let minutes: i64 = self.week[day]
                .iter()
                .map(|s| i64::from(s.end - s.start))
                .sum();
            minutes * MINUTE_MS
        });
        let days = first.until(last).ok()?.get_days() + 1;
        let first_weekday = weekday_index(first);
        let rest: i64 = (0..days % 7)
            .map(|i| nominal[(first_weekday + i as usize) % 7])
            .sum();
        let mut total = i64::from(days / 7) * nominal.iter().sum::<i64>() + rest;

        let mut special: BTreeSet<Date> =
            self.holidays.range(first..=last).map(|(d, _)| *d).collect();
        let search_from =
            Timestamp::from_millisecond(start_ms.saturating_sub(DAY_MS)).unwrap_or(Timestamp::MIN);
        for transition in self.tz.following(search_from) {
            let at = transition.timestamp();
            if at.as_millisecond() > end_ms.saturating_add(DAY_MS) {
                break;
            }
            let date = self.tz.to_datetime(at).date();
            for offset in -TRANSITION_REACH_DAYS..=TRANSITION_REACH_DAYS {
                let near = date.checked_add(jiff::Span::new().days(offset)).ok();
                if let Some(near) = near.filter(|d| (first..=last).contains(d)) {
                    special.insert(near);
                }
            }
        }
        for date in special {
            total += self.day_ms(date) - nominal[weekday_index(date)];
        }
        Some(total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::CalendarConfig;

    /// SplitMix64, to spread spans without a dependency.
    fn next(state: &mut u64) -> u64 {
        *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = *state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn calendar(time_zone: &str, shifts: &[&str], days: &[&str], holidays: &[&str]) -> Calendar {
        let shifts: Vec<String> = shifts.iter().map(|s| (*s).to_owned()).collect();
        Calendar::new(&CalendarConfig {
            id: "t".to_owned(),
            time_zone: time_zone.to_owned(),
            hours: days
                .iter()
                .map(|d| ((*d).to_owned(), shifts.clone()))
                .collect(),
            holidays: holidays.iter().map(|h| (*h).to_owned()).collect(),
            ..CalendarConfig::default()
        })
        .unwrap()
    }

    /// The shortcut must agree with walking every day, to the millisecond,
    /// in zones with odd histories: Apia skipped 2011-12-30, Lord Howe
    /// shifts by 30 minutes, Moscow and Pyongyang changed their offsets.
    #[test]
    fn long_spans_agree_with_walking_every_day() {
        let weekdays = ["mon", "tue", "wed", "thu", "fri"];
        let all = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        let holidays = [
            "2011-12-30",
            "2020-12-25",
            "2020-12-24 12:00-24:00",
            "1999-01-01",
        ];
        let calendars = [
            calendar(
                "Europe/Berlin",
                &["08:00-12:00", "13:00-17:00"],
                &weekdays,
                &holidays,
            ),
            calendar(
                "America/New_York",
                &["00:00-02:30", "09:00-17:00"],
                &all,
                &holidays,
            ),
            calendar("Pacific/Apia", &["00:00-24:00"], &all, &[]),
            calendar("Pacific/Apia", &["09:00-17:00"], &weekdays, &holidays),
            calendar(
                "Australia/Lord_Howe",
                &["01:00-03:00", "22:00-24:00"],
                &all,
                &[],
            ),
            calendar("Europe/Moscow", &["09:00-18:00"], &weekdays, &holidays),
            calendar("Asia/Pyongyang", &["00:00-24:00"], &["sat", "sun"], &[]),
        ];
        let (lo, hi) = (
            "1990-01-01T00:00:00Z"
                .parse::<Timestamp>()
                .unwrap()
                .as_millisecond(),
            "2030-01-01T00:00:00Z"
                .parse::<Timestamp>()
                .unwrap()
                .as_millisecond(),
        );
        let mut state = 0x10_46;
        for cal in &calendars {
            for _ in 0..40 {
                let from = lo + (next(&mut state) % (hi - lo) as u64) as i64;
                let to = from + (next(&mut state) % (12 * 365 * DAY_MS) as u64) as i64;
                assert_eq!(
                    cal.business_ms_between(from, to),
                    cal.walked_ms(from, to),
                    "{} {from} -> {to}",
                    cal.time_zone()
                );
            }
        }
    }

    #[test]
    fn short_spans_are_walked() {
        let cal = calendar("UTC", &["09:00-17:00"], &["mon"], &[]);
        let from_date = jiff::civil::date(2026, 3, 2);
        let to_date = jiff::civil::date(2026, 3, 30);
        assert_eq!(cal.long_span_ms(0, from_date, 0, to_date), None);
    }
}
