//! Renders pass `promtool check metrics` (Debian's prometheus package;
//! `make test` installs it), escapes included. A missing promtool fails the
//! test rather than skipping it.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Rng;

// The workspace's promtool check, included as a file: its crate
// (escalator-tests) cannot be a dev-dependency here (it depends on
// escalator-service, which depends on this crate).
#[path = "../../../tests/src/promtool.rs"]
mod promtool;

use promtool::check_metrics;

const ALPHABET: [char; 12] = ['a', 'z', ' ', '"', '\\', '\n', 'é', '{', '}', ',', '=', '#'];

#[test]
fn renders_with_escapes_pass_promtool() {
    let recorder = escalator_metrics::Builder::new()
        .global_label("service", "escalator")
        .buckets(&[0.0005, 0.01, 1.0, 60.0, 86400.0])
        .unwrap()
        .buckets_for(
            escalator_metrics::Matcher::Prefix("short_".into()),
            &[0.1, 0.2],
        )
        .unwrap()
        .build_recorder();
    let mut rng = Rng::new(8);
    metrics::with_local_recorder(&recorder, || {
        for i in 0..6 {
            let help = rng.text(40, &ALPHABET);
            let counter = format!("escalator_events_{i}_total");
            let gauge = format!("escalator_open_{i}");
            let hist = format!("{}duration_{i}_seconds", ["", "short_"][i % 2]);
            metrics::describe_counter!(counter.clone(), help.clone());
            metrics::describe_gauge!(gauge.clone(), help.clone());
            metrics::describe_histogram!(hist.clone(), help);
            for _ in 0..20 {
                let domain = rng.text(10, &ALPHABET);
                let tier = rng.text(3, &ALPHABET);
                let labels = [("domain", domain), ("customer-tier", tier)];
                metrics::counter!(counter.clone(), &labels).increment(rng.below(50) as u64);
                metrics::gauge!(gauge.clone(), &labels).set(rng.below(100) as f64 / 8.0 - 6.0);
                let v = [0.0005, 0.003, 1.0, 59.9, 86400.0, 1e6, -1.0][rng.below(7)];
                metrics::histogram!(hist.clone(), &labels).record(v);
            }
        }
        metrics::gauge!("escalator_unlabelled").set(f64::NEG_INFINITY);
        metrics::describe_gauge!("escalator_unlabelled", "No labels but the global one.");
    });
    let body = recorder.handle().render();
    assert!(body.contains("\\\""), "no escaped quote in the sample");
    assert!(body.contains("\\n"), "no escaped line feed in the sample");
    check_metrics(&body);
}
