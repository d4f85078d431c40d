//! `GET /tickets/{ticket_id}/why` ("why not yet"): the ticket's state, every
//! rule's observed value, threshold and progress, and the next deadline,
//! from committed state. Served by the evaluator service and `escalator run`.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use escalator_runtime::Clock;
use escalator_runtime::query::QueryHandle;

use crate::explain;
use crate::policy::Policy;
use crate::state::TicketState;

pub struct Why {
    pub policy: Arc<Policy>,
    pub queries: QueryHandle<TicketState>,
    /// The driver's clock: progress is measured at the time the processor
    /// sees (event time in a replay-paced run).
    pub clock: Arc<dyn Clock>,
}

pub fn router(why: Arc<Why>) -> Router {
    Router::new()
        .route("/tickets/{ticket_id}/why", get(handle))
        .with_state(why)
}

async fn handle(State(w): State<Arc<Why>>, Path(ticket): Path<String>) -> Response {
    match w.queries.get(ticket.as_bytes(), Duration::from_secs(5)).await {
        Ok(Some(state)) => {
            Json(explain::why_not_yet(&w.policy, &state, w.clock.now_ms())).into_response()
        }
        Ok(None) => (
            StatusCode::NOT_FOUND,
            Json(serde_json::json!({"error": "no state for this ticket on this instance", "ticket_id": ticket})),
        )
            .into_response(),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({"error": e.to_string()})),
        )
            .into_response(),
    }
}
