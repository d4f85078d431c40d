//! The metrics recorder behind every service's `/metrics`: a
//! [`metrics::Recorder`] that renders the Prometheus text exposition format.
//!
//! It exists because of the render cost. With metrics-exporter-prometheus
//! 0.18, a scrape of the whole product after a generated history (7,036
//! series, mostly 21-bucket histograms; benchmark goal P8, `<= 10 ms`) took
//! a median of 21 ms, spent in allocation, memmove, label escaping and
//! `fmt`: that exporter re-escapes and re-formats every label set on every
//! render. Here a series' label text (`service="x",domain="y"`) is sanitized,
//! escaped and stored once, when the series is registered, next to its
//! atomics; a render copies bytes and formats numbers (`itoa`, `ryu`), and
//! keeps the series sorted in an index that is only touched when series were
//! added since the last render. Recording stays a few atomic operations (a
//! histogram sample: a binary search over the bucket bounds, one add and one
//! compare-and-swap).
//!
//! ```
//! let recorder = escalator_metrics::Builder::new()
//!     .global_label("service", "demo")
//!     .buckets(&[0.1, 1.0])
//!     .unwrap()
//!     .build_recorder();
//! let handle = recorder.handle();
//! metrics::with_local_recorder(&recorder, || {
//!     metrics::describe_counter!("demo_events_total", "Events seen.");
//!     metrics::counter!("demo_events_total", "kind" => "a").increment(2);
//! });
//! let text = handle.render();
//! assert_eq!(
//!     text.lines().collect::<Vec<_>>(),
//!     [
//!         "# HELP demo_events_total Events seen.",
//!         "# TYPE demo_events_total counter",
//!         "demo_events_total{kind=\"a\",service=\"demo\"} 2",
//!         "",
//!     ]
//! );
//! ```
//!
//! See DESIGN.md for what is and is not kept from the exporter's behaviour.

mod builder;
mod recorder;
mod render;
mod series;
mod text;

pub use builder::{BuildError, Builder, DEFAULT_BUCKETS, Matcher};
pub use recorder::{Handle, TextRecorder};
