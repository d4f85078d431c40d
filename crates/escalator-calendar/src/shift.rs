//! Local minute ranges within one day (`"HH:MM-HH:MM"`) and their arithmetic.
//!
//! Everything here is wall-clock minutes since local midnight; turning them
//! into instants (and so DST) is `local_time`'s job.

/// One past the last minute of a day: `"24:00"`.
pub(crate) const END_OF_DAY: u16 = 24 * 60;

/// A half-open range `[start, end)` of local minutes, `start < end <= 24:00`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Shift {
    pub(crate) start: u16,
    pub(crate) end: u16,
}

impl Shift {
    pub(crate) const WHOLE_DAY: Shift = Shift {
        start: 0,
        end: END_OF_DAY,
    };
}

/// Parses `"HH:MM-HH:MM"` (spaces around the dash allowed). The error is the
/// reason only; the caller adds the field name and the value.
pub(crate) fn parse_shift(text: &str) -> Result<Shift, String> {
    let malformed = || "is not a shift (expected \"HH:MM-HH:MM\", e.g. \"09:00-17:00\")".to_owned();
    let (start_text, end_text) = text.split_once('-').ok_or_else(malformed)?;
    let (start_text, end_text) = (start_text.trim(), end_text.trim());
    let start = parse_time(start_text).ok_or_else(malformed)?;
    let end = parse_time(end_text).ok_or_else(malformed)?;
    if start == END_OF_DAY {
        return Err("starts at 24:00 (24:00 is only allowed as an end)".to_owned());
    }
    if start == end {
        return Err("is empty (it starts and ends at the same time)".to_owned());
    }
    if end < start {
        // The usual cause is a night shift; say how to write one.
        return Err(if end == 0 {
            format!("ends before it starts; to end at midnight write \"{start_text}-24:00\"")
        } else {
            format!(
                "ends before it starts; shifts crossing midnight are not supported: \
                 write two shifts, \"{start_text}-24:00\" on this day and \
                 \"00:00-{end_text}\" on the next"
            )
        });
    }
    Ok(Shift { start, end })
}

/// `"HH:MM"` with two digits each, `00:00` to `24:00`.
fn parse_time(text: &str) -> Option<u16> {
    let bytes = text.as_bytes();
    if bytes.len() != 5 || bytes[2] != b':' {
        return None;
    }
    let digit = |i: usize| -> Option<u16> {
        let b = bytes[i];
        b.is_ascii_digit().then(|| u16::from(b - b'0'))
    };
    let hour = digit(0)? * 10 + digit(1)?;
    let minute = digit(3)? * 10 + digit(4)?;
    let valid = minute < 60 && (hour < 24 || (hour == 24 && minute == 0));
    valid.then_some(hour * 60 + minute)
}

/// Sorts and joins overlapping or touching ranges.
pub(crate) fn merge(mut shifts: Vec<Shift>) -> Vec<Shift> {
    shifts.sort_unstable();
    let mut merged: Vec<Shift> = Vec::with_capacity(shifts.len());
    for shift in shifts {
        match merged.last_mut() {
            Some(last) if shift.start <= last.end => last.end = last.end.max(shift.end),
            _ => merged.push(shift),
        }
    }
    merged
}

/// `open` minus `closed`; both sorted and non-overlapping.
pub(crate) fn subtract(open: &[Shift], closed: &[Shift]) -> Vec<Shift> {
    let mut result = Vec::with_capacity(open.len() + 1);
    for shift in open {
        let mut start = shift.start;
        for cut in closed {
            if cut.end <= start || cut.start >= shift.end {
                continue;
            }
            if cut.start > start {
                result.push(Shift {
                    start,
                    end: cut.start,
                });
            }
            start = start.max(cut.end);
        }
        if start < shift.end {
            result.push(Shift {
                start,
                end: shift.end,
            });
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(start: u16, end: u16) -> Shift {
        Shift { start, end }
    }

    #[test]
    fn parses_shifts_and_24_00_as_an_end() {
        assert_eq!(parse_shift("09:00-17:00"), Ok(s(540, 1020)));
        assert_eq!(parse_shift("22:00 - 24:00"), Ok(s(1320, 1440)));
        assert_eq!(parse_shift("00:00-24:00"), Ok(Shift::WHOLE_DAY));
    }

    #[test]
    fn refuses_malformed_times() {
        for bad in [
            "9:00-17:00",
            "09:00",
            "09:60-10:00",
            "25:00-26:00",
            "09:00-24:01",
            "aa:bb-cc:dd",
            "",
        ] {
            let reason = parse_shift(bad).unwrap_err();
            assert!(reason.starts_with("is not a shift"), "{bad}: {reason}");
        }
        assert!(
            parse_shift("24:00-24:00")
                .unwrap_err()
                .contains("only allowed as an end")
        );
        assert!(parse_shift("10:00-10:00").unwrap_err().contains("is empty"));
    }

    #[test]
    fn a_shift_crossing_midnight_gets_a_split_suggestion() {
        let reason = parse_shift("22:00-06:00").unwrap_err();
        assert!(reason.contains("\"22:00-24:00\" on this day"), "{reason}");
        assert!(reason.contains("\"00:00-06:00\" on the next"), "{reason}");
        let reason = parse_shift("18:00-00:00").unwrap_err();
        assert!(reason.contains("\"18:00-24:00\""), "{reason}");
    }

    #[test]
    fn merge_joins_overlapping_and_touching_ranges() {
        assert_eq!(
            merge(vec![s(600, 700), s(0, 60), s(650, 800), s(800, 900)]),
            vec![s(0, 60), s(600, 900)]
        );
    }

    #[test]
    fn subtract_cuts_closures_out_of_shifts() {
        let open = [s(480, 720), s(780, 1020)];
        // Closed 11:00-14:00: 08:00-11:00 and 14:00-17:00 remain.
        assert_eq!(
            subtract(&open, &[s(660, 840)]),
            vec![s(480, 660), s(840, 1020)]
        );
        assert_eq!(subtract(&open, &[Shift::WHOLE_DAY]), vec![]);
        assert_eq!(subtract(&open, &[]), open.to_vec());
        // Two cuts inside one shift.
        assert_eq!(
            subtract(&[s(0, 100)], &[s(10, 20), s(30, 40)]),
            vec![s(0, 10), s(20, 30), s(40, 100)]
        );
    }
}
