//! `escalator-router`: the router as a Kafka service over the decisions and
//! topic (decisions and the lifecycle events the evaluator forwards).

use std::path::Path;
use std::sync::Arc;

use escalator_router::{Router, RouterSettings, Routing};
use escalator_service::run_kafka_service;
use escalator_service::settings::{exit_config_error, load_or_exit};

fn main() {
    let settings: RouterSettings = load_or_exit("escalator-router");
    let routing = if settings.routing_file.is_empty() {
        Routing::default_config()
    } else {
        Routing::load(Path::new(&settings.routing_file))
    };
    let routing = match routing {
        Ok(r) => Arc::new(r),
        Err(e) => exit_config_error("escalator-router", &e.to_string()),
    };
    let processor = Router {
        routing,
        decisions_topic: settings.topics.decisions.clone(),
        routed_prefix: settings.topics.routed_prefix.clone(),
        capacity_partitions: settings.capacity_partitions.max(1),
    };
    let inputs = vec![settings.topics.decisions.clone()];
    let code = run_kafka_service(
        "router",
        settings.service.clone(),
        processor,
        inputs,
        axum::Router::new(),
        escalator_router::metrics::describe,
        None,
    );
    std::process::exit(code);
}
