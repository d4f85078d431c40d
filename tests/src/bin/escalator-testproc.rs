//! The counting processor as a Kafka service, for kill/restart tests.
//! Usage: escalator-testproc --input T --output T --dlq T [--delay-us N]
//! Kafka settings come from ESCALATOR__KAFKA__... like any service.

use std::collections::HashMap;
use std::time::Duration;

use escalator_service::{load_settings, run_kafka_service, ServiceSettings};
use escalator_tests::counting::Counting;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut flags: HashMap<String, String> = HashMap::new();
    for pair in args.chunks(2) {
        if let [k, v] = pair {
            flags.insert(k.trim_start_matches("--").to_owned(), v.clone());
        }
    }
    let get = |k: &str| flags.get(k).cloned().unwrap_or_default();
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
        delay: Duration::from_micros(get("delay-us").parse().unwrap_or(0)),
    };
    let code = run_kafka_service("testproc", settings, processor, vec![get("input")], axum::Router::new());
    std::process::exit(code);
}
