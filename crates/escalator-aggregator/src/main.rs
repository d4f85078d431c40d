//! `escalator-aggregator`: the aggregator as a Kafka service over the
//! decisions and routed topics (keyed by ticket id) and its own problems
//! topic (keyed by problem signature), all co-partitioned.

use std::path::Path;
use std::sync::Arc;

use escalator_aggregator::http::{self, Reports};
use escalator_aggregator::{Aggregator, AggregatorSettings};
use escalator_router::Routing;
use escalator_runtime::{SystemClock, query};
use escalator_service::run_kafka_service;
use escalator_service::settings::{exit_config_error, load_or_exit};

fn main() {
    let settings: AggregatorSettings = load_or_exit("escalator-aggregator");
    let routing = if settings.routing_file.is_empty() {
        Routing::default_config()
    } else {
        Routing::load(Path::new(&settings.routing_file))
    };
    let routing = match routing {
        Ok(r) => r,
        Err(e) => {
            exit_config_error("escalator-aggregator", &e.to_string());
        }
    };
    let queues = escalator_aggregator::queue_capacities(&routing);
    let (handle, inbox) = query::channel(16);
    let reports = Arc::new(Reports {
        queries: handle,
        queues,
        clock: Arc::new(SystemClock),
    });
    let t = &settings.topics;
    let mut inputs = vec![t.decisions.clone()];
    inputs.extend(t.domains.iter().map(|d| format!("{}{d}", t.routed_prefix)));
    inputs.push(t.problems.clone());
    let processor = Aggregator {
        decisions_topic: t.decisions.clone(),
        routed_prefix: t.routed_prefix.clone(),
        kb_topic: t.kb_updates.clone(),
        problems_topic: t.problems.clone(),
        window_ms: settings.window_ms,
        // A problem keeps its newest MAX_OCCURRENCES occurrences.
        kb_min_count: settings
            .kb_min_count
            .clamp(1, escalator_aggregator::processor::MAX_OCCURRENCES),
    };
    let code = run_kafka_service(
        "aggregator",
        settings.service.clone(),
        processor,
        inputs,
        http::router(reports),
        escalator_aggregator::metrics::describe,
        Some(inbox),
    );
    std::process::exit(code);
}
