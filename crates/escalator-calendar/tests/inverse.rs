//! `add_business_ms` inverts `business_ms_between`, over many pseudo-random
//! cases; long spans and unreachable deadlines.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

mod common;

use escalator_calendar::Calendar;

use common::{DAY, HOUR, MINUTE, calendar, t, weekdays};

/// SplitMix64: deterministic, good enough to spread test cases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[lo, hi)`.
    fn between(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo) as u64) as i64
    }

    /// Half the time a multiple of 15 minutes, to land on shift edges.
    fn instant_or_edge(&mut self, lo: i64, hi: i64) -> i64 {
        let at = self.between(lo, hi);
        if self.next() % 2 == 0 {
            at - at.rem_euclid(15 * MINUTE)
        } else {
            at
        }
    }
}

fn calendars() -> Vec<(&'static str, Calendar)> {
    vec![
        (
            "berlin split shifts with holidays",
            weekdays(
                "Europe/Berlin",
                &["08:00-12:00", "13:00-17:00"],
                &[
                    "2026-04-03",
                    "2026-04-06",
                    "2026-12-24 12:00-24:00",
                    "2026-12-25",
                ],
            ),
        ),
        (
            "new york weekdays and saturday",
            calendar(
                "America/New_York",
                &[
                    ("mon", &["09:00-17:00"]),
                    ("tue", &["09:00-17:00"]),
                    ("wed", &["09:00-17:00"]),
                    ("thu", &["09:00-17:00"]),
                    ("fri", &["09:00-17:00"]),
                    ("sat", &["10:00-14:00"]),
                ],
                &[],
            ),
        ),
        (
            "tokyo night shift split at midnight",
            calendar(
                "Asia/Tokyo",
                &[
                    ("mon", &["22:00-24:00"]),
                    ("tue", &["00:00-06:00", "22:00-24:00"]),
                    ("wed", &["00:00-06:00"]),
                ],
                &[],
            ),
        ),
        (
            "berlin shifts on DST edges",
            calendar(
                "Europe/Berlin",
                &[
                    ("sat", &["23:00-24:00"]),
                    ("sun", &["00:00-02:30", "02:30-03:30", "09:00-17:00"]),
                ],
                &[],
            ),
        ),
        (
            "sydney weekdays",
            weekdays("Australia/Sydney", &["09:00-17:30"], &["2026-04-03"]),
        ),
    ]
}

#[test]
fn add_is_the_earliest_inverse_of_between() {
    let mut rng = Rng(0x5EED);
    // 2025-06 to 2027-06 covers four DST transitions in each hemisphere.
    let (lo, hi) = (t("2025-06-01T00:00:00Z"), t("2027-06-01T00:00:00Z"));
    for (name, cal) in calendars() {
        for _ in 0..400 {
            let start = rng.instant_or_edge(lo, hi);
            let amount = match rng.next() % 8 {
                0 => 0,
                1 => rng.between(1, 1_000),
                _ => rng.instant_or_edge(1, 15 * 8 * HOUR),
            };
            let deadline = cal.add_business_ms(start, amount);
            let case = format!("{name}: start {start}, amount {amount}, deadline {deadline}");
            assert_ne!(deadline, i64::MAX, "{case}");
            assert_eq!(cal.business_ms_between(start, deadline), amount, "{case}");
            if amount == 0 {
                assert_eq!(deadline, start, "{case}");
            } else {
                // Earliest: one millisecond sooner is not enough, and the
                // calendar was open during that last millisecond.
                assert!(deadline > start, "{case}");
                assert!(cal.is_open(deadline - 1), "{case}");
                assert_eq!(
                    cal.business_ms_between(start, deadline - 1),
                    amount - 1,
                    "{case}"
                );
            }
        }
    }
}

#[test]
fn between_then_add_never_overshoots() {
    let mut rng = Rng(0xCA1E);
    let (lo, hi) = (t("2025-06-01T00:00:00Z"), t("2027-06-01T00:00:00Z"));
    for (name, cal) in calendars() {
        for _ in 0..300 {
            let from = rng.instant_or_edge(lo, hi);
            let to = from + rng.instant_or_edge(0, 30 * DAY);
            let amount = cal.business_ms_between(from, to);
            let deadline = cal.add_business_ms(from, amount);
            let case = format!("{name}: {from} -> {to} has {amount}, deadline {deadline}");
            assert!(deadline <= to, "{case}");
            // Nothing open between the deadline and `to`.
            assert_eq!(cal.business_ms_between(deadline, to), 0, "{case}");
        }
    }
}

