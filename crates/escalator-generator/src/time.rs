//! Time without a time-zone database: civil dates, the few zones the
//! generated customers live in (fixed offsets plus the EU and US daylight
//! saving rules), the support desks' calendars as `deploy/policy.toml`
//! defines them, and RFC 3339 formatting. Everything is epoch milliseconds
//! (UTC) and pure.

pub const SEC: i64 = 1000;
pub const MIN: i64 = 60 * SEC;
pub const HOUR: i64 = 60 * MIN;
pub const DAY: i64 = 24 * HOUR;

/// Days since 1970-01-01 of a proleptic Gregorian date (Hinnant).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// (year, month, day) of a day number.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Monday = 0 ... Sunday = 6.
pub fn weekday(day: i64) -> u32 {
    (day + 3).rem_euclid(7) as u32
}

fn last_sunday(y: i64, m: u32) -> i64 {
    let first_next = if m == 12 {
        days_from_civil(y + 1, 1, 1)
    } else {
        days_from_civil(y, m + 1, 1)
    };
    let last = first_next - 1;
    last - i64::from((weekday(last) + 1) % 7)
}

fn nth_sunday(y: i64, m: u32, n: i64) -> i64 {
    let first = days_from_civil(y, m, 1);
    let to_sunday = i64::from((6 + 7 - weekday(first)) % 7);
    first + to_sunday + 7 * (n - 1)
}

/// Daylight saving rule of a zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dst {
    None,
    /// EU: last Sunday of March to last Sunday of October, 01:00 UTC.
    Eu,
    /// US: second Sunday of March to first Sunday of November, 02:00 local.
    Us,
}

/// An IANA zone, as the few rules the generator needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Zone {
    pub name: &'static str,
    /// Standard offset from UTC, minutes.
    pub std_offset_min: i64,
    pub dst: Dst,
}

impl Zone {
    pub const fn new(name: &'static str, std_offset_min: i64, dst: Dst) -> Self {
        Zone {
            name,
            std_offset_min,
            dst,
        }
    }

    /// Offset from UTC at an instant, ms.
    pub fn offset_ms(&self, utc_ms: i64) -> i64 {
        let std = self.std_offset_min * MIN;
        let (y, _, _) = civil_from_days(utc_ms.div_euclid(DAY));
        let summer = match self.dst {
            Dst::None => false,
            Dst::Eu => {
                let start = last_sunday(y, 3) * DAY + HOUR;
                let end = last_sunday(y, 10) * DAY + HOUR;
                (start..end).contains(&utc_ms)
            }
            Dst::Us => {
                let start = nth_sunday(y, 3, 2) * DAY + 2 * HOUR - std;
                let end = nth_sunday(y, 11, 1) * DAY + 2 * HOUR - std - HOUR;
                (start..end).contains(&utc_ms)
            }
        };
        if summer { std + HOUR } else { std }
    }

    pub fn local_ms(&self, utc_ms: i64) -> i64 {
        utc_ms + self.offset_ms(utc_ms)
    }

    /// The UTC instant of a local wall time (on a DST change, either reading).
    pub fn utc_of_local(&self, local_ms: i64) -> i64 {
        let guess = local_ms - self.std_offset_min * MIN;
        local_ms - self.offset_ms(guess)
    }

    /// Local day number and minute of the day.
    pub fn local_day_minute(&self, utc_ms: i64) -> (i64, i64) {
        let l = self.local_ms(utc_ms);
        (l.div_euclid(DAY), l.rem_euclid(DAY) / MIN)
    }
}

pub const UTC: Zone = Zone::new("UTC", 0, Dst::None);
pub const BERLIN: Zone = Zone::new("Europe/Berlin", 60, Dst::Eu);

/// Business calendars of the support desks (mirror of `deploy/policy.toml`:
/// standard and business customers follow `emea-business`, enterprise and
/// strategic ones `24x7`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Desk {
    /// Europe/Berlin, Mon-Thu 08-12 and 13-17, Fri 08-12 and 13-16,
    /// closed on the policy's holidays (2026-12-24 to 26, 2026-12-31 from
    /// noon, 2027-01-01). A business day is 8h.
    Emea,
    /// Always open; a business day is 24h.
    AlwaysOpen,
}

