//! The calendar as written in a policy file.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One calendar as it appears in the evaluator's TOML policy.
///
/// This is the raw, unvalidated shape; [`crate::Calendar::new`] checks it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarConfig {
    /// Name that rules refer to, e.g. `"emea-business"` or `"24x7"`.
    pub id: String,
    /// IANA time zone name, e.g. `"Europe/Berlin"`. Shifts and holidays are
    /// local to it.
    pub time_zone: String,
    /// A 24x7 plan: business time is wall time. `hours` and `holidays` must
    /// then be empty.
    #[serde(default)]
    pub always_open: bool,
    /// Weekday (`mon` .. `sun`) to its shifts, `"HH:MM-HH:MM"`, end exclusive;
    /// `"24:00"` is allowed as an end. Missing days are closed.
    #[serde(default)]
    pub hours: BTreeMap<String, Vec<String>>,
    /// `"YYYY-MM-DD"` closes the whole local day; `"YYYY-MM-DD HH:MM-HH:MM"`
    /// closes part of it.
    #[serde(default)]
    pub holidays: Vec<String>,
    /// Length of one business day for thresholds written in `d` or `w`.
    #[serde(default = "default_business_day_hours")]
    pub business_day_hours: f64,
}

fn default_business_day_hours() -> f64 {
    8.0
}

impl Default for CalendarConfig {
    /// A closed UTC calendar: a base for struct-update syntax, not valid as is.
    fn default() -> Self {
        CalendarConfig {
            id: String::new(),
            time_zone: "UTC".to_owned(),
            always_open: false,
            hours: BTreeMap::new(),
            holidays: Vec::new(),
            business_day_hours: default_business_day_hours(),
        }
    }
}
