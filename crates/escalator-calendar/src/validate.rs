//! Checks a [`CalendarConfig`]'s weekly hours and holidays and turns them into
//! sorted local minute ranges.

use std::collections::BTreeMap;

use jiff::civil::Date;

use crate::config::CalendarConfig;
use crate::error::CalendarError;
use crate::shift::{Shift, merge, parse_shift};

/// Weekday keys in jiff's Monday-zero order.
pub(crate) const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Open shifts per weekday (Monday first), each list sorted and disjoint.
pub(crate) type Week = [Vec<Shift>; 7];

/// Closed ranges per local date, each list sorted and disjoint.
pub(crate) type Holidays = BTreeMap<Date, Vec<Shift>>;

pub(crate) fn week(cfg: &CalendarConfig) -> Result<Week, CalendarError> {
    let mut week = Week::default();
    for (key, texts) in &cfg.hours {
        let day = WEEKDAYS
            .iter()
            .position(|name| name == key)
            .ok_or_else(|| CalendarError::UnknownWeekday { key: key.clone() })?;
        let field = |i: usize| format!("hours.{key}[{i}]");
        let mut shifts = Vec::with_capacity(texts.len());
        for (i, text) in texts.iter().enumerate() {
            let shift = parse_shift(text).map_err(|reason| CalendarError::InvalidShift {
                field: field(i),
                value: text.clone(),
                reason,
            })?;
            shifts.push((shift, i));
        }
        if let Some((i, j)) = first_overlap(&mut shifts) {
            return Err(CalendarError::OverlappingShifts {
                field: field(i),
                value: texts[i].clone(),
                other_field: field(j),
                other: texts[j].clone(),
            });
        }
        // Touching shifts ("08:00-12:00", "12:00-13:00") are fine and joined.
        week[day] = merge(shifts.into_iter().map(|(shift, _)| shift).collect());
    }
    Ok(week)
}

/// Sorts `shifts` and returns the indexes of an overlapping pair, the later
/// one in the configuration first.
fn first_overlap(shifts: &mut [(Shift, usize)]) -> Option<(usize, usize)> {
    shifts.sort_unstable();
    let mut furthest: Option<(Shift, usize)> = None;
    for &(shift, i) in shifts.iter() {
        if let Some((reach, j)) = furthest {
            if shift.start < reach.end {
                return Some((i.max(j), i.min(j)));
            }
        }
        if furthest.is_none_or(|(reach, _)| shift.end > reach.end) {
            furthest = Some((shift, i));
        }
    }
    None
}

pub(crate) fn holidays(cfg: &CalendarConfig) -> Result<Holidays, CalendarError> {
    let mut holidays = Holidays::new();
    for (i, text) in cfg.holidays.iter().enumerate() {
        let invalid = |reason: String| CalendarError::InvalidHoliday {
            field: format!("holidays[{i}]"),
            value: text.clone(),
            reason,
        };
        let trimmed = text.trim();
        let (date_text, range_text) = match trimmed.split_once(' ') {
            Some((date, range)) => (date, Some(range.trim())),
            None => (trimmed, None),
        };
        let date = parse_date(date_text).ok_or_else(|| {
            invalid(
                "is not a valid date (expected \"YYYY-MM-DD\", optionally followed by \
                 \"HH:MM-HH:MM\" for a partial closure)"
                    .to_owned(),
            )
        })?;
        let closed = match range_text {
            None => Shift::WHOLE_DAY,
            Some(range) => parse_shift(range)
                .map_err(|reason| invalid(format!("has time range {range:?}, which {reason}")))?,
        };
        holidays.entry(date).or_default().push(closed);
    }
    for closed in holidays.values_mut() {
        *closed = merge(std::mem::take(closed));
    }
    Ok(holidays)
}

/// Strict `YYYY-MM-DD`: jiff's parser also takes other ISO 8601 forms.
fn parse_date(text: &str) -> Option<Date> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<i16> {
        let digits = &text[range];
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.parse().ok()
    };
    let year = number(0..4)?;
    let month = i8::try_from(number(5..7)?).ok()?;
    let day = i8::try_from(number(8..10)?).ok()?;
    Date::new(year, month, day).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn dates_are_strict() {
        assert_eq!(parse_date("2026-12-25"), Some(date(2026, 12, 25)));
        assert_eq!(parse_date("2028-02-29"), Some(date(2028, 2, 29)));
        for bad in [
            "2026-02-29",
            "2026-13-01",
            "2026-1-01",
            "20261225",
            "2026/12/25",
            "+02026-12-25",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn overlap_is_reported_with_the_later_entry_first() {
        let mut shifts = vec![
            (
                Shift {
                    start: 780,
                    end: 1020,
                },
                0,
            ),
            (
                Shift {
                    start: 480,
                    end: 800,
                },
                1,
            ),
        ];
        assert_eq!(first_overlap(&mut shifts), Some((1, 0)));
        // A long first shift overlapping a later, non-adjacent one.
        let mut shifts = vec![
            (
                Shift {
                    start: 0,
                    end: 1000,
                },
                0,
            ),
            (
                Shift {
                    start: 100,
                    end: 200,
                },
                1,
            ),
            (
                Shift {
                    start: 900,
                    end: 950,
                },
                2,
            ),
        ];
        assert_eq!(first_overlap(&mut shifts), Some((1, 0)));
        let mut touching = vec![
            (
                Shift {
                    start: 480,
                    end: 720,
                },
                0,
            ),
            (
                Shift {
                    start: 720,
                    end: 780,
                },
                1,
            ),
        ];
        assert_eq!(first_overlap(&mut touching), None);
    }
}