#[test]
fn next_open_is_open_and_nothing_before_it_is() {
    let mut rng = Rng(0x0FE2);
    let (lo, hi) = (t("2025-06-01T00:00:00Z"), t("2027-06-01T00:00:00Z"));
    for (name, cal) in calendars() {
        for _ in 0..300 {
            let at = rng.instant_or_edge(lo, hi);
            let open = cal.next_open(at).unwrap();
            let case = format!("{name}: at {at}, next open {open}");
            assert!(open >= at && cal.is_open(open), "{case}");
            assert_eq!(cal.business_ms_between(at, open), 0, "{case}");
            assert_eq!(cal.is_open(at), open == at, "{case}");
        }
    }
}

#[test]
fn ninety_days_count_day_by_day() {
    let cal = weekdays("Europe/Berlin", &["09:00-17:00"], &[]);
    // Local Mon 2026-01-05 00:00 CET to Sun 2026-04-05 00:00 CEST: 90 days,
    // 12 full weeks plus Mon-Sat, so 65 weekdays of 8h (the spring-forward
    // on Sunday 03-29 touches no shift).
    let from = t("2026-01-04T23:00:00Z");
    let to = t("2026-04-04T22:00:00Z");
    assert_eq!(cal.business_ms_between(from, to), 65 * 8 * HOUR);
    assert_eq!(
        cal.add_business_ms(from, 65 * 8 * HOUR),
        t("2026-04-03T15:00:00Z")
    );
}

#[test]
fn deadlines_beyond_the_search_window_are_unreachable() {
    let cal = weekdays("UTC", &["09:00-17:00"], &[]);
    let start = t("2026-03-30T09:00:00Z");
    // The window is Mon 2026-03-30 plus 3660 days, to Sun 2036-04-06:
    // 523 weeks of 5 x 8h = 20920h, the last of them ending Fri 17:00.
    assert_eq!(
        cal.add_business_ms(start, 20_920 * HOUR),
        t("2036-04-04T17:00:00Z")
    );
    assert_eq!(cal.add_business_ms(start, 20_920 * HOUR + 1), i64::MAX);
    assert_eq!(cal.add_business_ms(start, i64::MAX), i64::MAX);
}

#[test]
fn a_decade_of_holidays_ends_the_search_instead_of_looping() {
    // Every day from 2026 to 2037 is a holiday: nothing opens within the
    // window, so there is no next opening and no reachable deadline.
    let mut holidays = Vec::new();
    let mut day = jiff::civil::date(2026, 1, 1);
    while day.year() < 2038 {
        holidays.push(day.to_string());
        day = day.tomorrow().unwrap();
    }
    let holidays: Vec<&str> = holidays.iter().map(String::as_str).collect();
    let cal = weekdays("UTC", &["09:00-17:00"], &holidays);
    let start = t("2026-06-01T00:00:00Z");
    assert_eq!(cal.next_open(start), None);
    assert_eq!(cal.add_business_ms(start, HOUR), i64::MAX);
    assert_eq!(cal.business_ms_between(start, t("2037-06-01T00:00:00Z")), 0);
}

#[test]
fn amounts_of_zero_or_less_return_the_start_even_when_closed() {
    let cal = weekdays("UTC", &["09:00-17:00"], &[]);
    let saturday = t("2026-03-28T12:00:00Z");
    assert_eq!(cal.add_business_ms(saturday, 0), saturday);
    assert_eq!(cal.add_business_ms(saturday, -HOUR), saturday);
}

#[test]
fn instants_beyond_jiffs_range_are_closed_not_a_panic() {
    let cal = weekdays("UTC", &["09:00-17:00"], &[]);
    assert!(!cal.is_open(i64::MAX));
    assert!(!cal.is_open(i64::MIN));
    assert_eq!(cal.next_open(i64::MAX), None);
    assert_eq!(cal.add_business_ms(i64::MIN, HOUR), i64::MAX);
    // Clamped to the supported range: the last days before year 10000.
    let last_year = cal.business_ms_between(t("9999-01-01T00:00:00Z"), i64::MAX);
    assert!(
        last_year > 250 * 8 * HOUR && last_year <= 261 * 8 * HOUR,
        "{last_year}"
    );
}
