//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::collections::BTreeMap;

use escalator_calendar::{Calendar, CalendarConfig};

pub const MINUTE: i64 = 60_000;
pub const HOUR: i64 = 60 * MINUTE;
pub const DAY: i64 = 24 * HOUR;

/// Epoch milliseconds of an RFC 3339 instant, e.g. `"2026-03-27T16:00:00Z"`.
pub fn t(text: &str) -> i64 {
    text.parse::<jiff::Timestamp>().unwrap().as_millisecond()
}

pub fn config(time_zone: &str, hours: &[(&str, &[&str])], holidays: &[&str]) -> CalendarConfig {
    CalendarConfig {
        id: "test".to_owned(),
        time_zone: time_zone.to_owned(),
        hours: hours
            .iter()
            .map(|(day, shifts)| {
                let shifts = shifts.iter().map(|s| (*s).to_owned()).collect();
                ((*day).to_owned(), shifts)
            })
            .collect::<BTreeMap<_, _>>(),
        holidays: holidays.iter().map(|h| (*h).to_owned()).collect(),
        ..CalendarConfig::default()
    }
}

pub fn calendar(time_zone: &str, hours: &[(&str, &[&str])], holidays: &[&str]) -> Calendar {
    Calendar::new(&config(time_zone, hours, holidays)).unwrap()
}

/// The same shifts Monday to Friday.
pub fn weekdays(time_zone: &str, shifts: &[&str], holidays: &[&str]) -> Calendar {
    let days = ["mon", "tue", "wed", "thu", "fri"];
    let hours: Vec<(&str, &[&str])> = days.iter().map(|d| (*d, shifts)).collect();
    calendar(time_zone, &hours, holidays)
}

/// The same shifts every day of the week.
pub fn every_day(time_zone: &str, shifts: &[&str]) -> Calendar {
    let days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let hours: Vec<(&str, &[&str])> = days.iter().map(|d| (*d, shifts)).collect();
    calendar(time_zone, &hours, &[])
}

pub fn always_open(time_zone: &str) -> Calendar {
    Calendar::new(&CalendarConfig {
        id: "24x7".to_owned(),
        time_zone: time_zone.to_owned(),
        always_open: true,
        business_day_hours: 24.0,
        ..CalendarConfig::default()
    })
    .unwrap()
}
