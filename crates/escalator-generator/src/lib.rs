//! A seeded generator of realistic ticket histories, as canonical JSON
//! events (`docs/canonical/canonical-event.schema.json`), for
//! `escalator generate`, the demo, end-to-end tests and benchmarks.
//!
//! ```
//! let settings = escalator_generator::Settings::new(7, 50, 1_764_547_200_000);
//! let events = escalator_generator::generate(&settings);
//! let mut out = Vec::new();
//! escalator_generator::write_jsonl(&events, &mut out).unwrap();
//! let summary = escalator_generator::summarize(&events);
//! assert_eq!(summary.tickets, 50);
//! ```
//!
//! The same [`Settings`] always give byte-identical output: a
//! self-contained PRNG (xoshiro256**), no clock, no hash-map iteration.
//! See `DESIGN.md` for what is modelled and what is not.

mod catalog;
pub use snapshot::snapshots;
mod patterns;
mod rng;
mod snapshot;
mod summary;
mod text;
mod ticket;
mod time;

use serde_json::Value;

pub use summary::{Summary, summarize};

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub seed: u64,
    /// Number of tickets.
    pub tickets: usize,
    /// Start of the history (epoch ms, UTC): the first ticket is created at
    /// or after it.
    pub start_ms: i64,
    /// Days over which tickets are created. Their handling continues after
    /// that: the history ends when all but ~7.5% of them are resolved.
    pub days: u32,
}

impl Settings {
    /// `days` defaults to one day per 40 tickets, between 3 and 28.
    pub fn new(seed: u64, tickets: usize, start_ms: i64) -> Self {
        Settings {
            seed,
            tickets,
            start_ms,
            days: default_days(tickets),
        }
    }
}

/// One day per 40 tickets, clamped to 3..=28.
pub fn default_days(tickets: usize) -> u32 {
    (tickets / 40).clamp(3, 28) as u32
}

/// Share of tickets still open when the history ends.
const OPEN_AT_END: f64 = 0.075;

/// When a ticket is filed: mostly on weekdays, in the customer's office
/// hours (morning peak), sometimes in the evening or early morning.
fn creation_time(rng: &mut rng::Rng, customer: &catalog::Customer, start: i64, span: i64) -> i64 {
    use time::{DAY, MIN, SEC};
    let zone = &customer.zone;
    for _ in 0..16 {
        let t = start + rng.below(span.max(1) as u64) as i64;
        let (day, _) = zone.local_day_minute(t);
        if time::weekday(day) >= 5 && rng.chance(0.85) {
            continue;
        }
        let minute = if rng.chance(0.82) {
            if rng.chance(0.55) {
                rng.range(8 * 60 + 30, 12 * 60)
            } else {
                rng.range(13 * 60, 17 * 60 + 45)
            }
        } else if rng.chance(0.6) {
            rng.range(18 * 60, 23 * 60 + 30)
        } else {
            rng.range(6 * 60, 8 * 60 + 30)
        };
        let local = day * DAY + minute * MIN + rng.range(0, 59) * SEC;
        let utc = zone.utc_of_local(local);
        if (start..start + span).contains(&utc) {
            return utc;
        }
    }
    start + rng.below(span.max(1) as u64) as i64
}

/// Generates the history: canonical events sorted by `occurred_at` (ties
/// keep ticket order and each ticket's causal order).
pub fn generate(settings: &Settings) -> Vec<Value> {
    let seed = settings.seed;
    let span = i64::from(settings.days.max(1)) * time::DAY;
    let weights = catalog::customer_weights();
    let mut specs: Vec<ticket::Spec> = (0..settings.tickets)
        .map(|index| {
            let mut rng = rng::Rng::derive(seed, 0, index as u64);
            let customer = rng.weighted(&weights);
            let created_ms = creation_time(
                &mut rng,
                &catalog::CUSTOMERS[customer],
                settings.start_ms,
                span,
            );
            ticket::Spec {
                index,
                number: 0,
                customer,
                created_ms,
            }
        })
        .collect();
    // Ticket numbers grow with creation time, as in a ticketing system.
    specs.sort_by_key(|s| (s.created_ms, s.index));
    for (k, s) in specs.iter_mut().enumerate() {
        s.number = 10_001 + k as u64;
    }
    let tickets: Vec<Vec<(i64, Value)>> = specs.iter().map(|s| ticket::simulate(seed, s)).collect();

    // The history ends once all tickets exist and all but a few are
    // resolved: the rest is the open work at the end.
    let last_created = specs.last().map_or(settings.start_ms, |s| s.created_ms);
    let mut done: Vec<i64> = tickets
        .iter()
        .map(|evs| {
            evs.iter()
                .rev()
                .find(|(_, e)| e["type"] == "resolved")
                .map_or(i64::MAX, |(t, _)| *t)
        })
        .collect();
    done.sort_unstable();
    let end = if done.is_empty() {
        last_created
    } else {
        let k = ((done.len() as f64) * (1.0 - OPEN_AT_END)).floor() as usize;
        done[k.min(done.len() - 1)]
    }
    .max(last_created + time::MIN);

    let mut all: Vec<(i64, Value)> = tickets
        .into_iter()
        .flatten()
        .filter(|(t, _)| *t <= end)
        .collect();
    // Stable: equal times keep ticket order and per-ticket order.
    all.sort_by_key(|(t, _)| *t);
    all.into_iter().map(|(_, e)| e).collect()
}

/// Writes one compact JSON object per line.
pub fn write_jsonl(events: &[Value], out: &mut impl std::io::Write) -> std::io::Result<()> {
    for e in events {
        serde_json::to_writer(&mut *out, e)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_days_rule() {
        assert_eq!(default_days(10), 3);
        assert_eq!(default_days(400), 10);
        assert_eq!(default_days(1000), 25);
        assert_eq!(default_days(100_000), 28);
    }

    #[test]
    fn empty_and_tiny() {
        assert!(generate(&Settings::new(1, 0, 1_764_547_200_000)).is_empty());
        let one = generate(&Settings::new(1, 1, 1_764_547_200_000));
        assert!(!one.is_empty());
        assert_eq!(one[0]["type"], "created");
    }
}
