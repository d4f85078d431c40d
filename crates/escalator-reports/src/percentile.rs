/// Exact nearest-rank percentile of an ascending slice.
///
/// The result is the element at rank `ceil(p / 100 * n)` (1-based, at least
/// 1), so it is always an observed value: reports show real latencies, never
/// interpolated ones. `None` for an empty slice or `p` outside `[0, 100]`.
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() || !(0.0..=100.0).contains(&p) {
        return None;
    }
    let n = sorted.len();
    // Integer arithmetic on p * 1e6 avoids float rounding at exact ranks (e.g. p90 of 10).
    let scaled = (p * 1_000_000.0).round() as u128;
    let rank = (scaled * n as u128).div_ceil(100_000_000).max(1) as usize;
    sorted.get(rank.min(n) - 1).copied()
}

/// Nearest-rank percentile of integer milliseconds; 0 when there are no samples.
pub(crate) fn percentile_ms(sorted: &[i64], p: f64) -> i64 {
    if sorted.is_empty() {
        return 0;
    }
    let as_f: Vec<f64> = sorted.iter().map(|v| *v as f64).collect();
    percentile(&as_f, p).map_or(0, |v| v as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_examples() {
        let v = [15.0, 20.0, 35.0, 40.0, 50.0];
        assert_eq!(percentile(&v, 5.0), Some(15.0));
        assert_eq!(percentile(&v, 30.0), Some(20.0));
        assert_eq!(percentile(&v, 40.0), Some(20.0));
        assert_eq!(percentile(&v, 50.0), Some(35.0));
        assert_eq!(percentile(&v, 100.0), Some(50.0));
        assert_eq!(percentile(&v, 0.0), Some(15.0));
        assert_eq!(percentile(&[], 50.0), None);
        assert_eq!(percentile(&v, 101.0), None);
        let ten: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(percentile(&ten, 90.0), Some(9.0));
    }
}
