//! Threads recording into the same series while another renders: exact
//! totals at the end, and every render on the way is consistent (buckets
//! cumulative, `+Inf` equal to `_count`).

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;

use common::{Labels, parse};

const THREADS: usize = 4;
const ROUNDS: usize = 20_000;
/// Exact in binary, so any order of additions gives the same sum.
const SAMPLES: [f64; 4] = [0.5, 1.0, 1.5, 3.0];

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn threads_recording_into_the_same_series_give_exact_totals() {
    let recorder = escalator_metrics::Builder::new()
        .global_label("service", "t")
        .buckets(&[1.0, 2.0])
        .unwrap()
        .build_recorder();
    let handle = recorder.handle();
    let done = AtomicBool::new(false);
    thread::scope(|s| {
        let renderer = s.spawn(|| {
            let mut renders = 0;
            while !done.load(Ordering::Relaxed) {
                let e = parse(&handle.render());
                for ((name, l), count) in &e.samples {
                    let Some(base) = name.strip_suffix("_count") else {
                        continue;
                    };
                    let mut bucket = l.clone();
                    let mut last = 0.0;
                    for le in ["1", "2", "+Inf"] {
                        bucket.insert("le".into(), le.into());
                        let v = e.samples[&(format!("{base}_bucket"), bucket.clone())];
                        assert!(v >= last, "buckets not cumulative: {bucket:?}");
                        last = v;
                    }
                    assert_eq!(last, *count, "+Inf bucket != _count for {l:?}");
                }
                renders += 1;
            }
            renders
        });
        let workers: Vec<_> = (0..THREADS)
            .map(|t| {
                let recorder = &recorder;
                s.spawn(move || {
                    metrics::with_local_recorder(recorder, || {
                        // A handle kept across calls, and the macro path that
                        // looks the series up every time.
                        let kept = metrics::counter!("shared_total", "k" => "v");
                        for i in 0..ROUNDS {
                            kept.increment(1);
                            metrics::counter!("shared_total", "k" => "v").increment(2);
                            metrics::gauge!("level").increment(1.0);
                            metrics::gauge!("level").decrement(0.5);
                            metrics::histogram!("latency_seconds", "k" => "v")
                                .record(SAMPLES[i % SAMPLES.len()]);
                            // New series keep arriving while renders run.
                            if i % 1000 == 0 {
                                let id = format!("{t}-{i}");
                                metrics::counter!("born_total", "id" => id).increment(1);
                            }
                        }
                    });
                })
            })
            .collect();
        for w in workers {
            w.join().unwrap();
        }
        done.store(true, Ordering::Relaxed);
        let renders = renderer.join().unwrap();
        assert!(renders > 0);
    });

    let e = parse(&handle.render());
    let n = (THREADS * ROUNDS) as f64;
    let kv = labels(&[("k", "v"), ("service", "t")]);
    assert_eq!(e.samples[&("shared_total".into(), kv.clone())], 3.0 * n);
    assert_eq!(
        e.samples[&("level".into(), labels(&[("service", "t")]))],
        0.5 * n
    );
    let per_sample = n / SAMPLES.len() as f64;
    let bucket = |le: &str| {
        let mut l = kv.clone();
        l.insert("le".into(), le.into());
        e.samples[&("latency_seconds_bucket".into(), l)]
    };
    assert_eq!(bucket("1"), 2.0 * per_sample);
    assert_eq!(bucket("2"), 3.0 * per_sample);
    assert_eq!(bucket("+Inf"), n);
    assert_eq!(e.samples[&("latency_seconds_count".into(), kv.clone())], n);
    assert_eq!(
        e.samples[&("latency_seconds_sum".into(), kv)],
        per_sample * SAMPLES.iter().sum::<f64>()
    );
    let born = e.samples.keys().filter(|(n, _)| n == "born_total").count();
    assert_eq!(born, THREADS * ROUNDS / 1000);
}
