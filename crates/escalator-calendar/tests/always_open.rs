//! 24x7 calendars: business time is wall time.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{HOUR, always_open, t};

#[test]
fn business_time_is_wall_time() {
    let cal = always_open("UTC");
    let from = t("2026-03-27T16:00:00Z");
    let to = t("2026-03-30T10:00:00Z");
    // Fri 16:00 -> Mon 10:00 is 66 wall hours, weekend included.
    assert_eq!(cal.business_ms_between(from, to), 66 * HOUR);
    assert_eq!(cal.add_business_ms(from, 66 * HOUR), to);
    assert!(cal.is_open(t("2026-03-28T03:00:00Z")));
    assert_eq!(cal.next_open(from), Some(from));
    assert_eq!(cal.business_day_ms(), 24 * HOUR);
}

#[test]
fn a_24x7_day_across_spring_forward_is_23_elapsed_hours() {
    // Elapsed time, not wall-clock readings: Berlin midnight to midnight on
    // 2026-03-29 is 23 real hours.
    let cal = always_open("Europe/Berlin");
    let from = t("2026-03-28T23:00:00Z");
    let to = t("2026-03-29T22:00:00Z");
    assert_eq!(cal.business_ms_between(from, to), 23 * HOUR);
}

#[test]
fn adding_is_plain_addition_and_saturates() {
    let cal = always_open("UTC");
    assert_eq!(cal.add_business_ms(1_000, 2_500), 3_500);
    assert_eq!(cal.add_business_ms(1_000, 0), 1_000);
    assert_eq!(cal.add_business_ms(i64::MAX - 10, 100), i64::MAX);
    assert_eq!(cal.business_ms_between(i64::MIN, i64::MAX), i64::MAX);
}
