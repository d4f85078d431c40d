//! `escalator-router`: the router as a Kafka service over the decisions and
//! ticket-events topics (co-partitioned by ticket id).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use escalator_router::{Router, RouterSettings, Routing};
use escalator_service::{load_settings, run_kafka_service};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let config = args
        .windows(2)
        .find(|w| w[0] == "--config")
        .map(|w| PathBuf::from(&w[1]))
        .or_else(|| std::env::var_os("ESCALATOR_CONFIG").map(PathBuf::from));
    let env = escalator_service::settings::process_env();
    let settings: RouterSettings = match load_settings(config.as_deref(), &env) {
        Ok(s) => s,
        Err(e) => fail(&e.to_string()),
    };
    let routing = if settings.routing_file.is_empty() {
        Routing::default_config()
    } else {
        Routing::load(Path::new(&settings.routing_file))
    };
    let routing = match routing {
        Ok(r) => Arc::new(r),
        Err(e) => fail(&e.to_string()),
    };
    let processor = Router {
        routing,
        decisions_topic: settings.topics.decisions.clone(),
        events_topic: settings.topics.events.clone(),
        routed_prefix: settings.topics.routed_prefix.clone(),
        capacity_partitions: settings.capacity_partitions.max(1),
    };
    let inputs = vec![
        settings.topics.decisions.clone(),
        settings.topics.events.clone(),
    ];
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

fn fail(message: &str) -> ! {
    eprintln!("escalator-router: {message}");
    std::process::exit(78);
}
