//! The counting processor as a service, for kill/restart tests.
//!
//! Kafka:    escalator-testproc --input T --output T --dlq T [--delay-us N]
//!           (Kafka settings from ESCALATOR__KAFKA__... like any service)
//! Embedded: escalator-testproc embedded --data DIR --input FILE --out FILE [--delay-us N]
//!           (FILE holds `key<TAB>value` lines; processing resumes after the
//!           last committed line; outputs go to --out, one line each)

// Test support: failing loudly is the point here.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use escalator_runtime::embedded::Pipeline;
use escalator_runtime::{DeadLetterSettings, SystemClock};
use escalator_service::{ServiceSettings, load_settings, run_kafka_service};
use escalator_tests::counting::Counting;
use escalator_tests::embedded_sink;

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let embedded = args.first().is_some_and(|a| a == "embedded");
    if embedded {
        args.remove(0);
    }
    let mut flags: HashMap<String, String> = HashMap::new();
    for pair in args.chunks(2) {
        if let [k, v] = pair {
            flags.insert(k.trim_start_matches("--").to_owned(), v.clone());
        }
    }
    let get = |k: &str| flags.get(k).cloned().unwrap_or_default();
    let delay = Duration::from_micros(get("delay-us").parse().unwrap_or(0));
    if embedded {
        if let Err(e) = run_embedded(
            Path::new(&get("data")),
            Path::new(&get("input")),
            Path::new(&get("out")),
            delay,
        ) {
            eprintln!("escalator-testproc: {e:#}");
            std::process::exit(1);
        }
        return;
    }
    let env: HashMap<String, String> = std::env::vars().collect();
    let mut settings: ServiceSettings = match load_settings(None, &env) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("escalator-testproc: {e}");
            std::process::exit(78);
        }
    };
    settings.dead_letters.topic = get("dlq");
    let processor = Counting {
        output: get("output"),
        delay,
    };
    let code = run_kafka_service(
        "testproc",
        settings,
        processor,
        vec![get("input")],
        axum::Router::new(),
        || {},
        None,
    );
    std::process::exit(code);
}

fn run_embedded(data: &Path, input: &Path, out: &Path, delay: Duration) -> anyhow::Result<()> {
    let dlq = DeadLetterSettings {
        topic: "dlq".into(),
        ..Default::default()
    };
    let mut pipeline = Pipeline::open(data, dlq, Arc::new(SystemClock))?;
    pipeline.add(
        Counting {
            output: "out".into(),
            delay,
        },
        &["in"],
    )?;
    // Outputs committed before a crash but not yet written out.
    embedded_sink::drain(&mut pipeline, out)?;
    let start = pipeline
        .source_position("input")
        .and_then(|b| <[u8; 8]>::try_from(b).ok())
        .map(u64::from_le_bytes)
        .unwrap_or(0);
    let lines = BufReader::new(std::fs::File::open(input)?).lines();
    let mut pending = 0;
    for (i, line) in lines.enumerate() {
        let line = line?;
        let i = i as u64;
        if i < start {
            continue;
        }
        if pending == 0 {
            // Kill tests read these lines (escalator_tests::kills).
            eprintln!("batch open");
        }
        let (key, value) = line.split_once('\t').unwrap_or((line.as_str(), ""));
        let position = (i + 1).to_le_bytes();
        pipeline.send(
            "in",
            Some(key.as_bytes()),
            value.as_bytes(),
            &[],
            Some(("input", &position)),
        )?;
        pending += 1;
        if pending == 50 {
            pipeline.tick()?;
            pipeline.commit()?;
            eprintln!("batch committed");
            embedded_sink::drain(&mut pipeline, out)?;
            pending = 0;
        }
    }
    pipeline.tick()?;
    pipeline.commit()?;
    embedded_sink::drain(&mut pipeline, out)?;
    Ok(())
}
