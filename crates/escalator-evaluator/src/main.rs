//! `escalator-evaluator`: the evaluator as a Kafka service. HTTP adds
//! `GET /tickets/{ticket_id}/why` ("why not yet") to the ops endpoints.

use std::path::Path;
use std::sync::Arc;

use escalator_evaluator::http::{self, Why};
use escalator_evaluator::{Evaluator, EvaluatorSettings, Policy};
use escalator_runtime::{SystemClock, query};
use escalator_service::run_kafka_service;
use escalator_service::settings::{exit_config_error, load_or_exit};

fn main() {
    let settings: EvaluatorSettings = load_or_exit("escalator-evaluator");
    let policy = match Policy::load(Path::new(&settings.policy_file)) {
        Ok(p) => Arc::new(p),
        Err(e) => exit_config_error("escalator-evaluator", &e.to_string()),
    };
    let (handle, inbox) = query::channel(64);
    let router = http::router(Arc::new(Why {
        policy: policy.clone(),
        queries: handle,
        clock: Arc::new(SystemClock),
    }));
    let processor = Evaluator {
        policy,
        decisions_topic: settings.topics.decisions.clone(),
        retention_ms: settings.retention_ms,
    };
    let inputs = vec![settings.topics.events.clone()];
    let code = run_kafka_service(
        "evaluator",
        settings.service.clone(),
        processor,
        inputs,
        router,
        escalator_evaluator::metrics::describe,
        Some(inbox),
    );
    std::process::exit(code);
}
