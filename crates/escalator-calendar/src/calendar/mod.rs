//! A validated calendar and the business-time arithmetic on it.

mod days;
mod long_span;

use std::ops::ControlFlow;

use jiff::civil::Date;
use jiff::tz::{TimeZone, TimeZoneDatabase};

use crate::config::CalendarConfig;
use crate::error::CalendarError;
use crate::local_time::{local_date, supported_range};
use crate::validate::{self, Holidays, Week};

/// How many local days [`Calendar::add_business_ms`] and
/// [`Calendar::next_open`] look ahead before giving up (about ten years).
pub const MAX_SEARCH_DAYS: i32 = 3660;

/// A validated calendar, ready to compute with.
#[derive(Debug, Clone)]
pub struct Calendar {
    id: String,
    time_zone: String,
    tz: TimeZone,
    always_open: bool,
    week: Week,
    holidays: Holidays,
    business_day_ms: i64,
}

impl Calendar {
    /// Checks `cfg` and builds the calendar. Time zones come from the tz
    /// database bundled into the binary, not from the host.
    ///
    /// # Errors
    ///
    /// A [`CalendarError`] naming the first bad field and its value: an
    /// empty id, an unknown time zone, a malformed, reversed (crossing
    /// midnight) or overlapping shift, an unknown weekday, a bad holiday,
    /// `business_day_hours` outside (0, 24], `hours` or `holidays` given with
    /// `always_open`, or no open hours at all.
    pub fn new(cfg: &CalendarConfig) -> Result<Calendar, CalendarError> {
        if cfg.id.trim().is_empty() {
            return Err(CalendarError::EmptyId);
        }
        let unknown_zone = || CalendarError::UnknownTimeZone {
            value: cfg.time_zone.clone(),
        };
        let tz = TimeZoneDatabase::bundled()
            .get(&cfg.time_zone)
            .map_err(|_| unknown_zone())?;
        if tz.is_unknown() {
            return Err(unknown_zone());
        }
        let business_day_ms = business_day_ms(cfg.business_day_hours)?;
        if cfg.always_open {
            // Ignoring these silently would hide a policy mistake.
            if !cfg.hours.is_empty() {
                return Err(CalendarError::ConflictsWithAlwaysOpen { field: "hours" });
            }
            if !cfg.holidays.is_empty() {
                return Err(CalendarError::ConflictsWithAlwaysOpen { field: "holidays" });
            }
        }
        let week = validate::week(cfg)?;
        let holidays = validate::holidays(cfg)?;
        if !cfg.always_open && week.iter().all(Vec::is_empty) {
            return Err(CalendarError::NoOpenHours { id: cfg.id.clone() });
        }
        Ok(Calendar {
            id: cfg.id.clone(),
            time_zone: tz.iana_name().unwrap_or(&cfg.time_zone).to_owned(),
            tz,
            always_open: cfg.always_open,
            week,
            holidays,
            business_day_ms,
        })
    }

    #[must_use]
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The IANA name, in the database's spelling (`europe/berlin` reads
    /// `Europe/Berlin`).
    #[must_use]
    pub fn time_zone(&self) -> &str {
        &self.time_zone
    }

    /// The length of one business day (`d` in thresholds).
    #[must_use]
    pub fn business_day_ms(&self) -> i64 {
        self.business_day_ms
    }

    /// Business milliseconds in `[from_ms, to_ms)`; 0 when `to_ms <= from_ms`.
    ///
    /// Short spans cost one step per local day; long ones one step per
    /// holiday and time-zone transition in them. Instants beyond the range
    /// jiff supports (about years -9999 and 9999) count as closed.
    #[must_use]
    pub fn business_ms_between(&self, from_ms: i64, to_ms: i64) -> i64 {
        if to_ms <= from_ms {
            return 0;
        }
        if self.always_open {
            return to_ms.saturating_sub(from_ms);
        }
        let (lo, hi) = supported_range();
        let (from_ms, to_ms) = (from_ms.max(lo), to_ms.min(hi));
        if to_ms <= from_ms {
            return 0;
        }
        let (Some(from_date), Some(to_date)) =
            (local_date(&self.tz, from_ms), local_date(&self.tz, to_ms))
        else {
            return 0;
        };
        self.long_span_ms(from_ms, from_date, to_ms, to_date)
            .unwrap_or_else(|| self.walked_ms(from_ms, to_ms))
    }