impl Desk {
    pub fn business_day_ms(self) -> i64 {
        match self {
            Desk::Emea => 8 * HOUR,
            Desk::AlwaysOpen => DAY,
        }
    }

    /// Open shifts of a local day, minutes of the day.
    fn shifts(day: i64) -> &'static [(i64, i64)] {
        // The holidays of `deploy/policy.toml`, as listed there.
        match civil_from_days(day) {
            (2026, 12, 24..=26) | (2027, 1, 1) => return &[],
            (2026, 12, 31) => return &[(480, 720)],
            _ => {}
        }
        match weekday(day) {
            0..=3 => &[(480, 720), (780, 1020)],
            4 => &[(480, 720), (780, 960)],
            _ => &[],
        }
    }

    /// Open intervals (UTC) from the local day containing `from` on, in order.
    fn intervals(from: i64) -> impl Iterator<Item = (i64, i64)> {
        let (day0, _) = BERLIN.local_day_minute(from);
        (day0..).flat_map(|day| {
            Desk::shifts(day).iter().map(move |(a, b)| {
                (
                    BERLIN.utc_of_local(day * DAY + a * MIN),
                    BERLIN.utc_of_local(day * DAY + b * MIN),
                )
            })
        })
    }

    /// Business time in [from, to).
    pub fn business_ms_between(self, from: i64, to: i64) -> i64 {
        if to <= from {
            return 0;
        }
        match self {
            Desk::AlwaysOpen => to - from,
            Desk::Emea => {
                let mut total = 0;
                for (a, b) in Desk::intervals(from) {
                    if a >= to {
                        break;
                    }
                    let (a, b) = (a.max(from), b.min(to));
                    if b > a {
                        total += b - a;
                    }
                }
                total
            }
        }
    }

    /// The instant `ms` of business time after `from` (a closed desk's
    /// clock starts at its next opening).
    pub fn add_business(self, from: i64, ms: i64) -> i64 {
        match self {
            Desk::AlwaysOpen => from + ms.max(0),
            Desk::Emea => {
                let mut left = ms.max(0);
                for (a, b) in Desk::intervals(from) {
                    let a = a.max(from);
                    if b <= a {
                        continue;
                    }
                    if left <= b - a {
                        return a + left;
                    }
                    left -= b - a;
                }
                from
            }
        }
    }

    #[cfg(test)]
    pub fn is_open(self, at: i64) -> bool {
        match self {
            Desk::AlwaysOpen => true,
            Desk::Emea => {
                let (day, minute) = BERLIN.local_day_minute(at);
                Desk::shifts(day)
                    .iter()
                    .any(|(a, b)| (*a..*b).contains(&minute))
            }
        }
    }
}

/// Customer office hours: Mon-Fri 08:30-18:00 in their own zone.
pub fn customer_open(zone: &Zone, at: i64) -> bool {
    let (day, minute) = zone.local_day_minute(at);
    weekday(day) < 5 && (510..1080).contains(&minute)
}

/// The next opening of the customer's office at or after `at`.
pub fn customer_next_open(zone: &Zone, at: i64) -> i64 {
    if customer_open(zone, at) {
        return at;
    }
    let (mut day, minute) = zone.local_day_minute(at);
    if minute >= 510 {
        day += 1;
    }
    while weekday(day) >= 5 {
        day += 1;
    }
    zone.utc_of_local(day * DAY + 510 * MIN)
}

