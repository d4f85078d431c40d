//! The recorder says what metrics-exporter-prometheus 0.18 (the exporter it
//! replaced, kept as the oracle) says: generated workloads are applied to
//! both, and both renders, read back into HELP/TYPE lines and
//! (name, labels, value) samples, must be equal.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Rng, assert_same, parse, unescape};
use metrics::{Key, KeyName, Label, Level, Metadata, Recorder, SharedString};
use metrics_exporter_prometheus::{Matcher as OracleMatcher, PrometheusBuilder};

static META: Metadata<'static> = Metadata::new(module_path!(), Level::INFO, None);

const SERVICE_BUCKETS: [f64; 21] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
    60.0, 300.0, 900.0, 3600.0, 14400.0, 86400.0,
];

/// Characters of label values and descriptions: plain, and all that needs
/// escaping or could confuse a reader of the format.
const ALPHABET: [char; 16] = [
    'a', 'b', 'z', ' ', '"', '\\', '\n', 'é', '{', '}', ',', '=', '#', '0', '_', '\'',
];

const LABEL_NAMES: [&str; 8] = [
    "domain",
    "tier",
    "customer-tier",
    "rule",
    "hop",
    "9lives",
    "a:b",
    // Overrides the global label of the same name.
    "service",
];

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Counter,
    Gauge,
    Histogram,
}

#[derive(Debug, Clone)]
enum Op {
    Describe(Kind, String, String),
    Counter(usize, usize, Option<u64>, bool),
    Gauge(usize, usize, GaugeOp),
    Histogram(usize, usize, Option<f64>),
}

#[derive(Debug, Clone, Copy)]
enum GaugeOp {
    Register,
    Set(f64),
    Inc(f64),
    Dec(f64),
}

struct Metric {
    kind: Kind,
    name: String,
    series: Vec<Vec<(String, String)>>,
}

struct Workload {
    global_labels: bool,
    buckets: Vec<f64>,
    /// Exact-name and prefix bucket overrides.
    full: Option<(String, Vec<f64>)>,
    prefix: Option<(String, Vec<f64>)>,
    metrics: Vec<Metric>,
    ops: Vec<Op>,
}

/// The exporter mangles a backslash that is followed by a backslash (two
/// become one), a line feed or, in label values, a double quote (the
/// backslash is lost). Those pairs are tested apart
/// (`backslash_pairs_round_trip`); workloads drop such backslashes.
fn oracle_safe(s: String) -> String {
    let chars: Vec<char> = s.chars().collect();
    chars
        .iter()
        .enumerate()
        .filter(|(i, c)| **c != '\\' || !matches!(chars.get(i + 1), Some('\\' | '"' | '\n')))
        .map(|(_, c)| *c)
        .collect()
}

fn sample(rng: &mut Rng, bounds: &[f64]) -> f64 {
    let i = rng.below(bounds.len());
    match rng.below(10) {
        0..=3 => bounds[i],
        4..=6 if i + 1 < bounds.len() => (bounds[i] + bounds[i + 1]) / 2.0,
        4..=6 => bounds[i] * 2.0,
        7 => -(rng.below(1000) as f64) / 8.0,
        8 => [0.0, bounds[0] / 2.0, bounds[bounds.len() - 1] + 1.0][rng.below(3)],
        _ => [f64::INFINITY, f64::NAN, 1e300, -0.0][rng.below(4)],
    }
}

