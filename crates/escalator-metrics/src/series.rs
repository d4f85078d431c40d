//! One series: its label text, escaped once at registration, and its atomic
//! storage. Recording touches only the atomics.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use metrics::{CounterFn, GaugeFn, HistogramFn};

/// A registered series of one metric name.
#[derive(Debug)]
pub struct Series<C> {
    /// The label pairs as they appear between `{` and `}`
    /// (`service="x",domain="y"`), sanitized and escaped; empty without
    /// labels.
    pub labels: Box<str>,
    pub cell: C,
}

impl<C> Series<C> {
    pub fn new(labels: String, cell: C) -> Arc<Self> {
        Arc::new(Series {
            labels: labels.into_boxed_str(),
            cell,
        })
    }
}

/// A monotonic counter.
#[derive(Debug, Default)]
pub struct CounterCell(AtomicU64);

impl CounterCell {
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

impl CounterFn for Series<CounterCell> {
    #[inline]
    fn increment(&self, value: u64) {
        self.cell.0.fetch_add(value, Ordering::Relaxed);
    }

    #[inline]
    fn absolute(&self, value: u64) {
        self.cell.0.fetch_max(value, Ordering::Relaxed);
    }
}

/// A gauge: the bits of an `f64`.
#[derive(Debug, Default)]
pub struct GaugeCell(AtomicU64);

impl GaugeCell {
    pub fn get(&self) -> f64 {
        f64::from_bits(self.0.load(Ordering::Relaxed))
    }
}

impl GaugeFn for Series<GaugeCell> {
    #[inline]
    fn increment(&self, value: f64) {
        add_f64(&self.cell.0, value);
    }

    #[inline]
    fn decrement(&self, value: f64) {
        add_f64(&self.cell.0, -value);
    }

    #[inline]
    fn set(&self, value: f64) {
        self.cell.0.store(value.to_bits(), Ordering::Relaxed);
    }
}

/// Adds to an `f64` kept as bits (compare-and-swap until no other writer
/// came in between).
#[inline]
fn add_f64(cell: &AtomicU64, value: f64) {
    let mut current = cell.load(Ordering::Relaxed);
    loop {
        let next = (f64::from_bits(current) + value).to_bits();
        match cell.compare_exchange_weak(current, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return,
            Err(seen) => current = seen,
        }
    }
}

/// A histogram with fixed bucket bounds: one count per bucket (not
/// cumulative; the last slot holds samples above every bound, and NaN),
/// and the sum of the samples. The sample count is the sum of the slots, so
/// a render's `+Inf` bucket and `_count` always agree.
#[derive(Debug)]
pub struct HistogramCell {
    /// Sorted, finite, distinct; shared by every series of a metric name.
    pub bounds: Arc<[f64]>,
    counts: Box<[AtomicU64]>,
    sum: AtomicU64,
}

impl HistogramCell {
    pub fn new(bounds: Arc<[f64]>) -> Self {
        let counts = (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect();
        HistogramCell {
            bounds,
            counts,
            sum: AtomicU64::new(0.0f64.to_bits()),
        }
    }

    /// The slot of a sample: the first bucket whose bound is >= the sample.
    #[inline]
    fn slot(&self, value: f64) -> usize {
        if value.is_nan() {
            self.bounds.len()
        } else {
            self.bounds.partition_point(|b| *b < value)
        }
    }

    #[inline]
    fn add(&self, value: f64, n: u64) {
        if let Some(count) = self.counts.get(self.slot(value)) {
            count.fetch_add(n, Ordering::Relaxed);
        }
        add_f64(&self.sum, value);
    }

    /// Per-slot (non-cumulative) counts, `bounds.len() + 1` of them.
    pub fn counts(&self) -> impl Iterator<Item = u64> + '_ {
        self.counts.iter().map(|c| c.load(Ordering::Relaxed))
    }

    pub fn sum(&self) -> f64 {
        f64::from_bits(self.sum.load(Ordering::Relaxed))
    }
}

impl HistogramFn for Series<HistogramCell> {
    #[inline]
    fn record(&self, value: f64) {
        self.cell.add(value, 1);
    }

    fn record_many(&self, value: f64, count: usize) {
        if count == 0 {
            return;
        }
        if let Some(c) = self.cell.counts.get(self.cell.slot(value)) {
            c.fetch_add(count as u64, Ordering::Relaxed);
        }
        add_f64(&self.cell.sum, value * count as f64);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn hist(bounds: &[f64]) -> Arc<Series<HistogramCell>> {
        Series::new(String::new(), HistogramCell::new(bounds.into()))
    }

    #[test]
    fn samples_land_in_the_first_bucket_whose_bound_is_not_below_them() {
        let h = hist(&[1.0, 2.0, 5.0]);
        for v in [
            -3.0,
            0.5,
            1.0,
            1.0000001,
            2.0,
            4.9,
            5.0,
            5.1,
            f64::INFINITY,
            f64::NAN,
        ] {
            h.record(v);
        }
        let counts: Vec<u64> = h.cell.counts().collect();
        // <=1: -3, 0.5, 1 | <=2: 1.0000001, 2 | <=5: 4.9, 5 | above: 5.1, inf, NaN
        assert_eq!(counts, [3, 2, 2, 3]);
        assert!(h.cell.sum().is_nan());
    }

    #[test]
    fn record_many_counts_every_sample() {
        let h = hist(&[1.0]);
        h.record_many(0.5, 4);
        h.record_many(2.0, 0);
        assert_eq!(h.cell.counts().collect::<Vec<_>>(), [4, 0]);
        assert_eq!(h.cell.sum(), 2.0);
    }

    #[test]
    fn gauges_add_subtract_and_set() {
        let g = Series::new(String::new(), GaugeCell::default());
        g.increment(2.5);
        g.decrement(4.0);
        assert_eq!(g.cell.get(), -1.5);
        g.set(7.0);
        g.increment(1.0);
        assert_eq!(g.cell.get(), 8.0);
    }

    #[test]
    fn counters_add_and_take_the_larger_absolute() {
        let c = Series::new(String::new(), CounterCell::default());
        c.increment(5);
        c.absolute(3);
        assert_eq!(c.cell.get(), 5);
        c.absolute(10);
        c.increment(1);
        assert_eq!(c.cell.get(), 11);
    }
}