/// `2026-11-29T09:14:05Z` (whole seconds).
pub fn rfc3339(ms: i64) -> String {
    let (y, mo, d) = civil_from_days(ms.div_euclid(DAY));
    let s = ms.rem_euclid(DAY) / SEC;
    format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// `2026-11-29 09:14:05.482` in the given zone: how log lines print time.
pub fn log_stamp(zone: &Zone, ms: i64) -> String {
    let l = zone.local_ms(ms);
    let (y, mo, d) = civil_from_days(l.div_euclid(DAY));
    let r = l.rem_euclid(DAY);
    let s = r / SEC;
    format!(
        "{y:04}-{mo:02}-{d:02} {:02}:{:02}:{:02}.{:03}",
        s / 3600,
        s / 60 % 60,
        s % 60,
        r % SEC
    )
}

/// `2026-11-29`.
pub fn date(ms: i64) -> String {
    let (y, mo, d) = civil_from_days(ms.div_euclid(DAY));
    format!("{y:04}-{mo:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip_and_weekdays() {
        for day in -1000..30_000 {
            let (y, m, d) = civil_from_days(day);
            assert_eq!(days_from_civil(y, m, d), day);
        }
        // 2026-11-30 is a Monday.
        assert_eq!(weekday(days_from_civil(2026, 11, 30)), 0);
        assert_eq!(rfc3339(1_717_137_600_000), "2024-05-31T06:40:00Z");
    }

    #[test]
    fn dst_rules() {
        let ny = Zone::new("America/New_York", -300, Dst::Us);
        // 2026-03-08 is the second Sunday of March; 2026-11-01 the first of November.
        let before = days_from_civil(2026, 3, 8) * DAY + 6 * HOUR + 59 * MIN;
        assert_eq!(ny.offset_ms(before), -5 * HOUR);
        assert_eq!(ny.offset_ms(before + 2 * MIN), -4 * HOUR);
        let nov = days_from_civil(2026, 11, 1) * DAY + 5 * HOUR + 59 * MIN;
        assert_eq!(ny.offset_ms(nov), -4 * HOUR);
        assert_eq!(ny.offset_ms(nov + 2 * MIN), -5 * HOUR);
        // 2026-03-29 and 2026-10-25 are the last Sundays.
        let eu = days_from_civil(2026, 3, 29) * DAY + HOUR;
        assert_eq!(BERLIN.offset_ms(eu - 1), HOUR);
        assert_eq!(BERLIN.offset_ms(eu), 2 * HOUR);
        let eu_end = days_from_civil(2026, 10, 25) * DAY + HOUR;
        assert_eq!(BERLIN.offset_ms(eu_end - 1), 2 * HOUR);
        assert_eq!(BERLIN.offset_ms(eu_end), HOUR);
    }

    #[test]
    fn emea_business_time() {
        // Friday 2026-11-27 16:00 Berlin (15:00 UTC): closed; 4h later is Monday 12:00.
        let fri = days_from_civil(2026, 11, 27) * DAY + 15 * HOUR;
        assert!(!Desk::Emea.is_open(fri));
        let due = Desk::Emea.add_business(fri, 4 * HOUR);
        assert_eq!(rfc3339(due), "2026-11-30T11:00:00Z");
        assert_eq!(Desk::Emea.business_ms_between(fri, due), 4 * HOUR);
        // Lunch does not count.
        let mon9 = days_from_civil(2026, 11, 30) * DAY + 8 * HOUR;
        assert_eq!(
            Desk::Emea.business_ms_between(mon9, mon9 + 5 * HOUR),
            4 * HOUR
        );
        // Christmas is closed.
        let dec23 = days_from_civil(2026, 12, 23) * DAY + 16 * HOUR + 30 * MIN;
        assert_eq!(
            rfc3339(Desk::Emea.add_business(dec23, HOUR)),
            "2026-12-28T08:00:00Z"
        );
        assert_eq!(Desk::AlwaysOpen.add_business(fri, HOUR), fri + HOUR);
    }

    #[test]
    fn customer_hours() {
        let tokyo = Zone::new("Asia/Tokyo", 540, Dst::None);
        // Saturday 2026-11-28 10:00 UTC is 19:00 in Tokyo: opens Monday 08:30 JST.
        let sat = days_from_civil(2026, 11, 28) * DAY + 10 * HOUR;
        assert_eq!(
            rfc3339(customer_next_open(&tokyo, sat)),
            "2026-11-29T23:30:00Z"
        );
        assert_eq!(log_stamp(&UTC, sat + 5), "2026-11-28 10:00:00.005");
    }
}
