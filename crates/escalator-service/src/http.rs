//! The operational HTTP endpoints every service serves.

use std::net::SocketAddr;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use escalator_runtime::Health;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct HttpSettings {
    /// Address of `/metrics`, `/healthz`, `/readyz` and the service's own
    /// routes. Loopback by default: expose it deliberately.
    pub listen: String,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            listen: "127.0.0.1:9464".into(),
        }
    }
}

#[derive(Clone)]
struct Ops {
    health: Health,
    metrics: Option<escalator_metrics::Handle>,
}

/// `/metrics`, `/healthz` and `/readyz`.
pub fn ops_router(health: Health, metrics: Option<escalator_metrics::Handle>) -> Router {
    Router::new()
        .route("/metrics", get(render_metrics))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .with_state(Ops { health, metrics })
}

async fn render_metrics(State(ops): State<Ops>) -> impl IntoResponse {
    let body = ops.metrics.as_ref().map(|h| h.render()).unwrap_or_default();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
}

async fn healthz(State(ops): State<Ops>) -> impl IntoResponse {
    if ops.health.is_live() {
        (StatusCode::OK, "ok\n")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "failed\n")
    }
}

async fn readyz(State(ops): State<Ops>) -> impl IntoResponse {
    if ops.health.is_ready() {
        (StatusCode::OK, "ready\n")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "not ready\n")
    }
}

/// Binds and serves `router` until `shutdown` resolves.
pub async fn serve(
    listen: &str,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    let handle = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router)
            .with_graceful_shutdown(shutdown)
            .await
        {
            tracing::error!(error = %e, "http server failed");
        }
    });
    Ok((addr, handle))
}