fn workload(seed: u64) -> Workload {
    let mut rng = Rng::new(seed);
    let buckets = if rng.one_in(2) {
        SERVICE_BUCKETS.to_vec()
    } else {
        let mut b: Vec<f64> = (0..1 + rng.below(12))
            .map(|_| (rng.below(100_000) as f64) / 1000.0 - 5.0)
            .collect();
        b.sort_by(f64::total_cmp);
        b.dedup();
        b
    };
    let prefix_buckets = vec![0.25, 1.0, 4.0, 16.0];
    let n_names = 3 + rng.below(25);
    let mut metrics = Vec::new();
    for i in 0..n_names {
        let kind = *rng.pick(&[Kind::Counter, Kind::Gauge, Kind::Histogram, Kind::Histogram]);
        let pre = *rng.pick(&["", "", "_", "1", "é", "p_"]);
        let sep = *rng.pick(&["_", ".", "-", ":", "_"]);
        let word = *rng.pick(&["seconds", "total", "events", "latency", "x"]);
        let name = format!("{pre}m{i}{sep}{word}");
        let mut series: Vec<Vec<(String, String)>> = Vec::new();
        for _ in 0..1 + rng.below(12) {
            let mut labels: Vec<(String, String)> = Vec::new();
            for n in LABEL_NAMES {
                if rng.one_in(2) {
                    labels.push((n.to_owned(), oracle_safe(rng.text(8, &ALPHABET))));
                }
            }
            if !series.contains(&labels) {
                series.push(labels);
            }
        }
        metrics.push(Metric { kind, name, series });
    }
    let full = metrics
        .iter()
        .find(|m| m.kind == Kind::Histogram && !m.name.starts_with("p_"))
        .map(|m| (m.name.clone(), vec![0.001, 0.5, 2.0, 1000.0]));
    let prefix = rng.one_in(3).then(|| ("p_".to_owned(), prefix_buckets));
    let bounds_of = |name: &str| -> Vec<f64> {
        match (&full, &prefix) {
            (Some((f, b)), _) if f == name => b.clone(),
            (_, Some((p, b))) if name.starts_with(p.as_str()) => b.clone(),
            _ => buckets.clone(),
        }
    };
    let mut ops = Vec::new();
    let mut described = Vec::new();
    for _ in 0..50 + rng.below(2000) {
        let m = rng.below(metrics.len());
        let metric = &metrics[m];
        if rng.one_in(15) {
            // Once per name: a second description is ignored here, and by
            // the exporter too, but only once it has rendered (before, the
            // last one wins there).
            if !described.contains(&m) {
                described.push(m);
                let text = oracle_safe(rng.text(30, &ALPHABET));
                ops.push(Op::Describe(metric.kind, metric.name.clone(), text));
            }
            continue;
        }
        let s = rng.below(metric.series.len());
        ops.push(match metric.kind {
            Kind::Counter => {
                let v = (!rng.one_in(10)).then(|| rng.below(1000) as u64);
                Op::Counter(m, s, v, rng.one_in(8))
            }
            Kind::Gauge => Op::Gauge(
                m,
                s,
                match rng.below(8) {
                    0 => GaugeOp::Register,
                    1..=2 => GaugeOp::Set(sample(&mut rng, &buckets) * 3.0 - 7.0),
                    3 => GaugeOp::Set(*rng.pick(&[-1e-300, 1e21, f64::NEG_INFINITY, -0.5])),
                    4..=5 => GaugeOp::Inc(rng.below(100) as f64 / 4.0),
                    _ => GaugeOp::Dec(rng.below(100) as f64 / 4.0),
                },
            ),
            Kind::Histogram => {
                let bounds = bounds_of(&metric.name);
                let v = (!rng.one_in(12)).then(|| sample(&mut rng, &bounds));
                Op::Histogram(m, s, v)
            }
        });
    }
    Workload {
        global_labels: !rng.one_in(4),
        buckets,
        full,
        prefix,
        metrics,
        ops,
    }
}

fn key(w: &Workload, m: usize, s: usize) -> Key {
    let metric = &w.metrics[m];
    let labels: Vec<Label> = metric.series[s]
        .iter()
        .map(|(k, v)| Label::new(k.clone(), v.clone()))
        .collect();
    Key::from_parts(metric.name.clone(), labels)
}

fn apply(recorder: &dyn Recorder, w: &Workload, ops: &[Op]) {
    for op in ops {
        match op {
            Op::Describe(kind, name, text) => {
                let (name, text) = (
                    KeyName::from(name.clone()),
                    SharedString::from(text.clone()),
                );
                match kind {
                    Kind::Counter => recorder.describe_counter(name, None, text),
                    Kind::Gauge => recorder.describe_gauge(name, None, text),
                    Kind::Histogram => recorder.describe_histogram(name, None, text),
                }
            }
            Op::Counter(m, s, v, absolute) => {
                let c = recorder.register_counter(&key(w, *m, *s), &META);
                match (v, absolute) {
                    (Some(v), false) => c.increment(*v),
                    (Some(v), true) => c.absolute(*v),
                    (None, _) => {}
                }
            }
            Op::Gauge(m, s, op) => {
                let g = recorder.register_gauge(&key(w, *m, *s), &META);
                match op {
                    GaugeOp::Register => {}
                    GaugeOp::Set(v) => g.set(*v),
                    GaugeOp::Inc(v) => g.increment(*v),
                    GaugeOp::Dec(v) => g.decrement(*v),
                }
            }
            Op::Histogram(m, s, v) => {
                let h = recorder.register_histogram(&key(w, *m, *s), &META);
                if let Some(v) = v {
                    h.record(*v);
                }
            }
        }
    }
}

