//! Local days of a calendar as open intervals of instants.

use std::borrow::Cow;
use std::ops::ControlFlow;

use jiff::civil::Date;

use super::Calendar;
use crate::local_time::{instant, local_date};
use crate::shift::{Shift, subtract};

impl Calendar {
    /// Calls `visit` with each open interval `[start, end)` (epoch ms) of the
    /// local dates `first..=last`, in time order, until it breaks. Days that
    /// jiff cannot place count as closed.
    pub(super) fn walk<B>(
        &self,
        first: Date,
        last: Date,
        mut visit: impl FnMut(i64, i64) -> ControlFlow<B>,
    ) -> ControlFlow<B> {
        let mut date = first;
        loop {
            for shift in self.local_shifts(date).iter() {
                let start = instant(&self.tz, date, shift.start);
                let end = instant(&self.tz, date, shift.end);
                let (Some(start), Some(end)) = (start, end) else {
                    return ControlFlow::Continue(());
                };
                // A shift inside a skipped DST hour is empty that day.
                if start < end {
                    visit(start, end)?;
                }
            }
            if date >= last {
                return ControlFlow::Continue(());
            }
            match date.tomorrow() {
                Ok(next) => date = next,
                Err(_) => return ControlFlow::Continue(()),
            }
        }
    }

    /// Business time in `[from_ms, to_ms)`, one local day at a time.
    pub(super) fn walked_ms(&self, from_ms: i64, to_ms: i64) -> i64 {
        let first = local_date(&self.tz, from_ms).and_then(|d| d.yesterday().ok());
        let last = local_date(&self.tz, to_ms).and_then(|d| d.tomorrow().ok());
        let (Some(first), Some(last)) = (first, last) else {
            return 0;
        };
        let mut total = 0i64;
        let _ = self.walk(first, last, |start, end| {
            if start >= to_ms {
                return ControlFlow::Break(());
            }
            let overlap = end.min(to_ms) - start.max(from_ms);
            if overlap > 0 {
                total += overlap;
            }
            ControlFlow::Continue(())
        });
        total
    }

    /// Business time of the whole local day `date`.
    pub(super) fn day_ms(&self, date: Date) -> i64 {
        let mut total = 0;
        let _ = self.walk(date, date, |start, end| {
            total += end - start;
            ControlFlow::<()>::Continue(())
        });
        total
    }

    /// The open local minutes of `date`: its weekday's shifts less holidays.
    pub(super) fn local_shifts(&self, date: Date) -> Cow<'_, [Shift]> {
        let open = &self.week[weekday_index(date)];
        match self.holidays.get(&date) {
            Some(closed) => Cow::Owned(subtract(open, closed)),
            None => Cow::Borrowed(open),
        }
    }
}

/// Monday 0 to Sunday 6, the order of `Week`.
pub(super) fn weekday_index(date: Date) -> usize {
    usize::try_from(date.weekday().to_monday_zero_offset()).map_or(0, |i| i % 7)
}
