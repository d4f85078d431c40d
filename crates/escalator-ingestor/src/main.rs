//! `escalator-ingestor`: the ingestor as a Kafka service, with the webhook
//! endpoint on its HTTP port. Settings: defaults, then the TOML file named by
//! `--config` (or `ESCALATOR_CONFIG`), then `ESCALATOR__...` variables.

use std::path::PathBuf;
use std::sync::Arc;

use escalator_ingestor::webhook::{self, Webhooks};
use escalator_ingestor::{Ingestor, IngestorSettings};
use escalator_runtime::SystemClock;
use escalator_runtime::kafka::Publisher;
use escalator_service::{load_settings, run_kafka_service};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let config = args
        .windows(2)
        .find(|w| w[0] == "--config")
        .map(|w| PathBuf::from(&w[1]))
        .or_else(|| std::env::var_os("ESCALATOR_CONFIG").map(PathBuf::from));
    let env = escalator_service::settings::process_env();
    let settings: IngestorSettings = match load_settings(config.as_deref(), &env) {
        Ok(s) => s,
        Err(e) => fail(&e.to_string()),
    };
    if let Err(e) = settings.validate() {
        fail(&e);
    }
    let secrets = match settings.webhooks.resolve() {
        Ok(s) => s,
        Err(e) => fail(&e),
    };
    let publisher = match Publisher::new(&settings.service.kafka) {
        Ok(p) => p,
        Err(e) => fail(&e),
    };
    let webhooks = Arc::new(Webhooks {
        secrets,
        settings: settings.webhooks.clone(),
        raw_topic: settings.topics.raw.clone(),
        dead_letters: settings.service.dead_letters.clone(),
        mappings: settings.mappings.clone(),
        limits: settings.limits.clone(),
        sink: Arc::new(publisher),
        clock: Arc::new(SystemClock),
    });
    let processor = Ingestor::from_settings(&settings);
    let inputs = vec![settings.topics.raw.clone()];
    let code = run_kafka_service(
        "ingestor",
        settings.service.clone(),
        processor,
        inputs,
        webhook::router(webhooks),
        escalator_ingestor::metrics::describe,
        None,
    );
    std::process::exit(code);
}

fn fail(message: &str) -> ! {
    eprintln!("escalator-ingestor: {message}");
    std::process::exit(78);
}
