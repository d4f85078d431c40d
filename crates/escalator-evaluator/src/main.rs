//! `escalator-evaluator`: the evaluator as a Kafka service. HTTP adds
//! `GET /tickets/{ticket_id}/why` ("why not yet") to the ops endpoints.

use std::path::{Path, PathBuf};
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
use escalator_service::{load_settings, run_kafka_service};

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
    let args: Vec<String> = std::env::args().skip(1).collect();
    let config = args
        .windows(2)
        .find(|w| w[0] == "--config")
        .map(|w| PathBuf::from(&w[1]))
        .or_else(|| std::env::var_os("ESCALATOR_CONFIG").map(PathBuf::from));
    let env = escalator_service::settings::process_env();
    let settings: EvaluatorSettings = match load_settings(config.as_deref(), &env) {
        Ok(s) => s,
        Err(e) => fail(&e.to_string()),
    };
    let policy = match Policy::load(Path::new(&settings.policy_file)) {
        Ok(p) => Arc::new(p),
        Err(e) => fail(&e.to_string()),
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

fn fail(message: &str) -> ! {
    eprintln!("escalator-evaluator: {message}");
    std::process::exit(78);
}
