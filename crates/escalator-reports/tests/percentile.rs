#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Rng;
use escalator_reports::percentile;

/// Definition: the smallest observed value v with at least p% of values <= v.
fn brute(values: &[f64], tenths: u64) -> f64 {
    let n = values.len() as u64;
    let mut candidates = values.to_vec();
    candidates.sort_by(f64::total_cmp);
    *candidates
        .iter()
        .find(|v| values.iter().filter(|x| x <= v).count() as u64 * 1000 >= tenths * n)
        .unwrap()
}

#[test]
fn percentile_matches_brute_force_on_random_data() {
    let mut rng = Rng::new(42);
    for _ in 0..400 {
        let n = rng.below(60) as usize + 1;
        // Small value range forces ties.
        let values: Vec<f64> = (0..n).map(|_| rng.below(25) as f64 * 1.5).collect();
        let mut sorted = values.clone();
        sorted.sort_by(f64::total_cmp);
        for _ in 0..10 {
            let tenths = rng.below(1001);
            let p = tenths as f64 / 10.0;
            assert_eq!(
                percentile(&sorted, p),
                Some(brute(&values, tenths)),
                "n={n} p={p} {sorted:?}"
            );
        }
        for p in [0.0, 50.0, 90.0, 99.0, 100.0] {
            assert_eq!(
                percentile(&sorted, p),
                Some(brute(&values, (p * 10.0) as u64))
            );
        }
    }
}

#[test]
fn percentile_rejects_empty_and_out_of_range() {
    assert_eq!(percentile(&[], 50.0), None);
    assert_eq!(percentile(&[1.0], -1.0), None);
    assert_eq!(percentile(&[1.0], f64::NAN), None);
    assert_eq!(percentile(&[7.0], 99.0), Some(7.0));
}
