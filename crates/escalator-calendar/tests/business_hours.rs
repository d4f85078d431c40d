//! Weekends, split shifts, holidays and time zones on ordinary days.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{HOUR, MINUTE, calendar, t, weekdays};

#[test]
fn a_weekend_does_not_count() {
    let cal = weekdays("UTC", &["09:00-17:00"], &[]);
    // Fri 2026-03-27 16:00 -> Mon 2026-03-30 10:00: Fri 16-17 + Mon 9-10.
    let from = t("2026-03-27T16:00:00Z");
    let to = t("2026-03-30T10:00:00Z");
    assert_eq!(cal.business_ms_between(from, to), 2 * HOUR);
    // And back: 2h from Friday 16:00 lands on Monday 10:00.
    assert_eq!(cal.add_business_ms(from, 2 * HOUR), to);
    assert!(!cal.is_open(t("2026-03-28T12:00:00Z")));
    assert_eq!(
        cal.next_open(t("2026-03-28T12:00:00Z")),
        Some(t("2026-03-30T09:00:00Z"))
    );
}

#[test]
fn empty_and_reversed_spans_count_zero() {
    let cal = weekdays("UTC", &["09:00-17:00"], &[]);
    let at = t("2026-03-30T10:00:00Z");
    assert_eq!(cal.business_ms_between(at, at), 0);
    assert_eq!(cal.business_ms_between(at + HOUR, at), 0);
}

#[test]
fn the_lunch_break_of_a_split_shift_does_not_count() {
    let cal = weekdays("UTC", &["08:00-12:00", "13:00-17:00"], &[]);
    // Mon 2026-03-30 11:00 -> 14:00: 11-12 and 13-14.
    let monday = |hhmm: &str| t(&format!("2026-03-30T{hhmm}:00Z"));
    assert_eq!(
        cal.business_ms_between(monday("11:00"), monday("14:00")),
        2 * HOUR
    );
    // The whole day: 4h + 4h.
    assert_eq!(
        cal.business_ms_between(monday("00:00"), monday("23:59")),
        8 * HOUR
    );
    // 2h from 11:00: 1h before lunch, 1h after it.
    assert_eq!(
        cal.add_business_ms(monday("11:00"), 2 * HOUR),
        monday("14:00")
    );
    // 31m from 11:30 crosses lunch and lands at 13:01.
    assert_eq!(
        cal.add_business_ms(monday("11:30"), 31 * MINUTE),
        monday("13:01")
    );
    // Exactly the rest of the morning ends at 12:00, the earliest such instant.
    assert_eq!(
        cal.add_business_ms(monday("11:30"), 30 * MINUTE),
        monday("12:00")
    );
    assert!(!cal.is_open(monday("12:30")));
    assert!(cal.is_open(monday("13:00")));
    assert!(!cal.is_open(monday("17:00")));
    assert_eq!(cal.next_open(monday("12:30")), Some(monday("13:00")));
    assert_eq!(cal.next_open(monday("10:00")), Some(monday("10:00")));
}

#[test]
fn touching_shifts_are_one_open_stretch() {
    let cal = weekdays("UTC", &["08:00-12:00", "12:00-13:00"], &[]);
    let monday = |hhmm: &str| t(&format!("2026-03-30T{hhmm}:00Z"));
    assert!(cal.is_open(monday("12:00")));
    assert_eq!(
        cal.add_business_ms(monday("11:00"), 90 * MINUTE),
        monday("12:30")
    );
}

#[test]
fn a_deadline_that_would_fall_on_a_holiday_moves_to_the_next_open_time() {
    let plain = weekdays("UTC", &["09:00-17:00"], &[]);
    // Good Friday 2026-04-03 and Easter Monday 2026-04-06 closed.
    let easter = weekdays("UTC", &["09:00-17:00"], &["2026-04-03", "2026-04-06"]);
    let thursday_16 = t("2026-04-02T16:00:00Z");
    // Without holidays: Thu 16-17, then Fri 9-10.
    assert_eq!(
        plain.add_business_ms(thursday_16, 2 * HOUR),
        t("2026-04-03T10:00:00Z")
    );
    // With them: Thu 16-17, then Tue 9-10.
    assert_eq!(
        easter.add_business_ms(thursday_16, 2 * HOUR),
        t("2026-04-07T10:00:00Z")
    );
    // Thu 16:00 -> Tue 10:00 is the same 2h.
    assert_eq!(
        easter.business_ms_between(thursday_16, t("2026-04-07T10:00:00Z")),
        2 * HOUR
    );
    assert!(!easter.is_open(t("2026-04-03T10:00:00Z")));
    assert_eq!(
        easter.next_open(t("2026-04-03T10:00:00Z")),
        Some(t("2026-04-07T09:00:00Z"))
    );
}

