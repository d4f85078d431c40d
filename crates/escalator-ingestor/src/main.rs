//! `escalator-ingestor`: the ingestor as a Kafka service, with the webhook
//! endpoint on its HTTP port. Settings: defaults, then the TOML file named by
//! `--config` (or `ESCALATOR_CONFIG`), then `ESCALATOR__...` variables.

use std::sync::Arc;

use escalator_ingestor::webhook::{self, Webhooks};
use escalator_ingestor::{Ingestor, IngestorSettings};
use escalator_runtime::SystemClock;
use escalator_runtime::kafka::Publisher;
use escalator_service::run_kafka_service;
use escalator_service::settings::{exit_config_error, load_or_exit};

fn main() {
    let settings: IngestorSettings = load_or_exit("escalator-ingestor");
    if let Err(e) = settings.validate() {
        exit_config_error("escalator-ingestor", &e);
    }
    let secrets = match settings.webhooks.resolve() {
        Ok(s) => s,
        Err(e) => exit_config_error("escalator-ingestor", &e),
    };
    let publisher = match Publisher::new(&settings.service.kafka) {
        Ok(p) => p,
        Err(e) => exit_config_error("escalator-ingestor", &e),
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
