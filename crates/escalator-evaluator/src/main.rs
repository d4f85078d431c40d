//! `escalator-evaluator`: the evaluator as a Kafka service. HTTP adds
//! `GET /tickets/{ticket_id}/why` ("why not yet") to the ops endpoints.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use escalator_evaluator::state::TicketState;
use escalator_evaluator::{Evaluator, EvaluatorSettings, Policy, explain};
use escalator_runtime::query::{self, QueryHandle};
use escalator_runtime::{Clock, SystemClock};
use escalator_service::run_kafka_service;
use escalator_service::settings::{exit_config_error, load_or_exit};

struct Why {
    policy: Arc<Policy>,
    queries: QueryHandle<TicketState>,
}

async fn why(State(w): State<Arc<Why>>, UrlPath(ticket): UrlPath<String>) -> Response {
    match w.queries.get(ticket.as_bytes(), Duration::from_secs(5)).await {
        Ok(Some(state)) => Json(explain::why_not_yet(&w.policy, &state, SystemClock.now_ms())).into_response(),
        Ok(None) => (
            StatusCode::NOT_FOUND,
            Json(serde_json::json!({"error": "no state for this ticket on this instance", "ticket_id": ticket})),
        )
            .into_response(),
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, Json(serde_json::json!({"error": e.to_string()}))).into_response(),
    }
}

fn main() {
    let settings: EvaluatorSettings = load_or_exit("escalator-evaluator");
    let policy = match Policy::load(Path::new(&settings.policy_file)) {
        Ok(p) => Arc::new(p),
        Err(e) => exit_config_error("escalator-evaluator", &e.to_string()),
    };
    let (handle, inbox) = query::channel(64);
    let router = Router::new()
        .route("/tickets/{ticket_id}/why", get(why))
        .with_state(Arc::new(Why {
            policy: policy.clone(),
            queries: handle,
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
