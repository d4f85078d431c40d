//! Daylight-saving transitions: wall-clock shifts, elapsed business time.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{HOUR, MINUTE, calendar, every_day, t};

/// Business time of one whole local day, measured over a wider UTC window
/// with only Sundays open.
fn sunday_hours(time_zone: &str, shifts: &[&str], window: (&str, &str)) -> i64 {
    let cal = calendar(time_zone, &[("sun", shifts)], &[]);
    cal.business_ms_between(t(window.0), t(window.1))
}

#[test]
fn berlin_spring_forward_day_has_23_hours() {
    // 2026-03-29: 02:00 CET jumps to 03:00 CEST. Local midnight to midnight
    // is 2026-03-28T23:00Z to 2026-03-29T22:00Z.
    let window = ("2026-03-27T00:00:00Z", "2026-04-01T00:00:00Z");
    assert_eq!(
        sunday_hours("Europe/Berlin", &["00:00-24:00"], window),
        23 * HOUR
    );
    // 09:00 CEST-17:00 CEST is 07:00Z-15:00Z.
    assert_eq!(
        sunday_hours("Europe/Berlin", &["09:00-17:00"], window),
        8 * HOUR
    );
    // A normal Sunday a week earlier has 24.
    let before = ("2026-03-20T00:00:00Z", "2026-03-25T00:00:00Z");
    assert_eq!(
        sunday_hours("Europe/Berlin", &["00:00-24:00"], before),
        24 * HOUR
    );
}

#[test]
fn berlin_fall_back_day_has_25_hours() {
    // 2026-10-25: 03:00 CEST falls back to 02:00 CET. Local midnight to
    // midnight is 2026-10-24T22:00Z to 2026-10-25T23:00Z.
    let window = ("2026-10-23T00:00:00Z", "2026-10-28T00:00:00Z");
    assert_eq!(
        sunday_hours("Europe/Berlin", &["00:00-24:00"], window),
        25 * HOUR
    );
    // 09:00 CET-17:00 CET is 08:00Z-16:00Z.
    assert_eq!(
        sunday_hours("Europe/Berlin", &["09:00-17:00"], window),
        8 * HOUR
    );
}

#[test]
fn new_york_transition_days() {
    // 2026-03-08: 00:00 EST (05:00Z) to 00:00 EDT next day (04:00Z) = 23h.
    let spring = ("2026-03-06T00:00:00Z", "2026-03-11T00:00:00Z");
    assert_eq!(
        sunday_hours("America/New_York", &["00:00-24:00"], spring),
        23 * HOUR
    );
    assert_eq!(
        sunday_hours("America/New_York", &["09:00-17:00"], spring),
        8 * HOUR
    );
    // 2026-11-01: 00:00 EDT (04:00Z) to 00:00 EST next day (05:00Z) = 25h.
    let fall = ("2026-10-30T00:00:00Z", "2026-11-04T00:00:00Z");
    assert_eq!(
        sunday_hours("America/New_York", &["00:00-24:00"], fall),
        25 * HOUR
    );
    assert_eq!(
        sunday_hours("America/New_York", &["09:00-17:00"], fall),
        8 * HOUR
    );
}

#[test]
fn day_boundaries_follow_the_offsets_on_transition_days() {
    let cal = calendar("Europe/Berlin", &[("sun", &["00:00-24:00"])], &[]);
    let day_start = t("2026-03-28T23:00:00Z");
    assert_eq!(cal.next_open(t("2026-03-27T00:00:00Z")), Some(day_start));
    // 23h after local midnight is the next local midnight.
    assert_eq!(
        cal.add_business_ms(day_start, 23 * HOUR),
        t("2026-03-29T22:00:00Z")
    );
    assert!(cal.is_open(t("2026-03-29T21:59:00Z")));
    assert!(!cal.is_open(t("2026-03-29T22:00:00Z")));
}

#[test]
fn a_shift_edge_in_the_skipped_hour_moves_to_the_transition() {
    // Berlin 2026-03-29: wall 01:00-02:30 and 02:30-05:00. 02:30 does not
    // exist, so both edges are the transition at 01:00Z (03:00 CEST):
    // 00:00Z-01:00Z plus 01:00Z-03:00Z, the 3 real hours from 01:00 CET to
    // 05:00 CEST.
    let cal = calendar(
        "Europe/Berlin",
        &[("sun", &["01:00-02:30", "02:30-05:00"])],
        &[],
    );
    let from = t("2026-03-28T00:00:00Z");
    let to = t("2026-03-30T00:00:00Z");
    assert_eq!(cal.business_ms_between(from, to), 3 * HOUR);
    assert!(cal.is_open(t("2026-03-29T00:30:00Z")));
    assert!(cal.is_open(t("2026-03-29T01:30:00Z")));
    assert!(!cal.is_open(t("2026-03-29T03:00:00Z")));
}

#[test]
fn a_shift_entirely_in_the_skipped_hour_is_closed_that_day() {
    // Only 02:00-02:30 on Sundays: on 2026-03-29 that time does not exist,
    // so the next opening after Saturday is 2026-04-05 02:00 CEST = 00:00Z.
    let cal = calendar("Europe/Berlin", &[("sun", &["02:00-02:30"])], &[]);
    let saturday = t("2026-03-28T12:00:00Z");
    assert_eq!(cal.next_open(saturday), Some(t("2026-04-05T00:00:00Z")));
    assert_eq!(
        cal.add_business_ms(saturday, 30 * MINUTE),
        t("2026-04-05T00:30:00Z")
    );
}

#[test]
fn a_shift_across_the_repeated_hour_counts_real_time() {
    // Berlin 2026-10-25, wall 02:30-03:30: 02:30 is taken at its first
    // occurrence (00:30Z, CEST), 03:30 exists once (02:30Z, CET): 2 hours
    // really pass, as they do for someone at work then.
    let cal = calendar("Europe/Berlin", &[("sun", &["02:30-03:30"])], &[]);
    let from = t("2026-10-24T00:00:00Z");
    let to = t("2026-10-26T00:00:00Z");
    assert_eq!(cal.business_ms_between(from, to), 2 * HOUR);
}

#[test]
fn open_every_day_equals_wall_time_across_years_of_transitions() {
    // Days must tile the timeline: no hour lost or counted twice at any of
    // the 80 transitions between 2000 and 2040.
    for zone in ["Europe/Berlin", "America/New_York", "Australia/Sydney"] {
        let cal = every_day(zone, &["00:00-24:00"]);
        let from = t("2000-01-01T00:00:00Z");
        let to = t("2040-01-01T00:00:00Z");
        assert_eq!(cal.business_ms_between(from, to), to - from, "{zone}");
    }
}
