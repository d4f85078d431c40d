//! `/metrics` serves what the service's recorder renders: every series with
//! the `service` label, histograms with the service buckets.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};

use escalator_runtime::Health;
use escalator_service::http::{ops_router, serve};
use escalator_service::telemetry::{HISTOGRAM_BUCKETS, metrics_builder};

#[test]
fn metrics_endpoint_serves_the_recorders_render() {
    let recorder = metrics_builder("ingestor").unwrap().build_recorder();
    metrics::with_local_recorder(&recorder, || {
        metrics::describe_histogram!("escalator_step_seconds", "Time per step.");
        metrics::histogram!("escalator_step_seconds", "step" => "parse").record(0.003);
        metrics::counter!("escalator_events_total").increment(2);
    });
    let handle = recorder.handle();
    let expected = handle.render();

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let (addr, server) = rt
        .block_on(serve(
            "127.0.0.1:0",
            ops_router(Health::default(), Some(handle)),
            async {
                let _ = rx.await;
            },
        ))
        .unwrap();
    let response = std::thread::spawn(move || {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    });
    let response = rt.block_on(async {
        loop {
            if response.is_finished() {
                break response.join().unwrap();
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    });
    let _ = tx.send(());
    rt.block_on(server).unwrap();

    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: text/plain; version=0.0.4; charset=utf-8"),
        "{head}"
    );
    assert_eq!(body, expected);
    assert!(body.contains("escalator_events_total{service=\"ingestor\"} 2\n"));
    assert!(body.contains(
        "escalator_step_seconds_bucket{service=\"ingestor\",step=\"parse\",le=\"0.0025\"} 0\n"
    ));
    assert!(body.contains(
        "escalator_step_seconds_bucket{service=\"ingestor\",step=\"parse\",le=\"0.005\"} 1\n"
    ));
    let buckets = body
        .lines()
        .filter(|l| l.starts_with("escalator_step_seconds_bucket"))
        .count();
    assert_eq!(buckets, HISTOGRAM_BUCKETS.len() + 1);
}