fn recorders(
    w: &Workload,
) -> (
    escalator_metrics::TextRecorder,
    metrics_exporter_prometheus::PrometheusRecorder,
) {
    let mut ours = escalator_metrics::Builder::new()
        .buckets(&w.buckets)
        .unwrap();
    let mut theirs = PrometheusBuilder::new().set_buckets(&w.buckets).unwrap();
    if w.global_labels {
        ours = ours
            .global_label("service", "svc \"1\"")
            .global_label("zone", "eu\\west");
        theirs = theirs
            .add_global_label("service", "svc \"1\"")
            .add_global_label("zone", "eu\\west");
    }
    if let Some((name, b)) = &w.full {
        ours = ours
            .buckets_for(escalator_metrics::Matcher::Full(name.clone()), b)
            .unwrap();
        theirs = theirs
            .set_buckets_for_metric(OracleMatcher::Full(name.clone()), b)
            .unwrap();
    }
    if let Some((p, b)) = &w.prefix {
        ours = ours
            .buckets_for(escalator_metrics::Matcher::Prefix(p.clone()), b)
            .unwrap();
        theirs = theirs
            .set_buckets_for_metric(OracleMatcher::Prefix(p.clone()), b)
            .unwrap();
    }
    (ours.build_recorder(), theirs.build_recorder())
}

#[test]
fn generated_workloads_render_what_the_exporter_renders() {
    let mut series_seen = 0;
    for seed in 0..100 {
        let w = workload(seed);
        let (ours, theirs) = recorders(&w);
        let (handle, oracle) = (ours.handle(), theirs.handle());
        // Half, compare, then the rest: series added after a render must
        // show up, and those already rendered keep their values.
        let (first, second) = w.ops.split_at(w.ops.len() / 2);
        for (i, ops) in [first, second].into_iter().enumerate() {
            apply(&ours, &w, ops);
            apply(&theirs, &w, ops);
            let text = handle.render();
            let (a, b) = (parse(&text), parse(&oracle.render()));
            assert_same(&a, &b, &format!("seed {seed}, part {i}"));
            assert_eq!(text, handle.render(), "a render changed nothing");
            series_seen += a.samples.len();
        }
    }
    eprintln!("{series_seen} samples compared");
    assert!(series_seen > 50_000, "{series_seen}");
}

#[test]
fn the_services_buckets_and_global_label_render_alike() {
    let ours = escalator_metrics::Builder::new()
        .global_label("service", "escalator")
        .buckets(&SERVICE_BUCKETS)
        .unwrap()
        .build_recorder();
    let theirs = PrometheusBuilder::new()
        .add_global_label("service", "escalator")
        .set_buckets(&SERVICE_BUCKETS)
        .unwrap()
        .build_recorder();
    for recorder in [&ours as &dyn Recorder, &theirs] {
        metrics::with_local_recorder(recorder, || {
            metrics::describe_histogram!("hop_seconds", "Per hop.\nIn seconds.");
            for (i, v) in SERVICE_BUCKETS.iter().enumerate() {
                let domain = if i % 2 == 0 {
                    "database"
                } else {
                    "data-pipeline"
                };
                metrics::histogram!("hop_seconds", "domain" => domain).record(*v);
                metrics::histogram!("hop_seconds", "domain" => domain).record(v * 1.5);
            }
            metrics::counter!("events_total").increment(3);
            metrics::gauge!("open", "tier" => "l2").set(-4.5);
        });
    }
    let text = ours.handle().render();
    assert_same(&parse(&text), &parse(&theirs.handle().render()), "service");
    // The `le` values are the exporter's, byte for byte.
    assert!(text.contains(
        "hop_seconds_bucket{domain=\"database\",service=\"escalator\",le=\"0.0005\"} 1\n"
    ));
    assert!(text.contains("le=\"86400\"}"));
    assert!(text.contains("# HELP hop_seconds Per hop.\\nIn seconds.\n"));
}

