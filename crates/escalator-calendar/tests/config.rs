//! Configuration: the TOML shape and every refusal, with its message.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

mod common;

use escalator_calendar::{Calendar, CalendarConfig, CalendarError};

use common::{HOUR, config};

fn error(cfg: &CalendarConfig) -> String {
    Calendar::new(cfg).unwrap_err().to_string()
}

#[test]
fn the_readme_example_parses_from_toml() {
    #[derive(serde::Deserialize)]
    struct Policy {
        calendars: Vec<CalendarConfig>,
    }
    let readme = include_str!("../README.md");
    let example = readme
        .split("```toml\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .unwrap();
    let policy: Policy = toml::from_str(example).unwrap();
    let [business, always] = &policy.calendars[..] else {
        panic!("expected two calendars");
    };

    assert_eq!(business.hours["mon"], ["08:00-12:00", "13:00-17:00"]);
    assert!(!business.always_open);
    let cal = Calendar::new(business).unwrap();
    assert_eq!(cal.id(), "emea-business");
    assert_eq!(cal.time_zone(), "Europe/Berlin");
    assert_eq!(cal.business_day_ms(), 8 * HOUR);

    assert!(always.always_open && always.hours.is_empty() && always.holidays.is_empty());
    assert_eq!(Calendar::new(always).unwrap().business_day_ms(), 24 * HOUR);
}

#[test]
fn optional_fields_have_defaults() {
    let cfg: CalendarConfig =
        toml::from_str("id = \"24x7\"\ntime_zone = \"UTC\"\nalways_open = true").unwrap();
    assert!(cfg.hours.is_empty() && cfg.holidays.is_empty());
    assert_eq!(cfg.business_day_hours, 8.0);
    assert!(Calendar::new(&cfg).is_ok());
}

#[test]
fn unknown_keys_are_refused() {
    let err =
        toml::from_str::<CalendarConfig>("id = \"x\"\ntime_zone = \"UTC\"\ntimezone = \"UTC\"")
            .unwrap_err();
    assert!(err.to_string().contains("timezone"), "{err}");
}

#[test]
fn config_round_trips_through_toml() {
    let cfg = config("Asia/Tokyo", &[("mon", &["09:00-17:00"])], &["2026-01-01"]);
    let text = toml::to_string(&cfg).unwrap();
    assert_eq!(toml::from_str::<CalendarConfig>(&text).unwrap(), cfg);
}

#[test]
fn a_reversed_shift_names_the_field_and_value() {
    let cfg = config("UTC", &[("mon", &["08:00-12:00", "13:00-12:00"])], &[]);
    let message = error(&cfg);
    assert!(
        message.starts_with("hours.mon[1]: \"13:00-12:00\" ends before it starts"),
        "{message}"
    );
}

#[test]
fn a_shift_crossing_midnight_is_refused_with_a_suggestion() {
    let cfg = config("UTC", &[("fri", &["22:00-06:00"])], &[]);
    assert_eq!(
        error(&cfg),
        "hours.fri[0]: \"22:00-06:00\" ends before it starts; shifts crossing midnight are \
         not supported: write two shifts, \"22:00-24:00\" on this day and \"00:00-06:00\" \
         on the next"
    );
}

#[test]
fn overlapping_shifts_are_refused() {
    let cfg = config("UTC", &[("tue", &["08:00-12:00", "11:00-14:00"])], &[]);
    assert_eq!(
        error(&cfg),
        "hours.tue[1]: \"11:00-14:00\" overlaps hours.tue[0] \"08:00-12:00\""
    );
}

#[test]
fn malformed_shifts_and_weekdays_are_refused() {
    let cfg = config("UTC", &[("mon", &["9-17"])], &[]);
    assert!(error(&cfg).starts_with("hours.mon[0]: \"9-17\" is not a shift"));
    let cfg = config("UTC", &[("monday", &["09:00-17:00"])], &[]);
    assert_eq!(
        Calendar::new(&cfg).unwrap_err(),
        CalendarError::UnknownWeekday {
            key: "monday".to_owned()
        }
    );
}

#[test]
fn an_unknown_time_zone_is_refused() {
    for zone in ["Europe/Atlantis", "", "CEST", "+02:00", "Etc/Unknown"] {
        let cfg = config(zone, &[("mon", &["09:00-17:00"])], &[]);
        assert!(
            error(&cfg).starts_with(&format!("time_zone: unknown time zone {zone:?}")),
            "{zone}"
        );
    }
}

#[test]
fn time_zone_names_are_read_case_insensitively_and_reported_canonically() {
    let cfg = config("europe/berlin", &[("mon", &["09:00-17:00"])], &[]);
    assert_eq!(Calendar::new(&cfg).unwrap().time_zone(), "Europe/Berlin");
}

#[test]
fn bad_holidays_are_refused() {
    let cases = [
        ("2026-02-30", "is not a valid date"),
        ("25.12.2026", "is not a valid date"),
        (
            "2026-12-24 12:00",
            "has time range \"12:00\", which is not a shift",
        ),
        ("2026-12-24 18:00-02:00", "which ends before it starts"),
    ];
    for (holiday, reason) in cases {
        let cfg = config(
            "UTC",
            &[("mon", &["09:00-17:00"])],
            &["2026-01-01", holiday],
        );
        let message = error(&cfg);
        assert!(
            message.starts_with(&format!("holidays[1]: {holiday:?} ")) && message.contains(reason),
            "{message}"
        );
    }
}

#[test]
fn a_calendar_with_no_open_hours_is_refused() {
    for cfg in [
        config("UTC", &[], &[]),
        config("UTC", &[("mon", &[]), ("tue", &[])], &[]),
    ] {
        assert!(matches!(
            Calendar::new(&cfg),
            Err(CalendarError::NoOpenHours { .. })
        ));
    }
}

#[test]
fn always_open_refuses_hours_and_holidays() {
    let mut cfg = config("UTC", &[("mon", &["09:00-17:00"])], &[]);
    cfg.always_open = true;
    assert_eq!(
        error(&cfg),
        "hours: not allowed with always_open = true (a 24x7 calendar is never closed)"
    );
    let mut cfg = config("UTC", &[], &["2026-12-25"]);
    cfg.always_open = true;
    assert!(error(&cfg).starts_with("holidays: not allowed"));
}

#[test]
fn business_day_hours_must_be_positive_and_at_most_24() {
    for hours in [0.0, -8.0, 24.5, f64::NAN, f64::INFINITY] {
        let mut cfg = config("UTC", &[("mon", &["09:00-17:00"])], &[]);
        cfg.business_day_hours = hours;
        assert!(error(&cfg).starts_with("business_day_hours:"), "{hours}");
    }
    let mut cfg = config("UTC", &[("mon", &["09:00-17:00"])], &[]);
    cfg.business_day_hours = 7.5;
    assert_eq!(
        Calendar::new(&cfg).unwrap().business_day_ms(),
        7 * HOUR + HOUR / 2
    );
}

#[test]
fn an_empty_id_is_refused() {
    let mut cfg = config("UTC", &[("mon", &["09:00-17:00"])], &[]);
    cfg.id = "  ".to_owned();
    assert_eq!(Calendar::new(&cfg).unwrap_err(), CalendarError::EmptyId);
}
