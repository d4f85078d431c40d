//! Threshold durations: parsing and formatting.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

mod common;

use escalator_calendar::{format_duration, parse_duration};

use common::{HOUR, MINUTE};

const EIGHT_HOURS: i64 = 8 * HOUR;

#[test]
fn parses_each_unit() {
    let parse = |text| parse_duration(text, EIGHT_HOURS).unwrap();
    assert_eq!(parse("30m"), 30 * MINUTE);
    assert_eq!(parse("4h"), 4 * HOUR);
    assert_eq!(parse("90s"), 90_000);
    assert_eq!(parse("1h30m"), 90 * MINUTE);
    assert_eq!(parse("1h 30m"), 90 * MINUTE);
    assert_eq!(parse("250ms"), 250);
    assert_eq!(parse("0m"), 0);
    // d is one business day (8h here), w five of them.
    assert_eq!(parse("3d"), 24 * HOUR);
    assert_eq!(parse("2w"), 80 * HOUR);
    assert_eq!(
        parse("1w 2d 3h 4m 5s 6ms"),
        40 * HOUR + 16 * HOUR + 3 * HOUR + 4 * MINUTE + 5_006
    );
    // A 7.5h business day.
    assert_eq!(
        parse_duration("2d", 7 * HOUR + 30 * MINUTE).unwrap(),
        15 * HOUR
    );
}

#[test]
fn refuses_plain_numbers_and_other_ambiguities() {
    let reason = |text| parse_duration(text, EIGHT_HOURS).unwrap_err().to_string();
    assert_eq!(
        reason("30"),
        "duration \"30\": has no unit, and a plain number is ambiguous: write e.g. \"30m\" or \"30s\""
    );
    assert!(reason("").contains("is empty"));
    assert!(reason("1.5h").contains("fractions are not supported"));
    assert!(reason("-1h").contains("is not a duration"));
    assert!(reason("30m1h").contains("smaller unit first"));
    assert!(reason("1h1h").contains("repeats a unit"));
    assert!(reason("5x").contains("unknown unit \"x\""));
    assert!(reason("5H").contains("unknown unit \"H\""));
    assert!(reason("h").contains("is not a duration"));
    assert!(reason("1h30").contains("without a unit"));
    assert!(reason("99999999999999999999m").contains("too large"));
    assert!(reason("9999999999999999w").contains("too large"));
    assert!(
        parse_duration("1d", 0)
            .unwrap_err()
            .to_string()
            .contains("not positive")
    );
    // Without d or w the business day length does not matter.
    assert_eq!(parse_duration("1h", 0).unwrap(), HOUR);
}

#[test]
fn formats_in_hours_and_smaller_units() {
    assert_eq!(format_duration(2 * HOUR + 30 * MINUTE), "2h 30m");
    assert_eq!(format_duration(45_000), "45s");
    // 26 hours stay hours: a "day" would be ambiguous next to business days.
    assert_eq!(format_duration(26 * HOUR + 5 * MINUTE), "26h 5m");
    assert_eq!(format_duration(HOUR + 1_500), "1h 1s 500ms");
    assert_eq!(format_duration(0), "0s");
    assert_eq!(format_duration(-90 * MINUTE), "-1h 30m");
    assert!(format_duration(i64::MIN).starts_with('-'));
}

#[test]
fn formatted_durations_parse_back() {
    for ms in [
        1,
        999,
        61_000,
        2 * HOUR + 30 * MINUTE,
        26 * HOUR + 5 * MINUTE + 7_250,
        i64::MAX,
    ] {
        assert_eq!(
            parse_duration(&format_duration(ms), EIGHT_HOURS).unwrap(),
            ms,
            "{ms}"
        );
    }
}