#[test]
fn output_is_grouped_sorted_and_stable() {
    let ours = escalator_metrics::Builder::new()
        .buckets(&[1.0])
        .unwrap()
        .build_recorder();
    metrics::with_local_recorder(&ours, || {
        metrics::counter!("b_total", "x" => "2").increment(1);
        metrics::gauge!("a").set(1.0);
        metrics::counter!("b_total", "x" => "1").increment(1);
        metrics::histogram!("c", "x" => "z").record(0.5);
        metrics::histogram!("c", "x" => "y").record(2.0);
        metrics::describe_counter!("b_total", "B.");
    });
    let text = ours.handle().render();
    assert_eq!(
        text,
        "# TYPE a gauge\na 1\n\n\
         # HELP b_total B.\n# TYPE b_total counter\nb_total{x=\"1\"} 1\nb_total{x=\"2\"} 1\n\n\
         # TYPE c histogram\n\
         c_bucket{x=\"y\",le=\"1\"} 0\nc_bucket{x=\"y\",le=\"+Inf\"} 1\nc_sum{x=\"y\"} 2\nc_count{x=\"y\"} 1\n\
         c_bucket{x=\"z\",le=\"1\"} 1\nc_bucket{x=\"z\",le=\"+Inf\"} 1\nc_sum{x=\"z\"} 0.5\nc_count{x=\"z\"} 1\n\n"
    );
}

/// Where this recorder and the exporter part: the exporter treats a
/// backslash before a backslash (or, in label values, before a quote) as an
/// escape already made, so `a\\b` reads back as `a\b` and `\"` as `"`, and
/// loses a backslash before a line feed. Here every value reads back as it
/// was given.
#[test]
fn backslash_pairs_round_trip() {
    let values = [
        "a\\\\b",
        "\\\"",
        "\\\n",
        "\\",
        "x\\",
        "\\n",
        "C:\\dir\\\\share",
    ];
    let ours = escalator_metrics::Builder::new().build_recorder();
    metrics::with_local_recorder(&ours, || {
        for (i, v) in values.iter().enumerate() {
            metrics::counter!("c_total", "v" => *v).increment(i as u64);
        }
        metrics::describe_counter!("c_total", "two \\\\ one \\ quote \\\" end\\");
    });
    let e = parse(&ours.handle().render());
    for (i, v) in values.iter().enumerate() {
        let labels = [("v".to_owned(), (*v).to_owned())].into_iter().collect();
        assert_eq!(e.samples[&("c_total".to_owned(), labels)], i as f64, "{v}");
    }
    assert_eq!(e.help["c_total"], "two \\\\ one \\ quote \\\" end\\");
    assert_eq!(unescape("a\\\\b", true), "a\\b");
}

/// Keys that render alike are one series: the exporter would print such a
/// series twice (labels in another order) or keep one of them at random
/// (names differing in sanitized characters).
#[test]
fn keys_that_render_alike_share_one_series() {
    let ours = escalator_metrics::Builder::new().build_recorder();
    metrics::with_local_recorder(&ours, || {
        metrics::counter!("a_total", "x" => "1", "y" => "2").increment(1);
        metrics::counter!("a_total", "y" => "2", "x" => "1").increment(2);
        metrics::counter!("a.total", "x" => "1", "y" => "2").increment(4);
    });
    assert_eq!(
        ours.handle().render(),
        "# TYPE a_total counter\na_total{x=\"1\",y=\"2\"} 7\n\n"
    );
}

#[test]
fn the_first_description_stays() {
    let ours = escalator_metrics::Builder::new().build_recorder();
    metrics::with_local_recorder(&ours, || {
        metrics::describe_gauge!("g", "first");
        metrics::gauge!("g").set(1.0);
        metrics::describe_gauge!("g", "second");
    });
    assert_eq!(parse(&ours.handle().render()).help["g"], "first");
}

#[test]
fn render_into_appends() {
    let ours = escalator_metrics::Builder::new().build_recorder();
    metrics::with_local_recorder(&ours, || metrics::gauge!("g").set(2.0));
    let mut out = String::from("x\n");
    ours.handle().render_into(&mut out);
    assert_eq!(out, "x\n# TYPE g gauge\ng 2\n\n");
}