#[test]
fn a_partial_holiday_closes_only_its_hours() {
    // Christmas Eve (Thu) closes at noon; Christmas Day (Fri) is closed.
    let cal = weekdays(
        "UTC",
        &["09:00-17:00"],
        &["2026-12-24 12:00-24:00", "2026-12-25"],
    );
    // Thu: only 09:00-12:00 counts.
    let thursday = t("2026-12-24T00:00:00Z");
    assert_eq!(
        cal.business_ms_between(thursday, thursday + 24 * HOUR),
        3 * HOUR
    );
    assert!(cal.is_open(t("2026-12-24T11:59:00Z")));
    assert!(!cal.is_open(t("2026-12-24T12:00:00Z")));
    // 2h from Thu 11:00: Thu 11-12, then Mon 2026-12-28 9-10.
    assert_eq!(
        cal.add_business_ms(t("2026-12-24T11:00:00Z"), 2 * HOUR),
        t("2026-12-28T10:00:00Z")
    );
}

#[test]
fn a_closure_in_the_middle_of_a_shift_splits_it() {
    // Closed 10:00-11:30 for an all-hands on Mon 2026-03-30.
    let cal = weekdays("UTC", &["09:00-17:00"], &["2026-03-30 10:00-11:30"]);
    let monday = |hhmm: &str| t(&format!("2026-03-30T{hhmm}:00Z"));
    assert_eq!(
        cal.business_ms_between(monday("09:00"), monday("17:00")),
        6 * HOUR + 30 * MINUTE
    );
    assert_eq!(cal.add_business_ms(monday("09:30"), HOUR), monday("12:00"));
}

#[test]
fn holidays_are_local_dates_of_the_calendar() {
    // Berlin is UTC+2 in April: the local day 2026-04-03 runs from
    // 2026-04-02T22:00Z to 2026-04-03T22:00Z, and 09-17 is 07-15Z.
    let cal = weekdays("Europe/Berlin", &["09:00-17:00"], &["2026-04-03"]);
    assert!(cal.is_open(t("2026-04-02T14:59:00Z")));
    assert!(!cal.is_open(t("2026-04-03T08:00:00Z")));
    assert_eq!(
        cal.next_open(t("2026-04-02T15:00:00Z")),
        Some(t("2026-04-06T07:00:00Z"))
    );
}

#[test]
fn the_same_utc_span_counts_differently_per_time_zone() {
    let berlin = weekdays("Europe/Berlin", &["09:00-17:00"], &[]);
    let new_york = weekdays("America/New_York", &["09:00-17:00"], &[]);
    let tokyo = weekdays("Asia/Tokyo", &["09:00-17:00"], &[]);
    // Mon 2026-03-02 05:00Z -> 15:30Z. Before any DST change:
    let (from, to) = (t("2026-03-02T05:00:00Z"), t("2026-03-02T15:30:00Z"));
    // Berlin (UTC+1) is open 08:00-16:00Z: 08:00-15:30 = 7h30m.
    assert_eq!(berlin.business_ms_between(from, to), 7 * HOUR + 30 * MINUTE);
    // New York (UTC-5) is open 14:00-22:00Z: 14:00-15:30 = 1h30m.
    assert_eq!(new_york.business_ms_between(from, to), HOUR + 30 * MINUTE);
    // Tokyo (UTC+9) is open 00:00-08:00Z: 05:00-08:00 = 3h.
    assert_eq!(tokyo.business_ms_between(from, to), 3 * HOUR);

    // At 15:00Z it is 16:00 in Berlin, 10:00 in New York, 00:00 Tue in Tokyo.
    let at = t("2026-03-02T15:00:00Z");
    assert!(berlin.is_open(at));
    assert!(new_york.is_open(at));
    assert!(!tokyo.is_open(at));
    // Tokyo opens at 09:00 JST on Tuesday = 00:00Z Tuesday.
    assert_eq!(tokyo.next_open(at), Some(t("2026-03-03T00:00:00Z")));
}

#[test]
fn weekend_only_calendars_work_too() {
    let cal = calendar(
        "UTC",
        &[("sat", &["10:00-14:00"]), ("sun", &["10:00-14:00"])],
        &[],
    );
    // From Mon 2026-03-30: the next open time is Sat 2026-04-04 10:00, and
    // 6h of business time end on Sun 12:00.
    let monday = t("2026-03-30T00:00:00Z");
    assert_eq!(cal.next_open(monday), Some(t("2026-04-04T10:00:00Z")));
    assert_eq!(
        cal.add_business_ms(monday, 6 * HOUR),
        t("2026-04-05T12:00:00Z")
    );
}