    /// The earliest instant `t >= start_ms` with
    /// `business_ms_between(start_ms, t) == amount_ms`.
    ///
    /// An amount of 0 (or less) returns `start_ms`, even when closed. A
    /// deadline more than [`MAX_SEARCH_DAYS`] local days away, or past the
    /// range jiff supports (year 9999), is unreachable: `i64::MAX`.
    #[must_use]
    pub fn add_business_ms(&self, start_ms: i64, amount_ms: i64) -> i64 {
        if amount_ms <= 0 {
            return start_ms;
        }
        if self.always_open {
            return start_ms.saturating_add(amount_ms);
        }
        let Some((first, last)) = self.search_window(start_ms) else {
            return i64::MAX;
        };
        let mut remaining = amount_ms;
        let found = self.walk(first, last, |start, end| {
            let start = start.max(start_ms);
            let open = end - start;
            if open <= 0 {
                return ControlFlow::Continue(());
            }
            if remaining <= open {
                return ControlFlow::Break(start + remaining);
            }
            remaining -= open;
            ControlFlow::Continue(())
        });
        match found {
            ControlFlow::Break(deadline) => deadline,
            ControlFlow::Continue(()) => i64::MAX,
        }
    }

    #[must_use]
    pub fn is_open(&self, at_ms: i64) -> bool {
        if self.always_open {
            return true;
        }
        let (lo, hi) = supported_range();
        if !(lo..=hi).contains(&at_ms) {
            return false;
        }
        let Some(date) = local_date(&self.tz, at_ms) else {
            return false;
        };
        let (Ok(first), Ok(last)) = (date.yesterday(), date.tomorrow()) else {
            return false;
        };
        self.walk(first, last, |start, end| {
            if (start..end).contains(&at_ms) {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .is_break()
    }

    /// The first instant `>= at_ms` at which the calendar is open; `None`
    /// when there is none within [`MAX_SEARCH_DAYS`] local days.
    #[must_use]
    pub fn next_open(&self, at_ms: i64) -> Option<i64> {
        if self.always_open {
            return Some(at_ms);
        }
        let (first, last) = self.search_window(at_ms)?;
        match self.walk(first, last, |start, end| {
            if end > at_ms {
                ControlFlow::Break(start.max(at_ms))
            } else {
                ControlFlow::Continue(())
            }
        }) {
            ControlFlow::Break(open) => Some(open),
            ControlFlow::Continue(()) => None,
        }
    }

    /// From the local day before `at_ms` (so no interval that contains it is
    /// missed) to `MAX_SEARCH_DAYS` days after it.
    fn search_window(&self, at_ms: i64) -> Option<(Date, Date)> {
        let (lo, hi) = supported_range();
        if !(lo..=hi).contains(&at_ms) {
            return None;
        }
        let date = local_date(&self.tz, at_ms)?;
        let last = date
            .checked_add(jiff::Span::new().days(MAX_SEARCH_DAYS))
            .unwrap_or(Date::MAX);
        Some((date.yesterday().ok()?, last))
    }
}

fn business_day_ms(hours: f64) -> Result<i64, CalendarError> {
    let invalid = || CalendarError::InvalidBusinessDayHours {
        value: hours.to_string(),
    };
    if !(hours > 0.0 && hours <= 24.0) {
        return Err(invalid());
    }
    // In range (0, 24h], so the cast cannot truncate.
    let ms = (hours * 3_600_000.0).round() as i64;
    if ms <= 0 {
        return Err(invalid());
    }
    Ok(ms)
}
